package luna

/*
#cgo pkg-config: lua5.3
#include <lua.h>

// luna_push_callback pushes t[primary], or t[fallback] when that is not a
// function (t at idx, raw reads: callbacks are plain fields of the shadow
// table). Returns 1 with a function on top, or 0 with nothing pushed.
static int luna_push_callback(lua_State *L, int idx, const char *primary, const char *fallback) {
	idx = lua_absindex(L, idx);
	if (lua_type(L, idx) != LUA_TTABLE) return 0;
	if (lua_getfield(L, idx, primary) == LUA_TFUNCTION) return 1;
	lua_pop(L, 1);
	if (fallback && lua_getfield(L, idx, fallback) == LUA_TFUNCTION) return 1;
	if (fallback) lua_pop(L, 1);
	return 0;
}
*/
import "C"

import (
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// Callback names as C strings, made once: the dispatch path looks them up
// for every frame.
var (
	cOnCall = C.CString("on_call")
	cOnRecv = C.CString("on_recv")
)

// toIntegerx is lua_tointegerx: the integer at idx (a number with an
// integral value or a string that converts to one) and whether it was one.
// [-0, +0, -]
func toIntegerx(L *lua.State, idx int) (int64, bool) {
	var ok C.int
	v := C.lua_tointegerx((*C.lua_State)(unsafe.Pointer(L.GetState())), C.int(idx), &ok)
	return int64(v), ok != 0
}

// pushCallback pushes the function in field primary (or fallback) of the
// table at idx and reports whether there was one. [-0, +(0|1), e]
func pushCallback(L *lua.State, idx int) bool {
	cL := (*C.lua_State)(unsafe.Pointer(L.GetState()))
	return C.luna_push_callback(cL, C.int(idx), cOnCall, cOnRecv) != 0
}
