package luna

import (
	"errors"

	"github.com/luna-go/luna/netpoll"
)

// socketListener is what mgr.listen returns. Port (the bound port, useful
// with port 0) and Token are read-only fields.
type socketListener struct {
	mgr   *socketMgr
	nl    *netpoll.Listener
	Token uint32
	Port  int64
	dead  bool
}

// acceptReady accepts pending connections and hands each to on_accept. A
// connection over the manager's cap, or one that arrives while the
// listener has no on_accept, is closed at once.
func (l *socketListener) acceptReady() {
	m := l.mgr
	for i := 0; i < acceptBatch && !l.dead; i++ {
		ns, err := l.nl.Accept()
		if errors.Is(err, netpoll.ErrWouldBlock) {
			return
		}
		if err != nil {
			m.drops.logf("accept on port %d: %v", l.Port, err)
			return
		}
		if m.open >= m.maxConn {
			m.drops.logf("connection from %s refused: %s (%d listeners and streams, create_socket_mgr(%d))",
				ns.RemoteIP(), errTooManyConnect, m.open, m.maxConn)
			ns.Close()
			continue
		}
		s := m.newStream(ns.RemoteIP())
		s.attach(ns)
		if s.dead() {
			continue
		}
		if !m.h.accepted(l, s) {
			s.shut()
		}
	}
}

// shut closes the listening socket and frees its place.
func (l *socketListener) shut() {
	if l.dead {
		return
	}
	l.dead = true
	l.nl.Close()
	delete(l.mgr.listeners, l)
	l.mgr.open--
}

// close is listener.close().
func (l *socketListener) close() { l.shut() }
