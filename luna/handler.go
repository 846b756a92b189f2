package luna

// The loop's side of the boundary with Lua. The loop code (loop.go,
// socket_stream.go, socket_listener.go, forward.go, resolver.go, drain.go,
// droplog.go) reaches Lua only through loopHandler, which the Lua face
// (face.go) implements; it is the interface a node package of its own will
// take.

// callStop is why a run of received calls (loopHandler.calls) stopped.
type callStop uint8

const (
	callsNeedMore  callStop = iota // the next frame is incomplete, or there is none
	callsOther                     // the next frame is not a plain remote_call: the loop parses it
	callsMalformed                 // the last frame had a malformed archive: dropped, logged by the loop
	callsRaised                    // a callback raised (the face reported it); the run goes on
	callsDead                      // a callback closed the stream
)

// loopHandler is everything the loop asks of the Lua face. Every method
// runs on the loop's thread, between the loop's own steps.
type loopHandler interface {
	// calls runs the callbacks of the complete remote_call frames at the
	// start of buf and returns the bytes it consumed, why it stopped and,
	// with callsMalformed, what was wrong with the archive.
	calls(s *socketStream, buf []byte) (consumed int, stop callStop, malformed string)
	// accepted hands a new connection to its listener; false closes it.
	accepted(l *socketListener, s *socketStream) bool
	// connected reports that a connect succeeded.
	connected(s *socketStream)
	// failed reports a dead stream, once, after it was closed.
	failed(s *socketStream, reason string)
	// closed reports that a stream was closed, with or without failed.
	closed(s *socketStream)
	// beforeFlush moves what the script queued into the streams (the
	// outbox), before the loop writes them out.
	beforeFlush()
	// afterWait runs at the end of every wait.
	afterWait()
}
