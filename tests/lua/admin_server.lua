-- admin_server.lua: an echo server with the admin endpoint on an ephemeral
-- loopback port; prints "READY <port> ADMIN <admin port>". Calls:
--   "ready", n      luna.admin.ready(n ~= 0)
--   "stall", ms     keep the Lua thread away from wait for ms (sleep_ms)
--   anything else   echoed back
-- After SIGTERM it keeps serving for 2 s (draining), then leaves.
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")

function main()
    local mgr = luna.create_socket_mgr(64)
    local listener = kit.serve(mgr, function(s)
        s.on_call = function(msg, a)
            if msg == "ready" then luna.admin.ready(a ~= 0)
            elseif msg == "stall" then luna.sleep_ms(a)
            else s.call(msg, a) end
        end
    end)
    local aport, err = luna.admin.listen("127.0.0.1", 0)
    assert(aport, err)
    local again, err2 = luna.admin.listen("127.0.0.1", 0)
    assert(not again and err2:find("already listens"), "a second admin.listen: " .. tostring(err2))
    print("READY " .. listener.port .. " ADMIN " .. aport)
    local stop = luna.get_time_ms() + 60000
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do mgr.wait(20) end
    local drain = luna.get_time_ms() + 2000
    while luna.get_time_ms() < drain do mgr.wait(20) end
end
