-- load_router.lua MAX_CONN [EXPECT]: a router on an ephemeral port (prints READY <port>).
-- "register", id routes id to the caller. When EXPECT streams are connected it
-- prints ACCEPTED <n> and sends "hello" on every one of them.
io.stdout:setvbuf("line")
local max_conn = math.tointeger(tonumber(arg[1] or "100"))
local expect = math.tointeger(tonumber(arg[2] or "0"))
streams = {}
local count = 0

function main()
    mgr = assert(luna.create_socket_mgr(max_conn))
    local listener = assert(mgr.listen("127.0.0.1", 0))
    listener.on_accept = function(s)
        streams[s.token] = s
        count = count + 1
        s.on_call = function(name, id)
            if name == "register" then mgr.route(id, s.token) end
        end
        s.on_error = function(err)
            streams[s.token] = nil
            count = count - 1
        end
        if count == expect then
            print("ACCEPTED " .. count)
            for _, st in pairs(streams) do st.call("hello") end
        end
    end
    print("READY " .. listener.port)
    local deadline = luna.get_time_ms() + 1000 * (tonumber(os.getenv("LOAD_MAX_S")) or 120)
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do mgr.wait(50) end
end
