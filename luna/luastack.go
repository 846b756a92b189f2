package luna

/*
#cgo pkg-config: lua5.3
#include <lua.h>
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
