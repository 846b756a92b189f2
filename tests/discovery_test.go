package tests

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/luna-go/luna/luna/discovery/dnstest"
	"github.com/luna-go/luna/luna/discovery/etcdtest"
)

// discoverySvcs are the services the discovery tests run: a game server
// that needs both other groups, and one instance of each of those.
var discoverySvcs = []string{"dbagent.1", "matchsvr.1", "gamesvr.1"}

func startDiscoveryServices(c *cluster) {
	c.startService("dbagent", 1)
	c.startService("matchsvr", 1)
	c.startService("gamesvr", 1)
}

// waitEvery waits (at most limit) for a line with every one of parts in
// the output of each service since mark, and returns how long it took.
func waitEvery(c *cluster, mark map[string]int, limit time.Duration, parts ...string) time.Duration {
	c.t.Helper()
	start := time.Now()
	for _, s := range discoverySvcs {
		p := c.p(s)
		c.waitFor(limit-time.Since(start), fmt.Sprintf("%s: a line with %q", s, parts), func() bool {
			return find(p, mark[s], parts...) >= 0
		})
	}
	return time.Since(start)
}

// waitReplies waits for n more replies of each kind to gamesvr.1 through
// router addr.
func waitReplies(c *cluster, mark map[string]int, addr string, n int) {
	c.t.Helper()
	game := c.p("gamesvr.1")
	c.waitFor(5*time.Second, fmt.Sprintf("%d replies of each kind through %s", n, addr), func() bool {
		return count(game, mark["gamesvr.1"], "<- player_saved", "via "+addr+" ") >= n &&
			count(game, mark["gamesvr.1"], "<- match_joined", "via "+addr+" ") >= n
	})
}

// Services find their routers by DNS, from a server the test controls: a
// router added to the name is used by every service within 3 s; one killed
// with -9 and taken out of the name is dropped within 3 s, and the calls go
// on through the other.
func TestClusterDNSDiscovery(t *testing.T) {
	dns := dnstest.Start(t)
	const name = "routers.luna.test"
	port := freePort(t)
	c := newCluster(t)
	c.source = "dns:" + name + ":" + port
	c.env = []string{"LUNA_DNS_SERVER=" + dns.Addr, "LUNA_DISCOVERY_INTERVAL_MS=200"}
	dns.Set(name, "127.0.0.1")
	r1 := c.startRouter(1, "127.0.0.1:"+port)
	startDiscoveryServices(c)
	c.waitRegistered(1, 0, discoverySvcs...)
	waitReplies(c, c.marks(), r1, 2)

	mark := c.marks()
	r2 := c.startRouter(2, "127.0.0.2:"+port)
	dns.Set(name, "127.0.0.1", "127.0.0.2")
	took := waitEvery(c, mark, 3*time.Second, "registered on router 2 ("+r2+")")
	t.Logf("every service registered on router 2 %v after the name gained it", took.Round(time.Millisecond))
	waitReplies(c, mark, r2, 1)

	mark = c.marks()
	c.kill("router.1")
	dns.Set(name, "127.0.0.2")
	took = waitEvery(c, mark, 3*time.Second, "router "+r1+" left "+c.source+"; forgotten")
	t.Logf("every service forgot the killed router %v after the kill", took.Round(time.Millisecond))
	waitReplies(c, c.marks(), r2, 3)

	c.stop(discoverySvcs...)
	c.stop("router.2")
	c.checkErrors("(connect_failed)", "WARN no reply to")
	if n := count(c.p("gamesvr.1"), 0, "WARN no reply to"); n > 4 {
		t.Errorf("%d requests without a reply, want at most the few in flight through router 1", n)
	}
}

// Routers announce themselves in a real etcd and services watch the
// prefix: a new router is used within 3 s; one killed with -9 is gone from
// etcd when its lease lapses and every service drops it within 3 s.
func TestClusterEtcdDiscovery(t *testing.T) {
	etcd := etcdtest.Start(t)
	c := newCluster(t)
	c.source = "etcd:" + etcd.Endpoint + "/luna/routers"
	r1 := c.startRouter(1, "127.0.0.1:0")
	startDiscoveryServices(c)
	c.waitRegistered(1, 0, discoverySvcs...)
	waitReplies(c, c.marks(), r1, 2)

	mark := c.marks()
	started := time.Now()
	r2 := c.startRouter(2, "127.0.0.1:0")
	waitEvery(c, mark, 3*time.Second, "registered on router 2 ("+r2+")")
	t.Logf("every service registered on router 2 %v after it started", time.Since(started).Round(time.Millisecond))
	waitReplies(c, mark, r2, 1)

	mark = c.marks()
	c.kill("router.1")
	// its links die with it: every service stops using it at once; its
	// address leaves etcd when its 2 s lease lapses (etcd checks leases
	// every 500 ms), and then the services forget it
	lost := waitEvery(c, mark, 3*time.Second, "lost router "+r1+" (")
	forgot := waitEvery(c, mark, 5*time.Second, "router "+r1+" left "+c.source+"; forgotten")
	t.Logf("every service stopped using the killed router %v after the kill, and forgot it %v after (its lease: 2 s)",
		lost.Round(time.Millisecond), forgot.Round(time.Millisecond))
	waitReplies(c, c.marks(), r2, 3)

	c.stop(discoverySvcs...)
	c.stop("router.2")
	c.checkErrors("(connect_failed)", "WARN no reply to")
}

// A rolling restart of every router under steady traffic, with routers
// found in etcd: each router in turn gets SIGTERM (it withdraws its
// address, tells its services it is leaving and forwards what is in
// flight) and a new one starts. No service is ever without a router, and
// every request gets its reply.
func TestClusterRollingRestart(t *testing.T) {
	etcd := etcdtest.Start(t)
	c := newCluster(t)
	c.source = "etcd:" + etcd.Endpoint + "/luna/routers"
	c.startRouter(1, "127.0.0.1:0")
	c.startRouter(2, "127.0.0.1:0")
	startDiscoveryServices(c)
	c.waitRegistered(1, 0, discoverySvcs...)
	c.waitRegistered(2, 0, discoverySvcs...)
	begin := c.marks()
	waitReplies(c, begin, c.routers[0], 2)
	waitReplies(c, begin, c.routers[1], 2)

	for round := 1; round <= 2; round++ {
		for n := 1; n <= 2; n++ {
			name := fmt.Sprintf("router.%d", n)
			mark := c.marks()
			old := c.routers[n-1]
			p := c.p(name)
			p.cmd.Process.Signal(syscall.SIGTERM)
			if code := p.wait(10 * time.Second); code != 0 {
				t.Fatalf("%s exited with %d after SIGTERM", name, code)
			}
			waitEvery(c, mark, 3*time.Second, "router "+old+" left "+c.source+"; forgotten")
			addr := c.startRouter(n, "127.0.0.1:0")
			took := waitEvery(c, mark, 3*time.Second, "registered on router "+fmt.Sprint(n)+" ("+addr+")")
			t.Logf("round %d: every service registered on the new router %d %v after it started", round, n,
				took.Round(time.Millisecond))
			waitReplies(c, mark, addr, 1)
		}
	}
	game := c.p("gamesvr.1")
	if n := count(game, begin["gamesvr.1"], "WARN no reply to"); n > 0 {
		t.Errorf("%d requests without a reply during the rolling restart", n)
	}
	for _, s := range discoverySvcs {
		if i := find(c.p(s), begin[s], "no router reaches"); i >= 0 {
			t.Errorf("%s was without a router: %s", s, lines(c.p(s))[i])
		}
	}
	c.stop(discoverySvcs...)
	c.stop("router.1", "router.2")
	c.checkErrors("(connect_failed)")
}

// luna.cluster as an API, without the example: a router in three lines,
// services that get on_router(up/down) and on_member callbacks, each
// forward helper delivered through the router, and reply() back.
func TestClusterAPI(t *testing.T) {
	env := []string{clusterHeartbeat}
	router := startLuna(t, env, script("cluster_api_router.lua"))
	addr := "127.0.0.1:" + strings.TrimPrefix(router.waitLine("READY ", 10*time.Second), "READY ")
	env = append(env, "LUNA_ROUTERS="+addr)
	b := startLuna(t, env, script("cluster_api_service.lua"), "5", "1")
	b.waitLine("ROUTER "+addr+" up", 10*time.Second)
	router.waitLine(fmt.Sprintf("MEMBER %d up", serviceID(5, 1)), 5*time.Second)
	a := startLuna(t, env, script("cluster_api_service.lua"), "6", "1", fmt.Sprint(serviceID(5, 1)))
	a.waitLine("SENT", 10*time.Second)
	for _, want := range []string{"GOT direct 1", "GOT all 2", "GOT any 3", "GOT hashed 4", "GOT boss 5"} {
		if got := b.waitLine(want, 5*time.Second); got != want+" from "+addr {
			t.Errorf("%q, want %q", got, want+" from "+addr)
		}
	}
	a.cmd.Process.Signal(syscall.SIGTERM)
	if code := a.wait(10 * time.Second); code != 0 {
		t.Errorf("service exited with %d after SIGTERM", code)
	}
	router.waitLine(fmt.Sprintf("MEMBER %d down", serviceID(6, 1)), 5*time.Second)
	router.cmd.Process.Kill()
	b.waitLine("ROUTER "+addr+" down", 5*time.Second)
}
