-- import sandboxes and hot reload. arg[1] is an empty scratch directory.
local dir = arg[1]
local lines = {}
luna.print = function(s) lines[#lines + 1] = s; print(s) end

local function write(name, text, mtime)
    local path = dir .. "/" .. name
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
    -- get_file_time has a resolution of seconds: move the mtime explicitly.
    if mtime then assert(os.execute(string.format("touch -d @%d %q", mtime, path))) end
    return path
end

local function last_line() return lines[#lines] or "" end

function main()
    local base = os.time() - 1000

    -- two files with the same global name do not collide
    local a = write("a.lua", "name = 'a'\nfunction who() return name end\n", base)
    local b = write("b.lua", "name = 'b'\nfunction who() return name end\n", base)
    local ea, eb = import(a), import(b)
    assert(ea and eb and ea ~= eb)
    assert(ea.who() == "a" and eb.who() == "b", "environments collide")
    assert(_G.name == nil and _G.who == nil, "file globals leaked into _G")
    assert(last_line() == "load file: " .. b .. " ... ... [ok]", last_line())
    -- re-import returns the same table and does not run the file again
    local before = #lines
    assert(import(a) == ea and #lines == before)
    -- _G.x writes a real global; reading falls back to _G
    write("c.lua", "_G.shared_value = 7\nlocal_copy = shared_value\n", base)
    local ec = import(dir .. "/c.lua")
    assert(shared_value == 7 and ec.local_copy == 7)

    -- a module with state that survives reloads
    local m = write("m.lua", [[
state = state or { loads = 0 }
state.loads = state.loads + 1
function version() return 1 end
function loads() return state.loads end
]], base)
    local em = import(m)
    local keep_version = em.version
    assert(em.version() == 1 and em.loads() == 1)

    -- unchanged mtime: nothing reloads
    luna.try_reload()
    assert(em.version() == 1 and em.loads() == 1)

    -- new code, new mtime: the same environment, state kept, functions replaced
    write("m.lua", [[
state = state or { loads = 0 }
state.loads = state.loads + 1
function version() return 2 end
function loads() return state.loads end
function bump() counter = (counter or 0) + 1 return counter end
]], base + 10)
    luna.try_reload()
    assert(import(m) == em, "reload keeps the environment table")
    assert(em.version() == 2, "reload did not run the new code")
    assert(em.loads() == 2, "x = x or {} state was lost")
    assert(last_line() == "load file: " .. m .. " ... ... [ok]", last_line())
    -- functions defined by a reload write their globals into the live environment
    assert(em.bump() == 1 and em.counter == 1 and em.bump() == 2)

    -- a syntax error keeps the old code
    write("m.lua", "function version( return 3 end\n", base + 20)
    luna.try_reload()
    assert(em.version() == 2, "a broken reload replaced the code")
    assert(lines[#lines - 1] == "load file: " .. m .. " ... ... [failed]", lines[#lines - 1])

    -- a reload that raises half-way keeps the old functions too
    write("m.lua", "function version() return 4 end\nerror('half-way')\n", base + 30)
    luna.try_reload()
    assert(em.version() == 2, "a reload that raised replaced the code")
    assert(em.loads() == 2)

    -- fixed again: it reloads
    write("m.lua", "function version() return 5 end\n", base + 40)
    luna.try_reload()
    assert(em.version() == 5 and em.loads() == 2)
    assert(keep_version() == 1, "old closures keep working")

    -- a reload leaves the environment as running the file again would:
    -- assignments of nil apply, names the new code does not mention stay
    local n = write("n.lua", "cache = { 1 }\nflag = true\n", base)
    local en = import(n)
    assert(en.cache and en.flag)
    write("n.lua", "cache = nil\n", base + 10)
    luna.try_reload()
    assert(rawget(en, "cache") == nil, "a reload did not apply cache = nil")
    assert(en.flag == true, "a reload dropped a name it does not mention")
    -- a reload that raises half-way puts every field back as it was
    write("n.lua", "flag = nil\nfresh = 1\nerror('half-way')\n", base + 20)
    luna.try_reload()
    assert(en.flag == true and rawget(en, "fresh") == nil, "a raising reload changed the environment")

    -- a file that fails to load gives nil and a [failed] line
    assert(import(dir .. "/missing.lua") == nil)
    assert(last_line():find("[failed]", 1, true) or lines[#lines - 1]:find("[failed]", 1, true))
    print("PASS")
end
