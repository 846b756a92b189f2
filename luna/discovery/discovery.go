// Package discovery finds a cluster's routers: a source named by a spec
// string yields the set of their addresses ("host:port") and tells its
// watcher each time the set changes. Pure Go, no Lua: the luna package
// hands the sets to scripts through the loop (luna.discover).
//
// Specs:
//
//	host:port,host:port      a static list
//	dns:NAME:PORT            every address NAME resolves to (A and AAAA),
//	                         looked up again every Interval
//	etcd:ENDPOINTS/PREFIX    the values of the keys under PREFIX/ in etcd
//	                         (ENDPOINTS: host:port or http(s)://host:port,
//	                         comma-separated), watched; routers put
//	                         themselves there with Announce
package discovery

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultInterval is how often a dns: source looks its name up again.
const DefaultInterval = time.Second

// Options tune a source; the zero value is the defaults.
type Options struct {
	// Interval between DNS lookups (DefaultInterval when 0).
	Interval time.Duration
	// Resolver for dns: (net.DefaultResolver when nil).
	Resolver *net.Resolver
	// TTL of an etcd announcement's lease (DefaultTTL when 0).
	TTL time.Duration
}

// Source yields router addresses.
type Source interface {
	// Watch calls update with the whole set, sorted, first as soon as it
	// is known and then each time it changes, until ctx ends. A failed
	// lookup calls update(nil, err) once per new error; the set in force
	// stays the last one reported.
	Watch(ctx context.Context, update func(addrs []string, err error))
	// String is the spec, for logs.
	String() string
}

// Parse makes the source a spec names; opts may be the zero value.
func Parse(spec string, opts Options) (Source, error) {
	spec = strings.TrimSpace(spec)
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	switch {
	case strings.HasPrefix(spec, "dns:"):
		return parseDNS(spec, opts)
	case strings.HasPrefix(spec, "etcd:"):
		return parseEtcd(spec, opts)
	}
	return parseStatic(spec)
}

// checkAddr validates one "host:port" (IPv6 in brackets).
func checkAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("bad address %q (want host:port)", addr)
	}
	if host == "" {
		return fmt.Errorf("bad address %q: no host", addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("bad address %q: the port must be 1..65535", addr)
	}
	return nil
}

// static is a fixed list.
type static struct {
	spec  string
	addrs []string
}

func parseStatic(spec string) (Source, error) {
	var addrs []string
	for _, a := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
		if err := checkAddr(a); err != nil {
			return nil, err
		}
		if !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no router address in %q (want host:port,..., dns:NAME:PORT or etcd:ENDPOINTS/PREFIX)", spec)
	}
	slices.Sort(addrs)
	return &static{spec: spec, addrs: addrs}, nil
}

func (s *static) String() string { return s.spec }

func (s *static) Watch(ctx context.Context, update func([]string, error)) {
	update(slices.Clone(s.addrs), nil)
}

// dnsSource looks a name up every interval.
type dnsSource struct {
	spec, name, port string
	every            time.Duration
	res              *net.Resolver
}

func parseDNS(spec string, opts Options) (Source, error) {
	rest := strings.TrimPrefix(spec, "dns:")
	i := strings.LastIndexByte(rest, ':')
	if i <= 0 {
		return nil, fmt.Errorf("bad %q: want dns:NAME:PORT", spec)
	}
	name, port := rest[:i], rest[i+1:]
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return nil, fmt.Errorf("bad %q: the port must be 1..65535", spec)
	}
	res := opts.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	return &dnsSource{spec: spec, name: name, port: port, every: opts.Interval, res: res}, nil
}

func (d *dnsSource) String() string { return d.spec }

func (d *dnsSource) Watch(ctx context.Context, update func([]string, error)) {
	var last []string
	var lastErr string
	known := false
	t := time.NewTicker(d.every)
	defer t.Stop()
	for {
		addrs, err := d.lookup(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if err.Error() != lastErr {
				lastErr = err.Error()
				update(nil, err)
			}
		default:
			lastErr = ""
			if !known || !slices.Equal(addrs, last) {
				known, last = true, addrs
				update(slices.Clone(addrs), nil)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// lookup resolves the name once (at most one interval, and 5 s).
func (d *dnsSource) lookup(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, min(max(d.every, time.Second), 5*time.Second))
	defer cancel()
	ips, err := d.res.LookupIPAddr(ctx, d.name)
	if err != nil {
		return nil, fmt.Errorf("dns %s: %w", d.name, err)
	}
	var addrs []string
	for _, ip := range ips {
		a := net.JoinHostPort(ip.IP.String(), d.port)
		if !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	slices.Sort(addrs)
	return addrs, nil
}

// ResolverFor returns a resolver that asks the DNS server at addr
// (ip:port) instead of the system's, or the default one when addr is "".
func ResolverFor(addr string) (*net.Resolver, error) {
	if addr == "" {
		return net.DefaultResolver, nil
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, fmt.Errorf("bad DNS server %q (want ip:port)", addr)
	}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}, nil
}
