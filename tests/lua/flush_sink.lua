-- flush_sink.lua: counts the calls it receives and prints "GOT <n>" for
-- each (line-buffered), after "READY <port>". SIGTERM ends it.
io.stdout:setvbuf("line")
local kit = dofile(arg[0]:match("^(.*/)") .. "netkit.lua")
local mgr = luna.create_socket_mgr(16)
local got = 0
local listener = kit.serve(mgr, function(s)
    s.on_call = function()
        got = got + 1
        print("GOT " .. got)
    end
end)

function main()
    print("READY " .. listener.port)
    local deadline = luna.get_time_ms() + 30000
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do mgr.wait(20) end
    print("SINK " .. got)
end
