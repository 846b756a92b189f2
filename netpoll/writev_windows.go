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
	cnt := 0
	for i, b := range bufs {
		if i == 0 {
			b = b[off:]
		}
		if len(b) == 0 {
			continue
		}
		if cnt == len(v) {
			break
		}
		cut := len(b) > maxWSABuf
		if cut {
			b = b[:maxWSABuf]
		}
		v[cnt] = windows.WSABuf{Len: uint32(len(b)), Buf: &b[0]}
		cnt++
		tried += len(b)
		if cut {
			break // the rest of this chunk goes first in the next call
		}
	}
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
