local t = {}
for i = 1, 10 do t[i] = i * i end
table.insert(t, 1, 0)
table.remove(t)
print(#t, table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local people = { {name = "carol", age = 45}, {name = "alice", age = 34}, {name = "bob", age = 27} }
table.sort(people, function(a, b) return a.name < b.name end)
for i, p in ipairs(people) do print(i, p.name, p.age) end
local counts = {}
for _, w in ipairs({"a", "b", "a", "c", "b", "a"}) do counts[w] = (counts[w] or 0) + 1 end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys)
for _, k in ipairs(keys) do io.write(k, "=", counts[k], " ") end
print()
print(table.unpack({1, 2, 3}, 2))
print(select("#", table.unpack({1, nil, 3}, 1, 3)))
local mt = setmetatable({}, {__index = function(_, k) return k .. "!" end, __len = function() return 99 end})
print(mt.hey, #mt)
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
local co = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 10) end end)
print(co(), co(), co())
print(pcall(error, {code = 5}), select(2, pcall(error, "boom", 0)))
