//go:build linux

package netpoll

import (
	"net/netip"
	"testing"
	"time"
)

// Every loop in these tests is bounded both in rounds and in time.
const (
	testTimeout = 10 * time.Second
	maxRounds   = 200000
)

var loopback4 = netip.MustParseAddr("127.0.0.1")

// loop drives a Poller for a test.
type loop struct {
	tb     testing.TB
	p      *Poller
	events []Event
}

func newLoop(tb testing.TB) *loop {
	tb.Helper()
	p, err := Open()
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { p.Close() })
	return &loop{tb: tb, p: p, events: make([]Event, 64)}
}

// until waits and hands every valid event to handle until done reports
// true.
func (l *loop) until(what string, done func() bool, handle func(Event)) {
	l.tb.Helper()
	deadline := time.Now().Add(testTimeout)
	for round := 0; !done(); round++ {
		if round >= maxRounds || time.Now().After(deadline) {
			l.tb.Fatalf("gave up waiting for %s after %d rounds", what, round)
		}
		n, err := l.p.Wait(10, l.events)
		if err != nil {
			l.tb.Fatalf("Wait: %v", err)
		}
		for _, ev := range l.events[:n] {
			if ev.Ready != 0 && handle != nil {
				handle(ev)
			}
		}
	}
}

// dialAccept connects a Dial'ed client to a fresh listener on 127.0.0.1
// and returns both ends, registered with l.p (User = the stream). setup,
// if not nil, runs before anything is registered.
func dialAccept(tb testing.TB, l *loop, setup func(ln *Listener, c *Stream)) (c, srv *Stream) {
	tb.Helper()
	ln, err := Listen("127.0.0.1", 0)
	if err != nil {
		tb.Fatalf("Listen: %v", err)
	}
	defer ln.Close()
	c, err = Dial(loopback4, ln.Port())
	if err != nil {
		tb.Fatalf("Dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	if setup != nil {
		setup(ln, c)
	}
	if err := ln.Register(l.p, ln); err != nil {
		tb.Fatalf("Register listener: %v", err)
	}
	if err := c.Register(l.p, c); err != nil {
		tb.Fatalf("Register client: %v", err)
	}
	l.until("connect and accept", func() bool { return srv != nil && !c.Connecting() }, func(ev Event) {
		switch o := ev.User.(type) {
		case *Listener:
			s, ip, err := o.Accept()
			if err == ErrWouldBlock {
				return
			}
			if err != nil {
				tb.Fatalf("Accept: %v", err)
			}
			if ip != "127.0.0.1" {
				tb.Fatalf("Accept: the peer is %q", ip)
			}
			srv = s
		case *Stream:
			if o == c && o.Connecting() && ev.Ready&Writable != 0 {
				if err := o.FinishConnect(); err != nil && err != ErrWouldBlock {
					tb.Fatalf("FinishConnect: %v", err)
				}
			}
		}
	})
	tb.Cleanup(func() { srv.Close() })
	if err := srv.Register(l.p, srv); err != nil {
		tb.Fatalf("Register server: %v", err)
	}
	return c, srv
}

// pump serves streams: flushes on Writable, reads on Readable, appending
// what arrived to the stream's entry in sink before consuming it, and
// stops when done reports true. Any stream error is fatal.
func (l *loop) pump(what string, done func() bool, sink map[*Stream]*[]byte) {
	l.tb.Helper()
	l.until(what, done, func(ev Event) {
		s := ev.User.(*Stream)
		if ev.Ready&Writable != 0 {
			if err := s.Flush(); err != nil {
				l.tb.Fatalf("Flush: %v", err)
			}
		}
		if ev.Ready&Readable != 0 {
			if _, err := s.ReadAvailable(); err != nil {
				l.tb.Fatalf("ReadAvailable: %v", err)
			}
			if dst := sink[s]; dst != nil {
				*dst = append(*dst, s.Buffered()...)
			}
			s.Consume(len(s.Buffered()))
		}
	})
}

// pattern returns n deterministic bytes starting at stream offset off.
func pattern(off, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		x := uint32(off + i)
		b[i] = byte(x*2654435761>>24) ^ byte(x)
	}
	return b
}
