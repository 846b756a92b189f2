/* winmod.c: a Lua C module for the Windows port's test (tests/wine), built
 * by the test with mingw into winmod.dll against lua53.dll. */
#include <lua.h>
#include <lauxlib.h>

static int add(lua_State *L) {
	lua_pushinteger(L, luaL_checkinteger(L, 1) + luaL_checkinteger(L, 2));
	return 1;
}

__declspec(dllexport) int luaopen_winmod(lua_State *L) {
	lua_newtable(L);
	lua_pushcfunction(L, add);
	lua_setfield(L, -2, "add");
	return 1;
}
