package cbind

import (
	"fmt"
	"testing"

	"github.com/aarzilli/golua/lua"
)

// The Lua-side benchmarks run b.N calls inside one chunk, so ns/op is the
// cost of one call from Lua, loop overhead included (a few ns).

func benchState(b *testing.B) (*lua.State, *State) {
	L := lua.NewState()
	OpenLibs(L)
	s := New(L)
	b.Cleanup(func() {
		L.Close()
		s.Close()
	})
	return L, s
}

func benchLoop(b *testing.B, s *State, body string) {
	code := fmt.Sprintf("local n = 0 for i = 1, %d do %s end", b.N, body)
	b.ResetTimer()
	if err := s.DoString(code); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRegisteredAdd: a Lua loop calling a registered
// func(int64, int64) int64.
func BenchmarkRegisteredAdd(b *testing.B) {
	_, s := benchState(b)
	if err := s.Register("add", func(a, b int64) int64 { return a + b }); err != nil {
		b.Fatal(err)
	}
	benchLoop(b, s, "n = add(n, 1)")
}

// BenchmarkRegisteredAddReflect is BenchmarkRegisteredAdd without the
// fast path: the general reflect.Value.Call adapter.
func BenchmarkRegisteredAddReflect(b *testing.B) {
	_, s := benchState(b)
	noFast = true
	err := s.Register("add", func(a, b int64) int64 { return a + b })
	noFast = false
	if err != nil {
		b.Fatal(err)
	}
	benchLoop(b, s, "n = add(n, 1)")
}

// BenchmarkGoluaHandwrittenAdd: the same through golua's own Register and
// a hand-written func(*lua.State) int.
func BenchmarkGoluaHandwrittenAdd(b *testing.B) {
	L, s := benchState(b)
	L.Register("add", func(L *lua.State) int {
		a, c := L.ToInteger(1), L.ToInteger(2)
		L.PushInteger(int64(a + c))
		return 1
	})
	benchLoop(b, s, "n = add(n, 1)")
}

// BenchmarkRawAdd: the hand-written function registered through cbind.
func BenchmarkRawAdd(b *testing.B) {
	_, s := benchState(b)
	err := s.Register("add", func(L *lua.State) int {
		a, c := L.ToInteger(1), L.ToInteger(2)
		L.PushInteger(int64(a + c))
		return 1
	})
	if err != nil {
		b.Fatal(err)
	}
	benchLoop(b, s, "n = add(n, 1)")
}

// BenchmarkStringEcho: a string argument and result.
func BenchmarkStringEcho(b *testing.B) {
	_, s := benchState(b)
	if err := s.Register("echo", func(x string) string { return x }); err != nil {
		b.Fatal(err)
	}
	benchLoop(b, s, `n = echo("hello, world")`)
}

// BenchmarkCallLuaFromGo: Go calling a Lua global with 2 arguments and 2
// results.
func BenchmarkCallLuaFromGo(b *testing.B) {
	_, s := benchState(b)
	if err := s.DoString(`function f(a, b) return a + b, a * b end`); err != nil {
		b.Fatal(err)
	}
	var sum, prod int64
	results := []any{&sum, &prod}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.CallGlobal("f", results, i, 2); err != nil {
			b.Fatal(err)
		}
	}
	if sum != int64(b.N-1)+2 {
		b.Fatal(sum)
	}
}

// BenchmarkGoluaCallLuaFromGo: the same call through golua's stack API
// (GetGlobal, PushInteger, Call, ToInteger, Pop), for comparison.
func BenchmarkGoluaCallLuaFromGo(b *testing.B) {
	L, s := benchState(b)
	if err := s.DoString(`function f(a, b) return a + b, a * b end`); err != nil {
		b.Fatal(err)
	}
	var sum, prod int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		L.GetGlobal("f")
		L.PushInteger(int64(i))
		L.PushInteger(2)
		if err := L.Call(2, 2); err != nil {
			b.Fatal(err)
		}
		sum, prod = L.ToInteger(-2), L.ToInteger(-1)
		L.Pop(2)
	}
	if sum != b.N-1+2 || prod != 2*(b.N-1) {
		b.Fatal(sum, prod)
	}
}

// BenchmarkCallObjectFromGo: Go calling a callback a script stored on a
// shadow table (the runtime's stream.on_call path), one argument.
func BenchmarkCallObjectFromGo(b *testing.B) {
	L, s := benchState(b)
	c := NewClass[benchObj](s, "obj")
	o := &benchObj{}
	c.Push(o)
	L.SetGlobal("obj")
	if err := s.DoString(`n = 0; obj.on_call = function(x) n = n + x end`); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.CallObject(o, "on_call", nil, 1); err != nil {
			b.Fatal(err)
		}
	}
}

type benchObj struct{ n int64 }

func (o *benchObj) Add(x int64) int64 { o.n += x; return o.n }

// BenchmarkMethodCall: obj.add(1) from a Lua loop.
func BenchmarkMethodCall(b *testing.B) {
	L, s := benchState(b)
	NewClass[benchObj](s, "obj").Method("add", (*benchObj).Add)
	NewClass[benchObj](s, "obj").Push(&benchObj{})
	L.SetGlobal("obj")
	benchLoop(b, s, "n = obj.add(1)")
}

// BenchmarkFieldRead: obj.n from a Lua loop (one Go callback per read).
func BenchmarkFieldRead(b *testing.B) {
	L, s := benchState(b)
	c := NewClass[benchObj](s, "obj").Field("n", "n", false)
	c.Push(&benchObj{n: 3})
	L.SetGlobal("obj")
	benchLoop(b, s, "n = obj.n")
}
