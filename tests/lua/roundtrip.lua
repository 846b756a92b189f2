-- roundtrip.lua: every value kind crosses to echo_server.lua (arg[1] = its port)
-- and back; the values received must equal the values sent.
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1]))

local function same(a, b, seen)
    if type(a) ~= type(b) then return false end
    if type(a) == "number" then
        if a ~= a then return b ~= b end -- NaN
        return math.type(a) == math.type(b) and a == b
    end
    if type(a) ~= "table" then return a == b end
    for k, v in pairs(a) do if not same(v, b[k]) then return false end end
    for k in pairs(b) do if a[k] == nil then return false end end
    return true
end

local function binary(n)
    local t = {}
    for i = 1, n do t[i] = string.char((i * 7) % 256) end
    return table.concat(t)
end

local long = string.rep("long string ", 1000)
local shared = string.rep("s", 50)
local cases = {
    { "nil", nil },
    { "booleans", true, false },
    { "small ints", 0, 1, 245, 246, 247, 248, -1, -246, -247 },
    { "int boundaries", 127, 128, 255, 256, 16383, 16384, 2147483647, 2147483648, -2147483648,
        -2147483649, 4294967295, 4294967296, math.maxinteger, math.mininteger, math.maxinteger - 1,
        math.mininteger + 1, 1 << 62, -(1 << 62) },
    { "floats", 0.5, -0.5, 1e300, -1e-300, 3.14159, 2^53 + 0.0, 1/0, -1/0, 0/0, -0.0, 1.0 },
    { "strings", "", "a", "hello world", long, binary(256), "\0\1\2\255", "utf8 ü 漢字" },
    { "repeated strings", "rep", "rep", "rep", shared, shared, long, long },
    { "nested tables", { 1, 2, 3, { a = { b = { c = { d = "deep" } } } } } },
    { "mixed table", { 10, 20, x = 1.5, [true] = "t", [-3] = false, [2.5] = "f", nested = { "n" } } },
    { "empty table", {} },
    { "table keys", { [{}] = nil, ["k"] = { [1] = { [2] = {} } } } },
}

local pending = {}
local received = 0
local failures = 0

function main()
    local mgr = luna.create_socket_mgr(8)
    local s = assert(mgr.connect("127.0.0.1", port))
    local connected, broken = false, nil
    s.on_connected = function() connected = true end
    s.on_error = function(err) broken = err end
    s.on_call = function(name, ...)
        local want = pending[name]
        if not want then
            print("FAIL unexpected " .. tostring(name))
            failures = failures + 1
            return
        end
        pending[name] = nil
        received = received + 1
        local got = table.pack(...)
        if got.n ~= want.n then
            print(string.format("FAIL %s: %d values back, sent %d", name, got.n, want.n))
            failures = failures + 1
            return
        end
        for i = 1, want.n do
            if not same(want[i], got[i]) then
                print(string.format("FAIL %s: value %d: sent %s, got %s", name, i, tostring(want[i]), tostring(got[i])))
                failures = failures + 1
            end
        end
    end

    local sent = 0
    local function send(name, ...)
        pending[name] = table.pack(...)
        local n, err = s.call(name, ...)
        assert(n, err)
        sent = sent + 1
    end
    -- calls made before on_connected are queued and sent once connected
    for _, case in ipairs(cases) do send(table.unpack(case, 1, #case)) end
    assert(not connected)
    local deadline = luna.get_time_ms() + 5000
    while not connected and not broken and luna.get_time_ms() < deadline do mgr.wait(10) end
    assert(connected, "never connected")
    -- 20 000 top-level values over 100 calls
    for c = 1, 100 do
        local vals = {}
        for i = 1, 200 do vals[i] = (c * 1000 + i) * ((i % 2 == 0) and 1 or -1) end
        send("bulk " .. c, table.unpack(vals, 1, 200))
    end

    deadline = luna.get_time_ms() + 15000
    while received < sent and not broken and luna.get_time_ms() < deadline do
        mgr.wait(20)
    end
    assert(connected, "never connected")
    assert(not broken, "stream error: " .. tostring(broken))
    assert(received == sent, string.format("%d of %d calls came back", received, sent))
    assert(failures == 0, failures .. " mismatches")
    s.call("quit")
    s.close()
    mgr.wait(10)
    print("PASS " .. sent .. " calls")
end
