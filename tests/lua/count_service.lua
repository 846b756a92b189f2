-- count_service.lua PORT ID [GOFILE]: a service of router_hub.lua at PORT.
-- Registers ID, prints "REGISTERED <id>", and counts the "tick" calls it
-- gets; a "fin" call prints "COUNT <id> <ticks>". With GOFILE it stalls
-- after registering (no reads, so the router's send cache for it fills)
-- until that file exists, then prints "AWAKE <id>". A lost stream prints
-- "LOST <id> <error>" and ends the script.
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local port, id, gofile = arg[1], math.tointeger(tonumber(arg[2])), arg[3]

function main()
    local mgr = luna.create_socket_mgr(4)
    local s = kit.connect(mgr, port)
    local registered, lost, ticks = false, nil, 0
    s.on_error = function(err) lost = err end
    s.on_call = function(name, a)
        if name == "tick" then
            ticks = ticks + 1
        elseif name == "fin" then
            print(string.format("COUNT %d %d", id, ticks))
        elseif name == "registered" and a == id then
            registered = true
        end
    end
    s.call("register", id)
    assert(kit.wait_for(mgr, function() return registered end, 5000), "not registered")
    print("REGISTERED " .. id)
    if gofile then
        local deadline = luna.get_time_ms() + 60000
        while luna.get_time_ms() < deadline and not luna.get_guit_signal() do
            local f = io.open(gofile)
            if f then f:close(); break end
            luna.sleep_ms(20)
        end
        print("AWAKE " .. id)
    end
    kit.wait_for(mgr, function() return lost ~= nil end, 60000)
    print(string.format("LOST %d %s", id, tostring(lost)))
end
