-- reload_fast.lua DIR: two saves of an imported file within the same second
-- are both reloaded (hot reload compares the mtime in nanoseconds; the
-- reference's whole seconds missed the second save). Prints PASS.
io.stdout:setvbuf("line")
local check, failures = dofile((arg[0]:match("^(.*)/") or ".") .. "/checker.lua")
local dir = arg[1]
local path = dir .. "/fast_mod.lua"

local function save(v)
    local f = assert(io.open(path, "w"))
    f:write("value = " .. v .. "\n")
    f:close()
end

function main()
    save(1)
    local m = import(path)
    check(m and m.value == 1, "first load")
    local same_second = false
    for try = 1, 5 do -- a second boundary between the two saves proves nothing: again
        luna.sleep_ms(20) -- past the file system's timestamp granularity
        save(10 * try + 2)
        local t2 = luna.get_file_time(path)
        luna.try_reload()
        check(m.value == 10 * try + 2, "the first save of round " .. try .. " reloaded")
        luna.sleep_ms(20)
        save(10 * try + 3)
        local t3 = luna.get_file_time(path)
        luna.try_reload()
        if t2 == t3 then
            same_second = true
            check(m.value == 10 * try + 3, "a second save within the same second reloaded")
            break
        end
    end
    check(same_second, "no two saves fell within one second in 5 tries")
    if failures() == 0 then print("PASS") end
end
