package tests

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The example cluster (scripts/cluster) under test: real routers and
// services on 127.0.0.1, routers on ephemeral ports (or on a port chosen
// here when a router must come back on the same one). Heartbeats and game
// rounds are faster than the defaults so that failures are seen in about
// a second (a peer is dropped after 4 silent heartbeats).
const (
	clusterHeartbeat = "LUNA_HEARTBEAT_MS=250"
	clusterTick      = "LUNA_TICK_MS=200"
)

// errorLine matches what counts as an error in the cluster's output: a Lua
// error or traceback, a failed load, a WARN line of the scripts (unknown
// message, a call not sent, a request without a reply, ...), a frame the
// runtime dropped or a connection it refused. Each test names the few it
// expects (e.g. connect_failed while a router is down).
var errorLine = regexp.MustCompile(`(?i)error|fail|traceback|panic|warn|luna: dropped|refused|attempt to`)

func clusterScript(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "scripts", "cluster", name))
	return p
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// lines returns a copy of the lines p printed so far.
func lines(p *proc) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.out...)
}

// count returns how many lines of p from index since on contain every one
// of parts.
func count(p *proc, since int, parts ...string) int {
	n := 0
	for _, l := range lines(p)[since:] {
		if containsAll(l, parts) {
			n++
		}
	}
	return n
}

// find returns the index of the first line of p from since on that contains
// every one of parts, or -1.
func find(p *proc, since int, parts ...string) int {
	ls := lines(p)
	for i := since; i < len(ls); i++ {
		if containsAll(ls[i], parts) {
			return i
		}
	}
	return -1
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// cluster is a set of named luna processes of the example cluster.
type cluster struct {
	t       *testing.T
	routers []string // "127.0.0.1:port" of router 1, 2, ...
	procs   map[string]*proc
	order   []string
	// source, when set, is every process's LUNA_ROUTERS (dns:, etcd:)
	// instead of the routers' addresses; env goes to every process
	source string
	env    []string
}

func newCluster(t *testing.T) *cluster {
	c := &cluster{t: t, procs: map[string]*proc{}}
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range c.order {
				t.Logf("---- %s ----\n%s", name, c.procs[name].output())
			}
		}
	})
	return c
}

func (c *cluster) add(name string, p *proc) *proc {
	if _, ok := c.procs[name]; !ok {
		c.order = append(c.order, name)
	}
	c.procs[name] = p
	return p
}

// startRouter starts router n listening on listen ("127.0.0.1:0" for an
// ephemeral port) and returns its address once it printed READY.
func (c *cluster) startRouter(n int, listen string) string {
	c.t.Helper()
	name := fmt.Sprintf("router.%d", n)
	env := append([]string{clusterHeartbeat}, c.env...)
	if c.source != "" {
		env = append(env, "LUNA_ROUTERS="+c.source)
	}
	p := c.add(name, startLuna(c.t, env, clusterScript("router.lua"),
		"LUNA_INDEX="+strconv.Itoa(n), "LUNA_LISTEN="+listen))
	port := strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
	host, _, _ := net.SplitHostPort(listen)
	addr := net.JoinHostPort(host, port)
	for len(c.routers) < n {
		c.routers = append(c.routers, "")
	}
	c.routers[n-1] = addr
	return addr
}

// startService starts kind.index (kind: gamesvr, dbagent, matchsvr) with
// LUNA_ROUTERS in its environment and LUNA_INDEX as an argument.
func (c *cluster) startService(kind string, index int, extra ...string) *proc {
	c.t.Helper()
	source := c.source
	if source == "" {
		source = strings.Join(c.routers, ",")
	}
	env := append([]string{"LUNA_ROUTERS=" + source, clusterHeartbeat, clusterTick}, c.env...)
	args := append([]string{clusterScript(kind + ".lua"), "LUNA_INDEX=" + strconv.Itoa(index)}, extra...)
	return c.add(fmt.Sprintf("%s.%d", kind, index), startLuna(c.t, env, args...))
}

func (c *cluster) p(name string) *proc {
	p, ok := c.procs[name]
	if !ok {
		c.t.Fatalf("no process %s", name)
	}
	return p
}

// marks returns the number of lines each process printed so far.
func (c *cluster) marks() map[string]int {
	m := map[string]int{}
	for name, p := range c.procs {
		m[name] = len(lines(p))
	}
	return m
}

// waitFor polls cond every 50 ms for at most limit.
func (c *cluster) waitFor(limit time.Duration, what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("not within %v: %s", limit, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRegistered waits until router n has registered every service named
// (after line since of the router's output).
func (c *cluster) waitRegistered(n, since int, services ...string) {
	c.t.Helper()
	r := c.p(fmt.Sprintf("router.%d", n))
	for _, s := range services {
		c.waitFor(10*time.Second, fmt.Sprintf("router %d registers %s", n, s), func() bool {
			return find(r, since, fmt.Sprintf("[router %d] registered %s ", n, s)) >= 0
		})
	}
}

// stop sends SIGTERM to the named processes, in order, and checks that each
// exits with code 0.
func (c *cluster) stop(names ...string) {
	c.t.Helper()
	for _, name := range names {
		p := c.p(name)
		p.cmd.Process.Signal(syscall.SIGTERM)
		if code := p.wait(10 * time.Second); code != 0 {
			c.t.Errorf("%s exited with %d after SIGTERM, want 0", name, code)
		}
	}
}

// kill sends SIGKILL to a process and waits for it.
func (c *cluster) kill(name string) {
	c.t.Helper()
	p := c.p(name)
	p.cmd.Process.Kill()
	p.wait(10 * time.Second)
}

// checkErrors fails the test for every error line of every process, except
// lines that contain one of allowed.
func (c *cluster) checkErrors(allowed ...string) {
	c.t.Helper()
	for _, name := range c.order {
	next:
		for _, l := range lines(c.procs[name]) {
			if !errorLine.MatchString(l) {
				continue
			}
			for _, a := range allowed {
				if strings.Contains(l, a) {
					continue next
				}
			}
			c.t.Errorf("%s: error line: %s", name, l)
		}
	}
}

var allServices = []string{"dbagent.1", "dbagent.2", "matchsvr.1", "matchsvr.2", "gamesvr.1", "gamesvr.2"}

// startFull starts 2 routers (router 1 on listen1) and the six services.
// gamesvr.2 gets its routers from a command-line argument that overrides a
// useless LUNA_ROUTERS in its environment.
func startFull(t *testing.T, listen1 string) *cluster {
	c := newCluster(t)
	c.startRouter(1, listen1)
	c.startRouter(2, "127.0.0.1:0")
	for _, i := range []int{1, 2} {
		c.startService("dbagent", i)
		c.startService("matchsvr", i)
	}
	c.startService("gamesvr", 1)
	routers := c.routers
	c.routers = []string{"127.0.0.1:1"}
	c.startService("gamesvr", 2, "LUNA_ROUTERS="+strings.Join(routers, ","))
	c.routers = routers
	c.waitRegistered(1, 0, allServices...)
	c.waitRegistered(2, 0, allServices...)
	return c
}

// The whole cluster runs for about 10 s: every gamesvr gets its players
// loaded and saved by both dbagents, joins matches on matchsvr.1 (the
// master), through both routers; nothing prints an error; SIGTERM stops
// everything cleanly.
func TestClusterRunsCleanly(t *testing.T) {
	start := time.Now()
	c := startFull(t, "127.0.0.1:0")
	// matchsvr.2 is master on a router until matchsvr.1 registers there too:
	// count match replies from when every router has every service
	time.Sleep(500 * time.Millisecond)
	steady := c.marks()
	time.Sleep(10*time.Second - time.Since(start))

	for _, g := range []string{"gamesvr.1", "gamesvr.2"} {
		p := c.p(g)
		for _, reply := range []string{"<- player_loaded", "<- player_saved", "<- match_joined"} {
			if n := count(p, 0, reply); n < 10 {
				t.Errorf("%s: %d lines %q in 10 s, want >= 10", g, n, reply)
			}
		}
		if n, m := count(p, steady[g], "<- match_joined"), count(p, steady[g], "<- match_joined", "from matchsvr.1 "); n != m {
			t.Errorf("%s: %d of %d match replies from matchsvr.1, want all", g, m, n)
		}
		for _, r := range c.routers {
			if count(p, 0, "<- ", "via "+r+" ") == 0 {
				t.Errorf("%s: no reply came through router %s", g, r)
			}
		}
	}
	for _, db := range []string{"dbagent.1", "dbagent.2"} {
		if count(c.p("gamesvr.1"), 0, "<- player_loaded", "from "+db+" ")+
			count(c.p("gamesvr.2"), 0, "<- player_loaded", "from "+db+" ") == 0 {
			t.Errorf("no player was loaded by %s (keys are hashed over both)", db)
		}
	}
	for _, n := range []int{1, 2} {
		r := c.p(fmt.Sprintf("router.%d", n))
		last := ""
		for _, l := range lines(r) {
			if strings.Contains(l, "master of match") {
				last = l
			}
		}
		if want := fmt.Sprintf("[router %d] master of match is now matchsvr.1", n); last != want {
			t.Errorf("router %d: last master line %q, want %q", n, last, want)
		}
	}
	if find(c.p("gamesvr.2"), 0, "127.0.0.1:1") >= 0 {
		t.Errorf("gamesvr.2 used LUNA_ROUTERS of its environment, not of its argument")
	}

	c.stop(allServices...)
	c.stop("router.1", "router.2")
	for _, n := range []int{1, 2} {
		for _, s := range allServices {
			if find(c.p(fmt.Sprintf("router.%d", n)), 0, "] left "+s+" ") < 0 {
				t.Errorf("router %d did not log that %s left", n, s)
			}
		}
	}
	c.checkErrors()
}

// kill -9 of the master matchsvr: the routers keep its slot with token 0,
// elect matchsvr.2, and join_match calls are answered by it.
func TestClusterMatchFailover(t *testing.T) {
	c := newCluster(t)
	c.startRouter(1, "127.0.0.1:0")
	c.startRouter(2, "127.0.0.1:0")
	c.startService("dbagent", 1)
	c.startService("matchsvr", 1)
	c.startService("matchsvr", 2)
	c.startService("gamesvr", 1)
	svcs := []string{"dbagent.1", "matchsvr.1", "matchsvr.2", "gamesvr.1"}
	c.waitRegistered(1, 0, svcs...)
	c.waitRegistered(2, 0, svcs...)
	game := c.p("gamesvr.1")
	c.waitFor(10*time.Second, "a match reply from matchsvr.1", func() bool {
		return find(game, 0, "<- match_joined", "from matchsvr.1 ") >= 0
	})

	mark := c.marks()
	c.kill("matchsvr.1")
	killed := time.Now()
	for _, n := range []int{1, 2} {
		name := fmt.Sprintf("router.%d", n)
		r := c.p(name)
		c.waitFor(5*time.Second, fmt.Sprintf("router %d elects matchsvr.2", n), func() bool {
			lost := find(r, mark[name], fmt.Sprintf("[router %d] lost matchsvr.1 (0x30001) token", n), "slot kept")
			return lost >= 0 && find(r, lost, fmt.Sprintf("[router %d] master of match is now matchsvr.2", n)) >= 0
		})
	}
	standby := c.p("matchsvr.2")
	c.waitFor(5*time.Second, "matchsvr.2 says it is master", func() bool {
		return find(standby, mark["matchsvr.2"], "[matchsvr.2] now master of match") >= 0
	})
	c.waitFor(5*time.Second, "3 match replies from matchsvr.2", func() bool {
		return count(game, mark["gamesvr.1"], "<- match_joined", "from matchsvr.2 ") >= 3
	})
	t.Logf("failover: matchsvr.2 answered 3 join_match calls %v after the kill", time.Since(killed).Round(time.Millisecond))
	if n := count(game, mark["gamesvr.1"], "<- match_joined", "from matchsvr.1 "); n > 1 {
		t.Errorf("%d replies from the killed matchsvr.1", n)
	}
	// in-flight calls to the dead master are lost and reported, no others
	if n := count(game, 0, "WARN no reply to"); n > 3 {
		t.Errorf("%d requests without a reply, want at most 3 (the ones in flight at the kill)", n)
	}
	if n := count(game, 0, "WARN no reply to", "load_player"); n > 0 {
		t.Errorf("%d load_player requests without a reply", n)
	}

	c.stop("gamesvr.1", "matchsvr.2", "dbagent.1", "router.1", "router.2")
	c.checkErrors("WARN no reply to join_match")
}

// A service that stops answering (SIGSTOP) is dropped by the routers after
// 4 heartbeats; its keys go to the other dbagent; after SIGCONT it comes
// back and registers again.
func TestClusterSilentServiceDropped(t *testing.T) {
	c := newCluster(t)
	c.startRouter(1, "127.0.0.1:0")
	c.startRouter(2, "127.0.0.1:0")
	c.startService("dbagent", 1)
	c.startService("dbagent", 2)
	c.startService("matchsvr", 1)
	c.startService("gamesvr", 1)
	svcs := []string{"dbagent.1", "dbagent.2", "matchsvr.1", "gamesvr.1"}
	c.waitRegistered(1, 0, svcs...)
	c.waitRegistered(2, 0, svcs...)
	game := c.p("gamesvr.1")
	c.waitFor(10*time.Second, "players loaded by dbagent.2", func() bool {
		return find(game, 0, "<- player_loaded", "from dbagent.2 ") >= 0
	})

	mark := c.marks()
	db2 := c.p("dbagent.2")
	db2.cmd.Process.Signal(syscall.SIGSTOP)
	for _, n := range []int{1, 2} {
		name := fmt.Sprintf("router.%d", n)
		r := c.p(name)
		c.waitFor(5*time.Second, fmt.Sprintf("router %d drops the silent dbagent.2", n), func() bool {
			return find(r, mark[name], fmt.Sprintf("[router %d] dropped dbagent.2 (0x20002) token", n), "silent for") >= 0
		})
	}
	after := c.marks()
	c.waitFor(5*time.Second, "the stopped dbagent's keys served by dbagent.1", func() bool {
		// player:101..108 hash over 2 slots: within 8 rounds every key has come by
		return count(game, after["gamesvr.1"], "<- player_loaded", "from dbagent.1 ") >= 8
	})
	if n := count(game, after["gamesvr.1"], "<- player_loaded", "from dbagent.2 "); n > 0 {
		t.Errorf("%d players loaded by the stopped dbagent.2", n)
	}

	db2.cmd.Process.Signal(syscall.SIGCONT)
	c.waitFor(5*time.Second, "dbagent.2 registers again on both routers", func() bool {
		return find(db2, mark["dbagent.2"], "[dbagent.2] lost router") >= 0 &&
			count(db2, mark["dbagent.2"], "[dbagent.2] registered on router") == 2
	})
	c.waitRegistered(1, mark["router.1"], "dbagent.2")
	c.waitRegistered(2, mark["router.2"], "dbagent.2")
	back := c.marks()
	c.waitFor(5*time.Second, "players loaded by dbagent.2 again", func() bool {
		return find(game, back["gamesvr.1"], "<- player_loaded", "from dbagent.2 ") >= 0
	})

	c.stop("gamesvr.1", "matchsvr.1", "dbagent.1", "dbagent.2", "router.1", "router.2")
	// requests hashed to dbagent.2 while it was stopped but not yet dropped
	c.checkErrors("WARN no reply to load_player", "WARN no reply to save_player")
}

// One of two routers dies: every service goes on through the other; the
// router comes back on the same port and every service registers on it
// again and uses it.
func TestClusterRouterLoss(t *testing.T) {
	port := freePort(t)
	c := startFull(t, "127.0.0.1:"+port)
	r1, r2 := c.routers[0], c.routers[1]
	games := []string{"gamesvr.1", "gamesvr.2"}
	for _, g := range games {
		p := c.p(g)
		c.waitFor(10*time.Second, g+" gets replies through both routers", func() bool {
			return find(p, 0, "<- ", "via "+r1+" ") >= 0 && find(p, 0, "<- ", "via "+r2+" ") >= 0
		})
	}

	mark := c.marks()
	c.kill("router.1")
	lost := map[string]int{}
	for _, s := range allServices {
		p := c.p(s)
		c.waitFor(5*time.Second, s+" notices that router 1 is gone", func() bool {
			lost[s] = find(p, mark[s], "lost router "+r1+" (")
			return lost[s] >= 0
		})
	}
	for _, g := range games {
		p := c.p(g)
		c.waitFor(5*time.Second, g+" keeps working through router 2", func() bool {
			return count(p, lost[g], "<- player_saved", "via "+r2+" ") >= 3 &&
				count(p, lost[g], "<- match_joined", "via "+r2+" ") >= 3
		})
		if n := count(p, lost[g], "<- ", "via "+r1+" "); n > 0 {
			t.Errorf("%s: %d replies through the dead router", g, n)
		}
	}

	if addr := c.startRouter(1, "127.0.0.1:"+port); addr != r1 {
		t.Fatalf("router 1 came back on %s, want %s", addr, r1)
	}
	c.waitRegistered(1, 0, allServices...)
	for _, s := range allServices {
		p := c.p(s)
		c.waitFor(5*time.Second, s+" registers on router 1 again", func() bool {
			return find(p, lost[s], "registered on router 1 ("+r1+")") >= 0
		})
	}
	back := c.marks()
	for _, g := range games {
		p := c.p(g)
		c.waitFor(5*time.Second, g+" uses router 1 again", func() bool {
			return find(p, back[g], "<- ", "via "+r1+" ") >= 0
		})
	}

	c.stop(allServices...)
	c.stop("router.1", "router.2")
	// connect_failed while router 1 was down; requests in flight through it when it died
	c.checkErrors("(connect_failed)", "WARN no reply to")
	for _, g := range games {
		if n := count(c.p(g), 0, "WARN no reply to"); n > 4 {
			t.Errorf("%s: %d requests without a reply, want at most the few in flight through router 1", g, n)
		}
	}
}

// lockedBuffer collects a command's output for polling.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// run.sh starts the 8 processes with prefixed output, and SIGTERM to it
// stops every one of them (its output ends only when the last one exited).
func TestClusterRunScript(t *testing.T) {
	cmd := exec.Command("bash", clusterScript("run.sh"))
	cmd.Env = append(os.Environ(), "LUNA="+lunaBin, clusterHeartbeat, clusterTick,
		"LUNA_ROUTERS=127.0.0.1:"+freePort(t)+",127.0.0.1:"+freePort(t))
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
		}
	}()

	// replies through one router do not mean that every service is
	// registered on both yet: wait for that too, or a service stopped early
	// unregisters from 1 router only
	want := []string{"gamesvr.1  | [gamesvr.1] <- match_joined", "gamesvr.2  | [gamesvr.2] <- player_saved"}
	for _, s := range allServices {
		for _, n := range []int{1, 2} {
			want = append(want, fmt.Sprintf("%-11s| [%s] registered on router %d ", s, s, n))
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for _, w := range want {
		for !strings.Contains(out.String(), w) {
			if time.Now().After(deadline) {
				t.Fatalf("output:\n%s\nno line %q within 15 s", out.String(), w)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("run.sh and its processes did not stop within 20 s; output:\n%s", out.String())
	}
	text := out.String()
	var bad []string
	for _, s := range allServices {
		if w := fmt.Sprintf("%-11s| [%s] stopped (unregistered from 2 router(s))", s, s); !strings.Contains(text, w) {
			bad = append(bad, fmt.Sprintf("no line %q", w))
		}
	}
	for _, n := range []int{1, 2} {
		if w := fmt.Sprintf("router.%d   | [router %d] stopping", n, n); !strings.Contains(text, w) {
			bad = append(bad, fmt.Sprintf("no line %q", w))
		}
	}
	if !strings.Contains(text, "run.sh: stopped") {
		bad = append(bad, "run.sh did not say it stopped")
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		// connect_failed: a service may start before a router listens
		if l := sc.Text(); errorLine.MatchString(l) && !strings.Contains(l, "(connect_failed)") {
			bad = append(bad, "error line: "+l)
		}
	}
	// the output first: what went wrong is then the last thing printed
	if len(bad) > 0 {
		t.Errorf("output:\n%s\n%s", text, strings.Join(bad, "\n"))
	}
}

// run.sh refuses to start a second cluster on ports in use (its services
// would join the first one), and stops when a router cannot listen.
func TestClusterRunScriptRefusesBusyPorts(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, c := range []struct{ routers, want string }{
		{busy.Addr().String() + ",127.0.0.1:" + freePort(t), busy.Addr().String() + " is already in use"},
		{"127.0.0.1:" + freePort(t) + ",192.0.2.1:" + freePort(t), "router 2 could not listen on 192.0.2.1:"},
	} {
		cmd := exec.Command("bash", clusterScript("run.sh"))
		cmd.Env = append(os.Environ(), "LUNA="+lunaBin, "LUNA_ROUTERS="+c.routers)
		done := make(chan struct{})
		var out []byte
		go func() { out, _ = cmd.CombinedOutput(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("run.sh with LUNA_ROUTERS=%s did not stop within 20 s", c.routers)
		}
		if cmd.ProcessState.ExitCode() != 1 || !strings.Contains(string(out), c.want) {
			t.Errorf("LUNA_ROUTERS=%s: exit %d, want 1 and %q; output:\n%s", c.routers, cmd.ProcessState.ExitCode(), c.want, out)
		}
		if strings.Contains(string(out), "] registered ") {
			t.Errorf("LUNA_ROUTERS=%s: services started:\n%s", c.routers, out)
		}
	}
}

// The configuration contract: LUNA_ROUTERS, LUNA_LISTEN, LUNA_INDEX from the
// environment, KEY=value arguments override them, defaults for a local run.
func TestClusterConfig(t *testing.T) {
	mustPass(t, runLuna(t, 10*time.Second, nil, script("cluster_config.lua"), "not-a-key"))
	// a bad setting stops a process at once with exit code 2 and a one-line reason
	r := runLuna(t, 10*time.Second, []string{"LUNA_INDEX=0"}, clusterScript("dbagent.lua"))
	if r.code != 2 || !strings.Contains(r.out, "configuration: LUNA_INDEX=0: want an integer from 1 to 65535") {
		t.Errorf("dbagent with LUNA_INDEX=0: exit %d, output:\n%s", r.code, r.out)
	}
	r = runLuna(t, 10*time.Second, nil, clusterScript("router.lua"), "LISTEN=1")
	if r.code != 2 || !strings.Contains(r.out, `unknown argument "LISTEN=1"`) {
		t.Errorf("router with LISTEN=1: exit %d, output:\n%s", r.code, r.out)
	}
}
