/*
 * socketpair.c - socketpair(AF_UNIX): two connected local sockets inside the enclave,
 * with send/recv (sendto/recvfrom without addresses), shutdown, getsockopt/setsockopt,
 * getsockname/getpeername.
 *
 * Each socket owns a receive ring; sending appends to the peer's ring.  SOCK_STREAM
 * carries bytes; SOCK_DGRAM and SOCK_SEQPACKET carry records (a 4-byte length, then the
 * bytes), so a short read takes one record and drops the rest of it.  STREAM and
 * SEQPACKET are connection-oriented: shutdown() and close() reach the peer (EOF, EPIPE);
 * for DGRAM they do not, and sending to a closed peer fails with ECONNREFUSED once and
 * ENOTCONN after.  Waits use wait_until() (core lock dropped, so every change of state
 * calls wake_all(); the peer may go away meanwhile) and end with -ERESTARTSYS on a signal.
 *
 * Limits: no named sockets (socket()/bind()/connect() belong to the networking issue),
 * no sendmsg/recvmsg or ancillary data (SCM_RIGHTS), no MSG_OOB (-EOPNOTSUPP on send,
 * -EINVAL on recv), the largest datagram is RING_SIZE - 4 bytes (Linux: ~212 KB), and an
 * EPIPE from write() on a DGRAM/SEQPACKET socket raises SIGPIPE (file.c's do_write does it
 * for every file; Linux does not for these types).
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc.h"

#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define AF_NETLINK 16
#define AF_MAX 46
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_SEQPACKET 5
#define SOCK_MAX 10
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC
#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define SOL_SOCKET 1
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_SNDBUF 7
#define SO_RCVBUF 8
#define SO_KEEPALIVE 9
#define SO_PASSCRED 16
#define SO_PEERCRED 17
#define SO_RCVLOWAT 18
#define SO_SNDLOWAT 19
#define SO_ACCEPTCONN 30
#define SO_PROTOCOL 38
#define SO_DOMAIN 39
#define RCV_SHUTDOWN 1
#define SEND_SHUTDOWN 2
#define POLLRDHUP 0x2000
#define SIOCINQ 0x541b   /* FIONREAD */
#define SIOCOUTQ 0x5411  /* TIOCOUTQ */
#define SOCK_BUF 212992  /* what SO_SNDBUF/SO_RCVBUF report (Linux's default) */

/* One receive ring, sized so that a struct usock fits a 128 KiB heap block (heap.c). */
#define RING_SIZE (131072 - 128)

struct ring {
    size_t head, len;  /* read position, bytes stored */
    char buf[RING_SIZE];
};

struct usock {
    int type;           /* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
    int shut;           /* RCV_SHUTDOWN | SEND_SHUTDOWN */
    int err;            /* pending error (SO_ERROR), e.g. ECONNRESET */
    int passcred;       /* SO_PASSCRED, stored only */
    int refused;        /* DGRAM: the peer closed and ECONNREFUSED was reported */
    struct usock *peer; /* NULL once the peer is released */
    uint32_t uid, gid;  /* creator, for fstat and SO_PEERCRED */
    int pid;
    struct ring rx;     /* what the peer sent us (last: its buffer is never zeroed) */
};

_Static_assert(sizeof(struct usock) + 16 <= 131072, "struct usock outgrew its heap class");

static const struct file_ops sock_ops;

static int records(const struct usock *s)
{
    return s->type != SOCK_STREAM;
}

static int connected_type(const struct usock *s)
{
    return s->type != SOCK_DGRAM;
}

/* ---- ring (like pipe.c's, plus peek at an offset) ------------------------------------- */

/* Copy n bytes starting off bytes past the head out to dst (program or core memory). */
static long ring_copy_out(const struct ring *r, size_t off, void *dst, size_t n, int kbuf)
{
    size_t done = 0;
    while (done < n) {
        size_t at = (r->head + off + done) % RING_SIZE;
        size_t c = MIN(n - done, RING_SIZE - at);
        if (io_out((char *)dst + done, r->buf + at, c, kbuf))
            return -EFAULT;
        done += c;
    }
    return 0;
}

/* Append n bytes from src (program or core memory); the caller checked the room. */
static long ring_put(struct ring *r, const void *src, size_t n, int kbuf)
{
    size_t done = 0;
    while (done < n) {
        size_t tail = (r->head + r->len + done) % RING_SIZE;
        size_t c = MIN(n - done, RING_SIZE - tail);
        if (io_in(r->buf + tail, (const char *)src + done, c, kbuf))
            return -EFAULT;
        done += c;
    }
    r->len += n;
    return 0;
}

static void ring_drop(struct ring *r, size_t n)
{
    r->head = (r->head + n) % RING_SIZE;
    r->len -= n;
}

/* Length of the first record of a record ring (its header is in core memory). */
static uint32_t record_len(const struct ring *r)
{
    uint32_t l;
    IGNORE(ring_copy_out(r, 0, &l, sizeof(l), 1));
    return l;
}

/* ---- receiving --------------------------------------------------------------------------- */

/* Something for recv to return: data, a pending error, or end of file. */
static int can_recv(void *arg)
{
    struct usock *s = arg;
    return s->rx.len > 0 || s->err || (s->shut & RCV_SHUTDOWN);
}

/*
 * Receive up to n bytes into buf with MSG_* flags.  Returns the bytes received (for a
 * record with MSG_TRUNC: the record's full length), 0 at end of file, -EAGAIN,
 * -ERESTARTSYS, a pending socket error (reported once), -EINVAL for MSG_OOB or -EFAULT.
 */
static long sock_recv(struct file *f, void *buf, size_t n, int flags, int kbuf)
{
    struct usock *s = f->priv;
    int nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    size_t done = 0;
    if (flags & MSG_OOB)
        return -EINVAL;
    for (;;) {
        if (s->rx.len > 0) {
            if (records(s)) {
                uint32_t l = record_len(&s->rx);
                size_t c = MIN(n, (size_t)l);
                if (ring_copy_out(&s->rx, 4, buf, c, kbuf))
                    return -EFAULT;
                if (!(flags & MSG_PEEK)) {
                    ring_drop(&s->rx, 4 + (size_t)l);
                    wake_all(); /* room for the sender */
                }
                return (flags & MSG_TRUNC) ? (long)l : (long)c;
            }
            size_t c = MIN(n - done, s->rx.len);
            if (ring_copy_out(&s->rx, 0, (char *)buf + done, c, kbuf))
                return done ? (long)done : -EFAULT;
            if (!(flags & MSG_PEEK) && c) {
                ring_drop(&s->rx, c);
                wake_all();
            }
            done += c;
            if (done == n || !(flags & MSG_WAITALL) || (flags & MSG_PEEK))
                return (long)done;
        }
        /* MSG_WAITALL short of its goal: keep what came unless more may still come. */
        if (done && (s->err || (s->shut & RCV_SHUTDOWN) || nonblock))
            return (long)done;
        if (s->err) {
            int e = s->err;
            s->err = 0;
            return -e;
        }
        if (s->shut & RCV_SHUTDOWN)
            return 0;
        if (nonblock)
            return -EAGAIN;
        int r = wait_until(can_recv, s);
        if (r < 0)
            return done ? (long)done : r;
    }
}

/* ---- sending ----------------------------------------------------------------------------- */

struct send_wait {
    struct usock *s;
    size_t need;
};

/* Room for need bytes in the peer's ring, or a state in which sending fails at once. */
static int can_send(void *arg)
{
    struct send_wait *w = arg;
    struct usock *s = w->s, *p = s->peer;
    return !p || (s->shut & SEND_SHUTDOWN) || (p->shut & RCV_SHUTDOWN) ||
           RING_SIZE - p->rx.len >= w->need;
}

/* Why a send cannot proceed now: -EPIPE, -ECONNREFUSED, -ENOTCONN, or 0 if it can. */
static long send_state(struct usock *s)
{
    if (!s->peer) {
        if (connected_type(s))
            return -EPIPE;
        if (s->refused)
            return -ENOTCONN;
        s->refused = 1;
        return -ECONNREFUSED;
    }
    if ((s->shut & SEND_SHUTDOWN) || (s->peer->shut & RCV_SHUTDOWN))
        return -EPIPE;
    return 0;
}

/*
 * Send n bytes from buf with MSG_* flags (MSG_DONTWAIT; MSG_NOSIGNAL is the caller's
 * business).  Streams may send part and return the count; records go whole.  Returns
 * bytes sent, -EAGAIN, -ERESTARTSYS, -EPIPE, -EMSGSIZE, -ECONNREFUSED, -ENOTCONN,
 * -EOPNOTSUPP (MSG_OOB) or -EFAULT.
 */
static long sock_send(struct file *f, const void *buf, size_t n, int flags, int kbuf)
{
    struct usock *s = f->priv;
    int nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (records(s)) {
        if (s->type == SOCK_DGRAM && !s->peer)
            return send_state(s);
        if (n > RING_SIZE - 4)
            return -EMSGSIZE;
        struct send_wait w = {s, 4 + n};
        for (;;) {
            long e = send_state(s);
            if (e < 0)
                return e;
            if (can_send(&w))
                break;
            if (nonblock)
                return -EAGAIN;
            int r = wait_until(can_send, &w);
            if (r < 0)
                return r;
        }
        struct ring *rx = &s->peer->rx;
        uint32_t l = (uint32_t)n;
        size_t save = rx->len;
        if (ring_put(rx, &l, 4, 1) || ring_put(rx, buf, n, kbuf)) {
            rx->len = save;
            return -EFAULT;
        }
        wake_all(); /* a record for the peer */
        return (long)n;
    }
    size_t done = 0;
    do {
        long e = send_state(s);
        if (e < 0)
            return done ? (long)done : e;
        struct send_wait w = {s, 1};
        if (n && !can_send(&w)) {
            if (nonblock)
                return done ? (long)done : -EAGAIN;
            int r = wait_until(can_send, &w);
            if (r < 0)
                return done ? (long)done : r;
            continue;
        }
        struct ring *rx = &s->peer->rx;
        size_t c = MIN(n - done, RING_SIZE - rx->len);
        if (ring_put(rx, (const char *)buf + done, c, kbuf))
            return done ? (long)done : -EFAULT;
        done += c;
        if (c)
            wake_all(); /* data for the peer */
    } while (done < n);
    return (long)done;
}

/* ---- file operations ------------------------------------------------------------------- */

static long sock_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    if (n == 0) /* read(2) of nothing returns at once, unlike recv() */
        return 0;
    return sock_recv(f, buf, n, 0, kbuf);
}

static long sock_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    return sock_send(f, buf, n, 0, kbuf);
}

/* Linux's unix_poll/unix_dgram_poll: writable while the peer's queue is at most 1/4 full. */
static int sock_poll(struct file *f, int events)
{
    struct usock *s = f->priv;
    int r = 0;
    if (s->err)
        r |= POLLERR;
    if (s->shut == (RCV_SHUTDOWN | SEND_SHUTDOWN))
        r |= POLLHUP;
    if (s->shut & RCV_SHUTDOWN)
        r |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (s->rx.len)
        r |= POLLIN | POLLRDNORM;
    if (!s->peer || s->peer->rx.len <= RING_SIZE / 4)
        r |= POLLOUT | POLLWRNORM;
    return r & (events | POLLERR | POLLHUP);
}

static int sock_stat(struct file *f, struct pal_stat *st)
{
    struct usock *s = f->priv;
    al_memset(st, 0, sizeof(*st));
    st->mode = S_IFSOCK | 0777;
    st->nlink = 1;
    st->blksize = 4096;
    st->dev = 8; /* sockfs */
    st->ino = (uint64_t)s >> 4;
    st->uid = s->uid;
    st->gid = s->gid;
    return 0;
}

/* SIOCINQ: bytes (stream) or next record's length (records) to read; SIOCOUTQ: unread sent. */
static long sock_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    struct usock *s = f->priv;
    int v;
    if (cmd == SIOCINQ)
        v = !s->rx.len ? 0 : records(s) ? (int)record_len(&s->rx) : (int)s->rx.len;
    else if (cmd == SIOCOUTQ)
        v = s->peer ? (int)s->peer->rx.len : 0;
    else
        return -ENOTTY;
    return copy_to_user(arg, &v, sizeof(v));
}

/* Closing: a connected peer sees end of file (and ECONNRESET if we left data unread). */
static void sock_release(struct file *f)
{
    struct usock *s = f->priv;
    struct usock *p = s->peer;
    if (p) {
        if (connected_type(s)) {
            p->shut = RCV_SHUTDOWN | SEND_SHUTDOWN;
            if (s->rx.len)
                p->err = ECONNRESET;
        }
        p->peer = NULL;
    }
    kfree(s);
    wake_all(); /* EOF, EPIPE or ECONNREFUSED for the peer */
}

static const struct file_ops sock_ops = {
    .read = sock_read,
    .write = sock_write,
    .poll = sock_poll,
    .stat = sock_stat,
    .ioctl = sock_ioctl,
    .release = sock_release,
    .seekable = 0,
};

/* ---- system calls (net/socket.c dispatches here for these sockets) ---------------------- */

int unix_sock_is(const struct file *f)
{
    return f && f->ops == &sock_ops;
}

/* The socket behind fd: 0, -EBADF or -ENOTSOCK. */
static long sock_fd(long fd, struct file **out)
{
    struct file *f = fd_get((int)fd);
    if (!f || (f->flags & O_PATH))
        return -EBADF;
    if (f->ops != &sock_ops)
        return -ENOTSOCK;
    *out = f;
    return 0;
}

/* A new socket file of type, non-blocking with O_NONBLOCK in flags; NULL if out of memory. */
static struct file *sock_new(int type, int flags)
{
    struct usock *s = kmalloc(sizeof(*s));
    if (!s)
        return NULL;
    /* Zero all but the ring's buffer, so its pages are only touched when used. */
    al_memset(s, 0, offsetof(struct usock, rx) + offsetof(struct ring, buf));
    char name[32];
    al_snprintf(name, sizeof(name), "socket:[%lu]", (unsigned long)((uint64_t)s >> 4));
    struct file *f = file_alloc(&sock_ops, O_RDWR | (flags & O_NONBLOCK), name);
    if (!f) {
        kfree(s);
        return NULL;
    }
    f->priv = s;
    f->mode = S_IFSOCK;
    s->type = type;
    s->uid = current->proc->fsuid;
    s->gid = current->proc->fsgid;
    s->pid = current->proc->pid;
    return f;
}

/* The lowest free descriptor at or above from, as fd_install would pick it, or -EMFILE. */
static int free_fd(int from)
{
    uint64_t lim = current->proc->rlim[RLIMIT_NOFILE].cur;
    for (int fd = from; (uint64_t)fd < lim && fd < FD_MAX; fd++)
        if (!fd_get(fd))
            return fd;
    return -EMFILE;
}

/*
 * socketpair(domain, type, protocol, sv).  Like Linux, the two descriptor numbers are
 * chosen and stored in sv before the socket arguments are examined, so -EFAULT comes
 * before -EAFNOSUPPORT & co. (and sv is overwritten even on failure).
 */
SYS(socketpair)
{
    int family = (int)a0, type = (int)a1, protocol = (int)a2;
    int flags = type & ~SOCK_TYPE_MASK;
    if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
        return -EINVAL;
    type &= SOCK_TYPE_MASK;
    int fds[2];
    fds[0] = free_fd(0);
    if (fds[0] < 0)
        return fds[0];
    fds[1] = free_fd(fds[0] + 1);
    if (fds[1] < 0)
        return fds[1];
    if (copy_to_user((uint64_t)a3, fds, sizeof(fds)))
        return -EFAULT;
    if (family < 0 || family >= AF_MAX)
        return -EAFNOSUPPORT;
    if (type >= SOCK_MAX)
        return -EINVAL;
    if (family == AF_INET || family == AF_INET6 || family == AF_NETLINK) {
        /* These families exist but have no socketpair (their own type check first). */
        if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_RAW)
            return -ESOCKTNOSUPPORT;
        return -EOPNOTSUPP;
    }
    if (family != AF_UNIX)
        return -EAFNOSUPPORT;
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    if (type == SOCK_RAW)
        type = SOCK_DGRAM;
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    struct file *f0 = sock_new(type, flags), *f1 = sock_new(type, flags);
    if (!f0 || !f1) {
        if (f0)
            file_put(f0);
        if (f1)
            file_put(f1);
        return -ENOMEM;
    }
    struct usock *s0 = f0->priv, *s1 = f1->priv;
    s0->peer = s1;
    s1->peer = s0;
    int cloexec = (flags & SOCK_CLOEXEC) != 0;
    int d0 = fd_install(f0, cloexec, 0);
    if (d0 < 0) {
        file_put(f0);
        file_put(f1);
        return d0;
    }
    int d1 = fd_install(f1, cloexec, 0);
    if (d1 < 0) {
        IGNORE(fd_close(d0));
        file_put(f1);
        return d1;
    }
    /* Same numbers as stored above unless something odd happened; store them again then. */
    if ((d0 != fds[0] || d1 != fds[1])) {
        fds[0] = d0, fds[1] = d1;
        if (copy_to_user((uint64_t)a3, fds, sizeof(fds))) {
            IGNORE(fd_close(d0));
            IGNORE(fd_close(d1));
            return -EFAULT;
        }
    }
    return 0;
}

/*
 * A destination address on sendto.  Connected stream sockets refuse it (-EISCONN),
 * SEQPACKET ignores it, DGRAM would look it up: no named sockets exist yet, so a valid
 * AF_UNIX address names nobody (-ENOENT for a path, -ECONNREFUSED for an abstract name).
 */
static long check_dest(struct usock *s, uint64_t uaddr, long len)
{
    if (len < 0 || len > 128)
        return -EINVAL;
    unsigned char a[128];
    if (copy_from_user(a, uaddr, (size_t)len))
        return -EFAULT;
    if (s->type == SOCK_STREAM)
        return -EISCONN;
    if (s->type == SOCK_SEQPACKET)
        return 0;
    if (len <= 2 || len > 110 || (a[0] | a[1] << 8) != AF_UNIX)
        return -EINVAL;
    return a[2] ? -ENOENT : -ECONNREFUSED;
}

/*
 * Return an address of klen bytes (0, or 2 for an unnamed AF_UNIX socket: the family
 * alone) the way Linux's move_addr_to_user does: copy at most *ulen bytes to uaddr, then
 * store klen in *ulen.  0, -EFAULT, or -EINVAL for a negative *ulen.
 */
static long put_addr(uint64_t uaddr, uint64_t ulen, int klen)
{
    int len;
    uint16_t family = AF_UNIX;
    if (copy_from_user(&len, ulen, sizeof(len)))
        return -EFAULT;
    if (len > klen)
        len = klen;
    if (len < 0)
        return -EINVAL;
    if (len && copy_to_user(uaddr, &family, (size_t)len))
        return -EFAULT;
    return copy_to_user(ulen, &klen, sizeof(klen));
}

/* sendto(fd, buf, len, flags, dest, addrlen); send(2) is this with dest NULL. */
UNIX_SYS(sendto)
{
    struct file *f;
    size_t n = (size_t)a2 > 0x7ffff000 ? 0x7ffff000 : (size_t)a2;
    int flags = (int)a3;
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    if (a4) {
        r = check_dest(f->priv, (uint64_t)a4, (int)a5);
        if (r < 0)
            return r;
    }
    file_get(f); /* the send may sleep while another thread closes fd */
    r = sock_send(f, (const void *)a1, n, flags, 0);
    /* Only a stream raises SIGPIPE, and only without MSG_NOSIGNAL (file.c's write path
     * cannot be used for that reason). */
    if (r == -EPIPE && ((struct usock *)f->priv)->type == SOCK_STREAM && !(flags & MSG_NOSIGNAL))
        signal_send_thread(current, SIGPIPE, NULL);
    file_put(f);
    return r;
}

/* recvfrom(fd, buf, len, flags, src, addrlen): the peer of a socketpair has no name, so
 * *addrlen becomes 0 and nothing is written to src. */
UNIX_SYS(recvfrom)
{
    struct file *f;
    size_t n = (size_t)a2 > 0x7ffff000 ? 0x7ffff000 : (size_t)a2;
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    file_get(f); /* the receive may sleep while another thread closes fd */
    r = sock_recv(f, (void *)a1, n, (int)a3, 0);
    file_put(f);
    if (r >= 0 && a4) {
        long e = put_addr((uint64_t)a4, (uint64_t)a5, 0);
        if (e < 0)
            return e;
    }
    return r;
}

/* getsockname(fd, addr, addrlen): a socketpair socket is unnamed: just the family. */
UNIX_SYS(getsockname)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    return r < 0 ? r : put_addr((uint64_t)a1, (uint64_t)a2, 2);
}

/* getpeername(fd, addr, addrlen): the peer is unnamed too.  Like Linux, a closed stream
 * peer is still "connected" here; a DGRAM socket forgets it once a send was refused. */
UNIX_SYS(getpeername)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    if (((struct usock *)f->priv)->refused)
        return -ENOTCONN;
    return put_addr((uint64_t)a1, (uint64_t)a2, 2);
}

/* shutdown(fd, how): SHUT_RD 0, SHUT_WR 1, SHUT_RDWR 2; connected types tell the peer. */
UNIX_SYS(shutdown)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    int how = (int)a1;
    if (how < 0 || how > 2)
        return -EINVAL;
    struct usock *s = f->priv;
    int mode = how + 1; /* RCV_SHUTDOWN 1, SEND_SHUTDOWN 2 */
    s->shut |= mode;
    if (s->peer && connected_type(s))
        s->peer->shut |= ((mode & RCV_SHUTDOWN) ? SEND_SHUTDOWN : 0) |
                         ((mode & SEND_SHUTDOWN) ? RCV_SHUTDOWN : 0);
    wake_all();
    return 0;
}

/* getsockopt(fd, level, name, val, lenp): SOL_SOCKET basics; the value is truncated to
 * *lenp bytes and *lenp set to the bytes written, as Linux does. */
UNIX_SYS(getsockopt)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    if ((int)a1 != SOL_SOCKET)
        return -EOPNOTSUPP;
    int len;
    if (copy_from_user(&len, (uint64_t)a4, sizeof(len)))
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    struct usock *s = f->priv;
    int v[3] = {0, 0, 0};
    int vlen = sizeof(int);
    switch ((int)a2) {
    case SO_TYPE:
        v[0] = s->type;
        break;
    case SO_DOMAIN:
        v[0] = AF_UNIX;
        break;
    case SO_ERROR:
        v[0] = s->err;
        s->err = 0;
        break;
    case SO_PROTOCOL:
    case SO_ACCEPTCONN:
    case SO_KEEPALIVE:
        break;
    case SO_PASSCRED:
        v[0] = s->passcred;
        break;
    case SO_SNDBUF:
    case SO_RCVBUF:
        v[0] = SOCK_BUF;
        break;
    case SO_RCVLOWAT:
    case SO_SNDLOWAT:
        v[0] = 1;
        break;
    case SO_PEERCRED: /* struct ucred of the pair's creator, as Linux records it */
        v[0] = s->pid;
        v[1] = (int)s->uid;
        v[2] = (int)s->gid;
        vlen = sizeof(v);
        break;
    default:
        return -ENOPROTOOPT;
    }
    if (len > vlen)
        len = vlen;
    if (copy_to_user((uint64_t)a3, v, (size_t)len))
        return -EFAULT;
    return copy_to_user((uint64_t)a4, &len, sizeof(len));
}

/* setsockopt(fd, level, name, val, len): accepts the harmless SOL_SOCKET integer options
 * (buffer sizes, SO_PASSCRED, SO_KEEPALIVE) and ignores their values except SO_PASSCRED. */
UNIX_SYS(setsockopt)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    if ((int)a1 != SOL_SOCKET)
        return -EOPNOTSUPP;
    int v;
    if ((int)a4 < (int)sizeof(int))
        return -EINVAL;
    if (copy_from_user(&v, (uint64_t)a3, sizeof(v)))
        return -EFAULT;
    switch ((int)a2) {
    case SO_PASSCRED:
        ((struct usock *)f->priv)->passcred = v != 0;
        return 0;
    case SO_SNDBUF:
    case SO_RCVBUF:
    case SO_KEEPALIVE:
    case SO_RCVLOWAT:
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}
