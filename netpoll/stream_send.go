package netpoll

import "math"

// Write sends p. If bytes are already waiting (or the stream is still
// connecting) p is queued behind them; otherwise the socket gets it first
// and only the part it does not take is queued, with Write interest
// registered until Flush has sent it. If what would be queued exceeds the
// send cache it returns an error of KindSendCacheFull: nothing was queued,
// and if part of p had already gone out the stream is broken.
func (s *Stream) Write(p []byte) error {
	if err := s.usable(); err != nil {
		return err
	}
	if len(p) == 0 {
		return nil
	}
	if s.state != stateConnected || s.out.len() > 0 {
		return s.Append(p)
	}
	n, err := s.writeSocket(p)
	if err != nil {
		return err
	}
	if n == len(p) {
		return nil
	}
	if err := s.queue(len(p)-n, p[n:], nil, 0, n > 0); err != nil {
		return err
	}
	return s.syncInterest()
}

// Writev is Write for the concatenation of bufs, with one writev system
// call per maxIov non-empty chunks (64 on Linux and FreeBSD, 8 on Darwin,
// 16 on Windows); empty chunks are skipped. It is the
// zero-copy forward: a new header plus a slice of another stream's receive
// buffer go out without being copied, unless the socket cannot take them.
func (s *Stream) Writev(bufs ...[]byte) error {
	if err := s.usable(); err != nil {
		return err
	}
	total := 0
	for _, b := range bufs {
		total += len(b)
	}
	if total == 0 {
		return nil
	}
	if s.state != stateConnected || s.out.len() > 0 {
		return s.queue(total, nil, bufs, 0, false)
	}
	i, off, sent := 0, 0, 0
	for i < len(bufs) {
		tried, n, err := s.writevSocket(bufs[i:], off)
		if err != nil {
			return err
		}
		if tried == 0 {
			break // only empty chunks were left
		}
		sent += n
		i, off = advance(bufs, i, off, n)
		if n < tried {
			break // the socket is full
		}
	}
	if sent == total {
		return nil
	}
	if err := s.queue(total-sent, nil, bufs[i:], off, sent > 0); err != nil {
		return err
	}
	return s.syncInterest()
}

// advance moves the position (chunk i, offset off) in bufs forward by n
// bytes.
func advance(bufs [][]byte, i, off, n int) (int, int) {
	for n > 0 && i < len(bufs) {
		avail := len(bufs[i]) - off
		if n < avail {
			return i, off + n
		}
		n -= avail
		i, off = i+1, 0
	}
	return i, off
}

// queue copies n bytes into the send buffer: first, then the chunks of
// bufs, the first of them from off. partial says that part of the same
// write already went out, which makes a full cache fatal.
func (s *Stream) queue(n int, first []byte, bufs [][]byte, off int, partial bool) error {
	if n > s.out.room() {
		if partial {
			return s.fail(ErrSendCacheFull)
		}
		return ErrSendCacheFull
	}
	dst := s.out.reserve(n)
	k := copy(dst, first)
	for j, b := range bufs {
		if j == 0 {
			b = b[off:]
		}
		k += copy(dst[k:], b)
	}
	s.out.commit(k)
	return nil
}

// Append queues p behind the waiting bytes without a system call; Flush
// sends them. It returns ErrSendCacheFull (queueing nothing) if they would
// exceed the send cache.
func (s *Stream) Append(p []byte) error {
	if err := s.usable(); err != nil {
		return err
	}
	return s.queue(len(p), p, nil, 0, false)
}

// Reserve returns n bytes at the tail of the send buffer for the caller to
// encode into, then Commit makes (some of) them pending; Flush sends them.
// Only the last Reserve counts, and a Write, Writev or Append in between
// overwrites the reserved bytes. It returns ErrSendCacheFull if n bytes
// more would exceed the send cache; the stream stays usable.
func (s *Stream) Reserve(n int) ([]byte, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	if n < 0 || n > s.out.room() {
		return nil, ErrSendCacheFull
	}
	return s.out.reserve(n), nil
}

// Commit queues the first n bytes of the slice returned by Reserve. It
// panics if n exceeds what was reserved.
func (s *Stream) Commit(n int) { s.out.commit(n) }

// Flush writes the queued bytes, as many as the socket takes (one system
// call, or more when they are in more chunks than one writev takes), and
// keeps Write interest registered exactly while some remain. Call it on
// Writable events and after a batch of Append/Reserve.
// A send buffer left empty goes back to the pool. Before the stream is
// connected it only returns the sticky error, if any.
func (s *Stream) Flush() error {
	if err := s.usable(); err != nil {
		return err
	}
	// until all is sent or the socket takes less than offered (it is full:
	// Writable comes when it drains); with more chunks than one writev
	// takes, the socket may still have room, and an edge-triggered poller
	// would not say so again
	for s.state == stateConnected && s.out.len() > 0 {
		var n, offered int
		var err error
		if s.out.multi() {
			offered, n, err = s.writevSocket(s.out.chunks(), 0)
		} else {
			p := s.out.pending()
			offered = len(p)
			n, err = s.writeSocket(p)
		}
		if err != nil {
			return err
		}
		s.out.drop(n)
		if n < offered || offered == 0 {
			break
		}
	}
	s.out.trim() // all sent: an idle stream keeps no send buffer
	return s.syncInterest()
}

// writeSocket makes one write; a full socket is 0 bytes, not an error.
func (s *Stream) writeSocket(p []byte) (int, error) {
	for {
		n, err := sysWrite(s.fd, p)
		switch {
		case err == nil:
			return n, nil
		case isInterrupted(err):
			continue
		case isWouldBlock(err):
			return 0, nil
		}
		return 0, s.fail(sendError("write", err))
	}
}

// writevSocket makes one writev of bufs (the first from off): it returns
// how many bytes it offered and how many the socket took; a full socket is
// 0 bytes taken, not an error.
func (s *Stream) writevSocket(bufs [][]byte, off int) (tried, n int, err error) {
	for {
		tried, n, err = s.scratch().writev(s.fd, bufs, off)
		switch {
		case err == nil:
			return tried, n, nil
		case isInterrupted(err):
			continue
		case isWouldBlock(err):
			return tried, 0, nil
		}
		return tried, 0, s.fail(sendError("writev", err))
	}
}

// Pending returns how many bytes wait in the send buffer.
func (s *Stream) Pending() int { return s.out.len() }

// SendSpace returns how many more bytes the send buffer accepts.
func (s *Stream) SendSpace() int { return s.out.room() }

// SendCache returns the send cache, the most bytes ever waiting.
func (s *Stream) SendCache() int { return int(s.out.limit) }

// SetSendCache sets the send cache (n <= 0 restores DefaultSendCache;
// more than math.MaxInt32 is cut to it). Lowering it below what is waiting
// keeps those bytes but queues nothing more until they are sent.
func (s *Stream) SetSendCache(n int) {
	if n <= 0 {
		n = DefaultSendCache
	}
	s.out.limit = int32(min(n, math.MaxInt32))
}
