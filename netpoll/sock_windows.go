//go:build windows

package netpoll

import (
	"net/netip"
	"sync"
	"unsafe"

	"golang.org/x/sys/windows"
)

// FD is an OS socket descriptor: an int on Unix, a Handle on Windows.
type FD = windows.Handle

const invalidFD FD = windows.InvalidHandle

type sockaddr = windows.Sockaddr

// listenBacklog lets Winsock pick a reasonable maximum.
const listenBacklog = windows.SOMAXCONN

const (
	soError   = 0x1007     // SO_ERROR
	fionbio   = 0x8004667e // FIONBIO
	maxWSABuf = 1 << 30    // a WSABUF length is 32 bits
)

// Functions x/sys/windows does not wrap (its Accept is a stub).
var (
	modws2_32       = windows.NewLazySystemDLL("ws2_32.dll")
	procAccept      = modws2_32.NewProc("accept")
	procIoctlsocket = modws2_32.NewProc("ioctlsocket")
)

var (
	wsaOnce sync.Once
	wsaErr  error
)

// startup initialises Winsock once (the os package usually has already; the
// calls are counted, so a second one is harmless).
func startup() error {
	wsaOnce.Do(func() {
		var d windows.WSAData
		wsaErr = windows.WSAStartup(0x202, &d)
	})
	return wsaErr
}

func sockaddrOf(addr netip.Addr, port int) sockaddr {
	if addr.Is4() {
		return &windows.SockaddrInet4{Port: port, Addr: addr.As4()}
	}
	return &windows.SockaddrInet6{Port: port, Addr: addr.As16(), ZoneId: zoneID(addr.Zone())}
}

func addrOf(sa sockaddr) (netip.Addr, int) {
	switch sa := sa.(type) {
	case *windows.SockaddrInet4:
		return netip.AddrFrom4(sa.Addr), sa.Port
	case *windows.SockaddrInet6:
		return netip.AddrFrom16(sa.Addr), sa.Port
	}
	return netip.Addr{}, 0
}

// newStreamSocket returns a non-blocking, non-inheritable TCP socket.
func newStreamSocket(v6 bool) (FD, error) {
	if err := startup(); err != nil {
		return invalidFD, err
	}
	family := int32(windows.AF_INET)
	if v6 {
		family = windows.AF_INET6
	}
	fd, err := windows.WSASocket(family, windows.SOCK_STREAM, windows.IPPROTO_TCP, nil, 0,
		windows.WSA_FLAG_OVERLAPPED|windows.WSA_FLAG_NO_HANDLE_INHERIT)
	if err != nil {
		return invalidFD, err
	}
	if err := setNonblock(fd); err != nil {
		windows.Closesocket(fd)
		return invalidFD, err
	}
	return fd, nil
}

func setNonblock(fd FD) error {
	arg := uint32(1)
	r, _, err := procIoctlsocket.Call(uintptr(fd), fionbio, uintptr(unsafe.Pointer(&arg)))
	if r != 0 {
		return err
	}
	return nil
}

// sysAccept returns a non-blocking connection.
func sysAccept(fd FD) (FD, netip.Addr, error) {
	var rsa windows.RawSockaddrAny
	size := int32(unsafe.Sizeof(rsa))
	r, _, err := procAccept.Call(uintptr(fd), uintptr(unsafe.Pointer(&rsa)), uintptr(unsafe.Pointer(&size)))
	nfd := FD(r)
	if nfd == windows.InvalidHandle {
		return invalidFD, netip.Addr{}, err
	}
	if err := setNonblock(nfd); err != nil {
		windows.Closesocket(nfd)
		return invalidFD, netip.Addr{}, err
	}
	switch rsa.Addr.Family {
	case windows.AF_INET:
		return nfd, netip.AddrFrom4((*windows.RawSockaddrInet4)(unsafe.Pointer(&rsa)).Addr), nil
	case windows.AF_INET6:
		return nfd, netip.AddrFrom16((*windows.RawSockaddrInet6)(unsafe.Pointer(&rsa)).Addr), nil
	}
	return nfd, netip.Addr{}, nil // the address is only informative
}

func sysBind(fd FD, sa sockaddr) error { return windows.Bind(fd, sa) }

func sysListen(fd FD) error { return windows.Listen(fd, listenBacklog) }

func sysConnect(fd FD, sa sockaddr) error { return windows.Connect(fd, sa) }

func sysClose(fd FD) error { return windows.Closesocket(fd) }

func sysRead(fd FD, p []byte) (int, error) {
	if len(p) > maxWSABuf {
		p = p[:maxWSABuf]
	}
	var b windows.WSABuf
	b.Len = uint32(len(p))
	if len(p) > 0 {
		b.Buf = &p[0]
	}
	var n, flags uint32
	if err := windows.WSARecv(fd, &b, 1, &n, &flags, nil, nil); err != nil {
		return 0, err
	}
	return int(n), nil
}

func sysWrite(fd FD, p []byte) (int, error) {
	if len(p) > maxWSABuf {
		p = p[:maxWSABuf]
	}
	var b windows.WSABuf
	b.Len = uint32(len(p))
	if len(p) > 0 {
		b.Buf = &p[0]
	}
	var n uint32
	if err := windows.WSASend(fd, &b, 1, &n, 0, nil, nil); err != nil {
		return 0, err
	}
	return int(n), nil
}

func sysLocalPort(fd FD) (int, error) {
	sa, err := windows.Getsockname(fd)
	if err != nil {
		return 0, err
	}
	_, port := addrOf(sa)
	return port, nil
}

// sysSockError returns the error pending on fd (SO_ERROR), nil if none.
func sysSockError(fd FD) error {
	v, err := windows.GetsockoptInt(fd, windows.SOL_SOCKET, soError)
	if err != nil {
		return err
	}
	if v != 0 {
		return windows.Errno(v)
	}
	return nil
}

// sysConnected reports whether fd has a peer; WSAENOTCONN means a connect
// is still in progress.
func sysConnected(fd FD) (bool, error) {
	_, err := windows.Getpeername(fd)
	if err == nil {
		return true, nil
	}
	if err == windows.WSAENOTCONN {
		return false, nil
	}
	return false, err
}

func setNoDelay(fd FD, on bool) error {
	return windows.SetsockoptInt(fd, windows.IPPROTO_TCP, windows.TCP_NODELAY, boolInt(on))
}

// setReuseAddr does nothing: Windows' SO_REUSEADDR lets another socket bind
// the same port and take its connections, which is not what Unix means.
func setReuseAddr(FD) error { return nil }

func setV6Only(fd FD, on bool) error {
	return windows.SetsockoptInt(fd, windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, boolInt(on))
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func isWouldBlock(err error) bool { return err == windows.WSAEWOULDBLOCK }

func isInterrupted(err error) bool { return err == windows.WSAEINTR }

func isInProgress(err error) bool {
	return err == windows.WSAEWOULDBLOCK || err == windows.WSAEINPROGRESS ||
		err == windows.WSAEALREADY || err == windows.WSAEINTR
}

func isConnAborted(err error) bool { return err == windows.WSAECONNABORTED }

func isConnLost(err error) bool {
	switch err {
	case windows.WSAECONNRESET, windows.WSAECONNABORTED, windows.WSAESHUTDOWN,
		windows.WSAENETRESET, windows.WSAETIMEDOUT, windows.WSAENOTCONN:
		return true
	}
	return false
}
