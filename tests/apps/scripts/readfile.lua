local path = arg[1]
local f = assert(io.open(path, "r"))
local all = f:read("a")
f:close()
print("bytes", #all)
local n, longest = 0, ""
for line in io.lines(path) do
  n = n + 1
  if #line > #longest then longest = line end
end
print("lines", n)
print("longest", longest)
local f2 = assert(io.open(path, "r"))
print("first", f2:read("l"))
print("seek", f2:seek("set", 6), f2:read(5))
print("size", f2:seek("end"))
f2:close()
print(io.open("/nonexistent/file") == nil)
