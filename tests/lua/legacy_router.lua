-- legacy_router.lua: the 2017-04 scripts' method names, mgr.set_route and
-- mgr.set_master, route like route and master. One process: a router
-- listener, a service stream registered through set_route / set_master,
-- and a sender whose forward_target and forward_master reach the service.
io.stdout:setvbuf("line")
local mgr = luna.create_socket_mgr(16)
local listener = assert(mgr.listen("127.0.0.1", 0))
local SERVICE_ID = 0x20001 -- group 2, index 1
local accepted = {}
listener.on_accept = function(s) accepted[#accepted + 1] = s end

local got = {}
local function pump(cond)
    local deadline = luna.get_time_ms() + 5000
    while not cond() and luna.get_time_ms() < deadline do mgr.wait(5) end
    return cond()
end

function main()
    assert(type(mgr.set_route) == "function" and type(mgr.set_master) == "function")
    local service = assert(mgr.connect("127.0.0.1", listener.port))
    service.on_call = function(msg, how) got[#got + 1] = msg .. ":" .. how end
    assert(pump(function() return #accepted == 1 end), "service not accepted")
    mgr.set_route(SERVICE_ID, accepted[1].token)
    mgr.set_master(2, accepted[1].token)
    local sender = assert(mgr.connect("127.0.0.1", listener.port))
    assert(pump(function() return #accepted == 2 end), "sender not accepted")
    sender.forward_target(SERVICE_ID, "hello", "target")
    sender.forward_master(2, "hello", "master")
    assert(pump(function() return #got == 2 end), "forwards not delivered: " .. #got)
    assert(got[1] == "hello:target" and got[2] == "hello:master", table.concat(got, ","))
    mgr.set_route(SERVICE_ID, nil)
    mgr.set_master(2, 0)
    sender.forward_target(SERVICE_ID, "hello", "gone")
    sender.forward_master(2, "hello", "gone")
    pump(function() return #got > 2 end)
    assert(#got == 2, "delivered after the route was removed")
    print("PASS")
end
