// Package corpus holds the test helpers shared by the packages whose tests
// replay the reference's captures (testdata/*.jsonl) and keep fuzz seed
// corpora derived from them: cbind/archive and luna/wire.
package corpus

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// ReadJSONL decodes every line of the file at path into a T.
func ReadJSONL[T any](tb testing.TB, path string) []T {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Unhex decodes a hex string of a capture.
func Unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// CheckSeeds checks that dir (testdata/fuzz/<target>) holds exactly the
// given one-[]byte seeds, or rewrites them when update is set. hint is the
// command that regenerates them, for the failure message.
func CheckSeeds(t *testing.T, dir string, seeds map[string][]byte, update bool, hint string) {
	t.Helper()
	for name, want := range seeds {
		path := filepath.Join(dir, name)
		if update {
			text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(want)) + ")\n"
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := readSeed(path)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v (run %s)", path, err, hint)
		}
	}
}

// readSeed reads a one-[]byte fuzz corpus file.
func readSeed(path string) ([]byte, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	body, ok := strings.CutPrefix(string(text), "go test fuzz v1\n[]byte(")
	body, ok2 := strings.CutSuffix(strings.TrimSpace(body), ")")
	if !ok || !ok2 {
		return nil, fmt.Errorf("not a []byte corpus file")
	}
	s, err := strconv.Unquote(body)
	return []byte(s), err
}
