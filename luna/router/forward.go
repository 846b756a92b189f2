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
		f.deliver(n, f.Routes.Target(uint32(fw.ID)), body)
	case wire.ForwardMaster:
		f.deliver(n, f.Routes.Master(fw.Group), body)
	case wire.ForwardRandom:
		f.deliver(n, f.Routes.Random(fw.Group), body)
	case wire.ForwardHash:
		f.deliver(n, f.Routes.Hash(fw.Group, uint32(fw.Hash)), body)
	case wire.ForwardBroadcast:
		f.targets = f.Routes.Broadcast(fw.Group, f.targets[:0])
		for _, tok := range f.targets {
			f.deliver(n, tok, body)
		}
	}
	return nil
}

// deliver sends archive as a remote_call frame to the stream with token;
// a token that names no live stream drops it.
func (f *Forwarder) deliver(n *node.Node, token uint32, archive []byte) {
	if token == 0 {
		return
	}
	if s := n.Stream(token); s != nil {
		k := wire.PutCallHeader(&f.hdr, len(archive))
		s.Gather(f.hdr[:k], archive)
	}
}
