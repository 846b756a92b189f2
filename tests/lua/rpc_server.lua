-- rpc_server.lua: a luna.rpc callee on 127.0.0.1 (any port; prints READY
-- <port>). Handlers: add(a, b), fail() raises, sleep(ms) blocks the thread
-- then answers, later(x) defers and answers 2x about 50 ms later. Its own on_call, set after rpc.attach, answers the plain
-- call ("plain", x) with ("plain_ack", x).
io.stdout:setvbuf("line")
local rpc = require("luna.rpc")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")

rpc.handle("add", function(a, b) return a + b end)
rpc.handle("fail", function() error("nope") end)
rpc.handle("sleep", function(ms) luna.sleep_ms(ms) return "woke" end)
local deferred = {}
rpc.handle("later", function(x)
    deferred[#deferred + 1] = { reply = rpc.defer(), x = x, at = luna.get_time_ms() + 50 }
    return "not the reply"
end)

function main()
    local mgr = luna.create_socket_mgr(16)
    local listener = kit.serve(mgr, function(s)
        rpc.attach(s)
        s.on_call = function(msg, x) -- after attach: still the script's own
            if msg == "plain" then s.call("plain_ack", x) end
        end
    end)
    print("READY " .. listener.port)
    local stop = luna.get_time_ms() + 60000
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do
        mgr.wait(10)
        for i = #deferred, 1, -1 do
            local d = deferred[i]
            if luna.get_time_ms() >= d.at then
                table.remove(deferred, i)
                d.reply(true, d.x * 2)
            end
        end
    end
end
