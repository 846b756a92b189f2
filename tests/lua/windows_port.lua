-- windows_port.lua MODDIR WORKDIR: what the Windows port must do (run by
-- TestWindowsPortability under Wine, with Windows paths: drive letters and
-- backslashes). A Lua C module (winmod.dll in MODDIR) loads through
-- package.cpath; a file imported by a backslashed path reloads when it is
-- saved again; daemon() is a no-op that returns 0. Prints PASS.
io.stdout:setvbuf("line")
local check, failures = dofile((arg[0]:match("^(.*)[/\\]") or ".") .. "/checker.lua")
local moddir, workdir = arg[1], arg[2]

local function save(path, v)
    local f = assert(io.open(path, "w"))
    f:write("value = " .. v .. "\n")
    f:close()
end

function main()
    check(moddir:match("^%a:\\") and workdir:match("^%a:\\"), "Windows paths expected: " .. moddir)
    package.cpath = moddir .. "\\?.dll;" .. package.cpath
    local ok, winmod = pcall(require, "winmod")
    check(ok and type(winmod) == "table" and winmod.add(40, 2) == 42, "the C module: " .. tostring(winmod))

    local path = workdir .. "\\sub\\mod.lua"
    os.execute('mkdir "' .. workdir .. '\\sub"')
    save(path, 1)
    local m = import(path)
    check(m and m.value == 1, "import by " .. path)
    luna.sleep_ms(30)
    save(path, 2)
    luna.try_reload()
    check(m and m.value == 2, "reload of " .. path .. ": " .. tostring(m and m.value))
    check(luna.get_file_time(path) > 0, "get_file_time of a Windows path")

    local code, err = daemon()
    check(code == 0 and err == nil, "daemon() on Windows: " .. tostring(code) .. " " .. tostring(err))
    if failures() == 0 then print("PASS") end
end
