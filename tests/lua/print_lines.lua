-- print_lines.lua N: prints N numbered lines, then "last", and exits 0
-- (the harness must keep every line of a process that has exited).
local n = tonumber(arg[1]) or 1000
for i = 1, n do print("line " .. i) end
print("last")
