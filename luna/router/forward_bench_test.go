package router_test

import (
	"testing"
	"time"

	"github.com/luna-go/luna/luna/node/nodetest"
	"github.com/luna-go/luna/luna/wire"
)

// BenchmarkForwardHash pushes forward_hash frames through a router node:
// one op is one frame read from the sender, routed and written to the
// target. The figure to watch is frames/s; allocs/op counts the router's
// allocations (the sender and reader allocate nothing per frame).
// luna's BenchmarkForwardHash runs the same through a Lua state.
func BenchmarkForwardHash(b *testing.B) {
	f := newFixture(b)
	sender, _ := f.peer(b)
	target, st := f.peer(b)
	f.fwd.Routes.Set(2<<16|1, st.Token)
	archive := []byte{0x03, 0x04, 's', 'i', 'n', 'k', 0x09 + 42} // "sink", 42
	frame := wire.AppendForwardHeader(nil, wire.ForwardHash, 2, 7, len(archive))
	frame = append(frame, archive...)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	if got := nodetest.Pump(sender, target, frame, b.N, func() { f.n.Wait(1) }); got != b.N {
		b.Fatalf("target received %d of %d frames", got, b.N)
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
}
