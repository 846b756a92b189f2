package node

import (
	"cmp"
	"slices"
	"time"
)

// counters are what a node counts as it goes: plain fields, written only
// on the node's thread; Stats copies them for whoever asks on that thread
// (the admin endpoint hands its scrape to the loop).
type counters struct {
	accepted      uint64
	refused       uint64 // over MaxConn
	errors        map[string]uint64
	bytesIn       uint64
	bytesOut      uint64 // handed to the socket layer (written or queued)
	framesIn      uint64 // frames received (NoteCalls)
	overflowDrops uint64 // frames dropped because a send cache was full (SetOverflowDrop)
	lostBytes     uint64 // queued for a stream when it closed without sending them
	framesOut     uint64
	busy          time.Duration // in Wait, not blocked in the poll
	spins         uint64        // waits that polled before blocking (poll)
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
	FramesIn           uint64            // frames received: calls, forwards, dropped
	Dropped            map[string]uint64 // received frames dropped, by kind (Drop*)
	SendQueue          int               // bytes waiting to be written, all streams
	OverflowDrops      uint64            // frames dropped on a full send cache (SetOverflowDrop)
	LostBytes          uint64            // bytes queued for streams that died (or were discarded) before sending them
	Busy               time.Duration
	Spins              uint64 // waits that polled for up to spinFor before blocking
}

// Add adds o's counts and gauges to s (a process's total over its nodes).
func (s *Stats) Add(o Stats) {
	s.Streams += o.Streams
	s.Listeners += o.Listeners
	s.SendQueue += o.SendQueue
	s.Accepted += o.Accepted
	s.Refused += o.Refused
	s.BytesIn += o.BytesIn
	s.BytesOut += o.BytesOut
	s.FramesIn += o.FramesIn
	s.FramesOut += o.FramesOut
	s.OverflowDrops += o.OverflowDrops
	s.LostBytes += o.LostBytes
	s.Busy += o.Busy
	s.Spins += o.Spins
	s.StreamErrors = addCounts(s.StreamErrors, o.StreamErrors)
	s.AuthFailures = addCounts(s.AuthFailures, o.AuthFailures)
	s.Dropped = addCounts(s.Dropped, o.Dropped)
}

// addCounts adds from into into (made when nil) and returns it.
func addCounts(into, from map[string]uint64) map[string]uint64 {
	if into == nil {
		into = map[string]uint64{}
	}
	for k, v := range from {
		into[k] += v
	}
	return into
}

// NoteLost counts bytes that were meant for a stream that died before
// they reached it (the handler's own queue, say).
func (n *Node) NoteLost(bytes int) { n.count.lostBytes += uint64(bytes) }

// NoteCalls counts n frames received on s (the handler counts the calls it
// took from the buffer; the node counts the frames it handles itself).
func (s *Stream) NoteCalls(n int) {
	s.framesIn += uint64(n)
	s.node.count.framesIn += uint64(n)
}

// StreamInfo is one stream as the admin console shows it.
type StreamInfo struct {
	Token     uint32  `json:"token"`
	IP        string  `json:"ip"`
	State     string  `json:"state"` // resolving, connecting, handshake, open
	AgeSecs   float64 `json:"age_s"`
	Queued    int     `json:"queued_bytes"`
	FramesIn  uint64  `json:"frames_in"`
	FramesOut uint64  `json:"frames_out"`
}

// StreamInfos describes every stream of the node, by token.
func (n *Node) StreamInfos() []StreamInfo {
	now := n.now()
	out := make([]StreamInfo, 0, len(n.streams))
	for _, s := range n.streams {
		state := "open"
		switch {
		case s.ns == nil:
			state = "resolving"
		case s.ns.Connecting():
			state = "connecting"
		case s.hs != nil:
			state = "handshake"
		}
		out = append(out, StreamInfo{Token: s.Token, IP: s.IP, State: state, AgeSecs: time.Duration(now - s.born).Seconds(),
			Queued: s.Pending(), FramesIn: s.framesIn, FramesOut: s.framesOut})
	}
	slices.SortFunc(out, func(a, b StreamInfo) int { return cmp.Compare(a.Token, b.Token) })
	return out
}

// Stats copies the node's counters; it walks every stream for SendQueue.
func (n *Node) Stats() Stats {
	st := Stats{
		Streams: len(n.streams), Listeners: len(n.listeners),
		Accepted: n.count.accepted, Refused: n.count.refused,
		StreamErrors: map[string]uint64{}, AuthFailures: map[string]uint64{},
		BytesIn: n.count.bytesIn, BytesOut: n.count.bytesOut, FramesOut: n.count.framesOut,
		FramesIn: n.count.framesIn, Dropped: map[string]uint64{}, Busy: n.count.busy,
		OverflowDrops: n.count.overflowDrops, LostBytes: n.count.lostBytes, Spins: n.count.spins,
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
