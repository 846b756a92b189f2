package luna

import "github.com/luna-go/luna/luna/node"

// A socket manager is its node's Handler: the node's events become
// callbacks on the shadow tables of its objects.

// Calls runs on_call (or on_recv) for a run of received calls, in C
// (dispatch.go).
func (m *socketMgr) Calls(s *node.Stream, buf []byte) (int, node.CallStop, string) {
	return m.receiveCalls(s, buf)
}

// Accepted gives the new stream its table and runs on_accept.
func (m *socketMgr) Accepted(l *node.Listener, s *node.Stream) bool {
	m.adopt(m.rt.cb.Thread(), s)
	return m.rt.callObject(l, "on_accept", s)
}

// Connected runs on_connected.
func (m *socketMgr) Connected(s *node.Stream) { m.rt.callObject(s, "on_connected") }

// Failed runs on_error(reason).
func (m *socketMgr) Failed(s *node.Stream, reason string) { m.rt.callObject(s, "on_error", reason) }

// Closed marks the stream's outbox slot dead: stream.call on it now
// returns nil, "stream closed" without encoding.
func (m *socketMgr) Closed(s *node.Stream) {
	if slot, ok := m.slotOf[s]; ok {
		m.out.setDead(slot, true)
	}
}

// BeforeFlush moves the calls in the outbox into their streams; a flush
// follows, so each stream's last call is written at once.
func (m *socketMgr) BeforeFlush() { m.drain(true) }

// AfterWait is a safe point (on_quit_signal), and pays some of the native
// memory debt (gc.go).
func (m *socketMgr) AfterWait() {
	rt := m.rt
	rt.safePoint()
	rt.errlog.flush(false)
	rt.payNative()
	rt.adminTurn()
	rt.runPosted()
	if rt.rpcTick {
		if err := rt.cb.CallField("luna", "_rpc_tick", nil); err != nil {
			rt.reportError("luna.rpc", 0, err)
		}
	}
}
