/*
 * test_image.c - unit tests for common/image.c, common/verity.c and common/erofs.c.
 *
 * Images are built by the real tools (mkfs.erofs, veritysetup) through
 * tests/erofs/mkimg.py from a tree this test writes, so the reader is checked against what
 * the Debian tools emit, not against our own idea of the format.  Tests that need the
 * tools are skipped when mkfs.erofs or veritysetup is missing.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sodium.h>

#include "image.h"
#include "verity.h"
#include "erofs.h"

static char tmpdir[256];
static int have_tools;

/* ---- helpers ---- */

static void sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *rel, const void *data, size_t n)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/src/%s", tmpdir, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    fclose(f);
}

/* Build tmpdir/<name> from tmpdir/src; returns the root hash. */
static void build(const char *name, const char *opts, uint8_t root[32])
{
    char cmd[2048], hex[80] = {0};
    snprintf(cmd, sizeof(cmd), "python3 tests/erofs/mkimg.py %s %s/src %s/%s", opts, tmpdir,
             tmpdir, name);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(hex, sizeof(hex), p));
    assert_int_equal(pclose(p), 0);
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        root[i] = (uint8_t)v;
    }
}

struct img {
    int fd;
    uint64_t size;
    struct img_footer f;
    struct verity *v;
    struct erofs_fs fs;
    char lastlog[400];
    int nlog;
};

static long io_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    struct img *m = ctx;
    ssize_t r = pread(m->fd, buf, n, (off_t)off);
    return r < 0 ? -errno : r;
}

static void io_log(void *ctx, const char *line)
{
    struct img *m = ctx;
    snprintf(m->lastlog, sizeof(m->lastlog), "%s", line);
    m->nlog++;
}

static void *io_alloc(size_t n) { return malloc(n); }

static int io_block(void *ctx, uint64_t blk, const uint8_t **out, const char *name)
{
    struct img *m = ctx;
    return verity_get(m->v, blk, out, name);
}

/* Open image name: footer, verity against root, EROFS.  Returns the first error. */
static int img_open(struct img *m, const char *name, const uint8_t root[32])
{
    char p[1024];
    memset(m, 0, sizeof(*m));
    snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
    m->fd = open(p, O_RDONLY);
    assert_true(m->fd >= 0);
    struct stat st;
    assert_int_equal(fstat(m->fd, &st), 0);
    m->size = (uint64_t)st.st_size;
    uint8_t blk[4096];
    assert_int_equal(pread(m->fd, blk, 4096, st.st_size - 4096), 4096);
    int r = img_footer_parse(blk, m->size, &m->f);
    if (r < 0)
        return r;
    struct verity_io vio = {m, io_read, io_alloc, free, NULL, NULL, io_log};
    r = verity_open(&vio, &m->f, root, 8192, &m->v);
    if (r < 0)
        return r;
    struct erofs_io eio = {m, io_block, io_log};
    return erofs_mount(&m->fs, &eio, m->f.data_blocks);
}

static void img_close(struct img *m)
{
    verity_close(m->v);
    close(m->fd);
}

static void flip(const char *name, uint64_t off)
{
    char p[1024];
    snprintf(p, sizeof(p), "%s/%s", tmpdir, name);
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    uint8_t c;
    assert_int_equal(pread(fd, &c, 1, (off_t)off), 1);
    c ^= 0x40;
    assert_int_equal(pwrite(fd, &c, 1, (off_t)off), 1);
    close(fd);
}

static uint8_t bigdata[3 * 1024 * 1024 + 123];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/alcove-test-image.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    have_tools = system("command -v mkfs.erofs >/dev/null && command -v veritysetup >/dev/null") == 0;
    char p[1024];
    snprintf(p, sizeof(p), "mkdir -p %s/src/dir/sub %s/src/many", tmpdir, tmpdir);
    if (system(p) != 0)
        return -1;
    for (size_t i = 0; i < sizeof(bigdata); i++)
        bigdata[i] = (uint8_t)(i * 7 + (i >> 12));
    return sodium_init() < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    (void)state;
    char p[1024];
    snprintf(p, sizeof(p), "rm -rf %s", tmpdir);
    return system(p) == 0 ? 0 : -1;
}

/* ---- footer and layout ---- */

static void fill_footer(struct img_footer *f, uint64_t data_blocks, uint64_t file_size)
{
    memset(f, 0, sizeof(*f));
    memcpy(f->magic, IMG_FOOTER_MAGIC, 8);
    f->version = 1;
    f->data_block_size = f->hash_block_size = 4096;
    f->salt_size = 32;
    memset(f->salt, 0xab, 32);
    f->data_blocks = data_blocks;
    f->hash_offset = data_blocks * 4096;
    strcpy(f->hash_name, "sha256");
    f->file_size = file_size;
}

static void test_footer_roundtrip(void **state)
{
    (void)state;
    struct img_footer f, g;
    uint8_t b[4096];
    const char *why;
    /* 100 data blocks: 1 hash block; + superblock block + footer = 103 blocks. */
    fill_footer(&f, 100, 103 * 4096);
    img_footer_encode(&f, b);
    assert_int_equal(memcmp(b, "ALCVIMG1", 8), 0);
    assert_int_equal(img_footer_check(b, 103 * 4096, &g, &why), 0);
    assert_string_equal(why, "ok");
    assert_int_equal(g.data_blocks, 100);
    assert_int_equal(g.salt_size, 32);
    assert_memory_equal(g.salt, f.salt, 64);
    /* Each field is checked. */
    assert_int_equal(img_footer_parse(b, 104 * 4096, &g), -EINVAL);      /* size mismatch */
    assert_int_equal(img_footer_check(b, 103 * 4096 - 1, &g, &why), -EINVAL);
    b[0] = 'X';
    assert_int_equal(img_footer_check(b, 103 * 4096, &g, &why), -EINVAL);
    assert_non_null(strstr(why, "magic"));
    b[0] = 'A';
    b[4000] = 1;
    assert_int_equal(img_footer_check(b, 103 * 4096, &g, &why), -EINVAL);
    b[4000] = 0;
    f.salt_size = 65;
    img_footer_encode(&f, b);
    assert_int_equal(img_footer_parse(b, 103 * 4096, &g), -EINVAL);
    fill_footer(&f, 100, 103 * 4096);
    f.hash_offset += 4096;
    img_footer_encode(&f, b);
    assert_int_equal(img_footer_parse(b, 103 * 4096, &g), -EINVAL);
    fill_footer(&f, 100, 102 * 4096);   /* the tree does not fit before the footer */
    img_footer_encode(&f, b);
    assert_int_equal(img_footer_parse(b, 102 * 4096, &g), -EINVAL);
    fill_footer(&f, 100, 103 * 4096);
    strcpy(f.hash_name, "sha1");
    img_footer_encode(&f, b);
    assert_int_equal(img_footer_parse(b, 103 * 4096, &g), -EINVAL);
    fill_footer(&f, 0, 103 * 4096);
    img_footer_encode(&f, b);
    assert_int_equal(img_footer_parse(b, 103 * 4096, &g), -EINVAL);
    fill_footer(&f, UINT64_MAX / 4096, 103 * 4096);
    img_footer_encode(&f, b);
    assert_int_equal(img_footer_parse(b, 103 * 4096, &g), -EINVAL);
}

static void test_layout(void **state)
{
    (void)state;
    struct img_layout l;
    assert_int_equal(img_layout_compute(1, 4096, &l), 0);
    assert_int_equal(l.levels, 0);
    assert_int_equal(l.tree_end, 8192);
    assert_int_equal(img_layout_compute(128, 128 * 4096, &l), 0);
    assert_int_equal(l.levels, 1);
    assert_int_equal(l.hash_blocks, 1);
    assert_int_equal(img_layout_compute(129, 129 * 4096, &l), 0);
    assert_int_equal(l.levels, 2);
    assert_int_equal(l.level_blocks[0], 2);
    assert_int_equal(l.level_blocks[1], 1);
    /* Top level first, right after the superblock block. */
    assert_int_equal(l.level_offset[1], 130 * 4096);
    assert_int_equal(l.level_offset[0], 131 * 4096);
    assert_int_equal(img_layout_compute(128 * 128 + 1, 0, &l), 0);
    assert_int_equal(l.levels, 3);
    assert_int_equal(l.hash_blocks, 129 + 2 + 1);
    assert_int_equal(img_layout_compute(0, 0, &l), -EINVAL);
    assert_int_equal(img_layout_compute(5, 100, &l), -EINVAL);
}

/* ---- whole images from the real tools ---- */

static void make_tree(void)
{
    write_file("hello", "hello world\n", 12);
    write_file("big", bigdata, sizeof(bigdata));
    write_file("dir/sub/deep", "deep\n", 5);
    write_file("empty", "", 0);
    char name[64];
    for (int i = 0; i < 600; i++) {
        snprintf(name, sizeof(name), "many/entry_%04d_with_a_longer_name", i);
        write_file(name, name, strlen(name));
    }
    sh("ln -sfn hello %s/src/link && ln -sfn /some/where/else %s/src/dir/abs", tmpdir, tmpdir);
}

static void check_file(struct img *m, const char *path, const void *want, size_t n)
{
    struct erofs_inode ino;
    assert_int_equal(erofs_resolve(&m->fs, path, &ino), 0);
    assert_int_equal(ino.size, n);
    uint8_t *buf = malloc(n + 10);
    assert_int_equal(erofs_pread(&m->fs, &ino, buf, n + 10, 0, path), (long)n);
    assert_memory_equal(buf, want, n);
    /* An unaligned read in the middle. */
    if (n > 5000) {
        assert_int_equal(erofs_pread(&m->fs, &ino, buf, 3000, 4000, path), 3000);
        assert_memory_equal(buf, (const uint8_t *)want + 4000, 3000);
    }
    free(buf);
}

static void check_tree(struct img *m)
{
    check_file(m, "/hello", "hello world\n", 12);
    check_file(m, "big", bigdata, sizeof(bigdata));
    check_file(m, "/dir/sub/deep", "deep\n", 5);
    check_file(m, "/empty", "", 0);
    char name[64];
    for (int i = 0; i < 600; i += 37) {
        snprintf(name, sizeof(name), "many/entry_%04d_with_a_longer_name", i);
        check_file(m, name, name, strlen(name));
    }
    struct erofs_inode ino, dir;
    assert_int_equal(erofs_resolve(&m->fs, "/nope", &ino), -ENOENT);
    assert_int_equal(erofs_resolve(&m->fs, "/hello/x", &ino), -ENOTDIR);
    assert_int_equal(erofs_resolve(&m->fs, "/link", &ino), 0);
    char t[100];
    assert_int_equal(erofs_readlink(&m->fs, &ino, t, sizeof(t)), 5);
    assert_memory_equal(t, "hello", 5);
    assert_int_equal(erofs_resolve(&m->fs, "/dir/abs", &ino), 0);
    assert_int_equal(erofs_readlink(&m->fs, &ino, t, sizeof(t)), 16);
    assert_int_equal(erofs_resolve(&m->fs, "/dir", &dir), 0);
    assert_int_equal(dir.mode & 0170000, 0040000);
    /* Listing "many": ., .., and 600 names in sorted order, each found by lookup. */
    assert_int_equal(erofs_resolve(&m->fs, "/many", &dir), 0);
    uint64_t pos = 0;
    struct erofs_dent d;
    int n = 0, dots = 0;
    char prev[300] = "";
    while (erofs_readdir(&m->fs, &dir, &pos, &d) == 1) {
        if (!strcmp(d.name, ".") || !strcmp(d.name, "..")) {
            dots++;
            continue;
        }
        assert_true(strcmp(prev, d.name) < 0);
        strcpy(prev, d.name);
        uint64_t nid;
        uint8_t ft;
        assert_int_equal(erofs_lookup(&m->fs, &dir, d.name, d.len, &nid, &ft), 0);
        assert_int_equal(nid, d.nid);
        assert_int_equal(ft, EROFS_FT_REG);
        n++;
    }
    assert_int_equal(n, 600);
    assert_int_equal(dots, 2);
    assert_true(dir.size > 4096);   /* the binary search over blocks was exercised */
}

static void test_image_plain(void **state)
{
    (void)state;
    if (!have_tools)
        skip();
    make_tree();
    uint8_t root[32];
    build("plain.img", "", root);
    struct img m;
    assert_int_equal(img_open(&m, "plain.img", root), 0);
    check_tree(&m);
    struct verity_stats st;
    verity_get_stats(m.v, &st);
    /* Every block hashed at most once with a cache larger than the image's metadata. */
    assert_true(st.hashed_data <= m.f.data_blocks);
    assert_true(st.hashed_data > 0);
    /* The whole-image check passes. */
    uint64_t bad = 0;
    assert_int_equal(verity_check_all(m.v, &bad), 0);
    img_close(&m);
}

static void test_image_chunked(void **state)
{
    (void)state;
    if (!have_tools)
        skip();
    make_tree();
    uint8_t root[32];
    build("chunk.img", "--chunk 65536", root);
    struct img m;
    assert_int_equal(img_open(&m, "chunk.img", root), 0);
    struct erofs_inode ino;
    assert_int_equal(erofs_resolve(&m.fs, "/big", &ino), 0);
    assert_int_equal(ino.layout, EROFS_LAYOUT_CHUNK_BASED);
    check_tree(&m);
    img_close(&m);
}

static void test_image_tamper(void **state)
{
    (void)state;
    if (!have_tools)
        skip();
    make_tree();
    uint8_t root[32];
    build("t.img", "", root);
    struct img m;
    /* Find where /big's data lives, then flip a byte in its second block. */
    assert_int_equal(img_open(&m, "t.img", root), 0);
    struct erofs_inode big;
    assert_int_equal(erofs_resolve(&m.fs, "/big", &big), 0);
    uint64_t pos, len;
    int hole;
    assert_int_equal(erofs_map(&m.fs, &big, 4096, &pos, &len, &hole), 0);
    img_close(&m);
    flip("t.img", pos + 100);
    assert_int_equal(img_open(&m, "t.img", root), 0);
    check_file(&m, "/hello", "hello world\n", 12);   /* other files unaffected */
    assert_int_equal(erofs_resolve(&m.fs, "/big", &big), 0);
    uint8_t buf[8192];
    assert_int_equal(erofs_pread(&m.fs, &big, buf, 4096, 0, "/big"), 4096);   /* block 0 fine */
    m.nlog = 0;
    assert_int_equal(erofs_pread(&m.fs, &big, buf, 8192, 0, "/big"), -EIO);
    assert_int_equal(m.nlog, 1);
    assert_non_null(strstr(m.lastlog, "data block"));
    assert_non_null(strstr(m.lastlog, "/big"));
    uint64_t bad = 0;
    assert_int_equal(verity_check_all(m.v, &bad), -EIO);
    assert_int_equal(bad, pos / 4096);
    img_close(&m);
    flip("t.img", pos + 100);   /* restore */

    /* A hash block: level 0 is the last level before the footer's padding. */
    struct img_layout l;
    assert_int_equal(img_open(&m, "t.img", root), 0);
    assert_int_equal(img_layout_compute(m.f.data_blocks, m.f.hash_offset, &l), 0);
    img_close(&m);
    /* A data block far from block 0, so its level-0 hash block is not the superblock's. */
    uint64_t pos2;
    assert_int_equal(img_open(&m, "t.img", root), 0);
    assert_int_equal(erofs_map(&m.fs, &big, 2 << 20, &pos2, &len, &hole), 0);
    img_close(&m);
    assert_true(pos2 / 4096 >= 128);
    uint64_t hb = l.level_offset[0] + (pos2 / 4096 / 128) * 4096 + ((pos2 / 4096) % 128) * 32;
    flip("t.img", hb);
    assert_int_equal(img_open(&m, "t.img", root), 0);
    assert_int_equal(erofs_pread(&m.fs, &big, buf, 4096, 0, "/big"), 4096);
    m.nlog = 0;
    assert_int_equal(erofs_pread(&m.fs, &big, buf, 4096, 2 << 20, "/big"), -EIO);
    assert_int_equal(m.nlog, 1);
    assert_non_null(strstr(m.lastlog, "hash block"));
    img_close(&m);
    flip("t.img", hb);

    /* The wrong root hash: the superblock itself fails. */
    uint8_t wrong[32];
    memcpy(wrong, root, 32);
    wrong[5] ^= 1;
    assert_int_equal(img_open(&m, "t.img", wrong), -EIO);
    img_close(&m);
    /* A tampered salt in the footer: the first block fails. */
    flip("t.img", m.size - 4096 + 40);
    assert_int_equal(img_open(&m, "t.img", root), -EIO);
    img_close(&m);
    flip("t.img", m.size - 4096 + 40);
    /* Shifted geometry: a file made of the level-0 hash blocks as "data", then a verity
     * superblock block and the level-1 block as the whole tree.  Its root hash is the
     * trusted one (the top block is genuine), so every "data" block verifies; the binding
     * to the EROFS superblock is what refuses it. */
    assert_true(l.levels == 2);
    uint64_t n0 = l.level_blocks[0];
    size_t fsz = (size_t)(n0 + 3) * 4096;
    uint8_t *nb = calloc(1, fsz);
    char p[1024];
    snprintf(p, sizeof(p), "%s/t.img", tmpdir);
    int fd = open(p, O_RDONLY);
    assert_int_equal(pread(fd, nb, n0 * 4096, (off_t)l.level_offset[0]), (ssize_t)(n0 * 4096));
    assert_int_equal(pread(fd, nb + (n0 + 1) * 4096, 4096, (off_t)l.level_offset[1]), 4096);
    close(fd);
    assert_int_equal(img_open(&m, "t.img", root), 0);   /* the genuine footer */
    struct img_footer ft = m.f;
    img_close(&m);
    ft.data_blocks = n0;
    ft.hash_offset = n0 * 4096;
    ft.file_size = fsz;
    img_footer_encode(&ft, nb + fsz - 4096);
    snprintf(p, sizeof(p), "%s/shift.img", tmpdir);
    fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_int_equal(write(fd, nb, fsz), (ssize_t)fsz);
    close(fd);
    free(nb);
    assert_int_equal(img_open(&m, "shift.img", root), -EINVAL);
    assert_non_null(strstr(m.lastlog, "not an EROFS"));
    /* ...although the data really verified against the trusted root: */
    const uint8_t *blk0;
    assert_int_equal(verity_get(m.v, 0, &blk0, 0), 0);
    img_close(&m);
}

static void test_not_erofs(void **state)
{
    (void)state;
    if (!have_tools)
        skip();
    /* A verity tree over random data: verifies, but is no EROFS. */
    sh("cd %s && head -c 409600 /dev/urandom > rnd.img && "
       "veritysetup format rnd.img rnd.img --hash-offset=409600 --data-blocks=100 "
       "--salt=00 | sed -n 's/^Root hash:[[:space:]]*//p' > rnd.hash", tmpdir);
    char p[1024], hex[80] = {0};
    snprintf(p, sizeof(p), "%s/rnd.hash", tmpdir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    assert_non_null(fgets(hex, sizeof(hex), f));
    fclose(f);
    uint8_t root[32];
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        root[i] = (uint8_t)v;
    }
    /* Append a footer by hand. */
    struct img_footer ft;
    fill_footer(&ft, 100, 103 * 4096);
    ft.salt_size = 1;
    memset(ft.salt, 0, 64);
    memcpy(ft.root_hash, root, 32);
    uint8_t b[4096];
    img_footer_encode(&ft, b);
    snprintf(p, sizeof(p), "%s/rnd.img", tmpdir);
    int fd = open(p, O_WRONLY);
    assert_int_equal(pwrite(fd, b, 4096, 102 * 4096), 4096);
    close(fd);
    struct img m;
    assert_int_equal(img_open(&m, "rnd.img", root), -EINVAL);
    assert_non_null(strstr(m.lastlog, "not an EROFS"));
    img_close(&m);
}

/* ---- a correctly hashed but malicious file system: the reader must not crash ---- */

struct membuf {
    uint8_t *p;
    uint64_t blocks;
};

static int mem_block(void *ctx, uint64_t blk, const uint8_t **out, const char *name)
{
    (void)name;
    struct membuf *m = ctx;
    if (blk >= m->blocks)
        return -EINVAL;
    *out = m->p + blk * 4096;
    return 0;
}

/* Walk everything reachable (bounded), reading each file and link. */
static void walk(struct erofs_fs *fs, struct erofs_inode *dir, int depth, int *budget)
{
    uint64_t pos = 0;
    struct erofs_dent d;
    static uint8_t buf[65536];
    while (*budget > 0 && erofs_readdir(fs, dir, &pos, &d) == 1) {
        (*budget)--;
        if (!strcmp(d.name, ".") || !strcmp(d.name, ".."))
            continue;
        uint64_t nid;
        if (erofs_lookup(fs, dir, d.name, d.len, &nid, NULL) != 0)
            nid = d.nid;
        struct erofs_inode ino;
        if (erofs_iget(fs, nid, &ino) != 0)
            continue;
        if ((ino.mode & 0170000) == 0040000 && depth < 6)
            walk(fs, &ino, depth + 1, budget);
        else if ((ino.mode & 0170000) == 0120000) {
            if (erofs_readlink(fs, &ino, (char *)buf, sizeof(buf)) < 0)
                continue;
        } else {
            for (uint64_t off = 0; off < ino.size && off < (1 << 20); off += sizeof(buf))
                if (erofs_pread(fs, &ino, buf, sizeof(buf), off, 0) <= 0)
                    break;
        }
    }
}

static void test_erofs_fuzz(void **state)
{
    (void)state;
    if (!have_tools)
        skip();
    make_tree();
    uint8_t root[32];
    build("fz.img", "", root);
    struct img m;
    assert_int_equal(img_open(&m, "fz.img", root), 0);
    /* The metadata blocks: every block up to the first data block of /big. */
    struct erofs_inode big;
    assert_int_equal(erofs_resolve(&m.fs, "/big", &big), 0);
    uint64_t meta = big.raw_blkaddr ? big.raw_blkaddr : 1;
    uint64_t nb = m.f.data_blocks;
    uint8_t *orig = malloc(nb * 4096), *work = malloc(nb * 4096);
    assert_int_equal(pread(m.fd, orig, nb * 4096, 0), (ssize_t)(nb * 4096));
    img_close(&m);
    srand(12345);
    int mounted = 0;
    for (int it = 0; it < 3000; it++) {
        memcpy(work, orig, nb * 4096);
        int flips = 1 + rand() % 8;
        for (int k = 0; k < flips; k++) {
            uint64_t blk = (uint64_t)rand() % (meta + 1);
            uint64_t off = blk * 4096 + (uint64_t)(rand() % 4096);
            if (it % 3 == 0)
                off = 1024 + (uint64_t)(rand() % 128);   /* the superblock */
            work[off] = (uint8_t)rand();
        }
        struct membuf mb = {work, nb};
        struct erofs_io eio = {&mb, mem_block, NULL};
        struct erofs_fs fs;
        if (erofs_mount(&fs, &eio, nb) != 0)
            continue;
        struct erofs_inode r;
        if (erofs_iget(&fs, fs.root_nid, &r) != 0)
            continue;
        mounted++;
        int budget = 5000;
        walk(&fs, &r, 0, &budget);
    }
    assert_true(mounted > 1000);   /* most corruptions were walked, not refused at mount */
    free(orig);
    free(work);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_footer_roundtrip),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_image_plain),
        cmocka_unit_test(test_image_chunked),
        cmocka_unit_test(test_image_tamper),
        cmocka_unit_test(test_not_erofs),
        cmocka_unit_test(test_erofs_fuzz),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
