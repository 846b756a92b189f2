/*
 * luna.h: the C half of package luna, the runtime's Lua face. Each .c file
 * sits beside the Go file that owns it:
 *   dispatch.c  the loop that runs on_call for a run of received frames
 *   outbox.c    the outbox stream.call encodes into without entering Go
 *   clib.c      process set-up, stdio lines, a protected GC step
 * Compiled with -Wall -Wextra -Werror (see cgo.go).
 */
#ifndef LUNA_H
#define LUNA_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <lua.h>

/* dispatch.c */

enum {
	BATCH_NEED_MORE = 0, // the next frame is incomplete (or there is none)
	BATCH_OTHER = 1,     // the next frame is not a plain remote_call: Go handles it
	BATCH_MALFORMED = 2, // the last frame consumed had a malformed archive
	BATCH_DEAD = 3,      // a callback closed the stream
	BATCH_ERROR = 4,     // a callback raised: its message is on the stack
	BATCH_NO_TABLE = 5,  // the stream's table could not be pushed (out->reason: the status)
};

typedef struct {
	size_t consumed; // bytes of whole frames handled
	int frames;      // remote_call frames handled
	int reason;      // with BATCH_MALFORMED: the AR_M_* reason
	int raised;      // a callback raised: the message (with its traceback) is on the stack
	int on_recv;     // the callback run last was on_recv (the stream has no on_call)
	size_t arc, arclen; // the archive of the last frame dispatched: buf[arc..arc+arclen)
	int top;            // the stack top at entry, to restore after reading a message left on it
} luna_batch;

// luna_dispatch_calls: see dispatch.c. [-0, +(0|1), -]
int luna_dispatch_calls(lua_State *L, void *ctx, uintptr_t h, int meta, const unsigned char *buf, size_t n,
                        size_t max_payload, volatile int *dead, luna_batch *out);

/* outbox.c */

// The outbox of a socket manager: stream.call encodes straight into it in C,
// with no crossing into Go, and Go moves its frames into the streams' send
// buffers at batch boundaries (drain). Records: u32 slot, u32 frame length,
// frame (uvarint(1+n) ‖ 00 ‖ archive). It lives in a Lua full userdata kept
// by the manager's table and by every call closure, so a cached
// `local f = stream.call` never outlives it.
typedef struct {
	unsigned char *buf;
	size_t len, cap;
	unsigned char *scratch; // archive of the call being encoded
	size_t pkg;             // package size: the largest archive
	unsigned char *dead;    // dead[slot] != 0: that stream is closed
	size_t ndead;
	uintptr_t owner;        // cgo handle of the Go manager, for the drain
	int closed;             // the manager was released
} luna_outbox;

void luna_set_reason(int i, const char *text);
luna_outbox *luna_outbox_new(lua_State *L, int idx, uintptr_t owner);
int luna_install_call(lua_State *L, int midx, int sidx, lua_Integer slot);
int luna_outbox_size(luna_outbox *o, size_t pkg);
int luna_outbox_slots(luna_outbox *o, size_t n);

/* clib.c */

void luna_setup_libc(void);
void luna_puts(FILE *f, const char *s, size_t n);
int luna_gc_step(lua_State *L, int kb);

/* lprof.c */

#define LUNA_PROF_DEPTH 48

// One frame of a profile sample: the source (short_src), the function's
// name (NULL when Lua has none), its kind ("Lua", "C", "main"), the line
// running and the line the function starts at.
typedef struct {
	char src[LUA_IDSIZE];
	const char *name;
	const char *what;
	int line, defined;
} luna_frame;

void luna_prof_arm(lua_State *L, long long late_ns);
void luna_prof_disarm(lua_State *L);
int luna_prof_anchor(lua_State *main, lua_State *co);
void luna_prof_unanchor(lua_State *main, int ref);

#endif
