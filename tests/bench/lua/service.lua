-- service.lua: one service of the router cases. Registers with the router as
-- (group, index), optionally as the group's master, and answers the client
-- (the master of client group cg) with forward_master(cg, ...).
--   luna service.lua port=P index=I [group=2] [master=0|1] [cg=9] [cap=0] [max_s=120]
-- Messages (delivered through the router):
--   "hello", k     reset the counts, ack every k; answer "hello_ack", index, is_master
--   "sink", ...    count; every k-th: answer "ack", index, count
--   "tick", t_ns   count, and the latency since t_ns (luna.get_time_ns of the sender)
--   "fin"          answer "fin_ack", index, count, and with ticks p50_us, p99_us
-- cap > 0 makes this a slow service: it handles at most cap ticks a second,
-- sleeping (not reading) while it is ahead of that rate.
-- Prints "REGISTERED" once registered; leaves when the router goes away.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, group = 2, index = 1, master = 0,
    cg = 9, cap = 0, max_s = 120 })

-- p-th percentile (0..1) of the samples, in microseconds
local function pct_us(samples, p)
    if #samples == 0 then return -1 end
    local i = math.max(1, math.ceil(#samples * p))
    return string.format("%.0f", samples[i] / 1000)
end

function main()
    local mgr = luna.create_socket_mgr(16)
    local s, err = B.dial(mgr, opt.host, opt.port, 5000)
    if not s then print("ERROR connect router: " .. tostring(err)); return end
    local idx, cg, is_master, cap = opt.index, opt.cg, opt.master == 1, opt.cap
    local count, every, left = 0, math.maxinteger, math.maxinteger
    local lat, t_first = {}, nil
    local gone = nil
    s.on_error = function(e) gone = e end
    s.on_call = function(msg, a)
        if msg == "sink" then
            count = count + 1
            left = left - 1
            if left == 0 then
                left = every
                s.forward_master(cg, "ack", idx, count)
            end
        elseif msg == "tick" then
            count = count + 1
            lat[#lat + 1] = luna.get_time_ns() - a
            if cap > 0 then
                t_first = t_first or luna.get_time_ms()
                local ahead = t_first + count * 1000 // cap - luna.get_time_ms()
                if ahead > 0 then luna.sleep_ms(ahead) end
            end
        elseif msg == "hello" then
            count, lat, t_first = 0, {}, nil
            every = (math.tointeger(a) or 0) > 0 and a or math.maxinteger
            left = every
            s.forward_master(cg, "hello_ack", idx, is_master)
        elseif msg == "fin" then
            table.sort(lat)
            s.forward_master(cg, "fin_ack", idx, count, pct_us(lat, 0.5), pct_us(lat, 0.99))
        end
    end
    s.call("register", opt.group, idx)
    if is_master then s.call("master", opt.group) end
    print("REGISTERED " .. opt.group .. "." .. idx .. (is_master and " master" or ""))

    local stop = luna.get_time_ms() + opt.max_s * 1000
    while not gone and not luna.get_guit_signal() and luna.get_time_ms() < stop do
        mgr.wait(20)
    end
    if gone and gone ~= "connection_lost" then print("SERVICE_STREAM_ERROR " .. gone) end
end
