-- drain_sender.lua PORT N: connects, issues N calls without ever calling
-- mgr.wait again (so they are still queued in the process), prints SENT and
-- idles until SIGTERM; luna must write all N out before it exits.
io.stdout:setvbuf("line")
local kit = dofile(arg[0]:match("^(.*/)") .. "netkit.lua")
local port, n = math.tointeger(tonumber(arg[1])), math.tointeger(tonumber(arg[2]))

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, port)
    for i = 1, n do assert(s.call("n", i)) end
    print("SENT")
    local deadline = luna.get_time_ms() + 20000
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do luna.sleep_ms(10) end
end
