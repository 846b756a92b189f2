// lprof.c: the Lua profiler's hook (lprof.go). Nothing is hooked between
// samples: once per period another thread arms a count hook of one
// instruction (lua_sethook may be called asynchronously, the manual says),
// and the hook, at the next Lua instruction, takes the sample and disarms
// itself. A hook that fires well after it was armed found the thread out
// of Lua at the tick (waiting, or in C) and takes no sample.
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#ifdef _WIN32
#include <windows.h>
#endif
#include <lauxlib.h>
#include "luna.h"
#include "_cgo_export.h"

static _Atomic long long prof_armed_ns;
static long long prof_late_ns;

static long long now_ns(void) {
#ifdef _WIN32 // mingw's clock_gettime needs winpthreads; the counter is the same clock
	static LARGE_INTEGER freq;
	LARGE_INTEGER t;
	if (!freq.QuadPart) QueryPerformanceFrequency(&freq);
	QueryPerformanceCounter(&t);
	return (long long)(t.QuadPart / freq.QuadPart) * 1000000000LL +
	       (long long)(t.QuadPart % freq.QuadPart) * 1000000000LL / freq.QuadPart;
#else
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
#endif
}

static void luna_prof_hook(lua_State *L, lua_Debug *ar) {
	(void)ar;
	lua_sethook(L, NULL, 0, 0);
	if (now_ns() - atomic_load(&prof_armed_ns) > prof_late_ns) return;
	luna_frame frames[LUNA_PROF_DEPTH];
	lua_Debug d;
	int n = 0;
	for (int level = 0; n < LUNA_PROF_DEPTH && lua_getstack(L, level, &d); level++) {
		if (!lua_getinfo(L, "Sln", &d)) break;
		luna_frame *f = &frames[n++];
		memcpy(f->src, d.short_src, sizeof f->src);
		f->name = d.name; // interned in the state: stable while the hook runs
		f->what = d.what;
		f->line = d.currentline;
		f->defined = d.linedefined;
	}
	lunaProfSample(frames, n);
}

// luna_prof_arm makes thread L take a sample at its next Lua instruction,
// unless that comes more than late_ns from now. Any thread may call it.
void luna_prof_arm(lua_State *L, long long late_ns) {
	prof_late_ns = late_ns;
	atomic_store(&prof_armed_ns, now_ns());
	lua_sethook(L, luna_prof_hook, LUA_MASKCOUNT, 1);
}

// luna_prof_disarm takes an armed hook off thread L.
void luna_prof_disarm(lua_State *L) { lua_sethook(L, NULL, 0, 0); }

// luna_prof_anchor keeps thread co from being collected while it is being
// sampled (a ref in main's registry; LUA_NOREF when co is main itself).
int luna_prof_anchor(lua_State *main, lua_State *co) {
	if (co == main || !lua_checkstack(co, 1)) return LUA_NOREF;
	lua_pushthread(co);
	lua_xmove(co, main, 1);
	return luaL_ref(main, LUA_REGISTRYINDEX);
}

void luna_prof_unanchor(lua_State *main, int ref) { luaL_unref(main, LUA_REGISTRYINDEX, ref); }
