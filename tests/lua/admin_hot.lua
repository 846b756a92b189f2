-- admin_hot.lua: a loop that spends most of its time in burn(), with the
-- admin endpoint on; prints "ADMIN <port>", then every second
-- "RATE <burn calls a second>", until SIGTERM.
io.stdout:setvbuf("line")

local function burn(n)
    local x = 0
    for i = 1, n do x = x + i % 7 end
    return x
end

function main()
    local port = assert(luna.admin.listen("127.0.0.1", 0))
    print("ADMIN " .. port)
    local mgr = luna.create_socket_mgr(4)
    local stop = luna.get_time_ms() + 60000
    local calls, since = 0, luna.get_time_ms()
    while not luna.get_guit_signal() and luna.get_time_ms() < stop do
        burn(20000)
        calls = calls + 1
        local now = luna.get_time_ms()
        if now - since >= 1000 then
            print("RATE " .. calls * 1000 // (now - since))
            calls, since = 0, now
        end
        mgr.wait(0)
    end
end
