-- luna.lua: the bootstrap the luna binary runs before the entry file.
--
-- It keeps the reference's Lua-side bookkeeping (luna.files, luna.print) and
-- defines import, luna.try_reload and luna.entry. The Go side has already
-- filled the luna table with its functions (get_time_ms, create_socket_mgr,
-- ...) and set luna.objects / luna.meta; this file also publishes the
-- loop-style globals under their old names.

local luna = luna
local get_file_time = luna.get_file_time
local file_stamp = luna._file_stamp -- the mtime in nanoseconds: a second save within a second is seen
local get_time_ms = luna.get_time_ms
local traceback = debug.traceback
local format = string.format
local report_error = luna._report_error

luna.files = luna.files or {}
luna.print = luna.print or print

-- the entry file's environment, once luna.entry has imported it
local entry_env = nil

local function env_of(file_globals)
    return setmetatable(file_globals, { __index = function(_, k) return _G[k] end })
end

local function log_load(filename, ok, err)
    luna.print(format("load file: %s ... ... [%s]", filename, ok and "ok" or "failed"))
    if err then luna.print(err) end
end

-- Run the file once in its own environment and return that environment;
-- nil (and a [failed] line) when it cannot be loaded or raises. The values
-- after filename reach the chunk as its ...
local function load_once(filename, ...)
    local record = luna.files[filename]
    if record then return record.env end

    local env = env_of({})
    local time, stamp = get_file_time(filename), file_stamp(filename)
    local chunk, err = loadfile(filename, "bt", env)
    if not chunk then
        log_load(filename, false, err)
        return nil
    end
    local ok, run_err = xpcall(chunk, traceback, ...)
    if not ok then
        log_load(filename, false, run_err)
        return nil
    end
    luna.files[filename] = { filename = filename, time = time, stamp = stamp, env = env }
    log_load(filename, true)
    return env
end

-- import(filename): the file's environment, running the file the first time.
function import(filename) return load_once(filename) end

-- Re-run one changed file in its own environment, exactly as running the
-- file again there would (assignments of nil included). A reload that
-- fails to compile changes nothing; one that raises half-way puts back
-- every field the environment had before it started.
local function reload(record)
    local env = record.env
    local chunk, err = loadfile(record.filename, "bt", env)
    if not chunk then
        log_load(record.filename, false, err)
        luna._note_reload("compile_error")
        return
    end
    local before = {}
    for k, v in next, env do before[k] = v end
    local ok, run_err = xpcall(chunk, traceback)
    if not ok then
        for k in next, env do
            if before[k] == nil then rawset(env, k, nil) end
        end
        for k, v in next, before do rawset(env, k, v) end
        log_load(record.filename, false, run_err)
        luna._note_reload("error")
        return
    end
    log_load(record.filename, true)
    luna._note_reload("ok")
end

-- luna._eval(code): the admin console's /debug/eval. Runs code as a chunk
-- in the global environment; returns true, how many results and their
-- tostring()s joined by NULs, or false and the error with its traceback.
function luna._eval(code)
    local chunk, err = load(code, "=eval", "t")
    if not chunk then return false, 0, err end
    local r = table.pack(xpcall(chunk, traceback))
    if not r[1] then return false, 0, tostring(r[2]) end
    local out = {}
    for i = 2, r.n do out[i - 1] = tostring(r[i]) end
    return true, r.n - 1, table.concat(out, "\0")
end

-- require("luna.rpc") and require("luna.cluster") load the modules shipped
-- in the binary (rpc.lua, cluster.lua).
package.preload["luna.rpc"] = function()
    return assert(load(luna._rpc_source, "=luna/rpc.lua"))()
end
package.preload["luna.cluster"] = function()
    return assert(load(luna._cluster_source, "=luna/cluster.lua"))()
end

-- luna.discover(spec, fn) -> stop: fn(addrs) with the sorted addresses of
-- the routers spec names ("host:port,...", "dns:NAME:PORT",
-- "etcd:ENDPOINTS/PREFIX"), first when known and then on every change, or
-- fn(nil, err) when a lookup fails (the last set stays in force); always
-- from within a wait. stop() ends it. A bad spec raises.
local discovered = {}
function luna.discover(spec, fn)
    assert(type(fn) == "function", "luna.discover: the second argument must be a function")
    local id = luna._discover(spec)
    discovered[id] = fn
    return function()
        discovered[id] = nil
        luna._undiscover(id)
    end
end

function luna._discovered(id, joined, err)
    local fn = discovered[id]
    if not fn then return end
    if err then return fn(nil, err) end
    local addrs = {}
    for a in joined:gmatch("[^,]+") do addrs[#addrs + 1] = a end
    fn(addrs)
end

-- luna.announce(spec, addr) -> withdraw: puts addr under an etcd: spec's
-- prefix, under a lease kept alive while the process lives; withdraw()
-- takes it away at once. Anything but an etcd: spec raises.
function luna.announce(spec, addr)
    local id = luna._announce(spec, addr)
    return function() luna._unannounce(id) end
end

-- luna.try_reload(): reload every imported file whose mtime changed.
function luna.try_reload()
    for _, record in pairs(luna.files) do
        local stamp = file_stamp(record.filename)
        if stamp ~= record.stamp then
            record.stamp, record.time = stamp, get_file_time(record.filename)
            reload(record)
        end
    end
end

-- Loop style: the entry loop runs until this becomes true (the reference
-- set it to false before the entry ran).
luna_quit_flag = false

-- The default handler of SIGINT/SIGTERM for loop-style scripts.
function on_quit_signal()
    luna_quit_flag = true
end

local function quit_flag()
    return rawget(entry_env, "luna_quit_flag") or _G.luna_quit_flag
end

-- Called by the runtime at a safe point after SIGINT/SIGTERM: the entry
-- file's own on_quit_signal wins over the global one.
function luna._deliver_quit_signal()
    local handler = (entry_env and entry_env.on_quit_signal) or _G.on_quit_signal
    if type(handler) == "function" then
        local ok, err = xpcall(handler, traceback)
        if not ok then report_error("on_quit_signal", err) end
    end
end

local reload_ms = 3000
local idle_ms = 10

-- luna.entry(filename): import the entry file, then either call its main()
-- (main style) or drive its on_loop(now) until luna_quit_flag (loop style);
-- a file with neither has done its work once imported (one-shot). Returns
-- true when the entry ran to its end, false when it could not start or
-- main() raised.
function luna.entry(filename)
    -- the entry gets the command-line arguments as ..., as under lua5.3
    entry_env = load_once(filename, table.unpack(arg or {}, 1, arg and #arg or 0))
    if not entry_env then return false end

    local main = entry_env.main
    if type(main) == "function" then
        local ok, err = xpcall(main, traceback)
        if not ok then report_error("main", err) end
        return ok
    end
    if type(entry_env.on_loop) ~= "function" then return true end

    local next_reload = get_time_ms() + reload_ms
    local safe_point = luna._safe_point
    while not quit_flag() do
        local now = get_time_ms()
        local on_loop = entry_env.on_loop
        if type(on_loop) == "function" then
            local ok, err = xpcall(on_loop, traceback, now)
            if not ok then report_error("on_loop", err) end
        else
            luna.sleep_ms(idle_ms)
        end
        if now >= next_reload then
            luna.try_reload()
            next_reload = now + reload_ms
        end
        safe_point()
    end
    return true
end

-- os.exit ends the process at once: first write out the calls already made,
-- as a return from the entry does.
local exit, exit_drain = os.exit, luna._exit_drain
function os.exit(...)
    exit_drain()
    return exit(...)
end

-- The loop-style names of the same functions.
for global, name in pairs({
    luna_entry = "entry", create_socket_mgr = "create_socket_mgr", get_time_ms = "get_time_ms",
    get_time_ns = "get_time_ns", sleep_ms = "sleep_ms", get_file_time = "get_file_time",
    daemon = "daemon", get_guit_signal = "get_guit_signal", get_quit_signal = "get_quit_signal",
}) do
    _G[global] = luna[name]
end
