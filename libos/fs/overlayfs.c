/*
 * overlayfs.c - the overlay root: a read-only lower layer (the image, or a host directory
 * for development) below a writable upper layer (the encrypted volume, or a tmpfs in
 * enclave memory), merged into one tree as Linux's overlayfs merges them.
 *
 * This file holds the instance, the inodes, lookup, attributes and copy-up; names and
 * listings are in overlay_dir.c, open files in overlay_file.c, and the user-visible rules
 * (and where they differ from Linux) in docs/overlay.md.
 *
 * Model.  Every overlay inode points at the layer objects behind it (struct ovl_inode): the
 * upper dentry once the object exists there, and the lower dentry of the same path if the
 * lower layer has one.  Reads go to the upper object if there is one, else the lower; any
 * change first copies the object up (its parents first; a regular file whole, with mode,
 * owner and times kept) and then changes the upper object.  A directory present on both
 * layers is merged unless its upper part is opaque.
 *
 * Deletes are recorded on the upper layer in the OCI image-spec encoding, as plain files,
 * so that the upper volume exported (alcove volume export) is an OCI layer diff:
 * ".wh.NAME" hides NAME of the lower layer, ".wh..wh..opq" in a directory hides the whole
 * lower directory.  Names starting with ".wh." are therefore not available to programs
 * (EINVAL to create, never found, never listed).
 *
 * The overlay's dentries are not pinned: every name can be looked up again from the layers,
 * so the cache may evict them (the layers' own dentries stay referenced by live overlay
 * inodes).  The upper layer is always a tmpfs-style file system whose names all live in
 * the cache (tmpfs, alcovefs), so upper lookups are cache lookups; lower lookups go
 * through lookup_child (hostfs revalidates, erofs reads its directory blocks).  The lower
 * layer is never written.  Like Linux, changes made to the lower layer behind the
 * enclave's back while it runs give undefined (but safe) results.
 *
 * Everything runs under the big core lock.
 */
#include "overlay.h"

#define COPY_CHUNK (64 * 1024)
#define UPPER_INO_TAG (1ull << 62)   /* upper-layer inode numbers, kept apart from lower ones */

/* ---- helpers ----------------------------------------------------------------------------- */

struct dentry *ovl_upper_child(struct dentry *udir, const char *name, size_t len)
{
    struct dentry *c = d_lookup(udir, name, len);
    return c && c->inode ? c : NULL;
}

/* ".wh." + name into buf (NAME_MAX_LEN + 1 bytes): its length, or -ENAMETOOLONG. */
static int wh_name(const char *name, size_t len, char *buf)
{
    if (len + WH_PREFIX_LEN > NAME_MAX_LEN)
        return -ENAMETOOLONG;
    al_memcpy(buf, WH_PREFIX, WH_PREFIX_LEN);
    al_memcpy(buf + WH_PREFIX_LEN, name, len);
    buf[len + WH_PREFIX_LEN] = '\0';
    return (int)(len + WH_PREFIX_LEN);
}

int ovl_whiteout_in(struct dentry *udir, const char *name, size_t len)
{
    char wh[NAME_MAX_LEN + 1];
    int n = wh_name(name, len, wh);
    return n > 0 && ovl_upper_child(udir, wh, (size_t)n) != NULL;
}

static int upper_opaque(struct dentry *ud)
{
    return ovl_upper_child(ud, WH_OPAQUE, WH_OPAQUE_LEN) != NULL;
}

void ovl_sync_attrs(struct inode *i)
{
    struct ovl_inode *oi = OI(i);
    struct dentry *real = ovl_real(i);
    const struct inode *ri = real ? real->inode : NULL;
    if (!ri)
        return;
    i->mode = ri->mode, i->uid = ri->uid, i->gid = ri->gid;
    i->nlink = ri->nlink, i->rdev = ri->rdev, i->size = ri->size, i->blocks = ri->blocks;
    i->atime_sec = ri->atime_sec, i->atime_nsec = ri->atime_nsec;
    i->mtime_sec = ri->mtime_sec, i->mtime_nsec = ri->mtime_nsec;
    i->ctime_sec = ri->ctime_sec, i->ctime_nsec = ri->ctime_nsec;
    /* st_ino: the lower object's while it is the same object (a directory, or a file with
     * one link: a copied-up file keeps its number), else the upper one's, tagged.  Lower
     * hard links are broken by copy-up (as in Linux without index=on), so they cannot
     * keep sharing the lower number. */
    const struct inode *li = oi->lower ? oi->lower->inode : NULL;
    if (li && (!oi->upper || ((li->mode & S_IFMT) == (ri->mode & S_IFMT) &&
                              (S_ISDIR(li->mode) || li->nlink == 1))))
        i->ino = li->ino;
    else
        i->ino = ri->ino | UPPER_INO_TAG;
    /* A merged directory's link count would need every subdirectory of both layers: exact
     * when the lower part has none (nlink <= 2), else 1, which Linux's overlayfs reports
     * and find(1) understands as "unknown". */
    if (oi->upper && ovl_has_lower_dir(i) && li->nlink > 2)
        i->nlink = 1;
}

struct inode *ovl_new_inode(struct super_block *sb, struct dentry *upper, struct dentry *lower)
{
    struct dentry *real = upper ? upper : lower;
    struct inode *i = inode_alloc(sb, &ovl_iops, real->inode->mode);
    struct ovl_inode *oi = kzalloc(sizeof(*oi));
    if (!i || !oi) {
        kfree(oi);
        if (i)
            iput(i);
        dput(upper);
        dput(lower);
        return NULL;
    }
    oi->upper = upper;
    oi->lower = lower;
    if (upper && S_ISDIR(upper->inode->mode))
        oi->opaque = upper_opaque(upper);
    i->priv = oi;
    ovl_sync_attrs(i);
    return i;
}

/* The positive lower object at name in overlay directory dir, referenced, or NULL in *out
 * (no lower directory there, opaque, absent, or a reserved name). */
static int lower_at(struct dentry *dir, const char *name, size_t len, struct dentry **out)
{
    *out = NULL;
    if (!ovl_has_lower_dir(dir->inode) || ovl_reserved_name(name, len))
        return 0;
    struct path lp = {NULL, OI(dir->inode)->lower};
    struct dentry *l;
    int r = lookup_child(&lp, name, len, 1, &l);
    if (r < 0)
        return r;
    if (l->inode)
        *out = l;
    else
        dput(l);
    return 0;
}

int ovl_lower_positive(struct dentry *dir, const char *name, size_t len)
{
    struct dentry *l;
    int r = lower_at(dir, name, len, &l);
    if (r < 0)
        return r;
    dput(l);
    return l != NULL;
}

/* ---- upper-layer primitives (the overlay acts as the VFS for its layers) ------------------ */

int ovl_upper_make(struct dentry *udir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
                   const char *target, struct dentry **out)
{
    const struct inode_ops *iops = udir->inode->iops;
    struct dentry *ud = d_alloc(udir, name, len);
    if (!ud)
        return -ENOMEM;
    int r;
    if (S_ISDIR(mode))
        r = iops->mkdir ? iops->mkdir(udir, ud, mode) : -EROFS;
    else if (S_ISLNK(mode))
        r = iops->symlink ? iops->symlink(udir, ud, target) : -EROFS;
    else
        r = iops->create ? iops->create(udir, ud, mode, rdev) : -EROFS;
    if (r < 0) {
        dput(ud);
        return r;
    }
    d_add(ud);
    *out = ud;
    return 0;
}

int ovl_upper_remove(struct dentry *udir, struct dentry *ud)
{
    const struct inode_ops *iops = udir->inode->iops;
    int isdir = S_ISDIR(ud->inode->mode);
    int (*op)(struct dentry *, struct dentry *) = isdir ? iops->rmdir : iops->unlink;
    int r = op ? op(udir, ud) : -EROFS;
    if (r == 0)
        d_drop(ud);
    return r;
}

int ovl_whiteout_set(struct dentry *udir, const char *name, size_t len, int remove)
{
    char wh[NAME_MAX_LEN + 1];
    int n = wh_name(name, len, wh);
    if (n < 0)
        return n;
    struct dentry *w = ovl_upper_child(udir, wh, (size_t)n);
    if (remove) {
        if (!w)
            return 0;
        dget(w);
        int r = ovl_upper_remove(udir, w);
        dput(w);
        return r;
    }
    if (w)
        return 0;
    /* An empty regular file, as OCI layer tarballs carry them. */
    int r = ovl_upper_make(udir, wh, (size_t)n, S_IFREG | 0600, 0, NULL, &w);
    if (r == 0)
        dput(w);
    return r;
}

/* ---- copy-up ------------------------------------------------------------------------------ */

static int zero_page(const char *p)
{
    const uint64_t *w = (const uint64_t *)p;
    for (int i = 0; i < 4096 / 8; i++)
        if (w[i])
            return 0;
    return 1;
}

/* Copy size bytes of lower file lo into the new upper file ud, holes kept where the lower
 * file system reports them (SEEK_DATA/SEEK_HOLE) and where a whole page is zeros. */
static int copy_data(struct dentry *lo, struct dentry *ud, int64_t size)
{
    struct file *lf = NULL, *uf = NULL;
    char *buf = NULL;
    int r = ovl_open_real(lo, O_RDONLY, &lf);
    if (r == 0)
        r = ovl_open_real(ud, O_WRONLY, &uf);
    if (r == 0 && !(buf = kmalloc(COPY_CHUNK)))
        r = -ENOMEM;
    if (r == 0 && (!lf->ops->read || !uf->ops->write))
        r = -EIO;
    int64_t off = 0;
    while (r == 0 && off < size) {
        int64_t ds = off, de = size;
        if (lf->ops->seek_hole) {
            int64_t x = lf->ops->seek_hole(lf, off, SEEK_DATA);
            if (x == -ENXIO)
                break; /* only a hole is left */
            if (x >= off && x <= size) {
                ds = x;
                int64_t y = lf->ops->seek_hole(lf, ds, SEEK_HOLE);
                de = (y > ds && y <= size) ? y : size;
            }
        }
        for (int64_t pos = ds; r == 0 && pos < de;) {
            int64_t rp = pos;
            long n = lf->ops->read(lf, buf, (size_t)MIN((int64_t)COPY_CHUNK, de - pos), &rp, 1);
            if (n <= 0) {
                /* The lower file is shorter than it said: keep what there was. */
                r = n < 0 ? (int)n : 0;
                de = pos;
                size = pos;
                break;
            }
            for (long done = 0; r == 0 && done < n;) {
                /* Whole zero pages stay holes: a lower layer that reports no holes
                 * (erofs here) still gives a sparse copy, as cp --sparse=auto would. */
                long chunk = MIN(n - done, 4096 - (long)((pos + done) & 4095));
                if (chunk == 4096 && zero_page(buf + done)) {
                    done += chunk;
                    continue;
                }
                int64_t wp = pos + done;
                long w = uf->ops->write(uf, buf + done, (size_t)chunk, &wp, 1);
                if (w <= 0)
                    r = w < 0 ? (int)w : -EIO;
                else
                    done += w;
            }
            pos += n;
        }
        off = de;
    }
    /* Holes at the end, and any trailing hole, come from the size. */
    if (r == 0 && uf->ops->truncate)
        r = uf->ops->truncate(uf, size);
    kfree(buf);
    if (uf)
        file_put(uf);
    if (lf)
        file_put(lf);
    return r;
}

/* Copy up d, whose parent already has an upper object. */
static int copy_up_one(struct dentry *d, int nodata)
{
    struct inode *i = d->inode;
    struct ovl_inode *oi = OI(i);
    struct dentry *pu = OI(d->parent->inode)->upper, *lo = oi->lower, *ud = NULL;
    struct pal_stat st;
    if (!pu || !lo)
        return -EIO;
    int r = lo->inode->iops->getattr ? lo->inode->iops->getattr(lo, &st) : -EIO;
    if (r < 0)
        return r;
    uint32_t type = st.mode & S_IFMT;
    char *target = NULL;
    if (type == S_IFLNK) {
        target = kmalloc(PATH_MAX_LEN);
        long n = !target ? -ENOMEM : lo->inode->iops->readlink ?
                 lo->inode->iops->readlink(lo, target, PATH_MAX_LEN - 1) : -EIO;
        if (n < 0) {
            kfree(target);
            return (int)n;
        }
        target[n] = '\0';
    }
    /* Creating the child moves the parent's times: the program did not change the
     * parent, so they are put back afterwards (as Linux does). */
    struct iattr pt = {.valid = ATTR_ATIME | ATTR_MTIME,
                       .atime_sec = pu->inode->atime_sec, .atime_nsec = pu->inode->atime_nsec,
                       .mtime_sec = pu->inode->mtime_sec, .mtime_nsec = pu->inode->mtime_nsec};
    /* The copy is made by the core, not by the program: its RLIMIT_FSIZE does not apply. */
    uint64_t fsize = current->proc->rlim[RLIMIT_FSIZE].cur;
    current->proc->rlim[RLIMIT_FSIZE].cur = RLIM_INFINITY;
    r = ovl_upper_make(pu, d->name, d->len, type | (st.mode & 07777), st.rdev, target, &ud);
    kfree(target);
    if (r == 0 && type == S_IFREG && !nodata)
        r = copy_data(lo, ud, st.size);
    if (r == 0 && ud->inode->iops->setattr) {
        struct iattr ia = {.valid = ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME,
                           .uid = st.uid, .gid = st.gid,
                           .atime_sec = st.atime_sec, .atime_nsec = st.atime_nsec,
                           .mtime_sec = st.mtime_sec, .mtime_nsec = st.mtime_nsec};
        if (type != S_IFLNK) {
            ia.valid |= ATTR_MODE;
            ia.mode = st.mode & 07777; /* set-ID bits too: a umask never applies here */
        }
        r = ud->inode->iops->setattr(ud, &ia);
    }
    current->proc->rlim[RLIMIT_FSIZE].cur = fsize;
    if (r < 0) {
        if (ud) {
            IGNORE(ovl_upper_remove(pu, ud));
            dput(ud);
        }
        if (pu->inode->iops->setattr)
            IGNORE(pu->inode->iops->setattr(pu, &pt));
        return r;
    }
    if (pu->inode->iops->setattr)
        IGNORE(pu->inode->iops->setattr(pu, &pt));
    oi->upper = ud;
    oi->opaque = 0; /* a fresh upper directory over a lower one: merged */
    ovl_sync_attrs(i);
    return 0;
}

int ovl_copy_up(struct dentry *d, int nodata)
{
    /* Top-down without recursion (paths may be 2,000 levels deep): copy up the highest
     * ancestor that has no upper object, again until d has one. */
    while (!OI(d->inode)->upper) {
        struct dentry *a = d;
        while (a->parent && !OI(a->parent->inode)->upper)
            a = a->parent;
        if (!a->parent)
            return -EIO; /* the root and unnamed files always have an upper object */
        int r = copy_up_one(a, a == d ? nodata : 0);
        if (r < 0)
            return r;
    }
    return 0;
}

/* ---- inode_ops other than names ----------------------------------------------------------- */

static int ovl_lookup(struct dentry *dir, struct dentry *d)
{
    struct ovl_inode *pi = OI(dir->inode);
    struct dentry *u = NULL, *l = NULL;
    if (ovl_reserved_name(d->name, d->len))
        return 0; /* whiteout encoding: never a program's name */
    if (pi->upper) {
        struct dentry *uc = ovl_upper_child(pi->upper, d->name, d->len);
        if (uc)
            u = dget(uc);
        else if (ovl_whiteout_in(pi->upper, d->name, d->len))
            return 0; /* deleted */
    }
    /* The lower object of the same path: merged with an upper directory, the origin of
     * st_ino for an upper file, or the object itself. */
    int r = lower_at(dir, d->name, d->len, &l);
    if (r < 0) {
        dput(u);
        return r;
    }
    if (!u && !l)
        return 0;
    struct inode *i = ovl_new_inode(dir->sb, u, l);
    if (!i)
        return -ENOMEM;
    d_instantiate(d, i);
    return 0;
}

static int ovl_getattr(struct dentry *d, struct pal_stat *st)
{
    struct inode *i = d->inode;
    struct dentry *real = ovl_real(i);
    int r = real->inode->iops->getattr ? real->inode->iops->getattr(real, st) : -EIO;
    if (r < 0)
        return r;
    ovl_sync_attrs(i);
    st->ino = i->ino;
    st->nlink = i->nlink;
    st->dev = d->sb->dev; /* one device for the whole overlay, as on Linux */
    return 0;
}

static int ovl_setattr(struct dentry *d, const struct iattr *ia)
{
    /* truncate(2) to 0 of a lower file needs none of its data. */
    int nodata = (ia->valid & ATTR_SIZE) && ia->size == 0;
    int r = ovl_copy_up(d, nodata);
    if (r < 0)
        return r;
    struct dentry *u = OI(d->inode)->upper;
    r = u->inode->iops->setattr ? u->inode->iops->setattr(u, ia) : -EPERM;
    ovl_sync_attrs(d->inode);
    return r;
}

static long ovl_readlink(struct dentry *d, char *buf, size_t size)
{
    struct dentry *real = ovl_real(d->inode);
    return real->inode->iops->readlink ? real->inode->iops->readlink(real, buf, size) : -EINVAL;
}

const struct inode_ops ovl_iops = {
    .lookup = ovl_lookup,
    .create = ovl_create,
    .mkdir = ovl_mkdir,
    .symlink = ovl_symlink,
    .link = ovl_link,
    .unlink = ovl_unlink,
    .rmdir = ovl_rmdir,
    .rename = ovl_rename,
    .getattr = ovl_getattr,
    .setattr = ovl_setattr,
    .readlink = ovl_readlink,
    .open = ovl_open,
    .tmpfile = ovl_tmpfile,
};

/* ---- the instance ------------------------------------------------------------------------ */

static int ovl_statfs(struct dentry *d, uint64_t out[15])
{
    /* Space is where writes go: the upper layer's, under the overlay's magic. */
    struct super_block *up = OS(d->sb)->upper;
    int r = up->ops && up->ops->statfs ? up->ops->statfs(up->root, out) : -ENOSYS;
    if (r == 0) {
        out[0] = OVERLAYFS_MAGIC;
        out[8] = NAME_MAX_LEN;
    }
    return r;
}

static int ovl_sync(struct super_block *sb)
{
    /* The upper layer is mounted nowhere else: vfs_sync_all reaches it only through here. */
    struct super_block *up = OS(sb)->upper;
    return up->ops && up->ops->sync ? up->ops->sync(up) : 0;
}

/* The cached overlay dentries are the truth for names (every change passes through them);
 * only the attributes may have moved underneath (a hard link changed through another
 * name, the lower layer's own revalidation): refresh them. */
static int ovl_revalidate(struct dentry *d, int final)
{
    (void)final;
    if (!d->inode)
        return 0;
    ovl_sync_attrs(d->inode);
    return 1;
}

static void ovl_evict(struct inode *i)
{
    struct ovl_inode *oi = OI(i);
    if (!oi)
        return;
    dput(oi->upper);
    dput(oi->lower);
    kfree(oi);
    i->priv = NULL;
}

static void ovl_put_super(struct super_block *sb)
{
    struct ovl_sb *os = OS(sb);
    if (!os)
        return;
    sb_put(os->upper);
    sb_put(os->lower);
    kfree(os);
}

static const struct fs_ops ovl_ops = {
    .statfs = ovl_statfs,
    .sync = ovl_sync,
    .evict_inode = ovl_evict,
    .put_super = ovl_put_super,
    .revalidate = ovl_revalidate,
};

/* Programs cannot stack layers of their own: the overlay is the boot root only. */
static int ovl_mount(struct super_block *sb, const char *data, unsigned long msflags)
{
    (void)sb, (void)data, (void)msflags;
    return -EINVAL;
}

const struct fs_type overlay_type = {"overlay", ovl_mount, 1};

/* "erofs+verity", "hostfs+unprotected", "alcovefs+encrypted", "tmpfs": a layer's type and
 * the protection word its own /proc/mounts options start with. */
static void layer_label(const struct super_block *sb, char *buf, size_t size)
{
    const char *opt = sb->options;
    size_t n = 0;
    if (opt)
        while (opt[n] && opt[n] != ',' && opt[n] != '=')
            n++;
    if (opt && n && (opt[n] == ',' || !opt[n]) && sb->type != &tmpfs_type)
        al_snprintf(buf, size, "%s+%.*s", sb->type->name, (int)n, opt);
    else
        al_snprintf(buf, size, "%s", sb->type->name);
}

int overlay_boot_sb(struct super_block *lower, struct super_block *upper, const char *source,
                    struct super_block **out)
{
    /* The overlay holds one reference on each layer from here on. */
    lower->refs++;
    upper->refs++;
    struct super_block *sb = sb_alloc(&overlay_type);
    struct ovl_sb *os = kzalloc(sizeof(*os));
    if (!sb || !os) {
        kfree(sb), kfree(os);
        sb_put(lower), sb_put(upper);
        return -ENOMEM;
    }
    os->lower = lower;
    os->upper = upper;
    sb->priv = os;
    sb->ops = &ovl_ops;
    struct dentry *ur = upper->root, *lr = lower->root;
    /* A new (empty) upper layer takes the lower root's mode, owner and times, so that "/"
     * looks as it does in the image. */
    struct pal_stat st;
    if (!ur->child_first && lr->inode->iops->getattr && lr->inode->iops->getattr(lr, &st) == 0 &&
        ur->inode->iops->setattr) {
        struct iattr ia = {.valid = ATTR_MODE | ATTR_UID | ATTR_GID | ATTR_ATIME | ATTR_MTIME,
                           .mode = st.mode & 07777, .uid = st.uid, .gid = st.gid,
                           .atime_sec = st.atime_sec, .atime_nsec = st.atime_nsec,
                           .mtime_sec = st.mtime_sec, .mtime_nsec = st.mtime_nsec};
        IGNORE(ur->inode->iops->setattr(ur, &ia));
    }
    struct inode *root = ovl_new_inode(sb, dget(ur), dget(lr));
    sb->root = root ? d_make_root(root) : NULL;
    char ll[48], ul[48], opts[112];
    layer_label(lower, ll, sizeof(ll));
    layer_label(upper, ul, sizeof(ul));
    al_snprintf(opts, sizeof(opts), "lower=%s,upper=%s", ll, ul);
    sb->source = kstrdup(source);
    sb->options = kstrdup(opts);
    if (!sb->root || !sb->source || !sb->options) {
        kprintf("%s: out of memory building the overlay root", source);
        sb->refs = 1;
        sb_put(sb); /* drops the root, then the layers (put_super) */
        return -ENOMEM;
    }
    *out = sb;
    return 0;
}
