-- exit_now.lua: allocate a little, then os.exit(0) from main.
function main()
    local t = {}
    for i = 1, 1000 do t[i] = { i } end
    os.exit(0)
end
