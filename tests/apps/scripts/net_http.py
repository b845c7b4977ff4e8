# A python3 http.server and a urllib client in one process over 127.0.0.1 (threads), then
# asyncio streams server and client: sockets, accept, select/poll and epoll underneath.
import asyncio
import http.server
import threading
import urllib.request


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello " + self.path).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
threading.Thread(target=srv.serve_forever, daemon=True).start()
port = srv.server_address[1]
for path in ("/a", "/b/c", "/d?e=f"):
    with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path)) as r:
        print(r.status, r.read().decode())
srv.shutdown()
srv.server_close()


async def main():
    async def handle(reader, writer):
        line = await reader.readline()
        writer.write(line.upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    p = server.sockets[0].getsockname()[1]
    for word in (b"one\n", b"two\n"):
        reader, writer = await asyncio.open_connection("127.0.0.1", p)
        writer.write(word)
        await writer.drain()
        print((await reader.readline()).decode().strip(), await reader.read() == b"")
        writer.close()
    server.close()
    await server.wait_closed()


asyncio.run(main())
