/*
 * socket.c - the socket system calls: socket, bind, listen, accept/accept4, connect,
 * shutdown, sendto/recvfrom, sendmsg/recvmsg, sendmmsg/recvmmsg, getsockopt/setsockopt,
 * getsockname/getpeername.
 *
 * This file moves arguments between the program and the core (addresses, message headers,
 * I/O vectors, option values, all range-checked) and hands AF_INET/AF_INET6 sockets to
 * inet.c; AF_UNIX sockets live inside the enclave (ipc/unix.c, reached through its unix_*
 * entry points).  Ancillary data on host sockets is not offered (sendmsg with a control
 * buffer gives -EOPNOTSUPP; recvmsg returns none).
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"
#include "net.h"
#include "netpriv.h"

#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_UDPLITE 136
#define OPT_MAX 256   /* largest option value passed through (struct tcp_info is ~240) */

struct msghdr_abi {
    uint64_t name;
    uint32_t namelen, _pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags, _pad1;
};
_Static_assert(sizeof(struct msghdr_abi) == 56, "struct msghdr");
struct mmsghdr_abi {
    struct msghdr_abi hdr;
    uint32_t len, _pad;
};

int sockaddr_parse(const struct sockaddr_k *a, struct net_addr *out)
{
    uint16_t fam = a->len >= 2 ? (uint16_t)(a->b[0] | a->b[1] << 8) : 0xffff;
    al_memset(out, 0, sizeof(*out));
    out->port = a->len >= 4 ? a->b[2] << 8 | a->b[3] : 0;
    /* AF_UNSPEC reads as IPv4 where Linux accepts it (bind of INADDR_ANY, UDP sendto). */
    if ((fam == AF_INET || fam == AF_UNSPEC) && a->len >= 16) {
        out->a[10] = out->a[11] = 0xff;
        al_memcpy(out->a + 12, a->b + 4, 4);
        return 1;
    }
    if (fam == AF_INET6 && a->len >= 24) {
        al_memcpy(out->a, a->b + 8, 16);
        return 1;
    }
    return 0;
}

/* A socket address from the program: 0, -EINVAL (bad length) or -EFAULT. */
static long addr_in(struct sockaddr_k *a, uint64_t uaddr, long len)
{
    if (len < 0 || len > SOCKADDR_MAX)
        return -EINVAL;
    al_memset(a, 0, sizeof(*a));
    a->len = (uint32_t)len;
    return len ? copy_from_user(a->b, uaddr, (size_t)len) : 0;
}

/* Return an address as Linux's move_addr_to_user: at most *ulen bytes (the host's length
 * clamped to our buffer), then the full length in *ulen.  0, -EFAULT or -EINVAL. */
static long addr_out(const struct sockaddr_k *a, uint64_t uaddr, uint64_t ulen)
{
    int len, klen = (int)MIN(a->len, (uint32_t)SOCKADDR_MAX);
    if (!ulen)
        return 0;
    if (copy_from_user(&len, ulen, sizeof(len)))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    if (len > klen)
        len = klen;
    if (len && uaddr && copy_to_user(uaddr, a->b, (size_t)len))
        return -EFAULT;
    return copy_to_user(ulen, &klen, sizeof(klen));
}

/* fd's socket in *out: 1 for an inet socket, 0 for an AF_UNIX one (the caller defers
 * to ipc/unix.c), or -EBADF / -ENOTSOCK. */
static int sock_lookup(long fd, struct file **out)
{
    struct file *f = fd_get((int)fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    *out = f;
    if (inet_is(f))
        return 1;
    return unix_sock_is(f) ? 0 : -ENOTSOCK;
}

/* f's kind: 1 inet, 0 AF_UNIX, -ENOTSOCK (f looked up already: io_uring's files). */
static int sock_kind(const struct file *f)
{
    if (f->flags & O_PATH)
        return -EBADF;
    if (inet_is(f))
        return 1;
    return unix_sock_is(f) ? 0 : -ENOTSOCK;
}

SYS(socket)
{
    int domain = (int)a0, type = (int)a1 & SOCK_TYPE_MASK, flags = (int)a1 & ~SOCK_TYPE_MASK;
    int protocol = (int)a2;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    if (domain == AF_UNIX)
        return unix_socket(a0, a1, a2, a3, a4, a5);
    if (domain != AF_INET && domain != AF_INET6) {
        /* netlink & co.: not in this enclave. */
        static int told;
        if (!told++)
            info("socket(%ld, %ld, %ld): only AF_UNIX, AF_INET and AF_INET6 sockets exist here", a0, a1,
                 a2);
        return -EAFNOSUPPORT;
    }
    if (type == SOCK_RAW)
        return -EPERM; /* raw sockets are not offered to the enclave */
    if (type != SOCK_STREAM && type != SOCK_DGRAM)
        return -ESOCKTNOSUPPORT;
    /* UDP-Lite is UDP with partial checksums: a datagram socket of the host like UDP. */
    if (protocol && protocol != (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP) &&
        !(type == SOCK_DGRAM && protocol == IPPROTO_UDPLITE))
        return -EPROTONOSUPPORT;
    pal_handle_t h;
    int r = pal_sock_open(domain, type, protocol, &h);
    if (r < 0)
        return r;
    struct file *f = inet_new(domain, type, protocol ? protocol :
                              (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP), h, flags);
    if (!f)
        return -ENOMEM;
    int fd = fd_install(f, (flags & SOCK_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYS(bind)
{
    struct file *f;
    struct sockaddr_k a;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_bind(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    long r = addr_in(&a, (uint64_t)a1, (int)a2);
    return r < 0 ? r : inet_bind(f, &a);
}

SYS(listen)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_listen(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    return inet_listen(f, (int)a1);
}

SYS(connect)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k < 0)
        return k;
    return sock_connect_file(f, (uint64_t)a1, (int)a2);
}

long sock_connect_file(struct file *f, uint64_t uaddr, int len)
{
    struct sockaddr_k a;
    int k = sock_kind(f);
    if (k == 0)
        return unix_connect_file(f, uaddr, len);
    if (k < 0)
        return k;
    long r = addr_in(&a, uaddr, len);
    if (r < 0)
        return r;
    file_get(f); /* the wait drops the lock; another thread may close fd */
    r = inet_connect(f, &a);
    file_put(f);
    return r;
}

static long do_accept(long fd, uint64_t uaddr, uint64_t ulen, int flags)
{
    struct file *f;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    int k = sock_lookup(fd, &f);
    if (k < 0)
        return k;
    return sock_accept_file(f, uaddr, ulen, flags);
}

long sock_accept_file(struct file *f, uint64_t uaddr, uint64_t ulen, int flags)
{
    struct file *nf;
    struct sockaddr_k from;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
        return -EINVAL;
    int k = sock_kind(f);
    if (k == 0)
        return unix_accept_file(f, uaddr, ulen, flags);
    if (k < 0)
        return k;
    file_get(f);
    long r = inet_accept(f, flags, &from, &nf);
    file_put(f);
    if (r < 0)
        return r;
    if (uaddr && (r = addr_out(&from, uaddr, ulen)) < 0) {
        file_put(nf); /* Linux loses the connection the same way */
        return r;
    }
    int nfd = fd_install(nf, (flags & SOCK_CLOEXEC) != 0, 0);
    if (nfd < 0)
        file_put(nf);
    return nfd;
}

SYS(accept)
{
    return do_accept(a0, (uint64_t)a1, (uint64_t)a2, 0);
}

SYS(accept4)
{
    return do_accept(a0, (uint64_t)a1, (uint64_t)a2, (int)a3);
}

SYS(shutdown)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_shutdown(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    if ((int)a1 < 0 || (int)a1 > 2)
        return -EINVAL;
    int r = pal_sock_shutdown(f->h, (int)a1);
    wake_all(); /* a poll in this enclave may be waiting on the other end */
    return r;
}

/* The end of a send: SIGPIPE for EPIPE on a stream unless MSG_NOSIGNAL. */
static long send_done(struct file *f, long r, int flags)
{
    if (r == -EPIPE && ((struct inet_sock *)f->priv)->type == SOCK_STREAM &&
        !(flags & MSG_NOSIGNAL))
        signal_send_thread(current, SIGPIPE, NULL);
    return r;
}

SYS(sendto)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_sendto(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    return sock_sendto_file(f, (uint64_t)a1, (size_t)a2, (int)a3, (uint64_t)a4, (int)a5);
}

long sock_sendto_file(struct file *f, uint64_t a1, size_t a2, int a3, uint64_t a4, int a5)
{
    int k = sock_kind(f);
    if (k < 0)
        return k;
    size_t n = (size_t)a2 > 0x7ffff000 ? 0x7ffff000 : (size_t)a2;
    if (k == 0) {
        if (!access_ok(a1, n))
            return -EFAULT;
        struct pal_iov v = {(void *)a1, n};
        return unix_sendmsg(f, a4, a4 ? (uint32_t)a5 : 0, &v, 1, 0, 0, a3);
    }
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    struct sockaddr_k a;
    if (a4) {
        long r = addr_in(&a, (uint64_t)a4, (int)a5);
        if (r < 0)
            return r;
    }
    struct pal_iov iov = {(void *)a1, n};
    file_get(f);
    long r = send_done(f, inet_send(f, &iov, 1, a4 ? &a : NULL, (int)a3), (int)a3);
    file_put(f);
    return r;
}

SYS(recvfrom)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_recvfrom(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    return sock_recvfrom_file(f, (uint64_t)a1, (size_t)a2, (int)a3, (uint64_t)a4, (uint64_t)a5);
}

long sock_recvfrom_file(struct file *f, uint64_t a1, size_t a2, int a3, uint64_t a4, uint64_t a5)
{
    int k = sock_kind(f);
    if (k < 0)
        return k;
    size_t n = (size_t)a2 > 0x7ffff000 ? 0x7ffff000 : (size_t)a2;
    if (k == 0) {
        if (!access_ok(a1, n))
            return -EFAULT;
        return unix_recvfrom_file(f, a1, n, a3, a4, a5);
    }
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    struct pal_iov iov = {(void *)a1, n};
    struct sockaddr_k from;
    int of;
    file_get(f);
    long r = inet_recv(f, &iov, 1, a4 ? &from : NULL, (int)a3, &of);
    file_put(f);
    if (r >= 0 && a4) {
        long e = addr_out(&from, (uint64_t)a4, (uint64_t)a5);
        if (e < 0)
            return e;
    }
    return r;
}

/* A message's I/O vector into core memory (kmalloc'd *out): the count, or -errno. */
static long iov_in(const struct msghdr_abi *m, struct pal_iov **out)
{
    if (m->iovlen > SOCK_IOV_MAX)
        return -EMSGSIZE;
    size_t n = (size_t)m->iovlen;
    struct pal_iov *v = kmalloc(sizeof(*v) * (n ? n : 1));
    if (!v)
        return -ENOMEM;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        struct linux_iovec u;
        if (copy_from_user(&u, m->iov + i * sizeof(u), sizeof(u))) {
            kfree(v);
            return -EFAULT;
        }
        if ((int64_t)u.len < 0) {
            kfree(v);
            return -EINVAL;
        }
        /* Linux caps the total at MAX_RW_COUNT by shortening, not failing. */
        if (total + u.len > 0x7ffff000)
            u.len = 0x7ffff000 - total;
        total += u.len;
        if (!access_ok(u.base, (size_t)u.len)) {
            kfree(v);
            return -EFAULT;
        }
        v[i].base = (void *)u.base;
        v[i].len = (size_t)u.len;
    }
    *out = v;
    return (long)n;
}

/* One sendmsg on an inet socket from the message header at um. */
static long send_one(struct file *f, uint64_t um, int flags)
{
    struct msghdr_abi m;
    if (copy_from_user(&m, um, sizeof(m)))
        return -EFAULT;
    if (unix_sock_is(f)) {
        struct pal_iov *iov;
        long n = iov_in(&m, &iov);
        if (n < 0)
            return n;
        long r = unix_sendmsg(f, m.name, m.name ? m.namelen : 0, iov, (int)n, m.control,
                              m.controllen, flags);
        kfree(iov);
        return r;
    }
    struct sockaddr_k a;
    if (m.name && m.namelen) {
        long r = addr_in(&a, m.name, (int)m.namelen);
        if (r < 0)
            return r;
    }
    if (m.controllen) {
        static int told;
        if (!told++)
            warn("sendmsg: ancillary data on a host socket is not supported");
        return -EOPNOTSUPP;
    }
    struct pal_iov *iov;
    long n = iov_in(&m, &iov);
    if (n < 0)
        return n;
    long r = send_done(f, inet_send(f, iov, (int)n, m.name && m.namelen ? &a : NULL, flags), flags);
    kfree(iov);
    return r;
}

/* One recvmsg into the message header at um: the byte count, or -errno. */
static long recv_one(struct file *f, uint64_t um, int flags)
{
    struct msghdr_abi m;
    if (copy_from_user(&m, um, sizeof(m)))
        return -EFAULT;
    struct pal_iov *iov;
    long n = iov_in(&m, &iov);
    if (n < 0)
        return n;
    if (unix_sock_is(f)) {
        uint32_t nl = m.namelen;
        uint64_t cl = m.controllen;
        int of = 0;
        if (m.name && (int)nl < 0)
            nl = 0;
        long r = unix_recvmsg(f, iov, (int)n, flags, m.name, &nl, m.control, &cl, &of);
        kfree(iov);
        if (r < 0)
            return r;
        if (!m.name)
            nl = 0;
        if (copy_to_user(um + offsetof(struct msghdr_abi, namelen), &nl, sizeof(nl)) ||
            copy_to_user(um + offsetof(struct msghdr_abi, controllen), &cl, sizeof(cl)) ||
            copy_to_user(um + offsetof(struct msghdr_abi, flags), &of, sizeof(of)))
            return -EFAULT;
        return r;
    }
    struct sockaddr_k from;
    int of = 0;
    long r = inet_recv(f, iov, (int)n, m.name ? &from : NULL, flags & ~MSG_CMSG_CLOEXEC, &of);
    kfree(iov);
    if (r < 0)
        return r;
    uint32_t nl = 0;
    if (m.name) {
        int len = (int)MIN(m.namelen, (uint32_t)SOCKADDR_MAX);
        nl = MIN(from.len, (uint32_t)SOCKADDR_MAX);
        if (len > (int)nl)
            len = (int)nl;
        if (len && copy_to_user(m.name, from.b, (size_t)len))
            return -EFAULT;
    }
    uint64_t zero = 0;
    /* msg_namelen, msg_controllen (no ancillary data) and msg_flags go back. */
    if (copy_to_user(um + offsetof(struct msghdr_abi, namelen), &nl, sizeof(nl)) ||
        copy_to_user(um + offsetof(struct msghdr_abi, controllen), &zero, sizeof(zero)) ||
        copy_to_user(um + offsetof(struct msghdr_abi, flags), &of, sizeof(of)))
        return -EFAULT;
    return r;
}

SYS(sendmsg)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k < 0)
        return k;
    return sock_sendmsg_file(f, (uint64_t)a1, (int)a2);
}

long sock_sendmsg_file(struct file *f, uint64_t um, int flags)
{
    int k = sock_kind(f);
    if (k < 0)
        return k;
    file_get(f);
    long r = send_one(f, um, flags);
    file_put(f);
    return r;
}

SYS(recvmsg)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k < 0)
        return k;
    return sock_recvmsg_file(f, (uint64_t)a1, (int)a2);
}

long sock_recvmsg_file(struct file *f, uint64_t um, int flags)
{
    int k = sock_kind(f);
    if (k < 0)
        return k;
    file_get(f);
    long r = recv_one(f, um, flags);
    file_put(f);
    return r;
}

/* sendmmsg(fd, vec, vlen, flags): messages sent, or the first one's error. */
SYS(sendmmsg)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k < 0)
        return k;
    unsigned vlen = (unsigned)a2 > 1024 ? 1024 : (unsigned)a2;
    long done = 0, r = 0;
    file_get(f);
    for (unsigned i = 0; i < vlen; i++) {
        uint64_t um = (uint64_t)a1 + i * sizeof(struct mmsghdr_abi);
        r = send_one(f, um, (int)a3);
        if (r < 0)
            break;
        uint32_t len = (uint32_t)r;
        if (copy_to_user(um + offsetof(struct mmsghdr_abi, len), &len, sizeof(len))) {
            r = -EFAULT;
            break;
        }
        done++;
    }
    file_put(f);
    return done ? done : r;
}

/* recvmmsg(fd, vec, vlen, flags, timeout): MSG_WAITFORONE makes every receive after the
 * first non-blocking; the timeout is looked at after each datagram, as Linux does. */
SYS(recvmmsg)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k < 0)
        return k;
    int64_t deadline = -1;
    if (a4) {
        struct linux_timespec ts;
        long e = timespec_from_user((uint64_t)a4, &ts);
        if (e < 0)
            return e;
        deadline = net_now_ns() + ts.tv_sec * 1000000000 + ts.tv_nsec;
    }
    unsigned vlen = (unsigned)a2 > 1024 ? 1024 : (unsigned)a2;
    int flags = (int)a3 & ~MSG_WAITFORONE;
    long done = 0, r = 0;
    file_get(f);
    for (unsigned i = 0; i < vlen; i++) {
        uint64_t um = (uint64_t)a1 + i * sizeof(struct mmsghdr_abi);
        r = recv_one(f, um, flags);
        if (r < 0)
            break;
        uint32_t len = (uint32_t)r;
        if (copy_to_user(um + offsetof(struct mmsghdr_abi, len), &len, sizeof(len))) {
            r = -EFAULT;
            break;
        }
        done++;
        if ((int)a3 & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
        if (deadline >= 0 && net_now_ns() >= deadline)
            break;
    }
    file_put(f);
    return done ? done : r;
}

SYS(getsockname)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_getsockname(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    struct sockaddr_k a;
    int r = inet_name(f, 0, &a);
    return r < 0 ? r : addr_out(&a, (uint64_t)a1, (uint64_t)a2);
}

SYS(getpeername)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_getpeername(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    struct sockaddr_k a;
    int r = inet_name(f, 1, &a);
    return r < 0 ? r : addr_out(&a, (uint64_t)a1, (uint64_t)a2);
}

SYS(getsockopt)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_getsockopt(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    int len;
    if (copy_from_user(&len, (uint64_t)a4, sizeof(len)))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    uint8_t val[OPT_MAX];
    al_memset(val, 0, sizeof(val));
    uint32_t n = (uint32_t)MIN(len, OPT_MAX);
    int r = inet_getopt(f, (int)a1, (int)a2, val, &n);
    if (r < 0)
        return r;
    if (n && copy_to_user((uint64_t)a3, val, n))
        return -EFAULT;
    len = (int)n;
    return copy_to_user((uint64_t)a4, &len, sizeof(len));
}

SYS(setsockopt)
{
    struct file *f;
    int k = sock_lookup(a0, &f);
    if (k == 0)
        return unix_setsockopt(a0, a1, a2, a3, a4, a5);
    if (k < 0)
        return k;
    if ((int)a4 < 0)
        return -EINVAL;
    uint8_t val[OPT_MAX];
    uint32_t n = (uint32_t)MIN((int)a4, OPT_MAX);
    if (n && copy_from_user(val, (uint64_t)a3, n))
        return -EFAULT;
    return inet_setopt(f, (int)a1, (int)a2, val, n);
}
