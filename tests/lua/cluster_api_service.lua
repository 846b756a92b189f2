-- cluster_api_service.lua GROUP INDEX [PEER_ID]: a service of luna.cluster
-- (routers from LUNA_ROUTERS). Prints "ROUTER <addr> up|down" from
-- on_router and "GOT <msg> <args...> from <router>" for every forwarded
-- call. With PEER_ID it sends, once registered: forward_target(PEER_ID,
-- "direct", 1), forward_broadcast(PEER's group, "all", 2),
-- forward_random(PEER's group, "any", 3), forward_hash(PEER's group, 7,
-- "hashed", 4), forward_master(PEER's group, "boss", 5); and answers
-- nothing. A "ping" from another service is answered with reply(via,
-- caller, "pong", n).
io.stdout:setvbuf("line")
local cluster = require("luna.cluster")
local group, index = math.tointeger(tonumber(arg[1])), math.tointeger(tonumber(arg[2]))
local peer = math.tointeger(tonumber(arg[3] or ""))

local function show(...)
    local t = table.pack(...)
    for i = 1, t.n do t[i] = tostring(t[i]) end
    return table.concat(t, " ")
end

function main()
    local cfg = assert(cluster.config({})) -- the environment only: the arguments are ours
    local sent = false
    local node
    node = cluster.join {
        group = group, index = index, cfg = cfg,
        handlers = {
            ping = function(n, via, caller, x) n:reply(via, caller, "pong", x) end,
        },
        on_call = function(_, via, msg, ...) print("GOT " .. msg .. " " .. show(...) .. " from " .. via.addr) end,
        on_router = function(_, addr, up) print("ROUTER " .. addr .. " " .. (up and "up" or "down")) end,
    }
    node:run(function()
        if peer and not sent and #node:ready_routers() > 0 and node:pick(cluster.group_of(peer), "master") then
            sent = true
            local g = cluster.group_of(peer)
            assert(node:forward_target(peer, "direct", 1))
            assert(node:forward_broadcast(g, "all", 2))
            assert(node:forward_random(g, "any", 3))
            assert(node:forward_hash(g, 7, "hashed", 4))
            assert(node:forward_master(g, "boss", 5))
            print("SENT")
        end
    end)
end
