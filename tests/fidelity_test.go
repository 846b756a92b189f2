package tests

import (
	"strings"
	"syscall"
	"testing"
	"time"
)

// Scripts that ran on the C++ binary must behave the same here: the tests
// of the "differs from the original" fixes (README).

// readyPort waits for the "READY <port>" line a test server prints.
func readyPort(p *proc) string {
	p.t.Helper()
	return strings.TrimPrefix(p.waitLine("READY ", 10*time.Second), "READY ")
}

// stopWith sends SIGTERM and checks that the process prints want and exits
// 0 within 10 s.
func stopWith(p *proc, want string) {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatal(err)
	}
	p.waitLine(want, 10*time.Second)
	if code := p.wait(10 * time.Second); code != 0 {
		p.t.Fatalf("exit %d after SIGTERM; output:\n%s", code, p.output())
	}
}

// mgr.wait driven from coroutines: every callback runs, with the same
// shadow tables, on both sides, and SIGTERM still ends the server.
func TestWaitInCoroutine(t *testing.T) {
	srv := startLuna(t, nil, script("coroutine_server.lua"))
	port := readyPort(srv)
	mustPass(t, runLuna(t, scriptLimit, nil, script("coroutine_client.lua"), port))
	srv.waitLine("server on_error connection_lost", 10*time.Second)
	stopWith(srv, "SERVER calls=101 errors=1 bad=0")
}
