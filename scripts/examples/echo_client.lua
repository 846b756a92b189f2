-- echo_client.lua: connects to a server, calls it once, prints the answer
-- and exits (0 when an answer came, 1 otherwise).
--
--   bin/luna scripts/examples/echo_client.lua [host] [port] [message...]
--
-- host defaults to 127.0.0.1, port to 7100 (echo_server.lua's), the message
-- to "hello". It also talks to reload_server.lua, which answers the same call.
io.stdout:setvbuf("line")

local host = arg[1] or "127.0.0.1"
local port = math.tointeger(tonumber(arg[2] or "7100"))
local message = #arg >= 3 and table.concat(arg, " ", 3) or "hello"

function main()
    local mgr = luna.create_socket_mgr(10)

    -- connect never blocks: it returns a stream at once, and the outcome
    -- comes later, inside mgr.wait, as on_connected or on_error.
    local stream, err = mgr.connect(host, port)
    if not stream then -- a bad address (or port) is refused at once
        print("cannot connect to " .. host .. ":" .. tostring(port) .. ": " .. tostring(err))
        os.exit(1)
    end
    local done, failed = false, nil

    stream.on_connected = function()
        -- A call is fire-and-forget: it is queued now and written out at
        -- the next mgr.wait. Any mix of nil, booleans, numbers, strings and
        -- tables goes; here a message name, the text and the time sent.
        stream.call("echo", message, luna.get_time_ms())
    end

    -- The answer is just another call, made by the server on this stream.
    stream.on_call = function(msg, text, sent)
        local rtt = math.type(sent) == "integer" and luna.get_time_ms() - sent or -1
        print(string.format("answer: %s (round trip %d ms)", tostring(text), rtt))
        done = true
    end

    stream.on_error = function(why) -- connect_failed, connection_lost, dns_error, ...
        failed = why
    end

    local deadline = luna.get_time_ms() + 5000
    while not done and not failed and not luna.get_guit_signal() do
        if luna.get_time_ms() > deadline then failed = "no answer within 5 s" break end
        mgr.wait(50)
    end
    if not done then
        print(string.format("no answer from %s:%d: %s", host, port, tostring(failed or "interrupted")))
        os.exit(1)
    end
    stream.close()
end
