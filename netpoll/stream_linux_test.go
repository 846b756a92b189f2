//go:build linux

package netpoll

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

func TestListenPortZero(t *testing.T) {
	ln, err := Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Port() <= 0 || ln.Port() > 65535 {
		t.Fatalf("Port() = %d", ln.Port())
	}
	if v, _ := unix.GetsockoptInt(ln.FD(), unix.SOL_SOCKET, unix.SO_REUSEADDR); v != 1 {
		t.Fatal("SO_REUSEADDR is not set")
	}
	if s, _, err := ln.Accept(); s != nil || err != ErrWouldBlock {
		t.Fatalf("Accept with nothing pending = %v, %v", s, err)
	}
	// A second listener on the same port is refused with the OS error.
	_, err = Listen("127.0.0.1", ln.Port())
	if !errors.Is(err, unix.EADDRINUSE) {
		t.Fatalf("second Listen = %v, want EADDRINUSE", err)
	}
}

func TestListenRejectsBadArguments(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		port int
	}{
		{"localhost", 0}, // literals only: resolution is the caller's
		{"", 0},
		{"127.0.0.1", -1},
		{"127.0.0.1", 65536},
		{"1.2.3", 0},
	} {
		if ln, err := Listen(tc.ip, tc.port); err == nil {
			ln.Close()
			t.Errorf("Listen(%q, %d) succeeded", tc.ip, tc.port)
		}
	}
}

func TestListenIPv6(t *testing.T) {
	ln, err := Listen("::1", 0)
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer ln.Close()
	l := newLoop(t)
	c, err := Dial(netip.IPv6Loopback(), ln.Port())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Register(l.p, c)
	ln.Register(l.p, ln)
	var srv *Stream
	var ip string
	l.until("IPv6 accept", func() bool { return srv != nil && !c.Connecting() }, func(ev Event) {
		switch o := ev.User.(type) {
		case *Listener:
			if s, from, err := o.Accept(); err == nil {
				srv, ip = s, from
			}
		case *Stream:
			if err := o.FinishConnect(); err != nil && err != ErrWouldBlock {
				t.Fatal(err)
			}
		}
	})
	defer srv.Close()
	if ip != "::1" {
		t.Fatalf("Accept: the peer is %q, want ::1", ip)
	}
}

func TestAcceptConnectNoDelay(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	for name, s := range map[string]*Stream{"client": c, "server": srv} {
		v, err := unix.GetsockoptInt(s.FD(), unix.IPPROTO_TCP, unix.TCP_NODELAY)
		if err != nil || v == 0 {
			t.Errorf("%s: TCP_NODELAY = %d, %v", name, v, err)
		}
	}
	// Both directions carry data.
	got := map[*Stream]*[]byte{c: new([]byte), srv: new([]byte)}
	if err := c.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	if err := srv.Write([]byte("pong")); err != nil {
		t.Fatal(err)
	}
	l.pump("ping and pong", func() bool { return len(*got[c]) == 4 && len(*got[srv]) == 4 }, got)
	if string(*got[srv]) != "ping" || string(*got[c]) != "pong" {
		t.Fatalf("server got %q, client got %q", *got[srv], *got[c])
	}
}

func TestSendQueuedBeforeConnect(t *testing.T) {
	l := newLoop(t)
	var want []byte
	c, srv := dialAccept(t, l, func(_ *Listener, c *Stream) {
		if !c.Connecting() {
			t.Fatal("a fresh Dial is not Connecting")
		}
		steps := []func(p []byte) error{
			c.Write,
			func(p []byte) error { return c.Writev(p[:1], nil, p[1:]) },
			c.Append,
			func(p []byte) error {
				buf, err := c.Reserve(len(p))
				if err == nil {
					c.Commit(copy(buf, p))
				}
				return err
			},
		}
		for i, step := range steps {
			p := pattern(len(want), 100+i)
			if err := step(p); err != nil {
				t.Fatalf("step %d before connect: %v", i, err)
			}
			want = append(want, p...)
		}
		if c.Pending() != len(want) {
			t.Fatalf("Pending() = %d, want %d", c.Pending(), len(want))
		}
		if err := c.Flush(); err != nil { // nothing to do yet
			t.Fatal(err)
		}
	})
	got := map[*Stream]*[]byte{srv: new([]byte)}
	l.pump("queued bytes", func() bool { return len(*got[srv]) >= len(want) }, got)
	if !bytes.Equal(*got[srv], want) {
		t.Fatal("bytes queued before connect arrived altered")
	}
	if c.Pending() != 0 {
		t.Fatalf("Pending() = %d after delivery", c.Pending())
	}
}

// shrink gives the connection tiny kernel buffers so that writes are
// partial quickly.
func shrink(ln *Listener, c *Stream) {
	unix.SetsockoptInt(c.FD(), unix.SOL_SOCKET, unix.SO_SNDBUF, 4096)
	unix.SetsockoptInt(ln.FD(), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096)
}

func TestPartialWritesKeepOrder(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, shrink)
	c.SetSendCache(8 << 20)
	var want []byte
	header := make([]byte, 3)
	// The peer reads nothing until everything has been written, so most
	// writes find the socket full: some go partly to the socket, the rest
	// is queued, and later ones are appended behind it.
	partial := false
	for i := 0; len(want) < 2<<20; i++ {
		size := 1 + (i*7919)%20000
		p := pattern(len(want), size)
		var err error
		switch i % 4 {
		case 0:
			err = c.Write(p)
		case 1:
			copy(header, p)
			err = c.Writev(header[:min(3, size)], nil, p[min(3, size):])
		case 2:
			err = c.Append(p)
		case 3:
			var buf []byte
			if buf, err = c.Reserve(size); err == nil {
				c.Commit(copy(buf, p))
				err = c.Flush()
			}
		}
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
		want = append(want, p...)
		if c.Pending() > 0 && c.Pending() < len(want) {
			partial = true
		}
	}
	if !partial {
		t.Fatal("no write was partial; the test proves nothing")
	}
	if c.interest&Write == 0 {
		t.Fatal("bytes are waiting but Write interest is not registered")
	}
	got := map[*Stream]*[]byte{srv: new([]byte)}
	l.pump("2 MiB through a slow reader", func() bool { return len(*got[srv]) >= len(want) }, got)
	if !bytes.Equal(*got[srv], want) {
		i := 0
		for i < len(want) && i < len(*got[srv]) && (*got[srv])[i] == want[i] {
			i++
		}
		t.Fatalf("stream differs at byte %d of %d", i, len(want))
	}
	if c.Pending() != 0 || c.interest&Write != 0 {
		t.Fatalf("after draining: Pending %d, interest %v", c.Pending(), c.interest)
	}
}

func TestSendCacheFull(t *testing.T) {
	l := newLoop(t)
	c, _ := dialAccept(t, l, shrink) // the server never reads
	chunk := pattern(0, 1000)
	var err error
	writes := 0
	for ; writes < 100000 && err == nil; writes++ {
		err = c.Write(chunk)
	}
	if KindOf(err) != KindSendCacheFull || !errors.Is(err, ErrSendCacheFull) {
		t.Fatalf("after %d writes: %v, want send_cache_full", writes, err)
	}
	if KindOf(err).String() != "send_cache_full" {
		t.Fatalf("Kind string = %q", KindOf(err).String())
	}
	if c.Pending() > c.SendCache() || c.Pending() < c.SendCache()-len(chunk) {
		t.Fatalf("Pending() = %d with a send cache of %d", c.Pending(), c.SendCache())
	}
	// Nothing of the refused chunk was sent or queued: the stream is intact.
	if c.Err() != nil {
		t.Fatalf("a refused append broke the stream: %v", c.Err())
	}
	if _, err := c.Reserve(c.SendSpace() + 1); err != ErrSendCacheFull {
		t.Fatalf("Reserve beyond the cache = %v", err)
	}
}

func TestSendCacheFullAfterPartialWriteIsFatal(t *testing.T) {
	l := newLoop(t)
	c, _ := dialAccept(t, l, shrink)
	c.SetSendCache(10)
	err := c.Write(pattern(0, 1<<20)) // the socket takes some, 10 bytes may wait
	if KindOf(err) != KindSendCacheFull {
		t.Fatalf("Write = %v", err)
	}
	if c.Err() == nil || c.Write([]byte("x")) == nil {
		t.Fatal("a frame cut in the middle must break the stream")
	}
}

func TestReceiveRewindsWhenEmpty(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	const cache = 64
	srv.SetRecvCache(cache)
	for round := range 5 {
		// Each frame fills the buffer to exactly its end.
		frame := pattern(round*cache, cache)
		if err := c.Write(frame); err != nil {
			t.Fatal(err)
		}
		l.until("a full frame", func() bool { return len(srv.Buffered()) == cache }, func(ev Event) {
			if ev.User == srv {
				if _, err := srv.ReadAvailable(); err != nil {
					t.Fatal(err)
				}
			}
		})
		if srv.Free() != 0 || !bytes.Equal(srv.Buffered(), frame) {
			t.Fatalf("round %d: Free %d, buffered %d bytes", round, srv.Free(), len(srv.Buffered()))
		}
		srv.Consume(cache)
		if srv.Free() != cache || srv.in.r != 0 || srv.in.w != 0 {
			t.Fatalf("round %d: after consuming everything Free %d, r %d, w %d",
				round, srv.Free(), srv.in.r, srv.in.w)
		}
	}
}

func TestReceiveCompactsForAFullFrame(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	const cache = 100
	srv.SetRecvCache(cache)
	data := pattern(0, 20+cache)
	read := func(what string, want int) {
		l.until(what, func() bool { return len(srv.Buffered()) == want }, func(ev Event) {
			if ev.User == srv {
				if _, err := srv.ReadAvailable(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	c.Write(data[:30])
	read("30 bytes", 30)
	srv.Consume(20) // a 20-byte frame, then the first 10 bytes of a 100-byte one
	c.Write(data[30:])
	read("a frame of exactly the cache", cache)
	if !bytes.Equal(srv.Buffered(), data[20:]) {
		t.Fatal("compaction altered the frame")
	}
	if srv.Free() != 0 {
		t.Fatalf("Free() = %d with a full buffer", srv.Free())
	}
	if n, err := srv.ReadAvailable(); n != 0 || err != nil {
		t.Fatalf("ReadAvailable on a full buffer = %d, %v", n, err)
	}
}

func TestEOFIsConnectionLost(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	srv.Write([]byte("last words"))
	srv.Close()
	var err error
	l.until("EOF", func() bool { return err != nil }, func(ev Event) {
		if ev.User == c && ev.Ready&Readable != 0 {
			_, err = c.ReadAvailable()
		}
	})
	if !errors.Is(err, ErrConnectionLost) || KindOf(err).String() != "connection_lost" {
		t.Fatalf("ReadAvailable at EOF = %v", err)
	}
	if string(c.Buffered()) != "last words" {
		t.Fatalf("bytes before EOF lost: %q", c.Buffered())
	}
	if _, again := c.ReadAvailable(); again != err {
		t.Fatalf("the failure is not sticky: %v", again)
	}
}

func TestResetIsConnectionLost(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	// Linger 0 turns close into a reset.
	unix.SetsockoptLinger(srv.FD(), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	srv.Close()
	var err error
	l.until("reset", func() bool { return err != nil }, func(ev Event) {
		if ev.User == c {
			_, err = c.ReadAvailable()
		}
	})
	if KindOf(err) != KindConnectionLost || !errors.Is(err, unix.ECONNRESET) {
		t.Fatalf("ReadAvailable after a reset = %v", err)
	}
}

func TestConnectFailed(t *testing.T) {
	ln, err := Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Port()
	ln.Close() // nobody listens there now
	l := newLoop(t)
	c, err := Dial(loopback4, port)
	if err == nil {
		defer c.Close()
		c.Register(l.p, c)
		l.until("connect failure", func() bool { return err != nil }, func(ev Event) {
			if ev.Ready&Writable != 0 {
				if e := c.FinishConnect(); e != ErrWouldBlock {
					err = e
				}
			}
		})
	}
	if KindOf(err) != KindConnectFailed || !errors.Is(err, unix.ECONNREFUSED) {
		t.Fatalf("connect to a closed port: %v", err)
	}
	if KindOf(err).String() != "connect_failed" {
		t.Fatalf("Kind string = %q", KindOf(err).String())
	}
	if _, err := Dial(netip.Addr{}, 1); KindOf(err) != KindConnectFailed {
		t.Fatalf("Dial of an invalid address = %v", err)
	}
}

func TestWritevManyChunks(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	var chunks [][]byte
	var want []byte
	for i := range 3*maxIov + 5 {
		var p []byte
		if i%3 != 1 { // every third chunk is empty
			p = pattern(len(want), 1+(i*37)%400) // the queued copy must fit the send cache
		}
		chunks = append(chunks, p)
		want = append(want, p...)
	}
	chunks = append(chunks, nil, []byte{}) // trailing empties
	if err := c.Writev(chunks...); err != nil {
		t.Fatal(err)
	}
	// The same chunks again, this time behind queued bytes.
	if err := c.Append([]byte("|")); err != nil {
		t.Fatal(err)
	}
	if err := c.Writev(chunks...); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	want = append(append(want, '|'), want...)
	if err := c.Writev(); err != nil { // nothing at all
		t.Fatal(err)
	}
	got := map[*Stream]*[]byte{srv: new([]byte)}
	l.pump("writev chunks", func() bool { return len(*got[srv]) >= len(want) }, got)
	if !bytes.Equal(*got[srv], want) {
		t.Fatal("writev chunks arrived altered")
	}
}

func TestCloseDeregisters(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	fd := srv.FD()
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if srv.Close() != nil || srv.FD() != invalidFD || !srv.Closed() {
		t.Fatal("second Close or state after Close")
	}
	if l.p.sys.reg(fd) != nil {
		t.Fatal("a closed stream is still registered")
	}
	if err := srv.Write([]byte("x")); err != ErrClosed {
		t.Fatalf("Write after Close = %v", err)
	}
	if _, err := srv.ReadAvailable(); err != ErrClosed {
		t.Fatalf("ReadAvailable after Close = %v", err)
	}
	_ = c
}

// In steady state a write, a wait and a read allocate nothing, whichever
// way the bytes are written.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	frame := pattern(0, 64)
	header := frame[:4]
	body := frame[4:]
	receive := func(dst *Stream, want int) {
		for range 1000 {
			if len(dst.Buffered()) >= want {
				break
			}
			n, _ := l.p.Wait(1000, l.events)
			for _, ev := range l.events[:n] {
				s := ev.User.(*Stream)
				if ev.Ready&Readable != 0 {
					s.ReadAvailable()
				}
				if ev.Ready&Writable != 0 {
					s.Flush()
				}
			}
		}
		if len(dst.Buffered()) != want {
			t.Fatalf("received %d bytes, want %d", len(dst.Buffered()), want)
		}
		dst.Consume(want)
	}
	cycle := func() {
		c.Write(frame)
		receive(srv, len(frame))
		srv.Writev(header, body)
		receive(c, len(frame))
		for range 4 {
			buf, _ := c.Reserve(len(frame))
			c.Commit(copy(buf, frame))
		}
		c.Flush()
		receive(srv, 4*len(frame))
	}
	for range 10 {
		cycle() // grow the buffers to their working size
	}
	if allocs := testing.AllocsPerRun(200, cycle); allocs != 0 {
		t.Fatalf("%v allocations per write/read cycle, want 0", allocs)
	}
}

func TestWritevPartialQueuesTheRest(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, shrink)
	c.SetSendCache(4 << 20)
	var chunks [][]byte
	var want []byte
	for i := range 40 {
		p := pattern(len(want), 10000+i)
		chunks = append(chunks, p, nil)
		want = append(want, p...)
	}
	if err := c.Writev(chunks...); err != nil {
		t.Fatal(err)
	}
	if c.Pending() == 0 || c.Pending() == len(want) {
		t.Fatalf("Pending() = %d of %d: the writev was not partial", c.Pending(), len(want))
	}
	got := map[*Stream]*[]byte{srv: new([]byte)}
	l.pump("the rest of a partial writev", func() bool { return len(*got[srv]) >= len(want) }, got)
	if !bytes.Equal(*got[srv], want) {
		t.Fatal("a partial writev arrived altered")
	}
}

func TestWriteAfterResetIsConnectionLost(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	unix.SetsockoptLinger(srv.FD(), unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	srv.Close()
	var err error
	l.until("a failed write", func() bool { return err != nil }, func(ev Event) {
		if ev.User == c {
			err = c.Write([]byte("anyone there?"))
		}
	})
	if KindOf(err) != KindConnectionLost {
		t.Fatalf("Write to a reset connection = %v", err)
	}
	if ferr := c.Flush(); ferr != err {
		t.Fatalf("Flush after the failure = %v, want the same %v", ferr, err)
	}
}

func TestListenAnyIPv6IsDualStack(t *testing.T) {
	ln, err := Listen("::", 0)
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	defer ln.Close()
	if v, _ := unix.GetsockoptInt(ln.FD(), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY); v != 0 {
		t.Fatal("IPV6_V6ONLY is set on ::")
	}
	l := newLoop(t)
	c, err := Dial(loopback4, ln.Port())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Register(l.p, c)
	ln.Register(l.p, ln)
	var srv *Stream
	var ip string
	l.until("IPv4 accept on ::", func() bool { return srv != nil }, func(ev Event) {
		if ev.User == ln {
			if s, from, err := ln.Accept(); err == nil {
				srv, ip = s, from
			}
		}
	})
	defer srv.Close()
	if ip != "127.0.0.1" {
		t.Fatalf("Accept: the peer is %q, want the IPv4 form", ip)
	}
}

func TestSetNoDelay(t *testing.T) {
	l := newLoop(t)
	c, _ := dialAccept(t, l, nil)
	if err := c.SetNoDelay(false); err != nil {
		t.Fatal(err)
	}
	if v, _ := unix.GetsockoptInt(c.FD(), unix.IPPROTO_TCP, unix.TCP_NODELAY); v != 0 {
		t.Fatal("TCP_NODELAY still on")
	}
	c.Close()
	if err := c.SetNoDelay(true); err != ErrClosed {
		t.Fatalf("SetNoDelay after Close = %v", err)
	}
}

// A send buffer that Flush empties goes back to the pool at once, and so
// does a receive buffer that Trim finds empty: an idle stream holds none.
func TestEmptiedBuffersGoBack(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	frame := pattern(0, 64)
	buf, err := c.Reserve(len(frame))
	if err != nil {
		t.Fatal(err)
	}
	c.Commit(copy(buf, frame))
	if c.BufferBytes() == 0 {
		t.Fatal("a queued frame holds no buffer")
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	if c.Pending() != 0 || c.BufferBytes() != 0 {
		t.Fatalf("after a flush that sent everything: pending %d, buffers %d bytes", c.Pending(), c.BufferBytes())
	}
	l.until("the frame", func() bool { return len(srv.Buffered()) == len(frame) }, func(ev Event) {
		if ev.User == srv {
			if _, err := srv.ReadAvailable(); err != nil {
				t.Fatal(err)
			}
		}
	})
	srv.Consume(len(frame))
	srv.Trim()
	if srv.BufferBytes() != 0 {
		t.Fatalf("after Trim: %d bytes of buffers", srv.BufferBytes())
	}
}

// A stream that stops reading with bytes left in the socket (the read
// bound per call, here with the peer silent afterwards) is reported
// Readable again: registrations are edge-triggered on epoll, and the
// poller must not wait for a new edge that will never come.
func TestUndrainedStreamIsReportedAgain(t *testing.T) {
	l := newLoop(t)
	c, srv := dialAccept(t, l, nil)
	const total = 1 << 20
	srv.SetRecvCache(total)
	if err := c.Write(bytes.Repeat([]byte{7}, total)); err != nil {
		t.Fatal(err)
	}
	got := 0
	l.until("every byte without another write", func() bool { return got == total }, func(ev Event) {
		switch ev.User {
		case c:
			if err := c.Flush(); err != nil {
				t.Fatal(err)
			}
		case srv:
			n, err := srv.ReadAvailable()
			if err != nil {
				t.Fatal(err)
			}
			got += n
			srv.Consume(len(srv.Buffered()))
		}
	})
}
