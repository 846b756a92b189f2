-- helpers.lua: loaded into the test Lua state by the archive tests.
--
-- build(expr) evaluates the argument list of a golden case (the `lua` field of
-- golden_calls.jsonl) with the helpers the capture used, and returns the values.
-- render(...) writes values in the `cpp_decoded` text form of wire/README.md.

local S41 = string.rep("L", 41)   -- one long string object, reused
local S300 = string.rep("M", 300)

local function list(n, f)
    local t = {}
    for i = 1, n do t[i] = f(i) end
    return t
end

local env = setmetatable({
    S41 = S41,
    S300 = S300,
    -- n bytes of "x", a fresh object each call for n > 40
    bigstr = function(n) return string.rep("x", n) end,
    -- n nested tables {{...{}...}}, the outermost at depth 1
    deep = function(n)
        local t = {}
        for _ = 2, n do t = { t } end
        return t
    end,
    range = function(a, b)
        local t = {}
        for i = a, b do t[#t + 1] = i end
        return table.unpack(t)
    end,
    distinct = function(n)
        return table.unpack(list(n, function(i) return "s" .. i end))
    end,
    many_then_repeat = function(n)
        local t = list(n, function(i) return "s" .. i end)
        t[#t + 1] = "s254"
        t[#t + 1] = "s255"
        return table.unpack(t, 1, #t)
    end,
}, { __index = _G })

function build(expr)
    return assert(load("return " .. expr, "=case", "t", env))()
end

local function render_string(s)
    if #s > 80 then
        local sum = 0
        for i = 1, #s do sum = (sum + s:byte(i)) & 0xffffffff end
        return string.format("str(len=%d,sum=%d)", #s, sum)
    end
    return '"' .. s:gsub(".", function(c)
        local b = c:byte()
        if b < 32 or b > 126 or c == '"' or c == "\\" then return string.format("\\x%02x", b) end
    end) .. '"'
end

local render_value
render_value = function(v)
    local t = type(v)
    if t == "string" then return render_string(v) end
    if t == "number" then
        if math.type(v) == "integer" then return string.format("%d", v) end
        if v ~= v then return "float(nan)" end
        if v == math.huge then return "float(inf)" end
        if v == -math.huge then return "float(-inf)" end
        return "float(" .. string.format("%.17g", v) .. ")"
    end
    if t == "table" then
        local items = {}
        for k, x in pairs(v) do items[#items + 1] = { render_value(k), render_value(x) } end
        -- by key text as cpp_decoded is; keys that render alike (tables) by value
        table.sort(items, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
        for i, kv in ipairs(items) do items[i] = "[" .. kv[1] .. "]=" .. kv[2] end
        return "{" .. table.concat(items, ",") .. "}"
    end
    if t == "nil" or t == "boolean" then return tostring(v) end
    return "<" .. t .. ">"
end

function render(...)
    local n = select("#", ...)
    local parts = { "CALL", tostring(n) }
    for i = 1, n do parts[#parts + 1] = render_value((select(i, ...))) end
    return table.concat(parts, " ")
end
