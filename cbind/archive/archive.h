/*
 * The luna archive codec: Lua stack values <-> archive bytes (wire.md, "Archive").
 * Each entry point is one Go -> C crossing; see doc.go for the contract.
 */
#ifndef LUNA_ARCHIVE_H
#define LUNA_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>

/* Limits. */
#define AR_MAX_SHARED 255       /* strings the encoder remembers for back-references */
#define AR_MAX_ENCODE_DEPTH 16  /* deeper tables fail the encode (the reference's limit) */
#define AR_MAX_DECODE_DEPTH 32  /* deeper tables make an archive malformed */

/* Encode errors (negative results of luna_ar_encode). */
#define AR_E_NO_VALUES (-1)
#define AR_E_TOO_LARGE (-2)
#define AR_E_TOO_DEEP (-3)
#define AR_E_STACK (-4)
/* An unsupported value of Lua type t gives AR_E_TYPE_BASE - t. */
#define AR_E_TYPE_BASE (-16)

/* Why an archive is malformed (luna_ar_decode and luna_ar_push return -reason). */
#define AR_M_TRUNCATED 1    /* a value is cut off by the end of the archive */
#define AR_M_VARINT 2       /* a varint runs past 10 bytes or overflows 64 bits */
#define AR_M_BAD_CODE 3     /* code 8 (table end) outside a table */
#define AR_M_BAD_REF 4      /* a back-reference past the strings seen so far */
#define AR_M_UNTERMINATED 5 /* a table without its end */
#define AR_M_NIL_KEY 6      /* a table key that is nil */
#define AR_M_NAN_KEY 7      /* a table key that is NaN */
#define AR_M_STRING_LEN 8   /* a string longer than the rest of the archive */
#define AR_M_TOO_DEEP 9     /* tables nested deeper than AR_MAX_DECODE_DEPTH */
#define AR_M_TOO_MANY 10    /* more values than the Lua stack can hold */
#define AR_M_COUNT 11

/* A Lua error: its message is left on the top of the stack. */
#define AR_LUA_ERROR (-100)  /* raised while decoding (memory, __gc) */

/*
 * luna_ar_encode writes the archive of the values at stack indexes first..top into
 * dst[0..cap) and returns its length, or a negative AR_E_* code. The stack is left
 * as it was. Raises no Lua error and runs no Lua code.
 */
int64_t luna_ar_encode(lua_State *L, int first, unsigned char *dst, size_t cap);

/*
 * luna_ar_decode pushes the values of the archive data[0..n) and returns how many,
 * or -AR_M_* (nothing pushed), or AR_LUA_ERROR. Runs protected.
 */
int64_t luna_ar_decode(lua_State *L, const unsigned char *data, size_t n);

/*
 * luna_ar_push pushes the values of the archive data[0..n) and returns how many,
 * or -AR_M_* with nothing pushed. UNPROTECTED: it may raise a memory error, so
 * call it inside a protected call (a batch of calls under one lua_pcall).
 * [-0, +n, m]
 */
int64_t luna_ar_push(lua_State *L, const unsigned char *data, size_t n);

/*
 * luna_ar_uvarint writes v as a uvarint (7 bits a byte, low first) to p,
 * which has room for 10 bytes, and returns its length: the one varint
 * writer of the C code, for archives and frame headers alike.
 */
static inline size_t luna_ar_uvarint(unsigned char *p, uint64_t v) {
	size_t n = 0;
	while (v >= 0x80) {
		p[n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (unsigned char)v;
	return n;
}

/*
 * luna_ar_get_uvarint reads the uvarint at p[0..n) into *v and its length
 * into *len: at most 10 bytes, the 10th 0 or 1, as luna/wire reads it.
 * Returns 0, AR_M_TRUNCATED (it runs past n) or AR_M_VARINT. The one
 * varint reader of the C code, for archives and frame headers alike.
 */
static inline int luna_ar_get_uvarint(const unsigned char *p, size_t n, uint64_t *v, size_t *len) {
	uint64_t x = 0;
	size_t i;
	for (i = 0; i < 10; i++) {
		if (i >= n) return AR_M_TRUNCATED;
		unsigned b = p[i];
		if (i == 9 && b > 1) return AR_M_VARINT;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (b < 0x80) {
			*v = x;
			*len = i + 1;
			return 0;
		}
	}
	return AR_M_VARINT; /* not reached */
}

#endif
