-- router_order_target.lua PORT ID SENDER N: service ID behind the router at
-- PORT. Expects ("s", 1), ("s", 2), ... ("s", N) from SENDER, checks that
-- they arrive complete and in order, acks every ACK_EVERY with
-- forward_target(SENDER, "ack", seq) and prints one summary line:
--   ORDER received=<n> last=<seq> out_of_order=<k> error=<stream error or nil>
io.stdout:setvbuf("line")
local port = arg[1]
local ID = math.tointeger(tonumber(arg[2]))
local SENDER = math.tointeger(tonumber(arg[3]))
local N = math.tointeger(tonumber(arg[4]))
local ACK_EVERY = 500

function main()
    local mgr = assert(luna.create_socket_mgr(4))
    local s = assert(mgr.connect("127.0.0.1", port))
    local received, last, bad, broken = 0, 0, 0, nil
    s.on_connected = function() s.call("register", ID) end
    s.on_error = function(err) broken = err end
    s.on_call = function(name, seq)
        if name == "registered" then print("REGISTERED " .. ID) return end
        if name ~= "s" or math.type(seq) ~= "integer" then
            bad = bad + 1
            print("FAIL unexpected call " .. tostring(name) .. " " .. tostring(seq))
            return
        end
        received = received + 1
        if seq ~= last + 1 then
            bad = bad + 1
            if bad <= 5 then print(string.format("OUT OF ORDER got %d after %d", seq, last)) end
        end
        last = seq
        if seq % ACK_EVERY == 0 or seq == N then
            if not s.forward_target(SENDER, "ack", seq) then print("FAIL ack " .. seq .. " not sent") end
        end
    end
    local deadline = luna.get_time_ms() + 90000
    -- stop at N calls, or once the last one arrived (a lost call shows at once)
    while received < N and last ~= N and not broken and not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        mgr.wait(20)
    end
    print(string.format("ORDER received=%d last=%d out_of_order=%d error=%s", received, last, bad, tostring(broken)))
    for i = 1, 20 do mgr.wait(5) end -- let the last ack go out
end
