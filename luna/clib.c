// clib.c: what the runtime needs from C itself (see luna.h, clib.go and
// luastack.go).
#include <locale.h>
#include <time.h>
#include "luna.h"

// luna_setup_libc applies the locale of the environment and the time zone,
// as the reference's main did.
void luna_setup_libc(void) {
	setlocale(LC_ALL, "");
	tzset();
}

// luna_puts writes s[0..n) and a newline to f and flushes it; a line for
// stderr first flushes stdout, to keep its place among what scripts printed.
void luna_puts(FILE *f, const char *s, size_t n) {
	if (f != stdout) fflush(stdout);
	if (n > 0) fwrite(s, 1, n, f);
	fputc('\n', f);
	fflush(f);
}

static int luna_gc_step_k(lua_State *L) {
	lua_gc(L, LUA_GCSTEP, (int)lua_tointeger(L, 1));
	return 0;
}

// luna_gc_step runs lua_gc(LUA_GCSTEP, kb) protected: a finalizer it runs
// may raise. Returns 1 with the message pushed when one did. [-0, +(0|1), -]
int luna_gc_step(lua_State *L, int kb) {
	if (!lua_checkstack(L, 2)) return 0;
	lua_pushcfunction(L, luna_gc_step_k);
	lua_pushinteger(L, kb);
	return lua_pcall(L, 1, 0, 0) != LUA_OK;
}
