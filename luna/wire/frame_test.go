package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

func TestParseFrame(t *testing.T) {
	tests := []struct {
		name   string
		hex    string
		cache  int
		h, n   int
		status FrameStatus
	}{
		{"empty buffer", "", DefaultCache, 0, 0, FrameNeedMore},
		{"empty frame", "00", DefaultCache, 1, 0, FrameComplete},
		{"probe", "0800030570726f6265", DefaultCache, 1, 8, FrameComplete},
		{"probe and more", "0800030570726f6265ff", DefaultCache, 1, 8, FrameComplete},
		{"payload missing", "08000305", DefaultCache, 1, 8, FrameNeedMore},
		{"header cut", "80", DefaultCache, 0, 0, FrameNeedMore},
		{"non-canonical header", "8000", DefaultCache, 2, 0, FrameComplete},
		{"largest payload", "8a8004", DefaultCache, 3, 65546, FrameNeedMore},
		{"payload one over", "8c8004", DefaultCache, 0, 0, FrameTooLarge},
		{"10 GiB, partial header", "80808080", DefaultCache, 0, 0, FrameNeedMore},
		{"10 GiB", "8080808028", DefaultCache, 0, 0, FrameTooLarge},
		{"3 bytes already too large", "ffff7f", DefaultCache, 0, 0, FrameTooLarge},
		{"partial header already too large", "ffffff", DefaultCache, 0, 0, FrameTooLarge},
		{"2^64-1 wraps in C++", "ffffffffffffffffff01", DefaultCache, 0, 0, FrameTooLarge},
		{"2^64-1, unlimited cache", "ffffffffffffffffff01", math.MaxInt, 0, 0, FrameTooLarge},
		{"11-byte varint", "ffffffffffffffffffff01", DefaultCache, 0, 0, FrameTooLarge},
		{"10 zero continuation bytes", "80808080808080808080", DefaultCache, 0, 0, FrameMalformed},
		{"10th byte overflows", "8080808080808080800200", math.MaxInt, 0, 0, FrameMalformed},
		{"cache 0 still takes an envelope", "0b", 0, 1, 11, FrameNeedMore},
		{"cache 0", "0c", 0, 0, 0, FrameTooLarge},
		{"negative cache acts as 0", "0c", -5, 0, 0, FrameTooLarge},
	}
	for _, tt := range tests {
		h, n, st := ParseFrame(corpus.Unhex(t, tt.hex), tt.cache)
		if h != tt.h || n != tt.n || st != tt.status {
			t.Errorf("%s: ParseFrame(%s, %d) = %d, %d, %v; want %d, %d, %v",
				tt.name, tt.hex, tt.cache, h, n, st, tt.h, tt.n, tt.status)
		}
	}
}

func TestFrameBufferSize(t *testing.T) {
	if got := MaxPayload(DefaultCache); got != 65546 {
		t.Errorf("MaxPayload(default) = %d, want 65546", got)
	}
	if got := FrameBufferSize(DefaultCache); got != 65549 {
		t.Errorf("FrameBufferSize(default) = %d, want 65549", got)
	}
	for _, c := range []int{0, 1, 116, 117, 127, 16372, 16373, DefaultCache, 1 << 20, math.MaxInt} {
		size := FrameBufferSize(c)
		limit := MaxPayload(c)
		largest := AppendUvarint(nil, uint64(limit))
		if len(largest)+limit != size {
			t.Errorf("FrameBufferSize(%d) = %d, want %d", c, size, len(largest)+limit)
		}
		if _, _, st := ParseFrame(AppendUvarint(nil, uint64(limit)+1), c); st != FrameTooLarge {
			t.Errorf("cache %d: payload %d accepted", c, limit+1)
		}
	}
}

// Every frame a sender with the default package size can build (archive up
// to 65535 bytes, any message kind) must fit a receiver with default settings;
// the reference refused its own 65539-byte frames.
func TestDefaultSenderFitsDefaultReceiver(t *testing.T) {
	archive := bytes.Repeat([]byte{9}, DefaultCache)
	frames := map[string][]byte{
		"remote_call":                     AppendCallHeader(nil, len(archive)),
		"forward_target, 10-byte id":      AppendForwardHeader(nil, ForwardTarget, math.MaxUint64, 0, len(archive)),
		"forward_hash, widest group/hash": AppendForwardHeader(nil, ForwardHash, 255, math.MaxUint32, len(archive)),
		"forward_broadcast":               AppendForwardHeader(nil, ForwardBroadcast, 200, 0, len(archive)),
	}
	for name, header := range frames {
		if len(header) > MaxHeaderLen {
			t.Errorf("%s: header %d bytes > MaxHeaderLen", name, len(header))
		}
		frame := append(header, archive...)
		if len(frame) > FrameBufferSize(DefaultCache) {
			t.Errorf("%s: frame of %d bytes does not fit the %d-byte buffer", name, len(frame), FrameBufferSize(DefaultCache))
		}
		h, n, st := ParseFrame(frame, DefaultCache)
		if st != FrameComplete || h+n != len(frame) {
			t.Errorf("%s: ParseFrame = %d, %d, %v for a %d-byte frame", name, h, n, st, len(frame))
		}
	}
}

// What the hostile-frame corpus does to our receive loop, fed in the chunks
// capture.py sent.
func TestParseFrameMalformedCorpus(t *testing.T) {
	type want struct {
		frames int
		status FrameStatus
	}
	// Differences from the reference are marked "ref:".
	wants := map[string]want{
		"valid_probe":                    {1, FrameNeedMore},
		"garbage_random":                 {3, FrameNeedMore}, // 13-, 91-, 55-byte frames, then 37 of 111
		"http_request":                   {0, FrameNeedMore}, // 'G' = 71-byte frame, 27 bytes sent
		"truncated_varint":               {0, FrameNeedMore},
		"overlong_varint_11":             {0, FrameTooLarge}, // ref: waited forever
		"len_10GB_then_70KB":             {0, FrameTooLarge}, // ref: only after 64 KiB arrived
		"len_10GB_then_100B":             {0, FrameTooLarge}, // ref: waited forever
		"len_wrap_2^64-1":                {0, FrameTooLarge}, // ref: on_call() with 0 args, desync
		"len_wrap_2^64-4":                {0, FrameTooLarge}, // ref: same
		"frame_70000_valid":              {0, FrameTooLarge},
		"frame_65539_largest_sendable":   {1, FrameNeedMore}, // ref: package_too_large
		"frame_65535_largest_receivable": {1, FrameNeedMore}, // ref: processed, then killed
		"exact_64k_of_small_frames":      {21845, FrameNeedMore},
		"zero_length_frame":              {1, FrameNeedMore},
		"remote_call_no_values":          {1, FrameNeedMore},
		"unknown_msg_id_9":               {1, FrameNeedMore},
		"forward_master_group_300":       {1, FrameNeedMore},
		"nested_20000":                   {1, FrameNeedMore},
	}
	for _, c := range corpus.ReadJSONL[malformedLine](t, "testdata/malformed.jsonl") {
		s := &stream{cache: DefaultCache}
		for _, chunk := range malformedBytes(c.Name) {
			s.feed(chunk)
			if s.status == FrameNeedMore && len(s.buf) > FrameBufferSize(DefaultCache) {
				t.Errorf("%s: %d bytes pending", c.Name, len(s.buf))
			}
		}
		w, ok := wants[c.Name]
		if !ok {
			w = want{1, FrameNeedMore} // every other case is one well-framed frame
		}
		if len(s.payloads) != w.frames || s.status != w.status {
			t.Errorf("%s: %d frames, %v; want %d, %v", c.Name, len(s.payloads), s.status, w.frames, w.status)
		}
		partial := map[string]bool{"garbage_random": true, "http_request": true, "truncated_varint": true}
		if s.status == FrameNeedMore && len(s.buf) != 0 && !partial[c.Name] {
			t.Errorf("%s: %d bytes left over", c.Name, len(s.buf))
		}
	}
}

func TestSplitMsgID(t *testing.T) {
	tests := []struct {
		hex  string
		id   MsgID
		rest string
		err  error
	}{
		{"", 0, "", ErrTruncated},
		{"00", RemoteCall, "", nil},
		{"00030166", RemoteCall, "030166", nil},
		{"09030166", 9, "030166", nil},
		{"81d8b039030166", 120335361, "030166", nil}, // the reference's forward_target
		{"8080", 0, "", ErrTruncated},
		{"ffffffffffffffffffff01", 0, "", ErrVarint},
	}
	for _, tt := range tests {
		id, rest, err := SplitMsgID(corpus.Unhex(t, tt.hex))
		if id != tt.id || hex.EncodeToString(rest) != tt.rest || err != tt.err {
			t.Errorf("SplitMsgID(%s) = %d, %x, %v; want %d, %s, %v", tt.hex, id, rest, err, tt.id, tt.rest, tt.err)
		}
	}
	if got := MsgID(5).String(); got != "forward_hash" {
		t.Errorf("MsgID(5) = %q", got)
	}
	if got := MsgID(9).String(); got != "msg_id(9)" {
		t.Errorf("MsgID(9) = %q", got)
	}
}

func TestCallHeader(t *testing.T) {
	for _, n := range []int{0, 1, 126, 127, 65534, 65535, 1 << 40} {
		var buf [MaxCallHeaderLen]byte
		k := PutCallHeader(&buf, n)
		want := append(AppendUvarint(nil, uint64(n)+1), 0)
		if !bytes.Equal(buf[:k], want) || !bytes.Equal(AppendCallHeader(nil, n), want) {
			t.Errorf("call header for %d: %x / %x, want %x", n, buf[:k], AppendCallHeader(nil, n), want)
		}
	}
	var buf [MaxCallHeaderLen]byte
	if n := PutCallHeader(&buf, math.MaxInt64); n != MaxCallHeaderLen {
		t.Errorf("PutCallHeader(MaxInt64) = %d bytes", n)
	}
}

func TestAppendForwardHeaderPanicsOnCall(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for RemoteCall")
		}
	}()
	AppendForwardHeader(nil, RemoteCall, 0, 0, 0)
}

func TestParseForward(t *testing.T) {
	tests := []struct {
		hex     string
		f       Forward
		archive string
		err     error
	}{
		{"01818008030166", Forward{Kind: ForwardTarget, ID: 0x20001}, "030166", nil},
		{"0102", Forward{Kind: ForwardTarget, ID: 2}, "", nil},
		{"02020301660a", Forward{Kind: ForwardMaster, Group: 2}, "0301660a", nil},
		{"03ff01", Forward{Kind: ForwardRandom, Group: 255}, "", nil},
		{"04020301", Forward{Kind: ForwardBroadcast, Group: 2}, "0301", nil},
		{"0502bfa4a726030166", Forward{Kind: ForwardHash, Group: 2, Hash: 80335423}, "030166", nil},
		{"0502ffffffffffffffffff01", Forward{Kind: ForwardHash, Group: 2, Hash: math.MaxUint64}, "", nil},
		{"0602ac02030166", Forward{}, "", ErrNotForward},
		{"0602", Forward{}, "", ErrNotForward},
		{"00030166", Forward{}, "", ErrNotForward},
		{"02ac02030166", Forward{}, "", ErrGroup}, // golden forward_master_group_300
		{"028002", Forward{}, "", ErrGroup},
		{"02", Forward{}, "", ErrTruncated},
		{"01", Forward{}, "", ErrTruncated},
		{"0502", Forward{}, "", ErrTruncated},
		{"050280", Forward{}, "", ErrTruncated},
		{"01ffffffffffffffffffff01", Forward{}, "", ErrVarint},
		{"", Forward{}, "", ErrTruncated},
	}
	for _, tt := range tests {
		f, archive, err := ParseForward(corpus.Unhex(t, tt.hex))
		if f != tt.f || hex.EncodeToString(archive) != tt.archive || !errors.Is(err, tt.err) {
			t.Errorf("ParseForward(%s) = %+v, %x, %v; want %+v, %s, %v", tt.hex, f, archive, err, tt.f, tt.archive, tt.err)
		}
	}
}

func TestAppendForwardHeader(t *testing.T) {
	tests := []struct {
		kind       MsgID
		idOrGroup  uint64
		hash       uint32
		archiveLen int
		hex        string
	}{
		// forward_target done right: msg id 1, then uvarint(service id).
		{ForwardTarget, 0x20001, 0, 12, "10" + "01" + "818008"},
		{ForwardTarget, 5, 0, 3, "05" + "01" + "05"},
		{ForwardMaster, 258, 0, 12, "0e" + "02" + "02"}, // group truncated to 8 bits
		{ForwardRandom, 2, 0, 12, "0e" + "03" + "02"},
		{ForwardBroadcast, 255, 0, 1, "04" + "04" + "ff01"},
		{ForwardHash, 2, 80335423, 14, "14" + "05" + "02" + "bfa4a726"},
		{ForwardHash, 2, 0, 4, "07" + "05" + "02" + "00"},
	}
	for _, tt := range tests {
		got := hex.EncodeToString(AppendForwardHeader(nil, tt.kind, tt.idOrGroup, tt.hash, tt.archiveLen))
		if got != tt.hex {
			t.Errorf("AppendForwardHeader(%v, %d, %d, %d) = %s, want %s", tt.kind, tt.idOrGroup, tt.hash, tt.archiveLen, got, tt.hex)
		}
	}
}

// golden_forward.jsonl: the frames the reference sent to a router and the
// frames the router sent on to its services.
func TestGoldenForward(t *testing.T) {
	archives := map[string]bool{}
	var routed int
	for _, g := range corpus.ReadJSONL[forwardLine](t, "testdata/golden_forward.jsonl") {
		if g.Hex == "" {
			continue
		}
		frame := corpus.Unhex(t, g.LenHex+g.Hex)
		h, n, st := ParseFrame(frame, DefaultCache)
		if st != FrameComplete || h != len(g.LenHex)/2 || h+n != len(frame) {
			t.Errorf("%s %s: ParseFrame = %d, %d, %v", g.Direction, g.Lua, h, n, st)
			continue
		}
		payload := frame[h:]
		if g.Direction != "client->router" {
			// router -> service: a remote_call re-headed around an archive the
			// client sent, byte for byte.
			id, archive, err := SplitMsgID(payload)
			var buf [MaxCallHeaderLen]byte
			k := PutCallHeader(&buf, len(archive))
			if err != nil || id != RemoteCall || !bytes.Equal(append(buf[:k:k], archive...), frame) {
				t.Errorf("%s: %x is not a re-headed call", g.Direction, frame)
			}
			if !archives[string(archive)] {
				t.Errorf("%s: archive %x was never sent by the client", g.Direction, archive)
			}
			routed++
			continue
		}
		f, archive, err := ParseForward(payload)
		if g.Decoded.MsgID > uint64(ForwardHash) {
			// The reference's broken forward_target: an unknown msg id.
			if !errors.Is(err, ErrNotForward) {
				t.Errorf("%s: err = %v, want ErrNotForward", g.Lua, err)
			}
			continue
		}
		if err != nil || uint64(f.Kind) != g.Decoded.MsgID || uint64(f.Group) != *g.Decoded.Group {
			t.Errorf("%s: ParseForward = %+v, %v", g.Lua, f, err)
			continue
		}
		if g.Decoded.Hash != nil && f.Hash != *g.Decoded.Hash {
			t.Errorf("%s: hash %d, want %d", g.Lua, f.Hash, *g.Decoded.Hash)
		}
		if *g.Ret != len(archive) {
			t.Errorf("%s: archive %d bytes, call returned %d", g.Lua, len(archive), *g.Ret)
		}
		archives[string(archive)] = true
		// Our sender writes the same header.
		header := AppendForwardHeader(nil, f.Kind, uint64(f.Group), uint32(f.Hash), len(archive))
		if !bytes.Equal(append(header, archive...), frame) {
			t.Errorf("%s: we send %x, reference sent %x", g.Lua, append(header, archive...), frame)
		}
	}
	if routed != 14 {
		t.Errorf("%d routed frames checked, want 14", routed)
	}
}

// The hash facts confirmed by golden_forward.jsonl.
func TestHash(t *testing.T) {
	strs := []struct {
		key  string
		hash uint32
	}{
		{"some key", 80335423},
		{"\xc8\xffk", 2146522608}, // Lua "\200\255k": bytes >= 0x80 are signed
		{"ab\x00cd", 12805},
		{"ab", 12805},
		{"", 0},
		{"\x00ab", 0},
	}
	for _, s := range strs {
		if got := HashString(s.key); got != s.hash {
			t.Errorf("HashString(%q) = %d, want %d", s.key, got, s.hash)
		}
	}
	ints := []struct {
		key  int64
		hash uint32
	}{
		{7, 7},
		{-1, 4294967295},
		{0x1234567890, 878082192},
		{0, 0},
	}
	for _, i := range ints {
		if got := HashInteger(i.key); got != i.hash {
			t.Errorf("HashInteger(%d) = %d, want %d", i.key, got, i.hash)
		}
	}
}

func TestParsersDoNotAllocate(t *testing.T) {
	frame := corpus.Unhex(t, "140502bfa4a7260301660d0308686173685f737472")
	bad := corpus.Unhex(t, "02ac02030166")
	var hdr [MaxCallHeaderLen]byte
	var sink int
	allocs := testing.AllocsPerRun(100, func() {
		h, n, _ := ParseFrame(frame, DefaultCache)
		f, archive, _ := ParseForward(frame[h : h+n])
		_, _, err := ParseForward(bad)
		_, _, _ = ParseFrame(frame[:3], DefaultCache)
		id, _, _ := SplitMsgID(frame[h:])
		k := PutCallHeader(&hdr, len(archive))
		sink += int(f.Hash) + k + int(id) + int(HashString("some key")) + len(err.Error())
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
	_ = sink
}
