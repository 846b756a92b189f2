package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

func TestUvarint(t *testing.T) {
	tests := []struct {
		hex  string
		v    uint64
		n    int
		note string
	}{
		{"00", 0, 1, ""},
		{"7f", 127, 1, ""},
		{"8001", 128, 2, ""},
		{"fcff03", 65532, 3, "golden: largest receivable frame header"},
		{"808004", 65536, 3, "golden: 65539-byte frame header"},
		{"8000", 0, 2, "non-canonical zero is accepted (as binary.Uvarint does)"},
		{"ffffffffffffffffff01", math.MaxUint64, 10, "10 bytes, the longest"},
		{"", 0, 0, "empty: need more"},
		{"80", 0, 0, "truncated"},
		{"8080", 0, 0, "golden truncated_varint"},
		{"ffffffffffffffffff", 0, 0, "9 continuation bytes: need more"},
		{"ffffffffffffffffff02", 0, -1, "10th byte overflows 64 bits"},
		{"ffffffffffffffffff81", 0, -1, "10th byte has a continuation bit"},
		{"ffffffffffffffffffff01", 0, -1, "golden overlong_varint_11"},
	}
	for _, tt := range tests {
		v, n := Uvarint(corpus.Unhex(t, tt.hex))
		if v != tt.v || n != tt.n {
			t.Errorf("Uvarint(%s) = %d, %d; want %d, %d (%s)", tt.hex, v, n, tt.v, tt.n, tt.note)
		}
	}
}

func TestUvarintMatchesEncodingBinary(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var std [binary.MaxVarintLen64]byte
	var ours [MaxVarintLen]byte
	for i := 0; i < 10000; i++ {
		v := r.Uint64() >> (r.UintN(64))
		k := binary.PutUvarint(std[:], v)
		if n := PutUvarint(ours[:], v); n != k || !bytes.Equal(std[:k], ours[:n]) {
			t.Fatalf("PutUvarint(%d) = %x, want %x", v, ours[:n], std[:k])
		}
		if got := AppendUvarint(nil, v); !bytes.Equal(got, std[:k]) {
			t.Fatalf("AppendUvarint(%d) = %x, want %x", v, got, std[:k])
		}
		if UvarintLen(v) != k {
			t.Fatalf("UvarintLen(%d) = %d, want %d", v, UvarintLen(v), k)
		}
		if got, n := Uvarint(std[:k]); got != v || n != k {
			t.Fatalf("Uvarint(%x) = %d, %d", std[:k], got, n)
		}
		if _, n := Uvarint(std[:k-1]); n != 0 {
			t.Fatalf("Uvarint(truncated %x) n = %d, want 0", std[:k-1], n)
		}
	}
}

func TestSvarint(t *testing.T) {
	tests := []struct {
		v   int64
		hex string
	}{
		{0, "00"},
		{1, "02"},
		{-1, "03"},
		{-2, "05"},
		{63, "7e"},
		{64, "8001"},
		{-64, "8101"},
		{-65, "8301"},
		{math.MaxInt64, "feffffffffffffffff01"},
		{math.MinInt64 + 1, "ffffffffffffffffff01"},
		// The reference's overflow: -MinInt64 wraps, 2·2^63+1 = 1 mod 2^64.
		{math.MinInt64, "01"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(AppendSvarint(nil, tt.v)); got != tt.hex {
			t.Errorf("AppendSvarint(%d) = %s, want %s", tt.v, got, tt.hex)
		}
		v, n := Svarint(corpus.Unhex(t, tt.hex))
		if v != tt.v || n != len(tt.hex)/2 {
			t.Errorf("Svarint(%s) = %d, %d; want %d", tt.hex, v, n, tt.v)
		}
	}
	if _, n := Svarint([]byte{0x80}); n != 0 {
		t.Errorf("Svarint(80) n = %d, want 0", n)
	}
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 10000; i++ {
		v := int64(r.Uint64()) >> r.UintN(64)
		if got := SvarintValue(SvarintBits(v)); got != v {
			t.Fatalf("svarint round trip %d -> %d", v, got)
		}
	}
}
