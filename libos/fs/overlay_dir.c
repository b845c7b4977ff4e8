/*
 * overlay_dir.c - the overlay's names: create, remove and rename with whiteouts and
 * opaque directories on the upper layer, and merged directory listings.
 *
 * Rules (Linux overlayfs, redirect_dir=off):
 *  - A name is created on the upper layer (its parents copied up first); a whiteout left
 *    there by an earlier delete is removed after the create succeeded, and a directory
 *    made over a whiteout is opaque (".wh..wh..opq" inside), so the old lower directory's
 *    entries stay hidden.
 *  - unlink/rmdir remove the upper object, and leave a whiteout only when the lower layer
 *    has the name (an upper-only name leaves nothing, so the upper layer stays minimal).
 *    Each operation makes the step that can fail (ENOSPC) first and undoes it if the
 *    next one fails, so a failure leaves the tree as it was.
 *  - rename of a directory whose content comes from the lower layer (a lower or merged
 *    directory) is EXDEV; mv(1) and friends then copy and delete.  Files, symlinks and
 *    upper-only directories are renamed on the upper layer (files copied up first).
 *  - Listings are a snapshot of the merged names taken at offset 0 (opendir/rewinddir):
 *    upper names, then lower names not shadowed or whited out.  Each name is looked up
 *    again when it is returned, so a name removed meanwhile is skipped, and nothing is
 *    returned twice; names created after the snapshot may be missing, as POSIX allows.
 */
#include "overlay.h"
#include "tmpfs.h"

/* A directory the boot made up in the overlay's cache for a mount point below it (its
 * inode is not an overlay inode): the overlay cannot change it or move things into it. */
static int made_up(const struct inode *i)
{
    return i && i->iops != &ovl_iops;
}

int ovl_reserved_name(const char *name, size_t len)
{
    return len >= WH_PREFIX_LEN && al_memcmp(name, WH_PREFIX, WH_PREFIX_LEN) == 0;
}

/* ---- listing the layers -------------------------------------------------------------------- */

typedef int (*name_fn)(void *ctx, const char *name, size_t len);

/* Every entry of a host directory (hostfs lower layer), records checked as hostfs does. */
static int list_host(struct dentry *dir, name_fn fn, void *ctx)
{
    struct file *f;
    int r = ovl_open_real(dir, O_RDONLY | O_DIRECTORY, &f);
    if (r < 0)
        return r;
    size_t cap = 32768;
    char *buf = f->h != PAL_HANDLE_NONE ? kmalloc(cap) : NULL;
    if (!buf)
        r = f->h == PAL_HANDLE_NONE ? -EIO : -ENOMEM;
    while (r == 0) {
        long n = pal_fs_getdents(f->h, buf, cap);
        if (n <= 0) {
            r = (int)n;
            break;
        }
        if (n > (long)cap) {
            r = -EIO;
            break;
        }
        for (long off = 0; r == 0 && off < n;) {
            struct linux_dirent64 *e = (struct linux_dirent64 *)(buf + off);
            size_t nl;
            if (n - off < 20 || e->d_reclen < 20 || e->d_reclen > n - off ||
                (nl = al_strnlen(e->d_name, e->d_reclen - 19)) >= (size_t)(e->d_reclen - 19) ||
                !nl || nl > NAME_MAX_LEN || al_strchr(e->d_name, '/')) {
                warn("overlay: the host returned a malformed directory record; rejecting it");
                r = -EIO;
                break;
            }
            off += e->d_reclen;
            if ((nl == 1 && e->d_name[0] == '.') || (nl == 2 && e->d_name[0] == '.' && e->d_name[1] == '.'))
                continue;
            r = fn(ctx, e->d_name, nl);
        }
    }
    kfree(buf);
    file_put(f);
    return r;
}

/* Every name of a layer directory, "." and ".." excepted. */
static int list_layer(struct dentry *dir, name_fn fn, void *ctx)
{
    const struct inode_ops *iops = dir->inode->iops;
    if (!iops->lookup) {
        /* Names only in the cache (tmpfs, alcovefs): the pinned children are all of them. */
        uint64_t p = 0;
        for (struct dentry *c; (c = d_next_child(dir, &p)) != NULL;) {
            int r = fn(ctx, c->name, c->len);
            if (r)
                return r;
        }
        return 0;
    }
    if (iops->iterate)
        return iops->iterate(dir, fn, ctx);
    if (dir->sb->type == &hostfs_type)
        return list_host(dir, fn, ctx);
    warn("overlay: the %s lower layer cannot list directories", dir->sb->type->name);
    return -EOPNOTSUPP;
}

/* A set of names: records of one flag byte (1: hidden by a whiteout), the name, a NUL, in
 * one buffer; an open-addressing table of record offsets (+1, 0 empty) finds them. */
struct nameset {
    char *buf;
    size_t len, cap;
    uint32_t *slot;
    size_t nslot, used, visible;
};

static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static size_t ns_find(const struct nameset *ns, const char *name, size_t len)
{
    size_t i = name_hash(name, len) & (ns->nslot - 1);
    for (;; i = (i + 1) & (ns->nslot - 1)) {
        uint32_t o = ns->slot[i];
        if (!o)
            return i;
        const char *r = ns->buf + o - 1 + 1;
        if (al_strlen(r) == len && al_memcmp(r, name, len) == 0)
            return i;
    }
}

static int ns_grow(struct nameset *ns)
{
    size_t n = ns->nslot ? ns->nslot * 2 : 256;
    uint32_t *s = kzalloc(n * sizeof(*s));
    if (!s)
        return -ENOMEM;
    uint32_t *old = ns->slot;
    size_t on = ns->nslot;
    ns->slot = s;
    ns->nslot = n;
    for (size_t i = 0; i < on; i++)
        if (old[i]) {
            const char *r = ns->buf + old[i] - 1 + 1;
            ns->slot[ns_find(ns, r, al_strlen(r))] = old[i];
        }
    kfree(old);
    return 0;
}

/* Add name (hidden or not); an existing hidden name becomes visible if !hidden and
 * upper_wins (an upper object beats its own stale whiteout), else stays as it is. */
static int ns_add(struct nameset *ns, const char *name, size_t len, int hidden, int upper_wins)
{
    if ((ns->used + 1) * 2 > ns->nslot && ns_grow(ns) < 0)
        return -ENOMEM;
    size_t i = ns_find(ns, name, len);
    if (ns->slot[i]) {
        char *flag = ns->buf + ns->slot[i] - 1;
        if (*flag && !hidden && upper_wins) {
            *flag = 0;
            ns->visible++;
        }
        return 0;
    }
    if (ns->len + len + 2 > ns->cap) {
        size_t nc = MAX(ns->cap * 2, ns->len + len + 2 + 4096);
        if (nc > 0x7fffffff)
            return -ENOMEM;
        char *b = kmalloc(nc);
        if (!b)
            return -ENOMEM;
        if (ns->buf)
            al_memcpy(b, ns->buf, ns->len);
        kfree(ns->buf);
        ns->buf = b;
        ns->cap = nc;
    }
    ns->buf[ns->len] = (char)(hidden != 0);
    al_memcpy(ns->buf + ns->len + 1, name, len);
    ns->buf[ns->len + 1 + len] = '\0';
    ns->slot[i] = (uint32_t)ns->len + 1;
    ns->len += len + 2;
    ns->used++;
    ns->visible += !hidden;
    return 0;
}

static int add_upper(void *ctx, const char *name, size_t len)
{
    if (len == WH_OPAQUE_LEN && al_memcmp(name, WH_OPAQUE, len) == 0)
        return 0;
    if (ovl_reserved_name(name, len))
        return len > WH_PREFIX_LEN ? ns_add(ctx, name + WH_PREFIX_LEN, len - WH_PREFIX_LEN, 1, 0) : 0;
    return ns_add(ctx, name, len, 0, 1);
}

static int add_lower(void *ctx, const char *name, size_t len)
{
    /* Names of the whiteout encoding are never shown, whichever layer has them. */
    return ovl_reserved_name(name, len) ? 0 : ns_add(ctx, name, len, 0, 0);
}

int ovl_list(struct dentry *dir, char **out, size_t *n, size_t *outlen)
{
    struct ovl_inode *oi = OI(dir->inode);
    struct nameset ns = {0};
    int r = 0;
    *out = NULL;
    *n = *outlen = 0;
    if (oi->upper)
        r = list_layer(oi->upper, add_upper, &ns);
    if (r == 0 && ovl_has_lower_dir(dir->inode))
        r = list_layer(oi->lower, add_lower, &ns);
    /* Mount points the boot made up where neither layer has the directory (/proc on a
     * bare image): they exist in the overlay's own cache only. */
    uint64_t p = 0;
    for (struct dentry *c; r == 0 && (c = d_next_child(dir, &p)) != NULL;)
        if (c->flags & D_AUTODIR)
            r = ns_add(&ns, c->name, c->len, 0, 0);
    /* Keep the visible names, in order, NUL-terminated. */
    if (r == 0 && ns.visible) {
        size_t w = 0;
        for (size_t o = 0; o < ns.len;) {
            size_t l = al_strlen(ns.buf + o + 1);
            if (!ns.buf[o]) {
                al_memmove(ns.buf + w, ns.buf + o + 1, l + 1);
                w += l + 1;
            }
            o += l + 2;
        }
        *out = ns.buf;
        *n = ns.visible;
        *outlen = w;
        ns.buf = NULL;
    }
    kfree(ns.buf);
    kfree(ns.slot);
    return r;
}

/* Remove the whiteout-encoding entries of upper directory ud (logically empty). */
static int upper_clear(struct dentry *ud)
{
    uint64_t p = 0;
    for (struct dentry *c; (c = d_next_child(ud, &p)) != NULL;) {
        if (!ovl_reserved_name(c->name, c->len))
            return -ENOTEMPTY;
        dget(c);
        int r = ovl_upper_remove(ud, c);
        dput(c);
        if (r < 0)
            return r;
    }
    return 0;
}

static int merged_empty(struct dentry *d)
{
    char *names;
    size_t n, len;
    int r = ovl_list(d, &names, &n, &len);
    kfree(names);
    return r < 0 ? r : n == 0;
}

/* ---- making names ------------------------------------------------------------------------ */

static int opaque_mark(struct dentry *ud)
{
    if (ovl_upper_child(ud, WH_OPAQUE, WH_OPAQUE_LEN))
        return 0;
    struct dentry *m;
    int r = ovl_upper_make(ud, WH_OPAQUE, WH_OPAQUE_LEN, S_IFREG | 0600, 0, NULL, &m);
    if (r == 0)
        dput(m);
    return r;
}

/* The lower object at d's name in dir (st_ino origin), referenced or NULL. */
static struct dentry *lower_origin(struct dentry *dir, const char *name, size_t len)
{
    if (!ovl_has_lower_dir(dir->inode))
        return NULL;
    struct path lp = {NULL, OI(dir->inode)->lower};
    struct dentry *l;
    if (lookup_child(&lp, name, len, 0, &l) < 0)
        return NULL;
    if (!l->inode) {
        dput(l);
        return NULL;
    }
    return l;
}

/* Create d in dir on the upper layer: a node (mode, rdev), a directory, a symlink
 * (target), or a hard link to old (an overlay dentry with an upper object). */
static int make_name(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev,
                     const char *target, struct dentry *old)
{
    if (ovl_reserved_name(d->name, d->len))
        return -EINVAL;
    int r = ovl_copy_up(dir, 0);
    if (r < 0)
        return r;
    struct dentry *pu = OI(dir->inode)->upper, *ud;
    int wh = ovl_whiteout_in(pu, d->name, d->len);
    if (old) {
        struct dentry *ou = OI(old->inode)->upper;
        ud = d_alloc(pu, d->name, d->len);
        if (!ud)
            return -ENOMEM;
        r = pu->inode->iops->link ? pu->inode->iops->link(ou, pu, ud) : -EPERM;
        if (r < 0) {
            dput(ud);
            return r;
        }
        d_add(ud);
    } else {
        r = ovl_upper_make(pu, d->name, d->len, mode, rdev, target, &ud);
        if (r < 0)
            return r;
    }
    if (wh && S_ISDIR(mode))
        r = opaque_mark(ud);
    if (r == 0 && wh)
        r = ovl_whiteout_set(pu, d->name, d->len, 1);
    if (r < 0) {
        if (S_ISDIR(mode))
            IGNORE(upper_clear(ud));
        IGNORE(ovl_upper_remove(pu, ud));
        dput(ud);
        return r;
    }
    if (old) {
        dput(ud);
        ovl_sync_attrs(old->inode);
        d_instantiate(d, iget(old->inode));
        return 0;
    }
    struct inode *i = ovl_new_inode(d->sb, ud, lower_origin(dir, d->name, d->len));
    if (!i)
        return -ENOMEM; /* the name exists on the upper layer: a later lookup finds it */
    d_instantiate(d, i);
    ovl_sync_attrs(dir->inode);
    return 0;
}

int ovl_create(struct dentry *dir, struct dentry *d, uint32_t mode, uint64_t rdev)
{
    return make_name(dir, d, mode, rdev, NULL, NULL);
}

int ovl_mkdir(struct dentry *dir, struct dentry *d, uint32_t mode)
{
    return make_name(dir, d, S_IFDIR | (mode & 07777), 0, NULL, NULL);
}

int ovl_symlink(struct dentry *dir, struct dentry *d, const char *target)
{
    return make_name(dir, d, S_IFLNK | 0777, 0, target, NULL);
}

int ovl_link(struct dentry *old, struct dentry *dir, struct dentry *d)
{
    /* A lower file is copied up first: the new name links to the copy (the lower file's
     * other names, if any, keep showing the lower file). */
    int r = ovl_copy_up(old, 0);
    return r < 0 ? r : make_name(dir, d, old->inode->mode, 0, NULL, old);
}

int ovl_tmpfile(struct dentry *dir, struct file *f, int flags, uint32_t mode, struct inode **out)
{
    int r = ovl_copy_up(dir, 0);
    if (r < 0)
        return r;
    struct dentry *pu = OI(dir->inode)->upper;
    if (!tmpfs_is(pu->sb))
        return -EOPNOTSUPP;
    struct inode *ui;
    r = tmpfs_anon_inode(pu->sb, mode, &ui);
    if (r < 0)
        return r;
    struct dentry *ud = d_alloc_anon(pu->sb, "tmpfile", ui);
    if (!ud)
        return -ENOMEM;
    ud->parent = dget(pu); /* as the VFS does: the directory it was made in */
    struct inode *i = ovl_new_inode(dir->sb, ud, NULL);
    if (!i)
        return -ENOMEM;
    r = ovl_open_inode(i, f, flags & ~O_TMPFILE);
    if (r < 0) {
        iput(i);
        return r;
    }
    *out = i;
    return 0;
}

/* ---- removing names ---------------------------------------------------------------------- */

/* Remove d's name: a whiteout first where the lower layer has the name, then the upper
 * object if any (undoing the whiteout if that fails). */
static int remove_name(struct dentry *dir, struct dentry *d)
{
    int r = ovl_copy_up(dir, 0);
    if (r < 0)
        return r;
    struct dentry *pu = OI(dir->inode)->upper;
    int lp = ovl_lower_positive(dir, d->name, d->len);
    if (lp < 0)
        return lp;
    if (lp && (r = ovl_whiteout_set(pu, d->name, d->len, 0)) < 0)
        return r;
    struct dentry *uc = ovl_upper_child(pu, d->name, d->len);
    if (uc) {
        dget(uc);
        if (S_ISDIR(uc->inode->mode))
            r = upper_clear(uc);
        if (r == 0)
            r = ovl_upper_remove(pu, uc);
        dput(uc);
        if (r < 0) {
            if (lp)
                IGNORE(ovl_whiteout_set(pu, d->name, d->len, 1));
            return r;
        }
    }
    ovl_sync_attrs(d->inode);
    ovl_sync_attrs(dir->inode);
    return 0;
}

int ovl_unlink(struct dentry *dir, struct dentry *d)
{
    return made_up(d->inode) ? -EBUSY : remove_name(dir, d);
}

int ovl_rmdir(struct dentry *dir, struct dentry *d)
{
    if (made_up(d->inode))
        return -EBUSY; /* it holds a mount point below */
    int e = merged_empty(d);
    if (e < 0)
        return e;
    return e ? remove_name(dir, d) : -ENOTEMPTY;
}

/* ---- rename ------------------------------------------------------------------------------ */

/* After a rename, d's lower origin is whatever the lower layer has at its new name. */
static void reorigin(struct dentry *d, struct dentry *dir, const char *name, size_t len)
{
    struct ovl_inode *oi = OI(d->inode);
    struct dentry *l = lower_origin(dir, name, len);
    dput(oi->lower);
    oi->lower = l;
    ovl_sync_attrs(d->inode);
}

int ovl_rename(struct dentry *odir, struct dentry *od, struct dentry *ndir, struct dentry *nd,
               unsigned flags)
{
    int xchg = (flags & RENAME_EXCHANGE) != 0;
    if (made_up(od->inode) || made_up(nd->inode))
        return -EBUSY;
    if (made_up(ndir->inode) || made_up(odir->inode))
        return -EPERM; /* as for any other change inside a made-up directory */
    if (ovl_reserved_name(nd->name, nd->len))
        return -EINVAL;
    /* Without redirects a directory with lower content cannot change its name. */
    if (ovl_has_lower_dir(od->inode) || (xchg && ovl_has_lower_dir(nd->inode)))
        return -EXDEV;
    int odir_is = S_ISDIR(od->inode->mode);
    int ndir_is = nd->inode && S_ISDIR(nd->inode->mode);
    int r;
    if (nd->inode && !xchg && ndir_is) {
        int e = merged_empty(nd);
        if (e <= 0)
            return e < 0 ? e : -ENOTEMPTY;
    }
    if ((r = ovl_copy_up(od, 0)) < 0 || (xchg && (r = ovl_copy_up(nd, 0)) < 0) ||
        (r = ovl_copy_up(ndir, 0)) < 0)
        return r;
    struct dentry *opu = OI(odir->inode)->upper, *npu = OI(ndir->inode)->upper;
    struct dentry *oud = ovl_upper_child(opu, od->name, od->len);
    struct dentry *nud = ovl_upper_child(npu, nd->name, nd->len);
    if (!oud || (xchg && !nud))
        return -EIO;
    int old_low = xchg ? 0 : ovl_lower_positive(odir, od->name, od->len);
    int new_low = ovl_lower_positive(ndir, nd->name, nd->len);
    int back_low = xchg ? ovl_lower_positive(odir, od->name, od->len) : 0;
    if (old_low < 0 || new_low < 0 || back_low < 0)
        return -EIO;
    int wh_new = !xchg && ovl_whiteout_in(npu, nd->name, nd->len);
    /* Steps that may fail (ENOSPC) before the rename, each undone if a later one fails:
     * the directories moved over lower names become opaque, the replaced upper
     * directory loses its whiteout entries, the old name gets its whiteout. */
    int mark_o = odir_is && new_low && !ovl_upper_child(oud, WH_OPAQUE, WH_OPAQUE_LEN);
    int mark_n = xchg && ndir_is && back_low && !ovl_upper_child(nud, WH_OPAQUE, WH_OPAQUE_LEN);
    if (mark_o && (r = opaque_mark(oud)) < 0)
        return r;
    if (r == 0 && mark_n)
        r = opaque_mark(nud);
    if (r == 0 && nud && !xchg && S_ISDIR(nud->inode->mode))
        r = upper_clear(nud);
    if (r == 0 && old_low)
        r = ovl_whiteout_set(opu, od->name, od->len, 0);
    struct dentry *target = NULL;
    if (r == 0) {
        target = nud ? dget(nud) : d_alloc(npu, nd->name, nd->len);
        if (!target)
            r = -ENOMEM;
    }
    if (r == 0)
        r = opu->inode->iops->rename ? opu->inode->iops->rename(opu, oud, npu, target, xchg ? RENAME_EXCHANGE : 0)
                                     : -EPERM;
    if (r < 0) {
        if (old_low)
            IGNORE(ovl_whiteout_set(opu, od->name, od->len, 1));
        if (mark_o)
            IGNORE(ovl_whiteout_set(oud, WH_OPAQUE + WH_PREFIX_LEN, WH_OPAQUE_LEN - WH_PREFIX_LEN, 1));
        if (mark_n)
            IGNORE(ovl_whiteout_set(nud, WH_OPAQUE + WH_PREFIX_LEN, WH_OPAQUE_LEN - WH_PREFIX_LEN, 1));
        dput(target);
        return r;
    }
    /* The upper layer's cache follows, as the VFS would do it. */
    char oname[NAME_MAX_LEN + 1];
    al_memcpy(oname, oud->name, oud->len + 1);
    size_t olen = oud->len;
    int mr;
    if (xchg) {
        mr = d_move(oud, npu, nud->name, nud->len);
        if (mr == 0)
            mr = d_move(nud, opu, oname, olen);
    } else {
        if (nud)
            d_drop(nud);
        mr = d_move(oud, npu, nd->name, nd->len);
    }
    dput(target);
    if (mr < 0)
        warn("overlay rename: the dentry cache is out of memory; the upper layer may show stale names");
    if (wh_new)
        IGNORE(ovl_whiteout_set(npu, nd->name, nd->len, 1));
    if (mark_o)
        OI(od->inode)->opaque = 1;
    if (mark_n)
        OI(nd->inode)->opaque = 1;
    reorigin(od, ndir, nd->name, nd->len);
    if (nd->inode && xchg)
        reorigin(nd, odir, od->name, od->len);
    else if (nd->inode)
        ovl_sync_attrs(nd->inode);
    ovl_sync_attrs(odir->inode);
    ovl_sync_attrs(ndir->inode);
    return 0;
}

/* ---- open directories: merged listings ---------------------------------------------------- */

struct ovl_dirf {
    char *names;       /* the snapshot: NUL-terminated names */
    uint32_t *offs;    /* where each starts */
    size_t n;
    int valid;
};

static int snapshot(struct file *f)
{
    struct ovl_dirf *df = f->priv;
    kfree(df->names);
    kfree(df->offs);
    df->names = NULL;
    df->offs = NULL;
    df->n = 0;
    df->valid = 0;
    size_t len;
    int r = ovl_list(f->loc.dentry, &df->names, &df->n, &len);
    if (r < 0)
        return r;
    if (df->n) {
        df->offs = kmalloc(df->n * sizeof(*df->offs));
        if (!df->offs)
            return -ENOMEM;
        size_t o = 0;
        for (size_t k = 0; k < df->n; k++) {
            df->offs[k] = (uint32_t)o;
            o += al_strlen(df->names + o) + 1;
        }
    }
    df->valid = 1;
    return 0;
}

static long ovl_getdents(struct file *f, uint64_t ubuf, size_t n)
{
    struct ovl_dirf *df = f->priv;
    struct dentry *dir = f->loc.dentry;
    char rec[NAME_MAX_LEN + 32];
    size_t done = 0;
    int full = 0;
    if (f->pos == 0 || !df->valid) {
        int r = snapshot(f);
        if (r < 0)
            return r;
    }
    for (;;) {
        uint64_t cur = (uint64_t)f->pos;
        const char *name;
        uint64_t ino;
        uint8_t type = DT_DIR;
        if (cur == 0) {
            name = ".";
            ino = dir->inode->ino;
        } else if (cur == 1) {
            name = "..";
            ino = dir->parent ? dir->parent->inode->ino : dir->inode->ino;
        } else if (cur - 2 < df->n) {
            name = df->names + df->offs[cur - 2];
            /* Still there?  (It may have been removed since the snapshot.) */
            struct dentry *c;
            int r = lookup_child(&f->loc, name, al_strlen(name), 0, &c);
            if (r < 0)
                return done ? (long)done : r;
            if (!c->inode) {
                dput(c);
                f->pos = (int64_t)cur + 1;
                continue;
            }
            ino = c->inode->ino;
            type = dtype_of(c->inode->mode);
            dput(c);
        } else {
            break;
        }
        size_t rl = dirent_fill(rec, sizeof(rec), ino, (int64_t)cur + 1, type, name);
        if (!rl || done + rl > n) {
            full = 1;
            break;
        }
        if (copy_to_user(ubuf + done, rec, rl))
            return done ? (long)done : -EFAULT;
        done += rl;
        f->pos = (int64_t)cur + 1;
    }
    if (done == 0 && full)
        return -EINVAL; /* not even one record fits */
    return (long)done;
}

static void ovl_dir_release(struct file *f)
{
    struct ovl_dirf *df = f->priv;
    if (df) {
        kfree(df->names);
        kfree(df->offs);
        kfree(df);
    }
}

static int ovl_dir_stat(struct file *f, struct pal_stat *st)
{
    return f->loc.dentry->inode->iops->getattr(f->loc.dentry, st);
}

static int ovl_dir_fsync(struct file *f, int datasync)
{
    /* A directory's entries live on the upper layer: fsync that directory there. */
    struct dentry *u = OI(f->loc.dentry->inode)->upper;
    if (!u)
        return 0;
    struct file *rf;
    int r = ovl_open_real(u, O_RDONLY | O_DIRECTORY, &rf);
    if (r < 0)
        return r;
    r = rf->ops->fsync ? rf->ops->fsync(rf, datasync) : 0;
    file_put(rf);
    return r;
}

static const struct file_ops ovl_dir_fops = {
    .getdents = ovl_getdents,
    .stat = ovl_dir_stat,
    .fsync = ovl_dir_fsync,
    .release = ovl_dir_release,
    .seekable = 1,
};

int ovl_dir_open(struct dentry *d, struct file *f, int flags)
{
    (void)d;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EISDIR;
    struct ovl_dirf *df = kzalloc(sizeof(*df));
    if (!df)
        return -ENOMEM;
    f->priv = df;
    f->ops = &ovl_dir_fops;
    return 0;
}
