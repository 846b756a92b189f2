package luna

/*
#include "luna.h"
*/
import "C"

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/google/pprof/profile"
)

// The Lua profiler (/debug/lua/profile?seconds=N): every profPeriod a
// ticker arms a one-instruction hook on the Lua thread, which samples the
// call stack and disarms itself (lprof.c); the samples become a pprof
// profile whose functions read "file:line name". No hook is set between
// samples, nor while nobody profiles.

// profPeriod is the time between two samples.
const profPeriod = time.Millisecond

// profLate drops a sample whose hook fired this long after the tick: the
// thread was not running Lua then.
const profLate = 200 * time.Microsecond

// maxProfile bounds ?seconds=.
const maxProfile = 60 * time.Second

// profiling is the profile being taken, set and read on the loop's thread
// only (the hook runs there).
var profiling *luaProfile

// profileBusy keeps a second request from starting while one runs.
var profileBusy atomic.Bool

type profFrame struct {
	src, name string
	line      int
	defined   int
}

type luaProfile struct {
	stacks map[string]int64 // joined frames -> samples
	frames map[string][]profFrame
	start  time.Time
}

//export lunaProfSample
func lunaProfSample(frames *C.luna_frame, n C.int) {
	p := profiling
	if p == nil || n <= 0 {
		return
	}
	fs := unsafe.Slice(frames, int(n))
	var key strings.Builder
	for i := range fs {
		f := &fs[i]
		key.WriteString(C.GoString(&f.src[0]))
		key.WriteByte(0)
		if f.name != nil {
			key.WriteString(C.GoString(f.name))
		}
		fmt.Fprintf(&key, "\x00%d\x00%d\x00%s\x01", int(f.line), int(f.defined), C.GoString(f.what))
	}
	k := key.String()
	if p.stacks[k] == 0 {
		stack := make([]profFrame, len(fs))
		for i := range fs {
			f := &fs[i]
			pf := profFrame{src: C.GoString(&f.src[0]), line: int(f.line), defined: int(f.defined)}
			switch {
			case f.name != nil:
				pf.name = C.GoString(f.name)
			case C.GoString(f.what) == "main":
				pf.name = "(main chunk)"
			default:
				pf.name = "?"
			}
			stack[i] = pf
		}
		p.frames[k] = stack
	}
	p.stacks[k]++
}

// luaProfile samples the Lua stack for d and returns a pprof profile
// (gzipped protobuf). It runs on an admin goroutine and hands the start
// and the end to the loop.
func (rt *Runtime) luaProfileFor(d time.Duration) ([]byte, error) {
	if d <= 0 || d > maxProfile {
		return nil, fmt.Errorf("seconds must be within 1..%d", int(maxProfile.Seconds()))
	}
	if !profileBusy.CompareAndSwap(false, true) {
		return nil, errors.New("a profile is being taken already")
	}
	defer profileBusy.Store(false)
	srv := rt.admin.srv
	p := &luaProfile{stacks: map[string]int64{}, frames: map[string][]profFrame{}}
	var L *C.lua_State // the thread running wait: it runs the script's loop
	var ref C.int      // keeps it, when a coroutine, from being collected meanwhile
	main := (*C.lua_State)(unsafe.Pointer(rt.L.GetState()))
	if err := srv.OnLoop(func() {
		p.start = time.Now()
		profiling = p
		L = (*C.lua_State)(unsafe.Pointer(rt.cb.Thread().GetState()))
		ref = C.luna_prof_anchor(main, L)
	}); err != nil {
		return nil, err
	}
	tick := time.NewTicker(profPeriod)
	for end := time.After(d); ; {
		select {
		case <-tick.C:
			C.luna_prof_arm(L, C.longlong(profLate.Nanoseconds()))
			continue
		case <-end:
		}
		break
	}
	tick.Stop()
	var out []byte
	var buildErr error
	// a stalled loop still takes the hook off when it comes back: the
	// request stays queued after the wait for it gave up
	if err := srv.OnLoop(func() {
		C.luna_prof_disarm(L)
		C.luna_prof_unanchor(main, ref)
		profiling = nil
		out, buildErr = p.build(time.Since(p.start))
	}); err != nil {
		return nil, err
	}
	return out, buildErr
}

// build turns the samples into a pprof profile, leaf frame first.
func (p *luaProfile) build(d time.Duration) ([]byte, error) {
	prof := &profile.Profile{
		SampleType:    []*profile.ValueType{{Type: "samples", Unit: "count"}},
		PeriodType:    &profile.ValueType{Type: "lua", Unit: "nanoseconds"},
		Period:        profPeriod.Nanoseconds(),
		TimeNanos:     p.start.UnixNano(),
		DurationNanos: d.Nanoseconds(),
	}
	funcs := map[string]*profile.Function{}
	locs := map[string]*profile.Location{}
	for key, n := range p.stacks {
		sample := &profile.Sample{Value: []int64{n}}
		for _, f := range p.frames[key] {
			name := fmt.Sprintf("%s:%d %s", f.src, f.defined, f.name)
			fn := funcs[name]
			if fn == nil {
				fn = &profile.Function{ID: uint64(len(funcs) + 1), Name: name, SystemName: f.name,
					Filename: f.src, StartLine: int64(f.defined)}
				funcs[name] = fn
				prof.Function = append(prof.Function, fn)
			}
			lk := fmt.Sprintf("%s\x00%d", name, f.line)
			loc := locs[lk]
			if loc == nil {
				loc = &profile.Location{ID: uint64(len(locs) + 1), Line: []profile.Line{{Function: fn, Line: int64(f.line)}}}
				locs[lk] = loc
				prof.Location = append(prof.Location, loc)
			}
			sample.Location = append(sample.Location, loc)
		}
		prof.Sample = append(prof.Sample, sample)
	}
	var buf bytes.Buffer
	if err := prof.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
