package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stockLua is the stock interpreter the stdlib results are compared with
// (Debian package lua5.3, installed by scripts/deps.sh).
func stockLua(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("lua5.3")
	if err != nil {
		t.Skip("the stock lua5.3 interpreter is not on PATH (Debian/Ubuntu package lua5.3, " +
			"installed by scripts/deps.sh); skipping the comparison with it")
	}
	return path
}

// parityEnv is the environment of both runs of stdlib_parity.lua. LC_ALL=C
// because luna applies the locale of the environment (setlocale(LC_ALL, ""))
// and lua.c does not: a deliberate difference this test leaves out.
var parityEnv = []string{"LUNA_PARITY_VAR=set value", "LC_ALL=C"}

// runStdout runs bin like runCmd and returns its stdout, its stderr and
// its exit code.
func runStdout(t *testing.T, limit time.Duration, env []string, bin string, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := runCmd(t, limit, env, &stdout, &stderr, bin, args...)
	return stdout.String(), stderr.String(), code
}

// TestStdlibParity runs stdlib_parity.lua under the stock lua5.3 and under
// luna and compares their stdout line by line: the exit statuses os.execute
// and io.popen report, zombies of unclosed popen files, and a sample of the
// other standard libraries.
func TestStdlibParity(t *testing.T) {
	lua := stockLua(t)
	file := script("stdlib_parity.lua")
	want, wantErr, code := runStdout(t, scriptLimit, parityEnv, lua, file)
	if code != 0 || wantErr != "" {
		t.Fatalf("lua5.3 %s: exit %d, stderr %q", file, code, wantErr)
	}
	got, gotErr, code := runStdout(t, scriptLimit, parityEnv, lunaBin, file)
	if code != 0 || gotErr != "" {
		t.Fatalf("luna %s: exit %d, stderr %q; stdout:\n%s", file, code, gotErr, got)
	}
	loadLine := "load file: " + file + " ... ... [ok]"
	if !strings.HasPrefix(got, loadLine+"\n") {
		t.Fatalf("luna's output does not start with %q:\n%s", loadLine, got)
	}
	wantLines := strings.Split(want, "\n")
	gotLines := strings.Split(strings.TrimPrefix(got, loadLine+"\n"), "\n")
	if !strings.Contains(want, "\n== end\n") {
		t.Fatalf("lua5.3 did not run the script to its end:\n%s", want)
	}
	var diffs []string
	for i := 0; i < len(wantLines) || i < len(gotLines); i++ {
		var w, g string
		if i < len(wantLines) {
			w = wantLines[i]
		}
		if i < len(gotLines) {
			g = gotLines[i]
		}
		if w != g {
			diffs = append(diffs, fmt.Sprintf("line %d:\n  lua5.3: %s\n  luna:   %s", i+1, w, g))
		}
	}
	if len(diffs) > 0 {
		t.Fatalf("%d line(s) differ between lua5.3 and luna:\n%s", len(diffs), strings.Join(diffs, "\n"))
	}
}

// TestZombieChildren: children that os.execute and io.popen started are
// waited for, closed or collected, and leave no zombie behind; also when
// luna was started with SIGCHLD ignored, as some supervisors leave it (the
// Go runtime installs its own handler; lua5.3 would report "No child
// processes" there).
func TestZombieChildren(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	for _, tc := range []struct {
		name string
		bin  string
		args []string
	}{
		{"plain", lunaBin, nil},
		// perl-base is on every Debian system; dash does not pass an
		// ignored SIGCHLD on to what it execs.
		{"SIGCHLD ignored", "perl", []string{"-e", `$SIG{CHLD} = "IGNORE"; exec @ARGV`, lunaBin}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := runStdout(t, scriptLimit, nil, tc.bin, append(tc.args, script("zombies.lua"))...)
			mustPass(t, result{out + errOut, code})
			if !strings.Contains(out, "\nzombies 0\n") {
				t.Fatalf("want zombies 0; output:\n%s", out)
			}
		})
	}
}

// TestDaemonLeavesNoZombie: the process that calls daemon() exits right
// after starting its background copy (so the copy is never its zombie);
// the copy gets exit statuses from os.execute and io.popen and leaves no
// zombie children of its own.
func TestDaemonLeavesNoZombie(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "daemon.txt")
	r := runLuna(t, scriptLimit, []string{"LUNA_DAEMON=on"}, script("daemon_children.lua"), marker)
	if r.code != 0 || !strings.HasSuffix(r.out, "[ok]\nbefore daemon\n") {
		t.Fatalf("parent: exit %d, output %q", r.code, r.out)
	}
	var got string
	for i := 0; i < 200 && got == ""; i++ {
		if b, err := os.ReadFile(marker); err == nil {
			got = string(b)
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if got == "" {
		t.Fatal("the background copy wrote nothing within 10 s")
	}
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(got), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			fields[k] = v
		}
	}
	if fields["code"] != "0" || fields["err"] != "nil" {
		t.Errorf("daemon() in the copy returned %s, %s", fields["code"], fields["err"])
	}
	if want := "true,exit,0;nil,exit,3;nil,exit,5"; fields["status"] != want {
		t.Errorf("exit statuses in the copy: %q, want %q", fields["status"], want)
	}
	if fields["zombies"] != "0" {
		t.Errorf("the copy has %q zombie children, want 0", fields["zombies"])
	}
}
