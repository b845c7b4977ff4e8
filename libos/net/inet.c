/*
 * inet.c - AF_INET / AF_INET6 sockets backed by host sockets (pal_sock_*).
 *
 * The host socket is always non-blocking; the enclave's O_NONBLOCK lives in file.flags.
 * A blocking call tries the host operation, and on -EAGAIN sleeps in host_wait() on the
 * socket's readiness with the core lock dropped, so one process waiting on the network
 * never stalls the others; a signal ends the sleep (-ERESTARTSYS, or -EINTR when a
 * SO_RCVTIMEO/SO_SNDTIMEO is set, as Linux's sock_intr_errno), a timeout gives -EAGAIN.
 *
 * Sharing across fork: every process holds its own copy of the host descriptor (the host
 * fork copied it), and a process that drops its last descriptor while another still uses
 * the description keeps its copy until it exits (docs/ARCHITECTURE.md, section 11).  So
 * that a connection still ends when the enclave closes it for good, the last release of a
 * stream socket shuts it down on the host (FIN to the peer, a listener stops listening)
 * before closing this process's copy; SO_LINGER {1, 0} skips that (an abortive close).
 */
#include "libos.h"
#include "proc/proc.h"
#include "net.h"
#include "netpriv.h"

#define SIOCINQ 0x541b
#define SHUT_RDWR 2
#define SO_LINGER_LEN 8

static const struct file_ops inet_ops;

int inet_is(const struct file *f)
{
    return f && f->ops == &inet_ops;
}

uint32_t inet_edge_seq(const struct file *f)
{
    return ((const struct inet_sock *)f->priv)->edge_seq;
}

static int64_t deadline_of(int64_t timeo_ns)
{
    return timeo_ns > 0 ? net_now_ns() + timeo_ns : -1;
}

/*
 * Sleep until the socket shows one of events, the deadline passes or a signal comes.
 * 0: try again; -EAGAIN: the deadline passed; -ERESTARTSYS or -EINTR: a signal.
 */
static int sock_block(struct file *f, int events, int64_t deadline)
{
    struct pal_pollfd p = {f->h, (int16_t)events, 0, 0};
    int r = host_wait(&p, 1, 0, deadline);
    if (r == -ERESTARTSYS)
        return deadline >= 0 ? -EINTR : -ERESTARTSYS;
    if (r < 0)
        return r;
    if (r == 0 && deadline >= 0 && net_now_ns() >= deadline)
        return -EAGAIN;
    return 0;
}

/* Drop n bytes from the front of iov[0..*niov) (advancing *piov). */
static void iov_advance(struct pal_iov **piov, int *niov, size_t n)
{
    struct pal_iov *iov = *piov;
    while (*niov && n >= iov->len) {
        n -= iov->len;
        iov++;
        (*niov)--;
    }
    if (*niov && n) {
        iov->base = (char *)iov->base + n;
        iov->len -= n;
    }
    *piov = iov;
}

static size_t iov_len(const struct pal_iov *iov, int niov)
{
    size_t t = 0;
    for (int i = 0; i < niov; i++)
        t += iov[i].len;
    return t;
}

static void to_loopback(struct sockaddr_k *a);

/* Bind datagram socket f to loopback port 0 of the family dst needs: 0 or -errno. */
static int prebind_loopback(struct file *f, const struct net_addr *dst)
{
    struct inet_sock *s = f->priv;
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    int v4 = !al_memcmp(dst->a, mapped, 12);
    struct sockaddr_k a;
    al_memset(&a, 0, sizeof(a));
    if (s->domain == AF_INET) {
        a.b[0] = AF_INET;
        a.len = 16;
    } else {
        a.b[0] = AF_INET6;
        a.len = 28;
        if (v4)
            a.b[18] = a.b[19] = 0xff;
    }
    to_loopback(&a);
    int r = pal_sock_bind(f->h, a.b, a.len);
    return r == -EINVAL ? 0 : r; /* -EINVAL: already bound */
}

long inet_send(struct file *f, struct pal_iov *iov, int niov, const struct sockaddr_k *addr,
               int flags)
{
    struct inet_sock *s = f->priv;
    int nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    int stream = s->type == SOCK_STREAM;
    size_t total = iov_len(iov, niov), done = 0;
    int64_t deadline = -2; /* computed at the first wait */
    if (stream) {
        addr = NULL; /* TCP ignores a destination (no MSG_FASTOPEN here) */
    } else if (addr) {
        struct net_addr na;
        if (sockaddr_parse(addr, &na)) {
            int r = net_check_connect(&na, "send to");
            if (r < 0)
                return r;
            /* An unbound datagram socket would bind the wildcard address on its first
             * send; under the loopback policy it binds loopback instead. */
            if (!s->bound && net_mode() == NET_LOOPBACK && net_addr_loopback(&na) &&
                !prebind_loopback(f, &na))
                s->bound = 1;
        }
    }
    for (;;) {
        long r = pal_sock_send(f->h, iov, niov, addr ? addr->b : NULL, addr ? addr->len : 0,
                               flags);
        if (r >= 0) {
            s->bound = 1;
            done += (size_t)r;
            /* A blocking stream send returns once everything is queued (Linux). */
            if (!stream || nonblock || done >= total)
                return (long)done;
            iov_advance(&iov, &niov, (size_t)r);
            continue;
        }
        if (r != -EAGAIN)
            return done ? (long)done : r;
        s->edge_seq++;
        if (nonblock)
            return done ? (long)done : -EAGAIN;
        if (deadline == -2)
            deadline = deadline_of(s->sndtimeo_ns);
        int w = sock_block(f, POLLOUT, deadline);
        if (w < 0)
            return done ? (long)done : w;
    }
}

long inet_recv(struct file *f, struct pal_iov *iov, int niov, struct sockaddr_k *from, int flags,
               int *oflags)
{
    struct inet_sock *s = f->priv;
    int nonblock = (f->flags & O_NONBLOCK) || (flags & MSG_DONTWAIT);
    /* MSG_WAITALL: a stream receive waits for the whole buffer (not when peeking). */
    int waitall = (flags & MSG_WAITALL) && s->type == SOCK_STREAM && !(flags & MSG_PEEK);
    size_t total = iov_len(iov, niov), done = 0;
    int64_t deadline = -2;
    *oflags = 0;
    for (;;) {
        uint32_t alen = from ? SOCKADDR_MAX : 0;
        long r = pal_sock_recv(f->h, iov, niov, from ? from->b : NULL, &alen,
                               flags & ~MSG_WAITALL, oflags);
        if (r >= 0) {
            /* A short stream read drained the socket: readiness seen from now on is a new
             * edge for EPOLLET (a program that stops reading there instead of at EAGAIN,
             * as nginx does, must hear of what comes next). */
            if (s->type == SOCK_STREAM && (size_t)r < total - done)
                s->edge_seq++;
            if (from)
                from->len = alen; /* may exceed the buffer: only the length is reported */
            done += (size_t)r;
            if (!waitall || r == 0 || done >= total)
                return (long)done;
            iov_advance(&iov, &niov, (size_t)r);
            continue;
        }
        if (r != -EAGAIN)
            return done ? (long)done : r;
        s->edge_seq++;
        if (nonblock)
            return done ? (long)done : -EAGAIN;
        if (deadline == -2)
            deadline = deadline_of(s->rcvtimeo_ns);
        int w = sock_block(f, POLLIN, deadline);
        if (w < 0)
            return done ? (long)done : w;
    }
}

/* read(2)/write(2) and their vector forms: a receive or send without flags. */
static long inet_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos, (void)kbuf; /* the host reads core and program memory alike */
    struct pal_iov iov = {buf, n};
    int of;
    return inet_recv(f, &iov, 1, NULL, 0, &of);
}

static long inet_write(struct file *f, const void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos, (void)kbuf;
    struct pal_iov iov = {(void *)buf, n};
    return inet_send(f, &iov, 1, NULL, 0);
}

static int inet_poll(struct file *f, int events)
{
    struct pal_pollfd p = {f->h, (int16_t)(events | POLLERR | POLLHUP), 0, 0};
    int r = pal_poll(&p, 1, 0);
    if (r < 0)
        return POLLERR;
    return p.revents;
}

void sockfs_stat(struct pal_stat *st, const void *obj, uint32_t uid, uint32_t gid)
{
    al_memset(st, 0, sizeof(*st));
    st->mode = S_IFSOCK | 0777;
    st->nlink = 1;
    st->blksize = 4096;
    st->dev = 8; /* sockfs */
    st->ino = (uint64_t)obj >> 4;
    st->uid = uid;
    st->gid = gid;
}

static int inet_stat(struct file *f, struct pal_stat *st)
{
    struct inet_sock *s = f->priv;
    sockfs_stat(st, s, s->uid, s->gid);
    return 0;
}

/* FIONREAD/SIOCINQ through the host's whitelisted ioctl; FIONBIO is file.c's. */
static long inet_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    if (cmd != SIOCINQ)
        return -ENOTTY;
    int v = 0;
    int r = pal_tty_ioctl(f->h, cmd, &v);
    if (r < 0)
        return r;
    return copy_to_user(arg, &v, sizeof(v));
}

static void inet_release(struct file *f)
{
    struct inet_sock *s = f->priv;
    /* See the header comment: other processes may still hold host copies. */
    if (s->type == SOCK_STREAM && !s->linger0)
        IGNORE(pal_sock_shutdown(f->h, SHUT_RDWR));
    kfree(s);
}

static const struct file_ops inet_ops = {
    .read = inet_read,
    .write = inet_write,
    .poll = inet_poll,
    .stat = inet_stat,
    .ioctl = inet_ioctl,
    .release = inet_release,
    .seekable = 0,
};

struct file *inet_new(int domain, int type, int protocol, pal_handle_t h, int flags)
{
    struct inet_sock *s = kzalloc(sizeof(*s));
    char name[32];
    al_snprintf(name, sizeof(name), "socket:[%lu]", (unsigned long)((uint64_t)s >> 4));
    struct file *f = s ? file_alloc(&inet_ops, O_RDWR | (flags & O_NONBLOCK), name) : NULL;
    if (!f) {
        kfree(s);
        IGNORE(pal_close(h));
        return NULL;
    }
    f->priv = s;
    f->h = h;
    f->mode = S_IFSOCK;
    f->host_nonblock = 1;
    s->domain = domain;
    s->type = type;
    s->protocol = protocol;
    s->uid = current->proc->fsuid;
    s->gid = current->proc->fsgid;
    return f;
}

/* Put the loopback address of a's family into a (the wildcard became loopback). */
static void to_loopback(struct sockaddr_k *a)
{
    uint16_t fam = (uint16_t)(a->b[0] | a->b[1] << 8);
    if (fam == AF_INET6) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!al_memcmp(a->b + 8, mapped, 12)) {
            a->b[20] = 127, a->b[21] = 0, a->b[22] = 0, a->b[23] = 1;
        } else {
            al_memset(a->b + 8, 0, 16);
            a->b[23] = 1;
        }
    } else {
        a->b[4] = 127, a->b[5] = 0, a->b[6] = 0, a->b[7] = 1;
    }
}

int inet_bind(struct file *f, struct sockaddr_k *a)
{
    struct inet_sock *s = f->priv;
    struct net_addr na;
    int lo = 0;
    if (sockaddr_parse(a, &na)) {
        int r = net_check_bind(&na, &lo);
        if (r < 0)
            return r;
    }
    uint8_t orig[28];
    al_memcpy(orig, a->b, sizeof(orig));
    if (lo)
        to_loopback(a);
    int r = pal_sock_bind(f->h, a->b, a->len);
    if (r == 0) {
        s->bound = 1;
        s->wild = lo;
        al_memcpy(s->wild_addr, orig, sizeof(orig));
    }
    return r;
}

int inet_listen(struct file *f, int backlog)
{
    struct inet_sock *s = f->priv;
    if (!s->bound && s->type == SOCK_STREAM && net_mode() != NET_HOST) {
        /* An unbound listener would bind the wildcard address: the policy decides. */
        struct sockaddr_k any;
        al_memset(&any, 0, sizeof(any));
        any.b[0] = (uint8_t)s->domain;
        any.len = s->domain == AF_INET6 ? 28 : 16;
        int r = inet_bind(f, &any);
        if (r < 0 && r != -EINVAL) /* -EINVAL: bound after all (e.g. by connect) */
            return r;
    }
    return pal_sock_listen(f->h, backlog);
}

/* SO_ERROR of the host socket: 0 or the pending error (negative). */
static int sock_error(struct file *f)
{
    int e = 0;
    uint32_t len = sizeof(e);
    int r = pal_sock_getopt(f->h, SOL_SOCKET, SO_ERROR, &e, &len);
    if (r < 0)
        return r;
    return e > 0 && e < 134 ? -e : 0;
}

int inet_connect(struct file *f, const struct sockaddr_k *a)
{
    struct inet_sock *s = f->priv;
    struct net_addr na;
    /* AF_UNSPEC dissolves the association (Linux reads no address then). */
    int unspec = a->len >= 2 && a->b[0] == AF_UNSPEC && a->b[1] == 0;
    if (!unspec && sockaddr_parse(a, &na)) {
        int r = net_check_connect(&na, "connect to");
        if (r < 0)
            return r;
    }
    int r = pal_sock_connect(f->h, a->b, a->len);
    if (r == 0 || r == -EINPROGRESS)
        s->bound = 1;
    if (s->type != SOCK_STREAM || (r != -EINPROGRESS && r != -EALREADY) ||
        (f->flags & O_NONBLOCK))
        return r;
    /* A blocking connect: wait for the handshake, then take its outcome (SO_ERROR).  A
     * restarted call finds -EALREADY and waits again, as Linux does. */
    int64_t deadline = deadline_of(s->sndtimeo_ns);
    for (;;) {
        int w = sock_block(f, POLLOUT, deadline);
        if (w == -EAGAIN)
            return -EINPROGRESS; /* SO_SNDTIMEO ran out */
        if (w < 0)
            return w;
        struct pal_pollfd p = {f->h, POLLOUT, 0, 0};
        if (pal_poll(&p, 1, 0) > 0) {
            int e = sock_error(f);
            /* The host socket stays "connecting" until connect is called again: call it,
             * so that a later connect says -EISCONN as after a blocking connect on Linux. */
            if (e == 0)
                IGNORE(pal_sock_connect(f->h, a->b, a->len));
            return e;
        }
    }
}

int inet_accept(struct file *f, int flags, struct sockaddr_k *from, struct file **out)
{
    struct inet_sock *s = f->priv;
    int64_t deadline = -2;
    for (;;) {
        uint32_t alen = SOCKADDR_MAX;
        pal_handle_t nh;
        int r = pal_sock_accept(f->h, from->b, &alen, &nh);
        if (r == 0) {
            from->len = alen;
            struct file *nf = inet_new(s->domain, s->type, s->protocol, nh, flags & O_NONBLOCK);
            if (!nf)
                return -ENOMEM;
            ((struct inet_sock *)nf->priv)->bound = 1;
            *out = nf;
            return 0;
        }
        if (r != -EAGAIN)
            return r;
        s->edge_seq++;
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        if (deadline == -2)
            deadline = deadline_of(s->rcvtimeo_ns);
        int w = sock_block(f, POLLIN, deadline);
        if (w < 0)
            return w;
    }
}

int inet_name(struct file *f, int peer, struct sockaddr_k *out)
{
    struct inet_sock *s = f->priv;
    uint32_t alen = SOCKADDR_MAX;
    int r = pal_sock_name(f->h, peer, out->b, &alen);
    if (r < 0)
        return r;
    out->len = alen;
    /* The policy bound loopback for a wildcard request: show what was asked for, with
     * the host's port. */
    if (!peer && s->wild && alen >= 8) {
        uint8_t port[2] = {out->b[2], out->b[3]};
        uint32_t n = MIN(alen, (uint32_t)sizeof(s->wild_addr));
        al_memcpy(out->b, s->wild_addr, n);
        out->b[2] = port[0], out->b[3] = port[1];
        if (n >= 8 && (out->b[0] | out->b[1] << 8) == AF_INET6) {
            /* flow info and scope id are the host's */
            uint8_t tmp[SOCKADDR_MAX];
            uint32_t l2 = SOCKADDR_MAX;
            if (pal_sock_name(f->h, 0, tmp, &l2) == 0 && l2 >= 28) {
                al_memcpy(out->b + 4, tmp + 4, 4);
                al_memcpy(out->b + 24, tmp + 24, 4);
            }
        }
    }
    return 0;
}

/* A struct timeval option value in nanoseconds (0: none), as sock_set_timeout reads it. */
static int64_t timeval_ns(const void *val, uint32_t len)
{
    int64_t tv[2] = {0, 0};
    al_memcpy(tv, val, MIN(len, (uint32_t)sizeof(tv)));
    if (tv[0] < 0)
        return 0;
    if (tv[0] > 1000000000ll)
        return 0; /* "forever" */
    return tv[0] * 1000000000 + tv[1] * 1000;
}

int inet_getopt(struct file *f, int level, int name, void *val, uint32_t *len)
{
    return pal_sock_getopt(f->h, level, name, val, len);
}

int inet_setopt(struct file *f, int level, int name, const void *val, uint32_t len)
{
    struct inet_sock *s = f->priv;
    int r = pal_sock_setopt(f->h, level, name, val, len);
    if (r < 0 || level != SOL_SOCKET)
        return r;
    /* The host socket never blocks, so the timeouts are the core's to apply. */
    if (name == SO_RCVTIMEO)
        s->rcvtimeo_ns = timeval_ns(val, len);
    else if (name == SO_SNDTIMEO)
        s->sndtimeo_ns = timeval_ns(val, len);
    else if (name == SO_LINGER && len >= SO_LINGER_LEN) {
        int l[2];
        al_memcpy(l, val, sizeof(l));
        s->linger0 = l[0] != 0 && l[1] == 0;
    }
    return 0;
}
