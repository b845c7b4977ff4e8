/* TCP over 127.0.0.1: echo server with a forked client, connect refused, half-close,
 * EPIPE/SIGPIPE vs MSG_NOSIGNAL, non-blocking connect + poll + SO_ERROR, MSG_PEEK and
 * MSG_WAITALL, socket options, names, fstat/fcntl on a socket. */
#include "abi.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sys/socket.h>

static struct sockaddr_in lo(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

/* A listening socket on 127.0.0.1 with an ephemeral port (returned in *a). */
static int listener(struct sockaddr_in *a)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    MUST(s);
    int one = 1;
    MUST(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one));
    *a = lo(0);
    MUST(bind(s, (struct sockaddr *)a, sizeof *a));
    MUST(listen(s, 8));
    socklen_t l = sizeof *a;
    MUST(getsockname(s, (struct sockaddr *)a, &l));
    return s;
}

static int got_sigpipe;
static void on_pipe(int s)
{
    (void)s;
    got_sigpipe++;
}

static int geti(int fd, int level, int name)
{
    int v = -1;
    socklen_t l = sizeof v;
    if (getsockopt(fd, level, name, &v, &l) < 0)
        return -1000 - errno;
    return v;
}

int main(void)
{
    struct sockaddr_in a;
    char buf[256];
    int s = listener(&a);
    printf("port nonzero: %d\n", a.sin_port != 0);
    printf("SO_ACCEPTCONN listener: %d\n", geti(s, SOL_SOCKET, SO_ACCEPTCONN));
    printf("SO_TYPE: %d SO_DOMAIN: %d SO_PROTOCOL: %d\n", geti(s, SOL_SOCKET, SO_TYPE),
           geti(s, SOL_SOCKET, SO_DOMAIN), geti(s, SOL_SOCKET, SO_PROTOCOL));
    printf("SO_REUSEADDR: %d\n", geti(s, SOL_SOCKET, SO_REUSEADDR));
    struct stat st;
    MUST(fstat(s, &st));
    printf("fstat socket: %d\n", S_ISSOCK(st.st_mode));

    /* Echo: a forked client sends lines, the server echoes them back. */
    pid_t c = fork();
    if (c == 0) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
            _exit(10);
        for (int i = 0; i < 3; i++) {
            char m[32], r[32];
            int n = snprintf(m, sizeof m, "line %d", i);
            if (write(fd, m, n) != n || recv(fd, r, n, MSG_WAITALL) != n || memcmp(m, r, n))
                _exit(11 + i);
        }
        shutdown(fd, SHUT_WR);
        _exit(read(fd, buf, 1) == 0 ? 0 : 20);
    }
    struct sockaddr_in peer;
    socklen_t pl = sizeof peer;
    int conn = accept(s, (struct sockaddr *)&peer, &pl);
    MUST(conn);
    printf("accept peer len %d family %d loopback %d\n", (int)pl, peer.sin_family,
           peer.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    printf("SO_ACCEPTCONN conn: %d\n", geti(conn, SOL_SOCKET, SO_ACCEPTCONN));
    long total = 0, n;
    while ((n = read(conn, buf, sizeof buf)) > 0) {
        total += n;
        MUST(write(conn, buf, n));
    }
    printf("echoed %ld bytes, then read = %ld (EOF after SHUT_WR)\n", total, n);
    close(conn);
    wait_report("echo client", c);

    /* Half-close the other way, MSG_PEEK, MSG_WAITALL, short buffer for addresses. */
    int cl = socket(AF_INET, SOCK_STREAM, 0);
    R("connect", connect(cl, (struct sockaddr *)&a, sizeof a));
    conn = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    MUST(conn);
    printf("accept4 cloexec: %d\n", fcntl(conn, F_GETFD));
    printf("F_GETFL O_RDWR: %d\n", (fcntl(conn, F_GETFL) & O_ACCMODE) == O_RDWR);
    R("send", send(cl, "abcdef", 6, 0));
    R("recv MSG_PEEK", recv(conn, buf, 3, MSG_PEEK));
    R("recv MSG_WAITALL", recv(conn, buf, 6, MSG_WAITALL));
    printf("data: %.6s\n", buf);
    R("shutdown SHUT_WR", shutdown(conn, SHUT_WR));
    R("read EOF", read(cl, buf, sizeof buf));
    R("client can still send", send(cl, "xy", 2, 0));
    R("server still reads", recv(conn, buf, sizeof buf, 0));
    R("recv MSG_DONTWAIT nothing", recv(conn, buf, sizeof buf, MSG_DONTWAIT));
    R("shutdown bad how", shutdown(conn, 7));
    struct sockaddr_in na;
    socklen_t nl = 4;
    R("getpeername short", getpeername(cl, (struct sockaddr *)&na, &nl));
    printf("getpeername len: %d\n", (int)nl);
    nl = sizeof na;
    R("getsockname", getsockname(conn, (struct sockaddr *)&na, &nl));
    printf("local = listener: %d\n", na.sin_port == a.sin_port && na.sin_addr.s_addr == a.sin_addr.s_addr);

    /* Options. */
    int one = 1, v;
    R("TCP_NODELAY set", setsockopt(cl, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one));
    printf("TCP_NODELAY: %d\n", geti(cl, IPPROTO_TCP, TCP_NODELAY));
    R("SO_KEEPALIVE set", setsockopt(cl, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one));
    printf("SO_KEEPALIVE: %d\n", geti(cl, SOL_SOCKET, SO_KEEPALIVE));
    v = 30;
    R("TCP_KEEPIDLE set", setsockopt(cl, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof v));
    printf("TCP_KEEPIDLE: %d\n", geti(cl, IPPROTO_TCP, TCP_KEEPIDLE));
    v = 5;
    R("TCP_KEEPINTVL set", setsockopt(cl, IPPROTO_TCP, TCP_KEEPINTVL, &v, sizeof v));
    R("TCP_KEEPCNT set", setsockopt(cl, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof v));
    printf("TCP_KEEPCNT: %d\n", geti(cl, IPPROTO_TCP, TCP_KEEPCNT));
    v = 0x10;
    R("IP_TOS set", setsockopt(cl, IPPROTO_IP, IP_TOS, &v, sizeof v));
    printf("IP_TOS: %d\n", geti(cl, IPPROTO_IP, IP_TOS));
    v = 65536;
    R("SO_RCVBUF set", setsockopt(cl, SOL_SOCKET, SO_RCVBUF, &v, sizeof v));
    printf("SO_RCVBUF doubled: %d\n", geti(cl, SOL_SOCKET, SO_RCVBUF) == 2 * 65536);
    struct linger lg = {1, 5};
    R("SO_LINGER set", setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof lg));
    socklen_t ll = sizeof lg;
    memset(&lg, 0, sizeof lg);
    R("SO_LINGER get", getsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, &ll));
    printf("linger %d %d len %d\n", lg.l_onoff, lg.l_linger, (int)ll);
    struct tcp_info ti;
    socklen_t tl = sizeof ti;
    R("TCP_INFO", getsockopt(cl, IPPROTO_TCP, TCP_INFO, &ti, &tl));
    printf("tcpi_state established: %d\n", ti.tcpi_state == 1);
    printf("SO_ERROR: %d\n", geti(cl, SOL_SOCKET, SO_ERROR));
    printf("unknown option: %d\n", geti(cl, SOL_SOCKET, 9999));
    socklen_t bad = (socklen_t)-1;
    R("getsockopt negative len", getsockopt(cl, SOL_SOCKET, SO_TYPE, &v, &bad));
    R("getsockopt on a pipe", getsockopt(0, SOL_SOCKET, SO_TYPE, &v, &tl));
    struct timeval tv = {0, 200000};
    R("SO_RCVTIMEO set", setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    R("recv with SO_RCVTIMEO", recv(conn, buf, sizeof buf, 0));

    /* EPIPE: the peer is gone (after RST); SIGPIPE unless MSG_NOSIGNAL. */
    close(conn);
    signal(SIGPIPE, on_pipe);
    usleep(50000);
    int e1 = 0, e2 = 0;
    for (int i = 0; i < 50 && !e1; i++) {
        if (send(cl, buf, 100, MSG_NOSIGNAL) < 0)
            e1 = errno;
        usleep(10000);
    }
    printf("send MSG_NOSIGNAL to a closed peer: %s, sigpipe %d\n", errname(e1), got_sigpipe);
    if (send(cl, buf, 100, 0) < 0)
        e2 = errno;
    printf("send again: %s, sigpipe %d\n", errname(e2), got_sigpipe);
    errno = 0;
    long w = write(cl, buf, 10);
    printf("write: %ld %s, sigpipe %d\n", w, errname(errno), got_sigpipe);
    close(cl);

    /* Connect refused: a bound port nobody listens on. */
    int t = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in rf = lo(0);
    MUST(bind(t, (struct sockaddr *)&rf, sizeof rf));
    socklen_t rl = sizeof rf;
    MUST(getsockname(t, (struct sockaddr *)&rf, &rl));
    int u = socket(AF_INET, SOCK_STREAM, 0);
    R("connect refused", connect(u, (struct sockaddr *)&rf, sizeof rf));
    close(u);

    /* Non-blocking connect: EINPROGRESS (or 0 at once), then poll and SO_ERROR. */
    u = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    printf("SOCK_NONBLOCK: %d\n", (fcntl(u, F_GETFL) & O_NONBLOCK) != 0);
    int r = connect(u, (struct sockaddr *)&rf, sizeof rf);
    printf("nonblocking connect refused: %s\n", r == 0 ? "0" : errname(errno));
    struct pollfd p = {u, POLLOUT, 0};
    R("poll", poll(&p, 1, 2000));
    printf("revents has POLLOUT %d POLLERR %d POLLHUP %d\n", !!(p.revents & POLLOUT),
           !!(p.revents & POLLERR), !!(p.revents & POLLHUP));
    printf("SO_ERROR: %s\n", errname(geti(u, SOL_SOCKET, SO_ERROR)));
    printf("SO_ERROR again: %d\n", geti(u, SOL_SOCKET, SO_ERROR));
    close(u);
    close(t);
    u = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    r = connect(u, (struct sockaddr *)&a, sizeof a);
    printf("nonblocking connect: %s\n", r == 0 ? "0" : errname(errno));
    p.fd = u;
    R("poll", poll(&p, 1, 2000));
    printf("POLLOUT %d SO_ERROR %d\n", !!(p.revents & POLLOUT), geti(u, SOL_SOCKET, SO_ERROR));
    R("connect again", connect(u, (struct sockaddr *)&a, sizeof a));
    R("accept4 nonblock", (conn = accept4(s, NULL, NULL, SOCK_NONBLOCK)) >= 0);
    printf("accepted O_NONBLOCK: %d\n", (fcntl(conn, F_GETFL) & O_NONBLOCK) != 0);
    R("recv nonblocking", recv(conn, buf, 1, 0));
    close(conn);
    close(u);
    int ns = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    MUST(listen(ns, 1));
    R("accept nothing (nonblocking)", accept(ns, NULL, NULL));
    R("accept4 bad flags", accept4(s, NULL, NULL, 0x1234));
    close(ns);

    /* Errors of the calls themselves. */
    R("socket bad flags", socket(AF_INET, SOCK_STREAM | 0x100, 0));
    R("socket bad protocol", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
    R("bind on a pipe", bind(1, (struct sockaddr *)&a, sizeof a));
    R("bind bad fd", bind(99, (struct sockaddr *)&a, sizeof a));
    u = socket(AF_INET, SOCK_STREAM, 0);
    R("bind short", bind(u, (struct sockaddr *)&a, 4));
    R("bind in use", bind(u, (struct sockaddr *)&a, sizeof a));
    R("listen unconnected then accept on non-listener", accept(u, NULL, NULL));
    R("getpeername unconnected", getpeername(u, (struct sockaddr *)&na, &nl));
    R("send unconnected", send(u, "x", 1, MSG_NOSIGNAL));
    R("recv unconnected", recv(u, buf, 1, 0));
    close(u);
    close(s);
    return 0;
}
