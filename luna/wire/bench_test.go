package wire

import "testing"

func BenchmarkParseFrame(b *testing.B) {
	frame := []byte{0x07, 0x00, 0x03, 0x04, 's', 'i', 'n', 'k', 0x02, 0xe4, 0x0b}
	b.ReportAllocs()
	for b.Loop() {
		if _, _, st := ParseFrame(frame, DefaultCache); st != FrameComplete {
			b.Fatal(st)
		}
	}
}

// BenchmarkRoute is a router's share of a forward: parse the frame and the
// forward header, write the new call header.
func BenchmarkRoute(b *testing.B) {
	frame := []byte{0x14, 0x05, 0x02, 0xbf, 0xa4, 0xa7, 0x26, 0x03, 0x01, 0x66, 0x0d,
		0x03, 0x08, 'h', 'a', 's', 'h', '_', 's', 't', 'r'}
	var hdr [MaxCallHeaderLen]byte
	b.ReportAllocs()
	for b.Loop() {
		h, n, _ := ParseFrame(frame, DefaultCache)
		f, archive, err := ParseForward(frame[h : h+n])
		if err != nil || f.Hash != 80335423 {
			b.Fatal(err)
		}
		PutCallHeader(&hdr, len(archive))
	}
}
