-- load_target.lua PORT SENDERS PER_SENDER: service 2<<16|1 behind the router at PORT.
-- Receives ("m", sender_id, seq) and checks that each sender's sequence arrives
-- complete and in order; acks every 1000 back with forward_target(sender_id, ...).
io.stdout:setvbuf("line")
local port = math.tointeger(tonumber(arg[1]))
local senders = math.tointeger(tonumber(arg[2]))
local per = math.tointeger(tonumber(arg[3]))
local ID = 2 << 16 | 1

function main()
    local mgr = luna.create_socket_mgr(8)
    local s = assert(mgr.connect("127.0.0.1", port))
    local last, total, bad = {}, 0, 0
    s.on_connected = function() s.call("register", ID) print("TARGET READY") end
    s.on_error = function(err) print("TARGET ERROR " .. err) end
    s.on_call = function(name, from, seq)
        if name ~= "m" then return end
        local want = (last[from] or 0) + 1
        if seq ~= want then
            bad = bad + 1
            if bad <= 5 then print(string.format("OUT OF ORDER from %x: got %d, want %d", from, seq, want)) end
        end
        last[from] = seq
        total = total + 1
        if seq % 1000 == 0 or seq == per then s.forward_target(from, "ack", seq) end
    end
    local deadline = luna.get_time_ms() + 1000 * (tonumber(os.getenv("LOAD_MAX_S")) or 120)
    while total < senders * per and luna.get_time_ms() < deadline and not luna.get_guit_signal() do
        mgr.wait(20)
    end
    local complete = 0
    for _, seq in pairs(last) do if seq == per then complete = complete + 1 end end
    print(string.format("TARGET TOTAL %d senders_complete=%d out_of_order=%d", total, complete, bad))
    for i = 1, 10 do mgr.wait(5) end
end
