package node_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/node/nodetest"
)

var (
	key1 = []byte("first-cluster-key-0123456789")
	key2 = []byte("second-cluster-key-abcdefghij")
)

// keyedPair is newPair with keys on both sides; it fails the test unless
// the handshake lets the client in.
func keyedPair(t *testing.T, srvKeys, cliKeys [][]byte) *pair {
	t.Helper()
	p := &pair{srvRec: &nodetest.Recorder{}, cliRec: &nodetest.Recorder{}}
	p.srv = nodetest.New(t, p.srvRec, node.Config{ClusterKeys: srvKeys})
	p.cli = nodetest.New(t, p.cliRec, node.Config{ClusterKeys: cliKeys})
	var err error
	if p.l, err = p.srv.Listen("127.0.0.1", 0); err != nil {
		t.Fatal(err)
	}
	if p.c, err = p.cli.Connect("127.0.0.1", int(p.l.Port)); err != nil {
		t.Fatal(err)
	}
	return p
}

func (p *pair) up(t *testing.T) {
	t.Helper()
	p.step(t, func() bool {
		return len(p.srvRec.AcceptedStreams()) == 1 && p.cliRec.Has(fmt.Sprintf("connected %d", p.c.Token))
	})
	p.s = p.srvRec.AcceptedStreams()[0]
}

// refused steps the pair until the client fails with auth_failed, and
// checks that the server never let it in.
func (p *pair) refused(t *testing.T) {
	t.Helper()
	start := time.Now()
	p.step(t, func() bool { return p.cliRec.Has(fmt.Sprintf("failed %d auth_failed", p.c.Token)) })
	if d := time.Since(start); d > time.Second {
		t.Errorf("auth_failed after %v, want within 1 s", d)
	}
	if len(p.srvRec.AcceptedStreams()) != 0 {
		t.Fatal("the server accepted a client that failed the handshake")
	}
	if p.cliRec.Has(fmt.Sprintf("connected %d", p.c.Token)) {
		t.Fatal("the client was told it connected")
	}
}

func TestAuthRightKeyRoundTrips(t *testing.T) {
	p := keyedPair(t, [][]byte{key1}, [][]byte{key1})
	if !p.c.Send(nodetest.Call([]byte("sent before the handshake")), nil) {
		t.Fatal("send failed")
	}
	p.up(t)
	p.s.Send(nil, nodetest.Call([]byte("back")))
	p.step(t, func() bool { return len(p.srvRec.CallsOf(p.s.Token)) == 1 && len(p.cliRec.CallsOf(p.c.Token)) == 1 })
	if got := string(p.srvRec.CallsOf(p.s.Token)[0]); got != "sent before the handshake" {
		t.Fatalf("server got %q", got)
	}
	if got := string(p.cliRec.CallsOf(p.c.Token)[0]); got != "back" {
		t.Fatalf("client got %q", got)
	}
	if p.srv.AuthFailures() != 0 || p.cli.AuthFailures() != 0 {
		t.Fatalf("auth failures: server %d, client %d", p.srv.AuthFailures(), p.cli.AuthFailures())
	}
}

func TestAuthWrongKeyIsRefused(t *testing.T) {
	p := keyedPair(t, [][]byte{key1}, [][]byte{key2})
	p.c.Send(nodetest.Call([]byte("secret")), nil)
	p.refused(t)
	p.step(t, func() bool { return p.srv.AuthFailures() == 1 })
	if !hasLine(p.srvRec, "wrong cluster key") {
		t.Fatalf("server log: %q", p.srvRec.Lines())
	}
}

// A keyed client of a plain listener (a C++ peer, or one without keys)
// gives up when no handshake comes back.
func TestAuthKeyedClientOfPlainServer(t *testing.T) {
	p := keyedPair(t, nil, [][]byte{key1})
	p.c.Send(nodetest.Call([]byte("secret")), nil)
	p.step(t, func() bool { return p.cliRec.Has(fmt.Sprintf("failed %d auth_failed", p.c.Token)) })
	for _, s := range p.srvRec.AcceptedStreams() {
		if len(p.srvRec.CallsOf(s.Token)) != 0 {
			t.Fatal("the plain server got a call from a client that never finished its handshake")
		}
	}
}

// hasLine reports whether a log line of r contains text.
func hasLine(r *nodetest.Recorder, text string) bool {
	for _, l := range r.Lines() {
		if strings.Contains(l, text) {
			return true
		}
	}
	return false
}

// keyedServer is a node with keys and a listener.
func keyedServer(t *testing.T, keys [][]byte, maxConn int) (*node.Node, *nodetest.Recorder, *node.Listener) {
	t.Helper()
	rec := &nodetest.Recorder{}
	n := nodetest.New(t, rec, node.Config{ClusterKeys: keys, MaxConn: maxConn})
	l, err := n.Listen("127.0.0.1", 0)
	if err != nil {
		t.Fatal(err)
	}
	return n, rec, l
}

// rawDial is a plain TCP connection to port.
func rawDial(t *testing.T, port int64) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer steps n until the server has closed c (a read sees EOF
// or a reset), and fails the test if that takes more than limit.
func closedByServer(t *testing.T, n *node.Node, c net.Conn, limit time.Duration) {
	t.Helper()
	start := time.Now()
	gone := false
	nodetest.Step(t, limit+time.Second, func() bool {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		var b [256]byte
		for {
			_, err := c.Read(b[:])
			if err == nil {
				continue // the server's hello
			}
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				return false
			}
			gone = true
			return true
		}
	}, n)
	if d := time.Since(start); !gone || d > limit {
		t.Fatalf("closed after %v, want within %v", d, limit)
	}
}

// Valid luna frames without a handshake reach nothing.
func TestAuthPlainFramesAreRefused(t *testing.T) {
	n, rec, l := keyedServer(t, [][]byte{key1}, 64)
	c := rawDial(t, l.Port)
	c.Write(nodetest.Call([]byte("let me in")))
	closedByServer(t, n, c, time.Second)
	if len(rec.AcceptedStreams()) != 0 {
		t.Fatal("accepted a connection with no handshake")
	}
	if !hasLine(rec, "not a luna handshake") {
		t.Fatalf("log: %q", rec.Lines())
	}
}

// A connection that says nothing, or stops in the middle of its hello, is
// closed within a second.
func TestAuthSilentAndTruncated(t *testing.T) {
	n, rec, l := keyedServer(t, [][]byte{key1}, 64)
	silent := rawDial(t, l.Port)
	half := rawDial(t, l.Port)
	half.Write([]byte("luna\x01d0123456789"))
	closedByServer(t, n, silent, time.Second)
	closedByServer(t, n, half, time.Second)
	if len(rec.AcceptedStreams()) != 0 {
		t.Fatal("accepted a connection that never finished its handshake")
	}
	nodetest.Step(t, nodetest.Limit, func() bool { return n.AuthFailures() == 2 }, n)
}

// peerHandshake is a dialer's handshake written here from the wire format,
// apart from the node's code: it sends its hello, reads the server's,
// sends a proof made with key, and checks the proof the server sends back.
type peerHandshake struct {
	key          []byte
	nonce        []byte
	hello, proof []byte
	serverNonce  []byte
}

func newPeerHandshake(key []byte, nonce byte) *peerHandshake {
	h := &peerHandshake{key: key, nonce: bytes.Repeat([]byte{nonce}, 32)}
	h.hello = append([]byte("luna\x01d"), h.nonce...)
	return h
}

func authMAC(key []byte, role byte, dialer, acceptor []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("luna-auth-v1"))
	m.Write([]byte{role})
	m.Write(dialer)
	m.Write(acceptor)
	return m.Sum(nil)
}

// serverHello takes the server's hello (38 bytes).
func (h *peerHandshake) serverHello(t *testing.T, b []byte) {
	t.Helper()
	if len(b) != 38 || string(b[:6]) != "luna\x01a" {
		t.Fatalf("server hello %q", b)
	}
	h.serverNonce = b[6:38]
	h.proof = authMAC(h.key, 'd', h.nonce, h.serverNonce)
}

// serverProofOK reports whether the server's proof checks with the key.
func (h *peerHandshake) serverProofOK(b []byte) bool {
	return hmac.Equal(b, authMAC(h.key, 'a', h.nonce, h.serverNonce))
}

// readN steps n until c has received want bytes, and returns them.
func readN(t *testing.T, n *node.Node, c net.Conn, want int) []byte {
	t.Helper()
	var got []byte
	nodetest.Step(t, nodetest.Limit, func() bool {
		c.SetReadDeadline(time.Now().Add(time.Millisecond))
		var b [128]byte
		k, err := c.Read(b[:])
		got = append(got, b[:k]...)
		if err != nil && err != io.EOF {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				t.Fatalf("read: %v", err)
			}
		}
		return len(got) >= want
	}, n)
	if len(got) != want {
		t.Fatalf("read %d bytes, want %d", len(got), want)
	}
	return got
}

// The handshake written one byte at a time, then a call: the server lets
// the client in, and proves itself only then, with the key.
func TestAuthOneByteWrites(t *testing.T) {
	n, rec, l := keyedServer(t, [][]byte{key1}, 64)
	c := rawDial(t, l.Port)
	h := newPeerHandshake(key1, 7)
	for _, b := range h.hello {
		c.Write([]byte{b})
		n.Wait(0)
	}
	h.serverHello(t, readN(t, n, c, 38))
	for i, b := range append(h.proof, nodetest.Call([]byte("in"))...) {
		if i < len(h.proof) && len(rec.AcceptedStreams()) != 0 {
			t.Fatal("accepted before the proof was complete")
		}
		c.Write([]byte{b})
		n.Wait(0)
	}
	if !h.serverProofOK(readN(t, n, c, 32)) {
		t.Fatal("the server's proof does not check with the key")
	}
	nodetest.Step(t, nodetest.Limit, func() bool {
		acc := rec.AcceptedStreams()
		return len(acc) == 1 && len(rec.CallsOf(acc[0].Token)) == 1
	}, n)
}

// A recorded handshake sent again on a new connection does not get in:
// the server's nonce is new, so the old proof no longer checks.
func TestAuthReplayIsRefused(t *testing.T) {
	n, rec, l := keyedServer(t, [][]byte{key1}, 64)
	first := rawDial(t, l.Port)
	h := newPeerHandshake(key1, 9)
	first.Write(h.hello)
	h.serverHello(t, readN(t, n, first, 38))
	first.Write(h.proof)
	nodetest.Step(t, nodetest.Limit, func() bool { return len(rec.AcceptedStreams()) == 1 }, n)

	replay := rawDial(t, l.Port)
	replay.Write(append(append([]byte(nil), h.hello...), h.proof...))
	closedByServer(t, n, replay, time.Second)
	if len(rec.AcceptedStreams()) != 1 {
		t.Fatal("a replayed handshake got in")
	}
	// nor does the server's own hello sent back to it
	mirror := rawDial(t, l.Port)
	mirror.Write(readN(t, n, mirror, 38))
	closedByServer(t, n, mirror, time.Second)
	if len(rec.AcceptedStreams()) != 1 {
		t.Fatal("a reflected handshake got in")
	}
}

// Key rotation: each side proves its first key and accepts all of its
// keys, so two sides with the same keys in either order understand each
// other, and so does one that has moved to the new key with one that
// still accepts it.
func TestAuthRotation(t *testing.T) {
	for _, c := range []struct {
		name     string
		srv, cli [][]byte
		ok       bool
	}{
		{"old first meets new first", [][]byte{key1, key2}, [][]byte{key2, key1}, true},
		{"new first meets old first", [][]byte{key2, key1}, [][]byte{key1, key2}, true},
		{"new only meets new first", [][]byte{key2}, [][]byte{key2, key1}, true},
		{"new first meets new only", [][]byte{key2, key1}, [][]byte{key2}, true},
		{"new only meets old first", [][]byte{key2}, [][]byte{key1, key2}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := keyedPair(t, c.srv, c.cli)
			if c.ok {
				p.up(t)
			} else {
				p.refused(t)
			}
		})
	}
}

// Connections in the handshake count against the listener's own limit,
// not the node's cap: a flood of 1 000 that say nothing locks nobody out
// for long, and a keyed service still gets in and round-trips within 2 s.
func TestAuthFloodDoesNotLockOut(t *testing.T) {
	n, rec, l := keyedServer(t, [][]byte{key1}, 8)
	start := time.Now()
	flood := make([]net.Conn, 0, 1000)
	for i := 0; i < 1000; i++ {
		c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", l.Port))
		if err != nil {
			t.Fatalf("flood connection %d: %v", i, err)
		}
		flood = append(flood, c)
		if i%50 == 0 {
			n.Wait(0)
		}
	}
	defer func() {
		for _, c := range flood {
			c.Close()
		}
	}()
	nodetest.Step(t, nodetest.Limit, func() bool { return n.AuthFailures() >= 1000-64 }, n)
	if n.Open() != 1 {
		t.Fatalf("%d listeners and streams count against the cap with 64 connections in the handshake, want 1 (the listener)", n.Open())
	}
	cliRec := &nodetest.Recorder{}
	cli := nodetest.New(t, cliRec, node.Config{ClusterKeys: [][]byte{key1}})
	var s *node.Stream
	var err error
	dial := func() {
		if s, err = cli.Connect("127.0.0.1", int(l.Port)); err != nil {
			t.Fatal(err)
		}
	}
	dial()
	nodetest.Step(t, 2*time.Second, func() bool { // a service redials when refused, as cluster scripts do
		if cliRec.Has(fmt.Sprintf("failed %d auth_failed", s.Token)) {
			dial()
		}
		if cliRec.Has(fmt.Sprintf("connected %d", s.Token)) && len(cliRec.CallsOf(s.Token)) == 0 && s.Pending() == 0 {
			s.Send(nodetest.Call([]byte("ping")), nil)
		}
		for _, a := range rec.AcceptedStreams() {
			if len(rec.CallsOf(a.Token)) == 1 && len(cliRec.CallsOf(s.Token)) == 0 {
				a.Send(nodetest.Call([]byte("pong")), nil)
			}
		}
		return len(cliRec.CallsOf(s.Token)) == 1
	}, n, cli)
	t.Logf("in and round-tripped %v after the flood began; %d handshakes failed", time.Since(start), n.AuthFailures())
	if got := n.AuthFailures(); got < 1000-64 {
		t.Fatalf("%d handshake failures counted, want at least %d (closed at the limit)", got, 1000-64)
	}
	if !hasLine(rec, "too many connections in the handshake") {
		t.Fatalf("log: %q", rec.Lines())
	}
}

func TestParseClusterKeys(t *testing.T) {
	keys, err := node.ParseClusterKeys([]byte("# cluster keys\n\n  " + string(key2) + "  \r\n" + string(key1) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || !bytes.Equal(keys[0], key2) || !bytes.Equal(keys[1], key1) {
		t.Fatalf("keys %q", keys)
	}
	for _, bad := range []string{"", "# only a comment\n", string(key1) + "\nshort\n"} {
		if _, err := node.ParseClusterKeys([]byte(bad)); err == nil {
			t.Errorf("ParseClusterKeys(%q): no error", bad)
		}
	}
	if _, err := node.ParseClusterKeys([]byte(string(key1) + "\nshort\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a short key: %v, want its line number", err)
	}
	n := nodetest.New(t, &nodetest.Recorder{}, node.Config{})
	if err := n.SetClusterKeys([][]byte{[]byte("short")}); err == nil {
		t.Error("SetClusterKeys took a 5-byte key")
	}
	if err := n.SetClusterKeys(nil); err != nil || n.Keyed() {
		t.Errorf("SetClusterKeys(nil): %v, keyed %v", err, n.Keyed())
	}
}
