package wire

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

// Helpers shared by the tests: the captured files in testdata/ and a model of
// a stream's receive loop.

// forwardLine is one line of golden_forward.jsonl.
type forwardLine struct {
	Direction string `json:"direction"`
	Lua       string `json:"lua"`
	Ret       *int   `json:"ret"`
	LenHex    string `json:"len_hex"`
	Hex       string `json:"hex"`
	Decoded   struct {
		MsgID uint64   `json:"msg_id"`
		Group *uint64  `json:"group"`
		Hash  *uint64  `json:"hash"`
		Vals  []string `json:"values"`
	} `json:"decoded"`
}

// malformedLine is one line of malformed.jsonl.
type malformedLine struct {
	Name      string `json:"name"`
	BytesSent int    `json:"bytes_sent"`
	HeadHex   string `json:"head_hex"`
}

// The malformed.jsonl capture keeps only the first 24 bytes of each case; the
// full bytes are rebuilt here from the recipes of tools/capture.py, and checked
// against head_hex and bytes_sent.

func frameOf(payload []byte) []byte {
	return append(AppendUvarint(nil, uint64(len(payload))), payload...)
}

var strF = []byte{3, 1, 'f'}

func callOf(archive ...[]byte) []byte {
	p := []byte{0}
	for _, a := range archive {
		p = append(p, a...)
	}
	return frameOf(p)
}

func nested(depth int) []byte {
	b := bytes.Repeat([]byte{7, 10}, depth-1)
	b = append(b, 7, 8)
	return append(b, bytes.Repeat([]byte{8}, depth-1)...)
}

func strOf(n int, c byte) []byte {
	return append(AppendUvarint([]byte{3}, uint64(n)), bytes.Repeat([]byte{c}, n)...)
}

func ones(n int) []byte { return bytes.Repeat([]byte{10}, n) }

// malformedBytes returns the bytes sent for a malformed.jsonl case, as chunks
// the way capture.py wrote them to the socket.
func malformedBytes(name string) [][]byte {
	one := func(b ...[]byte) [][]byte { return [][]byte{bytes.Join(b, nil)} }
	switch name {
	case "valid_probe":
		return one(callOf(strOf(5, 0)[:2], []byte("probe")))
	case "garbage_random":
		b := make([]byte, 200)
		for i := range b {
			b[i] = byte(i*97 + 13)
		}
		return one(b)
	case "http_request":
		return one([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	case "truncated_varint":
		return one([]byte{0x80, 0x80})
	case "overlong_varint_11":
		return one(bytes.Repeat([]byte{0xff}, 10), []byte{1})
	case "len_10GB_then_70KB":
		return one(AppendUvarint(nil, 10<<30), make([]byte, 70000))
	case "len_10GB_then_100B":
		return one(AppendUvarint(nil, 10<<30), make([]byte, 100))
	case "len_wrap_2^64-1":
		return one(bytes.Repeat([]byte{0xff}, 9), []byte{1, 0}, strF)
	case "len_wrap_2^64-4":
		return one(AppendUvarint(nil, 1<<64-4), []byte{0}, strF, bytes.Repeat([]byte{9}, 8))
	case "frame_70000_valid":
		return one(callOf(strF, strOf(69990, 'x')))
	case "frame_65539_largest_sendable":
		return one(callOf(strF, strOf(65528, 'x')))
	case "frame_65535_largest_receivable":
		return one(callOf(strF, strOf(65524, 'x')))
	case "exact_64k_of_small_frames":
		small := callOf([]byte{9 + 7})
		var chunks [][]byte
		for left := 65535 / len(small); left > 0; left -= 4095 {
			chunks = append(chunks, bytes.Repeat(small, min(4095, left)))
		}
		return chunks
	case "zero_length_frame":
		return one([]byte{0})
	case "remote_call_no_values":
		return one(frameOf([]byte{0}))
	case "unknown_msg_id_9":
		return one(frameOf(append([]byte{9}, strF...)))
	case "forward_master_group_300":
		return one(frameOf(append(AppendUvarint([]byte{2}, 300), strF...)))
	case "bad_tag_0x0a_in_table_key":
		return one(callOf(strF, []byte{7, 0, 10, 8}))
	case "table_nan_key":
		return one(callOf(strF, []byte{7, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 10, 8}))
	case "string_idx_out_of_range":
		return one(callOf(strF, []byte{4, 5}))
	case "string_len_2^63":
		return one(callOf(strF, AppendUvarint([]byte{3}, 1<<63), []byte("abc")))
	case "string_len_2^40":
		return one(callOf(strF, AppendUvarint([]byte{3}, 1<<40), []byte("abc")))
	case "float_truncated":
		return one(callOf(strF, []byte{1, 0, 0}))
	case "table_unterminated":
		return one(callOf(strF, []byte{7, 10, 10}))
	case "values_40":
		return one(callOf(strF, ones(39)))
	case "values_60":
		return one(callOf(strF, ones(59)))
	case "values_248":
		b := make([]byte, 247)
		for i := range b {
			b[i] = byte(9 + i)
		}
		return one(callOf(strF, b))
	case "nested_16", "nested_30", "nested_100", "nested_1000", "nested_20000":
		var d int
		for _, c := range name[len("nested_"):] {
			d = d*10 + int(c-'0')
		}
		return one(callOf(strF, nested(d)))
	}
	return nil
}

func TestMalformedCorpusRebuilt(t *testing.T) {
	for _, c := range corpus.ReadJSONL[malformedLine](t, "testdata/malformed.jsonl") {
		chunks := malformedBytes(c.Name)
		if chunks == nil {
			t.Errorf("%s: no recipe", c.Name)
			continue
		}
		all := bytes.Join(chunks, nil)
		head := all[:min(24, len(all))]
		if len(all) != c.BytesSent || hex.EncodeToString(head) != c.HeadHex {
			t.Errorf("%s: rebuilt %d bytes %x, capture says %d bytes %s", c.Name, len(all), head, c.BytesSent, c.HeadHex)
		}
	}
}

// stream models a receive loop: bytes arrive in chunks, complete frames are
// consumed from the front, and the buffer is compacted after each batch. It
// stops at the first FrameTooLarge or FrameMalformed.
type stream struct {
	cache    int
	buf      []byte
	payloads [][]byte
	status   FrameStatus // of the last ParseFrame
}

func (s *stream) feed(chunk []byte) {
	if s.status == FrameTooLarge || s.status == FrameMalformed {
		return
	}
	s.buf = append(s.buf, chunk...)
	for {
		h, n, st := ParseFrame(s.buf, s.cache)
		s.status = st
		if st != FrameComplete {
			return
		}
		s.payloads = append(s.payloads, s.buf[h:h+n:h+n])
		s.buf = s.buf[h+n:]
	}
}

func (s *stream) same(o *stream) bool {
	if s.status != o.status || len(s.payloads) != len(o.payloads) {
		return false
	}
	// After a fatal verdict the rest of the input is never read.
	if s.status == FrameNeedMore && !bytes.Equal(s.buf, o.buf) {
		return false
	}
	for i := range s.payloads {
		if !bytes.Equal(s.payloads[i], o.payloads[i]) {
			return false
		}
	}
	return true
}
