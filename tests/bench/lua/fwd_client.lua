-- fwd_client.lua: the client of the router cases. Registers as (cg, 1) and
-- master of cg, so services answer it with forward_master(cg, ...); then for
-- `secs` sends one of
--   forward_hash(group, i, "sink", i)   forward_random(group, "sink", i)
--   forward_master(group, "sink", i)    forward_broadcast(group, "sink", i)
-- with at most W deliveries un-acked (W = window bytes / delivered frame
-- bytes; each service acks every W / (4 nsvc)), broadcasts "fin" and waits
-- for every service's fin_ack: the clock stops there.
--   luna fwd_client.lua port=P mode=hash|random|master|broadcast [nsvc=3]
--                       [group=2] [cg=9] [secs=3] [window=1048576] [max_s=60]
-- Prints one line: RESULT k=v ... or ERROR text.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, mode = "hash", nsvc = 3, group = 2,
    cg = 9, secs = 3, window = 1048576, max_s = 60 })

local mgr, stream

local function senders(s, g)
    return {
        hash = function(i) return s.forward_hash(g, i, "sink", i) end,
        random = function(i) return s.forward_random(g, "sink", i) end,
        master = function(i) return s.forward_master(g, "sink", i) end,
        broadcast = function(i) return s.forward_broadcast(g, "sink", i) end,
    }
end

local function run(s)
    local send = senders(s, opt.group)[opt.mode]
    if not send then return "ERROR unknown mode " .. tostring(opt.mode) end
    local nsvc = opt.nsvc
    local fan = opt.mode == "broadcast" and nsvc or 1

    local acks, hello, fins = {}, {}, {}
    local acked, nhello, nfin, master_up = 0, 0, 0, false
    local err = nil
    s.on_error = function(e) err = e end
    s.on_call = function(msg, idx, a)
        if msg == "ack" then
            acked = acked + a - (acks[idx] or 0)
            acks[idx] = a
        elseif msg == "hello_ack" then
            if not hello[idx] then hello[idx] = true; nhello = nhello + 1 end
            if a then master_up = true end
        elseif msg == "fin_ack" then
            if not fins[idx] then fins[idx] = a; nfin = nfin + 1 end
        end
    end

    s.call("register", opt.cg, 1)
    s.call("master", opt.cg)
    -- the router ignores "sink" calls: this sizes the window from a real archive
    local ar = s.call("sink", 1000000)
    local window = opt.window // B.frame_bytes(ar)
    if window < 16 then window = 16 end
    local every = window // (4 * nsvc)
    if every < 1 then every = 1 end

    -- until every service (and, for "master", the master) has answered
    local gerr = B.greet(mgr, s, opt.group, every,
        function() return nhello >= nsvc and (opt.mode ~= "master" or master_up) end,
        function() return err end,
        function() return nhello .. " of " .. nsvc .. " services answered hello" end)
    if gerr then return gerr end
    acks, acked = {}, 0

    local sent = 0
    local t0 = luna.get_time_ns()
    local stop = luna.get_time_ms() + math.floor(opt.secs * 1000)
    repeat
        local upto = sent + (window - (sent * fan - acked)) // fan
        for i = sent + 1, upto do
            if not send(i) then return "ERROR forward failed at " .. i end
        end
        if upto > sent then sent = upto end
        if err then return "ERROR router stream " .. err .. " after " .. sent .. " sends" end
        mgr.wait(1)
    until luna.get_time_ms() >= stop or luna.get_guit_signal()
    s.forward_broadcast(opt.group, "fin")
    if not B.wait_for(mgr, function() return nfin >= nsvc or err ~= nil end, 15000) or nfin < nsvc then
        return "ERROR fin_ack from " .. nfin .. " of " .. nsvc .. " (" .. tostring(err) ..
            ") sent=" .. sent .. " acked=" .. acked
    end
    local secs = (luna.get_time_ns() - t0) / 1e9
    local delivered, per = 0, {}
    for i = 1, nsvc do
        delivered = delivered + (fins[i] or 0)
        per[i] = tostring(fins[i] or "?")
    end
    if delivered ~= sent * fan then
        return "ERROR delivered " .. delivered .. " of " .. sent * fan .. " (per_svc=" ..
            table.concat(per, "/") .. ")"
    end
    return "RESULT " .. B.kv({ "n", delivered, "secs", string.format("%.3f", secs),
        "rate", string.format("%.0f", delivered / secs), "sent_rate", string.format("%.0f", sent / secs),
        "per_svc", table.concat(per, "/"), "window", window, "ack_every", every })
end

function main()
    mgr = luna.create_socket_mgr(16)
    local err
    stream, err = B.dial(mgr, opt.host, opt.port, 5000)
    if not stream then print("ERROR connect router: " .. tostring(err)); return end
    print(run(stream))
    stream.close()
    mgr.wait(0)
end
