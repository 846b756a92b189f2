// Package scripts holds the framework's Lua: the bootstrap embedded in the
// luna binary (luna.lua) and, beside it, the example cluster scripts.
package scripts

import _ "embed"

// Bootstrap is luna.lua: import, hot reload and the entry procedure. The
// runtime runs it once in every new Lua state, after the Go functions of the
// luna table are registered.
//
//go:embed luna.lua
var Bootstrap string

// RPC is rpc.lua, the module require("luna.rpc") loads from the binary.
//
//go:embed rpc.lua
var RPC string

// Cluster is cluster.lua, the module require("luna.cluster") loads from the
// binary.
//
//go:embed cluster.lua
var Cluster string
