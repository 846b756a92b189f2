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
