-- router.lua: a router of the example cluster.
--
--   bin/luna scripts/cluster/router.lua [LUNA_INDEX=n] [LUNA_LISTEN=ip:port]
--
-- Services connect and register; the router routes each service id to its
-- stream, and from then on the runtime forwards the services' forward_*
-- frames without Lua seeing them. Registration, heartbeats, the
-- keep-the-slot rule and master election are luna.cluster's router (see
-- the README's "luna.cluster"); with LUNA_ROUTERS=etcd:... it also
-- announces its address there.
io.stdout:setvbuf("line")

local here = arg[0]:match("^(.*)[/\\]") or "."
groups = import(here .. "/lib/groups.lua")
local cluster = require("luna.cluster")

function main()
    local ok, router = pcall(cluster.router)
    if not ok then -- cannot listen, a bad setting: one line, exit 1
        io.stderr:write(string.format("%s: %s\n", arg[0], tostring(router)))
        os.exit(1)
    end
    router:run()
end
