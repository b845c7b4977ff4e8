/*
 * vol_dir.c - directories on the volume: the encoding (vol_dir_encode/decode, the format
 * in docs/volume-format.md section 5) and whole-directory read and write.
 */
#include "vol_int.h"

/* ---- directories -------------------------------------------------------------------- */

#define DIR_MAGIC 0x52444c41u   /* "ALDR" */
#define DIR_MAX (64ull << 20)   /* a directory of more is malformed */

static int name_ok(const char *s, unsigned len)
{
    if (len == 0 || len > VOL_NAME_MAX)
        return 0;
    if (s[0] == '.' && (len == 1 || (len == 2 && s[1] == '.')))
        return 0;
    for (unsigned i = 0; i < len; i++)
        if (s[i] == '/' || s[i] == '\0')
            return 0;
    return 1;
}

long vol_dir_encode(const struct vol_dirent *e, size_t n, void *out, size_t cap)
{
    uint64_t len = 8;
    for (size_t i = 0; i < n; i++) {
        if (!e[i].ino || e[i].type > 15 || !e[i].name || !name_ok(e[i].name, e[i].len))
            return -EINVAL;
        len += 10u + e[i].len;
    }
    if (n > UINT32_MAX || len > DIR_MAX)
        return -EFBIG;
    if (!out)
        return (long)len;
    if (cap < len)
        return -ERANGE;
    uint8_t *p = out;
    uint32_t magic = DIR_MAGIC, cnt = (uint32_t)n;
    al_memcpy(p, &magic, 4);
    al_memcpy(p + 4, &cnt, 4);
    p += 8;
    for (size_t i = 0; i < n; i++) {
        al_memcpy(p, &e[i].ino, 8);
        p[8] = e[i].type;
        p[9] = e[i].len;
        al_memcpy(p + 10, e[i].name, e[i].len);
        p += 10u + e[i].len;
    }
    return (long)len;
}

int vol_dir_decode(const void *buf, size_t len, int (*fn)(void *arg, const struct vol_dirent *e),
                   void *arg)
{
    const uint8_t *p = buf;
    uint32_t magic, cnt;
    if (len == 0)
        return 0;  /* never written: empty */
    if (len < 8)
        return -EIO;
    al_memcpy(&magic, p, 4);
    al_memcpy(&cnt, p + 4, 4);
    if (magic != DIR_MAGIC || cnt > (len - 8) / 11)
        return -EIO;
    size_t off = 8;
    for (uint32_t i = 0; i < cnt; i++) {
        struct vol_dirent e;
        if (len - off < 10)
            return -EIO;
        al_memcpy(&e.ino, p + off, 8);
        e.type = p[off + 8];
        e.len = p[off + 9];
        if (len - off - 10 < e.len)
            return -EIO;
        e.name = (const char *)p + off + 10;
        if (!e.ino || e.type > 15 || !name_ok(e.name, e.len))
            return -EIO;
        off += 10u + e.len;
        if (fn) {
            int r = fn(arg, &e);
            if (r)
                return r;
        }
    }
    return off == len ? 0 : -EIO;
}

int vol_dir_read(struct vol *v, uint64_t ino, int (*fn)(void *arg, const struct vol_dirent *e),
                 void *arg)
{
    struct vinode *rec;
    vi_cache_trim(v);
    int r = vi_inode_rec(v, ino, 0, &rec, NULL);
    if (r < 0)
        return r;
    if ((rec->mode & S_IFMT_) != S_IFDIR_)
        return -ENOTDIR;
    int64_t size = rec->size;
    if (size == 0)
        return 0;
    if (size < 0 || (uint64_t)size > DIR_MAX) {
        vi_vlog(v, "volume: directory inode %llu has a bad size", (unsigned long long)ino);
        return -EIO;
    }
    uint64_t nb = ((uint64_t)size + VB - 1) / VB;
    uint8_t *buf = v->io.alloc(nb * VB);
    if (!buf)
        return -ENOMEM;
    r = vol_read_blocks(v, ino, 0, nb, buf);
    if (r == 0) {
        /* a malformed directory is reported once, before the caller sees any entry */
        r = vol_dir_decode(buf, (size_t)size, NULL, NULL);
        if (r < 0)
            vi_vlog(v, "volume: directory inode %llu is malformed", (unsigned long long)ino);
        else
            r = vol_dir_decode(buf, (size_t)size, fn, arg);
    }
    v->io.free(buf);
    return r;
}

int vol_dir_write(struct vol *v, uint64_t ino, const struct vol_dirent *e, size_t n)
{
    struct vinode *rec;
    int r;
    if (!v->rw)
        return -EROFS;
    vi_cache_trim(v);
    if ((r = vi_inode_rec(v, ino, 0, &rec, NULL)) < 0)
        return r;
    if ((rec->mode & S_IFMT_) != S_IFDIR_)
        return -ENOTDIR;
    long len = vol_dir_encode(e, n, NULL, 0);
    if (len < 0)
        return (int)len;
    uint64_t nb = ((uint64_t)len + VB - 1) / VB;
    uint8_t *buf = v->io.alloc(nb * VB);
    if (!buf)
        return -ENOMEM;
    al_memset(buf + (nb - 1) * VB, 0, VB);
    r = (int)vol_dir_encode(e, n, buf, nb * VB);
    /* A directory that does not grow (an unlink, a rename) may use the slack kept back
     * for changes that free: deleting must work on a full volume. */
    v->no_slack = nb <= ((uint64_t)rec->size + VB - 1) / VB;
    if (r >= 0)
        r = vol_write_blocks(v, ino, 0, nb, buf);
    v->no_slack = 0;
    v->io.free(buf);
    if (r < 0)
        return r;
    if ((r = vi_tree_cut(v, K_FILE, ino, nb)) < 0)
        return r;
    if ((r = vi_inode_dirty(v, ino, &rec)) < 0)
        return r;
    rec->size = len;
    return 0;
}
