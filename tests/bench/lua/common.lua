-- common.lua: helpers for the bench scripts. Each script loads it with
--   local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
-- Scripts take key=value arguments (luna passes them in the global `arg`;
-- the C++ reference has no `arg`, so run.sh also puts them in BENCH_ARGS) and
-- report with one line: READY <port> (servers), RESULT k=v ... or ERROR text.

local B = {}

io.stdout:setvbuf("line")

-- key=value command-line options, with defaults
function B.options(defaults)
    local o = {}
    for k, v in pairs(defaults) do o[k] = v end
    local words = {}
    for w in (os.getenv("BENCH_ARGS") or ""):gmatch("%S+") do words[#words + 1] = w end
    for _, w in ipairs(arg or {}) do words[#words + 1] = w end
    for _, w in ipairs(words) do
        local k, v = w:match("^([%w_]+)=(.*)$")
        if k then
            local num = tonumber(v)
            o[k] = num and (math.tointeger(num) or num) or v
        end
    end
    return o
end

-- resident memory of this process in KiB (Linux), or -1
-- a line of /proc/self/status in KiB (VmRSS: all resident memory; RssAnon:
-- the anonymous part, without the binary's and libraries' pages), or -1
local function status_kib(field)
    local f = io.open("/proc/self/status")
    if not f then return -1 end
    local kib = f:read("a"):match(field .. ":%s*(%d+)")
    f:close()
    return math.tointeger(tonumber(kib)) or -1
end

function B.rss_kib() return status_kib("VmRSS") end

function B.anon_kib() return status_kib("RssAnon") end

-- TCP segments this machine has sent so far (OutSegs of /proc/net/snmp, every
-- process's: on loopback each segment is counted once), or nil off Linux
function B.tcp_out_segs()
    local f = io.open("/proc/net/snmp")
    if not f then return nil end
    local names, values
    for l in f:lines() do
        if l:match("^Tcp: ") then
            if names then values = l else names = l end
        end
    end
    f:close()
    if not values then return nil end
    local vals = {}
    for v in values:gmatch("%S+") do vals[#vals + 1] = v end
    local i = 0
    for name in names:gmatch("%S+") do
        i = i + 1
        if name == "OutSegs" then return math.tointeger(tonumber(vals[i])) end
    end
end

-- bytes of an unsigned varint
function B.uvlen(n)
    local len = 1
    while n >= 0x80 do n = n >> 7; len = len + 1 end
    return len
end

-- bytes on the wire of a remote_call frame whose archive has `ar` bytes:
-- uvarint(1 + ar) length header, the msg id byte, the archive
function B.frame_bytes(ar)
    return B.uvlen(ar + 1) + 1 + ar
end

-- the extra argument of each payload kind (nil for "int"), and whether it is
-- the shared table whose id the sender updates
local s64 = string.rep("0123456789ABCDEF", 4)
local s1k = string.rep("luna-bench:0123456789abcdefghijk", 32)
assert(#s64 == 64 and #s1k == 1024)
B.record = { id = 0, name = "player_0042", pos = { x = 1.5, y = -2.25 } }
function B.payload(kind)
    if kind == "int" then return nil, true
    elseif kind == "s64" then return s64, true
    elseif kind == "s1k" then return s1k, true
    elseif kind == "table" then return B.record, true
    end
    return nil, false
end

-- run mgr.wait until cond() holds, the deadline (ms from now) passes or a quit
-- signal arrives; true when cond() held
function B.wait_for(mgr, cond, ms)
    local stop = luna.get_time_ms() + ms
    while not cond() do
        if luna.get_time_ms() >= stop or luna.get_guit_signal() then return false end
        mgr.wait(5)
    end
    return true
end

-- connect to host:port, retrying for up to ms; returns the connected stream,
-- or nil and the last error
function B.dial(mgr, host, port, ms)
    local stop = luna.get_time_ms() + ms
    local last = "timeout"
    while luna.get_time_ms() < stop and not luna.get_guit_signal() do
        local s, err = mgr.connect(host, tostring(port))
        if s then
            local state = nil
            s.on_connected = function() state = "up" end
            s.on_error = function(e) state = e end
            B.wait_for(mgr, function() return state ~= nil end, 2000)
            if state == "up" then return s end
            last = tostring(state)
            s.close()
        else
            last = tostring(err)
        end
        mgr.wait(50)
    end
    return nil, last
end

-- broadcast ("hello", arg) to group through the router s until ready() holds
-- (every service answered), for up to 10 s; nil when ready, else an error
-- text. failed() returns the router stream's error, if any; what() says who
-- answered, for the error text.
function B.greet(mgr, s, group, arg, ready, failed, what)
    local give_up = luna.get_time_ms() + 10000
    while not ready() do
        s.forward_broadcast(group, "hello", arg)
        B.wait_for(mgr, function() return failed() ~= nil or ready() end, 200)
        if failed() then return "ERROR router stream " .. failed() .. " before start" end
        if luna.get_time_ms() > give_up then return "ERROR " .. what() end
    end
    B.linger(mgr, 50) -- late duplicate hello_acks
    return nil
end

-- keep polling until the deadline (ms from now), so queued replies leave
function B.linger(mgr, ms)
    local stop = luna.get_time_ms() + ms
    while luna.get_time_ms() < stop do mgr.wait(5) end
end

-- "k=v k=v" from an ordered list of pairs
function B.kv(list)
    local out = {}
    for i = 1, #list, 2 do out[#out + 1] = list[i] .. "=" .. tostring(list[i + 1]) end
    return table.concat(out, " ")
end

return B
