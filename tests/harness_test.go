// Package tests runs real luna processes: the binary is built once per test
// run, scripts come from tests/lua, and everything talks over 127.0.0.1.
package tests

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lunaBin is the binary under test, built by TestMain, or LUNA_TEST_BIN
// when that names one (tests/wine/run.sh: luna.exe under Wine).
var lunaBin string

func TestMain(m *testing.M) {
	if bin := os.Getenv("LUNA_TEST_BIN"); bin != "" {
		lunaBin = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "luna-tests-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	lunaBin = filepath.Join(dir, "luna")
	build := exec.Command("go", "build", "-tags", "lua53", "-o", lunaBin, "..")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building luna:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// script returns the path of a test script in tests/lua.
func script(name string) string {
	p, _ := filepath.Abs(filepath.Join("lua", name))
	return p
}

// result is what a finished luna process left behind.
type result struct {
	out  string // stdout and stderr, interleaved
	code int
}

// runLuna runs luna with args to completion (at most limit) and returns its
// output and exit code.
func runLuna(t *testing.T, limit time.Duration, env []string, args ...string) result {
	t.Helper()
	var out bytes.Buffer
	code := runCmd(t, limit, env, &out, &out, lunaBin, args...)
	// a Windows console program ends its lines with \r\n (luna.exe under Wine)
	return result{strings.ReplaceAll(out.String(), "\r\n", "\n"), code}
}

// runCmd runs bin with args to completion (at most limit), stdin on
// /dev/null, and returns its exit code.
func runCmd(t *testing.T, limit time.Duration, env []string, stdout, stderr *bytes.Buffer, bin string, args ...string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s %v did not finish within %v; output:\n%s%s", bin, args, limit, stdout, stderr)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%s %v: %v", bin, args, err)
	}
	return 0
}

// proc is a luna process running in the background whose output lines are
// collected as they arrive.
type proc struct {
	t    *testing.T
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []string
	cond chan struct{} // signalled on every new line
	done chan struct{} // closed when the output ends
}

// startLuna starts luna in the background; the process is killed when the
// test ends if it is still running.
func startLuna(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	return startBinary(t, lunaBin, env, args...)
}

// startBinary is startLuna with another binary (the C++ luna, say).
func startBinary(t *testing.T, bin string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, cond: make(chan struct{}, 1), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		sc := bufio.NewScanner(pipe)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.out = append(p.out, sc.Text())
			p.mu.Unlock()
			select {
			case p.cond <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return p
}

// output returns every line so far, joined.
func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.out, "\n")
}

// waitLine waits (at most limit) for a line that starts with prefix and
// returns it.
func (p *proc) waitLine(prefix string, limit time.Duration) string {
	p.t.Helper()
	line, i := p.find(0, limit, func(l string) bool { return strings.HasPrefix(l, prefix) })
	switch {
	case i >= 0:
		return line
	case !p.alive():
		p.t.Fatalf("luna exited before printing %q; output:\n%s", prefix, p.output())
	default:
		p.t.Fatalf("no line %q within %v; output:\n%s", prefix, limit, p.output())
	}
	return ""
}

// mark is the number of output lines so far.
func (p *proc) mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.out)
}

// alive reports whether the process's output is still open (it has not
// exited).
func (p *proc) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// find waits (at most limit) for an output line at index from or later that
// satisfies ok; it returns the line and its index, or -1.
func (p *proc) find(from int, limit time.Duration, ok func(string) bool) (string, int) {
	deadline := time.After(limit)
	for seen := from; ; {
		p.mu.Lock()
		for ; seen < len(p.out); seen++ {
			if ok(p.out[seen]) {
				line := p.out[seen]
				p.mu.Unlock()
				return line, seen
			}
		}
		p.mu.Unlock()
		select {
		case <-p.cond: // one waiter is woken per line; others look again soon
		case <-time.After(10 * time.Millisecond):
		case <-p.done:
			if seen == p.mark() { // every line is scanned and none will come
				return "", -1
			}
		case <-deadline:
			return "", -1
		}
	}
}

// lines returns the output lines from index from on that satisfy ok.
func (p *proc) lines(from int, ok func(string) bool) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.out[min(from, len(p.out)):] {
		if ok(l) {
			out = append(out, l)
		}
	}
	return out
}

// wait waits (at most limit) for the process to exit and returns its code.
// It reads the output to its end before it reaps the process: Cmd.Wait
// closes the pipe, and lines still in it would be lost.
func (p *proc) wait(limit time.Duration) int {
	p.t.Helper()
	deadline := time.After(limit)
	exited := make(chan error, 1)
	go func() { <-p.done; exited <- p.cmd.Wait() }()
	select {
	case err := <-exited:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			p.t.Fatal(err)
		}
		return 0
	case <-deadline:
		p.cmd.Process.Kill()
		select { // reaped here, not by the cleanup as well, once its output ends
		case <-exited:
		case <-time.After(5 * time.Second): // a child of its own still holds the pipe
		}
		p.t.Fatalf("luna did not exit within %v; output:\n%s", limit, p.output())
		return -1
	}
}

// mustPass checks that a script ran to its end, printed PASS and exited 0.
func mustPass(t *testing.T, r result) {
	t.Helper()
	if r.code != 0 || !strings.Contains(r.out, "PASS") {
		t.Fatalf("exit %d, want 0 and PASS; output:\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, "FAIL") {
		t.Fatalf("a check failed; output:\n%s", r.out)
	}
}

// startLunaToFile starts luna with stdout and stderr on f.
func startLunaToFile(t *testing.T, f *os.File, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(lunaBin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// proc.wait returns only when every line the process printed is in its
// output: exec.Cmd.Wait closes the pipe when the process has exited, and
// a line still in the pipe then would be lost.
func TestProcWaitKeepsEveryLine(t *testing.T) {
	for i := 0; i < 20; i++ {
		p := startLuna(t, nil, script("print_lines.lua"), "5000")
		if code := p.wait(10 * time.Second); code != 0 {
			t.Fatalf("exit %d; output:\n%s", code, p.output())
		}
		if n := p.mark(); n != 5002 || !strings.Contains(p.output(), "\nlast") {
			t.Fatalf("run %d: %d lines, want 5002 (the load line, 5000, last)", i, n)
		}
	}
}
