package luna

/*
#include "luna.h"
*/
import "C"

import "unsafe"

// luaRelease is the release of the Lua headers luna was built with.
const luaRelease = C.LUA_RELEASE

// setupLibc applies the process set-up the reference did in C: the locale
// from the environment and the time zone.
func setupLibc() { C.luna_setup_libc() }

// flushStdio flushes every C stdio stream. Lua's print and io.write go
// through C stdio, so every exit path calls this before the process ends.
func flushStdio() { C.fflush(nil) }

// logLine writes one line to stdout through C stdio, so that it keeps its
// place among the lines Lua scripts print.
func logLine(s string) { putLine(C.stdout, s) }

// errorLine writes one line (or several) to stderr, after what scripts
// printed so far.
func errorLine(s string) { putLine(C.stderr, s) }

func putLine(f *C.FILE, s string) {
	C.luna_puts(f, (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s)))
}
