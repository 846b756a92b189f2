package luna

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/luna-go/luna/luna/discovery"
)

// Environment of discovery (luna/discovery): LUNA_DNS_SERVER=ip:port asks
// that DNS server instead of the system's resolver, and
// LUNA_DISCOVERY_INTERVAL_MS is how often a dns: source looks again.
const (
	envDNSServer         = "LUNA_DNS_SERVER"
	envDiscoveryInterval = "LUNA_DISCOVERY_INTERVAL_MS"
)

// discoveryState is what luna.discover and luna.announce started; only the
// loop's thread touches it.
type discoveryState struct {
	last      int64
	watchers  map[int64]context.CancelFunc
	announced map[int64]*discovery.Announcement
}

func discoveryOptions() (discovery.Options, error) {
	res, err := discovery.ResolverFor(os.Getenv(envDNSServer))
	if err != nil {
		return discovery.Options{}, fmt.Errorf("%s: %w", envDNSServer, err)
	}
	return discovery.Options{Resolver: res, Interval: envMillis(envDiscoveryInterval, discovery.DefaultInterval)}, nil
}

// discover is luna._discover(spec) -> id: a watcher of the routers spec
// names, whose sets reach luna._discovered(id, "addr,addr", nil) and whose
// errors luna._discovered(id, nil, message), always from a wait. A bad
// spec raises.
func (rt *Runtime) discover(spec string) int64 {
	opts, err := discoveryOptions()
	if err != nil {
		raise("%s", err)
	}
	src, err := discovery.Parse(spec, opts)
	if err != nil {
		raise("%s", err)
	}
	d := &rt.discovery
	if d.watchers == nil {
		d.watchers = map[int64]context.CancelFunc{}
	}
	d.last++
	id := d.last
	ctx, cancel := context.WithCancel(context.Background())
	d.watchers[id] = cancel
	go src.Watch(ctx, func(addrs []string, err error) {
		joined, msg := any(strings.Join(addrs, ",")), any(nil)
		if err != nil {
			joined, msg = nil, err.Error()
		}
		rt.onLoop(func() {
			if _, live := d.watchers[id]; !live {
				return
			}
			if err := rt.cb.CallField("luna", "_discovered", nil, id, joined, msg); err != nil {
				rt.reportError("luna.discover", 0, err)
			}
		})
	})
	return id
}

// undiscover is luna._undiscover(id): the watcher stops; no update of it
// reaches Lua any more.
func (rt *Runtime) undiscover(id int64) {
	if cancel, ok := rt.discovery.watchers[id]; ok {
		cancel()
		delete(rt.discovery.watchers, id)
	}
}

// announce is luna._announce(spec, addr) -> id: addr is put under the
// etcd: spec's prefix for as long as the process lives (or until
// luna._unannounce). Anything but an etcd: spec, or a bad address, raises.
func (rt *Runtime) announce(spec, addr string) int64 {
	a, err := discovery.Announce(spec, addr, discovery.Options{}, func(format string, args ...any) {
		line := "luna: " + fmt.Sprintf(format, args...)
		rt.onLoop(func() { logLine(line) })
	})
	if err != nil {
		raise("announce: %s", err)
	}
	d := &rt.discovery
	if d.announced == nil {
		d.announced = map[int64]*discovery.Announcement{}
	}
	d.last++
	d.announced[d.last] = a
	return d.last
}

// unannounce is luna._unannounce(id): the address leaves the prefix now
// (the lease is revoked; this waits up to 1.5 s for etcd).
func (rt *Runtime) unannounce(id int64) {
	if a, ok := rt.discovery.announced[id]; ok {
		delete(rt.discovery.announced, id)
		a.Close()
	}
}

// closeDiscovery stops every watcher and withdraws every announcement.
func (rt *Runtime) closeDiscovery() {
	for id := range rt.discovery.watchers {
		rt.undiscover(id)
	}
	for id := range rt.discovery.announced {
		rt.unannounce(id)
	}
}
