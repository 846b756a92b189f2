package node

import (
	"errors"

	"github.com/luna-go/luna/netpoll"
)

// Listener is a listening socket. Port (the bound port, useful with port
// 0) and Token are read-only.
type Listener struct {
	node  *Node
	nl    *netpoll.Listener
	Token uint32
	Port  int64
	dead  bool
}

// acceptReady accepts pending connections and hands each to Accepted. A
// connection over the node's cap, or one the handler refuses, is closed
// at once.
func (l *Listener) acceptReady() {
	n := l.node
	for i := 0; i < acceptBatch && !l.dead; i++ {
		ns, err := l.nl.Accept()
		if errors.Is(err, netpoll.ErrWouldBlock) {
			return
		}
		if err != nil {
			n.drops.logf("accept on port %d: %v", l.Port, err)
			return
		}
		if n.open >= n.maxConn {
			n.drops.logf("connection from %s refused: %s (%d listeners and streams, create_socket_mgr(%d))",
				ns.RemoteIP(), ErrTooManyConnections, n.open, n.maxConn)
			ns.Close()
			continue
		}
		s := n.newStream(ns.RemoteIP())
		s.attach(ns)
		if s.Dead() {
			continue
		}
		if !n.h.Accepted(l, s) {
			s.shut()
		}
	}
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
