//go:build linux || freebsd

package netpoll

import "golang.org/x/sys/unix"

// newStreamSocket returns a non-blocking, close-on-exec TCP socket.
func newStreamSocket(v6 bool) (FD, error) {
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	return unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
}

// sysAccept returns a non-blocking, close-on-exec connection.
func sysAccept(fd FD) (FD, sockaddr, error) {
	return unix.Accept4(fd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
}
