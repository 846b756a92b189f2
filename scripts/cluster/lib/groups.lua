-- lib/groups.lua: the example cluster's service groups, with their names
-- for the logs of luna.cluster ("gamesvr.1", "master of match").
-- Loaded with import(): GAME_GROUP, DB_GROUP, MATCH_GROUP are fields of the
-- returned environment.
local cluster = require("luna.cluster")

GAME_GROUP, DB_GROUP, MATCH_GROUP = 1, 2, 3

cluster.name_group(GAME_GROUP, "gamesvr", "game")
cluster.name_group(DB_GROUP, "dbagent", "db")
cluster.name_group(MATCH_GROUP, "matchsvr", "match")
