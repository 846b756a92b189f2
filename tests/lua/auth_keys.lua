-- auth_keys.lua: mgr.set_cluster_keys in one process, a server manager and
-- a client manager talking over 127.0.0.1. Prints one line per case:
-- "<case> ok" or "<case> FAIL <why>", then "PASS".
io.stdout:setvbuf("line")
local kit = dofile((arg[0]:match("^(.*)/") or ".") .. "/netkit.lua")
local k1, k2 = "first-cluster-key-0123456789", "second-cluster-key-abcdefghij"

local srv = luna.create_socket_mgr(16)
local cli = luna.create_socket_mgr(16)
local accepted = 0
local listener = kit.serve(srv, function(s)
    accepted = accepted + 1
    s.on_call = function(msg, ...) s.call("echo_" .. msg, ...) end
end)

local function pump(cond, ms)
    local stop = luna.get_time_ms() + ms
    while not cond() and luna.get_time_ms() < stop do
        srv.wait(1)
        cli.wait(1)
    end
    return cond()
end

-- one connection: "up" after an echoed call, or the on_error string
local function attempt()
    local s = assert(cli.connect("127.0.0.1", listener.port))
    local outcome
    s.on_error = function(e) outcome = outcome or e end
    s.on_call = function(msg) if msg == "echo_ping" then outcome = "up" end end
    s.call("ping")
    pump(function() return outcome ~= nil end, 3000)
    s.close()
    return outcome
end

-- plain_srv: the server has no key, so it accepts the client and only then
-- sees its handshake
local function case(name, want, srv_keys, cli_keys, plain_srv)
    srv.set_cluster_keys(srv_keys)
    cli.set_cluster_keys(cli_keys)
    local before = accepted
    local got = attempt()
    if got ~= want then
        print(name .. " FAIL got " .. tostring(got) .. ", want " .. want)
    elseif want ~= "up" and accepted ~= before and not plain_srv then
        print(name .. " FAIL the server accepted a peer that failed the handshake")
    else
        print(name .. " ok")
    end
end

local _, _, raises = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")

function main()
    case("same key", "up", { k1 }, { k1 })
    case("wrong key", "auth_failed", { k1 }, { k2 })
    case("rotated", "up", { k2, k1 }, { k1, k2 })
    case("keyed client, plain server", "auth_failed", nil, { k1 }, true)
    case("plain again", "up", nil, nil)
    raises("short key", "at least 16 bytes", cli.set_cluster_keys, { "short" })
    raises("not a table", "a table of keys", cli.set_cluster_keys, 5)
    raises("not a string", "key 2 is a number", cli.set_cluster_keys, { k1, 3 })
    raises("empty table", "has no key", cli.set_cluster_keys, {})
    print("PASS")
end
