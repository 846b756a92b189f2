-- hostile_peer.lua PORT: a luna peer for the kill -9 tests of
-- tests/hostile_test.go. Connects to 127.0.0.1:PORT and prints
--   CONNECTED                   (on_connected)
--   HELLO <token>               (the server's call("hello", token))
--   peer stream error <err>     (on_error; the peer exits soon after)
-- and answers call("probe") with call("probe").
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1]))

function main()
    local mgr = luna.create_socket_mgr(8)
    local stream, err = mgr.connect("127.0.0.1", port)
    assert(stream, err)
    local done = false
    stream.on_connected = function() print("CONNECTED") end
    stream.on_call = function(name, v)
        if name == "hello" then
            print("HELLO " .. tostring(v))
        elseif name == "probe" then
            stream.call("probe")
        end
    end
    stream.on_error = function(e)
        print("peer stream error " .. tostring(e))
        done = true
    end
    local deadline = luna.get_time_ms() + 120000
    while not done and not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        mgr.wait(20)
    end
    print("PEER_EXIT")
end
