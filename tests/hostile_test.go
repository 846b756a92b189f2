package tests

// Hostile input and faults against a running luna process, through real TCP
// sockets. The C++ reference could be stopped by one 9-byte frame (a table
// with a nil key) and crashed by a call with 60 values
// (../shared/wire/FINDINGS.md); ours must hold. For every hostile input:
//
//   - the process lives: a fresh connection's call("probe") is answered;
//   - other connections are unaffected: a connection opened before the
//     hostile one keeps round-tripping;
//   - the hostile stream either carries on (a call("probe") sent after the
//     input is answered on it) or is closed with a named error that the
//     script sees in on_error, never silently and never by a crash;
//   - on_call only ever sees complete calls: the server prints every on_call
//     with its argument count, last argument and nesting depth, and the
//     lines of each stream must be exactly the valid calls it sent.
//
// The corpus is ../cbind/archive/testdata/malformed.jsonl (the copy of
// wire/malformed.jsonl that the archive package uses); it keeps only the
// first 24 bytes of each input, so the full bytes are rebuilt here from the
// recipes of wire/tools/capture.py and checked against head_hex and
// bytes_sent.

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// ---------------------------------------------------------------- frames

// hsCallF is the frame of call("f", <archive bytes>): the corpus' shape.
func hsCallF(archive ...byte) []byte {
	return frameOf(append([]byte{0, 3, 1, 'f'}, archive...))
}

func hsBigString(n int) []byte { return arcString(strings.Repeat("x", n)) }

// hsNested is depth nested tables {[1]={[1]=...{}...}}, as capture.py builds them.
func hsNested(depth int) []byte {
	b := bytes.Repeat([]byte{7, 10}, depth-1)
	b = append(b, 7, 8)
	return append(b, bytes.Repeat([]byte{8}, depth-1)...)
}

// hsGarbage is capture.py's 200 pseudo-random bytes.
func hsGarbage() []byte {
	b := make([]byte, 200)
	for i := range b {
		b[i] = byte((i*97 + 13) & 0xff)
	}
	return b
}

func hsRepeat(frame []byte, n int) []byte { return bytes.Repeat(frame, n) }

// hsBytewise splits b into one chunk per byte.
func hsBytewise(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

var (
	hsProbe       = callFrame("probe") // 08 00 03 05 70 72 6f 62 65
	hsProbePay    = hsProbe[1:]
	hsNilKeyFrame = hsCallF(7, 0, 10, 8) // call("f", {[nil]=1})
)

// ---------------------------------------------------------------- client

// hsClient is a raw TCP client of hostile_server.lua. The server greets
// every connection with call("hello", token).
type hsClient struct {
	c      net.Conn
	token  int64
	in     chan []byte   // payloads of the frames the server sent
	closed chan struct{} // closed when reading fails (EOF, reset)
	err    error         // the read error, once closed
}

func hsDial(port string) (*hsClient, error) {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 5*time.Second)
	if err != nil {
		return nil, err
	}
	cl := &hsClient{c: c, in: make(chan []byte, 1024), closed: make(chan struct{})}
	go cl.read()
	select {
	case p := <-cl.in:
		tok, ok := hsHello(p)
		if !ok {
			c.Close()
			return nil, fmt.Errorf("first frame is not hello: %x", p)
		}
		cl.token = tok
		return cl, nil
	case <-cl.closed:
		return nil, fmt.Errorf("closed before hello: %v", cl.err)
	case <-time.After(5 * time.Second):
		c.Close()
		return nil, errors.New("no hello within 5s")
	}
}

func (cl *hsClient) read() {
	r := bufio.NewReader(cl.c)
	defer close(cl.closed)
	for {
		p, err := readFrame(r)
		if err != nil {
			cl.err = err
			return
		}
		cl.in <- p
	}
}

// hsHello decodes the payload of call("hello", token).
func hsHello(p []byte) (int64, bool) {
	pre := append([]byte{0}, arcString("hello")...)
	if !bytes.HasPrefix(p, pre) {
		return 0, false
	}
	return parseArcInt(p[len(pre):])
}

// write sends chunks, pausing gap between them, and returns the first error.
func (cl *hsClient) write(chunks [][]byte, gap time.Duration) error {
	for i, ch := range chunks {
		if i > 0 && gap > 0 {
			time.Sleep(gap)
		}
		cl.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		if _, err := cl.c.Write(ch); err != nil {
			return err
		}
	}
	return nil
}

// expect waits for a frame whose payload is want; any other frame is an error.
func (cl *hsClient) expect(want []byte, limit time.Duration) error {
	select {
	case p := <-cl.in:
		if !bytes.Equal(p, want) {
			return fmt.Errorf("got frame %x, want %x", p, want)
		}
		return nil
	case <-cl.closed:
		return fmt.Errorf("connection closed (%v) before %x came", cl.err, want)
	case <-time.After(limit):
		return fmt.Errorf("no answer %x within %v", want, limit)
	}
}

// roundTrip sends call("probe") and waits for the answer.
func (cl *hsClient) roundTrip(limit time.Duration) error {
	if err := cl.write([][]byte{hsProbe}, 0); err != nil {
		return err
	}
	return cl.expect(hsProbePay, limit)
}

func (cl *hsClient) Close() { cl.c.Close() }

// ---------------------------------------------------------------- server

type hsServer struct {
	*proc
	port string
}

func hsStart(t *testing.T, env []string, args ...string) *hsServer {
	t.Helper()
	p := startLuna(t, env, append([]string{script("hostile_server.lua")}, args...)...)
	line := p.waitLine("READY ", 10*time.Second)
	return &hsServer{proc: p, port: strings.TrimPrefix(line, "READY ")}
}

// streamError parses "server stream error <err> <token>".
func hsStreamError(line string, tok int64) (string, bool) {
	f := strings.Fields(line)
	if len(f) == 5 && f[0] == "server" && f[1] == "stream" && f[2] == "error" && f[4] == strconv.FormatInt(tok, 10) {
		return f[3], true
	}
	return "", false
}

func hsCallPrefix(tok int64) string { return "CALL " + strconv.FormatInt(tok, 10) + " " }

// ---------------------------------------------------------------- cases

// hsCase is one hostile input. calls are the on_call lines the stream must
// produce ("<nargs> <name> last=<last> depth=<depth of arg 2>"), in order,
// not counting the probe sent after the input; closeWith is the on_error
// the stream must die with, or "" when it must carry on.
type hsCase struct {
	name      string
	note      string
	chunks    [][]byte
	gap       time.Duration
	grow      int64 // call("grow", n) first: set_recv_cache(n) on the server
	calls     []string
	closeWith string
	ref       string // what the C++ reference did (corpus cases)
}

const (
	hsCarry = ""
	hsPTL   = "package_too_large"
	hsInval = "invalid_frame"
	hsFTO   = "frame_timeout"
)

func hsCallLine(nargs int, name, last string, depth int) string {
	return fmt.Sprintf("%d %s last=%s depth=%d", nargs, name, last, depth)
}

func hsTimes(line string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = line
	}
	return out
}

// hsCorpusRecipes rebuilds the full bytes of every case of malformed.jsonl
// (capture.py, malformed_cases) and says what our runtime must do with it.
func hsCorpusRecipes() map[string]hsCase {
	c := map[string]hsCase{}
	add := func(name string, chunks [][]byte, closeWith string, calls ...string) {
		c[name] = hsCase{name: name, chunks: chunks, closeWith: closeWith, calls: calls}
	}
	one := func(b ...[]byte) [][]byte { return [][]byte{bytes.Join(b, nil)} }
	probeLine := hsCallLine(1, "probe", "probe", 0)
	fLine := func(n int, last string, depth int) string { return hsCallLine(n, "f", last, depth) }

	add("valid_probe", one(hsProbe), hsCarry, probeLine)
	// 3 frames with unknown msg ids (dropped), then a 111-byte frame of
	// which 37 bytes came (46 with the probe): never completes.
	add("garbage_random", one(hsGarbage()), hsFTO)
	// 'G' = a 71-byte frame; 27 bytes (36 with the probe) came.
	add("http_request", one([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")), hsFTO)
	// 80 80 then the probe's 08: a length of 8<<14 = 131072, over the cache.
	add("truncated_varint", one([]byte{0x80, 0x80}), hsPTL)
	add("overlong_varint_11", one(bytes.Repeat([]byte{0xff}, 10), []byte{1}), hsPTL)
	add("len_10GB_then_70KB", one(binary.AppendUvarint(nil, 10<<30), make([]byte, 70000)), hsPTL)
	add("len_10GB_then_100B", one(binary.AppendUvarint(nil, 10<<30), make([]byte, 100)), hsPTL)
	add("len_wrap_2^64-1", one(bytes.Repeat([]byte{0xff}, 9), []byte{1, 0}, arcString("f")), hsPTL)
	add("len_wrap_2^64-4", one(binary.AppendUvarint(nil, math.MaxUint64-3), []byte{0}, arcString("f"), bytes.Repeat([]byte{9}, 8)), hsPTL)
	add("frame_70000_valid", one(hsCallF(hsBigString(69990)...)), hsPTL)
	// wire.md: a frame a default sender can build must cross to a default receiver
	add("frame_65539_largest_sendable", one(hsCallF(hsBigString(65528)...)), hsCarry, fLine(2, "str65528", 0))
	add("frame_65535_largest_receivable", one(hsCallF(hsBigString(65524)...)), hsCarry, fLine(2, "str65524", 0))
	// 21845 frames of call(7) in frame-aligned chunks of 4095 frames, 50 ms apart
	small := frameOf([]byte{0, 9 + 7})
	var chunks [][]byte
	for left := 65535 / len(small); left > 0; left -= min(4095, left) {
		chunks = append(chunks, hsRepeat(small, min(4095, left)))
	}
	c["exact_64k_of_small_frames"] = hsCase{name: "exact_64k_of_small_frames", chunks: chunks, gap: 50 * time.Millisecond,
		calls: hsTimes(hsCallLine(1, "7", "7", 0), 65535/len(small))}
	add("zero_length_frame", one([]byte{0}), hsCarry)
	add("remote_call_no_values", one(frameOf([]byte{0})), hsCarry, hsCallLine(0, "nil", "nil", 0))
	add("unknown_msg_id_9", one(frameOf(append([]byte{9}, arcString("f")...))), hsCarry)
	add("forward_master_group_300", one(frameOf(append(binary.AppendUvarint([]byte{2}, 300), arcString("f")...))), hsCarry)
	add("bad_tag_0x0a_in_table_key", one(hsNilKeyFrame), hsCarry)
	add("table_nan_key", one(hsCallF(7, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 10, 8)), hsCarry)
	add("string_idx_out_of_range", one(hsCallF(4, 5)), hsCarry)
	add("string_len_2^63", one(hsCallF(append(binary.AppendUvarint([]byte{3}, 1<<63), "abc"...)...)), hsCarry)
	add("string_len_2^40", one(hsCallF(append(binary.AppendUvarint([]byte{3}, 1<<40), "abc"...)...)), hsCarry)
	add("float_truncated", one(hsCallF(1, 0, 0)), hsCarry)
	add("table_unterminated", one(hsCallF(7, 10, 10)), hsCarry)
	add("values_40", one(hsCallF(bytes.Repeat([]byte{10}, 39)...)), hsCarry, fLine(40, "1", 0))
	add("values_60", one(hsCallF(bytes.Repeat([]byte{10}, 59)...)), hsCarry, fLine(60, "1", 0))
	ints := make([]byte, 247)
	for i := range ints {
		ints[i] = byte(9 + i)
	}
	add("values_248", one(hsCallF(ints...)), hsCarry, fLine(248, "246", 0))
	add("nested_16", one(hsCallF(hsNested(16)...)), hsCarry, fLine(2, "table", 16))
	add("nested_30", one(hsCallF(hsNested(30)...)), hsCarry, fLine(2, "table", 30))
	add("nested_100", one(hsCallF(hsNested(100)...)), hsCarry)
	add("nested_1000", one(hsCallF(hsNested(1000)...)), hsCarry)
	add("nested_20000", one(hsCallF(hsNested(20000)...)), hsCarry)
	return c
}

// hsOwnCases are the inputs the corpus lacks.
func hsOwnCases() []hsCase {
	one := func(b ...[]byte) [][]byte { return [][]byte{bytes.Join(b, nil)} }
	fLine := func(n int, last string, depth int) string { return hsCallLine(n, "f", last, depth) }
	values := func(n int) []byte { // call("f", 1, 1, ..., 1, 7): n values
		b := bytes.Repeat([]byte{10}, n-2)
		return hsCallF(append(b, 9+7)...)
	}
	growLine := func(n int64) string { return hsCallLine(2, "grow", strconv.FormatInt(n, 10), 0) }
	valid := callFrame("f", arcInt(1), arcString("abc"), []byte{1, 0, 0, 0, 0, 0, 0, 4, 0x40}, []byte{7, 10, 10, 11, 11, 8}) // f, 1, "abc", 2.5, {1,2}
	validLine := fLine(5, "table", 0)
	return []hsCase{
		{name: "len_overflow_2^70", note: "length varint ff x9 7f: more than 64 bits",
			chunks: one(bytes.Repeat([]byte{0xff}, 9), []byte{0x7f}), closeWith: hsPTL},
		{name: "len_varint_11_zero_bytes", note: "length varint 80 x10 00: value 0 but 11 bytes long",
			chunks: one(bytes.Repeat([]byte{0x80}, 10), []byte{0}), closeWith: hsInval},
		{name: "len_header_over_cache_by_1", note: "declared payload 65547 (the limit is 65546) with no payload",
			chunks: one(binary.AppendUvarint(nil, 65547)), closeWith: hsPTL},
		{name: "values_65000", note: "65000 top-level values in a default-size frame",
			chunks: one(values(65000)), calls: []string{fLine(65000, "7", 0)}},
		{name: "values_100000", note: "100 000 top-level values (set_recv_cache(1 MiB) first)",
			grow: 1 << 20, chunks: one(values(100000)), calls: []string{growLine(1 << 20), fLine(100000, "7", 0)}},
		{name: "values_1500000", note: "1.5 M top-level values, more than a Lua stack holds (set_recv_cache(2 MiB) first)",
			grow: 2 << 20, chunks: one(values(1500000)), calls: []string{growLine(2 << 20)}},
		{name: "nested_10000", note: "tables nested 10 000 deep",
			chunks: one(hsCallF(hsNested(10000)...))},
		{name: "nested_10000_unterminated", note: "10 000 table starts and nothing else",
			chunks: one(hsCallF(bytes.Repeat([]byte{7}, 10000)...))},
		{name: "backref_past_list", note: "back-reference 1 with one string seen",
			chunks: one(hsCallF(4, 1))},
		{name: "backref_no_strings", note: "back-reference 0 before any string",
			chunks: one(frameOf([]byte{0, 4, 0}))},
		{name: "backref_2^63", note: "back-reference 2^63",
			chunks: one(hsCallF(binary.AppendUvarint([]byte{4}, 1<<63)...))},
		{name: "string_len_2^64-1", note: "string length 2^64-1",
			chunks: one(hsCallF(append(binary.AppendUvarint([]byte{3}, math.MaxUint64), "abc"...)...))},
		{name: "string_len_varint_11", note: "string length varint of 11 bytes",
			chunks: one(hsCallF(append(append([]byte{3}, bytes.Repeat([]byte{0x80}, 10)...), 0)...))},
		{name: "int_varint_11", note: "integer svarint of 11 bytes",
			chunks: one(hsCallF(append(append([]byte{2}, bytes.Repeat([]byte{0xff}, 10)...), 1)...))},
		{name: "nil_key_nested", note: "{{[nil]=1}}",
			chunks: one(hsCallF(7, 10, 7, 0, 10, 8, 8))},
		{name: "nil_key_after_good_pairs", note: "{1, 2, [nil]=1}: the table was half built",
			chunks: one(hsCallF(7, 10, 10, 11, 11, 0, 10, 8))},
		{name: "nan_key_negative", note: "a table key that is a negative quiet NaN",
			chunks: one(hsCallF(7, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0xff, 10, 8))},
		{name: "nan_key_signalling", note: "a table key that is a signalling NaN",
			chunks: one(hsCallF(7, 1, 1, 0, 0, 0, 0, 0, 0xf0, 0x7f, 10, 8))},
		{name: "table_end_at_top", note: "code 8 outside a table",
			chunks: one(hsCallF(8))},
		{name: "table_key_without_value", note: "{[1]=<missing>}",
			chunks: one(hsCallF(7, 10, 8))},
		{name: "split_byte_by_byte_valid", note: "call(\"f\", 1, \"abc\", 2.5, {1, 2}), one byte per write",
			chunks: hsBytewise(valid), gap: time.Millisecond, calls: []string{validLine}},
		{name: "split_byte_by_byte_malformed", note: "the nil-key frame one byte per write, then a valid call likewise",
			chunks: hsBytewise(append(append([]byte{}, hsNilKeyFrame...), valid...)), gap: time.Millisecond, calls: []string{validLine}},
		{name: "malformed_valid_interleaved", note: "nil key, valid, NaN key, valid, nested 1000, valid in one write",
			chunks: one(hsNilKeyFrame, valid, hsCallF(7, 1, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f, 10, 8), valid, hsCallF(hsNested(1000)...), valid),
			calls:  []string{validLine, validLine, validLine}},
		{name: "malformed_1000_in_one_write", note: "1000 nil-key frames in one write",
			chunks: one(hsRepeat(hsNilKeyFrame, 1000))},
		{name: "garbage_after_valid_frame", note: "a valid call, then capture.py's 200 garbage bytes, in one write",
			chunks: one(valid, hsGarbage()), calls: []string{validLine}, closeWith: hsFTO},
		{name: "huge_length_after_valid_frame", note: "a valid call, then ff ff ff ff, in one write",
			chunks: one(valid, []byte{0xff, 0xff, 0xff, 0xff}), calls: []string{validLine}, closeWith: hsPTL},
		{name: "forward_frames_no_routes", note: "forward_target/master/random/broadcast/hash to a process with no routes",
			chunks: one(frameOf(append(binary.AppendUvarint([]byte{1}, 0x20001), arcString("f")...)),
				frameOf(append([]byte{2, 2}, arcString("f")...)), frameOf(append([]byte{3, 2}, arcString("f")...)),
				frameOf(append([]byte{4, 2}, arcString("f")...)), frameOf(append([]byte{5, 2, 7}, arcString("f")...)))},
		{name: "forward_truncated_header", note: "forward_hash with its group but no hash",
			chunks: one(frameOf([]byte{5, 2}))},
		{name: "msg_id_varint_11", note: "a msg id varint of 11 bytes",
			chunks: one(frameOf(append(bytes.Repeat([]byte{0x80}, 10), 0)))},
	}
}

// ---------------------------------------------------------------- runner

// hsReport is what one case did.
type hsReport struct {
	c        hsCase
	got      string // the outcome, for the table
	problems []string
	skip     string
}

func (r *hsReport) fail(format string, args ...any) {
	r.problems = append(r.problems, fmt.Sprintf(format, args...))
}

// hsRun plays one case against s. frameTimeout is the server's
// LUNA_FRAME_TIMEOUT_MS.
func hsRun(s *hsServer, c hsCase, frameTimeout time.Duration) (r hsReport) {
	r.c = c
	from := s.mark()
	healthy, err := hsDial(s.port)
	if err != nil {
		r.fail("healthy connection: %v", err)
		return
	}
	defer healthy.Close()
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		r.fail("healthy connection, before: %v", err)
	}
	v, err := hsDial(s.port)
	if err != nil {
		r.fail("hostile connection: %v", err)
		return
	}
	defer v.Close()
	if c.grow > 0 {
		if err := v.write([][]byte{callFrame("grow", arcInt(c.grow))}, 0); err != nil {
			r.fail("grow: %v", err)
			return
		}
		if err := v.expect(append([]byte{0}, arcString("grown")...), 5*time.Second); err != nil {
			r.fail("grow: %v", err)
			return
		}
	}

	start := time.Now()
	werr := v.write(c.chunks, c.gap)
	if werr == nil {
		time.Sleep(100 * time.Millisecond)
		werr = v.write([][]byte{hsProbe}, 0)
	}

	// carries on (the probe is answered) or dies with an on_error; the
	// input itself may hold probes, and each is answered first
	probeLine := hsCallLine(1, "probe", "probe", 0)
	probes := 1
	for _, l := range c.calls {
		if l == probeLine {
			probes++
		}
	}
	limit := frameTimeout + 5*time.Second
	var answered bool
	echoes := 0
	var errName string
	deadline := time.After(limit)
	errSeen := make(chan string, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		line, _ := s.find(from, limit, func(l string) bool { _, ok := hsStreamError(l, v.token); return ok })
		if line != "" {
			name, _ := hsStreamError(line, v.token)
			select {
			case errSeen <- name:
			case <-stop:
			}
		}
	}()
wait:
	for {
		select {
		case p := <-v.in:
			if bytes.Equal(p, hsProbePay) {
				if echoes++; echoes == probes {
					answered = true
					break wait
				}
				continue
			}
			r.fail("unexpected frame from the server: %x", p)
		case errName = <-errSeen:
			break wait
		case <-deadline:
			break wait
		}
	}
	took := time.Since(start).Round(time.Millisecond)

	switch {
	case answered:
		r.got = "carries on: the probe sent after it is answered"
		if c.closeWith != hsCarry {
			r.fail("stream carried on; want on_error(%q)", c.closeWith)
		}
	case errName != "":
		r.got = fmt.Sprintf("on_error(%q) after %v, connection closed", errName, took)
		if c.closeWith != errName {
			want := "carry on"
			if c.closeWith != "" {
				want = fmt.Sprintf("on_error(%q)", c.closeWith)
			}
			r.fail("stream died with on_error(%q); want %s", errName, want)
		}
		select {
		case <-v.closed:
		case <-time.After(3 * time.Second):
			r.fail("on_error(%q) reported but the connection is still open", errName)
		}
	default:
		r.got = fmt.Sprintf("neither answered nor closed within %v", limit)
		if c.closeWith == hsFTO && s.alive() {
			r.skip = "pending: idle frame timeout"
		} else {
			r.fail("the probe was not answered and no on_error came within %v (write error: %v)", limit, werr)
		}
	}

	// on_call saw exactly the valid calls, each complete
	want := append([]string(nil), c.calls...)
	if answered {
		want = append(want, probeLine)
		for i, at := 0, from; i < probes; i++ {
			if _, at = s.find(at, 5*time.Second, func(l string) bool {
				return l == hsCallPrefix(v.token)+probeLine
			}); at < 0 {
				r.fail("the probe was answered but its CALL line never came")
				break
			}
			at++
		}
	}
	got := s.lines(from, func(l string) bool { return strings.HasPrefix(l, hsCallPrefix(v.token)) })
	for i := range got {
		got[i] = strings.TrimPrefix(got[i], hsCallPrefix(v.token))
	}
	if !slices.Equal(got, want) {
		r.fail("on_call lines: %s; want %s", hsSummary(got), hsSummary(want))
	}
	var own []string // the calls of the input itself
	for _, l := range c.calls {
		if !strings.HasPrefix(l, "2 grow ") {
			own = append(own, l)
		}
	}
	switch n := len(own); {
	case n == 0:
		r.got += "; on_call never ran for it"
	case n == 1:
		r.got += "; on_call ran once, with all " + strings.Fields(own[0])[0] + " arguments"
	default:
		r.got += fmt.Sprintf("; on_call ran %d times, each call complete", n)
	}

	// the process lives and the other connections are unaffected
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		r.fail("connection opened before: %v", err)
	}
	fresh, err := hsDial(s.port)
	if err != nil {
		r.fail("new connection: %v", err)
	} else {
		if err := fresh.roundTrip(5 * time.Second); err != nil {
			r.fail("new connection: %v", err)
		}
		fresh.Close()
	}
	if !s.alive() {
		r.fail("the server exited")
	}
	return r
}

// hsSummary shortens a list of lines for a message: runs of equal lines are
// counted.
func hsSummary(lines []string) string {
	var parts []string
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%d x [%s]", j-i, lines[i]))
		} else {
			parts = append(parts, "["+lines[i]+"]")
		}
		i = j
	}
	if len(parts) == 0 {
		return "none"
	}
	s := strings.Join(parts, ", ")
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return s
}

// hsRunAll plays the cases concurrently (each on its own connections) and
// reports each as a subtest, then prints the table of outcomes.
func hsRunAll(t *testing.T, s *hsServer, cases []hsCase, frameTimeout time.Duration) {
	// one connection opened before everything round-trips all along
	watch, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	stop := make(chan struct{})
	watched := make(chan string, 1)
	go func() {
		var trips int
		var worst time.Duration
		for {
			select {
			case <-stop:
				watched <- fmt.Sprintf("%d round trips, slowest %v", trips, worst.Round(100*time.Microsecond))
				return
			case <-time.After(50 * time.Millisecond):
			}
			t0 := time.Now()
			if err := watch.roundTrip(5 * time.Second); err != nil {
				watched <- "failed after " + strconv.Itoa(trips) + " round trips: " + err.Error()
				return
			}
			trips++
			worst = max(worst, time.Since(t0))
		}
	}()
	reports := make([]hsReport, len(cases))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8) // 8 cases at a time: 2 CPUs are shared
	for i, c := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			reports[i] = hsRun(s, c, frameTimeout)
		}()
	}
	wg.Wait()
	close(stop)
	if w := <-watched; strings.HasPrefix(w, "failed") {
		t.Errorf("the connection opened before all cases: %s", w)
	} else {
		t.Logf("the connection opened before all cases: %s", w)
	}
	var table strings.Builder
	table.WriteString("| case | input | luna (ours) | C++ reference |\n|---|---|---|---|\n")
	for _, r := range reports {
		t.Run(r.c.name, func(t *testing.T) {
			for _, p := range r.problems {
				t.Error(p)
			}
			if r.skip != "" && len(r.problems) == 0 {
				t.Skip(r.skip)
			}
		})
		ref := r.c.ref
		if ref == "" {
			ref = "—"
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %s |\n", r.c.name, r.c.note, r.got, ref)
	}
	t.Logf("outcomes:\n%s", table.String())
}

// ---------------------------------------------------------------- tests

// hsCorpusLine is one case of malformed.jsonl.
type hsCorpusLine struct {
	Name           string   `json:"name"`
	Note           string   `json:"note"`
	BytesSent      int      `json:"bytes_sent"`
	HeadHex        string   `json:"head_hex"`
	ConnAfterSend  string   `json:"conn_after_send"`
	ProbeProcessed bool     `json:"probe_processed"`
	ServerState    string   `json:"server_state"`
	ServerOutput   []string `json:"server_output"`
}

func hsCorpus(t *testing.T) []hsCase {
	t.Helper()
	data, err := os.ReadFile("../cbind/archive/testdata/malformed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	recipes := hsCorpusRecipes()
	var cases []hsCase
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var m hsCorpusLine
		if err := json.Unmarshal(line, &m); err != nil {
			t.Fatal(err)
		}
		c, ok := recipes[m.Name]
		if !ok {
			t.Errorf("corpus case %s has no recipe here", m.Name)
			continue
		}
		all := bytes.Join(c.chunks, nil)
		if len(all) != m.BytesSent || hex.EncodeToString(all[:min(24, len(all))]) != m.HeadHex {
			t.Errorf("%s: rebuilt %d bytes %x; corpus: %d bytes %s", m.Name, len(all), all[:min(24, len(all))], m.BytesSent, m.HeadHex)
		}
		c.note = m.Note
		conn := m.ConnAfterSend
		if m.ProbeProcessed {
			conn += ", probe answered"
		} else if strings.HasPrefix(m.ServerState, "ok") {
			conn += ", probe lost"
		}
		c.ref = "server " + m.ServerState + "; connection " + conn
		var errs []string
		for _, l := range m.ServerOutput {
			switch {
			case strings.HasPrefix(l, "ERR ") && l != "ERR connection_lost":
				errs = append(errs, "on_error("+strings.TrimPrefix(l, "ERR ")+")")
			case strings.HasPrefix(m.ServerState, "exited") && len(errs) == 0 && !strings.HasPrefix(l, "ERR ") && !strings.HasPrefix(l, "CALL"):
				errs = append(errs, strings.SplitN(l, ":", 2)[0])
			}
		}
		if len(errs) > 0 {
			c.ref += " (" + strings.Join(errs, ", ") + ")"
		}
		cases = append(cases, c)
	}
	if len(cases) != len(recipes) {
		t.Errorf("%d corpus cases, %d recipes", len(cases), len(recipes))
	}
	return cases
}

// TestHostileCorpus replays every case of malformed.jsonl, then the inputs
// the corpus lacks, each on a fresh connection to one server process.
func TestHostileCorpus(t *testing.T) {
	// mostly waiting: runs beside TestHostileFrameTimeout
	t.Parallel()
	// short, so that the stalled cases end soon
	const frameTimeout = 3 * time.Second
	s := hsStart(t, []string{fmt.Sprintf("LUNA_FRAME_TIMEOUT_MS=%d", frameTimeout.Milliseconds())})
	cases := append(hsCorpus(t), hsOwnCases()...)
	hsRunAll(t, s, cases, frameTimeout)
	if !s.alive() {
		t.Fatalf("the server exited; output:\n%s", s.output())
	}
	if line, _ := s.find(0, time.Second, func(l string) bool { return strings.HasPrefix(l, "luna: dropped") }); line == "" {
		t.Errorf("no 'luna: dropped' line for the malformed frames")
	}
	for _, l := range s.lines(0, func(l string) bool { return strings.Contains(l, "traceback") }) {
		t.Errorf("unexpected Lua error output: %s", l)
	}
}

// TestHostileDropLog: a malformed archive is logged with the peer address,
// at most one line per second, and every drop is counted.
func TestHostileDropLog(t *testing.T) {
	s := hsStart(t, nil)
	c, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	isDrop := func(l string) bool { return strings.HasPrefix(l, "luna: dropped") }
	from := s.mark()
	if err := c.write([][]byte{hsNilKeyFrame, hsProbe}, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.expect(hsProbePay, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	first, i := s.find(from, 3*time.Second, isDrop)
	if first == "" {
		t.Fatalf("no 'luna: dropped' line; output:\n%s", s.output())
	}
	t.Logf("first: %s", first)
	tok := strconv.FormatInt(c.token, 10)
	for _, want := range []string{"dropped 1 frame(s)", "(1 in all)", "127.0.0.1", "stream " + tok, "nil table key"} {
		if !strings.Contains(first, want) {
			t.Errorf("drop line lacks %q: %s", want, first)
		}
	}

	// a burst within the same second: counted, not logged line by line
	burst := hsRepeat(hsNilKeyFrame, 500)
	if err := c.write([][]byte{burst, hsProbe}, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.expect(hsProbePay, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond)
	if n := len(s.lines(i+1, isDrop)); n > 1 {
		t.Errorf("%d drop lines for a burst of 500 frames; want at most 1 per second", n)
	}
	// a second later, the next drop logs the count
	if err := c.write([][]byte{hsCallF(4, 9), hsProbe}, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.expect(hsProbePay, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	// the burst may have been logged if this machine is slow (its drops are
	// then counted there); either way the last line counts all 502
	last, _ := s.find(i+1, 3*time.Second, func(l string) bool { return isDrop(l) && strings.Contains(l, "(502 in all)") })
	later := s.lines(i+1, isDrop)
	if last == "" {
		t.Fatalf("no drop line counting 502 drops in all; drop lines after the first: %q", later)
	}
	t.Logf("later: %s", last)
	if len(later) > 2 {
		t.Errorf("%d drop lines for 501 drops over ~1 s: %q; want at most one line per second", len(later), later)
	}
}

// TestHostileFrameTimeout: streams that start a frame and never complete it
// (garbage with a plausible length, an HTTP request, a slow drip, half a
// length header) are closed with on_error("frame_timeout") within 15 s, with
// the default settings; a slow but steady sender of complete frames is not.
func TestHostileFrameTimeout(t *testing.T) {
	t.Parallel() // 10 s of waiting for the default frame timeout
	s := hsStart(t, nil)
	type stall struct {
		name   string
		chunks [][]byte
		gap    time.Duration
	}
	drip := [][]byte{{100}} // a 100-byte frame, one byte every 300 ms
	for i := 0; i < 60; i++ {
		drip = append(drip, []byte{9})
	}
	stalls := []stall{
		{"http_request", [][]byte{[]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")}, 0},
		{"garbage_plausible_length", [][]byte{{5, 0, 3}}, 0},
		{"slow_drip", drip, 300 * time.Millisecond},
		{"half_length_header", [][]byte{{0x80}}, 0},
	}
	healthy, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer healthy.Close()
	type res struct {
		err  string
		took time.Duration
		fail string
	}
	results := make([]res, len(stalls))
	var wg sync.WaitGroup
	for i, st := range stalls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := hsDial(s.port)
			if err != nil {
				results[i].fail = err.Error()
				return
			}
			defer c.Close()
			from := s.mark()
			start := time.Now()
			go c.write(st.chunks, st.gap)
			line, _ := s.find(from, 15*time.Second, func(l string) bool { _, ok := hsStreamError(l, c.token); return ok })
			results[i].took = time.Since(start)
			if line != "" {
				results[i].err, _ = hsStreamError(line, c.token)
				select {
				case <-c.closed:
				case <-time.After(3 * time.Second):
					results[i].fail = "on_error came but the connection is still open"
				}
			}
		}()
	}
	// meanwhile: a frame dripped slowly but completed (4.5 s) is answered,
	// and the healthy connection keeps round-tripping
	slow, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if err := slow.write(hsBytewise(hsProbe), 500*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := slow.expect(hsProbePay, 5*time.Second); err != nil {
		t.Errorf("a probe dripped over 4 s: %v", err)
	}
	for range 5 {
		if err := healthy.roundTrip(5 * time.Second); err != nil {
			t.Errorf("healthy connection: %v", err)
		}
		time.Sleep(time.Second)
	}
	wg.Wait()
	pending := 0
	for i, st := range stalls {
		r := results[i]
		switch {
		case r.fail != "":
			t.Errorf("%s: %s", st.name, r.fail)
		case r.err == "":
			pending++
			t.Logf("%s: no on_error within 15 s", st.name)
		case r.err != hsFTO:
			t.Errorf("%s: on_error(%q), want %q", st.name, r.err, hsFTO)
		default:
			t.Logf("%s: on_error(%q) after %v", st.name, r.err, r.took.Round(time.Millisecond))
		}
	}
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		t.Errorf("healthy connection at the end: %v", err)
	}
	if pending == len(stalls) {
		t.Skip("pending: idle frame timeout")
	}
	if pending > 0 {
		t.Errorf("%d of %d stalled streams were never closed", pending, len(stalls))
	}
}

// TestHostileLuaErrorsInCallbacks: on_accept, on_call, on_error and
// on_connected raising are printed with a traceback; the loop, the stream
// whose callback raised and every other stream carry on.
func TestHostileLuaErrorsInCallbacks(t *testing.T) {
	s := hsStart(t, nil, "raising")
	// traceback checks that a line containing msg is followed, within a few
	// lines, by "stack traceback:".
	traceback := func(msg string) {
		t.Helper()
		_, i := s.find(0, 5*time.Second, func(l string) bool { return strings.HasSuffix(l, msg) })
		if i < 0 {
			t.Errorf("%q never printed; output:\n%s", msg, s.output())
			return
		}
		if _, j := s.find(i+1, 2*time.Second, func(l string) bool { return strings.HasPrefix(l, "stack traceback:") }); j < 0 || j > i+3 {
			t.Errorf("%q printed without a traceback; output:\n%s", msg, s.output())
		}
	}

	// on_accept raised after setting the callbacks and greeting
	healthy, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer healthy.Close()
	traceback(fmt.Sprintf("boom in on_accept %d", healthy.token))
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		t.Fatalf("after on_accept raised: %v", err)
	}

	// on_call raising, then a probe in the same write: the next frame of the
	// same batch still runs
	c, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.write([][]byte{bytes.Join([][]byte{callFrame("raise"), hsProbe, callFrame("raise")}, nil)}, 0); err != nil {
		t.Fatal(err)
	}
	if err := c.expect(hsProbePay, 5*time.Second); err != nil {
		t.Errorf("probe after on_call raised: %v", err)
	}
	traceback(fmt.Sprintf("boom in on_call %d", c.token))
	if err := c.roundTrip(5 * time.Second); err != nil {
		t.Errorf("the stream whose on_call raised: %v", err)
	}
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		t.Errorf("other stream after on_call raised: %v", err)
	}
	// the same error again within a second: counted, then one line
	boom := fmt.Sprintf("boom in on_call %d", c.token)
	repeat := "luna: on_call raised the same error 1 more time(s) in "
	if _, i := s.find(0, 5*time.Second, func(l string) bool { return strings.HasPrefix(l, repeat) && strings.HasSuffix(l, boom) }); i < 0 {
		t.Errorf("no line %q...%q; output:\n%s", repeat, boom, s.output())
	}
	if n := len(s.lines(0, func(l string) bool { return strings.HasSuffix(l, boom) })); n != 2 {
		t.Errorf("on_call's error printed %d times, want the first in full and one count", n)
	}

	// on_error raising
	gone, err := hsDial(s.port)
	if err != nil {
		t.Fatal(err)
	}
	gone.Close()
	traceback(fmt.Sprintf("boom in on_error %d", gone.token))
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		t.Errorf("after on_error raised: %v", err)
	}
	if err := c.roundTrip(5 * time.Second); err != nil {
		t.Errorf("after on_error raised: %v", err)
	}

	// on_connected raising: the server dials a Go listener, which then
	// round-trips over the new stream
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	if err := healthy.write([][]byte{callFrame("dial", arcInt(int64(port)))}, 0); err != nil {
		t.Fatal(err)
	}
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	out, err := ln.Accept()
	if err != nil {
		t.Fatalf("the server never connected: %v", err)
	}
	defer out.Close()
	line, _ := s.find(0, 5*time.Second, func(l string) bool { return strings.HasPrefix(l, "CONNECTED ") })
	if line == "" {
		t.Fatalf("no on_connected; output:\n%s", s.output())
	}
	traceback("boom in on_connected " + strings.TrimPrefix(line, "CONNECTED "))
	outc := &hsClient{c: out, in: make(chan []byte, 16), closed: make(chan struct{})}
	go outc.read()
	if err := outc.roundTrip(5 * time.Second); err != nil {
		t.Errorf("the stream whose on_connected raised: %v", err)
	}
	if err := healthy.roundTrip(5 * time.Second); err != nil {
		t.Errorf("after on_connected raised: %v", err)
	}
	fresh, err := hsDial(s.port)
	if err != nil {
		t.Fatalf("new connection at the end: %v", err)
	}
	defer fresh.Close()
	if err := fresh.roundTrip(5 * time.Second); err != nil {
		t.Errorf("new connection at the end: %v", err)
	}
	if !s.alive() {
		t.Fatalf("the server exited; output:\n%s", s.output())
	}
}

// TestHostileKill9 kills a luna peer with SIGKILL: the other side sees
// on_error("connection_lost") within 1 s, and carries on.
func TestHostileKill9(t *testing.T) {
	const within = time.Second
	t.Run("client_killed", func(t *testing.T) {
		s := hsStart(t, nil)
		peer := startLuna(t, nil, script("hostile_peer.lua"), s.port)
		tok := strings.TrimPrefix(peer.waitLine("HELLO ", 10*time.Second), "HELLO ")
		from := s.mark()
		start := time.Now()
		if err := peer.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		line, _ := s.find(from, 5*time.Second, func(l string) bool {
			return strings.HasPrefix(l, "server stream error ") && strings.HasSuffix(l, " "+tok)
		})
		took := time.Since(start)
		peer.wait(5 * time.Second)
		if line != "server stream error connection_lost "+tok {
			t.Fatalf("got %q after %v; output:\n%s", line, took, s.output())
		}
		if took > within {
			t.Errorf("connection_lost after %v, want within %v", took, within)
		}
		t.Logf("server saw connection_lost %v after kill -9 of the client", took.Round(time.Millisecond))
		fresh, err := hsDial(s.port)
		if err != nil {
			t.Fatal(err)
		}
		defer fresh.Close()
		if err := fresh.roundTrip(5 * time.Second); err != nil {
			t.Errorf("server after its peer was killed: %v", err)
		}
	})
	t.Run("server_killed", func(t *testing.T) {
		s := hsStart(t, nil)
		peer := startLuna(t, nil, script("hostile_peer.lua"), s.port)
		peer.waitLine("HELLO ", 10*time.Second)
		start := time.Now()
		if err := s.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		line := peer.waitLine("peer stream error ", 5*time.Second)
		took := time.Since(start)
		s.wait(5 * time.Second)
		if line != "peer stream error connection_lost" {
			t.Fatalf("got %q", line)
		}
		if took > within {
			t.Errorf("connection_lost after %v, want within %v", took, within)
		}
		t.Logf("client saw connection_lost %v after kill -9 of the server", took.Round(time.Millisecond))
		peer.waitLine("PEER_EXIT", 5*time.Second)
		if code := peer.wait(5 * time.Second); code != 0 {
			t.Errorf("peer exit %d; output:\n%s", code, peer.output())
		}
	})
}
