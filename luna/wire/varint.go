package wire

import "math"

// MaxVarintLen is the longest uvarint or svarint: 10 bytes for 64 bits.
const MaxVarintLen = 10

// UvarintLen reports how many bytes uvarint(v) takes.
func UvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// PutUvarint writes uvarint(v) at the start of buf, which must hold at least
// UvarintLen(v) bytes, and returns the number of bytes written.
func PutUvarint(buf []byte, v uint64) int {
	i := 0
	for v >= 0x80 {
		buf[i] = byte(v) | 0x80
		v >>= 7
		i++
	}
	buf[i] = byte(v)
	return i + 1
}

// AppendUvarint appends uvarint(v) to dst.
func AppendUvarint(dst []byte, v uint64) []byte {
	for v >= 0x80 {
		dst = append(dst, byte(v)|0x80)
		v >>= 7
	}
	return append(dst, byte(v))
}

// Uvarint decodes the uvarint at the start of buf. It returns the value and
// the number of bytes read; n == 0 means buf ends inside the varint (more data
// may complete it) and n < 0 means the varint is malformed: it runs past
// MaxVarintLen bytes or its 10th byte overflows 64 bits.
func Uvarint(buf []byte) (v uint64, n int) {
	for i, b := range buf {
		if i == MaxVarintLen-1 && b > 1 {
			return 0, -1
		}
		v |= uint64(b&0x7f) << (7 * uint(i))
		if b < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// SvarintBits maps a signed value to the unsigned value that svarint writes:
// v >= 0 → 2v; v < 0 → 2·(-v)+1, mod 2^64 (so math.MinInt64 → 1).
func SvarintBits(v int64) uint64 {
	if v >= 0 {
		return uint64(v) << 1
	}
	return -uint64(v)<<1 | 1
}

// SvarintValue inverts SvarintBits. u == 1 gives math.MinInt64: the reference
// decoded it as 0 (a negative zero), but math.MinInt64 is the only value whose
// encoding is 1, so that is what we return.
func SvarintValue(u uint64) int64 {
	if u&1 == 0 {
		return int64(u >> 1)
	}
	if u == 1 {
		return math.MinInt64
	}
	return -int64(u >> 1)
}

// AppendSvarint appends svarint(v) to dst.
func AppendSvarint(dst []byte, v int64) []byte {
	return AppendUvarint(dst, SvarintBits(v))
}

// Svarint decodes the svarint at the start of buf; n has the meaning it has
// for Uvarint.
func Svarint(buf []byte) (v int64, n int) {
	u, n := Uvarint(buf)
	if n <= 0 {
		return 0, n
	}
	return SvarintValue(u), n
}
