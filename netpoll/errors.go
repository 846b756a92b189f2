package netpoll

import "errors"

// Kind classifies a stream failure. Its String form is the error string that
// luna scripts see in on_error, so the caller does not need its own mapping.
type Kind uint8

const (
	// KindOther is any failure that is not a stream failure (a bad
	// argument, a poller error, ...). KindOf returns it for such errors.
	KindOther Kind = iota
	// KindConnectionLost: the peer closed the connection (EOF), reset it
	// (ECONNRESET) or stopped reading for good (EPIPE).
	KindConnectionLost
	// KindConnectFailed: an outgoing connection could not be established.
	KindConnectFailed
	// KindSendCacheFull: the bytes waiting for the socket would exceed the
	// stream's send cache.
	KindSendCacheFull
	// KindSendFailed: the socket refused a write for another reason.
	KindSendFailed
	// KindRecvFailed: the socket refused a read for another reason.
	KindRecvFailed
)

var kindNames = [...]string{
	KindOther:          "error",
	KindConnectionLost: "connection_lost",
	KindConnectFailed:  "connect_failed",
	KindSendCacheFull:  "send_cache_full",
	KindSendFailed:     "send_failed",
	KindRecvFailed:     "recv_failed",
}

// String returns the luna error string of k, e.g. "connection_lost".
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "error"
}

// Error is a stream failure: a Kind plus, when there is one, the system
// error that caused it (an *os.SyscallError).
type Error struct {
	Kind Kind
	Err  error
}

// Error returns "netpoll: <kind>" or "netpoll: <kind>: <cause>".
func (e *Error) Error() string {
	if e.Err == nil {
		return "netpoll: " + e.Kind.String()
	}
	return "netpoll: " + e.Kind.String() + ": " + e.Err.Error()
}

// Unwrap returns the system error behind e, if any.
func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrConnectionLost) (and the other sentinels) true
// for every *Error of that kind, whatever its cause.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Err == nil && t.Kind == e.Kind
}

// Sentinels, one per Kind; compare with errors.Is.
var (
	ErrConnectionLost = &Error{Kind: KindConnectionLost}
	ErrConnectFailed  = &Error{Kind: KindConnectFailed}
	ErrSendCacheFull  = &Error{Kind: KindSendCacheFull}
	ErrSendFailed     = &Error{Kind: KindSendFailed}
	ErrRecvFailed     = &Error{Kind: KindRecvFailed}
)

// ErrWouldBlock reports that a non-blocking operation has nothing to do now:
// no pending connection (Accept) or a connect still in progress
// (FinishConnect). It is not a failure.
var ErrWouldBlock = errors.New("netpoll: operation would block")

// ErrClosed reports use of a closed Stream, Listener or Poller.
var ErrClosed = errors.New("netpoll: use of closed object")

// errNotRegistered reports Modify or Remove of a descriptor the poller
// does not know.
var errNotRegistered = errors.New("netpoll: descriptor not registered")

// KindOf returns the Kind of err, or KindOther when err is not a stream
// failure (including nil).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindOther
}
