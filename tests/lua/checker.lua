-- checker.lua: returns check(ok, what), which prints "FAIL what" and a
-- traceback when ok is false, and failures(), how many checks failed.
-- Loaded with dofile by the scripts beside it.
local failed = 0
local function check(ok, what)
    if not ok then
        failed = failed + 1
        print("FAIL " .. what .. "\n" .. debug.traceback())
    end
end
return check, function() return failed end
