/*
 * inotify.c - inotify_init/init1, inotify_add_watch, inotify_rm_watch, and the VFS's
 * notification hooks (fsnotify_*) that feed them (Linux's fs/notify/inotify).
 *
 * Watches are kept in one enclave-wide list (kernel->in_watches, shared heap), each naming
 * its object by (super_block, inode number) and its group (the inotify instance, the
 * private data of an open file description).  So a watcher sees changes made by any
 * process of the enclave, on every file system, because the hooks sit in the VFS (vfs.c,
 * file.c, fdtable.c, dcache.c) and not in the file systems.  A watch does not pin its
 * inode: when an unlinked inode is finally freed (iput, after its last name and open file
 * are gone) its watches get IN_DELETE_SELF and IN_IGNORED, as in Linux.
 *
 * Only changes made through the enclave's VFS are seen.  Changes the host makes to a
 * hostfs mount behind the enclave's back are NOT reported (the direct backend has no host
 * inotify bridge); nor are they on the other file systems, which the host cannot change.
 *
 * Queue semantics as Linux: an event identical to the last queued one (wd, mask, cookie,
 * name) is merged into it; at /proc/sys/fs/inotify/max_queued_events (16384) events a
 * single IN_Q_OVERFLOW (wd -1) is queued until read; names are NUL-padded to a multiple
 * of 16 bytes; read returns whole events only (EINVAL if the first does not fit);
 * FIONREAD gives the queued bytes.  Not done: IN_UNMOUNT, the per-user limits
 * (max_user_watches/instances), IN_DELETE_SELF of a watched file kept open until its
 * close happens at the last reference like Linux but a hostfs inode the cache drops
 * early is not "freed" in that sense.
 */
#include "libos.h"
#include "fs/vfs.h"

#define IN_ACCESS 0x1u
#define IN_MODIFY 0x2u
#define IN_ATTRIB 0x4u
#define IN_CLOSE_WRITE 0x8u
#define IN_CLOSE_NOWRITE 0x10u
#define IN_OPEN 0x20u
#define IN_MOVED_FROM 0x40u
#define IN_MOVED_TO 0x80u
#define IN_CREATE 0x100u
#define IN_DELETE 0x200u
#define IN_DELETE_SELF 0x400u
#define IN_MOVE_SELF 0x800u
#define IN_ALL_EVENTS 0xfffu
#define IN_UNMOUNT 0x2000u
#define IN_Q_OVERFLOW 0x4000u
#define IN_IGNORED 0x8000u
#define IN_ONLYDIR 0x1000000u
#define IN_DONT_FOLLOW 0x2000000u
#define IN_EXCL_UNLINK 0x4000000u
#define IN_MASK_CREATE 0x10000000u
#define IN_MASK_ADD 0x20000000u
#define IN_ISDIR 0x40000000u
#define IN_ONESHOT 0x80000000u
#define ALL_INOTIFY_BITS (IN_ALL_EVENTS | IN_UNMOUNT | IN_Q_OVERFLOW | IN_IGNORED | IN_ONLYDIR | \
                          IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE | IN_MASK_ADD |     \
                          IN_ISDIR | IN_ONESHOT)
/* Events a directory's watch hears about its children. */
#define ON_CHILD (IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN)
#define IN_MAX_QUEUED 16384

struct in_event {
    struct in_event *next;
    int wd;
    uint32_t mask, cookie;
    uint32_t nlen; /* name bytes without the NUL */
    char name[];
};

struct in_group {
    struct in_event *head, *tail;
    int count;           /* queued events (the overflow event included) */
    size_t bytes;        /* what read would return for all of them (FIONREAD) */
    int overflowed;      /* the IN_Q_OVERFLOW event is queued */
    int next_wd;
};

struct in_watch {
    struct in_watch *next; /* kernel->in_watches */
    struct in_group *g;
    struct super_block *sb;
    uint64_t ino;
    int wd;
    uint32_t mask;
};

static const struct file_ops inotify_ops;

static size_t ev_size(const struct in_event *e)
{
    return 16 + (e->nlen ? (e->nlen + 16) & ~(size_t)15 : 0);
}

static void queue(struct in_group *g, int wd, uint32_t mask, uint32_t cookie, const char *name,
                  size_t nlen)
{
    struct in_event *t = g->tail;
    if (g->count >= IN_MAX_QUEUED) {
        if (g->overflowed)
            return;
        g->overflowed = 1;
        wd = -1, mask = IN_Q_OVERFLOW, cookie = 0, nlen = 0;
    } else if (t && t->wd == wd && t->mask == mask && t->cookie == cookie && t->nlen == nlen &&
               !al_memcmp(t->name, name, nlen)) {
        return; /* merged with the identical last event */
    }
    struct in_event *e = kmalloc(sizeof(*e) + nlen + 1);
    if (!e)
        return;
    e->next = NULL;
    e->wd = wd, e->mask = mask, e->cookie = cookie, e->nlen = (uint32_t)nlen;
    if (nlen)
        al_memcpy(e->name, name, nlen);
    e->name[nlen] = 0;
    if (t)
        t->next = e;
    else
        g->head = e;
    g->tail = e;
    g->count++;
    g->bytes += ev_size(e);
    wake_all();
}

static void unlink_watch(struct in_watch *w)
{
    for (struct in_watch **pw = &kernel->in_watches; *pw; pw = &(*pw)->next)
        if (*pw == w) {
            *pw = w->next;
            break;
        }
    kfree(w);
}

/* Remove a watch, telling its group (IN_IGNORED). */
static void drop_watch(struct in_watch *w)
{
    queue(w->g, w->wd, IN_IGNORED, 0, NULL, 0);
    unlink_watch(w);
}

/* Deliver an event to every watch of (sb, ino); name for events about a child. */
static void deliver(struct super_block *sb, uint64_t ino, uint32_t mask, uint32_t cookie,
                    const char *name, size_t nlen, int child_unlinked)
{
    uint32_t ev = mask & ~IN_ISDIR;
    struct in_watch *w = kernel->in_watches, *next;
    for (; w; w = next) {
        next = w->next;
        if (w->sb != sb || w->ino != ino || !(w->mask & ev))
            continue;
        if (name && child_unlinked && (w->mask & IN_EXCL_UNLINK))
            continue;
        queue(w->g, w->wd, mask, cookie, name, nlen);
        if (w->mask & IN_ONESHOT)
            drop_watch(w);
    }
}

void fsnotify_name(struct dentry *dir, uint32_t mask, const char *name, size_t len,
                   uint32_t cookie, int isdir)
{
    if (!kernel->in_watches || !dir || !dir->inode)
        return;
    deliver(dir->sb, dir->inode->ino, mask | (isdir ? IN_ISDIR : 0), cookie, name, len, 0);
}

void fsnotify_inode(struct inode *i, uint32_t mask)
{
    if (!kernel->in_watches || !i)
        return;
    deliver(i->sb, i->ino, mask, 0, NULL, 0, 0); /* self events carry no IN_ISDIR */
}

void fsnotify_dentry(struct dentry *d, uint32_t mask)
{
    if (!kernel->in_watches || !d || !d->inode)
        return;
    uint32_t m = mask | (S_ISDIR(d->inode->mode) ? IN_ISDIR : 0);
    /* The parent's watch first (with the name), then the object's own, as Linux. */
    struct dentry *p = d->parent;
    if ((mask & ON_CHILD) && p && p->inode && p != d)
        deliver(p->sb, p->inode->ino, m, 0, d->name, d->len, !(d->flags & D_HASHED));
    deliver(d->sb, d->inode->ino, m, 0, NULL, 0, 0);
}

void fsnotify_file(struct file *f, uint32_t mask)
{
    if (!kernel->in_watches || !f->loc.dentry || (f->flags & O_PATH))
        return;
    fsnotify_dentry(f->loc.dentry, mask);
}

void fsnotify_evict(struct inode *i)
{
    if (!kernel->in_watches || i->nlink != 0)
        return;
    fsnotify_inode(i, IN_DELETE_SELF);
    struct in_watch *w = kernel->in_watches, *next;
    for (; w; w = next) {
        next = w->next;
        if (w->sb == i->sb && w->ino == i->ino)
            drop_watch(w);
    }
}

uint32_t fsnotify_cookie(void)
{
    return ++kernel->in_cookie ? kernel->in_cookie : ++kernel->in_cookie;
}

/* ---- the inotify file ---------------------------------------------------------------- */

static int has_events(void *arg)
{
    return ((struct in_group *)arg)->head != NULL;
}

static long in_read(struct file *f, void *buf, size_t n, int64_t *pos, int kbuf)
{
    (void)pos;
    struct in_group *g = f->priv;
    if (!g->head) {
        if (f->flags & O_NONBLOCK)
            return -EAGAIN;
        int r = wait_until(has_events, g);
        if (r < 0)
            return r;
    }
    size_t done = 0;
    while (g->head) {
        struct in_event *e = g->head;
        size_t sz = ev_size(e);
        if (sz > n - done) {
            if (!done)
                return -EINVAL;
            break;
        }
        char rec[16 + 256 + 16];
        al_memset(rec, 0, sz);
        uint32_t hdr[4] = {(uint32_t)e->wd, e->mask, e->cookie, (uint32_t)(sz - 16)};
        al_memcpy(rec, hdr, 16);
        al_memcpy(rec + 16, e->name, e->nlen);
        if (io_out((char *)buf + done, rec, sz, kbuf))
            return done ? (long)done : -EFAULT;
        done += sz;
        g->head = e->next;
        if (!g->head)
            g->tail = NULL;
        g->count--;
        g->bytes -= sz;
        if (e->mask == IN_Q_OVERFLOW && e->wd == -1)
            g->overflowed = 0;
        kfree(e);
    }
    return (long)done;
}

static int in_poll(struct file *f, int events)
{
    return has_events(f->priv) ? (POLLIN | POLLRDNORM) & events : 0;
}

static long in_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
    struct in_group *g = f->priv;
    if (cmd != FIONREAD)
        return -ENOTTY;
    int v = (int)g->bytes;
    return copy_to_user(arg, &v, sizeof(v));
}

static void in_release(struct file *f)
{
    struct in_group *g = f->priv;
    struct in_watch *w = kernel->in_watches, *next;
    for (; w; w = next) {
        next = w->next;
        if (w->g == g)
            unlink_watch(w);
    }
    while (g->head) {
        struct in_event *e = g->head;
        g->head = e->next;
        kfree(e);
    }
    kfree(g);
}

static const struct file_ops inotify_ops = {
    .read = in_read,
    .poll = in_poll,
    .ioctl = in_ioctl,
    .stat = anon_inode_stat,
    .release = in_release,
    .seekable = 0,
};

static long do_init(int flags)
{
    if (flags & ~(O_CLOEXEC | O_NONBLOCK))
        return -EINVAL;
    struct in_group *g = kzalloc(sizeof(*g));
    struct file *f = g ? file_alloc(&inotify_ops, O_RDONLY | (flags & O_NONBLOCK), "anon_inode:inotify")
                       : NULL;
    if (!f) {
        kfree(g);
        return -ENOMEM;
    }
    g->next_wd = 1;
    f->priv = g;
    f->mode = 0;
    int fd = fd_install(f, (flags & O_CLOEXEC) != 0, 0);
    if (fd < 0)
        file_put(f);
    return fd;
}

SYS(inotify_init)
{
    return do_init(0);
}

SYS(inotify_init1)
{
    return do_init((int)a0);
}

static long in_group_of(int fd, struct in_group **out)
{
    struct file *f = fd_get(fd);
    if (!f)
        return -EBADF;
    if (f->ops != &inotify_ops)
        return -EINVAL;
    *out = f->priv;
    return 0;
}

/* inotify_add_watch(fd, path, mask), in Linux's order: EINVAL (MASK_ADD with MASK_CREATE,
 * no valid bit), EBADF, EINVAL (not inotify), the lookup (ENOENT, ENOTDIR for IN_ONLYDIR,
 * EACCES without read permission), EEXIST (IN_MASK_CREATE on a watched inode).  A second
 * watch of the same inode in the same instance returns its descriptor again. */
SYS(inotify_add_watch)
{
    uint32_t mask = (uint32_t)a2;
    if ((mask & IN_MASK_ADD) && (mask & IN_MASK_CREATE))
        return -EINVAL;
    if (!(mask & ALL_INOTIFY_BITS))
        return -EINVAL;
    struct in_group *g;
    long r = in_group_of((int)a0, &g);
    if (r < 0)
        return r;
    char *path = kmalloc(PATH_MAX_LEN);
    if (!path)
        return -ENOMEM;
    r = strncpy_from_user(path, (uint64_t)a1, PATH_MAX_LEN);
    if (r == 0)
        r = -ENOENT;
    struct path p = {NULL, NULL};
    if (r > 0) {
        int lf = ((mask & IN_DONT_FOLLOW) ? 0 : LOOKUP_FOLLOW) | ((mask & IN_ONLYDIR) ? LOOKUP_DIRECTORY : 0);
        r = vfs_lookup(AT_FDCWD, path, lf, &p);
    }
    kfree(path);
    if (r < 0)
        return r;
    if ((mask & IN_ONLYDIR) && !S_ISDIR(p.dentry->inode->mode))
        r = -ENOTDIR;
    else
        r = vfs_permission(p.dentry->inode, 4);
    struct super_block *sb = p.dentry->sb;
    uint64_t ino = p.dentry->inode->ino;
    path_put(&p);
    if (r < 0)
        return r;
    uint32_t keep = mask & (IN_ALL_EVENTS | IN_EXCL_UNLINK | IN_ONESHOT);
    for (struct in_watch *w = kernel->in_watches; w; w = w->next) {
        if (w->g != g || w->sb != sb || w->ino != ino)
            continue;
        if (mask & IN_MASK_CREATE)
            return -EEXIST;
        w->mask = (mask & IN_MASK_ADD) ? (w->mask | keep) : keep;
        return w->wd;
    }
    struct in_watch *w = kzalloc(sizeof(*w));
    if (!w)
        return -ENOMEM;
    w->g = g, w->sb = sb, w->ino = ino, w->mask = keep;
    w->wd = g->next_wd++;
    if (g->next_wd <= 0)
        g->next_wd = 1;
    w->next = kernel->in_watches;
    kernel->in_watches = w;
    return w->wd;
}

SYS(inotify_rm_watch)
{
    struct in_group *g;
    long r = in_group_of((int)a0, &g);
    if (r < 0)
        return r;
    for (struct in_watch *w = kernel->in_watches; w; w = w->next)
        if (w->g == g && w->wd == (int)a1) {
            drop_watch(w);
            return 0;
        }
    return -EINVAL;
}
