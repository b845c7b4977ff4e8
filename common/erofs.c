/*
 * erofs.c - freestanding reader of uncompressed EROFS images (erofs.h).
 *
 * The on-disk structures used (Linux fs/erofs/erofs_fs.h; all little-endian):
 *  - superblock at byte 1024: magic u32 @0, checksum @4, feature_compat @8, blkszbits u8
 *    @12, sb_extslots @13, root_nid u16 @14, inos u64 @16, build_time u64 @24,
 *    build_time_nsec u32 @32, blocks u32 @36, meta_blkaddr u32 @40, xattr_blkaddr u32
 *    @44, uuid[16] @48, volume_name[16] @64, feature_incompat u32 @80;
 *  - an inode lives at meta_blkaddr * 4096 + nid * 32.  i_format u16 @0 (bit 0: 0
 *    compact / 1 extended; bits 1-3: data layout), i_xattr_icount u16 @2, i_mode u16 @4;
 *    compact (32 bytes): i_nlink u16 @6, i_size u32 @8, i_u @16, i_uid u16 @24, i_gid
 *    u16 @26; extended (64 bytes): i_size u64 @8, i_u @16, i_uid u32 @24, i_gid u32 @28,
 *    i_mtime u64 @32, i_mtime_nsec u32 @40, i_nlink u32 @44.  i_u is raw_blkaddr (flat),
 *    rdev (devices) or the chunk format u16 (chunk based);
 *  - inline xattrs follow the inode: 12 + 4 * (icount - 1) bytes when icount != 0;
 *    after them comes the tail-packed data (FLAT_INLINE, must not cross a block) or the
 *    chunk table (aligned to its entry size: 8-byte {advise, device_id, blkaddr} indexes,
 *    or 4-byte block addresses; 0xffffffff is a hole);
 *  - a directory's data is 4096-byte blocks, each an array of 12-byte dirents {nid u64,
 *    nameoff u16, file_type u8, reserved} followed by the names (not NUL-terminated; the
 *    last one may be NUL-padded); nameoff of the first dirent / 12 = dirents in the block.
 *    Names are sorted (byte order) within and across blocks.
 */
#include "erofs.h"

#include <stdarg.h>

#include "al_string.h"

#define EIO_ 5
#define ENOENT_ 2
#define ENOTDIR_ 20
#define EINVAL_ 22
#define ENAMETOOLONG_ 36
#define EOPNOTSUPP_ 95

#define S_IFMT_ 0170000u
#define S_IFDIR_ 0040000u
#define S_IFREG_ 0100000u
#define S_IFLNK_ 0120000u
#define S_IFCHR_ 0020000u
#define S_IFBLK_ 0060000u
#define S_IFIFO_ 0010000u
#define S_IFSOCK_ 0140000u

/* Incompatible features this reader handles (the rest concern compression only, which is
 * refused per inode, or are unknown: refused at mount). */
#define KNOWN_INCOMPAT 0x7fu
#define NULL_ADDR 0xffffffffu

static uint16_t g16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t g32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t g64(const uint8_t *p) { return (uint64_t)g32(p) | (uint64_t)g32(p + 4) << 32; }

static void elog(const struct erofs_fs *fs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void elog(const struct erofs_fs *fs, const char *fmt, ...)
{
    if (!fs->io.log)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    al_vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    fs->io.log(fs->io.ctx, line);
}

/* Copy n bytes at image offset off (range-checked against the file system) into buf. */
static int rd(const struct erofs_fs *fs, uint64_t off, void *buf, size_t n, const char *name)
{
    uint64_t end = fs->blocks * EROFS_BLOCK;
    if (off > end || n > end - off)
        return -EIO_;
    uint8_t *out = buf;
    while (n > 0) {
        const uint8_t *b;
        int r = fs->io.get_block(fs->io.ctx, off / EROFS_BLOCK, &b, name);
        if (r < 0)
            return r;
        size_t in = (size_t)(off % EROFS_BLOCK), k = EROFS_BLOCK - in;
        if (k > n)
            k = n;
        al_memcpy(out, b + in, k);
        out += k;
        off += k;
        n -= k;
    }
    return 0;
}

int erofs_mount(struct erofs_fs *fs, const struct erofs_io *io, uint64_t data_blocks)
{
    al_memset(fs, 0, sizeof(*fs));
    fs->io = *io;
    fs->blocks = 1;   /* enough for rd() of block 0 */
    uint8_t sb[128];
    int r = rd(fs, 1024, sb, sizeof(sb), "superblock");
    if (r < 0)
        return r;
    if (g32(sb) != EROFS_MAGIC) {
        elog(fs, "erofs: not an EROFS file system (bad superblock magic)");
        return -EINVAL_;
    }
    if (sb[12] != 12) {
        elog(fs, "erofs: block size 2^%u is not supported (only 4096)", sb[12]);
        return -EINVAL_;
    }
    fs->feature_compat = g32(sb + 8);
    fs->feature_incompat = g32(sb + 80);
    if (fs->feature_incompat & ~KNOWN_INCOMPAT) {
        elog(fs, "erofs: unknown incompatible features 0x%x", fs->feature_incompat);
        return -EINVAL_;
    }
    fs->root_nid = g16(sb + 14);
    fs->inos = g64(sb + 16);
    fs->build_time = (int64_t)g64(sb + 24);
    fs->build_time_nsec = g32(sb + 32);
    fs->blocks = g32(sb + 36);
    fs->meta_blkaddr = g32(sb + 40);
    fs->xattr_blkaddr = g32(sb + 44);
    al_memcpy(fs->uuid, sb + 48, 16);
    al_memcpy(fs->volume_name, sb + 64, 16);
    fs->volume_name[16] = 0;
    /* The binding of the tree geometry to the file system: the verified superblock says
     * how many blocks the file system has, and that must be what the tree covers. */
    if (fs->blocks != data_blocks) {
        elog(fs, "erofs: the file system has %llu blocks but the hash tree covers %llu",
             (unsigned long long)fs->blocks, (unsigned long long)data_blocks);
        return -EINVAL_;
    }
    if (fs->meta_blkaddr >= fs->blocks ||
        fs->root_nid >= (fs->blocks - fs->meta_blkaddr) * (EROFS_BLOCK / 32)) {
        elog(fs, "erofs: metadata address or root inode outside the image");
        return -EINVAL_;
    }
    if (fs->build_time_nsec >= 1000000000u)
        fs->build_time_nsec = 0;
    return 0;
}

static int valid_type(uint32_t mode)
{
    switch (mode & S_IFMT_) {
    case S_IFDIR_: case S_IFREG_: case S_IFLNK_: case S_IFCHR_:
    case S_IFBLK_: case S_IFIFO_: case S_IFSOCK_:
        return 1;
    }
    return 0;
}

int erofs_iget(const struct erofs_fs *fs, uint64_t nid, struct erofs_inode *out)
{
    uint64_t base = fs->meta_blkaddr * EROFS_BLOCK;
    uint64_t end = fs->blocks * EROFS_BLOCK;
    if (nid >= (end - base) / 32) {
        elog(fs, "erofs: inode %llu outside the image", (unsigned long long)nid);
        return -EIO_;
    }
    uint64_t off = base + nid * 32;
    uint8_t raw[64];
    int r = rd(fs, off, raw, 32, "inode");
    if (r < 0)
        return r;
    al_memset(out, 0, sizeof(*out));
    out->nid = nid;
    uint16_t fmt = g16(raw);
    if (fmt & ~0xfu) {
        elog(fs, "erofs: inode %llu has an unsupported format 0x%x", (unsigned long long)nid, fmt);
        return -EIO_;
    }
    int ext = fmt & 1;
    out->layout = (fmt >> 1) & 7;
    uint32_t icount = g16(raw + 2);
    out->mode = g16(raw + 4);
    uint32_t isize = ext ? 64 : 32;
    if (ext) {
        r = rd(fs, off + 32, raw + 32, 32, "inode");
        if (r < 0)
            return r;
        out->size = g64(raw + 8);
        out->uid = g32(raw + 24);
        out->gid = g32(raw + 28);
        out->mtime = (int64_t)g64(raw + 32);
        out->mtime_nsec = g32(raw + 40);
        out->nlink = g32(raw + 44);
        if (out->mtime_nsec >= 1000000000u)
            out->mtime_nsec = 0;
    } else {
        out->nlink = g16(raw + 6);
        out->size = g32(raw + 8);
        out->uid = g16(raw + 24);
        out->gid = g16(raw + 26);
        out->mtime = fs->build_time;
        out->mtime_nsec = fs->build_time_nsec;
    }
    uint32_t iu = g32(raw + 16);
    uint32_t xsize = icount ? 12 + 4 * (icount - 1) : 0;
    out->tail_off = off + isize + xsize;
    if (!valid_type(out->mode) || out->layout > EROFS_LAYOUT_CHUNK_BASED || out->tail_off > end ||
        out->size > (1ull << 62)) {
        elog(fs, "erofs: inode %llu is corrupt (mode 0%o, layout %u)", (unsigned long long)nid,
             out->mode, out->layout);
        return -EIO_;
    }
    uint32_t type = out->mode & S_IFMT_;
    if (type == S_IFCHR_ || type == S_IFBLK_ || type == S_IFIFO_ || type == S_IFSOCK_) {
        out->rdev = iu;
        out->size = 0;
        return 0;
    }
    uint64_t nblocks = (out->size + EROFS_BLOCK - 1) / EROFS_BLOCK;
    switch (out->layout) {
    case EROFS_LAYOUT_FLAT_PLAIN:
    case EROFS_LAYOUT_FLAT_INLINE: {
        out->raw_blkaddr = iu;
        uint64_t full = nblocks;
        if (out->layout == EROFS_LAYOUT_FLAT_INLINE && nblocks > 0) {
            full = nblocks - 1;
            uint64_t tail = out->size - full * EROFS_BLOCK;
            if ((out->tail_off % EROFS_BLOCK) + tail > EROFS_BLOCK) {
                elog(fs, "erofs: inode %llu: inline data crosses a block", (unsigned long long)nid);
                return -EIO_;
            }
        }
        if (full > 0 && (iu >= fs->blocks || full > fs->blocks - iu)) {
            elog(fs, "erofs: inode %llu: data outside the image", (unsigned long long)nid);
            return -EIO_;
        }
        break;
    }
    case EROFS_LAYOUT_CHUNK_BASED: {
        uint32_t cf = iu & 0xffff;
        if (cf & ~0x3fu) {
            elog(fs, "erofs: inode %llu: unsupported chunk format 0x%x", (unsigned long long)nid, cf);
            return -EIO_;
        }
        out->chunkbits = 12 + (cf & 0x1f);
        out->chunk_indexes = (cf & 0x20) ? 1 : 0;
        break;
    }
    default:
        break;   /* compressed: stat works, reads are refused in erofs_map */
    }
    return 0;
}

int erofs_map(const struct erofs_fs *fs, const struct erofs_inode *ino, uint64_t off,
              uint64_t *pos, uint64_t *len, int *hole)
{
    if (off >= ino->size)
        return -EINVAL_;
    *hole = 0;
    uint64_t nblocks = (ino->size + EROFS_BLOCK - 1) / EROFS_BLOCK;
    switch (ino->layout) {
    case EROFS_LAYOUT_FLAT_PLAIN:
        *pos = (uint64_t)ino->raw_blkaddr * EROFS_BLOCK + off;
        *len = ino->size - off;
        return 0;
    case EROFS_LAYOUT_FLAT_INLINE: {
        uint64_t tail_start = (nblocks - 1) * EROFS_BLOCK;
        if (off < tail_start) {
            *pos = (uint64_t)ino->raw_blkaddr * EROFS_BLOCK + off;
            *len = tail_start - off;
        } else {
            *pos = ino->tail_off + (off - tail_start);
            *len = ino->size - off;
        }
        return 0;
    }
    case EROFS_LAYOUT_CHUNK_BASED: {
        uint64_t chunknr = off >> ino->chunkbits;
        uint32_t unit = ino->chunk_indexes ? 8 : 4;
        uint64_t at = ((ino->tail_off + unit - 1) & ~(uint64_t)(unit - 1)) + unit * chunknr;
        uint8_t e[8];
        int r = rd(fs, at, e, unit, "chunk table");
        if (r < 0)
            return r;
        uint32_t blk = ino->chunk_indexes ? g32(e + 4) : g32(e);
        if (ino->chunk_indexes && g16(e + 2) != 0) {
            elog(fs, "erofs: inode %llu: multi-device chunks are not supported",
                 (unsigned long long)ino->nid);
            return -EOPNOTSUPP_;
        }
        uint64_t csize = 1ull << ino->chunkbits;
        uint64_t in = off & (csize - 1);
        uint64_t cend = (off - in) + csize;
        if (cend > ino->size)
            cend = ino->size;
        *len = cend - off;
        if (blk == NULL_ADDR) {
            *hole = 1;
            *pos = 0;
            return 0;
        }
        *pos = (uint64_t)blk * EROFS_BLOCK + in;
        if (blk >= fs->blocks || *pos + *len > fs->blocks * EROFS_BLOCK) {
            elog(fs, "erofs: inode %llu: chunk outside the image", (unsigned long long)ino->nid);
            return -EIO_;
        }
        return 0;
    }
    default:
        elog(fs, "erofs: inode %llu is compressed: compressed images are not supported "
             "(build the image uncompressed)", (unsigned long long)ino->nid);
        return -EOPNOTSUPP_;
    }
}

long erofs_pread(const struct erofs_fs *fs, const struct erofs_inode *ino, void *buf, size_t n,
                 uint64_t off, const char *name)
{
    if (off >= ino->size)
        return 0;
    if (n > ino->size - off)
        n = (size_t)(ino->size - off);
    uint8_t *out = buf;
    size_t done = 0;
    while (done < n) {
        uint64_t pos, len;
        int hole;
        int r = erofs_map(fs, ino, off + done, &pos, &len, &hole);
        if (r < 0)
            return r;
        size_t k = n - done;
        if (k > len)
            k = (size_t)len;
        if (hole)
            al_memset(out + done, 0, k);
        else if ((r = rd(fs, pos, out + done, k, name)) < 0)
            return r;
        done += k;
    }
    return (long)done;
}

/* ---- directories ---- */

struct dblock {
    const uint8_t *p;       /* the block's bytes (valid until the next get_block) */
    uint32_t size;          /* valid bytes */
    uint32_t n;             /* dirents */
};

/* Directory block i of dir: its bytes lie within one image block in every layout. */
static int dir_block(const struct erofs_fs *fs, const struct erofs_inode *dir, uint64_t i,
                     struct dblock *out)
{
    uint64_t off = i * EROFS_BLOCK, pos, len;
    int hole;
    int r = erofs_map(fs, dir, off, &pos, &len, &hole);
    if (r < 0)
        return r;
    uint64_t size = dir->size - off;
    if (size > EROFS_BLOCK)
        size = EROFS_BLOCK;
    if (hole || len < size || (pos % EROFS_BLOCK) + size > EROFS_BLOCK || pos / EROFS_BLOCK >= fs->blocks)
        goto bad;
    const uint8_t *b;
    r = fs->io.get_block(fs->io.ctx, pos / EROFS_BLOCK, &b, "directory");
    if (r < 0)
        return r;
    out->p = b + pos % EROFS_BLOCK;
    out->size = (uint32_t)size;
    if (size < 12)
        goto bad;
    uint32_t first = g16(out->p + 8);
    if (first < 12 || first % 12 != 0 || first >= size)
        goto bad;
    out->n = first / 12;
    return 0;
bad:
    elog(fs, "erofs: directory inode %llu is corrupt (block %llu)", (unsigned long long)dir->nid,
         (unsigned long long)i);
    return -EIO_;
}

/* Entry k of a directory block: its name (not NUL-terminated) and length, range-checked. */
static int dent_at(const struct erofs_fs *fs, const struct erofs_inode *dir, const struct dblock *b,
                   uint32_t k, const char **name, uint32_t *len)
{
    const uint8_t *d = b->p + (size_t)k * 12;
    uint32_t start = g16(d + 8);
    uint32_t end = k + 1 < b->n ? g16(d + 12 + 8) : b->size;
    if (start < b->n * 12 || end > b->size || start >= end) {
        elog(fs, "erofs: directory inode %llu has a corrupt entry", (unsigned long long)dir->nid);
        return -EIO_;
    }
    uint32_t l = end - start;
    if (k + 1 == b->n)
        l = (uint32_t)al_strnlen((const char *)b->p + start, l);   /* NUL padding */
    if (l == 0 || l > EROFS_NAME_MAX) {
        elog(fs, "erofs: directory inode %llu has a corrupt name", (unsigned long long)dir->nid);
        return -EIO_;
    }
    *name = (const char *)b->p + start;
    *len = l;
    return 0;
}

static int namecmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = al_memcmp(a, b, al < bl ? al : bl);
    if (c)
        return c;
    return al < bl ? -1 : al > bl;
}

int erofs_lookup(const struct erofs_fs *fs, const struct erofs_inode *dir, const char *name,
                 size_t len, uint64_t *nid, uint8_t *ftype)
{
    if ((dir->mode & S_IFMT_) != S_IFDIR_)
        return -ENOTDIR_;
    if (len == 0 || len > EROFS_NAME_MAX || dir->size == 0)
        return -ENOENT_;
    uint64_t nb = (dir->size + EROFS_BLOCK - 1) / EROFS_BLOCK;
    /* Find the last block whose first name is <= name. */
    uint64_t lo = 0, hi = nb, cand = 0;
    struct dblock b;
    const char *n;
    uint32_t l;
    int r;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if ((r = dir_block(fs, dir, mid, &b)) < 0 || (r = dent_at(fs, dir, &b, 0, &n, &l)) < 0)
            return r;
        int c = namecmp(name, len, n, l);
        if (c == 0) {
            *nid = g64(b.p);
            if (ftype)
                *ftype = b.p[10];
            return 0;
        }
        if (c < 0) {
            hi = mid;
        } else {
            cand = mid;
            lo = mid + 1;
        }
    }
    if ((r = dir_block(fs, dir, cand, &b)) < 0)
        return r;
    uint32_t a = 0, z = b.n;
    while (a < z) {
        uint32_t mid = a + (z - a) / 2;
        if ((r = dent_at(fs, dir, &b, mid, &n, &l)) < 0)
            return r;
        int c = namecmp(name, len, n, l);
        if (c == 0) {
            *nid = g64(b.p + (size_t)mid * 12);
            if (ftype)
                *ftype = b.p[mid * 12 + 10];
            return 0;
        }
        if (c < 0)
            z = mid;
        else
            a = mid + 1;
    }
    return -ENOENT_;
}

int erofs_readdir(const struct erofs_fs *fs, const struct erofs_inode *dir, uint64_t *pos,
                  struct erofs_dent *out)
{
    if ((dir->mode & S_IFMT_) != S_IFDIR_)
        return -ENOTDIR_;
    uint64_t nb = (dir->size + EROFS_BLOCK - 1) / EROFS_BLOCK;
    for (;;) {
        uint64_t bi = *pos / EROFS_BLOCK;
        uint32_t k = (uint32_t)(*pos % EROFS_BLOCK);
        if (bi >= nb)
            return 0;
        struct dblock b;
        int r = dir_block(fs, dir, bi, &b);
        if (r < 0)
            return r;
        if (k >= b.n) {
            *pos = (bi + 1) * EROFS_BLOCK;
            continue;
        }
        const char *n;
        uint32_t l;
        if ((r = dent_at(fs, dir, &b, k, &n, &l)) < 0)
            return r;
        out->nid = g64(b.p + (size_t)k * 12);
        out->ftype = b.p[k * 12 + 10];
        out->len = l;
        al_memcpy(out->name, n, l);
        out->name[l] = 0;
        *pos = bi * EROFS_BLOCK + k + 1;
        return 1;
    }
}

long erofs_readlink(const struct erofs_fs *fs, const struct erofs_inode *ino, char *buf, size_t size)
{
    if ((ino->mode & S_IFMT_) != S_IFLNK_)
        return -EINVAL_;
    if (ino->size > 4095)
        return -ENAMETOOLONG_;
    return erofs_pread(fs, ino, buf, size, 0, "symlink");
}

int erofs_resolve(const struct erofs_fs *fs, const char *path, struct erofs_inode *out)
{
    int r = erofs_iget(fs, fs->root_nid, out);
    while (r == 0 && *path) {
        while (*path == '/')
            path++;
        size_t l = 0;
        while (path[l] && path[l] != '/')
            l++;
        if (l == 0)
            break;
        uint64_t nid;
        if (!(l == 1 && path[0] == '.')) {
            r = erofs_lookup(fs, out, path, l, &nid, 0);
            if (r == 0)
                r = erofs_iget(fs, nid, out);
        }
        path += l;
    }
    return r;
}

uint8_t erofs_ftype_to_dt(uint8_t ftype)
{
    static const uint8_t dt[8] = {0, 8, 4, 2, 6, 1, 12, 10};
    return ftype < 8 ? dt[ftype] : 0;
}
