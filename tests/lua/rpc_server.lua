-- rpc_server.lua: a luna.rpc callee on 127.0.0.1 (any port; prints READY
-- <port>). Handlers: add(a, b), fail() raises, sleep(ms) blocks the thread
-- then answers, later(x) defers and answers 2x about 50 ms later. Its own
-- on_call, set after rpc.attach, answers the plain call ("plain", x) with
-- ("plain_ack", x).
-- It runs on the C++ luna too, which has neither require("luna.rpc") nor
-- `arg` nor listener.port: there RPC names scripts/rpc.lua (dofile) and
-- PORT the port, and the loop calls rpc.tick() (this runtime does that
-- itself at every wait).
io.stdout:setvbuf("line")
local rpc = package.preload["luna.rpc"] and require("luna.rpc") or dofile(os.getenv("RPC"))

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
    local port = math.tointeger(tonumber(os.getenv("PORT") or "0"))
    local listener = assert(mgr.listen("127.0.0.1", port))
    local streams = {}
    listener.on_accept = function(s)
        streams[s.token] = s -- referenced, or Lua collects and closes it
        rpc.attach(s)
        s.on_call = function(msg, x) -- after attach: still the script's own
            if msg == "plain" then s.call("plain_ack", x) end
        end
    end
    print("READY " .. (listener.port or port))
    local stop = luna.get_time_ms() + 60000
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do
        mgr.wait(10)
        rpc.tick()
        for i = #deferred, 1, -1 do
            local d = deferred[i]
            if luna.get_time_ms() >= d.at then
                table.remove(deferred, i)
                d.reply(true, d.x * 2)
            end
        end
    end
end
