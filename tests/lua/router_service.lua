-- router_service.lua PORT ID [ID ...]: one stream to the router at PORT per
-- service id; each registers its id and prints "REGISTERED <id>" once the
-- router confirmed it. Every call delivered on a stream is printed as
--   GOT <id> <v1> <v2> ...
-- with strings as s:<text> (only [%w_]) or hex:<bytes>, integers as i:<n>,
-- floats as f:<%.17g>, anything else as <type>:?.
io.stdout:setvbuf("line")
local port = arg[1]

local function fmt(v)
    local mt = math.type(v)
    if mt == "integer" then return string.format("i:%d", v) end
    if mt == "float" then return string.format("f:%.17g", v) end
    if type(v) == "string" then
        if v:match("^[%w_]+$") then return "s:" .. v end
        return "hex:" .. (v:gsub(".", function(c) return string.format("%02x", c:byte()) end))
    end
    return type(v) .. ":?"
end

streams = {}

function main()
    local mgr = assert(luna.create_socket_mgr(16))
    for i = 2, #arg do
        local id = math.tointeger(tonumber(arg[i]))
        local s = assert(mgr.connect("127.0.0.1", port))
        streams[i] = s
        s.on_connected = function() s.call("register", id) end
        s.on_error = function(err) print(string.format("SERVICE %d ERROR %s", id, err)) end
        s.on_call = function(...)
            local v = table.pack(...)
            if v[1] == "registered" and v[2] == id then
                print("REGISTERED " .. id)
                return
            end
            local parts = {}
            for k = 1, v.n do parts[k] = fmt(v[k]) end
            print(string.format("GOT %d %s", id, table.concat(parts, " ")))
        end
    end
    local deadline = luna.get_time_ms() + 300000
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do mgr.wait(50) end
    print("SERVICE EXIT")
end
