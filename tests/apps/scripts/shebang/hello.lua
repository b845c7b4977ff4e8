#!/usr/bin/lua5.4
print("hello from " .. _VERSION)
for i = 1, #arg do io.write("arg[", i, "]=", arg[i], "\n") end
print("script basename", (arg[0]:match("[^/]+$")))
