package luna

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind/archive"
	"github.com/luna-go/luna/luna/router"
	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

// Error strings scripts see in on_error (lua-api.md section 5), plus the
// ones this implementation adds for situations the reference never
// reported (README, "Error strings").
const (
	errConnectionLost  = "connection_lost"
	errConnectFailed   = "connect_failed"
	errDNS             = "dns_error"
	errTimeout         = "timeout"
	errPackageTooLarge = "package_too_large"
	errSendCacheFull   = "send_cache_full"
	errSendFailed      = "send_failed"
	errRecvFailed      = "recv_failed"
	errInvalidFrame    = "invalid_frame" // ours: a frame header that is not a varint
	errFrameTimeout    = "frame_timeout" // ours: a frame started but never finished
)

// Results of listen/connect that scripts compare.
const (
	resultOK          = "OK"
	errInvalidParam   = "invalid param"
	errTooManyConnect = "too_many_connection"
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

// wait is mgr.wait(ms): poll up to ms milliseconds (0: don't block,
// negative: until something happens) and run every callback that is due.
func (m *socketMgr) wait(ms int64) {
	if m.inWait || m.closed {
		return // called from one of its own callbacks: nothing to do
	}
	m.inWait = true
	defer func() { m.inWait = false }()

	m.flushDirty()
	m.deliverFailures()
	n, err := m.poll(m.pollTimeout(ms))
	if err != nil {
		logLine(fmt.Sprintf("luna: poll: %v", err))
		return
	}
	if m.poller.Woken() {
		m.resolver.deliver(m)
	}
	for i := 0; i < n && !m.closed; i++ {
		ev := &m.events[i]
		if ev.Ready == 0 {
			continue
		}
		switch o := ev.User.(type) {
		case *socketStream:
			o.handle(ev.Ready)
		case *socketListener:
			o.acceptReady()
		}
		m.flushDirty()
		m.deliverFailures()
	}
	m.expireTimeouts()
	m.deliverFailures()
	m.rt.safePoint()
	m.rt.errlog.flush(false)
	m.rt.payNative()
}

// deliverFailures runs on_error for every stream that died since the last
// call, in the order they died.
func (m *socketMgr) deliverFailures() {
	for len(m.failed) > 0 {
		f := m.failed[0]
		m.failed = m.failed[1:]
		f.s.callback("on_error", f.reason)
	}
	m.failed = nil
}

// spinFor is how long a manager that has just handled events polls without
// blocking before it sleeps in the kernel. A request/response peer usually
// answers within tens of microseconds; catching the answer while still
// running saves the wake-up of an idle CPU (tens of microseconds more on a
// virtual machine). An idle manager (no events last time) never spins.
const spinFor = 50 * time.Microsecond

// poll waits for events, spinning first when the last wait was busy.
func (m *socketMgr) poll(timeout int) (int, error) {
	if timeout != 0 && m.busy {
		deadline := time.Now().Add(spinFor)
		for time.Now().Before(deadline) {
			if n, err := m.poller.Wait(0, m.events); n > 0 || err != nil || m.poller.Woken() {
				return n, err
			}
		}
	}
	n, err := m.poller.Wait(timeout, m.events)
	m.busy = n > 0
	return n, err
}

// pollTimeout bounds the wait by the nearest stream deadline; it is 0 when
// callbacks are already due.
func (m *socketMgr) pollTimeout(ms int64) int {
	if len(m.failed) > 0 {
		return 0
	}
	now := time.Now()
	next := ms
	for s := range m.timed {
		left := s.deadline().Sub(now).Milliseconds() + 1
		if next < 0 || left < next {
			next = max(left, 0)
		}
	}
	return int(max(min(next, 1<<30), -1))
}

// expireTimeouts kills the streams whose deadline passed: "timeout" when no
// frame came within set_timeout, "frame_timeout" when a frame was started
// but not finished within the frame timeout.
func (m *socketMgr) expireTimeouts() {
	if len(m.timed) == 0 {
		return
	}
	now := time.Now()
	for s := range m.timed {
		if now.Before(s.deadline()) {
			continue
		}
		if s.timeout > 0 && !now.Before(s.lastRecv.Add(time.Duration(s.timeout)*time.Millisecond)) {
			s.fail(errTimeout)
		} else {
			s.fail(errFrameTimeout)
		}
	}
}

// markDirty queues a stream for the flush at the end of the batch.
func (m *socketMgr) markDirty(s *socketStream) {
	if !s.dirty {
		s.dirty = true
		m.dirty = append(m.dirty, s)
	}
}

// flushDirty moves the calls made since the last flush out of the outbox
// and writes out every stream they went to: one write/writev per stream for
// all its frames.
func (m *socketMgr) flushDirty() {
	m.drain()
	for i := 0; i < len(m.dirty); i++ {
		s := m.dirty[i]
		s.dirty = false
		s.flush()
	}
	clear(m.dirty)
	m.dirty = m.dirty[:0]
}

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

// forward delivers a forward frame received by this manager (wire.md,
// "Router behaviour"): the archive is never decoded, and the target gets a
// new remote_call header plus a slice of the sender's receive buffer.
func (m *socketMgr) forward(from *socketStream, payload []byte) {
	fw, body, err := wire.ParseForward(payload)
	if err != nil {
		m.drops.note(from, err.Error())
		return
	}
	switch fw.Kind {
	case wire.ForwardTarget:
		m.deliver(m.routes.Target(uint32(fw.ID)), body)
	case wire.ForwardMaster:
		m.deliver(m.routes.Master(fw.Group), body)
	case wire.ForwardRandom:
		m.deliver(m.routes.Random(fw.Group), body)
	case wire.ForwardHash:
		m.deliver(m.routes.Hash(fw.Group, uint32(fw.Hash)), body)
	case wire.ForwardBroadcast:
		m.targets = m.routes.Broadcast(fw.Group, m.targets[:0])
		for _, tok := range m.targets {
			m.deliver(tok, body)
		}
	}
}

// deliver sends archive as a remote_call frame to the stream with token.
// A token that names no live stream drops the frame. The frame joins the
// target's forward batch (a new header plus a slice of the sender's receive
// buffer, written by flushForwards with one writev) unless the target has
// bytes queued already, which the frame must queue behind.
func (m *socketMgr) deliver(token uint32, archiveBytes []byte) {
	if token == 0 {
		return
	}
	s := m.streams[token]
	if s == nil || s.dead() {
		return
	}
	n := wire.PutCallHeader(&m.callHdr, len(archiveBytes))
	if len(s.fwdIov) == 0 && (s.ns == nil || s.ns.Connecting() || s.ns.Pending() > 0) {
		s.send(m.callHdr[:n], archiveBytes)
		return
	}
	if len(s.fwdIov) == 0 {
		m.fwdTargets = append(m.fwdTargets, s)
	}
	start := len(s.fwdHdr)
	s.fwdHdr = append(s.fwdHdr, m.callHdr[:n]...)
	s.fwdIov = append(s.fwdIov, s.fwdHdr[start:], archiveBytes)
}

// flushForwards writes every target's forward batch. It runs before the
// sender's receive buffer can move (its next read), since the batches hold
// slices of it.
func (m *socketMgr) flushForwards() {
	for i, s := range m.fwdTargets {
		s.flushForwards()
		m.fwdTargets[i] = nil
	}
	m.fwdTargets = m.fwdTargets[:0]
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
