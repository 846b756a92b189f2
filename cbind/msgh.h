/*
 * msgh.h: cbind's message handler, the one every protected call of the
 * process uses (cbind's calls from Go, luna's dispatch loop), so that every
 * Lua error is reported in one format: the message and luaL_traceback, as
 * lua.c's msghandler makes it; an error object with __tostring gives that
 * string alone, any other non-string "(error object is a T value)".
 * A lua_CFunction. [-1, +1, m]
 */
#ifndef CBIND_MSGH_H
#define CBIND_MSGH_H

#include <lua.h>

int cb_msgh(lua_State *L);

#endif
