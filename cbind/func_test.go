package cbind

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aarzilli/golua/lua"
)

func registerAll(t *testing.T, s *State, fns map[string]any) {
	t.Helper()
	for name, fn := range fns {
		must(t, s.Register(name, fn))
	}
}

func TestFunctionConversions(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		_, s := newTestState(t)
		registerAll(t, s, map[string]any{
			"add":    func(a, b int64) int64 { return a + b },
			"addint": func(a, b int) int { return a + b },
			"i8":     func(x int8) int8 { return x },
			"i16":    func(x int16) int16 { return x },
			"i32":    func(x int32) int32 { return x },
			"u8":     func(x uint8) uint8 { return x },
			"u32":    func(x uint32) uint32 { return x },
			"u64":    func(x uint64) uint64 { return x },
			"num":    func(x float64) float64 { return x },
			"f32":    func(x float32) float32 { return x },
			"str":    func(x string) string { return x },
			"boolf":  func(x bool) bool { return x },
			"bytes":  func(b []byte) []byte { return append(b, '!') },
			"nobyte": func() []byte { return nil },
			"anyf":   func(x any) string { return fmt.Sprintf("%T %v", x, x) },
			"anyr":   func(i int) any { return []any{nil, true, 7, 2.5, "s"}[i] },
		})
		check(t, s, []luaCase{
			{"add(1, 2)", "3"},
			{`add("10", 2)`, "12"},   // strings convert
			{`add("0x10", 0)`, "16"}, // as lua_tointegerx does
			{"add(2.0, 1)", "3"},     // integral float
			{"add(2.5, 1)", "1"},     // non-integral: 0
			{"add(nil, 1)", "1"},     // nil: 0
			{"add({}, 1)", "1"},      // table: 0
			{`add("x", 1)`, "1"},     // not a number: 0
			{"add(1)", "1"},          // missing: 0
			{"add(1, 2, 3)", "3"},    // extra ignored
			{"addint(-5, 2)", "-3"},
			{"i8(300)", "44"}, // truncated like a C cast
			{"i8(-129)", "127"},
			{"i16(65537)", "1"},
			{"i32(2^31 // 1)", "-2147483648"},
			{"u8(263)", "7"},
			{"u32(-1)", "4294967295"},
			{"u64(-1)", "-1"}, // wraps both ways
			{"num(3)", "3.0"}, // always a float
			{`num("1.5")`, "1.5"},
			{"num(nil)", "0.0"},
			{"f32(0.5)", "0.5"},
			{"str(12)", `"12"`}, // numbers become strings
			{"str(1.5)", `"1.5"`},
			{"str(nil)", `""`},        // nil: ""
			{"str(true)", `""`},       // not a string: ""
			{`str("a\0b")`, `"a\0b"`}, // binary safe
			{"boolf(nil)", "false"},
			{"boolf(0)", "true"}, // Lua truth
			{`boolf("")`, "true"},
			{"boolf(false)", "false"},
			{"boolf()", "false"},
			{`bytes("ab")`, `"ab!"`},
			{"bytes(nil)", `"!"`},
			{"nobyte()", `""`},
			{"anyf(nil)", `"<nil> <nil>"`},
			{"anyf(1)", `"int64 1"`},
			{"anyf(1.5)", `"float64 1.5"`},
			{"anyf('x')", `"string x"`},
			{"anyf(true)", `"bool true"`},
			{"anyf({})", `"<nil> <nil>"`},
			{"anyr(0)", "nil"},
			{"anyr(1)", "true"},
			{"anyr(2)", "7"},
			{"anyr(3)", "2.5"},
			{"anyr(4)", `"s"`},
		})
	})
}

func TestFunctionResults(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		_, s := newTestState(t)
		fail := errors.New("it failed")
		registerAll(t, s, map[string]any{
			"none":  func() {},
			"three": func(x int) (int, string, bool) { return x, fmt.Sprint(x), x > 0 },
			"div": func(a, b int64) (int64, error) {
				if b == 0 {
					return 0, errors.New("division by zero")
				}
				return a / b, nil
			},
			"check":    func(x string) error { return map[bool]error{true: fail}[x == "bad"] },
			"pair":     func() (string, error) { return "ok", nil },
			"pairFail": func() (string, int, error) { return "ignored", 1, fail },
		})
		check(t, s, []luaCase{
			{"none()", ""},
			{"three(2)", `2, "2", true`},
			{"three(-1)", `-1, "-1", false`},
			{"div(7, 2)", "3"},
			{"div(7, 0)", `nil, "division by zero"`},
			{`check("good")`, "true"},
			{`check("bad")`, `nil, "it failed"`},
			{"pair()", `"ok"`},
			{"pairFail()", `nil, "it failed"`},
		})
	})
}

func TestFunctionStateParameter(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		_, s := newTestState(t)
		registerAll(t, s, map[string]any{
			// The state parameter consumes no Lua argument.
			"top":   func(L *lua.State, x int) (int, int) { return L.GetTop(), x },
			"selfs": func(cs *State, x int) bool { return cs == s && x == 5 },
		})
		check(t, s, []luaCase{
			{"top(9, 8, 7)", "3, 9"},
			{"selfs(5)", "true"},
		})
	})
}

func TestRawFunction(t *testing.T) {
	_, s := newTestState(t)
	sum := func(L *lua.State) int {
		n, total := L.GetTop(), int64(0)
		for i := 1; i <= n; i++ {
			total += int64(L.ToInteger(i))
		}
		L.PushInteger(total)
		L.PushInteger(int64(n))
		return 2
	}
	must(t, s.Register("sum", sum))
	must(t, s.Register("named", lua.LuaGoFunction(sum)))
	must(t, s.Register("bad", func(L *lua.State) int { return 5 }))
	check(t, s, []luaCase{
		{"sum(1, 2, 3)", "6, 3"},
		{"sum()", "0, 0"},
		{"named(4, 5)", "9, 2"},
		// In a coroutine, the raw function gets the coroutine's stack.
		{"coroutine.wrap(function(a) return sum(a, 10) end)(5)", "15, 2"},
		{"select(2, pcall(bad)):match('returned 5 values') ~= nil", "true"},
	})
}

func TestPanicsBecomeLuaErrors(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		_, s := newTestState(t)
		var nilMap map[string]int
		registerAll(t, s, map[string]any{
			"boom":    func(x int) int { panic(fmt.Sprintf("boom %d", x)) },
			"nilmap":  func() { nilMap["x"] = 1 },
			"rawboom": func(L *lua.State) int { panic("raw boom") },
			"raise":   func(L *lua.State) int { L.RaiseError("golua raise"); return 0 },
			"custom":  func() { panic(&Error{Message: "exact message"}) },
			"ok":      func() int { return 1 },
		})
		check(t, s, []luaCase{
			{"pcall(boom, 3)", `false, "cbind: boom: boom 3"`},
			{"select(2, pcall(nilmap)):match('assignment to entry in nil map') ~= nil", "true"},
			{"select(2, pcall(rawboom)):match('raw boom$') ~= nil", "true"},
			{"select(2, pcall(raise)):match('golua raise$') ~= nil", "true"},
			{"pcall(custom)", `false, "exact message"`},
			{"ok()", "1"}, // the state is intact
		})
		// Uncaught, the error reaches the Go caller with a traceback.
		err := s.DoString("boom(1)")
		var le *Error
		if !errors.As(err, &le) || !strings.Contains(le.Message, "boom 1") ||
			!strings.Contains(le.Traceback, "in function 'boom'") {
			t.Fatalf("%#v", err)
		}
	})
}

func TestRegisterErrors(t *testing.T) {
	_, s := newTestState(t)
	for _, fn := range []any{
		42,
		(func())(nil),
		func(chan int) {},
		func() chan int { return nil },
		func(...int) {},
		func(error) {},
		func() (error, int) { return nil, 0 },
		func(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q int) {},
	} {
		if err := s.Register("f", fn); err == nil {
			t.Errorf("%T: no error", fn)
		}
	}
}

func TestPushFunction(t *testing.T) {
	L, s := newTestState(t)
	top := L.GetTop()
	must(t, s.PushFunction(strings.ToUpper))
	if L.GetTop() != top+1 || !L.IsFunction(-1) {
		t.Fatal("PushFunction did not push one function")
	}
	L.SetGlobal("upper")
	check(t, s, []luaCase{{`upper("abc")`, `"ABC"`}})
}

func TestFunctionIdsAreReused(t *testing.T) {
	L, s := newTestState(t)
	for i := 0; i < 100; i++ {
		must(t, s.PushFunction(func() int { return i }))
		L.Pop(1)
	}
	run(t, s, "collectgarbage() collectgarbage()")
	if len(s.freeFuncs) < 100 {
		t.Fatalf("%d ids freed, want 100", len(s.freeFuncs))
	}
	must(t, s.Register("again", func() int { return 7 }))
	check(t, s, []luaCase{{"again()", "7"}})
}

func TestObjectsAsArguments(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		L, s := newTestState(t)
		NewClass[point](s, "point")
		p := &point{X: 3}
		registerAll(t, s, map[string]any{
			"getx":    func(p *point) int { return p.X },
			"isnil":   func(p *point) bool { return p == nil },
			"same":    func() *point { return p },
			"nothing": func() *point { return nil },
			"other":   func(o *other) bool { return o == nil },
		})
		NewClass[point](s, "point").Push(p)
		L.SetGlobal("p")
		check(t, s, []luaCase{
			{"getx(p)", "3"},
			{"isnil(nil)", "true"},
			{"isnil({})", "true"},
			{"isnil({__pointer__ = 1})", "true"},
			{"isnil(p)", "false"},
			{"rawequal(same(), p)", "true"},
			{"nothing()", "nil"},
			{"other(p)", "true"}, // an object of another class is nil
		})
	})
}

type other struct{}
