package luna

// Error strings scripts see in on_error (lua-api.md section 5), plus the
// ones this implementation adds for situations the reference never
// reported (README, "Error strings").
const (
	errConnectionLost  = "connection_lost"
	errConnectFailed   = "connect_failed"
	errDNS             = "dns_error"
	errTimeout         = "timeout"
	errPackageTooLarge = "package_too_large"
	errSendCacheFull   = "send_cache_full"
	errSendFailed      = "send_failed"
	errRecvFailed      = "recv_failed"
	errInvalidFrame    = "invalid_frame" // ours: a frame header that is not a varint
	errFrameTimeout    = "frame_timeout" // ours: a frame started but never finished
)

// Results of listen/connect that scripts compare.
const (
	resultOK          = "OK"
	errInvalidParam   = "invalid param"
	errTooManyConnect = "too_many_connection"
)
