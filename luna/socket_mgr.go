package luna

import (
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind/archive"
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/router"
	"github.com/luna-go/luna/luna/wire"
)

// streamNativeBytes is what a new stream counts as for Lua's collector
// (noteNative): its buffers' limits, what it may hold once busy.
const streamNativeBytes = wire.DefaultCache * 2

// socketMgr is what create_socket_mgr returns: the Lua face of one node
// (its listeners and streams) and of its route table. It is the node's
// Handler (face.go). All of it belongs to the Lua thread; callbacks run
// only inside wait.
type socketMgr struct {
	rt         *Runtime
	id         int // the order of creation, from 1 (the admin console's "manager")
	node       *node.Node
	routes     *router.Table
	fwd        *router.Forwarder
	slotOf     map[*node.Stream]int    // a stream's outbox slot (outbox.go)
	sendHdr    [wire.MaxHeaderLen]byte // header scratch of sendArchive
	batch      batchResult             // result of luna_dispatch_calls
	out        outbox                  // where stream.call encodes, in C
	stopWaking func()
	closed     bool
}

// mgrOf is the manager of a stream.
func mgrOf(s *node.Stream) *socketMgr { return s.Node().Handler().(*socketMgr) }

// The methods here and in stream_methods.go take typed arguments and
// return typed results where they can: cbind converts and pushes those in
// C, where a memory error may unwind, and never from a Go frame. Reading
// the stack from Go (L.Type, toIntegerx, RawGet) cannot raise.

// createSocketMgr is luna.create_socket_mgr(max_conn, ...) -> manager, or
// nil when max_conn <= 0 (extra arguments are ignored, as in the
// reference).
func (rt *Runtime) createSocketMgr(L *lua.State, maxConn int64) (*socketMgr, error) {
	if maxConn <= 0 {
		return nil, nil
	}
	rt.lastMgr++
	m := &socketMgr{
		rt:     rt,
		id:     rt.lastMgr,
		routes: router.New(uint64(time.Now().UnixNano())),
		slotOf: map[*node.Stream]int{},
	}
	m.fwd = router.NewForwarder(m.routes)
	n, err := node.New(node.Config{
		MaxConn:      int(min(maxConn, 1<<30)),
		FrameTimeout: rt.frameTimeout,
		Handler:      m,
		Forwarder:    m.fwd,
		Log:          logLine,
		ClusterKeys:  rt.clusterKeys,
	})
	if err != nil {
		return nil, err
	}
	m.node = n
	m.stopWaking = rt.signal.addWaker(n.Wake)
	rt.managers[m] = struct{}{}
	rt.classes.mgr.Push(m)
	err = m.attachOutbox(L, -1)
	L.Pop(1)
	if err != nil {
		m.release()
		return nil, err
	}
	return m, nil
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
	m.node.Close()
	m.out.close()
}

// wait is mgr.wait(ms): poll up to ms milliseconds (0: don't block,
// negative: until something happens) and run every callback that is due.
func (m *socketMgr) wait(ms int64) { m.node.Wait(ms) }

// listen is mgr.listen(ip, port) -> listener, "OK" | nil, err.
func (m *socketMgr) listen(L *lua.State, ipArg any, port int64) (*node.Listener, string, error) {
	ip, isString := ipArg.(string) // a number is not an address here
	if _, okPort := toIntegerx(L, 2); !isString || !okPort || port < 0 || port > 65535 || m.closed {
		return nil, "", errInvalidParam
	}
	l, err := m.node.Listen(ip, int(port))
	if err != nil {
		return nil, "", osError(err)
	}
	return l, resultOK, nil
}

// connect is mgr.connect(host, port) -> stream, "OK" | nil, err. It never
// blocks; the outcome is on_connected or on_error.
func (m *socketMgr) connect(L *lua.State, host string, port int64) (*node.Stream, string, error) {
	if _, okPort := toIntegerx(L, 2); !isStringish(L, 1) || !isStringish(L, 2) || !okPort || port < 0 || port > 65535 || m.closed {
		return nil, "", errInvalidParam
	}
	s, err := m.node.Connect(host, int(port))
	if err != nil {
		return nil, "", osError(err)
	}
	m.adopt(L, s)
	return s, resultOK, nil
}

// adopt makes a new stream's table, and counts what the stream holds
// natively for Lua's collector. stream.call is made on its first lookup
// (bindCall), so an idle stream keeps neither the closure nor an outbox
// slot. [-0, +0, m]: Push raises through a panic.
func (m *socketMgr) adopt(L *lua.State, s *node.Stream) {
	m.rt.classes.stream.Push(s)
	L.Pop(1)
	m.rt.noteNative(L, streamNativeBytes)
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

// hashMode is mgr.hash_mode(group, "modulo" | "jump" | "rendezvous"): how
// forward_hash picks among the group's members on this router (modulo, the
// reference's rule, until set). Anything else raises.
func (m *socketMgr) hashMode(L *lua.State) int {
	group, isInt := toIntegerx(L, 1)
	mode, ok := router.HashModes[L.ToString(2)]
	switch {
	case !isInt || group < 0 || group > 255:
		raise("hash_mode: the group must be an integer 0..255")
	case L.Type(2) != lua.LUA_TSTRING || !ok:
		raise("hash_mode: the mode must be \"modulo\", \"jump\" or \"rendezvous\"")
	}
	m.routes.SetHashMode(uint8(group), mode)
	return 0
}

// forwardError is mgr.forward_error(on): whether a forward with no live
// target comes back to its sender as a "luna_undeliverable" call.
func (m *socketMgr) forwardError(on bool) { m.fwd.Feedback = on }

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

// isStringish reports whether the value at idx is a string or a number
// (numbers are accepted as strings, as lua_tostring converts them).
func isStringish(L *lua.State, idx int) bool {
	t := L.Type(idx)
	return t == lua.LUA_TSTRING || t == lua.LUA_TNUMBER
}
