package netpoll

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"testing"
)

// fill simulates a read of up to n bytes of src into b.
func fill(b *recvBuf, src []byte, n int) int {
	space := b.space()
	k := copy(space, src[:min(n, len(src))])
	b.wrote(k)
	return k
}

func TestRecvBufRewindAtExactEnd(t *testing.T) {
	b := recvBuf{limit: 64}
	src := bytes.Repeat([]byte{1}, 64)
	if k := fill(&b, src, 64); k != 64 || b.free() != 0 {
		t.Fatalf("first frame: read %d, free %d", k, b.free())
	}
	b.consume(64) // the read ended exactly at the end of the buffer
	if b.r != 0 || b.w != 0 || b.free() != 64 {
		t.Fatalf("after consuming all: r %d, w %d, free %d", b.r, b.w, b.free())
	}
	if got := len(b.space()); got != 64 {
		t.Fatalf("space after rewind = %d, want the whole cache", got)
	}
}

// Whatever the interleaving of reads and consumes, a frame of exactly the
// cache fits once what precedes it has been consumed, bytes come out in
// order, and the buffer never exceeds the cache.
func TestRecvBufRandomized(t *testing.T) {
	for _, limit := range []int{1, 7, 100, 4096, 5000, DefaultRecvCache} {
		rng := rand.New(rand.NewPCG(uint64(limit), 1))
		b := recvBuf{limit: int32(limit)}
		var in, out []byte
		for step := 0; step < 2000; step++ {
			if rng.IntN(3) > 0 {
				free := b.free()
				space := b.space()
				if free > 0 && len(space) < min(free, minReadSpace) {
					t.Fatalf("limit %d: %d bytes free but %d bytes of space", limit, free, len(space))
				}
				if len(space) > free {
					t.Fatalf("limit %d: space %d exceeds free %d", limit, len(space), free)
				}
				n := rng.IntN(len(space) + 1)
				for i := range n {
					space[i] = byte(len(in) + i)
				}
				in = append(in, space[:n]...)
				b.wrote(n)
			} else {
				n := rng.IntN(b.len() + 1)
				out = append(out, b.buffered()[:n]...)
				b.consume(n)
			}
			if b.len() > limit || len(b.buf) > limit {
				t.Fatalf("limit %d: %d bytes buffered in %d", limit, b.len(), len(b.buf))
			}
		}
		out = append(out, b.buffered()...)
		if !bytes.Equal(in, out) {
			t.Fatalf("limit %d: bytes reordered or lost", limit)
		}
		// Now a partial frame prefix is buffered; the rest must fit.
		for b.len() < limit {
			if len(b.space()) == 0 {
				t.Fatalf("limit %d: stuck at %d bytes", limit, b.len())
			}
			b.wrote(len(b.space()))
		}
	}
}

func TestSendBufReserveCompactsAndGrows(t *testing.T) {
	b := sendBuf{limit: 100}
	b.append(bytes.Repeat([]byte{'a'}, 60))
	b.drop(50)
	if b.len() != 10 || b.room() != 90 {
		t.Fatalf("len %d room %d", b.len(), b.room())
	}
	p := b.reserve(90)
	for i := range p {
		p[i] = 'b'
	}
	b.commit(90)
	want := append(bytes.Repeat([]byte{'a'}, 10), bytes.Repeat([]byte{'b'}, 90)...)
	if !bytes.Equal(b.pending(), want) {
		t.Fatalf("pending = %q", b.pending())
	}
	b.drop(100)
	if b.r != 0 || b.w != 0 {
		t.Fatal("an emptied send buffer did not rewind")
	}
}

// waiting is everything a send buffer holds, in order.
func waiting(b *sendBuf) []byte {
	if !b.multi() {
		return append([]byte(nil), b.pending()...)
	}
	return bytes.Join(b.chunks(), nil)
}

// Against a plain byte slice as the model, random appends and drops keep
// the same bytes in the same order, across the move from one buffer to
// chunks and back, for caches below, at and far above one chunk; and the
// memory held stays about what waits.
func TestSendBufKeepsOrderAcrossChunks(t *testing.T) {
	for _, limit := range []int{100, 65535, sendChunk + 1, 1 << 20} {
		rng := rand.New(rand.NewPCG(uint64(limit), 2))
		b := sendBuf{limit: int32(limit)}
		var model []byte
		next := byte(0)
		for step := 0; step < 4000; step++ {
			if rng.IntN(3) > 0 { // append, twice as often as drop: the buffer fills
				n := min(1+rng.IntN(4096), b.room())
				p := make([]byte, n)
				for i := range p {
					p[i], next = next, next+1
				}
				b.append(p)
				model = append(model, p...)
			} else {
				n := rng.IntN(b.len() + 1)
				b.drop(n)
				model = model[n:]
			}
			if b.len() != len(model) || b.room() != max(limit-len(model), 0) {
				t.Fatalf("limit %d step %d: len %d room %d, want %d", limit, step, b.len(), b.room(), len(model))
			}
			if step%97 == 0 && !bytes.Equal(waiting(&b), model) {
				t.Fatalf("limit %d step %d: the bytes differ from what was appended", limit, step)
			}
			// a chunk may end up to one frame (4 KiB) short of full; the
			// first and the last may be partly empty
			if held, chunks := b.capacity(), b.len()/sendChunk+2; held > b.len()+chunks*4096+2*sendChunk {
				t.Fatalf("limit %d step %d: %d bytes held for %d waiting", limit, step, held, b.len())
			}
		}
		b.release()
		if b.buf != nil || b.more != nil || b.len() != 0 || int(b.limit) != limit {
			t.Fatalf("limit %d: release left %d bytes, limit %d", limit, b.len(), b.limit)
		}
	}
}

// With a cache of many chunks, a full buffer that the socket drains a
// little at a time takes new bytes without moving the ones that wait.
func TestSendBufFullCacheDoesNotCopy(t *testing.T) {
	b := sendBuf{limit: 16 * sendChunk}
	frame := bytes.Repeat([]byte{'f'}, 1000)
	for b.room() >= len(frame) {
		b.append(frame)
	}
	if !b.multi() {
		t.Fatal("16 chunks of cache were filled without a second chunk")
	}
	for i := 0; i < 1000; i++ {
		b.drop(len(frame))
		first := &b.chunks()[0][0]
		b.append(frame)
		if &b.chunks()[0][0] != first {
			t.Fatalf("round %d: the waiting bytes were moved to make room", i)
		}
	}
}

func TestCommitBeyondReservePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	b := sendBuf{limit: 10}
	b.reserve(4)
	b.commit(5)
}

func TestAdvance(t *testing.T) {
	bufs := [][]byte{[]byte("ab"), nil, []byte("cde"), {}, []byte("f")}
	for _, tc := range []struct{ i, off, n, wi, woff int }{
		{0, 0, 0, 0, 0},
		{0, 0, 1, 0, 1},
		{0, 0, 2, 2, 0}, // past "ab" and the empty chunk after it
		{0, 1, 3, 2, 2},
		{0, 0, 6, 5, 0},
		{2, 1, 2, 4, 0},
	} {
		i, off := advance(bufs, tc.i, tc.off, tc.n)
		// Landing on an empty chunk is equivalent to landing after it.
		for i < len(bufs) && off == len(bufs[i]) {
			i, off = i+1, 0
		}
		wi, woff := tc.wi, tc.woff
		for wi < len(bufs) && woff == len(bufs[wi]) {
			wi, woff = wi+1, 0
		}
		if i != wi || off != woff {
			t.Errorf("advance(%d, %d, %d) = %d, %d; want %d, %d", tc.i, tc.off, tc.n, i, off, wi, woff)
		}
	}
}

func TestKindStrings(t *testing.T) {
	for k, want := range map[Kind]string{
		KindConnectionLost: "connection_lost",
		KindConnectFailed:  "connect_failed",
		KindSendCacheFull:  "send_cache_full",
		KindSendFailed:     "send_failed",
		KindRecvFailed:     "recv_failed",
		KindOther:          "error",
		Kind(200):          "error",
	} {
		if k.String() != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, k.String(), want)
		}
	}
}

func TestErrorMatching(t *testing.T) {
	cause := os.NewSyscallError("read", errors.New("boom"))
	err := error(&Error{Kind: KindRecvFailed, Err: cause})
	if !errors.Is(err, ErrRecvFailed) || errors.Is(err, ErrSendFailed) {
		t.Fatal("errors.Is does not follow the kind")
	}
	if !errors.Is(err, cause) || KindOf(err) != KindRecvFailed {
		t.Fatal("cause or kind lost")
	}
	if KindOf(nil) != KindOther || KindOf(errors.New("x")) != KindOther {
		t.Fatal("KindOf of a foreign error")
	}
	if err.Error() != "netpoll: recv_failed: read: boom" {
		t.Fatalf("Error() = %q", err.Error())
	}
}

// An emptied buffer goes back to the pool on trim and is what the next
// buffer of its class is made of; one that holds bytes is kept.
func TestTrimReturnsBuffersToThePool(t *testing.T) {
	b := recvBuf{limit: 65535}
	sp := b.space()
	copy(sp, "abc")
	b.wrote(3)
	b.trim()
	if b.buf == nil {
		t.Fatal("trim dropped a buffer that holds bytes")
	}
	first := &b.buf[:1][0]
	b.consume(3)
	b.trim()
	if b.buf != nil {
		t.Fatal("trim kept an empty buffer")
	}
	if again := getBuf(recvInitial); &again[:1][0] != first {
		t.Error("the next buffer of the class was not the one given back")
	}
	s := sendBuf{limit: 65535}
	s.append([]byte("x"))
	s.trim()
	if s.buf == nil {
		t.Fatal("trim dropped a send buffer with bytes waiting")
	}
	s.drop(1)
	s.trim()
	if s.buf != nil {
		t.Fatal("trim kept an empty send buffer")
	}
}

func TestBufferClasses(t *testing.T) {
	for _, c := range []struct{ n, class int }{{1, 0}, {1024, 0}, {1025, 1}, {4096, 2}, {65535, 6}, {1 << 20, 10}, {1<<20 + 1, -1}} {
		if got := classOf(c.n); got != c.class {
			t.Errorf("classOf(%d) = %d, want %d", c.n, got, c.class)
		}
	}
	if b := getBuf(65535); len(b) != 65535 || cap(b) != 1<<16 {
		t.Errorf("getBuf(65535): len %d cap %d", len(b), cap(b))
	}
}

// What a burst gave back is kept (up to keepBytes a class) and reused;
// ShrinkPool halves what is kept beyond keepFloor.
func TestPoolKeepsABurstThenShrinks(t *testing.T) {
	const c = 3 // 8 KiB: a class no other test of the package uses
	size := 1 << (c + minClassShift)
	pool.mu.Lock()
	pool.free[c] = nil
	pool.mu.Unlock()
	limit := keepBytes / size
	burst := make([][]byte, limit+10)
	for i := range burst {
		burst[i] = getBuf(size)
	}
	for _, b := range burst {
		putBuf(b)
	}
	kept := func() int {
		pool.mu.Lock()
		defer pool.mu.Unlock()
		return len(pool.free[c])
	}
	if k := kept(); k != limit {
		t.Fatalf("after a burst of %d: %d kept, want %d (keepBytes)", len(burst), k, limit)
	}
	want := limit
	for round := 0; want > keepFloor; round++ {
		ShrinkPool()
		want = keepFloor + (want-keepFloor)/2
		if k := kept(); k != want {
			t.Fatalf("after %d shrinks: %d kept, want %d", round+1, k, want)
		}
	}
	ShrinkPool()
	if k := kept(); k != keepFloor {
		t.Fatalf("at the floor a shrink left %d, want %d", k, keepFloor)
	}
}
