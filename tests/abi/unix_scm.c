/* AF_UNIX ancillary data: SCM_RIGHTS (a pipe, a file with its shared offset, a socket,
 * an eventfd; MSG_CTRUNC; descriptors dropped when not received or never received; bad
 * control messages) and SCM_CREDENTIALS with SO_PASSCRED; abstract and autobind names;
 * unconnected datagrams with source addresses. */
#include "abi.h"
#include <stddef.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

static int send_fds(int s, const int *fds, int n, const char *data)
{
    char ctl[CMSG_SPACE(sizeof(int) * 256)];
    struct iovec io = {(void *)data, strlen(data)};
    struct msghdr m = {0};
    m.msg_iov = &io, m.msg_iovlen = 1;
    if (n) {
        memset(ctl, 0, sizeof(ctl));
        m.msg_control = ctl;
        m.msg_controllen = CMSG_SPACE(sizeof(int) * n);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * n);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    }
    return (int)sendmsg(s, &m, 0);
}

/* Receive; print bytes, flags, control length and the number of descriptors; fds out. */
static int recv_fds(const char *label, int s, int *fds, size_t room, int flags)
{
    char buf[64] = {0}, ctl[512];
    struct iovec io = {buf, sizeof(buf) - 1};
    struct msghdr m = {0};
    m.msg_iov = &io, m.msg_iovlen = 1;
    m.msg_control = room ? ctl : NULL, m.msg_controllen = room;
    long r = recvmsg(s, &m, flags);
    if (r < 0) {
        printf("%s = -1 %s\n", label, errname(errno));
        return -1;
    }
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
        printf("  cmsg level %d type %d len %d\n", c->cmsg_level, c->cmsg_type, (int)c->cmsg_len);
        if (c->cmsg_type == SCM_RIGHTS)
            for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                fds[n++] = ((int *)CMSG_DATA(c))[i];
        if (c->cmsg_type == SCM_CREDENTIALS) {
            struct ucred u;
            memcpy(&u, CMSG_DATA(c), sizeof(u));
            printf("  cred pid ok %d uid ok %d gid ok %d\n", u.pid == getpid(), u.uid == getuid(),
                   u.gid == getgid());
        }
    }
    printf("%s = %ld '%s' flags 0x%x controllen %d fds %d\n", label, r, buf, m.msg_flags,
           (int)m.msg_controllen, n);
    return n;
}

int main(void)
{
    int sv[2], p[2], fds[256];
    char buf[64];
    MUST(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    MUST(pipe(p));
    /* a pipe's read end: the receiver reads what the writer writes */
    R("send pipe", send_fds(sv[0], &p[0], 1, "P"));
    close(p[0]);
    int n = recv_fds("recv pipe", sv[1], fds, 512, 0);
    if (n == 1) {
        MUST(write(p[1], "through", 7));
        memset(buf, 0, sizeof(buf));
        R("read received pipe", read(fds[0], buf, sizeof(buf)));
        printf("data '%s'\n", buf);
        close(fds[0]);
    }
    signal(SIGPIPE, SIG_IGN);
    R("write, no reader left", write(p[1], "x", 1));
    close(p[1]);

    /* a file: the offset is shared with the received description */
    put_file("f.txt", "0123456789");
    int f = open("f.txt", O_RDONLY);
    R("send file", send_fds(sv[0], &f, 1, "F"));
    n = recv_fds("recv file", sv[1], fds, 512, MSG_CMSG_CLOEXEC);
    if (n == 1) {
        printf("cloexec %d\n", fcntl(fds[0], F_GETFD));
        MUST(read(fds[0], buf, 4));
        printf("offset seen by the sender %ld\n", (long)lseek(f, 0, SEEK_CUR));
        close(fds[0]);
    }
    close(f);

    /* three at once, room for one: MSG_CTRUNC, the others closed */
    int e = eventfd(0, 0);
    MUST(pipe(p));
    int three[3] = {e, p[0], sv[0]};
    R("send three", send_fds(sv[0], three, 3, "T"));
    close(p[0]);
    n = recv_fds("recv three, room for one", sv[1], fds, CMSG_SPACE(sizeof(int)), 0);
    if (n == 1) {
        uint64_t one = 1;
        R("eventfd write through received", write(fds[0], &one, 8));
        R("eventfd read original", read(e, &one, 8));
        close(fds[0]);
    }
    R("pipe reader dropped", write(p[1], "x", 1));
    close(p[1]);
    /* none received at all: no control buffer */
    MUST(pipe(p));
    R("send again", send_fds(sv[0], &p[0], 1, "N"));
    close(p[0]);
    recv_fds("recv without control", sv[1], fds, 0, 0);
    R("pipe reader dropped", write(p[1], "x", 1));
    close(p[1]);
    /* never received: released with the socket */
    int sv2[2];
    MUST(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv2));
    MUST(pipe(p));
    R("send in flight", send_fds(sv2[0], &p[0], 1, "D"));
    close(p[0]);
    R("in flight: reader alive", write(p[1], "x", 1));
    close(sv2[0]);
    close(sv2[1]);
    R("after close: reader gone", write(p[1], "x", 1));
    close(p[1]);

    /* stream reads stop after the bytes that carried descriptors */
    MUST(pipe(p));
    R("send ab", send(sv[0], "ab", 2, 0));
    R("send cd+fd", send_fds(sv[0], &p[0], 1, "cd"));
    R("send ef", send(sv[0], "ef", 2, 0));
    n = recv_fds("recv ab cd", sv[1], fds, 512, 0);
    if (n > 0)
        close(fds[0]);
    recv_fds("recv ef", sv[1], fds, 512, 0);
    close(p[0]), close(p[1]);

    /* errors */
    int badfd = 999;
    R("SCM_RIGHTS bad fd", send_fds(sv[0], &badfd, 1, "x"));
    for (int i = 0; i < 254; i++)
        fds[i] = 0;
    R("SCM_RIGHTS 253", send_fds(sv[0], fds, 253, "x"));
    recv_fds("recv 253 (room 512)", sv[1], fds, 512, 0);
    for (int i = 0; i < 254; i++)
        fds[i] = 0;
    R("SCM_RIGHTS 254", send_fds(sv[0], fds, 254, "x"));
    {
        char ctl[CMSG_SPACE(4)] = {0};
        struct iovec io = {"x", 1};
        struct msghdr m = {0};
        m.msg_iov = &io, m.msg_iovlen = 1, m.msg_control = ctl, m.msg_controllen = sizeof(ctl);
        struct cmsghdr *c = (struct cmsghdr *)ctl;
        c->cmsg_len = 8, c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS;
        R("cmsg_len too small", sendmsg(sv[0], &m, 0));
        c->cmsg_len = CMSG_LEN(4), c->cmsg_type = 77;
        R("unknown SCM type", sendmsg(sv[0], &m, 0));
        c->cmsg_level = 99;
        R("other level ignored", sendmsg(sv[0], &m, 0));
        R("recv it", recv(sv[1], buf, sizeof(buf), 0));
    }

    /* SCM_CREDENTIALS */
    int on = 1;
    MUST(setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
    R("send plain", send(sv[0], "c", 1, 0));
    recv_fds("recv with SO_PASSCRED", sv[1], fds, 512, 0);
    {
        char ctl[CMSG_SPACE(sizeof(struct ucred))] = {0};
        struct iovec io = {"k", 1};
        struct msghdr m = {0};
        m.msg_iov = &io, m.msg_iovlen = 1, m.msg_control = ctl, m.msg_controllen = sizeof(ctl);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(sizeof(struct ucred));
        struct ucred u = {getpid(), getuid(), getgid()};
        memcpy(CMSG_DATA(c), &u, sizeof(u));
        R("send own creds", sendmsg(sv[0], &m, 0));
        recv_fds("recv own creds", sv[1], fds, 512, 0);
        R("recv creds, small control", 0);
        MUST(send(sv[0], "s", 1, 0));
        recv_fds("recv creds, 20 bytes of room", sv[1], fds, 20, 0);
        pid_t k = fork();
        if (k == 0) {
            if (getuid() == 0 && setuid(65534) < 0)
                _exit(3);
            struct ucred v = {1, 0, 0};
            memcpy(CMSG_DATA(c), &v, sizeof(v));
            R("child claims pid 1, uid 0", sendmsg(sv[0], &m, 0));
            _exit(0);
        }
        wait_report("child", k);
    }
    close(sv[0]), close(sv[1]);

    /* abstract names, autobind, unconnected datagrams */
    struct sockaddr_un a = {AF_UNIX, ""}, got;
    memcpy(a.sun_path, "\0alcove-abi-test", 16);
    socklen_t al = offsetof(struct sockaddr_un, sun_path) + 16, gl;
    int d1 = socket(AF_UNIX, SOCK_DGRAM, 0), d2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    R("bind abstract", bind(d1, (struct sockaddr *)&a, al));
    gl = sizeof(got);
    R("getsockname abstract", getsockname(d1, (struct sockaddr *)&got, &gl));
    printf("len %d same %d\n", (int)gl, gl == al && !memcmp(&got, &a, al));
    R("bind abstract in use", bind(d2, (struct sockaddr *)&a, al));
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    R("stream bind same abstract", bind(st, (struct sockaddr *)&a, al));
    close(st);
    st = socket(AF_UNIX, SOCK_STREAM, 0);
    R("stream connect to dgram name", connect(st, (struct sockaddr *)&a, al));
    R("sendto unbound sender", sendto(d2, "u", 1, 0, (struct sockaddr *)&a, al));
    gl = sizeof(got);
    R("recvfrom", recvfrom(d1, buf, sizeof(buf), 0, (struct sockaddr *)&got, &gl));
    printf("from len %d\n", (int)gl);
    struct sockaddr_un fam = {AF_UNIX, ""};
    R("autobind", bind(d2, (struct sockaddr *)&fam, offsetof(struct sockaddr_un, sun_path)));
    gl = sizeof(got);
    R("getsockname autobind", getsockname(d2, (struct sockaddr *)&got, &gl));
    printf("len %d abstract %d\n", (int)gl, got.sun_path[0] == 0);
    R("sendto named sender", sendto(d2, "v", 1, 0, (struct sockaddr *)&a, al));
    gl = sizeof(got);
    R("recvfrom", recvfrom(d1, buf, sizeof(buf), 0, (struct sockaddr *)&got, &gl));
    printf("from len %d abstract %d\n", (int)gl, got.sun_path[0] == 0);
    R("send unconnected", send(d2, "w", 1, 0));
    struct sockaddr_un none = a;
    none.sun_path[1] = 'X';
    R("sendto missing abstract", sendto(d2, "w", 1, 0, (struct sockaddr *)&none, al));
    R("connect dgram", connect(d2, (struct sockaddr *)&a, al));
    R("send connected", send(d2, "yy", 2, 0));
    R("recv MSG_TRUNC", recv(d1, buf, 1, MSG_TRUNC));
    int d3 = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    int cnt = 0;
    while (sendto(d3, "q", 1, 0, (struct sockaddr *)&a, al) == 1 && cnt < 100)
        cnt++;
    printf("unconnected queue limit %d errno %s\n", cnt, errname(errno));
    close(d1);
    R("send to closed peer", send(d2, "z", 1, 0));
    R("send again", send(d2, "z", 1, 0));
    return 0;
}
