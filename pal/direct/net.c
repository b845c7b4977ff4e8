/*
 * net.c - the direct backend's host sockets (pal_sock_*) and its multi-handle wait
 * (pal_poll).
 *
 * Every host socket is created (or accepted) SOCK_NONBLOCK | SOCK_CLOEXEC, so no call here
 * ever blocks: the core waits in pal_poll with its lock dropped, and asynchronous signals
 * (the core's kick among them) end that wait through the blocking-syscall window.  What
 * the host returns is distrusted: errnos pass host_ret(), byte counts are checked against
 * what was asked, address lengths are reported as the host gave them for the core to
 * clamp, and only whitelisted socket options reach the host at all.
 */
#include "host.h"
#include "pal.h"
#include "al_string.h"

#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_NONBLOCK 04000
#define SOCK_CLOEXEC 02000000
#define AF_INET 2
#define AF_INET6 10

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000

#define SOL_SOCKET 1
#define IPPROTO_IP 0
#define IPPROTO_TCP 6
#define IPPROTO_IPV6 41

#define SOCK_IOV_MAX 64

struct host_msghdr {
    void *name;
    uint32_t namelen;
    struct pal_iov *iov; /* struct iovec has the same layout */
    size_t iovlen;
    void *control;
    size_t controllen;
    int flags;
};

struct host_pollfd {
    int fd;
    short events, revents;
};

_Static_assert(sizeof(struct pal_iov) == 16, "pal_iov must be laid out as struct iovec");

int pal_sock_open(int domain, int type, int protocol, pal_handle_t *out)
{
    if ((domain != AF_INET && domain != AF_INET6) || (type != SOCK_STREAM && type != SOCK_DGRAM))
        return -EAFNOSUPPORT;
    long r = host_ret(HSYS3(__NR_socket, domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol));
    if (r < 0)
        return (int)r;
    *out = r;
    return 0;
}

int pal_sock_bind(pal_handle_t h, const void *addr, uint32_t alen)
{
    return (int)host_ret(HSYS3(__NR_bind, h, addr, alen));
}

int pal_sock_listen(pal_handle_t h, int backlog)
{
    return (int)host_ret(HSYS2(__NR_listen, h, backlog));
}

int pal_sock_accept(pal_handle_t h, void *addr, uint32_t *alen, pal_handle_t *out)
{
    long r = host_ret(HSYS4(__NR_accept4, h, addr, alen, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (r < 0)
        return (int)r;
    *out = r;
    return 0;
}

int pal_sock_connect(pal_handle_t h, const void *addr, uint32_t alen)
{
    return (int)host_ret(HSYS3(__NR_connect, h, addr, alen));
}

int pal_sock_shutdown(pal_handle_t h, int how)
{
    return (int)host_ret(HSYS2(__NR_shutdown, h, how));
}

/* The total length of an I/O vector, or -1 if it is too long or overflows. */
static long iov_total(const struct pal_iov *iov, int niov)
{
    uint64_t total = 0;
    if (niov < 0 || niov > SOCK_IOV_MAX)
        return -1;
    for (int i = 0; i < niov; i++) {
        total += iov[i].len;
        if (iov[i].len > 0x7ffff000 || total > 0x7ffff000)
            return -1;
    }
    return (long)total;
}

long pal_sock_send(pal_handle_t h, const struct pal_iov *iov, int niov, const void *addr,
                   uint32_t alen, int flags)
{
    long total = iov_total(iov, niov);
    if (total < 0)
        return -EINVAL;
    struct host_msghdr m = {(void *)addr, addr ? alen : 0, (struct pal_iov *)iov, (size_t)niov,
                            0, 0, 0};
    flags &= MSG_OOB | MSG_MORE | MSG_EOR;
    long r = host_ret(HSYS3(__NR_sendmsg, h, &m, flags | MSG_DONTWAIT | MSG_NOSIGNAL));
    return r > total ? -EIO : r;
}

long pal_sock_recv(pal_handle_t h, const struct pal_iov *iov, int niov, void *addr,
                   uint32_t *alen, int flags, int *oflags)
{
    long total = iov_total(iov, niov);
    if (total < 0)
        return -EINVAL;
    struct host_msghdr m = {addr, addr ? *alen : 0, (struct pal_iov *)iov, (size_t)niov, 0, 0, 0};
    flags &= MSG_PEEK | MSG_TRUNC | MSG_OOB | MSG_WAITALL;
    long r = host_ret(HSYS3(__NR_recvmsg, h, &m, flags | MSG_DONTWAIT));
    if (r < 0)
        return r;
    /* Only MSG_TRUNC lets a datagram's real length exceed the buffers (64 KiB at most). */
    if (r > total && (!(flags & MSG_TRUNC) || r > 65536))
        return -EIO;
    if (addr)
        *alen = m.namelen;
    *oflags = m.flags & (MSG_TRUNC | MSG_CTRUNC | MSG_OOB | MSG_EOR);
    return r;
}

/*
 * The options the core may ask the host about (an allowlist: nothing that attaches code,
 * names a host device or needs a capability the enclave cannot have).
 * SOL_SOCKET: SO_REUSEADDR(2) SO_TYPE(3) SO_ERROR(4) SO_DONTROUTE(5) SO_BROADCAST(6)
 * SO_SNDBUF(7) SO_RCVBUF(8) SO_KEEPALIVE(9) SO_OOBINLINE(10) SO_PRIORITY(12) SO_LINGER(13)
 * SO_REUSEPORT(15) SO_RCVLOWAT(18) SO_SNDLOWAT(19) SO_RCVTIMEO(20) SO_SNDTIMEO(21)
 * SO_TIMESTAMP(29) SO_ACCEPTCONN(30) SO_TIMESTAMPNS(35) SO_PROTOCOL(38) SO_DOMAIN(39)
 * SO_RXQ_OVFL(40) SO_INCOMING_CPU(49).
 * IPPROTO_IP: IP_TOS(1) IP_TTL(2) IP_OPTIONS(4) IP_PKTINFO(8) IP_MTU_DISCOVER(10)
 * IP_RECVERR(11) IP_RECVTTL(12) IP_RECVTOS(13) IP_MTU(14) IP_FREEBIND(15)
 * IP_BIND_ADDRESS_NO_PORT(24) IP_MULTICAST_IF(32) IP_MULTICAST_TTL(33) IP_MULTICAST_LOOP(34)
 * IP_ADD_MEMBERSHIP(35) IP_DROP_MEMBERSHIP(36).
 * IPPROTO_TCP: TCP_NODELAY(1) TCP_MAXSEG(2) TCP_CORK(3) TCP_KEEPIDLE(4) TCP_KEEPINTVL(5)
 * TCP_KEEPCNT(6) TCP_SYNCNT(7) TCP_LINGER2(8) TCP_DEFER_ACCEPT(9) TCP_WINDOW_CLAMP(10)
 * TCP_INFO(11) TCP_QUICKACK(12) TCP_CONGESTION(13) TCP_USER_TIMEOUT(18) TCP_FASTOPEN(23)
 * TCP_NOTSENT_LOWAT(25).
 * IPPROTO_UDP: UDP_CORK(1); IPPROTO_UDPLITE: UDPLITE_SEND_CSCOV(10) UDPLITE_RECV_CSCOV(11).
 * IPPROTO_IPV6: IPV6_UNICAST_HOPS(16) IPV6_MULTICAST_IF(17) IPV6_MULTICAST_HOPS(18)
 * IPV6_MULTICAST_LOOP(19) IPV6_JOIN_GROUP(20) IPV6_LEAVE_GROUP(21) IPV6_MTU_DISCOVER(23)
 * IPV6_MTU(24) IPV6_RECVERR(25) IPV6_V6ONLY(26) IPV6_RECVPKTINFO(49) IPV6_PKTINFO(50)
 * IPV6_RECVHOPLIMIT(51) IPV6_HOPLIMIT(52) IPV6_RECVRTHDR(56) IPV6_RECVDSTOPTS(58)
 * IPV6_DONTFRAG(62) IPV6_RECVTCLASS(66) IPV6_TCLASS(67).
 */
#define IPPROTO_UDP_ 17
#define IPPROTO_UDPLITE_ 136
#define B(n) (1ull << (n))
static int opt_allowed(int level, int name)
{
    static const uint64_t sol = B(2) | B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) | B(10) |
                                B(12) | B(13) | B(15) | B(18) | B(19) | B(20) | B(21) | B(29) |
                                B(30) | B(35) | B(38) | B(39) | B(40) | B(49);
    static const uint64_t ip = B(1) | B(2) | B(4) | B(8) | B(10) | B(11) | B(12) | B(13) |
                               B(14) | B(15) | B(24) | B(32) | B(33) | B(34) | B(35) | B(36);
    static const uint64_t tcp = B(1) | B(2) | B(3) | B(4) | B(5) | B(6) | B(7) | B(8) | B(9) |
                                B(10) | B(11) | B(12) | B(13) | B(18) | B(23) | B(25);
    static const uint64_t ip6 = B(16) | B(17) | B(18) | B(19) | B(20) | B(21) | B(23) | B(24) |
                                B(25) | B(26) | B(49) | B(50) | B(51) | B(52) | B(56) | B(58) |
                                B(62);
    if (name < 0 || name >= 64)
        return level == IPPROTO_IPV6 && (name == 66 || name == 67);
    switch (level) {
    case SOL_SOCKET:
        return (sol >> name) & 1;
    case IPPROTO_IP:
        return (ip >> name) & 1;
    case IPPROTO_TCP:
        return (tcp >> name) & 1;
    case IPPROTO_UDP_:
        return name == 1;
    case IPPROTO_UDPLITE_:
        return name == 10 || name == 11;
    case IPPROTO_IPV6:
        return (ip6 >> name) & 1;
    default:
        return 0;
    }
}
#undef B

int pal_sock_getopt(pal_handle_t h, int level, int name, void *val, uint32_t *len)
{
    if (!opt_allowed(level, name))
        return -ENOPROTOOPT;
    uint32_t asked = *len;
    long r = host_ret(HSYS5(__NR_getsockopt, h, level, name, val, len));
    if (r == 0 && *len > asked)
        return -EIO;
    return (int)r;
}

int pal_sock_setopt(pal_handle_t h, int level, int name, const void *val, uint32_t len)
{
    if (!opt_allowed(level, name))
        return -ENOPROTOOPT;
    return (int)host_ret(HSYS5(__NR_setsockopt, h, level, name, val, len));
}

int pal_sock_name(pal_handle_t h, int peer, void *addr, uint32_t *alen)
{
    return (int)host_ret(HSYS3(peer ? __NR_getpeername : __NR_getsockname, h, addr, alen));
}

int pal_poll(struct pal_pollfd *fds, int n, int64_t timeout_ns)
{
    if (n < 0 || n > PAL_POLL_MAX)
        return -EINVAL;
    /* 32 KiB on the thread's core stack (512 KiB slots). */
    struct host_pollfd p[PAL_POLL_MAX];
    for (int i = 0; i < n; i++) {
        p[i].fd = fds[i].h < 0 || fds[i].h > 0x7fffffff ? -1 : (int)fds[i].h;
        p[i].events = fds[i].events;
        p[i].revents = 0;
    }
    struct host_timespec ts, *tsp = 0;
    if (timeout_ns >= 0) {
        ts.tv_sec = timeout_ns / 1000000000;
        ts.tv_nsec = timeout_ns % 1000000000;
        tsp = &ts;
    }
    long r;
    if (timeout_ns == 0) {
        r = HSYS5(__NR_ppoll, p, n, tsp, 0, 8);
    } else {
        /* Asynchronous signals (and kicks) are let in for the wait only. */
        uint64_t nomask = 0;
        r = pal_direct_blocking_syscall(__NR_ppoll, (long)p, n, (long)tsp, (long)&nomask, 8);
    }
    if (r < 0)
        return (int)host_ret(r);
    if (r > n)
        return -EIO;
    for (int i = 0; i < n; i++)
        fds[i].revents = p[i].revents;
    return (int)r;
}
