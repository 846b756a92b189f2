-- call_install.lua: stream.call is made on its first lookup (arg[1] = an
-- echo_server.lua port). An idle stream has none; a script that keeps
-- stream.call before any call keeps the closure later lookups get; calls keep
-- their order; a script's own stream.call, wrapping it, is never replaced.
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1]))
local CALLS = 50

local function fail(why) print("FAIL " .. why) os.exit(1) end

function main()
    local mgr = luna.create_socket_mgr(8)
    local plain = assert(mgr.connect("127.0.0.1", port))
    local wrapped = assert(mgr.connect("127.0.0.1", port))
    if rawget(plain, "call") ~= nil then fail("a stream has its call closure before any call") end
    local got = { [plain] = {}, [wrapped] = {} }
    local up = 0
    for _, s in ipairs({ plain, wrapped }) do
        s.on_connected = function() up = up + 1 end
        s.on_error = function(err) fail("stream error " .. tostring(err)) end
        s.on_call = function(name, i) table.insert(got[s], i) end
    end
    local stop = luna.get_time_ms() + 10000
    while up < 2 and luna.get_time_ms() < stop do mgr.wait(10) end
    if up < 2 then fail("not connected") end

    local kept = plain.call -- the reference's idiom: look it up once
    if rawget(plain, "call") ~= kept then fail("the kept stream.call is not the table's") end
    local method, wraps = wrapped.call, 0
    wrapped.call = function(...)
        wraps = wraps + 1
        return method(...)
    end
    for i = 1, CALLS do
        if not plain.call("n", i) then fail("plain call " .. i) end
        if not wrapped.call("n", i) then fail("wrapped call " .. i) end
    end
    if rawget(plain, "call") ~= kept then fail("stream.call changed after the first calls") end
    if wraps ~= CALLS then fail("the script's wrapper was replaced after " .. wraps .. " calls") end

    while (#got[plain] < CALLS or #got[wrapped] < CALLS) and luna.get_time_ms() < stop do mgr.wait(10) end
    for s, name in pairs({ [plain] = "plain", [wrapped] = "wrapped" }) do
        if #got[s] ~= CALLS then fail(name .. ": " .. #got[s] .. " of " .. CALLS .. " echoes") end
        for i = 1, CALLS do
            if got[s][i] ~= i then fail(name .. ": echo " .. i .. " is " .. tostring(got[s][i])) end
        end
    end
    plain.call("quit")
    mgr.wait(10)
    print("PASS")
end
