//go:build !unix

package luna

import "errors"

// daemonSupported is false here: daemon() does nothing and returns 0, as in
// a container (Windows runs long-lived programs as services, or with
// start /b; there is no fork and no session to leave).
const daemonSupported = false

var errNoDaemon = errors.New("daemon() is not supported on this system")

func startDaemonCopy(noclose bool) error { return errNoDaemon }
