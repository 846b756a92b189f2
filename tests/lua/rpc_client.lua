-- rpc_client.lua PORT [lost]: luna.rpc against rpc_server.lua at PORT.
-- Checks replies, a deferred reply, errors, a missing handler, a plain
-- call beside rpc, a timeout. With "lost": sends 10 requests the server cannot answer in
-- time, prints "PENDING 10" and waits for the server to be killed: every
-- request must fail with connection_lost before its deadline.
io.stdout:setvbuf("line")
local rpc = require("luna.rpc")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local check, failures = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, arg[1])
    local plain
    s.on_call = function(msg, x) if msg == "plain_ack" then plain = x end end -- before attach
    rpc.attach(s)
    local function wait_for(cond, ms) return kit.wait_for(mgr, cond, ms) end
    if arg[2] == "lost" then
        local lost, started = 0, luna.get_time_ms()
        for i = 1, 10 do
            rpc.request(s, "sleep", 5000, function(ok, why)
                check(not ok and why == "connection_lost", "request " .. i .. ": " .. tostring(ok) .. " " .. tostring(why))
                lost = lost + 1
            end, 20000)
        end
        mgr.wait(0)
        print("PENDING " .. rpc.pending())
        check(wait_for(function() return lost == 10 end, 15000), "lost " .. lost .. " of 10")
        check(luna.get_time_ms() - started < 20000, "failed only at the deadline")
        if failures() == 0 then print("PASS") end
        return
    end
    local got = {}
    rpc.request(s, "add", 2, 3, function(...) got.add = table.pack(...) end, 2000)
    rpc.request(s, "fail", function(...) got.fail = table.pack(...) end, 2000)
    rpc.request(s, "nothing", function(...) got.none = table.pack(...) end, 2000)
    rpc.request(s, "later", 21, function(...) got.later = table.pack(...) end, 2000)
    s.call("plain", 7)
    check(wait_for(function() return got.add and got.fail and got.none and got.later and plain end, 5000), "no answers")
    check(got.later and got.later[1] == true and got.later[2] == 42 and got.later.n == 2,
        "later: " .. tostring(got.later and got.later[2]))
    check(got.add[1] == true and got.add[2] == 5, "add: " .. tostring(got.add[1]) .. " " .. tostring(got.add[2]))
    check(got.fail[1] == false and tostring(got.fail[2]):find("nope"), "fail: " .. tostring(got.fail[2]))
    check(got.none[1] == false and got.none[2] == "no handler for nothing", "none: " .. tostring(got.none[2]))
    check(plain == 7, "the script's own on_call did not get plain_ack")
    local t0, timed = luna.get_time_ms(), nil
    rpc.request(s, "sleep", 600, function(ok, why) timed = { ok, why, luna.get_time_ms() - t0 } end, 150)
    check(wait_for(function() return timed end, 3000), "no timeout")
    check(timed[1] == false and timed[2] == "timeout" and timed[3] < 550, "timeout: " .. tostring(timed[2]) .. " after " .. tostring(timed[3]))
    wait_for(function() return false end, 700) -- the late reply comes and is ignored
    check(rpc.pending() == 0, "pending " .. rpc.pending())
    if failures() == 0 then print("PASS") end
end
