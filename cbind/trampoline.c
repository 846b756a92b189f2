/*
 * trampoline.c: how Lua enters Go.
 *
 * Every exported Go function is a C closure over cb_trampoline whose first
 * upvalue is its signature (cb_sig, a full userdata). The trampoline converts
 * the arguments in C by the signature's kinds, calls Go once (cbindCall) with
 * a pointer to a cb_frame on its own stack, then pushes the results Go wrote
 * into that frame. Go recovers its own panics and reports them as
 * status CB_ERR; only then, with no Go frame left, does the trampoline raise.
 */
#include <string.h>
#include "cbind.h"
#include "_cgo_export.h"

/* cb_toarg converts the value at idx by kind; CB_TANY sets v->tag to the
 * kind found. Strings point into the stack. [-0, +0, m] */
void cb_toarg(lua_State *L, int idx, int kind, cb_val *v) {
	switch (kind) {
	case CB_TINT:
		v->i = (long long)lua_tointegerx(L, idx, NULL);
		break;
	case CB_TNUM:
		v->n = (double)lua_tonumberx(L, idx, NULL);
		break;
	case CB_TBOOL:
		v->i = lua_toboolean(L, idx);
		break;
	case CB_TSTR:
		v->p = lua_tolstring(L, idx, &v->len);
		if (v->p == NULL) {
			v->len = 0;
		}
		break;
	case CB_TOBJ:
		v->i = (long long)cb_handle_at(L, idx);
		break;
	case CB_TANY:
		switch (lua_type(L, idx)) {
		case LUA_TBOOLEAN:
			v->tag = CB_TBOOL;
			v->i = lua_toboolean(L, idx);
			break;
		case LUA_TNUMBER:
			if (lua_isinteger(L, idx)) {
				v->tag = CB_TINT;
				v->i = (long long)lua_tointeger(L, idx);
			} else {
				v->tag = CB_TNUM;
				v->n = (double)lua_tonumber(L, idx);
			}
			break;
		case LUA_TSTRING:
			v->tag = CB_TSTR;
			v->p = lua_tolstring(L, idx, &v->len);
			break;
		case LUA_TTABLE:
			v->i = (long long)cb_handle_at(L, idx);
			v->tag = v->i ? CB_TOBJ : CB_TNIL;
			break;
		default:
			v->tag = CB_TNIL;
		}
		break;
	}
}

/* cb_finish turns what Go left in the frame into the C function's return:
 * pushes the results, or raises the error message. */
int cb_finish(lua_State *L, cb_frame *f, size_t mark, int raw) {
	cb_ctx *ctx = f->ctx;
	int i;
	if (f->status == CB_CLOSED) {
		ctx->arena.top = mark;
		return luaL_error(L, "cbind: the Go state was closed");
	}
	if (f->status != CB_OK) {
		cb_pushval(L, ctx, &f->res[0]);
		ctx->arena.top = mark;
		return lua_error(L);
	}
	if (raw) {
		if (f->nres < 0 || f->nres > lua_gettop(L)) {
			return luaL_error(L, "cbind: raw function returned %d values, %d on the stack", f->nres, lua_gettop(L));
		}
		return f->nres;
	}
	if (f->nres > 12) {
		luaL_checkstack(L, f->nres + 4, "cbind results");
	}
	for (i = 0; i < f->nres; i++) {
		cb_pushval(L, ctx, &f->res[i]);
	}
	ctx->arena.top = mark;
	return f->nres;
}

int cb_trampoline(lua_State *L) {
	const cb_sig *sig = (const cb_sig *)lua_touserdata(L, lua_upvalueindex(1));
	cb_ctx *ctx = sig->ctx;
	size_t mark = ctx->arena.top;
	cb_frame f;
	int i, raw = sig->flags & CB_FRAW;
	f.L = L;
	f.sig = sig;
	f.ctx = ctx;
	f.self = 0;
	f.nres = 0;
	f.status = CB_OK;
	if (sig->flags & CB_FMETHOD) {
		f.self = (uintptr_t)lua_touserdata(L, lua_upvalueindex(3));
		/* obj:m(...) passes the table itself first: drop it, so that
		 * obj.m(...) and obj:m(...) are the same call. */
		if (lua_rawequal(L, 1, lua_upvalueindex(2))) {
			lua_remove(L, 1);
		}
	}
	if (!raw) {
		for (i = 0; i < sig->nargs; i++) {
			cb_toarg(L, i + 1, sig->kinds[i], &f.args[i]);
		}
	}
	cbindCall(&f);
	return cb_finish(L, &f, mark, raw);
}

typedef struct {
	cb_ctx *ctx;
	cb_sig **out;
	const char *name;
} cb_opargs;

/* cb_newsig pushes a zeroed signature userdata. [-0, +1, m] */
cb_sig *cb_newsig(lua_State *L, cb_ctx *ctx) {
	cb_sig *sig = (cb_sig *)lua_newuserdata(L, sizeof(cb_sig));
	memset(sig, 0, sizeof(*sig));
	sig->ctx = ctx;
	lua_rawgeti(L, LUA_REGISTRYINDEX, ctx->sigmeta);
	lua_setmetatable(L, -2);
	return sig;
}

static int cb_push_function_p(lua_State *L) {
	cb_opargs *a = (cb_opargs *)lua_touserdata(L, 1);
	*a->out = cb_newsig(L, a->ctx);
	lua_pushcclosure(L, cb_trampoline, 1);
	return 1;
}

/* cb_push_function pushes a trampoline over a new, zeroed signature that Go
 * fills in through *out before anything can call it. [-0, +1, -] */
int cb_push_function(lua_State *L, cb_ctx *ctx, cb_sig **out) {
	cb_opargs a;
	a.ctx = ctx;
	a.out = out;
	return cb_protect(L, cb_push_function_p, &a, 1);
}

static int cb_set_global_p(lua_State *L) {
	cb_opargs *a = (cb_opargs *)lua_touserdata(L, 2);
	lua_pushvalue(L, 1);
	lua_setglobal(L, a->name);
	return 0;
}

/* cb_set_global pops a value and stores it as a global (which may run a
 * __newindex of _G, hence the protected call). [-1, +0, -] */
int cb_set_global(lua_State *L, const char *name) {
	cb_opargs a;
	a.name = name;
	if (!lua_checkstack(L, 2)) {
		return CB_NOSTACK;
	}
	lua_pushcfunction(L, cb_set_global_p);
	lua_insert(L, -2);
	lua_pushlightuserdata(L, &a);
	return lua_pcall(L, 2, 0, 0);
}
