package router_test

import (
	"bytes"
	"net"
	"strings"
	"testing"

	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/node/nodetest"
	"github.com/luna-go/luna/luna/router"
	"github.com/luna-go/luna/luna/wire"
)

// fixture is a router node with plain TCP peers connected to it.
type fixture struct {
	n   *node.Node
	rec *nodetest.Recorder
	fwd *router.Forwarder
	l   *node.Listener
}

func newFixture(tb testing.TB) *fixture {
	f := &fixture{rec: &nodetest.Recorder{}, fwd: router.NewForwarder(router.New(1))}
	f.n = nodetest.New(tb, f.rec, node.Config{Forwarder: f.fwd})
	var err error
	if f.l, err = f.n.Listen("127.0.0.1", 0); err != nil {
		tb.Fatal(err)
	}
	return f
}

// peer connects a plain TCP client and returns it with the router's end.
func (f *fixture) peer(tb testing.TB) (net.Conn, *node.Stream) {
	tb.Helper()
	return nodetest.Dial(tb, f.n, f.rec, f.l.Port)
}

func (f *fixture) readCalls(tb testing.TB, c net.Conn, count int) []string {
	tb.Helper()
	return nodetest.ReadCalls(tb, c, count, f.n)
}

func forward(kind wire.MsgID, idOrGroup uint64, hash uint32, archive string) []byte {
	return append(wire.AppendForwardHeader(nil, kind, idOrGroup, hash, len(archive)), archive...)
}

// Every mode sends the archive, untouched, as a remote_call to the
// targets the table chooses.
func TestForwardModes(t *testing.T) {
	f := newFixture(t)
	sender, _ := f.peer(t)
	a, sa := f.peer(t)
	b, sb := f.peer(t)
	idA, idB := uint32(2<<16|1), uint32(2<<16|2)
	f.fwd.Routes.Set(idA, sa.Token)
	f.fwd.Routes.Set(idB, sb.Token)
	f.fwd.Routes.SetMaster(2, sb.Token)
	hashTo := map[uint32]net.Conn{sa.Token: a, sb.Token: b}[f.fwd.Routes.Hash(2, 7)]

	var in bytes.Buffer
	in.Write(forward(wire.ForwardTarget, uint64(idA), 0, "target"))
	in.Write(forward(wire.ForwardMaster, 2, 0, "master"))
	in.Write(forward(wire.ForwardBroadcast, 2, 0, "broadcast"))
	in.Write(forward(wire.ForwardHash, 2, 7, "hash"))
	in.Write(forward(wire.ForwardTarget, uint64(2<<16|9), 0, "nobody")) // no route: dropped
	if _, err := sender.Write(in.Bytes()); err != nil {
		t.Fatal(err)
	}
	wantA := []string{"target", "broadcast"}
	wantB := []string{"master", "broadcast"}
	if hashTo == a {
		wantA = append(wantA, "hash")
	} else {
		wantB = append(wantB, "hash")
	}
	if got := f.readCalls(t, a, len(wantA)); strings.Join(got, ",") != strings.Join(wantA, ",") {
		t.Fatalf("target A got %q, want %q", got, wantA)
	}
	if got := f.readCalls(t, b, len(wantB)); strings.Join(got, ",") != strings.Join(wantB, ",") {
		t.Fatalf("target B got %q, want %q", got, wantB)
	}
	want := [wire.ForwardHash + 1]uint64{wire.ForwardTarget: 1, wire.ForwardMaster: 1, wire.ForwardBroadcast: 2, wire.ForwardHash: 1}
	if f.fwd.Forwarded != want {
		t.Errorf("Forwarded %v, want %v", f.fwd.Forwarded, want)
	}
	if want := [wire.ForwardHash + 1]uint64{wire.ForwardTarget: 1}; f.fwd.Undeliverable != want {
		t.Errorf("Undeliverable %v, want %v (the target with no route)", f.fwd.Undeliverable, want)
	}
}

// A frame the router sends itself (here, from a remote_call's handler)
// between two forwards to the same target keeps its place.
func TestForwardOrderWithSends(t *testing.T) {
	f := newFixture(t)
	sender, _ := f.peer(t)
	target, st := f.peer(t)
	id := uint32(3<<16 | 1)
	f.fwd.Routes.Set(id, st.Token)
	f.rec.OnCall = func(_ *node.Stream, archive []byte) { st.Send(nodetest.Call(archive), nil) }

	var in bytes.Buffer
	in.Write(forward(wire.ForwardTarget, uint64(id), 0, "one"))
	in.Write(nodetest.Call([]byte("two")))
	in.Write(forward(wire.ForwardTarget, uint64(id), 0, "three"))
	sender.Write(in.Bytes())
	if got := f.readCalls(t, target, 3); strings.Join(got, ",") != "one,two,three" {
		t.Fatalf("target got %q", got)
	}
}

// A forward header that does not parse is dropped and logged; the stream
// goes on.
func TestForwardMalformedHeader(t *testing.T) {
	f := newFixture(t)
	sender, ss := f.peer(t)
	sender.Write(nodetest.Frame([]byte{byte(wire.ForwardTarget), 0xff})) // id varint cut short
	sender.Write(nodetest.Call([]byte("after")))
	nodetest.Step(t, nodetest.Limit, func() bool { return len(f.rec.CallsOf(ss.Token)) == 1 }, f.n)
	if f.n.Dropped() != 1 || !strings.Contains(strings.Join(f.rec.Lines(), "\n"), "dropped 1 frame") {
		t.Fatalf("dropped %d, log %q", f.n.Dropped(), f.rec.Lines())
	}
}

// With Feedback, a frame with no live target comes back to its sender as
// ("luna_undeliverable", mode, group or target, message name or nil);
// without, it is only counted.
func TestForwardFeedback(t *testing.T) {
	f := newFixture(t)
	sender, _ := f.peer(t)
	call := string(wire.AppendArchiveString(nil, "login")) + string(wire.AppendArchiveInt(nil, 7))
	want := func(mode string, id int64, msg string) string {
		r := wire.AppendArchiveString(nil, router.UndeliverableMsg)
		r = wire.AppendArchiveString(r, mode)
		r = wire.AppendArchiveInt(r, id)
		if msg == "" {
			return string(append(r, 0))
		}
		return string(wire.AppendArchiveString(r, msg))
	}
	sender.Write(forward(wire.ForwardTarget, 2<<16|9, 0, call)) // feedback off: nothing comes back
	nodetest.Step(t, nodetest.Limit, func() bool { return f.fwd.Undeliverable[wire.ForwardTarget] == 1 }, f.n)
	f.fwd.Feedback = true
	var in bytes.Buffer
	in.Write(forward(wire.ForwardTarget, 2<<16|9, 0, call))
	in.Write(forward(wire.ForwardMaster, 2, 0, call))
	in.Write(forward(wire.ForwardRandom, 3, 0, call))
	in.Write(forward(wire.ForwardHash, 4, 11, call))
	in.Write(forward(wire.ForwardBroadcast, 5, 0, string(wire.AppendArchiveInt(nil, 1)))) // no message name
	sender.Write(in.Bytes())
	got := f.readCalls(t, sender, 5)
	for i, w := range []string{
		want("target", 2<<16|9, "login"), want("master", 2, "login"), want("random", 3, "login"),
		want("hash", 4, "login"), want("broadcast", 5, ""),
	} {
		if got[i] != w {
			t.Errorf("feedback %d: %x, want %x", i, got[i], w)
		}
	}
	if f.fwd.Undeliverable[wire.ForwardTarget] != 2 {
		t.Errorf("Undeliverable %v", f.fwd.Undeliverable)
	}
}

// A target that stops reading, with its router stream set to drop on
// overflow: its frames beyond the send cache are dropped and counted, its
// link stays, and a broadcast's other target still gets every frame.
func TestForwardToAStalledTargetDrops(t *testing.T) {
	f := newFixture(t)
	sender, _ := f.peer(t)
	fast, sFast := f.peer(t)
	_, sSlow := f.peer(t) // never read
	f.fwd.Routes.Set(2<<16|1, sFast.Token)
	f.fwd.Routes.Set(2<<16|2, sSlow.Token)
	sSlow.SetOverflowDrop(true)
	sSlow.SetSendCache(16 << 10)
	const n, chunk = 3000, 50
	body := strings.Repeat("x", 4000) // 12 MB in all: more than the stalled socket buffers hold
	frame := forward(wire.ForwardBroadcast, 2, 0, body)
	for sent := 0; sent < n; sent += chunk { // paced by the fast target, as a windowed sender is
		sender.Write(bytes.Repeat(frame, chunk))
		if got := f.readCalls(t, fast, chunk); len(got) != chunk {
			t.Fatalf("the fast target got %d of the %d frames after %d", len(got), chunk, sent)
		}
	}
	if sSlow.Dead() || sSlow.Pending() > 16<<10 {
		t.Fatalf("stalled target: dead %v, pending %d (cache 16 KiB)", sSlow.Dead(), sSlow.Pending())
	}
	if st := f.n.Stats(); st.OverflowDrops == 0 {
		t.Fatal("no frame counted as dropped")
	}
	t.Logf("dropped %d of %d frames for the stalled target; %d bytes queued for it (cache 16 KiB)", f.n.Stats().OverflowDrops, n, sSlow.Pending())
}
