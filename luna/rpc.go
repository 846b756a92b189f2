package luna

// rpcLoaded is luna._rpc_loaded(): luna.rpc (scripts/rpc.lua) was
// required, so every wait ends by checking its deadlines (luna._rpc_tick).
func (rt *Runtime) rpcLoaded() { rt.rpcTick = true }
