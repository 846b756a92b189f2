-- matchsvr.lua: the match server of the example cluster (group 3, two instances).
--
--   bin/luna scripts/cluster/matchsvr.lua LUNA_INDEX=n [LUNA_ROUTERS=host:port,host:port]
--
-- Game servers call it with forward_master(MATCH_GROUP, "join_match", ...):
-- the routers deliver to the group's master, the live instance with the
-- lowest id. The other instance is the standby: it gets nothing until the
-- master's process dies, then the routers elect it and tell it
-- (master_changed), and the calls come to it.
--   join_match(caller, req, key, mode) -> match_joined(req, key, room, seat, my_name)
-- Rooms seat two players; their state is not replicated to the standby.
io.stdout:setvbuf("line")

local here = arg[0]:match("^(.*)[/\\]") or "."
groups = import(here .. "/lib/groups.lua")
local cluster = require("luna.cluster")

local log, service_name = cluster.log, cluster.service_name

rpc = rpc or {}

function rpc.join_match(node, via, caller, req, key, mode)
    if not open_room or open_room.seated == 2 then
        rooms = rooms + 1
        open_room = { id = string.format("m%d-%d", node.id & 0xFFFF, rooms), seated = 0 }
    end
    open_room.seated = open_room.seated + 1
    log("join_match %s (%s) from %s #%d -> room %s seat %d%s", key, tostring(mode), service_name(caller), req,
        open_room.id, open_room.seated, node.is_master and "" or " (while standby)")
    node:reply(via, caller, "match_joined", req, key, open_room.id, open_room.seated, node.name)
end

function main()
    local cfg = cluster.config_or_die()
    rooms, open_room = 0, nil
    local node = cluster.join { group = groups.MATCH_GROUP, cfg = cfg, handlers = rpc, track_master = true }
    node:run()
end
