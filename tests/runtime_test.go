package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

const scriptLimit = 20 * time.Second

func TestCommandLine(t *testing.T) {
	r := runLuna(t, scriptLimit, nil)
	if r.code != 1 || !strings.Contains(r.out, "luna entry.lua [options ...]") {
		t.Fatalf("no argument: exit %d, output %q", r.code, r.out)
	}
	r = runLuna(t, scriptLimit, nil, "--help")
	if r.code != 0 || !strings.Contains(r.out, "usage: luna entry.lua") {
		t.Fatalf("--help: exit %d, output %q", r.code, r.out)
	}
	r = runLuna(t, scriptLimit, nil, "--version")
	if r.code != 0 || !strings.HasPrefix(r.out, "luna ") || !strings.Contains(r.out, "5.3") {
		t.Fatalf("--version: exit %d, output %q", r.code, r.out)
	}
	for _, bad := range [][]string{{"--bogus"}, {"-x", "entry.lua"}, {"--probe"}} {
		r = runLuna(t, scriptLimit, nil, bad...)
		if r.code != 2 || !strings.Contains(r.out, "luna") {
			t.Fatalf("%v: exit %d, want 2; output %q", bad, r.code, r.out)
		}
	}
	if r = runLuna(t, scriptLimit, nil, "--bogus"); !strings.Contains(r.out, "usage: luna entry.lua") {
		t.Fatalf("--bogus does not print the usage line: %q", r.out)
	}
	r = runLuna(t, scriptLimit, nil, "/nonexistent/entry.lua")
	if r.code != 1 || !strings.Contains(r.out, "load file: /nonexistent/entry.lua ... ... [failed]") {
		t.Fatalf("missing entry: exit %d, output %q", r.code, r.out)
	}
}

func TestMainStyle(t *testing.T) {
	mustPass(t, runLuna(t, scriptLimit, nil, script("main_style.lua"), "one", "two"))
}

func TestLoopStyle(t *testing.T) {
	for _, how := range []string{"env", "G"} {
		t.Run(how, func(t *testing.T) {
			r := runLuna(t, scriptLimit, nil, script("loop_style.lua"), how)
			mustPass(t, r)
			if strings.Count(r.out, "loop ") != 3 {
				t.Fatalf("want 3 on_loop calls; output:\n%s", r.out)
			}
		})
	}
}

func TestLuaErrorsArePrinted(t *testing.T) {
	r := runLuna(t, scriptLimit, nil, script("loop_error.lua"))
	mustPass(t, r)
	if !strings.Contains(r.out, "boom in on_loop") || !strings.Contains(r.out, "stack traceback:") {
		t.Fatalf("on_loop error not printed with a traceback:\n%s", r.out)
	}

	r = runLuna(t, scriptLimit, nil, script("entry_error.lua"))
	if r.code != 1 {
		t.Fatalf("main() raised: exit %d, want 1; output:\n%s", r.code, r.out)
	}
	for _, want := range []string{"before error", "boom in main", "stack traceback:", "'inner'"} {
		if !strings.Contains(r.out, want) {
			t.Fatalf("output lacks %q:\n%s", want, r.out)
		}
	}

	r = runLuna(t, scriptLimit, nil, script("syntax_error.lua"))
	if r.code != 1 || !strings.Contains(r.out, "[failed]") || !strings.Contains(r.out, "syntax_error.lua:3:") {
		t.Fatalf("syntax error: exit %d; output:\n%s", r.code, r.out)
	}
}

func TestImportAndReload(t *testing.T) {
	mustPass(t, runLuna(t, scriptLimit, nil, script("import_reload.lua"), t.TempDir()))
}

func TestRequireCModule(t *testing.T) {
	r := runLuna(t, scriptLimit, nil, script("cjson.lua"), filepath.Dir(script("plainmod.lua")))
	mustPass(t, r)
}

// Output a script wrote through C stdio reaches a pipe and a file on exit.
func TestStdoutFlushedOnExit(t *testing.T) {
	const want = "partial line without newline and more"
	r := runLuna(t, scriptLimit, nil, script("unflushed.lua"))
	if r.code != 0 || !strings.HasSuffix(r.out, "[ok]\n"+want) {
		t.Fatalf("pipe: exit %d, output %q, want %q", r.code, r.out, want)
	}
	path := filepath.Join(t.TempDir(), "out.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd := startLunaToFile(t, f, script("unflushed.lua"))
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _ := os.ReadFile(path)
	if !strings.HasSuffix(string(got), "[ok]\n"+want) {
		t.Fatalf("file: %q, want %q", got, want)
	}
}

func TestSigtermRunsOnQuitSignal(t *testing.T) {
	for _, tc := range []struct{ script, want string }{
		{"signal_loop.lua", "on_quit_signal called, get_guit_signal=true"},
		{"signal_main.lua", "quit seen, luna_quit_flag=true"},
	} {
		t.Run(tc.script, func(t *testing.T) {
			p := startLuna(t, nil, script(tc.script))
			p.waitLine("READY", 10*time.Second)
			stopWith(p, tc.want)
		})
	}
}

func TestSigintStopsLoop(t *testing.T) {
	p := startLuna(t, nil, script("signal_loop.lua"))
	p.waitLine("READY", 10*time.Second)
	p.cmd.Process.Signal(syscall.SIGINT)
	p.waitLine("on_quit_signal called", 10*time.Second)
	if code := p.wait(10 * time.Second); code != 0 {
		t.Fatalf("exit %d after SIGINT", code)
	}
}

func TestDaemon(t *testing.T) {
	dir := t.TempDir()
	t.Run("off", func(t *testing.T) {
		marker := filepath.Join(dir, "off.txt")
		r := runLuna(t, scriptLimit, []string{"LUNA_DAEMON=off"}, script("daemon.lua"), marker)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.out)
		}
		got, _ := os.ReadFile(marker)
		wd, _ := os.Getwd()
		if string(got) != "code=0 err=nil cwd="+wd+"\n" {
			t.Fatalf("no-op daemon wrote %q", got)
		}
	})
	for _, tc := range []struct{ mode, cwd string }{{"chdir", "/"}, {"nochdir", ""}} {
		t.Run(tc.mode, func(t *testing.T) {
			marker := filepath.Join(dir, tc.mode+".txt")
			start := time.Now()
			r := runLuna(t, scriptLimit, []string{"LUNA_DAEMON=on"}, script("daemon.lua"), marker, tc.mode)
			if r.code != 0 || !strings.HasSuffix(r.out, "[ok]\nbefore daemon\n") {
				t.Fatalf("parent: exit %d, output %q", r.code, r.out)
			}
			want := tc.cwd
			if want == "" {
				want, _ = os.Getwd()
			}
			for i := 0; i < 200; i++ {
				if got, err := os.ReadFile(marker); err == nil && len(got) > 0 {
					if string(got) != "code=0 err=nil cwd="+want+"\n" {
						t.Fatalf("background copy wrote %q", got)
					}
					return
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Fatalf("the background copy wrote nothing within %v", time.Since(start))
		})
	}
}

// Two saves of a file within one second are both reloaded.
func TestReloadTwoSavesInOneSecond(t *testing.T) {
	mustPass(t, runLuna(t, scriptLimit, nil, script("reload_fast.lua"), t.TempDir()))
}

// LUNA_CPUPROFILE and LUNA_MEMPROFILE are written whether the script returns
// or ends the process with os.exit, and pprof reads them.
func TestProfilesAtExit(t *testing.T) {
	for _, entry := range []string{"exit_now.lua", "one_shot.lua"} {
		dir := t.TempDir()
		cpu, mem := filepath.Join(dir, "cpu.prof"), filepath.Join(dir, "mem.prof")
		r := runLuna(t, scriptLimit, []string{"LUNA_CPUPROFILE=" + cpu, "LUNA_MEMPROFILE=" + mem}, script(entry))
		if r.code != 0 {
			t.Fatalf("%s: exit %d\n%s", entry, r.code, r.out)
		}
		for _, path := range []string{cpu, mem} {
			f, err := os.Open(path)
			if err != nil {
				t.Fatalf("%s: %v", entry, err)
			}
			_, err = profile.Parse(f)
			f.Close()
			if err != nil {
				t.Errorf("%s: %s is not a profile: %v", entry, filepath.Base(path), err)
			}
		}
	}
}

// On Windows (luna.exe under Wine, tests/wine/run.sh, which sets
// LUNA_TEST_WINDOWS_CC and LUNA_TEST_WINDOWS_LUA): a Lua C module .dll
// built against lua53.dll loads through package.cpath, import and reload
// take drive letters and backslashes, daemon() is a no-op.
func TestWindowsPortability(t *testing.T) {
	cc, lua := os.Getenv("LUNA_TEST_WINDOWS_CC"), os.Getenv("LUNA_TEST_WINDOWS_LUA")
	if cc == "" || lua == "" {
		t.Skip("not a Windows run (tests/wine/run.sh)")
	}
	mods, work := t.TempDir(), t.TempDir()
	src, _ := filepath.Glob(filepath.Join(lua, "lua5.3-*", "src"))
	if len(src) == 0 {
		t.Fatalf("no Lua source under %s", lua)
	}
	build := exec.Command(cc, "-O2", "-shared", "-I"+src[0], "-o", filepath.Join(mods, "winmod.dll"),
		filepath.Join("wine", "winmod.c"), "-L"+lua, "-llua53")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building winmod.dll: %v\n%s", err, out)
	}
	windows := func(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }
	mustPass(t, runLuna(t, scriptLimit, nil, windows(script("windows_port.lua")), windows(mods), windows(work)))
}
