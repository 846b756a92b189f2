-- paced_forwarder.lua PORT ID RATE SECS: forward_target(ID, "tick", i) to the
-- router at PORT, RATE a second for SECS seconds, then print "SENT <n>".
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local port, id = arg[1], math.tointeger(tonumber(arg[2]))
local rate, secs = tonumber(arg[3]), tonumber(arg[4])

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, port)
    local t0 = luna.get_time_ms()
    local sent = 0
    while luna.get_time_ms() - t0 < secs * 1000 and not luna.get_guit_signal() do
        local due = math.floor((luna.get_time_ms() - t0) * rate / 1000)
        while sent < due do
            sent = sent + 1
            s.forward_target(id, "tick", sent)
        end
        mgr.wait(5)
    end
    print("SENT " .. sent)
end
