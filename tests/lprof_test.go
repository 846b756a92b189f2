package tests

import (
	"bytes"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// The Lua profiler finds the script's hot function at the top, by
// "file:line name", in a profile go tool pprof reads.
func TestLuaProfilerFindsTheHotFunction(t *testing.T) {
	p := startLuna(t, nil, script("admin_hot.lua"))
	base := "http://127.0.0.1:" + strings.TrimPrefix(p.waitLine("ADMIN ", 10*time.Second), "ADMIN ")
	code, body := get(t, base+"/debug/lua/profile?seconds=2", "")
	if code != 200 {
		t.Fatalf("profile: %d %s", code, body)
	}
	prof, err := profile.Parse(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("not a pprof profile: %v", err)
	}
	flat := map[string]int64{}
	var total int64
	for _, s := range prof.Sample {
		if len(s.Location) == 0 || len(s.Location[0].Line) == 0 {
			continue
		}
		flat[s.Location[0].Line[0].Function.Name] += s.Value[0]
		total += s.Value[0]
	}
	names := make([]string, 0, len(flat))
	for n := range flat {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return flat[names[i]] > flat[names[j]] })
	if len(names) == 0 || !strings.HasSuffix(names[0], "admin_hot.lua:6 burn") || flat[names[0]]*2 < total {
		t.Fatalf("top of %d samples: %v (%v)", total, names, flat)
	}
	t.Logf("%d samples; top %q with %d", total, names[0], flat[names[0]])
	if code, body := get(t, base+"/debug/lua/profile?seconds=0", ""); code != 503 || !strings.Contains(body, "seconds must be") {
		t.Errorf("seconds=0: %d %s", code, body)
	}
}
