package luna

import (
	"strings"
	"testing"

	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// The C batch loop (dispatch.c) and wire.ParseFrame must agree on every
// input: the loop consumes exactly the run of complete remote_call frames
// that ParseFrame and SplitMsgID find, and stops where Go's parser has to
// take over (NEED_MORE only where ParseFrame needs more payload, OTHER
// wherever ParseFrame sees anything but a complete remote_call).

// callEnds walks buf with the Go parser: the end offsets of the complete
// remote_call frames at its start, and whether it stopped at a frame whose
// header is complete but whose payload is not (or at the end of buf).
func callEnds(buf []byte, cache int) (ends []int, needMore bool) {
	pos := 0
	for {
		if pos == len(buf) {
			return ends, true
		}
		hl, pl, status := wire.ParseFrame(buf[pos:], cache)
		switch {
		case status == wire.FrameNeedMore:
			return ends, hl > 0
		case status != wire.FrameComplete:
			return ends, false
		}
		if id, _, err := wire.SplitMsgID(buf[pos+hl : pos+hl+pl]); err != nil || id != wire.RemoteCall {
			return ends, false
		}
		pos += hl + pl
		ends = append(ends, pos)
	}
}

// callStream makes a runtime whose manager has one stream, the global s,
// whose on_call counts its calls in the global calls: for receiveCalls,
// which needs only the stream's table, not a connection.
func callStream(tb testing.TB) (*Runtime, *socketMgr, *node.Stream) {
	rt, err := New("luna", "batch.lua", nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(rt.Close)
	if err := rt.cb.DoString(`mgr = luna.create_socket_mgr(4); calls = 0`); err != nil {
		tb.Fatal(err)
	}
	var m *socketMgr
	for m = range rt.managers {
	}
	s, err := m.node.Connect("batch.invalid", 1) // never resolved
	if err != nil {
		tb.Fatal(err)
	}
	m.adopt(rt.L, s)
	rt.classes.stream.Push(s)
	rt.L.SetGlobal("s")
	if err := rt.cb.DoString(`s.on_call = function() calls = calls + 1 end`); err != nil {
		tb.Fatal(err)
	}
	return rt, m, s
}

// BenchmarkReceiveCalls is one stream's turn at fan-in: one call frame
// handed to its on_call, the crossing into C included.
func BenchmarkReceiveCalls(b *testing.B) {
	_, m, s := callStream(b)
	call := wire.AppendCallHeader(nil, 3)
	call = append(call, 3, 1, 'x')
	b.ReportAllocs()
	for b.Loop() {
		if n, stop, _ := m.receiveCalls(s, call); n != len(call) || stop != node.CallsNeedMore {
			b.Fatalf("consumed %d of %d, stop %d", n, len(call), stop)
		}
	}
}

// A call whose on_call raises is consumed and reported, and the stack is
// left as it was; the frame after it is dispatched by the next turn.
func TestReceiveCallsAfterRaise(t *testing.T) {
	rt, m, s := callStream(t)
	if err := rt.cb.DoString(`s.on_call = function(m) calls = calls + 1; if m == "x" then error("boom") end end`); err != nil {
		t.Fatal(err)
	}
	x := append(wire.AppendCallHeader(nil, 3), 3, 1, 'x')
	y := append(wire.AppendCallHeader(nil, 3), 3, 1, 'y')
	buf := append(append([]byte{}, x...), y...)
	top := rt.L.GetTop()
	n, stop, _ := m.receiveCalls(s, buf)
	if n != len(x) || stop != node.CallsRaised || rt.L.GetTop() != top {
		t.Fatalf("consumed %d of %d, stop %d, top %d (was %d); want %d, CallsRaised, %d",
			n, len(buf), stop, rt.L.GetTop(), top, len(x), top)
	}
	if r := rt.errlog.recent; len(r) != 1 || r[0].Callback != "on_call" || r[0].Msg != "x" || !strings.Contains(r[0].Message, "boom") {
		t.Fatalf("reported %+v, want one on_call error for x with boom", r)
	}
	if n, stop, _ = m.receiveCalls(s, buf[n:]); n != len(y) || stop != node.CallsNeedMore || rt.L.GetTop() != top {
		t.Fatalf("then consumed %d of %d, stop %d, top %d", n, len(y), stop, rt.L.GetTop())
	}
	rt.L.GetGlobal("calls")
	defer rt.L.Pop(1)
	if c := rt.L.ToInteger(-1); c != 2 {
		t.Fatalf("on_call ran %d times, want 2", c)
	}
}

func FuzzBatchLoopMatchesParseFrame(f *testing.F) {
	rt, m, s := callStream(f)
	calls := func() int {
		rt.L.GetGlobal("calls")
		defer rt.L.Pop(1)
		return rt.L.ToInteger(-1)
	}

	call := wire.AppendCallHeader(nil, 3)
	call = append(call, 3, 1, 'x') // the archive of "x"
	f.Add(call, uint16(0))
	f.Add(append(append([]byte{}, call...), call...), uint16(0))
	f.Add([]byte{0x03, 0x80, 0x80, 0x00}, uint16(0))                        // msg id 0, non-canonical
	f.Add([]byte{0x00, 0x01}, uint16(0))                                    // empty frame
	f.Add([]byte{0x01, 0x00}, uint16(0))                                    // a call with no values
	f.Add([]byte{0x03, 0x00, 0x03, 0xff}, uint16(0))                        // malformed archive
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, uint16(0))                  // too large
	f.Add([]byte{0x85, 0x80}, uint16(0))                                    // partial header
	f.Add([]byte{0x05, 0x00, 0x03, 0x01}, uint16(0))                        // partial payload
	f.Add([]byte{0x04, 0x01, 0x02, 0x03, 0x00}, uint16(0))                  // forward_target
	f.Add(append([]byte{0x06, 0x00}, 0x03, 0x03, 'a', 'b', 'c'), uint16(4)) // small cache

	f.Fuzz(func(t *testing.T, buf []byte, cache uint16) {
		s.SetRecvCache(wire.DefaultCache)
		if cache > 0 {
			s.SetRecvCache(int64(cache))
		}
		for pos, round := 0, 0; round <= len(buf); round++ {
			before := calls()
			consumed, stop, _ := m.receiveCalls(s, buf[pos:])
			frames := int(m.batch.frames)
			ends, needMore := callEnds(buf[pos:], s.RecvCache())
			if frames > len(ends) || (frames == 0 && consumed != 0) || (frames > 0 && consumed != ends[frames-1]) {
				t.Fatalf("at %d: C consumed %d in %d frames, Go finds call frames ending at %v", pos, consumed, frames, ends)
			}
			ran := calls() - before
			if stop == node.CallsMalformed {
				if frames == 0 || ran != frames-1 {
					t.Fatalf("at %d: malformed after %d frames, %d on_call runs", pos, frames, ran)
				}
				pos += consumed
				continue
			}
			if frames != len(ends) || ran != frames {
				t.Fatalf("at %d: C stopped after %d frames (%d on_call runs), Go finds %d", pos, frames, ran, len(ends))
			}
			if (stop == node.CallsNeedMore) != needMore {
				t.Fatalf("at %d: C stop %d, Go needs more: %v", pos, stop, needMore)
			}
			return
		}
		t.Fatal("the loop made no progress")
	})
}
