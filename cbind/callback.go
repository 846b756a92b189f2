package cbind

/*
#include "cbind.h"
*/
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// The functions C calls. Each one recovers its own panics: a Go panic must
// not unwind through the Lua frames below it. Errors are handed back in the
// frame and raised by C once Go has returned.

//export cbindCall
func cbindCall(f *C.cb_frame) {
	s := stateOf(f.ctx)
	if s == nil {
		f.status = C.CB_CLOSED
		return
	}
	prev := s.cur
	s.cur = f.L
	defer s.leave(f, prev)
	s.funcs[f.sig.fn].call(s, f)
}

// leave ends a callback: restores the running thread and turns a panic
// into the error the trampoline raises.
func (s *State) leave(f *C.cb_frame, prev *C.lua_State) {
	s.cur = prev
	if r := recover(); r != nil {
		name := "?"
		switch {
		case f.sig != nil && int(f.sig.fn) < len(s.funcs) && s.funcs[f.sig.fn] != nil:
			name = s.funcs[f.sig.fn].name
		case f.sig == nil && int(f.field) < len(s.fields):
			fi := s.fields[f.field]
			name = fi.cls.name + "." + fi.name
		}
		s.setError(f, panicMessage(name, r))
	}
}

// setError makes the frame an error with message msg.
func (s *State) setError(f *C.cb_frame, msg string) {
	f.status = C.CB_ERR
	f.nres = 0
	defer func() {
		if recover() != nil { // the arena cannot grow: raise an empty message
			setNil(&f.res[0])
		}
	}()
	s.putString(&f.res[0], msg)
}

// panicMessage is the Lua error message for a panic: the text of an *Error
// or of a golua error (lua.State.RaiseError) as is, anything else prefixed
// with the function's name.
func panicMessage(name string, r any) string {
	switch e := r.(type) {
	case *Error:
		return e.Message
	case *lua.LuaError:
		return e.Error()
	}
	return fmt.Sprintf("cbind: %s: %v", name, r)
}

//export cbindField
func cbindField(f *C.cb_frame) {
	s := stateOf(f.ctx)
	if s == nil {
		f.status = C.CB_CLOSED
		return
	}
	defer s.leave(f, s.cur)
	fi := s.fields[f.field]
	sl, ok := s.objects.lookup(uintptr(f.self))
	if !ok || sl.cls != fi.cls {
		panic(&Error{Message: "cbind: field " + fi.name + " of a released or foreign object"})
	}
	p := unsafe.Add(fi.cls.ptrOf(sl.obj), fi.off)
	if f.op == C.CB_FGET {
		s.getField(&f.res[0], p, fi.kind)
		f.nres = 1
	} else {
		setField(p, fi.kind, &f.args[0])
	}
}

//export cbindRelease
func cbindRelease(ctx *C.cb_ctx, h C.uintptr_t) {
	s := stateOf(ctx)
	if s == nil {
		return
	}
	sl, ok := s.objects.take(uintptr(h))
	if ok && sl.cls.onGC != nil {
		s.runHook(sl)
	}
}

//export cbindFreeFunc
func cbindFreeFunc(ctx *C.cb_ctx, id C.uint32_t) {
	s := stateOf(ctx)
	if s == nil || id == 0 || int(id) >= len(s.funcs) || s.funcs[id] == nil {
		return
	}
	s.funcs[id] = nil
	s.freeFuncs = append(s.freeFuncs, uint32(id))
}
