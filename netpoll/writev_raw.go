//go:build linux || freebsd

package netpoll

import (
	"math"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxIov caps the chunks handed to one writev (a sendmsg, for the reason
// sysWrite is a sendto); more chunks take more calls.
// The scratch array (1 KiB) lives in the Poller, shared by its streams, so
// a writev allocates nothing. 64 chunks carry a router's batch of 32
// forwarded frames, header and body each, in one call; IOV_MAX is 1024.
const maxIov = 64

type iovScratch struct {
	iov [maxIov]unix.Iovec
	msg unix.Msghdr
}

// writev writes the non-empty chunks of bufs, the first one starting at
// off, at most maxIov of them, with one system call. It returns how many
// bytes it offered and how many the socket took.
func (v *iovScratch) writev(fd FD, bufs [][]byte, off int) (tried, n int, err error) {
	cnt, tried := gatherChunks(bufs, off, len(v.iov), math.MaxInt, func(k int, b []byte) {
		v.iov[k].Base = &b[0]
		v.iov[k].SetLen(len(b))
	})
	if cnt == 0 {
		return 0, 0, nil
	}
	v.msg.Iov = &v.iov[0]
	v.msg.SetIovlen(cnt)
	// raw, as sysRead is; sendmsg, as sysWrite is sendto
	r, _, e := unix.RawSyscall(unix.SYS_SENDMSG, uintptr(fd), uintptr(unsafe.Pointer(&v.msg)), unix.MSG_NOSIGNAL)
	clear(v.iov[:cnt]) // let the chunks be collected
	v.msg.Iov = nil
	if e != 0 {
		return tried, 0, e
	}
	return tried, int(r), nil
}
