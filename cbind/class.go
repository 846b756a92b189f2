package cbind

/*
#include <stdlib.h>
#include "cbind.h"
*/
import "C"

import (
	"fmt"
	"reflect"
	"unsafe"
)

// classInfo is an exported type in one State.
type classInfo struct {
	name    string
	typ     reflect.Type // *T
	meta    C.int        // registry refs: metatable, methods table, fields table
	methods C.int
	fields  C.int
	ptrOf   func(obj any) unsafe.Pointer
	fast    func(fn any) func(*State, *C.cb_frame)
	onGC    func(obj any)
}

// Class is the Go type T exported to one State: pointers *T reach Lua as
// shadow tables { __pointer__ = <handle> } whose metatable (one per class
// and State) serves the methods and fields declared here. Declare a class
// once per State, before its objects are pushed:
//
//	cbind.NewClass[Stream](s, "stream").
//		Method("send", (*Stream).Send).
//		Field("token", "Token", true)
//
// Method and Field panic on a declaration error (a bad signature, an
// unknown field): those are programming errors, found at start-up.
type Class[T any] struct {
	s    *State
	info *classInfo
}

// NewClass declares T as an exported class named name in s. Declaring the
// same T again returns the existing class (and ignores name).
func NewClass[T any](s *State, name string) *Class[T] {
	s.mustBeUsable("NewClass")
	t := reflect.TypeFor[*T]()
	if ci := s.classes[t]; ci != nil {
		return &Class[T]{s, ci}
	}
	var refs [3]C.int
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	if rc := C.cb_class_new(s.cur, s.ctx, cname, &refs[0]); rc != C.LUA_OK {
		panic(popError(s.cur, rc))
	}
	ci := &classInfo{
		name:    name,
		typ:     t,
		meta:    refs[0],
		methods: refs[1],
		fields:  refs[2],
		ptrOf:   func(obj any) unsafe.Pointer { return unsafe.Pointer(obj.(*T)) },
	}
	ci.fast = func(fn any) func(*State, *C.cb_frame) { return fastMethod[T](ci, fn) }
	s.classes[t] = ci
	return &Class[T]{s, ci}
}

// Name returns the class name given to NewClass.
func (c *Class[T]) Name() string { return c.info.name }

// Method exports fn as the method luaName. fn is a method expression such
// as (*Stream).Send, or any function whose first parameter is *T; the rest
// follows PushFunction, including a raw func(*T, *lua.State) int.
//
// Lua calls methods with a dot, obj.send(x); a colon call obj:send(x) works
// too, because a first argument that is the object's own table is skipped.
// obj.send is a function bound to obj, cached on the table on first use, so
// a script may override it per object by assigning the field, and assigning
// nil brings the exported method back.
func (c *Class[T]) Method(luaName string, fn any) *Class[T] {
	return c.method(luaName, fn, 0)
}

func (c *Class[T]) method(luaName string, fn any, extra uint8) *Class[T] {
	s := c.s
	fi, kinds, flags, err := s.compile(c.info.name+"."+luaName, fn, c.info)
	if err != nil {
		panic(err)
	}
	flags |= extra
	var sig *C.cb_sig
	cname := C.CString(luaName)
	defer C.free(unsafe.Pointer(cname))
	if rc := C.cb_class_method(s.cur, s.ctx, c.info.methods, cname, &sig); rc != C.LUA_OK {
		panic(popError(s.cur, rc))
	}
	fillSig(sig, s.addFunc(fi), kinds, flags)
	return c
}

// Member adds a value computed on the first lookup of luaName on an
// object's table: fn, a method taking no Lua arguments and returning one
// value, runs then, and its result is cached on the table as a bound
// method is (nil is not cached). A per-object closure a script may never
// use can so be made only once it is asked for.
func (c *Class[T]) Member(luaName string, fn any) *Class[T] {
	return c.method(luaName, fn, C.CB_FMEMBER)
}

// OnGC makes hook run, instead of a plain release, when the last shadow
// table of an object is collected (or when the State is closed while the
// object is still referenced). Hooks run inside Lua's collector: they must
// not call into Lua or push values; a panic in a hook is printed on stderr.
func (c *Class[T]) OnGC(hook func(*T)) *Class[T] {
	if hook == nil {
		c.info.onGC = nil
		return c
	}
	c.info.onGC = func(obj any) { hook(obj.(*T)) }
	return c
}

// Push pushes the shadow table of obj, or nil when obj is nil. While the
// table lives, the same obj always yields the same table. [-0, +1, m]
//
// Push panics with an *Error if Lua raises while creating the table (out of
// memory, a failing finalizer); inside a callback that becomes a Lua error.
func (c *Class[T]) Push(obj *T) {
	s := c.s
	s.mustBeUsable("Push")
	if obj == nil {
		C.lua_pushnil(s.cur)
		return
	}
	h := s.objects.handleOf(obj, c.info)
	if rc := C.cb_push_object(s.cur, s.ctx, C.uintptr_t(h), c.info.meta); rc != C.LUA_OK {
		panic(popError(s.cur, rc))
	}
}

// ObjectRef is what C code needs to push an object's shadow table itself
// with cb_push_object (cbind.h), for a loop in C that pushes one object
// per step without a crossing into Go of its own.
type ObjectRef struct {
	Ctx    unsafe.Pointer // the state's cb_ctx
	Handle uintptr        // the object's handle
	Meta   int            // registry reference of the class metatable
}

// Ref returns obj's ObjectRef; obj must not be nil. A status other than
// LUA_OK from cb_push_object becomes an error with PushError. [-0, +0, -]
func (c *Class[T]) Ref(obj *T) ObjectRef {
	s := c.s
	s.mustBeUsable("Ref")
	return ObjectRef{unsafe.Pointer(s.ctx), s.objects.handleOf(obj, c.info), int(c.info.meta)}
}

// PushError pops what a failed cb_push_object left and returns it as an
// *Error (rc is its status). [-(0|1), +0, -]
func (s *State) PushError(rc int) error { return popError(s.cur, C.int(rc)) }

// To returns the object whose shadow table is at index idx, or nil when
// the value there is not a live object of this class. [-0, +0, -]
func (c *Class[T]) To(idx int) *T {
	h := C.cb_handle_at(c.s.cur, C.int(idx))
	sl, ok := c.s.objects.lookup(uintptr(h))
	if !ok || sl.cls != c.info {
		return nil
	}
	return sl.obj.(*T)
}

// PushMetatable pushes the class metatable, for scripts that build shadow
// tables themselves through the export function. [-0, +1, -]
func (c *Class[T]) PushMetatable() {
	C.cb_push_ref(c.s.cur, c.info.meta)
}

// Field exports the Go struct field goField of T as luaName. Supported
// field types: bool, integers of every width, float32/64, string, []byte,
// time.Time (Unix seconds, 0 for the zero time) and time.Duration
// (milliseconds), and named types of those kinds. Promoted fields of
// embedded structs work, except through an embedded pointer.
//
// Reading converts like a function result; writing converts the Lua value
// like a function argument (lua_tointegerx, lua_tonumberx, lua_toboolean,
// lua_tolstring). Writes to a read-only field are ignored.
func (c *Class[T]) Field(luaName, goField string, readOnly bool) *Class[T] {
	s := c.s
	fi, err := newFieldInfo(reflect.TypeFor[T](), goField)
	if err != nil {
		panic(fmt.Errorf("cbind: %s.%s: %w", c.info.name, luaName, err))
	}
	fi.cls, fi.name = c.info, luaName
	id := len(s.fields)
	if id >= 1<<26 {
		panic("cbind: too many fields")
	}
	s.fields = append(s.fields, fi)
	desc := id<<4 | int(fi.kind.ckind())<<1
	if readOnly {
		desc |= C.CB_FIELD_RO
	}
	cname := C.CString(luaName)
	defer C.free(unsafe.Pointer(cname))
	if rc := C.cb_class_field(s.cur, c.info.fields, cname, C.int(desc)); rc != C.LUA_OK {
		panic(popError(s.cur, rc))
	}
	return c
}
