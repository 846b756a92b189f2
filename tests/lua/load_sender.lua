-- load_sender.lua PORT INDEX N: service 9<<16|INDEX sends ("m", my_id, 1..N) to the
-- target 2<<16|1 through the router at PORT with forward_target, keeping at most
-- WINDOW calls un-acked.
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1]))
local index = math.tointeger(tonumber(arg[2]))
local n = math.tointeger(tonumber(arg[3]))
local ID, TARGET, WINDOW = 9 << 16 | index, 2 << 16 | 1, 4000

function main()
    local mgr = luna.create_socket_mgr(8)
    local s = assert(mgr.connect("127.0.0.1", port))
    local connected, acked, broken = false, 0, nil
    s.on_connected = function() connected = true; s.call("register", ID) end
    s.on_error = function(err) broken = err end
    s.on_call = function(name, seq) if name == "ack" then acked = seq end end
    local deadline = luna.get_time_ms() + 1000 * (tonumber(os.getenv("LOAD_MAX_S")) or 120)
    while not connected and not broken and luna.get_time_ms() < deadline do mgr.wait(10) end
    -- the router handles our register before any forward: same stream, in order
    local seq = 0
    while acked < n and not broken and luna.get_time_ms() < deadline do
        while seq < n and seq - acked < WINDOW do
            seq = seq + 1
            assert(s.forward_target(TARGET, "m", ID, seq))
        end
        mgr.wait(5)
    end
    print(string.format("SENDER %d sent=%d acked=%d error=%s", index, seq, acked, tostring(broken)))
end
