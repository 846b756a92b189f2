-- reload_server.lua: a server you can edit while it runs.
--
--   bin/luna scripts/examples/reload_server.lua [port]     (default 7300; 0 = any free port)
--   bin/luna scripts/examples/echo_client.lua 127.0.0.1 7300 hi
--
-- It answers "v1 says: hi (call 1, load 1)". Now change "v1" to "v2" in
-- handle() below and save: within a second the server prints
-- "load file: ... [ok]" and the next call is answered "v2 says: hi (call 2,
-- load 2)", by the same process, on the same port, with its counters kept.
--
-- How hot reload works here: luna runs this file as a module of import();
-- main() calls luna.try_reload(), which re-runs the whole file, in the same
-- environment table, when its modification time (in whole seconds)
-- changed. So every top-level statement runs again at each reload, and
-- main() (already running) is not called again. Three rules follow:
--
--   1. State is written `x = x or ...`: the first run creates it, a reload
--      finds it and keeps it.
--   2. What must exist once (the socket manager, the listener) is created
--      once, under a guard.
--   3. Callbacks stored on objects are small closures that call a global
--      function by name. The name is looked up when the callback runs, so
--      after a reload they call the new definition. (A callback holding
--      the old function itself would keep running the old code.)
--
-- The naive version, `mgr = luna.create_socket_mgr(100)` and
-- `listener = assert(mgr.listen("127.0.0.1", 7300))` at the top level
-- unguarded, reloads badly: the re-run tries to bind the port a second
-- time while the first listener still holds it, and gets "address already
-- in use". The reload raises, luna prints "load file: ... [failed]" with
-- that error and puts the old environment back, so the edit never takes
-- effect. (With port 0 it is worse: the re-run binds a fresh port, the new
-- manager replaces the old one in the loop below, and clients of the old
-- port are never answered again.)
io.stdout:setvbuf("line")

-- 1. State that survives reloads.
conns = conns or {}                       -- token -> accepted stream
stats = stats or { calls = 0, loads = 0 }
stats.loads = stats.loads + 1             -- runs at every load: counts them

-- 3. The behaviour: globals, replaced by each reload. Edit these.
function handle(stream, msg, text, ...)
    stats.calls = stats.calls + 1
    local answer = string.format("v1 says: %s (call %d, load %d)", tostring(text), stats.calls, stats.loads)
    print("answering " .. answer)
    stream.call(msg, answer, ...) -- the rest (echo_client's send time) goes back as it came
end

function on_accept(stream)
    conns[stream.token] = stream
    stream.on_call = function(...) return handle(stream, ...) end -- looks up handle at call time
    stream.on_error = function(why) conns[stream.token] = nil end
end

-- 2. Created once: a reload finds mgr already set and skips this block.
if not mgr then
    -- arg, not ..., for the port: a reload runs the file without arguments.
    local port = math.tointeger(tonumber(arg[1] or "7300"))
    mgr = luna.create_socket_mgr(100)
    local err
    listener, err = mgr.listen("127.0.0.1", port)
    if not listener then
        print("cannot listen on port " .. tostring(port) .. ": " .. err)
        os.exit(1)
    end
    listener.on_accept = function(stream) return on_accept(stream) end -- by name, as above
    print("listening on 127.0.0.1:" .. listener.port)
end

print(string.format("load %d: ready", stats.loads))

-- main() runs once; an edit of this function takes effect at the next start.
function main()
    local next_check = 0
    while not luna.get_guit_signal() do
        mgr.wait(50)
        if luna.get_time_ms() >= next_check then -- a look at the file's mtime twice a second
            luna.try_reload()
            next_check = luna.get_time_ms() + 500
        end
    end
    print("bye")
end
