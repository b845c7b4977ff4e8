io.write("no newline", " ", 1, " ", 2.5, "\n")
io.stdout:write("via stdout\n")
for i = 1, 5 do io.write(string.rep("*", i), "\n") end
io.stderr:write("this goes to stderr\n")
io.write(string.format("%08.3f\n", 3.14159))
local n = 0
for line in io.lines() do n = n + 1; io.write(n, ": ", line:upper(), "\n") end
io.write("lines read: ", n, "\n")
