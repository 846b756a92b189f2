-- min_router.lua: the least router that runs on both luna binaries (the
-- C++ one has no `arg` and no listener.port): listens on 127.0.0.1:$PORT,
-- prints READY, and routes ("register", id) to the calling stream,
-- answering ("registered", id). Everything else is the runtime's
-- forwarding.
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(os.getenv("PORT")))
streams = {}

function main()
    mgr = luna.create_socket_mgr(64)
    local listener = assert(mgr.listen("127.0.0.1", port))
    listener.on_accept = function(s)
        streams[s.token] = s
        s.on_call = function(name, id)
            if name == "register" then
                mgr.route(id, s.token)
                s.call("registered", id)
            end
        end
        s.on_error = function() streams[s.token] = nil end
    end
    print("READY " .. port)
    local stop = luna.get_time_ms() + 60000
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do mgr.wait(10) end
end
