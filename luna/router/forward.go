package router

import (
	"strings"

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
	// Feedback (mgr.forward_error(true)) answers a frame with no live
	// target with a call to its sender: ("luna_undeliverable", mode,
	// group or target id, the message name or nil). Off, the frame is
	// only dropped and counted, as the reference did.
	Feedback bool
	reply    []byte // scratch of the feedback call
}

// UndeliverableMsg is the message name of the feedback call.
const UndeliverableMsg = "luna_undeliverable"

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
		f.deliver(n, from, fw, f.Routes.Target(uint32(fw.ID)), body)
	case wire.ForwardMaster:
		f.deliver(n, from, fw, f.Routes.Master(fw.Group), body)
	case wire.ForwardRandom:
		f.deliver(n, from, fw, f.Routes.Random(fw.Group), body)
	case wire.ForwardHash:
		f.deliver(n, from, fw, f.Routes.Hash(fw.Group, uint32(fw.Hash)), body)
	case wire.ForwardBroadcast:
		f.targets = f.Routes.Broadcast(fw.Group, f.targets[:0])
		if len(f.targets) == 0 {
			f.undeliverable(from, fw, body)
		}
		for _, tok := range f.targets {
			f.deliver(n, from, fw, tok, body)
		}
	}
	return nil
}

// deliver sends archive as a remote_call frame to the stream with token;
// a token that names no live stream drops it (undeliverable).
func (f *Forwarder) deliver(n *node.Node, from *node.Stream, fw wire.Forward, token uint32, archive []byte) {
	s := n.Stream(token)
	if token == 0 || s == nil {
		f.undeliverable(from, fw, archive)
		return
	}
	f.Forwarded[fw.Kind]++
	k := wire.PutCallHeader(&f.hdr, len(archive))
	s.Gather(f.hdr[:k], archive)
}

// undeliverable counts a frame with no live target and, with Feedback,
// tells its sender.
func (f *Forwarder) undeliverable(from *node.Stream, fw wire.Forward, archive []byte) {
	f.Undeliverable[fw.Kind]++
	if !f.Feedback || from.Dead() {
		return
	}
	r := wire.AppendArchiveString(f.reply[:0], UndeliverableMsg)
	r = wire.AppendArchiveString(r, strings.TrimPrefix(fw.Kind.String(), "forward_"))
	if fw.Kind == wire.ForwardTarget {
		r = wire.AppendArchiveInt(r, int64(fw.ID))
	} else {
		r = wire.AppendArchiveInt(r, int64(fw.Group))
	}
	if msg, ok := wire.ArchiveFirstString(archive); ok {
		r = wire.AppendArchiveString(r, msg)
	} else {
		r = append(r, 0) // nil
	}
	f.reply = r
	k := wire.PutCallHeader(&f.hdr, len(r))
	from.Send(f.hdr[:k], r)
}
