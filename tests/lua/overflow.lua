-- overflow.lua: stream.set_overflow in one process. A server manager sends
-- 20 MB to a client manager that does not wait (so reads nothing): with
-- "drop" the calls beyond the send cache are dropped, the stream lives and
-- a call after the flood still arrives; with "close" the stream dies of
-- send_cache_full. Prints "<case> ok" lines, then PASS.
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local check, failures, raises = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")

local srv = luna.create_socket_mgr(8)
local cli = luna.create_socket_mgr(8)
local accepted = {}
local listener = kit.serve(srv, function(s) accepted[#accepted + 1] = s end)
local big = string.rep("x", 4000)

-- flood(policy) -> calls the client got, the server stream's on_error
-- string (nil while it lives), and whether a call after the flood arrived
local function flood(policy)
    local before = #accepted
    local c = kit.connect(cli, listener.port)
    local got, last, err = 0, false, nil
    c.on_call = function(msg) if msg == "bulk" then got = got + 1 else last = true end end
    local stop = luna.get_time_ms() + 2000
    while #accepted == before and luna.get_time_ms() < stop do srv.wait(1); cli.wait(1) end
    local s = accepted[#accepted]
    s.on_error = function(e) err = e end
    s.set_overflow(policy)
    s.set_send_cache(16384)
    for i = 1, 5000 do -- 20 MB: more than the sockets hold while the client reads nothing
        s.call("bulk", i, big)
        srv.wait(0)
        if err then break end
    end
    stop = luna.get_time_ms() + 5000
    local quiet = 0
    while quiet < 20 and not err and luna.get_time_ms() < stop do -- until 20 ms without a frame
        local had = got
        srv.wait(1); cli.wait(1)
        quiet = got == had and quiet + 1 or 0
    end
    if not err then
        s.call("after")
        stop = luna.get_time_ms() + 5000
        while not last and luna.get_time_ms() < stop do srv.wait(1); cli.wait(1) end
    end
    return got, err, last
end

function main()
    raises("bad policy", "must be \"close\" or \"drop\"", function()
        local c = kit.connect(cli, listener.port)
        c.set_overflow("maybe")
    end)
    local got, err, last = flood("drop")
    check(err == nil and got > 0 and got < 5000 and last,
        string.format("drop: got %d of 5000, err %s, the call after arrived: %s", got, tostring(err), tostring(last)))
    print("drop ok")
    got, err = flood("close")
    check(err == "send_cache_full", "close: err " .. tostring(err))
    print("close ok")
    if failures() == 0 then print("PASS") end
end
