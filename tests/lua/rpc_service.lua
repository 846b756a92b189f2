-- rpc_service.lua PORT ID [PEER [no-feedback]]: a service behind the router
-- at PORT (router_hub.lua, or min_router.lua on either binary), registered
-- as ID, serving luna.rpc's add(a, b). With PEER: sends add(1, 2) to PEER
-- through the router (the reply is forwarded back to ID), then, unless
-- no-feedback (a router without forward_error), turns the router's
-- feedback on and sends a request to a service nobody registered, which
-- must fail with "undeliverable"; prints PASS.
io.stdout:setvbuf("line")
local rpc = require("luna.rpc")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local check, failures = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")
local id, peer = math.tointeger(tonumber(arg[2])), math.tointeger(tonumber(arg[3] or ""))

rpc.handle("add", function(a, b) return a + b end)

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, arg[1])
    local registered = false
    s.on_call = function(msg, x) if msg == "registered" and x == id then registered = true end end
    rpc.attach(s)
    rpc.identity(id)
    s.call("register", id)
    local function wait_for(cond, ms)
        local stop = luna.get_time_ms() + ms
        while not cond() and not luna.get_guit_signal() and luna.get_time_ms() < stop do mgr.wait(5) end
        return cond()
    end
    check(wait_for(function() return registered end, 5000), "not registered")
    print("REGISTERED " .. id)
    if not peer then
        wait_for(function() return false end, 60000)
        return
    end
    local sum, lost
    local feedback = arg[4] ~= "no-feedback"
    rpc.forward_target(s, peer, "add", 1, 2, function(ok, v) sum = { ok, v } end, 3000)
    if feedback then
        s.call("forward_error", true)
        rpc.forward_target(s, 9 << 16 | 9, "add", 1, 2, function(ok, why) lost = { ok, why } end, 3000)
    end
    check(wait_for(function() return sum and (lost or not feedback) end, 5000), "no outcome")
    check(sum and sum[1] == true and sum[2] == 3, "through the router: " .. tostring(sum and sum[2]))
    check(not feedback or (lost and lost[1] == false and lost[2] == "undeliverable"),
        "nobody there: " .. tostring(lost and lost[2]))
    if failures() == 0 then print("PASS") end
end
