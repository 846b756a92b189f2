//go:build unix

package luna

import (
	"os"
	"syscall"
)

// daemonSupported: daemon() re-executes the binary in a new session here.
const daemonSupported = true

// startDaemonCopy starts the background copy: same executable and
// arguments, a new session, envDaemonChild set, and the read end of a pipe
// as fd 3 that reaches EOF when this process exits. The write end is a raw
// descriptor (no *os.File whose finalizer could close it early) that stays
// open until the exit.
func startDaemonCopy(noclose bool) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var p [2]int
	if err := syscall.Pipe(p[:]); err != nil {
		return err
	}
	syscall.CloseOnExec(p[0])
	syscall.CloseOnExec(p[1])
	r := os.NewFile(uintptr(p[0]), "daemon-parent")
	defer r.Close()
	files := []*os.File{os.Stdin, os.Stdout, os.Stderr, r}
	if !noclose {
		null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		if err != nil {
			syscall.Close(p[1])
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
		syscall.Close(p[1])
	}
	return err
}
