-- rpc_service.lua PORTS ID [PEER [no-feedback]]: a service behind the
-- routers at PORTS (comma-separated; router_hub.lua, or min_router.lua on
-- either binary), registered as ID on each, serving luna.rpc's add(a, b).
-- With PEER: sends add(i, 10) to PEER through router i (each reply is
-- forwarded back to ID the way its request went), then, unless
-- no-feedback (a router without forward_error), turns the first router's
-- feedback on and sends a request to a service nobody registered, which
-- must fail with "undeliverable"; prints PASS.
io.stdout:setvbuf("line")
local rpc = require("luna.rpc")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local check, failures = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")
local id, peer = math.tointeger(tonumber(arg[2])), math.tointeger(tonumber(arg[3] or ""))

rpc.handle("add", function(a, b) return a + b end)

function main()
    local mgr = luna.create_socket_mgr(8)
    local routers, registered = {}, 0
    for port in arg[1]:gmatch("[^,]+") do -- one stream per router, registered on each
        local s = kit.connect(mgr, port)
        s.on_call = function(msg, x) if msg == "registered" and x == id then registered = registered + 1 end end
        rpc.attach(s)
        s.call("register", id)
        routers[#routers + 1] = s
    end
    rpc.identity(id)
    local function wait_for(cond, ms) return kit.wait_for(mgr, cond, ms) end
    check(wait_for(function() return registered == #routers end, 5000), "not registered")
    print("REGISTERED " .. id)
    if not peer then
        wait_for(function() return false end, 60000)
        return
    end
    local sums, lost = {}, nil
    local feedback = arg[4] ~= "no-feedback"
    for i, s in ipairs(routers) do -- through every router: each reply comes back the way it went
        rpc.forward_target(s, peer, "add", i, 10, function(ok, v) sums[i] = { ok, v } end, 3000)
    end
    if feedback then
        routers[1].call("forward_error", true)
        rpc.forward_target(routers[1], 9 << 16 | 9, "add", 1, 2, function(ok, why) lost = { ok, why } end, 3000)
    end
    check(wait_for(function() return #sums == #routers and (lost or not feedback) end, 5000), "no outcome")
    for i = 1, #routers do
        check(sums[i] and sums[i][1] == true and sums[i][2] == 10 + i,
            "through router " .. i .. ": " .. tostring(sums[i] and sums[i][2]))
    end
    check(not feedback or (lost and lost[1] == false and lost[2] == "undeliverable"),
        "nobody there: " .. tostring(lost and lost[2]))
    if failures() == 0 then print("PASS") end
end
