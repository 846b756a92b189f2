package wire

// A few archive values written and read in Go (wire.md, "Archive"), for
// the frames the router itself makes and reads: the codec proper is in C
// (cbind/archive), and these write the same bytes.

const (
	arcInt      = 2
	arcString   = 3
	arcSmallMin = 9 // codes 9..255: the integers 0..246
	arcSmallMax = 246
)

// AppendArchiveString appends the archive value of string s (code 3).
func AppendArchiveString(dst []byte, s string) []byte {
	dst = append(dst, arcString)
	dst = AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// AppendArchiveInt appends the archive value of integer v: one byte for
// 0..246, code 2 and the shifted signed varint otherwise.
func AppendArchiveInt(dst []byte, v int64) []byte {
	if v >= 0 && v <= arcSmallMax {
		return append(dst, byte(arcSmallMin+v))
	}
	if v > arcSmallMax {
		v -= arcSmallMax
	}
	u := uint64(v) << 1 // svarint: 2v for v >= 0
	if v < 0 {
		u = uint64(-v)<<1 | 1 // 2(-v)+1; math.MinInt64 wraps to 1, the reference's bytes
	}
	return AppendUvarint(append(dst, arcInt), u)
}

// ArchiveFirstString is the archive's first value when it is a string
// (code 3), as the message name of a call is.
func ArchiveFirstString(archive []byte) (string, bool) {
	if len(archive) < 2 || archive[0] != arcString {
		return "", false
	}
	n, k, err := readUvarint(archive[1:])
	if err != nil || n > uint64(len(archive)-1-k) {
		return "", false
	}
	return string(archive[1+k : 1+k+int(n)]), true
}
