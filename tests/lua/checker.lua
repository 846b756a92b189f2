-- checker.lua: returns check(ok, what), which prints "FAIL what" and a
-- traceback when ok is false; failures(), how many checks failed; and
-- raises(name, want, fn, ...), which calls fn(...) and prints "name ok"
-- when it raised an error containing want, "name FAIL <error>" otherwise.
-- Loaded with dofile by the scripts beside it.
local failed = 0
local function check(ok, what)
    if not ok then
        failed = failed + 1
        print("FAIL " .. what .. "\n" .. debug.traceback())
    end
end
local function raises(name, want, fn, ...)
    local ok, err = pcall(fn, ...)
    if ok or not tostring(err):find(want, 1, true) then
        failed = failed + 1
        print(name .. " FAIL " .. tostring(err))
    else
        print(name .. " ok")
    end
end
return check, function() return failed end, raises
