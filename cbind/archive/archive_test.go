//go:build lua53

package archive

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/aarzilli/golua/lua"
	"github.com/luna-go/luna/internal/corpus"
)

func TestEncodeValues(t *testing.T) {
	tests := []struct {
		lua string
		hex string
	}{
		{`nil`, "00"},
		{`true, false`, "0506"},
		{`0, 246, 247`, "09ff" + "0202"},
		{`math.mininteger`, "0201"}, // the reference's bytes
		{`math.maxinteger`, "0292fcffffffffffffff01"},
		{`-1, -2`, "0203" + "0205"},
		{`0.5`, "01000000000000e03f"},
		{`"abc", "abc"`, "03036162630400"},
		{`{}`, "0708"},
		{`{x = {}}`, "070301780708" + "08"},
	}
	L := newState(t)
	buf := make([]byte, 64)
	for _, tt := range tests {
		L.SetTop(0)
		build(t, L, tt.lua)
		n, err := Encode(L, 1, buf)
		if err != nil || hex.EncodeToString(buf[:n]) != tt.hex {
			t.Errorf("Encode(%s) = %x, %v; want %s", tt.lua, buf[:n], err, tt.hex)
		}
	}
}

func TestEncodeIndexes(t *testing.T) {
	L := newState(t)
	build(t, L, `"skip", "f", 1`)
	buf := make([]byte, 16)
	for _, first := range []int{2, -2} {
		n, err := Encode(L, first, buf)
		if err != nil || hex.EncodeToString(buf[:n]) != "0301660a" {
			t.Errorf("Encode(first=%d) = %x, %v", first, buf[:n], err)
		}
	}
	for _, first := range []int{4, 0, -4} {
		if _, err := Encode(L, first, buf); err != ErrNoValues {
			t.Errorf("Encode(first=%d) err = %v, want ErrNoValues", first, err)
		}
	}
	if L.GetTop() != 3 {
		t.Errorf("stack top %d, want 3", L.GetTop())
	}
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		lua  string
		size int
		err  error
		text string
	}{
		{`"f", print`, 64, ErrUnsupportedType, "archive: unsupported type: function"},
		{`"f", {1, {2, {k = io.stdout}}}`, 64, ErrUnsupportedType, "archive: unsupported type: userdata"},
		{`coroutine.create(print)`, 64, ErrUnsupportedType, "archive: unsupported type: thread"},
		{`{[print] = 1}`, 64, ErrUnsupportedType, "archive: unsupported type: function"},
		{`"f", deep(17)`, 1024, ErrTooDeep, "archive: tables nested deeper than 16 levels"},
		{`{[deep(16)] = 1}`, 1024, ErrTooDeep, ""},                                    // a key one level down counts too
		{`(function() local t = {} t.self = t return t end)()`, 1024, ErrTooDeep, ""}, // a cycle
		{`"f", bigstr(60)`, 64, ErrTooLarge, "archive: larger than the package size"},
		{`1`, 0, ErrTooLarge, ""},
		{`2^53`, 8, ErrTooLarge, ""},
		{`1000`, 2, ErrTooLarge, ""},
	}
	L := newState(t)
	for _, tt := range tests {
		L.SetTop(0)
		nargs := build(t, L, tt.lua)
		n, err := Encode(L, 1, make([]byte, tt.size))
		if !errors.Is(err, tt.err) || n != 0 || (tt.text != "" && err.Error() != tt.text) {
			t.Errorf("Encode(%s) = %d, %v; want %v", tt.lua, n, err, tt.err)
		}
		if L.GetTop() != nargs {
			t.Errorf("Encode(%s) left %d values on the stack, want %d", tt.lua, L.GetTop(), nargs)
		}
	}
	// Exactly the package size fits (golden case 58: 65535 bytes).
	L.SetTop(0)
	build(t, L, `"f", bigstr(65528)`)
	if n, err := Encode(L, 1, make([]byte, 65535)); n != 65535 || err != nil {
		t.Errorf("65535-byte archive: %d, %v", n, err)
	}
}

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		hex  string
		want string
	}{
		{"", "CALL 0"},
		{"00", "CALL 1 nil"},
		{"0201", "CALL 1 -9223372036854775808"}, // ours: math.mininteger (the reference: 246)
		{"0200", "CALL 1 246"},                  // a non-canonical 246
		{"0203", "CALL 1 -1"},
		// (2^63-1)+246 wraps, as in the reference; no luna sender writes it.
		{"02feffffffffffffffff01", "CALL 1 -9223372036854775563"},
		{"01000000000000f87f", "CALL 1 float(nan)"},
		{"0301610400040005", `CALL 4 "a" "a" "a" true`},
		{"07010000000000000040" + "0a08", "CALL 1 {[2]=1}"}, // float key 2.0 becomes integer 2
		{"070a0008", "CALL 1 {}"},                           // a nil value makes no entry
		{"070a0a0a0b08", "CALL 1 {[1]=2}"},                  // a repeated key: the last wins
		{"0707080a08", "CALL 1 {[{}]=1}"},
		{"0708" + "0708", "CALL 2 {} {}"},
	}
	L := newState(t)
	for _, tt := range tests {
		got, err := decodeRender(t, L, corpus.Unhex(t, tt.hex))
		if err != nil || got != tt.want {
			t.Errorf("Decode(%s) = %q, %v; want %q", tt.hex, got, err, tt.want)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		hex    string
		reason string
	}{
		{"01000000", "value cut short"},
		{"02", "value cut short"},
		{"0280", "value cut short"},
		{"03", "value cut short"},
		{"04", "value cut short"},
		{"02ffffffffffffffffffff01", "varint longer than 10 bytes"},
		{"03ffffffffffffffffff02", "varint longer than 10 bytes"},
		{"08", "table end outside a table"},
		{"070a08" + "08", "table end outside a table"},
		{"0400", "string back-reference past the list"},
		{"0301610401", "string back-reference past the list"},
		{"07", "table without its end"},
		{"070a0a", "table without its end"},
		{"070a", "value cut short"},
		{"07000a08", "nil table key"},
		{"0701000000000000f87f0a08", "NaN table key"},
		{"0701000000000000f8ff0a08", "NaN table key"},
		{"030a616263", "string longer than the archive"},
		{"0380808080808080808001616263", "string longer than the archive"}, // 2^63: killed the reference
		{"038080808080208080", "string longer than the archive"},
		{strings.Repeat("070a", 33) + "0708" + strings.Repeat("08", 33), "tables nested deeper than 32 levels"},
	}
	L := newState(t)
	build(t, L, `"sentinel"`)
	for _, tt := range tests {
		n, err := Decode(L, corpus.Unhex(t, tt.hex))
		if n != 0 || !errors.Is(err, ErrMalformed) || err.Error() != "archive: malformed: "+tt.reason {
			t.Errorf("Decode(%s) = %d, %v; want malformed: %s", tt.hex, n, err, tt.reason)
		}
		if L.GetTop() != 1 {
			t.Fatalf("Decode(%s) left %d values", tt.hex, L.GetTop()-1)
		}
	}
}

// nestedArchive is "f" then n nested tables {[1]={[1]=...{}...}}.
func nestedArchive(n int) []byte {
	b := []byte{3, 1, 'f'}
	b = append(b, bytes.Repeat([]byte{7, 10}, n-1)...)
	b = append(b, 7, 8)
	return append(b, bytes.Repeat([]byte{8}, n-1)...)
}

func TestDecodeNesting(t *testing.T) {
	L := newState(t)
	for _, n := range []int{1, 16, 30, MaxDecodeDepth} {
		got, err := decodeRender(t, L, nestedArchive(n))
		if err != nil || strings.Count(got, "{") != n {
			t.Errorf("%d nested tables: %.80q, %v", n, got, err)
		}
	}
	for _, n := range []int{MaxDecodeDepth + 1, 100, 1000, 10000, 1000000} {
		if k, err := Decode(L, nestedArchive(n)); k != 0 || !errors.Is(err, ErrMalformed) {
			t.Errorf("%d nested tables: %d, %v; want malformed", n, k, err)
		}
		// Unterminated, as a hostile sender would cut it.
		if k, err := Decode(L, nestedArchive(n)[:3+2*(n-1)]); k != 0 || !errors.Is(err, ErrMalformed) {
			t.Errorf("%d open tables: %d, %v; want malformed", n, k, err)
		}
	}
	if L.GetTop() != 0 {
		t.Errorf("stack top %d", L.GetTop())
	}
}

func TestDecodeManyValues(t *testing.T) {
	L := newState(t)
	// 100 000 top-level values: the stack grows value by value.
	data := bytes.Repeat([]byte{10}, 100000)
	n, err := Decode(L, data)
	if err != nil || n != 100000 || L.GetTop() != 100000 || L.ToInteger(-1) != 1 {
		t.Fatalf("100000 values: %d, %v, top %d", n, err, L.GetTop())
	}
	L.SetTop(0)
	// More than the Lua stack can ever hold (LUAI_MAXSTACK = 1e6): refused
	// cleanly, nothing left behind.
	n, err = Decode(L, bytes.Repeat([]byte{10}, 1100000))
	if n != 0 || !errors.Is(err, ErrMalformed) || L.GetTop() != 0 {
		t.Fatalf("1.1e6 values: %d, %v, top %d", n, err, L.GetTop())
	}
	// The state is still usable.
	if got, err := decodeRender(t, L, []byte{3, 1, 'f', 10}); err != nil || got != `CALL 2 "f" 1` {
		t.Fatalf("after overflow: %q, %v", got, err)
	}
}

// More strings than the decoder's fixed list holds: the list grows, every
// string is kept (no 255 cap on the receiving side).
func TestDecodeStringList(t *testing.T) {
	L := newState(t)
	var b []byte
	const count = 5000
	for i := 0; i < count; i++ {
		s := "s" + strconv.Itoa(i)
		b = append(b, 3, byte(len(s)))
		b = append(b, s...)
	}
	for _, i := range []uint64{0, 63, 64, 255, 256, 1023, count - 1} {
		b = append(b, 4)
		b = binary.AppendUvarint(b, i)
	}
	n, err := Decode(L, b)
	if err != nil || n != count+7 {
		t.Fatalf("Decode = %d, %v", n, err)
	}
	for k, want := range []string{"s0", "s63", "s64", "s255", "s256", "s1023", "s4999"} {
		if got := L.ToString(count + 1 + k); got != want {
			t.Errorf("back-reference %d = %q, want %q", k, got, want)
		}
	}
	L.SetTop(0)
	b = append(b, 4)
	b = binary.AppendUvarint(b, count)
	if n, err := Decode(L, b); n != 0 || !errors.Is(err, ErrMalformed) || L.GetTop() != 0 {
		t.Errorf("reference past %d strings: %d, %v", count, n, err)
	}
}

// A Lua error raised while decoding (here by a __gc metamethod that the
// allocations of the decoder set off) is neither malformed nor lost.
func TestDecodeLuaError(t *testing.T) {
	L := newState(t)
	if err := L.DoString(`
		local mt = {__gc = function() error("boom in __gc") end}
		keep = {}
		for i = 1, 1000 do keep[i] = setmetatable({}, mt) end
		keep = nil`); err != nil {
		t.Fatal(err)
	}
	L.PushString("sentinel")
	tables := bytes.Repeat([]byte{7, 8}, 5000)
	for i := 0; i < 100; i++ {
		n, err := Decode(L, tables)
		if err == nil {
			L.SetTop(1)
			continue
		}
		if n != 0 || errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "boom in __gc") {
			t.Errorf("Decode = %d, %v; want the __gc error", n, err)
		}
		if L.GetTop() != 1 {
			t.Errorf("stack top %d after the error", L.GetTop())
		}
		return
	}
	t.Error("the garbage collector never ran a finalizer during Decode")
}

func TestRoundTrip(t *testing.T) {
	L := newState(t)
	buf := make([]byte, 1<<16)
	for _, expr := range []string{
		`"f", math.mininteger, math.maxinteger, -246, -247, 246, 247, 248, 0.1, -0.0, 1/0`,
		`{[1.5] = {true, false}, list = {1, 2, 3, "x", "x"}, [-7] = "neg"}`,
		`deep(16), deep(16)`,
		`bigstr(300), bigstr(300), S300, S300`,
		`distinct(400)`,
	} {
		L.SetTop(0)
		n := build(t, L, expr)
		want := renderTop(t, L, n)
		build(t, L, expr) // the same values again, fresh objects
		k, err := Encode(L, 1, buf)
		if err != nil {
			t.Fatalf("Encode(%s): %v", expr, err)
		}
		L.SetTop(0)
		if got, err := decodeRender(t, L, buf[:k]); err != nil || got != want {
			t.Errorf("%s: %.100q, %v; want %.100q", expr, got, err, want)
		}
	}
}

func TestErrorsDoNotAllocate(t *testing.T) {
	L := newState(t)
	build(t, L, `"f", print`)
	buf := make([]byte, 64)
	bad := corpus.Unhex(t, "03016607000a08")
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = Encode(L, 1, buf)
		_, _ = Decode(L, bad)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per run", allocs)
	}
	_ = lua.LUA_MULTRET
}

// In steady state the codec allocates nothing inside Lua either: with the
// collector stopped, the memory Lua reports in use must not move over a
// thousand messages of call("sink", i) (its strings are interned by then).
func TestNoLuaAllocation(t *testing.T) {
	L := newState(t)
	if err := L.DoString(`function sink(...) end
		function mem() return collectgarbage("count") end`); err != nil {
		t.Fatal(err)
	}
	mem := func() float64 {
		L.GetGlobal("mem")
		L.Call(0, 1)
		defer L.Pop(1)
		return L.ToNumber(-1)
	}
	L.GetGlobal("sink")
	build(t, L, `"sink", 1000`)
	buf := make([]byte, 64)
	n, _ := Encode(L, 2, buf)
	data := buf[:n]
	step := func() {
		if _, err := Encode(L, 2, buf); err != nil {
			t.Fatal(err)
		}
		if _, err := Decode(L, data); err != nil {
			t.Fatal(err)
		}
		L.SetTop(3)
	}
	for i := 0; i < 10; i++ {
		step()
	}
	L.DoString(`collectgarbage("stop")`)
	before := mem()
	for i := 0; i < 1000; i++ {
		step()
	}
	if after := mem(); after != before {
		t.Errorf("Lua memory in use went from %v KiB to %v KiB", before, after)
	}
}
