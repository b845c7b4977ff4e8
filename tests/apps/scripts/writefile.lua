local dir = arg[1] .. "/out"
local p = dir .. "/lua.txt"
local f = assert(io.open(p, "w"))
for i = 1, 20 do f:write(string.format("line %02d %s\n", i, string.rep("x", i))) end
f:close()
f = assert(io.open(p, "a")); f:write("appended\n"); f:close()
local r = assert(io.open(p, "r"))
local data = r:read("a"); r:close()
print(#data, select(2, data:gsub("\n", "")))
print(assert(os.rename(p, dir .. "/renamed.txt")))
print(io.open(p, "r") == nil)
local tmp = dir .. "/gone.txt"
assert(io.open(tmp, "w")):close()
print(os.remove(tmp), io.open(tmp) == nil)
print(select(2, os.remove(dir .. "/missing")) ~= nil)
