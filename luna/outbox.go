package luna

/*
#include "archive.h"
#include "luna.h"
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime/cgo"
	"unsafe"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind/archive"
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

func init() {
	codes := []int64{-1, -2, -3, -4}
	for _, code := range codes {
		C.luna_set_reason(C.int(-code), C.CString(archive.EncodeError(code).Error()))
	}
	for _, t := range []lua.LuaValType{lua.LUA_TLIGHTUSERDATA, lua.LUA_TFUNCTION, lua.LUA_TUSERDATA, lua.LUA_TTHREAD} {
		code := int64(C.AR_E_TYPE_BASE) - int64(t)
		C.luna_set_reason(C.int(16+t), C.CString(archive.EncodeError(code).Error()))
	}
}

var errNoMemory = errors.New("out of memory")

// outbox is the Go side of a manager's luna_outbox: the slots that map
// outbox records to streams.
type outbox struct {
	c      *C.luna_outbox
	handle cgo.Handle
	slots  []*node.Stream
	free   []int
	last   []int // per slot, as long as slots: drain(true)'s offset of its last record
}

// attachOutbox creates the manager's outbox, kept by its table (at stack
// index idx).
func (m *socketMgr) attachOutbox(L *lua.State, idx int) error {
	m.out.handle = cgo.NewHandle(m)
	m.out.c = C.luna_outbox_new(luaState(L), C.int(idx), C.uintptr_t(m.out.handle))
	if m.out.c == nil || C.luna_outbox_size(m.out.c, C.size_t(wire.DefaultCache)) != 0 {
		return errNoMemory
	}
	return nil
}

// installCall gives a stream table (at sidx; the manager's table at midx)
// the C call closure, and the stream a slot in the outbox (bindCall). A
// dead stream's slot is dead at once: its calls fail with "stream closed".
func (m *socketMgr) installCall(L *lua.State, midx, sidx int, s *node.Stream) {
	o := &m.out
	var slot int
	if n := len(o.free); n > 0 {
		slot = o.free[n-1]
		o.free = o.free[:n-1]
		o.slots[slot] = s
	} else {
		slot = len(o.slots)
		o.slots = append(o.slots, s)
		if C.luna_outbox_slots(o.c, C.size_t(cap(o.slots))) != 0 {
			o.slots = o.slots[:slot] // out of memory: bindCall falls back to a Go function
			return
		}
		o.last = append(o.last[:slot], 0)
	}
	m.slotOf[s] = slot
	o.setDead(slot, s.Dead())
	if C.luna_install_call(luaState(L), C.int(midx), C.int(sidx), C.lua_Integer(slot)) != 0 {
		m.releaseSlot(s) // out of memory: bindCall falls back to a Go function
	}
}

func (o *outbox) setDead(slot int, dead bool) {
	if o.c == nil {
		return
	}
	flags := unsafe.Slice((*byte)(unsafe.Pointer(o.c.dead)), int(o.c.ndead))
	flags[slot] = 0
	if dead {
		flags[slot] = 1
	}
}

// releaseSlot frees a stream's slot once its table is gone (no call
// closure can reach it any more).
func (m *socketMgr) releaseSlot(s *node.Stream) {
	slot, ok := m.slotOf[s]
	if !ok {
		return
	}
	delete(m.slotOf, s)
	o := &m.out
	if o.c == nil {
		return
	}
	o.setDead(slot, true)
	o.slots[slot] = nil
	o.free = append(o.free, slot)
}

// scratch is the buffer one archive is encoded into: package-size bytes
// of C memory, valid until the next resize.
func (o *outbox) scratch() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(o.c.scratch)), int(o.c.pkg))
}

// resize follows set_package_size.
func (o *outbox) resize(pkg int) error {
	if o.c == nil || C.luna_outbox_size(o.c, C.size_t(pkg)) != 0 {
		return errNoMemory
	}
	return nil
}

// lunaDrainOutbox is called by stream.call's C code when the outbox is
// full: it drains it into the streams. It runs on Lua's C stack, where a
// panic must not unwind: one is reported, and the call goes on.
//
//export lunaDrainOutbox
func lunaDrainOutbox(owner C.uintptr_t) {
	defer func() {
		if r := recover(); r != nil {
			errorLine(fmt.Sprintf("luna: draining the outbox: %v", r))
		}
	}()
	if m, ok := cgo.Handle(owner).Value().(*socketMgr); ok {
		m.drain(false)
	}
}

// recHdr is the size of an outbox record's header (outbox.c's REC_HDR):
// u32 slot, u32 frame length.
const recHdr = 8

// record reads the header of the outbox record at off: its slot, and the
// length of the frame that follows.
func record(buf []byte, off int) (slot, n int) {
	return int(binary.NativeEndian.Uint32(buf[off:])), int(binary.NativeEndian.Uint32(buf[off+4:]))
}

// drain moves every call in the outbox into its stream's send buffer, in
// the order the calls were made. With flushing (a flush follows at once),
// each stream's last call is written at once instead (node.SendLast):
// one write per stream still carries all of its calls.
func (m *socketMgr) drain(flushing bool) {
	o := &m.out
	if o.c == nil || o.c.len == 0 {
		return
	}
	buf := unsafe.Slice((*byte)(unsafe.Pointer(o.c.buf)), int(o.c.len))
	if flushing {
		for off := 0; off+recHdr <= len(buf); {
			slot, n := record(buf, off)
			if slot < len(o.last) {
				o.last[slot] = off
			}
			off += recHdr + n
		}
	}
	for off := 0; off+recHdr <= len(buf); {
		at := off
		slot, n := record(buf, off)
		frame := buf[off+recHdr : off+recHdr+n]
		off += recHdr + n
		var s *node.Stream
		if slot < len(o.slots) {
			s = o.slots[slot]
		}
		switch {
		case s == nil || s.Dead():
			m.node.NoteLost(n) // the stream died after the call was made
		case flushing && o.last[slot] == at:
			s.SendLast(frame)
		default:
			s.Send(frame, nil)
		}
	}
	o.c.len = 0
}

// close detaches the outbox when the manager is released; the C memory
// stays with its userdata until Lua collects it.
func (o *outbox) close() {
	if o.c != nil {
		o.c.closed = 1
		o.c = nil
	}
	if o.handle != 0 {
		o.handle.Delete()
		o.handle = 0
	}
}

func luaState(L *lua.State) *C.lua_State { return (*C.lua_State)(unsafe.Pointer(L.GetState())) }
