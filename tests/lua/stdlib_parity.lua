-- stdlib_parity.lua: prints the results of standard-library calls that must
-- be the same under the stock lua5.3 interpreter and under luna
-- (tests/stdlib_test.go runs it under both and compares stdout line by line).
-- Under lua5.3 the file calls main() itself; luna calls it as the entry.

local function show(label, ...)
    local n = select("#", ...)
    local parts = {}
    for i = 1, n do
        local v = select(i, ...)
        parts[i] = (type(v) == "string") and string.format("%q", v) or tostring(v)
    end
    print(label .. ": " .. table.concat(parts, " "))
end

local zombies = dofile(arg[0]:match("^(.*/)") .. "zombie_count.lua")

local function child_status()
    show("os.execute()", os.execute())
    show("os.execute true", os.execute("true"))
    show("os.execute exit 3", os.execute("exit 3"))
    show("os.execute kill -TERM", os.execute("kill -TERM $$"))
    show("os.execute kill -KILL", os.execute("kill -KILL $$"))
    -- children get the default SIGPIPE (luna catches it, it does not ignore it)
    show("os.execute kill -PIPE", os.execute("kill -PIPE $$"))
    show("os.execute missing command", os.execute("exec 2>/dev/null; /nonexistent/command"))

    local p = assert(io.popen("echo hi"))
    show("popen echo read", p:read("a"))
    show("popen echo close", p:close())
    show("popen exit 7 close", assert(io.popen("exit 7")):close())
    show("popen kill -TERM close", assert(io.popen("kill -TERM $$")):close())
    show("popen read l", assert(io.popen("printf 'a\\nb\\n'")):read("l"))

    io.stdout:flush()
    local w = assert(io.popen("cat", "w"))
    w:write("line through cat\n")
    show("popen cat w close", w:close())

    local closed = assert(io.popen("true"))
    closed:close()
    show("closed popen close again", pcall(closed.close, closed))
    show("popen io.type", io.type(closed))

    -- A popen child nobody closed is a zombie until its file is collected,
    -- as in C: both interpreters wait for it in pclose (the file's __gc).
    -- Collect first: "popen read l" above left its file to the collector.
    collectgarbage()
    collectgarbage()
    show("zombies before", zombies())
    local open = assert(io.popen("true"))
    local seen = 0
    for _ = 1, 100 do
        seen = zombies()
        if seen > 0 then break end
        os.execute("sleep 0.02")
    end
    show("zombies with an unclosed popen", seen)
    open = nil
    collectgarbage()
    collectgarbage()
    show("zombies after collecting it", zombies())
end

local function strings()
    show("format floats", string.format("%.3f %g %g %g %e %5.1f|%-6.2f|", 1 / 3, 0.1, 1e20, 1e-5, 12345.678, 2.25, -1.5))
    show("format ints", string.format("%d %5d|%-5d|%x %X %o %c %i", 42, -7, 3, 255, 255, 8, 65, 3.0))
    show("format q", string.format("%q", "a\n\0b\"\\"), string.format("%q", 1 / 0), string.format("%q", math.mininteger))
    show("format s", string.format("%5.2s|%-4s|%s", "abc", "x", nil))
    show("format bad int", pcall(string.format, "%d", 3.5))
    show("tostring numbers", 1 / 0, -1 / 0, 0 / 0 ~= 0 / 0, -0.0, 2 ^ 53, 10 // 3, 10.0 // 3, 7 % -3, 1e15, 1e16, 0x10, 3 | 0)
    show("integer overflow", math.maxinteger + 1 == math.mininteger, math.maxinteger, math.mininteger)
    show("tonumber", tonumber("0x1p4"), tonumber(" 10 "), tonumber("1e1"), tonumber("z", 36), tonumber("1.5"), tonumber("x"))
    show("math.type", math.type(1), math.type(1.0), math.type("1"), math.tointeger(3.0), math.tointeger(3.5))
    show("math", math.floor(-3.5), math.ceil(-3.5), math.abs(math.mininteger), math.fmod(7, -3), math.ult(1, -1), math.huge)
    show("utf8.char", utf8.char(72, 228, 8364, 128512), utf8.len("häl€"), utf8.codepoint("€", 1), utf8.charpattern)
    local packed = string.pack("<i4 d s1 z B", -2, 1.5, "str", "zt", 255)
    show("string.pack", (packed:gsub(".", function(c) return string.format("%02x", c:byte()) end)), #packed)
    show("string.unpack", string.unpack("<i4 d s1 z B", packed))
    show("string.packsize", string.packsize("i4 i8 d"), pcall(string.unpack, ">i2", "\1"))
    show("table.concat", table.concat({ 1, 2, "x", 3.5 }, ","), table.concat({}, ","), table.concat({ "a", "b", "c" }, "-", 2, 3))
    show("table.concat bad", pcall(table.concat, { 1, {}, 3 }))
    local t = { 5, 2, 8, 1 }
    table.sort(t, function(a, b) return a > b end)
    show("table.sort/unpack", table.unpack(t))
    show("table.move/pack", table.pack(1, nil, 3).n, table.concat(table.move({ 1, 2, 3 }, 1, 3, 2), ","))
    show("tostring/type", tostring(nil), tostring(true), type(io.stdout), io.type(io.stdout), type(print), type(nil))
    show("select", select("#"), select("#", nil, nil), select("#", 1, nil, 3, nil), select(-1, 1, 2, 3), select(2, "a", "b", "c"))
    show("gsub/find", ("hello world"):gsub("o", "0"), ("a.b"):find(".", 1, true), ("key=val"):match("(%w+)=(%w+)"))
    show("rep/byte/upper", ("ab"):rep(3, ","), ("ABC"):byte(1, -1), ("MiXeD"):upper(), ("MiXeD"):lower(), ("abc"):reverse())
    show("string.len/sub", #"häl", ("hello"):sub(-3), ("hello"):sub(2, 100), ("hello"):sub(0))
end

local function os_and_io()
    show("os.getenv set", os.getenv("LUNA_PARITY_VAR"))
    show("os.getenv unset", os.getenv("LUNA_PARITY_UNSET_VAR"))
    local stamp = os.time({ year = 2021, month = 3, day = 14, hour = 15, min = 9, sec = 26 })
    show("os.time round trip", math.type(stamp), os.date("%Y-%m-%d %H:%M:%S", stamp))
    local d = os.date("*t", stamp)
    show("os.date *t", d.year, d.month, d.day, d.hour, d.min, d.sec, d.wday, d.yday)
    show("os.time normalises", os.date("%Y-%m-%d", os.time({ year = 2021, month = 1, day = 32, hour = 12 })))
    show("os.date utc", os.date("!%Y-%m-%d", 0), os.date("!%H:%M:%S %j %a %b", 86400 * 59 + 3661))
    show("os.date ! *t", os.date("!*t", 0).year, os.date("!*t", 0).isdst)
    show("os.date bad", pcall(os.date, "%Ez", 0))
    show("os.difftime", os.difftime(10, 4))
    show("os.time bad field", pcall(os.time, { year = 2021 }))
    show("io.open missing", io.open("/nonexistent/dir/file"))
    show("os.remove missing", os.remove("/nonexistent/dir/file"))
    show("io.read stdin", io.read("l"))
    show("io.lines bad", pcall(io.lines, "/nonexistent/file"))
    local name = os.tmpname()
    local f = assert(io.open(name, "w"))
    f:write("1 2.5 0x10\nrest\n")
    f:close()
    f = assert(io.open(name))
    show("file:read n", f:read("n", "n", "n", "l", "l", "l"))
    show("file:seek", f:seek("set", 2), f:read(3), f:seek("end"))
    f:close()
    show("closed file", io.type(f), tostring(f), pcall(f.read, f))
    os.remove(name)
    show("_VERSION", _VERSION, math.pi, math.maxinteger // 1 == math.maxinteger)
end

local function errors()
    show("pcall(error)", pcall(error))
    show("pcall(error, msg)", pcall(error, "msg"))
    show("pcall(error, msg, 0)", pcall(error, "msg", 0))
    show("pcall(error, table)", select(2, pcall(error, setmetatable({}, { __tostring = function() return "E" end }))))
    show("pcall(error, nil)", pcall(error, nil))
    show("pcall(error, 42)", pcall(error, 42))
    local function level2() error("deep", 2) end
    show("error level 2", pcall(function() level2() end))
    show("arith error", pcall(function() local t = {} return t + 1 end))
    show("call error", pcall(function() local x; x() end))
    show("index error", pcall(function() local x; return x.y end))
    show("concat error", pcall(function() return "a" .. {} end))
    show("compare error", pcall(function() return {} < 1 end))
    show("div by zero", pcall(function() return 1 // 0 end), 1 // 0.0, pcall(function() return 1 % 0 end))
    show("xpcall handler", xpcall(function() error("x", 0) end, function(m) return "handled " .. m end))
    show("error in __tostring", pcall(tostring, setmetatable({}, { __tostring = function() return 1 end })))
    show("load error", load("x = "))
    show("load ok", load("return 1 + 1")())
end

local function coroutines()
    local co = coroutine.create(function(a, b)
        local c = coroutine.yield(a + b)
        local d, e = coroutine.yield(c * 2)
        return d + e, "done"
    end)
    show("resume 1", coroutine.resume(co, 1, 2))
    show("status", coroutine.status(co))
    show("resume 2", coroutine.resume(co, 10))
    show("resume 3", coroutine.resume(co, 3, 4))
    show("status dead", coroutine.status(co), coroutine.resume(co))
    local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i) end end)
    show("wrap", gen(), gen(), gen())
    show("wrap error", pcall(coroutine.wrap(function() error("in co") end)))
    show("running in main", type(coroutine.running()), select(2, coroutine.running()), coroutine.isyieldable())
    show("yield outside", pcall(coroutine.yield, 1))
    show("inside", coroutine.wrap(function()
        return coroutine.isyieldable(), select(2, coroutine.running()), coroutine.status(coroutine.running())
    end)())
end

function main()
    print("== child status")
    child_status()
    print("== strings")
    strings()
    print("== os and io")
    os_and_io()
    print("== errors")
    errors()
    print("== coroutines")
    coroutines()
    print("== end")
end

if not luna then main() end
