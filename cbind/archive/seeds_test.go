//go:build lua53

package archive

import (
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/FuzzDecode from the golden and malformed files")

// decodeSeeds are the FuzzDecode seeds the testdata files give: the archive of
// every golden call frame up to 2 KiB and of every malformed case up to 4 KiB.
func decodeSeeds(t *testing.T) map[string][]byte {
	seeds := map[string][]byte{"nested_40": nestedArchive(40)}
	for _, c := range readJSONL[callCase](t, "golden_calls.jsonl") {
		if c.Hex != "" && len(c.Hex)/2 < 2048 {
			seeds[fmt.Sprintf("call_%02d", c.I)] = unhex(t, c.Hex)[1:]
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
	dir := filepath.Join("testdata", "fuzz", "FuzzDecode")
	for name, want := range decodeSeeds(t) {
		path := filepath.Join(dir, name)
		if *updateSeeds {
			text := "go test fuzz v1\n[]byte(" + strconv.Quote(string(want)) + ")\n"
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := readSeed(path)
		if err != nil || string(got) != string(want) {
			t.Errorf("%s: %v (run go test -tags lua53 -run TestSeedCorpus -update-seeds)", path, err)
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
