//go:build darwin

package netpoll

import (
	"net/netip"
	"syscall"

	"golang.org/x/sys/unix"
)

// Darwin has neither SOCK_NONBLOCK/SOCK_CLOEXEC nor accept4: the flags are
// set afterwards, holding syscall.ForkLock so that a concurrent fork+exec
// cannot inherit the descriptor in between.

// newStreamSocket returns a non-blocking, close-on-exec TCP socket.
func newStreamSocket(v6 bool) (FD, error) {
	family := unix.AF_INET
	if v6 {
		family = unix.AF_INET6
	}
	syscall.ForkLock.RLock()
	fd, err := unix.Socket(family, unix.SOCK_STREAM, unix.IPPROTO_TCP)
	if err == nil {
		unix.CloseOnExec(fd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return invalidFD, err
	}
	if err := prepareSocket(fd); err != nil {
		unix.Close(fd)
		return invalidFD, err
	}
	return fd, nil
}

// sysAccept returns a non-blocking, close-on-exec connection.
func sysAccept(fd FD) (FD, netip.Addr, error) {
	syscall.ForkLock.RLock()
	nfd, sa, err := unix.Accept(fd)
	if err == nil {
		unix.CloseOnExec(nfd)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return invalidFD, netip.Addr{}, err
	}
	if err := prepareSocket(nfd); err != nil {
		unix.Close(nfd)
		return invalidFD, netip.Addr{}, err
	}
	ip, _ := addrOf(sa)
	return nfd, ip, nil
}

func sysRead(fd FD, p []byte) (int, error) { return unix.Read(fd, p) }

func sysWrite(fd FD, p []byte) (int, error) { return unix.Write(fd, p) }

// prepareSocket makes fd non-blocking and stops writes to a closed peer
// from raising SIGPIPE (the Go runtime ignores it too, but a host program
// embedding this one might not).
func prepareSocket(fd FD) error {
	if err := unix.SetNonblock(fd, true); err != nil {
		return err
	}
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_NOSIGPIPE, 1)
}
