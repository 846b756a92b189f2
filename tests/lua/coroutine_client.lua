-- coroutine_client.lua PORT: connects two streams to coroutine_server.lua
-- and drives its loop from a coroutine nested in another, so on_connected,
-- on_call and on_error all run inside coroutines. Stream 1 sends 100 pings
-- and then "bye" (the server closes it: on_error here); stream 2 is closed
-- by this side (on_error on the server). Prints PASS at the end.
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1]))
local mgr = luna.create_socket_mgr(16)
local pongs, connected, lost = 0, 0, nil
local check, failures = dofile(arg[0]:match("^(.*/)") .. "checker.lua")
local N = 100

local function open()
    local s = assert(mgr.connect("127.0.0.1", port))
    s.on_connected = function()
        connected = connected + 1
        check(not select(2, coroutine.running()), "on_connected: not inside a coroutine")
        check(rawequal(luna.objects[rawget(s, "__pointer__")], s), "on_connected: shadow table")
    end
    return s
end

local c1, c2
local function run()
    c1, c2 = open(), open()
    c1.on_call = function(msg, i)
        check(msg == "pong" and math.type(i) == "integer", "pong")
        pongs = pongs + 1
        if pongs == N then c1.call("bye") end
    end
    c1.on_error = function(err) lost = err end
    for i = 1, N do c1.call("ping", i) end
    local deadline = luna.get_time_ms() + 10000
    while (connected < 2 or not lost) and luna.get_time_ms() < deadline do
        mgr.wait(5)
        coroutine.yield()
    end
    c2.close()
end

function main()
    local outer = coroutine.wrap(function()
        local inner = coroutine.create(run)
        while coroutine.status(inner) ~= "dead" do
            assert(coroutine.resume(inner))
            coroutine.yield()
        end
    end)
    for _ = 1, 100000 do
        if outer() == nil and c2 and c2.token and lost then break end
    end
    print(string.format("CLIENT connected=%d pongs=%d lost=%s bad=%d", connected, pongs, tostring(lost), failures()))
    if connected == 2 and pongs == N and lost == "connection_lost" and failures() == 0 then print("PASS") end
end
