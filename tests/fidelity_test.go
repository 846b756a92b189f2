package tests

import (
	"fmt"
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

// Calls leave before the script gives up the thread: os.exit (both forms),
// a return from main, and sleep_ms (the call arrives while the sender still
// sleeps, not after).
func TestCallsLeaveBeforeBlockingOrExit(t *testing.T) {
	for _, mode := range []string{"exit", "exit_close", "return", "sleep"} {
		t.Run(mode, func(t *testing.T) {
			sink := startLuna(t, nil, script("flush_sink.lua"))
			port := readyPort(sink)
			client := startLuna(t, nil, script("flush_client.lua"), port, mode)
			client.waitLine("SENT", 10*time.Second)
			if mode == "sleep" {
				sink.waitLine("GOT 1", 2*time.Second) // the sender sleeps 5 s
				if code := client.wait(10 * time.Second); code != 0 {
					t.Fatalf("client exit %d; output:\n%s", code, client.output())
				}
				stopWith(sink, "SINK 1")
				return
			}
			if code := client.wait(10 * time.Second); code != 0 {
				t.Fatalf("client exit %d; output:\n%s", code, client.output())
			}
			sink.waitLine("GOT 100", 5*time.Second)
			stopWith(sink, "SINK 100")
		})
	}
}

// A file with neither main() nor on_loop() runs once and exits 0.
func TestOneShotEntry(t *testing.T) {
	r := runLuna(t, scriptLimit, nil, script("one_shot.lua"))
	if r.code != 0 || !strings.Contains(r.out, "one-shot ran") {
		t.Fatalf("exit %d; output:\n%s", r.code, r.out)
	}
}

// mgr.set_route / mgr.set_master (the 2017-04 names) route like route and
// master.
func TestLegacyRouteNames(t *testing.T) {
	mustPass(t, runLuna(t, scriptLimit, nil, script("legacy_router.lua")))
}

// Tracebacks go to stderr, import lines stay on stdout, and the
// bootstrap's frames read "luna.lua:N".
func TestErrorsGoToStderr(t *testing.T) {
	stdout, stderr, code := runStdout(t, scriptLimit, nil, lunaBin, script("loop_error.lua"))
	mustPass(t, result{stdout + stderr, code})
	if !strings.Contains(stdout, "load file: ") || strings.Contains(stdout, "boom") {
		t.Errorf("stdout should hold the import line and no error:\n%s", stdout)
	}
	if !strings.Contains(stderr, "boom in on_loop") || !strings.Contains(stderr, "stack traceback:") {
		t.Errorf("stderr lacks the on_loop traceback:\n%s", stderr)
	}
	if !strings.Contains(stderr, "luna.lua:") || strings.Contains(stderr, `[string "`) {
		t.Errorf("the bootstrap's frames should read luna.lua:N:\n%s", stderr)
	}
}

// 1 000 failing calls: the first traceback of each distinct error in full,
// the repeats counted in one line per second, not 9 000 lines.
func TestErrorFloodCollapses(t *testing.T) {
	stdout, stderr, code := runStdout(t, scriptLimit, nil, lunaBin, script("error_flood.lua"))
	if code != 0 || !strings.Contains(stdout, "CALLS 1000") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) > 40 {
		t.Fatalf("%d lines on stderr for 1 000 errors:\n%s", len(lines), stderr)
	}
	full, repeats := 0, 0
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "luna: on_call raised the same error "):
			var n int
			if _, err := fmt.Sscanf(strings.TrimPrefix(l, "luna: on_call raised the same error "), "%d", &n); err != nil {
				t.Fatalf("bad count line %q", l)
			}
			if !strings.Contains(l, `(last: msg "bad", token `) || !strings.HasSuffix(l, "boom in on_call") {
				t.Errorf("count line without callback, message name and token: %q", l)
			}
			repeats += n
		case strings.HasSuffix(l, ": boom in on_call"):
			full++
		}
	}
	if full != 1 || repeats != 998 || !strings.Contains(stderr, "other error") {
		t.Fatalf("want 1 full traceback, 998 counted repeats and the other error; got %d, %d:\n%s", full, repeats, stderr)
	}
}

// Streams dropped without close() are collected while the script runs:
// new streams count their native buffers toward Lua's collector. Without
// that, 7 to 17 of the 19 dropped streams were still open at the end.
func TestDroppedStreamsAreCollected(t *testing.T) {
	r := runLuna(t, scriptLimit, nil, script("gc_dropped.lua"))
	var accepted, open int
	i := strings.Index(r.out, "ACCEPTED ")
	if r.code != 0 || i < 0 {
		t.Fatalf("exit %d; output:\n%s", r.code, r.out)
	}
	if _, err := fmt.Sscanf(r.out[i:], "ACCEPTED %d OPEN %d", &accepted, &open); err != nil || accepted != 20 {
		t.Fatalf("bad result line; output:\n%s", r.out)
	}
	if open > 4 {
		t.Fatalf("%d of 20 streams still open (1 is referenced); want at most 4", open)
	}
}
