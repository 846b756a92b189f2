-- auth_client.lua: connects to 127.0.0.1:arg[1] (with whatever keys
-- LUNA_CLUSTER_KEY_FILE gives) and calls "ping"; prints "UP" when the echo
-- comes back, or "ERROR <on_error string>", within 3 s.
io.stdout:setvbuf("line")
function main()
    local mgr = luna.create_socket_mgr(4)
    local s = assert(mgr.connect("127.0.0.1", arg[1]))
    local outcome
    s.on_error = function(e) outcome = outcome or ("ERROR " .. e) end
    s.on_call = function(msg) if msg == "ping" then outcome = "UP" end end
    s.call("ping")
    local stop = luna.get_time_ms() + 3000
    while not outcome and luna.get_time_ms() < stop do mgr.wait(10) end
    print(outcome or "ERROR no answer in 3 s")
end
