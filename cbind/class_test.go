package cbind

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aarzilli/golua/lua"
)

type inner struct{ Depth int }

type named uint16

type point struct {
	inner
	X    int
	Y    int64
	I8   int8
	I16  int16
	I32  int32
	U    uint
	U8   uint8
	U16  uint16
	U32  uint32
	U64  uint64
	UP   uintptr
	F32  float32
	F64  float64
	B    bool
	S    string
	Raw  []byte
	T    time.Time
	D    time.Duration
	N    named
	id   int
	Nope chan int
}

func (p *point) Move(dx, dy int) { p.X += dx; p.Y += int64(dy) }

func (p *point) Sum() int64 { return int64(p.X) + p.Y }

func (p *point) Name(prefix string) string { return prefix + p.S }

func (p *point) Fail(msg string) error {
	if msg == "" {
		return nil
	}
	return errors.New(msg)
}

func (p *point) Swap() (int64, int) { return p.Y, p.X }

func (p *point) Args(L *lua.State) int {
	L.PushInteger(int64(L.GetTop()))
	L.PushInteger(int64(p.X))
	return 2
}

func (p *point) Top(L *lua.State, x int) int { return L.GetTop()*100 + x }

// Count is a method that reads its arguments off the stack and returns a
// typed result: the argument count, or an error when there is none.
func (p *point) Count(L *lua.State) (int64, error) {
	if L.GetTop() == 0 {
		return 0, errors.New("no arguments")
	}
	return int64(L.GetTop()*10 + p.X), nil
}

func (p *point) Panic() { panic("point panic") }

func exportPoint(s *State) *Class[point] {
	return NewClass[point](s, "point").
		Method("move", (*point).Move).
		Method("sum", (*point).Sum).
		Method("name", (*point).Name).
		Method("fail", (*point).Fail).
		Method("swap", (*point).Swap).
		Method("args", (*point).Args).
		Method("top", (*point).Top).
		Method("count", (*point).Count).
		Method("panic", (*point).Panic).
		Method("lambda", func(p *point, k int) int { return p.X * k }).
		Field("x", "X", false).
		Field("y", "Y", false).
		Field("i8", "I8", false).
		Field("i16", "I16", false).
		Field("i32", "I32", false).
		Field("u", "U", false).
		Field("u8", "U8", false).
		Field("u16", "U16", false).
		Field("u32", "U32", false).
		Field("u64", "U64", false).
		Field("up", "UP", false).
		Field("f32", "F32", false).
		Field("f64", "F64", false).
		Field("b", "B", false).
		Field("s", "S", false).
		Field("raw", "Raw", false).
		Field("t", "T", false).
		Field("d", "D", false).
		Field("n", "N", false).
		Field("depth", "Depth", false).
		Field("id", "id", true)
}

func TestClassFields(t *testing.T) {
	L, s := newTestState(t)
	p := &point{X: 1, Y: -2, I8: -8, U64: 1 << 63, F32: 0.25, F64: 1.5, B: true, S: "str",
		Raw: []byte("raw"), T: time.Unix(1700000000, 5), D: 1500 * time.Millisecond, N: 9, id: 77}
	p.Depth = 4
	exportPoint(s).Push(p)
	L.SetGlobal("p")
	check(t, s, []luaCase{
		{"p.x, p.y, p.i8, p.u64", "1, -2, -8, math.mininteger"},
		{"p.f32, p.f64, p.b, p.s, p.raw", `0.25, 1.5, true, "str", "raw"`},
		{"p.t, p.d, p.n, p.depth, p.id", "1700000000, 1500, 9, 4, 77"},
		{"p.X, p.nothing", "nil, nil"}, // Go names are not exported, unknown keys are nil
	})
	run(t, s, `
		p.x, p.y, p.i8, p.i16, p.i32 = 10, "20", 200, 70000, 2.0
		p.u, p.u8, p.u16, p.u32, p.u64, p.up = 1, 257, -1, 7, -1, 3
		p.f32, p.f64, p.b, p.s, p.raw = 2, "0.5", nil, 12, "bin\0"
		p.t, p.d, p.n, p.depth = 1000, 250, 65537, 5
		p.id = 1 -- read-only: ignored
		p.extra = "mine" -- unknown: stored on the table
	`)
	want := point{X: 10, Y: 20, I8: -56, I16: 4464, I32: 2, U: 1, U8: 1, U16: 65535, U32: 7,
		U64: 1<<64 - 1, UP: 3, F32: 2, F64: 0.5, B: false, S: "12", Raw: []byte("bin\x00"),
		T: time.Unix(1000, 0), D: 250 * time.Millisecond, N: 1, id: 77}
	want.Depth = 5
	got := *p
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
	check(t, s, []luaCase{
		{"p.id, p.extra, rawget(p, 'extra'), rawget(p, 'x')", `77, "mine", "mine", nil`},
	})
	run(t, s, "p.t = 0")
	if !p.T.IsZero() {
		t.Fatal("p.t = 0 did not clear the time")
	}
	check(t, s, []luaCase{{"p.t", "0"}})
}

func TestClassDeclarationErrors(t *testing.T) {
	_, s := newTestState(t)
	c := NewClass[point](s, "point")
	for name, f := range map[string]func(){
		"unknown field":    func() { c.Field("a", "Missing", false) },
		"unsupported type": func() { c.Field("a", "Nope", false) },
		"not a method":     func() { c.Method("a", func(x int) {}) },
		"not a function":   func() { c.Method("a", 1) },
		"not a struct":     func() { NewClass[int](s, "int").Field("a", "b", false) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
	if NewClass[point](s, "again") == nil || NewClass[point](s, "again").Name() != "point" {
		t.Fatal("declaring a class twice must return the first declaration")
	}
}

func TestClassMethods(t *testing.T) {
	bothPaths(t, func(t *testing.T) {
		L, s := newTestState(t)
		c := exportPoint(s)
		p := &point{X: 1, Y: 2, S: "pt"}
		c.Push(p)
		L.SetGlobal("p")
		check(t, s, []luaCase{
			{"p.sum()", "3"},
			{"p:sum()", "3"}, // the object's own table is skipped
			{"p.name('a ')", `"a pt"`},
			{"p:name('b ')", `"b pt"`},
			{"p.name(p)", `"pt"`}, // even when it is meant as an argument
			{"p.fail('')", "true"},
			{"p.fail('bad')", `nil, "bad"`},
			{"p.swap()", "2, 1"},
			{"p.lambda(3)", "3"},
			{"p.args(7, 8)", "2, 1"}, // raw: the stack is the arguments
			{"p:args(7, 8)", "2, 1"}, // without self
			{"p.top(5)", "105"},
			{"p:top(5)", "105"},
			{"p.count(7, 8)", "21"},
			{"p:count(7)", "11"},
			{"p.count()", `nil, "no arguments"`},
			{"select(2, pcall(p.panic)):match('point panic') ~= nil", "true"},
			{"(function() local f = p.sum; return f() end)()", "3"},
		})
		run(t, s, "p.move(10, 20); p:move(1, 1)")
		if p.X != 12 || p.Y != 23 {
			t.Fatalf("move: %+v", p)
		}
		// A bound method of another object is not confused by p.
		q := &point{X: 100}
		c.Push(q)
		L.SetGlobal("q")
		check(t, s, []luaCase{{"q.sum(p)", "100"}, {"q.name(p)", `""`}})
	})
}

func TestMethodOfReleasedObject(t *testing.T) {
	L, s := newTestState(t)
	c := exportPoint(s)
	p := &point{X: 1}
	c.Push(p)
	L.SetGlobal("p")
	run(t, s, "f = p.sum")
	s.objects.take(s.objects.byObj[p]) // as if the object had been collected
	err := s.DoString("f()")
	if err == nil || !strings.Contains(err.Error(), "released") {
		t.Fatalf("got %v", err)
	}
	err = s.DoString("return p.x")
	if err == nil || !strings.Contains(err.Error(), "released") {
		t.Fatalf("got %v", err)
	}
}
