//go:build linux || freebsd

package netpoll

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newStreamSocket returns a non-blocking, close-on-exec TCP socket.
func newStreamSocket(v6 bool) (FD, error) {
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
}

// sysRead and sysWrite are raw system calls, ones the Go scheduler does
// not see: on a non-blocking socket they return at once, and entering them
// as ordinary calls cost each frame of a busy loop the scheduler's
// bookkeeping and the runtime monitor's attention (it keeps waking to look
// at a P that is always in a system call). See epollWait for the same with
// a bound. They are the socket calls, recvfrom and sendto, not read and
// write: those go through the file layer first (vfs_write, the position
// lock, fsnotify), 2–3% of a fan-in client's CPU. MSG_NOSIGNAL: a peer
// that left is an error here, never a signal.
func sysRead(fd FD, p []byte) (int, error) {
	return rawRW(unix.SYS_RECVFROM, fd, p, 0)
}

func sysWrite(fd FD, p []byte) (int, error) {
	return rawRW(unix.SYS_SENDTO, fd, p, unix.MSG_NOSIGNAL)
}

func rawRW(trap uintptr, fd FD, p []byte, flags uintptr) (int, error) {
	var b unsafe.Pointer
	if len(p) > 0 {
		b = unsafe.Pointer(&p[0])
	}
	r, _, e := unix.RawSyscall6(trap, uintptr(fd), uintptr(b), uintptr(len(p)), flags, 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(r), nil
}

// sysAccept returns a non-blocking, close-on-exec connection and the
// peer's address. It calls accept4 itself, with the address on the stack:
// unix.Accept4 allocates it and a Sockaddr for every connection.
func sysAccept(fd FD) (FD, netip.Addr, error) {
	var rsa unix.RawSockaddrAny
	n := uint32(unix.SizeofSockaddrAny)
	r, _, e := unix.Syscall6(unix.SYS_ACCEPT4, uintptr(fd), uintptr(unsafe.Pointer(&rsa)),
		uintptr(unsafe.Pointer(&n)), unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0, 0)
	if e != 0 {
		return invalidFD, netip.Addr{}, e
	}
	switch rsa.Addr.Family {
	case unix.AF_INET:
		return FD(r), netip.AddrFrom4((*unix.RawSockaddrInet4)(unsafe.Pointer(&rsa)).Addr), nil
	case unix.AF_INET6:
		return FD(r), netip.AddrFrom16((*unix.RawSockaddrInet6)(unsafe.Pointer(&rsa)).Addr), nil
	}
	return FD(r), netip.Addr{}, nil
}
