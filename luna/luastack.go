package luna

/*
#cgo pkg-config: lua5.3
#include <lua.h>

static int luna_gc_step_k(lua_State *L) {
	lua_gc(L, LUA_GCSTEP, (int)lua_tointeger(L, 1));
	return 0;
}

// luna_gc_step runs lua_gc(LUA_GCSTEP, kb) protected: a finalizer it runs
// may raise. Returns 1 with the message pushed when one did. [-0, +(0|1), -]
static int luna_gc_step(lua_State *L, int kb) {
	if (!lua_checkstack(L, 2)) return 0;
	lua_pushcfunction(L, luna_gc_step_k);
	lua_pushinteger(L, kb);
	return lua_pcall(L, 1, 0, 0) != LUA_OK;
}
*/
import "C"

import (
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// toIntegerx is lua_tointegerx: the integer at idx (a number with an
// integral value or a string that converts to one) and whether it was one.
// [-0, +0, -]
func toIntegerx(L *lua.State, idx int) (int64, bool) {
	var ok C.int
	v := C.lua_tointegerx((*C.lua_State)(unsafe.Pointer(L.GetState())), C.int(idx), &ok)
	return int64(v), ok != 0
}

// gcStep runs one incremental collection step as if Lua had allocated
// bytes; an error from a finalizer it ran is reported like a callback's.
// [-0, +0, -]
func (rt *Runtime) gcStep(L *lua.State, bytes int) {
	if C.luna_gc_step((*C.lua_State)(unsafe.Pointer(L.GetState())), C.int(max(bytes>>10, 1))) != 0 {
		rt.errlog.report("__gc", "", 0, L.ToString(-1))
		L.Pop(1)
	}
}
