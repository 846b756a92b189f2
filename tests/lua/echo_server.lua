-- echo_server.lua: listens on arg[3] or 127.0.0.1 (arg[1] = port, default 0 = ephemeral),
-- prints "READY <port>", and sends every call back to its sender unchanged.
-- "quit" ends the process; so do SIGTERM and the end of the first client's
-- connection when arg[2] == "oneshot".
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1] or "0"))
local oneshot = arg[2] == "oneshot"
local host = arg[3] or "127.0.0.1"
local quit = false
conns = {}

function main()
    mgr = luna.create_socket_mgr(64)
    local listener, err = mgr.listen(host, port)
    assert(listener, err)
    listener.on_accept = function(stream)
        conns[stream.token] = stream
        stream.on_call = function(name, ...)
            if name == "quit" then quit = true return end
            local n = stream.call(name, ...)
            if not n then print("FAIL echo of " .. tostring(name) .. " failed") end
        end
        stream.on_error = function(err)
            print("server stream error " .. err)
            conns[stream.token] = nil
            if oneshot then quit = true end
        end
    end
    print("READY " .. listener.port)
    local deadline = luna.get_time_ms() + 60000
    while not quit and not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        mgr.wait(50)
    end
    for i = 1, 5 do mgr.wait(5) end
    print("SERVER_EXIT")
end
