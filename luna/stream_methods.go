package luna

import (
	"errors"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// Lua methods of a stream.

// bindCall makes stream.call(...) -> archive length | nil, reason on the
// first lookup of stream.call: the C closure of outbox.c, which encodes into
// the manager's outbox, cached on the stream's table; an idle stream never
// has one. Should the closure not be made (no memory, the manager gone),
// it is a Go function that sends directly. [-0, +1, m]
func bindCall(s *node.Stream, L *lua.State) int {
	m := mgrOf(s)
	m.rt.classes.stream.Push(s)
	if _, ok := m.slotOf[s]; !ok && m.out.c != nil {
		m.rt.classes.mgr.Push(m)
		m.installCall(L, -1, -2, s)
		L.Pop(1)
	}
	L.PushString("call")
	L.RawGet(-2)
	L.Remove(-2)
	if L.IsNil(-1) {
		L.Pop(1)
		if err := m.rt.cb.PushFunction(func(L *lua.State) (int64, error) {
			return sendArchive(s, L, 1, wire.RemoteCall, 0, 0)
		}); err != nil {
			raise("stream.call: %v", err)
		}
	}
	return 1
}

// sendArchive encodes the values from index first on and sends them as a
// frame of kind (with the forward header's id or group and hash).
func sendArchive(s *node.Stream, L *lua.State, first int, kind wire.MsgID, id uint64, hash uint32) (int64, error) {
	if s.Dead() {
		return 0, errStreamClosed
	}
	m := mgrOf(s)
	m.drain(false) // calls made through the outbox go first
	body, err := m.encode(L, first)
	if err != nil {
		return 0, err
	}
	var head []byte
	if kind == wire.RemoteCall {
		head = wire.AppendCallHeader(m.sendHdr[:0], len(body))
	} else {
		head = wire.AppendForwardHeader(m.sendHdr[:0], kind, id, hash, len(body))
	}
	if !s.Send(head, body) {
		return 0, errSendCacheFullValue
	}
	return int64(len(body)), nil
}

// forwarder builds stream.forward_target/master/random/broadcast: the id
// (forward_target) or group is the first argument; groups are truncated to
// 8 bits as the reference did.
func forwarder(kind wire.MsgID) func(*node.Stream, *lua.State) (int64, error) {
	return func(s *node.Stream, L *lua.State) (int64, error) {
		id := uint64(L.ToInteger(1))
		if kind != wire.ForwardTarget {
			id = uint64(uint8(id))
		}
		return sendArchive(s, L, 2, kind, id, 0)
	}
}

// forwardHash is stream.forward_hash(group, key, ...): an integer key
// gives its low 32 bits, a string key its BKDR hash; any other key type
// sends nothing (a non-integral number hashes to 0, as in the reference).
func forwardHash(s *node.Stream, L *lua.State) (int64, error) {
	group := uint64(uint8(L.ToInteger(1)))
	var hash uint32
	switch L.Type(2) {
	case lua.LUA_TNUMBER:
		if v, ok := toIntegerx(L, 2); ok {
			hash = wire.HashInteger(v)
		}
	case lua.LUA_TSTRING:
		hash = wire.HashString(L.ToString(2))
	default:
		return 0, errHashKey
	}
	return sendArchive(s, L, 3, wire.ForwardHash, group, hash)
}

// Errors call and the forward methods return as nil, reason.
var (
	errStreamClosed       = errors.New("stream closed")
	errSendCacheFullValue = errors.New(node.ReasonSendCacheFull)
	errHashKey            = errors.New("forward_hash: the key must be an integer or a string")
)

// releaseStream runs when the stream's table is collected: the socket
// closes and its outbox slot is free again (no call closure can reach it
// now).
func releaseStream(s *node.Stream) {
	s.Discard()
	mgrOf(s).releaseSlot(s)
}

// setOverflow is stream.set_overflow("close" | "drop"): what a frame that
// does not fit the send cache does: kill the stream with send_cache_full
// (close, the default) or be dropped and counted, keeping the link (drop).
func setOverflow(s *node.Stream, L *lua.State) int {
	switch mode := L.ToString(1); {
	case L.Type(1) == lua.LUA_TSTRING && mode == "close":
		s.SetOverflowDrop(false)
	case L.Type(1) == lua.LUA_TSTRING && mode == "drop":
		s.SetOverflowDrop(true)
	default:
		raise("set_overflow: the policy must be \"close\" or \"drop\"")
	}
	return 0
}
