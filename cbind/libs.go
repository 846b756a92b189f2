package cbind

/*
#include <lua.h>
#include <lualib.h>
*/
import "C"

import (
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// OpenLibs opens the standard Lua libraries in L like luaL_openlibs.
// Unlike golua's L.OpenLibs, it keeps pcall and xpcall: golua hides them
// because its own Go functions raise errors by panicking through C, but
// functions exported through cbind raise real Lua errors, which pcall
// catches safely. [-0, +0, e]
func OpenLibs(L *lua.State) {
	C.luaL_openlibs((*C.lua_State)(unsafe.Pointer(L.GetState())))
}
