/*
 * class.c: class metatables.
 *
 * One metatable per class and state. Its __index serves bound methods
 * (created on first lookup and cached on the table with rawset, so later
 * lookups are plain table hits and a script's assignment overrides them),
 * members (a method run on first lookup, whose result is cached the same way)
 * and fields (one Go call per access); its __newindex writes writable
 * fields, ignores read-only ones and rawsets anything else; its __gc
 * releases the object (object.c).
 */
#include "cbind.h"
#include "_cgo_export.h"

typedef struct {
	cb_ctx *ctx;
	cb_sig **out;
	const char *name;
	int ref, desc;
	int *refs;
} cb_classargs;

/* cb_field_call runs a field access on the object at index 1. */
static void cb_field_call(lua_State *L, cb_frame *f, cb_ctx *ctx, int desc, int op) {
	f->L = L;
	f->sig = NULL;
	f->ctx = ctx;
	f->self = cb_handle_at(L, 1);
	f->field = CB_FIELD_ID(desc);
	f->op = op;
	f->nres = 0;
	f->status = CB_OK;
	cbindField(f);
}

/* __index(t, k); upvalues: methods, fields, ctx. */
static int cb_obj_index(lua_State *L) {
	cb_ctx *ctx = (cb_ctx *)lua_touserdata(L, lua_upvalueindex(3));
	cb_frame f;
	size_t mark;
	int desc;
	lua_settop(L, 2);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TUSERDATA) {
		int member = ((cb_sig *)lua_touserdata(L, -1))->flags & CB_FMEMBER;
		lua_pushvalue(L, 1);
		lua_pushlightuserdata(L, (void *)cb_handle_at(L, 1));
		lua_pushcclosure(L, cb_trampoline, 3);
		if (member) {
			lua_call(L, 0, 1); /* the member's value replaces the method */
			if (lua_isnil(L, -1)) {
				return 1;
			}
		}
		lua_pushvalue(L, 2);
		lua_pushvalue(L, -2);
		lua_rawset(L, 1);
		return 1;
	}
	lua_pop(L, 1);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNUMBER) {
		return 0;
	}
	desc = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	mark = ctx->arena.top;
	cb_field_call(L, &f, ctx, desc, CB_FGET);
	return cb_finish(L, &f, mark, 0);
}

/* __newindex(t, k, v); upvalues: methods, fields, ctx. */
static int cb_obj_newindex(lua_State *L) {
	cb_ctx *ctx = (cb_ctx *)lua_touserdata(L, lua_upvalueindex(3));
	cb_frame f;
	size_t mark;
	int desc;
	lua_settop(L, 3);
	lua_pushvalue(L, 2);
	if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNUMBER) {
		lua_pop(L, 1);
		lua_rawset(L, 1);
		return 0;
	}
	desc = (int)lua_tointeger(L, -1);
	lua_pop(L, 1);
	if (desc & CB_FIELD_RO) {
		return 0;
	}
	mark = ctx->arena.top;
	cb_toarg(L, 3, CB_FIELD_KIND(desc), &f.args[0]);
	cb_field_call(L, &f, ctx, desc, CB_FSET);
	return cb_finish(L, &f, mark, 0);
}

static int cb_class_new_p(lua_State *L) {
	cb_classargs *a = (cb_classargs *)lua_touserdata(L, 1);
	int *refs = a->refs;
	lua_newtable(L); /* methods */
	lua_newtable(L); /* fields */
	lua_newtable(L); /* metatable */
	lua_pushvalue(L, -3);
	lua_pushvalue(L, -3);
	lua_pushlightuserdata(L, a->ctx);
	lua_pushcclosure(L, cb_obj_index, 3);
	lua_setfield(L, -2, "__index");
	lua_pushvalue(L, -3);
	lua_pushvalue(L, -3);
	lua_pushlightuserdata(L, a->ctx);
	lua_pushcclosure(L, cb_obj_newindex, 3);
	lua_setfield(L, -2, "__newindex");
	lua_pushlightuserdata(L, a->ctx);
	lua_pushcclosure(L, cb_obj_gc, 1);
	lua_setfield(L, -2, "__gc");
	lua_pushstring(L, a->name);
	lua_setfield(L, -2, "__name");
	lua_rawgeti(L, LUA_REGISTRYINDEX, a->ctx->classes);
	lua_pushvalue(L, -2);
	lua_setfield(L, -2, a->name);
	lua_pop(L, 1);
	refs[0] = luaL_ref(L, LUA_REGISTRYINDEX); /* metatable */
	refs[2] = luaL_ref(L, LUA_REGISTRYINDEX); /* fields */
	refs[1] = luaL_ref(L, LUA_REGISTRYINDEX); /* methods */
	return 0;
}

/* cb_class_new creates a class metatable; refs receives the registry refs
 * of the metatable, the methods table and the fields table. [-0, +0, -] */
int cb_class_new(lua_State *L, cb_ctx *ctx, const char *name, int refs[3]) {
	cb_classargs a;
	a.ctx = ctx;
	a.name = name;
	a.refs = refs;
	return cb_protect(L, cb_class_new_p, &a, 0);
}

static int cb_class_method_p(lua_State *L) {
	cb_classargs *a = (cb_classargs *)lua_touserdata(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
	*a->out = cb_newsig(L, a->ctx);
	lua_setfield(L, -2, a->name);
	return 0;
}

/* cb_class_method adds a method signature, filled in by Go through *out.
 * [-0, +0, -] */
int cb_class_method(lua_State *L, cb_ctx *ctx, int methods, const char *name, cb_sig **out) {
	cb_classargs a;
	a.ctx = ctx;
	a.ref = methods;
	a.name = name;
	a.out = out;
	return cb_protect(L, cb_class_method_p, &a, 0);
}

static int cb_class_field_p(lua_State *L) {
	cb_classargs *a = (cb_classargs *)lua_touserdata(L, 1);
	lua_rawgeti(L, LUA_REGISTRYINDEX, a->ref);
	lua_pushinteger(L, a->desc);
	lua_setfield(L, -2, a->name);
	return 0;
}

/* cb_class_field adds a field descriptor. [-0, +0, -] */
int cb_class_field(lua_State *L, int fields, const char *name, int desc) {
	cb_classargs a;
	a.ref = fields;
	a.name = name;
	a.desc = desc;
	return cb_protect(L, cb_class_field_p, &a, 0);
}
