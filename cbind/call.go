package cbind

/*
#include <stdlib.h>
#include "cbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

// ErrNoFunction is returned (wrapped) by the Call functions when the
// function to call does not exist or is not callable: test it with
// errors.Is. A function that ran and raised returns an *Error instead.
var ErrNoFunction = errors.New("cbind: no such function")

// Error is a Lua error caught by cbind: the error message, and the Lua
// traceback of where it was raised ("stack traceback:\n\t..."), empty for
// errors that have none (syntax errors).
type Error struct {
	Message   string
	Traceback string
}

// Error returns the message followed by the traceback, as lua.c prints it.
func (e *Error) Error() string {
	if e.Traceback == "" {
		return e.Message
	}
	return e.Message + "\n" + e.Traceback
}

// newError splits what the message handler produced: message, then
// "\nstack traceback:" and the traceback.
func newError(text string) *Error {
	if i := strings.LastIndex(text, "\nstack traceback:"); i >= 0 {
		return &Error{Message: text[:i], Traceback: text[i+1:]}
	}
	return &Error{Message: text}
}

// CallGlobal calls the global function name with args and stores its
// results in results, a list of pointers. Arguments are converted like
// function results (see PushFunction; also StackRange for values already
// on the stack); results like function arguments, by the pointer's type:
// *int... *uint64, *float32, *float64, *bool, *string, *[]byte, **T of an
// exported class, and *any (nil, bool, int64, float64, string, *T).
// Missing results are converted from nil.
//
// The call is protected, with a traceback handler: a Lua error returns an
// *Error; a missing function returns an error wrapping ErrNoFunction. The
// stack is left as it was. [-0, +0, -]
func (s *State) CallGlobal(name string, results []any, args ...any) error {
	return s.call(C.CB_CGLOBAL, "", name, 0, results, args)
}

// CallField calls the function table.name, where table is a global table:
// luna.entry is CallField("luna", "entry", ...). See CallGlobal.
// [-0, +0, -]
func (s *State) CallField(table, name string, results []any, args ...any) error {
	return s.call(C.CB_CFIELD, table, name, 0, results, args)
}

// CallObject calls the function stored in the field name of obj's shadow
// table, such as a callback a script assigned (stream.on_call), without a
// self argument. obj is a *T that was pushed; if its table no longer
// exists, or has no such function, the error wraps ErrNoFunction. See
// CallGlobal. [-0, +0, -]
func (s *State) CallObject(obj any, name string, results []any, args ...any) error {
	if t := reflect.TypeOf(obj); t == nil || t.Kind() != reflect.Pointer {
		return fmt.Errorf("%w: %s (%T is not an object)", ErrNoFunction, name, obj)
	}
	h, _, ok := s.objects.find(obj)
	if !ok {
		return fmt.Errorf("%w: %s (object not in Lua)", ErrNoFunction, name)
	}
	return s.call(C.CB_COBJECT, "", name, h, results, args)
}

// call runs one call from Go into Lua through a cb_call frame: one cgo call.
func (s *State) call(kind C.int, table, name string, obj uintptr, results, args []any) error {
	if err := s.usable(); err != nil {
		return err
	}
	if len(args) > C.CB_CALL_MAX || len(results) > C.CB_CALL_MAX {
		return fmt.Errorf("cbind: more than %d arguments or results", C.CB_CALL_MAX)
	}
	if s.depth == len(s.calls) {
		s.calls = append(s.calls, C.cb_call_new())
	}
	c := s.calls[s.depth]
	mark := s.arenaTop()
	defer s.arenaReset(mark)
	c.ctx, c.kind, c.obj = s.ctx, kind, C.uintptr_t(obj)
	c.name = s.putCString(name)
	if kind == C.CB_CFIELD {
		c.table = s.putCString(table)
	}
	for i, a := range args {
		if err := s.putValue(&c.args[i], a); err != nil {
			return err
		}
	}
	for i, r := range results {
		tag, err := s.resultTag(r)
		if err != nil {
			return err
		}
		c.res[i].tag = C.int(tag)
	}
	c.nargs, c.nres = C.int(len(args)), C.int(len(results))
	s.depth++
	C.cb_call_lua(s.cur, c)
	s.depth--
	switch c.status {
	case C.CB_OK:
		for i, r := range results {
			s.storeResult(r, &c.res[i])
		}
		return nil
	case C.CB_NOFUNC:
		if kind == C.CB_CFIELD {
			name = table + "." + name
		}
		return fmt.Errorf("%w: %s", ErrNoFunction, name)
	case C.CB_NOSTACK:
		return &Error{Message: "cbind: Lua stack overflow"}
	}
	return newError(s.arenaString(&C.cb_val{i: C.longlong(c.err), len: c.errlen}))
}

// resultTag is the conversion C applies for a result pointer.
func (s *State) resultTag(r any) (int, error) {
	switch r.(type) {
	case *bool:
		return C.CB_TBOOL, nil
	case *int, *int8, *int16, *int32, *int64, *uint, *uint8, *uint16, *uint32, *uint64, *uintptr:
		return C.CB_TINT, nil
	case *float32, *float64:
		return C.CB_TNUM, nil
	case *string, *[]byte:
		return C.CB_TSTR, nil
	case *any:
		return C.CB_TANY, nil
	}
	t := reflect.TypeOf(r)
	if t != nil && t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Pointer {
		return C.CB_TOBJ, nil
	}
	return 0, fmt.Errorf("cbind: unsupported result type %T", r)
}

// storeResult stores a converted result through its pointer.
func (s *State) storeResult(r any, v *C.cb_val) {
	i := int64(v.i)
	switch p := r.(type) {
	case *bool:
		*p = i != 0
	case *int:
		*p = int(i)
	case *int8:
		*p = int8(i)
	case *int16:
		*p = int16(i)
	case *int32:
		*p = int32(i)
	case *int64:
		*p = i
	case *uint:
		*p = uint(i)
	case *uint8:
		*p = uint8(i)
	case *uint16:
		*p = uint16(i)
	case *uint32:
		*p = uint32(i)
	case *uint64:
		*p = uint64(i)
	case *uintptr:
		*p = uintptr(i)
	case *float32:
		*p = float32(v.n)
	case *float64:
		*p = float64(v.n)
	case *string:
		*p = s.arenaString(v)
	case *[]byte:
		*p = []byte(s.arenaString(v))
	case *any:
		*p = s.anyValue(v, true)
	default:
		rv := reflect.ValueOf(r).Elem()
		obj := s.object(v.i)
		if obj != nil && reflect.TypeOf(obj) == rv.Type() {
			rv.Set(reflect.ValueOf(obj))
		} else {
			rv.SetZero()
		}
	}
}

// DoString runs a chunk of Lua code with a traceback handler, like a call:
// a syntax error or a raise returns an *Error. Messages and tracebacks name
// the chunk by its first line, [string "..."]. [-0, +0, -]
func (s *State) DoString(code string) error { return s.DoChunk(code, "") }

// DoChunk is DoString with a chunk name as luaL_loadbuffer takes it ("" for
// the default): "=luna.lua" or "@luna.lua" makes a traceback line read
// "luna.lua:12:". [-0, +0, -]
func (s *State) DoChunk(code, name string) error {
	if err := s.usable(); err != nil {
		return err
	}
	// The chunk is in malloc'd memory, not the arena: the parser reads it
	// while allocating, and finalizers run then could grow the arena.
	ccode := C.CString(code)
	defer C.free(unsafe.Pointer(ccode))
	var cname *C.char
	if name != "" {
		cname = C.CString(name)
		defer C.free(unsafe.Pointer(cname))
	}
	mark := s.arenaTop()
	defer s.arenaReset(mark)
	var off, n C.size_t
	rc := C.cb_dostring(s.cur, s.ctx, ccode, C.size_t(len(code)), cname, &off, &n)
	switch rc {
	case C.LUA_OK:
		return nil
	case C.CB_NOSTACK:
		return &Error{Message: "cbind: Lua stack overflow"}
	}
	return newError(s.arenaString(&C.cb_val{i: C.longlong(off), len: n}))
}
