package tests

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The examples of scripts/examples, run as a new user runs them, on
// ephemeral ports (each server prints the port it got).

// exampleLimit bounds one short-lived example process (a client).
const exampleLimit = 15 * time.Second

func exampleScript(name string) string {
	p, _ := filepath.Abs(filepath.Join("..", "scripts", "examples", name))
	return p
}

// listenPort reads the port from the "... listening on 127.0.0.1:<port>"
// line p prints once it listens.
func listenPort(t *testing.T, p *proc) string {
	t.Helper()
	line, i := p.find(0, 10*time.Second, func(l string) bool { return strings.Contains(l, "listening on 127.0.0.1:") })
	if i < 0 {
		t.Fatalf("no listening line; output:\n%s", p.output())
	}
	return line[strings.LastIndex(line, ":")+1:]
}

// stopExample sends SIGTERM to p and checks that it says bye and exits 0.
func stopExample(t *testing.T, p *proc) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0; output:\n%s", code, p.output())
	}
	if !strings.Contains(p.output(), "bye") {
		t.Errorf("no bye after SIGTERM; output:\n%s", p.output())
	}
}

// waitCount waits (at most limit) until want lines of p contain part and
// reports whether they did: the line a process printed before it answered
// may still be in the pipe when the answer has arrived.
func waitCount(p *proc, part string, want int, limit time.Duration) bool {
	n := 0
	_, i := p.find(0, limit, func(l string) bool {
		if strings.Contains(l, part) {
			n++
		}
		return n == want
	})
	return i >= 0 && count(p, 0, part) == want
}

// clientAnswer runs echo_client.lua against port with message and returns
// its "answer: " line.
func clientAnswer(t *testing.T, port string, message ...string) string {
	t.Helper()
	r := runLuna(t, exampleLimit, nil, append([]string{exampleScript("echo_client.lua"), "127.0.0.1", port}, message...)...)
	if r.code != 0 {
		t.Fatalf("echo_client exit %d; output:\n%s", r.code, r.out)
	}
	for _, l := range strings.Split(r.out, "\n") {
		if strings.HasPrefix(l, "answer: ") {
			return l
		}
	}
	t.Fatalf("echo_client printed no answer; output:\n%s", r.out)
	return ""
}

func TestExampleEcho(t *testing.T) {
	server := startLuna(t, nil, exampleScript("echo_server.lua"), "0")
	port := listenPort(t, server)
	for i, msg := range [][]string{{"hello", "world"}, {"again"}, {}} {
		want := "hello"
		if len(msg) > 0 {
			want = strings.Join(msg, " ")
		}
		if got := clientAnswer(t, port, msg...); !strings.HasPrefix(got, "answer: "+want+" (round trip ") {
			t.Errorf("call %d: %q, want the answer %q", i, got, want)
		}
	}
	if !waitCount(server, `called echo("`, 3, 5*time.Second) || !waitCount(server, "gone: connection_lost", 3, 5*time.Second) {
		t.Errorf("want 3 calls and 3 clients gone in the server's log; output:\n%s", server.output())
	}
	stopExample(t, server)

	// no server: the client says why and exits 1
	r := runLuna(t, exampleLimit, nil, exampleScript("echo_client.lua"), "127.0.0.1", port)
	if r.code != 1 || !strings.Contains(r.out, "connect_failed") {
		t.Errorf("client without a server: exit %d, want 1 and connect_failed; output:\n%s", r.code, r.out)
	}
}

// hashLine is a line of router_client.lua's report:
// forward_hash "alice" -> service 1, 1, 1
var hashLine = regexp.MustCompile(`^forward_hash (\S+) +-> service ([0-9, ]+?)(  \(moved.*)?$`)

// runRouterClient runs router_client.lua against the router at port and
// returns, per key, the services that answered it (checked to be one
// service three times) and the service the master call reached.
func runRouterClient(t *testing.T, port string) (map[string]string, string) {
	t.Helper()
	r := runLuna(t, exampleLimit, nil, exampleScript("router_client.lua"), port)
	if r.code != 0 {
		t.Fatalf("router_client exit %d; output:\n%s", r.code, r.out)
	}
	keys := map[string]string{}
	master := ""
	for _, l := range strings.Split(r.out, "\n") {
		if m := hashLine.FindStringSubmatch(l); m != nil {
			got := strings.Split(m[2], ", ")
			if len(got) != 3 || got[0] != got[1] || got[1] != got[2] || m[3] != "" {
				t.Errorf("key %s went to services %v, want one service three times", m[1], got)
			}
			keys[m[1]] = got[0]
		}
		if rest, ok := strings.CutPrefix(l, "forward_master    -> service "); ok {
			index, note, _ := strings.Cut(rest, " ")
			if note != "(it is the master)" {
				t.Errorf("the master call reached service %s, which says %s", index, note)
			}
			master = index
		}
	}
	if len(keys) != 6 || master == "" {
		t.Fatalf("want 6 keys and a master line; output:\n%s", r.out)
	}
	return keys, master
}

func TestExampleRouter(t *testing.T) {
	router := startLuna(t, nil, exampleScript("router.lua"), "0")
	port := listenPort(t, router)
	services := map[string]*proc{}
	for _, index := range []string{"1", "2"} {
		s := startLuna(t, nil, exampleScript("service.lua"), index, port)
		s.waitLine("service "+index+" registered as 0x1000"+index, 10*time.Second)
		services[index] = s
	}
	services["1"].waitLine("service 1 is now the master", 5*time.Second)
	if i := find(router, 0, "master of group 1 is now service 1 (id 0x10001)"); i < 0 {
		t.Fatalf("the router named no master; output:\n%s", router.output())
	}

	// both services up: the keys spread over both (modulo of the key's hash
	// over the two slots), and the same key lands on the same service in a
	// second run too
	keys, master := runRouterClient(t, port)
	if master != "1" {
		t.Errorf("forward_master reached service %s, want 1", master)
	}
	used := map[string]bool{}
	for _, s := range keys {
		used[s] = true
	}
	if !used["1"] || !used["2"] {
		t.Errorf("the keys reached services %v, want both", keys)
	}
	again, _ := runRouterClient(t, port)
	for k, s := range keys {
		if again[k] != s {
			t.Errorf("key %s: service %s, then %s", k, s, again[k])
		}
	}
	// what a service received: the key it was handed and the master call
	for k, s := range keys {
		if !waitCount(services[s], "whoami("+strings.Trim(k, `"`)+")", 6, 5*time.Second) {
			t.Errorf("service %s did not receive key %s 6 times; output:\n%s", s, k, services[s].output())
		}
	}
	if !waitCount(services["1"], "whoami(master?)", 2, 5*time.Second) || count(services["2"], 0, "whoami(master?)") != 0 {
		t.Errorf("the master calls did not all reach service 1")
	}

	// service 1 leaves: the router makes 2 the master, and every key goes there
	stopExample(t, services["1"])
	router.waitLine("master of group 1 is now service 2 (id 0x10002)", 5*time.Second)
	keys, master = runRouterClient(t, port)
	if master != "2" {
		t.Errorf("after service 1 left, forward_master reached service %s, want 2", master)
	}
	for k, s := range keys {
		if s != "2" {
			t.Errorf("after service 1 left, key %s went to service %s", k, s)
		}
	}
	stopExample(t, services["2"])
	stopExample(t, router)
	for name, p := range map[string]*proc{"router": router, "service 1": services["1"], "service 2": services["2"]} {
		if errorLine.MatchString(p.output()) {
			t.Errorf("%s printed an error:\n%s", name, p.output())
		}
	}
}

// reloadCopy copies reload_server.lua into a new directory with an mtime an
// hour back (the reload check has whole seconds: a rewrite in the second
// the file was written would go unseen) and returns its path.
func reloadCopy(t *testing.T) (string, time.Time) {
	t.Helper()
	src, err := os.ReadFile(exampleScript("reload_server.lua"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "reload_server.lua")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	return path, old
}

// rewrite replaces the file at path atomically (the server never reads a
// half-written file) with old replaced by new, stamped mtime.
func rewrite(t *testing.T, path, old, new string, mtime time.Time) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(src), old) {
		t.Fatalf("%s does not contain %q", path, old)
	}
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(strings.ReplaceAll(string(src), old, new)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(tmp, mtime, mtime); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// waitReload waits for the "load file: path ... [ok]" line of a reload,
// after output line from, and fails on a [failed] one.
func waitReload(t *testing.T, p *proc, path string, from int) {
	t.Helper()
	line, i := p.find(from, 10*time.Second, func(l string) bool {
		return strings.HasPrefix(l, "load file: "+path+" ") && (strings.HasSuffix(l, "[ok]") || strings.HasSuffix(l, "[failed]"))
	})
	if i < 0 || !strings.HasSuffix(line, "[ok]") {
		t.Fatalf("no successful reload of %s; output:\n%s", path, p.output())
	}
}

// rawCall sends the call ("echo", text) on c, a plain TCP connection to
// a luna server, and returns the payload of the frame that comes back.
func rawCall(t *testing.T, c net.Conn, text string) string {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write(callFrame("echo", arcString(text))); err != nil {
		t.Fatal(err)
	}
	p, err := readFrame(bufio.NewReader(c)) // one frame per call: nothing is left buffered
	if err != nil {
		t.Fatal(err)
	}
	return string(p)
}

func TestExampleReload(t *testing.T) {
	path, old := reloadCopy(t)
	server := startLuna(t, nil, path, "0")
	port := listenPort(t, server)
	if got := clientAnswer(t, port, "hi"); !strings.HasPrefix(got, "answer: v1 says: hi (call 1, load 1)") {
		t.Fatalf("first answer %q", got)
	}
	// a connection that stays open across the reloads
	kept, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	if got := rawCall(t, kept, "kept"); !strings.Contains(got, "v1 says: kept (call 2, load 1)") {
		t.Fatalf("first answer on the kept connection %q", got)
	}

	mark := server.mark()
	rewrite(t, path, "v1 says", "v2 says", old.Add(10*time.Second))
	waitReload(t, server, path, mark)
	// the new handler, for a new client and on the kept connection; the
	// same port and process; the counters kept
	if got := clientAnswer(t, port, "hi"); !strings.HasPrefix(got, "answer: v2 says: hi (call 3, load 2)") {
		t.Fatalf("answer after the reload %q", got)
	}
	if got := rawCall(t, kept, "kept"); !strings.Contains(got, "v2 says: kept (call 4, load 2)") {
		t.Fatalf("answer on the kept connection after the reload %q", got)
	}

	// and once more: a reload is not a one-off
	mark = server.mark()
	rewrite(t, path, "v2 says", "v3 says", old.Add(20*time.Second))
	waitReload(t, server, path, mark)
	if got := clientAnswer(t, port, "again"); !strings.HasPrefix(got, "answer: v3 says: again (call 5, load 3)") {
		t.Fatalf("answer after the second reload %q", got)
	}

	kept.Close()
	stopExample(t, server)
	out := server.output()
	if n := strings.Count(out, "listening on "); n != 1 {
		t.Errorf("the server listened %d times, want once; output:\n%s", n, out)
	}
	if strings.Contains(out, "address already in use") || errorLine.MatchString(out) {
		t.Errorf("the server printed an error; output:\n%s", out)
	}
}

// The naive server the examples' README warns about: manager and listener
// created at the top of the file. Its reload fails with "address already
// in use" and the old code stays.
func TestExampleReloadNaiveFails(t *testing.T) {
	const naive = `io.stdout:setvbuf("line")
mgr = luna.create_socket_mgr(100)
listener = assert(mgr.listen("127.0.0.1", math.tointeger(tonumber(arg[1]))))
print("listening on 127.0.0.1:" .. listener.port)
conns = {}
listener.on_accept = function(s)
    conns[s.token] = s
    s.on_call = function(msg, text, ...) s.call(msg, "v1 says: " .. tostring(text), ...) end
end
function main()
    local next_check = 0
    while not luna.get_guit_signal() do
        mgr.wait(50)
        if luna.get_time_ms() >= next_check then luna.try_reload() next_check = luna.get_time_ms() + 500 end
    end
    print("bye")
end
`
	path := filepath.Join(t.TempDir(), "naive.lua")
	if err := os.WriteFile(path, []byte(naive), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	// the failure needs a port of its own choosing (0 would bind a new one)
	server := startLuna(t, nil, path, freePort(t))
	port := listenPort(t, server)
	if got := clientAnswer(t, port, "hi"); !strings.HasPrefix(got, "answer: v1 says: hi") {
		t.Fatalf("first answer %q", got)
	}
	mark := server.mark()
	rewrite(t, path, "v1 says", "v2 says", old.Add(10*time.Second))
	server.waitLine("load file: "+path+" ... ... [failed]", 10*time.Second)
	if _, i := server.find(mark, 5*time.Second, func(l string) bool { return strings.Contains(l, "address already in use") }); i < 0 {
		t.Fatalf("the failed reload did not say address already in use; output:\n%s", server.output())
	}
	if got := clientAnswer(t, port, "hi"); !strings.HasPrefix(got, "answer: v1 says: hi") {
		t.Errorf("after the failed reload %q, want the old code's answer", got)
	}
	stopExample(t, server)
}
