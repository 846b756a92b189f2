//go:build windows

package netpoll

import "golang.org/x/sys/windows"

// maxIov caps the chunks handed to one WSASend; more chunks take more calls.
// The scratch array lives in the Stream, so a send allocates nothing.
const maxIov = 16

type iovScratch [maxIov]windows.WSABuf

// writev writes the non-empty chunks of bufs, the first one starting at
// off, at most maxIov of them, with one WSASend. It returns how many bytes
// it offered and how many the socket took.
func (v *iovScratch) writev(fd FD, bufs [][]byte, off int) (tried, n int, err error) {
	cnt, tried := gatherChunks(bufs, off, len(v), maxWSABuf, func(k int, b []byte) {
		v[k] = windows.WSABuf{Len: uint32(len(b)), Buf: &b[0]}
	})
	if cnt == 0 {
		return 0, 0, nil
	}
	var sent uint32
	err = windows.WSASend(fd, &v[0], uint32(cnt), &sent, 0, nil, nil)
	clear(v[:cnt]) // let the chunks be collected
	if err != nil {
		return tried, 0, err
	}
	return tried, int(sent), nil
}
