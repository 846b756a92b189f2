-- healthcheck.lua: the image's HEALTHCHECK (`luna /usr/local/share/luna/healthcheck.lua`).
-- Exit 0 = healthy, 1 = not. It needs nothing but luna itself.
--
--   * LUNA_HEALTH_ADDR or LUNA_LISTEN set (a router): connect to that
--     address (0.0.0.0 / :: mean this host) and expect on_connected within
--     LUNA_HEALTH_TIMEOUT_MS (2000); the stream is closed at once, so the
--     router never logs it.
--   * else LUNA_ROUTERS set (a service that only dials out): the container
--     must hold an established TCP connection to the port of one of the
--     routers (read from /proc/net/tcp and tcp6; no new connection).
--   * neither: nothing to check, healthy.

local function say(ok, fmt, ...)
    local line = (ok and "healthy: " or "unhealthy: ") .. string.format(fmt, ...)
    print(line)
    io.stdout:flush()
    if not ok then os.exit(1) end
end

local function parse_addr(text)
    local host, port = text:match("^%[([^%]]+)%]:(%d+)$")
    if not host then host, port = text:match("^([^:%[%]]+):(%d+)$") end
    return host, math.tointeger(tonumber(port))
end

local function check_connect(addr)
    local host, port = parse_addr(addr)
    if not host or not port then say(false, "bad address %q", addr) end
    if host == "0.0.0.0" or host == "" then host = "127.0.0.1" end
    if host == "::" then host = "::1" end
    local timeout = math.tointeger(tonumber(os.getenv("LUNA_HEALTH_TIMEOUT_MS") or "")) or 2000
    local mgr = assert(luna.create_socket_mgr(4))
    local s, err = mgr.connect(host, port)
    if not s then say(false, "connect %s:%d: %s", host, port, tostring(err)) end
    local result
    s.on_connected = function() result = "ok" end
    s.on_error = function(e) result = e end
    local deadline = luna.get_time_ms() + timeout
    while not result and luna.get_time_ms() < deadline do mgr.wait(50) end
    if result == "ok" then s.close() end
    say(result == "ok", "connect %s:%d: %s", host, port, result or ("no answer in " .. timeout .. " ms"))
end

local function established_ports()
    local ports = {}
    for _, file in ipairs({ "/proc/net/tcp", "/proc/net/tcp6" }) do
        local f = io.open(file)
        if f then
            for line in f:lines() do
                local rport, st = line:match("^%s*%d+:%s+%x+:%x+%s+%x+:(%x+)%s+(%x+)")
                if rport and st == "01" then ports[tonumber(rport, 16)] = true end
            end
            f:close()
        end
    end
    return ports
end

local function check_routers(list)
    if list:match("^etcd:") then
        say(true, "routers from %s: their ports are not known here", list)
        return
    end
    list = list:gsub("^dns:", "") -- dns:NAME:PORT: a connection to PORT
    local ports = established_ports()
    local wanted = {}
    for item in list:gmatch("[^,%s]+") do
        local _, port = parse_addr(item)
        if port and ports[port] then say(true, "connected to a router port of %s (%d)", list, port) return end
        wanted[#wanted + 1] = item
    end
    say(false, "no connection to any router of %s", table.concat(wanted, ","))
end

function main()
    local addr = os.getenv("LUNA_HEALTH_ADDR") or os.getenv("LUNA_LISTEN")
    local routers = os.getenv("LUNA_ROUTERS")
    if addr and addr ~= "" then
        check_connect(addr)
    elseif routers and routers ~= "" then
        check_routers(routers)
    else
        say(true, "nothing to check (no LUNA_LISTEN, LUNA_ROUTERS or LUNA_HEALTH_ADDR)")
    end
end
