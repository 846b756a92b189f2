package cbind

import (
	"strings"
	"testing"
)

func TestLargeStrings(t *testing.T) {
	_, s := newTestState(t)
	big := strings.Repeat("x", 1<<20)
	must(t, s.Register("big", func(n int) string { return big[:n] }))
	must(t, s.Register("size", func(x string) int { return len(x) }))
	check(t, s, []luaCase{
		{"#big(1 << 20), size(big(1 << 20)), size(string.rep('y', 3 << 20))", "1048576, 1048576, 3145728"},
	})
	run(t, s, "function echo(x) return x, #x end")
	var out string
	var n int
	must(t, s.CallGlobal("echo", []any{&out, &n}, big))
	if out != big || n != len(big) {
		t.Fatal("echo of a large string")
	}
}

// TestFinalizersDuringPushes runs Go functions from Lua finalizers while
// other calls push string results, with the collector running at every
// step: a finalizer's callback grows the arena (a realloc) while the outer
// trampoline still has strings there to push.
func TestFinalizersDuringPushes(t *testing.T) {
	_, s := newTestState(t)
	must(t, s.Register("strs", func(i int) (string, string, string) {
		return strings.Repeat("a", i%50), "middle", strings.Repeat("z", i%70)
	}))
	grow := 0
	must(t, s.Register("grow", func() string {
		grow++
		return strings.Repeat("g", 4096*(1+grow%64))
	}))
	run(t, s, `
		collectgarbage("setpause", 0)
		collectgarbage("setstepmul", 1000)
		local mt = {__gc = function() local g = grow(); assert(#g > 0) end}
		for i = 1, 3000 do
			setmetatable({}, mt)
			local a, b, c = strs(i)
			assert(a == string.rep("a", i % 50) and b == "middle" and c == string.rep("z", i % 70), i)
		end
		collectgarbage("restart")
		collectgarbage("setpause", 200)
		collectgarbage("setstepmul", 200)
	`)
	if grow == 0 {
		t.Fatal("no finalizer ran")
	}
	if s.arenaTop() != 0 {
		t.Fatalf("arena top %d after the calls", s.arenaTop())
	}
}
