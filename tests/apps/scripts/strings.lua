local s = "The quick brown fox jumps over the lazy dog"
print(#s, s:upper(), s:lower())
print(s:sub(5, 9), s:sub(-3), s:rep(2, "|"):len())
print(s:find("fox"), s:find("o", 20, true), s:match("(%a+) dog"))
local words = {}
for w in s:gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, ","))
print((s:gsub("o", "0")), select(2, s:gsub("%s", "")))
print(string.format("%5d|%-6s|%.3f|%x|%q|%g", 42, "ab", math.pi, 255, "q\"t\n", 1e20))
print(string.byte("ABC", 1, 3), string.char(72, 105), ("x"):rep(0) == "")
print(s:reverse())
print(utf8.char(72, 228, 8364, 128512), utf8.len("häll€"))
print(("%s=%d"):format("k", 7), tostring(nil), tostring(1/0), math.type(3), math.type(3.0), 7 // 2, 7 % -3, 2^10)
