-- router.lua: a router of the example cluster.
--
--   bin/luna scripts/cluster/router.lua [LUNA_INDEX=n] [LUNA_LISTEN=ip:port]
--
-- Services connect and call register(id, name, heartbeat_ms); the router
-- routes id to the stream (mgr.route(id, stream.token)) and from then on the
-- runtime forwards the services' forward_* frames without Lua seeing them.
--
-- Membership rules:
--   * A service that goes away (its stream dies, it unregisters, or it is
--     silent for 4 of its heartbeats) keeps its slot with token 0:
--     mgr.route(id, 0). forward_hash takes hash % slot count, so keeping the
--     slot keeps every key on the same instance while the others are alive
--     (the dead one's keys move to the next live slot) and the keys come
--     back when the instance registers again. Removing the slot would move
--     most keys of the group from one instance to another at every restart.
--   * The master of each group is its live member with the lowest id. When
--     the master goes, the next lowest takes over; when a lower id registers
--     it takes the master back. Routers never talk to each other: a
--     deterministic rule is what makes every router name the same master.
--   * Every change of a group is told to every registered service as
--     group_state(group, live_count, master_id), and a new master to the
--     group's members as master_changed(group, master_id); the services use
--     group_state to pick a router that can reach a group.
io.stdout:setvbuf("line")

local here = arg[0]:match("^(.*)[/\\]") or "."
cluster = import(here .. "/lib/cluster.lua")

local log, describe, group_of = cluster.log, cluster.describe, cluster.group_of

function main()
    local cfg = cluster.config_or_die()
    local me = tostring(cfg.index)
    cluster.set_name("router " .. me)

    local mgr = assert(luna.create_socket_mgr(4096))
    local listener, err = mgr.listen(cfg.listen.host, cfg.listen.port)
    if not listener then error(string.format("cannot listen on %s: %s", cfg.listen.text, err), 0) end
    luna.admin.ready(true) -- /readyz (LUNA_ADMIN): services can register from now on

    local conns = {}   -- token -> { stream, id, last_seen, silence_ms }
    local by_id = {}   -- service id -> token of the live stream registered with it
    local known = {}   -- service id -> true, for every slot this router ever had
    local masters = {} -- group -> service id of the group's master

    local function live_members(group)
        local ids = {}
        for id in pairs(by_id) do
            if group_of(id) == group then ids[#ids + 1] = id end
        end
        table.sort(ids)
        return ids
    end

    local function send(conn, ...)
        local n, why = conn.stream.call(...)
        if not n then
            log("WARN %s to %s not sent: %s", (...), conn.id and describe(conn.id) or conn.stream.ip, tostring(why))
        end
    end

    -- group_changed: elect the group's master, tell everyone the group's state.
    local function group_changed(group)
        local ids = live_members(group)
        local master = ids[1]
        if master ~= masters[group] then
            masters[group] = master
            mgr.master(group, master and by_id[master] or 0)
            if master then
                log("master of %s is now %s", cluster.group_label(group), cluster.service_name(master))
                for _, id in ipairs(ids) do send(conns[by_id[id]], "master_changed", group, master) end
            else
                log("master of %s cleared: no live member", cluster.group_label(group))
            end
        end
        for _, conn in pairs(conns) do
            if conn.id then send(conn, "group_state", group, #ids, master or 0) end
        end
    end

    -- gone: a registered service's stream is dead, closed or unregistered.
    local function gone(conn, what)
        conns[conn.stream.token] = nil
        local id = conn.id
        if not id then return end
        conn.id = nil
        if by_id[id] == conn.stream.token then
            by_id[id] = nil
            mgr.route(id, 0)
            log("%s %s token %d (%s); slot kept", what, describe(id), conn.stream.token, conn.reason)
            group_changed(group_of(id))
        end
    end

    local function register(conn, id, name, heartbeat_ms)
        id = math.tointeger(id)
        local group = id and group_of(id)
        if not id or id < 0 or id > 0xFFFFFF or group == 0 or cluster.index_of(id) == 0 then
            log("WARN bad register(%s) from %s token %d: closing", tostring(id), conn.stream.ip, conn.stream.token)
            conns[conn.stream.token] = nil
            conn.stream.close()
            return
        end
        if conn.id == id then return send(conn, "registered", id, cfg.index) end
        if conn.id then
            conn.reason = "registered again as " .. describe(id)
            gone(conn, "lost")
            conns[conn.stream.token] = conn
        end
        local old = by_id[id] and conns[by_id[id]]
        if old then
            log("WARN %s registers again from token %d: closing its old token %d (restarted, or two instances share LUNA_INDEX?)",
                describe(id), conn.stream.token, old.stream.token)
            old.id = nil
            conns[old.stream.token] = nil
            old.stream.close()
        end
        conn.id = id
        conn.silence_ms = cluster.SILENCE * (math.tointeger(heartbeat_ms) or cfg.heartbeat_ms)
        by_id[id], known[id] = conn.stream.token, true
        mgr.route(id, conn.stream.token)
        log("registered %s token %d%s", describe(id), conn.stream.token,
            (name and name ~= cluster.service_name(id)) and (" (calls itself " .. tostring(name) .. ")") or "")
        send(conn, "registered", id, cfg.index)
        -- a snapshot of every other group this router knows
        local groups = {}
        for other in pairs(known) do groups[group_of(other)] = true end
        for g in pairs(groups) do
            if g ~= group then send(conn, "group_state", g, #live_members(g), masters[g] or 0) end
        end
        group_changed(group)
    end

    listener.on_accept = function(s)
        local conn = { stream = s, last_seen = luna.get_time_ms(), silence_ms = cluster.SILENCE * cfg.heartbeat_ms }
        conns[s.token] = conn
        s.on_call = function(msg, ...)
            if conns[s.token] ~= conn then return end
            conn.last_seen = luna.get_time_ms()
            if msg == "heartbeat" then
                s.call("heartbeat_ack")
            elseif msg == "register" then
                register(conn, ...)
            elseif msg == "unregister" then
                conn.reason = "unregistered"
                gone(conn, "left")
            else
                log("WARN unknown message %q from %s token %d", tostring(msg), s.ip, s.token)
            end
        end
        s.on_error = function(reason)
            if conns[s.token] ~= conn then return end
            conn.reason = reason
            gone(conn, "lost")
        end
    end

    print("READY " .. listener.port)
    log("listening on %s (port %d)", cfg.listen.text, listener.port)

    local next_check, next_reload, next_status = 0, 0, luna.get_time_ms() + 10000
    while not luna.get_guit_signal() do
        mgr.wait(50)
        local now = luna.get_time_ms()
        if now >= next_check then
            next_check = now + 100
            for _, conn in pairs(conns) do
                local quiet = now - conn.last_seen
                if quiet > conn.silence_ms then
                    conn.reason = string.format("silent for %d ms", quiet)
                    if conn.id then
                        gone(conn, "dropped")
                    else
                        conns[conn.stream.token] = nil
                        log("dropped unregistered connection from %s token %d (%s)", conn.stream.ip, conn.stream.token, conn.reason)
                    end
                    conn.stream.close()
                end
            end
        end
        if now >= next_status then
            next_status = now + 10000
            local parts = {}
            for _, g in ipairs({ cluster.GAME_GROUP, cluster.DB_GROUP, cluster.MATCH_GROUP }) do
                parts[#parts + 1] = string.format("%s %d", cluster.group_label(g), #live_members(g))
            end
            log("status: %s; master of match: %s", table.concat(parts, ", "),
                masters[cluster.MATCH_GROUP] and cluster.service_name(masters[cluster.MATCH_GROUP]) or "none")
        end
        if now >= next_reload then
            next_reload = now + 1000
            luna.try_reload()
        end
    end
    log("stopping")
end
