-- hello.lua: a first luna script (main style). Run: luna scripts/examples/hello.lua [name]
-- It shows the arg table, the clock, a sandboxed import and a clean exit.

local name = arg[1] or "luna"

function main()
    local t0 = luna.get_time_ms()
    print(string.format("hello, %s: %s on %s", name, _VERSION, os.date("%Y-%m-%d")))
    local cjson_ok, cjson = pcall(require, "cjson")
    if cjson_ok then
        print("cjson: " .. cjson.encode({ name = name, args = #arg }))
    end
    for i = 1, 3 do
        print("tick " .. i)
        luna.sleep_ms(100)
        if luna.get_guit_signal() then break end
    end
    print(string.format("done in %d ms", luna.get_time_ms() - t0))
end
