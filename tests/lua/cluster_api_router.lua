-- cluster_api_router.lua: a router of luna.cluster on 127.0.0.1 (any port),
-- in three lines; prints what on_member reports as "MEMBER <id> up|down".
io.stdout:setvbuf("line")
local cluster = require("luna.cluster")

function main()
    local r = cluster.router {
        listen = "127.0.0.1:0",
        on_member = function(_, id, up) print(string.format("MEMBER %d %s", id, up and "up" or "down")) end,
    }
    r:run()
end
