-- main style: the file defines main(); luna calls it and exits when it returns.
-- Checks the globals and luna.* fields a main-style script relies on.

-- the command-line arguments reach the chunk as ..., as under lua5.3
local first, second = ...
assert(select("#", ...) == #arg and first == arg[1] and second == arg[2], "... is not the arguments")

local function is(kind, v, name)
    assert(type(v) == kind, string.format("%s is %s, want %s", name, type(v), kind))
end

function main()
    for _, name in ipairs({ "create_socket_mgr", "get_time_ms", "get_time_ns", "sleep_ms",
        "get_file_time", "daemon", "get_guit_signal", "get_quit_signal", "try_reload", "entry" }) do
        is("function", luna[name], "luna." .. name)
    end
    for _, name in ipairs({ "files", "objects", "meta" }) do is("table", luna[name], "luna." .. name) end
    is("function", luna.print, "luna.print")
    for _, name in ipairs({ "create_socket_mgr", "get_time_ms", "get_time_ns", "sleep_ms", "get_file_time",
        "daemon", "get_guit_signal", "import", "export", "luna_export", "luna_entry", "on_quit_signal" }) do
        is("function", _G[name], name)
    end
    assert(luna_entry == luna.entry)

    -- arg: Lua-interpreter style
    assert(arg[0]:match("main_style%.lua$"), arg[0])
    assert(arg[1] == "one" and arg[2] == "two" and arg[3] == nil, "args")

    -- clocks
    local ms, ns = luna.get_time_ms(), luna.get_time_ns()
    assert(math.type(ms) == "integer" and math.type(ns) == "integer")
    assert(math.abs(ns // 1000000 - ms) < 1000, "ms and ns clocks disagree")
    assert(ms > 1.6e12, "get_time_ms is not epoch milliseconds")
    local t0 = luna.get_time_ms()
    luna.sleep_ms(30)
    local slept = luna.get_time_ms() - t0
    assert(slept >= 25 and slept < 2000, "sleep_ms(30) took " .. slept)

    -- files
    assert(luna.get_file_time(arg[0]) > 0)
    assert(luna.get_file_time("/nonexistent/file.lua") == 0)

    -- signals not seen yet; the entry file itself was imported
    assert(luna.get_guit_signal() == false)
    local n = 0
    for file, record in pairs(luna.files) do
        n = n + 1
        assert(record.env.main == main, "the entry's environment holds main")
    end
    assert(n == 1, "one imported file")
    assert(_G.main == nil, "main lives in the entry's environment, not in _G")

    -- standard libraries
    assert(string.format and table.concat and math.maxinteger and io.open and os.time and utf8.char and coroutine.wrap)
    print("PASS")
end
