-- flood_driver.lua PORT N [POLICY SLOW] -- ID...: through router_hub.lua at
-- PORT, optionally sets the overflow policy (and a 16 KiB send cache) of the
-- hub's stream to service SLOW, then sends N "tick" calls with 1 KiB each to
-- every ID with forward_target, then "fin" to each, and prints "DONE" once
-- the hub has handled all of it (a ping answered after them).
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local port, n = arg[1], math.tointeger(tonumber(arg[2]))
local policy, slow, ids = nil, nil, {}
local i = 3
if arg[i] ~= "--" then policy, slow, i = arg[i], math.tointeger(tonumber(arg[i + 1])), i + 2 end
assert(arg[i] == "--", "usage: flood_driver.lua PORT N [POLICY SLOW] -- ID...")
for k = i + 1, #arg do ids[#ids + 1] = math.tointeger(tonumber(arg[k])) end

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, port)
    local got = {}
    s.on_call = function(name, a) got[name] = a end
    s.set_send_cache(4 << 20)
    if policy then
        s.call("overflow", slow, policy)
        assert(kit.wait_for(mgr, function() return got.overflow_set == slow end, 5000), "overflow not set")
    end
    local pad = string.rep("x", 1024)
    for k = 1, n do
        for _, id in ipairs(ids) do assert(s.forward_target(id, "tick", pad), "forward failed") end
        if k % 500 == 0 then mgr.wait(1) end
    end
    for _, id in ipairs(ids) do s.forward_target(id, "fin") end
    s.call("ping", n)
    assert(kit.wait_for(mgr, function() return got.pong == n end, 20000), "no pong")
    print("DONE")
end
