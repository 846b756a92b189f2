package netpoll

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
)

// maxAcceptRetries bounds the retries of one Accept after EINTR or a
// connection aborted before it was accepted.
const maxAcceptRetries = 8

// Listener is a non-blocking listening TCP socket. Like Stream it belongs to
// the goroutine that owns its Poller.
type Listener struct {
	fd     FD
	port   int
	p      *Poller
	closed bool
	// the last peer's address and its text, which streams from one
	// address share
	lastIP   netip.Addr
	lastText string
}

// Listen opens a non-blocking listening socket on the IPv4 or IPv6 literal
// ip (an IPv6 literal may carry a zone, "fe80::1%eth0") and port; port 0
// picks an ephemeral port, which Port reports. SO_REUSEADDR is set on Unix;
// on Windows it would let another socket steal the port, so it is not.
// Listening on "::" accepts IPv4 connections too where the OS allows it.
// Errors are *os.SyscallError values whose text is the OS error.
func Listen(ip string, port int) (*Listener, error) {
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("netpoll: invalid port %d", port)
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("netpoll: invalid listen address %q", ip)
	}
	if addr.Is4In6() {
		addr = addr.Unmap()
	}
	fd, err := newStreamSocket(addr.Is6())
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	l := &Listener{fd: fd}
	if err := l.setup(addr, port); err != nil {
		sysClose(fd)
		return nil, err
	}
	return l, nil
}

func (l *Listener) setup(addr netip.Addr, port int) error {
	if err := setReuseAddr(l.fd); err != nil {
		return os.NewSyscallError("setsockopt", err)
	}
	if addr.Is6() && addr.IsUnspecified() {
		setV6Only(l.fd, false) // best effort: dual stack where supported
	}
	if err := sysBind(l.fd, sockaddrOf(addr, port)); err != nil {
		return os.NewSyscallError("bind", err)
	}
	if err := sysListen(l.fd); err != nil {
		return os.NewSyscallError("listen", err)
	}
	bound, err := sysLocalPort(l.fd)
	if err != nil {
		return os.NewSyscallError("getsockname", err)
	}
	l.port = bound
	return nil
}

// Port returns the bound port (the ephemeral one when Listen got port 0).
func (l *Listener) Port() int { return l.port }

// FD returns the socket descriptor (invalid after Close).
func (l *Listener) FD() FD { return l.fd }

// Register adds the listener to p for Read interest, with user as its
// Event.User; Readable means Accept has something.
func (l *Listener) Register(p *Poller, user any) error {
	if l.closed {
		return ErrClosed
	}
	if err := p.Add(l.fd, Read, user); err != nil {
		return err
	}
	l.p = p
	return nil
}

// Accept returns the next pending connection as a connected, unregistered
// Stream with TCP_NODELAY set, and the peer's address as text (an
// IPv4-mapped IPv6 address as IPv4; the stream does not keep it), or
// ErrWouldBlock when there is none. Other
// errors (out of descriptors, ...) are *os.SyscallError values; the
// connection stays pending, so the listener stays Readable.
func (l *Listener) Accept() (*Stream, string, error) {
	if l.closed {
		return nil, "", ErrClosed
	}
	for range maxAcceptRetries {
		fd, ip, err := sysAccept(l.fd)
		if err != nil {
			if isInterrupted(err) || isConnAborted(err) {
				continue
			}
			if isWouldBlock(err) {
				return nil, "", ErrWouldBlock
			}
			return nil, "", os.NewSyscallError("accept", err)
		}
		// A failure here means the peer is already gone; the first read
		// will say so.
		setNoDelay(fd, true)
		return newStream(fd, stateConnected), l.ipText(ip.Unmap()), nil
	}
	return nil, "", ErrWouldBlock
}

// ipText is ip as text, shared with the previous connection's when they
// come from one address.
func (l *Listener) ipText(ip netip.Addr) string {
	if ip != l.lastIP || l.lastText == "" {
		l.lastIP, l.lastText = ip, ip.String()
	}
	return l.lastText
}

// Close deregisters and closes the listening socket. Closing twice is a
// no-op.
func (l *Listener) Close() error {
	if l.closed {
		return nil
	}
	l.closed = true
	if l.p != nil {
		l.p.Remove(l.fd)
		l.p = nil
	}
	err := sysClose(l.fd)
	l.fd = invalidFD
	if err != nil {
		return os.NewSyscallError("close", err)
	}
	return nil
}

// zoneID turns an IPv6 zone ("eth0" or "2") into an interface index; an
// unknown zone is 0, which the kernel rejects for link-local addresses.
func zoneID(zone string) uint32 {
	if zone == "" {
		return 0
	}
	if ifi, err := net.InterfaceByName(zone); err == nil {
		return uint32(ifi.Index)
	}
	n, _ := strconv.ParseUint(zone, 10, 32)
	return uint32(n)
}
