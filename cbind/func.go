package cbind

/*
#include <stdlib.h>
#include "cbind.h"
*/
import "C"

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// funcInfo is an exported Go function or method as the trampoline sees it:
// call reads the converted arguments from the frame, calls the function and
// writes the results (or the error) back into the frame.
type funcInfo struct {
	name string
	call func(s *State, f *C.cb_frame)
}

var (
	typeLuaState = reflect.TypeFor[*lua.State]()
	typeState    = reflect.TypeFor[*State]()
	typeError    = reflect.TypeFor[error]()
	typeRaw      = reflect.TypeFor[func(*lua.State) int]()
	typeInt      = reflect.TypeFor[int]()
)

// Register sets the global name to a Lua function calling fn. See
// PushFunction for the functions accepted. [-0, +0, m]
func (s *State) Register(name string, fn any) error {
	if err := s.pushFunction(name, fn); err != nil {
		return err
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if rc := C.cb_set_global(s.cur, cname); rc != C.LUA_OK {
		return popError(s.cur, rc)
	}
	return nil
}

// PushFunction pushes a Lua function calling fn. [-0, +1, m]
//
// fn may be any Go function whose parameters and results are integers of
// any width, floats, bool, string, []byte, pointers to exported classes or
// interfaces (any); its first parameter may be a *lua.State or *State (the
// state is passed, no Lua argument is consumed) and its last result may be
// an error. Lua arguments are converted like the C API does: lua_tointegerx
// (0 for anything that is not an integral number or such a string),
// lua_tonumberx, lua_toboolean, lua_tolstring ("" for nil), and shadow
// tables to their objects (nil for anything else). Results are pushed in
// order; a non-nil error makes the results nil and the error's text, and a
// nil error alone makes the result true.
//
// A func(*lua.State) int (or a named type of it, such as
// lua.LuaGoFunction) is raw: it gets the stack as is and returns its
// result count. Panics in fn, of any kind, become Lua errors.
func (s *State) PushFunction(fn any) error {
	return s.pushFunction(funcName(fn), fn)
}

func (s *State) pushFunction(name string, fn any) error {
	if err := s.usable(); err != nil {
		return err
	}
	fi, kinds, flags, err := s.compile(name, fn, nil)
	if err != nil {
		return err
	}
	var sig *C.cb_sig
	if rc := C.cb_push_function(s.cur, s.ctx, &sig); rc != C.LUA_OK {
		return popError(s.cur, rc)
	}
	fillSig(sig, s.addFunc(fi), kinds, flags)
	return nil
}

func fillSig(sig *C.cb_sig, id uint32, kinds []uint8, flags uint8) {
	sig.fn = C.uint32_t(id)
	sig.nargs = C.uint8_t(len(kinds))
	sig.flags = C.uint8_t(flags)
	for i, k := range kinds {
		sig.kinds[i] = C.uint8_t(k)
	}
}

func (s *State) addFunc(fi *funcInfo) uint32 {
	if n := len(s.freeFuncs); n > 0 {
		id := s.freeFuncs[n-1]
		s.freeFuncs = s.freeFuncs[:n-1]
		s.funcs[id] = fi
		return id
	}
	s.funcs = append(s.funcs, fi)
	return uint32(len(s.funcs) - 1)
}

// funcName names fn in error messages: its package-qualified name.
func funcName(fn any) string {
	v := reflect.ValueOf(fn)
	if v.Kind() != reflect.Func || v.IsNil() {
		return fmt.Sprintf("%T", fn)
	}
	name := "function"
	if f := runtime.FuncForPC(v.Pointer()); f != nil {
		name = f.Name()
	}
	name = name[strings.LastIndexByte(name, '/')+1:]
	return strings.TrimSuffix(name, "-fm")
}

// compile builds the funcInfo of fn and its trampoline signature: the
// argument kinds C converts and the flags. recv is the class of a method
// (its first parameter), nil for a free function.
func (s *State) compile(name string, fn any, recv *classInfo) (*funcInfo, []uint8, uint8, error) {
	fv := reflect.ValueOf(fn)
	if fv.Kind() != reflect.Func || fv.IsNil() {
		return nil, nil, 0, fmt.Errorf("cbind: %s: not a function", name)
	}
	sg, err := analyze(fv.Type(), recv)
	if err != nil {
		return nil, nil, 0, fmt.Errorf("cbind: %s: %w", name, err)
	}
	fi := &funcInfo{name: name}
	var flags uint8
	if recv != nil {
		flags |= C.CB_FMETHOD
	}
	switch {
	case sg.raw && recv == nil:
		flags |= C.CB_FRAW
		raw := fv.Convert(typeRaw).Interface().(func(*lua.State) int)
		fi.call = func(s *State, f *C.cb_frame) { f.nres = C.int(raw(s.luaFor(f.L))) }
	case sg.raw:
		flags |= C.CB_FRAW
		fi.call = recv.fast(fn)
	case recv != nil:
		fi.call = recv.fast(fn)
	default:
		fi.call = fastFunc(fn)
	}
	if fi.call == nil {
		fi.call = sg.slow(fv, recv)
	}
	kinds := make([]uint8, len(sg.params))
	for i, p := range sg.params {
		kinds[i] = p.kind
	}
	return fi, kinds, flags, nil
}

// setErrorResult writes the results of a function whose results were
// an error alone, or other results and a non-nil error: nil and the
// message, or true for a nil error.
func (s *State) setErrorResult(f *C.cb_frame, err error) {
	if err == nil {
		setBool(&f.res[0], true)
		f.nres = 1
		return
	}
	setNil(&f.res[0])
	s.putString(&f.res[1], err.Error())
	f.nres = 2
}

// self returns the object a bound method was called on; the method's
// class must be the object's.
func (s *State) self(f *C.cb_frame, cls *classInfo) any {
	sl, ok := s.objects.lookup(uintptr(f.self))
	if !ok || sl.cls != cls {
		panic(&Error{Message: "cbind: method of " + cls.name + " called on a released or foreign object"})
	}
	return sl.obj
}
