-- coroutine_server.lua: a server whose loop runs only inside coroutines (two
-- of them take turns calling mgr.wait), as services written as coroutines
-- do. Every callback must see real shadow tables: the same table for the same
-- stream, whichever coroutine the wait that delivered it ran on. Prints
-- "READY <port>"; answers "ping" with "pong", closes the stream on "bye";
-- SIGTERM ends it with a summary line.
io.stdout:setvbuf("line")
local mgr = luna.create_socket_mgr(16)
local listener = assert(mgr.listen("127.0.0.1", 0))
local conns, calls, errors = {}, 0, 0
local check, failures = dofile(arg[0]:match("^(.*/)") .. "checker.lua")

listener.on_accept = function(s)
    check(type(s) == "table", "on_accept got a " .. type(s))
    check(rawequal(luna.objects[rawget(s, "__pointer__")], s), "on_accept: not the registered shadow table")
    check(math.type(s.token) == "integer" and s.ip == "127.0.0.1", "on_accept: fields")
    check(not select(2, coroutine.running()), "on_accept: not inside a coroutine")
    conns[s.token] = s
    s.on_call = function(msg, i)
        calls = calls + 1
        check(rawequal(conns[s.token], s), "on_call: stream table changed")
        if msg == "ping" then
            check(s.call("pong", i) ~= nil, "reply")
        elseif msg == "bye" then
            conns[s.token] = nil
            s.close()
        end
    end
    s.on_error = function(err)
        errors = errors + 1
        check(rawequal(conns[s.token], s), "on_error: stream table changed")
        print("server on_error " .. err)
        conns[s.token] = nil
    end
end

local function waiter()
    while true do
        mgr.wait(5)
        coroutine.yield()
    end
end

function main()
    local a, b = coroutine.create(waiter), coroutine.create(waiter)
    print("READY " .. listener.port)
    local deadline = luna.get_time_ms() + 30000
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        assert(coroutine.resume(a))
        assert(coroutine.resume(b))
    end
    print(string.format("SERVER calls=%d errors=%d bad=%d", calls, errors, failures()))
end
