package luna

// #include <stdint.h>
import "C"

import "runtime/cgo"

// lunaDrainOutbox is called by stream.call's C code when the outbox is
// full: it drains it into the streams. (Kept apart from outbox.go because a
// file with //export may have no C definitions in its preamble.)
//
//export lunaDrainOutbox
func lunaDrainOutbox(owner C.uintptr_t) {
	if m, ok := cgo.Handle(owner).Value().(*socketMgr); ok {
		m.drain()
	}
}
