package node

import (
	"errors"

	"github.com/luna-go/luna/netpoll"
)

// Listener is a listening socket. Port (the bound port, useful with port
// 0) and Token are read-only.
type Listener struct {
	node    *Node
	nl      *netpoll.Listener
	Token   uint32
	Port    int64
	dead    bool
	pending int // accepted connections still in the handshake
	limit   int // most of them at once; 0 = handshakeLimit
}

// acceptReady accepts pending connections and hands each to Accepted. A
// connection over the node's cap, or one the handler refuses, is closed
// at once.
func (l *Listener) acceptReady() {
	n := l.node
	for i := 0; i < acceptBatch && !l.dead; i++ {
		ns, ip, err := l.nl.Accept()
		if errors.Is(err, netpoll.ErrWouldBlock) {
			return
		}
		if err != nil {
			n.drops.logf("accept on port %d: %v", l.Port, err)
			return
		}
		if n.keys != nil {
			l.admit(ns, ip)
			continue
		}
		if n.open >= n.maxConn {
			n.count.refused++
			n.refused(ip)
			ns.Close()
			continue
		}
		s := n.newStream(ip)
		s.attach(ns)
		if s.Dead() {
			continue
		}
		n.count.accepted++
		if !n.h.Accepted(l, s) {
			s.shut()
		}
	}
}

// admit starts the handshake on a connection a keyed node accepted. Until
// it completes, the connection counts against the listener's handshake
// limit, not against the node's cap, and the handler knows nothing of
// it; at the limit it is closed at once.
func (l *Listener) admit(ns *netpoll.Stream, ip string) {
	n := l.node
	if l.pending >= l.HandshakeLimit() {
		n.auth.note(errAuthAdmitCap, ip)
		ns.Close()
		return
	}
	s := n.newUncounted(ip)
	s.admitter = l
	l.pending++
	s.attach(ns)
	if !s.Dead() {
		s.startHandshake(false)
	}
}

// accepted hands a stream that finished its handshake to the handler, as
// a fresh accept would be: over the node's cap, or refused, it is closed.
func (l *Listener) accepted(s *Stream) {
	n := l.node
	switch {
	case l.dead:
		s.shut()
	case n.open >= n.maxConn:
		n.count.refused++
		n.refused(s.IP)
		s.shut()
	default:
		s.admitter = nil
		l.pending--
		n.open++
		n.count.accepted++
		if !n.h.Accepted(l, s) {
			s.shut()
		}
	}
}

// HandshakeLimit is how many accepted connections may be in the
// handshake at once.
func (l *Listener) HandshakeLimit() int {
	if l.limit <= 0 {
		return handshakeLimit
	}
	return l.limit
}

// SetHandshakeLimit sets HandshakeLimit (n <= 0: the default, 64).
func (l *Listener) SetHandshakeLimit(n int) { l.limit = n }

// refused logs a connection from ip closed because the node is at its cap.
func (n *Node) refused(ip string) {
	n.drops.logf("connection from %s refused: %s (%d listeners and streams, create_socket_mgr(%d))",
		ip, ErrTooManyConnections, n.open, n.maxConn)
}

// Close closes the listening socket and frees its place.
func (l *Listener) Close() {
	if l.dead {
		return
	}
	l.dead = true
	l.nl.Close()
	delete(l.node.listeners, l)
	l.node.open--
}
