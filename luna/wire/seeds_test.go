package wire

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite the fuzz seeds derived from testdata/*.jsonl")

// fuzzSeeds returns the seeds the testdata files give, by target: every golden forward frame (and its payload), and every malformed
// case (cut to 64 bytes past 4 KiB; its payload when it is one short frame).
// The call_* seeds of FuzzParseFrame come from golden_calls.jsonl, which
// lives in cbind/archive/testdata.
func fuzzSeeds(t *testing.T) map[string]map[string][]byte {
	frames, payloads := map[string][]byte{}, map[string][]byte{}
	for i, g := range corpus.ReadJSONL[forwardLine](t, "testdata/golden_forward.jsonl") {
		if g.Hex != "" {
			name := fmt.Sprintf("fwd_%02d", i)
			frames[name] = corpus.Unhex(t, g.LenHex+g.Hex)
			payloads[name] = corpus.Unhex(t, g.Hex)
		}
	}
	for _, c := range corpus.ReadJSONL[malformedLine](t, "testdata/malformed.jsonl") {
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
		corpus.CheckSeeds(t, filepath.Join("testdata", "fuzz", target), seeds, *updateSeeds,
			"go test -run TestSeedCorpus -update-seeds")
	}
}
