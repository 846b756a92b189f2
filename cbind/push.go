package cbind

/*
#include "cbind.h"
*/
import "C"

import "github.com/aarzilli/golua/lua"

// Stack operations. They act on the Lua thread that is calling into Go
// (the *lua.State a raw function receives), or on the main state outside
// callbacks.

// PushObjectsTable pushes the weak-valued table mapping handles (light
// userdata) to shadow tables: the runtime's luna.objects. [-0, +1, -]
func (s *State) PushObjectsTable() {
	C.cb_push_ref(s.cur, s.ctx.objects)
}

// PushExportFunction pushes export(ptr, meta) -> table, the shadow-object
// factory scripts know as export / luna_export: it returns the table of
// handle ptr (a light userdata), creating { __pointer__ = ptr } with
// metatable meta (a class metatable, or a class name) if there is none.
// [-0, +1, m]
func (s *State) PushExportFunction() {
	s.mustBeUsable("PushExportFunction")
	if rc := C.cb_push_export(s.cur, s.ctx); rc != C.LUA_OK {
		panic(popError(s.cur, rc))
	}
}

// Push pushes a Go value converted like a function result: nil, bool,
// integers, floats, string, []byte, a pointer to an exported class (its
// shadow table) or a StackRange (copies of those stack values).
// [-0, +(1|n), m]
func (s *State) Push(v any) error {
	if err := s.usable(); err != nil {
		return err
	}
	if r, ok := v.(StackRange); ok {
		first := C.lua_absindex(s.cur, C.int(r.First))
		if r.Count > 0 && C.lua_checkstack(s.cur, C.int(r.Count)) == 0 {
			return &Error{Message: "cbind: Lua stack overflow"}
		}
		for i := 0; i < r.Count; i++ {
			C.lua_pushvalue(s.cur, first+C.int(i))
		}
		return nil
	}
	mark := s.arenaTop()
	defer s.arenaReset(mark)
	if err := s.putValue(&s.ctx.tmp, v); err != nil {
		return err
	}
	if rc := C.cb_push_tmp(s.cur, s.ctx); rc != C.LUA_OK {
		return popError(s.cur, rc)
	}
	return nil
}

// Guard returns a function restoring L's stack top to its current value,
// the counterpart of the reference's lua_guard:
//
//	defer cbind.Guard(L)()
func Guard(L *lua.State) func() {
	top := L.GetTop()
	return func() { L.SetTop(top) }
}

// Guard is Guard for the Lua thread s acts on (the one calling into Go,
// or the main state outside callbacks): defer s.Guard()().
func (s *State) Guard() func() {
	L := s.cur
	top := C.lua_gettop(L)
	return func() { C.lua_settop(L, top) }
}
