-- router.lua: the router of the router cases. The socket manager forwards the
-- forward_* frames itself; this script only keeps the route table.
--   luna router.lua [port=0] [cache=0] [overflow=close|drop] [admin=0|1] [max_s=120]
-- cache > 0 sets each peer's send cache (bytes); overflow sets what a full one
-- does (luna's stream.set_overflow); admin=1 serves luna's admin endpoint
-- (/metrics) on a port of its own and prints "ADMIN <port>" first.
-- Prints "READY <port>". Messages from peers:
--   "register", group, index   mgr.route(group << 16 | index, token)
--   "master", group            mgr.master(group, token)
-- A peer that goes away loses its route and mastership, unless a newer peer
-- has taken them over meanwhile.

local B = dofile((os.getenv("BENCH_LUA") or arg[0]:match("^(.*)/") or ".") .. "/common.lua")
local opt = B.options({ host = "127.0.0.1", port = 0, cache = 0, overflow = "", admin = 0,
    max_s = 120 })

function main()
    if opt.admin == 1 then print("ADMIN " .. luna.admin.listen(opt.host, 0)) end
    local mgr = luna.create_socket_mgr(64)
    local listener, err = mgr.listen(opt.host, opt.port)
    if not listener then
        print("ERROR listen " .. tostring(err))
        return
    end
    local peers = {}   -- stream -> { ids = {}, groups = {} }
    local owner = {}   -- service id -> token
    local masters = {} -- group -> token

    listener.on_accept = function(s)
        local token = s.token
        local p = { ids = {}, groups = {} }
        peers[s] = p
        if opt.cache > 0 then s.set_send_cache(opt.cache) end
        if opt.overflow ~= "" then s.set_overflow(opt.overflow) end
        s.on_call = function(msg, a, b)
            if msg == "register" then
                local id = (a << 16) | b
                owner[id] = token
                p.ids[#p.ids + 1] = id
                mgr.route(id, token)
            elseif msg == "master" then
                masters[a] = token
                p.groups[#p.groups + 1] = a
                mgr.master(a, token)
            end
        end
        s.on_error = function(e)
            for _, id in ipairs(p.ids) do
                if owner[id] == token then owner[id] = nil; mgr.route(id, nil) end
            end
            for _, g in ipairs(p.groups) do
                if masters[g] == token then masters[g] = nil; mgr.master(g, 0) end
            end
            if e ~= "connection_lost" then print("ROUTER_STREAM_ERROR " .. tostring(e)) end
            peers[s] = nil
        end
    end

    print("READY " .. listener.port)
    local stop = luna.get_time_ms() + opt.max_s * 1000
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do
        mgr.wait(20)
    end
end
