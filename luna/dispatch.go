package luna

/*
#cgo pkg-config: lua5.3
#cgo CFLAGS: -I${SRCDIR}/../cbind/archive
#include <stdio.h>
#include <string.h>
#include "archive.h"

enum {
	BATCH_NEED_MORE = 0, // the next frame is incomplete (or there is none)
	BATCH_OTHER = 1,     // the next frame is not a plain remote_call: Go handles it
	BATCH_MALFORMED = 2, // the last frame consumed had a malformed archive
	BATCH_DEAD = 3,      // a callback closed the stream
};

typedef struct {
	size_t consumed; // bytes of whole frames handled
	int frames;      // remote_call frames handled
	int reason;      // with BATCH_MALFORMED: the AR_M_* reason
} luna_batch;

static void luna_print_error(lua_State *L) {
	size_t n = 0;
	const char *msg = lua_tolstring(L, -1, &n);
	if (msg) {
		fwrite(msg, 1, n, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	lua_pop(L, 1);
}

// luna_dispatch_calls runs on_call (or on_recv) of the stream whose shadow
// table is at stack index tbl for every complete remote_call frame at the
// start of buf[0..n), in one crossing from Go. It stops before a frame that
// is incomplete, that is not a remote_call, or whose length header is
// anything but a short valid varint (Go parses those); after a frame with a
// malformed archive (Go counts and logs it); and when *dead becomes
// non-zero (a callback closed the stream). A Lua error raised by a callback
// is printed with its traceback and the next frame goes on.
static int luna_dispatch_calls(lua_State *L, int tbl, const unsigned char *buf, size_t n,
                               size_t max_payload, volatile int *dead, luna_batch *out) {
	size_t pos = 0;
	int status = BATCH_NEED_MORE;
	out->frames = 0;
	out->reason = 0;
	tbl = lua_absindex(L, tbl);
	while (pos < n) {
		// uvarint length of at most 3 bytes (payloads < 2 MiB); longer: Go's parser
		uint64_t len = 0;
		size_t h = 0;
		int shift = 0;
		for (;;) {
			if (pos + h >= n) goto done;
			unsigned char c = buf[pos + h++];
			len |= (uint64_t)(c & 0x7f) << shift;
			if (!(c & 0x80)) break;
			shift += 7;
			if (h == 3) { status = BATCH_OTHER; goto done; }
		}
		if (len == 0 || len > max_payload) { status = BATCH_OTHER; goto done; }
		if (n - pos - h < len) goto done;
		const unsigned char *payload = buf + pos + h;
		if (payload[0] != 0) { status = BATCH_OTHER; goto done; }
		pos += h + (size_t)len;
		out->frames++;
		int t = lua_getfield(L, tbl, "on_call");
		if (t != LUA_TFUNCTION) {
			lua_pop(L, 1);
			t = lua_getfield(L, tbl, "on_recv");
		}
		if (t == LUA_TFUNCTION) {
			int64_t r = luna_ar_dispatch(L, -1, payload + 1, (size_t)len - 1);
			lua_pop(L, 1);
			if (r == AR_CALL_ERROR || r == AR_LUA_ERROR) {
				luna_print_error(L);
			} else if (r < 0) {
				out->reason = (int)-r;
				status = BATCH_MALFORMED;
				goto done;
			}
		} else {
			lua_pop(L, 1);
		}
		if (*dead) { status = BATCH_DEAD; goto done; }
	}
done:
	out->consumed = pos;
	return status;
}
*/
import "C"

import (
	"time"
	"unsafe"

	"github.com/luna-go/luna/luna/wire"
)

// batchResult is what luna_dispatch_calls reports; the manager keeps one,
// so that handing its address to C allocates nothing.
type batchResult = C.luna_batch

// How receiveCalls stopped.
const (
	batchNeedMore  = C.BATCH_NEED_MORE
	batchOther     = C.BATCH_OTHER
	batchMalformed = C.BATCH_MALFORMED
)

// receiveCalls hands every complete remote_call frame at the start of buf
// to the stream's callback in one crossing into C, and returns how many
// bytes it consumed and why it stopped.
func (s *socketStream) receiveCalls(buf []byte) (consumed int, status C.int, reason int) {
	rt := s.mgr.rt
	L := rt.L
	top := L.GetTop()
	rt.classes.stream.Push(s)
	out := &s.mgr.batch
	status = C.luna_dispatch_calls(
		(*C.lua_State)(unsafe.Pointer(L.GetState())), -1,
		(*C.uchar)(unsafe.Pointer(unsafe.SliceData(buf))), C.size_t(len(buf)),
		C.size_t(wire.MaxPayload(s.recvCache)), (*C.int)(unsafe.Pointer(&s.deadFlag)), out)
	L.SetTop(top)
	if out.frames > 0 {
		s.lastRecv = time.Now()
	}
	return int(out.consumed), status, int(out.reason)
}
