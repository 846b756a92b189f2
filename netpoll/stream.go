package netpoll

import (
	"errors"
	"net/netip"
	"os"
)

// maxReadsPerCall bounds the reads of one ReadAvailable, so one busy peer
// cannot starve the others; the next Wait reports the rest (readAgain).
const maxReadsPerCall = 4

type streamState uint8

const (
	stateConnecting streamState = iota + 1
	stateConnected
	stateClosed
)

// Stream is a non-blocking TCP connection with a bounded receive buffer and a
// bounded send buffer. It belongs to the goroutine that owns its Poller and
// is not safe for concurrent use.
//
// Receiving: ReadAvailable moves what the socket has into the buffer;
// Buffered is a view of the bytes not yet consumed, valid until the next
// ReadAvailable, SetRecvCache or Close; Consume drops bytes from its front.
//
// Sending keeps bytes in order: while anything is waiting in the send buffer,
// new bytes are appended behind it; when nothing is waiting, Write and Writev
// go to the socket first and only what it does not take is copied. Append
// and Reserve/Commit only queue, and Flush sends what is queued, so a batch
// of frames leaves in one system call. A stream still connecting queues
// everything and sends it once connected.
//
// Failures are *Error values with a Kind; once a socket operation has failed,
// or bytes of a frame have gone out that the send cache could not complete,
// every later call returns the same error and the caller should Close.
type Stream struct {
	fd       FD
	in       recvBuf
	out      sendBuf
	err      error // sticky failure
	p        *Poller
	state    streamState
	interest Interest // what p has registered for fd
}

// scratch is the iovec array for a writev: the poller's, shared by all its
// streams (they belong to one goroutine), so that a stream does not carry
// 1 KiB of it.
func (s *Stream) scratch() *iovScratch {
	if s.p != nil {
		return &s.p.iov
	}
	return new(iovScratch) // not registered yet: rare
}

func newStream(fd FD, state streamState) *Stream {
	return &Stream{
		fd:    fd,
		state: state,
		in:    recvBuf{limit: DefaultRecvCache},
		out:   sendBuf{limit: DefaultSendCache},
	}
}

// Dial starts a non-blocking TCP connection to addr:port with TCP_NODELAY
// set. The connect completes later: register the stream, and when it is
// reported Writable call FinishConnect. Bytes written meanwhile are queued.
// An error here (bad address, no route, no descriptors) is of
// KindConnectFailed.
func Dial(addr netip.Addr, port int) (*Stream, error) {
	if !addr.IsValid() || port <= 0 || port > 65535 {
		return nil, &Error{Kind: KindConnectFailed, Err: errors.New("invalid address")}
	}
	if addr.Is4In6() {
		addr = addr.Unmap()
	}
	fd, err := newStreamSocket(addr.Is6())
	if err != nil {
		return nil, &Error{Kind: KindConnectFailed, Err: os.NewSyscallError("socket", err)}
	}
	if err := setNoDelay(fd, true); err != nil {
		sysClose(fd)
		return nil, &Error{Kind: KindConnectFailed, Err: os.NewSyscallError("setsockopt", err)}
	}
	// Even an immediate success goes through FinishConnect, so callers
	// have one path to "connected".
	if err := sysConnect(fd, sockaddrOf(addr, port)); err != nil && !isInProgress(err) && !isWouldBlock(err) {
		sysClose(fd)
		return nil, &Error{Kind: KindConnectFailed, Err: os.NewSyscallError("connect", err)}
	}
	return newStream(fd, stateConnecting), nil
}

// FD returns the socket descriptor (invalid after Close).
func (s *Stream) FD() FD { return s.fd }

// Connecting reports whether the stream waits for its connect to complete.
func (s *Stream) Connecting() bool { return s.state == stateConnecting }

// Closed reports whether Close has been called.
func (s *Stream) Closed() bool { return s.state == stateClosed }

// Err returns the failure that broke the stream, or nil.
func (s *Stream) Err() error { return s.err }

// Register adds the stream to p with user as its Event.User. From then on
// the stream keeps its registration in step: Write interest while
// connecting or while bytes wait, Read interest once connected. A stream
// can be registered with one poller once.
func (s *Stream) Register(p *Poller, user any) error {
	if s.state == stateClosed {
		return ErrClosed
	}
	if s.p != nil {
		return errors.New("netpoll: stream already registered")
	}
	in := s.wantInterest()
	if err := p.addStream(s.fd, in, user); err != nil {
		return err
	}
	s.p, s.interest = p, in
	return nil
}

func (s *Stream) wantInterest() Interest {
	switch s.state {
	case stateConnecting:
		return Write
	case stateConnected:
		if s.out.len() > 0 {
			return Read | Write
		}
		return Read
	}
	return 0
}

func (s *Stream) syncInterest() error {
	if s.p == nil {
		return nil
	}
	in := s.wantInterest()
	if in == s.interest {
		return nil
	}
	if err := s.p.Modify(s.fd, in); err != nil {
		return err
	}
	s.interest = in
	return nil
}

// FinishConnect completes a connect reported Writable. It returns nil once
// connected (and then sends what was queued), ErrWouldBlock while the
// connect is still in progress, or an error of KindConnectFailed. If the
// queued bytes cannot be sent, that send error is returned instead and
// Connecting is already false.
func (s *Stream) FinishConnect() error {
	if s.err != nil {
		return s.err
	}
	switch s.state {
	case stateConnected:
		return nil
	case stateClosed:
		return ErrClosed
	}
	if err := sysSockError(s.fd); err != nil {
		if isInProgress(err) {
			return ErrWouldBlock
		}
		return s.fail(&Error{Kind: KindConnectFailed, Err: os.NewSyscallError("connect", err)})
	}
	ok, err := sysConnected(s.fd)
	if err != nil {
		return s.fail(&Error{Kind: KindConnectFailed, Err: os.NewSyscallError("getpeername", err)})
	}
	if !ok {
		return ErrWouldBlock
	}
	s.state = stateConnected
	return s.Flush()
}

// SetNoDelay turns TCP_NODELAY on or off. It is on for every stream.
func (s *Stream) SetNoDelay(on bool) error {
	if s.state == stateClosed {
		return ErrClosed
	}
	if err := setNoDelay(s.fd, on); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	return nil
}

// fail makes err the stream's sticky failure.
func (s *Stream) fail(err error) error {
	s.err = err
	return err
}

func (s *Stream) usable() error {
	if s.err != nil {
		return s.err
	}
	if s.state == stateClosed {
		return ErrClosed
	}
	return nil
}

// Close deregisters the stream and closes the socket; queued bytes are
// dropped. Closing twice is a no-op.
func (s *Stream) Close() error {
	if s.state == stateClosed {
		return nil
	}
	if s.p != nil {
		s.p.Remove(s.fd) // the descriptor goes anyway; nothing to do on error
		s.p = nil
	}
	err := sysClose(s.fd)
	s.state, s.fd = stateClosed, invalidFD
	s.out.release() // the receive buffer is left to the collector: the owner may still hold slices of it
	s.in = recvBuf{limit: s.in.limit}
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

func recvError(err error) error {
	if isConnLost(err) {
		return &Error{Kind: KindConnectionLost, Err: os.NewSyscallError("read", err)}
	}
	return &Error{Kind: KindRecvFailed, Err: os.NewSyscallError("read", err)}
}

func sendError(op string, err error) error {
	if isConnLost(err) {
		return &Error{Kind: KindConnectionLost, Err: os.NewSyscallError(op, err)}
	}
	return &Error{Kind: KindSendFailed, Err: os.NewSyscallError(op, err)}
}
