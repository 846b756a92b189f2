-- stream_errors.lua SCENARIO [port]: each scenario provokes one error from a real
-- situation and checks what the script sees. Prints PASS when it matches.
io.stdout:setvbuf("line")
local scenario = arg[1]
local port = math.tointeger(tonumber(arg[2] or "0"))

local mgr

-- run the loop until cond() or ms elapse; returns cond()
local function wait_until(cond, ms)
    local deadline = luna.get_time_ms() + ms
    while not cond() and luna.get_time_ms() < deadline do mgr.wait(10) end
    return cond()
end

-- connect and record every callback on the stream
local function open(host, p)
    local s, err = mgr.connect(host, p)
    assert(s, err)
    local st = { errors = {}, connected = false, calls = {} }
    s.on_connected = function() st.connected = true end
    s.on_error = function(e) st.errors[#st.errors + 1] = e end
    s.on_call = function(name, ...) st.calls[#st.calls + 1] = name end
    return s, st
end

local function expect_error(st, want, ms)
    assert(wait_until(function() return #st.errors > 0 end, ms or 5000), "no on_error, want " .. want)
    assert(st.errors[1] == want, "on_error(" .. tostring(st.errors[1]) .. "), want " .. want)
    mgr.wait(50)
    assert(#st.errors == 1, "on_error called " .. #st.errors .. " times")
end

local scenarios = {}

function scenarios.connect_failed()
    local s, st = open("127.0.0.1", port)
    expect_error(st, "connect_failed")
    assert(not st.connected)
end

function scenarios.dns_error()
    local t0 = luna.get_time_ms()
    local s, st = open("no-such-host.invalid", 1)
    -- connect returned at once: resolution happens off the Lua thread
    assert(luna.get_time_ms() - t0 < 100, "connect blocked the loop")
    expect_error(st, "dns_error", 20000)
end

function scenarios.resolve_names()
    -- a name and both literal families reach the echo server (arg[2] is its v4 port,
    -- arg[3] its v6 port or "none")
    local v6port = math.tointeger(tonumber(arg[3] or ""))
    local targets = { { "localhost", port }, { "127.0.0.1", port } }
    if v6port then targets[#targets + 1] = { "::1", v6port } end
    for _, t in ipairs(targets) do
        local s, st = open(t[1], t[2])
        assert(s.ip == t[1] or s.ip ~= nil)
        s.call("hi", t[1])
        assert(wait_until(function() return #st.calls > 0 end, 5000), "no echo through " .. t[1])
        assert(st.connected and #st.errors == 0)
        s.close()
    end
end

function scenarios.connection_lost()
    local s, st = open("127.0.0.1", port)
    assert(wait_until(function() return st.connected end, 5000), "not connected")
    s.call("quit") -- the echo server exits
    expect_error(st, "connection_lost")
end

function scenarios.timeout()
    local s, st = open("127.0.0.1", port) -- a peer that never sends
    s.set_timeout(300)
    local t0 = luna.get_time_ms()
    expect_error(st, "timeout", 5000)
    local took = luna.get_time_ms() - t0
    assert(took >= 250 and took < 3000, "timeout after " .. took .. " ms")
end

function scenarios.package_too_large()
    -- the echo server's stream has the default 64 KiB receive cache
    mgr.set_package_size(1 << 20)
    local s, st = open("127.0.0.1", port)
    -- a frame larger than the send cache can only go out once connected
    assert(wait_until(function() return st.connected end, 5000), "not connected")
    local n, err = s.call("big", string.rep("x", 100000))
    assert(n and n > 100000, err)
    expect_error(st, "connection_lost")
end

function scenarios.largest_default_frame()
    -- the largest archive a default sender can build crosses to a default receiver
    local s, st = open("127.0.0.1", port)
    assert(wait_until(function() return st.connected end, 5000), "not connected")
    local body = string.rep("y", 65535 - 10)
    local n, err = s.call("big", body)
    assert(n, err)
    local n2 = s.call("big", body .. string.rep("z", 65535 - n))
    assert(n2 == 65535, "archive of " .. tostring(n2))
    assert(s.call("big", body .. string.rep("z", 65536 - n)) == nil, "an archive over the package size was sent")
    assert(wait_until(function() return #st.calls == 2 end, 5000), "echoes: " .. #st.calls)
    assert(#st.errors == 0, st.errors[1])
end

function scenarios.send_cache_full()
    -- port: a peer that accepts and never reads; arg[3]: an echo server
    local stuck, st = open("127.0.0.1", port)
    local ok, okst = open("127.0.0.1", math.tointeger(tonumber(arg[3])))
    assert(wait_until(function() return st.connected and okst.connected end, 5000), "not connected")
    local payload = string.rep("p", 1000)
    for i = 1, 100000 do
        if #st.errors > 0 then break end
        stuck.call("flood", i, payload)
        if i % 64 == 0 then mgr.wait(0) end
    end
    expect_error(st, "send_cache_full")
    -- the other stream of the same manager is unaffected
    ok.call("still alive")
    assert(wait_until(function() return #okst.calls == 1 end, 5000), "the healthy stream stopped")
    assert(#okst.errors == 0)
end

function scenarios.connection_cap()
    mgr = luna.create_socket_mgr(2)
    assert(luna.create_socket_mgr(0) == nil and luna.create_socket_mgr(-1) == nil)
    local l = assert(mgr.listen("127.0.0.1", 0))
    local s1 = assert(mgr.connect("127.0.0.1", l.port))
    local s2, err = mgr.connect("127.0.0.1", l.port)
    assert(s2 == nil and err == "too_many_connection", tostring(err))
    local l2, err2 = mgr.listen("127.0.0.1", 0)
    assert(l2 == nil and err2 == "too_many_connection", tostring(err2))
    -- closing one frees its place
    s1.close()
    mgr.wait(0)
    assert(mgr.connect("127.0.0.1", l.port))
end

function scenarios.close_is_silent()
    local s, st = open("127.0.0.1", port)
    assert(wait_until(function() return st.connected end, 5000))
    s.close()
    mgr.wait(100)
    assert(#st.errors == 0, "close() gave on_error " .. tostring(st.errors[1]))
    local n, err = s.call("after close")
    assert(n == nil and err == "stream closed", "call on a closed stream returned " .. tostring(n) .. ", " .. tostring(err))
end

function scenarios.gc_frees_port()
    local l = assert(mgr.listen("127.0.0.1", 0))
    local p = l.port
    assert(math.type(p) == "integer" and p > 0)
    l.port = 1 -- read-only
    assert(l.port == p)
    local again, err = mgr.listen("127.0.0.1", p)
    assert(again == nil, "port bound twice")
    l = nil
    collectgarbage()
    collectgarbage()
    mgr.wait(0)
    local l3 = mgr.listen("127.0.0.1", p)
    assert(l3, "port not freed after collectgarbage()")
end

function scenarios.invalid_params()
    local l, err = mgr.listen(nil, 1)
    assert(l == nil and err == "invalid param", tostring(err))
    l, err = mgr.listen("127.0.0.1", -1)
    assert(l == nil and err == "invalid param", tostring(err))
    l, err = mgr.listen("999.1.1.1", 0)
    assert(l == nil and type(err) == "string" and err ~= "invalid param", tostring(err))
    local s
    s, err = mgr.connect(nil, 1)
    assert(s == nil and err == "invalid param", tostring(err))
    s, err = mgr.connect({}, 1)
    assert(s == nil and err == "invalid param", tostring(err))
    -- numbers are accepted as strings
    local lp = assert(mgr.listen("127.0.0.1", 0))
    s, err = mgr.connect("127.0.0.1", tostring(lp.port))
    assert(s, err)
    -- values that cannot be encoded: nothing is sent, nil + reason
    local n
    n, err = s.call()
    assert(n == nil and type(err) == "string", "call() with no values")
    n, err = s.call("f", function() end)
    assert(n == nil and type(err) == "string", "function value")
    n, err = s.call("f", coroutine.create(function() end))
    assert(n == nil and type(err) == "string", "thread value")
    local deep = {}
    local t = deep
    for i = 1, 20 do t[1] = {} t = t[1] end
    n, err = s.call("f", deep)
    assert(n == nil and type(err) == "string", "table nested 20 deep")
    assert(s.forward_hash(2, {}, "x") == nil, "forward_hash with a table key")
    assert(s.token ~= 0 and math.type(s.token) == "integer")
    s.token = 0
    assert(s.token ~= 0, "token is read-only")
    s.name = "custom field"
    assert(s.name == "custom field")
end

function main()
    mgr = luna.create_socket_mgr(64)
    local f = assert(scenarios[scenario], "unknown scenario " .. tostring(scenario))
    f()
    print("PASS " .. scenario)
end
