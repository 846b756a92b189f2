-- loop style: no main(); luna calls on_loop(now) until luna_quit_flag is true.
-- arg[1] says how the flag is set: "env" (a plain global assignment in this
-- file) or "G" (_G.luna_quit_flag = true).

local how = arg[1] or "env"
count = 0
local last = 0

assert(type(luna_entry) == "function" and type(get_time_ms) == "function")
assert(luna_quit_flag == false, "luna_quit_flag starts as false")

function on_loop(now)
    assert(math.type(now) == "integer" and now >= last, "on_loop gets the time")
    last = now
    count = count + 1
    print("loop " .. count)
    sleep_ms(5)
    if count == 3 then
        if how == "G" then
            _G.luna_quit_flag = true
        else
            luna_quit_flag = true
        end
        print("PASS")
    end
    assert(count <= 3, "on_loop ran after luna_quit_flag was set")
end
