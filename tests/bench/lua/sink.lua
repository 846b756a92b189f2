-- sink.lua: the server of the oneway and pingpong cases.
--   luna sink.lua [port=0] [max_s=60]
-- Prints "READY <port>". Per connection:
--   "hello", k     reset the count, ack every k sinks; reply "hello_ack"
--   "sink", i, ... count; every k-th: reply "ack", count
--   "ping", n      reply "pong", n
--   "fin"          reply "fin_ack", count, CPU µs of this process since hello
-- Leaves when its first client has gone, on SIGTERM, or after max_s.

local B = dofile((arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, max_s = 60 })

function main()
    local mgr = luna.create_socket_mgr(16)
    local listener, err = mgr.listen(opt.host, opt.port)
    if not listener then
        print("ERROR listen " .. tostring(err))
        return
    end
    local streams = {} -- keeps accepted streams alive
    local finished = false

    listener.on_accept = function(s)
        streams[s] = true
        local count, every, left, cpu0 = 0, math.maxinteger, math.maxinteger, os.clock()
        s.on_call = function(msg, a)
            if msg == "sink" then
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
            end
        end
        s.on_error = function(e)
            if e ~= "connection_lost" then
                print("SERVER_STREAM_ERROR " .. tostring(e) .. " count=" .. count)
            end
            streams[s] = nil
            finished = true
        end
    end

    print("READY " .. listener.port)
    local stop = luna.get_time_ms() + opt.max_s * 1000
    while not finished and not luna.get_guit_signal() and luna.get_time_ms() < stop do
        mgr.wait(20)
    end
    B.linger(mgr, 20)
end
