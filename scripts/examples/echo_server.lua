-- echo_server.lua: the smallest luna server. It listens on 127.0.0.1 and
-- answers every call by sending the same values back on the same stream.
--
--   bin/luna scripts/examples/echo_server.lua [port]     (default 7100; 0 = any free port)
--
-- Try it with echo_client.lua; Ctrl-C stops it.
io.stdout:setvbuf("line") -- print each line at once, even into a pipe or a file

local port = math.tointeger(tonumber(arg[1] or "7100"))

-- Every accepted stream must stay referenced: a stream the script drops is
-- closed when the garbage collector finds it.
conns = {}

-- ("a", 1, true) -> '"a", 1, true': how the calls are logged
local function show(...)
    local out = {}
    for i = 1, select("#", ...) do
        local v = select(i, ...)
        out[i] = type(v) == "string" and string.format("%q", v) or tostring(v)
    end
    return table.concat(out, ", ")
end

function main()
    -- One socket manager owns every listener and stream of this process;
    -- 100 is how many it may hold at once.
    local mgr = luna.create_socket_mgr(100)

    local listener, err = mgr.listen("127.0.0.1", port)
    if not listener then
        print("cannot listen on port " .. tostring(port) .. ": " .. err)
        os.exit(1)
    end

    -- Callbacks are plain fields; they run only inside mgr.wait below.
    listener.on_accept = function(stream)
        conns[stream.token] = stream -- token: a small integer, unique per manager
        print(string.format("client %d connected from %s", stream.token, stream.ip))

        -- A call is a list of values (by convention the first one names the
        -- message); on_call gets them as its arguments.
        stream.on_call = function(msg, ...)
            print(string.format("client %d called %s(%s)", stream.token, tostring(msg), show(...)))
            stream.call(msg, ...) -- the answer: the same values, back to the sender
        end

        -- The stream is dead (the client left: "connection_lost").
        stream.on_error = function(why)
            print(string.format("client %d gone: %s", stream.token, why))
            conns[stream.token] = nil
        end
    end

    -- listener.port is the port really bound (the one the system chose for 0).
    print("listening on 127.0.0.1:" .. listener.port)

    -- The script owns its loop: wait up to 50 ms for something to happen
    -- (the callbacks run in there), until SIGINT (Ctrl-C) or SIGTERM.
    while not luna.get_guit_signal() do
        mgr.wait(50)
    end
    print("bye")
end
