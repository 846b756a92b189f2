-- hash_driver.lua PORT GROUP MODE N PHASE: sets the router's hash mode for
-- GROUP (router_hub.lua at PORT), sends forward_hash(GROUP, k, "hash",
-- PHASE, k) for k = 1..N, waits for a ping round trip (so the router has
-- forwarded them all) and prints PASS.
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local port, group, mode = arg[1], math.tointeger(tonumber(arg[2])), arg[3]
local n, phase = math.tointeger(tonumber(arg[4])), arg[5]

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, port)
    local pong = false
    s.on_call = function(msg) if msg == "pong" then pong = true end end
    s.call("hash_mode", group, mode)
    for k = 1, n do
        s.forward_hash(group, k, "hash", phase, k)
        if k % 500 == 0 then mgr.wait(0) end
    end
    s.call("ping", 1)
    local stop = luna.get_time_ms() + 10000
    while not pong and luna.get_time_ms() < stop do mgr.wait(10) end
    print(pong and "PASS" or "FAIL no pong")
end
