package luna

/*
#include "luna.h"
*/
import "C"

import (
	"encoding/binary"
	"unsafe"

	"github.com/luna-go/luna/cbind/archive"
	"github.com/luna-go/luna/luna/node"
	"github.com/luna-go/luna/luna/wire"
)

// batchResult is what luna_dispatch_calls reports; the manager keeps one,
// so that handing its address to C allocates nothing.
type batchResult = C.luna_batch

// stops maps luna_dispatch_calls' BATCH_* results to the node's CallStop.
var stops = [...]node.CallStop{
	C.BATCH_NEED_MORE: node.CallsNeedMore,
	C.BATCH_OTHER:     node.CallsOther,
	C.BATCH_MALFORMED: node.CallsMalformed,
	C.BATCH_DEAD:      node.CallsDead,
	C.BATCH_ERROR:     node.CallsRaised,
}

// receiveCalls hands every complete remote_call frame at the start of buf
// to the stream's callback in one crossing into C (which pushes the
// stream's table and restores the stack itself), and returns how many
// bytes it consumed, why it stopped and, for a malformed archive, why. An
// error a callback raised is reported here.
func (m *socketMgr) receiveCalls(s *node.Stream, buf []byte) (consumed int, stop node.CallStop, malformed string) {
	rt := m.rt
	L := rt.cb.Thread() // wait may run on a coroutine
	ref := rt.classes.stream.Ref(s)
	out := &m.batch
	status := C.luna_dispatch_calls(
		(*C.lua_State)(unsafe.Pointer(L.GetState())), ref.Ctx, C.uintptr_t(ref.Handle), C.int(ref.Meta),
		(*C.uchar)(unsafe.Pointer(unsafe.SliceData(buf))), C.size_t(len(buf)),
		C.size_t(wire.MaxPayload(s.RecvCache())), (*C.int)(unsafe.Pointer(s.DeadFlag())), out)
	if status == C.BATCH_NO_TABLE {
		panic(rt.cb.PushError(int(out.reason))) // as stream.Push would
	}
	if out.raised != 0 {
		name := "on_call"
		if out.on_recv != 0 {
			name = "on_recv"
		}
		rt.errlog.report(name, msgName(buf[out.arc:out.arc+out.arclen]), s.Token, L.ToString(-1))
		L.SetTop(int(out.top))
	}
	s.NoteCalls(int(out.frames))
	stop = stops[status]
	if stop == node.CallsMalformed {
		malformed = archive.MalformedError(int(out.reason)).Error()
	}
	return int(out.consumed), stop, malformed
}

// msgName is the message name of a call for the error log: its first
// value when that is a string (archive code 3), cut to 64 bytes.
func msgName(archive []byte) string {
	if len(archive) < 2 || archive[0] != 3 {
		return ""
	}
	n, k := binary.Uvarint(archive[1:])
	if k <= 0 {
		return ""
	}
	body := archive[1+k:]
	return string(body[:min(uint64(len(body)), n, 64)])
}
