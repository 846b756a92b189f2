-- loop style with its own on_quit_signal: prints READY, then loops until SIGTERM/SIGINT.
io.stdout:setvbuf("line")
print("READY")
function on_loop()
    sleep_ms(20)
end
function on_quit_signal()
    print("on_quit_signal called, get_guit_signal=" .. tostring(get_guit_signal()))
    luna_quit_flag = true
end
