package node

import "errors"

// Reasons a stream fails with (Handler.Failed), as scripts see them in
// on_error (lua-api.md section 5), plus the ones this implementation adds
// for situations the reference never reported (README, "Error strings").
// Socket errors give netpoll's kinds (connection_lost, send_failed, ...).
const (
	ReasonConnectFailed   = "connect_failed"
	ReasonDNS             = "dns_error"
	ReasonTimeout         = "timeout"
	ReasonPackageTooLarge = "package_too_large"
	ReasonSendCacheFull   = "send_cache_full"
	ReasonInvalidFrame    = "invalid_frame" // ours: a frame header that is not a varint
	ReasonFrameTimeout    = "frame_timeout" // ours: a frame started but never finished
	ReasonAuthFailed      = "auth_failed"   // ours: the cluster handshake failed (wrong key, none, timeout)
)

// Errors of Listen and Connect.
var (
	ErrTooManyConnections = errors.New("too_many_connection") // the reference's text
	ErrClosed             = errors.New("node closed")
)
