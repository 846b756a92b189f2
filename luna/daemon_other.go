//go:build !unix

package luna

import "errors"

var errNoDaemon = errors.New("daemon() is not supported on this system")

func startDaemonCopy(noclose bool) error { return errNoDaemon }
