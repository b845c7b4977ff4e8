/* AF_UNIX SOCK_STREAM by path name: bind/listen/connect/accept, names and their lengths,
 * errors (ENOENT, ECONNREFUSED, EADDRINUSE, EINVAL, EISCONN, ENOTCONN, EPIPE vs
 * MSG_NOSIGNAL), options, backlog, non-blocking accept/connect, poll, unlink, and a
 * listener shared across fork. */
#include "abi.h"
#include <poll.h>
#include <stddef.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>

static socklen_t mkaddr(struct sockaddr_un *a, const char *path)
{
    memset(a, 0, sizeof(*a));
    a->sun_family = AF_UNIX;
    strcpy(a->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static void show_name(const char *label, int fd, int peer)
{
    struct sockaddr_un a;
    memset(&a, 0x55, sizeof(a));
    socklen_t len = sizeof(a);
    int r = peer ? getpeername(fd, (struct sockaddr *)&a, &len)
                 : getsockname(fd, (struct sockaddr *)&a, &len);
    if (r < 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return;
    }
    printf("%s: len %d family %d path '%s'\n", label, (int)len, a.sun_family,
           len > 2 ? a.sun_path : "");
}

static int sigpipes;
static void on_pipe(int s)
{
    (void)s;
    sigpipes++;
}

int main(void)
{
    struct sockaddr_un a, b;
    socklen_t al = mkaddr(&a, "srv.sock");
    char buf[64];
    struct stat st;

    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    OK("socket", l);
    show_name("unbound name", l, 0);
    show_name("unbound peer", l, 1);
    R("listen unbound", listen(l, 5));
    R("bind short len", bind(l, (struct sockaddr *)&a, 1));
    struct sockaddr_un bad = a;
    bad.sun_family = AF_INET;
    R("bind wrong family", bind(l, (struct sockaddr *)&bad, al));
    R("bind too long", bind(l, (struct sockaddr *)&a, sizeof(a) + 1));
    R("bind missing dir", bind(l, (struct sockaddr *)&b, mkaddr(&b, "nodir/x.sock")));
    R("bind", bind(l, (struct sockaddr *)&a, al));
    show_name("bound name", l, 0);
    R("stat sock", stat("srv.sock", &st));
    printf("type: %s\n", ftype(st.st_mode));
    R("bind again (bound)", bind(l, (struct sockaddr *)&b, mkaddr(&b, "other.sock")));
    R("other.sock left", access("other.sock", F_OK));
    R("bind bound to existing", bind(l, (struct sockaddr *)&a, al));
    int l2 = socket(AF_UNIX, SOCK_STREAM, 0);
    R("bind in use", bind(l2, (struct sockaddr *)&a, al));
    put_file("plain", "x");
    R("bind over a file", bind(l2, (struct sockaddr *)&b, mkaddr(&b, "plain")));

    int c = socket(AF_UNIX, SOCK_STREAM, 0);
    R("connect missing", connect(c, (struct sockaddr *)&b, mkaddr(&b, "missing.sock")));
    R("connect to a file", connect(c, (struct sockaddr *)&b, mkaddr(&b, "plain")));
    R("connect not listening", connect(c, (struct sockaddr *)&a, al));
    R("send unconnected", send(c, "x", 1, MSG_NOSIGNAL));
    R("recv unconnected", recv(c, buf, 1, MSG_DONTWAIT));
    struct pollfd pf = {c, POLLIN | POLLOUT, 0};
    R("poll unconnected", poll(&pf, 1, 0));
    printf("revents 0x%x\n", pf.revents);

    R("listen", listen(l, 5));
    int v = -1;
    socklen_t vl = sizeof(v);
    R("SO_ACCEPTCONN", getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
    printf("acceptconn %d\n", v);
    R("SO_TYPE", getsockopt(l, SOL_SOCKET, SO_TYPE, &v, &vl));
    printf("type %d\n", v);
    R("SO_DOMAIN", getsockopt(l, SOL_SOCKET, SO_DOMAIN, &v, &vl));
    printf("domain %d\n", v);
    R("listen again", listen(l, 3));
    R("accept DGRAM", accept(socket(AF_UNIX, SOCK_DGRAM, 0), NULL, NULL));
    R("listen DGRAM", listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1));
    R("accept unlistened", accept(c, NULL, NULL));
    fcntl(l, F_SETFL, O_NONBLOCK);
    R("accept nonblock empty", accept(l, NULL, NULL));
    pf = (struct pollfd){l, POLLIN | POLLOUT, 0};
    R("poll listener empty", poll(&pf, 1, 0));

    R("connect", connect(c, (struct sockaddr *)&a, al));
    R("connect again", connect(c, (struct sockaddr *)&a, al));
    R("connect again missing", connect(c, (struct sockaddr *)&b, mkaddr(&b, "missing.sock")));
    pf = (struct pollfd){l, POLLIN | POLLOUT, 0};
    R("poll listener ready", poll(&pf, 1, 0));
    printf("revents 0x%x\n", pf.revents);
    struct sockaddr_un from;
    socklen_t fl = sizeof(from);
    memset(&from, 0x55, sizeof(from));
    int s = accept4(l, (struct sockaddr *)&from, &fl, SOCK_CLOEXEC);
    OK("accept4", s);
    printf("accepted from len %d family %d\n", (int)fl, from.sun_family);
    printf("cloexec %d\n", fcntl(s, F_GETFD));
    show_name("client name", c, 0);
    show_name("client peer", c, 1);
    show_name("server name", s, 0);
    show_name("server peer", s, 1);
    struct ucred cr;
    socklen_t cl = sizeof(cr);
    R("SO_PEERCRED client", getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl));
    printf("peercred len %d pid ok %d uid ok %d gid ok %d\n", (int)cl, cr.pid == getpid(),
           cr.uid == geteuid(), cr.gid == getegid());
    R("SO_PEERCRED server", getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl));
    printf("peercred pid ok %d uid ok %d\n", cr.pid == getpid(), cr.uid == geteuid());
    R("SO_ACCEPTCONN accepted", getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl));
    printf("acceptconn %d\n", v);

    R("send", send(c, "hello", 5, 0));
    R("send 2", write(c, " world", 6));
    memset(buf, 0, sizeof(buf));
    R("recv MSG_PEEK", recv(s, buf, 3, MSG_PEEK));
    R("recv", recv(s, buf, sizeof(buf), 0));
    printf("data '%s'\n", buf);
    R("recv DONTWAIT", recv(s, buf, sizeof(buf), MSG_DONTWAIT));
    pid_t k = fork();
    if (k == 0) {
        usleep(100000);
        MUST(send(s, "abc", 3, 0));
        usleep(50000);
        MUST(send(s, "def", 3, 0));
        _exit(0);
    }
    memset(buf, 0, sizeof(buf));
    R("recv MSG_WAITALL", recv(c, buf, 6, MSG_WAITALL));
    printf("data '%s'\n", buf);
    wait_report("writer", k);

    R("shutdown SHUT_WR", shutdown(c, SHUT_WR));
    R("recv EOF", recv(s, buf, sizeof(buf), 0));
    pf = (struct pollfd){s, POLLIN | POLLOUT | POLLRDHUP, 0};
    R("poll after peer SHUT_WR", poll(&pf, 1, 0));
    printf("revents 0x%x\n", pf.revents);
    signal(SIGPIPE, on_pipe);
    R("send after SHUT_WR", send(c, "x", 1, 0));
    R("send MSG_NOSIGNAL", send(c, "x", 1, MSG_NOSIGNAL));
    R("write after SHUT_WR", write(c, "x", 1));
    printf("sigpipes %d\n", sigpipes);
    close(s);
    pf = (struct pollfd){c, POLLIN | POLLOUT | POLLRDHUP, 0};
    R("poll after peer close", poll(&pf, 1, 0));
    printf("revents 0x%x\n", pf.revents);
    show_name("client peer after close", c, 1);
    close(c);

    /* backlog: listen(0) queues one connection; a non-blocking connect then fails */
    R("listen 0", listen(l, 0));
    int c1 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int c2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int c3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    R("connect 1", connect(c1, (struct sockaddr *)&a, al));
    R("connect 2", connect(c2, (struct sockaddr *)&a, al));
    R("connect 3", connect(c3, (struct sockaddr *)&a, al));
    R("send before accept", send(c1, "early", 5, 0));
    s = accept(l, NULL, NULL);
    OK("accept 1", s);
    memset(buf, 0, sizeof(buf));
    R("recv early", recv(s, buf, sizeof(buf), 0));
    printf("data '%s'\n", buf);
    close(s);
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN}, out;
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev));
    R("epoll listener", epoll_wait(ep, &out, 1, 0));
    s = accept(l, NULL, NULL);
    OK("accept 2", s);
    R("epoll listener drained", epoll_wait(ep, &out, 1, 0));
    close(s);
    close(ep);
    close(c1), close(c2), close(c3);

    /* a queued connection whose listener closes */
    int l3 = socket(AF_UNIX, SOCK_STREAM, 0);
    MUST(bind(l3, (struct sockaddr *)&b, mkaddr(&b, "gone.sock")));
    MUST(listen(l3, 1));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    MUST(connect(c, (struct sockaddr *)&b, mkaddr(&b, "gone.sock")));
    close(l3);
    R("recv queued, listener gone", recv(c, buf, sizeof(buf), 0));
    R("send queued, listener gone", send(c, "x", 1, MSG_NOSIGNAL));
    close(c);
    R("connect closed listener", connect(socket(AF_UNIX, SOCK_STREAM, 0),
                                         (struct sockaddr *)&b, mkaddr(&b, "gone.sock")));
    R("unlink gone.sock", unlink("gone.sock"));

    /* a listener shared across fork: two children accept, the parent connects */
    fcntl(l, F_SETFL, 0);
    MUST(listen(l, 8));
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            int x = accept(l, NULL, NULL);
            if (x < 0)
                _exit(10);
            char m[8] = {0};
            if (read(x, m, 4) != 4)
                _exit(11);
            m[0] = (char)(m[0] - 'a' + 'A');
            if (write(x, m, 4) != 4)
                _exit(12);
            close(x);
            _exit(0);
        }
    }
    int cc[2];
    for (int i = 0; i < 2; i++) {
        cc[i] = socket(AF_UNIX, SOCK_STREAM, 0);
        MUST(connect(cc[i], (struct sockaddr *)&a, al));
        MUST(write(cc[i], i ? "bbbb" : "aaaa", 4));
    }
    for (int i = 0; i < 2; i++) {
        memset(buf, 0, sizeof(buf));
        R("shared reply", read(cc[i], buf, sizeof(buf)));
        printf("reply '%s'\n", buf);
        close(cc[i]);
    }
    int st1, st2;
    waitpid(kids[0], &st1, 0);
    waitpid(kids[1], &st2, 0);
    printf("children: %d %d\n", WEXITSTATUS(st1), WEXITSTATUS(st2));

    /* unlink takes the name away; the listener stays */
    R("unlink", unlink("srv.sock"));
    c = socket(AF_UNIX, SOCK_STREAM, 0);
    R("connect after unlink", connect(c, (struct sockaddr *)&a, al));
    show_name("listener name after unlink", l, 0);
    int l4 = socket(AF_UNIX, SOCK_STREAM, 0);
    R("bind the name again", bind(l4, (struct sockaddr *)&a, al));
    R("listen new", listen(l4, 1));
    R("connect new", connect(c, (struct sockaddr *)&a, al));
    close(l4);
    close(l);
    R("name stays after close", access("srv.sock", F_OK));
    R("unlink", unlink("srv.sock"));
    return 0;
}
