package luna

// luaFace is the Lua face of one socket manager: the loopHandler that
// turns the loop's events into callbacks on shadow tables.
type luaFace struct{ m *socketMgr }

func (f luaFace) calls(s *socketStream, buf []byte) (int, callStop, string) {
	return s.receiveCalls(buf)
}

func (f luaFace) accepted(l *socketListener, s *socketStream) bool {
	rt := f.m.rt
	L := rt.cb.Thread()
	f.m.pushStream(L, s)
	L.Pop(1)
	return rt.callObject(l, "on_accept", s)
}

func (f luaFace) connected(s *socketStream) { f.m.rt.callObject(s, "on_connected") }

func (f luaFace) failed(s *socketStream, reason string) { f.m.rt.callObject(s, "on_error", reason) }

func (f luaFace) closed(s *socketStream) { f.m.out.setDead(s.slot, true) }

func (f luaFace) beforeFlush() { f.m.drain() }

func (f luaFace) afterWait() {
	rt := f.m.rt
	rt.safePoint()
	rt.errlog.flush(false)
	rt.payNative()
}
