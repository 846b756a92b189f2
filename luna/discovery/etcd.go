package discovery

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

// DefaultTTL is the lease of an etcd announcement: a router killed with -9
// is gone from the prefix within it.
const DefaultTTL = 2 * time.Second

// etcdSource watches the keys under prefix/.
type etcdSource struct {
	spec      string
	endpoints []string
	prefix    string // with its trailing "/"
	ttl       time.Duration
}

// parseEtcd reads etcd:ENDPOINT[,ENDPOINT...]/PREFIX.
func parseEtcd(spec string, opts Options) (*etcdSource, error) {
	rest := strings.TrimPrefix(spec, "etcd:")
	var endpoints []string
	for {
		scheme := ""
		for _, p := range []string{"http://", "https://"} {
			if strings.HasPrefix(rest, p) {
				scheme, rest = p, rest[len(p):]
			}
		}
		i := strings.IndexAny(rest, ",/")
		if i < 0 {
			return nil, fmt.Errorf("bad %q: want etcd:host:port[,host:port...]/prefix", spec)
		}
		if err := checkAddr(rest[:i]); err != nil {
			return nil, fmt.Errorf("bad %q: %v", spec, err)
		}
		if scheme == "" {
			scheme = "http://"
		}
		endpoints = append(endpoints, scheme+rest[:i])
		sep := rest[i]
		rest = rest[i+1:]
		if sep == '/' {
			break
		}
	}
	prefix := strings.Trim(rest, "/")
	if prefix == "" {
		return nil, fmt.Errorf("bad %q: no prefix after the endpoints", spec)
	}
	return &etcdSource{spec: spec, endpoints: endpoints, prefix: "/" + prefix + "/", ttl: opts.TTL}, nil
}

func (e *etcdSource) String() string { return e.spec }

func (e *etcdSource) client() (*clientv3.Client, error) {
	return clientv3.New(clientv3.Config{
		Endpoints:            e.endpoints,
		DialTimeout:          2 * time.Second,
		DialKeepAliveTime:    2 * time.Second,
		DialKeepAliveTimeout: 2 * time.Second,
		Logger:               zap.NewNop(), // errors reach the watcher's update instead
	})
}

// Watch reads the prefix, then follows its changes; when the watch breaks
// (etcd restarted, the revision compacted) it reads the prefix again.
func (e *etcdSource) Watch(ctx context.Context, update func([]string, error)) {
	c, err := e.client()
	if err != nil {
		update(nil, fmt.Errorf("etcd %s: %w", strings.Join(e.endpoints, ","), err))
		return
	}
	defer c.Close()
	var last []string
	known, lastErr := false, ""
	fail := func(err error) {
		if err.Error() != lastErr {
			lastErr = err.Error()
			update(nil, fmt.Errorf("etcd %s: %w", strings.Join(e.endpoints, ","), err))
		}
	}
	for ctx.Err() == nil {
		set := map[string]string{} // key -> address
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		resp, err := c.Get(rctx, e.prefix, clientv3.WithPrefix())
		cancel()
		if err != nil {
			if ctx.Err() == nil {
				fail(err)
				sleep(ctx, time.Second)
			}
			continue
		}
		for _, kv := range resp.Kvs {
			set[string(kv.Key)] = string(kv.Value)
		}
		report := func() {
			addrs := addrsOf(set)
			lastErr = ""
			if !known || !slices.Equal(addrs, last) {
				known, last = true, addrs
				update(slices.Clone(addrs), nil)
			}
		}
		report()
		wch := c.Watch(clientv3.WithRequireLeader(ctx), e.prefix, clientv3.WithPrefix(), clientv3.WithRev(resp.Header.Revision+1))
		for w := range wch {
			if err := w.Err(); err != nil {
				fail(err)
				break
			}
			for _, ev := range w.Events {
				if ev.Type == clientv3.EventTypeDelete {
					delete(set, string(ev.Kv.Key))
				} else {
					set[string(ev.Kv.Key)] = string(ev.Kv.Value)
				}
			}
			report()
		}
		sleep(ctx, 200*time.Millisecond)
	}
}

// addrsOf is the sorted, valid, distinct addresses of an announcement set.
func addrsOf(set map[string]string) []string {
	var addrs []string
	for _, a := range set {
		if checkAddr(a) == nil && !slices.Contains(addrs, a) {
			addrs = append(addrs, a)
		}
	}
	slices.Sort(addrs)
	return addrs
}

func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// Announcement is a router's address under an etcd prefix, kept while the
// process lives.
type Announcement struct {
	cancel context.CancelFunc
	done   chan struct{}
}

// Announce puts addr under the prefix of an etcd: spec, as key prefix/addr
// with a lease of opts.TTL that it keeps alive, and puts it there again if
// the lease is lost (etcd restarted, the process was paused past the TTL).
// Failures go to logf. Close revokes the lease: the address is gone at once.
func Announce(spec, addr string, opts Options, logf func(format string, args ...any)) (*Announcement, error) {
	if !strings.HasPrefix(strings.TrimSpace(spec), "etcd:") {
		return nil, errors.New("only an etcd: source takes announcements")
	}
	if err := checkAddr(addr); err != nil {
		return nil, err
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	e, err := parseEtcd(strings.TrimSpace(spec), opts)
	if err != nil {
		return nil, err
	}
	c, err := e.client()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	a := &Announcement{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(a.done)
		defer c.Close()
		e.keep(ctx, c, addr, logf)
	}()
	return a, nil
}

// keep holds the announcement until ctx ends, then revokes it (whatever
// lease it got last, even one whose Put was cut short by the end).
func (e *etcdSource) keep(ctx context.Context, c *clientv3.Client, addr string, logf func(string, ...any)) {
	key := e.prefix + addr
	ttl := max(int64((e.ttl+time.Second-1)/time.Second), 1)
	var lease clientv3.LeaseID
	defer func() {
		if lease != 0 {
			rctx, cancel := context.WithTimeout(context.Background(), time.Second)
			c.Revoke(rctx, lease)
			cancel()
		}
	}()
	failed := false
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		g, err := c.Grant(rctx, ttl)
		if err == nil {
			lease = g.ID
			_, err = c.Put(rctx, key, addr, clientv3.WithLease(lease))
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if !failed {
				failed = true
				logf("etcd: cannot announce %s under %s: %v (retrying)", addr, e.prefix, err)
			}
			sleep(ctx, 500*time.Millisecond)
			continue
		}
		if failed {
			logf("etcd: announced %s under %s", addr, e.prefix)
			failed = false
		}
		if ka, err := c.KeepAlive(ctx, lease); err == nil {
			for range ka {
			}
		}
		if ctx.Err() != nil {
			return
		}
		logf("etcd: the lease of %s lapsed; announcing it again", addr)
	}
}

// Close revokes the announcement and waits (at most a second) for it.
func (a *Announcement) Close() {
	a.cancel()
	select {
	case <-a.done:
	case <-time.After(1500 * time.Millisecond):
	}
}
