// Package netpoll is luna's network layer: a readiness poller, non-blocking
// TCP listeners and streams with bounded buffers, in pure Go on
// golang.org/x/sys (no cgo). It is built for one owner: the goroutine that
// runs Lua (locked to its OS thread) calls Poller.Wait itself, reads, parses
// frames and calls scripts, with no goroutine per connection and no
// channels on the data path.
//
// # Ownership
//
// A Poller and every Stream and Listener registered with it belong to one
// goroutine. Only Poller.Wake may be called from others: it is how work done
// elsewhere (name resolution, signals) gets the owner's attention. Several
// pollers may coexist, one per socket manager.
//
// # The loop
//
//	p, _ := netpoll.Open()
//	l, _ := netpoll.Listen("127.0.0.1", 0)
//	l.Register(p, l)
//	events := make([]netpoll.Event, 128)
//	for {
//		n, err := p.Wait(ms, events)
//		// handle err; if p.Woken(), look at the hand-off queue
//		for _, ev := range events[:n] {
//			if ev.Ready == 0 {
//				continue // invalidated by a Remove earlier in this batch
//			}
//			switch o := ev.User.(type) {
//			case *netpoll.Listener:
//				for {
//					s, ip, err := o.Accept() // ErrWouldBlock: no more
//					...
//					s.Register(p, s)
//				}
//			case *netpoll.Stream:
//				if ev.Ready&netpoll.Writable != 0 {
//					if o.Connecting() {
//						err = o.FinishConnect() // nil: connected
//					} else {
//						err = o.Flush()
//					}
//				}
//				if ev.Ready&netpoll.Readable != 0 {
//					_, err = o.ReadAvailable()
//					// parse frames in o.Buffered(), then o.Consume(n)
//				}
//			}
//		}
//		// flush the streams written to during this batch
//	}
//
// Registrations behave as level-triggered ones (see the contract at the top
// of poller.go): a reader may stop early and will be told again. On epoll,
// streams are registered edge-triggered, which saves the kernel a poll of
// every reported socket, and netpoll reports again what a stream left
// unread. Each carries a
// sequence number in the OS token, so an event produced for an earlier
// registration of a reused descriptor number is dropped, and Remove clears
// the not-yet-handled events of its descriptor from the current batch.
//
// # Receiving
//
// A Stream reads into one buffer capped by its receive cache (65535 bytes by
// default, SetRecvCache). Frames are parsed in place from Buffered(), a view
// valid until the next ReadAvailable, and dropped with Consume. The buffer
// rewinds to offset 0 as soon as it is empty and compacts when its tail is
// short, so a frame of up to RecvCache bytes always fits; when, after every
// complete frame has been consumed, Free() is 0, the next frame is larger
// than the cache (luna's package_too_large; a length read from a frame
// header can tell earlier).
//
// # Sending
//
// Bytes leave in order. While the send buffer holds anything, new bytes go
// behind it; when it is empty, Write and Writev hand them to the socket
// first and copy only what it does not take. The buffer is capped by the
// send cache (65535 by default, SetSendCache); bytes that would not fit give
// an error of KindSendCacheFull. Write interest is registered only while
// bytes wait, and Flush (on Writable) sends them.
//
// Writev is the router's zero-copy forward: a new header plus a slice of
// another stream's receive buffer, one writev system call, no copy unless
// the socket is full. To send many small frames with one system call,
// encode each straight into the send buffer with Reserve and Commit (or
// Append them) and Flush once at the end of the dispatch batch.
//
// A Stream made by Dial may be written to before its connect completes; the
// bytes are sent by FinishConnect. Every stream has TCP_NODELAY set, so a
// frame is never held back waiting for an acknowledgement.
//
// In steady state, with buffers grown to their working size, reading,
// writing and waiting allocate nothing.
//
// # Errors
//
// Stream failures are *Error values whose Kind names the luna error string:
// KindConnectionLost ("connection_lost": EOF, reset, broken pipe),
// KindConnectFailed, KindSendCacheFull, KindSendFailed, KindRecvFailed.
// Use KindOf(err).String(), or errors.Is with ErrConnectionLost and the
// other sentinels. A socket failure is sticky: the stream keeps returning
// it and should be closed. ErrWouldBlock is not a failure: Accept has
// nothing, or a connect is still in progress. System errors are wrapped
// with os.NewSyscallError.
//
// # Systems
//
// Linux uses epoll with an eventfd for Wake. Darwin and FreeBSD use kqueue
// with a pipe. Windows uses an I/O completion port with AFD poll requests,
// the readiness mechanism below WSAPoll, and PostQueuedCompletionStatus for
// Wake. Linux runs the tests; the other systems are checked by building
// and vetting (GOOS=darwin|freebsd|windows go vet ./netpoll/).
package netpoll
