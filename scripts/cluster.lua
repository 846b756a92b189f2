-- luna.cluster: a cluster of services behind routers, shipped in the binary.
--
--   local cluster = require("luna.cluster")
--
-- Services join with their group and index, connect to every router the
-- `routers` source names, register, heartbeat, reconnect with a doubling
-- backoff, and forward through a live router that reaches the target. A
-- router script gets registration, heartbeat expiry, the keep-the-slot rule
-- and master election in a few lines. Every message is a plain stream.call
-- or forward_*, so C++ luna processes running the same protocol mix in.
--
-- Ids: id = group << 16 | index (group 1..255, index 1..65535).
--
-- The routers source (LUNA_ROUTERS) is one of
--   host:port,host:port       a fixed list
--   dns:NAME:PORT             every address NAME resolves to, looked up again
--                             every second (a Kubernetes headless Service, a
--                             compose service name); LUNA_DNS_SERVER=ip:port
--                             asks that server instead of the system's
--   etcd:ENDPOINTS/PREFIX     the addresses routers put under PREFIX in etcd;
--                             a router given this source announces its own
--                             address there, under a lease
-- Addresses that appear are connected; one that vanishes is dropped once it
-- is not in use, or after a grace period of two heartbeats.
--
-- Messages between a service and a router:
--   service -> router  register(id, name, heartbeat_ms), heartbeat(id),
--                      unregister(id)
--   router -> service  registered(id, router_index), heartbeat_ack(),
--                      group_state(group, live_count, master_id),
--                      master_changed(group, master_id), router_leaving(index)
-- Everything else a router delivers is a forwarded call between services.

local M = {}

M.SILENCE = 4 -- a peer silent for this many heartbeats is taken for dead
M.DEFAULT_ROUTERS = "127.0.0.1:7001,127.0.0.1:7002"
M.DEFAULT_HEARTBEAT_MS = 1000

local format = string.format

---------------------------------------------------------------------------
-- ids, names, logs

function M.id(group, index) return (group << 16) | index end
function M.group_of(id) return (id >> 16) & 0xFF end
function M.index_of(id) return id & 0xFFFF end
function M.hex(id) return format("0x%x", id) end

local group_names, group_labels = {}, {}

-- name_group(group, name [, label]): services of group are called
-- name.index in logs ("gamesvr.2"), and the group label ("game").
function M.name_group(group, name, label)
    group_names[group], group_labels[group] = name, label or name
end

function M.group_label(group) return group_labels[group] or ("group" .. group) end

function M.service_name(id)
    return (group_names[M.group_of(id)] or ("group" .. M.group_of(id))) .. "." .. M.index_of(id)
end

-- "gamesvr.1 (0x10001)"
function M.describe(id) return format("%s (%s)", M.service_name(id), M.hex(id)) end

local prefix = "[luna] "

-- set_name("gamesvr.1"): every log line starts with "[gamesvr.1] ".
function M.set_name(name) prefix = "[" .. name .. "] " end

-- log(fmt, ...): one line on stdout; replace M.log to send them elsewhere.
function M.log(fmt, ...) print(prefix .. format(fmt, ...)) end

local function log(...) return M.log(...) end

-- note(fmt, ...): a line about the cluster changing (a router lost, a new
-- master), logged at the node's next update unless the node is stopping by
-- then. Ctrl-C reaches every process of a cluster within a few
-- milliseconds; what they do to each other in those milliseconds (leave,
-- elect, reconnect) is not news.
local function note(self, fmt, ...)
    if not self:quiet() then self.notes[#self.notes + 1] = format(fmt, ...) end
end

-- flush_notes(): log the lines noted since the last update.
local function flush_notes(self)
    local notes = self.notes
    self.notes = {}
    if self:quiet() then return end
    for _, line in ipairs(notes) do log("%s", line) end
end
local function seconds(ms) return format("%.1fs", ms / 1000) end

---------------------------------------------------------------------------
-- configuration

-- parse_addr("127.0.0.1:7001") / ("[::1]:7001") / ("router1:7001") -> host, port
-- (port 0 only with zero_ok: a listen address)
function M.parse_addr(text, zero_ok)
    local host, port = text:match("^%[([^%]]+)%]:(%d+)$")
    if not host then host, port = text:match("^([^:%[%]]+):(%d+)$") end
    port = math.tointeger(tonumber(port))
    if not host or not port or port < (zero_ok and 0 or 1) or port > 65535 then
        return nil, format("bad address %q (want host:port)", text)
    end
    return host, port
end

-- positive(name, text [, max]) -> the integer, or nil and a message
function M.positive(name, text, max)
    local n = math.tointeger(tonumber(text))
    if not n or n < 1 or (max and n > max) then
        return nil, format("%s=%s: want an integer from 1 to %d", name, text, max or math.maxinteger)
    end
    return n
end

local KEYS = { "LUNA_ROUTERS", "LUNA_LISTEN", "LUNA_INDEX", "LUNA_ORDINAL", "LUNA_HEARTBEAT_MS", "LUNA_ADVERTISE" }

-- config([args [, getenv [, extra]]]) -> cfg or nil, message.
-- args defaults to the global arg table (arg[1..n]: KEY=value, overriding
-- the environment), getenv to os.getenv; extra names more keys the script
-- takes, with their defaults ({ LUNA_TICK_MS = "1000" }), found in cfg.extra.
-- LUNA_ORDINAL=n (0-based: a StatefulSet's pod index) means LUNA_INDEX=n+1
-- when LUNA_INDEX is not given.
-- cfg = { index, routers = spec text, static = {{host, port, text}, ...}
--         (for a host:port list), listen = {host, port, text},
--         advertise = text or nil, heartbeat_ms, extra = {KEY = text} }
-- LUNA_LISTEN defaults to the LUNA_INDEX-th entry of a static LUNA_ROUTERS.
function M.config(args, getenv, extra)
    args = args or arg or {}
    getenv = getenv or os.getenv
    extra = extra or {}
    local known = {}
    for _, k in ipairs(KEYS) do known[k] = true end
    for k in pairs(extra) do known[k] = true end
    local given = {}
    for i = 1, #args do
        local key, value = tostring(args[i]):match("^([%w_]+)=(.*)$")
        if not key or not known[key] then
            local names = {}
            for k in pairs(known) do names[#names + 1] = k end
            table.sort(names)
            return nil, format("unknown argument %q (want KEY=value with KEY one of %s)", tostring(args[i]),
                table.concat(names, ", "))
        end
        given[key] = value
    end
    local function get(key, default)
        local v = given[key]
        if v == nil then v = getenv(key) end
        if v == nil or v == "" then v = default end
        return v
    end

    local cfg, err = { extra = {} }, nil
    local index = get("LUNA_INDEX", nil)
    local ordinal = get("LUNA_ORDINAL", nil)
    if index == nil and ordinal ~= nil then
        -- 0-based, as a StatefulSet numbers its pods: router-0 is index 1
        local n = math.tointeger(tonumber(ordinal))
        if not n or n < 0 or n > 0xFFFE then
            return nil, format("LUNA_ORDINAL=%s: want an integer from 0 to %d", ordinal, 0xFFFE)
        end
        index = tostring(n + 1)
    end
    cfg.index, err = M.positive("LUNA_INDEX", index or "1", 0xFFFF)
    if not cfg.index then return nil, err end
    cfg.heartbeat_ms, err = M.positive("LUNA_HEARTBEAT_MS", get("LUNA_HEARTBEAT_MS", tostring(M.DEFAULT_HEARTBEAT_MS)))
    if not cfg.heartbeat_ms then return nil, err end
    for k, default in pairs(extra) do cfg.extra[k] = get(k, default) end

    cfg.routers = get("LUNA_ROUTERS", M.DEFAULT_ROUTERS)
    if cfg.routers:match("^dns:") then
        if not cfg.routers:match("^dns:[^:]+:%d+$") then
            return nil, format("LUNA_ROUTERS=%s: want dns:NAME:PORT", cfg.routers)
        end
    elseif cfg.routers:match("^etcd:") then
        if not cfg.routers:match("^etcd:.+/[^/]") then
            return nil, format("LUNA_ROUTERS=%s: want etcd:host:port[,host:port...]/prefix", cfg.routers)
        end
    else
        cfg.static = {}
        for item in cfg.routers:gmatch("[^,%s]+") do
            local host, port = M.parse_addr(item)
            if not host then return nil, "LUNA_ROUTERS: " .. port end
            cfg.static[#cfg.static + 1] = { host = host, port = port, text = item }
        end
        if #cfg.static == 0 then return nil, "LUNA_ROUTERS is empty" end
    end

    local listen = get("LUNA_LISTEN", nil)
    if listen == nil then
        local mine = cfg.static and cfg.static[cfg.index]
        listen = mine and mine.text or format("127.0.0.1:%d", 7000 + cfg.index)
    end
    local host, port = M.parse_addr(listen, true)
    if not host then return nil, "LUNA_LISTEN: " .. port end
    cfg.listen = { host = host, port = port, text = listen }
    cfg.advertise = get("LUNA_ADVERTISE", nil)
    if cfg.advertise and not M.parse_addr(cfg.advertise) then
        return nil, format("LUNA_ADVERTISE=%s: want host:port", cfg.advertise)
    end
    return cfg
end

-- config_or_die([extra]): config() for an entry script; a bad setting
-- stops the process with a one-line message on stderr and exit code 2.
function M.config_or_die(extra)
    local cfg, err = M.config(nil, nil, extra)
    if not cfg then
        io.stderr:write(format("%s: configuration: %s\n", arg and arg[0] or "luna", err))
        os.exit(2)
    end
    return cfg
end

---------------------------------------------------------------------------
-- the service side

local Service = { note = note }
Service.__index = Service
M.Service = Service

-- join{ group = n, [index = i], [cfg = config()], [name = "gamesvr.1"],
--       [handlers = { msg = function(node, via, ...) end }],
--       [on_call = function(node, via, msg, ...) end],
--       [on_router = function(node, addr, up) end],
--       [track_master = bool, on_role = function(node, is_master) end] }
-- -> node. A forwarded call goes to handlers[msg] (looked up at each call,
-- so a reloaded script's handlers are used), else to on_call; via is the
-- router it came through (answer with node:reply(via, ...)).
function M.join(opts)
    local cfg = opts.cfg or M.config_or_die()
    local self = setmetatable({}, Service)
    self.group = assert(math.tointeger(opts.group), "join: group must be an integer")
    self.id = M.id(self.group, opts.index or cfg.index)
    self.name = opts.name or M.service_name(self.id)
    self.handlers, self.on_call, self.on_router = opts.handlers or {}, opts.on_call, opts.on_router
    self.track_master, self.on_role = opts.track_master, opts.on_role
    self.heartbeat_ms = cfg.heartbeat_ms
    self.silence_ms = M.SILENCE * cfg.heartbeat_ms
    self.min_backoff = math.max(100, cfg.heartbeat_ms // 2)
    self.max_backoff = 2 * cfg.heartbeat_ms
    self.grace_ms = 2 * cfg.heartbeat_ms
    self.mgr = assert(luna.create_socket_mgr(opts.max_routers or 256))
    self.source = cfg.routers
    self.routers, self.order = {}, {} -- by address; addresses in order
    self.rr = 0
    self.unreachable = {}
    self.notes = {}
    M.set_name(self.name)
    if cfg.static then
        local addrs = {}
        for i, a in ipairs(cfg.static) do addrs[i] = a.text end
        self:set_routers(addrs)
        log("starting as %s, routers %s", M.describe(self.id), table.concat(addrs, ", "))
    else
        log("starting as %s, routers from %s", M.describe(self.id), self.source)
        self.stop_discovery = luna.discover(self.source, function(addrs, err)
            if err then
                if err ~= self.discovery_error then log("WARN routers from %s: %s", self.source, err) end
                self.discovery_error = err
            else
                self.discovery_error = nil
                self:set_routers(addrs)
            end
        end)
    end
    return self
end

-- set_routers(addrs): the routers are now these; new ones are connected,
-- vanished ones dropped (at once when not in use, else after the grace).
function Service:set_routers(addrs)
    local now, seen = luna.get_time_ms(), {}
    for _, a in ipairs(addrs) do
        seen[a] = true
        local r = self.routers[a]
        if not r then
            local host, port = M.parse_addr(a)
            if host then
                r = { host = host, port = port, addr = a, state = "down", retry_at = 0,
                      backoff = self.min_backoff, groups = {} }
                self.routers[a] = r
                if self.stop_discovery then log("router %s appeared in %s", a, self.source) end
            end
        end
        if r then r.vanished_at = nil end
    end
    for a, r in pairs(self.routers) do
        if not seen[a] and not r.vanished_at then r.vanished_at = now end
    end
    self:reorder()
end

function Service:reorder()
    local order = {}
    for a in pairs(self.routers) do order[#order + 1] = a end
    table.sort(order)
    self.order = order
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

-- router_down: the stream to r is gone (or never came up); retry later.
function Service:router_down(r, reason, now)
    if r.stream then r.stream.close() end
    local was = r.state
    r.stream, r.state, r.groups = nil, "down", {}
    local delay = r.backoff
    r.backoff = math.min(r.backoff * 2, self.max_backoff)
    r.retry_at = now + delay
    if self:quiet() then return end
    if was == "ready" or was == "connected" or was == "leaving" then
        self:note("lost router %s (%s), retry in %s", r.addr, reason, seconds(delay))
    else
        self:note("cannot reach router %s (%s), retry in %s", r.addr, reason, seconds(delay))
    end
    if was == "ready" or was == "leaving" then self:router_changed(r, false) end
    self:update_ready()
    self:update_role()
end

-- quiet(): the service is stopping (or SIGINT/SIGTERM came and it soon
-- will): no reconnect, role or router logs any more.
function Service:quiet() return self.stopping or luna.get_guit_signal() end

function Service:router_changed(r, up)
    if self.on_router then self.on_router(self, r.addr, up) end
end

function Service:on_router_call(r, msg, ...)
    r.last_heard = luna.get_time_ms()
    if msg == "heartbeat_ack" then
        return
    elseif msg == "registered" then
        local _, router_index = ...
        local was = r.state
        r.state, r.backoff, r.index = "ready", self.min_backoff, router_index
        log("registered on router %s (%s) as %s", tostring(router_index), r.addr, M.describe(self.id))
        if was ~= "ready" then self:router_changed(r, true) end
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
    elseif msg == "router_leaving" then
        if r.state == "ready" then
            r.state = "leaving"
            if not self:quiet() then
                self:note("router %s (%s) is leaving; calls go through the others", tostring(r.index), r.addr)
            end
            self:router_changed(r, false)
            self:update_ready()
            self:update_role()
        end
    else
        local handler = self.handlers[msg]
        if handler then
            handler(self, r, ...)
        elseif self.on_call then
            self.on_call(self, r, msg, ...)
        else
            log("WARN unknown message %q from router %s", tostring(msg), r.addr)
        end
    end
end

-- ready_routers() -> the addresses of the routers this service is
-- registered on (and that are not leaving), sorted.
function Service:ready_routers()
    local t = {}
    for _, a in ipairs(self.order) do
        if self.routers[a].state == "ready" then t[#t + 1] = a end
    end
    return t
end

-- update_ready: /readyz (LUNA_ADMIN) says ready while the service is
-- registered on at least one router.
function Service:update_ready()
    luna.admin.ready(#self:ready_routers() > 0)
end

-- update_role: for a service that tracks its group's master, it is the
-- master when a router it is registered on names it.
function Service:update_role()
    if not self.track_master or self:quiet() then return end
    local master, by, other = false, nil, nil
    for _, a in ipairs(self.order) do
        local r = self.routers[a]
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
        self:note("now master of %s (named by router %s)", M.group_label(self.group), by.addr)
    elseif other then
        self:note("standby for %s (master is %s)", M.group_label(self.group), M.service_name(other))
    else
        self:note("standby for %s (no master)", M.group_label(self.group))
    end
    if self.on_role then self.on_role(self, master) end
end

-- pick(group, mode): a ready router that has a live member of group (and,
-- for "master", a master), taken round-robin; nil when there is none.
function Service:pick(group, mode)
    local n = #self.order
    for k = 1, n do
        local r = self.routers[self.order[(self.rr + k - 1) % n + 1]]
        local g = r.state == "ready" and r.groups[group]
        if g and g.live > 0 and (mode ~= "master" or (g.master and g.master ~= 0)) then
            self.rr = (self.rr + k) % n
            return r
        end
    end
    return nil
end

-- forward(mode, group, ...): forward_<mode>(group, ...) through a live
-- router (mode: hash, master, random, broadcast). Returns the router used,
-- or nil. Logs once when a group becomes unreachable and once when it is
-- reachable again.
function Service:forward(mode, group, ...)
    local r = self:pick(group, mode)
    local label = M.group_label(group) .. (mode == "master" and " master" or "")
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

function Service:forward_hash(group, key, ...) return self:forward("hash", group, key, ...) end
function Service:forward_master(group, ...) return self:forward("master", group, ...) end
function Service:forward_random(group, ...) return self:forward("random", group, ...) end
function Service:forward_broadcast(group, ...) return self:forward("broadcast", group, ...) end

-- forward_target(id, ...): to one service, through a router that reaches
-- its group.
function Service:forward_target(id, ...) return self:reply(nil, id, ...) end

-- reply(via, target_id, msg, ...): forward_target back through the router
-- a request came in on; through another ready router if that one is gone.
function Service:reply(via, target, ...)
    local r = (via and via.state == "ready") and via or self:pick(M.group_of(target), "target")
    if not r then
        for _, a in ipairs(self.order) do
            if self.routers[a].state == "ready" then r = self.routers[a] break end
        end
    end
    if not r then
        log("no router to reach %s", M.service_name(target))
        return nil
    end
    local n, why = r.stream.forward_target(target, ...)
    if not n then
        log("WARN forward_target to %s via %s not sent: %s", M.service_name(target), r.addr, tostring(why))
        return nil
    end
    return r
end

-- update(now): connect, heartbeat, notice silent routers, forget vanished
-- ones. run() calls it after every wait.
function Service:update(now)
    flush_notes(self)
    local changed = false
    for _, a in ipairs(self.order) do
        local r = self.routers[a]
        if r.vanished_at and (r.state ~= "ready" or now - r.vanished_at >= self.grace_ms) then
            if r.stream then r.stream.close() end
            local was = r.state
            self.routers[a], changed = nil, true
            log("router %s left %s; forgotten", a, self.source)
            if was == "ready" then self:router_changed(r, false) end
        elseif r.state == "down" then
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
    if changed then
        self:reorder()
        self:update_ready()
        self:update_role()
    end
end

-- run([tick]): the main loop; tick(now) is called after every wait, and
-- luna.try_reload() every second. Returns after SIGINT/SIGTERM, once the
-- routers were told this service leaves.
function Service:run(tick)
    M.loop(self, tick)
    self:leave()
end

-- leave(): unregister from every router, quietly: a stopping service does
-- not reconnect, elect or log lost routers.
function Service:leave()
    self.stopping = true
    if self.stop_discovery then self.stop_discovery() end
    local told = 0
    for _, a in ipairs(self.order) do
        local r = self.routers[a]
        if r.state == "ready" or r.state == "connected" or r.state == "leaving" then
            r.stream.call("unregister", self.id)
            told = told + 1
        end
    end
    for _ = 1, 4 do self.mgr.wait(10) end
    log("stopped (unregistered from %d router(s))", told)
end

-- loop(node, [tick]): the main loop of a service or a router, until
-- SIGINT/SIGTERM: node.mgr.wait(50), node:update(now), tick(now), and
-- luna.try_reload() every second.
function M.loop(node, tick)
    local next_reload = 0
    while not luna.get_guit_signal() do
        node.mgr.wait(50)
        local now = luna.get_time_ms()
        node:update(now)
        if tick then tick(now) end
        if now >= next_reload then
            luna.try_reload()
            next_reload = now + 1000
        end
    end
end

---------------------------------------------------------------------------
-- the router side

local Router = { note = note }
Router.__index = Router
M.Router = Router

-- router{ [cfg = config()], [index = n], [listen = "ip:port"],
--         [max_conns = 4096], [drain_ms = 1000],
--         [on_member = function(router, id, up) end] } -> router
-- Listens (an error if it cannot), serves registrations, heartbeats and
-- the group masters, and, when the routers source is etcd:, announces its
-- address there (LUNA_ADVERTISE, or the listen address with the port it
-- got; an unspecified host becomes this machine's name). Prints
-- "READY <port>".
--
-- Membership rules:
--   * A service that goes away (its stream dies, it unregisters, or it is
--     silent for 4 of its heartbeats) keeps its slot with token 0, so that
--     forward_hash keeps every other key on the same instance.
--   * The master of each group is its live member with the lowest id; when
--     it goes, the next lowest takes over; a lower id that registers takes
--     the master back. Routers never talk to each other: the same rule on
--     each makes them name the same master.
--   * Every change of a group goes to every registered service as
--     group_state(group, live_count, master_id), and a new master to the
--     group's members as master_changed(group, master_id).
function M.router(opts)
    opts = opts or {}
    local cfg = opts.cfg or M.config_or_die()
    local self = setmetatable({}, Router)
    self.cfg, self.index = cfg, opts.index or cfg.index
    self.on_member = opts.on_member
    self.drain_ms = opts.drain_ms or 1000
    self.notes = {}
    M.set_name("router " .. self.index)
    self.mgr = assert(luna.create_socket_mgr(opts.max_conns or 4096))
    local listen = opts.listen and { M.parse_addr(opts.listen, true) } or { cfg.listen.host, cfg.listen.port }
    local listener, err = self.mgr.listen(listen[1], listen[2])
    if not listener then
        error(format("cannot listen on %s: %s", opts.listen or cfg.listen.text, err), 0)
    end
    self.listener = listener
    self.conns = {}   -- token -> { stream, id, last_seen, silence_ms }
    self.by_id = {}   -- service id -> token of the live stream registered with it
    self.known = {}   -- service id -> true, for every slot this router ever had
    self.masters = {} -- group -> service id of the group's master
    listener.on_accept = function(s) self:accept(s) end
    luna.admin.ready(true) -- /readyz (LUNA_ADMIN): services can register from now on
    print("READY " .. listener.port)
    log("listening on %s (port %d)", opts.listen or cfg.listen.text, listener.port)
    if cfg.routers:match("^etcd:") then
        local host = listen[1]
        if host == "0.0.0.0" or host == "::" or host == "" then host = M.hostname() end
        self.advertise = cfg.advertise or (host:find(":") and format("[%s]:%d", host, listener.port)
            or format("%s:%d", host, listener.port))
        self.withdraw = luna.announce(cfg.routers, self.advertise)
        log("announced %s in %s", self.advertise, cfg.routers)
    end
    return self
end

-- hostname(): this machine's name (for an announcement of 0.0.0.0).
function M.hostname()
    local f = io.open("/proc/sys/kernel/hostname") or io.open("/etc/hostname")
    local name = f and f:read("l")
    if f then f:close() end
    return name or os.getenv("HOSTNAME") or "localhost"
end

-- quiet(): draining, or about to (SIGINT/SIGTERM came): no per-service
-- logs or elections any more.
function Router:quiet() return self.draining or luna.get_guit_signal() end

function Router:live_members(group)
    local ids = {}
    for id in pairs(self.by_id) do
        if M.group_of(id) == group then ids[#ids + 1] = id end
    end
    table.sort(ids)
    return ids
end

function Router:send(conn, ...)
    local n, why = conn.stream.call(...)
    if not n then
        log("WARN %s to %s not sent: %s", (...), conn.id and M.describe(conn.id) or conn.stream.ip, tostring(why))
    end
end

-- group_changed: elect the group's master, tell everyone the group's state.
function Router:group_changed(group)
    if self:quiet() then return end
    local ids = self:live_members(group)
    local master = ids[1]
    if master ~= self.masters[group] then
        self.masters[group] = master
        self.mgr.master(group, master and self.by_id[master] or 0)
        if master then
            self:note("master of %s is now %s", M.group_label(group), M.service_name(master))
            for _, id in ipairs(ids) do self:send(self.conns[self.by_id[id]], "master_changed", group, master) end
        else
            self:note("master of %s cleared: no live member", M.group_label(group))
        end
    end
    for _, conn in pairs(self.conns) do
        if conn.id then self:send(conn, "group_state", group, #ids, master or 0) end
    end
end

-- gone: a registered service's stream is dead, closed or unregistered.
function Router:gone(conn, what)
    self.conns[conn.stream.token] = nil
    local id = conn.id
    if not id then return end
    conn.id = nil
    if self.by_id[id] == conn.stream.token then
        self.by_id[id] = nil
        self.mgr.route(id, 0)
        if not self:quiet() then
            self:note("%s %s token %d (%s); slot kept", what, M.describe(id), conn.stream.token, conn.reason)
        end
        if self.on_member then self.on_member(self, id, false) end
        self:group_changed(M.group_of(id))
    end
end

function Router:register(conn, id, name, heartbeat_ms)
    id = math.tointeger(id)
    local group = id and M.group_of(id)
    if not id or id < 0 or id > 0xFFFFFF or group == 0 or M.index_of(id) == 0 then
        log("WARN bad register(%s) from %s token %d: closing", tostring(id), conn.stream.ip, conn.stream.token)
        self.conns[conn.stream.token] = nil
        conn.stream.close()
        return
    end
    if conn.id == id then return self:send(conn, "registered", id, self.index) end
    if conn.id then
        conn.reason = "registered again as " .. M.describe(id)
        self:gone(conn, "lost")
        self.conns[conn.stream.token] = conn
    end
    local old = self.by_id[id] and self.conns[self.by_id[id]]
    if old then
        log("WARN %s registers again from token %d: closing its old token %d (restarted, or two instances share LUNA_INDEX?)",
            M.describe(id), conn.stream.token, old.stream.token)
        old.id = nil
        self.conns[old.stream.token] = nil
        old.stream.close()
    end
    conn.id = id
    conn.silence_ms = M.SILENCE * (math.tointeger(heartbeat_ms) or self.cfg.heartbeat_ms)
    self.by_id[id], self.known[id] = conn.stream.token, true
    self.mgr.route(id, conn.stream.token)
    log("registered %s token %d%s", M.describe(id), conn.stream.token,
        (name and name ~= M.service_name(id)) and (" (calls itself " .. tostring(name) .. ")") or "")
    self:send(conn, "registered", id, self.index)
    -- a snapshot of every other group this router knows
    local groups = {}
    for other in pairs(self.known) do groups[M.group_of(other)] = true end
    for g in pairs(groups) do
        if g ~= group then self:send(conn, "group_state", g, #self:live_members(g), self.masters[g] or 0) end
    end
    if self.on_member then self.on_member(self, id, true) end
    self:group_changed(group)
end

function Router:accept(s)
    local conn = { stream = s, last_seen = luna.get_time_ms(), silence_ms = M.SILENCE * self.cfg.heartbeat_ms }
    self.conns[s.token] = conn
    s.on_call = function(msg, ...)
        if self.conns[s.token] ~= conn then return end
        conn.last_seen = luna.get_time_ms()
        if msg == "heartbeat" then
            s.call("heartbeat_ack")
        elseif msg == "register" then
            if self.draining then return end
            self:register(conn, ...)
        elseif msg == "unregister" then
            conn.reason = "unregistered"
            self:gone(conn, "left")
        else
            log("WARN unknown message %q from %s token %d", tostring(msg), s.ip, s.token)
        end
    end
    s.on_error = function(reason)
        if self.conns[s.token] ~= conn then return end
        conn.reason = reason
        self:gone(conn, "lost")
    end
end

-- status(): "game 2, db 2, match 2" (live members by group)
function Router:status()
    local groups, parts = {}, {}
    for id in pairs(self.known) do groups[M.group_of(id)] = true end
    local list = {}
    for g in pairs(groups) do list[#list + 1] = g end
    table.sort(list)
    for _, g in ipairs(list) do parts[#parts + 1] = format("%s %d", M.group_label(g), #self:live_members(g)) end
    return table.concat(parts, ", ")
end

-- update(now): drop silent peers, log the status every 10 s. run() calls
-- it after every wait.
function Router:update(now)
    flush_notes(self)
    self.next_status = self.next_status or now + 10000
    if now >= self.next_status then
        self.next_status = now + 10000
        log("status: %s", self:status())
    end
    if now < (self.next_check or 0) then return end
    self.next_check = now + 100
    for _, conn in pairs(self.conns) do
        local quiet = now - conn.last_seen
        if quiet > conn.silence_ms then
            conn.reason = format("silent for %d ms", quiet)
            if conn.id then
                self:gone(conn, "dropped")
            else
                self.conns[conn.stream.token] = nil
                log("dropped unregistered connection from %s token %d (%s)", conn.stream.ip, conn.stream.token, conn.reason)
            end
            conn.stream.close()
        end
    end
end

-- run([tick]): the main loop (tick(now) after every wait, a status line
-- every 10 s, luna.try_reload() every second); after SIGINT/SIGTERM it
-- drains (see drain) and returns.
function Router:run(tick)
    M.loop(self, tick)
    self:drain()
end

-- drain(): leave without losing what is in flight. The announcement goes
-- first, then every registered service is told router_leaving (it stops
-- sending through this router), and the router goes on forwarding for up
-- to drain_ms, until every service has gone.
function Router:drain()
    self.draining = true
    log("stopping")
    if self.withdraw then self.withdraw() end
    self.listener.close()
    local registered = 0
    for _, conn in pairs(self.conns) do
        if conn.id then
            registered = registered + 1
            conn.stream.call("router_leaving", self.index)
        end
    end
    local stop = luna.get_time_ms() + self.drain_ms
    repeat
        self.mgr.wait(10)
        local left = 0
        for _, conn in pairs(self.conns) do
            if conn.id then left = left + 1 end
        end
    until left == 0 or luna.get_time_ms() >= stop
    log("stopped (%d service(s) were registered)", registered)
end

return M
