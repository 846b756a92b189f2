package luna

import (
	"net/netip"
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind/archive"
	"github.com/luna-go/luna/luna/router"
	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

const (
	eventBatch  = 256
	acceptBatch = 64 // accepts per readiness event, so one listener cannot starve the rest
	// streamNativeBytes is what a new stream counts as for Lua's collector
	// (noteNative): its buffers' limits, what it may hold once busy.
	streamNativeBytes = wire.DefaultCache * 2
)

// socketMgr is what create_socket_mgr returns: a poller, the listeners and
// streams opened through it, and a route table. All of it belongs to the
// Lua thread; callbacks run only inside wait.
type socketMgr struct {
	rt         *Runtime
	h          loopHandler // the Lua face (luaFace)
	poller     *netpoll.Poller
	maxConn    int
	open       int // listeners + streams that count against maxConn
	nextToken  uint32
	streams    map[uint32]*socketStream
	listeners  map[*socketListener]struct{}
	routes     *router.Table
	events     []netpoll.Event
	dirty      []*socketStream            // streams with output to flush at the end of a batch
	timed      map[*socketStream]struct{} // streams with a deadline: set_timeout or a partial frame
	frameLimit time.Duration              // how long a started frame may take to complete
	resolver   *resolver
	inWait     bool
	busy       bool // the last poll returned events: spin before blocking
	closed     bool
	stopWaking func()
	targets    []uint32                    // broadcast scratch
	fwdTargets []*socketStream             // streams with a forward batch (deliver)
	callHdr    [wire.MaxCallHeaderLen]byte // header scratch of deliver
	sendHdr    [wire.MaxHeaderLen]byte     // header scratch of sendArchive
	batch      batchResult                 // result of luna_dispatch_calls
	failed     []failure                   // streams that died, waiting for their on_error
	out        outbox                      // where stream.call encodes, in C
	drops      dropLog
}

// failure is a stream's on_error(reason), delivered between callbacks.
type failure struct {
	s      *socketStream
	reason string
}

// createSocketMgr is luna.create_socket_mgr(max_conn, ...) -> manager, or
// nil when max_conn <= 0 (extra arguments are ignored, as in the
// reference).
func (rt *Runtime) createSocketMgr(L *lua.State) int {
	maxConn := L.ToInteger(1)
	if maxConn <= 0 {
		L.PushNil()
		return 1
	}
	p, err := netpoll.Open()
	if err != nil {
		return pushFail(L, err.Error())
	}
	m := &socketMgr{
		rt:         rt,
		poller:     p,
		maxConn:    int(min(int64(maxConn), 1<<30)),
		streams:    map[uint32]*socketStream{},
		listeners:  map[*socketListener]struct{}{},
		routes:     router.New(uint64(time.Now().UnixNano())),
		events:     make([]netpoll.Event, eventBatch),
		timed:      map[*socketStream]struct{}{},
		frameLimit: rt.frameTimeout,
	}
	m.h = luaFace{m}
	m.resolver = newResolver(func() { p.Wake() })
	m.stopWaking = rt.signal.addWaker(func() { p.Wake() })
	rt.managers[m] = struct{}{}
	rt.classes.mgr.Push(m)
	if err := m.attachOutbox(L, -1); err != nil {
		m.release()
		return pushFail(L, err.Error())
	}
	return 1
}

// release closes everything the manager owns; it runs when the manager's
// table is collected or the state closes.
func (m *socketMgr) release() {
	if m.closed {
		return
	}
	m.closed = true
	delete(m.rt.managers, m)
	m.stopWaking()
	for _, s := range m.streams {
		s.shut()
	}
	for l := range m.listeners {
		l.shut()
	}
	m.out.close()
	m.poller.Close()
}

func (m *socketMgr) token() uint32 {
	m.nextToken++
	if m.nextToken == 0 {
		m.nextToken = 1
	}
	return m.nextToken
}

// listen is mgr.listen(ip, port) -> listener, "OK" | nil, err.
func (m *socketMgr) listen(L *lua.State) int {
	port, okPort := toIntegerx(L, 2)
	if L.Type(1) != lua.LUA_TSTRING || !okPort || port < 0 || port > 65535 || m.closed {
		return pushFail(L, errInvalidParam)
	}
	if m.open >= m.maxConn {
		return pushFail(L, errTooManyConnect)
	}
	nl, err := netpoll.Listen(L.ToString(1), int(port))
	if err != nil {
		return pushFail(L, osErrorText(err))
	}
	l := &socketListener{mgr: m, nl: nl, Token: m.token(), Port: int64(nl.Port())}
	if err := nl.Register(m.poller, l); err != nil {
		nl.Close()
		return pushFail(L, osErrorText(err))
	}
	m.open++
	m.listeners[l] = struct{}{}
	m.rt.classes.listener.Push(l)
	L.PushString(resultOK)
	return 2
}

// connect is mgr.connect(host, port) -> stream, "OK" | nil, err. It never
// blocks: an IP literal is dialled at once (non-blocking), a name is
// resolved off the Lua thread; the outcome is on_connected or on_error.
func (m *socketMgr) connect(L *lua.State) int {
	if !isStringish(L, 1) || !isStringish(L, 2) || m.closed {
		return pushFail(L, errInvalidParam)
	}
	host := L.ToString(1)
	port, okPort := toIntegerx(L, 2)
	if !okPort || port < 0 || port > 65535 {
		return pushFail(L, errInvalidParam)
	}
	if m.open >= m.maxConn {
		return pushFail(L, errTooManyConnect)
	}
	s := m.newStream(host)
	if addr, err := netip.ParseAddr(host); err == nil {
		s.dial(addr, int(port))
	} else {
		s.resolving = true
		m.resolver.lookup(s.Token, host, int(port))
	}
	m.pushStream(L, s)
	L.PushString(resultOK)
	return 2
}

// pushStream pushes a new stream's table, with stream.call installed as
// the C closure that encodes into the outbox. [-0, +1, m]
func (m *socketMgr) pushStream(L *lua.State, s *socketStream) {
	m.rt.classes.stream.Push(s)
	m.rt.classes.mgr.Push(m)
	m.installCall(L, -1, -2, s)
	L.Pop(1)
	m.rt.noteNative(L, streamNativeBytes)
}

// newStream counts a stream against the cap and gives it a token.
func (m *socketMgr) newStream(ip string) *socketStream {
	s := &socketStream{
		mgr:       m,
		IP:        ip,
		Token:     m.token(),
		sendCache: wire.DefaultCache,
		recvCache: wire.DefaultCache,
		timeout:   -1,
		slot:      -1,
	}
	m.open++
	m.streams[s.Token] = s
	return s
}

// route is mgr.route(service_id, token): token nil removes the entry.
func (m *socketMgr) route(L *lua.State) int {
	id := uint32(L.ToInteger(1))
	if L.IsNoneOrNil(2) {
		m.routes.Remove(id)
		return 0
	}
	m.routes.Set(id, uint32(L.ToInteger(2)))
	return 0
}

// master is mgr.master(group, token); 0 clears.
func (m *socketMgr) master(group, token int64) {
	m.routes.SetMaster(uint8(group), uint32(token))
}

// setPackageSize is mgr.set_package_size(n): the largest archive call can
// build.
func (m *socketMgr) setPackageSize(n int64) {
	if n <= 0 || n > 1<<30 {
		return
	}
	m.out.resize(int(n)) // out of memory: the old size stays
}

// setCompressSize is mgr.set_compress_size(n): accepted and ignored; the
// reference never compressed and the wire has no compressed frame.
func (m *socketMgr) setCompressSize(int64) {}

// encode serializes the Lua values from index first to the top into the
// outbox's archive scratch (package-size bytes), which stream.call's C code
// uses the same way; the two never run at once.
func (m *socketMgr) encode(L *lua.State, first int) ([]byte, error) {
	buf := m.out.scratch()
	n, err := archive.Encode(L, first, buf)
	if err != nil {
		return nil, err
	}
	return buf[:n], nil
}

// pushFail pushes nil, msg. [-0, +2, m]
func pushFail(L *lua.State, msg string) int {
	L.PushNil()
	L.PushString(msg)
	return 2
}

// isStringish reports whether the value at idx is a string or a number
// (numbers are accepted as strings, as lua_tostring converts them).
func isStringish(L *lua.State, idx int) bool {
	t := L.Type(idx)
	return t == lua.LUA_TSTRING || t == lua.LUA_TNUMBER
}
