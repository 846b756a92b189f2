// outbox.c: the per-manager outbox stream.call encodes into, with no
// crossing into Go (see luna.h and outbox.go).
#include <stdlib.h>
#include <string.h>
#include "archive.h"
#include "luna.h"
#include "_cgo_export.h"

// Reasons a call fails, set once by Go from the archive package's errors
// (index: -code for AR_E_*, 16 + Lua type for unsupported types).
static const char *luna_encode_reasons[32];

void luna_set_reason(int i, const char *text) { luna_encode_reasons[i] = text; }

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

// A call's record: u32 slot and u32 frame length (host order), then the
// frame, whose header is at most a 10-byte uvarint and the message id.
#define REC_HDR 8
#define CALL_HDR_MAX 11
// The outbox holds at least OUTBOX_CALLS archives of the package size, and
// at least OUTBOX_MIN bytes, so small calls are drained rarely.
#define OUTBOX_CALLS 4
#define OUTBOX_MIN (256 << 10)

// luna_outbox_new_k creates the outbox (owner: argument 2, a light
// userdata) and stores it in the manager table (argument 1). [-0, +0, m]
static int luna_outbox_new_k(lua_State *L) {
	luna_outbox *o = (luna_outbox *)lua_newuserdata(L, sizeof(luna_outbox));
	memset(o, 0, sizeof *o);
	o->owner = (uintptr_t)lua_touserdata(L, 2);
	lua_newtable(L);
	lua_pushcfunction(L, luna_outbox_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_rawsetp(L, 1, &luna_outbox_key);
	return 0;
}

// luna_protect calls k with the values at a and b, and c, under lua_pcall,
// so that a memory error cannot unwind through the Go frames that called
// in. Returns 0 on success. [-0, +0, -]
static int luna_protect(lua_State *L, lua_CFunction k, int a, int b, lua_Integer c) {
	a = lua_absindex(L, a);
	b = lua_absindex(L, b);
	if (!lua_checkstack(L, 4)) return -1;
	lua_pushcfunction(L, k); // a light C function: nothing is allocated
	lua_pushvalue(L, a);
	lua_pushvalue(L, b);
	lua_pushinteger(L, c);
	if (lua_pcall(L, 3, 0, 0) != LUA_OK) {
		lua_pop(L, 1);
		return -1;
	}
	return 0;
}

// luna_outbox_new creates the outbox and stores it in the manager table at
// idx. Returns NULL when memory is short. [-0, +0, -]
luna_outbox *luna_outbox_new(lua_State *L, int idx, uintptr_t owner) {
	idx = lua_absindex(L, idx);
	lua_pushlightuserdata(L, (void *)owner);
	int rc = luna_protect(L, luna_outbox_new_k, idx, -1, 0);
	lua_pop(L, 1);
	if (rc != 0) return NULL;
	lua_rawgetp(L, idx, &luna_outbox_key);
	luna_outbox *o = (luna_outbox *)lua_touserdata(L, -1);
	lua_pop(L, 1);
	return o;
}

static int luna_fail(lua_State *L, const char *why) {
	lua_pushnil(L);
	lua_pushstring(L, why ? why : "call failed");
	return 2;
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
	size_t need = REC_HDR + CALL_HDR_MAX + (size_t)n;
	if (o->cap - o->len < need) {
		lunaDrainOutbox(o->owner);
		if (o->closed || o->dead[slot]) return luna_fail(L, "stream closed");
		if (o->cap - o->len < need) return luna_fail(L, "send_cache_full");
	}
	unsigned char *rec = o->buf + o->len;
	unsigned char *frame = rec + REC_HDR;
	size_t h = luna_ar_uvarint(frame, (uint64_t)n + 1);
	frame[h++] = 0;
	memcpy(frame + h, o->scratch, (size_t)n);
	uint32_t s32 = (uint32_t)slot, f32 = (uint32_t)(h + (size_t)n);
	memcpy(rec, &s32, 4);
	memcpy(rec + 4, &f32, 4);
	o->len += REC_HDR + f32;
	lua_pushinteger(L, (lua_Integer)n);
	return 1;
}

// luna_install_call_k sets stream.call (stream table: argument 2) to a C
// closure over the outbox of the manager table (argument 1) and the slot
// (argument 3). [-0, +0, e]
static int luna_install_call_k(lua_State *L) {
	lua_rawgetp(L, 1, &luna_outbox_key);
	lua_pushvalue(L, 3);
	lua_pushvalue(L, 2);
	lua_pushcclosure(L, luna_call, 3);
	lua_pushliteral(L, "call");
	lua_insert(L, -2);
	lua_rawset(L, 2);
	return 0;
}

// luna_install_call installs stream.call for the stream table at sidx,
// over the outbox of the manager table at midx; 0 on success. [-0, +0, -]
int luna_install_call(lua_State *L, int midx, int sidx, lua_Integer slot) {
	return luna_protect(L, luna_install_call_k, midx, sidx, slot);
}

// luna_outbox_size makes room for archives of pkg bytes; 0 on success.
int luna_outbox_size(luna_outbox *o, size_t pkg) {
	size_t cap = OUTBOX_CALLS * (pkg + REC_HDR + CALL_HDR_MAX);
	if (cap < OUTBOX_MIN) cap = OUTBOX_MIN;
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
int luna_outbox_slots(luna_outbox *o, size_t n) {
	if (n <= o->ndead) return 0;
	unsigned char *d = (unsigned char *)realloc(o->dead, n);
	if (!d) return -1;
	memset(d + o->ndead, 1, n - o->ndead);
	o->dead = d;
	o->ndead = n;
	return 0;
}
