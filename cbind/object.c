/*
 * object.c: shadow objects.
 *
 * A shadow object is a table { __pointer__ = lightuserdata(handle) } whose
 * metatable is its class's. registry[ctx->objects] maps handle -> table with
 * weak values, so the same Go object yields the same table while the table
 * lives. When a table is collected while Go pushes its object again (the
 * weak entry is cleared before the finalizer runs), a second table is made
 * for the same handle and takes the entry; the first one's __gc then sees
 * another table there and leaves the handle to it. So a handle is released
 * by the __gc of a table that finds no other table in the entry, with no
 * per-object count to keep.
 */
#include "cbind.h"
#include "_cgo_export.h"

#define CB_POINTER "__pointer__"

/* cb_handle_at returns the handle of the shadow table at idx, or 0.
 * [-0, +0, -] */
uintptr_t cb_handle_at(lua_State *L, int idx) {
	uintptr_t h = 0;
	if (lua_type(L, idx) != LUA_TTABLE) {
		return 0;
	}
	idx = lua_absindex(L, idx);
	lua_pushliteral(L, CB_POINTER);
	if (lua_rawget(L, idx) == LUA_TLIGHTUSERDATA) {
		h = (uintptr_t)lua_touserdata(L, -1);
	}
	lua_pop(L, 1);
	return h;
}

/* cb_newobject creates the shadow table of h with metatable meta (at index
 * meta) and records it. [-0, +1, m] */
static void cb_newobject(lua_State *L, cb_ctx *ctx, void *h, int meta) {
	meta = lua_absindex(L, meta);
	lua_createtable(L, 0, 4);
	lua_pushliteral(L, CB_POINTER);
	lua_pushlightuserdata(L, h);
	lua_rawset(L, -3);
	lua_pushvalue(L, meta);
	lua_setmetatable(L, -2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
	lua_pushvalue(L, -2);
	lua_rawsetp(L, -2, h);
	lua_pop(L, 1);
}

/* cb_pushobj pushes the shadow table of handle h, creating it with the
 * metatable at registry[meta] when it does not exist. [-0, +1, m] */
static void cb_pushobj(lua_State *L, cb_ctx *ctx, uintptr_t h, int meta) {
	if (h == 0) {
		lua_pushnil(L);
		return;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
	if (lua_rawgetp(L, -1, (void *)h) == LUA_TTABLE) {
		lua_remove(L, -2);
		return;
	}
	lua_pop(L, 2);
	lua_rawgeti(L, LUA_REGISTRYINDEX, meta);
	cb_newobject(L, ctx, (void *)h, -1);
	lua_remove(L, -2);
}

/* cb_pushval pushes a value Go described. [-0, +(1|len), m] */
void cb_pushval(lua_State *L, cb_ctx *ctx, const cb_val *v) {
	size_t k;
	switch (v->tag) {
	case CB_TBOOL:
		lua_pushboolean(L, (int)v->i);
		break;
	case CB_TINT:
		lua_pushinteger(L, (lua_Integer)v->i);
		break;
	case CB_TNUM:
		lua_pushnumber(L, (lua_Number)v->n);
		break;
	case CB_TSTR:
		lua_pushlstring(L, ctx->arena.base + v->i, v->len);
		break;
	case CB_TOBJ:
		cb_pushobj(L, ctx, (uintptr_t)v->i, v->aux);
		break;
	case CB_TSTACK:
		for (k = 0; k < v->len; k++) {
			lua_pushvalue(L, (int)v->i + (int)k);
		}
		break;
	default:
		lua_pushnil(L);
	}
}

typedef struct {
	cb_ctx *ctx;
	uintptr_t h;
	int meta;
	const cb_val *v;
} cb_pushargs;

static int cb_push_object_p(lua_State *L) {
	cb_pushargs *a = (cb_pushargs *)lua_touserdata(L, 1);
	cb_pushobj(L, a->ctx, a->h, a->meta);
	return 1;
}

/* cb_push_object pushes the shadow table of h; only creating it needs a
 * protected call. Returns a lua_pcall status. [-0, +1, -] */
int cb_push_object(lua_State *L, cb_ctx *ctx, uintptr_t h, int meta) {
	cb_pushargs a;
	if (!lua_checkstack(L, 3)) {
		return CB_NOSTACK;
	}
	if (h != 0) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
		if (lua_rawgetp(L, -1, (void *)h) == LUA_TTABLE) {
			lua_remove(L, -2);
			return LUA_OK;
		}
		lua_pop(L, 2);
	}
	a.ctx = ctx;
	a.h = h;
	a.meta = meta;
	return cb_protect(L, cb_push_object_p, &a, 1);
}

static int cb_push_tmp_p(lua_State *L) {
	cb_pushargs *a = (cb_pushargs *)lua_touserdata(L, 1);
	cb_pushval(L, a->ctx, a->v);
	return 1;
}

/* cb_push_tmp pushes ctx->tmp. [-0, +1, -] */
int cb_push_tmp(lua_State *L, cb_ctx *ctx) {
	cb_pushargs a;
	a.ctx = ctx;
	a.v = &ctx->tmp;
	return cb_protect(L, cb_push_tmp_p, &a, 1);
}

/* export(ptr, meta) -> shadow table: the object factory scripts know as
 * export / luna_export. meta is a metatable or a class name. */
static int cb_export(lua_State *L) {
	cb_ctx *ctx = (cb_ctx *)lua_touserdata(L, lua_upvalueindex(1));
	void *h;
	luaL_checktype(L, 1, LUA_TLIGHTUSERDATA);
	h = lua_touserdata(L, 1);
	if (lua_type(L, 2) == LUA_TSTRING) {
		lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->classes);
		lua_pushvalue(L, 2);
		if (lua_rawget(L, -2) != LUA_TTABLE) {
			return luaL_error(L, "export: unknown class '%s'", lua_tostring(L, 2));
		}
		lua_replace(L, 2);
		lua_pop(L, 1);
	}
	luaL_checktype(L, 2, LUA_TTABLE);
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
	if (lua_rawgetp(L, -1, h) == LUA_TTABLE) {
		return 1;
	}
	lua_pop(L, 2);
	cb_newobject(L, ctx, h, 2);
	return 1;
}

static int cb_push_export_p(lua_State *L) {
	cb_pushargs *a = (cb_pushargs *)lua_touserdata(L, 1);
	lua_pushlightuserdata(L, a->ctx);
	lua_pushcclosure(L, cb_export, 1);
	return 1;
}

/* cb_push_export pushes the export function. [-0, +1, -] */
int cb_push_export(lua_State *L, cb_ctx *ctx) {
	cb_pushargs a;
	a.ctx = ctx;
	return cb_protect(L, cb_push_export_p, &a, 1);
}

/* cb_obj_gc is the __gc of every class metatable (upvalue 1: ctx). The
 * handle is released unless another table of it holds the objects entry
 * (see the top of this file); at lua_close the entry may still be this
 * table, which releases too. */
int cb_obj_gc(lua_State *L) {
	cb_ctx *ctx = (cb_ctx *)lua_touserdata(L, lua_upvalueindex(1));
	void *h = (void *)cb_handle_at(L, 1);
	int other;
	if (h == NULL) {
		return 0;
	}
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->objects);
	other = lua_rawgetp(L, -1, h) == LUA_TTABLE && !lua_rawequal(L, -1, 1);
	lua_pop(L, 2);
	if (!other) {
		cbindRelease(ctx, (uintptr_t)h);
	}
	return 0;
}
