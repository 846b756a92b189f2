//go:build lua53

package archive

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/luna-go/luna/internal/corpus"
)

// malformed.jsonl keeps the first 24 bytes of each hostile input. The
// archive-carrying cases are rebuilt here from the recipes of
// tools/capture.py (checked against head_hex and bytes_sent), and their
// archives decoded: each must decode cleanly or be refused as malformed; the
// reference crashed, hung or exited on several of them.

type malformedLine struct {
	Name        string `json:"name"`
	BytesSent   int    `json:"bytes_sent"`
	HeadHex     string `json:"head_hex"`
	ServerState string `json:"server_state"`
}

func frameOf(payload []byte) []byte {
	return append(binary.AppendUvarint(nil, uint64(len(payload))), payload...)
}

// callFrame is a remote_call of "f" followed by the given archive bytes.
func callFrame(archive ...byte) []byte {
	return frameOf(append([]byte{0, 3, 1, 'f'}, archive...))
}

func bigString(n int) []byte {
	return append(binary.AppendUvarint([]byte{3}, uint64(n)), bytes.Repeat([]byte{'x'}, n)...)
}

func smallInts(from, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(9 + from + i)
	}
	return b
}

// The archive cases and what our decoder makes of them: a rendering, or the
// malformed reason. The frame-level cases (bad length headers, garbage) are
// the business of luna/wire and are only decoded raw here, for crashes.
var malformedArchives = map[string]struct {
	frame []byte
	want  string
}{
	"valid_probe":                    {frameOf([]byte("\x00\x03\x05probe")), `CALL 1 "probe"`},
	"remote_call_no_values":          {frameOf([]byte{0}), "CALL 0"},
	"frame_70000_valid":              {callFrame(bigString(69990)...), `CALL 2 "f" str(len=69990,sum=8398800)`},
	"frame_65539_largest_sendable":   {callFrame(bigString(65528)...), `CALL 2 "f" str(len=65528,sum=7863360)`},
	"frame_65535_largest_receivable": {callFrame(bigString(65524)...), `CALL 2 "f" str(len=65524,sum=7862880)`},
	"bad_tag_0x0a_in_table_key":      {callFrame(7, 0, 10, 8), "nil table key"},
	"table_nan_key":                  {callFrame(7, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 10, 8), "NaN table key"},
	"string_idx_out_of_range":        {callFrame(4, 5), "string back-reference past the list"},
	"string_len_2^63":                {callFrame(append(binary.AppendUvarint([]byte{3}, 1<<63), "abc"...)...), "string longer than the archive"},
	"string_len_2^40":                {callFrame(append(binary.AppendUvarint([]byte{3}, 1<<40), "abc"...)...), "string longer than the archive"},
	"float_truncated":                {callFrame(1, 0, 0), "value cut short"},
	"table_unterminated":             {callFrame(7, 10, 10), "table without its end"},
	"values_40":                      {callFrame(bytes.Repeat([]byte{10}, 39)...), `CALL 40 "f"` + strings.Repeat(" 1", 39)},
	"values_60":                      {callFrame(bytes.Repeat([]byte{10}, 59)...), `CALL 60 "f"` + strings.Repeat(" 1", 59)},
	"values_248":                     {callFrame(smallInts(0, 247)...), ""},
	"nested_16":                      {frameOf(append([]byte{0}, nestedArchive(16)...)), ""},
	"nested_30":                      {frameOf(append([]byte{0}, nestedArchive(30)...)), ""},
	"nested_100":                     {frameOf(append([]byte{0}, nestedArchive(100)...)), "tables nested deeper than 32 levels"},
	"nested_1000":                    {frameOf(append([]byte{0}, nestedArchive(1000)...)), "tables nested deeper than 32 levels"},
	"nested_20000":                   {frameOf(append([]byte{0}, nestedArchive(20000)...)), "tables nested deeper than 32 levels"},
	"exact_64k_of_small_frames":      {frameOf([]byte{0, 9 + 7}), "CALL 1 7"},
}

// Cases with no archive to decode: length-header attacks, garbage, and
// messages dropped before their archive (empty payload, unknown msg id,
// group >= 256).
var frameLevelCases = map[string]bool{
	"garbage_random": true, "http_request": true, "truncated_varint": true,
	"overlong_varint_11": true, "len_10GB_then_70KB": true, "len_10GB_then_100B": true,
	"len_wrap_2^64-1": true, "len_wrap_2^64-4": true, "zero_length_frame": true,
	"unknown_msg_id_9": true, "forward_master_group_300": true,
}

func TestMalformedCorpus(t *testing.T) {
	L := newState(t)
	L.PushString("sentinel")
	for _, c := range corpus.ReadJSONL[malformedLine](t, "testdata/malformed.jsonl") {
		m, ok := malformedArchives[c.Name]
		if !ok {
			if !frameLevelCases[c.Name] {
				t.Errorf("%s: not covered", c.Name)
			}
			// Whatever the head is, decoding it as an archive must not hurt.
			n, _ := Decode(L, corpus.Unhex(t, c.HeadHex))
			L.SetTop(1)
			_ = n
			continue
		}
		frame := m.frame
		if c.Name != "exact_64k_of_small_frames" {
			head := frame[:min(24, len(frame))]
			if len(frame) != c.BytesSent || hex.EncodeToString(head) != c.HeadHex {
				t.Errorf("%s: rebuilt %d bytes %x; capture: %d bytes %s", c.Name, len(frame), head, c.BytesSent, c.HeadHex)
			}
		}
		size, k := binary.Uvarint(frame)
		payload := frame[k:]
		if k <= 0 || int(size) != len(payload) || payload[0] != 0 {
			t.Fatalf("%s: not a call frame", c.Name)
		}
		got, err := decodeRender(t, L, payload[1:])
		switch {
		case strings.HasPrefix(c.Name, "nested_") && m.want == "":
			depth, _ := strconv.Atoi(c.Name[len("nested_"):])
			if err != nil || strings.Count(got, "{") != depth {
				t.Errorf("%s: %.60q, %v", c.Name, got, err)
			}
		case c.Name == "values_248":
			if err != nil || !strings.HasPrefix(got, `CALL 248 "f" 0 1 2 `) || !strings.HasSuffix(got, " 245 246") {
				t.Errorf("%s: %.60q, %v", c.Name, got, err)
			}
		case strings.HasPrefix(m.want, "CALL"):
			if err != nil || got != m.want {
				t.Errorf("%s: %.80q, %v; want %.80q", c.Name, got, err, m.want)
			}
		default:
			if !errors.Is(err, ErrMalformed) || err.Error() != "archive: malformed: "+m.want {
				t.Errorf("%s: %.60q, %v; want malformed: %s (reference: %s)", c.Name, got, err, m.want, c.ServerState)
			}
		}
		if L.GetTop() != 1 {
			t.Fatalf("%s: stack top %d", c.Name, L.GetTop())
		}
	}
}
