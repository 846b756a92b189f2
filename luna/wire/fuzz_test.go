package wire

import (
	"bytes"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

// Seed corpora live in testdata/fuzz/<Target>/, built from golden_calls.jsonl,
// golden_forward.jsonl and malformed.jsonl; the golden forward frames are also
// added here so the seeds follow the capture.

func addForwardSeeds(f *testing.F, withHeader bool) {
	for _, g := range corpus.ReadJSONL[forwardLine](f, "testdata/golden_forward.jsonl") {
		if g.Hex == "" {
			continue
		}
		if withHeader {
			f.Add(corpus.Unhex(f, g.LenHex+g.Hex))
		} else {
			f.Add(corpus.Unhex(f, g.Hex))
		}
	}
}

// FuzzParseFrame feeds a byte stream to the receive loop whole, then split in
// two at several points as TCP may deliver it, and requires the same frames
// and the same final verdict every time.
func FuzzParseFrame(f *testing.F) {
	addForwardSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, cache := range []int{DefaultCache, 16} {
			whole := &stream{cache: cache}
			whole.feed(data)
			checkFrames(t, whole)
			for _, cut := range cuts(len(data)) {
				split := &stream{cache: cache}
				split.feed(data[:cut])
				split.feed(data[cut:])
				if !split.same(whole) {
					t.Fatalf("cache %d, cut at %d: %d frames, %v, %d left; whole: %d frames, %v, %d left",
						cache, cut, len(split.payloads), split.status, len(split.buf),
						len(whole.payloads), whole.status, len(whole.buf))
				}
			}
		}
	})
}

// cuts returns the split points to try: all of them for short inputs, a
// spread of them otherwise.
func cuts(n int) []int {
	if n <= 64 {
		c := make([]int, n+1)
		for i := range c {
			c[i] = i
		}
		return c
	}
	c := []int{0, 1, 2, 3, n - 1, n}
	for i := 1; i < 16; i++ {
		c = append(c, n*i/16)
	}
	return c
}

func checkFrames(t *testing.T, s *stream) {
	for _, p := range s.payloads {
		if len(p) > MaxPayload(s.cache) {
			t.Fatalf("accepted a %d-byte payload with cache %d", len(p), s.cache)
		}
	}
	if s.status == FrameNeedMore && len(s.buf) > FrameBufferSize(s.cache) {
		t.Fatalf("waiting with %d bytes buffered, buffer is %d", len(s.buf), FrameBufferSize(s.cache))
	}
	if s.status == FrameComplete {
		t.Fatal("loop stopped on a complete frame")
	}
}

// FuzzParseForward parses a frame payload as a router does; whatever it
// accepts must survive a rebuild with AppendForwardHeader.
func FuzzParseForward(f *testing.F) {
	addForwardSeeds(f, false)
	f.Fuzz(func(t *testing.T, payload []byte) {
		fw, archive, err := ParseForward(payload)
		if err != nil {
			if fw != (Forward{}) || archive != nil {
				t.Fatalf("error %v with %+v, %x", err, fw, archive)
			}
			return
		}
		if !fw.Kind.IsForward() || len(archive) > len(payload) || !bytes.HasSuffix(payload, archive) {
			t.Fatalf("ParseForward(%x) = %+v, %x", payload, fw, archive)
		}
		if fw.Hash > 0xffffffff {
			return // not something our sender writes
		}
		id := fw.ID
		if fw.Kind != ForwardTarget {
			id = uint64(fw.Group)
		}
		frame := append(AppendForwardHeader(nil, fw.Kind, id, uint32(fw.Hash), len(archive)), archive...)
		h, n, st := ParseFrame(frame, len(frame))
		if st != FrameComplete || h+n != len(frame) {
			t.Fatalf("rebuilt frame %x: %d, %d, %v", frame, h, n, st)
		}
		fw2, archive2, err := ParseForward(frame[h:])
		if err != nil || fw2 != fw || !bytes.Equal(archive2, archive) {
			t.Fatalf("rebuilt %x parses as %+v, %x, %v; want %+v", frame, fw2, archive2, err, fw)
		}
	})
}
