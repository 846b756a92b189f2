// Package node is luna's transport: one poller, the streams and listeners
// opened through it, and the loop that serves them (Wait). It frames what
// it receives, hands remote_call frames to a Handler (the Lua face) and
// forward_* frames to a Forwarder (luna/router), and owns the send policy,
// timeouts, name resolution, the drop log and the exit drain. It has no
// cgo: tests drive it step by step with Wait(0).
//
// A node belongs to one goroutine; only Wake may be called from others.
package node

import (
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/luna-go/luna/luna/wire"
	"github.com/luna-go/luna/netpoll"
)

const (
	eventBatch  = 256
	acceptBatch = 64 // accepts per readiness event, so one listener cannot starve the rest
)

// Config is what a node is made of.
type Config struct {
	// MaxConn caps the listeners and streams open at once.
	MaxConn int
	// FrameTimeout is how long a started frame may take to complete
	// (default 10 s).
	FrameTimeout time.Duration
	// Handler receives the calls and the stream events; required.
	Handler Handler
	// Forwarder receives forward_* frames; nil drops them.
	Forwarder Forwarder
	// Log takes the node's log lines (drops, refused connections); the
	// default writes them to stderr.
	Log func(line string)
	// ClusterKeys, when set, make every connection run the cluster
	// handshake before its first frame (SetClusterKeys).
	ClusterKeys [][]byte
}

// Node is a poller with its streams and listeners.
type Node struct {
	h          Handler
	fwd        Forwarder
	log        func(string)
	poller     *netpoll.Poller
	maxConn    int
	open       int // listeners + streams that count against maxConn
	nextToken  uint32
	streams    map[uint32]*Stream
	listeners  map[*Listener]struct{}
	events     []netpoll.Event
	dirty      []*Stream            // streams with output to flush at the end of a batch
	gathered   []*Stream            // streams with gathered frames (Gather)
	timed      map[*Stream]struct{} // streams with a deadline: SetTimeout or a partial frame
	frameLimit time.Duration
	resolver   *resolver
	failed     []failure // streams that died, waiting for Handler.Failed
	drops      dropLog
	keys       [][]byte // cluster keys: nil = the plain wire
	auth       authLog
	count      counters
	inWait     bool
	busy       bool   // the last poll returned events: spin before blocking
	sentMark   uint64 // count.framesOut at the last poll
	spin       spinner
	lastTrim   time.Time // of trimIdle
	epoch      time.Time // of the streams' clock (mono)
	closed     bool
}

// failure is a stream's Failed(reason), delivered between callbacks.
type failure struct {
	s      *Stream
	reason string
}

// New opens a node's poller.
func New(cfg Config) (*Node, error) {
	p, err := netpoll.Open()
	if err != nil {
		return nil, err
	}
	n := &Node{
		h:          cfg.Handler,
		fwd:        cfg.Forwarder,
		log:        cfg.Log,
		poller:     p,
		maxConn:    cfg.MaxConn,
		streams:    map[uint32]*Stream{},
		listeners:  map[*Listener]struct{}{},
		events:     make([]netpoll.Event, eventBatch),
		timed:      map[*Stream]struct{}{},
		frameLimit: cfg.FrameTimeout,
		epoch:      time.Now().Add(-time.Second),
	}
	if n.frameLimit <= 0 {
		n.frameLimit = 10 * time.Second
	}
	if n.log == nil {
		n.log = func(line string) { fmt.Fprintln(os.Stderr, line) }
	}
	n.drops.log = n.log
	n.auth.log = n.log
	if err := n.SetClusterKeys(cfg.ClusterKeys); err != nil {
		p.Close()
		return nil, err
	}
	n.resolver = newResolver(func() { p.Wake() })
	return n, nil
}

// Close closes every stream (without Failed) and listener, and the
// poller.
func (n *Node) Close() {
	if n.closed {
		return
	}
	n.closed = true
	for _, s := range n.streams {
		s.shut()
	}
	for l := range n.listeners {
		l.Close()
	}
	n.poller.Close()
}

// Wake makes a blocked Wait return; any goroutine may call it.
func (n *Node) Wake() { n.poller.Wake() }

// Handler is the node's handler.
func (n *Node) Handler() Handler { return n.h }

// Stream is the live stream with token, or nil.
func (n *Node) Stream(token uint32) *Stream { return n.streams[token] } // shut removes dead ones

// Open is how many listeners and streams count against MaxConn.
func (n *Node) Open() int { return n.open }

func (n *Node) token() uint32 {
	n.nextToken++
	if n.nextToken == 0 {
		n.nextToken = 1
	}
	return n.nextToken
}

// Listen opens a listener on ip:port (port 0: any free port).
func (n *Node) Listen(ip string, port int) (*Listener, error) {
	if n.closed {
		return nil, ErrClosed
	}
	if n.open >= n.maxConn {
		return nil, ErrTooManyConnections
	}
	nl, err := netpoll.Listen(ip, port)
	if err != nil {
		return nil, err
	}
	l := &Listener{node: n, nl: nl, Token: n.token(), Port: int64(nl.Port())}
	if err := nl.Register(n.poller, l); err != nil {
		nl.Close()
		return nil, err
	}
	n.open++
	n.listeners[l] = struct{}{}
	return l, nil
}

// Connect starts connecting to host:port and never blocks: an IP literal
// is dialled at once (non-blocking), a name is resolved off the node's
// thread; the outcome is Connected or Failed. Frames sent before that are
// kept (up to the send cache) and go out once connected.
func (n *Node) Connect(host string, port int) (*Stream, error) {
	if n.closed {
		return nil, ErrClosed
	}
	if n.open >= n.maxConn {
		return nil, ErrTooManyConnections
	}
	s := n.newStream(host)
	if addr, err := netip.ParseAddr(host); err == nil {
		s.dial(addr, port)
	} else {
		s.resolving = true
		n.resolver.lookup(s.Token, host, port)
	}
	return s, nil
}

// newStream counts a stream against the cap and gives it a token.
func (n *Node) newStream(ip string) *Stream {
	s := n.newUncounted(ip)
	n.open++
	return s
}

// newUncounted is a stream that does not count against the cap (yet): an
// accepted one in the handshake.
func (n *Node) newUncounted(ip string) *Stream {
	s := &Stream{
		node:      n,
		IP:        ip,
		Token:     n.token(),
		sendCache: wire.DefaultCache,
		recvCache: wire.DefaultCache,
		timeout:   -1,
		born:      n.now(),
	}
	n.streams[s.Token] = s
	return s
}
