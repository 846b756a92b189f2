package node

import "testing"

// The handshake parser takes any bytes, cut anywhere, without panicking;
// it consumes no more than the handshake's length, and lets in only the
// peer that proves a key.
func FuzzHandshake(f *testing.F) {
	keys := [][]byte{[]byte("fuzz-cluster-key-0123456789")}
	_, hello := newHandshake(keys, true)
	f.Add(hello, uint8(1))
	f.Add(append(hello, make([]byte, authProofLen)...), uint8(7))
	f.Add([]byte("luna\x02d"), uint8(3))
	f.Add(append([]byte{0x0b, 0x00}, make([]byte, 80)...), uint8(0)) // a plain call frame
	f.Fuzz(func(t *testing.T, in []byte, cut uint8) {
		for _, dial := range []bool{false, true} {
			h, _ := newHandshake(keys, dial)
			step := int(cut%16) + 1
			total := 0
			for off := 0; off < len(in); off += step {
				chunk := in[off:min(off+step, len(in))]
				consumed, _, done, err := h.feed(chunk)
				if consumed < 0 || consumed > len(chunk) {
					t.Fatalf("consumed %d of %d", consumed, len(chunk))
				}
				total += consumed
				if total > authLen {
					t.Fatalf("consumed %d bytes, more than the handshake's %d", total, authLen)
				}
				if done {
					// the input would have to carry an HMAC of our fresh nonce
					t.Fatalf("a handshake of %d fuzzed bytes got in", total)
				}
				if err != nil {
					break
				}
			}
		}
	})
}
