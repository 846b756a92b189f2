/*
 * call.c: how Go enters Lua.
 *
 * Go fills a cb_call (C memory) and makes one cgo call, cb_call_lua, which
 * runs cb_docall under lua_pcall with a traceback message handler. cb_docall
 * finds the function, pushes the arguments, calls it and converts the
 * results into the cb_call, copying strings into the arena, so that Go has
 * nothing left to ask Lua when the call returns.
 */
#include <stdlib.h>
#include <string.h>
#include "cbind.h"

#define ARENA(ctx, off) ((ctx)->arena.base + (off))

cb_call *cb_call_new(void) {
	return (cb_call *)calloc(1, sizeof(cb_call));
}

void cb_call_free(cb_call *c) {
	free(c);
}

/* cb_msgh: see msgh.h. */
int cb_msgh(lua_State *L) {
	const char *msg = lua_tostring(L, 1);
	if (msg == NULL) {
		if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
		msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	}
	luaL_traceback(L, L, msg, 1);
	return 1;
}

/* cb_arena_put copies n bytes above the arena top and returns their offset,
 * or (size_t)-1 when memory is exhausted. */
static size_t cb_arena_put(cb_ctx *ctx, const char *p, size_t n) {
	size_t off;
	if (ctx->arena.cap - ctx->arena.top < n && !cb_arena_grow(ctx, n)) {
		return (size_t)-1;
	}
	off = ctx->arena.top;
	if (n > 0) {
		memcpy(ctx->arena.base + off, p, n);
	}
	ctx->arena.top = off + n;
	return off;
}

/* cb_fromlua converts a result by the tag Go asked for, copying strings to
 * the arena. [-0, +0, m] */
static void cb_fromlua(lua_State *L, int idx, cb_val *v, cb_ctx *ctx) {
	int kind = v->tag;
	size_t off;
	cb_toarg(L, idx, kind, v);
	if (kind == CB_TSTR || v->tag == CB_TSTR) {
		off = cb_arena_put(ctx, v->p, v->len);
		if (off == (size_t)-1) {
			luaL_error(L, "cbind: out of memory");
		}
		v->i = (long long)off;
	}
}

static int cb_callable(lua_State *L, int idx) {
	if (lua_type(L, idx) == LUA_TFUNCTION) {
		return 1;
	}
	if (luaL_getmetafield(L, idx, "__call") != LUA_TNIL) {
		lua_pop(L, 1);
		return 1;
	}
	return 0;
}

/* cb_docall(c, stack values...) runs under lua_pcall. */
static int cb_docall(lua_State *L) {
	cb_call *c = (cb_call *)lua_touserdata(L, 1);
	cb_ctx *ctx = c->ctx;
	int fn, i, n = 0, t;
	switch (c->kind) {
	case CB_CGLOBAL:
		lua_getglobal(L, ARENA(ctx, c->name));
		break;
	case CB_CFIELD:
		t = lua_getglobal(L, ARENA(ctx, c->table));
		if (t != LUA_TTABLE && t != LUA_TUSERDATA) {
			c->status = CB_NOFUNC;
			return 0;
		}
		lua_getfield(L, -1, ARENA(ctx, c->name));
		break;
	default:
		lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
		if (c->obj == 0 || lua_rawgetp(L, -1, (void *)c->obj) != LUA_TTABLE) {
			c->status = CB_NOFUNC;
			return 0;
		}
		lua_getfield(L, -1, ARENA(ctx, c->name));
	}
	if (!cb_callable(L, -1)) {
		c->status = CB_NOFUNC;
		return 0;
	}
	fn = lua_gettop(L);
	for (i = 0; i < c->nargs; i++) {
		n += c->args[i].tag == CB_TSTACK ? (int)c->args[i].len : 1;
	}
	luaL_checkstack(L, (n > c->nres ? n : c->nres) + 4, "cbind call");
	for (i = 0; i < c->nargs; i++) {
		cb_pushval(L, ctx, &c->args[i]);
	}
	lua_call(L, n, c->nres);
	for (i = 0; i < c->nres; i++) {
		cb_fromlua(L, fn + i, &c->res[i], ctx);
	}
	c->status = CB_OK;
	return 0;
}

/* cb_error stores the error message on top of the stack in the arena. */
static void cb_error(lua_State *L, cb_ctx *ctx, size_t *off, size_t *len) {
	const char *msg = lua_tolstring(L, -1, len);
	if (msg == NULL) {
		msg = "(error object is not a string)";
		*len = strlen(msg);
	}
	*off = cb_arena_put(ctx, msg, *len);
	if (*off == (size_t)-1) {
		*off = 0;
		*len = 0;
	}
}

/* cb_call_lua makes the call c describes on L. The stack is left as it was
 * found. [-0, +0, -] */
void cb_call_lua(lua_State *L, cb_call *c) {
	cb_ctx *ctx = c->ctx;
	int top = lua_gettop(L), extra = 0, i, k, rc;
	for (i = 0; i < c->nargs; i++) {
		if (c->args[i].tag == CB_TSTACK) {
			c->args[i].i = lua_absindex(L, (int)c->args[i].i);
			extra += (int)c->args[i].len;
		}
	}
	if (!lua_checkstack(L, 4 + extra)) {
		c->status = CB_NOSTACK;
		return;
	}
	lua_pushcfunction(L, cb_msgh);
	lua_pushcfunction(L, cb_docall);
	lua_pushlightuserdata(L, c);
	/* Stack values become arguments of cb_docall (its frame cannot see
	 * ours); their indices are rewritten to cb_docall's. */
	for (i = 0, extra = 2; i < c->nargs; i++) {
		if (c->args[i].tag == CB_TSTACK) {
			for (k = 0; k < (int)c->args[i].len; k++) {
				lua_pushvalue(L, (int)c->args[i].i + k);
			}
			c->args[i].i = extra;
			extra += (int)c->args[i].len;
		}
	}
	c->status = CB_ERR;
	rc = lua_pcall(L, extra - 1, 0, top + 1);
	if (rc != LUA_OK) {
		c->status = CB_ERR;
		cb_error(L, ctx, &c->err, &c->errlen);
	}
	lua_settop(L, top);
}

/* cb_dostring loads and runs a chunk under the traceback handler; name is
 * its chunk name (NULL: the code itself). code must stay put during the
 * call (it is C memory). Returns a lua_pcall status; on error the message is
 * in the arena. [-0, +0, -] */
int cb_dostring(lua_State *L, cb_ctx *ctx, const char *code, size_t len, const char *name, size_t *erroff,
                size_t *errlen) {
	int top = lua_gettop(L), rc;
	if (!lua_checkstack(L, 3)) {
		return CB_NOSTACK;
	}
	lua_pushcfunction(L, cb_msgh);
	rc = luaL_loadbuffer(L, code, len, name ? name : code);
	if (rc == LUA_OK) {
		rc = lua_pcall(L, 0, 0, top + 1);
	}
	if (rc != LUA_OK) {
		cb_error(L, ctx, erroff, errlen);
	}
	lua_settop(L, top);
	return rc;
}
