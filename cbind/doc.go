// Package cbind binds Go to the real PUC Lua 5.3 VM driven through
// github.com/aarzilli/golua: Go functions and types exported to Lua with
// automatic conversions, and Lua functions called from Go with typed
// results. It is the Go counterpart of the C++ luna's luna.h; README.md in
// this directory is the user guide. Build with the lua53 tag.
//
// # Setting up
//
//	L := lua.NewState()
//	cbind.OpenLibs(L)
//	s := cbind.New(L)
//	defer s.Close()
//	defer L.Close()
//
// # Functions
//
// Register and PushFunction export any Go function whose parameters and
// results are integers, floats, bools, strings, []byte, pointers to exported
// classes or interfaces, with an optional leading *lua.State or *State and
// an optional trailing error (returned to Lua as nil, message). A
// func(*lua.State) int is exported raw.
//
// # Classes and shadow objects
//
// NewClass declares a Go type for one State; Method and Field export its
// members. A *T reaches Lua as a table { __pointer__ = <handle> } with the
// class metatable; the same object always gives the same table while that
// table lives, and its collection releases the object or runs the OnGC
// hook.
//
// # Calling Lua
//
// CallGlobal, CallField and CallObject call Lua under lua_pcall with a
// traceback handler; a raise returns an *Error, a missing function an error
// wrapping ErrNoFunction.
//
// # Safety
//
// Go panics are recovered before they can reach Lua's C frames and become
// Lua errors raised from C; Lua errors are caught by lua_pcall before they
// can reach Go frames. No Go pointer is kept in C or Lua memory: objects
// are named by integer handles.
package cbind
