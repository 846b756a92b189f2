package node

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// resolveTimeout bounds one name resolution.
const resolveTimeout = 10 * time.Second

// resolver resolves host names off the Lua thread (the reference's
// getaddrinfo blocked the loop). Each lookup runs on its own goroutine and
// hands its result back through a queue the node drains inside wait,
// after a Wake of its poller.
type resolver struct {
	wake func()
	mu   sync.Mutex
	done []resolved
}

type resolved struct {
	token uint32
	addr  netip.Addr
	port  int
	ok    bool
}

func newResolver(wake func()) *resolver { return &resolver{wake: wake} }

// lookup starts resolving host for the stream with token.
func (r *resolver) lookup(token uint32, host string, port int) {
	go func() {
		res := resolved{token: token, port: port}
		res.addr, res.ok = resolveHost(host)
		r.mu.Lock()
		r.done = append(r.done, res)
		r.mu.Unlock()
		r.wake()
	}()
}

// resolveHost returns the first address of host, IPv4 first. Names under
// .invalid never resolve (RFC 6761) and are not sent to a name server.
func resolveHost(host string) (netip.Addr, bool) {
	name := strings.TrimSuffix(strings.ToLower(host), ".")
	if name == "invalid" || strings.HasSuffix(name, ".invalid") {
		return netip.Addr{}, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
	if err != nil || len(addrs) == 0 {
		return netip.Addr{}, false
	}
	for _, a := range addrs {
		if a.Unmap().Is4() {
			return a.Unmap(), true
		}
	}
	return addrs[0], true
}

// deliver dials every stream whose name was resolved, or fails it with
// dns_error. Streams closed meanwhile are skipped.
func (r *resolver) deliver(n *Node) {
	r.mu.Lock()
	done := r.done
	r.done = nil
	r.mu.Unlock()
	for _, res := range done {
		s := n.streams[res.token]
		if s == nil || s.Dead() || !s.resolving {
			continue
		}
		s.resolving = false
		if !res.ok {
			s.fail(ReasonDNS)
			continue
		}
		s.dial(res.addr, res.port)
	}
}
