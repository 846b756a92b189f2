-- hostile_server.lua [mode]: the target of tests/hostile_test.go.
-- Listens on 127.0.0.1 (ephemeral port) and prints "READY <port>". Every
-- accepted stream is sent call("hello", token) at once, so that a client
-- learns which output lines are its own. Printed, one line each:
--   ACCEPT <token> <ip>
--   CALL <token> <nargs> <name> last=<last value> depth=<nesting of arg 2>
--                                                   (every on_call, before anything else)
--   server stream error <err> <token>               (every on_error)
-- Answers: call("probe") -> call("probe"); call("grow", n) -> set_recv_cache(n),
-- then call("grown"); call("dial", port) -> connects to 127.0.0.1:port (the new
-- stream answers probes too and prints "CONNECTED <token>"); call("raise") raises
-- in on_call; call("quit") ends the process.
-- mode "raising": on_accept, on_error and on_connected also raise, after doing
-- their work.
io.stdout:setvbuf("line")
local raising = arg[1] == "raising"
local quit = false
conns = {}

-- describe: a short one-word text for a value (no spaces, printable): strings
-- over 24 bytes as str<length>, tables as "table"
local function describe(v)
    if type(v) == "string" then
        if #v > 24 then return "str" .. #v end
        local s = v:gsub("[^%w_%.%-]", "?")
        return s
    elseif type(v) == "table" then
        return "table"
    end
    return tostring(v)
end

-- depth of nested tables (1 for {}), 0 for anything else
local function depth(v)
    if type(v) ~= "table" then return 0 end
    local d = 0
    for _, x in pairs(v) do
        local e = depth(x)
        if e > d then d = e end
    end
    return d + 1
end

local function serve(stream)
    conns[stream.token] = stream
    stream.on_call = function(...)
        local n = select("#", ...)
        local name, arg2 = ...
        local last = n > 0 and select(n, ...) or nil
        print(string.format("CALL %d %d %s last=%s depth=%d", stream.token, n, describe(name),
            describe(last), depth(arg2)))
        if name == "probe" then
            stream.call("probe")
        elseif name == "grow" then
            stream.set_recv_cache(arg2)
            stream.call("grown")
        elseif name == "dial" then
            local out, err = mgr.connect("127.0.0.1", arg2)
            assert(out, err)
            serve(out)
            out.on_connected = function()
                print("CONNECTED " .. out.token)
                if raising then error("boom in on_connected " .. out.token) end
            end
        elseif name == "raise" then
            error("boom in on_call " .. stream.token)
        elseif name == "quit" then
            quit = true
        end
    end
    stream.on_error = function(err)
        print("server stream error " .. tostring(err) .. " " .. stream.token)
        conns[stream.token] = nil
        if raising then error("boom in on_error " .. stream.token) end
    end
end

function main()
    mgr = luna.create_socket_mgr(1024)
    local listener, err = mgr.listen("127.0.0.1", 0)
    assert(listener, err)
    listener.on_accept = function(stream)
        print("ACCEPT " .. stream.token .. " " .. tostring(stream.ip))
        serve(stream)
        stream.call("hello", stream.token)
        if raising then error("boom in on_accept " .. stream.token) end
    end
    print("READY " .. listener.port)
    -- a safety net: the tests kill the process long before this
    local deadline = luna.get_time_ms() + 300000
    while not quit and not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        mgr.wait(50)
    end
    print("SERVER_EXIT")
end
