# A watchdog-style inotify loop through ctypes: watch a directory of argv[1]/out,
# create, modify, rename, chmod and delete files (and a subdirectory) in it, and print the
# events read back by name. Output must not contain the directory path.
import ctypes, os, select, struct, sys

libc = ctypes.CDLL("libc.so.6", use_errno=True)
IN = {0x1: "ACCESS", 0x2: "MODIFY", 0x4: "ATTRIB", 0x8: "CLOSE_WRITE", 0x10: "CLOSE_NOWRITE",
      0x20: "OPEN", 0x40: "MOVED_FROM", 0x80: "MOVED_TO", 0x100: "CREATE", 0x200: "DELETE",
      0x400: "DELETE_SELF", 0x800: "MOVE_SELF", 0x4000: "Q_OVERFLOW", 0x8000: "IGNORED",
      0x40000000: "ISDIR"}
base = os.path.join(sys.argv[1], "out")
fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
assert fd >= 0, ctypes.get_errno()
wd = libc.inotify_add_watch(fd, base.encode(), 0xfff)  # IN_ALL_EVENTS
print("watch", wd > 0)
cookies = {}

def pump(tag):
    r, _, _ = select.select([fd], [], [], 2.0)
    print(tag, "ready" if r else "timeout")
    while True:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            return
        off = 0
        while off < len(data):
            w, mask, cookie, n = struct.unpack_from("iIII", data, off)
            name = data[off + 16:off + 16 + n].rstrip(b"\0").decode()
            off += 16 + n
            names = "|".join(v for k, v in IN.items() if mask & k)
            c = ""
            if cookie:
                c = " cookie#%d" % cookies.setdefault(cookie, len(cookies) + 1)
            print("  ", "wd=%d" % (w - wd + 1), names, repr(name) + c)

p = os.path.join(base, "a.txt")
with open(p, "w") as f:
    f.write("one\n")
pump("create")
with open(p, "a") as f:
    f.write("two\n")
pump("append")
with open(p) as f:
    f.read()
pump("read")
os.rename(p, os.path.join(base, "b.txt"))
pump("rename")
os.chmod(os.path.join(base, "b.txt"), 0o600)
pump("chmod")
os.mkdir(os.path.join(base, "dir"))
os.rename(os.path.join(base, "b.txt"), os.path.join(base, "dir", "b.txt"))
pump("mkdir and move out")
os.unlink(os.path.join(base, "dir", "b.txt"))
os.rmdir(os.path.join(base, "dir"))
pump("rmdir")
libc.inotify_rm_watch(fd, wd)
pump("rm_watch")
os.close(fd)
