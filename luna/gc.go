package luna

import "github.com/aarzilli/golua/lua"

// Native memory and Lua's collector. A stream is a small shadow table to
// Lua, which paces its collector by the bytes it allocates itself: a
// script that drops streams without closing them would keep their sockets
// and buffers until its own garbage started a cycle (on the reference,
// whose loop made more garbage, that came sooner). So every new stream
// adds what it may hold natively to a debt, and every mgr.wait pays part
// of it as a collection step. Paid in small parts, the debt speeds up the
// cycles that follow instead of finishing one at once while the new stream
// is still referenced.

// gcPayPerWait is the most of the debt one wait pays (one step's worth).
const gcPayPerWait = 8 << 10

// noteNative adds bytes a new object holds outside Lua to the debt. The
// debt is capped at the Lua heap's size: one more cycle than the script's
// own pace already collects every object dropped before it.
func (rt *Runtime) noteNative(L *lua.State, bytes int) {
	heap := L.GC(lua.LUA_GCCOUNT, 0) << 10
	rt.nativeDebt = min(rt.nativeDebt+bytes, max(heap, gcPayPerWait))
}

// payNative pays part of the debt with one collection step, on the
// thread that called wait.
func (rt *Runtime) payNative() {
	if rt.nativeDebt == 0 {
		return
	}
	pay := min(rt.nativeDebt, gcPayPerWait)
	rt.nativeDebt -= pay
	rt.gcStep(rt.cb.Thread(), pay)
}
