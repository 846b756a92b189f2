-- router_driver.lua PORT MODE GROUP ID1 ID2 ID3: drives one routing mode
-- against the router_hub.lua at PORT, whose group GROUP holds the services
-- ID1 < ID2 < ID3 (called A, B, C below). Control calls and forwards go out
-- on one stream, so the router applies them in the order written here.
-- Every forward carries (MODE, phase, ...); router_test.go reads where each
-- one arrived from the services' GOT lines and checks it against wire.md.
-- At the end the table is reset (all live, no master), ("end", MODE) is
-- broadcast to the group, and a ping round trip makes sure the router has
-- handled everything before the driver prints PASS and exits.
io.stdout:setvbuf("line")
local port, mode = arg[1], arg[2]
local G = math.tointeger(tonumber(arg[3]))
local ids = {}
for i = 4, 6 do ids[#ids + 1] = math.tointeger(tonumber(arg[i])) end
local A, B, C = ids[1], ids[2], ids[3]
local RANDOM_CALLS = 300

local mgr, s
local fails = 0
local function check(ok, what)
    if not ok then
        fails = fails + 1
        print("FAIL " .. what)
    end
end

-- send calls s[method](...) and checks that something was sent.
local function send(method, ...)
    local n, err = s[method](...)
    check(n ~= nil, method .. " sent nothing: " .. tostring(err))
end
local function route(id, how) send("call", "route", id, how) end
local function master(id) send("call", "master", G, id) end
local function reset()
    for _, id in ipairs(ids) do route(id, "live") end
    master(0)
end
local function flush() mgr.wait(0) end

local modes = {}

function modes.target()
    local unknown, other = G << 16 | 0xFFFF, ((G + 1) & 0xFF) << 16 | (A & 0xFFFF)
    local function all(phase, list)
        for _, id in ipairs(list) do send("forward_target", id, "target", phase, id) end
        flush()
    end
    all("live", { A, B, C, unknown, other })
    route(B, "zero")
    all("zero", { A, B, C })
    route(B, "remove")
    all("removed", { A, B, C })
    route(B, "live")
    all("restored", { B })
end

function modes.master()
    local function m(phase, group) send("forward_master", group or G, "master", phase) end
    m("none")
    master(A)
    m("a")
    master(C)
    m("c")
    route(B, "zero")
    master(B)
    m("b_zero_slot") -- the master token is not a node: a kept-but-skipped slot does not matter
    route(B, "live")
    master(A)
    m("wrapped", G + 256) -- the group is truncated to 8 bits on send: G + 256 is G
    m("other", (G + 1) & 0xFF) -- a group without a master
    master(0)
    m("cleared")
end

function modes.random()
    local function burst(phase, n)
        for i = 1, n do send("forward_random", G, "random", phase, i) end
        flush()
    end
    burst("live", RANDOM_CALLS)
    route(B, "zero")
    burst("zeroB", RANDOM_CALLS)
    route(B, "remove")
    burst("removedB", RANDOM_CALLS)
    route(B, "live")
    for _, id in ipairs(ids) do route(id, "zero") end
    burst("allzero", 20)
    reset()
    burst("restored", RANDOM_CALLS)
end

local KEYS = {
    -- ASCII strings
    "some key", "", "a", "b", "c", "ab", "ab\0cd", "user:1001", "user:1002", "user:1003",
    "user:1004", "session/42", string.rep("long key ", 20),
    -- bytes >= 0x80: raw bytes and UTF-8 text
    "\200\255k", "\255", "\128", "ключ", "日本語", "héllo wörld", "€uro", "Straße 7", "🙂",
    -- integers: small, negative, at and over 32 bits
    0, 1, 2, 3, 7, 246, 247, -1, -2, -3, -7, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
    1 << 32, (1 << 32) + 1, (1 << 32) + 5, (1 << 40) + 2, -(1 << 33) - 1,
    math.maxinteger, math.mininteger,
    -- floats go through lua_tointeger (golden_forward: non-integral -> hash 0)
    3.0, -2.0, 1.5,
}

function modes.hash()
    print("KEYS " .. #KEYS)
    local function round(phase)
        for j, key in ipairs(KEYS) do
            for copy = 1, 2 do send("forward_hash", G, key, "hash", phase, j, copy, key) end
        end
        flush()
    end
    round("live")
    route(B, "zero")
    round("zeroB")
    route(B, "live")
    route(C, "zero")
    round("zeroC") -- the last node skipped: wraps round to the first
    route(C, "live")
    route(B, "remove")
    round("removedB") -- node_count 2
    route(B, "live")
    round("restored")
    for _, id in ipairs(ids) do route(id, "zero") end
    round("allzero")
    reset()
    -- keys that are neither numbers nor strings send nothing
    for _, bad in ipairs({ true, {}, print }) do
        check(s.forward_hash(G, bad, "hash", "badkey") == nil, "forward_hash with a " .. type(bad) .. " key sent something")
    end
    check(s.forward_hash(G, nil, "hash", "badkey") == nil, "forward_hash with a nil key sent something")
end

function modes.broadcast()
    local function b(phase, group) send("forward_broadcast", group or G, "broadcast", phase); flush() end
    b("live")
    route(A, "zero")
    b("zeroA")
    route(A, "remove")
    b("removedA")
    route(A, "live")
    b("restored")
    for _, id in ipairs(ids) do route(id, "zero") end
    b("allzero")
    reset()
    b("emptygroup", (G + 1) & 0xFF)
end

function main()
    local run = modes[mode]
    if not run then print("FAIL unknown mode " .. tostring(mode)) return end
    mgr = assert(luna.create_socket_mgr(4))
    s = assert(mgr.connect("127.0.0.1", port))
    local connected, broken, pong = false, nil, false
    s.on_connected = function() connected = true end
    s.on_error = function(err) broken = err end
    s.on_call = function(name, x) if name == "pong" and x == mode then pong = true end end
    local deadline = luna.get_time_ms() + 20000
    while not connected and not broken and luna.get_time_ms() < deadline do mgr.wait(10) end
    check(connected, "not connected: " .. tostring(broken))
    if not connected then return end
    reset()
    run()
    reset()
    send("forward_broadcast", G, "end", mode)
    send("call", "ping", mode)
    while not pong and not broken and luna.get_time_ms() < deadline do mgr.wait(10) end
    check(pong, "no pong from the router: " .. tostring(broken))
    check(not broken, "stream error " .. tostring(broken))
    if fails == 0 then print("PASS " .. mode) end
end
