package luna

import (
	"fmt"
	"time"
)

// exitDrainLimit bounds how long the process waits at exit for queued
// calls to reach their sockets.
const exitDrainLimit = 3 * time.Second

// drainAtExit writes out every call the scripts already issued, waiting up
// to limit for slow peers, before the process exits (a SIGTERM that ends
// the entry loses nothing that could be sent). What cannot be written in
// time is reported with its size. No Lua runs here.
func (rt *Runtime) drainAtExit(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for m := range rt.managers {
		if bytes, streams := m.node.Drain(deadline); bytes > 0 {
			logLine(fmt.Sprintf("luna: exit: %d bytes queued for %d stream(s) not sent within %v", bytes, streams, limit))
		}
	}
}

// flushManagers writes out what every stream of every manager has queued,
// without waiting: the calls a script made reach their sockets before it
// gives up the thread (sleep_ms).
func (rt *Runtime) flushManagers() {
	for m := range rt.managers {
		m.node.Flush()
	}
}
