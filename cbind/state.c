/*
 * state.c: the per-state context (cb_ctx) in the registry, the string
 * arena, and the protected-call helper the other files use.
 */
#include <stdlib.h>
#include <string.h>
#include "cbind.h"
#include "_cgo_export.h"

#define CB_CTX_KEY "cbind.ctx"

/* cb_protect runs f(ud) under lua_pcall; f's results stay on the stack on
 * success, the error message on failure. */
int cb_protect(lua_State *L, lua_CFunction f, void *ud, int nres) {
	if (!lua_checkstack(L, 2 + nres)) {
		return CB_NOSTACK;
	}
	lua_pushcfunction(L, f);
	lua_pushlightuserdata(L, ud);
	return lua_pcall(L, 1, nres, 0);
}

static int cb_ctx_gc(lua_State *L) {
	cb_ctx *ctx = (cb_ctx *)lua_touserdata(L, 1);
	free(ctx->arena.base);
	ctx->arena.base = NULL;
	ctx->arena.cap = ctx->arena.top = 0;
	return 0;
}

static int cb_sig_gc(lua_State *L) {
	cb_sig *sig = (cb_sig *)lua_touserdata(L, 1);
	if (sig != NULL && sig->ctx != NULL) {
		cbindFreeFunc(sig->ctx, sig->fn);
	}
	return 0;
}

static int cb_newref(lua_State *L) {
	lua_newtable(L);
	return luaL_ref(L, LUA_REGISTRYINDEX);
}

typedef struct {
	cb_ctx **out;
	int fresh;
} cb_initargs;

static int cb_init_p(lua_State *L) {
	cb_initargs *a = (cb_initargs *)lua_touserdata(L, 1);
	cb_ctx *ctx;
	if (lua_getfield(L, LUA_REGISTRYINDEX, CB_CTX_KEY) == LUA_TUSERDATA) {
		if (!a->fresh) {
			*a->out = (cb_ctx *)lua_touserdata(L, -1);
			lua_pushboolean(L, 1);
			return 1;
		}
		/* Replaced by a new context: closures of the old one still point
		 * at it, so it stays anchored for the life of the state. */
		luaL_ref(L, LUA_REGISTRYINDEX);
	} else {
		lua_pop(L, 1);
	}
	ctx = (cb_ctx *)lua_newuserdata(L, sizeof(cb_ctx));
	memset(ctx, 0, sizeof(*ctx));
	lua_newtable(L);
	lua_pushcfunction(L, cb_ctx_gc);
	lua_setfield(L, -2, "__gc");
	lua_setmetatable(L, -2);
	lua_setfield(L, LUA_REGISTRYINDEX, CB_CTX_KEY);
	ctx->arena.base = (char *)malloc(4096);
	if (ctx->arena.base == NULL) {
		return luaL_error(L, "cbind: out of memory");
	}
	ctx->arena.cap = 4096;

	ctx->objects = cb_newref(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
	lua_newtable(L);
	lua_pushliteral(L, "v");
	lua_setfield(L, -2, "__mode");
	lua_setmetatable(L, -2);
	lua_pop(L, 1);

	ctx->classes = cb_newref(L);
	ctx->sigmeta = cb_newref(L);
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->sigmeta);
	lua_pushcfunction(L, cb_sig_gc);
	lua_setfield(L, -2, "__gc");
	lua_pop(L, 1);
	*a->out = ctx;
	lua_pushboolean(L, 0);
	return 1;
}

/* cb_init installs a context in L's registry, or with fresh == 0 finds the
 * one installed earlier. Returns -1 on error (message on the stack), 0 when
 * new, 1 when it already existed. [-0, +(0|1), -] */
int cb_init(lua_State *L, cb_ctx **out, int fresh) {
	cb_initargs a;
	int existed, rc;
	a.out = out;
	a.fresh = fresh;
	rc = cb_protect(L, cb_init_p, &a, 1);
	if (rc == CB_NOSTACK) {
		return -2;
	}
	if (rc != LUA_OK) {
		return -1;
	}
	existed = lua_toboolean(L, -1);
	lua_pop(L, 1);
	return existed;
}

/* cb_arena_grow makes room for need more bytes above the arena top. */
int cb_arena_grow(cb_ctx *ctx, size_t need) {
	cb_arena *a = &ctx->arena;
	size_t cap = a->cap ? a->cap : 4096;
	char *p;
	while (cap - a->top < need) {
		cap *= 2;
	}
	p = (char *)realloc(a->base, cap);
	if (p == NULL) {
		return 0;
	}
	a->base = p;
	a->cap = cap;
	return 1;
}

/* cb_push_ref pushes registry[ref]. [-0, +1, -] */
void cb_push_ref(lua_State *L, int ref) {
	lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
}
