package node

import (
	"fmt"
	"time"

	"github.com/luna-go/luna/netpoll"
)

// The loop. Wait polls, runs every callback that is due, writes out what
// the callbacks queued and expires deadlines, all on the node's thread.

// Wait polls up to ms milliseconds (0: don't block, negative: until
// something happens) and runs every callback that is due. Called from one
// of the node's own callbacks, it does nothing.
func (n *Node) Wait(ms int64) {
	if n.inWait || n.closed {
		return
	}
	n.inWait = true
	defer func() { n.inWait = false }()

	n.Flush()
	n.deliverFailures()
	count, err := n.poll(n.pollTimeout(ms))
	if err != nil {
		n.log(fmt.Sprintf("luna: poll: %v", err))
		return
	}
	woke := time.Now()
	defer func() { n.count.busy += time.Since(woke) }()
	if n.poller.Woken() {
		n.resolver.deliver(n)
	}
	for i := 0; i < count && !n.closed; i++ {
		ev := &n.events[i]
		if ev.Ready == 0 {
			continue
		}
		switch o := ev.User.(type) {
		case *Stream:
			o.handle(ev.Ready)
		case *Listener:
			o.acceptReady()
		}
		n.Flush()
		n.deliverFailures()
	}
	n.expireTimeouts()
	n.deliverFailures()
	n.trimIdle()
	n.h.AfterWait()
}

// trimEvery is how often a node gives the buffers of its idle streams
// back to the pool.
const trimEvery = time.Second

// trimIdle gives back, once every trimEvery, the buffers of every stream
// that holds no bytes: a stream that went quiet after heavy traffic keeps
// no memory for more than about a second. The pool then gives up half of
// what it kept beyond its floor.
func (n *Node) trimIdle() {
	now := time.Now()
	if now.Sub(n.lastTrim) < trimEvery {
		return
	}
	n.lastTrim = now
	defer netpoll.ShrinkPool()
	n.auth.flush()
	for _, s := range n.streams {
		if s.ns != nil {
			s.ns.Trim() // frees only empty buffers; no gathered frame is left at the end of Wait
		}
	}
}

// deliverFailures runs Failed for every stream that died since the last
// call, in the order they died.
func (n *Node) deliverFailures() {
	for len(n.failed) > 0 {
		f := n.failed[0]
		n.failed = n.failed[1:]
		n.h.Failed(f.s, f.reason)
	}
	n.failed = nil
}

// spinFor is how long a node that has just handled events and sent frames
// polls without blocking before it sleeps in the kernel. A request/response
// peer usually answers within tens of microseconds; catching the answer
// while still running saves the wake-up of an idle CPU (tens of
// microseconds more on a virtual machine). An idle node (no events last
// time) never spins, nor one that sent nothing: it waits for no answer,
// and its events, arriving on their own, are cheaper to take in a batch
// after a sleep than one by one from a spin (fanin/10000 spun 4 µs for
// each event it caught, a third of the server's CPU).
const spinFor = 50 * time.Microsecond

// maxSpinBackoff bounds how many busy waits in a row skip the spin after
// spins stopped winning.
const maxSpinBackoff = 1024

// spinner decides whether a busy wait spins: spinning must pay for itself.
// A spin that catches an event keeps spinning on; one that catches nothing
// doubles how many of the next busy waits go straight to the kernel (up
// to maxSpinBackoff), so a node whose traffic comes too slowly for the
// spin to win (a call every millisecond) spins on one wait in 1 025 at
// most: 0.05 µs a wait, where a cap of 64 cost 0.8 µs.
type spinner struct {
	skip    int // busy waits left that do not spin
	backoff int // skips after the next losing spin
}

// try reports whether this busy wait should spin.
func (sp *spinner) try() bool {
	if sp.skip > 0 {
		sp.skip--
		return false
	}
	return true
}

// won records a spin's outcome.
func (sp *spinner) won(caught bool) {
	if caught {
		sp.backoff = 0
		return
	}
	sp.backoff = min(max(1, sp.backoff*2), maxSpinBackoff)
	sp.skip = sp.backoff
}

// poll waits for events, spinning first when the last wait was busy, the
// node has sent frames since, and spinning has been paying (spinner).
func (n *Node) poll(timeout int) (int, error) {
	sent := n.count.framesOut != n.sentMark
	n.sentMark = n.count.framesOut
	if timeout != 0 && n.busy && sent && n.spin.try() {
		n.count.spins++
		deadline := time.Now().Add(spinFor)
		for time.Now().Before(deadline) {
			if c, err := n.poller.Wait(0, n.events); c > 0 || err != nil || n.poller.Woken() {
				n.spin.won(true)
				return c, err
			}
		}
		n.spin.won(false)
	}
	c, err := n.poller.Wait(timeout, n.events)
	n.busy = c > 0
	return c, err
}

// pollTimeout bounds the wait by the nearest stream deadline; it is 0 when
// callbacks are already due.
func (n *Node) pollTimeout(ms int64) int {
	if len(n.failed) > 0 {
		return 0
	}
	now := n.now()
	next := ms
	for s := range n.timed {
		left := int64(time.Duration(s.deadline()-now)/time.Millisecond) + 1
		if next < 0 || left < next {
			next = max(left, 0)
		}
	}
	return int(max(min(next, 1<<30), -1))
}

// expireTimeouts kills the streams whose deadline passed: "timeout" when no
// frame came within SetTimeout, "frame_timeout" when a frame was started
// but not finished within the frame timeout, auth_failed when the
// handshake did not end in time.
func (n *Node) expireTimeouts() {
	if len(n.timed) == 0 {
		return
	}
	now := n.now()
	for s := range n.timed {
		if now < s.deadline() {
			continue
		}
		switch {
		case s.hs != nil && now >= s.hs.by:
			s.authFail(errAuthTimeout)
		case s.timeout > 0 && now >= s.lastRecv.add(time.Duration(s.timeout)*time.Millisecond):
			s.fail(ReasonTimeout)
		default:
			s.fail(ReasonFrameTimeout)
		}
	}
}

// markDirty queues a stream for the flush at the end of the batch.
func (n *Node) markDirty(s *Stream) {
	if !s.dirty {
		s.dirty = true
		n.dirty = append(n.dirty, s)
	}
}

// Flush has the handler move what it queued into the streams
// (BeforeFlush) and writes out every stream with queued bytes: one
// write/writev per stream for all its frames. It never blocks.
func (n *Node) Flush() {
	if n.closed {
		return
	}
	n.h.BeforeFlush()
	for i := 0; i < len(n.dirty); i++ {
		s := n.dirty[i]
		s.dirty = false
		s.Flush()
	}
	clear(n.dirty)
	n.dirty = n.dirty[:0]
}
