-- dbagent.lua: a database agent of the example cluster (group 2, two instances).
--
--   bin/luna scripts/cluster/dbagent.lua LUNA_INDEX=n [LUNA_ROUTERS=host:port,host:port]
--
-- Game servers reach it with forward_hash(DB_GROUP, player_key, ...), so each
-- player key has one owner while both instances live. It keeps players in
-- memory and answers through the router the request came in on:
--   load_player(caller, req, key)       -> player_loaded(req, key, {level, gold}, my_name)
--   save_player(caller, req, key, data) -> player_saved(req, key, gold, my_name)
io.stdout:setvbuf("line")

local here = arg[0]:match("^(.*)[/\\]") or "."
groups = import(here .. "/lib/groups.lua")
local cluster = require("luna.cluster")

local log, service_name = cluster.log, cluster.service_name

rpc = rpc or {}
store = store or {}

function rpc.load_player(node, via, caller, req, key)
    local p = store[key]
    if not p then
        p = { level = 1, gold = 100 }
        store[key] = p
    end
    log("load_player %s for %s #%d via %s", key, service_name(caller), req, via.addr)
    node:reply(via, caller, "player_loaded", req, key, { level = p.level, gold = p.gold }, node.name)
end

function rpc.save_player(node, via, caller, req, key, data)
    if type(data) ~= "table" or math.type(data.gold) ~= "integer" then
        log("WARN save_player %s from %s: bad data", tostring(key), service_name(caller))
        return
    end
    store[key] = { level = 1 + data.gold // 200, gold = data.gold }
    log("save_player %s gold=%d for %s #%d via %s", key, data.gold, service_name(caller), req, via.addr)
    node:reply(via, caller, "player_saved", req, key, data.gold, node.name)
end

function main()
    local cfg = cluster.config_or_die()
    local node = cluster.join { group = groups.DB_GROUP, cfg = cfg, handlers = rpc }
    node:run()
end
