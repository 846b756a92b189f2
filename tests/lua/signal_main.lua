-- main style: polls luna.get_guit_signal(); the default on_quit_signal sets luna_quit_flag.
io.stdout:setvbuf("line")
function main()
    print("READY")
    local deadline = luna.get_time_ms() + 20000
    while not luna.get_guit_signal() and luna.get_time_ms() < deadline do
        luna.sleep_ms(20)
    end
    print("quit seen, luna_quit_flag=" .. tostring(luna_quit_flag))
end
