package cbind

import (
	"errors"
	"strings"
	"testing"
)

func TestCallGlobalTypedResults(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	o := &thing{Name: "o"}
	run(t, s, `
		function values(o)
			return 7, 2.5, true, "str", "bytes", o, -1, 300, "12", nil
		end
	`)
	var (
		i    int
		f    float64
		b    bool
		str  string
		raw  []byte
		obj  *thing
		u8   uint8
		i8   int8
		conv int64
		none any
		miss string
	)
	top := L.GetTop()
	must(t, s.CallGlobal("values", []any{&i, &f, &b, &str, &raw, &obj, &u8, &i8, &conv, &none, &miss}, o))
	if i != 7 || f != 2.5 || !b || str != "str" || string(raw) != "bytes" || obj != o ||
		u8 != 255 || i8 != 44 || conv != 12 || none != nil || miss != "" {
		t.Fatalf("got %v %v %v %q %q %v %v %v %v %v %q", i, f, b, str, raw, obj, u8, i8, conv, none, miss)
	}
	if L.GetTop() != top {
		t.Fatal("the call left values on the stack")
	}
	_ = c
	// *any gets each Lua type's natural Go value.
	run(t, s, `function anys(o) return 1, 1.5, "s", false, o, {} end`)
	got := make([]any, 6)
	ptrs := []any{&got[0], &got[1], &got[2], &got[3], &got[4], &got[5]}
	must(t, s.CallGlobal("anys", ptrs, o))
	want := []any{int64(1), 1.5, "s", false, o, nil}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("any result %d: %#v, want %#v", k, got[k], want[k])
		}
	}
}

func TestCallArguments(t *testing.T) {
	L, s := newTestState(t)
	exportThing(s, nil)
	o := &thing{Name: "o"}
	type myInt int16
	run(t, s, `function show(...)
		local t = table.pack(...)
		for i = 1, t.n do
			local v = t[i]
			t[i] = type(v) == "table" and "obj:" .. v.name or (math.type(v) or type(v)) .. ":" .. tostring(v)
		end
		return table.concat(t, " ")
	end`)
	var out string
	must(t, s.CallGlobal("show", []any{&out}, nil, true, 1, int64(-2), uint32(3), myInt(4),
		1.5, float32(0.25), "s", []byte("b"), o, (*thing)(nil)))
	if out != "nil:nil boolean:true integer:1 integer:-2 integer:3 integer:4 float:1.5 float:0.25 string:s string:b obj:o nil:nil" {
		t.Fatal(out)
	}
	// Values already on the stack.
	L.PushString("x")
	L.PushInteger(9)
	must(t, s.CallGlobal("show", []any{&out}, "first", StackRange{-2, 2}, "last"))
	L.Pop(2)
	if out != "string:first string:x integer:9 string:last" {
		t.Fatal(out)
	}
	if err := s.CallGlobal("show", nil, make(chan int)); err == nil {
		t.Fatal("a channel argument must be refused")
	}
	if err := s.CallGlobal("show", []any{new(chan int)}); err == nil {
		t.Fatal("a channel result must be refused")
	}
}

func TestCallFieldAndObject(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	o := &thing{Name: "o"}
	c.Push(o)
	L.SetGlobal("o")
	run(t, s, `
		lib = { twice = function(x) return x * 2 end }
		o.on_call = function(a, b) return o.name .. a .. b end
	`)
	var n int
	must(t, s.CallField("lib", "twice", []any{&n}, 21))
	if n != 42 {
		t.Fatal(n)
	}
	var str string
	must(t, s.CallObject(o, "on_call", []any{&str}, "-", 1))
	if str != "o-1" {
		t.Fatal(str)
	}
	// The exported methods can be called this way too.
	must(t, s.CallObject(o, "hello", []any{&str}))
	if str != "hello o" {
		t.Fatal(str)
	}
}

func TestCallMissingFunction(t *testing.T) {
	L, s := newTestState(t)
	c := exportThing(s, nil)
	o := &thing{}
	c.Push(o)
	L.SetGlobal("o")
	run(t, s, "notfn = 1; lib = {}; str = 'x'; callable = setmetatable({}, {__call = function() return 5 end})")
	for name, call := range map[string]func() error{
		"global":        func() error { return s.CallGlobal("nothere", nil) },
		"not a func":    func() error { return s.CallGlobal("notfn", nil) },
		"no table":      func() error { return s.CallField("nolib", "f", nil) },
		"not a table":   func() error { return s.CallField("notfn", "f", nil) },
		"no field":      func() error { return s.CallField("lib", "f", nil) },
		"no callback":   func() error { return s.CallObject(o, "on_call", nil) },
		"never pushed":  func() error { return s.CallObject(&thing{}, "on_call", nil) },
		"not an object": func() error { return s.CallObject(42, "f", nil) },
	} {
		if err := call(); !errors.Is(err, ErrNoFunction) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var n int
	must(t, s.CallGlobal("callable", []any{&n}))
	if n != 5 {
		t.Fatal("a table with __call is callable")
	}
}

func TestCallErrors(t *testing.T) {
	_, s := newTestState(t)
	run(t, s, `
		function raise(msg) error(msg) end
		function raiseTable() error({}) end
		function raiseObj() error(setmetatable({}, {__tostring = function() return "custom" end})) end
		function deep() raise("deep error") end
	`)
	err := s.CallGlobal("deep", nil)
	var le *Error
	if !errors.As(err, &le) || errors.Is(err, ErrNoFunction) {
		t.Fatalf("%#v", err)
	}
	if !strings.HasSuffix(le.Message, ": deep error") {
		t.Errorf("message %q", le.Message)
	}
	if !strings.HasPrefix(le.Traceback, "stack traceback:\n") ||
		!strings.Contains(le.Traceback, "in function 'raise'") ||
		!strings.Contains(le.Traceback, "in function 'deep'") {
		t.Errorf("traceback %q", le.Traceback)
	}
	if le.Error() != le.Message+"\n"+le.Traceback {
		t.Errorf("Error() = %q", le.Error())
	}
	for name, want := range map[string]string{
		"raiseTable": "(error object is a table value)",
		"raiseObj":   "custom",
	} {
		if err := s.CallGlobal(name, nil); !errors.As(err, &le) || le.Message != want {
			t.Errorf("%s: %v", name, err)
		}
	}
	// as lua.c (and the archive's handler): __tostring's text, no traceback
	if err := s.CallGlobal("raiseObj", nil); !errors.As(err, &le) || le.Traceback != "" {
		t.Errorf("raiseObj: traceback %q", le.Traceback)
	}
	err = s.DoString("this is not Lua")
	if !errors.As(err, &le) || le.Traceback != "" || !strings.Contains(le.Message, "syntax error") {
		t.Errorf("syntax error: %#v", err)
	}
}

func TestNestedCalls(t *testing.T) {
	_, s := newTestState(t)
	// Lua -> Go -> Lua -> Go, with strings crossing at every level.
	must(t, s.Register("goUpper", func(x string) (string, error) {
		var out string
		err := s.CallGlobal("luaWrap", []any{&out}, strings.ToUpper(x))
		return out, err
	}))
	must(t, s.Register("goInner", func(x string) string { return "<" + x + ">" }))
	run(t, s, `function luaWrap(x) return "[" .. goInner(x) .. "]" end`)
	var out string
	must(t, s.CallGlobal("goUpper", []any{&out}, "abc"))
	if out != "[<ABC>]" {
		t.Fatal(out)
	}
	// A Lua error below a Go function comes back to it as an error.
	run(t, s, `function luaWrap(x) error("inner failure") end`)
	check(t, s, []luaCase{{"select(2, goUpper('x')):match('inner failure') ~= nil", "true"}})
	if s.depth != 0 || s.arenaTop() != 0 {
		t.Fatalf("depth %d, arena top %d after the calls", s.depth, s.arenaTop())
	}
}

func TestCallFromCoroutine(t *testing.T) {
	_, s := newTestState(t)
	must(t, s.Register("viaGo", func(x int) (int, error) {
		var r int
		err := s.CallGlobal("double", []any{&r}, x)
		return r, err
	}))
	run(t, s, "function double(x) return 2 * x end")
	check(t, s, []luaCase{
		{"coroutine.wrap(function() local a = viaGo(4); coroutine.yield(a); return viaGo(a) end)()", "8"},
		{"(function() local co = coroutine.wrap(function() coroutine.yield(viaGo(1)); return viaGo(5) end); co(); return co() end)()", "10"},
	})
}

func TestCallFromHookRefused(t *testing.T) {
	L, s := newTestState(t)
	var err error
	var pushPanic any
	NewClass[thing](s, "thing").OnGC(func(*thing) {
		err = s.CallGlobal("print", nil)
		func() {
			defer func() { pushPanic = recover() }()
			NewClass[thing](s, "thing").Push(&thing{})
		}()
	}).Push(&thing{})
	L.Pop(1)
	run(t, s, "collectgarbage() collectgarbage()")
	if err == nil || pushPanic == nil {
		t.Fatalf("hook: call error %v, push panic %v", err, pushPanic)
	}
}
