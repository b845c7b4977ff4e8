/*
 * unix.c - AF_UNIX sockets inside the enclave: socketpair(), and socket() with bind,
 * listen, accept, connect by path name (an S_IFSOCK inode of an enclave file system),
 * abstract name (leading NUL) or autobind name; send/recv/sendmsg/recvmsg with
 * SCM_RIGHTS (open file descriptions in flight) and SCM_CREDENTIALS (enclave pids).
 *
 * Each socket owns a receive ring; sending appends to the receiver's ring.  SOCK_STREAM
 * carries bytes; SOCK_DGRAM and SOCK_SEQPACKET carry records (a 4-byte length, then the
 * bytes), so a short read takes one record and drops the rest of it.  Beside the ring a
 * queue of segments (struct seg) says who sent what: one per record, and for a stream one
 * per run of bytes from one sender with the same credentials and no descriptors (a send
 * carrying descriptors starts a segment of its own, and a read stops after it, as Linux
 * does).  A segment holds the sender's credentials, its name (datagrams) and the files in
 * flight (referenced; released with the segment if nobody receives them).
 *
 * STREAM and SEQPACKET are connection-oriented: connect() to a listener makes a new
 * socket (not in any file yet) joined to the caller and queues it on the listener, where
 * accept() takes it; shutdown() and close() reach the peer (EOF, EPIPE).  DGRAM sockets
 * send to a name or to the socket they connected to; when that one goes away the sender
 * gets ECONNREFUSED once and ENOTCONN after.  Every socket is on kernel->usocks so that a
 * socket going away clears the pointers others hold to it; waits use wait_until() (core
 * lock dropped, so every change of state calls wake_all(); a waiter that needs another
 * socket finds it again by id) and end with -ERESTARTSYS on a signal.  The sockets live
 * in the shared region, so a listener inherited across fork is accepted on by all.
 *
 * Limits: no MSG_OOB (-EOPNOTSUPP on send, -EINVAL on recv), no garbage collection of
 * descriptor cycles in flight (a socket sent over itself and closed stays allocated), no
 * SIGIO (FIOASYNC is accepted and ignored), the largest datagram is RING_SIZE - 4 bytes
 * (Linux: ~212 KB), SO_SNDBUF/SO_RCVBUF are reported but do not size the ring.
 */
#include "libos.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "ipc.h"
#include "net/net.h"

#define AF_UNSPEC 0
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
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_CMSG_CLOEXEC 0x40000000
#define SOL_SOCKET 1
#define SCM_RIGHTS 1
#define SCM_CREDENTIALS 2
#define SCM_MAX_FD 253
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
#define POLLWRBAND 0x200
#define SIOCINQ 0x541b   /* FIONREAD */
#define SIOCOUTQ 0x5411  /* TIOCOUTQ */
#define FIOASYNC 0x5452
#define SOCK_BUF 212992  /* what SO_SNDBUF/SO_RCVBUF report by default (Linux's) */
#define BUF_MAX 4194304  /* net.core.wmem_max / rmem_max of the reference host */
#define SOMAXCONN 4096
#define DGRAM_QLEN 10    /* net.unix.max_dgram_qlen */
#define UN_PATH_OFF 2    /* offsetof(struct sockaddr_un, sun_path) */
#define UN_MAX 110       /* sizeof(struct sockaddr_un) */
#define OPTMEM_MAX 131072

/* One receive ring, sized so that a struct usock fits a 128 KiB heap block (heap.c). */
#define RING_SIZE (131072 - 512)

struct ring {
    size_t head, len;  /* read position, bytes stored */
    char buf[RING_SIZE];
};

struct ucred_k {
    int pid;
    uint32_t uid, gid;
};

/* A socket name as Linux keeps it: sockaddr_un bytes (family first) and their length. */
struct uaddr {
    uint32_t len;
    uint8_t b[UN_MAX + 1];
};

/* Who sent a record or a run of stream bytes, and the descriptors that came with it. */
struct seg {
    struct seg *next;
    uint64_t start;       /* stream: position (bytes ever received) of the first byte */
    size_t len;           /* stream: bytes covered */
    struct ucred_k cred;
    struct uaddr from;    /* the sender's name (len 0: unnamed) */
    int nfds;
    struct file *fds[];   /* referenced */
};

enum { US_UNCONN, US_LISTEN, US_CONN };

struct usock {
    struct usock *next_all; /* kernel->usocks */
    uint64_t id;
    int type;           /* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET */
    int state;          /* US_*; socketpair() sockets are US_CONN */
    int shut;           /* RCV_SHUTDOWN | SEND_SHUTDOWN */
    int err;            /* pending error (SO_ERROR), e.g. ECONNRESET */
    int passcred;       /* SO_PASSCRED */
    int refused;        /* DGRAM: the peer went away and ECONNREFUSED was reported */
    int sndbuf, rcvbuf; /* SO_SNDBUF / SO_RCVBUF as reported */
    struct usock *peer; /* NULL once the peer is released */
    uint32_t uid, gid;  /* owner, for fstat */
    struct ucred_k peercred; /* SO_PEERCRED */
    struct uaddr *addr; /* bound name, NULL if none (kmalloc'd) */
    struct uaddr *gone; /* the name of a connected peer that went away (getpeername) */
    struct path path;   /* a path name's inode (referenced), dentry NULL if none */
    /* listener: connections not accepted yet */
    int backlog, qlen;
    struct usock *qhead, *qtail, *qnext;
    /* receive side */
    struct seg *segs, *segs_tail;
    int nsegs;
    uint64_t rxpos;     /* stream: bytes ever taken from the ring */
    struct ring rx;     /* what others sent us (last: its buffer is never zeroed) */
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

static struct usock *usock_by_id(uint64_t id)
{
    for (struct usock *s = kernel->usocks; s; s = s->next_all)
        if (s->id == id)
            return s;
    return NULL;
}

static void my_cred(struct ucred_k *c, int effective)
{
    const struct process *p = current->proc;
    c->pid = p->pid;
    c->uid = effective ? p->euid : p->ruid;
    c->gid = effective ? p->egid : p->rgid;
}

/* ---- I/O vectors and the ring ------------------------------------------------------------ */

/* A cursor over the caller's buffers (program memory, or core memory with kbuf). */
struct uio {
    const struct pal_iov *v;
    int n, i;
    size_t off;
    int kbuf;
};

static size_t uio_total(const struct uio *u)
{
    size_t t = 0;
    for (int i = 0; i < u->n; i++)
        t += u->v[i].len;
    return t;
}

/* Copy n bytes starting off bytes past the head out to u (which has room for them). */
static long ring_to_uio(const struct ring *r, size_t off, struct uio *u, size_t n)
{
    while (n) {
        while (u->i < u->n && u->off == u->v[u->i].len)
            u->i++, u->off = 0;
        if (u->i >= u->n)
            return 0;
        size_t at = (r->head + off) % RING_SIZE;
        size_t c = MIN(MIN(n, RING_SIZE - at), u->v[u->i].len - u->off);
        if (io_out((char *)u->v[u->i].base + u->off, r->buf + at, c, u->kbuf))
            return -EFAULT;
        u->off += c, off += c, n -= c;
    }
    return 0;
}

/* Append n bytes from u; the caller checked the room. */
static long uio_to_ring(struct ring *r, struct uio *u, size_t n)
{
    while (n) {
        while (u->i < u->n && u->off == u->v[u->i].len)
            u->i++, u->off = 0;
        if (u->i >= u->n)
            return 0;
        size_t tail = (r->head + r->len) % RING_SIZE;
        size_t c = MIN(MIN(n, RING_SIZE - tail), u->v[u->i].len - u->off);
        if (io_in(r->buf + tail, (const char *)u->v[u->i].base + u->off, c, u->kbuf))
            return -EFAULT;
        u->off += c, r->len += c, n -= c;
    }
    return 0;
}

static void ring_put_k(struct ring *r, const void *src, size_t n)
{
    struct pal_iov v = {(void *)src, n};
    struct uio u = {&v, 1, 0, 0, 1};
    IGNORE(uio_to_ring(r, &u, n));
}

static void ring_drop(struct ring *r, size_t n)
{
    r->head = (r->head + n) % RING_SIZE;
    r->len -= n;
}

/* Length of the first record of a record ring. */
static uint32_t record_len(const struct ring *r)
{
    uint32_t l;
    struct pal_iov v = {&l, sizeof(l)};
    struct uio u = {&v, 1, 0, 0, 1};
    IGNORE(ring_to_uio(r, 0, &u, sizeof(l)));
    return l;
}

/* ---- segments ---------------------------------------------------------------------------- */

static struct seg *seg_new(int nfds)
{
    struct seg *g = kmalloc(sizeof(*g) + sizeof(struct file *) * (size_t)nfds);
    if (g) {
        al_memset(g, 0, sizeof(*g));
        g->nfds = nfds;
    }
    return g;
}

static void seg_free(struct seg *g)
{
    for (int i = 0; i < g->nfds; i++)
        file_put(g->fds[i]);
    kfree(g);
}

static void seg_push(struct usock *s, struct seg *g)
{
    g->next = NULL;
    if (s->segs_tail)
        s->segs_tail->next = g;
    else
        s->segs = g;
    s->segs_tail = g;
    s->nsegs++;
}

static struct seg *seg_pop(struct usock *s)
{
    struct seg *g = s->segs;
    if (g) {
        s->segs = g->next;
        if (!s->segs)
            s->segs_tail = NULL;
        s->nsegs--;
    }
    return g;
}

static struct seg *seg_at(struct usock *s, uint64_t pos)
{
    for (struct seg *g = s->segs; g; g = g->next)
        if (pos < g->start + g->len)
            return g;
    return NULL;
}

static int cred_eq(const struct ucred_k *a, const struct ucred_k *b)
{
    return a->pid == b->pid && a->uid == b->uid && a->gid == b->gid;
}

/* What a send carries besides its bytes (parsed from sendmsg's control buffer). */
struct anc {
    struct ucred_k cred;
    int nfds;
    struct file **fds;  /* kmalloc'd (SCM_MAX_FD), referenced; NULL if none */
};

/* What a receive found besides its bytes. */
struct rmeta {
    int has_cred;
    struct ucred_k cred;
    struct uaddr from;
    int nfds;
    struct file **fds;  /* kmalloc'd, referenced */
    int oflags;
};

/* Take the descriptors of g into m (a peek takes new references, leaving g's). */
static void take_fds(struct seg *g, struct rmeta *m, int peek)
{
    if (m->fds || !g->nfds)
        return;
    m->fds = kmalloc(sizeof(struct file *) * (size_t)g->nfds);
    if (!m->fds)
        return; /* out of memory: they stay in flight */
    for (int i = 0; i < g->nfds; i++)
        m->fds[i] = peek ? file_get(g->fds[i]) : g->fds[i];
    m->nfds = g->nfds;
    if (!peek)
        g->nfds = 0;
}

static void rmeta_done(struct rmeta *m)
{
    for (int i = 0; i < m->nfds; i++)
        file_put(m->fds[i]);
    kfree(m->fds);
    m->fds = NULL;
    m->nfds = 0;
}

/* ---- receiving --------------------------------------------------------------------------- */

struct recv_wait {
    struct usock *s;
    size_t off;
};

/* Something for recv to return: data past off, a pending error, or end of file. */
static int can_recv(void *arg)
{
    struct recv_wait *w = arg;
    struct usock *s = w->s;
    return s->rx.len > w->off || s->err || (s->shut & RCV_SHUTDOWN);
}

/* A stream receive: bytes up to the end of the wanted amount, of a segment with
 * descriptors, or (SO_PASSCRED) of one sender's run. */
static long stream_recv(struct usock *s, int nonblock, struct uio *u, int flags, struct rmeta *m)
{
    int peek = (flags & MSG_PEEK) != 0, waitall = (flags & MSG_WAITALL) && !peek;
    size_t n = uio_total(u), done = 0;
    if (s->state != US_CONN)
        return -EINVAL;
    for (;;) {
        size_t off = peek ? done : 0;
        if (s->rx.len > off && done < n) {
            struct seg *g = seg_at(s, s->rxpos + off);
            if (!g)
                break; /* cannot happen: every byte has its segment */
            if (m->has_cred && s->passcred && !cred_eq(&g->cred, &m->cred))
                break; /* never glue two senders' bytes */
            if (!m->has_cred) {
                m->has_cred = 1;
                m->cred = g->cred;
                m->from = g->from;
            }
            size_t left = (size_t)(g->start + g->len - (s->rxpos + off));
            size_t c = MIN(n - done, left);
            if (ring_to_uio(&s->rx, off, u, c))
                return done ? (long)done : -EFAULT;
            done += c;
            int fds = g->nfds > 0;
            take_fds(g, m, peek);
            if (!peek) {
                ring_drop(&s->rx, c);
                s->rxpos += c;
                g->start += c;
                g->len -= c;
                if (!g->len)
                    seg_free(seg_pop(s));
                wake_all(); /* room for the sender */
            }
            if (fds)
                break;
            continue;
        }
        if (done >= n && (n || s->rx.len))
            break;
        if (done && !waitall)
            break;
        if (s->err) {
            if (done)
                break;
            int e = s->err;
            s->err = 0;
            return -e;
        }
        if (s->shut & RCV_SHUTDOWN)
            break;
        if (nonblock)
            return done ? (long)done : -EAGAIN;
        struct recv_wait w = {s, off};
        int r = wait_until(can_recv, &w);
        if (r < 0)
            return done ? (long)done : r;
    }
    return (long)done;
}

/* A record receive: one record, the rest of it dropped (MSG_TRUNC in the flags). */
static long record_recv(struct usock *s, int nonblock, struct uio *u, int flags, struct rmeta *m)
{
    size_t n = uio_total(u);
    if (s->type == SOCK_SEQPACKET && s->state != US_CONN)
        return -ENOTCONN;
    for (;;) {
        if (s->rx.len > 0) {
            uint32_t l = record_len(&s->rx);
            struct seg *g = s->segs;
            size_t c = MIN(n, (size_t)l);
            if (ring_to_uio(&s->rx, 4, u, c))
                return -EFAULT;
            m->has_cred = 1;
            m->cred = g->cred;
            m->from = g->from;
            if (l > n)
                m->oflags |= MSG_TRUNC;
            take_fds(g, m, flags & MSG_PEEK);
            if (!(flags & MSG_PEEK)) {
                ring_drop(&s->rx, 4 + (size_t)l);
                seg_free(seg_pop(s));
                wake_all(); /* room for the sender */
            }
            return (flags & MSG_TRUNC) ? (long)l : (long)c;
        }
        if (s->err) {
            int e = s->err;
            s->err = 0;
            return -e;
        }
        if (s->shut & RCV_SHUTDOWN)
            return 0;
        if (nonblock)
            return -EAGAIN;
        struct recv_wait w = {s, 0};
        int r = wait_until(can_recv, &w);
        if (r < 0)
            return r;
    }
}

static long usock_recv(struct file *f, struct uio *u, int flags, struct rmeta *m)
{
    struct usock *s = f->priv;
    int nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    if (flags & MSG_OOB)
        return -EINVAL;
    return records(s) ? record_recv(s, nonblock, u, flags, m)
                      : stream_recv(s, nonblock, u, flags, m);
}

/* ---- sending ----------------------------------------------------------------------------- */

struct send_wait {
    struct usock *s;
    uint64_t to;   /* the receiver's id (0: s's peer) */
    size_t need;
};

static struct usock *send_target(struct send_wait *w)
{
    return w->to ? usock_by_id(w->to) : w->s->peer;
}

/* A DGRAM receiver not connected back to the sender takes at most DGRAM_QLEN + 1. */
static int queue_full(struct usock *s, struct usock *p, size_t need)
{
    if (RING_SIZE - p->rx.len < need)
        return 1;
    return s->type == SOCK_DGRAM && p->peer != s && p != s && p->nsegs > DGRAM_QLEN;
}

/* Room for need bytes at the receiver, or a state in which sending fails at once. */
static int can_send(void *arg)
{
    struct send_wait *w = arg;
    struct usock *s = w->s, *p = send_target(w);
    return !p || (s->shut & SEND_SHUTDOWN) || (p->shut & RCV_SHUTDOWN) || !queue_full(s, p, w->need);
}

/* Why a send to p cannot proceed now: -EPIPE, -ECONNREFUSED, -ENOTCONN, -EPERM, or 0. */
static long send_state(struct usock *s, struct usock *p, int named)
{
    if (!p) {
        if (named)
            return -ECONNREFUSED;
        if (connected_type(s))
            return s->state == US_CONN ? -EPIPE : -ENOTCONN;
        if (s->refused || s->state != US_CONN)
            return -ENOTCONN;
        s->refused = 1;
        return -ECONNREFUSED;
    }
    if ((s->shut & SEND_SHUTDOWN) || (p->shut & RCV_SHUTDOWN))
        return -EPIPE;
    if (s->type == SOCK_DGRAM && p->peer && p->peer != s)
        return -EPERM; /* p is connected to someone else */
    return 0;
}

static void seg_fill(struct seg *g, struct usock *s, const struct anc *a)
{
    g->cred = a->cred;
    if (s->addr)
        g->from = *s->addr;
    for (int i = 0; i < a->nfds; i++)
        g->fds[i] = file_get(a->fds[i]);
}

/* Send one record of n bytes to w's receiver. */
static long record_send(struct send_wait *w, int nonblock, struct uio *u, size_t n,
                        const struct anc *a)
{
    struct usock *s = w->s, *p;
    if (n > RING_SIZE - 4)
        return -EMSGSIZE;
    w->need = 4 + n;
    for (;;) {
        p = send_target(w);
        long e = send_state(s, p, w->to != 0);
        if (e < 0)
            return e;
        if (!queue_full(s, p, w->need))
            break;
        if (nonblock)
            return -EAGAIN;
        int r = wait_until(can_send, w);
        if (r < 0)
            return r;
    }
    struct seg *g = seg_new(a->nfds);
    if (!g)
        return -ENOMEM;
    struct ring *rx = &p->rx;
    uint32_t l = (uint32_t)n;
    size_t save = rx->len;
    ring_put_k(rx, &l, 4);
    if (uio_to_ring(rx, u, n)) {
        rx->len = save;
        kfree(g);
        return -EFAULT;
    }
    seg_fill(g, s, a);
    seg_push(p, g);
    wake_all(); /* a record for the receiver */
    return (long)n;
}

/* Account c new stream bytes at p to the sender (a new segment unless they join the last). */
static int stream_seg(struct usock *s, struct usock *p, size_t c, const struct anc *a, int first)
{
    struct seg *t = p->segs_tail;
    int fds = first && a->nfds;
    if (t && !fds && !t->nfds && cred_eq(&t->cred, &a->cred)) {
        t->len += c;
        return 0;
    }
    struct seg *g = seg_new(fds ? a->nfds : 0);
    if (!g)
        return -ENOMEM;
    g->start = p->rxpos + p->rx.len - c;
    g->len = c;
    if (fds)
        seg_fill(g, s, a);
    else {
        g->cred = a->cred;
        if (s->addr)
            g->from = *s->addr;
    }
    seg_push(p, g);
    return 0;
}

/* Send n stream bytes to s's peer: part of them may go (the count is returned). */
static long stream_send(struct usock *s, int nonblock, struct uio *u, size_t n,
                        const struct anc *a)
{
    size_t done = 0;
    struct send_wait w = {s, 0, 1};
    if (n == 0) /* nothing goes, not even descriptors (as Linux) */
        return send_state(s, s->peer, 0);
    do {
        struct usock *p = s->peer;
        long e = send_state(s, p, 0);
        if (e < 0)
            return done ? (long)done : e;
        if (n && RING_SIZE == p->rx.len) {
            if (nonblock)
                return done ? (long)done : -EAGAIN;
            int r = wait_until(can_send, &w);
            if (r < 0)
                return done ? (long)done : r;
            continue;
        }
        struct ring *rx = &p->rx;
        size_t c = MIN(n - done, RING_SIZE - rx->len);
        size_t save = rx->len;
        if (uio_to_ring(rx, u, c)) {
            rx->len = save;
            return done ? (long)done : -EFAULT;
        }
        if (stream_seg(s, p, c, a, done == 0) < 0) {
            rx->len = save;
            return done ? (long)done : -ENOMEM;
        }
        done += c;
        wake_all(); /* data for the peer */
    } while (done < n);
    return (long)done;
}

static int autobind(struct usock *s);

/* Send from u to the peer (to == NULL) or to the named socket to. */
static long usock_send(struct file *f, struct uio *u, int flags, struct usock *to,
                       const struct anc *a)
{
    struct usock *s = f->priv;
    int nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    size_t n = uio_total(u);
    if (flags & MSG_OOB)
        return -EOPNOTSUPP;
    if (s->type == SOCK_STREAM) {
        long r = s->state != US_CONN ? -ENOTCONN : stream_send(s, nonblock, u, n, a);
        if (r == -EPIPE && !(flags & MSG_NOSIGNAL))
            signal_send_thread(current, SIGPIPE, NULL);
        return r;
    }
    if (s->type == SOCK_SEQPACKET && s->state != US_CONN)
        return -ENOTCONN;
    struct send_wait w = {s, to ? to->id : 0, 0};
    if (s->type == SOCK_DGRAM && !to && !s->peer)
        return send_state(s, NULL, 0);
    if (s->passcred && !s->addr) {
        int r = autobind(s);
        if (r < 0)
            return r;
    }
    return record_send(&w, nonblock, u, n, a);
}

/* ---- names --------------------------------------------------------------------------------- */

/* A name from the program: 0, -EINVAL or -EFAULT.  a->b is NUL-terminated past len. */
static long uaddr_in(struct uaddr *a, uint64_t uaddr, long len)
{
    if (len < 2 || len > UN_MAX)
        return -EINVAL;
    al_memset(a, 0, sizeof(*a));
    if (copy_from_user(a->b, uaddr, (size_t)len))
        return -EFAULT;
    if ((a->b[0] | a->b[1] << 8) != AF_UNIX)
        return -EINVAL;
    a->len = (uint32_t)len;
    return 0;
}

static int is_path(const struct uaddr *a)
{
    return a->len > UN_PATH_OFF && a->b[UN_PATH_OFF] != 0;
}

static struct usock *find_abstract(const struct uaddr *a, int type)
{
    for (struct usock *t = kernel->usocks; t; t = t->next_all)
        if (t->addr && !t->path.dentry && t->type == type && t->addr->len == a->len &&
            !al_memcmp(t->addr->b, a->b, a->len))
            return t;
    return NULL;
}

/* The socket named a of the given type: 0, or -ENOENT & co., -ECONNREFUSED, -EPROTOTYPE. */
static long find_name(const struct uaddr *a, int type, struct usock **out)
{
    if (is_path(a)) {
        void *p;
        int r = vfs_sock_find((const char *)a->b + UN_PATH_OFF, &p);
        if (r < 0)
            return r;
        *out = p;
        return (*out)->type == type ? 0 : -EPROTOTYPE;
    }
    *out = find_abstract(a, type);
    return *out ? 0 : -ECONNREFUSED;
}

static int set_name(struct usock *s, const struct uaddr *a)
{
    s->addr = kmalloc(sizeof(*a));
    if (!s->addr)
        return -ENOMEM;
    *s->addr = *a;
    return 0;
}

/* Bind s to an unused abstract name of 5 hex digits (Linux's autobind); 0 if bound. */
static int autobind(struct usock *s)
{
    if (s->addr)
        return 0;
    struct uaddr a;
    al_memset(&a, 0, sizeof(a));
    a.b[0] = AF_UNIX;
    a.len = UN_PATH_OFF + 6;
    for (int i = 0; i < 0x100000; i++) {
        unsigned v = (unsigned)(++kernel->usock_ids * 2654435761u) & 0xfffff;
        al_snprintf((char *)a.b + UN_PATH_OFF + 1, 6, "%05x", v);
        if (!find_abstract(&a, s->type))
            return set_name(s, &a);
    }
    return -ENOSPC;
}

static int bind_name(struct usock *s, const struct uaddr *a)
{
    if (a->len == UN_PATH_OFF)
        return autobind(s);
    if (!is_path(a)) {
        if (s->addr)
            return -EINVAL;
        if (find_abstract(a, s->type))
            return -EADDRINUSE;
        return set_name(s, a);
    }
    struct uaddr k = *a;
    const char *path = (const char *)k.b + UN_PATH_OFF;
    /* Linux's length for a path name: up to its NUL, and the NUL. */
    k.len = (uint32_t)(UN_PATH_OFF + al_strlen(path) + 1);
    if (s->addr) {
        struct pal_stat st;
        return vfs_stat_path(path, &st) == 0 ? -EADDRINUSE : -EINVAL;
    }
    int r = vfs_sock_bind(path, s, &s->path);
    if (r < 0)
        return r == -EEXIST ? -EADDRINUSE : r;
    r = set_name(s, &k);
    if (r < 0)
        vfs_sock_unbind(&s->path, s);
    return r;
}

/*
 * Return name a (NULL: unnamed, just the family; klen 0: nothing) the way Linux's
 * move_addr_to_user does: copy at most *ulen bytes to uaddr, then store the full length
 * in *ulen.  0, -EFAULT, or -EINVAL for a negative *ulen.
 */
static long put_addr(uint64_t uaddr, uint64_t ulen, const struct uaddr *a, int klen)
{
    int len;
    uint8_t fam[2] = {AF_UNIX, 0};
    const void *src = a ? a->b : fam;
    if (a)
        klen = (int)a->len;
    if (copy_from_user(&len, ulen, sizeof(len)))
        return -EFAULT;
    if (len > klen)
        len = klen;
    if (len < 0)
        return -EINVAL;
    if (len && copy_to_user(uaddr, src, (size_t)len))
        return -EFAULT;
    return copy_to_user(ulen, &klen, sizeof(klen));
}

/* ---- file operations ------------------------------------------------------------------- */

static long sock_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    if (n == 0) /* read(2) of nothing returns at once, unlike recv() */
        return 0;
    struct pal_iov v = {buf, n};
    struct uio u = {&v, 1, 0, 0, kbuf};
    struct rmeta m;
    al_memset(&m, 0, sizeof(m));
    long r = usock_recv(f, &u, 0, &m);
    rmeta_done(&m); /* descriptors read() cannot take are closed, as in Linux */
    return r;
}

static long sock_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct pal_iov v = {(void *)buf, n};
    struct uio u = {&v, 1, 0, 0, kbuf};
    struct anc a = {{0, 0, 0}, 0, NULL};
    my_cred(&a.cred, 0);
    return usock_send(f, &u, 0, NULL, &a);
}

/* Linux's unix_poll/unix_dgram_poll: writable while the peer's queue is at most 1/4 full. */
static int sock_poll(struct file *f, int events)
{
    struct usock *s = f->priv;
    int r = 0;
    if (s->err)
        r |= POLLERR;
    if (s->state == US_LISTEN)
        return (s->qhead ? POLLIN | POLLRDNORM : 0) | (r & POLLERR);
    if (s->shut == (RCV_SHUTDOWN | SEND_SHUTDOWN))
        r |= POLLHUP;
    if (s->shut & RCV_SHUTDOWN)
        r |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (s->rx.len)
        r |= POLLIN | POLLRDNORM;
    if (connected_type(s) && s->state == US_UNCONN)
        r |= POLLHUP;
    struct usock *p = s->peer;
    if (!p || (p->rx.len <= RING_SIZE / 4 && !(s->type == SOCK_DGRAM && queue_full(s, p, 1))))
        r |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return r & (events | POLLERR | POLLHUP);
}

static int sock_stat(struct file *f, struct pal_stat *st)
{
    struct usock *s = f->priv;
    sockfs_stat(st, s, s->uid, s->gid);
    return 0;
}

/* SIOCINQ: bytes (stream) or next record's length (records) to read; SIOCOUTQ: unread sent. */
static long sock_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    struct usock *s = f->priv;
    int v;
    if (cmd == FIOASYNC) /* no SIGIO here; nginx sets it on its channels */
        return copy_from_user(&v, arg, sizeof(v));
    if (cmd == SIOCINQ) {
        if (s->state == US_LISTEN)
            return -EINVAL;
        v = !s->rx.len ? 0 : records(s) ? (int)record_len(&s->rx) : (int)s->rx.len;
    } else if (cmd == SIOCOUTQ)
        v = s->peer ? (int)s->peer->rx.len : 0;
    else
        return -ENOTTY;
    return copy_to_user(arg, &v, sizeof(v));
}

/* Free a socket no file names any more (or, embryo, a connection never accepted). */
static void usock_destroy(struct usock *s, int embryo)
{
    for (struct usock **pp = &kernel->usocks; *pp; pp = &(*pp)->next_all)
        if (*pp == s) {
            *pp = s->next_all;
            break;
        }
    struct usock *p = s->peer;
    if (p && connected_type(s)) {
        /* The peer sees end of file (and ECONNRESET if we left data unread). */
        p->shut = RCV_SHUTDOWN | SEND_SHUTDOWN;
        if (s->rx.len || embryo)
            p->err = ECONNRESET;
        if (s->addr && !p->gone && (p->gone = kmalloc(sizeof(*p->gone))))
            *p->gone = *s->addr;
    }
    for (struct usock *t = kernel->usocks; t; t = t->next_all)
        if (t->peer == s)
            t->peer = NULL;
    if (s->path.dentry)
        vfs_sock_unbind(&s->path, s);
    kfree(s->addr);
    kfree(s->gone);
    /* Connections never accepted go with their listener: their clients see the end. */
    while (s->qhead) {
        struct usock *e = s->qhead;
        s->qhead = e->qnext;
        usock_destroy(e, 1);
    }
    /* Descriptors in flight nobody received (this may release other sockets). */
    struct seg *g;
    while ((g = seg_pop(s)))
        seg_free(g);
    kfree(s);
    wake_all(); /* EOF, EPIPE or ECONNREFUSED for the others */
}

static void sock_release(struct file *f)
{
    usock_destroy(f->priv, 0);
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

/* ---- creating sockets -------------------------------------------------------------------- */

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

static struct usock *usock_new(int type)
{
    struct usock *s = kmalloc(sizeof(*s));
    if (!s)
        return NULL;
    /* Zero all but the ring's buffer, so its pages are only touched when used. */
    al_memset(s, 0, offsetof(struct usock, rx) + offsetof(struct ring, buf));
    s->type = type;
    s->uid = current->proc->fsuid;
    s->gid = current->proc->fsgid;
    s->peercred.pid = 0;
    s->peercred.uid = s->peercred.gid = (uint32_t)-1;
    s->sndbuf = s->rcvbuf = SOCK_BUF;
    s->id = ++kernel->usock_ids;
    s->next_all = kernel->usocks;
    kernel->usocks = s;
    return s;
}

/* A file around s (taken over; destroyed on failure), non-blocking with O_NONBLOCK. */
static struct file *sock_file(struct usock *s, int flags)
{
    char name[32];
    al_snprintf(name, sizeof(name), "socket:[%lu]", (unsigned long)((uint64_t)s >> 4));
    struct file *f = file_alloc(&sock_ops, O_RDWR | (flags & O_NONBLOCK), name);
    if (!f) {
        usock_destroy(s, 0);
        return NULL;
    }
    f->priv = s;
    f->mode = S_IFSOCK;
    return f;
}

static struct file *sock_new(int type, int flags)
{
    struct usock *s = usock_new(type);
    return s ? sock_file(s, flags) : NULL;
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

/* socket(AF_UNIX, type, protocol), net/socket.c checked the flags. */
UNIX_SYS(socket)
{
    int type = (int)a1 & SOCK_TYPE_MASK, flags = (int)a1 & ~SOCK_TYPE_MASK;
    int protocol = (int)a2;
    (void)a0;
    if (protocol && protocol != AF_UNIX)
        return -EPROTONOSUPPORT;
    if (type == SOCK_RAW)
        type = SOCK_DGRAM;
    if (type != SOCK_STREAM && type != SOCK_DGRAM && type != SOCK_SEQPACKET)
        return -ESOCKTNOSUPPORT;
    struct file *f = sock_new(type, flags);
    if (!f)
        return -ENOMEM;
    int fd = fd_install(f, (flags & SOCK_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
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
    s0->state = s1->state = US_CONN;
    my_cred(&s0->peercred, 1); /* both record their creator, as Linux does */
    s1->peercred = s0->peercred;
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

/* ---- bind, listen, connect, accept ------------------------------------------------------- */

UNIX_SYS(bind)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    struct uaddr a;
    if ((r = uaddr_in(&a, (uint64_t)a1, (int)a2)) < 0)
        return r;
    return bind_name(f->priv, &a);
}

UNIX_SYS(listen)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    struct usock *s = f->priv;
    unsigned backlog = (unsigned)(int)a1;
    if (backlog > SOMAXCONN)
        backlog = SOMAXCONN;
    if (!connected_type(s))
        return -EOPNOTSUPP;
    if (!s->addr || (s->state != US_UNCONN && s->state != US_LISTEN))
        return -EINVAL;
    s->backlog = (int)backlog;
    if (s->state != US_LISTEN)
        my_cred(&s->peercred, 1); /* what connecting clients see as SO_PEERCRED */
    s->state = US_LISTEN;
    wake_all(); /* a larger backlog lets waiting connects in */
    return 0;
}

struct conn_wait {
    struct usock *s;
    uint64_t lid;
};

static int can_connect(void *arg)
{
    struct conn_wait *w = arg;
    struct usock *l = usock_by_id(w->lid);
    return !l || l->state != US_LISTEN || l->qlen <= l->backlog || w->s->state != US_UNCONN;
}

static long stream_connect(struct usock *s, const struct uaddr *a, int nonblock)
{
    for (;;) {
        struct usock *l;
        long r = find_name(a, s->type, &l);
        if (r < 0)
            return r;
        if (l->state != US_LISTEN || (l->shut & RCV_SHUTDOWN))
            return -ECONNREFUSED;
        if (l->qlen > l->backlog) {
            if (nonblock)
                return -EAGAIN;
            struct conn_wait w = {s, l->id};
            int e = wait_until(can_connect, &w);
            if (e < 0)
                return e;
            continue;
        }
        if (s->state == US_CONN)
            return -EISCONN;
        if (s->state != US_UNCONN)
            return -EINVAL;
        struct usock *e = usock_new(s->type);
        if (!e)
            return -ENOMEM;
        e->state = s->state = US_CONN;
        e->peer = s;
        s->peer = e;
        my_cred(&e->peercred, 1);
        s->peercred = l->peercred;
        e->passcred = l->passcred;
        if (l->addr && (e->addr = kmalloc(sizeof(*e->addr))))
            *e->addr = *l->addr;
        if (l->qtail)
            l->qtail->qnext = e;
        else
            l->qhead = e;
        l->qtail = e;
        l->qlen++;
        wake_all(); /* a connection for accept */
        return 0;
    }
}

UNIX_SYS(connect)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    return unix_connect_file(f, (uint64_t)a1, (int)a2);
}

long unix_connect_file(struct file *f, uint64_t a1, int a2)
{
    long r;
    struct usock *s = f->priv;
    struct uaddr a;
    if (s->type == SOCK_DGRAM && (int)a2 >= 2) {
        uint16_t fam;
        if (copy_from_user(&fam, (uint64_t)a1, sizeof(fam)))
            return -EFAULT;
        if (fam == AF_UNSPEC) { /* dissolve the association */
            s->peer = NULL;
            s->state = US_UNCONN;
            s->refused = 0;
            return 0;
        }
    }
    if ((r = uaddr_in(&a, (uint64_t)a1, (int)a2)) < 0)
        return r;
    if (s->passcred && !s->addr && (r = autobind(s)) < 0)
        return r;
    if (connected_type(s)) {
        file_get(f); /* the wait drops the lock; another thread may close fd */
        r = stream_connect(s, &a, (f->flags & O_NONBLOCK) != 0);
        file_put(f);
        return r;
    }
    struct usock *t;
    if ((r = find_name(&a, s->type, &t)) < 0)
        return r;
    if (t->peer && t->peer != s && t != s)
        return -EPERM;
    s->peer = t;
    s->state = US_CONN;
    s->refused = 0;
    return 0;
}

static int can_accept(void *arg)
{
    struct usock *s = arg;
    return s->qhead || s->state != US_LISTEN || s->err;
}

/* accept4(fd, addr, addrlen, flags); net/socket.c checked the flags. */
UNIX_SYS(accept4)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    return unix_accept_file(f, (uint64_t)a1, (uint64_t)a2, (int)a3);
}

long unix_accept_file(struct file *f, uint64_t a1, uint64_t a2, int flags)
{
    long r;
    struct usock *s = f->priv;
    if (!connected_type(s))
        return -EOPNOTSUPP;
    if (s->state != US_LISTEN)
        return -EINVAL;
    file_get(f);
    while (!s->qhead) {
        if (f->flags & O_NONBLOCK) {
            file_put(f);
            return -EAGAIN;
        }
        int e = wait_until(can_accept, s);
        if (e < 0 || s->state != US_LISTEN) {
            file_put(f);
            return e < 0 ? e : -EINVAL;
        }
    }
    struct usock *e = s->qhead;
    s->qhead = e->qnext;
    if (!s->qhead)
        s->qtail = NULL;
    s->qlen--;
    e->qnext = NULL;
    file_put(f);
    wake_all(); /* room in the backlog */
    e->uid = current->proc->fsuid;
    e->gid = current->proc->fsgid;
    struct file *nf = sock_file(e, flags);
    if (!nf)
        return -ENOMEM;
    if (a1) {
        struct usock *p = e->peer;
        r = put_addr((uint64_t)a1, (uint64_t)a2, p ? p->addr : NULL, 2);
        if (r < 0) {
            file_put(nf); /* Linux loses the connection the same way */
            return r;
        }
    }
    int nfd = fd_install(nf, (flags & SOCK_CLOEXEC) != 0, 0);
    if (nfd < 0)
        file_put(nf);
    return nfd;
}

/* ---- ancillary data ---------------------------------------------------------------------- */

static void anc_done(struct anc *a)
{
    for (int i = 0; i < a->nfds; i++)
        file_put(a->fds[i]);
    a->nfds = 0;
    kfree(a->fds);
    a->fds = NULL;
}

/* sendmsg's control buffer (Linux's __scm_send): 0 or -EINVAL, -EBADF, -EPERM, -EFAULT,
 * -ENOBUFS.  a->cred starts as the caller's own. */
static long anc_parse(uint64_t uctl, uint64_t clen, struct anc *a)
{
    my_cred(&a->cred, 0);
    a->nfds = 0;
    a->fds = NULL;
    if (!clen)
        return 0;
    if (clen > 0x7fffffff || clen > OPTMEM_MAX)
        return -ENOBUFS;
    uint8_t *ctl = kmalloc((size_t)clen);
    if (!ctl)
        return -ENOBUFS;
    long r = copy_from_user(ctl, uctl, (size_t)clen);
    for (uint64_t off = 0; r == 0 && off + 16 <= clen;) {
        uint64_t len;
        int level, type;
        al_memcpy(&len, ctl + off, 8);
        al_memcpy(&level, ctl + off + 8, 4);
        al_memcpy(&type, ctl + off + 12, 4);
        if (len < 16 || len > clen - off) {
            r = -EINVAL;
            break;
        }
        if (level == SOL_SOCKET) {
            if (type == SCM_RIGHTS) {
                int num = (int)((len - 16) / 4);
                if (num > 0 && a->nfds + num > SCM_MAX_FD)
                    r = -EINVAL;
                else if (num > 0 && !a->fds &&
                         !(a->fds = kmalloc(sizeof(struct file *) * SCM_MAX_FD)))
                    r = -ENOMEM;
                for (int i = 0; r == 0 && i < num; i++) {
                    int fd;
                    al_memcpy(&fd, ctl + off + 16 + 4 * i, 4);
                    struct file *f = fd_get(fd);
                    if (!f)
                        r = -EBADF;
                    else
                        a->fds[a->nfds++] = file_get(f);
                }
            } else if (type == SCM_CREDENTIALS) {
                const struct process *p = current->proc;
                struct ucred_k c;
                if (len != 16 + sizeof(c)) {
                    r = -EINVAL;
                    break;
                }
                al_memcpy(&c, ctl + off + 16, sizeof(c));
                /* Only one's own ids, unless privileged (CAP_SYS_ADMIN, CAP_SETUID/GID). */
                int root = p->euid == 0;
                if ((c.pid != p->pid && !root) ||
                    (c.uid != p->ruid && c.uid != p->euid && c.uid != p->suid && !root) ||
                    (c.gid != p->rgid && c.gid != p->egid && c.gid != p->sgid && !root))
                    r = -EPERM;
                else
                    a->cred = c;
            } else {
                r = -EINVAL;
            }
        }
        off += (len + 7) & ~7ull;
    }
    kfree(ctl);
    if (r < 0)
        anc_done(a);
    return r;
}

/* Where recvmsg's control messages go (Linux's put_cmsg / scm_detach_fds). */
struct ctlout {
    uint64_t pos, left;
    int oflags;
};

static void put_cmsg(struct ctlout *c, int type, const void *data, size_t dlen)
{
    if (c->left < 16) {
        c->oflags |= MSG_CTRUNC;
        return;
    }
    uint64_t cmlen = 16 + dlen;
    if (c->left < cmlen) {
        c->oflags |= MSG_CTRUNC;
        cmlen = c->left;
    }
    int hdr[2] = {SOL_SOCKET, type};
    if (copy_to_user(c->pos, &cmlen, 8) || copy_to_user(c->pos + 8, hdr, 8) ||
        copy_to_user(c->pos + 16, data, (size_t)(cmlen - 16)))
        return;
    uint64_t step = MIN((16 + dlen + 7) & ~7ull, c->left);
    c->pos += step;
    c->left -= step;
}

/* Install the received descriptors that fit; the others are closed (MSG_CTRUNC). */
static void detach_fds(struct ctlout *c, struct rmeta *m, int cloexec)
{
    int fdmax = c->left > 16 ? (int)MIN((c->left - 16) / 4, (uint64_t)m->nfds) : 0;
    int i;
    for (i = 0; i < fdmax; i++) {
        int fd = free_fd(0);
        if (fd < 0 || copy_to_user(c->pos + 16 + 4 * (uint64_t)i, &fd, 4))
            break;
        int got = fd_install(m->fds[i], cloexec, 0);
        if (got < 0)
            break;
        m->fds[i] = NULL;
    }
    if (i > 0) {
        uint64_t cmlen = 16 + 4 * (uint64_t)i;
        int hdr[2] = {SOL_SOCKET, SCM_RIGHTS};
        IGNORE(copy_to_user(c->pos, &cmlen, 8) || copy_to_user(c->pos + 8, hdr, 8));
        uint64_t step = MIN((cmlen + 7) & ~7ull, c->left);
        c->pos += step;
        c->left -= step;
    }
    if (i < m->nfds)
        c->oflags |= MSG_CTRUNC;
    for (int j = i; j < m->nfds; j++)
        file_put(m->fds[j]);
    kfree(m->fds);
    m->fds = NULL;
    m->nfds = 0;
}

/* ---- the message calls (net/socket.c hands these sockets over) --------------------------- */

long unix_sendmsg(struct file *f, uint64_t name, uint32_t namelen, const struct pal_iov *iov,
                  int niov, uint64_t control, uint64_t controllen, int flags)
{
    struct usock *s = f->priv, *to = NULL;
    long r;
    struct uaddr a;
    if (namelen) {
        if (s->type == SOCK_STREAM)
            return s->state == US_CONN ? -EISCONN : -EOPNOTSUPP;
        if (s->type == SOCK_DGRAM) {
            if ((r = uaddr_in(&a, name, (int)namelen)) < 0)
                return r;
        }
    }
    struct anc anc, *an = &anc;
    struct uio u = {iov, niov, 0, 0, 0};
    if ((r = anc_parse(control, controllen, an)) < 0)
        return r;
    file_get(f); /* the send may sleep while another thread closes fd */
    if (namelen && s->type == SOCK_DGRAM) {
        if (s->passcred && !s->addr && (r = autobind(s)) < 0)
            goto out;
        if ((r = find_name(&a, s->type, &to)) < 0)
            goto out;
    }
    r = usock_send(f, &u, flags, to, an);
out:
    file_put(f);
    anc_done(an);
    return r;
}

long unix_recvmsg(struct file *f, const struct pal_iov *iov, int niov, int flags, uint64_t name,
                  uint32_t *namelen, uint64_t control, uint64_t *controllen, int *oflags)
{
    struct usock *s = f->priv;
    struct uio u = {iov, niov, 0, 0, 0};
    struct rmeta m;
    al_memset(&m, 0, sizeof(m));
    file_get(f); /* the receive may sleep while another thread closes fd */
    long r = usock_recv(f, &u, flags & ~MSG_CMSG_CLOEXEC, &m);
    file_put(f);
    if (r < 0) {
        rmeta_done(&m);
        return r;
    }
    /* The sender's name: a stream's peer, a record's sender (nothing if unnamed). */
    uint32_t nl = 0;
    if (name) {
        nl = m.from.len;
        uint32_t len = MIN(*namelen, nl);
        if (len && copy_to_user(name, m.from.b, len)) {
            rmeta_done(&m);
            return -EFAULT;
        }
    }
    *namelen = nl;
    struct ctlout c = {control, control ? *controllen : 0, m.oflags};
    if (s->passcred) {
        struct ucred_k z = {0, 0, 0};
        put_cmsg(&c, SCM_CREDENTIALS, m.has_cred ? &m.cred : &z, sizeof(m.cred));
    }
    if (m.nfds)
        detach_fds(&c, &m, (flags & MSG_CMSG_CLOEXEC) != 0);
    rmeta_done(&m);
    *controllen = control ? *controllen - c.left : 0;
    *oflags = c.oflags | (flags & MSG_CMSG_CLOEXEC); /* Linux shows it back */
    return r;
}

/* sendto(fd, buf, len, flags, dest, addrlen); send(2) is this with dest NULL. */
UNIX_SYS(sendto)
{
    struct file *f;
    size_t n = (size_t)a2 > 0x7ffff000 ? 0x7ffff000 : (size_t)a2;
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    struct pal_iov v = {(void *)a1, n};
    return unix_sendmsg(f, (uint64_t)a4, a4 ? (uint32_t)a5 : 0, &v, 1, 0, 0, (int)a3);
}

/* recvfrom(fd, buf, len, flags, src, addrlen): an unnamed sender gives *addrlen 0. */
UNIX_SYS(recvfrom)
{
    struct file *f;
    size_t n = (size_t)a2 > 0x7ffff000 ? 0x7ffff000 : (size_t)a2;
    if (!access_ok((uint64_t)a1, n))
        return -EFAULT;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    return unix_recvfrom_file(f, (uint64_t)a1, n, (int)a3, (uint64_t)a4, (uint64_t)a5);
}

long unix_recvfrom_file(struct file *f, uint64_t a1, size_t n, int a3, uint64_t a4, uint64_t a5)
{
    long r;
    struct pal_iov v = {(void *)a1, n};
    int len = 0, of;
    uint64_t cl = 0;
    if (a4 && a5 && copy_from_user(&len, (uint64_t)a5, sizeof(len)))
        return -EFAULT;
    if (a4 && len < 0)
        return -EINVAL;
    uint32_t nl = (uint32_t)len;
    r = unix_recvmsg(f, &v, 1, (int)a3, a4 && a5 ? (uint64_t)a4 : 0, &nl, 0, &cl, &of);
    if (r >= 0 && a4 && a5 && copy_to_user((uint64_t)a5, &nl, sizeof(nl)))
        return -EFAULT;
    return r;
}

/* getsockname(fd, addr, addrlen): the bound name, or just the family. */
UNIX_SYS(getsockname)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    return put_addr((uint64_t)a1, (uint64_t)a2, ((struct usock *)f->priv)->addr, 2);
}

/* getpeername(fd, addr, addrlen): the peer's name.  Like Linux, a closed stream peer is
 * still "connected" here; a DGRAM socket forgets it once a send was refused. */
UNIX_SYS(getpeername)
{
    struct file *f;
    long r = sock_fd(a0, &f);
    if (r < 0)
        return r;
    struct usock *s = f->priv;
    if (s->refused || s->state != US_CONN)
        return -ENOTCONN;
    if (!s->peer && s->type == SOCK_DGRAM)
        return -ENOTCONN;
    return put_addr((uint64_t)a1, (uint64_t)a2, s->peer ? s->peer->addr : s->gone, 2);
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
    case SO_ACCEPTCONN:
        v[0] = s->state == US_LISTEN;
        break;
    case SO_PROTOCOL:
    case SO_KEEPALIVE:
        break;
    case SO_PASSCRED:
        v[0] = s->passcred;
        break;
    case SO_SNDBUF:
        v[0] = s->sndbuf;
        break;
    case SO_RCVBUF:
        v[0] = s->rcvbuf;
        break;
    case SO_RCVLOWAT:
    case SO_SNDLOWAT:
        v[0] = 1;
        break;
    case SO_PEERCRED: /* struct ucred, as recorded at connect/listen/socketpair */
        v[0] = s->peercred.pid;
        v[1] = (int)s->peercred.uid;
        v[2] = (int)s->peercred.gid;
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

/* setsockopt(fd, level, name, val, len): the SOL_SOCKET integer options local sockets
 * have (buffer sizes as Linux reports them: doubled, clamped; SO_PASSCRED). */
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
    struct usock *s = f->priv;
    switch ((int)a2) {
    case SO_PASSCRED:
        s->passcred = v != 0;
        return 0;
    case SO_SNDBUF:
    case SO_RCVBUF: {
        unsigned u = (unsigned)v > BUF_MAX ? BUF_MAX : (unsigned)v;
        int min = (int)a2 == SO_SNDBUF ? 4608 : 2304;
        int b = (int)(u * 2) < min ? min : (int)(u * 2);
        if ((int)a2 == SO_SNDBUF)
            s->sndbuf = b;
        else
            s->rcvbuf = b;
        return 0;
    }
    case SO_KEEPALIVE:
    case SO_RCVLOWAT:
        return 0;
    default:
        return -ENOPROTOOPT;
    }
}
