-- client.lua: the client of the oneway and pingpong cases (server: sink.lua).
--   luna client.lua port=P mode=oneway|pingpong payload=int|s64|s1k|table
--                   [secs=3] [window=1048576] [max_s=60]
-- oneway: pipelines call("sink", i[, payload]) with at most W un-acked calls
--   (W = window bytes / frame bytes, the server acks every K = W/4), then
--   "fin"; the clock runs from the first sink to the fin_ack.
-- pingpong: one call("ping", n) in flight; the next one leaves from on_call.
-- lowrate: call("sink", i) at rate=R calls/s (1000), each one on its own
--   (mgr.wait(1) between), then "fin": CPU per call of both processes.
-- Prints one line: RESULT k=v ... or ERROR text.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, mode = "oneway", payload = "int",
    secs = 3, window = 1048576, max_s = 60, rate = 1000 })

local mgr, stream -- kept alive for the whole run

local function oneway(s, extra)
    local st = { acked = 0, hello = false, fin = nil, err = nil }
    s.on_call = function(msg, a)
        if msg == "ack" then st.acked = a
        elseif msg == "hello_ack" then st.hello = true
        elseif msg == "fin_ack" then st.fin = a
        end
    end
    s.on_error = function(e) st.err = e end

    -- size the window from a real frame (counted, then reset by hello)
    local ar = extra == nil and s.call("sink", 1000000) or s.call("sink", 1000000, extra)
    local window = opt.window // B.frame_bytes(ar)
    if window < 8 then window = 8 end
    local every = window // 4
    s.call("hello", every)
    if not B.wait_for(mgr, function() return st.hello or st.err end, 5000) or not st.hello then
        return "ERROR no hello_ack (" .. tostring(st.err) .. ")"
    end

    local rec = B.record
    local sent, archive_bytes = 0, 0
    local t0 = luna.get_time_ns()
    local stop = luna.get_time_ms() + math.floor(opt.secs * 1000)
    repeat
        local upto = st.acked + window
        if extra == nil then
            for i = sent + 1, upto do
                local n = s.call("sink", i)
                if not n then return "ERROR call failed at " .. i end
                archive_bytes = archive_bytes + n
            end
        else
            for i = sent + 1, upto do
                rec.id = i
                local n = s.call("sink", i, extra)
                if not n then return "ERROR call failed at " .. i end
                archive_bytes = archive_bytes + n
            end
        end
        if upto > sent then sent = upto end
        if st.err then return "ERROR stream " .. st.err .. " after " .. sent .. " calls" end
        mgr.wait(1)
    until luna.get_time_ms() >= stop or luna.get_guit_signal()
    s.call("fin")
    if not B.wait_for(mgr, function() return st.fin or st.err end, 15000) or not st.fin then
        return "ERROR no fin_ack (" .. tostring(st.err) .. ") sent=" .. sent .. " acked=" .. st.acked
    end
    local secs = (luna.get_time_ns() - t0) / 1e9
    if st.fin ~= sent then
        return "ERROR server counted " .. st.fin .. " of " .. sent .. " calls"
    end
    -- every frame of one case has the same header length (archives < 128 B, or all ~1 KiB)
    local avg = archive_bytes / sent
    local wire = archive_bytes + sent * (B.uvlen(math.floor(avg) + 1) + 1)
    return "RESULT " .. B.kv({ "n", st.fin, "secs", string.format("%.3f", secs),
        "rate", string.format("%.0f", sent / secs), "mbps", string.format("%.2f", wire / secs / 1e6),
        "frame", string.format("%.1f", wire / sent), "window", window, "ack_every", every })
end

local function lowrate(s)
    local st = { hello = false, fin = nil, cpu = nil, err = nil }
    s.on_call = function(msg, a, b)
        if msg == "hello_ack" then st.hello = true
        elseif msg == "fin_ack" then st.fin, st.cpu = a, b
        end
    end
    s.on_error = function(e) st.err = e end
    s.call("hello", 0)
    if not B.wait_for(mgr, function() return st.hello or st.err end, 5000) or not st.hello then
        return "ERROR no hello_ack (" .. tostring(st.err) .. ")"
    end
    local sent, cpu0, t0 = 0, os.clock(), luna.get_time_ns()
    local stop = t0 + math.floor(opt.secs * 1e9)
    while luna.get_time_ns() < stop and not luna.get_guit_signal() do
        local due = (luna.get_time_ns() - t0) * opt.rate // 1e9
        while sent < due do
            sent = sent + 1
            if not s.call("sink", sent) then return "ERROR call failed at " .. sent end
        end
        if st.err then return "ERROR stream " .. st.err .. " after " .. sent .. " calls" end
        mgr.wait(1)
    end
    local secs = (luna.get_time_ns() - t0) / 1e9
    local cpu = (os.clock() - cpu0) * 1e6
    s.call("fin")
    if not B.wait_for(mgr, function() return st.fin or st.err end, 15000) or not st.fin then
        return "ERROR no fin_ack (" .. tostring(st.err) .. ") sent=" .. sent
    end
    if st.fin ~= sent then return "ERROR server counted " .. st.fin .. " of " .. sent .. " calls" end
    return "RESULT " .. B.kv({ "n", sent, "secs", string.format("%.3f", secs),
        "rate", string.format("%.0f", sent / secs),
        "srv_us_call", string.format("%.1f", st.cpu / sent), "cli_us_call", string.format("%.1f", cpu / sent) })
end

local function pingpong(s, extra)
    local samples, n = {}, 0
    local err, done = nil, false
    local sent_at, stop_at = 0, 0
    s.on_error = function(e) err = e end
    s.on_call = function(msg, a)
        if msg ~= "pong" then return end
        local now = luna.get_time_ns()
        n = n + 1
        samples[n] = now - sent_at
        if now >= stop_at then done = true; return end
        sent_at = now
        if extra == nil then s.call("ping", n) else s.call("ping", n, extra) end
    end
    local t0 = luna.get_time_ns()
    stop_at = t0 + math.floor(opt.secs * 1e9)
    sent_at = t0
    if extra == nil then s.call("ping", 0) else s.call("ping", 0, extra) end
    local hard = luna.get_time_ms() + math.floor(opt.secs * 1000) + 10000
    while not done and not err and not luna.get_guit_signal() and luna.get_time_ms() < hard do
        mgr.wait(5)
    end
    local secs = (luna.get_time_ns() - t0) / 1e9
    if err then return "ERROR stream " .. err .. " after " .. n .. " round trips" end
    if not done then return "ERROR no pong for 10 s after " .. n .. " round trips" end
    table.sort(samples)
    local function pct(p)
        local i = math.ceil(p * n)
        if i < 1 then i = 1 end
        return string.format("%.1f", samples[i] / 1000)
    end
    return "RESULT " .. B.kv({ "n", n, "secs", string.format("%.3f", secs),
        "rate", string.format("%.0f", n / secs), "p50_us", pct(0.50), "p99_us", pct(0.99),
        "max_us", string.format("%.1f", samples[n] / 1000) })
end

function main()
    mgr = luna.create_socket_mgr(16)
    local extra, ok = B.payload(opt.payload)
    if not ok then print("ERROR unknown payload " .. tostring(opt.payload)); return end
    local err
    stream, err = B.dial(mgr, opt.host, opt.port, 5000)
    if not stream then print("ERROR connect " .. opt.host .. ":" .. opt.port .. ": " .. tostring(err)); return end
    local line
    if opt.mode == "oneway" then line = oneway(stream, extra)
    elseif opt.mode == "pingpong" then line = pingpong(stream, extra)
    elseif opt.mode == "lowrate" then line = lowrate(stream)
    else line = "ERROR unknown mode " .. tostring(opt.mode) end
    print(line)
    stream.close()
    mgr.wait(0)
end
