package cbind

/*
#cgo pkg-config: lua5.3
#include <stdlib.h>
#include "cbind.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/aarzilli/golua/lua"
)

// State is cbind installed in one Lua state. It owns the handles of the Go
// objects pushed to that state, the exported functions and the classes.
//
// A State is not safe for concurrent use: like the Lua state itself, it must
// be used from one goroutine at a time (in practice, the goroutine running
// Lua, locked to its OS thread).
type State struct {
	golua *lua.State
	main  *C.lua_State // L's lua_State
	cur   *C.lua_State // the thread calling into Go right now, or main
	ctx   *C.cb_ctx    // C side, a userdata in L's registry

	funcs     []*funcInfo // by function id; 0 is never used
	freeFuncs []uint32
	objects   handleTable
	classes   map[reflect.Type]*classInfo
	fields    []*fieldInfo // by field id, across classes

	calls []*C.cb_call // one call frame per nesting depth of Go -> Lua calls
	depth int
	hooks int // > 0 while an OnGC hook runs: Lua must not be entered

	threads   map[*C.lua_State]*lua.State
	patchable bool // golua's State can be re-pointed at a coroutine
	closed    bool
}

// states maps cb_ctx.id to its State. It is written under mu (New, Close)
// and read without a lock on every callback; slots are reused, so a reader
// also checks that the State still owns the ctx it came from.
var states struct {
	mu  sync.Mutex
	tab atomic.Pointer[[]*State]
}

func register(s *State) uint32 {
	states.mu.Lock()
	defer states.mu.Unlock()
	var tab []*State
	if p := states.tab.Load(); p != nil {
		tab = append(tab, *p...)
	}
	id := len(tab)
	for i, o := range tab {
		if o == nil {
			id = i
			break
		}
	}
	if id == len(tab) {
		tab = append(tab, nil)
	}
	tab[id] = s
	states.tab.Store(&tab)
	return uint32(id)
}

func unregister(s *State) {
	states.mu.Lock()
	defer states.mu.Unlock()
	p := states.tab.Load()
	if p == nil {
		return
	}
	tab := append([]*State(nil), *p...)
	for i, o := range tab {
		if o == s {
			tab[i] = nil
		}
	}
	states.tab.Store(&tab)
}

// stateOf finds the State of a callback's context, or nil once it is closed.
func stateOf(ctx *C.cb_ctx) *State {
	p := states.tab.Load()
	if p == nil {
		return nil
	}
	tab := *p
	if id := int(ctx.id); id < len(tab) {
		if s := tab[id]; s != nil && s.ctx == ctx {
			return s
		}
	}
	return nil
}

// New installs cbind in L: the class and signature metatables and the weak
// objects table, all kept in L's registry. Calling New again for the same
// L returns the same State while it is open.
//
// New panics if Lua runs out of memory while installing.
func New(L *lua.State) *State {
	ls := (*C.lua_State)(unsafe.Pointer(L.GetState()))
	var ctx *C.cb_ctx
	rc := C.cb_init(ls, &ctx, 0)
	if rc == 1 {
		if s := stateOf(ctx); s != nil {
			return s
		}
		// Installed by a State since closed: start afresh, so that nothing
		// the old State left in Lua can reach the new one.
		rc = C.cb_init(ls, &ctx, 1)
	}
	switch rc {
	case -2:
		panic(popError(ls, C.CB_NOSTACK))
	case -1:
		panic(popError(ls, -1))
	}
	s := &State{
		golua:   L,
		main:    ls,
		cur:     ls,
		ctx:     ctx,
		funcs:   make([]*funcInfo, 1, 16),
		classes: make(map[reflect.Type]*classInfo),
		threads: make(map[*C.lua_State]*lua.State),
	}
	s.objects.init()
	s.patchable = *(*unsafe.Pointer)(unsafe.Pointer(L)) == unsafe.Pointer(L.GetState())
	ctx.id = C.uint32_t(register(s))
	return s
}

// Lua returns the golua state cbind was installed in.
func (s *State) Lua() *lua.State { return s.golua }

// Thread returns the golua state of the Lua thread that is calling into Go
// right now: inside a callback made from a coroutine, that coroutine;
// otherwise the main thread. Push and the Call functions work on this
// thread's stack, so Go code that mixes them with its own stack operations
// must use it rather than Lua().
func (s *State) Thread() *lua.State { return s.luaFor(s.cur) }

// Close detaches cbind from its Lua state without touching Lua: objects
// still referenced by Lua are released (their OnGC hooks run now), and
// from then on exported functions raise "the Go state was closed" and __gc
// of shadow tables does nothing. It does not close L; close L first if
// the hooks should run from __gc while Lua is still intact. Close must not
// be called from inside a callback.
func (s *State) Close() {
	if s.closed {
		return
	}
	s.closed = true
	unregister(s)
	s.objects.each(func(sl slot) {
		if sl.cls.onGC != nil {
			s.runHook(sl)
		}
	})
	s.objects.init()
	for _, c := range s.calls {
		C.cb_call_free(c)
	}
	s.calls = nil
	s.funcs = nil
	s.fields = nil
	s.threads = nil
}

// luaFor returns a golua State for the lua_State a callback runs on: L itself
// on the main thread, otherwise a copy of L pointing at the coroutine.
func (s *State) luaFor(p *C.lua_State) *lua.State {
	if p == s.main || !s.patchable {
		return s.golua
	}
	if w := s.threads[p]; w != nil {
		return w
	}
	if len(s.threads) >= 256 {
		clear(s.threads)
	}
	w := new(lua.State)
	*w = *s.golua
	*(*unsafe.Pointer)(unsafe.Pointer(w)) = unsafe.Pointer(p)
	s.threads[p] = w
	return w
}

// runHook calls a class's OnGC hook. Hooks run inside Lua's garbage
// collector, so they may not enter Lua; a panic is reported on stderr
// because there is no Lua caller to raise it to.
func (s *State) runHook(sl slot) {
	s.hooks++
	defer func() {
		s.hooks--
		if r := recover(); r != nil {
			fmt.Fprintf(os.Stderr, "cbind: panic in OnGC hook of %s: %v\n", sl.cls.name, r)
		}
	}()
	sl.cls.onGC(sl.obj)
}

var (
	errInHook = errors.New("cbind: Lua used from an OnGC hook")
	errClosed = errors.New("cbind: the State is closed")
)

// usable reports why s may not touch Lua now: from an OnGC hook, which
// runs inside Lua's collector, or once closed.
func (s *State) usable() error {
	switch {
	case s.hooks > 0:
		return errInHook
	case s.closed:
		return errClosed
	}
	return nil
}

// mustBeUsable is usable for the operations without an error result.
func (s *State) mustBeUsable(what string) {
	if err := s.usable(); err != nil {
		panic(fmt.Sprintf("%v (%s)", err, what))
	}
}

// popError pops the message a failed protected call left and returns it as
// an error. rc is the call's status; CB_NOSTACK leaves no message.
func popError(L *C.lua_State, rc C.int) error {
	if rc == C.CB_NOSTACK {
		return &Error{Message: "cbind: Lua stack overflow"}
	}
	var n C.size_t
	p := C.lua_tolstring(L, -1, &n)
	msg := "cbind: error object is not a string"
	if p != nil {
		msg = C.GoStringN(p, C.int(n))
	}
	C.lua_settop(L, -2)
	return &Error{Message: msg}
}
