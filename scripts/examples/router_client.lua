-- router_client.lua: calls the services behind router.lua, then exits.
--
--   bin/luna scripts/examples/router_client.lua [port]     (the router's, default 7200)
--
-- It registers as client 1 (id 2 << 16 | 1) so that the services can answer
-- it with forward_target, then
--   * forward_hash(1, key, ...) three times for each of a few keys: the
--     router picks a member of group 1 from the key alone, so a key lands
--     on the same service every time (while the group does not change);
--   * forward_master(1, ...): the router delivers to the member it named
--     master (mgr.master), which says so in its answer.
io.stdout:setvbuf("line")

local SERVICES, CLIENTS = 1, 2
local port = math.tointeger(tonumber(arg[1] or "7200"))
local my_id = CLIENTS << 16 | 1
local keys = { "alice", "bob", "carol", "dave", 1001, 1002 } -- strings or integers
local ROUNDS = 3

function main()
    local mgr = luna.create_socket_mgr(10)
    local router, err = mgr.connect("127.0.0.1", port)
    if not router then -- a bad address (or port) is refused at once
        print("cannot connect to " .. "127.0.0.1:" .. tostring(port) .. ": " .. tostring(err))
        os.exit(1)
    end
    local registered, failed = false, nil
    local hashed = {}   -- key -> the indexes of the services that answered it
    local master = nil  -- the answer to forward_master: { index, is_master }
    local answers = 0

    router.on_connected = function() router.call("register", my_id) end
    router.on_error = function(why) failed = why end
    router.on_call = function(msg, index, is_master, key)
        if msg == "registered" then
            registered = true
        elseif msg == "iam" then
            answers = answers + 1
            if key == "master?" then
                master = { index, is_master }
            else
                hashed[key] = hashed[key] or {}
                table.insert(hashed[key], index)
            end
        elseif msg == "luna_undeliverable" then -- (mode, group, msg): nowhere to go
            failed = failed or string.format("%s to group %s undeliverable: is a service running?", index, is_master)
        end
    end

    local function wait_until(cond)
        local deadline = luna.get_time_ms() + 5000
        while not cond() and not failed and not luna.get_guit_signal() do
            if luna.get_time_ms() > deadline then failed = "timed out" break end
            mgr.wait(50)
        end
        if failed or not cond() then
            print("router_client: " .. tostring(failed or "interrupted"))
            os.exit(1)
        end
    end

    wait_until(function() return registered end)
    for _ = 1, ROUNDS do
        for _, key in ipairs(keys) do
            -- group, key, then the call: ("whoami", reply-to id, key)
            router.forward_hash(SERVICES, key, "whoami", my_id, key)
        end
    end
    router.forward_master(SERVICES, "whoami", my_id, "master?")
    wait_until(function() return answers == ROUNDS * #keys + 1 end)

    for _, key in ipairs(keys) do
        local got = hashed[key]
        local same = true
        for i = 2, #got do same = same and got[i] == got[1] end
        print(string.format("forward_hash %-7s -> service %s%s", string.format("%q", key),
            table.concat(got, ", "), same and "" or "  (moved: the group changed meanwhile)"))
    end
    print(string.format("forward_master    -> service %d (%s)", master[1],
        master[2] and "it is the master" or "it says it is not the master"))
    router.close()
end
