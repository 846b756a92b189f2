//go:build lua53

/*
 * The luna archive codec, byte-exact with the C++ reference for everything it
 * sent, hardened on the receiving side. The rules are in wire.md ("Archive")
 * and doc.go; the code bytes are listed here.
 */
#include <math.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "archive.h"

enum {
	AR_NIL = 0,        /* nil */
	AR_FLOAT = 1,      /* a number that is not an integer: 8 bytes, IEEE-754 double, little-endian */
	AR_INT = 2,        /* integer: svarint(v - 246 if v > 246, else v) */
	AR_STRING = 3,     /* uvarint(len) then the bytes */
	AR_STRING_REF = 4, /* uvarint(i): the i-th code-3 string of this archive, 0-based */
	AR_TRUE = 5,
	AR_FALSE = 6,
	AR_TABLE = 7,     /* key, value, key, value, ... then AR_TABLE_END */
	AR_TABLE_END = 8,
	AR_SMALL_INT = 9 /* 9..255: the integer code - 9, that is 0..246 */
};
#define AR_SMALL_INT_MAX 246

typedef char ar_double_is_8_bytes[sizeof(lua_Number) == 8 ? 1 : -1];
typedef char ar_integer_is_8_bytes[sizeof(lua_Integer) == 8 ? 1 : -1];

/* ------------------------------------------------------------------ encoder */

typedef struct {
	unsigned char *p;
	size_t cap, len;
	int nshared;
	/* Strings written with code 3, by the address lua_tolstring gives: the
	 * identity of the Lua string object, as the reference compared them. */
	const char *shared[AR_MAX_SHARED];
} encoder;

static int put_bytes(encoder *e, const void *src, size_t n) {
	if (e->cap - e->len < n) return AR_E_TOO_LARGE;
	memcpy(e->p + e->len, src, n);
	e->len += n;
	return 0;
}

static int put_byte(encoder *e, unsigned char b) {
	if (e->len == e->cap) return AR_E_TOO_LARGE;
	e->p[e->len++] = b;
	return 0;
}

static int put_uvarint(encoder *e, uint64_t v) {
	unsigned char buf[10];
	return put_bytes(e, buf, luna_ar_uvarint(buf, v));
}

static int put_integer(encoder *e, lua_Integer v) {
	uint64_t u;
	int rc;
	if (v >= 0 && v <= AR_SMALL_INT_MAX) return put_byte(e, (unsigned char)(AR_SMALL_INT + v));
	if (v > AR_SMALL_INT_MAX) v -= AR_SMALL_INT_MAX;
	/* svarint, mod 2^64: math.mininteger wraps to 1, as in the reference. */
	u = v >= 0 ? (uint64_t)v << 1 : ((0 - (uint64_t)v) << 1) | 1;
	if ((rc = put_byte(e, AR_INT)) != 0) return rc;
	return put_uvarint(e, u);
}

static int put_float(encoder *e, lua_Number d) {
	unsigned char b[9];
	uint64_t bits;
	int i;
	memcpy(&bits, &d, 8);
	b[0] = AR_FLOAT;
	for (i = 1; i < 9; i++, bits >>= 8) b[i] = (unsigned char)bits;
	return put_bytes(e, b, 9);
}

static int put_string(encoder *e, lua_State *L, int idx) {
	size_t len;
	const char *s = lua_tolstring(L, idx, &len);
	int i, rc;
	for (i = 0; i < e->nshared; i++) {
		if (e->shared[i] == s) {
			if ((rc = put_byte(e, AR_STRING_REF)) != 0) return rc;
			return put_uvarint(e, (uint64_t)i);
		}
	}
	if ((rc = put_byte(e, AR_STRING)) != 0) return rc;
	if ((rc = put_uvarint(e, len)) != 0) return rc;
	if ((rc = put_bytes(e, s, len)) != 0) return rc;
	if (e->nshared < AR_MAX_SHARED) e->shared[e->nshared++] = s;
	return 0;
}

static int put_value(encoder *e, lua_State *L, int idx, int depth);

/* Tables: pairs in lua_next order. depth counts the tables around this one. */
static int put_table(encoder *e, lua_State *L, int idx, int depth) {
	int rc;
	if (depth >= AR_MAX_ENCODE_DEPTH) return AR_E_TOO_DEEP;
	if ((rc = put_byte(e, AR_TABLE)) != 0) return rc;
	lua_pushnil(L);
	while (lua_next(L, idx)) {
		int top = lua_gettop(L);
		if ((rc = put_value(e, L, top - 1, depth + 1)) != 0) return rc;
		if ((rc = put_value(e, L, top, depth + 1)) != 0) return rc;
		lua_pop(L, 1);
	}
	return put_byte(e, AR_TABLE_END);
}

static int put_value(encoder *e, lua_State *L, int idx, int depth) {
	int t = lua_type(L, idx);
	switch (t) {
	case LUA_TNIL:
		return put_byte(e, AR_NIL);
	case LUA_TBOOLEAN:
		return put_byte(e, lua_toboolean(L, idx) ? AR_TRUE : AR_FALSE);
	case LUA_TNUMBER:
		if (lua_isinteger(L, idx)) return put_integer(e, lua_tointeger(L, idx));
		return put_float(e, lua_tonumber(L, idx));
	case LUA_TSTRING:
		return put_string(e, L, idx);
	case LUA_TTABLE:
		return put_table(e, L, idx, depth);
	default: /* function, userdata, thread, light userdata */
		return AR_E_TYPE_BASE - t;
	}
}

int64_t luna_ar_encode(lua_State *L, int first, unsigned char *dst, size_t cap) {
	encoder e;
	int top = lua_gettop(L), i, rc = 0;
	if (first < 0 && first > LUA_REGISTRYINDEX) first = lua_absindex(L, first);
	if (first < 1 || first > top) return AR_E_NO_VALUES;
	/* lua_next needs two slots per level of nesting. */
	if (!lua_checkstack(L, 2 * AR_MAX_ENCODE_DEPTH + 2)) return AR_E_STACK;
	e.p = dst;
	e.cap = cap;
	e.len = 0;
	e.nshared = 0;
	for (i = first; i <= top && rc == 0; i++) rc = put_value(&e, L, i, 0);
	lua_settop(L, top);
	return rc != 0 ? rc : (int64_t)e.len;
}

/* ------------------------------------------------------------------ decoder */

/*
 * Decoding takes two passes over the bytes. scan_* validates the whole
 * archive without touching Lua, and measures it: values, strings, nesting,
 * and the shape of each table. Only then does get_* push values, into a stack
 * reserved once for all of them and into tables created at their final size.
 * A malformed archive is thus refused before anything is pushed or allocated.
 */

/* Where a code-3 string lies in the archive (offsets, so that no pointer into
 * the caller's buffer outlives the call). */
typedef struct {
	size_t off, len;
} span;

/* The sizes lua_createtable gets for a table (pairs whose key is 1..246, and
 * the others). */
typedef struct {
	unsigned narr, nrec;
} shape;

/* Strings and tables per archive described inside the decoder itself. More
 * strings move the list to a Lua userdata (one allocation, collected with the
 * message); tables past the first AR_FIXED_SHAPES are created empty and grow. */
#define AR_FIXED_SPANS 64
#define AR_FIXED_SHAPES 64

typedef struct {
	const unsigned char *p;
	size_t n, pos;
	/* measured by the scan */
	size_t nvalues, nstrs_total, ntables;
	int maxdepth;
	/* the push pass */
	span *strs;
	size_t nstrs, next_table;
	int status;  /* AR_M_* reason once the archive proved malformed */
	shape shapes[AR_FIXED_SHAPES];
	span fixed[AR_FIXED_SPANS];
} decoder;

static void decoder_init(decoder *d, const unsigned char *data, size_t n) {
	d->p = data;
	d->n = n;
	d->pos = 0;
	d->nvalues = d->nstrs_total = d->ntables = 0;
	d->maxdepth = 0;
	d->strs = d->fixed;
	d->nstrs = d->next_table = 0;
	d->status = 0;
}

static int get_uvarint(decoder *d, uint64_t *out) {
	size_t len;
	int rc = luna_ar_get_uvarint(d->p + d->pos, d->n - d->pos, out, &len);
	if (rc == 0) d->pos += len;
	return rc;
}

static uint64_t get_le64(decoder *d) {
	uint64_t u = 0;
	int i;
	for (i = 7; i >= 0; i--) u = u << 8 | d->p[d->pos + (size_t)i];
	d->pos += 8;
	return u;
}

/* What a scanned value is, for the checks on table keys. */
enum { K_OTHER, K_NIL, K_NAN, K_INDEX /* an integer 1..246 */ };

static int scan_value(decoder *d, int depth, int *kind);

static int scan_table(decoder *d, int depth) {
	size_t t = d->ntables++;
	unsigned narr = 0, nrec = 0;
	int rc, kind;
	if (depth > AR_MAX_DECODE_DEPTH) return AR_M_TOO_DEEP;
	if (depth > d->maxdepth) d->maxdepth = depth;
	for (;;) {
		if (d->pos >= d->n) return AR_M_UNTERMINATED;
		if (d->p[d->pos] == AR_TABLE_END) {
			d->pos++;
			break;
		}
		if ((rc = scan_value(d, depth, &kind)) != 0) return rc;
		if (kind == K_NIL) return AR_M_NIL_KEY;
		if (kind == K_NAN) return AR_M_NAN_KEY;
		if (kind == K_INDEX)
			narr++;
		else
			nrec++;
		if ((rc = scan_value(d, depth, &kind)) != 0) return rc;
	}
	if (t < AR_FIXED_SHAPES) {
		d->shapes[t].narr = narr;
		d->shapes[t].nrec = nrec;
	}
	return 0;
}

/* scan_value checks one value. depth counts the tables around it. */
static int scan_value(decoder *d, int depth, int *kind) {
	uint64_t u;
	unsigned code;
	*kind = K_OTHER;
	if (d->pos >= d->n) return AR_M_TRUNCATED;
	code = d->p[d->pos++];
	switch (code) {
	case AR_NIL:
		*kind = K_NIL;
		return 0;
	case AR_FLOAT:
		if (d->n - d->pos < 8) return AR_M_TRUNCATED;
		u = get_le64(d);
		if ((u & 0x7ff0000000000000u) == 0x7ff0000000000000u && (u & 0x000fffffffffffffu) != 0)
			*kind = K_NAN;
		return 0;
	case AR_INT:
		return get_uvarint(d, &u);
	case AR_STRING: {
		int rc = get_uvarint(d, &u);
		if (rc != 0) return rc;
		if (u > d->n - d->pos) return AR_M_STRING_LEN;
		d->pos += (size_t)u;
		d->nstrs_total++;
		return 0;
	}
	case AR_STRING_REF: {
		int rc = get_uvarint(d, &u);
		if (rc != 0) return rc;
		return u < d->nstrs_total ? 0 : AR_M_BAD_REF;
	}
	case AR_TRUE:
	case AR_FALSE:
		return 0;
	case AR_TABLE:
		return scan_table(d, depth + 1);
	case AR_TABLE_END:
		return AR_M_BAD_CODE;
	default:
		if (code > AR_SMALL_INT) *kind = K_INDEX;
		return 0;
	}
}

static int scan_all(decoder *d) {
	int rc, kind;
	for (d->pos = 0; d->pos < d->n; d->nvalues++)
		if ((rc = scan_value(d, 0, &kind)) != 0) return rc;
	d->pos = 0;
	return 0;
}

/* reserve makes room for the values and the string list of a scanned archive:
 * [-0, +0, m] with scratch the stack slot the list may take. */
static int reserve(lua_State *L, decoder *d, int scratch, int extra) {
	/* The top-level values, plus a key and a value per level of nesting. */
	if (d->nvalues > 1000000 || !lua_checkstack(L, (int)d->nvalues + 2 * d->maxdepth + extra))
		return AR_M_TOO_MANY;
	if (d->nstrs_total > AR_FIXED_SPANS) {
		d->strs = (span *)lua_newuserdata(L, d->nstrs_total * sizeof(span));
		lua_replace(L, scratch);
	}
	return 0;
}

static void get_value(lua_State *L, decoder *d);

static void get_table(lua_State *L, decoder *d) {
	size_t t = d->next_table++;
	if (t < AR_FIXED_SHAPES)
		lua_createtable(L, (int)d->shapes[t].narr, (int)d->shapes[t].nrec);
	else
		lua_createtable(L, 0, 0);
	while (d->p[d->pos] != AR_TABLE_END) {
		get_value(L, d); /* key */
		get_value(L, d); /* value */
		lua_rawset(L, -3);
	}
	d->pos++;
}

/* get_value pushes one value of an archive scan_all accepted. */
static void get_value(lua_State *L, decoder *d) {
	uint64_t u;
	unsigned code = d->p[d->pos++];
	switch (code) {
	case AR_NIL:
		lua_pushnil(L);
		return;
	case AR_FLOAT: {
		lua_Number v;
		u = get_le64(d);
		memcpy(&v, &u, 8);
		lua_pushnumber(L, v);
		return;
	}
	case AR_INT: {
		lua_Integer v;
		get_uvarint(d, &u);
		if (u == 1)
			v = LUA_MININTEGER; /* the only value encoded as 1 (the reference read 246) */
		else if (u & 1)
			v = -(lua_Integer)(u >> 1);
		else
			v = (lua_Integer)((u >> 1) + AR_SMALL_INT_MAX); /* wraps like the reference */
		lua_pushinteger(L, v);
		return;
	}
	case AR_STRING:
		get_uvarint(d, &u);
		d->strs[d->nstrs].off = d->pos;
		d->strs[d->nstrs].len = (size_t)u;
		d->nstrs++;
		lua_pushlstring(L, (const char *)d->p + d->pos, (size_t)u);
		d->pos += (size_t)u;
		return;
	case AR_STRING_REF:
		get_uvarint(d, &u);
		lua_pushlstring(L, (const char *)d->p + d->strs[u].off, d->strs[u].len);
		return;
	case AR_TRUE:
		lua_pushboolean(L, 1);
		return;
	case AR_FALSE:
		lua_pushboolean(L, 0);
		return;
	case AR_TABLE:
		get_table(L, d);
		return;
	default:
		lua_pushinteger(L, (lua_Integer)code - AR_SMALL_INT);
		return;
	}
}

/* [-1, +n, m] decode_k(decoder) -> the values. Slot 1 is the scratch slot. */
static int decode_k(lua_State *L) {
	decoder *d = (decoder *)lua_touserdata(L, 1);
	size_t i;
	if ((d->status = reserve(L, d, 1, 2)) != 0) return 0;
	for (i = 0; i < d->nvalues; i++) get_value(L, d);
	return (int)d->nvalues;
}

int64_t luna_ar_decode(lua_State *L, const unsigned char *data, size_t n) {
	decoder d;
	int rc;
	decoder_init(&d, data, n);
	if ((rc = scan_all(&d)) != 0) return -rc;
	if (d.nvalues == 0) return 0;
	if (!lua_checkstack(L, 2)) return -AR_M_TOO_MANY;
	lua_pushcfunction(L, decode_k);
	lua_pushlightuserdata(L, &d);
	if (lua_pcall(L, 1, LUA_MULTRET, 0) != LUA_OK) return AR_LUA_ERROR;
	if (d.status != 0) return -d.status;
	return (int64_t)d.nvalues;
}

int64_t luna_ar_push(lua_State *L, const unsigned char *data, size_t n) {
	decoder d;
	int rc, base;
	size_t i;
	decoder_init(&d, data, n);
	if ((rc = scan_all(&d)) != 0) return -rc;
	if (!lua_checkstack(L, 1)) return -AR_M_TOO_MANY;
	lua_pushnil(L); /* scratch slot for reserve */
	base = lua_gettop(L);
	if ((rc = reserve(L, &d, base, 0)) != 0) {
		lua_pop(L, 1);
		return -rc;
	}
	for (i = 0; i < d.nvalues; i++) get_value(L, &d);
	lua_remove(L, base);
	return (int64_t)d.nvalues;
}
