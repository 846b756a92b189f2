package tests

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// adminServer starts admin_server.lua with env; it returns the process, its
// RPC port and its admin base URL.
func adminServer(t *testing.T, env []string) (*proc, string, string) {
	t.Helper()
	p := startLuna(t, env, script("admin_server.lua"))
	f := strings.Fields(p.waitLine("READY ", 10*time.Second))
	if len(f) != 4 {
		t.Fatalf("READY line %q", f)
	}
	return p, f[1], "http://127.0.0.1:" + f[3]
}

// scrapeMetrics fetches a /metrics page and parses it strictly as the
// Prometheus text format; lookup gives a family's first sample (a gauge or
// a counter), ok false when the family is not there.
func scrapeMetrics(t *testing.T, url string) (lookup func(name string) (float64, bool), body string) {
	t.Helper()
	code, body := get(t, url, "")
	if code != 200 {
		t.Fatalf("%s: %d %q", url, code, body)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the metrics do not parse: %v\n%s", err, body)
	}
	return func(name string) (float64, bool) {
		f := families[name]
		if f == nil || len(f.Metric) == 0 {
			return 0, false
		}
		m := f.Metric[0]
		switch {
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		}
		return 0, true
	}, body
}

// get fetches url with an optional bearer token: status and body.
func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// until polls f every 20 ms for up to limit.
func until(t *testing.T, limit time.Duration, what string, f func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !f(); {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// promtoolCheck runs promtool check metrics on a /metrics body.
func promtoolCheck(t *testing.T, body string) {
	t.Helper()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool is not installed (scripts/deps.sh installs Debian's prometheus)")
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// callFrames connects to port and writes frames.
func callFrames(t *testing.T, port string, frames ...[]byte) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for _, f := range frames {
		if _, err := c.Write(f); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestAdminMetricsHealthReady(t *testing.T) {
	p, port, base := adminServer(t, []string{"LUNA_ADMIN_STALL_MS=500"})
	if code, body := get(t, base+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz", ""); code != 503 || !strings.Contains(body, "luna.admin.ready(true)") {
		t.Fatalf("/readyz before ready: %d %q", code, body)
	}
	if r := runLuna(t, 10*time.Second, nil, "--probe", base+"/readyz"); r.code != 1 || !strings.Contains(r.out, "503") {
		t.Fatalf("luna --probe before ready: exit %d, %q", r.code, r.out)
	}
	c := callFrames(t, port, callFrame("ready", arcInt(1)), callFrame("echo", arcInt(7)))
	until(t, 5*time.Second, "ready", func() bool { code, _ := get(t, base+"/readyz", ""); return code == 200 })
	if r := runLuna(t, 10*time.Second, nil, "--probe", base+"/readyz"); r.code != 0 || !strings.Contains(r.out, "200 OK: ready") {
		t.Fatalf("luna --probe when ready: exit %d, %q", r.code, r.out)
	}

	lookup, body := scrapeMetrics(t, base+"/metrics")
	value := func(name string) float64 {
		v, ok := lookup(name)
		if !ok {
			t.Fatalf("no %s in\n%s", name, body)
		}
		return v
	}
	if v := value("luna_streams"); v != 1 {
		t.Errorf("luna_streams %v, want 1", v)
	}
	if v := value("luna_listeners"); v != 1 {
		t.Errorf("luna_listeners %v, want 1", v)
	}
	if v := value("luna_connections_accepted_total"); v != 1 {
		t.Errorf("luna_connections_accepted_total %v, want 1", v)
	}
	if v := value("luna_bytes_received_total"); v < float64(len(callFrame("ready", arcInt(1)))) {
		t.Errorf("luna_bytes_received_total %v", v)
	}
	if v := value("luna_lua_memory_bytes"); v < 10<<10 {
		t.Errorf("luna_lua_memory_bytes %v", v)
	}
	for _, name := range []string{"luna_frames_sent_total", "luna_loop_busy_seconds_total", "go_goroutines", "process_resident_memory_bytes"} {
		value(name)
	}
	promtoolCheck(t, body)

	// the console, read-only without a token
	var streams []struct {
		Manager int `json:"manager"`
		Streams []struct {
			Token    uint32 `json:"token"`
			State    string `json:"state"`
			FramesIn uint64 `json:"frames_in"`
		} `json:"streams"`
	}
	if code, body := get(t, base+"/debug/streams", ""); code != 200 || json.Unmarshal([]byte(body), &streams) != nil ||
		len(streams) != 1 || len(streams[0].Streams) != 1 || streams[0].Streams[0].State != "open" || streams[0].Streams[0].FramesIn != 2 {
		t.Errorf("/debug/streams: %d %s", code, body)
	}
	if code, body := get(t, base+"/debug/gc", ""); code != 200 || !strings.Contains(body, `"lua_bytes"`) {
		t.Errorf("/debug/gc: %d %s", code, body)
	}
	for _, path := range []string{"/debug/gc", "/debug/eval", "/debug/reload"} {
		if code, body := post(t, base+path, "", "return 1"); code != 403 || !strings.Contains(body, "read-only") {
			t.Errorf("POST %s without a token: %d %s", path, code, body)
		}
	}

	// a Lua thread kept away from wait turns /healthz to 503, and back
	c.Write(callFrame("stall", arcInt(1500)))
	until(t, 5*time.Second, "/healthz 503", func() bool {
		code, body := get(t, base+"/healthz", "")
		return code == 503 && strings.Contains(body, "stalled")
	})
	until(t, 5*time.Second, "/healthz 200 again", func() bool { code, _ := get(t, base+"/healthz", ""); return code == 200 })

	// SIGTERM: not ready while it drains
	p.cmd.Process.Signal(syscall.SIGTERM)
	until(t, 5*time.Second, "/readyz 503 draining", func() bool {
		code, body := get(t, base+"/readyz", "")
		return code == 503 && strings.Contains(body, "draining")
	})
}

func TestAdminToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "admin.token")
	os.WriteFile(path, []byte("s3cret-admin-token\n"), 0o600)
	_, _, base := adminServer(t, []string{"LUNA_ADMIN_TOKEN_FILE=" + path})
	for _, c := range []struct {
		path, token string
		want        int
	}{
		{"/metrics", "", 401},
		{"/metrics", "wrong", 401},
		{"/metrics", "s3cret-admin-token", 200},
		{"/healthz", "", 200},
		{"/readyz", "", 503},
		{"/debug/streams", "", 401},
	} {
		if code, body := get(t, base+c.path, c.token); code != c.want {
			t.Errorf("%s with token %q: %d %q, want %d", c.path, c.token, code, body, c.want)
		}
	}
	const tok = "s3cret-admin-token"
	for _, c := range []struct {
		path, body string
		want       int
		has        string
	}{
		{"/debug/eval", "answer = 42; return 1 + 1, 'x', nil", 200, `"results": [
    "2",
    "x",
    "nil"
  ]`},
		{"/debug/eval", "return answer", 200, `"42"`},
		{"/debug/eval", "error('boom')", 422, "eval:1: boom"},
		{"/debug/eval", "this is not lua", 422, "syntax error"},
		{"/debug/gc", "", 200, `"lua_bytes_before"`},
		{"/debug/reload", "", 200, `"reloads"`},
	} {
		if code, body := post(t, base+c.path, tok, c.body); code != c.want || !strings.Contains(body, c.has) {
			t.Errorf("POST %s %q: %d %s, want %d and %q", c.path, c.body, code, body, c.want, c.has)
		}
	}
	if code, _ := get(t, base+"/debug/eval", tok); code != 405 {
		t.Errorf("GET /debug/eval: %d, want 405", code)
	}
}

// post sends body to url with an optional bearer token: status and body.
func post(t *testing.T, url, token, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestAdminFromEnvironment(t *testing.T) {
	port := freePort(t)
	p := startLuna(t, []string{"LUNA_ADMIN=:" + port}, script("echo_server.lua"), "0")
	p.waitLine("READY ", 10*time.Second)
	if code, body := get(t, "http://127.0.0.1:"+port+"/healthz", ""); code != 200 {
		t.Fatalf("/healthz %d %q", code, body)
	}
	r := runLuna(t, 10*time.Second, []string{"LUNA_ADMIN=nonsense"}, script("one_shot.lua"))
	if r.code != 1 || !strings.Contains(r.out, "LUNA_ADMIN=nonsense") {
		t.Fatalf("a bad LUNA_ADMIN: exit %d, %q", r.code, r.out)
	}
}

// Families a script made with luna.metrics are served beside the
// runtime's, and every misuse raises a clear error.
func TestScriptMetrics(t *testing.T) {
	p := startLuna(t, nil, script("admin_metrics.lua"))
	base := "http://127.0.0.1:" + strings.TrimPrefix(p.waitLine("ADMIN ", 10*time.Second), "ADMIN ")
	if n := strings.Count(p.output(), " ok"); n != 15 || strings.Contains(p.output(), "FAIL") {
		t.Fatalf("want 15 cases ok:\n%s", p.output())
	}
	code, body := get(t, base+"/metrics", "")
	if code != 200 {
		t.Fatalf("/metrics %d", code)
	}
	for _, want := range []string{
		"# HELP game_calls_total Calls handled, by message.", "# TYPE game_calls_total counter",
		`game_calls_total{msg="login"} 5`, `game_calls_total{msg="logout"} 1`,
		"# TYPE game_players gauge", "game_players 40", "game_ticks_total 1",
		"# TYPE game_latency_seconds histogram",
		`game_latency_seconds_bucket{route="match",le="0.01"} 1`, `game_latency_seconds_bucket{route="match",le="0.1"} 2`,
		`game_latency_seconds_bucket{route="match",le="1"} 3`, `game_latency_seconds_bucket{route="match",le="+Inf"} 4`,
		`game_latency_seconds_sum{route="match"} 5.555`, `game_latency_seconds_count{route="match"} 4`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("no %q in /metrics", want)
		}
	}
	promtoolCheck(t, body)
}
