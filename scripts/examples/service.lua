-- service.lua: one member of the services' group (group 1) behind router.lua.
--
--   bin/luna scripts/examples/service.lua INDEX [port]     (port: the router's, default 7200)
--
-- Run it twice, with INDEX 1 and 2. It registers the id 1 << 16 | INDEX with
-- the router and answers "whoami" calls, whichever way they were forwarded
-- to it (forward_hash, forward_master, ...), with forward_target back to
-- the id of the caller.
io.stdout:setvbuf("line")

local SERVICES = 1
local index = math.tointeger(tonumber(arg[1] or "1"))
local port = math.tointeger(tonumber(arg[2] or "7200"))
local my_id = SERVICES << 16 | index

is_master = false

function main()
    local mgr = luna.create_socket_mgr(10)
    local router, err = mgr.connect("127.0.0.1", port)
    if not router then -- a bad address (or port) is refused at once
        print("cannot connect to " .. "127.0.0.1:" .. tostring(port) .. ": " .. tostring(err))
        os.exit(1)
    end
    local quit = false

    router.on_connected = function()
        router.call("register", my_id)
    end

    -- What the router forwards arrives as a plain call, exactly as if the
    -- caller had called this stream directly.
    router.on_call = function(msg, a, b)
        if msg == "registered" then
            print(string.format("service %d registered as 0x%x", index, a))
        elseif msg == "master" then
            is_master = a
            print(string.format("service %d is %s the master", index, a and "now" or "no longer"))
        elseif msg == "whoami" then
            local from, key = a, b
            print(string.format("service %d: whoami(%s) from 0x%x", index, tostring(key), from))
            -- forward_target(id, ...): the router delivers to exactly that id.
            router.forward_target(from, "iam", index, is_master, key)
        end
    end

    router.on_error = function(why)
        print(string.format("service %d lost the router: %s", index, why))
        quit = true
    end

    while not quit and not luna.get_guit_signal() do
        mgr.wait(50)
    end
    print("bye")
end
