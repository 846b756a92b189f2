-- cluster_config.lua [ARG]: checks the configuration contract of luna.cluster
-- (the module shipped in the binary): environment LUNA_ROUTERS /
-- LUNA_LISTEN / LUNA_INDEX / LUNA_HEARTBEAT_MS / LUNA_ADVERTISE, KEY=value
-- arguments override it, a script's own keys, defaults for a local run,
-- the three kinds of routers source. Prints PASS at the end, FAIL lines on
-- the way. ARG: any argument that is not KEY=value (config() must refuse
-- the script's own arg table then).
io.stdout:setvbuf("line")
local check, failures = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")

local function env(t) return function(k) return t[k] end end

function main()
    local cluster = require("luna.cluster")

    -- defaults
    local cfg = assert(cluster.config({}, env({})))
    check(cfg.index == 1, "default index")
    check(cfg.routers == "127.0.0.1:7001,127.0.0.1:7002", "default routers " .. cfg.routers)
    check(#cfg.static == 2 and cfg.static[1].host == "127.0.0.1" and cfg.static[1].port == 7001
        and cfg.static[2].port == 7002, "default routers, parsed")
    check(cfg.listen.host == "127.0.0.1" and cfg.listen.port == 7001, "default listen of router 1")
    check(cfg.heartbeat_ms == 1000, "default heartbeat")
    cfg = assert(cluster.config({ "LUNA_INDEX=2" }, env({})))
    check(cfg.listen.port == 7002, "default listen of router 2 is the 2nd router address")
    cfg = assert(cluster.config({ "LUNA_INDEX=3" }, env({})))
    check(cfg.listen.text == "127.0.0.1:7003", "default listen past the list: " .. cfg.listen.text)

    -- environment
    local e = { LUNA_ROUTERS = "10.0.0.1:9001, router2:9002", LUNA_LISTEN = "0.0.0.0:0", LUNA_INDEX = "7",
                LUNA_HEARTBEAT_MS = "250", LUNA_ADVERTISE = "router7:9001" }
    cfg = assert(cluster.config({}, env(e)))
    check(cfg.index == 7, "env index")
    check(#cfg.static == 2 and cfg.static[2].host == "router2" and cfg.static[2].port == 9002, "env routers")
    check(cfg.listen.host == "0.0.0.0" and cfg.listen.port == 0, "env listen, port 0")
    check(cfg.heartbeat_ms == 250 and cfg.advertise == "router7:9001", "env heartbeat, advertise")

    -- arguments override the environment; a script's own keys
    cfg = assert(cluster.config({ "LUNA_INDEX=2", "LUNA_ROUTERS=[::1]:7101", "LUNA_LISTEN=127.0.0.1:7100",
        "LUNA_TICK_MS=50" }, env(e), { LUNA_TICK_MS = "1000", LUNA_OTHER = "x" }))
    check(cfg.index == 2, "arg index overrides env")
    check(#cfg.static == 1 and cfg.static[1].host == "::1" and cfg.static[1].port == 7101, "arg routers, IPv6")
    check(cfg.listen.port == 7100, "arg listen overrides env")
    check(cfg.extra.LUNA_TICK_MS == "50" and cfg.extra.LUNA_OTHER == "x", "extra keys and their defaults")

    -- a StatefulSet's pod index
    cfg = assert(cluster.config({}, env({ LUNA_ORDINAL = "0" })))
    check(cfg.index == 1, "LUNA_ORDINAL=0 is index 1")
    cfg = assert(cluster.config({ "LUNA_INDEX=5" }, env({ LUNA_ORDINAL = "0" })))
    check(cfg.index == 5, "LUNA_INDEX wins over LUNA_ORDINAL")
    check(cluster.config({}, env({ LUNA_ORDINAL = "-1" })) == nil, "refuse LUNA_ORDINAL=-1")

    -- dynamic sources: no static list; the listen address must be given
    cfg = assert(cluster.config({ "LUNA_ROUTERS=dns:routers.luna:7000", "LUNA_LISTEN=0.0.0.0:7000" }, env({})))
    check(cfg.static == nil and cfg.routers == "dns:routers.luna:7000", "dns source")
    cfg = assert(cluster.config({ "LUNA_ROUTERS=etcd:127.0.0.1:2379,127.0.0.2:2379/luna/routers" }, env({})))
    check(cfg.static == nil and cfg.listen.text == "127.0.0.1:7001", "etcd source, default listen")

    -- the global arg table is the default source
    local c0, err0 = cluster.config(nil, env({}))
    check(c0 == nil and tostring(err0):find("unknown argument", 1, true), "config() reads the script's own arg table")

    -- refused
    for _, bad in ipairs({ { "LUNA_INDEX=0" }, { "LUNA_INDEX=65536" }, { "LUNA_INDEX=x" }, { "LUNA_ROUTERS=nohost" },
                           { "LUNA_ROUTERS=h:70000" }, { "LUNA_ROUTERS=h:0" }, { "LUNA_ROUTERS=," },
                           { "LUNA_LISTEN=1.2.3.4" }, { "FOO=1" }, { "index=1" }, { "LUNA_HEARTBEAT_MS=0" },
                           { "LUNA_ROUTERS=dns:routers" }, { "LUNA_ROUTERS=etcd:127.0.0.1:2379" },
                           { "LUNA_ADVERTISE=nohost" } }) do
        local c, err = cluster.config(bad, env({}))
        check(c == nil and type(err) == "string", "refuse " .. bad[1])
    end

    -- ids and names
    cluster.name_group(2, "dbagent", "db")
    check(cluster.id(2, 2) == 0x20002, "id")
    check(cluster.group_of(0x30001) == 3 and cluster.index_of(0x30001) == 1, "group_of/index_of")
    check(cluster.service_name(0x20002) == "dbagent.2" and cluster.group_label(2) == "db", "named group")
    check(cluster.service_name(0x70001) == "group7.1" and cluster.describe(0x70001) == "group7.1 (0x70001)",
        "unnamed group")

    if failures() == 0 then print("PASS") end
end
