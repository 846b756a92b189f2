// Package luna is the runtime of the luna binary: it sets up one PUC Lua 5.3
// state, fills the luna table and its loop-style globals, runs the embedded
// bootstrap (scripts/luna.lua) and hands the entry file to luna.entry.
//
// The luna command is Main. A program that embeds the runtime calls New,
// gives the scripts its own Go functions through Binding, runs a script
// with Entry and ends with Close (see the example). Everything Lua sees
// runs on the goroutine that called Main (or New and Entry), locked to its
// OS thread: signals and name resolution only set flags and wake the
// poller.
package luna

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/aarzilli/golua/lua"

	"github.com/luna-go/luna/cbind"
	"github.com/luna-go/luna/scripts"
)

// Version is the version luna --version prints.
const Version = "0.1.0"

const usage = "luna entry.lua [options ...]"

const help = `usage: luna entry.lua [args ...]

Runs entry.lua in a PUC Lua 5.3 state with the luna API (luna.*, import,
create_socket_mgr, ...). Arguments after the entry file reach the script as
the global table arg (arg[0] is the entry file).

If the entry file defines main(), luna calls it and exits when it returns
(main style). If it defines on_loop(now_ms), luna calls that until
luna_quit_flag is true, reloading changed files every 3 s (loop style).
A file with neither runs once. SIGINT and SIGTERM call on_quit_signal()
at the next safe point. Lua errors are printed on stderr.

Options:
  -h, --help     print this text and exit
  -v, --version  print the version and exit
  --probe URL    GET URL (an admin endpoint's /readyz, say) and exit 0 on
                 200, 1 otherwise: a health check for images without curl

Environment:
  LUNA_DAEMON=off   daemon() does nothing (the default inside a container)
  LUNA_DAEMON=on    daemon() goes to the background even inside a container
  LUNA_FRAME_TIMEOUT_MS=N  close a stream holding an unfinished frame for N ms
                    (default 10000) with on_error("frame_timeout")
  LUNA_ADMIN=IP:PORT  serve the admin endpoint over HTTP there (IP empty:
                    127.0.0.1): /metrics, /healthz, /readyz, the status page
                    and /debug; LUNA_ADMIN_TOKEN_FILE=F requires
                    "Authorization: Bearer <F's text>" on every path but
                    /healthz and /readyz; LUNA_ADMIN_STALL_MS=N (5000):
                    /healthz says 503 when the script has not come back to
                    wait for N ms
  LUNA_CLUSTER_KEY_FILE=F  cluster keys, one per line (at least 16 bytes each):
                    every connection proves the first and accepts any of
                    them before its first frame; peers without one are
                    refused (README, "Security")
  LUNA_DNS_SERVER=IP:PORT  luna.discover's dns: sources ask that DNS server;
                    LUNA_DISCOVERY_INTERVAL_MS=N (1000): how often they look
  LUNA_CPUPROFILE=F write a Go CPU profile of the whole run to F (go tool pprof)
  LUNA_MEMPROFILE=F write a Go heap profile to F at exit (go tool pprof)
`

// Main runs the luna command line with args (os.Args) and returns the exit
// code: 0 when the entry returned, 1 when it could not be loaded or raised
// (or when there is no argument at all, as the reference did), 2 for an
// option it does not know or one used wrongly. An entry file whose name
// starts with "-" is given as ./-name.lua.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) < 2 {
		fmt.Fprintln(stderr, usage)
		return 1
	}
	switch arg := args[1]; {
	case arg == "-h" || arg == "--help":
		fmt.Fprint(stdout, help)
		return 0
	case strings.HasPrefix(arg, "-") && arg != "-v" && arg != "--version" && arg != "--probe":
		fmt.Fprintf(stderr, "luna: unknown option %s (luna --help lists them)\nusage: %s\n", arg, usage)
		return 2
	}
	switch args[1] {
	case "-v", "--version":
		fmt.Fprintf(stdout, "luna %s (%s, %s)\n", Version, luaRelease, runtime.Version())
		return 0
	case "--probe":
		if len(args) != 3 {
			fmt.Fprintln(stderr, "luna: --probe takes one URL")
			return 2
		}
		return probe(args[2], stdout, stderr)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	defer flushStdio()
	stopProfiles, err := startProfiles()
	if err != nil {
		fmt.Fprintln(stderr, "luna:", err)
		return 1
	}
	defer func() {
		if err := stopProfiles(); err != nil {
			fmt.Fprintln(stderr, "luna: profile:", err)
		}
	}()
	setupLibc()
	survivePipeSignals()

	rt, err := New(args[0], args[1], args[2:])
	if err != nil {
		fmt.Fprintln(stderr, "luna:", err)
		return 1
	}
	defer rt.Close()
	rt.atExit = func() {
		if err := stopProfiles(); err != nil {
			fmt.Fprintln(stderr, "luna: profile:", err)
		}
	}
	if rt.daemon == daemonChild {
		waitForDaemonParent()
		os.Unsetenv(envDaemonChild)
	}
	if !rt.Entry(args[1]) {
		return 1
	}
	return 0
}

// Runtime is one Lua state with the luna API installed. It must be used
// from one goroutine, locked to its OS thread while Lua runs.
type Runtime struct {
	L       *lua.State
	cb      *cbind.State
	signal  *signalState
	daemon  daemonState
	classes classes

	// frameTimeout is how long a stream may hold an unfinished frame
	// (LUNA_FRAME_TIMEOUT_MS, default 10 s).
	frameTimeout time.Duration
	// clusterKeys are what every new manager starts with
	// (LUNA_CLUSTER_KEY_FILE); nil: the plain wire.
	clusterKeys [][]byte
	// rpcTick: luna.rpc is loaded, and its deadlines are checked after
	// every wait.
	rpcTick bool
	// started is when the runtime was made (the status page's uptime).
	started time.Time
	// lastMgr numbers the managers (socketMgr.id).
	lastMgr int
	// managers are the live socket managers, drained when the state closes.
	managers map[*socketMgr]struct{}
	// errlog prints the errors Lua code raised, collapsing repeats.
	errlog errorLog
	// admin is the HTTP admin endpoint, when one was started.
	admin adminState
	// posted is work other goroutines handed the loop (loopqueue.go).
	posted loopQueue
	// discovery are the running luna.discover watchers and
	// luna.announce announcements (discover.go).
	discovery discoveryState
	// reloads counts hot reloads by result (ok, compile_error, error).
	reloads map[string]uint64
	// scriptMetrics are the families luna.metrics made, by name, in the
	// order they were made (scriptOrder).
	scriptMetrics map[string]*scriptMetric
	scriptOrder   []string
	// atExit, when set, runs when os.exit ends the process (Main writes
	// the Go profiles there).
	atExit func()
	// nativeDebt is native memory of new objects not yet accounted to
	// Lua's collector (gc.go).
	nativeDebt int
}

// New creates a Lua state with the standard libraries, the luna table, the
// loop-style globals and the global arg table (arg[-1] = program,
// arg[0] = entry, arg[1..] = args).
func New(program, entry string, args []string) (*Runtime, error) {
	keys, err := clusterKeysFromEnv()
	if err != nil {
		return nil, err
	}
	L := lua.NewState()
	cbind.OpenLibs(L)
	rt := &Runtime{L: L, cb: cbind.New(L), frameTimeout: envMillis("LUNA_FRAME_TIMEOUT_MS", 10*time.Second),
		managers: map[*socketMgr]struct{}{}, clusterKeys: keys, reloads: map[string]uint64{}, started: time.Now(),
		scriptMetrics: map[string]*scriptMetric{}}
	rt.signal = watchSignals()
	rt.daemon = currentDaemonState()
	if err := rt.install(); err != nil {
		rt.Close()
		return nil, err
	}
	if err := rt.startAdminFromEnv(); err != nil {
		rt.Close()
		return nil, err
	}
	rt.setArgs(program, entry, args)
	if err := rt.cb.DoChunk(scripts.Bootstrap, "=luna.lua"); err != nil {
		rt.Close()
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return rt, nil
}

// Close writes out what scripts queued (drainAtExit), stops signal
// delivery and closes the Lua state; collectable objects (sockets) are
// released by their __gc.
func (rt *Runtime) Close() {
	rt.exitDrain()
	rt.closeDiscovery()
	rt.closeAdmin()
	rt.signal.stop()
	rt.cb.Close()
	rt.L.Close()
}

// Binding is the runtime's cbind state, for a program that embeds luna
// and gives its scripts Go functions (Register, PushFunction) or classes
// (cbind.NewClass) before Entry.
func (rt *Runtime) Binding() *cbind.State { return rt.cb }

// Entry runs luna.entry(file) and reports whether it ran to its end.
// A Lua error is printed with its traceback, never propagated.
func (rt *Runtime) Entry(file string) bool {
	var ok bool
	if err := rt.cb.CallField("luna", "entry", []any{&ok}, file); err != nil {
		rt.reportError("luna.entry", 0, err)
		return false
	}
	return ok
}

// reportError prints an error that Lua code run for callback raised (on
// stderr, with its traceback; repeats collapse, see errorLog). token names
// the stream or listener, 0 for none.
func (rt *Runtime) reportError(callback string, token uint32, err error) {
	rt.errlog.report(callback, "", token, err.Error())
}

func (rt *Runtime) setArgs(program, entry string, args []string) {
	L := rt.L
	L.CreateTable(len(args), 2)
	L.PushString(program)
	L.RawSeti(-2, -1)
	L.PushString(entry)
	L.RawSeti(-2, 0)
	for i, a := range args {
		L.PushString(a)
		L.RawSeti(-2, i+1)
	}
	L.SetGlobal("arg")
}

// envMillis reads a duration in milliseconds from the environment.
func envMillis(name string, def time.Duration) time.Duration {
	if ms, err := strconv.Atoi(os.Getenv(name)); err == nil && ms > 0 {
		return time.Duration(ms) * time.Millisecond
	}
	return def
}
