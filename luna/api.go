package luna

import (
	"os"
	"time"

	"github.com/luna-go/luna/luna/admin"
	"github.com/luna-go/luna/scripts"
)

// install fills the global luna table with the runtime's Go functions and
// the bookkeeping tables; scripts/luna.lua adds the Lua half and the
// loop-style global names.
func (rt *Runtime) install() error {
	L := rt.L
	rt.declareClasses()
	L.NewTable()
	funcs := []struct {
		name string
		fn   any
	}{
		{"create_socket_mgr", rt.createSocketMgr},
		{"get_time_ms", getTimeMs},
		{"get_time_ns", getTimeNs},
		{"sleep_ms", rt.sleepMs},
		{"get_file_time", getFileTime},
		{"_file_stamp", fileStamp},
		{"daemon", rt.daemonize},
		{"get_guit_signal", rt.getQuitSignal},
		{"get_quit_signal", rt.getQuitSignal},
		{"_safe_point", rt.safePoint},
		{"_report_error", rt.reportLuaError},
		{"_exit_drain", rt.exitDrain},
		{"_note_reload", rt.noteReload},
		{"_rpc_loaded", rt.rpcLoaded},
		{"_discover", rt.discover},
		{"_undiscover", rt.undiscover},
		{"_announce", rt.announce},
		{"_unannounce", rt.unannounce},
	}
	for _, f := range funcs {
		if err := rt.cb.PushFunction(f.fn); err != nil {
			return err
		}
		L.SetField(-2, f.name)
	}
	L.NewTable() // luna.admin (luna/admin.go)
	for _, f := range []struct {
		name string
		fn   any
	}{{"listen", rt.adminListen}, {"ready", rt.adminReady}} {
		if err := rt.cb.PushFunction(f.fn); err != nil {
			return err
		}
		L.SetField(-2, f.name)
	}
	L.SetField(-2, "admin")
	L.NewTable() // luna.metrics (luna/metrics.go)
	for _, f := range []struct {
		name string
		kind admin.Kind
	}{{"counter", admin.Counter}, {"gauge", admin.Gauge}, {"histogram", admin.Histogram}} {
		if err := rt.cb.PushFunction(rt.newMetric(f.kind)); err != nil {
			return err
		}
		L.SetField(-2, f.name)
	}
	L.SetField(-2, "metrics")
	L.PushString(scripts.RPC)
	L.SetField(-2, "_rpc_source")
	L.PushString(scripts.Cluster)
	L.SetField(-2, "_cluster_source")
	rt.cb.PushObjectsTable()
	L.SetField(-2, "objects")
	L.NewTable()
	L.SetField(-2, "meta")
	L.SetGlobal("luna")

	rt.cb.PushExportFunction()
	L.PushValue(-1)
	L.SetGlobal("export")
	L.SetGlobal("luna_export")
	return nil
}

// getTimeMs is luna.get_time_ms: wall-clock milliseconds since the epoch,
// like the reference's high_resolution_clock.
func getTimeMs() int64 { return time.Now().UnixMilli() }

// getTimeNs is luna.get_time_ns: the same clock in nanoseconds.
func getTimeNs() int64 { return time.Now().UnixNano() }

// getFileTime is luna.get_file_time: the file's mtime in seconds, 0 when it
// cannot be read.
func getFileTime(path string) int64 { return fileStamp(path) / int64(time.Second) }

// fileStamp is luna._file_stamp: the file's mtime in nanoseconds (0 when
// it cannot be read), what hot reload compares, so that a second save
// within the same second is reloaded too.
func fileStamp(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.ModTime().UnixNano()
}

// sleepMs is luna.sleep_ms: block the thread for ms milliseconds, after
// writing out the calls queued so far (a call made before a sleep must not
// wait for it). A quit
// signal ends the sleep early so that shutdown is not delayed by it; the
// signal is then delivered before sleep_ms returns.
func (rt *Runtime) sleepMs(ms int64) {
	rt.flushManagers()
	if ms > 0 {
		rt.signal.sleep(time.Duration(ms) * time.Millisecond)
	}
	rt.safePoint()
}

// getQuitSignal is luna.get_guit_signal (sic) and its alias
// luna.get_quit_signal: true once SIGINT or SIGTERM arrived. It is also a
// safe point, so main-style scripts that only poll it still see
// on_quit_signal run.
func (rt *Runtime) getQuitSignal() bool {
	rt.safePoint()
	return rt.signal.received()
}

// safePoint runs on_quit_signal once for each SIGINT/SIGTERM that arrived
// since the last safe point. It is only ever called from the Lua thread,
// between callbacks.
func (rt *Runtime) safePoint() {
	for rt.signal.take() {
		if err := rt.cb.CallField("luna", "_deliver_quit_signal", nil); err != nil {
			rt.reportError("on_quit_signal", 0, err)
		}
	}
}

// reportLuaError is luna._report_error(callback, text): the bootstrap
// reports what main, on_loop and on_quit_signal raised (text as
// debug.traceback made it).
func (rt *Runtime) reportLuaError(callback, text string) {
	rt.errlog.report(callback, "", 0, text)
}

// exitDrain runs before os.exit ends the process (the bootstrap wraps
// os.exit): queued calls are written out as at a normal exit, waiting as
// long, and pending error counts are printed.
func (rt *Runtime) exitDrain() {
	rt.drainAtExit(exitDrainLimit)
	rt.errlog.flush(true)
	if rt.atExit != nil {
		rt.atExit()
	}
}
