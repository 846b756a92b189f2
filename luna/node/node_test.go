package node_test

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/node/nodetest"
)

// pair is a server node with a listener and a client node with a stream
// connected to it, and the server's end of that stream.
type pair struct {
	srv, cli       *node.Node
	srvRec, cliRec *nodetest.Recorder
	l              *node.Listener
	c, s           *node.Stream // client's stream, server's accepted stream
}

func newPair(t *testing.T, cfg node.Config) *pair {
	t.Helper()
	p := &pair{srvRec: &nodetest.Recorder{}, cliRec: &nodetest.Recorder{}}
	p.srv = nodetest.New(t, p.srvRec, cfg)
	p.cli = nodetest.New(t, p.cliRec, node.Config{})
	var err error
	if p.l, err = p.srv.Listen("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	if p.c, err = p.cli.Connect("127.0.0.1", int(p.l.Port)); err != nil {
		t.Fatal(err)
	}
	p.step(t, func() bool {
		return len(p.srvRec.AcceptedStreams()) == 1 && p.cliRec.Has(fmt.Sprintf("connected %d", p.c.Token))
	})
	p.s = p.srvRec.AcceptedStreams()[0]
	return p
}

func (p *pair) step(t *testing.T, cond func() bool) {
	t.Helper()
	nodetest.Step(t, nodetest.Limit, cond, p.srv, p.cli)
}

// dial is a plain TCP client of the pair's listener, and the server's end.
func (p *pair) dial(t *testing.T) (net.Conn, *node.Stream) {
	t.Helper()
	return nodetest.Dial(t, p.srv, p.srvRec, p.l.Port)
}

func TestCallsBothWays(t *testing.T) {
	p := newPair(t, node.Config{})
	for i := range 3 {
		if !p.c.Send(nodetest.Call([]byte{byte(i)}), nil) {
			t.Fatal("send failed")
		}
	}
	p.s.Send(nil, nodetest.Call([]byte("back")))
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 3 && len(p.cliRec.CallsOf(p.c.Token)) == 1 })
	for i, a := range p.srvRec.CallsOf(p.s.Token) {
		if !bytes.Equal(a, []byte{byte(i)}) {
			t.Fatalf("call %d: archive %x", i, a)
		}
	}
	if got := p.cliRec.CallsOf(p.c.Token)[0]; string(got) != "back" {
		t.Fatalf("reply: %q", got)
	}
}

// Frames sent before the connect completed (even before the name was
// resolved) go out in order once it does.
func TestSendBeforeConnected(t *testing.T) {
	srvRec, cliRec := &nodetest.Recorder{}, &nodetest.Recorder{}
	srv := nodetest.New(t, srvRec, node.Config{})
	cli := nodetest.New(t, cliRec, node.Config{})
	l, err := srv.Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		before := len(srvRec.AcceptedStreams())
		c, err := cli.Connect(host, int(l.Port))
		if err != nil {
			t.Fatal(err)
		}
		c.Send(nodetest.Call([]byte("first")), nil)
		c.Send(nodetest.Call([]byte("second")), nil)
		var s *node.Stream
		nodetest.Step(t, nodetest.Limit, func() bool {
			if acc := srvRec.AcceptedStreams(); len(acc) > before {
				s = acc[before]
				return len(srvRec.CallsOf(s.Token)) == 2
			}
			return false
		}, srv, cli)
		if got := srvRec.CallsOf(s.Token); string(got[0]) != "first" || string(got[1]) != "second" {
			t.Fatalf("%s: calls %q", host, got)
		}
		if !cliRec.Has(fmt.Sprintf("connected %d", c.Token)) {
			t.Fatalf("%s: no connected event: %v", host, cliRec.Events())
		}
	}
}

func TestConnectFailures(t *testing.T) {
	rec := &nodetest.Recorder{}
	n := nodetest.New(t, rec, node.Config{})
	// a port nothing listens on: bind one, then close it
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	refused, _ := n.Connect("127.0.0.1", port)
	unknown, _ := n.Connect("no-such-host.invalid", 80)
	want := []string{
		fmt.Sprintf("failed %d connect_failed", refused.Token),
		fmt.Sprintf("failed %d dns_error", unknown.Token),
	}
	nodetest.Step(t, nodetest.Limit, func() bool { return rec.Has(want[0]) && rec.Has(want[1]) }, n)
	if n.Open() != 0 {
		t.Fatalf("%d still open after both failed", n.Open())
	}
}

// A peer that closes gives its stream one Failed; frames it sent before
// closing are delivered first.
func TestPeerCloseAfterFrames(t *testing.T) {
	p := newPair(t, node.Config{})
	p.c.Send(nodetest.Call([]byte("last words")), nil)
	p.c.Close()
	want := fmt.Sprintf("failed %d connection_lost", p.s.Token)
	p.step(t, func() bool { return p.srvRec.Has(want) })
	if got := p.srvRec.CallsOf(p.s.Token); len(got) != 1 || string(got[0]) != "last words" {
		t.Fatalf("calls before the close: %q", got)
	}
	for _, e := range p.cliRec.Events() {
		if strings.HasPrefix(e, "failed") {
			t.Fatalf("Close on the client reported %q", e)
		}
	}
}

func TestTimeouts(t *testing.T) {
	p := newPair(t, node.Config{FrameTimeout: 100 * time.Millisecond})
	p.c.SetTimeout(50)
	p.step(t, func() bool { return p.cliRec.Has(fmt.Sprintf("failed %d timeout", p.c.Token)) })

	conn, s := p.dial(t)
	conn.Write([]byte{0x05, 0x00}) // two bytes of a six-byte frame
	start := time.Now()
	p.step(t, func() bool { return p.srvRec.Has(fmt.Sprintf("failed %d frame_timeout", s.Token)) })
	if e := time.Since(start); e < 90*time.Millisecond {
		t.Fatalf("frame_timeout after %v, before the 100 ms limit", e)
	}
}

func TestBadFrames(t *testing.T) {
	p := newPair(t, node.Config{})
	cases := []struct {
		name, reason string
		setup        func(*node.Stream)
		bytes        []byte
	}{
		{"too large", "package_too_large", func(s *node.Stream) { s.SetRecvCache(16) }, nodetest.Call(make([]byte, 32))},
		{"not a varint", "invalid_frame", func(*node.Stream) {}, append(bytes.Repeat([]byte{0x80}, 10), 0x01)},
	}
	for _, c := range cases {
		conn, s := p.dial(t)
		c.setup(s)
		conn.Write(c.bytes)
		p.step(t, func() bool { return p.srvRec.Has(fmt.Sprintf("failed %d %s", s.Token, c.reason)) })
	}
}

// Frames no one handles are dropped and logged, and the stream goes on.
func TestDroppedFrames(t *testing.T) {
	p := newPair(t, node.Config{})                         // no Forwarder
	p.c.Send(nodetest.Frame([]byte{0x07, 'x'}), nil)       // unknown message id
	p.c.Send(nodetest.Frame([]byte{0x01, 0x02, 'x'}), nil) // forward_target with no forwarder
	p.c.Send(nodetest.Frame([]byte{0x80, 0x01, 'x'}), nil) // id 128: call-like to the node, not to the handler
	p.c.Send(nodetest.Call([]byte("after")), nil)
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 1 })
	if p.srv.Dropped() != 3 {
		t.Fatalf("dropped %d frames, want 3", p.srv.Dropped())
	}
	lines := strings.Join(p.srvRec.Lines(), "\n")
	if !strings.Contains(lines, "unknown message id msg_id(7)") {
		t.Fatalf("log: %q", lines)
	}
}

func TestMaxConn(t *testing.T) {
	p := newPair(t, node.Config{MaxConn: 2}) // the listener and one stream
	if _, err := p.srv.Listen("127.0.0.1", 0); !errors.Is(err, node.ErrTooManyConnections) {
		t.Fatalf("Listen over the cap: %v", err)
	}
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", p.l.Port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	p.step(t, func() bool {
		return strings.Contains(strings.Join(p.srvRec.Lines(), "\n"), "refused: too_many_connection")
	})
	conn.SetReadDeadline(time.Now().Add(nodetest.Limit))
	if _, err := conn.Read(make([]byte, 1)); err == nil {
		t.Fatal("the refused connection was not closed")
	}
}

func TestRefusedByHandler(t *testing.T) {
	p := newPair(t, node.Config{})
	p.srvRec.Refuse = true
	_, s := p.dial(t)
	if !s.Dead() || p.srv.Open() != 2 {
		t.Fatalf("refused stream: dead %v, open %d", s.Dead(), p.srv.Open())
	}
}

// A send cache smaller than a frame kills the stream with
// send_cache_full, whether or not it is connected yet.
func TestSendCacheFull(t *testing.T) {
	rec := &nodetest.Recorder{}
	n := nodetest.New(t, rec, node.Config{})
	s, _ := n.Connect("name.invalid", 80)
	s.SetSendCache(8)
	if s.Send(nodetest.Call(make([]byte, 16)), nil) {
		t.Fatal("Send over the send cache succeeded")
	}
	nodetest.Step(t, nodetest.Limit, func() bool { return rec.Has(fmt.Sprintf("failed %d send_cache_full", s.Token)) }, n)
}

// SendLast writes at once: with nothing queued, straight from the
// caller's memory (no send buffer is taken); behind queued frames, all of
// them in order; on a full socket, the rest is kept and follows in order;
// before the connect completes, the frame waits like Send's.
func TestSendLast(t *testing.T) {
	p := newPair(t, node.Config{})
	if !p.c.SendLast(nodetest.Call([]byte("a"))) || p.c.Pending() != 0 || p.c.BufferBytes() != 0 {
		t.Fatalf("pending %d, buffer %d after SendLast on an idle stream", p.c.Pending(), p.c.BufferBytes())
	}
	p.c.Send(nodetest.Call([]byte("b")), nil)
	p.c.Send(nodetest.Call([]byte("c")), nil)
	if !p.c.SendLast(nodetest.Call([]byte("d"))) || p.c.Pending() != 0 {
		t.Fatalf("pending %d after SendLast behind queued frames", p.c.Pending())
	}
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 4 })
	var got []string
	for _, a := range p.srvRec.CallsOf(p.s.Token) {
		got = append(got, string(a))
	}
	if strings.Join(got, "") != "abcd" {
		t.Fatalf("calls arrived as %q", got)
	}

	// the server does not read until the client's socket is full
	p.c.SetSendCache(1 << 20)
	sent := 0
	for ; sent < 10000 && p.c.Pending() == 0; sent++ {
		if !p.c.SendLast(nodetest.Call(bytes.Repeat([]byte{byte(sent)}, 16<<10))) {
			t.Fatal("SendLast failed on a full socket")
		}
	}
	if p.c.Pending() == 0 {
		t.Fatalf("the socket took %d frames of 16 KiB without filling", sent)
	}
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 4+sent })
	for i, a := range p.srvRec.CallsOf(p.s.Token)[4:] {
		if len(a) != 16<<10 || a[0] != byte(i) || a[len(a)-1] != byte(i) {
			t.Fatalf("frame %d of %d after the socket filled: %d bytes, first %d", i, sent, len(a), a[0])
		}
	}

	c, _ := p.cli.Connect("127.0.0.1", int(p.l.Port))
	before := len(p.srvRec.AcceptedStreams())
	if !c.SendLast(nodetest.Call([]byte("early"))) {
		t.Fatal("SendLast before the connect failed")
	}
	p.step(t, func() bool {
		acc := p.srvRec.AcceptedStreams()
		return len(acc) > before && len(p.srvRec.CallsOf(acc[before].Token)) == 1
	})
}

// Drain writes what is queued, finishing a connect on the way, and
// reports what it could not.
func TestDrain(t *testing.T) {
	p := newPair(t, node.Config{})
	before := len(p.srvRec.AcceptedStreams())
	c, _ := p.cli.Connect("127.0.0.1", int(p.l.Port))
	for range 4 {
		c.Send(nodetest.Call(make([]byte, 8<<10)), nil) // 4 fit the send cache before the connect completes
	}
	if bytes, streams := p.cli.Drain(time.Now().Add(nodetest.Limit)); bytes != 0 {
		t.Fatalf("%d bytes for %d streams left after the drain", bytes, streams)
	}
	p.cli.Close() // nothing is left for the client's loop to do
	nodetest.Step(t, nodetest.Limit, func() bool {
		acc := p.srvRec.AcceptedStreams()
		return len(acc) > before && len(p.srvRec.CallsOf(acc[before].Token)) == 4
	}, p.srv)

	n := nodetest.New(t, &nodetest.Recorder{}, node.Config{})
	stuck, _ := n.Connect("name.invalid", 80)
	stuck.Send(nodetest.Call([]byte("x")), nil)
	if bytes, streams := n.Drain(time.Now().Add(20 * time.Millisecond)); bytes != 3 || streams != 1 {
		t.Fatalf("drain of an unresolved stream left %d bytes in %d streams, want 3 in 1", bytes, streams)
	}
}

// A stream keeps no buffer once idle: at once after light traffic, within
// the trim sweep's second after heavy traffic.
func TestIdleStreamsKeepNoBuffers(t *testing.T) {
	p := newPair(t, node.Config{})
	p.c.Send(nodetest.Call([]byte("small")), nil)
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 1 })
	if b := p.s.BufferBytes(); b != 0 {
		t.Fatalf("after one small call the stream holds %d buffer bytes", b)
	}
	for range 4 {
		p.c.Send(nodetest.Call(make([]byte, 16000)), nil)
	}
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 5 })
	start := time.Now()
	p.step(t, func() bool { return p.s.BufferBytes() == 0 && p.c.BufferBytes() == 0 })
	if e := time.Since(start); e > 3*time.Second {
		t.Fatalf("buffers given back %v after the traffic stopped", e)
	}
}

// With SetOverflowDrop, a frame that does not fit the send cache is
// dropped and counted, the stream lives, and what fits still goes out in
// order once the peer reads again.
func TestOverflowDropKeepsTheStream(t *testing.T) {
	p := newPair(t, node.Config{})
	p.s.SetOverflowDrop(true)
	p.s.SetSendCache(4 << 10)
	frame := nodetest.Call(make([]byte, 1000))
	sent, dropped := 0, 0
	for i := 0; i < 10000 && dropped < 50; i++ { // the client does not read: the socket and then the cache fill
		if p.s.Send(frame, nil) {
			sent++
		} else {
			dropped++
		}
		p.srv.Wait(0)
	}
	if dropped == 0 || p.s.Dead() {
		t.Fatalf("sent %d, dropped %d, dead %v", sent, dropped, p.s.Dead())
	}
	if st := p.srv.Stats(); st.OverflowDrops != uint64(dropped) || p.s.Pending() > 4<<10 {
		t.Fatalf("OverflowDrops %d, want %d; pending %d", st.OverflowDrops, dropped, p.s.Pending())
	}
	p.step(t, func() bool { return len(p.cliRec.CallsOf(p.c.Token)) == sent })
	if p.srvRec.Has(fmt.Sprintf("failed %d send_cache_full", p.s.Token)) {
		t.Fatal("the stream died")
	}
}

// What was queued for a stream that dies is counted as lost, not dropped
// silently: a peer that stopped reading goes away with bytes waiting.
func TestLostBytesOfADeadStream(t *testing.T) {
	p := newPair(t, node.Config{})
	p.s.SetSendCache(1 << 20)
	frame := nodetest.Call(make([]byte, 1000))
	for i := 0; i < 100000 && p.s.Pending() < 64<<10; i++ { // the client does not read
		if !p.s.Send(frame, nil) {
			break
		}
		p.srv.Wait(0)
	}
	queued := p.s.Pending()
	if queued == 0 {
		t.Fatal("nothing queued: the peer read everything")
	}
	p.c.Discard()
	p.cli.Wait(0)
	p.step(t, func() bool { return p.s.Dead() })
	lost := p.srv.Stats().LostBytes
	if lost == 0 || lost > uint64(queued) {
		t.Fatalf("LostBytes %d, with %d bytes queued when the peer went", lost, queued)
	}
	t.Logf("%d bytes queued, %d counted lost", queued, lost)
}

// A node spins before blocking only when it has sent frames since its last
// wait, an answer being likely on its way: one that only receives blocks
// (and takes what arrived meanwhile in one batch).
func TestSpinOnlyAfterSending(t *testing.T) {
	p := newPair(t, node.Config{})
	const calls = 50
	got := func(n int) func() bool {
		return func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == n }
	}
	for i := range calls {
		p.c.Send(nodetest.Call([]byte{byte(i)}), nil)
		p.step(t, got(i+1))
	}
	if n := p.srv.Stats().Spins; n != 0 {
		t.Fatalf("the server sent nothing and spun %d times", n)
	}
	for i := range calls {
		p.c.Send(nodetest.Call([]byte{byte(i)}), nil)
		p.step(t, got(calls+i+1))
		p.s.Send(nodetest.Call([]byte("ack")), nil)
	}
	p.step(t, func() bool { return len(p.cliRec.CallsOf(p.c.Token)) == calls })
	if p.srv.Stats().Spins == 0 {
		t.Fatal("the server answered every call and never spun")
	}
}
