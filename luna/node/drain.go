package node

import "time"

// Drain writes out everything queued (BeforeFlush first), waiting for slow
// peers until deadline, and returns what is still waiting: bytes, and how
// many streams hold them. No handler method but BeforeFlush runs.
func (n *Node) Drain(deadline time.Time) (bytes, streams int) {
	if n.closed {
		return 0, 0
	}
	n.h.BeforeFlush()
	for {
		bytes, streams = n.flushAll()
		if bytes == 0 || !time.Now().Before(deadline) {
			return bytes, streams
		}
		time.Sleep(min(time.Until(deadline), time.Millisecond))
	}
}

// flushAll writes what every stream has queued (finishing connects that
// completed meanwhile) and returns what is still waiting.
func (n *Node) flushAll() (bytes, streams int) {
	for _, s := range n.streams {
		if s.ns != nil && s.ns.Connecting() {
			s.ns.FinishConnect()
		}
		s.Flush()
		if pending := s.Pending(); pending > 0 {
			bytes += pending
			streams++
		}
	}
	return bytes, streams
}
