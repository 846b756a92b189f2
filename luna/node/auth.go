package node

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The cluster handshake. With cluster keys set, each side of a new
// connection sends, before any frame:
//
//	hello: "luna" | version (1) | role ('d' dialer, 'a' acceptor) | nonce (32 random bytes)
//	proof: HMAC-SHA256(key, "luna-auth-v1" | role | dialer nonce | acceptor nonce)
//
// Both hellos go out at once. The dialer proves first, as soon as it has
// the acceptor's hello; the acceptor proves only once the dialer's proof
// checked, so a stranger who connects learns nothing made with the key.
// Each side proves with its first key and accepts a proof made with any of
// its keys. The role in the MAC keeps a proof from being reflected back,
// the two fresh nonces keep it from being replayed, and the key never
// crosses the wire. Frames flow only once the peer's proof checks: the
// acceptor tells its handler of the connection then, the dialer reports it
// connected then. A later version changes the version byte; a side that
// does not speak the peer's version fails the handshake.

const (
	authMagic      = "luna"
	authVersion    = 1
	authNonceLen   = 32
	authHelloLen   = len(authMagic) + 2 + authNonceLen
	authProofLen   = sha256.Size
	authLen        = authHelloLen + authProofLen // what each side sends
	authLabel      = "luna-auth-v1"
	roleDialer     = 'd'
	roleAcceptor   = 'a'
	minClusterKey  = 16
	handshakeLimit = 64 // default unauthenticated connections per listener
)

// handshakeTimeout is how long a connection may take to finish the
// handshake, from the accept or the completed connect.
const handshakeTimeout = 750 * time.Millisecond

// Why a handshake failed: the kinds of the auth log.
var (
	errAuthNotLuna  = errors.New("not a luna handshake")
	errAuthVersion  = errors.New("unsupported handshake version")
	errAuthRole     = errors.New("a handshake from the wrong side (reflected?)")
	errAuthKey      = errors.New("wrong cluster key")
	errAuthTimeout  = errors.New("no handshake in time")
	errAuthClosed   = errors.New("closed during the handshake")
	errAuthAdmitCap = errors.New("too many connections in the handshake")
	errAuthNoKey    = errors.New("the peer sent a handshake, and this manager has no cluster key")
)

// handshake is one side's state of the handshake on one connection.
type handshake struct {
	keys  [][]byte // keys[0] proves, every key verifies
	role  byte
	nonce [authNonceLen]byte
	peer  [authNonceLen]byte
	got   []byte // the peer's bytes so far, up to authLen
	by    mono   // when it must be done; 0 until a dialer's connect completes
}

// newHandshake starts a handshake and returns it with the hello to send.
func newHandshake(keys [][]byte, dialer bool) (*handshake, []byte) {
	h := &handshake{keys: keys, role: roleAcceptor}
	if dialer {
		h.role = roleDialer
	}
	rand.Read(h.nonce[:]) // crypto/rand.Read does not fail (Go 1.24)
	hello := make([]byte, 0, authHelloLen)
	hello = append(hello, authMagic...)
	hello = append(hello, authVersion, h.role)
	return h, append(hello, h.nonce[:]...)
}

// feed takes bytes the peer sent. It returns how many it consumed (the
// rest are frames), the proof to send (the dialer's when the acceptor's
// hello is complete, the acceptor's when the dialer's proof checked), and
// done once the peer's proof checked. A failure is final.
func (h *handshake) feed(in []byte) (consumed int, proof []byte, done bool, err error) {
	had := len(h.got)
	consumed = min(len(in), authLen-had)
	h.got = append(h.got, in[:consumed]...)
	if had < authHelloLen && len(h.got) >= authHelloLen {
		if err := h.hello(h.got[:authHelloLen]); err != nil {
			return consumed, nil, false, err
		}
		if h.role == roleDialer {
			proof = h.mac(h.keys[0], h.role)
		}
	} else if had < authHelloLen && !bytes.HasPrefix([]byte(authMagic), h.got[:min(len(h.got), len(authMagic))]) {
		return consumed, nil, false, errAuthNotLuna // fail early on what is plainly not a handshake
	}
	if len(h.got) < authLen {
		return consumed, proof, false, nil
	}
	peerRole := byte(roleDialer)
	if h.role == roleDialer {
		peerRole = roleAcceptor
	}
	theirs := h.got[authHelloLen:]
	for _, k := range h.keys {
		if subtle.ConstantTimeCompare(h.mac(k, peerRole), theirs) == 1 {
			h.got = nil
			if h.role == roleAcceptor {
				proof = h.mac(h.keys[0], h.role)
			}
			return consumed, proof, true, nil
		}
	}
	return consumed, proof, false, errAuthKey
}

// hello checks the peer's hello and keeps its nonce.
func (h *handshake) hello(b []byte) error {
	if string(b[:len(authMagic)]) != authMagic {
		return errAuthNotLuna
	}
	if b[len(authMagic)] != authVersion {
		return fmt.Errorf("%w %d", errAuthVersion, b[len(authMagic)])
	}
	if role := b[len(authMagic)+1]; role == h.role || (role != roleDialer && role != roleAcceptor) {
		return errAuthRole
	}
	copy(h.peer[:], b[len(authMagic)+2:])
	if h.peer == h.nonce {
		return errAuthRole // our own hello sent back
	}
	return nil
}

// mac is the proof of the side with role, made with key.
func (h *handshake) mac(key []byte, role byte) []byte {
	dialer, acceptor := &h.nonce, &h.peer
	if h.role == roleAcceptor {
		dialer, acceptor = &h.peer, &h.nonce
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(authLabel))
	m.Write([]byte{role})
	m.Write(dialer[:])
	m.Write(acceptor[:])
	return m.Sum(nil)
}

// ParseClusterKeys reads a cluster key file: one key per line, each at
// least 16 bytes, surrounding blanks trimmed; blank lines and lines
// starting with # are ignored. The first key is the one this process
// proves; all are accepted.
func ParseClusterKeys(data []byte) ([][]byte, error) {
	var keys [][]byte
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(line) < minClusterKey {
			return nil, fmt.Errorf("line %d: a cluster key must be at least %d bytes, this one has %d",
				i+1, minClusterKey, len(line))
		}
		keys = append(keys, []byte(line))
	}
	if len(keys) == 0 {
		return nil, errors.New("no cluster key in it")
	}
	return keys, nil
}

// SetClusterKeys sets the keys for connections accepted or started from
// now on: keys[0] is proved, every one is accepted; none (nil) turns the
// handshake off and the node speaks the plain wire. Each key must be at
// least 16 bytes.
func (n *Node) SetClusterKeys(keys [][]byte) error {
	for i, k := range keys {
		if len(k) < minClusterKey {
			return fmt.Errorf("cluster key %d: at least %d bytes, got %d", i+1, minClusterKey, len(k))
		}
	}
	if len(keys) == 0 {
		n.keys = nil
		return nil
	}
	n.keys = make([][]byte, len(keys))
	for i, k := range keys {
		n.keys[i] = bytes.Clone(k)
	}
	return nil
}

// Keyed reports whether the node runs the handshake on new connections.
func (n *Node) Keyed() bool { return n.keys != nil }

// authLog counts failed handshakes by kind and logs each kind at most once
// a second, with the count since its last line and the last peer.
type authLog struct {
	log   func(string)
	kinds map[string]*authCount
	total uint64
}

type authCount struct {
	count    uint64
	unlogged uint64
	last     time.Time
	peer     string
}

// note counts one failure of kind from peer.
func (a *authLog) note(kind error, peer string) {
	a.total++
	if a.kinds == nil {
		a.kinds = map[string]*authCount{}
	}
	key := kind.Error()
	if errors.Is(kind, errAuthVersion) {
		key = errAuthVersion.Error()
	}
	c := a.kinds[key]
	if c == nil {
		c = &authCount{}
		a.kinds[key] = c
	}
	c.count++
	c.unlogged++
	c.peer = peer
	a.flushKind(key, c, time.Now())
}

// flush logs the counts of every kind not logged for a second.
func (a *authLog) flush() {
	now := time.Now()
	for key, c := range a.kinds {
		a.flushKind(key, c, now)
	}
}

func (a *authLog) flushKind(key string, c *authCount, now time.Time) {
	if c.unlogged == 0 || now.Sub(c.last) < dropLogEvery {
		return
	}
	a.log(fmt.Sprintf("luna: cluster handshake failed %d time(s) (%d in all): %s (last from %s)",
		c.unlogged, a.total, key, c.peer))
	c.unlogged = 0
	c.last = now
}

// AuthFailures is how many handshakes failed on this node so far.
func (n *Node) AuthFailures() uint64 { return n.auth.total }

// startHandshake begins the handshake on a stream the node just attached:
// the hello goes out first (a dialer's once the connect completes).
func (s *Stream) startHandshake(dialer bool) {
	hs, hello := newHandshake(s.node.keys, dialer)
	s.hs = hs
	if !dialer {
		hs.by = s.node.now().add(handshakeTimeout)
		s.retime()
	}
	if err := s.ns.Append(hello); err != nil {
		s.authFail(errAuthClosed)
		return
	}
	s.node.markDirty(s)
}

// handshakeStep feeds what the stream received to its handshake and
// reports whether the receive loop goes on (the handshake completed and
// the stream lives).
func (s *Stream) handshakeStep() bool {
	buf := s.ns.Buffered()
	if len(buf) == 0 {
		return false
	}
	consumed, proof, done, err := s.hs.feed(buf)
	s.ns.Consume(consumed)
	if err != nil {
		s.authFail(err)
		return false
	}
	if proof != nil {
		if err := s.ns.Append(proof); err != nil {
			s.authFail(errAuthClosed)
			return false
		}
		s.node.markDirty(s)
	}
	if !done {
		return false
	}
	s.hs = nil
	s.retime()
	if l := s.admitter; l != nil {
		l.accepted(s)
		return !s.Dead()
	}
	if len(s.pre) > 0 { // what the dialer sent meanwhile
		if err := s.ns.Append(s.pre); err != nil {
			s.fail(ReasonSendCacheFull)
			return false
		}
		s.pre = nil
		s.node.markDirty(s)
	}
	s.node.h.Connected(s)
	return !s.Dead()
}

// authFail ends a stream whose handshake failed: an accepted one is
// closed without a word to the handler, a dialled one fails with
// auth_failed. Either way the auth log counts it.
func (s *Stream) authFail(why error) {
	s.node.auth.note(why, s.IP)
	if s.admitter != nil {
		s.shut()
		return
	}
	s.fail(ReasonAuthFailed)
}

// firstBytes looks at what a plain stream received first: a peer's
// handshake hello there means the peer wants a key this node does not
// have, and the stream fails with auth_failed at once rather than waiting
// for a frame that never comes. It reports whether the receive loop goes
// on.
func (s *Stream) firstBytes() bool {
	buf := s.ns.Buffered()
	n := min(len(buf), len(authMagic))
	if string(buf[:n]) != authMagic[:n] {
		s.heard = true // not a hello: "lu" starts no valid frame either way
		return true
	}
	if n < len(authMagic) {
		return false // too few bytes to tell
	}
	s.node.auth.note(errAuthNoKey, s.IP)
	s.fail(ReasonAuthFailed)
	return false
}
