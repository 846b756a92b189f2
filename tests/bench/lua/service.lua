-- service.lua: one service of the router cases. Registers with the router as
-- (group, index), optionally as the group's master, and answers the client
-- (the master of client group cg) with forward_master(cg, ...).
--   luna service.lua port=P index=I [group=2] [master=0|1] [cg=9] [max_s=120]
-- Messages (delivered through the router):
--   "hello", k     reset the count, ack every k; answer "hello_ack", index, is_master
--   "sink", ...    count; every k-th: answer "ack", index, count
--   "fin"          answer "fin_ack", index, count
-- Prints "REGISTERED" once registered; leaves when the router goes away.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, group = 2, index = 1, master = 0,
    cg = 9, max_s = 120 })

function main()
    local mgr = luna.create_socket_mgr(16)
    local s, err = B.dial(mgr, opt.host, opt.port, 5000)
    if not s then print("ERROR connect router: " .. tostring(err)); return end
    local idx, cg, is_master = opt.index, opt.cg, opt.master == 1
    local count, every, left = 0, math.maxinteger, math.maxinteger
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
        elseif msg == "hello" then
            count = 0
            every = (math.tointeger(a) or 0) > 0 and a or math.maxinteger
            left = every
            s.forward_master(cg, "hello_ack", idx, is_master)
        elseif msg == "fin" then
            s.forward_master(cg, "fin_ack", idx, count)
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
