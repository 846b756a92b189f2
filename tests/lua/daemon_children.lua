-- daemon_children.lua: arg[1] = a file the background copy of daemon()
-- writes, one key=value a line: the exit statuses it gets from os.execute and
-- io.popen, and how many zombie children it has left.

local zombies = dofile(arg[0]:match("^(.*/)") .. "zombie_count.lua")

function main()
    print("before daemon")
    local code, err = daemon(1, 0)
    local results = {}
    for _, r in ipairs({ table.pack(os.execute("true")), table.pack(os.execute("exit 3")),
        table.pack(assert(io.popen("exit 5")):close()) }) do
        results[#results + 1] = table.concat({ tostring(r[1]), tostring(r[2]), tostring(r[3]) }, ",")
    end
    local f = assert(io.open(arg[1] .. ".tmp", "w"))
    f:write(string.format("code=%s\nerr=%s\nstatus=%s\nzombies=%d\n", tostring(code),
        tostring(err), table.concat(results, ";"), zombies()))
    f:close()
    assert(os.rename(arg[1] .. ".tmp", arg[1]))
end
