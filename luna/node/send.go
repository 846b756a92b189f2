package node

import (
	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

// The send policy: what a stream queues, in which order, and when it is
// written.

// flushThreshold is how many queued bytes make a send write at once instead
// of waiting for the end of the batch: large enough to coalesce many small
// frames per system call, small enough to keep the kernel busy.
const flushThreshold = 32 << 10

// Send queues a frame (hdr then body, either may be empty) behind what is
// already queued; it reports false when the stream is dead or died of it.
// The frame is written at the end of the current batch (Flush), or at once
// when enough is queued. A frame larger than the free send cache goes to
// the socket first when nothing is queued, and only the rest is kept; a
// frame that still does not fit kills the stream with send_cache_full.
func (s *Stream) Send(hdr, body []byte) bool {
	if s.Dead() {
		return false
	}
	s.flushGathered() // frames gathered for s earlier go first
	need := len(hdr) + len(body)
	s.countOut(need)
	if s.ns == nil || s.hs != nil { // resolving, or in the handshake
		if len(s.pre)+need > int(s.sendCache) {
			return s.overflow()
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
		return s.overflow()
	}
	if err != nil {
		s.fail(netpoll.KindOf(err).String())
		return false
	}
	if ns.Pending() > 0 {
		s.node.markDirty(s)
	}
	return true
}

// SendLast is Send for a caller with no more frames for s in this batch,
// about to flush (the outbox's drain): the frame goes to the socket at
// once, straight from the caller's memory when nothing is queued before
// it, and only what the socket does not take is kept. Written while the
// frame and the stream are still in the cache, and with no send buffer
// taken for it, a fan-in client's calls cost less than queued for a
// flush of every stream after the last call.
func (s *Stream) SendLast(frame []byte) bool {
	if s.Dead() {
		return false
	}
	s.flushGathered()
	ns := s.ns
	if ns == nil || s.hs != nil || ns.Connecting() || ns.Pending() > 0 || ns.SendSpace() < len(frame) {
		if !s.Send(frame, nil) {
			return false
		}
		s.Flush()
		return !s.Dead()
	}
	s.countOut(len(frame))
	if err := ns.Write(frame); err != nil {
		s.fail(netpoll.KindOf(err).String())
		return false
	}
	if ns.Pending() > 0 {
		s.node.markDirty(s)
	}
	return true
}

// Gather sends a frame whose body is borrowed: a slice of a buffer that
// stays put until the node next reads from the stream that received it
// (a forward). The frames gathered for a stream go out in one writev when
// that read is about to happen, or before anything else is sent on the
// stream; only what the socket does not take is copied. A stream that has
// bytes queued, or is not connected yet, takes the frame with Send.
func (s *Stream) Gather(hdr, body []byte) {
	if s.Dead() {
		return
	}
	if s.g == nil {
		s.g = &gathering{}
	}
	g := s.g
	if len(g.iov) == 0 {
		if s.ns == nil || s.hs != nil || s.ns.Connecting() || s.ns.Pending() > 0 {
			s.Send(hdr, body)
			return
		}
		s.node.gathered = append(s.node.gathered, s)
	}
	s.countOut(len(hdr) + len(body))
	start := len(g.hdr)
	g.hdr = append(g.hdr, hdr...)
	g.iov = append(g.iov, g.hdr[start:], body)
}

// flushGathered writes every stream's gathered frames.
func (n *Node) flushGathered() {
	for i, s := range n.gathered {
		s.flushGathered()
		n.gathered[i] = nil
	}
	n.gathered = n.gathered[:0]
}

// countOut counts a frame of n bytes sent on s.
func (s *Stream) countOut(n int) {
	s.framesOut++
	s.node.count.framesOut++
	s.node.count.bytesOut += uint64(n)
}

// overflow is a frame that does not fit the send cache: dropped (and
// counted) when the stream drops on overflow, else the stream dies of
// send_cache_full. Either way Send reports false.
func (s *Stream) overflow() bool {
	if s.dropOverflow {
		s.node.count.overflowDrops++
		return false
	}
	s.fail(ReasonSendCacheFull)
	return false
}

// SetOverflowDrop makes a frame that does not fit the send cache be
// dropped, keeping the stream (drop), instead of killing the stream with
// send_cache_full (the reference's rule, and the default).
func (s *Stream) SetOverflowDrop(drop bool) { s.dropOverflow = drop }

// flushGathered writes the frames gathered for this stream with one
// writev; what the socket does not take is copied into the send cache. A
// stream that drops on overflow, with more gathered than its cache takes,
// sends them one by one instead, so that only the frames that do not fit
// are dropped.
func (s *Stream) flushGathered() {
	g := s.g
	if g == nil || len(g.iov) == 0 {
		return
	}
	iov := g.iov
	g.iov = iov[len(iov):] // empty while they are written: Send must not flush them again
	switch {
	case s.Dead():
	case s.dropOverflow && gatheredBytes(iov) > s.ns.SendSpace():
		for i := 0; i+1 < len(iov); i += 2 {
			s.Send(iov[i], iov[i+1])
		}
	default:
		if err := s.ns.Writev(iov...); err != nil {
			s.fail(netpoll.KindOf(err).String())
		}
	}
	clear(iov)
	g.iov = iov[:0]
	g.hdr = g.hdr[:0]
}

func gatheredBytes(iov [][]byte) int {
	n := 0
	for _, b := range iov {
		n += len(b)
	}
	return n
}

// Flush writes queued bytes without blocking; a socket error kills the
// stream.
func (s *Stream) Flush() {
	if s.Dead() || s.ns == nil || s.ns.Connecting() || s.ns.Pending() == 0 {
		return
	}
	if err := s.ns.Flush(); err != nil {
		s.fail(netpoll.KindOf(err).String())
	}
}

// Pending is how many bytes wait to be written.
func (s *Stream) Pending() int {
	if s.Dead() {
		return 0
	}
	if s.ns == nil {
		return len(s.pre)
	}
	return s.ns.Pending() + len(s.pre) // pre: frames waiting for the handshake
}

// Close gives queued bytes (the handler's too: BeforeFlush) one last
// non-blocking write, then closes the socket; no Failed follows.
func (s *Stream) Close() {
	if s.Dead() {
		return
	}
	s.node.h.BeforeFlush()
	s.Flush()
	s.shut()
}

// Discard closes the stream at once, without writing what is queued and
// without Failed.
func (s *Stream) Discard() { s.shut() }

// fail closes the stream and queues Failed(reason) for the node to
// deliver between callbacks.
func (s *Stream) fail(reason string) {
	if s.Dead() {
		return
	}
	s.shut()
	c := &s.node.count
	if c.errors == nil {
		c.errors = map[string]uint64{}
	}
	c.errors[reason]++
	s.node.failed = append(s.node.failed, failure{s, reason})
}

// shut closes the stream without a callback and frees its place.
func (s *Stream) shut() {
	if s.Dead() {
		return
	}
	s.closed = 1
	n := s.node
	if l := s.admitter; l != nil { // the handler never knew it
		s.admitter = nil
		l.pending--
	} else {
		n.h.Closed(s)
		n.open--
	}
	if s.ns != nil {
		n.count.lostBytes += uint64(s.ns.Pending())
		s.ns.Close()
	}
	delete(n.streams, s.Token)
	delete(n.timed, s)
}

// maxCache bounds SetSendCache and SetRecvCache.
const maxCache = 1 << 30

// SetSendCache sets how many bytes may wait to be written (ignored unless
// 0 < bytes <= 1 GiB).
func (s *Stream) SetSendCache(bytes int64) {
	if bytes > 0 && bytes <= maxCache {
		s.sendCache = int32(bytes)
		if s.ns != nil {
			s.ns.SetSendCache(int(s.sendCache))
		}
	}
}

// SetRecvCache sets the largest frame the stream accepts, header included
// (ignored unless 0 < bytes <= 1 GiB).
func (s *Stream) SetRecvCache(bytes int64) {
	if bytes > 0 && bytes <= maxCache {
		s.recvCache = int32(bytes)
		if s.ns != nil {
			s.ns.SetRecvCache(wire.FrameBufferSize(int(s.recvCache)))
		}
	}
}

// SetTimeout fails the stream with "timeout" when no frame arrived for ms
// milliseconds; ms <= 0 = never.
func (s *Stream) SetTimeout(ms int64) {
	if s.Dead() {
		return
	}
	s.timeout = ms
	if ms > 0 {
		s.lastRecv = s.node.now()
	}
	s.retime()
}
