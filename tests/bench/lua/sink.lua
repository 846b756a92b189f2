-- sink.lua: the server of the oneway, pingpong, lowrate, fanin and idle cases.
--   luna sink.lua [port=0] [conns=16] [max_s=60]
-- Prints "READY <port>". Per connection:
--   "hello", k     reset the count, ack every k sinks; reply "hello_ack"
--   "sink", i, ... count; every k-th: reply "ack", count
--   "ping", n      reply "pong", n
--   "fin"          reply "fin_ack", count, CPU µs of this process since hello
-- Over all connections:
--   "mark"         reset the total and the clocks; reply "mark_ack"
--   "stats"        reply "stats_ack", sinks since mark, CPU µs and wall µs
--                  since mark, open streams, resident KiB, Lua heap KiB,
--                  anonymous resident KiB
-- Leaves when all its clients have gone, on SIGTERM, or after max_s.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, conns = 16, max_s = 60 })

function main()
    local mgr = luna.create_socket_mgr(opt.conns + 1)
    local listener, err = mgr.listen(opt.host, opt.port)
    if not listener then
        print("ERROR listen " .. tostring(err))
        return
    end
    -- with cluster keys (LUNA_CLUSTER_KEY_FILE), all of a fan-in's connections
    -- may be in the handshake at once; the reference has no such method
    if listener.set_handshake_limit then listener.set_handshake_limit(opt.conns) end
    local streams, open = {}, 0 -- keeps accepted streams alive
    local total, mark_cpu, mark_ns = 0, os.clock(), luna.get_time_ns()

    listener.on_accept = function(s)
        streams[s] = true
        open = open + 1
        local count, every, left, cpu0 = 0, math.maxinteger, math.maxinteger, os.clock()
        s.on_call = function(msg, a)
            if msg == "sink" then
                total = total + 1
                count = count + 1
                left = left - 1
                if left == 0 then
                    left = every
                    s.call("ack", count)
                end
            elseif msg == "ping" then
                s.call("pong", a)
            elseif msg == "hello" then
                count = 0
                every = (math.tointeger(a) or 0) > 0 and a or math.maxinteger
                left = every
                cpu0 = os.clock()
                s.call("hello_ack", every)
            elseif msg == "fin" then
                s.call("fin_ack", count, math.floor((os.clock() - cpu0) * 1e6))
            elseif msg == "mark" then
                total, mark_cpu, mark_ns = 0, os.clock(), luna.get_time_ns()
                s.call("mark_ack")
            elseif msg == "stats" then
                s.call("stats_ack", total, math.floor((os.clock() - mark_cpu) * 1e6),
                    (luna.get_time_ns() - mark_ns) // 1000, open, B.rss_kib(), collectgarbage("count"), B.anon_kib())
            end
        end
        s.on_error = function(e)
            if e ~= "connection_lost" then
                print("SERVER_STREAM_ERROR " .. tostring(e) .. " count=" .. count)
            end
            streams[s] = nil
            open = open - 1
        end
    end

    print("READY " .. (listener.port or opt.port)) -- the C++ reference has no listener.port
    local stop = luna.get_time_ms() + opt.max_s * 1000
    local served = false
    while not (served and open == 0) and not luna.get_guit_signal() and luna.get_time_ms() < stop do
        served = served or open > 0
        mgr.wait(20)
    end
    B.linger(mgr, 20)
end
