package cbind

/*
#include "cbind.h"
*/
import "C"

import (
	"fmt"
	"reflect"
	"unsafe"
)

// StackRange is an argument of the Call functions standing for Count values
// already on the Lua stack of the calling thread, from index First (an
// absolute index, or negative from the top). The values are not popped.
type StackRange struct{ First, Count int }

// The arena is C memory where Go writes the bytes of strings bound for Lua;
// C pushes them by offset once Go has returned. Users mark the top on entry
// and reset it when done, so nested users stack above each other.

func (s *State) arenaTop() C.size_t { return s.ctx.arena.top }

func (s *State) arenaReset(top C.size_t) { s.ctx.arena.top = top }

// reserve takes n bytes at the arena top and returns them with their
// offset.
func (s *State) reserve(n int) ([]byte, C.size_t) {
	a := &s.ctx.arena
	if a.cap-a.top < C.size_t(n) && C.cb_arena_grow(s.ctx, C.size_t(n)) == 0 {
		panic("cbind: out of memory")
	}
	off := a.top
	a.top += C.size_t(n)
	if n == 0 {
		return nil, off
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(a.base), off)), n), off
}

// putString copies str to the arena and describes it in v.
func (s *State) putString(v *C.cb_val, str string) {
	dst, off := s.reserve(len(str))
	copy(dst, str)
	v.tag = C.CB_TSTR
	v.i = C.longlong(off)
	v.len = C.size_t(len(str))
}

// putCString copies str and a NUL to the arena and returns its offset.
func (s *State) putCString(str string) C.size_t {
	dst, off := s.reserve(len(str) + 1)
	dst[copy(dst, str)] = 0
	return off
}

// arenaString reads a string C copied to the arena.
func (s *State) arenaString(v *C.cb_val) string {
	if v.len == 0 {
		return ""
	}
	return C.GoStringN((*C.char)(unsafe.Add(unsafe.Pointer(s.ctx.arena.base), v.i)), C.int(v.len))
}

// argString reads a string argument, which points into the Lua stack.
func argString(v *C.cb_val) string {
	if v.p == nil || v.len == 0 {
		return ""
	}
	return C.GoStringN(v.p, C.int(v.len))
}

func argBytes(v *C.cb_val) []byte {
	if v.p == nil {
		return []byte{}
	}
	return C.GoBytes(unsafe.Pointer(v.p), C.int(v.len))
}

func setNil(v *C.cb_val) { v.tag = C.CB_TNIL }

func setBool(v *C.cb_val, b bool) {
	v.tag = C.CB_TBOOL
	v.i = 0
	if b {
		v.i = 1
	}
}

func setInt(v *C.cb_val, i int64) {
	v.tag = C.CB_TINT
	v.i = C.longlong(i)
}

func setNum(v *C.cb_val, n float64) {
	v.tag = C.CB_TNUM
	v.n = C.double(n)
}

// setObject describes the shadow table of obj (a *T of class cls).
func (s *State) setObject(v *C.cb_val, obj any, cls *classInfo) {
	v.tag = C.CB_TOBJ
	v.i = C.longlong(s.objects.handleOf(obj, cls))
	v.aux = cls.meta
}

// object returns the Go object behind a handle, or nil.
func (s *State) object(h C.longlong) any {
	sl, ok := s.objects.lookup(uintptr(h))
	if !ok {
		return nil
	}
	return sl.obj
}

// putValue describes any supported Go value for Lua: nil, bool, integers,
// floats, string, []byte, StackRange and pointers to exported classes (nil
// pointers become nil), plus named types of those kinds.
func (s *State) putValue(v *C.cb_val, x any) error {
	switch x := x.(type) {
	case nil:
		setNil(v)
	case bool:
		setBool(v, x)
	case int:
		setInt(v, int64(x))
	case int64:
		setInt(v, x)
	case int32:
		setInt(v, int64(x))
	case uint32:
		setInt(v, int64(x))
	case float64:
		setNum(v, x)
	case string:
		s.putString(v, x)
	case []byte:
		s.putString(v, unsafe.String(unsafe.SliceData(x), len(x)))
	case StackRange:
		v.tag = C.CB_TSTACK
		v.i = C.longlong(x.First)
		v.len = C.size_t(max(x.Count, 0))
	default:
		return s.putReflect(v, reflect.ValueOf(x))
	}
	return nil
}

func (s *State) putReflect(v *C.cb_val, rv reflect.Value) error {
	switch rv.Kind() {
	case reflect.Bool:
		setBool(v, rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		setInt(v, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		setInt(v, int64(rv.Uint()))
	case reflect.Float32, reflect.Float64:
		setNum(v, rv.Float())
	case reflect.String:
		s.putString(v, rv.String())
	case reflect.Slice:
		if rv.Type().Elem().Kind() != reflect.Uint8 {
			return fmt.Errorf("cbind: cannot pass %s to Lua", rv.Type())
		}
		s.putString(v, string(rv.Bytes()))
	case reflect.Pointer:
		cls := s.classes[rv.Type()]
		if cls == nil {
			return fmt.Errorf("cbind: cannot pass %s to Lua: not an exported class", rv.Type())
		}
		if rv.IsNil() {
			setNil(v)
		} else {
			s.setObject(v, rv.Interface(), cls)
		}
	case reflect.Interface:
		if rv.IsNil() {
			setNil(v)
			return nil
		}
		return s.putReflect(v, rv.Elem())
	default:
		if !rv.IsValid() {
			setNil(v)
			return nil
		}
		return fmt.Errorf("cbind: cannot pass %s to Lua", rv.Type())
	}
	return nil
}

// anyValue converts a value C tagged by its Lua type (CB_TANY): nil, bool,
// int64, float64, string or the *T behind a shadow table. Strings come
// from the stack (arguments) or from the arena (call results).
func (s *State) anyValue(v *C.cb_val, arena bool) any {
	switch v.tag {
	case C.CB_TBOOL:
		return v.i != 0
	case C.CB_TINT:
		return int64(v.i)
	case C.CB_TNUM:
		return float64(v.n)
	case C.CB_TSTR:
		if arena {
			return s.arenaString(v)
		}
		return argString(v)
	case C.CB_TOBJ:
		return s.object(v.i)
	}
	return nil
}
