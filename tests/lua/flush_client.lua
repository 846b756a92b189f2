-- flush_client.lua PORT MODE: connects to flush_sink.lua, then makes calls
-- and gives up the thread without another mgr.wait:
--   exit        100 calls, then os.exit(0)
--   exit_close  100 calls, then os.exit(true, true) (closes the Lua state)
--   sleep       1 call, then sleep_ms(5000), then returns
--   return      100 calls, then main returns
io.stdout:setvbuf("line")
local kit = dofile(arg[0]:match("^(.*/)") .. "netkit.lua")
local port, mode = math.tointeger(tonumber(arg[1])), arg[2]
local mgr = luna.create_socket_mgr(16)

function main()
    local s = kit.connect(mgr, port)
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
