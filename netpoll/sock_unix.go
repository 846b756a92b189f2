//go:build linux || darwin || freebsd

package netpoll

import (
	"errors"
	"net/netip"

	"golang.org/x/sys/unix"
)

// FD is an OS socket descriptor: an int on Unix, a Handle on Windows.
type FD = int

const invalidFD FD = -1

type sockaddr = unix.Sockaddr

// listenBacklog is truncated by the kernel to net.core.somaxconn
// (kern.ipc.somaxconn on the BSDs).
const listenBacklog = 4096

func sockaddrOf(addr netip.Addr, port int) sockaddr {
	if addr.Is4() {
		return &unix.SockaddrInet4{Port: port, Addr: addr.As4()}
	}
	return &unix.SockaddrInet6{Port: port, Addr: addr.As16(), ZoneId: zoneID(addr.Zone())}
}

func addrOf(sa sockaddr) (netip.Addr, int) {
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrFrom4(sa.Addr), sa.Port
	case *unix.SockaddrInet6:
		return netip.AddrFrom16(sa.Addr), sa.Port
	}
	return netip.Addr{}, 0
}

func sysBind(fd FD, sa sockaddr) error { return unix.Bind(fd, sa) }

func sysListen(fd FD) error { return unix.Listen(fd, listenBacklog) }

func sysConnect(fd FD, sa sockaddr) error { return unix.Connect(fd, sa) }

func sysClose(fd FD) error { return unix.Close(fd) }

func sysLocalPort(fd FD) (int, error) {
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	_, port := addrOf(sa)
	return port, nil
}

// sysSockError returns the error pending on fd (SO_ERROR), nil if none.
func sysSockError(fd FD) error {
	v, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if v != 0 {
		return unix.Errno(v)
	}
	return nil
}

// sysConnected reports whether fd has a peer; ENOTCONN means a connect is
// still in progress.
func sysConnected(fd FD) (bool, error) {
	_, err := unix.Getpeername(fd)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, unix.ENOTCONN) {
		return false, nil
	}
	return false, err
}

func setNoDelay(fd FD, on bool) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, boolInt(on))
}

func setReuseAddr(fd FD) error {
	return unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
}

func setV6Only(fd FD, on bool) error {
	return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, boolInt(on))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isWouldBlock(err error) bool { return err == unix.EAGAIN || err == unix.EWOULDBLOCK }

func isInterrupted(err error) bool { return err == unix.EINTR }

func isInProgress(err error) bool {
	return err == unix.EINPROGRESS || err == unix.EALREADY || err == unix.EINTR
}

func isConnAborted(err error) bool { return err == unix.ECONNABORTED }

func isConnLost(err error) bool {
	switch err {
	case unix.ECONNRESET, unix.EPIPE, unix.ECONNABORTED, unix.ETIMEDOUT, unix.ENOTCONN:
		return true
	}
	return false
}
