-- gamesvr.lua: a game server of the example cluster (group 1, several instances).
--
--   bin/luna scripts/cluster/gamesvr.lua LUNA_INDEX=n [LUNA_ROUTERS=host:port,host:port]
--
-- Every LUNA_TICK_MS it takes the next of its players and
--   * loads it from the dbagent that owns the key: forward_hash(DB_GROUP, key, "load_player", ...),
--     and when the data comes back, saves it with more gold (forward_hash again);
--   * puts it in the match queue: forward_master(MATCH_GROUP, "join_match", ...).
-- The replies come back as forward_target to this service's id and are
-- printed with the instance that answered and the router they came through.
io.stdout:setvbuf("line")

local here = arg[0]:match("^(.*)[/\\]") or "."
groups = import(here .. "/lib/groups.lua")
local cluster = require("luna.cluster")

local log, service_name = cluster.log, cluster.service_name

-- A request without its reply after this long is reported and forgotten.
REPLY_TIMEOUT_MS = 3000

rpc = rpc or {}

-- request(node, mode, group, msg, key, ...): send msg(my_id, req, key, ...)
-- to group by mode ("hash" on key, or "master") and remember it.
function request(node, mode, group, msg, key, ...)
    seq = seq + 1
    local r
    if mode == "hash" then
        r = node:forward("hash", group, key, msg, node.id, seq, key, ...)
    else
        r = node:forward(mode, group, msg, node.id, seq, key, ...)
    end
    if r then pending[seq] = { msg = msg, key = key, at = luna.get_time_ms() } end
end

-- answered(req, msg): the pending request a reply answers, and how long it took.
local function answered(req, msg)
    local p = pending[req]
    if not p then
        log("late or unknown reply %s #%s", msg, tostring(req))
        return nil
    end
    pending[req] = nil
    return p, luna.get_time_ms() - p.at
end

function rpc.player_loaded(node, via, req, key, data, from)
    local p, ms = answered(req, "player_loaded")
    if not p then return end
    log("<- player_loaded #%d %s level=%d gold=%d from %s via %s (%d ms)",
        req, key, data.level, data.gold, from, via.addr, ms)
    data.gold = data.gold + 10
    request(node, "hash", groups.DB_GROUP, "save_player", key, data)
end

function rpc.player_saved(node, via, req, key, gold, from)
    local p, ms = answered(req, "player_saved")
    if not p then return end
    log("<- player_saved #%d %s gold=%d by %s via %s (%d ms)", req, key, gold, from, via.addr, ms)
end

function rpc.match_joined(node, via, req, key, room, seat, from)
    local p, ms = answered(req, "match_joined")
    if not p then return end
    log("<- match_joined #%d %s room %s seat %d from %s via %s (%d ms)", req, key, room, seat, from, via.addr, ms)
end

function tick(node, now)
    if now >= next_round then
        next_round = now + node.tick_ms
        round = round + 1
        local key = players[(round - 1) % #players + 1]
        request(node, "hash", groups.DB_GROUP, "load_player", key)
        request(node, "master", groups.MATCH_GROUP, "join_match", key, "duel")
    end
    for req, p in pairs(pending) do
        if now - p.at > REPLY_TIMEOUT_MS then
            pending[req] = nil
            log("WARN no reply to %s #%d (%s) after %d ms", p.msg, req, p.key, now - p.at)
        end
    end
end

function main()
    local cfg = cluster.config_or_die({ LUNA_TICK_MS = "1000" })
    local tick_ms, err = cluster.positive("LUNA_TICK_MS", cfg.extra.LUNA_TICK_MS)
    if not tick_ms then
        io.stderr:write(arg[0] .. ": configuration: " .. err .. "\n")
        os.exit(2)
    end
    local node = cluster.join { group = groups.GAME_GROUP, cfg = cfg, handlers = rpc }
    node.tick_ms = tick_ms
    seq, round, pending, players = 0, 0, {}, {}
    for k = 1, 8 do players[k] = "player:" .. (cfg.index * 100 + k) end
    next_round = luna.get_time_ms() + tick_ms
    node:run(function(now) tick(node, now) end)
end
