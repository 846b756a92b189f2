-- a Lua 5.3 C module (Debian's lua-cjson) loads through require inside a luna script.
function main()
    local cjson = require("cjson")
    local text = cjson.encode({ id = 42, name = "player", tags = { "a", "b" } })
    local back = cjson.decode(text)
    assert(back.id == 42 and back.name == "player" and back.tags[2] == "b", text)
    print("cjson " .. text)
    -- a plain Lua module through package.path
    package.path = arg[1] .. "/?.lua;" .. package.path
    local m = require("plainmod")
    assert(m.twice(21) == 42)
    print("PASS")
end
