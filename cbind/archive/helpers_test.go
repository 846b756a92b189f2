//go:build lua53

package archive

import (
	"testing"

	"github.com/aarzilli/golua/lua"
)

// newState returns a Lua state with the standard libraries and
// testdata/helpers.lua (build, render) loaded, closed when the test ends.
func newState(t testing.TB) *lua.State {
	t.Helper()
	L := lua.NewState()
	L.OpenLibs()
	if err := L.DoFile("testdata/helpers.lua"); err != nil {
		L.Close()
		t.Fatal(err)
	}
	t.Cleanup(L.Close)
	return L
}

// build pushes the values of a Lua expression list and returns how many.
func build(t testing.TB, L *lua.State, expr string) int {
	t.Helper()
	top := L.GetTop()
	L.GetGlobal("build")
	L.PushString(expr)
	if err := L.Call(1, lua.LUA_MULTRET); err != nil {
		t.Fatalf("build(%s): %v", expr, err)
	}
	return L.GetTop() - top
}

// renderTop pops the n values on the top of the stack and returns them in
// the cpp_decoded text form ("CALL <n> <v1> ...").
func renderTop(t testing.TB, L *lua.State, n int) string {
	t.Helper()
	L.GetGlobal("render")
	L.Insert(-n - 1)
	if err := L.Call(n, 1); err != nil {
		t.Fatalf("render: %v", err)
	}
	s := L.ToString(-1)
	L.Pop(1)
	return s
}

// decodeRender decodes an archive and renders it, or returns the error.
func decodeRender(t testing.TB, L *lua.State, data []byte) (string, error) {
	t.Helper()
	top := L.GetTop()
	n, err := Decode(L, data)
	if got := L.GetTop(); got != top+n {
		t.Fatalf("Decode returned %d values (%v) but the stack grew by %d", n, err, got-top)
	}
	if err != nil {
		return "", err
	}
	return renderTop(t, L, n), nil
}

// callCase is one line of golden_calls.jsonl.
type callCase struct {
	I           int     `json:"i"`
	Lua         string  `json:"lua"`
	Note        string  `json:"note"`
	Nargs       int     `json:"nargs"`
	Ret         *int    `json:"ret"`
	Hex         string  `json:"hex"`
	HexOtherRun string  `json:"hex_other_run"`
	Stable      bool    `json:"stable"`
	CPPDecoded  *string `json:"cpp_decoded"`
	Decoded     struct {
		Values []string `json:"values"`
	} `json:"decoded"`
}
