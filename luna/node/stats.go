package node

import "time"

// counters are what a node counts as it goes: plain fields, written only
// on the node's thread; Stats copies them for whoever asks on that thread
// (the admin endpoint hands its scrape to the loop).
type counters struct {
	accepted  uint64
	refused   uint64 // over MaxConn
	errors    map[string]uint64
	bytesIn   uint64
	bytesOut  uint64 // handed to the socket layer (written or queued)
	framesIn  uint64 // frames the node handled itself (not the handler's calls)
	framesOut uint64
	busy      time.Duration // in Wait, not blocked in the poll
}

// Stats is a copy of a node's counters and gauges.
type Stats struct {
	Streams, Listeners int
	Accepted           uint64            // connections handed to the handler
	Refused            uint64            // closed at once: over the cap
	StreamErrors       map[string]uint64 // Failed, by reason
	AuthFailures       map[string]uint64 // failed handshakes, by kind
	BytesIn, BytesOut  uint64
	FramesOut          uint64
	FramesIn           uint64            // received frames the node handled (forwards, drops); the handler counts its calls
	Dropped            map[string]uint64 // received frames dropped, by kind (Drop*)
	SendQueue          int               // bytes waiting to be written, all streams
	Busy               time.Duration
}

// Stats copies the node's counters; it walks every stream for SendQueue.
func (n *Node) Stats() Stats {
	st := Stats{
		Streams: len(n.streams), Listeners: len(n.listeners),
		Accepted: n.count.accepted, Refused: n.count.refused,
		StreamErrors: map[string]uint64{}, AuthFailures: map[string]uint64{},
		BytesIn: n.count.bytesIn, BytesOut: n.count.bytesOut, FramesOut: n.count.framesOut,
		FramesIn: n.count.framesIn, Dropped: map[string]uint64{}, Busy: n.count.busy,
	}
	for k, v := range n.drops.byKind {
		st.Dropped[k] = v
	}
	for k, v := range n.count.errors {
		st.StreamErrors[k] = v
	}
	for k, c := range n.auth.kinds {
		st.AuthFailures[k] = c.count
	}
	for _, s := range n.streams {
		st.SendQueue += s.Pending()
	}
	return st
}
