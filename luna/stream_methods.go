package luna

import (
	"errors"
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/luna/wire"
)

// Lua methods of a stream.

// call is stream.call(...) -> archive length | nil, reason.
func (s *socketStream) call(L *lua.State) int {
	n, err := s.sendArchive(L, 1, wire.RemoteCall, 0, 0)
	return pushSent(L, n, err)
}

// pushSent pushes what call and the forward methods return: the archive
// length, or nil and the reason nothing was sent. [-0, +(1|2), m]
func pushSent(L *lua.State, n int64, err error) int {
	if err != nil {
		return pushFail(L, err.Error())
	}
	L.PushInteger(n)
	return 1
}

// sendArchive encodes the values from index first on and sends them as a
// frame of kind (with the forward header's id or group and hash).
func (s *socketStream) sendArchive(L *lua.State, first int, kind wire.MsgID, id uint64, hash uint32) (int64, error) {
	if s.dead() {
		return 0, errStreamClosed
	}
	s.mgr.drain() // calls made through the outbox go first
	body, err := s.mgr.encode(L, first)
	if err != nil {
		return 0, err
	}
	var head []byte
	if kind == wire.RemoteCall {
		head = wire.AppendCallHeader(s.mgr.sendHdr[:0], len(body))
	} else {
		head = wire.AppendForwardHeader(s.mgr.sendHdr[:0], kind, id, hash, len(body))
	}
	if !s.send(head, body) {
		return 0, errSendCacheFullValue
	}
	return int64(len(body)), nil
}

// forwarder builds stream.forward_target/master/random/broadcast: the id
// (forward_target) or group is the first argument; groups are truncated to
// 8 bits as the reference did.
func forwarder(kind wire.MsgID) func(*socketStream, *lua.State) int {
	return func(s *socketStream, L *lua.State) int {
		id := uint64(L.ToInteger(1))
		if kind != wire.ForwardTarget {
			id = uint64(uint8(id))
		}
		n, err := s.sendArchive(L, 2, kind, id, 0)
		return pushSent(L, n, err)
	}
}

// forwardHash is stream.forward_hash(group, key, ...): an integer key
// gives its low 32 bits, a string key its BKDR hash; any other key type
// sends nothing (a non-integral number hashes to 0, as in the reference).
func (s *socketStream) forwardHash(L *lua.State) int {
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
		return pushFail(L, errHashKey.Error())
	}
	n, err := s.sendArchive(L, 3, wire.ForwardHash, group, hash)
	return pushSent(L, n, err)
}

// Errors call and the forward methods return as nil, reason.
var (
	errStreamClosed       = errors.New("stream closed")
	errSendCacheFullValue = errors.New(errSendCacheFull)
	errHashKey            = errors.New("forward_hash: the key must be an integer or a string")
)

// close is stream.close(): queued bytes get one last non-blocking write,
// then the socket closes; no on_error follows.
func (s *socketStream) close() {
	s.mgr.drain()
	s.flush()
	s.shut()
}

// release runs when the stream's table is collected: the socket closes and
// its outbox slot is free again (no call closure can reach it now).
func (s *socketStream) release() {
	s.shut()
	s.mgr.out.releaseSlot(s)
}

// setSendCache is stream.set_send_cache(n).
func (s *socketStream) setSendCache(n int64) {
	if n > 0 && n <= 1<<30 {
		s.sendCache = int(n)
		if s.ns != nil {
			s.ns.SetSendCache(s.sendCache)
		}
	}
}

// setRecvCache is stream.set_recv_cache(n).
func (s *socketStream) setRecvCache(n int64) {
	if n > 0 && n <= 1<<30 {
		s.recvCache = int(n)
		if s.ns != nil {
			s.ns.SetRecvCache(wire.FrameBufferSize(s.recvCache))
		}
	}
}

// setTimeout is stream.set_timeout(ms): on_error("timeout") when no frame
// arrived for ms milliseconds; -1 (or any ms <= 0) = never.
func (s *socketStream) setTimeout(ms int64) {
	if s.dead() {
		return
	}
	s.timeout = ms
	if ms > 0 {
		s.lastRecv = time.Now()
		s.mgr.timed[s] = struct{}{}
	} else if s.partial.IsZero() {
		delete(s.mgr.timed, s)
	}
}
