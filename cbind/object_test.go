package cbind

import (
	"testing"

	"github.com/aarzilli/golua/lua"
)

type thing struct {
	Name string
}

func (t *thing) Hello() string { return "hello " + t.Name }

func exportThing(s *State, hook func(*thing)) *Class[thing] {
	c := NewClass[thing](s, "thing").Method("hello", (*thing).Hello).Field("name", "Name", false)
	if hook != nil {
		c.OnGC(hook)
	}
	return c
}

func TestShadowTableIdentity(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	a, b := &thing{Name: "a"}, &thing{Name: "b"}
	c.Push(a)
	L.SetGlobal("a1")
	c.Push(a)
	L.SetGlobal("a2")
	c.Push(b)
	L.SetGlobal("b")
	c.Push(nil)
	L.SetGlobal("none")
	run(t, s, "a1.mine = 42")
	check(t, s, []luaCase{
		{"rawequal(a1, a2), rawequal(a1, b), none", "true, false, nil"},
		{"a2.mine, b.mine", "42, nil"},
		{"type(a1.__pointer__)", `"userdata"`},
		{"getmetatable(a1) == getmetatable(b)", "true"},
		{"tostring(a1):match('^thing: ') ~= nil", "true"},
	})
	c.Push(a)
	if got := c.To(-1); got != a {
		t.Fatalf("To: %v", got)
	}
	L.Pop(1)
	L.PushInteger(1)
	if c.To(-1) != nil {
		t.Fatal("To of a number")
	}
	L.Pop(1)
}

func TestShadowTableOverride(t *testing.T) {
	L, s := newTestState(t)
	exportThing(s, nil).Push(&thing{Name: "x"})
	L.SetGlobal("o")
	check(t, s, []luaCase{
		{"o.hello()", `"hello x"`},
		{"rawget(o, 'hello') ~= nil", "true"}, // cached on first use
	})
	run(t, s, "o.hello = function() return 'overridden' end")
	check(t, s, []luaCase{{"o.hello()", `"overridden"`}})
	run(t, s, "o.hello = nil")
	check(t, s, []luaCase{{"o.hello()", `"hello x"`}})
	// Overriding before the first lookup works the same.
	exportThing(s, nil).Push(&thing{Name: "y"})
	L.SetGlobal("p")
	run(t, s, "p.hello = 1")
	check(t, s, []luaCase{{"p.hello", "1"}})
	run(t, s, "p.hello = nil")
	check(t, s, []luaCase{{"p.hello()", `"hello y"`}})
}

func TestGCHook(t *testing.T) {
	L, s := newTestState(t)
	var collected []string
	c := exportThing(s, func(o *thing) { collected = append(collected, o.Name) })
	c.Push(&thing{Name: "dropped"})
	L.SetGlobal("d")
	c.Push(&thing{Name: "kept"})
	L.SetGlobal("k")
	run(t, s, "collectgarbage() collectgarbage()")
	if len(collected) != 0 {
		t.Fatalf("collected too early: %v", collected)
	}
	run(t, s, "d = nil collectgarbage() collectgarbage()")
	if len(collected) != 1 || collected[0] != "dropped" {
		t.Fatalf("collected %v, want [dropped]", collected)
	}
	if len(s.objects.byObj) != 1 {
		t.Fatalf("%d objects alive, want 1", len(s.objects.byObj))
	}
}

func TestGCRelease(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	o := &thing{Name: "o"}
	c.Push(o)
	L.SetGlobal("o")
	run(t, s, "o.extra = 1; o = nil; collectgarbage(); collectgarbage()")
	if len(s.objects.byObj) != 0 {
		t.Fatal("object not released")
	}
	// Pushed again, it gets a new table.
	c.Push(o)
	L.SetGlobal("o")
	check(t, s, []luaCase{{"o.extra, o.name", `nil, "o"`}})
}

// TestGCRepushWhileFinalizing covers an object pushed again after its
// table left the weak objects table but before that table's __gc ran: the
// object gets a second table, and is released only after both are gone.
func TestGCRepushWhileFinalizing(t *testing.T) {
	L, s := newTestState(t)
	var collected int
	c := exportThing(s, func(*thing) { collected++ })
	o := &thing{Name: "o"}
	c.Push(o)
	L.SetGlobal("t1")
	s.PushObjectsTable()
	L.SetGlobal("objects")
	run(t, s, "objects[t1.__pointer__] = nil") // what the collector does first
	c.Push(o)
	L.SetGlobal("t2")
	check(t, s, []luaCase{{"rawequal(t1, t2), t1.name, t2.name", `false, "o", "o"`}})
	run(t, s, "t1 = nil collectgarbage() collectgarbage()")
	if collected != 0 {
		t.Fatal("released while a table is alive")
	}
	check(t, s, []luaCase{{"t2.hello()", `"hello o"`}})
	run(t, s, "t2 = nil collectgarbage() collectgarbage()")
	if collected != 1 {
		t.Fatalf("hook ran %d times, want 1", collected)
	}
}

func TestObjectsTableAndExport(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	o := &thing{Name: "o"}
	c.Push(o)
	L.SetGlobal("o")
	s.PushObjectsTable()
	L.SetGlobal("objects")
	s.PushExportFunction()
	L.SetGlobal("export")
	c.PushMetatable()
	L.SetGlobal("meta")
	check(t, s, []luaCase{
		{"rawequal(objects[o.__pointer__], o)", "true"},
		{"getmetatable(objects).__mode", `"v"`},
		{"rawequal(export(o.__pointer__, meta), o)", "true"},
		{"rawequal(export(o.__pointer__, 'thing'), o)", "true"},
		{"select(2, pcall(export, o.__pointer__, 'nope')):match('unknown class') ~= nil", "true"},
		{"(select(2, pcall(export, 1, meta)):match('userdata expected'))", `"userdata expected"`},
	})
	// A table made by export for a handle Go does not know has no object.
	run(t, s, "ptr = o.__pointer__; objects[ptr] = nil")
	s.objects.take(s.objects.byObj[o])
	run(t, s, `
		local fake = export(ptr, meta)
		assert(not rawequal(fake, o) and rawequal(getmetatable(fake), meta))
		local ok, err = pcall(function() return fake.name end)
		assert(not ok and err:match("released"), err)
	`)
}

func TestHooksRunWhenLuaCloses(t *testing.T) {
	L := lua.NewState()
	OpenLibs(L)
	s := New(L)
	var closed []string
	c := exportThing(s, func(o *thing) { closed = append(closed, o.Name) })
	c.Push(&thing{Name: "a"})
	L.SetGlobal("a")
	c.Push(&thing{Name: "b"})
	L.SetGlobal("b")
	L.Close()
	if len(closed) != 2 {
		t.Fatalf("hooks ran for %v, want a and b", closed)
	}
	s.Close()
	if len(closed) != 2 {
		t.Fatalf("hooks ran again: %v", closed)
	}
}

// held keeps its own handle (Handled).
type held struct {
	Name string
	word uintptr
}

func (h *held) HandleWord() *uintptr { return &h.word }

func exportHeld(s *State, hook func(*held)) *Class[held] {
	c := NewClass[held](s, "held").Field("name", "Name", true)
	if hook != nil {
		c.OnGC(hook)
	}
	return c
}

// TestHandledKeepsItsHandle: a Handled object's handle lives in its word,
// not in the map, until it is released; a second State pushing the same
// object uses its map, and each State keeps one table per object.
func TestHandledKeepsItsHandle(t *testing.T) {
	L, s := newTestState(t)
	released := 0
	c := exportHeld(s, func(*held) { released++ })
	o := &held{Name: "o"}
	c.Push(o)
	L.SetGlobal("a")
	c.Push(o)
	L.SetGlobal("b")
	check(t, s, []luaCase{{"rawequal(a, b), a.name", `true, "o"`}})
	if o.word == 0 || len(s.objects.byObj) != 0 {
		t.Fatalf("word %#x, %d map entries: the handle belongs in the word", o.word, len(s.objects.byObj))
	}
	run(t, s, "function a.ping(x) pinged = x end")
	if err := s.CallObject(o, "ping", nil, 7); err != nil {
		t.Fatalf("CallObject: %v", err)
	}
	check(t, s, []luaCase{{"pinged", "7"}})

	L2, s2 := newTestState(t)
	c2 := exportHeld(s2, nil)
	c2.Push(o)
	L2.SetGlobal("x")
	c2.Push(o)
	L2.SetGlobal("y")
	check(t, s2, []luaCase{{"rawequal(x, y), x.name", `true, "o"`}})
	if len(s2.objects.byObj) != 1 {
		t.Fatalf("the second State has %d map entries, want 1", len(s2.objects.byObj))
	}

	run(t, s, "a, b = nil, nil; collectgarbage(); collectgarbage()")
	if released != 1 || o.word != 0 {
		t.Fatalf("after the last table: %d releases, word %#x", released, o.word)
	}
	// the word is free again, but the second State still knows the object
	c2.Push(o)
	L2.SetGlobal("z")
	check(t, s2, []luaCase{{"rawequal(x, z)", "true"}})
	if o.word != 0 {
		t.Fatalf("the second State took the word (%#x) though its map had the object", o.word)
	}
}

// TestMemberMadeOnFirstLookup: a Member runs on the first lookup only, its
// value is cached on the table (nil is not), and a script's own value wins.
func TestMemberMadeOnFirstLookup(t *testing.T) {
	L, s := newTestState(t)
	made := 0
	c := NewClass[thing](s, "thing").Member("greeting", func(o *thing, L *lua.State) int {
		made++
		if o.Name == "" {
			L.PushNil()
		} else {
			L.PushString("hi " + o.Name)
		}
		return 1
	})
	c.Push(&thing{Name: "a"})
	L.SetGlobal("a")
	c.Push(&thing{})
	L.SetGlobal("anon")
	check(t, s, []luaCase{
		{"rawget(a, 'greeting')", "nil"},
		{"a.greeting, a.greeting, rawget(a, 'greeting')", `"hi a", "hi a", "hi a"`},
		{"anon.greeting, anon.greeting, rawget(anon, 'greeting')", "nil, nil, nil"},
	})
	if made != 3 {
		t.Fatalf("made %d times, want once for a and twice for anon (nil is not cached)", made)
	}
	c.Push(&thing{Name: "b"})
	L.SetGlobal("b")
	run(t, s, "b.greeting = 'mine'")
	check(t, s, []luaCase{{"b.greeting", `"mine"`}})
	if made != 3 {
		t.Fatalf("made for a table with its own value")
	}
}
