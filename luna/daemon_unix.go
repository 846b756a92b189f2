//go:build unix

package luna

import (
	"os"
	"syscall"
)

// daemonParentPipe is the write end of the pipe the background copy waits
// on; it is kept referenced so that it closes only when this process exits.
var daemonParentPipe *os.File

// startDaemonCopy starts the background copy: same executable and
// arguments, a new session, envDaemonChild set, and the read end of a pipe
// as fd 3 that reaches EOF when this process exits.
func startDaemonCopy(noclose bool) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	defer r.Close()
	files := []*os.File{os.Stdin, os.Stdout, os.Stderr, r}
	if !noclose {
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			w.Close()
			return err
		}
		defer null.Close()
		files[0], files[1], files[2] = null, null, null
	}
	wd, _ := os.Getwd()
	_, err = os.StartProcess(exe, os.Args, &os.ProcAttr{
		Dir:   wd,
		Env:   append(os.Environ(), envDaemonChild+"=1"),
		Files: files,
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		w.Close()
		return err
	}
	// w stays open until this process exits: that is the child's signal.
	daemonParentPipe = w
	return nil
}
