-- zombie_count.lua: returns a function that counts the zombie children of
-- this process (state Z, parent = us) from /proc. Loaded with dofile by the
-- scripts beside it, under luna and under the stock lua5.3 alike.
return function()
    local mypid = assert(io.open("/proc/self/stat")):read("a"):match("^(%d+)")
    local ls = assert(io.popen("ls /proc"))
    local list = ls:read("a")
    ls:close()
    local n = 0
    for pid in list:gmatch("%d+") do
        local f = io.open("/proc/" .. pid .. "/stat")
        if f then
            local stat = f:read("a") or ""
            f:close()
            local state, ppid = stat:match("%) (%a) (%d+)")
            if state == "Z" and ppid == mypid then n = n + 1 end
        end
    end
    return n
end
