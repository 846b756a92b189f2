package cbind

import (
	"strings"
	"testing"

	"github.com/aarzilli/golua/lua"
)

func TestTwoStates(t *testing.T) {
	L1, s1 := newTestState(t)
	L2, s2 := newTestState(t)
	if s1 == s2 || s1.Lua() != L1 || s2.Lua() != L2 {
		t.Fatal("states mixed up")
	}
	must(t, s1.Register("which", func() string { return "one" }))
	must(t, s2.Register("which", func() string { return "two" }))
	var gc1, gc2 int
	c1 := NewClass[thing](s1, "thing").Method("hello", (*thing).Hello).OnGC(func(*thing) { gc1++ })
	c2 := NewClass[thing](s2, "thing").Method("hello", func(*thing) string { return "other" }).OnGC(func(*thing) { gc2++ })
	shared := &thing{Name: "shared"}
	c1.Push(shared)
	L1.SetGlobal("o")
	c2.Push(shared)
	L2.SetGlobal("o")
	check(t, s1, []luaCase{{"which(), o.hello()", `"one", "hello shared"`}})
	check(t, s2, []luaCase{{"which(), o.hello()", `"two", "other"`}})
	run(t, s1, "o = nil collectgarbage() collectgarbage()")
	if gc1 != 1 || gc2 != 0 {
		t.Fatalf("gc1 %d gc2 %d", gc1, gc2)
	}
	check(t, s2, []luaCase{{"o.hello()", `"other"`}})
}

func TestNewTwiceAndClose(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	OpenLibs(L)
	s := New(L)
	if New(L) != s {
		t.Fatal("New on the same lua.State must return the same State")
	}
	var released []string
	c := NewClass[thing](s, "thing").Field("name", "Name", false).
		OnGC(func(o *thing) { released = append(released, o.Name) })
	c.Push(&thing{Name: "live"})
	L.SetGlobal("o")
	must(t, s.Register("f", func() int { return 1 }))
	s.Close()
	if len(released) != 1 || released[0] != "live" {
		t.Fatalf("Close released %v", released)
	}
	s.Close() // idempotent
	// What the closed State left in Lua fails cleanly.
	err := L.DoString(`
		local ok, err = pcall(f)
		assert(not ok and err:match("closed"), err)
		ok, err = pcall(function() return o.name end)
		assert(not ok and err:match("closed"), err)
	`)
	if err != nil {
		t.Fatalf("%#v", err)
	}
	if err := s.CallGlobal("f", nil); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatal(err)
	}
	// A new State on the same lua.State starts afresh.
	s2 := New(L)
	defer s2.Close()
	if s2 == s {
		t.Fatal("New returned the closed State")
	}
	must(t, s2.Register("g", func() int { return 2 }))
	check(t, s2, []luaCase{{"g(), pcall(f)", `2, false, "cbind: the Go state was closed"`}})
	run(t, s2, "o = nil; f = nil; collectgarbage(); collectgarbage()")
	check(t, s2, []luaCase{{"g()", "2"}})
}

func TestGuard(t *testing.T) {
	L, s := newTestState(t)
	top := L.GetTop()
	func() {
		defer Guard(L)()
		L.PushInteger(1)
		L.PushString("x")
	}()
	func() {
		defer s.Guard()()
		L.NewTable()
	}()
	if L.GetTop() != top {
		t.Fatalf("top %d, want %d", L.GetTop(), top)
	}
}

func TestPushValues(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	o := &thing{Name: "o"}
	c.Push(o)
	L.SetGlobal("o")
	top := L.GetTop()
	for _, v := range []any{nil, true, 3, 1.5, "s", []byte("b"), o, (*thing)(nil)} {
		must(t, s.Push(v))
	}
	L.PushInteger(10)
	must(t, s.Push(StackRange{-1, 1}))
	if err := s.Push(struct{}{}); err == nil {
		t.Fatal("a struct must be refused")
	}
	if L.GetTop() != top+10 {
		t.Fatalf("pushed %d values, want 10", L.GetTop()-top)
	}
	L.CreateTable(10, 0)
	L.Insert(top + 1)
	for i := 10; i >= 1; i-- {
		L.RawSeti(top+1, i)
	}
	L.SetGlobal("pushed")
	check(t, s, []luaCase{{"table.unpack(pushed, 1, 10)",
		`nil, true, 3, 1.5, "s", "b", o, nil, 10, 10`}})
}
