package luna

import (
	"errors"
	"net/netip"
	"time"

	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

// socketStream is a stream object: what connect returns and on_accept
// receives. IP and Token are the read-only fields scripts see.
type socketStream struct {
	mgr       *socketMgr
	ns        *netpoll.Stream // nil while the name is being resolved
	IP        string
	Token     uint32
	sendCache int
	recvCache int
	timeout   int64 // ms without a frame before "timeout"; -1 = never
	lastRecv  time.Time
	partial   time.Time // when the receive buffer last went from empty to holding part of a frame
	resolving bool
	pre       []byte   // calls made while the name is being resolved
	dirty     bool     // queued in mgr.dirty
	closed    int32    // 1 once closed or failed: no more callbacks (read by the C dispatch loop)
	slot      int      // index in the manager's outbox; -1: none
	fwdIov    [][]byte // forwarded frames waiting for one writev: header, body, ...
	fwdHdr    []byte   // the headers fwdIov points into
}

// dead reports whether the stream was closed or failed.
func (s *socketStream) dead() bool { return s.closed != 0 }

// flushThreshold is how many queued bytes make a call write at once instead
// of waiting for the end of the batch: large enough to coalesce many small
// frames per system call, small enough to keep the kernel busy.
const flushThreshold = 32 << 10

// dial starts the non-blocking connect to addr and sends, once connected,
// whatever calls were made before.
func (s *socketStream) dial(addr netip.Addr, port int) {
	ns, err := netpoll.Dial(addr, port)
	if err != nil {
		s.fail(errConnectFailed)
		return
	}
	s.attach(ns)
	if len(s.pre) > 0 && !s.dead() {
		if err := ns.Append(s.pre); err != nil {
			s.fail(errSendCacheFull)
			return
		}
		s.pre = nil
	}
}

// attach adopts a netpoll stream (dialled or accepted) and registers it.
func (s *socketStream) attach(ns *netpoll.Stream) {
	s.ns = ns
	ns.SetRecvCache(wire.FrameBufferSize(s.recvCache))
	ns.SetSendCache(s.sendCache)
	s.lastRecv = time.Now()
	if err := ns.Register(s.mgr.poller, s); err != nil {
		s.fail(errConnectFailed)
	}
}

// handle runs the callbacks a readiness event calls for.
func (s *socketStream) handle(ready netpoll.Ready) {
	if s.dead() || s.ns == nil {
		return
	}
	if s.ns.Connecting() {
		switch err := s.ns.FinishConnect(); {
		case errors.Is(err, netpoll.ErrWouldBlock):
			return
		case err != nil:
			s.fail(errConnectFailed)
			return
		}
		s.lastRecv = time.Now()
		s.mgr.markDirty(s)
		s.mgr.h.connected(s)
		if s.dead() {
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
// remote_call frames go to Lua in one crossing per run (receiveCalls), any
// other frame, and any header receiveCalls leaves, through parseFrame. Frames that arrived before an EOF are
// handled before connection_lost.
func (s *socketStream) receive() {
	_, readErr := s.ns.ReadAvailable()
	for !s.dead() {
		buf := s.ns.Buffered()
		if len(buf) == 0 {
			break
		}
		consumed, stop, malformed := s.mgr.h.calls(s, buf)
		if s.dead() {
			break
		}
		s.ns.Consume(consumed)
		switch stop {
		case callsMalformed:
			s.mgr.drops.note(s, malformed)
			continue
		case callsRaised:
			continue
		}
		if stop != callsOther || !s.parseFrame() {
			break
		}
	}
	s.mgr.flushForwards() // before anything can move this stream's buffer
	switch {
	case s.dead():
	case readErr != nil:
		s.fail(netpoll.KindOf(readErr).String())
	default:
		s.trackPartial(len(s.ns.Buffered()) > 0)
	}
}

// trackPartial starts or stops the frame timeout: a stream that holds part
// of a frame must complete it within the manager's frame limit (garbage, an
// HTTP request or a slow drip would otherwise hold the stream forever).
func (s *socketStream) trackPartial(pending bool) {
	switch {
	case pending && s.partial.IsZero():
		s.partial = time.Now()
		s.mgr.timed[s] = struct{}{}
	case !pending && !s.partial.IsZero():
		s.partial = time.Time{}
		if s.timeout <= 0 {
			delete(s.mgr.timed, s)
		}
	}
}

// deadline is when the stream dies unless a frame arrives (set_timeout) or
// the partial frame completes (frame timeout), whichever comes first.
func (s *socketStream) deadline() time.Time {
	var d time.Time
	if s.timeout > 0 {
		d = s.lastRecv.Add(time.Duration(s.timeout) * time.Millisecond)
	}
	if !s.partial.IsZero() {
		if p := s.partial.Add(s.mgr.frameLimit); d.IsZero() || p.Before(d) {
			d = p
		}
	}
	return d
}

// parseFrame handles the frame at the start of the receive buffer with the
// full parser; it reports whether a frame was consumed. A length that can
// never fit the receive cache, or that is not a varint, kills the stream.
func (s *socketStream) parseFrame() bool {
	buf := s.ns.Buffered()
	hl, pl, status := wire.ParseFrame(buf, s.recvCache)
	switch status {
	case wire.FrameNeedMore:
		return false
	case wire.FrameTooLarge:
		s.fail(errPackageTooLarge)
		return false
	case wire.FrameMalformed:
		s.fail(errInvalidFrame)
		return false
	}
	s.lastRecv = time.Now()
	s.frame(buf[hl : hl+pl])
	if s.dead() {
		return false
	}
	s.ns.Consume(hl + pl)
	return true
}

// frame handles one frame payload that is not a remote_call (those all go
// to Lua through receiveCalls): a frame to forward, or one to drop.
func (s *socketStream) frame(payload []byte) {
	id, _, err := wire.SplitMsgID(payload)
	switch {
	case err != nil:
		s.mgr.drops.note(s, err.Error())
	case id.IsForward():
		s.mgr.forward(s, payload)
	default:
		s.mgr.drops.note(s, "unknown message id "+id.String())
	}
}

// send queues a frame (hdr then body) behind what is already queued. It is
// written at the end of the current batch, or at once when enough is
// queued. A frame larger than the free send cache goes to the socket first
// when nothing is queued, and only the rest is kept; a frame that still
// does not fit kills the stream with send_cache_full.
func (s *socketStream) send(hdr, body []byte) bool {
	if s.dead() {
		return false
	}
	s.flushForwards() // frames forwarded to s earlier go first
	need := len(hdr) + len(body)
	if s.ns == nil {
		if len(s.pre)+need > s.sendCache {
			s.fail(errSendCacheFull)
			return false
		}
		s.pre = append(append(s.pre, hdr...), body...)
		return true
	}
	ns := s.ns
	if ns.SendSpace() < need && ns.Pending() > 0 && !ns.Connecting() {
		if err := ns.Flush(); err != nil {
			s.fail(netpoll.KindOf(err).String())
			return false
		}
	}
	var err error
	switch {
	case ns.SendSpace() >= need:
		ns.Append(hdr)
		ns.Append(body)
		if ns.Pending() >= flushThreshold && !ns.Connecting() {
			err = ns.Flush()
		}
	case ns.Pending() == 0 && !ns.Connecting():
		err = ns.Writev(hdr, body)
	default:
		err = netpoll.ErrSendCacheFull
	}
	if err != nil {
		s.fail(netpoll.KindOf(err).String())
		return false
	}
	if ns.Pending() > 0 {
		s.mgr.markDirty(s)
	}
	return true
}

// flush writes queued bytes; a socket error kills the stream.
func (s *socketStream) flush() {
	if s.dead() || s.ns == nil || s.ns.Connecting() || s.ns.Pending() == 0 {
		return
	}
	if err := s.ns.Flush(); err != nil {
		s.fail(netpoll.KindOf(err).String())
	}
}

// fail closes the stream and queues on_error(reason) for the manager to
// deliver between callbacks.
func (s *socketStream) fail(reason string) {
	if s.dead() {
		return
	}
	s.shut()
	s.mgr.failed = append(s.mgr.failed, failure{s, reason})
}

// shut closes the stream without a callback and frees its place.
func (s *socketStream) shut() {
	if s.dead() {
		return
	}
	s.closed = 1
	s.mgr.h.closed(s)
	if s.ns != nil {
		s.ns.Close()
	}
	m := s.mgr
	delete(m.streams, s.Token)
	delete(m.timed, s)
	m.open--
}
