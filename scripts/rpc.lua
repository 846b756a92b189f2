-- luna.rpc: request/response with deadlines over plain luna calls
-- (`local rpc = require("luna.rpc")`), built only on stream.call and
-- forward_*, so a C++ luna process running this same file interoperates.
-- It stays visibly asynchronous: a request names the callback that gets
-- its one outcome.
--
--   rpc.request(stream, msg, args..., callback, timeout_ms)
--   rpc.forward_target(stream, service_id, msg, args..., callback, timeout_ms)
--   rpc.forward_master(stream, group, ...), rpc.forward_random(stream, group, ...),
--   rpc.forward_hash(stream, group, key, ...)   (the same tail)
--   rpc.handle(msg, fn)     fn(args...) returns the reply's values; raising
--                           replies false, the error; fn may instead call
--                           rpc.defer() and answer later through the reply
--                           function it returns: reply(ok, values...)
--   rpc.attach(stream)      the stream carries rpc both ways (see below)
--   rpc.identity(id)        this process's service id: where replies to
--                           forwarded requests are forwarded back to
--   rpc.pending()           requests waiting for their outcome
--   rpc.max_pending         at most this many (100 000); one more fails at once
--
-- Every request ends in exactly one callback(ok, ...): the reply
-- (true, values... or false, the handler's error), or false with
-- "timeout", "connection_lost" (the stream died: all its requests fail at
-- once), "undeliverable" (a router with forward_error on had nowhere to
-- send it) or "too_many_pending". Deadlines are checked at every wait.
--
-- On the wire: a request is the call ("luna_rpc_req:<id>", reply_to, msg,
-- args...), where reply_to is the requester's service id for a forwarded
-- request (the reply is forwarded to it) and 0 for a direct one (the reply
-- goes back on the same stream); a reply is ("luna_rpc_rep", id, ok,
-- values...). The id rides in the message name so that a router's
-- undeliverable feedback, which carries only the name, says which request.

local rpc = { max_pending = 100000 }

local REQ, REP, UNDELIVERABLE = "luna_rpc_req:", "luna_rpc_rep", "luna_undeliverable"
local now = luna.get_time_ms
local traceback = debug.traceback

local seq, count = 0, 0
local pending = {}  -- id -> { cb, deadline, stream }
local handlers = {} -- msg -> fn
local self_id = nil

local function report(what, err)
    if luna._report_error then
        luna._report_error(what, tostring(err))
    else -- another runtime (the C++ luna) running this file
        print(what .. ": " .. tostring(err))
    end
end

-- settle delivers a request's outcome, once.
local function settle(id, ...)
    local p = pending[id]
    if not p then return end
    pending[id] = nil
    count = count - 1
    local ok, err = xpcall(p.cb, traceback, ...)
    if not ok then report("rpc callback", err) end
end

-- split(...) -> how many arguments come before the callback and timeout,
-- the callback, the timeout
local function split(what, ...)
    local n = select("#", ...)
    local cb, timeout = select(n - 1, ...)
    if n < 2 or type(cb) ~= "function" or math.type(timeout) ~= "integer" or timeout <= 0 then
        error(what .. ": the last two arguments are the callback and the timeout in ms", 3)
    end
    return n - 2, cb, timeout
end

local function issue(stream, cb, timeout, send)
    if count >= rpc.max_pending then
        cb(false, "too_many_pending")
        return nil
    end
    seq = seq + 1
    local id = seq
    pending[id] = { cb = cb, deadline = now() + timeout, stream = stream }
    count = count + 1
    local ok, err = send(REQ .. id)
    if not ok then settle(id, false, err or "send_failed") return nil end
    return id
end

function rpc.request(stream, msg, ...)
    local n, cb, timeout = split("rpc.request", ...)
    local args = table.pack(...)
    return issue(stream, cb, timeout, function(name)
        return stream.call(name, 0, msg, table.unpack(args, 1, n))
    end)
end

local function forwarder(mode, keyed)
    return function(stream, dest, ...)
        local what = "rpc.forward_" .. mode
        if not self_id then error(what .. ": call rpc.identity(service_id) first", 2) end
        local key, rest = nil, table.pack(...)
        local first = 1
        if keyed then key, first = rest[1], 2 end
        local n, cb, timeout = split(what, table.unpack(rest, first, rest.n))
        local msg = rest[first]
        local send = stream["forward_" .. mode]
        return issue(stream, cb, timeout, function(name)
            if keyed then
                return send(dest, key, name, self_id, msg, table.unpack(rest, first + 1, first + n - 1))
            end
            return send(dest, name, self_id, msg, table.unpack(rest, first + 1, first + n - 1))
        end)
    end
end
rpc.forward_target = forwarder("target")
rpc.forward_master = forwarder("master")
rpc.forward_random = forwarder("random")
rpc.forward_hash = forwarder("hash", true)

function rpc.handle(msg, fn)
    handlers[msg] = fn
end

function rpc.identity(id) self_id = id end

function rpc.pending() return count end

local deferring = nil -- the reply function of the handler running now

-- rpc.defer(), inside a handler: the handler's return values are not the
-- reply; the function returned sends it later, once.
function rpc.defer()
    local reply = deferring
    if not reply then error("rpc.defer: only inside a handler", 2) end
    deferring = nil
    return reply
end

-- serve answers a request that arrived on stream.
local function serve(stream, id, reply_to, msg, ...)
    local sent = false
    local function reply(...)
        if sent then return end
        sent = true
        if reply_to == 0 then
            stream.call(REP, id, ...)
        else
            stream.forward_target(reply_to, REP, id, ...)
        end
    end
    local fn = handlers[msg]
    if not fn then return reply(false, "no handler for " .. tostring(msg)) end
    local outer = deferring
    deferring = reply
    local out = table.pack(xpcall(fn, traceback, ...))
    local deferred = deferring == nil
    deferring = outer
    if not out[1] then
        return reply(false, tostring(out[2]):match("^[^\n]*"))
    end
    if not deferred then reply(true, table.unpack(out, 2, out.n)) end
end

-- handled takes a call if it is rpc traffic, and says whether it was.
local function handled(stream, name, ...)
    if name == REP then
        settle((...), select(2, ...))
        return true
    end
    if type(name) ~= "string" then return false end
    if name:sub(1, #REQ) == REQ then
        local id = math.tointeger(tonumber(name:sub(#REQ + 1)))
        if id then serve(stream, id, ...) end
        return true
    end
    if name == UNDELIVERABLE then
        local msg = select(3, ...)
        local id = type(msg) == "string" and msg:sub(1, #REQ) == REQ and math.tointeger(tonumber(msg:sub(#REQ + 1)))
        if id then
            settle(id, false, "undeliverable")
            return true
        end
    end
    return false
end

-- fail_stream ends every request that went out on stream.
local function fail_stream(stream, reason)
    for id, p in pairs(pending) do
        if p.stream == stream then settle(id, false, reason) end
    end
end

-- attach: the stream's on_call and on_error run through rpc, and the
-- script's own, set before or after, still run for everything else. The
-- class metatable learns to keep an attached stream's two callbacks in a
-- side table (installed once, on the first attach).
local attached = setmetatable({}, { __mode = "k" }) -- stream -> { on_call, on_error, calls, errors }
local patched = {}

local function patch(mt)
    if patched[mt] then return end
    patched[mt] = true
    local index, newindex = mt.__index, mt.__newindex
    mt.__index = function(t, k)
        local a = attached[t]
        if a and k == "on_call" then return a.calls end
        if a and k == "on_error" then return a.errors end
        if type(index) == "function" then return index(t, k) end
        return index and index[k]
    end
    mt.__newindex = function(t, k, v)
        local a = attached[t]
        if a and (k == "on_call" or k == "on_error") then
            a[k] = v
        elseif newindex then
            newindex(t, k, v)
        else
            rawset(t, k, v)
        end
    end
end

function rpc.attach(stream)
    if attached[stream] then return stream end
    patch(debug.getmetatable(stream))
    local a = { on_call = rawget(stream, "on_call"), on_error = rawget(stream, "on_error") }
    a.calls = function(name, ...)
        if handled(stream, name, ...) then return end
        local own = a.on_call
        if own then return own(name, ...) end
    end
    a.errors = function(reason)
        fail_stream(stream, "connection_lost")
        local own = a.on_error
        if own then return own(reason) end
    end
    rawset(stream, "on_call", nil)
    rawset(stream, "on_error", nil)
    attached[stream] = a
    return stream
end

-- rpc.tick(): requests past their deadline fail with "timeout". This
-- runtime runs it at the end of every wait once the module is loaded;
-- another one (the C++ luna, which can dofile this file) must call it
-- from its loop.
local next_scan = 0
function rpc.tick()
    local t = now()
    if count == 0 or t < next_scan then return end
    next_scan = t + 5
    for id, p in pairs(pending) do
        if t >= p.deadline then settle(id, false, "timeout") end
    end
end
luna._rpc_tick = rpc.tick
if luna._rpc_loaded then luna._rpc_loaded() end

return rpc
