package luna

/*
#cgo pkg-config: lua5.3
#cgo CFLAGS: -I${SRCDIR}/../cbind/archive
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "archive.h"

// The outbox of a socket manager: stream.call encodes straight into it in C,
// with no crossing into Go, and Go moves its frames into the streams' send
// buffers at batch boundaries (drain). Records: u32 slot, u32 frame length,
// frame (uvarint(1+n) ‖ 00 ‖ archive). It lives in a Lua full userdata kept
// by the manager's table and by every call closure, so a cached
// `local f = stream.call` never outlives it.
typedef struct {
	unsigned char *buf;
	size_t len, cap;
	unsigned char *scratch; // archive of the call being encoded
	size_t pkg;             // package size: the largest archive
	unsigned char *dead;    // dead[slot] != 0: that stream is closed
	size_t ndead;
	uintptr_t owner;        // cgo handle of the Go manager, for the drain
	int closed;             // the manager was released
} luna_outbox;

void lunaDrainOutbox(uintptr_t owner); // outbox_export.go

// Reasons a call fails, set once by Go from the archive package's errors
// (index: -code for AR_E_*, 16 + Lua type for unsupported types).
static const char *luna_encode_reasons[32];

static void luna_set_reason(int i, const char *text) { luna_encode_reasons[i] = text; }

static int luna_outbox_gc(lua_State *L) {
	luna_outbox *o = (luna_outbox *)lua_touserdata(L, 1);
	free(o->buf);
	free(o->scratch);
	free(o->dead);
	o->buf = o->scratch = o->dead = NULL;
	o->cap = o->len = o->ndead = 0;
	o->closed = 1;
	return 0;
}

static const char luna_outbox_key = 'o';

// luna_outbox_new creates the outbox and stores it in the manager table at
// idx. Returns NULL when memory is short. [-0, +0, m]
static luna_outbox *luna_outbox_new(lua_State *L, int idx, uintptr_t owner) {
	idx = lua_absindex(L, idx);
	luna_outbox *o = (luna_outbox *)lua_newuserdata(L, sizeof(luna_outbox));
	memset(o, 0, sizeof *o);
	o->owner = owner;
	lua_newtable(L);
	lua_pushcfunction(L, luna_outbox_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, idx, &luna_outbox_key);
	return o;
}

static int luna_fail(lua_State *L, const char *why) {
	lua_pushnil(L);
	lua_pushstring(L, why ? why : "call failed");
	return 2;
}

static size_t uvarint_put(unsigned char *p, uint64_t v) {
	size_t n = 0;
	while (v >= 0x80) { p[n++] = (unsigned char)(v | 0x80); v >>= 7; }
	p[n++] = (unsigned char)v;
	return n;
}

// stream.call(...) -> archive length | nil, reason. Upvalues: the outbox,
// the stream's slot, the stream's table (skipped when passed as self).
static int luna_call(lua_State *L) {
	luna_outbox *o = (luna_outbox *)lua_touserdata(L, lua_upvalueindex(1));
	lua_Integer slot = lua_tointeger(L, lua_upvalueindex(2));
	int first = lua_rawequal(L, 1, lua_upvalueindex(3)) ? 2 : 1;
	if (o->closed || slot < 0 || (size_t)slot >= o->ndead || o->dead[slot])
		return luna_fail(L, "stream closed");
	int64_t n = luna_ar_encode(L, first, o->scratch, o->pkg);
	if (n < 0) {
		int64_t i = n <= AR_E_TYPE_BASE ? 16 + (AR_E_TYPE_BASE - n) : -n;
		return luna_fail(L, i >= 0 && i < 32 ? luna_encode_reasons[i] : NULL);
	}
	size_t need = 8 + 11 + (size_t)n;
	if (o->cap - o->len < need) {
		lunaDrainOutbox(o->owner);
		if (o->closed || o->dead[slot]) return luna_fail(L, "stream closed");
		if (o->cap - o->len < need) return luna_fail(L, "send_cache_full");
	}
	unsigned char *rec = o->buf + o->len;
	unsigned char *frame = rec + 8;
	size_t h = uvarint_put(frame, (uint64_t)n + 1);
	frame[h++] = 0;
	memcpy(frame + h, o->scratch, (size_t)n);
	uint32_t s32 = (uint32_t)slot, f32 = (uint32_t)(h + (size_t)n);
	memcpy(rec, &s32, 4);
	memcpy(rec + 4, &f32, 4);
	o->len += 8 + f32;
	lua_pushinteger(L, (lua_Integer)n);
	return 1;
}

// luna_install_call sets stream.call (stream table at sidx) to a C closure
// over the outbox of the manager table at midx. [-0, +0, m]
static void luna_install_call(lua_State *L, int midx, int sidx, lua_Integer slot) {
	midx = lua_absindex(L, midx);
	sidx = lua_absindex(L, sidx);
	lua_rawgetp(L, midx, &luna_outbox_key);
	lua_pushinteger(L, slot);
	lua_pushvalue(L, sidx);
	lua_pushcclosure(L, luna_call, 3);
	lua_setfield(L, sidx, "call");
}

// luna_outbox_size makes room for archives of pkg bytes; 0 on success.
static int luna_outbox_size(luna_outbox *o, size_t pkg) {
	size_t cap = 4 * (pkg + 32);
	if (cap < (256 << 10)) cap = 256 << 10;
	unsigned char *s = (unsigned char *)realloc(o->scratch, pkg ? pkg : 1);
	if (!s) return -1;
	o->scratch = s;
	o->pkg = pkg;
	if (cap > o->cap) {
		unsigned char *b = (unsigned char *)realloc(o->buf, cap);
		if (!b) return -1;
		o->buf = b;
		o->cap = cap;
	}
	return 0;
}

// luna_outbox_slots grows the dead-flag array to n slots (new ones dead).
static int luna_outbox_slots(luna_outbox *o, size_t n) {
	if (n <= o->ndead) return 0;
	unsigned char *d = (unsigned char *)realloc(o->dead, n);
	if (!d) return -1;
	memset(d + o->ndead, 1, n - o->ndead);
	o->dead = d;
	o->ndead = n;
	return 0;
}
*/
import "C"

import (
	"encoding/binary"
	"errors"
	"runtime/cgo"
	"unsafe"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind/archive"
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
	slots  []*socketStream
	free   []int
}

// attachOutbox creates the manager's outbox, kept by its table (at stack
// index idx).
func (m *socketMgr) attachOutbox(L *lua.State, idx int) error {
	m.out.handle = cgo.NewHandle(m)
	m.out.c = C.luna_outbox_new(luaState(L), C.int(idx), C.uintptr_t(m.out.handle))
	if C.luna_outbox_size(m.out.c, C.size_t(defaultPackageSize)) != 0 {
		return errNoMemory
	}
	return nil
}

// installCall gives a stream table (at sidx; the manager's table at midx)
// the C call closure, and the stream a slot in the outbox.
func (m *socketMgr) installCall(L *lua.State, midx, sidx int, s *socketStream) {
	o := &m.out
	if n := len(o.free); n > 0 {
		s.slot = o.free[n-1]
		o.free = o.free[:n-1]
		o.slots[s.slot] = s
	} else {
		s.slot = len(o.slots)
		o.slots = append(o.slots, s)
		if C.luna_outbox_slots(o.c, C.size_t(cap(o.slots))) != 0 {
			s.slot = -1 // stream.call stays the Go method
			o.slots = o.slots[:len(o.slots)-1]
			return
		}
	}
	o.setDead(s.slot, false)
	C.luna_install_call(luaState(L), C.int(midx), C.int(sidx), C.lua_Integer(s.slot))
}

func (o *outbox) setDead(slot int, dead bool) {
	if slot < 0 || o.c == nil {
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
func (o *outbox) releaseSlot(s *socketStream) {
	if s.slot < 0 || o.c == nil {
		return
	}
	o.setDead(s.slot, true)
	o.slots[s.slot] = nil
	o.free = append(o.free, s.slot)
	s.slot = -1
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

// drain moves every call in the outbox into its stream's send buffer, in
// the order the calls were made.
func (m *socketMgr) drain() {
	o := &m.out
	if o.c == nil || o.c.len == 0 {
		return
	}
	buf := unsafe.Slice((*byte)(unsafe.Pointer(o.c.buf)), int(o.c.len))
	for off := 0; off+8 <= len(buf); {
		slot := int(binary.LittleEndian.Uint32(buf[off:]))
		n := int(binary.LittleEndian.Uint32(buf[off+4:]))
		frame := buf[off+8 : off+8+n]
		off += 8 + n
		if slot < len(o.slots) {
			if s := o.slots[slot]; s != nil && !s.dead() {
				s.send(frame, nil)
			}
		}
	}
	o.c.len = 0
}

// close detaches the outbox when the manager is released; the C memory
// stays with its userdata until Lua collects it.
func (o *outbox) close() {
	if o.c == nil {
		return
	}
	o.c.closed = 1
	o.c = nil
	o.handle.Delete()
}

func luaState(L *lua.State) *C.lua_State { return (*C.lua_State)(unsafe.Pointer(L.GetState())) }
