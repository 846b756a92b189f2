-- drain_sender.lua PORT N: connects, issues N calls without ever calling
-- mgr.wait again (so they are still queued in the process), prints SENT and
-- idles until SIGTERM; luna must write all N out before it exits.
io.stdout:setvbuf("line")
local port, n = math.tointeger(tonumber(arg[1])), math.tointeger(tonumber(arg[2]))

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = assert(mgr.connect("127.0.0.1", port))
    local connected = false
    s.on_connected = function() connected = true end
    local deadline = luna.get_time_ms() + 5000
    while not connected and luna.get_time_ms() < deadline do mgr.wait(10) end
    assert(connected, "not connected")
    for i = 1, n do assert(s.call("n", i)) end
    print("SENT")
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline + 20000 do luna.sleep_ms(10) end
end
