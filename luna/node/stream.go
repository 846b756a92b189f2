package node

import (
	"errors"
	"net/netip"
	"time"

	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

// Stream is one connection, dialled (Connect) or accepted. IP and Token
// are read-only.
//
// A node keeps thousands of these: fields are ordered and sized to keep
// it small (idle memory per connection), and what only a router target
// needs lives behind g.
type Stream struct {
	node      *Node
	ns        *netpoll.Stream // nil while the name is being resolved
	IP        string
	pre       []byte     // frames sent while the name is resolved or the handshake runs
	g         *gathering // frames gathered for one writev (Gather); nil until the first
	hs        *handshake // the cluster handshake, until it completes
	admitter  *Listener  // accepted, in the handshake: the handler does not know the stream yet
	timeout   int64      // ms without a frame before "timeout"; -1 = never
	lastRecv  mono
	partial   mono    // when the receive buffer last went from empty to holding part of a frame
	born      mono    // Connect or the accept
	framesIn  uint64  // frames received: the handler's calls (NoteCalls) and the node's own
	framesOut uint64  // frames sent
	luaWord   uintptr // the Lua binding's word (HandleWord)
	Token     uint32
	sendCache int32
	recvCache int32
	closed    int32 // 1 once closed or failed: no more callbacks (DeadFlag)
	resolving bool
	dirty     bool // queued in node.dirty
	heard     bool // the first bytes arrived and were not a handshake
	// dropOverflow: a frame that does not fit the send cache is dropped,
	// not fatal (SetOverflowDrop)
	dropOverflow bool
}

// gathering is what Gather keeps for a stream between a read and its
// writev: header, body, header, body, ... and the headers' bytes.
type gathering struct {
	iov [][]byte
	hdr []byte
}

// mono is a point of the node's monotonic clock, in nanoseconds since
// its epoch; 0 is "unset".
type mono int64

// now is the node's clock now (never 0: the epoch is a second back).
func (n *Node) now() mono { return mono(time.Since(n.epoch)) }

func (m mono) add(d time.Duration) mono { return m + mono(d) }

// HandleWord is a word the stream's Lua binding keeps its handle in
// (cbind.Handled), so a stream costs that binding no map entry.
func (s *Stream) HandleWord() *uintptr { return &s.luaWord }

// Dead reports whether the stream was closed or failed.
func (s *Stream) Dead() bool { return s.closed != 0 }

// DeadFlag is the word that turns 1 when the stream dies, for a handler
// that runs many callbacks in one go and must stop at once (the C batch
// loop reads it after each).
func (s *Stream) DeadFlag() *int32 { return &s.closed }

// Node is the node the stream belongs to.
func (s *Stream) Node() *Node { return s.node }

// RecvCache is the largest frame the stream accepts, header included.
func (s *Stream) RecvCache() int { return int(s.recvCache) }

// BufferBytes is the memory the stream's socket buffers hold; an idle
// stream holds none.
func (s *Stream) BufferBytes() int {
	if s.ns == nil {
		return cap(s.pre)
	}
	return s.ns.BufferBytes()
}

// dial starts the non-blocking connect to addr and sends, once connected,
// whatever was sent before.
func (s *Stream) dial(addr netip.Addr, port int) {
	ns, err := netpoll.Dial(addr, port)
	if err != nil {
		s.fail(ReasonConnectFailed)
		return
	}
	s.attach(ns)
	if !s.Dead() && s.node.keys != nil {
		s.startHandshake(true) // frames wait in pre until it completes
		return
	}
	if len(s.pre) > 0 && !s.Dead() {
		if err := ns.Append(s.pre); err != nil {
			s.fail(ReasonSendCacheFull)
			return
		}
		s.pre = nil
	}
}

// attach adopts a netpoll stream (dialled or accepted) and registers it.
func (s *Stream) attach(ns *netpoll.Stream) {
	s.ns = ns
	ns.SetRecvCache(wire.FrameBufferSize(int(s.recvCache)))
	ns.SetSendCache(int(s.sendCache))
	s.lastRecv = s.node.now()
	if err := ns.Register(s.node.poller, s); err != nil {
		s.fail(ReasonConnectFailed)
	}
}

// handle runs the callbacks a readiness event calls for.
func (s *Stream) handle(ready netpoll.Ready) {
	if s.Dead() || s.ns == nil {
		return
	}
	if s.ns.Connecting() {
		switch err := s.ns.FinishConnect(); {
		case errors.Is(err, netpoll.ErrWouldBlock):
			return
		case err != nil:
			s.fail(ReasonConnectFailed)
			return
		}
		s.lastRecv = s.node.now()
		s.node.markDirty(s)
		if s.hs != nil {
			s.hs.by = s.lastRecv.add(handshakeTimeout) // from the connect, not the dial
			s.retime()
		} else {
			s.node.h.Connected(s)
		}
		if s.Dead() {
			return
		}
	}
	if ready&netpoll.Writable != 0 {
		if err := s.ns.Flush(); err != nil {
			s.fail(netpoll.KindOf(err).String())
			return
		}
	}
	if ready&(netpoll.Readable|netpoll.Hangup|netpoll.Failed) != 0 {
		s.receive()
	}
}

// receive reads what the socket has and handles every complete frame:
// runs of remote_call frames go to the handler (Calls), any other frame
// through frameAt. Frames that arrived before an EOF are handled before
// the stream fails.
func (s *Stream) receive() {
	read, readErr := s.ns.ReadAvailable()
	s.node.count.bytesIn += uint64(read)
	for !s.Dead() {
		if s.hs != nil {
			if !s.handshakeStep() {
				break
			}
			continue
		}
		if !s.heard && !s.firstBytes() {
			break
		}
		buf := s.ns.Buffered()
		if len(buf) == 0 {
			break
		}
		hl, pl, status := wire.ParseFrame(buf, int(s.recvCache))
		// a complete frame whose message id begins 00 (or 80, a
		// non-canonical 0) may start a run of calls: the handler takes it;
		// anything else stays here, so a router's forward frames cost the
		// handler nothing
		if status == wire.FrameComplete && pl > 0 && buf[hl]&0x7f == 0 {
			if !s.calls(buf) {
				break
			}
		} else if !s.frameAt(buf, hl, pl, status) {
			break
		}
	}
	s.node.flushGathered() // before anything can move this stream's buffer
	switch {
	case s.Dead():
	case readErr != nil && s.hs != nil:
		s.authFail(errAuthClosed)
	case readErr != nil:
		s.fail(netpoll.KindOf(readErr).String())
	default:
		s.trackPartial(len(s.ns.Buffered()) > 0)
		if read < smallRead {
			s.ns.Trim() // light traffic: the buffer goes back to the pool at once
		}
	}
}

// smallRead is a read small enough that the stream's buffers go back to
// the pool right after it; a stream that reads more keeps them for its
// next read, until the node's trim sweep finds it idle.
const smallRead = 4096

// calls hands the run of calls at the start of buf to the handler and
// reports whether the receive loop goes on.
func (s *Stream) calls(buf []byte) bool {
	consumed, stop, malformed := s.node.h.Calls(s, buf)
	if s.Dead() {
		return false
	}
	if consumed > 0 {
		s.lastRecv = s.node.now()
	}
	s.ns.Consume(consumed)
	switch stop {
	case CallsMalformed:
		s.node.drops.note(s, DropMalformedArchive, malformed)
	case CallsNeedMore, CallsDead:
		return false
	case CallsOther: // the frame the handler stopped at is the node's
		buf = s.ns.Buffered()
		hl, pl, status := wire.ParseFrame(buf, int(s.recvCache))
		return s.frameAt(buf, hl, pl, status)
	}
	return true // CallsRaised: the run goes on
}

// trackPartial starts or stops the frame timeout: a stream that holds part
// of a frame must complete it within the node's frame limit (garbage, an
// HTTP request or a slow drip would otherwise hold the stream forever).
func (s *Stream) trackPartial(pending bool) {
	switch {
	case pending && s.partial == 0:
		s.partial = s.node.now()
	case !pending && s.partial != 0:
		s.partial = 0
	default:
		return
	}
	s.retime()
}

// retime puts the stream in the node's timed set exactly while it has a
// deadline.
func (s *Stream) retime() {
	if s.timeout > 0 || s.partial != 0 || (s.hs != nil && s.hs.by != 0) {
		s.node.timed[s] = struct{}{}
	} else {
		delete(s.node.timed, s)
	}
}

// deadline is when the stream dies unless a frame arrives (SetTimeout),
// the partial frame completes (frame timeout) or the handshake ends,
// whichever comes first; 0 when none applies.
func (s *Stream) deadline() mono {
	var d mono
	if s.timeout > 0 {
		d = s.lastRecv.add(time.Duration(s.timeout) * time.Millisecond)
	}
	if s.partial != 0 {
		if p := s.partial.add(s.node.frameLimit); d == 0 || p < d {
			d = p
		}
	}
	if s.hs != nil && s.hs.by != 0 && (d == 0 || s.hs.by < d) { // a dialer's starts once connected
		d = s.hs.by
	}
	return d
}

// frameAt handles the frame ParseFrame found at the start of buf (header
// hl bytes, payload pl) and reports whether one was consumed. A length
// that can never fit the receive cache, or that is not a varint, kills the
// stream.
func (s *Stream) frameAt(buf []byte, hl, pl int, status wire.FrameStatus) bool {
	switch status {
	case wire.FrameNeedMore:
		return false
	case wire.FrameTooLarge:
		s.fail(ReasonPackageTooLarge)
		return false
	case wire.FrameMalformed:
		s.fail(ReasonInvalidFrame)
		return false
	}
	s.lastRecv = s.node.now()
	s.frame(buf[hl : hl+pl])
	if s.Dead() {
		return false
	}
	s.ns.Consume(hl + pl)
	return true
}

// frame handles one frame payload the handler left (not a plain
// remote_call): a frame to forward, or one to drop.
func (s *Stream) frame(payload []byte) {
	s.NoteCalls(1)
	id, _, err := wire.SplitMsgID(payload)
	switch {
	case err != nil:
		s.node.drops.note(s, DropMalformedMsgID, err.Error())
	case !id.IsForward():
		s.node.drops.note(s, DropUnknownMsgID, "unknown message id "+id.String())
	case s.node.fwd == nil:
		s.node.drops.note(s, DropNotARouter, "forward frame on a node that does not forward")
	default:
		if err := s.node.fwd.Forward(s, payload); err != nil {
			s.node.drops.note(s, DropBadForward, err.Error())
		}
	}
}
