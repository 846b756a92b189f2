package luna

import (
	"os"
	"time"

	"github.com/aarzilli/golua/lua"
)

// Environment variables of daemon().
const (
	// envDaemon selects what daemon() does: "off" makes it a no-op, "on"
	// makes it go to the background even inside a container, anything else
	// ("auto") goes to the background unless the process is in a container.
	envDaemon = "LUNA_DAEMON"
	// envDaemonChild marks the re-executed background copy of a process
	// that called daemon(); its own daemon() call is then the one that
	// already happened.
	envDaemonChild = "LUNA_DAEMON_CHILD"
)

// daemonState is how this process relates to daemon().
type daemonState int

const (
	daemonForeground daemonState = iota // daemon() re-executes in the background
	daemonChild                         // we are the re-executed copy
	daemonDisabled                      // daemon() is a no-op: LUNA_DAEMON=off, or a container
)

func currentDaemonState() daemonState {
	switch mode := os.Getenv(envDaemon); {
	case os.Getenv(envDaemonChild) == "1":
		return daemonChild
	case !daemonSupported, mode == "off", mode != "on" && inContainer():
		return daemonDisabled
	}
	return daemonForeground
}

// inContainer reports whether the process runs as a container's PID 1 or
// under a container engine that marks its root.
func inContainer() bool {
	if os.Getpid() == 1 {
		return true
	}
	for _, marker := range []string{"/.dockerenv", "/run/.containerenv"} {
		if _, err := os.Stat(marker); err == nil {
			return true
		}
	}
	return false
}

// daemonize is luna.daemon([nochdir [, noclose]]). A Go process cannot
// fork, so the first call re-executes the binary with the same arguments in
// a new session (stdio on /dev/null unless noclose) and the calling process
// exits 0, as the parent of daemon(3) does. The copy runs the script from
// the start; when it reaches daemon() it only changes directory to "/"
// unless nochdir, and carries on in the background. It returns 0, or -1 and
// a message when the copy could not be started.
func (rt *Runtime) daemonize(L *lua.State) int {
	nochdir, noclose := truthy(L, 1), truthy(L, 2)
	code, msg := rt.daemonizeWith(nochdir, noclose)
	L.PushInteger(int64(code))
	if msg == "" {
		return 1
	}
	if err := rt.cb.Push(msg); err != nil { // protected: out of memory must not unwind Go
		panic(err) // cbind raises it once Go has returned
	}
	return 2
}

// truthy reads a daemon(3)-style flag: a number is true when non-zero (the
// reference took C ints), anything else by Lua truthiness.
func truthy(L *lua.State, idx int) bool {
	if L.Type(idx) == lua.LUA_TNUMBER {
		return L.ToNumber(idx) != 0
	}
	return L.ToBoolean(idx)
}

func (rt *Runtime) daemonizeWith(nochdir, noclose bool) (int, string) {
	switch rt.daemon {
	case daemonDisabled:
		return 0, ""
	case daemonChild:
		if !nochdir {
			if err := os.Chdir("/"); err != nil {
				return -1, err.Error()
			}
		}
		return 0, ""
	}
	if err := startDaemonCopy(noclose); err != nil {
		return -1, err.Error()
	}
	flushStdio()
	os.Exit(0)
	return 0, ""
}

// waitForDaemonParent lets a re-executed copy wait (bounded) until the
// process that started it has exited, so that ports it still holds are free
// before the script runs again.
func waitForDaemonParent() {
	if os.Getenv(envDaemonChild) != "1" {
		return
	}
	parentAlive := os.NewFile(3, "daemon-parent")
	if parentAlive == nil {
		return
	}
	defer parentAlive.Close()
	_ = parentAlive.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	_, _ = parentAlive.Read(b[:])
}
