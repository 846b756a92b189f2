/*
 * cbind.h: the C half of package cbind.
 *
 * Rules this code keeps (see design.md, "cgo"):
 *   - No Go pointer is ever stored in C or Lua memory. Go objects are named by
 *     integer handles carried in light userdata; per-state data lives in a
 *     Lua full userdata (cb_ctx) that Go only reads and writes through.
 *   - A Lua error never unwinds through a Go frame: every Lua entry made on
 *     behalf of Go is a lua_pcall done here, and the trampolines raise their
 *     errors with lua_error only after the Go callback has returned.
 *   - Strings going from Go to Lua are copied by Go into the per-state arena
 *     and referenced by offset, never by pointer, because a nested callback
 *     may grow (realloc) the arena at any Lua allocation.
 */
#ifndef CBIND_H
#define CBIND_H

#include <stddef.h>
#include <stdint.h>
#include <lua.h>
#include <lauxlib.h>
#include "msgh.h"

#define CB_MAXARGS 16   /* converted parameters of an exported Go function */
#define CB_MAXRES 16    /* results of an exported Go function */
#define CB_CALL_MAX 32  /* arguments or results of one call from Go into Lua */

/* Value tags: both the conversion asked for (parameter kinds, requested
 * result kinds) and the kind of value actually produced. */
enum {
	CB_TNIL = 0,
	CB_TBOOL,  /* i = 0 or 1 (lua_toboolean) */
	CB_TINT,   /* i (lua_tointegerx) */
	CB_TNUM,   /* n (lua_tonumberx) */
	CB_TSTR,   /* Lua->Go: p, len (lua_tolstring); Go->Lua: i = arena offset, len */
	CB_TOBJ,   /* i = handle (0 = nil); Go->Lua: aux = registry ref of the metatable */
	CB_TANY,   /* conversion by the value's own Lua type */
	CB_TSTACK  /* Go->Lua only: i = absolute stack index, len = count of values */
};

/* Call status reported back by Go (trampolines) or by C (calls into Lua). */
enum { CB_OK = 0, CB_ERR = 1, CB_NOFUNC = 2, CB_CLOSED = 3 };

/* Returned instead of a lua_pcall status when the stack could not grow:
 * nothing was pushed, not even a message. */
#define CB_NOSTACK (-1)

/* Signature flags. */
#define CB_FRAW 1    /* raw function: the stack is Go's, Go returns the count */
#define CB_FMETHOD 2 /* bound method: upvalue 2 = shadow table, 3 = handle */
#define CB_FMEMBER 4 /* member: __index calls it once and caches its result */

/* Field operations and descriptor encoding (fields table values). */
enum { CB_FGET = 0, CB_FSET = 1 };
#define CB_FIELD_RO 1
#define CB_FIELD_KIND(d) (((d) >> 1) & 7)
#define CB_FIELD_ID(d) ((d) >> 4)

typedef struct cb_val {
	long long i;
	double n;
	const char *p;
	size_t len;
	int tag;
	int aux;
} cb_val;

typedef struct cb_arena {
	char *base;
	size_t cap, top;
} cb_arena;

/* Per-state context, a full userdata anchored in the registry. */
typedef struct cb_ctx {
	uint32_t id;     /* index in Go's table of states */
	int objects;     /* registry ref: weak-valued handle -> shadow table */
	int sigmeta;     /* registry ref: metatable of signature userdata */
	int classes;     /* registry ref: class name -> metatable */
	cb_arena arena;  /* Go -> C string bytes, addressed by offset */
	cb_val tmp;      /* one value for State.Push */
} cb_ctx;

/* Signature of an exported Go function: upvalue 1 of every trampoline. */
typedef struct cb_sig {
	cb_ctx *ctx;
	uint32_t fn;     /* function id in the Go state */
	uint8_t nargs;   /* converted Lua arguments */
	uint8_t flags;
	uint8_t kinds[CB_MAXARGS];
} cb_sig;

/* A callback from Lua into Go: lives on the C stack of the trampoline. */
typedef struct cb_frame {
	lua_State *L;
	const cb_sig *sig; /* NULL for field access */
	cb_ctx *ctx;
	uintptr_t self;    /* handle of the bound object, 0 for free functions */
	int field, op;     /* field access only */
	int nres;          /* out: values in res, or a raw function's result count */
	int status;        /* out: CB_OK, CB_ERR (message in res[0]), CB_CLOSED */
	cb_val args[CB_MAXARGS];
	cb_val res[CB_MAXRES];
} cb_frame;

/* Kinds of calls from Go into Lua. */
enum { CB_CGLOBAL = 0, CB_CFIELD, CB_COBJECT };

/* A call from Go into Lua: malloc'd, one per nesting depth, owned by Go. */
typedef struct cb_call {
	cb_ctx *ctx;
	int kind;
	size_t name, table;  /* arena offsets of NUL-terminated names */
	uintptr_t obj;       /* handle (CB_COBJECT) */
	int nargs, nres;
	int status;          /* out */
	size_t err, errlen;  /* out: arena offset of the error text */
	cb_val args[CB_CALL_MAX];
	cb_val res[CB_CALL_MAX]; /* in: requested tags; out: values */
} cb_call;

/* state.c */
int cb_protect(lua_State *L, lua_CFunction f, void *ud, int nres);
int cb_init(lua_State *L, cb_ctx **out, int fresh);
int cb_arena_grow(cb_ctx *ctx, size_t need);
void cb_push_ref(lua_State *L, int ref);

/* object.c */
int cb_obj_gc(lua_State *L);
uintptr_t cb_handle_at(lua_State *L, int idx);
int cb_push_object(lua_State *L, cb_ctx *ctx, uintptr_t h, int meta);
int cb_push_tmp(lua_State *L, cb_ctx *ctx);
int cb_push_export(lua_State *L, cb_ctx *ctx);
void cb_pushval(lua_State *L, cb_ctx *ctx, const cb_val *v);

/* trampoline.c */
void cb_toarg(lua_State *L, int idx, int kind, cb_val *v);
int cb_trampoline(lua_State *L);
int cb_finish(lua_State *L, cb_frame *f, size_t mark, int raw);
cb_sig *cb_newsig(lua_State *L, cb_ctx *ctx);
int cb_push_function(lua_State *L, cb_ctx *ctx, cb_sig **out);
int cb_set_global(lua_State *L, const char *name);

/* class.c */
int cb_class_new(lua_State *L, cb_ctx *ctx, const char *name, int refs[3]);
int cb_class_method(lua_State *L, cb_ctx *ctx, int methods, const char *name, cb_sig **out);
int cb_class_field(lua_State *L, int fields, const char *name, int desc);

/* call.c */
cb_call *cb_call_new(void);
void cb_call_free(cb_call *c);
void cb_call_lua(lua_State *L, cb_call *c);
int cb_dostring(lua_State *L, cb_ctx *ctx, const char *code, size_t len, const char *name, size_t *erroff,
                size_t *errlen);

#endif
