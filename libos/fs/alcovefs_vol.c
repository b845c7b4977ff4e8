/*
 * alcovefs_vol.c - the encrypted volume's file system meets the volume format: the
 * environment common/vol.c works in (struct vol_io over the PAL: the volume file, the
 * kernel heap, the platform's randomness, the crypto bracket, the log) and the default
 * rollback counter source (struct vol_counter: one state file per volume in the host
 * directory pal_boot.state_dir).
 *
 * Trust: the volume file and the state directory are the host's.  vol.c authenticates
 * every byte it reads from the file; the counter file is only a number the host keeps for
 * us, so it guards against a rollback of the volume that leaves the state file alone
 * (docs/volume-format.md says so).  A malformed counter file is refused, not guessed at.
 *
 * Everything runs under the big core lock; the state lives in struct afs_sb (kmalloc'd,
 * shared by every process of the enclave).  The volume file handle was opened at boot,
 * before any fork, so every host process of the enclave has it; the state files are
 * opened and closed inside one call, in whichever process commits.
 */
#include "alcovefs.h"

/* ---- struct vol_io over the PAL ------------------------------------------------------------ */

/* Positional I/O that finishes the transfer: the volume calls a short count an error, and a
 * host call may stop early (a signal).  0 from the host (past the end) ends it short. */
static long io_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    struct afs_sb *s = ctx;
    size_t done = 0;
    while (done < n) {
        long r = pal_read(s->h, (char *)buf + done, n - done, (int64_t)(off + done));
        if (r == -EINTR)
            continue;
        if (r < 0)
            return r;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

static long io_write(void *ctx, const void *buf, size_t n, uint64_t off)
{
    struct afs_sb *s = ctx;
    size_t done = 0;
    while (done < n) {
        long r = pal_write(s->h, (const char *)buf + done, n - done, (int64_t)(off + done));
        if (r == -EINTR)
            continue;
        if (r < 0)
            return r;
        if (r == 0)
            return -EIO;
        done += (size_t)r;
    }
    return (long)done;
}

static int io_sync(void *ctx)
{
    struct afs_sb *s = ctx;
    /* The file never changes size: the data (fdatasync) is what must reach the disk. */
    int r = pal_fs_fsync(s->h, 1);
    return r == -EINTR ? pal_fs_fsync(s->h, 1) : r;
}

static void io_log(void *ctx, const char *line)
{
    struct afs_sb *s = ctx;
    kprintf("%s: %s", s->source, line);
}

/* Local wrappers: taking the address of a function defined in another object would need a
 * GOT entry, which the freestanding core does not have (tests/check-layers.sh). */
static void *io_alloc(size_t n)
{
    return kmalloc(n);
}

static void io_free(void *p)
{
    kfree(p);
}

static int io_random(void *buf, size_t n)
{
    return pal_random(buf, n);
}

static uint64_t io_crypto_begin(void)
{
    return pal_crypto_begin();
}

static void io_crypto_end(uint64_t token)
{
    pal_crypto_end(token);
}

/* ---- the default counter source: a state file per volume ----------------------------------- */

/* Read the whole (small) state file rel into buf: its length, -ENOENT, or -errno. */
static long state_read(struct afs_sb *s, const char *rel, char *buf, size_t cap)
{
    pal_handle_t h;
    int r = pal_fs_open(s->state_dir, rel, O_RDONLY | O_NOFOLLOW, 0, &h);
    if (r < 0)
        return r;
    size_t n = 0;
    long got = 0;
    while (n < cap && (got = pal_read(h, buf + n, cap - n, (int64_t)n)) > 0)
        n += (size_t)got;
    IGNORE(pal_close(h));
    return got < 0 ? got : (long)n;
}

static int counter_get(void *ctx, const uint8_t id[16], uint64_t *v)
{
    struct afs_sb *s = ctx;
    char name[64], buf[VOL_COUNTER_MAX + 1];
    vol_counter_name(id, name, sizeof(name));
    long n = state_read(s, name, buf, sizeof(buf));
    if (n == -ENOENT) {
        *v = 0; /* a volume this state directory has never seen (vol_open says so) */
        return 0;
    }
    if (n < 0) {
        kprintf("%s: cannot read the rollback counter %s in the state directory (error %ld)",
                s->source, name, -n);
        return (int)n;
    }
    if ((size_t)n > VOL_COUNTER_MAX || vol_counter_decode(id, buf, (size_t)n, v) < 0) {
        kprintf("%s: the rollback counter %s in the state directory is malformed: refusing "
                "the volume (remove the file only if you trust the volume as it is)",
                s->source, name);
        return -EINVAL;
    }
    return 0;
}

/* Atomically: a temporary file, written and fsync'd, renamed over the state file, then the
 * directory fsync'd so the rename itself survives a power cut. */
static int counter_set(void *ctx, const uint8_t id[16], uint64_t v)
{
    struct afs_sb *s = ctx;
    char name[64], tmp[72], buf[VOL_COUNTER_MAX];
    vol_counter_name(id, name, sizeof(name));
    al_snprintf(tmp, sizeof(tmp), "%s.tmp", name);
    size_t n = vol_counter_encode(id, v, buf);
    pal_handle_t h;
    int r = pal_fs_open(s->state_dir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600, &h);
    if (r == 0) {
        long w = pal_write(h, buf, n, 0);
        r = w == (long)n ? pal_fs_fsync(h, 0) : (w < 0 ? (int)w : -EIO);
        IGNORE(pal_close(h));
    }
    if (r == 0)
        r = pal_fs_rename(s->state_dir, tmp, s->state_dir, name, 0);
    if (r == 0 && pal_fs_open(s->state_dir, "", O_RDONLY | O_DIRECTORY, 0, &h) == 0) {
        IGNORE(pal_fs_fsync(h, 0));
        IGNORE(pal_close(h));
    }
    if (r < 0)
        kprintf("%s: cannot write the rollback counter %s (error %d)", s->source, name, -r);
    return r;
}

/* ---- open and close ------------------------------------------------------------------------ */

int vg_open(struct afs_sb *s, const uint8_t key[32], pal_handle_t state_dir)
{
    s->state_dir = state_dir;
    s->io = (struct vol_io){
        .ctx = s,
        .read = io_read,
        .write = io_write,
        .sync = io_sync,
        .alloc = io_alloc,
        .free = io_free,
        .random = io_random,
        .crypto_begin = io_crypto_begin,
        .crypto_end = io_crypto_end,
        .log = io_log,
    };
    s->counter = (struct vol_counter){.ctx = s, .get = counter_get, .set = counter_set};
    const struct vol_counter *c = state_dir == PAL_HANDLE_NONE ? NULL : &s->counter;
    if (!c)
        kprintf("%s: no state directory: a rollback of the whole volume to an older copy is "
                "not detected", s->source);
    return vol_open(&s->io, key, c, s->rw, &s->vol);
}

void vg_close(struct afs_sb *s)
{
    if (s->vol)
        vol_close(s->vol);
    s->vol = NULL;
}

/* ---- directories ----------------------------------------------------------------------------- */

int vg_dir_store(struct afs_sb *s, uint64_t vino, struct dentry *dir)
{
    size_t n = 0;
    for (struct dentry *c = dir->child_first; c; c = c->sib_next)
        if (c->inode && (c->flags & D_HASHED))
            n++;
    struct vol_dirent *e = n ? kmalloc(n * sizeof(*e)) : NULL;
    if (n && !e)
        return -ENOMEM;
    size_t k = 0;
    for (struct dentry *c = dir->child_first; c && k < n; c = c->sib_next) {
        if (!c->inode || !(c->flags & D_HASHED))
            continue;
        uint64_t ino = afs_vino(c->inode);
        if (ino == 0 || c->len == 0 || c->len > VOL_NAME_MAX) {
            /* Every named inode got its number earlier in the commit: a broken invariant. */
            kfree(e);
            return -EIO;
        }
        e[k].ino = ino;
        e[k].type = dtype_of(c->inode->mode);
        e[k].len = (uint8_t)c->len;
        e[k].name = c->name;
        k++;
    }
    int r = vol_dir_write(s->vol, vino, e, k);
    kfree(e);
    return r;
}
