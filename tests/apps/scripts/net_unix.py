# A client and a server in two processes of one enclave over Unix sockets: a path-named
# stream socket (fork), an abstract-name seqpacket socket, SCM_RIGHTS passing a pipe's end,
# SO_PEERCRED, and asyncio's Unix streams.  Output is the same natively.
import array
import asyncio
import os
import socket
import sys
import tempfile

d = os.path.join(sys.argv[1], "unix") if len(sys.argv) > 1 else tempfile.mkdtemp()
os.makedirs(d, exist_ok=True)
path = os.path.join(d, "srv.sock")

# 1. stream server in a child process, named by a path
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(4)
print("socket file:", os.path.exists(path), oct(os.stat(path).st_mode)[:4])
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    for _ in range(3):
        c, _ = srv.accept()
        data = b""
        while not data.endswith(b"\n"):
            chunk = c.recv(5)
            if not chunk:
                break
            data += chunk
        c.sendall(data.upper())
        c.close()
    os._exit(0)
srv.close()
for word in ("alpha", "beta", "gamma" * 1000):
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.connect(path)
    c.sendall(word.encode() + b"\n")
    c.shutdown(socket.SHUT_WR)
    got = b""
    while True:
        chunk = c.recv(65536)
        if not chunk:
            break
        got += chunk
    print("stream reply:", len(got), got[:12])
    c.close()
_, st = os.waitpid(pid, 0)
print("server exit:", os.waitstatus_to_exitcode(st))

# 2. seqpacket on an abstract name: message boundaries kept, peer credentials
name = b"\0alcove-test-%d" % os.getpid()
sp = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
sp.bind(name)
sp.listen(1)
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    c = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c.connect(name)
    for m in (b"one", b"two-two", b""):
        c.send(m)
    os._exit(0)
a, _ = sp.accept()
cred = a.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
cpid, uid, gid = array.array("i", cred)
print("peercred pid is the child:", cpid == pid, "uid:", uid == os.getuid())
for _ in range(3):
    print("packet:", a.recv(100))
os.waitpid(pid, 0)

# 3. SCM_RIGHTS: the read end of a pipe travels to another process
l, r = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
pr, pw = os.pipe()
sys.stdout.flush()
pid = os.fork()
if pid == 0:
    msg, fds, flags, _ = socket.recv_fds(r, 100, 1)
    print("child got fds:", len(fds), msg, flush=True)
    print("child reads from the passed pipe:", os.read(fds[0], 100), flush=True)
    os._exit(0)
socket.send_fds(l, [b"here"], [pr])
os.close(pr)
os.write(pw, b"through the pipe")
os.close(pw)
os.waitpid(pid, 0)


# 4. asyncio Unix streams
async def main():
    upath = os.path.join(d, "aio.sock")

    async def handle(reader, writer):
        writer.write((await reader.readline())[::-1])
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(handle, upath)
    for w in (b"stressed\n", b"drawer\n"):
        reader, writer = await asyncio.open_unix_connection(upath)
        writer.write(w)
        await writer.drain()
        print("asyncio unix:", (await reader.read()).strip())
        writer.close()
    server.close()
    await server.wait_closed()


asyncio.run(main())
