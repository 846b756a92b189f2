-- error_flood.lua: 1 000 calls whose on_call raises the same error, then
-- on_loop raising, and one other error. Runs long enough for the repeat
-- counts to be printed, then exits.
io.stdout:setvbuf("line")
local kit = dofile(arg[0]:match("^(.*/)") .. "netkit.lua")
local mgr = luna.create_socket_mgr(16)
local calls = 0
local listener = kit.serve(mgr, function(s)
    s.on_call = function(msg, i)
        calls = calls + 1
        if i == 500 then error("other error") end
        error("boom in on_call")
    end
end)

function main()
    local c = assert(mgr.connect("127.0.0.1", listener.port))
    for i = 1, 1000 do c.call("bad", i) end
    local deadline = luna.get_time_ms() + 10000
    while calls < 1000 and luna.get_time_ms() < deadline do mgr.wait(5) end
    local quiet = luna.get_time_ms() + 1200
    while luna.get_time_ms() < quiet do mgr.wait(5) end
    print("CALLS " .. calls)
end
