-- router_hub.lua [MAX_CONN]: a router on 127.0.0.1, ephemeral port (prints READY <port>).
-- Frames 1-5 that reach it are forwarded by the runtime; remote calls are the
-- control protocol:
--   ("register", id)        route id to the calling stream, reply ("registered", id)
--   ("route", id, how)      how = "live": id -> the token that registered it,
--                           "zero": mgr.route(id, 0), "remove": mgr.route(id, nil)
--   ("master", group, id)   mgr.master(group, token that registered id), 0 clears
--   ("hash_mode", group, m) mgr.hash_mode(group, m)
--   ("forward_error", on)   mgr.forward_error(on)
--   ("overflow", id, how)   the stream that registered id: set_overflow(how), set_send_cache(16384)
--   ("ping", x)             reply ("pong", x) (everything sent before it is handled)
-- A registered stream that fails prints "HUB LOST <id> <error>". With
-- HUB_ADMIN=1 in the environment it serves luna's admin endpoint on another
-- ephemeral port and prints "ADMIN <port>" before READY.
io.stdout:setvbuf("line")
local max_conn = math.tointeger(tonumber(arg[1] or "64"))
streams = {}
tokens = {} -- service id -> token of the stream that registered it

function main()
    mgr = assert(luna.create_socket_mgr(max_conn))
    local listener = assert(mgr.listen("127.0.0.1", 0))
    listener.on_accept = function(s)
        streams[s.token] = s
        s.on_call = function(name, a, b)
            if name == "register" then
                tokens[a] = s.token
                mgr.route(a, s.token)
                s.call("registered", a)
            elseif name == "route" then
                if b == "live" then mgr.route(a, tokens[a] or 0)
                elseif b == "zero" then mgr.route(a, 0)
                elseif b == "remove" then mgr.route(a, nil)
                else print("HUB FAIL route how " .. tostring(b)) end
            elseif name == "master" then
                mgr.master(a, b == 0 and 0 or (tokens[b] or 0))
            elseif name == "hash_mode" then
                mgr.hash_mode(a, b)
            elseif name == "forward_error" then
                mgr.forward_error(a)
            elseif name == "overflow" then
                local t = streams[tokens[a]]
                t.set_overflow(b)
                t.set_send_cache(16384)
                s.call("overflow_set", a)
            elseif name == "ping" then
                s.call("pong", a)
            else
                print("HUB FAIL unknown call " .. tostring(name))
            end
        end
        s.on_error = function(err)
            streams[s.token] = nil
            for id, token in pairs(tokens) do
                if token == s.token then print(string.format("HUB LOST %d %s", id, err)) end
            end
        end
    end
    if os.getenv("HUB_ADMIN") == "1" then print("ADMIN " .. luna.admin.listen("127.0.0.1", 0)) end
    print("READY " .. listener.port)
    local deadline = luna.get_time_ms() + 300000
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do mgr.wait(50) end
    print("HUB EXIT")
end
