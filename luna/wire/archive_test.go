package wire

import (
	"bytes"
	"math"
	"testing"
)

// The bytes are those of wire.md's table (and of cbind/archive's encoder).
func TestArchiveValues(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want []byte
	}{
		{0, []byte{9}}, {246, []byte{255}}, {247, []byte{2, 2}}, {-1, []byte{2, 3}},
		{300, []byte{2, 108}}, {math.MinInt64, []byte{2, 1}},
	} {
		if got := AppendArchiveInt(nil, c.v); !bytes.Equal(got, c.want) {
			t.Errorf("int %d: %x, want %x", c.v, got, c.want)
		}
	}
	a := AppendArchiveString(nil, "sink")
	if !bytes.Equal(a, []byte{3, 4, 's', 'i', 'n', 'k'}) {
		t.Errorf("string: %x", a)
	}
	if s, ok := ArchiveFirstString(AppendArchiveInt(a, 42)); !ok || s != "sink" {
		t.Errorf("first string %q %v", s, ok)
	}
	for _, bad := range [][]byte{nil, {3}, {3, 5, 'a'}, {9}, {3, 0x80}} {
		if s, ok := ArchiveFirstString(bad); ok {
			t.Errorf("ArchiveFirstString(%x) = %q", bad, s)
		}
	}
}
