package tests

import "encoding/binary"

// Frames and archive values built by hand (wire.md), for tests that talk
// to luna over raw sockets.

// frameOf joins payload parts and puts the length header in front.
func frameOf(parts ...[]byte) []byte {
	var payload []byte
	for _, p := range parts {
		payload = append(payload, p...)
	}
	return append(binary.AppendUvarint(nil, uint64(len(payload))), payload...)
}

// arcString is a code-3 string value.
func arcString(s string) []byte {
	return append(binary.AppendUvarint([]byte{3}, uint64(len(s))), s...)
}

// arcInt is an integer value, encoded as the reference does: 0..246 in one
// byte, anything else as code 2 and a zigzag uvarint (shifted by 246 above).
func arcInt(v int64) []byte {
	if v >= 0 && v <= 246 {
		return []byte{byte(v + 9)}
	}
	if v > 246 {
		v -= 246
	}
	var u uint64
	if v >= 0 {
		u = uint64(v) << 1
	} else {
		u = uint64(-v)<<1 | 1
	}
	return binary.AppendUvarint([]byte{2}, u)
}
