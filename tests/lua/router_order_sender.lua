-- router_order_sender.lua PORT ID TARGET N: service ID sends ("s", 1..N) to
-- TARGET through the router at PORT with forward_target, keeping at most
-- WINDOW calls un-acked so its 64 KiB send cache never fills (a frame is
-- about 12 bytes). Prints SENDER sent=<n> acked=<n> error=<err or nil>.
io.stdout:setvbuf("line")
local port = arg[1]
local ID = math.tointeger(tonumber(arg[2]))
local TARGET = math.tointeger(tonumber(arg[3]))
local N = math.tointeger(tonumber(arg[4]))
local WINDOW = 2000

function main()
    local mgr = assert(luna.create_socket_mgr(4))
    local s = assert(mgr.connect("127.0.0.1", port))
    local registered, acked, broken = false, 0, nil
    s.on_connected = function() s.call("register", ID) end
    s.on_error = function(err) broken = err end
    s.on_call = function(name, seq)
        if name == "registered" then registered = true
        elseif name == "ack" and seq > acked then acked = seq end
    end
    local deadline = luna.get_time_ms() + 90000
    while not registered and not broken and luna.get_time_ms() < deadline do mgr.wait(10) end
    local seq = 0
    while acked < N and not broken and not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        while seq < N and seq - acked < WINDOW do
            local n, err = s.forward_target(TARGET, "s", seq + 1)
            if not n then broken = "forward_target: " .. tostring(err) break end
            seq = seq + 1
        end
        mgr.wait(5)
    end
    print(string.format("SENDER sent=%d acked=%d error=%s", seq, acked, tostring(broken)))
end
