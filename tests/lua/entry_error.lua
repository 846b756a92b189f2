-- main style: main() raises; luna prints the traceback and exits 1.
local function inner() error("boom in main") end
function main()
    print("before error")
    inner()
end
