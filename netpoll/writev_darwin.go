//go:build darwin

package netpoll

import (
	"math"

	"golang.org/x/sys/unix"
)

// maxIov caps the chunks handed to one writev. Darwin system calls go
// through libSystem, so this uses unix.Writev, which builds its iovec array
// on the stack for up to 8 chunks.
const maxIov = 8

type iovScratch [maxIov][]byte

// writev writes the non-empty chunks of bufs, the first one starting at
// off, at most maxIov of them, with one system call. It returns how many
// bytes it offered and how many the socket took.
func (v *iovScratch) writev(fd FD, bufs [][]byte, off int) (tried, n int, err error) {
	cnt, tried := gatherChunks(bufs, off, len(v), math.MaxInt, func(k int, b []byte) {
		v[k] = b
	})
	if cnt == 0 {
		return 0, 0, nil
	}
	n, err = unix.Writev(fd, v[:cnt])
	clear(v[:cnt]) // let the chunks be collected
	if err != nil {
		return tried, 0, err
	}
	return tried, n, nil
}
