// dispatch.c: the batch loop that runs on_call for runs of received
// remote_call frames (see luna_dispatch_calls in luna.h and dispatch.go).
#include "archive.h"
#include "cbind.h"
#include "luna.h"

// The state of one batch: one protected run of luna_batch_k over it.
typedef struct {
	const unsigned char *buf;
	size_t n, pos, max_payload;
	volatile int *dead;
	int status;
	luna_batch *out;
} luna_batch_run;

// luna_batch_k(run, stream) runs the frames from run->pos on, calling the
// callbacks of the stream table (argument 2): [-0, +0, e]. It advances
// pos past a frame before calling its callback, so after an error raised
// by a callback the consumed count already includes that frame and Go's
// next call goes on with the frame after it.
static int luna_batch_k(lua_State *L) {
	luna_batch_run *run = (luna_batch_run *)lua_touserdata(L, 1);
	const unsigned char *buf = run->buf;
	size_t n = run->n;
	while (run->pos < n) {
		// the length, as luna/wire parses it; an incomplete header, or one
		// that is not a varint, is left to Go's parser, which can tell a
		// length that can never fit before the rest arrives
		uint64_t len;
		size_t h, pos = run->pos;
		if (luna_ar_get_uvarint(buf + pos, n - pos, &len, &h) != 0 || len == 0 || len > run->max_payload) {
			run->status = BATCH_OTHER;
			return 0;
		}
		if (n - pos - h < len) { run->status = BATCH_NEED_MORE; return 0; }
		const unsigned char *payload = buf + pos + h;
		// msg id 0 (remote_call), also in its non-canonical forms 80.. 00
		size_t k = 0;
		while (k < len && k < 9 && payload[k] == 0x80) k++;
		if (k >= len || payload[k] != 0) { run->status = BATCH_OTHER; return 0; }
		run->pos = pos + h + (size_t)len;
		run->out->frames++;
		run->out->arc = pos + h + k + 1;
		run->out->arclen = (size_t)len - k - 1;
		int t = lua_getfield(L, 2, "on_call");
		run->out->on_recv = t != LUA_TFUNCTION;
		if (run->out->on_recv) {
			lua_pop(L, 1);
			t = lua_getfield(L, 2, "on_recv");
		}
		if (t == LUA_TFUNCTION) {
			int64_t r = luna_ar_push(L, payload + k + 1, (size_t)len - k - 1);
			if (r < 0) {
				lua_pop(L, 1);
				run->out->reason = (int)-r;
				run->status = BATCH_MALFORMED;
				return 0;
			}
			lua_call(L, (int)r, 0);
		} else {
			lua_pop(L, 1);
		}
		if (*run->dead) { run->status = BATCH_DEAD; return 0; }
	}
	run->status = BATCH_NEED_MORE;
	return 0;
}

// luna_dispatch_calls runs on_call (or on_recv) of the stream whose shadow
// table cb_push_object(L, ctx, h, meta) pushes for every complete
// remote_call frame at the start of buf[0..n), in one crossing from Go and
// under one lua_pcall for the whole run of frames: every remote_call is
// dispatched here. It leaves the stack as it found it, but for the message
// of a callback that raised (or of a failed push of the table:
// BATCH_NO_TABLE, with the status in out->reason), which Go reads and then
// drops with lua_settop(L, out->top). It stops
// before a frame that is incomplete, that is not a remote_call, or whose
// length is not valid for the receive cache (Go parses those and kills the
// stream or forwards the frame); after a frame with a malformed archive (Go
// counts and logs it); after a frame whose callback raised (the message,
// with its traceback, is left on the stack for Go to report: out->raised);
// and when *dead becomes non-zero (a callback closed the stream).
// [-0, +(0|1), -]
int luna_dispatch_calls(lua_State *L, void *ctx, uintptr_t h, int meta, const unsigned char *buf, size_t n,
                        size_t max_payload, volatile int *dead, luna_batch *out) {
	luna_batch_run run = {buf, n, 0, max_payload, dead, BATCH_NEED_MORE, out};
	out->top = lua_gettop(L);
	out->frames = 0;
	out->reason = 0;
	out->raised = 0;
	out->consumed = 0;
	int rc = cb_push_object(L, (cb_ctx *)ctx, h, meta);
	if (rc != LUA_OK) {
		out->reason = rc;
		return BATCH_NO_TABLE;
	}
	lua_pushcfunction(L, cb_msgh);
	int mh = lua_gettop(L);
	lua_pushcfunction(L, luna_batch_k);
	lua_pushlightuserdata(L, &run);
	lua_pushvalue(L, mh - 1);
	if (lua_pcall(L, 2, 0, mh) == LUA_OK) {
		lua_settop(L, out->top);
	} else {
		lua_replace(L, out->top + 1); // the message, over the table
		lua_settop(L, out->top + 1);
		out->raised = 1;
		run.status = *dead ? BATCH_DEAD : BATCH_ERROR;
	}
	out->consumed = run.pos;
	return run.status;
}
