-- slow_client.lua: the client of the slow-target cases. Registers as (cg, 1)
-- and master of cg (services answer with forward_master(cg, ...)), then for
-- `secs` sends forward_target(group << 16 | i, "tick", now_ns, payload) to
-- each service i = 1..nsvc at `rate` a second each, and then "fin" to each.
-- Every service but `slow` (0: none) must answer fin_ack having got every
-- tick it was sent; the slow one is not waited for (its fin may be dropped).
--   luna slow_client.lua port=P [nsvc=3] [slow=0] [rate=20000] [bytes=1024]
--                        [group=2] [cg=9] [secs=3] [max_s=60]
-- Prints one line: RESULT n=<ticks the fast services got> secs rate (ticks a
-- second to each fast service) p50_us p99_us (the worst fast service's
-- latency, sender to service) sent=<ticks to each service>, or ERROR text.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, nsvc = 3, slow = 0, rate = 20000,
    bytes = 1024, group = 2, cg = 9, secs = 3, max_s = 60 })

local function run(mgr, s)
    local nsvc, slow, g = opt.nsvc, opt.slow, opt.group
    local nfast = slow >= 1 and slow <= nsvc and nsvc - 1 or nsvc
    local hello, nhello, fins, nfin, err = {}, 0, {}, 0, nil
    s.on_error = function(e) err = e end
    s.on_call = function(msg, idx, count, p50, p99)
        if msg == "hello_ack" and not hello[idx] then
            hello[idx] = true
            nhello = nhello + 1
        elseif msg == "fin_ack" and idx ~= slow and not fins[idx] then
            fins[idx] = { count, tonumber(p50), tonumber(p99) }
            nfin = nfin + 1
        end
    end
    s.set_send_cache(4 << 20) -- a loop's worth of ticks to nsvc services, with room
    s.call("register", opt.cg, 1)
    s.call("master", opt.cg)
    local gerr = B.greet(mgr, s, g, 0, function() return nhello >= nsvc end,
        function() return err end,
        function() return nhello .. " of " .. nsvc .. " services answered hello" end)
    if gerr then return gerr end

    local pad = string.rep("x", opt.bytes)
    local sent = 0
    local t0 = luna.get_time_ms()
    local stop = t0 + math.floor(opt.secs * 1000)
    while luna.get_time_ms() < stop and not luna.get_guit_signal() do
        local due = (luna.get_time_ms() - t0) * opt.rate // 1000
        while sent < due do
            sent = sent + 1
            local now = luna.get_time_ns()
            for i = 1, nsvc do
                if not s.forward_target(g << 16 | i, "tick", now, pad) then
                    return "ERROR forward_target failed at " .. sent
                end
            end
        end
        if err then return "ERROR router stream " .. err .. " after " .. sent .. " ticks each" end
        mgr.wait(1)
    end
    local secs = (luna.get_time_ms() - t0) / 1000
    for i = 1, nsvc do s.forward_target(g << 16 | i, "fin") end
    if not B.wait_for(mgr, function() return nfin >= nfast or err ~= nil end, 15000) then
        return "ERROR fin_ack from " .. nfin .. " of " .. nfast .. " fast services (" ..
            tostring(err) .. ") sent=" .. sent
    end
    local got, p50, p99 = 0, 0, 0
    for i, f in pairs(fins) do
        if f[1] ~= sent then
            return "ERROR fast service " .. i .. " got " .. f[1] .. " of " .. sent .. " ticks"
        end
        got = got + f[1]
        p50, p99 = math.max(p50, f[2] or -1), math.max(p99, f[3] or -1)
    end
    return "RESULT " .. B.kv({ "n", got, "secs", string.format("%.3f", secs),
        "rate", string.format("%.0f", got / nfast / secs), "p50_us", p50, "p99_us", p99,
        "sent", sent, "fast", nfast })
end

function main()
    local mgr = luna.create_socket_mgr(16)
    local s, err = B.dial(mgr, opt.host, opt.port, 5000)
    if not s then print("ERROR connect router: " .. tostring(err)); return end
    print(run(mgr, s))
    s.close()
    mgr.wait(0)
end
