/*
 * volume_xfer.c - `alcove volume import` and `export`: a host directory tree into a
 * volume and back (regular files with their holes, directories, symlinks, device nodes,
 * fifos, hard links, modes, owners, times).
 *
 * Export writes only below DST, which it creates (or which must be empty): names come
 * from authenticated directories whose decoder refuses '/', "." and "..", every file is
 * created with O_EXCL|O_NOFOLLOW, so a volume cannot make export write elsewhere.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "volume.h"

#define CHUNK 256u  /* blocks per read/write (1 MiB) */
#define COMMIT_EVERY (256ull << 20)

/* ---- hard links: (host dev, ino) or volume ino -> the first one seen ------------------- */

struct link {
    uint64_t a, b, vino;
    char *path;
};

struct links {
    struct link *v;
    size_t n, cap;
};

static struct link *link_find(struct links *l, uint64_t a, uint64_t b)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].a == a && l->v[i].b == b)
            return &l->v[i];
    return NULL;
}

static int link_add(struct links *l, uint64_t a, uint64_t b, uint64_t vino, const char *path)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        struct link *nv = realloc(l->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n].a = a;
    l->v[l->n].b = b;
    l->v[l->n].vino = vino;
    l->v[l->n].path = path ? strdup(path) : NULL;
    l->n++;
    return 0;
}

static void links_free(struct links *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].path);
    free(l->v);
}

static uint8_t dtype(uint32_t mode)
{
    switch (mode & S_IFMT) {
    case S_IFREG: return DT_REG;
    case S_IFDIR: return DT_DIR;
    case S_IFLNK: return DT_LNK;
    case S_IFCHR: return DT_CHR;
    case S_IFBLK: return DT_BLK;
    case S_IFIFO: return DT_FIFO;
    case S_IFSOCK: return DT_SOCK;
    default: return DT_UNKNOWN;
    }
}

static int verr(const char *what, const char *path, int r)
{
    if (r == -ENOSPC)
        fprintf(stderr, "alcove volume import: %s: the volume is full (give a bigger --size)\n", path);
    else
        fprintf(stderr, "alcove volume %s: %s: %s\n", what, path,
                r == -EIO ? "failed authentication (corrupted volume)" : strerror(-r));
    return -1;
}

/* ---- sizing ---------------------------------------------------------------------------- */

struct tally {
    uint64_t blocks, inodes;
};

static int tally_dir(const char *path, struct tally *t)
{
    DIR *d = opendir(path);
    struct dirent *de;
    uint64_t dirbytes = 8;
    char p[PATH_MAX];
    if (!d) {
        fprintf(stderr, "alcove volume import: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        struct stat st;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", path, de->d_name) >= sizeof(p) ||
            lstat(p, &st) < 0) {
            fprintf(stderr, "alcove volume import: %s: %s\n", p, strerror(errno ? errno : ENAMETOOLONG));
            closedir(d);
            return -1;
        }
        dirbytes += 10 + strlen(de->d_name);
        t->inodes++;
        if (S_ISREG(st.st_mode)) {
            /* holes stay holes: what the file holds, not its size */
            uint64_t sz = (uint64_t)st.st_size, held = (uint64_t)st.st_blocks * 512;
            t->blocks += ((held < sz ? held : sz) + 4095) / 4096;
        }
        else if (S_ISLNK(st.st_mode))
            t->blocks++;
        else if (S_ISDIR(st.st_mode) && tally_dir(p, t) < 0) {
            closedir(d);
            return -1;
        }
    }
    closedir(d);
    t->blocks += (dirbytes + 4095) / 4096;
    return 0;
}

int volume_import_size(const char *src, uint64_t *bytes)
{
    struct tally t = {0, 1};
    if (tally_dir(src, &t) < 0)
        return -1;
    /* data, its tree nodes (1/63), inode table (16 a block), a commit's worth of copies,
     * and 1 MiB besides */
    uint64_t b = t.blocks + t.blocks / 32 + t.inodes / 8 + 256;
    b += b / 16;
    *bytes = b * 4096 < VOL_MIN_SIZE ? VOL_MIN_SIZE : b * 4096;
    return 0;
}

/* ---- import ---------------------------------------------------------------------------- */

struct imp {
    struct vol *v;
    struct links links;
    uint8_t *buf;
    uint64_t since_commit;
};

static void attr_from(struct vol_attr *a, const struct stat *st)
{
    a->mode = st->st_mode;
    a->uid = st->st_uid;
    a->gid = st->st_gid;
    a->rdev = st->st_rdev;
    a->atime_sec = st->st_atim.tv_sec;
    a->atime_nsec = st->st_atim.tv_nsec;
    a->mtime_sec = st->st_mtim.tv_sec;
    a->mtime_nsec = st->st_mtim.tv_nsec;
    a->ctime_sec = st->st_ctim.tv_sec;
    a->ctime_nsec = st->st_ctim.tv_nsec;
}

static int all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return 0;
    return 1;
}

static int import_file(struct imp *im, const char *path, uint64_t ino)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "alcove volume import: %s: %s\n", path, strerror(errno));
        return -1;
    }
    uint64_t idx = 0;
    for (;;) {
        size_t got = 0;
        while (got < CHUNK * VOL_BLOCK) {
            ssize_t n = read(fd, im->buf + got, CHUNK * VOL_BLOCK - got);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                fprintf(stderr, "alcove volume import: %s: %s\n", path, strerror(errno));
                close(fd);
                return -1;
            }
            if (n == 0)
                break;
            got += (size_t)n;
        }
        if (!got)
            break;
        uint64_t nb = (got + VOL_BLOCK - 1) / VOL_BLOCK;
        memset(im->buf + got, 0, nb * VOL_BLOCK - got);
        /* zero blocks stay holes; runs of the others go in one call */
        for (uint64_t i = 0; i < nb;) {
            if (all_zero(im->buf + i * VOL_BLOCK, VOL_BLOCK)) {
                i++;
                continue;
            }
            uint64_t e = i + 1;
            while (e < nb && !all_zero(im->buf + e * VOL_BLOCK, VOL_BLOCK))
                e++;
            int r = vol_write_blocks(im->v, ino, idx + i, e - i, im->buf + i * VOL_BLOCK);
            if (r < 0) {
                close(fd);
                return verr("import", path, r);
            }
            i = e;
        }
        idx += nb;
        im->since_commit += got;
        if (got < CHUNK * VOL_BLOCK)
            break;
    }
    close(fd);
    if (im->since_commit >= COMMIT_EVERY) {
        /* bound the dirty tree nodes kept in memory */
        int r = vol_commit(im->v);
        if (r < 0)
            return verr("import", path, r);
        im->since_commit = 0;
    }
    return 0;
}

struct ent {
    uint64_t ino;
    uint8_t type;
    char *name;
};

static int import_dir(struct imp *im, const char *path, uint64_t dino, const struct stat *dst)
{
    DIR *d = opendir(path);
    struct dirent *de;
    struct ent *ents = NULL;
    size_t n = 0, cap = 0;
    uint64_t subdirs = 0;
    char p[PATH_MAX];
    int ret = -1, r;
    if (!d) {
        fprintf(stderr, "alcove volume import: %s: %s\n", path, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        struct stat st;
        struct vol_attr a;
        uint64_t ino;
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", path, de->d_name) >= sizeof(p)) {
            fprintf(stderr, "alcove volume import: %s/%s: name too long\n", path, de->d_name);
            goto out;
        }
        if (lstat(p, &st) < 0) {
            fprintf(stderr, "alcove volume import: %s: %s\n", p, strerror(errno));
            goto out;
        }
        struct link *l = NULL;
        if (!S_ISDIR(st.st_mode) && st.st_nlink > 1 &&
            (l = link_find(&im->links, (uint64_t)st.st_dev, (uint64_t)st.st_ino))) {
            /* another name of an inode already imported */
            ino = l->vino;
            if ((r = vol_getattr(im->v, ino, &a)) < 0)
                goto verr;
            a.nlink++;
            if ((r = vol_setattr(im->v, ino, &a)) < 0)
                goto verr;
        } else {
            if ((r = vol_alloc(im->v, st.st_mode, &ino)) < 0)
                goto verr;
            if (S_ISREG(st.st_mode)) {
                if (import_file(im, p, ino) < 0)
                    goto out;
            } else if (S_ISLNK(st.st_mode)) {
                memset(im->buf, 0, VOL_BLOCK);
                ssize_t len = readlink(p, (char *)im->buf, VOL_BLOCK);
                if (len < 0 || len >= VOL_BLOCK) {
                    fprintf(stderr, "alcove volume import: %s: cannot read the link\n", p);
                    goto out;
                }
                if ((r = vol_write_block(im->v, ino, 0, im->buf)) < 0)
                    goto verr;
                st.st_size = len;
            } else if (S_ISDIR(st.st_mode)) {
                subdirs++;
                if (import_dir(im, p, ino, &st) < 0)
                    goto out;
            }
            if (!S_ISDIR(st.st_mode)) {
                memset(&a, 0, sizeof(a));
                attr_from(&a, &st);
                a.nlink = 1;
                a.size = S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? st.st_size : 0;
                if ((r = vol_setattr(im->v, ino, &a)) < 0)
                    goto verr;
                if (st.st_nlink > 1 && link_add(&im->links, (uint64_t)st.st_dev,
                                                (uint64_t)st.st_ino, ino, NULL) < 0)
                    goto out;
            }
        }
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            struct ent *ne = realloc(ents, cap * sizeof(*ne));
            if (!ne)
                goto out;
            ents = ne;
        }
        ents[n].ino = ino;
        ents[n].type = dtype(st.st_mode);
        ents[n].name = strdup(de->d_name);
        n++;
    }
    struct vol_dirent *ve = calloc(n ? n : 1, sizeof(*ve));
    if (!ve)
        goto out;
    for (size_t i = 0; i < n; i++) {
        ve[i].ino = ents[i].ino;
        ve[i].type = ents[i].type;
        ve[i].len = (uint8_t)strlen(ents[i].name);
        ve[i].name = ents[i].name;
    }
    r = vol_dir_write(im->v, dino, ve, n);
    free(ve);
    if (r < 0) {
        snprintf(p, sizeof(p), "%s", path);
        goto verr;
    }
    struct vol_attr a;
    if ((r = vol_getattr(im->v, dino, &a)) < 0)
        goto verr;
    int64_t size = a.size;
    attr_from(&a, dst);
    a.size = size;
    a.nlink = 2 + subdirs;
    if ((r = vol_setattr(im->v, dino, &a)) < 0)
        goto verr;
    ret = 0;
    goto out;
verr:
    verr("import", p, r);
out:
    for (size_t i = 0; i < n; i++)
        free(ents[i].name);
    free(ents);
    closedir(d);
    return ret;
}

int volume_import_tree(struct vol *v, const char *src)
{
    struct imp im;
    struct stat st;
    memset(&im, 0, sizeof(im));
    im.v = v;
    im.buf = malloc(CHUNK * VOL_BLOCK);
    if (!im.buf || stat(src, &st) < 0) {
        fprintf(stderr, "alcove volume import: %s: %s\n", src, strerror(errno ? errno : ENOMEM));
        free(im.buf);
        return -1;
    }
    int r = import_dir(&im, src, vol_root(v), &st);
    links_free(&im.links);
    free(im.buf);
    return r;
}

/* ---- export ---------------------------------------------------------------------------- */

struct exp {
    struct vol *v;
    struct links links;
    uint8_t *buf;
    int root;  /* running as root: owners and device nodes too */
};

struct dlist {
    struct ent *e;
    size_t n, cap;
};

static int collect(void *arg, const struct vol_dirent *e)
{
    struct dlist *l = arg;
    if (l->n == l->cap) {
        size_t nc = l->cap ? 2 * l->cap : 64;
        struct ent *ne = realloc(l->e, nc * sizeof(*ne));
        if (!ne)
            return -ENOMEM;
        l->e = ne;
        l->cap = nc;
    }
    l->e[l->n].ino = e->ino;
    l->e[l->n].type = e->type;
    l->e[l->n].name = strndup(e->name, e->len);
    if (!l->e[l->n].name)
        return -ENOMEM;
    l->n++;
    return 0;
}

static int set_attrs(struct exp *ex, const char *p, const struct vol_attr *a)
{
    struct timespec ts[2] = {{a->atime_sec, a->atime_nsec}, {a->mtime_sec, a->mtime_nsec}};
    if (ex->root && lchown(p, a->uid, a->gid) < 0) {
        fprintf(stderr, "alcove volume export: %s: chown: %s\n", p, strerror(errno));
        return -1;
    }
    if (!S_ISLNK(a->mode) && chmod(p, a->mode & 07777) < 0) {
        fprintf(stderr, "alcove volume export: %s: chmod: %s\n", p, strerror(errno));
        return -1;
    }
    if (utimensat(AT_FDCWD, p, ts, AT_SYMLINK_NOFOLLOW) < 0) {
        fprintf(stderr, "alcove volume export: %s: utimensat: %s\n", p, strerror(errno));
        return -1;
    }
    return 0;
}

static int export_file(struct exp *ex, uint64_t ino, const char *p, const struct vol_attr *a)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "alcove volume export: %s: %s\n", p, strerror(errno));
        return -1;
    }
    uint64_t size = a->size > 0 ? (uint64_t)a->size : 0;
    uint64_t nblocks = (size + VOL_BLOCK - 1) / VOL_BLOCK;
    int64_t idx = vol_next_block(ex->v, ino, 0);
    /* only the blocks that hold data: holes stay holes */
    while (idx >= 0 && (uint64_t)idx < nblocks) {
        uint64_t n = nblocks - (uint64_t)idx < CHUNK ? nblocks - (uint64_t)idx : CHUNK;
        int r = vol_read_blocks(ex->v, ino, (uint64_t)idx, n, ex->buf);
        if (r < 0) {
            close(fd);
            return verr("export", p, r);
        }
        for (uint64_t i = 0; i < n; i++) {
            uint64_t off = ((uint64_t)idx + i) * VOL_BLOCK;
            size_t len = size - off < VOL_BLOCK ? (size_t)(size - off) : VOL_BLOCK;
            if (all_zero(ex->buf + i * VOL_BLOCK, len))
                continue;
            if (pwrite(fd, ex->buf + i * VOL_BLOCK, len, (off_t)off) != (ssize_t)len) {
                fprintf(stderr, "alcove volume export: %s: %s\n", p, strerror(errno));
                close(fd);
                return -1;
            }
        }
        idx = vol_next_block(ex->v, ino, (uint64_t)idx + n);
    }
    if (ftruncate(fd, (off_t)size) < 0 || close(fd) < 0) {
        fprintf(stderr, "alcove volume export: %s: %s\n", p, strerror(errno));
        return -1;
    }
    return 0;
}

static int export_dir(struct exp *ex, uint64_t dino, const char *path)
{
    struct dlist l = {0};
    char p[PATH_MAX];
    int ret = -1;
    int r = vol_dir_read(ex->v, dino, collect, &l);
    if (r < 0) {
        verr("export", path, r);
        goto out;
    }
    for (size_t i = 0; i < l.n; i++) {
        struct vol_attr a;
        uint64_t ino = l.e[i].ino;
        if ((size_t)snprintf(p, sizeof(p), "%s/%s", path, l.e[i].name) >= sizeof(p)) {
            fprintf(stderr, "alcove volume export: %s/%s: name too long\n", path, l.e[i].name);
            goto out;
        }
        if ((r = vol_getattr(ex->v, ino, &a)) < 0) {
            verr("export", p, r);
            goto out;
        }
        struct link *lk;
        if (!S_ISDIR(a.mode) && a.nlink > 1 && (lk = link_find(&ex->links, ino, 0))) {
            if (link(lk->path, p) < 0) {
                fprintf(stderr, "alcove volume export: %s: link: %s\n", p, strerror(errno));
                goto out;
            }
            continue;
        }
        switch (a.mode & S_IFMT) {
        case S_IFDIR:
            if (mkdir(p, 0700) < 0) {
                fprintf(stderr, "alcove volume export: %s: %s\n", p, strerror(errno));
                goto out;
            }
            if (export_dir(ex, ino, p) < 0)
                goto out;
            break;
        case S_IFREG:
            if (export_file(ex, ino, p, &a) < 0)
                goto out;
            break;
        case S_IFLNK: {
            if (a.size <= 0 || a.size >= VOL_BLOCK) {
                fprintf(stderr, "alcove volume export: %s: bad symlink length\n", p);
                goto out;
            }
            if ((r = vol_read_blocks(ex->v, ino, 0, 1, ex->buf)) < 0) {
                verr("export", p, r);
                goto out;
            }
            ex->buf[a.size] = 0;
            if (symlink((char *)ex->buf, p) < 0) {
                fprintf(stderr, "alcove volume export: %s: symlink: %s\n", p, strerror(errno));
                goto out;
            }
            break;
        }
        default:
            if (mknod(p, (a.mode & S_IFMT) | 0600, (dev_t)a.rdev) < 0) {
                fprintf(stderr, "alcove volume export: %s: skipped (%s)\n", p, strerror(errno));
                continue;
            }
        }
        if (set_attrs(ex, p, &a) < 0)
            goto out;
        if (!S_ISDIR(a.mode) && a.nlink > 1 && link_add(&ex->links, ino, 0, ino, p) < 0)
            goto out;
    }
    ret = 0;
out:
    for (size_t i = 0; i < l.n; i++)
        free(l.e[i].name);
    free(l.e);
    return ret;
}

int volume_export_tree(struct vol *v, const char *dst)
{
    struct exp ex;
    struct vol_attr a;
    memset(&ex, 0, sizeof(ex));
    ex.v = v;
    ex.root = geteuid() == 0;
    if (mkdir(dst, 0700) < 0) {
        DIR *d = errno == EEXIST ? opendir(dst) : NULL;
        struct dirent *de;
        int empty = d != NULL;
        while (d && (de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                empty = 0;
        if (d)
            closedir(d);
        if (!empty) {
            fprintf(stderr, "alcove volume export: %s must be a new or empty directory\n", dst);
            return -1;
        }
    }
    ex.buf = malloc(CHUNK * VOL_BLOCK + 1);
    if (!ex.buf)
        return -1;
    int r = export_dir(&ex, vol_root(v), dst);
    int g = vol_getattr(v, vol_root(v), &a);
    if (r == 0 && g == 0)
        r = set_attrs(&ex, dst, &a);
    else if (r == 0)
        r = verr("export", dst, g);
    links_free(&ex.links);
    free(ex.buf);
    return r;
}
