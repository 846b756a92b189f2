package luna

import (
	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

// The router's forward path. A received forward_* frame goes to its
// targets as a new remote_call header plus a slice of the sender's receive
// buffer, written with one writev per target per batch; the archive is never
// decoded, and copied only when a target cannot take it now.

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

// flushForwards writes the frames the router forwarded to this stream
// during the current batch with one writev (per 32 frames); only what the
// socket does not take is copied into the send cache.
func (s *socketStream) flushForwards() {
	if len(s.fwdIov) == 0 {
		return
	}
	if !s.dead() {
		if err := s.ns.Writev(s.fwdIov...); err != nil {
			s.fail(netpoll.KindOf(err).String())
		}
	}
	clear(s.fwdIov)
	s.fwdIov = s.fwdIov[:0]
	s.fwdHdr = s.fwdHdr[:0]
}
