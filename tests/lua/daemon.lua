-- daemon(nochdir, noclose): arg[1] = a file the background copy writes.
function main()
    print("before daemon")
    local code, err = daemon(arg[2] == "nochdir" and 1 or 0, 0)
    local f = assert(io.open(arg[1], "w"))
    local cwd = io.popen("pwd"):read("l")
    f:write(string.format("code=%s err=%s cwd=%s\n", tostring(code), tostring(err), cwd))
    f:close()
end
