-- crowd.lua: the client of the cases with many connections (server: sink.lua).
--   luna crowd.lua port=P mode=fanin|idle conns=N [secs=3] [window=64] [pace=0] [max_s=60]
-- fanin: N connections, each with at most `window` un-acked calls (the server
--   acks every window/4); round after round, one call("sink", i) on every
--   connection that has room, then mgr.wait(0): what N peers sending one call
--   per loop look like to a server. Rate and CPU per call are the server's,
--   between "mark" and "stats" (sink.lua), and so is segs_call: the TCP
--   segments the machine sent in that time per call (both directions, ACKs
--   included; lower where the kernel puts several calls in one segment).
--   pace=K opens the connections K at a time, each batch answered before
--   the next is opened: for a server with a short listen backlog (the C++
--   reference listens with 16), which drops the handshakes of a storm the
--   client already counts as up. 0: all at once.
-- idle: the server's resident memory per connection, with N connections that
--   have sent nothing for 2 s, then again 2 s after one call on each
--   ("answered": how many of those calls the server answered; "kept": how
--   many connections the server holds at the end). Measured in anonymous
--   resident memory (RssAnon: not the pages of the binary, which the accept
--   path faults in once, by the page or in runs, as the file system
--   allows), from the server with one connection (idle_kib), and as the
--   growth from N/5 idle connections to N (marginal_kib), which leaves out
--   what a process spends once as it grows (its runtime's first
--   collections, its tables' first sizes); rss_kib is idle_kib in VmRSS.
-- Every connection must stay up to the end. Prints RESULT k=v ... or ERROR text.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, mode = "fanin", conns = 1000, secs = 3,
    window = 64, pace = 0, max_s = 60 })
local every = math.max(opt.window // 4, 1) -- the server acks every `every` sinks

local mgr
local peers = {} -- peers[i] = { s = stream, up, acked, sent, hello, err }
local replies = {} -- the control connection's last reply of each kind
local lost, lost_why = 0, nil

local function attach(p)
    p.s.on_connected = function() p.up = true end
    p.s.on_error = function(e)
        if not p.err then lost, lost_why = lost + 1, e end
        p.err = e
    end
    p.s.on_call = function(msg, a, ...)
        if msg == "ack" then p.acked = a
        elseif msg == "hello_ack" then p.hello = true
        else replies[msg] = table.pack(a, ...)
        end
    end
end

-- a condition: every peer from..to (all of them by default) has field set, or a connection was lost
local function all(field, from, to)
    return function()
        if lost > 0 then return true end
        for i = from or 1, to or #peers do if not peers[i][field] then return false end end
        return true
    end
end

-- ask the server over the first connection: the reply's values, or nil
local function ask(msg, a)
    replies[msg .. "_ack"] = nil
    peers[1].s.call(msg, a)
    if not B.wait_for(mgr, function() return replies[msg .. "_ack"] ~= nil or lost > 0 end, 10000) then
        return nil
    end
    return replies[msg .. "_ack"]
end

-- "hello" on peers from..to, again on those without an answer (a server
-- whose accept queue overflowed has dropped the end of a handshake the
-- client counts as up; the frames sent on it wait for retransmission); nil
-- once each of them has its hello_ack, or why not
local function greet(from, to)
    for _ = 1, 10 do
        for i = from, to do
            if not peers[i].hello then peers[i].s.call("hello", every) end
        end
        if B.wait_for(mgr, all("hello", from, to), 1000) and lost == 0 then return nil end
        if lost > 0 then break end
    end
    local h = 0
    for i = from, to do if peers[i].hello then h = h + 1 end end
    return "hello_ack on " .. h .. " of " .. (to - from + 1) .. " connections; lost " .. lost .. " (" .. tostring(lost_why) .. ")"
end

-- opens connections from..to (1 is up already), `batch` at a time, each
-- batch greeted before the next (all at once, not greeted, without batch);
-- seconds until all are up, or nil and why
local function open_all(from, to, batch)
    local t0 = luna.get_time_ns()
    for first = from, to, batch or math.max(to - from + 1, 1) do -- a step of 0 would never end
        local last = batch and math.min(first + batch - 1, to) or to
        for i = first, last do
            local s, err = mgr.connect(opt.host, tostring(opt.port))
            if not s then return nil, "connect " .. i .. ": " .. tostring(err) end
            peers[i] = { s = s, acked = 0, sent = 0 }
            attach(peers[i])
            if i % 64 == 0 then mgr.wait(5) end
        end
        if batch then
            if not B.wait_for(mgr, all("up", first, last), 30000) or lost > 0 then
                return nil, "not all up: lost " .. lost .. " (" .. tostring(lost_why) .. ")"
            end
            local bad = greet(first, last)
            if bad then return nil, bad end
        end
    end
    if not B.wait_for(mgr, all("up"), 30000) or lost > 0 then
        return nil, "not all up: lost " .. lost .. " (" .. tostring(lost_why) .. ")"
    end
    return (luna.get_time_ns() - t0) / 1e9
end

-- the server must still have every connection, and we must have lost none
local function kept(streams)
    if lost > 0 then return "ERROR lost " .. lost .. " connection(s): " .. tostring(lost_why) end
    if streams ~= opt.conns then return "ERROR server has " .. tostring(streams) .. " of " .. opt.conns end
end

local function fanin(up_s)
    local bad = greet(1, #peers)
    if bad then return "ERROR " .. bad end
    if not ask("mark") then return "ERROR no mark_ack" end
    local cpu0, n, segs0 = os.clock(), #peers, B.tcp_out_segs()
    local stop = luna.get_time_ns() + math.floor(opt.secs * 1e9)
    while luna.get_time_ns() < stop and lost == 0 and not luna.get_guit_signal() do
        for i = 1, n do
            local p = peers[i]
            if p.sent - p.acked < opt.window then
                p.sent = p.sent + 1
                p.s.call("sink", p.sent)
            end
        end
        mgr.wait(0)
    end
    local cli_cpu = (os.clock() - cpu0) * 1e6
    local segs1 = B.tcp_out_segs()
    local st = ask("stats")
    if not st then return "ERROR no stats_ack" end
    local total, cpu_us, wall_us, streams, rss = table.unpack(st, 1, 5)
    bad = kept(streams)
    if bad then return bad end
    local sent = 0
    for _, p in ipairs(peers) do sent = sent + p.sent end
    return "RESULT " .. B.kv({ "n", total, "secs", string.format("%.3f", wall_us / 1e6),
        "rate", string.format("%.0f", total / (wall_us / 1e6)),
        "srv_us_call", string.format("%.2f", cpu_us / total), "cli_us_call", string.format("%.2f", cli_cpu / sent),
        "up_s", string.format("%.2f", up_s), "kept", streams, "srv_rss_kib", rss,
        "segs_call", segs0 and segs1 and string.format("%.2f", (segs1 - segs0) / total) or "-" })
end

-- base: the server's stats with only the first connection up; mid: with
-- the first fifth up and idle for 2 s
local function idle(up_s, base, mid)
    B.linger(mgr, 2000)
    local quiet = ask("stats")
    if not quiet then return "ERROR no stats_ack" end
    for _, p in ipairs(peers) do p.s.call("hello", 1) end
    B.linger(mgr, 2000)
    local after = ask("stats")
    if not after then return "ERROR no stats_ack" end
    if lost > 0 then return "ERROR lost " .. lost .. " connection(s): " .. tostring(lost_why) end
    local answered = 0
    for _, p in ipairs(peers) do if p.hello then answered = answered + 1 end end
    -- per connection the server holds (run.sh checks that it holds them all)
    local others = math.max(quiet[4] - base[4], 1)
    local function per(a, b, i, n) return string.format("%.2f", (a[i] - b[i]) / n) end
    return "RESULT " .. B.kv({ "n", opt.conns, "secs", string.format("%.3f", up_s),
        "idle_kib", per(quiet, base, 7, others),
        "lua_kib", per(quiet, base, 6, others),
        "called_kib", per(after, base, 7, others),
        "marginal_kib", per(quiet, mid, 7, math.max(quiet[4] - mid[4], 1)),
        "rss_kib", per(quiet, base, 5, others),
        "base_kib", base[7], "up_s", string.format("%.2f", up_s), "kept", after[4], "answered", answered })
end

function main()
    mgr = luna.create_socket_mgr(opt.conns + 1)
    local s, err = B.dial(mgr, opt.host, opt.port, 5000)
    if not s then print("ERROR connect " .. opt.host .. ":" .. opt.port .. ": " .. tostring(err)); return end
    peers[1] = { s = s, up = true, acked = 0, sent = 0 }
    attach(peers[1])
    local base = ask("stats")
    if not base then print("ERROR no stats_ack"); return end
    local line, up_s, why, mid
    if opt.mode == "idle" then
        local fifth = math.max(opt.conns // 5, 1)
        up_s, why = open_all(2, fifth)
        if up_s then
            B.linger(mgr, 2000)
            mid = ask("stats")
            if not mid then up_s, why = nil, "no stats_ack" end
        end
        if up_s then up_s, why = open_all(fifth + 1, opt.conns) end
    else
        up_s, why = open_all(2, opt.conns, opt.pace > 0 and opt.pace or nil)
    end
    if not up_s then line = "ERROR " .. why
    elseif opt.mode == "fanin" then line = fanin(up_s)
    elseif opt.mode == "idle" then line = idle(up_s, base, mid)
    else line = "ERROR unknown mode " .. tostring(opt.mode) end
    print(line)
    for _, p in ipairs(peers) do p.s.close() end
    mgr.wait(0)
end
