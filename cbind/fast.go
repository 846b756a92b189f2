package cbind

/*
#include "cbind.h"
*/
import "C"

import "github.com/aarzilli/golua/lua"

// Fast paths: adapters for common signatures that call the function
// directly instead of through reflect.Value.Call (which allocates and costs
// hundreds of nanoseconds). They must behave exactly like the general path;
// the tests run the conversions through both.

// noFast disables the fast paths (tests compare both paths).
var noFast bool

type frame = *C.cb_frame

func aInt(f frame, i int) int64        { return int64(f.args[i].i) }
func aNum(f frame, i int) float64      { return float64(f.args[i].n) }
func aBool(f frame, i int) bool        { return f.args[i].i != 0 }
func aStr(f frame, i int) string       { return argString(&f.args[i]) }
func rInt(f frame, v int64)            { setInt(&f.res[0], v); f.nres = 1 }
func rNum(f frame, v float64)          { setNum(&f.res[0], v); f.nres = 1 }
func rBool(f frame, v bool)            { setBool(&f.res[0], v); f.nres = 1 }
func rStr(s *State, f frame, v string) { s.putString(&f.res[0], v); f.nres = 1 }

// fastFunc returns a direct adapter for a free function, or nil.
func fastFunc(fn any) func(*State, frame) {
	if noFast {
		return nil
	}
	switch fn := fn.(type) {
	case func():
		return func(s *State, f frame) { fn() }
	case func() bool:
		return func(s *State, f frame) { rBool(f, fn()) }
	case func() int:
		return func(s *State, f frame) { rInt(f, int64(fn())) }
	case func() int64:
		return func(s *State, f frame) { rInt(f, fn()) }
	case func() float64:
		return func(s *State, f frame) { rNum(f, fn()) }
	case func() string:
		return func(s *State, f frame) { rStr(s, f, fn()) }
	case func() error:
		return func(s *State, f frame) { s.setErrorResult(f, fn()) }
	case func(bool):
		return func(s *State, f frame) { fn(aBool(f, 0)) }
	case func(int):
		return func(s *State, f frame) { fn(int(aInt(f, 0))) }
	case func(int64):
		return func(s *State, f frame) { fn(aInt(f, 0)) }
	case func(float64):
		return func(s *State, f frame) { fn(aNum(f, 0)) }
	case func(string):
		return func(s *State, f frame) { fn(aStr(f, 0)) }
	case func(int) int:
		return func(s *State, f frame) { rInt(f, int64(fn(int(aInt(f, 0))))) }
	case func(int64) int64:
		return func(s *State, f frame) { rInt(f, fn(aInt(f, 0))) }
	case func(int64) bool:
		return func(s *State, f frame) { rBool(f, fn(aInt(f, 0))) }
	case func(int64) string:
		return func(s *State, f frame) { rStr(s, f, fn(aInt(f, 0))) }
	case func(int64) error:
		return func(s *State, f frame) { s.setErrorResult(f, fn(aInt(f, 0))) }
	case func(float64) float64:
		return func(s *State, f frame) { rNum(f, fn(aNum(f, 0))) }
	case func(string) string:
		return func(s *State, f frame) { rStr(s, f, fn(aStr(f, 0))) }
	case func(string) int64:
		return func(s *State, f frame) { rInt(f, fn(aStr(f, 0))) }
	case func(string) int:
		return func(s *State, f frame) { rInt(f, int64(fn(aStr(f, 0)))) }
	case func(string) bool:
		return func(s *State, f frame) { rBool(f, fn(aStr(f, 0))) }
	case func(string) error:
		return func(s *State, f frame) { s.setErrorResult(f, fn(aStr(f, 0))) }
	case func(int, int):
		return func(s *State, f frame) { fn(int(aInt(f, 0)), int(aInt(f, 1))) }
	case func(int64, int64):
		return func(s *State, f frame) { fn(aInt(f, 0), aInt(f, 1)) }
	case func(int, int) int:
		return func(s *State, f frame) { rInt(f, int64(fn(int(aInt(f, 0)), int(aInt(f, 1))))) }
	case func(int64, int64) int64:
		return func(s *State, f frame) { rInt(f, fn(aInt(f, 0), aInt(f, 1))) }
	case func(float64, float64) float64:
		return func(s *State, f frame) { rNum(f, fn(aNum(f, 0), aNum(f, 1))) }
	case func(string, string) string:
		return func(s *State, f frame) { rStr(s, f, fn(aStr(f, 0), aStr(f, 1))) }
	}
	return nil
}

// fastMethod returns a direct adapter for a method of T, or nil.
func fastMethod[T any](cls *classInfo, fn any) func(*State, frame) {
	if noFast {
		return nil
	}
	self := func(s *State, f frame) *T { return s.self(f, cls).(*T) }
	switch fn := fn.(type) {
	case func(*T, *lua.State) int:
		return func(s *State, f frame) { f.nres = C.int(fn(self(s, f), s.luaFor(f.L))) }
	case func(*T, *lua.State) (int64, error):
		return func(s *State, f frame) {
			v, err := fn(self(s, f), s.luaFor(f.L))
			if err != nil {
				s.setErrorResult(f, err)
				return
			}
			rInt(f, v)
		}
	case func(*T):
		return func(s *State, f frame) { fn(self(s, f)) }
	case func(*T) bool:
		return func(s *State, f frame) { rBool(f, fn(self(s, f))) }
	case func(*T) int:
		return func(s *State, f frame) { rInt(f, int64(fn(self(s, f)))) }
	case func(*T) int64:
		return func(s *State, f frame) { rInt(f, fn(self(s, f))) }
	case func(*T) float64:
		return func(s *State, f frame) { rNum(f, fn(self(s, f))) }
	case func(*T) string:
		return func(s *State, f frame) { rStr(s, f, fn(self(s, f))) }
	case func(*T) error:
		return func(s *State, f frame) { s.setErrorResult(f, fn(self(s, f))) }
	case func(*T, bool):
		return func(s *State, f frame) { fn(self(s, f), aBool(f, 0)) }
	case func(*T, int):
		return func(s *State, f frame) { fn(self(s, f), int(aInt(f, 0))) }
	case func(*T, int64):
		return func(s *State, f frame) { fn(self(s, f), aInt(f, 0)) }
	case func(*T, float64):
		return func(s *State, f frame) { fn(self(s, f), aNum(f, 0)) }
	case func(*T, string):
		return func(s *State, f frame) { fn(self(s, f), aStr(f, 0)) }
	case func(*T, int) int:
		return func(s *State, f frame) { rInt(f, int64(fn(self(s, f), int(aInt(f, 0))))) }
	case func(*T, int64) int64:
		return func(s *State, f frame) { rInt(f, fn(self(s, f), aInt(f, 0))) }
	case func(*T, int) error:
		return func(s *State, f frame) { s.setErrorResult(f, fn(self(s, f), int(aInt(f, 0)))) }
	case func(*T, int64) error:
		return func(s *State, f frame) { s.setErrorResult(f, fn(self(s, f), aInt(f, 0))) }
	case func(*T, string) error:
		return func(s *State, f frame) { s.setErrorResult(f, fn(self(s, f), aStr(f, 0))) }
	case func(*T, string) string:
		return func(s *State, f frame) { rStr(s, f, fn(self(s, f), aStr(f, 0))) }
	case func(*T, string) bool:
		return func(s *State, f frame) { rBool(f, fn(self(s, f), aStr(f, 0))) }
	case func(*T, int, int):
		return func(s *State, f frame) { fn(self(s, f), int(aInt(f, 0)), int(aInt(f, 1))) }
	case func(*T, int64, int64):
		return func(s *State, f frame) { fn(self(s, f), aInt(f, 0), aInt(f, 1)) }
	}
	return nil
}
