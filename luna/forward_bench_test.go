package luna

import (
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/node/nodetest"
	"github.com/luna-go/luna/luna/wire"
)

// routerFixture is a runtime acting as a router, with a Go sender and a Go
// target connected to it over loopback.
type routerFixture struct {
	rt     *Runtime
	sender net.Conn
	target net.Conn
}

// lua runs a chunk in the fixture's state and fails the benchmark on error.
func (f *routerFixture) lua(tb testing.TB, code string) {
	tb.Helper()
	if err := f.rt.cb.DoString(code); err != nil {
		tb.Fatal(err)
	}
}

// waitUntil runs mgr.wait until cond holds (at most 5 s).
func (f *routerFixture) waitUntil(tb testing.TB, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatal("router fixture: timed out")
		}
		f.lua(tb, "mgr.wait(1)")
	}
}

// global reads an integer global.
func (f *routerFixture) global(name string) int {
	L := f.rt.L
	L.GetGlobal(name)
	defer L.Pop(1)
	return L.ToInteger(-1)
}

func newRouterFixture(tb testing.TB) *routerFixture {
	rt, err := New("luna", "bench.lua", nil)
	if err != nil {
		tb.Fatal(err)
	}
	f := &routerFixture{rt: rt}
	tb.Cleanup(func() {
		if f.sender != nil {
			f.sender.Close()
		}
		if f.target != nil {
			f.target.Close()
		}
		rt.Close()
	})
	f.lua(tb, `
		mgr = luna.create_socket_mgr(16)
		listener = assert(mgr.listen("127.0.0.1", 0))
		accepted = {}
		listener.on_accept = function(s) accepted[#accepted + 1] = s end`)
	f.lua(tb, `port = listener.port`)
	addr := "127.0.0.1:" + strconv.Itoa(f.global("port"))
	count := func() int {
		f.lua(tb, `naccepted = #accepted`)
		return f.global("naccepted")
	}
	if f.target, err = net.Dial("tcp", addr); err != nil {
		tb.Fatal(err)
	}
	f.waitUntil(tb, func() bool { return count() == 1 })
	if f.sender, err = net.Dial("tcp", addr); err != nil {
		tb.Fatal(err)
	}
	f.waitUntil(tb, func() bool { return count() == 2 })
	f.lua(tb, `mgr.route(2 << 16 | 1, accepted[1].token)`)
	return f
}

// BenchmarkForwardHash is luna/router's BenchmarkForwardHash through a
// router set up by Lua: forward frames must cost the Lua face nothing.
func BenchmarkForwardHash(b *testing.B) {
	f := newRouterFixture(b)
	archive := []byte{0x03, 0x04, 's', 'i', 'n', 'k', 0x09 + 42} // "sink", 42
	frame := wire.AppendForwardHeader(nil, wire.ForwardHash, 2, 7, len(archive))
	frame = append(frame, archive...)
	var m *socketMgr
	for m = range f.rt.managers {
	}
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if got := nodetest.Pump(f.sender, f.target, frame, b.N, func() { m.wait(1) }); got != b.N {
		b.Fatalf("target received %d of %d frames", got, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
}
