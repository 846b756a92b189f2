package cbind

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aarzilli/golua/lua"
)

// newTestState returns a Lua state with the standard libraries and cbind,
// both closed when the test ends.
func newTestState(t testing.TB) (*lua.State, *State) {
	t.Helper()
	L := lua.NewState()
	OpenLibs(L)
	s := New(L)
	t.Cleanup(func() {
		L.Close()
		s.Close()
	})
	return L, s
}

// run runs Lua code and fails the test on error.
func run(t testing.TB, s *State, code string) {
	t.Helper()
	if err := s.DoString(code); err != nil {
		t.Fatalf("%s\n%v", code, err)
	}
}

// luaCase compares the values of two Lua expression lists: the same count,
// and each value equal with the same math.type (3 is not 3.0).
type luaCase struct{ expr, want string }

const compareValues = `
local got, want, expr = ...
if got.n ~= want.n then
	error(("%s: %d values, want %d"):format(expr, got.n, want.n), 0)
end
for i = 1, got.n do
	local g, w = got[i], want[i]
	if g ~= w or math.type(g) ~= math.type(w) then
		error(("%s: value %d is %s (%s), want %s (%s)"):format(expr, i,
			tostring(g), math.type(g) or type(g), tostring(w), math.type(w) or type(w)), 0)
	end
end`

func check(t *testing.T, s *State, cases []luaCase) {
	t.Helper()
	for _, c := range cases {
		code := fmt.Sprintf("(function(...) %s end)(table.pack(%s), table.pack(%s), %q)",
			compareValues, c.expr, c.want, c.expr)
		if err := s.DoString(code); err != nil {
			t.Errorf("%v", strings.SplitN(err.Error(), "\n", 2)[0])
		}
	}
}

// bothPaths runs f with the fast paths enabled, then with only the general
// reflect path, so that both give the same results.
func bothPaths(t *testing.T, f func(t *testing.T)) {
	for _, fast := range []bool{true, false} {
		name := map[bool]string{true: "fast", false: "reflect"}[fast]
		t.Run(name, func(t *testing.T) {
			noFast = !fast
			defer func() { noFast = false }()
			f(t)
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
