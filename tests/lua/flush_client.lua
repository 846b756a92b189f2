-- flush_client.lua PORT MODE: connects to flush_sink.lua, then makes calls
-- and gives up the thread without another mgr.wait:
--   exit        100 calls, then os.exit(0)
--   exit_close  100 calls, then os.exit(true, true) (closes the Lua state)
--   sleep       1 call, then sleep_ms(5000), then returns
--   return      100 calls, then main returns
io.stdout:setvbuf("line")
local port, mode = math.tointeger(tonumber(arg[1])), arg[2]
local mgr = luna.create_socket_mgr(16)

function main()
    local s = assert(mgr.connect("127.0.0.1", port))
    local up = false
    s.on_connected = function() up = true end
    local deadline = luna.get_time_ms() + 5000
    while not up and luna.get_time_ms() < deadline do mgr.wait(10) end
    assert(up, "not connected")
    if mode == "sleep" then
        s.call("one")
        print("SENT")
        luna.sleep_ms(5000)
        return
    end
    for i = 1, 100 do s.call("n", i) end
    print("SENT")
    if mode == "exit" then os.exit(0) end
    if mode == "exit_close" then os.exit(true, true) end
end
