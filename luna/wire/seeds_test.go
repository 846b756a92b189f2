package wire

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seeds derived from testdata/*.jsonl")

// fuzzSeeds returns the seeds the testdata files give, by target: every golden forward frame (and its payload), and every malformed
// case (cut to 64 bytes past 4 KiB; its payload when it is one short frame).
// The call_* seeds of FuzzParseFrame come from golden_calls.jsonl, which
// lives in cbind/archive/testdata.
func fuzzSeeds(t *testing.T) map[string]map[string][]byte {
	frames, payloads := map[string][]byte{}, map[string][]byte{}
	for i, g := range readJSONL[forwardLine](t, "golden_forward.jsonl") {
		if g.Hex != "" {
			name := fmt.Sprintf("fwd_%02d", i)
			frames[name] = unhex(t, g.LenHex+g.Hex)
			payloads[name] = unhex(t, g.Hex)
		}
	}
	for _, c := range readJSONL[malformedLine](t, "malformed.jsonl") {
		b := bytes.Join(malformedBytes(c.Name), nil)
		name := "malformed_" + strings.NewReplacer("^", "", "-", "_").Replace(c.Name)
		if n, k := Uvarint(b); k > 0 && uint64(len(b)-k) >= n && n < 4096 {
			payloads[name] = b[k : k+int(n)]
		}
		if len(b) > 4096 {
			b = b[:64]
		}
		frames[name] = b
	}
	return map[string]map[string][]byte{"FuzzParseFrame": frames, "FuzzParseForward": payloads}
}

// TestSeedCorpus checks that testdata/fuzz holds the seeds the testdata
// files give; -update-seeds rewrites them.
func TestSeedCorpus(t *testing.T) {
	for target, seeds := range fuzzSeeds(t) {
		for name, want := range seeds {
			path := filepath.Join("testdata", "fuzz", target, name)
			if *updateSeeds {
				text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(want)) + ")\n"
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := readSeed(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: %v (run go test -run TestSeedCorpus -update-seeds)", path, err)
			}
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
