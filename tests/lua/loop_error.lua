-- loop style: an error in on_loop is printed with a traceback and the loop goes on.
n = 0
function on_loop()
    n = n + 1
    if n == 1 then error("boom in on_loop") end
    print("loop after error " .. n)
    if n == 3 then
        print("PASS")
        luna_quit_flag = true
    end
end
