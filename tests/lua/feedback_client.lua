-- feedback_client.lua PORT: turns on the router's undeliverable feedback
-- (router_hub.lua at PORT), forwards five frames that have nowhere to go,
-- and checks that each comes back as on_call("luna_undeliverable", mode,
-- group or target, message name). Prints PASS or FAIL lines.
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local check, failures = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, arg[1])
    local got = {}
    s.on_call = function(msg, ...)
        if msg == "luna_undeliverable" then got[#got + 1] = table.concat({ tostring(select(1, ...)),
            tostring(select(2, ...)), tostring(select(3, ...)) }, " ") end
    end
    s.call("forward_error", true)
    s.forward_target(9 << 16 | 1, "login", 1)
    s.forward_master(9, "logout")
    s.forward_random(9, "move", 2)
    s.forward_hash(9, 42, "save", 3)
    s.forward_broadcast(9, 7) -- no message name
    local stop = luna.get_time_ms() + 5000
    while #got < 5 and luna.get_time_ms() < stop do mgr.wait(10) end
    local want = { "target 589825 login", "master 9 logout", "random 9 move", "hash 9 save", "broadcast 9 nil" }
    check(#got == 5, "5 feedback calls, got " .. #got)
    for i, w in ipairs(want) do check(got[i] == w, "feedback " .. i .. ": " .. tostring(got[i]) .. ", want " .. w) end
    if failures() == 0 then print("PASS") end
end
