package netpoll

// gatherChunks walks the non-empty chunks of bufs, the first one starting
// at off, and hands at most max of them to put (with their index among the
// chunks handed so far), each cut to at most limit bytes; a cut chunk is
// the last one, its rest going first in the next call. It returns how many
// chunks it handed over and their total length. This is the part of writev
// every system shares; each OS file stores the chunks in its own iovec
// type and makes its own system call.
func gatherChunks(bufs [][]byte, off, max, limit int, put func(k int, b []byte)) (cnt, tried int) {
	for i, b := range bufs {
		if i == 0 {
			b = b[off:]
		}
		if len(b) == 0 {
			continue
		}
		if cnt == max {
			break
		}
		cut := len(b) > limit
		if cut {
			b = b[:limit]
		}
		put(cnt, b)
		cnt++
		tried += len(b)
		if cut {
			break
		}
	}
	return cnt, tried
}
