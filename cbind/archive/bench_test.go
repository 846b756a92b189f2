//go:build lua53

package archive

import (
	"testing"

	"github.com/aarzilli/golua/lua"
)

// The payloads of the bench kit (bench/lua/rpc_client.lua): call("sink", i)
// and variants. i is fixed at 1000, a 3-byte integer.
var benchPayloads = []struct {
	name string
	lua  string
}{
	{"int", `"sink", 1000`},
	{"str64", `"sink", 1000, bigstr(64)`},
	{"str1k", `"sink", 1000, bigstr(1024)`},
	{"table", `"sink", {id = 1000, name = "player_0042", pos = {x = 1.5, y = -2.25}}`},
}

func BenchmarkEncode(b *testing.B) {
	for _, p := range benchPayloads {
		b.Run(p.name, func(b *testing.B) {
			L := newState(b)
			build(b, L, p.lua)
			buf := make([]byte, packageSize)
			n, err := Encode(L, 1, buf)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Encode(L, 1, buf); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// archiveOf encodes a payload in a scratch state.
func archiveOf(b *testing.B, expr string) []byte {
	L := newState(b)
	build(b, L, expr)
	buf := make([]byte, packageSize)
	n, err := Encode(L, 1, buf)
	if err != nil {
		b.Fatal(err)
	}
	return buf[:n]
}

// BenchmarkDecode decodes onto the stack; the stack is emptied every 64
// messages (a lua_settop crossing amortised, as a dispatcher would not pay it).
func BenchmarkDecode(b *testing.B) {
	for _, p := range benchPayloads {
		b.Run(p.name, func(b *testing.B) {
			data := archiveOf(b, p.lua)
			L := newState(b)
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := Decode(L, data); err != nil {
					b.Fatal(err)
				}
				if i++; i%64 == 0 {
					L.SetTop(0)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkCrossing is the floor under the figures above: one cgo call
// into liblua that does nothing useful.
func BenchmarkCrossing(b *testing.B) {
	L := newState(b)
	var top int
	for b.Loop() {
		top += L.GetTop()
	}
	_ = top
	_ = lua.LUA_MULTRET
}
