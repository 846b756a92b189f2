package netpoll

// Both buffers are a flat byte slice with a read offset r and a write
// offset w: the live bytes are buf[r:w]. They are taken from the buffer
// pool (bufpool.go) on first use, grow by doubling up to their limit, and
// go back to the pool when they empty and the owner trims the stream, so
// an idle stream holds none.
//
// The receive side must keep this promise: whenever fewer than limit bytes
// are buffered, there is room to read more. The reference implementation
// broke it by never rewinding an emptied buffer, so a stream whose reads
// ended exactly at the end of its buffer could no longer receive a full
// frame. Here the offsets go back to 0 the moment the buffer empties, and
// the live bytes are moved to the front whenever the tail is too short.

const (
	// DefaultRecvCache and DefaultSendCache are the per-stream limits used
	// until SetRecvCache / SetSendCache: luna's (wire.DefaultCache; netpoll
	// depends on no other package of the module).
	DefaultRecvCache = 65535
	DefaultSendCache = 65535

	recvInitial  = 4096 // first receive allocation (or the limit, if smaller)
	sendInitial  = 1024 // first send allocation (or the request, if larger)
	minReadSpace = 2048 // below this much tail room, make more before a read
)

// The offsets and limits of both buffers are 32-bit: a cache is at most
// math.MaxInt32 bytes (SetRecvCache, SetSendCache), and a Stream fits in
// 128 bytes.
type recvBuf struct {
	buf   []byte
	r, w  int32
	limit int32 // the receive cache: most bytes ever buffered
}

func (b *recvBuf) buffered() []byte { return b.buf[b.r:b.w] }

func (b *recvBuf) len() int { return int(b.w - b.r) }

func (b *recvBuf) free() int { return max(int(b.limit)-b.len(), 0) }

func (b *recvBuf) consume(n int) {
	if n < 0 || n > b.len() {
		panic("netpoll: Consume beyond the buffered bytes")
	}
	b.r += int32(n)
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// wrote counts n bytes read into the slice space returned.
func (b *recvBuf) wrote(n int) { b.w += int32(n) }

// space returns the slice the next read should fill: as many bytes as the
// limit still allows, made contiguous by rewinding, compacting or growing.
// It is empty only when limit bytes are already buffered.
func (b *recvBuf) space() []byte {
	used := b.len()
	if used == 0 {
		b.r, b.w = 0, 0
	}
	allowed := int(b.limit) - used
	if allowed <= 0 {
		return nil
	}
	need := min(allowed, minReadSpace)
	if len(b.buf)-int(b.w) < need {
		if b.r > 0 {
			copy(b.buf, b.buf[b.r:b.w])
			b.r, b.w = 0, int32(used)
		}
		if len(b.buf)-int(b.w) < need {
			size := min(max(2*len(b.buf), used+need, recvInitial), int(b.limit))
			buf := getBuf(size)
			copy(buf, b.buf[:b.w])
			putBuf(b.buf)
			b.buf = buf
		}
	}
	return b.buf[b.w:min(len(b.buf), int(b.w)+allowed)]
}

// sendChunk is the most the send buffer grows to in one piece. A send
// cache larger than that (a router's link to a slow service, say) fills
// further chunks of this size instead: what waits is then never copied to
// make room, nor moved to a bigger buffer as it grows, and the memory held
// is about what waits. The default send cache fits in one chunk.
const sendChunk = 64 << 10

// sendBuf holds the bytes waiting to be sent. Alone, buf (a pool buffer,
// at its full length) holds them at buf[r:w] and takes new ones at w. Once
// a full chunk has no room left, later bytes go into more's chunks: buf's
// live bytes stay buf[r:w] and new ones go to the last chunk.
type sendBuf struct {
	buf      []byte
	r, w     int32
	limit    int32 // the send cache: most bytes ever waiting
	reserved int32 // length of the slice handed out by reserve
	more     *sendChunks
}

// sendChunks are the chunks after buf. list[0] is a slot for buf[r:w], so
// that the whole of what waits is one [][]byte for writev; the others are
// sliced to the bytes written into them, and the last takes new bytes up to
// its capacity.
type sendChunks struct {
	list [][]byte
	n    int // bytes in list[1:]
}

func (b *sendBuf) multi() bool { return b.more != nil && len(b.more.list) > 1 }

// pending is what waits, when it is in buf alone (!multi()).
func (b *sendBuf) pending() []byte { return b.buf[b.r:b.w] }

// chunks is what waits, in order, when multi().
func (b *sendBuf) chunks() [][]byte {
	b.more.list[0] = b.buf[b.r:b.w]
	return b.more.list
}

func (b *sendBuf) len() int {
	if b.multi() {
		return int(b.w-b.r) + b.more.n
	}
	return int(b.w - b.r)
}

func (b *sendBuf) room() int { return max(int(b.limit)-b.len(), 0) }

// drop forgets n bytes the socket has taken; a chunk all sent goes back to
// the pool and the next one takes buf's place.
func (b *sendBuf) drop(n int) {
	for b.multi() && n >= int(b.w-b.r) {
		n -= int(b.w - b.r)
		m := b.more
		next := m.list[1]
		putBuf(b.buf)
		b.buf, b.r, b.w = next[:cap(next)], 0, int32(len(next))
		m.n -= len(next)
		copy(m.list[1:], m.list[2:])
		m.list[len(m.list)-1] = nil
		m.list = m.list[:len(m.list)-1]
	}
	b.r += int32(n)
	if b.r == b.w && !b.multi() {
		b.r, b.w = 0, 0
	}
}

// reserve returns n writable bytes at the tail; the caller has checked that
// n <= room(). They become pending with commit.
func (b *sendBuf) reserve(n int) []byte {
	b.reserved = int32(n)
	if b.multi() {
		return b.tail(n)
	}
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
	if len(b.buf)-int(b.w) >= n {
		return b.buf[b.w : int(b.w)+n]
	}
	used := b.len()
	small := len(b.buf) < sendChunk
	switch {
	case len(b.buf)-used >= n && (small || int(b.r) >= used):
		// moving the live bytes to the front is cheap: the buffer is
		// small, or they are no more than what was sent since they came
		copy(b.buf, b.buf[b.r:b.w])
	case small:
		size := max(min(max(2*len(b.buf), sendInitial), int(b.limit), sendChunk), used+n)
		buf := getBuf(size)
		copy(buf, b.buf[b.r:b.w])
		putBuf(b.buf)
		b.buf = buf
	default:
		if b.more == nil {
			b.more = &sendChunks{list: make([][]byte, 1, 4)}
		}
		return b.tail(n)
	}
	b.r, b.w = 0, int32(used)
	return b.buf[b.w : int(b.w)+n]
}

// tail returns n bytes at the end of the last chunk, starting a new chunk
// when it has no room for them.
func (b *sendBuf) tail(n int) []byte {
	m := b.more
	t := m.list[len(m.list)-1]
	if len(m.list) == 1 || cap(t)-len(t) < n {
		t = getBuf(max(sendChunk, n))[:0]
		m.list = append(m.list, t)
	}
	return t[len(t) : len(t)+n]
}

func (b *sendBuf) commit(n int) {
	if n < 0 || n > int(b.reserved) {
		panic("netpoll: Commit of more bytes than reserved")
	}
	if b.multi() {
		m := b.more
		k := len(m.list) - 1
		m.list[k] = m.list[k][:len(m.list[k])+n]
		m.n += n
	} else {
		b.w += int32(n)
	}
	b.reserved = 0
}

func (b *sendBuf) append(p []byte) {
	copy(b.reserve(len(p)), p)
	b.commit(len(p))
}

// capacity is the memory the buffer holds.
func (b *sendBuf) capacity() int {
	n := cap(b.buf)
	if b.multi() {
		for _, c := range b.more.list[1:] {
			n += cap(c)
		}
	}
	return n
}

// release gives every chunk back to the pool and empties the buffer.
func (b *sendBuf) release() {
	putBuf(b.buf)
	if b.multi() {
		for _, c := range b.more.list[1:] {
			putBuf(c[:cap(c)])
		}
	}
	*b = sendBuf{limit: b.limit}
}

// trim gives the buffer back to the pool if it holds nothing.
func (b *recvBuf) trim() {
	if b.len() == 0 && b.buf != nil {
		putBuf(b.buf)
		b.buf, b.r, b.w = nil, 0, 0
	}
}

// trim gives the buffer back to the pool if nothing waits in it.
func (b *sendBuf) trim() {
	if b.len() == 0 && b.reserved == 0 && (b.buf != nil || b.more != nil) {
		b.release()
	}
}
