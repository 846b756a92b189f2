-- zombies.lua: runs child processes through os.execute and io.popen, then
-- counts the zombie children this process still has and prints the count.

local zombies = dofile(arg[0]:match("^(.*/)") .. "zombie_count.lua")

local function check(what, ok, how, code)
    if ok ~= true or how ~= "exit" or code ~= 0 then
        print(string.format("FAIL %s: %s %s %s", what, tostring(ok), tostring(how), tostring(code)))
    end
end

function main()
    for i = 1, 20 do check("os.execute " .. i, os.execute("true")) end
    for i = 1, 20 do check("popen close " .. i, assert(io.popen("true")):close()) end
    -- A shell that leaves a background job: the job is the shell's child,
    -- re-parented when the shell exits, never ours.
    for i = 1, 5 do check("background job " .. i, os.execute("sleep 0.05 &")) end
    -- popen files nobody closes are waited for when they are collected.
    for _ = 1, 20 do assert(io.popen("true")) end
    collectgarbage()
    collectgarbage()
    os.execute("sleep 0.2")
    print("zombies " .. zombies())
    print("PASS")
end
