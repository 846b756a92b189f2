-- cluster_config.lua LIB: checks the configuration contract of the example
-- cluster (scripts/cluster/lib/cluster.lua, path in arg[1]): environment
-- LUNA_ROUTERS / LUNA_LISTEN / LUNA_INDEX, KEY=value arguments override it,
-- defaults for a local run. Prints PASS at the end, FAIL lines on the way.
io.stdout:setvbuf("line")
local lib = arg[1]
local failed = false

local function check(cond, what)
    if not cond then
        failed = true
        print("FAIL " .. what)
    end
end

local function env(t) return function(k) return t[k] end end

function main()
    local cluster = import(lib)
    check(cluster, "import " .. tostring(lib))
    if not cluster then return end

    -- defaults
    local cfg = assert(cluster.config({}, env({})))
    check(cfg.index == 1, "default index")
    check(#cfg.routers == 2 and cfg.routers[1].host == "127.0.0.1" and cfg.routers[1].port == 7001
        and cfg.routers[2].port == 7002, "default routers")
    check(cfg.listen.host == "127.0.0.1" and cfg.listen.port == 7001, "default listen of router 1")
    check(cfg.heartbeat_ms == 1000 and cfg.tick_ms == 1000, "default heartbeat and tick")
    cfg = assert(cluster.config({ "LUNA_INDEX=2" }, env({})))
    check(cfg.listen.port == 7002, "default listen of router 2 is the 2nd router address")
    cfg = assert(cluster.config({ "LUNA_INDEX=3" }, env({})))
    check(cfg.listen.text == "127.0.0.1:7003", "default listen past the list: " .. cfg.listen.text)

    -- environment
    local e = { LUNA_ROUTERS = "10.0.0.1:9001, router2:9002", LUNA_LISTEN = "0.0.0.0:0", LUNA_INDEX = "7",
                LUNA_HEARTBEAT_MS = "250" }
    cfg = assert(cluster.config({}, env(e)))
    check(cfg.index == 7, "env index")
    check(#cfg.routers == 2 and cfg.routers[2].host == "router2" and cfg.routers[2].port == 9002, "env routers")
    check(cfg.listen.host == "0.0.0.0" and cfg.listen.port == 0, "env listen, port 0")
    check(cfg.heartbeat_ms == 250, "env heartbeat")

    -- arguments override the environment
    cfg = assert(cluster.config({ "LUNA_INDEX=2", "LUNA_ROUTERS=[::1]:7101", "LUNA_LISTEN=127.0.0.1:7100" }, env(e)))
    check(cfg.index == 2, "arg index overrides env")
    check(#cfg.routers == 1 and cfg.routers[1].host == "::1" and cfg.routers[1].port == 7101, "arg routers, IPv6")
    check(cfg.listen.port == 7100, "arg listen overrides env")

    -- the global arg table is the default source
    local c0, err0 = cluster.config(nil, env({}))
    check(c0 == nil and err0:find(lib, 1, true), "config() reads the script's own arg table (arg[1] here is not KEY=value)")

    -- refused
    for _, bad in ipairs({ { "LUNA_INDEX=0" }, { "LUNA_INDEX=65536" }, { "LUNA_INDEX=x" }, { "LUNA_ROUTERS=nohost" },
                           { "LUNA_ROUTERS=h:70000" }, { "LUNA_ROUTERS=," }, { "LUNA_LISTEN=1.2.3.4" }, { "FOO=1" },
                           { "index=1" }, { "LUNA_TICK_MS=0" } }) do
        local c, err = cluster.config(bad, env({}))
        check(c == nil and type(err) == "string", "refuse " .. bad[1])
    end

    -- ids
    check(cluster.service_id(2, 2) == 0x20002, "service_id")
    check(cluster.group_of(0x30001) == 3 and cluster.index_of(0x30001) == 1, "group_of/index_of")
    check(cluster.service_name(0x20002) == "dbagent.2", "service_name")
    check(cluster.describe(0x10001) == "gamesvr.1 (0x10001)", "describe")

    if not failed then print("PASS") end
end
