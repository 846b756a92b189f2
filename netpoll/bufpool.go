package netpoll

import (
	"math/bits"
	"sync"
)

// Buffers come from per-size free lists and go back to them when a stream
// empties (a Flush that sends everything, Stream.Trim) or closes, so that
// an idle stream holds no buffer and a busy one reuses memory instead of
// making garbage. Sizes are powers of two from 1 KiB to 1 MiB; larger
// buffers are left to the collector.
//
// A free list keeps what the busiest moment needed (a loop that queues a
// call on each of 10 000 streams before it flushes has 10 000 send buffers
// out at once), up to keepBytes, and ShrinkPool, called about once a second,
// halves what has been kept beyond keepFloor buffers: memory a burst used is
// reused while the bursts go on and given up within seconds once they stop.

const (
	minClassShift = 10 // 1 KiB
	maxClassShift = 20 // 1 MiB
	keepBytes     = 16 << 20
	keepFloor     = 64
)

var pool struct {
	mu   sync.Mutex
	free [maxClassShift - minClassShift + 1][][]byte
}

// classOf is the free list for buffers of at least n bytes, or -1 when n is
// over the largest class.
func classOf(n int) int {
	if n <= 1<<minClassShift {
		return 0
	}
	c := bits.Len(uint(n-1)) - minClassShift
	if c > maxClassShift-minClassShift {
		return -1
	}
	return c
}

// getBuf returns a buffer of length n (its capacity is n's class size).
func getBuf(n int) []byte {
	c := classOf(n)
	if c < 0 {
		return make([]byte, n)
	}
	pool.mu.Lock()
	if k := len(pool.free[c]); k > 0 {
		b := pool.free[c][k-1]
		pool.free[c][k-1] = nil
		pool.free[c] = pool.free[c][:k-1]
		pool.mu.Unlock()
		return b[:n]
	}
	pool.mu.Unlock()
	return make([]byte, n, 1<<(c+minClassShift))
}

// putBuf gives a buffer from getBuf back; nothing may use it afterwards.
func putBuf(b []byte) {
	c := classOf(cap(b))
	if b == nil || c < 0 || cap(b) != 1<<(c+minClassShift) {
		return
	}
	pool.mu.Lock()
	if len(pool.free[c]) < keepBytes>>(c+minClassShift) {
		pool.free[c] = append(pool.free[c], b[:0])
	}
	pool.mu.Unlock()
}

// ShrinkPool lets the collector have half of each free list beyond
// keepFloor buffers. A poller's owner calls it about once a second.
func ShrinkPool() {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	for c, free := range pool.free {
		if len(free) <= keepFloor {
			continue
		}
		keep := keepFloor + (len(free)-keepFloor)/2
		clear(free[keep:])
		pool.free[c] = free[:keep]
	}
}
