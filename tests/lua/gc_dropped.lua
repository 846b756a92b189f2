-- gc_dropped.lua: a reconnect loop that forgets to close: every 100 ms a
-- new stream replaces the previous one, which is dropped without close().
-- The collector must close dropped streams while the loop runs (the
-- server side, in this same process, sees connection_lost). Prints
-- "OPEN <n>": server-side streams still open at the end, the one still
-- referenced included.
io.stdout:setvbuf("line")
local mgr = luna.create_socket_mgr(100)
local listener = assert(mgr.listen("127.0.0.1", 0))
local accepted, open, conns = 0, 0, {}
listener.on_accept = function(s)
    accepted, open = accepted + 1, open + 1
    conns[s.token] = s
    s.on_error = function()
        open = open - 1
        conns[s.token] = nil
    end
end

local junk
local function run_for(ms)
    local deadline = luna.get_time_ms() + ms
    local i = 0
    while luna.get_time_ms() < deadline do
        mgr.wait(10)
        i = i + 1
        junk = { i, name = string.format("tick %d", i) } -- a little garbage, as a script makes
    end
end

function main()
    local s
    for _ = 1, 20 do
        s = assert(mgr.connect("127.0.0.1", listener.port)) -- the previous one is dropped
        run_for(100)
    end
    run_for(300)
    print(string.format("ACCEPTED %d OPEN %d", accepted, open))
    assert(s.token) -- the last stream stays referenced to here
end
