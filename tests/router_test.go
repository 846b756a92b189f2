package tests

// Router tests (wire.md, "Router behaviour"): real luna processes on
// 127.0.0.1. router_hub.lua routes, router_service.lua registers service ids
// and prints every call delivered to them (GOT lines), router_driver.lua
// drives one forward mode at a time; the expected member of every call is
// computed here from the spec and compared with where the call arrived.

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"math"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// routerGroup is the group the mode tests register their services in.
const routerGroup = 2

// serviceID builds a service id as the scripts do: group << 16 | index.
func serviceID(group, index int) int64 { return int64(group<<16 | index) }

// sidName writes a service id as group.index.
func sidName(id int64) string { return fmt.Sprintf("%d.%d", id>>16, id&0xFFFF) }

// startHub starts router_hub.lua and returns it with its port.
func startHub(t *testing.T) (*proc, string) {
	t.Helper()
	p := startLuna(t, nil, script("router_hub.lua"))
	return p, strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
}

// startServices starts one router_service.lua process with a stream per id
// and waits until the router confirmed every registration.
func startServices(t *testing.T, port string, ids ...int64) *proc {
	t.Helper()
	args := []string{script("router_service.lua"), port}
	for _, id := range ids {
		args = append(args, strconv.FormatInt(id, 10))
	}
	p := startLuna(t, nil, args...)
	for _, id := range ids {
		p.waitLine(fmt.Sprintf("REGISTERED %d", id), 10*time.Second)
	}
	return p
}

// gotValue is one decoded argument of a GOT line.
type gotValue struct {
	kind byte // 's' string, 'i' integer, 'f' float
	s    string
	i    int64
	f    float64
}

func (v gotValue) String() string {
	switch v.kind {
	case 'i':
		return strconv.FormatInt(v.i, 10)
	case 'f':
		return strconv.FormatFloat(v.f, 'g', -1, 64) + "(float)"
	}
	return strconv.Quote(v.s)
}

// gotCall is one call a service received: GOT <to> <args...>.
type gotCall struct {
	to   int64
	args []gotValue
	line string
}

func (d gotCall) str(i int) string {
	if i < len(d.args) && d.args[i].kind == 's' {
		return d.args[i].s
	}
	return ""
}

func (d gotCall) int(i int) int64 {
	if i < len(d.args) && d.args[i].kind == 'i' {
		return d.args[i].i
	}
	return math.MinInt64
}

// parseGot parses a GOT line written by router_service.lua.
func parseGot(line string) (gotCall, error) {
	f := strings.Fields(line)
	if len(f) < 2 || f[0] != "GOT" {
		return gotCall{}, fmt.Errorf("not a GOT line: %q", line)
	}
	to, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return gotCall{}, fmt.Errorf("%q: %v", line, err)
	}
	d := gotCall{to: to, line: line}
	for _, field := range f[2:] {
		kind, text, _ := strings.Cut(field, ":")
		var v gotValue
		switch kind {
		case "s":
			v = gotValue{kind: 's', s: text}
		case "hex":
			b, err := hex.DecodeString(text)
			if err != nil {
				return gotCall{}, fmt.Errorf("%q: %v", line, err)
			}
			v = gotValue{kind: 's', s: string(b)}
		case "i":
			n, err := strconv.ParseInt(text, 10, 64)
			if err != nil {
				return gotCall{}, fmt.Errorf("%q: %v", line, err)
			}
			v = gotValue{kind: 'i', i: n}
		case "f":
			x, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return gotCall{}, fmt.Errorf("%q: %v", line, err)
			}
			v = gotValue{kind: 'f', f: x}
		default:
			return gotCall{}, fmt.Errorf("%q: unexpected value %q", line, field)
		}
		d.args = append(d.args, v)
	}
	return d, nil
}

// gotCalls returns every call the services received whose first argument
// is the string tag.
func gotCalls(t *testing.T, tag string, services ...*proc) []gotCall {
	t.Helper()
	var all []gotCall
	for _, p := range services {
		for _, line := range strings.Split(p.output(), "\n") {
			if !strings.HasPrefix(line, "GOT ") {
				continue
			}
			d, err := parseGot(line)
			if err != nil {
				t.Fatal(err)
			}
			if d.str(0) == tag && d.args[0].kind == 's' {
				all = append(all, d)
			}
		}
	}
	return all
}

// callsByPhase groups calls by their second argument (the phase).
func callsByPhase(ds []gotCall) map[string][]gotCall {
	m := map[string][]gotCall{}
	for _, d := range ds {
		m[d.str(1)] = append(m[d.str(1)], d)
	}
	return m
}

// callRecipients lists who received the calls, sorted.
func callRecipients(ds []gotCall) []int64 {
	var to []int64
	for _, d := range ds {
		to = append(to, d.to)
	}
	slices.Sort(to)
	return to
}

func sidNames(ids []int64) string {
	var s []string
	for _, id := range ids {
		s = append(s, sidName(id))
	}
	return "[" + strings.Join(s, " ") + "]"
}

// checkPhaseRecipients checks that each phase reached exactly the listed services,
// once each, and that no phase outside the list was delivered anywhere.
func checkPhaseRecipients(t *testing.T, got map[string][]gotCall, want map[string][]int64) {
	t.Helper()
	for phase, ids := range want {
		w := slices.Clone(ids)
		slices.Sort(w)
		if g := callRecipients(got[phase]); !slices.Equal(g, w) {
			t.Errorf("phase %q reached %s, want %s", phase, sidNames(g), sidNames(w))
		}
	}
	for phase, ds := range got {
		if _, ok := want[phase]; !ok {
			t.Errorf("unexpected phase %q delivered: %s", phase, ds[0].line)
		}
	}
}

// runRouterDriver runs router_driver.lua for one mode against the group
// routerGroup whose members are ids (ascending), and waits until every
// member has received the closing ("end", mode) broadcast: every call the
// driver routed to a member is then in that member's output. It returns
// the driver's output.
func runRouterDriver(t *testing.T, port, mode string, ids []int64, services ...*proc) string {
	t.Helper()
	args := []string{script("router_driver.lua"), port, mode, strconv.Itoa(routerGroup)}
	for _, id := range ids {
		args = append(args, strconv.FormatInt(id, 10))
	}
	r := runLuna(t, 60*time.Second, nil, args...)
	mustPass(t, r)
	for i, id := range ids {
		services[i].waitLine(fmt.Sprintf("GOT %d s:end s:%s", id, mode), 10*time.Second)
	}
	return r.out
}

// bkdrHash is the forward_hash hash of a string key (wire.md): BKDR with seed
// 131 over the bytes before the first NUL, each added as a signed char, in
// uint32 arithmetic, masked to 31 bits.
func bkdrHash(key string) uint32 {
	var h uint32
	for i := 0; i < len(key) && key[i] != 0; i++ {
		h = h*131 + uint32(int32(int8(key[i])))
	}
	return h & 0x7FFFFFFF
}

// forwardKeyHash is the forward_hash hash of a key as the service printed it: a
// string hashes with BKDR, an integer gives its low 32 bits, a float goes
// through lua_tointeger first (golden_forward: a non-integral key hashes
// to 0).
func forwardKeyHash(v gotValue) uint32 {
	switch v.kind {
	case 'i':
		return uint32(v.i)
	case 'f':
		if v.f == math.Trunc(v.f) && v.f >= math.MinInt64 && v.f < math.MaxInt64 {
			return uint32(int64(v.f))
		}
		return 0
	}
	return bkdrHash(v.s)
}

// routeNode is one entry of a group in the model of the route table.
type routeNode struct {
	id   int64
	live bool // token != 0
}

// hashMember is the spec's choice for forward_hash: start at
// hash % node_count, take the first live node cyclically (nodes in id order).
// It returns -1 when no node is live.
func hashMember(nodes []routeNode, hash uint32) int64 {
	n := uint32(len(nodes))
	for k := uint32(0); k < n; k++ {
		if nd := nodes[(hash%n+k)%n]; nd.live {
			return nd.id
		}
	}
	return -1
}

func TestRouterHashOracle(t *testing.T) {
	// the golden_forward facts, so the oracle below is the reference's rule
	for key, want := range map[string]uint32{
		"some key":      80335423,
		"\xc8\xffk":     2146522608, // Lua "\200\255k"
		"some key\x00x": 80335423,   // a NUL ends the key
		"":              0,
	} {
		if got := bkdrHash(key); got != want {
			t.Errorf("bkdrHash(%q) = %d, want %d", key, got, want)
		}
	}
	if got := forwardKeyHash(gotValue{kind: 'i', i: -1}); got != 4294967295 {
		t.Errorf("hash of -1 = %d, want 4294967295", got)
	}
	if got := forwardKeyHash(gotValue{kind: 'i', i: 1<<32 + 5}); got != 5 {
		t.Errorf("hash of 2^32+5 = %d, want 5", got)
	}
}

// TestRouterModes registers three services of group 2 (ids 2.1, 2.3, 2.5,
// registered out of order, each on its own stream from its own process)
// and checks every forward mode against wire.md, including token-0 slots
// (mgr.route(id, 0)) and removed routes (mgr.route(id, nil)).
func TestRouterModes(t *testing.T) {
	_, port := startHub(t)
	A, B, C := serviceID(routerGroup, 1), serviceID(routerGroup, 3), serviceID(routerGroup, 5)
	ids := []int64{A, B, C}
	// register C, A, B in that order: the table must sort by id
	svcC := startServices(t, port, C)
	svcA := startServices(t, port, A)
	svcB := startServices(t, port, B)
	svcs := []*proc{svcA, svcB, svcC}

	t.Run("target", func(t *testing.T) {
		runRouterDriver(t, port, "target", ids, svcs...)
		ds := gotCalls(t, "target", svcs...)
		for _, d := range ds {
			if d.int(2) != d.to {
				t.Errorf("forward_target(%s) arrived at %s: %s", sidName(d.int(2)), sidName(d.to), d.line)
			}
		}
		checkPhaseRecipients(t, callsByPhase(ds), map[string][]int64{
			"live":     {A, B, C}, // plus 2.65535 and 3.1, which reach nobody
			"zero":     {A, C},    // B's slot kept with token 0
			"removed":  {A, C},    // B removed
			"restored": {B},
		})
	})

	t.Run("master", func(t *testing.T) {
		runRouterDriver(t, port, "master", ids, svcs...)
		checkPhaseRecipients(t, callsByPhase(gotCalls(t, "master", svcs...)), map[string][]int64{
			"none":        {},
			"a":           {A},
			"c":           {C},
			"b_zero_slot": {B}, // the master token is not a node
			"wrapped":     {A}, // forward_master(G+256) is group G on the wire
			"other":       {},
			"cleared":     {},
		})
	})

	t.Run("random", func(t *testing.T) {
		const calls = 300
		runRouterDriver(t, port, "random", ids, svcs...)
		phases := callsByPhase(gotCalls(t, "random", svcs...))
		for phase := range phases {
			if !slices.Contains([]string{"live", "zeroB", "removedB", "restored"}, phase) {
				t.Errorf("phase %q reached someone: %s", phase, phases[phase][0].line)
			}
		}
		for _, phase := range []string{"live", "zeroB", "removedB", "restored"} {
			ds := phases[phase]
			seen := map[int64]int{}
			count := map[int64]int{}
			for _, d := range ds {
				seen[d.int(2)]++
				count[d.to]++
			}
			for i := int64(1); i <= calls; i++ {
				if seen[i] != 1 {
					t.Errorf("%s: call %d arrived %d times", phase, i, seen[i])
				}
			}
			t.Logf("%s: %s=%d %s=%d %s=%d", phase, sidName(A), count[A], sidName(B), count[B], sidName(C), count[C])
			switch phase {
			case "live", "restored":
				// 300 uniform draws over 3 members: each gets 100 ± 8
				for _, id := range ids {
					if count[id] < 50 {
						t.Errorf("%s: %s got %d of %d calls: not spread over the members", phase, sidName(id), count[id], calls)
					}
				}
			case "zeroB", "removedB":
				if count[B] != 0 {
					t.Errorf("%s: %s (token 0 / removed) got %d calls", phase, sidName(B), count[B])
				}
				if count[A] == 0 || count[C] == 0 {
					t.Errorf("%s: calls not spread over the live members: %v", phase, count)
				}
			}
			if phase == "zeroB" && count[C] <= count[A] {
				// a start index on B's kept slot moves on to C: C gets 2/3
				t.Errorf("zeroB: %s got %d, %s got %d; the skipped slot's share must go to the next node", sidName(C), count[C], sidName(A), count[A])
			}
		}
	})

	t.Run("hash", func(t *testing.T) {
		out := runRouterDriver(t, port, "hash", ids, svcs...)
		var nkeys int
		if _, err := fmt.Sscanf(out[strings.Index(out, "KEYS "):], "KEYS %d", &nkeys); err != nil || nkeys == 0 {
			t.Fatalf("no KEYS line in the driver's output:\n%s", out)
		}
		models := map[string][]routeNode{
			"live":     {{A, true}, {B, true}, {C, true}},
			"zeroB":    {{A, true}, {B, false}, {C, true}},
			"zeroC":    {{A, true}, {B, true}, {C, false}},
			"removedB": {{A, true}, {C, true}},
			"restored": {{A, true}, {B, true}, {C, true}},
			"allzero":  {{A, false}, {B, false}, {C, false}},
		}
		phases := callsByPhase(gotCalls(t, "hash", svcs...))
		for phase := range phases {
			if _, ok := models[phase]; !ok {
				t.Errorf("unexpected phase %q: %s", phase, phases[phase][0].line)
			}
		}
		keysSeen := map[string]bool{}
		for phase, nodes := range models {
			type call struct{ j, copy int64 }
			seen := map[call]int{}
			member := map[int64]int64{} // key index -> where its first copy went
			hit := map[int64]bool{}
			for _, d := range phases[phase] {
				if len(d.args) != 5 {
					t.Errorf("%s: bad gotCall %s", phase, d.line)
					continue
				}
				j, cp, key := d.int(2), d.int(3), d.args[4]
				seen[call{j, cp}]++
				if key.kind == 's' {
					keysSeen[key.s] = true
				}
				h := forwardKeyHash(key)
				if want := hashMember(nodes, h); d.to != want {
					t.Errorf("%s: key %v (hash %d, %d nodes, start %d) arrived at %s, want %s",
						phase, key, h, len(nodes), h%uint32(len(nodes)), sidName(d.to), sidName(want))
				}
				if m, ok := member[j]; ok && m != d.to {
					t.Errorf("%s: key %v went to %s and to %s", phase, key, sidName(m), sidName(d.to))
				}
				member[j] = d.to
				hit[d.to] = true
			}
			wantCalls := 2 * nkeys
			if phase == "allzero" {
				wantCalls = 0
			}
			if len(phases[phase]) != wantCalls {
				t.Errorf("%s: %d calls arrived, want %d", phase, len(phases[phase]), wantCalls)
			}
			for c, n := range seen {
				if n != 1 {
					t.Errorf("%s: key %d copy %d arrived %d times", phase, c.j, c.copy, n)
				}
			}
			// the key set must exercise every live member (else the test is weak)
			if phase != "allzero" {
				for _, nd := range nodes {
					if nd.live && !hit[nd.id] {
						t.Errorf("%s: no key landed on %s; the key set does not cover it", phase, sidName(nd.id))
					}
				}
			}
		}
		for _, k := range []string{"some key", "\xc8\xffk", "ключ", "日本語", "ab\x00cd", ""} {
			if !keysSeen[k] {
				t.Errorf("key %q never arrived", k)
			}
		}
	})

	t.Run("broadcast", func(t *testing.T) {
		runRouterDriver(t, port, "broadcast", ids, svcs...)
		checkPhaseRecipients(t, callsByPhase(gotCalls(t, "broadcast", svcs...)), map[string][]int64{
			"live":       {A, B, C},
			"zeroA":      {B, C},
			"removedA":   {B, C},
			"restored":   {A, B, C},
			"allzero":    {},
			"emptygroup": {},
		})
	})
}

// TestRouterPerSenderOrder sends 100 000 calls from one sender through the
// router to one target, with a window of 2 000 un-acked calls (acks every
// 500, routed back with forward_target): all arrive, in order.
func TestRouterPerSenderOrder(t *testing.T) {
	const n = 100000
	_, port := startHub(t)
	target, sender := serviceID(5, 1), serviceID(6, 1)
	tp := startLuna(t, nil, script("router_order_target.lua"), port,
		strconv.FormatInt(target, 10), strconv.FormatInt(sender, 10), strconv.Itoa(n))
	tp.waitLine(fmt.Sprintf("REGISTERED %d", target), 10*time.Second)
	sp := startLuna(t, nil, script("router_order_sender.lua"), port,
		strconv.FormatInt(sender, 10), strconv.FormatInt(target, 10), strconv.Itoa(n))
	want := fmt.Sprintf("ORDER received=%d last=%d out_of_order=0 error=nil", n, n)
	if line := tp.waitLine("ORDER ", 100*time.Second); line != want {
		t.Errorf("target: %s\nwant %s\ntarget output:\n%s\nsender output:\n%s", line, want, tp.output(), sp.output())
	}
	wantS := fmt.Sprintf("SENDER sent=%d acked=%d error=nil", n, n)
	if line := sp.waitLine("SENDER ", 30*time.Second); line != wantS {
		t.Errorf("sender: %s\nwant %s", line, wantS)
	}
	if strings.Contains(tp.output(), "FAIL") {
		t.Errorf("target output:\n%s", tp.output())
	}
}

// readRouterPong reads frames from r until a remote_call ("pong", n).
func readRouterPong(t *testing.T, c net.Conn, r *bufio.Reader, n int64) {
	t.Helper()
	want := callFrame("pong", arcInt(n))[1:]
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	for i := 0; i < 100; i++ {
		payload, err := readFrame(r)
		if err != nil {
			t.Fatalf("waiting for pong %d: %v", n, err)
		}
		if string(payload) == string(want) {
			return
		}
	}
	t.Fatalf("no pong %d", n)
}

// TestRouterDropsGroupOver255 sends forward frames whose group varint is
// 256 or more, raw from Go, to a router with masters and members in groups
// 2 and 44 (300 & 0xFF == 44, 258 & 0xFF == 2: a router that truncated
// instead of dropping would deliver them there). They must be dropped, and
// the router, the raw stream and the services' streams must live on.
func TestRouterDropsGroupOver255(t *testing.T) {
	hub, port := startHub(t)
	m2, n2, m44 := serviceID(2, 1), serviceID(2, 2), serviceID(44, 1)
	svc := startServices(t, port, m2, n2, m44)

	c, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	send := func(frames ...[]byte) {
		t.Helper()
		var b []byte
		for _, f := range frames {
			b = append(b, f...)
		}
		c.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	send(callFrame("master", arcInt(2), arcInt(m2)),
		callFrame("master", arcInt(44), arcInt(m44)),
		callFrame("ping", arcInt(1)))
	readRouterPong(t, c, r, 1)

	bad := func(what string) []byte { return append(arcString("bad"), arcString(what)...) }
	var frames [][]byte
	for _, g := range []uint64{300, 258, 256, 511, 1<<32 | 2, 1<<63 | 44} {
		tag := strconv.FormatUint(g, 10)
		frames = append(frames,
			frameOf([]byte{2}, uvarint(g), bad("master"+tag)),
			frameOf([]byte{3}, uvarint(g), bad("random"+tag)),
			frameOf([]byte{4}, uvarint(g), bad("broadcast"+tag)),
			frameOf([]byte{5}, uvarint(g), uvarint(0), bad("hash"+tag)),
			frameOf([]byte{5}, uvarint(g), uvarint(1), bad("hash1_"+tag)))
	}
	// the exact frame from the brief: uvarint(len) ‖ 02 ‖ uvarint(300) ‖ archive
	if f := frameOf([]byte{2}, uvarint(300), bad("x")); f[1] != 0x02 || f[2] != 0xac || f[3] != 0x02 {
		t.Fatalf("frame % x", f)
	}
	send(frames...)
	// then valid frames on the same stream, and a ping
	send(frameOf([]byte{2}, uvarint(2), arcString("ok"), arcString("m2")),
		frameOf([]byte{2}, uvarint(44), arcString("ok"), arcString("m44")),
		frameOf([]byte{4}, uvarint(2), arcString("ok"), arcString("b2")),
		frameOf([]byte{4}, uvarint(44), arcString("ok"), arcString("b44")),
		callFrame("ping", arcInt(2)))
	readRouterPong(t, c, r, 2) // the router and the raw stream live on

	// the services' streams live on; the valid frames come after the bad
	// ones on every target stream, so any bad delivery is printed by now
	svc.waitLine(fmt.Sprintf("GOT %d s:ok s:m2", m2), 10*time.Second)
	svc.waitLine(fmt.Sprintf("GOT %d s:ok s:b2", m2), 10*time.Second)
	svc.waitLine(fmt.Sprintf("GOT %d s:ok s:b2", n2), 10*time.Second)
	svc.waitLine(fmt.Sprintf("GOT %d s:ok s:m44", m44), 10*time.Second)
	svc.waitLine(fmt.Sprintf("GOT %d s:ok s:b44", m44), 10*time.Second)
	if ds := gotCalls(t, "bad", svc); len(ds) > 0 {
		var lines []string
		for _, d := range ds {
			lines = append(lines, d.line)
		}
		t.Errorf("frames with group >= 256 were delivered:\n%s", strings.Join(lines, "\n"))
	}
	if ok := gotCalls(t, "ok", svc); len(ok) != 5 {
		t.Errorf("%d valid frames arrived, want 5:\n%s", len(ok), svc.output())
	}
	if !hub.alive() {
		t.Fatalf("the router exited:\n%s", hub.output())
	}
	if out := hub.output(); strings.Contains(out, "panic") || strings.Contains(out, "FAIL") {
		t.Errorf("router output:\n%s", out)
	}
}
