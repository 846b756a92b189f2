package node

import (
	"fmt"
	"time"
)

// dropLogEvery is the shortest interval between two drop log lines of one
// node.
const dropLogEvery = time.Second

// dropLog counts frames a node dropped (malformed, unknown message id,
// bad forward header) and logs them with the peer's address, at most one
// line per second; the line says how many were dropped since the last one.
type dropLog struct {
	log       func(string)
	total     uint64
	byKind    map[string]uint64
	unlogged  uint64
	last      time.Time
	lastEvent time.Time // of logf, rate-limited on its own
}

// The kinds of dropped frames, as the metrics label them.
const (
	DropMalformedArchive = "malformed_archive"
	DropMalformedMsgID   = "malformed_msg_id"
	DropUnknownMsgID     = "unknown_msg_id"
	DropNotARouter       = "forward_to_non_router"
	DropBadForward       = "bad_forward"
)

// note counts one dropped frame from s, of kind (Drop*), and logs reason.
func (d *dropLog) note(s *Stream, kind, reason string) {
	d.total++
	if d.byKind == nil {
		d.byKind = map[string]uint64{}
	}
	d.byKind[kind]++
	d.unlogged++
	if now := time.Now(); now.Sub(d.last) >= dropLogEvery {
		d.log(fmt.Sprintf("luna: dropped %d frame(s) (%d in all), last from %s (stream %d): %s",
			d.unlogged, d.total, s.IP, s.Token, reason))
		d.unlogged = 0
		d.last = now
	}
}

// logf logs a node event (a refused connection, an accept error), at
// most one line per second, apart from the drop lines' limit so that one
// kind of line never hides the other.
func (d *dropLog) logf(format string, args ...any) {
	if now := time.Now(); now.Sub(d.lastEvent) >= dropLogEvery {
		d.log("luna: " + fmt.Sprintf(format, args...))
		d.lastEvent = now
	}
}

// Dropped is how many received frames the node dropped so far.
func (n *Node) Dropped() uint64 { return n.drops.total }
