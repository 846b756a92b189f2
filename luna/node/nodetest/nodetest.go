// Package nodetest drives luna/node without Lua: a Handler that records
// what a node reports, a loop that steps nodes until a condition holds,
// and frame builders. It has no cgo, like node itself.
package nodetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// Limit is how long the helpers here wait for something to happen.
const Limit = 5 * time.Second

// Recorder is a node.Handler that keeps every event, and the archive of
// every remote_call, in the order they came.
type Recorder struct {
	// Refuse makes Accepted close every new connection.
	Refuse bool
	// OnCall, when set, runs for each remote_call after it is recorded.
	OnCall func(s *node.Stream, archive []byte)

	mu       sync.Mutex
	events   []string
	calls    map[uint32][][]byte
	accepted []*node.Stream
	lines    []string
}

// Calls consumes the run of complete remote_call frames at the start of
// buf, as the Lua face does, and leaves anything else to the node.
func (r *Recorder) Calls(s *node.Stream, buf []byte) (int, node.CallStop, string) {
	consumed := 0
	for !s.Dead() {
		hl, pl, status := wire.ParseFrame(buf[consumed:], s.RecvCache())
		if status != wire.FrameComplete {
			if status == wire.FrameNeedMore {
				return consumed, node.CallsNeedMore, ""
			}
			return consumed, node.CallsOther, ""
		}
		payload := buf[consumed+hl : consumed+hl+pl]
		id, archive, err := wire.SplitMsgID(payload)
		if err != nil || id != wire.RemoteCall {
			return consumed, node.CallsOther, ""
		}
		consumed += hl + pl
		r.mu.Lock()
		if r.calls == nil {
			r.calls = map[uint32][][]byte{}
		}
		r.calls[s.Token] = append(r.calls[s.Token], append([]byte(nil), archive...))
		r.mu.Unlock()
		if r.OnCall != nil {
			r.OnCall(s, archive)
		}
	}
	return consumed, node.CallsDead, ""
}

func (r *Recorder) note(format string, args ...any) {
	r.mu.Lock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
	r.mu.Unlock()
}

// Accepted records "accepted <token>" and keeps the stream.
func (r *Recorder) Accepted(l *node.Listener, s *node.Stream) bool {
	r.note("accepted %d", s.Token)
	r.mu.Lock()
	r.accepted = append(r.accepted, s)
	r.mu.Unlock()
	return !r.Refuse
}

// Connected records "connected <token>".
func (r *Recorder) Connected(s *node.Stream) { r.note("connected %d", s.Token) }

// Failed records "failed <token> <reason>".
func (r *Recorder) Failed(s *node.Stream, reason string) { r.note("failed %d %s", s.Token, reason) }

// Closed records "closed <token>".
func (r *Recorder) Closed(s *node.Stream) { r.note("closed %d", s.Token) }

// BeforeFlush has nothing queued of its own.
func (r *Recorder) BeforeFlush() {}

// AfterWait does nothing.
func (r *Recorder) AfterWait() {}

// Log keeps a node's log lines (node.Config.Log).
func (r *Recorder) Log(line string) {
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
}

// Events are the events so far.
func (r *Recorder) Events() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

// Has reports whether event was recorded.
func (r *Recorder) Has(event string) bool {
	for _, e := range r.Events() {
		if e == event {
			return true
		}
	}
	return false
}

// CallsOf are the archives received on the stream with token.
func (r *Recorder) CallsOf(token uint32) [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.calls[token]...)
}

// Accepted streams, in the order they came.
func (r *Recorder) AcceptedStreams() []*node.Stream {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*node.Stream(nil), r.accepted...)
}

// Lines are the log lines so far.
func (r *Recorder) Lines() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// New makes a node with r as its handler and log, closed when the test
// ends.
func New(tb testing.TB, r *Recorder, cfg node.Config) *node.Node {
	tb.Helper()
	cfg.Handler = r
	cfg.Log = r.Log
	if cfg.MaxConn == 0 {
		cfg.MaxConn = 64
	}
	n, err := node.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(n.Close)
	return n
}

// Step runs Wait(1) on every node until cond holds, failing the test
// after limit (and after 100 000 rounds, whichever comes first).
func Step(tb testing.TB, limit time.Duration, cond func() bool, nodes ...*node.Node) {
	tb.Helper()
	deadline := time.Now().Add(limit)
	for round := 0; round < 100000; round++ {
		if cond() {
			return
		}
		if time.Now().After(deadline) {
			break
		}
		for _, n := range nodes {
			n.Wait(1)
		}
	}
	tb.Fatalf("nodetest: condition not met within %v", limit)
}

// Call is a remote_call frame carrying archive.
func Call(archive []byte) []byte {
	return append(wire.AppendCallHeader(nil, len(archive)), archive...)
}

// Frame is a frame with payload (a message id and what follows it).
func Frame(payload []byte) []byte {
	return append(wire.AppendUvarint(nil, uint64(len(payload))), payload...)
}
