//go:build lua53

package archive

import (
	"encoding/binary"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecode from the golden and malformed files")

// decodeSeeds are the FuzzDecode seeds the testdata files give: the archive of
// every golden call frame up to 2 KiB and of every malformed case up to 4 KiB.
func decodeSeeds(t *testing.T) map[string][]byte {
	seeds := map[string][]byte{"nested_40": nestedArchive(40)}
	for _, c := range corpus.ReadJSONL[callCase](t, "testdata/golden_calls.jsonl") {
		if c.Hex != "" && len(c.Hex)/2 < 2048 {
			seeds[fmt.Sprintf("call_%02d", c.I)] = corpus.Unhex(t, c.Hex)[1:]
		}
	}
	for name, m := range malformedArchives {
		if len(m.frame) > 4096 {
			continue
		}
		_, k := binary.Uvarint(m.frame)
		name = strings.NewReplacer("^", "", "-", "_").Replace(name)
		seeds["malformed_"+name] = m.frame[k+1:]
	}
	return seeds
}

// TestSeedCorpus checks that the seed corpus holds the seeds the testdata
// files give; -update-seeds rewrites them.
func TestSeedCorpus(t *testing.T) {
	corpus.CheckSeeds(t, filepath.Join("testdata", "fuzz", "FuzzDecode"), decodeSeeds(t), *updateSeeds,
		"go test -tags lua53 -run TestSeedCorpus -update-seeds")
}
