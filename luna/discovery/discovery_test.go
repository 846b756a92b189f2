package discovery_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/discovery"
	"github.com/luna-go/luna/luna/discovery/dnstest"
	"github.com/luna-go/luna/luna/discovery/etcdtest"
)

func TestParse(t *testing.T) {
	for _, c := range []struct{ spec, err string }{
		{"127.0.0.1:7001,127.0.0.1:7002", ""},
		{"[::1]:7001, router2:7002", ""},
		{"dns:routers.luna.svc:7000", ""},
		{"etcd:127.0.0.1:2379/luna/routers", ""},
		{"etcd:http://10.0.0.1:2379,https://10.0.0.2:2379/luna", ""},
		{"", "no router address"},
		{"router1", "want host:port"},
		{"router1:0", "1..65535"},
		{":7001", "no host"},
		{"dns:routers", "want dns:NAME:PORT"},
		{"dns:routers:http", "1..65535"},
		{"etcd:127.0.0.1:2379", "want etcd:"},
		{"etcd:127.0.0.1:2379/", "no prefix"},
		{"etcd:127.0.0.1/luna", "want host:port"},
	} {
		_, err := discovery.Parse(c.spec, discovery.Options{})
		switch {
		case c.err == "" && err != nil:
			t.Errorf("Parse(%q): %v", c.spec, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("Parse(%q): %v, want an error with %q", c.spec, err, c.err)
		}
	}
}

// watch runs src.Watch until the test ends and returns its updates.
func watch(t *testing.T, src discovery.Source) <-chan update {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan update, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		src.Watch(ctx, func(addrs []string, err error) { ch <- update{addrs, err} })
	}()
	t.Cleanup(func() { cancel(); <-done })
	return ch
}

type update struct {
	addrs []string
	err   error
}

// expect waits (at most limit) for an update with exactly want (nil want:
// an error).
func expect(t *testing.T, ch <-chan update, limit time.Duration, want ...string) {
	t.Helper()
	deadline := time.After(limit)
	for {
		select {
		case u := <-ch:
			if want == nil && u.err != nil || want != nil && u.err == nil && slices.Equal(u.addrs, want) {
				return
			}
			t.Logf("%s update %v %v (waiting for %v)", time.Now().Format("15:04:05.000"), u.addrs, u.err, want)
		case <-deadline:
			t.Fatalf("no update with %v within %v", want, limit)
		}
	}
}

func TestStatic(t *testing.T) {
	src, err := discovery.Parse("b:2, a:1,b:2", discovery.Options{})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, watch(t, src), time.Second, "a:1", "b:2")
}

// A dns: source follows the records of a DNS server the test controls:
// both families, an address that comes, one that goes, a name that
// disappears (an error, the set kept) and comes back.
func TestDNS(t *testing.T) {
	dns := dnstest.Start(t)
	dns.Set("routers.test", "127.0.0.11", "127.0.0.12")
	res, err := discovery.ResolverFor(dns.Addr)
	if err != nil {
		t.Fatal(err)
	}
	src, err := discovery.Parse("dns:routers.test:7000", discovery.Options{Interval: 100 * time.Millisecond, Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	ch := watch(t, src)
	expect(t, ch, 3*time.Second, "127.0.0.11:7000", "127.0.0.12:7000")
	dns.Set("routers.test", "127.0.0.12", "127.0.0.13", "::1")
	expect(t, ch, 3*time.Second, "127.0.0.12:7000", "127.0.0.13:7000", "[::1]:7000")
	dns.Set("routers.test")
	expect(t, ch, 3*time.Second)
	dns.Set("routers.test", "127.0.0.14")
	expect(t, ch, 3*time.Second, "127.0.0.14:7000")
	if dns.Queries() == 0 {
		t.Fatal("the test server answered nothing: the resolver was not the test's")
	}
}

// An etcd: source against a real etcd: announcements appear, Close takes
// one away at once, and one whose process stops keeping it alive goes
// within the lease.
func TestEtcd(t *testing.T) {
	etcd := etcdtest.Start(t)
	spec := "etcd:" + etcd.Endpoint + "/luna/routers"
	src, err := discovery.Parse(spec, discovery.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ch := watch(t, src)
	logf := func(f string, a ...any) { t.Logf(f, a...) }
	a1, err := discovery.Announce(spec, "127.0.0.1:7001", discovery.Options{TTL: 2 * time.Second}, logf)
	if err != nil {
		t.Fatal(err)
	}
	defer a1.Close()
	expect(t, ch, 5*time.Second, "127.0.0.1:7001")
	a2, err := discovery.Announce(spec, "127.0.0.1:7002", discovery.Options{TTL: 2 * time.Second}, logf)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, ch, 5*time.Second, "127.0.0.1:7001", "127.0.0.1:7002")
	start := time.Now()
	a2.Close()
	expect(t, ch, 2*time.Second, "127.0.0.1:7001")
	t.Logf("a closed announcement left the watchers' set in %v", time.Since(start).Round(time.Millisecond))

	// another prefix is not seen
	other, err := discovery.Announce("etcd:"+etcd.Endpoint+"/luna/other", "127.0.0.1:7009", discovery.Options{}, logf)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	select {
	case u := <-ch:
		t.Fatalf("an announcement under another prefix changed the set: %v %v", u.addrs, u.err)
	case <-time.After(300 * time.Millisecond):
	}
}
