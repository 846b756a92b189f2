-- router.lua: a minimal router. Services and clients connect and
-- register a service id; the router maps each id to its stream with
-- mgr.route and names one member of the services' group its master with
-- mgr.master. From then on the runtime itself forwards every forward_*
-- call that reaches this process (Lua never sees those frames).
--
--   bin/luna scripts/examples/router.lua [port]     (default 7200; 0 = any free port)
--
-- then, each in its own terminal:
--   bin/luna scripts/examples/service.lua 1
--   bin/luna scripts/examples/service.lua 2
--   bin/luna scripts/examples/router_client.lua
--
-- Service ids: id = group << 16 | index. The group (0..255, here 1 for the
-- services and 2 for clients) is what forward_hash/random/master/broadcast
-- address; the index tells the members of a group apart. 0x10002 is
-- service 2 of group 1.
--
-- This uses the raw primitives (mgr.route, mgr.master, stream.forward_*) on
-- purpose. A real cluster wants more: several routers, reconnects,
-- heartbeats, re-registration; require("luna.cluster") does all that (the
-- top README's "A cluster that finds itself", and scripts/cluster/).
io.stdout:setvbuf("line")

local port = math.tointeger(tonumber(arg[1] or "7200"))
local SERVICES = 1 -- the group the master is elected in

conns = {}   -- token -> stream (keep accepted streams referenced)
ids = {}     -- token -> the service id registered on that stream
master = nil -- token of the services' master

local function label(id)
    local group, index = id >> 16, id & 0xFFFF
    local kind = ({ [1] = "service", [2] = "client" })[group] or ("group " .. group .. " member")
    return string.format("%s %d (id 0x%x)", kind, index, id)
end

-- The master is the live service with the lowest id; the router tells the
-- old and the new master when it changes.
local function elect(mgr)
    local best = nil
    for token, id in pairs(ids) do
        if id >> 16 == SERVICES and (best == nil or id < ids[best]) then best = token end
    end
    if best == master then return end
    if master and conns[master] then conns[master].call("master", false) end
    master = best
    mgr.master(SERVICES, best or 0) -- 0: the group has no master (forward_master goes nowhere)
    if best then
        conns[best].call("master", true)
        print("master of group " .. SERVICES .. " is now " .. label(ids[best]))
    else
        print("group " .. SERVICES .. " has no master")
    end
end

function main()
    local mgr = luna.create_socket_mgr(100)
    local listener, err = mgr.listen("127.0.0.1", port)
    if not listener then
        print("cannot listen on port " .. tostring(port) .. ": " .. err)
        os.exit(1)
    end
    -- A forward with nowhere to go comes back to its sender as the call
    -- ("luna_undeliverable", mode, group, msg) instead of vanishing.
    mgr.forward_error(true)

    listener.on_accept = function(stream)
        conns[stream.token] = stream
        -- Only plain calls reach Lua here; this router knows just one.
        stream.on_call = function(msg, id)
            if msg ~= "register" or math.type(id) ~= "integer" then return end
            ids[stream.token] = id
            mgr.route(id, stream.token) -- forward_* for id (or its group) now reach this stream
            stream.call("registered", id)
            print("registered " .. label(id) .. " on stream " .. stream.token)
            elect(mgr)
        end
        stream.on_error = function(why)
            local id = ids[stream.token]
            conns[stream.token], ids[stream.token] = nil, nil
            if not id then return end
            -- 0 keeps the id's slot but skips it: forward_hash keeps sending
            -- every other key where it went before. nil would remove the slot.
            mgr.route(id, 0)
            print("lost " .. label(id) .. ": " .. why)
            elect(mgr)
        end
    end

    print("router listening on 127.0.0.1:" .. listener.port)
    while not luna.get_guit_signal() do
        mgr.wait(50)
    end
    print("bye")
end
