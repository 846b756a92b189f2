package netpoll

import "math"

// ReadAvailable reads what the socket has into the receive buffer: it loops
// until the socket is drained, the buffer holds RecvCache bytes, or a small
// number of reads has been made. It returns how many bytes it added.
//
// On end of stream it returns ErrConnectionLost (KindConnectionLost), on a
// reset an error of that kind, on any other failure one of KindRecvFailed;
// bytes read before the failure stay in Buffered, so frames that arrived
// complete can still be delivered. A full buffer is not an error: it returns
// 0, nil, and the caller, having consumed every complete frame, knows that
// the next frame is larger than the receive cache.
func (s *Stream) ReadAvailable() (int, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	if s.state != stateConnected {
		return 0, nil
	}
	total := 0
	for range maxReadsPerCall {
		space := s.in.space()
		if len(space) == 0 {
			break
		}
		n, err := sysRead(s.fd, space)
		if err != nil {
			if isInterrupted(err) {
				continue
			}
			if isWouldBlock(err) {
				return total, nil
			}
			return total, s.fail(recvError(err))
		}
		if n == 0 {
			return total, s.fail(ErrConnectionLost)
		}
		s.in.wrote(n)
		total += n
		if n < len(space) {
			return total, nil // drained: a further read would only say EAGAIN
		}
	}
	// stopped with bytes perhaps left in the socket (the read bound, or a
	// full buffer): an edge-triggered poller would not say so again
	if s.p != nil {
		s.p.sys.readAgain(s.fd)
	}
	return total, nil
}

// Buffered returns the received bytes not consumed yet. The slice aliases
// the buffer: it stays valid until the next ReadAvailable, SetRecvCache or
// Close.
func (s *Stream) Buffered() []byte { return s.in.buffered() }

// Consume drops the first n buffered bytes. When nothing is left the buffer
// rewinds, so the whole receive cache is available for the next frame.
// It panics if n exceeds len(Buffered()).
func (s *Stream) Consume(n int) { s.in.consume(n) }

// Trim gives the stream's buffers back to the pool when they hold
// nothing, so that an idle stream keeps no memory; the next read or send
// takes new ones. Slices returned by Buffered, Reserve or earlier are
// invalid afterwards.
func (s *Stream) Trim() {
	s.in.trim()
	s.out.trim()
}

// BufferBytes is the memory the stream's buffers hold (their capacity).
func (s *Stream) BufferBytes() int { return cap(s.in.buf) + s.out.capacity() }

// Free returns how many more bytes the receive buffer accepts:
// RecvCache() - len(Buffered()).
func (s *Stream) Free() int { return s.in.free() }

// RecvCache returns the receive cache, the most bytes ever buffered.
func (s *Stream) RecvCache() int { return int(s.in.limit) }

// SetRecvCache sets the receive cache (n <= 0 restores DefaultRecvCache;
// more than math.MaxInt32 is cut to it). A frame longer than the cache can
// never be buffered whole. Lowering it below what is buffered keeps those
// bytes but reads nothing more until they are consumed.
func (s *Stream) SetRecvCache(n int) {
	if n <= 0 {
		n = DefaultRecvCache
	}
	s.in.limit = int32(min(n, math.MaxInt32))
}
