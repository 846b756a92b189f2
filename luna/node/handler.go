package node

// CallStop is why a run of received calls (Handler.Calls) stopped.
type CallStop uint8

const (
	CallsNeedMore  CallStop = iota // the next frame is incomplete, or there is none
	CallsOther                     // the next frame is not a plain remote_call: the node parses it
	CallsMalformed                 // the last frame had a malformed archive: dropped, logged by the node
	CallsRaised                    // a callback raised (the handler reported it); the run goes on
	CallsDead                      // a callback closed the stream
)

// Handler is everything a node asks of the layer above it (the Lua face).
// Every method runs on the node's thread, inside Wait, Flush or Drain,
// between the node's own steps; a method may call back into the node
// (send, close, connect, ...), but not Wait.
type Handler interface {
	// Calls runs the callbacks of the complete remote_call frames at the
	// start of buf and returns the bytes it consumed, why it stopped and,
	// with CallsMalformed, what was wrong with the archive. It must not
	// keep buf.
	Calls(s *Stream, buf []byte) (consumed int, stop CallStop, malformed string)
	// Accepted hands a new connection to its listener; false closes it.
	Accepted(l *Listener, s *Stream) bool
	// Connected reports that a connect succeeded.
	Connected(s *Stream)
	// Failed reports a dead stream, once, after it was closed.
	Failed(s *Stream, reason string)
	// Closed reports that a stream was closed, with or without Failed.
	Closed(s *Stream)
	// BeforeFlush moves whatever the layer above queued on its own into
	// the streams (Send), before the node writes them out.
	BeforeFlush()
	// AfterWait runs at the end of every Wait.
	AfterWait()
}

// Forwarder takes the forward_* frames a node receives (luna/router). It
// sends them on with Stream.Gather, which may borrow payload until the
// node next reads from the sender. An error drops the frame; the node
// logs it.
type Forwarder interface {
	Forward(from *Stream, payload []byte) error
}
