package router

import (
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// Forwarder is a router's forward path (wire.md, "Router behaviour"): a
// received forward_* frame goes to the targets its header chooses in the
// route table, as a new remote_call header plus a slice of the sender's
// receive buffer (node.Stream.Gather: one writev per target per batch).
// The archive is never decoded, and copied only when a target cannot take
// it now. It implements node.Forwarder.
type Forwarder struct {
	Routes  *Table
	hdr     [wire.MaxCallHeaderLen]byte
	targets []uint32 // broadcast scratch
	// Forwarded and Undeliverable count, by message id (ForwardTarget ..
	// ForwardHash), the frames delivered and those with no live target (a
	// broadcast counts each delivery, and once when its group is empty).
	Forwarded, Undeliverable [wire.ForwardHash + 1]uint64
}

// NewForwarder forwards by routes.
func NewForwarder(routes *Table) *Forwarder { return &Forwarder{Routes: routes} }

// Forward delivers one forward frame payload received from a stream.
func (f *Forwarder) Forward(from *node.Stream, payload []byte) error {
	fw, body, err := wire.ParseForward(payload)
	if err != nil {
		return err
	}
	n := from.Node()
	switch fw.Kind {
	case wire.ForwardTarget:
		f.deliver(n, fw.Kind, f.Routes.Target(uint32(fw.ID)), body)
	case wire.ForwardMaster:
		f.deliver(n, fw.Kind, f.Routes.Master(fw.Group), body)
	case wire.ForwardRandom:
		f.deliver(n, fw.Kind, f.Routes.Random(fw.Group), body)
	case wire.ForwardHash:
		f.deliver(n, fw.Kind, f.Routes.Hash(fw.Group, uint32(fw.Hash)), body)
	case wire.ForwardBroadcast:
		f.targets = f.Routes.Broadcast(fw.Group, f.targets[:0])
		if len(f.targets) == 0 {
			f.Undeliverable[fw.Kind]++
		}
		for _, tok := range f.targets {
			f.deliver(n, fw.Kind, tok, body)
		}
	}
	return nil
}

// deliver sends archive as a remote_call frame to the stream with token;
// a token that names no live stream drops it (counted).
func (f *Forwarder) deliver(n *node.Node, kind wire.MsgID, token uint32, archive []byte) {
	s := n.Stream(token)
	if token == 0 || s == nil {
		f.Undeliverable[kind]++
		return
	}
	f.Forwarded[kind]++
	k := wire.PutCallHeader(&f.hdr, len(archive))
	s.Gather(f.hdr[:k], archive)
}
