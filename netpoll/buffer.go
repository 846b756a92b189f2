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

type recvBuf struct {
	buf   []byte
	r, w  int
	limit int // the receive cache: most bytes ever buffered
}

func (b *recvBuf) buffered() []byte { return b.buf[b.r:b.w] }

func (b *recvBuf) len() int { return b.w - b.r }

func (b *recvBuf) free() int { return max(b.limit-b.len(), 0) }

func (b *recvBuf) consume(n int) {
	if n < 0 || n > b.len() {
		panic("netpoll: Consume beyond the buffered bytes")
	}
	b.r += n
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// space returns the slice the next read should fill: as many bytes as the
// limit still allows, made contiguous by rewinding, compacting or growing.
// It is empty only when limit bytes are already buffered.
func (b *recvBuf) space() []byte {
	used := b.len()
	if used == 0 {
		b.r, b.w = 0, 0
	}
	allowed := b.limit - used
	if allowed <= 0 {
		return nil
	}
	need := min(allowed, minReadSpace)
	if len(b.buf)-b.w < need {
		if b.r > 0 {
			copy(b.buf, b.buf[b.r:b.w])
			b.r, b.w = 0, used
		}
		if len(b.buf)-b.w < need {
			size := min(max(2*len(b.buf), used+need, recvInitial), b.limit)
			buf := getBuf(size)
			copy(buf, b.buf[:b.w])
			putBuf(b.buf)
			b.buf = buf
		}
	}
	return b.buf[b.w:min(len(b.buf), b.w+allowed)]
}

type sendBuf struct {
	buf      []byte
	r, w     int
	limit    int // the send cache: most bytes ever waiting
	reserved int // length of the slice handed out by reserve
}

func (b *sendBuf) pending() []byte { return b.buf[b.r:b.w] }

func (b *sendBuf) len() int { return b.w - b.r }

func (b *sendBuf) room() int { return max(b.limit-b.len(), 0) }

// drop forgets n bytes the socket has taken.
func (b *sendBuf) drop(n int) {
	b.r += n
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
}

// reserve returns n writable bytes at the tail; the caller has checked that
// n <= room(). They become pending with commit.
func (b *sendBuf) reserve(n int) []byte {
	if b.r == b.w {
		b.r, b.w = 0, 0
	}
	if len(b.buf)-b.w < n {
		used := b.len()
		if b.r > 0 {
			copy(b.buf, b.buf[b.r:b.w])
			b.r, b.w = 0, used
		}
		if len(b.buf)-b.w < n {
			size := max(min(max(2*len(b.buf), sendInitial), b.limit), used+n)
			buf := getBuf(size)
			copy(buf, b.buf[:b.w])
			putBuf(b.buf)
			b.buf = buf
		}
	}
	b.reserved = n
	return b.buf[b.w : b.w+n]
}

func (b *sendBuf) commit(n int) {
	if n < 0 || n > b.reserved {
		panic("netpoll: Commit of more bytes than reserved")
	}
	b.w += n
	b.reserved = 0
}

func (b *sendBuf) append(p []byte) {
	copy(b.reserve(len(p)), p)
	b.commit(len(p))
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
	if b.len() == 0 && b.reserved == 0 && b.buf != nil {
		putBuf(b.buf)
		b.buf, b.r, b.w = nil, 0, 0
	}
}
