/*
 * control.c - the direct backend's control channel (pal_control_*): the listening Unix
 * socket `alcove start` made in the instance's run directory (passed as --control-fd).
 *
 * Wire format (the CLI's side is tools/alcove/lifecycle.c):
 *   client -> enclave: an 8-byte header "ALCV" + u32 little-endian length, sent with an
 *     SCM_RIGHTS message of 0 or 3 file descriptors (the client's stdin, stdout, stderr),
 *     then length bytes of request (parsed by the core, libos/proc/init.c);
 *   enclave -> client: lines "ok", "started PID HOSTPID", "exit STATUS", "error ERRNO".
 * A client is accepted only if SO_PEERCRED says it runs as our user; a client that stalls
 * mid-request is dropped after 5 seconds (SO_RCVTIMEO), so init never hangs on one.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"

#define SOL_SOCKET 1
#define SO_PEERCRED 17
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SCM_RIGHTS 1
#define MSG_NOSIGNAL 0x4000
#define MSG_DONTWAIT 0x40
#define MSG_CMSG_CLOEXEC 0x40000000
#define O_CLOEXEC 02000000

struct host_iovec {
    void *base;
    size_t len;
};
struct host_msghdr {
    void *name;
    uint32_t namelen;
    struct host_iovec *iov;
    size_t iovlen;
    void *control;
    size_t controllen;
    int flags;
};
struct host_cmsghdr {
    size_t len;
    int level, type;
};

static long read_full(long fd, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        long r = HSYS3(__NR_read, fd, (char *)buf + done, n - done);
        if (r == -EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? r : -EPIPE;
        done += (size_t)r;
    }
    return (long)done;
}

int pal_control_next(pal_handle_t ctl, char *buf, size_t size, struct pal_control_req *req)
{
    struct pal_pollfd pf = {ctl, 1 /* POLLIN */, 0, 0};
    int r = pal_poll(&pf, 1, -1);
    if (r < 0)
        return r;
    if (r == 0)
        return -EAGAIN;
    long c = HSYS4(__NR_accept4, ctl, 0, 0, O_CLOEXEC);
    if (c < 0)
        return c == -EINTR ? -EINTR : -EAGAIN;
    struct {
        int pid, uid, gid;
    } cred;
    uint32_t clen = sizeof(cred);
    struct {
        int64_t sec, usec;
    } tv = {5, 0};
    HSYS5(__NR_setsockopt, c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    HSYS5(__NR_setsockopt, c, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (HSYS5(__NR_getsockopt, c, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
        cred.uid != (int)HSYS0(__NR_getuid))
        goto drop;

    uint8_t hdr[8];
    union {
        struct host_cmsghdr h;
        char b[sizeof(struct host_cmsghdr) + 8 * sizeof(int)];
    } cm;
    struct host_iovec iov = {hdr, sizeof(hdr)};
    struct host_msghdr msg = {0, 0, &iov, 1, &cm, sizeof(cm), 0};
    long n = HSYS3(__NR_recvmsg, c, &msg, MSG_CMSG_CLOEXEC);
    int fds[8], nfds = 0;
    if (n > 0 && msg.controllen >= sizeof(struct host_cmsghdr) && cm.h.level == SOL_SOCKET &&
        cm.h.type == SCM_RIGHTS && cm.h.len >= sizeof(struct host_cmsghdr) &&
        cm.h.len <= sizeof(cm)) {
        nfds = (int)((cm.h.len - sizeof(struct host_cmsghdr)) / sizeof(int));
        al_memcpy(fds, cm.b + sizeof(struct host_cmsghdr), (size_t)nfds * sizeof(int));
    }
    req->stdio[0] = req->stdio[1] = req->stdio[2] = PAL_HANDLE_NONE;
    if (nfds == 3)
        for (int i = 0; i < 3; i++)
            req->stdio[i] = fds[i];
    else
        for (int i = 0; i < nfds; i++)
            HSYS1(__NR_close, fds[i]);
    if (n > 0 && n < (long)sizeof(hdr) && read_full(c, hdr + n, sizeof(hdr) - (size_t)n) < 0)
        n = -1;
    uint32_t len = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 |
                   (uint32_t)hdr[7] << 24;
    if (n <= 0 || al_memcmp(hdr, "ALCV", 4) != 0 || len > size || len > PAL_CONTROL_MAX ||
        (len && read_full(c, buf, len) < 0)) {
        for (int i = 0; i < 3; i++)
            if (req->stdio[i] != PAL_HANDLE_NONE)
                HSYS1(__NR_close, req->stdio[i]);
        goto drop;
    }
    req->conn = c;
    req->len = len;
    return 0;
drop:
    HSYS1(__NR_close, c);
    return -EAGAIN;
}

int pal_control_reply(pal_handle_t conn, int kind, int64_t value)
{
    char line[96];
    int n;
    switch (kind) {
    case PAL_CONTROL_OK:
        n = al_snprintf(line, sizeof(line), "ok\n");
        break;
    case PAL_CONTROL_STARTED:
        n = al_snprintf(line, sizeof(line), "started %ld %ld\n", (long)value,
                        HSYS0(__NR_getpid));
        break;
    case PAL_CONTROL_EXITED:
        n = al_snprintf(line, sizeof(line), "exit %ld\n", (long)value);
        break;
    case PAL_CONTROL_ERROR:
        n = al_snprintf(line, sizeof(line), "error %ld\n", (long)-value);
        break;
    default:
        return -EINVAL;
    }
    long r = HSYS6(__NR_sendto, conn, line, n, MSG_NOSIGNAL | MSG_DONTWAIT, 0, 0);
    return r < 0 ? (int)host_ret(r) : 0;
}
