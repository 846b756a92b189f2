-- netkit.lua: the socket set-up the test scripts beside it share. Loaded
-- with dofile; returns a table:
--   serve(mgr, on_stream) -> listener on 127.0.0.1 (any port) that keeps
--       every accepted stream referenced (an unreferenced stream is closed
--       when collected) and hands it to on_stream to set its callbacks
--   connect(mgr, port [, ms]) -> a stream connected to 127.0.0.1:port,
--       waiting up to ms (5000) milliseconds; raises "not connected"
--   wait_for(mgr, cond, ms) -> runs mgr.wait until cond() holds, ms pass or
--       SIGTERM arrives; cond()
local kit = {}

function kit.serve(mgr, on_stream)
    local listener = assert(mgr.listen("127.0.0.1", 0))
    local streams = {}
    listener.on_accept = function(s)
        streams[s.token] = s
        on_stream(s)
    end
    return listener
end

function kit.connect(mgr, port, ms)
    local s = assert(mgr.connect("127.0.0.1", port))
    local up = false
    s.on_connected = function() up = true end
    local deadline = luna.get_time_ms() + (ms or 5000)
    while not up and luna.get_time_ms() < deadline do mgr.wait(10) end
    assert(up, "not connected")
    return s
end

function kit.wait_for(mgr, cond, ms)
    local stop = luna.get_time_ms() + ms
    while not cond() and not luna.get_guit_signal() and luna.get_time_ms() < stop do mgr.wait(5) end
    return cond()
end

return kit
