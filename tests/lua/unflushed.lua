-- output written without a newline or a flush must still reach stdout on exit
function main()
    io.stdout:setvbuf("full")
    io.write("partial line without newline")
    io.stdout:write(" and more")
end
