-- lib/cluster.lua: what the example cluster's processes share.
--
-- Loaded with import(), so everything below is a field of the returned
-- environment: cluster.config(), cluster.new_service(...), cluster.log(...).
--
--   * service ids and names: id = group << 16 | index (wire.md); the group
--     of an id is (id >> 16) & 0xFF, its index id & 0xFFFF.
--   * config(): LUNA_ROUTERS / LUNA_LISTEN / LUNA_INDEX from the environment,
--     overridden by KEY=value command-line arguments.
--   * new_service(): a service's side of the cluster. It connects to EVERY
--     router of LUNA_ROUTERS, registers on each, heartbeats, notices a router
--     that went away or went silent, reconnects with a doubling backoff,
--     registers again when the router is back, and picks a live router for
--     each call, so that a service keeps working while one router is down.
--
-- The messages between a service and a router (all plain stream.call):
--   service -> router  register(id, name, heartbeat_ms), heartbeat(id),
--                      unregister(id)
--   router -> service  registered(id, router_index), heartbeat_ack(),
--                      group_state(group, live_count, master_id),
--                      master_changed(group, master_id)
-- Everything else a router delivers is a forwarded call between services;
-- it is handed to the service's rpc table as rpc[msg](node, via, ...), where
-- via is the router it came through (reply with node:reply(via, ...): the
-- router a request came through is one the caller is registered on).

GAME_GROUP, DB_GROUP, MATCH_GROUP = 1, 2, 3

local SERVICE_OF_GROUP = { [GAME_GROUP] = "gamesvr", [DB_GROUP] = "dbagent", [MATCH_GROUP] = "matchsvr" }
local LABEL_OF_GROUP = { [GAME_GROUP] = "game", [DB_GROUP] = "db", [MATCH_GROUP] = "match" }

DEFAULT_ROUTERS = "127.0.0.1:7001,127.0.0.1:7002"
DEFAULT_HEARTBEAT_MS = 1000
DEFAULT_TICK_MS = 1000

-- A peer that says nothing for SILENCE heartbeats is taken for dead.
SILENCE = 4

local format = string.format

function service_id(group, index) return (group << 16) | index end
function group_of(id) return (id >> 16) & 0xFF end
function index_of(id) return id & 0xFFFF end
function hex(id) return format("0x%x", id) end

function group_label(group)
    return LABEL_OF_GROUP[group] or ("group" .. group)
end

function service_name(id)
    return (SERVICE_OF_GROUP[group_of(id)] or ("group" .. group_of(id))) .. "." .. index_of(id)
end

-- "gamesvr.1 (0x10001)"
function describe(id)
    return format("%s (%s)", service_name(id), hex(id))
end

-- a global of this file's environment, so that it survives a hot reload
log_prefix = log_prefix or "[luna] "

-- set_name("gamesvr.1") makes every log line start with "[gamesvr.1] ".
function set_name(name) log_prefix = "[" .. name .. "] " end

function log(fmt, ...)
    print(log_prefix .. format(fmt, ...))
end

function seconds(ms) return format("%.1fs", ms / 1000) end

---------------------------------------------------------------------------
-- configuration

-- parse_addr("127.0.0.1:7001") / ("[::1]:7001") / ("router1:7001") -> host, port
function parse_addr(text)
    local host, port = text:match("^%[([^%]]+)%]:(%d+)$")
    if not host then host, port = text:match("^([^:%[%]]+):(%d+)$") end
    port = math.tointeger(tonumber(port))
    if not host or not port or port > 65535 then
        return nil, format("bad address %q (want host:port)", text)
    end
    return host, port
end

local KEYS = { LUNA_ROUTERS = true, LUNA_LISTEN = true, LUNA_INDEX = true,
               LUNA_HEARTBEAT_MS = true, LUNA_TICK_MS = true }

local function positive(name, text, max)
    local n = math.tointeger(tonumber(text))
    if not n or n < 1 or (max and n > max) then
        return nil, format("%s=%s: want an integer from 1 to %d", name, text, max or math.maxinteger)
    end
    return n
end

-- config([args [, getenv]]) -> cfg or nil, message.
-- args defaults to the global arg table (arg[1..n]), getenv to os.getenv.
-- cfg = { index, routers = {{host, port, text}, ...}, listen = {host, port, text},
--         heartbeat_ms, tick_ms }
-- LUNA_LISTEN defaults to the LUNA_INDEX-th entry of LUNA_ROUTERS.
function config(args, getenv)
    args = args or arg or {}
    getenv = getenv or os.getenv
    local given = {}
    for i = 1, #args do
        local key, value = tostring(args[i]):match("^([%w_]+)=(.*)$")
        if not key or not KEYS[key] then
            return nil, format("unknown argument %q (want KEY=value with KEY one of LUNA_ROUTERS, "
                .. "LUNA_LISTEN, LUNA_INDEX, LUNA_HEARTBEAT_MS, LUNA_TICK_MS)", tostring(args[i]))
        end
        given[key] = value
    end
    local function get(key, default)
        local v = given[key]
        if v == nil then v = getenv(key) end
        if v == nil or v == "" then v = default end
        return v
    end

    local cfg, err = {}, nil
    cfg.index, err = positive("LUNA_INDEX", get("LUNA_INDEX", "1"), 0xFFFF)
    if not cfg.index then return nil, err end
    cfg.heartbeat_ms, err = positive("LUNA_HEARTBEAT_MS", get("LUNA_HEARTBEAT_MS", tostring(DEFAULT_HEARTBEAT_MS)))
    if not cfg.heartbeat_ms then return nil, err end
    cfg.tick_ms, err = positive("LUNA_TICK_MS", get("LUNA_TICK_MS", tostring(DEFAULT_TICK_MS)))
    if not cfg.tick_ms then return nil, err end

    cfg.routers = {}
    for item in get("LUNA_ROUTERS", DEFAULT_ROUTERS):gmatch("[^,%s]+") do
        local host, port = parse_addr(item)
        if not host then return nil, "LUNA_ROUTERS: " .. port end
        cfg.routers[#cfg.routers + 1] = { host = host, port = port, text = item }
    end
    if #cfg.routers == 0 then return nil, "LUNA_ROUTERS is empty" end

    local listen = get("LUNA_LISTEN", nil)
    if listen == nil then
        local mine = cfg.routers[cfg.index]
        listen = mine and mine.text or format("127.0.0.1:%d", 7000 + cfg.index)
    end
    local host, port = parse_addr(listen)
    if not host then return nil, "LUNA_LISTEN: " .. port end
    cfg.listen = { host = host, port = port, text = listen }
    return cfg
end

-- config_or_die(): config() for an entry script; a bad setting stops the
-- process with a one-line message on stderr and exit code 2.
function config_or_die()
    local cfg, err = config()
    if not cfg then
        io.stderr:write(string.format("%s: configuration: %s\n", arg[0], err))
        os.exit(2)
    end
    return cfg
end

---------------------------------------------------------------------------
-- the service side

Service = Service or {}
Service.__index = Service

-- new_service{ group = n, cfg = config(), rpc = table, track_master = bool,
--              on_role = function(node, is_master) }
function new_service(opts)
    local cfg = opts.cfg
    local self = setmetatable({}, Service)
    self.group = opts.group
    self.id = service_id(opts.group, cfg.index)
    self.name = service_name(self.id)
    self.rpc = opts.rpc
    self.track_master = opts.track_master
    self.on_role = opts.on_role
    self.heartbeat_ms = cfg.heartbeat_ms
    self.silence_ms = SILENCE * cfg.heartbeat_ms
    self.min_backoff = math.max(100, cfg.heartbeat_ms // 2)
    self.max_backoff = SILENCE * cfg.heartbeat_ms
    self.mgr = assert(luna.create_socket_mgr(64))
    self.routers = {}
    self.rr = 0
    self.unreachable = {}
    for i, addr in ipairs(cfg.routers) do
        self.routers[i] = { host = addr.host, port = addr.port, addr = addr.text, state = "down",
                            retry_at = 0, backoff = self.min_backoff, groups = {} }
    end
    set_name(self.name)
    log("starting as %s, routers %s", describe(self.id), self:router_list())
    return self
end

function Service:router_list()
    local t = {}
    for i, r in ipairs(self.routers) do t[i] = r.addr end
    return table.concat(t, ", ")
end

function Service:connect(r, now)
    local s, err = self.mgr.connect(r.host, r.port)
    if not s then return self:router_down(r, err, now) end
    r.stream, r.state, r.since, r.groups = s, "connecting", now, {}
    s.on_connected = function()
        if r.stream ~= s then return end
        local t = luna.get_time_ms()
        r.state, r.last_heard, r.last_hb = "connected", t, t
        s.call("register", self.id, self.name, self.heartbeat_ms)
    end
    s.on_call = function(msg, ...)
        if r.stream == s then self:on_router_call(r, msg, ...) end
    end
    s.on_error = function(reason)
        if r.stream == s then
            r.stream = nil -- already closed by the runtime
            self:router_down(r, reason, luna.get_time_ms())
        end
    end
end

-- router_down: the stream to r is gone (or never came up); schedule a retry.
function Service:router_down(r, reason, now)
    if r.stream then r.stream.close() end
    local was = r.state
    r.stream, r.state, r.groups = nil, "down", {}
    local delay = r.backoff
    r.backoff = math.min(r.backoff * 2, self.max_backoff)
    r.retry_at = now + delay
    if was == "ready" or was == "connected" then
        log("lost router %s (%s), retry in %s", r.addr, reason, seconds(delay))
    else
        log("cannot reach router %s (%s), retry in %s", r.addr, reason, seconds(delay))
    end
    self:update_ready()
    self:update_role()
end

function Service:on_router_call(r, msg, ...)
    r.last_heard = luna.get_time_ms()
    if msg == "heartbeat_ack" then
        return
    elseif msg == "registered" then
        local _, router_index = ...
        r.state, r.backoff, r.index = "ready", self.min_backoff, router_index
        log("registered on router %s (%s) as %s", tostring(router_index), r.addr, describe(self.id))
        self:update_ready()
    elseif msg == "group_state" then
        local group, live, master = ...
        r.groups[group] = { live = live, master = master }
        self:update_role()
    elseif msg == "master_changed" then
        local group, master = ...
        local g = r.groups[group] or { live = 0 }
        g.master = master
        r.groups[group] = g
        self:update_role()
    else
        local handler = self.rpc[msg]
        if handler then
            handler(self, r, ...)
        else
            log("WARN unknown message %q from router %s", tostring(msg), r.addr)
        end
    end
end

-- update_role: for a service that tracks its group's master (matchsvr):
-- it is the master when a router it is registered on names it.
-- update_ready: /readyz (LUNA_ADMIN) says ready while the service is
-- registered on at least one router.
function Service:update_ready()
    local ready = false
    for _, r in ipairs(self.routers) do ready = ready or r.state == "ready" end
    luna.admin.ready(ready)
end

function Service:update_role()
    if not self.track_master then return end
    local master, by, other = false, nil, nil
    for _, r in ipairs(self.routers) do
        local g = r.state == "ready" and r.groups[self.group]
        if g and g.master == self.id then
            master, by = true, by or r
        elseif g and g.master and g.master ~= 0 then
            other = other or g.master
        end
    end
    if master == self.is_master then return end
    if master == false and self.is_master == nil and not other then return end -- nothing known yet
    self.is_master = master
    if master then
        log("now master of %s (named by router %s)", group_label(self.group), by.addr)
    elseif other then
        log("standby for %s (master is %s)", group_label(self.group), service_name(other))
    else
        log("standby for %s (no master)", group_label(self.group))
    end
    if self.on_role then self.on_role(self, master) end
end

-- pick(group, mode): a ready router that has a live member of group (and,
-- for "master", a master), taken round-robin; nil when there is none.
function Service:pick(group, mode)
    local n = #self.routers
    for k = 1, n do
        local r = self.routers[(self.rr + k - 1) % n + 1]
        local g = r.state == "ready" and r.groups[group]
        if g and g.live > 0 and (mode ~= "master" or (g.master and g.master ~= 0)) then
            self.rr = (self.rr + k) % n
            return r
        end
    end
    return nil
end

-- forward(mode, group, ...): forward_<mode>(group, ...) through a live router.
-- Returns the router used, or nil. Logs once when a group becomes
-- unreachable and once when it is reachable again.
function Service:forward(mode, group, ...)
    local r = self:pick(group, mode)
    local label = group_label(group) .. (mode == "master" and " master" or "")
    if not r then
        if not self.unreachable[label] then
            self.unreachable[label] = true
            log("no router reaches %s yet; calls to it are skipped", label)
        end
        return nil
    end
    if self.unreachable[label] then
        self.unreachable[label] = nil
        log("%s reachable via router %s", label, r.addr)
    end
    local n, why = r.stream["forward_" .. mode](group, ...)
    if not n then
        log("WARN forward_%s to %s via %s not sent: %s", mode, label, r.addr, tostring(why))
        return nil
    end
    return r
end

-- reply(via, target_id, msg, ...): forward_target back through the router
-- a request came in on; through any ready router if that one is gone.
function Service:reply(via, target, ...)
    local r = (via and via.state == "ready") and via or nil
    if not r then
        for _, x in ipairs(self.routers) do
            if x.state == "ready" then r = x break end
        end
    end
    if not r then
        log("no router to reply to %s", service_name(target))
        return nil
    end
    local n, why = r.stream.forward_target(target, ...)
    if not n then
        log("WARN reply to %s via %s not sent: %s", service_name(target), r.addr, tostring(why))
        return nil
    end
    return r
end

-- update(now): connect, heartbeat, notice silent routers.
function Service:update(now)
    for _, r in ipairs(self.routers) do
        if r.state == "down" then
            if now >= r.retry_at then self:connect(r, now) end
        elseif r.state == "connecting" then
            if now - r.since > self.silence_ms then
                self:router_down(r, format("no connection after %d ms", now - r.since), now)
            end
        elseif now - r.last_heard > self.silence_ms then
            self:router_down(r, format("silent for %d ms", now - r.last_heard), now)
        elseif now - r.last_hb >= self.heartbeat_ms then
            r.last_hb = now
            r.stream.call("heartbeat", self.id)
        end
    end
end

-- run(tick): the main loop; tick(now) is called after every wait. Returns
-- after SIGINT/SIGTERM, once the routers were told this service leaves.
function Service:run(tick)
    local next_reload = 0
    while not luna.get_guit_signal() do
        self.mgr.wait(50)
        local now = luna.get_time_ms()
        self:update(now)
        if tick then tick(now) end
        if now >= next_reload then
            luna.try_reload()
            next_reload = now + 1000
        end
    end
    local told = 0
    for _, r in ipairs(self.routers) do
        if r.state == "ready" or r.state == "connected" then
            r.stream.call("unregister", self.id)
            told = told + 1
        end
    end
    for _ = 1, 4 do self.mgr.wait(10) end
    log("stopped (unregistered from %d router(s))", told)
end
