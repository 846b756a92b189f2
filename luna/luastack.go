package luna

/*
#include "luna.h"
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
