package cbind

/*
#include "cbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"
)

// The general path for exported functions: the function's type is analysed
// once, at registration, into converters per parameter and result, and each
// call goes through reflect.Value.Call. fast.go has the direct adapters used
// for common signatures instead.

type leadKind uint8

const (
	leadNone  leadKind = iota
	leadLua            // *lua.State
	leadState          // *cbind.State
)

// signature is the reflect analysis of an exported function's type, used
// by the general (reflect.Value.Call) path.
type signature struct {
	method  bool
	lead    leadKind
	params  []param
	results []result
	errLast bool
	raw     bool
}

// param converts one Lua argument, which C converted by kind.
type param struct {
	kind uint8
	conv func(s *State, v *C.cb_val) reflect.Value
}

// result describes one Go result for Lua.
type result func(s *State, v *C.cb_val, rv reflect.Value)

func analyze(ft reflect.Type, recv *classInfo) (*signature, error) {
	if ft.IsVariadic() {
		return nil, errors.New("variadic functions are not supported; use a raw func(*lua.State) int")
	}
	sg := &signature{method: recv != nil}
	in := 0
	if recv != nil {
		if ft.NumIn() == 0 || ft.In(0) != recv.typ {
			return nil, fmt.Errorf("first parameter must be %s", recv.typ)
		}
		in = 1
	}
	if ft.NumIn() > in {
		switch ft.In(in) {
		case typeLuaState:
			sg.lead = leadLua
			in++
		case typeState:
			sg.lead = leadState
			in++
		}
	}
	if sg.lead == leadLua && ft.NumIn() == in && ft.NumOut() == 1 && ft.Out(0) == typeInt {
		sg.raw = true
		return sg, nil
	}
	if ft.NumIn()-in > C.CB_MAXARGS {
		return nil, fmt.Errorf("more than %d parameters", C.CB_MAXARGS)
	}
	for i := in; i < ft.NumIn(); i++ {
		p, err := paramFor(ft.In(i))
		if err != nil {
			return nil, fmt.Errorf("parameter %d: %w", i+1, err)
		}
		sg.params = append(sg.params, p)
	}
	nout := ft.NumOut()
	if nout > 0 && ft.Out(nout-1) == typeError {
		sg.errLast = true
		nout--
	}
	if nout > C.CB_MAXRES-1 {
		return nil, fmt.Errorf("more than %d results", C.CB_MAXRES-1)
	}
	for i := 0; i < nout; i++ {
		r, err := resultFor(ft.Out(i))
		if err != nil {
			return nil, fmt.Errorf("result %d: %w", i+1, err)
		}
		sg.results = append(sg.results, r)
	}
	return sg, nil
}

func paramFor(t reflect.Type) (param, error) {
	if t == typeError {
		return param{}, errors.New("error is only supported as the last result")
	}
	switch t.Kind() {
	case reflect.Bool:
		return param{C.CB_TBOOL, func(_ *State, v *C.cb_val) reflect.Value {
			rv := reflect.New(t).Elem()
			rv.SetBool(v.i != 0)
			return rv
		}}, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return param{C.CB_TINT, func(_ *State, v *C.cb_val) reflect.Value {
			rv := reflect.New(t).Elem()
			rv.SetInt(int64(v.i))
			return rv
		}}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return param{C.CB_TINT, func(_ *State, v *C.cb_val) reflect.Value {
			rv := reflect.New(t).Elem()
			rv.SetUint(uint64(v.i))
			return rv
		}}, nil
	case reflect.Float32, reflect.Float64:
		return param{C.CB_TNUM, func(_ *State, v *C.cb_val) reflect.Value {
			rv := reflect.New(t).Elem()
			rv.SetFloat(float64(v.n))
			return rv
		}}, nil
	case reflect.String:
		return param{C.CB_TSTR, func(_ *State, v *C.cb_val) reflect.Value {
			rv := reflect.New(t).Elem()
			rv.SetString(argString(v))
			return rv
		}}, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return param{C.CB_TSTR, func(_ *State, v *C.cb_val) reflect.Value {
				rv := reflect.New(t).Elem()
				rv.SetBytes(argBytes(v))
				return rv
			}}, nil
		}
	case reflect.Pointer:
		if t != typeLuaState && t != typeState {
			return param{C.CB_TOBJ, func(s *State, v *C.cb_val) reflect.Value {
				if obj := s.object(v.i); obj != nil && reflect.TypeOf(obj) == t {
					return reflect.ValueOf(obj)
				}
				return reflect.Zero(t)
			}}, nil
		}
	case reflect.Interface:
		return param{C.CB_TANY, func(s *State, v *C.cb_val) reflect.Value {
			x := s.anyValue(v, false)
			if x != nil && reflect.TypeOf(x).AssignableTo(t) {
				rv := reflect.New(t).Elem()
				rv.Set(reflect.ValueOf(x))
				return rv
			}
			return reflect.Zero(t)
		}}, nil
	}
	return param{}, fmt.Errorf("unsupported type %s", t)
}

func resultFor(t reflect.Type) (result, error) {
	if t == typeError {
		return nil, errors.New("error is only supported as the last result")
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(_ *State, v *C.cb_val, rv reflect.Value) { setBool(v, rv.Bool()) }, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(_ *State, v *C.cb_val, rv reflect.Value) { setInt(v, rv.Int()) }, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(_ *State, v *C.cb_val, rv reflect.Value) { setInt(v, int64(rv.Uint())) }, nil
	case reflect.Float32, reflect.Float64:
		return func(_ *State, v *C.cb_val, rv reflect.Value) { setNum(v, rv.Float()) }, nil
	case reflect.String:
		return func(s *State, v *C.cb_val, rv reflect.Value) { s.putString(v, rv.String()) }, nil
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return func(s *State, v *C.cb_val, rv reflect.Value) {
				b := rv.Bytes()
				s.putString(v, unsafe.String(unsafe.SliceData(b), len(b)))
			}, nil
		}
	case reflect.Pointer, reflect.Interface:
		if t != typeLuaState && t != typeState {
			return func(s *State, v *C.cb_val, rv reflect.Value) {
				if err := s.putReflect(v, rv); err != nil {
					panic(err)
				}
			}, nil
		}
	}
	return nil, fmt.Errorf("unsupported type %s", t)
}

// slow is the general path: reflect.Value.Call.
func (sg *signature) slow(fv reflect.Value, recv *classInfo) func(*State, *C.cb_frame) {
	n := len(sg.params) + 2
	return func(s *State, f *C.cb_frame) {
		in := make([]reflect.Value, 0, n)
		if recv != nil {
			in = append(in, reflect.ValueOf(s.self(f, recv)))
		}
		switch sg.lead {
		case leadLua:
			in = append(in, reflect.ValueOf(s.luaFor(f.L)))
		case leadState:
			in = append(in, reflect.ValueOf(s))
		}
		for i := range sg.params {
			in = append(in, sg.params[i].conv(s, &f.args[i]))
		}
		out := fv.Call(in)
		if sg.raw {
			f.nres = C.int(out[0].Int())
			return
		}
		if sg.errLast {
			e := out[len(out)-1]
			out = out[:len(out)-1]
			if !e.IsNil() || len(out) == 0 {
				err, _ := e.Interface().(error)
				s.setErrorResult(f, err)
				return
			}
		}
		for i, rv := range out {
			sg.results[i](s, &f.res[i], rv)
		}
		f.nres = C.int(len(out))
	}
}
