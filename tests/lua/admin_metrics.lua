-- admin_metrics.lua: luna.metrics from a script. Checks what must raise
-- (printing "<case> ok" or "<case> FAIL ..."), records known values, then
-- serves its admin endpoint: prints "ADMIN <port>" and waits for SIGTERM.
io.stdout:setvbuf("line")

local _, _, raises = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")

function main()
    local M = luna.metrics
    local calls = M.counter("game_calls_total", "Calls handled, by message.", { "msg" })
    local players = M.gauge("game_players", "Players online.")
    local lat = M.histogram("game_latency_seconds", "Request latency.", { 0.01, 0.1, 1 }, { "route" })
    local plain = M.counter("game_ticks_total", "Ticks.")
    calls.inc(3, "login")
    calls:inc(2, "login") -- a colon call works too
    calls.inc(1, "logout")
    players.set(42)
    players.inc(-2)
    for _, v in ipairs({ 0.005, 0.05, 0.5, 5 }) do lat.observe(v, "match") end
    plain.inc()
    if M.counter("game_calls_total", "Calls handled, by message.", { "msg" }) ~= calls then
        print("same family FAIL: another object")
    else
        print("same family ok")
    end

    raises("bad name", "the name must be", M.gauge, "9lives", "help")
    raises("reserved", "are the runtime's", M.gauge, "luna_mine", "help")
    raises("counter suffix", "ends in _total", M.counter, "game_calls", "help")
    raises("no help", "help text", M.gauge, "game_x", "")
    raises("bad label", "label 1 must be", M.gauge, "game_y", "help", { "le" })
    raises("twice", "twice", M.gauge, "game_z", "help", { "a", "a" })
    raises("buckets", "above the one before", M.histogram, "game_h", "help", { 1, 0.5 })
    raises("no buckets", "at least one bucket", M.histogram, "game_h", "help", {})
    raises("other kind", "already a counter", M.gauge, "game_calls_total", "help", { "msg" })
    raises("label count", "1 label value(s) given, the family has 0", players.set, 1, "extra")
    raises("missing label", "0 label value(s) given, the family has 1", calls.inc, 1)
    raises("counter down", "only goes up", calls.inc, -1, "login")
    raises("set a counter", "only a gauge is set", calls.set, 1, "login")
    raises("not a number", "must be a number", players.set, "many")

    local port = assert(luna.admin.listen("127.0.0.1", 0))
    print("ADMIN " .. port)
    local mgr = luna.create_socket_mgr(4)
    local stop = luna.get_time_ms() + 60000
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do mgr.wait(20) end
end
