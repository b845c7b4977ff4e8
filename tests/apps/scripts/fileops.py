# Writes, renames and deletes files under the directory given as argv[1]
# and prints what it observes. Output must not contain the directory path.
import os, sys

base = os.path.join(sys.argv[1], "out")
def show(tag):
    names = sorted(os.listdir(base))
    print(tag, names)
    for n in names:
        p = os.path.join(base, n)
        if os.path.isfile(p):
            print("  ", n, os.stat(p).st_size)

show("initial")
with open(os.path.join(base, "a.txt"), "w") as f:
    f.write("first line\n")
with open(os.path.join(base, "a.txt"), "a") as f:
    f.write("second line\n")
with open(os.path.join(base, "bin.dat"), "wb") as f:
    f.write(bytes(range(256)) * 4)
show("after write")
print("read a.txt:", repr(open(os.path.join(base, "a.txt")).read()))
os.rename(os.path.join(base, "a.txt"), os.path.join(base, "b.txt"))
print("exists a.txt:", os.path.exists(os.path.join(base, "a.txt")))
print("exists b.txt:", os.path.exists(os.path.join(base, "b.txt")))
os.mkdir(os.path.join(base, "d"))
os.replace(os.path.join(base, "bin.dat"), os.path.join(base, "d", "moved.dat"))
show("after rename")
print("d:", sorted(os.listdir(os.path.join(base, "d"))), os.stat(os.path.join(base, "d", "moved.dat")).st_size)
with open(os.path.join(base, "b.txt"), "r+") as f:
    f.seek(6)
    f.write("LINE")
    f.seek(0)
    print("r+ result:", repr(f.read()))
os.truncate(os.path.join(base, "b.txt"), 5)
print("truncated size:", os.path.getsize(os.path.join(base, "b.txt")))
os.unlink(os.path.join(base, "d", "moved.dat"))
os.rmdir(os.path.join(base, "d"))
try:
    os.unlink(os.path.join(base, "nope"))
except FileNotFoundError as e:
    print("unlink missing ->", e.errno, e.strerror)
try:
    os.mkdir(os.path.join(base, "b.txt"))
except FileExistsError as e:
    print("mkdir existing ->", e.errno)
with open(os.path.join(base, "keep.txt"), "x") as f:
    f.write("kept\n")
show("final")
