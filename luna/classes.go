package luna

import (
	"errors"
	"syscall"

	"github.com/luna-go/luna/cbind"
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// classes are the runtime's objects as cbind exports them: every method,
// field and callback scripts use (lua-api.md sections 4-6).
type classes struct {
	mgr      *cbind.Class[socketMgr]
	stream   *cbind.Class[node.Stream]
	listener *cbind.Class[node.Listener]
	metric   *cbind.Class[scriptMetric]
}

func (rt *Runtime) declareClasses() {
	s := rt.cb
	rt.classes.mgr = cbind.NewClass[socketMgr](s, "socket_mgr").
		Method("wait", (*socketMgr).wait).
		Method("listen", (*socketMgr).listen).
		Method("connect", (*socketMgr).connect).
		Method("route", (*socketMgr).route).
		Method("set_route", (*socketMgr).route). // the 2017-04 scripts' name
		Method("master", (*socketMgr).master).
		Method("set_master", (*socketMgr).master). // the 2017-04 scripts' name
		Method("hash_mode", (*socketMgr).hashMode).
		Method("forward_error", (*socketMgr).forwardError).
		Method("set_package_size", (*socketMgr).setPackageSize).
		Method("set_compress_size", (*socketMgr).setCompressSize).
		Method("set_cluster_keys", (*socketMgr).setClusterKeys).
		OnGC((*socketMgr).release)
	rt.classes.stream = cbind.NewClass[node.Stream](s, "socket_stream").
		Field("ip", "IP", true).
		Field("token", "Token", true).
		Member("call", bindCall).
		Method("forward_target", forwarder(wire.ForwardTarget)).
		Method("forward_master", forwarder(wire.ForwardMaster)).
		Method("forward_random", forwarder(wire.ForwardRandom)).
		Method("forward_broadcast", forwarder(wire.ForwardBroadcast)).
		Method("forward_hash", forwardHash).
		Method("close", (*node.Stream).Close).
		Method("set_send_cache", (*node.Stream).SetSendCache).
		Method("set_recv_cache", (*node.Stream).SetRecvCache).
		Method("set_timeout", (*node.Stream).SetTimeout).
		Method("set_overflow", setOverflow).
		OnGC(releaseStream)
	rt.classes.listener = cbind.NewClass[node.Listener](s, "socket_listener").
		Field("port", "Port", true).
		Field("token", "Token", true).
		Method("close", (*node.Listener).Close).
		Method("set_handshake_limit", setHandshakeLimit).
		OnGC((*node.Listener).Close)
	rt.classes.metric = cbind.NewClass[scriptMetric](s, "metric").
		Method("inc", (*scriptMetric).inc).
		Method("set", (*scriptMetric).set).
		Method("observe", (*scriptMetric).observe)
}

// callObject calls the Lua function stored in obj's field name with args.
// It reports whether such a function existed; a Lua error is printed with
// its traceback and the loop goes on.
func (rt *Runtime) callObject(obj any, name string, args ...any) bool {
	err := rt.cb.CallObject(obj, name, nil, args...)
	switch {
	case err == nil:
		return true
	case errors.Is(err, cbind.ErrNoFunction):
		return false
	}
	var token uint32
	switch o := obj.(type) {
	case *node.Stream:
		token = o.Token
	case *node.Listener:
		token = o.Token
	}
	rt.reportError(name, token, err)
	return true
}

// osError is the error listen/connect return for an OS error: its
// strerror text alone, as the reference returned.
func osError(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}
