package tests

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

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

// callFrame is the frame of call(name, values...), each value already
// encoded.
func callFrame(name string, values ...[]byte) []byte {
	return frameOf(append([][]byte{{0}, arcString(name)}, values...)...)
}

// uvarint is v as a uvarint.
func uvarint(v uint64) []byte { return binary.AppendUvarint(nil, v) }

// readFrame reads one frame from r and returns its payload; frames over
// 16 MiB are refused.
func readFrame(r *bufio.Reader) ([]byte, error) {
	n, err := binary.ReadUvarint(r)
	if err == nil && n > 1<<24 {
		err = fmt.Errorf("frame of %d bytes from the server", n)
	}
	if err != nil {
		return nil, err
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		return nil, err
	}
	return p, nil
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

// parseArcInt is the inverse of arcInt: the integer v encodes, if v is
// exactly one integer value.
func parseArcInt(v []byte) (int64, bool) {
	switch {
	case len(v) == 1 && v[0] >= 9:
		return int64(v[0]) - 9, true
	case len(v) > 1 && v[0] == 2:
		u, n := binary.Uvarint(v[1:])
		if n <= 0 || 1+n != len(v) {
			return 0, false
		}
		x := int64(u >> 1)
		if u&1 != 0 {
			x = -x
		}
		if x >= 0 {
			x += 246
		}
		return x, true
	}
	return 0, false
}
