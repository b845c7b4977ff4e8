/*
 * test_vol.c - unit tests for the encrypted volume (common/vol*.c) over an in-memory host
 * file, white-box where it must be (vol_int.h) to find the block of a given kind.
 *
 * The fault-injecting io keeps two images: what reads see and what a sync made durable.
 * A "crash" at the Nth write stops every later operation; the image after the crash is
 * the durable one plus a random subset of the writes made since the last sync (each in
 * order), which is what a disk without barriers may keep.  The crash test replays one
 * workload with a crash at every write and proves the volume opens at the last committed
 * version (or the one being committed), whole, and that vol_check finds it clean.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "vol_int.h"

/* ---- the in-memory host file ---------------------------------------------------------- */

struct pend {
    uint64_t off;
    size_t n;
    uint8_t *data;
};

struct mem {
    uint8_t *cur, *dur;      /* what reads see; what is durable */
    size_t size;
    long writes, syncs;      /* counted */
    long crash_at;           /* crash at this write (1-based; 0: never) */
    long fail_write_at;      /* this write fails with -EIO, no crash */
    long fail_sync_at;       /* this sync fails with -EIO (nothing made durable), no crash */
    int crashed;
    struct pend *pend;
    size_t npend, cappend;
    int nlog;
    char lastlog[256];
    int quiet;
};

static long m_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    struct mem *m = ctx;
    if (m->crashed)
        return -EIO;
    if (off >= m->size)
        return 0;
    if (n > m->size - off)
        n = m->size - off;
    memcpy(buf, m->cur + off, n);
    return (long)n;
}

static long m_write(void *ctx, const void *buf, size_t n, uint64_t off)
{
    struct mem *m = ctx;
    if (m->crashed)
        return -EIO;
    m->writes++;
    if (m->crash_at && m->writes >= m->crash_at) {
        m->crashed = 1;
        return -EIO;
    }
    if (m->fail_write_at && m->writes == m->fail_write_at)
        return -EIO;
    if (off + n > m->size)
        return -ENOSPC;
    memcpy(m->cur + off, buf, n);
    if (m->crash_at) {
        if (m->npend == m->cappend) {
            m->cappend = m->cappend ? 2 * m->cappend : 64;
            m->pend = realloc(m->pend, m->cappend * sizeof(*m->pend));
        }
        struct pend *p = &m->pend[m->npend++];
        p->off = off;
        p->n = n;
        p->data = malloc(n);
        memcpy(p->data, buf, n);
    } else {
        memcpy(m->dur + off, buf, n);
    }
    return (long)n;
}

static void pend_clear(struct mem *m)
{
    for (size_t i = 0; i < m->npend; i++)
        free(m->pend[i].data);
    m->npend = 0;
}

static int m_sync(void *ctx)
{
    struct mem *m = ctx;
    if (m->crashed)
        return -EIO;
    m->syncs++;
    if (m->fail_sync_at && m->syncs == m->fail_sync_at)
        return -EIO;
    for (size_t i = 0; i < m->npend; i++)
        memcpy(m->dur + m->pend[i].off, m->pend[i].data, m->pend[i].n);
    pend_clear(m);
    return 0;
}

static int m_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
    return 0;
}

static uint64_t m_begin(void) { return 7; }
static void m_end(uint64_t t) { assert_int_equal(t, 7); }

static void m_log(void *ctx, const char *line)
{
    struct mem *m = ctx;
    m->nlog++;
    snprintf(m->lastlog, sizeof(m->lastlog), "%s", line);
    if (getenv("VOL_TEST_LOG") && !m->quiet)
        fprintf(stderr, "  log: %s\n", line);
}

static struct mem *mem_new(size_t size)
{
    struct mem *m = calloc(1, sizeof(*m));
    m->size = size;
    m->cur = calloc(1, size);
    m->dur = calloc(1, size);
    return m;
}

static void mem_free(struct mem *m)
{
    pend_clear(m);
    free(m->pend);
    free(m->cur);
    free(m->dur);
    free(m);
}

/* After a crash: durable image plus a random subset of the pending writes. */
static void mem_after_crash(struct mem *m, unsigned seed)
{
    memcpy(m->cur, m->dur, m->size);
    srand(seed);
    for (size_t i = 0; i < m->npend; i++)
        if (seed == 0 || (rand() & 1))
            memcpy(m->cur + m->pend[i].off, m->pend[i].data, m->pend[i].n);
    memcpy(m->dur, m->cur, m->size);
    pend_clear(m);
    m->crashed = 0;
    m->crash_at = 0;
}

static struct vol_io mk_io(struct mem *m)
{
    struct vol_io io = {
        .ctx = m, .read = m_read, .write = m_write, .sync = m_sync, .alloc = malloc,
        .free = free, .random = m_random, .crypto_begin = m_begin, .crypto_end = m_end,
        .log = m_log,
    };
    return io;
}

/* A counter source in memory (one volume). */
struct ctr {
    uint64_t v;
    int sets;
};

static int c_get(void *ctx, const uint8_t id[16], uint64_t *v)
{
    (void)id;
    *v = ((struct ctr *)ctx)->v;
    return 0;
}

static int c_set(void *ctx, const uint8_t id[16], uint64_t v)
{
    (void)id;
    ((struct ctr *)ctx)->v = v;
    ((struct ctr *)ctx)->sets++;
    return 0;
}

static const uint8_t KEY[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

/* ---- helpers -------------------------------------------------------------------------- */

static void fill(uint8_t *b, uint64_t seed, uint64_t idx)
{
    uint64_t x = seed * 0x9e3779b97f4a7c15ull ^ (idx + 1) * 0xc2b2ae3d27d4eb4full;
    for (unsigned i = 0; i < VB; i += 8) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        memcpy(b + i, &x, 8);
    }
}

static int check_clean(struct vol *v)
{
    uint64_t p = 99;
    int r = vol_check(v, &p);
    if (r != 0 || p != 0)
        fprintf(stderr, "vol_check: %d, %llu problems\n", r, (unsigned long long)p);
    return r == 0 && p == 0;
}

static struct vol *open_ok(struct vol_io *io, const struct vol_counter *c, int rw)
{
    struct vol *v = NULL;
    int r = vol_open(io, KEY, c, rw, &v);
    if (r != 0)
        fprintf(stderr, "vol_open: %d (%s)\n", r, ((struct mem *)io->ctx)->lastlog);
    assert_int_equal(r, 0);
    return v;
}

/* Directory edits for the tests: decode all, change, encode all (as the core does). */
struct dlist {
    struct vol_dirent e[64];
    char names[64][16];
    size_t n;
};

static int dlist_fn(void *arg, const struct vol_dirent *e)
{
    struct dlist *d = arg;
    if (d->n >= 64)
        return -ENOSPC;
    memcpy(d->names[d->n], e->name, e->len);
    d->e[d->n] = *e;
    d->e[d->n].name = d->names[d->n];
    d->n++;
    return 0;
}

static int dir_add(struct vol *v, uint64_t dir, uint64_t ino)
{
    struct dlist *d = calloc(1, sizeof(*d));
    int r = vol_dir_read(v, dir, dlist_fn, d);
    if (r == 0 && d->n < 64) {
        d->e[d->n].ino = ino;
        d->e[d->n].type = 8;
        d->e[d->n].len = (uint8_t)snprintf(d->names[d->n], 16, "i%llu", (unsigned long long)ino);
        d->e[d->n].name = d->names[d->n];
        d->n++;
        r = vol_dir_write(v, dir, d->e, d->n);
    }
    free(d);
    return r;
}

static int dir_del(struct vol *v, uint64_t dir, uint64_t ino)
{
    struct dlist *d = calloc(1, sizeof(*d));
    int r = vol_dir_read(v, dir, dlist_fn, d);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++)
        if (d->e[i].ino != ino)
            d->e[k++] = d->e[i];
    if (r == 0)
        r = vol_dir_write(v, dir, d->e, k);
    free(d);
    return r;
}

static uint64_t mkfile_nolink(struct vol *v, uint64_t seed, uint64_t nblocks);

/* A regular file of nblocks blocks of fill(seed), linked into the root directory. */
static uint64_t mkfile(struct vol *v, uint64_t seed, uint64_t nblocks)
{
    uint64_t ino = mkfile_nolink(v, seed, nblocks);
    assert_int_equal(dir_add(v, vol_root(v), ino), 0);
    return ino;
}

static uint64_t mkfile_nolink(struct vol *v, uint64_t seed, uint64_t nblocks)
{
    uint64_t ino;
    uint8_t *buf = malloc(nblocks * VB + 1);
    assert_int_equal(vol_alloc(v, 0100644, &ino), 0);
    for (uint64_t i = 0; i < nblocks; i++)
        fill(buf + i * VB, seed, i);
    assert_int_equal(vol_write_blocks(v, ino, 0, nblocks, buf), 0);
    struct vol_attr a;
    assert_int_equal(vol_getattr(v, ino, &a), 0);
    a.size = (int64_t)(nblocks * VB);
    assert_int_equal(vol_setattr(v, ino, &a), 0);
    free(buf);
    return ino;
}

static int file_is(struct vol *v, uint64_t ino, uint64_t seed, uint64_t nblocks)
{
    uint8_t *buf = malloc(nblocks * VB + 1), want[VB];
    int ok = vol_read_blocks(v, ino, 0, nblocks, buf) == 0;
    for (uint64_t i = 0; ok && i < nblocks; i++) {
        fill(want, seed, i);
        ok = !memcmp(buf + i * VB, want, VB);
    }
    free(buf);
    return ok;
}

/* ---- basics --------------------------------------------------------------------------- */

static void t_format_open(int cipher)
{
    struct mem *m = mem_new(1 << 20);
    struct vol_io io = mk_io(m);
    struct ctr c = {0, 0};
    struct vol_counter ctr = {&c, c_get, c_set};
    struct vol_info info;
    struct vol_attr a;
    assert_int_equal(vol_format_cipher(&io, KEY, (1 << 20) + 100, 1000, 1001, &ctr, cipher), 0);
    assert_int_equal(c.v, 1);
    struct vol *v = open_ok(&io, &ctr, 0);
    vol_info(v, &info);
    assert_int_equal(info.version, 1);
    assert_int_equal(info.total_blocks, 256);
    assert_int_equal(info.inodes, 1);
    assert_string_equal(info.cipher, cipher == VOL_CIPHER_AES256GCM ? "aes256gcm" : "xchacha20poly1305");
    assert_int_equal(vol_getattr(v, vol_root(v), &a), 0);
    assert_int_equal(a.mode, 040755);
    assert_int_equal(a.uid, 1000);
    assert_int_equal(a.gid, 1001);
    assert_int_equal(a.nlink, 2);
    assert_int_equal(vol_commit(v), -EROFS);
    uint64_t ino;
    assert_int_equal(vol_alloc(v, 0100644, &ino), -EROFS);
    assert_true(check_clean(v));
    vol_close(v);
    /* the header is the only plain block: no zero block anywhere else */
    static const uint8_t zero[64];
    for (size_t b = 1; b < m->size / VB; b++)
        assert_true(memcmp(m->cur + b * VB + 100, zero, 64) != 0);
    mem_free(m);
}

static void test_format_open_aes(void **s)
{
    (void)s;
    if (!crypto_aead_aes256gcm_is_available())
        skip();
    t_format_open(VOL_CIPHER_AES256GCM);
}

static void test_format_open_xchacha(void **s)
{
    (void)s;
    t_format_open(VOL_CIPHER_XCHACHA20POLY1305);
}

static void test_bad_format_args(void **s)
{
    (void)s;
    struct mem *m = mem_new(1 << 20);
    struct vol_io io = mk_io(m);
    assert_int_equal(vol_format(&io, KEY, VOL_MIN_SIZE - 1, 0, 0, NULL), -EINVAL);
    assert_int_equal(vol_format_cipher(&io, KEY, 1 << 20, 0, 0, NULL, 9), -EINVAL);
    assert_int_equal(vol_format(&io, KEY, VOL_MIN_SIZE, 0, 0, NULL), 0);
    mem_free(m);
}

static void test_data_roundtrip(void **s)
{
    (void)s;
    struct mem *m = mem_new(4 << 20);
    struct vol_io io = mk_io(m);
    uint8_t b[VB], z[VB] = {0};
    struct vol_attr a;
    assert_int_equal(vol_format(&io, KEY, 4 << 20, 0, 0, NULL), 0);
    struct vol *v = open_ok(&io, NULL, 1);
    uint64_t f1 = mkfile(v, 11, 100);
    uint64_t f2 = mkfile(v, 12, 3);
    assert_true(file_is(v, f1, 11, 100));  /* visible before the commit */
    /* holes */
    uint64_t f3;
    assert_int_equal(vol_alloc(v, 0100600, &f3), 0);
    assert_int_equal(dir_add(v, vol_root(v), f3), 0);
    fill(b, 13, 70);
    assert_int_equal(vol_write_block(v, f3, 70, b), 0);
    assert_int_equal(vol_read_block(v, f3, 3, b), 1);
    assert_memory_equal(b, z, VB);
    assert_int_equal(vol_read_block(v, f3, 70, b), 0);
    assert_int_equal(vol_next_block(v, f3, 0), 70);
    assert_int_equal(vol_next_block(v, f3, 71), -1);
    assert_int_equal(vol_read_block(v, 9999, 0, b), -EINVAL);
    assert_int_equal(vol_read_block(v, 0, 0, b), -EINVAL);
    assert_int_equal(vol_commit(v), 0);
    vol_close(v);

    v = open_ok(&io, NULL, 1);
    assert_true(file_is(v, f1, 11, 100));
    assert_true(file_is(v, f2, 12, 3));
    assert_int_equal(vol_getattr(v, f1, &a), 0);
    assert_int_equal(a.blocks, 100);
    assert_int_equal(a.size, 100 * VB);
    /* overwrite some blocks, punch, truncate */
    fill(b, 99, 5);
    assert_int_equal(vol_write_block(v, f1, 5, b), 0);
    assert_int_equal(vol_punch_block(v, f1, 6), 0);
    assert_int_equal(vol_punch_block(v, f1, 6), 0);
    assert_int_equal(vol_truncate(v, f1, 50 * VB + 1), 0);  /* keeps block 50 */
    assert_int_equal(vol_getattr(v, f1, &a), 0);
    assert_int_equal(a.blocks, 50);
    assert_int_equal(vol_next_block(v, f1, 6), 7);
    assert_int_equal(vol_next_block(v, f1, 51), -1);
    assert_int_equal(vol_commit(v), 0);
    assert_true(check_clean(v));
    vol_close(v);

    v = open_ok(&io, NULL, 0);
    uint8_t want[VB];
    assert_int_equal(vol_read_block(v, f1, 5, b), 0);
    fill(want, 99, 5);
    assert_memory_equal(b, want, VB);
    assert_int_equal(vol_read_block(v, f1, 6, b), 1);
    assert_int_equal(vol_read_block(v, f1, 50, b), 0);
    assert_int_equal(vol_read_block(v, f1, 51, b), 1);
    assert_true(check_clean(v));
    vol_close(v);

    /* free the files: the blocks come back after the commit */
    v = open_ok(&io, NULL, 1);
    struct vol_info i0, i1;
    vol_info(v, &i0);
    assert_int_equal(vol_free(v, f1), 0);
    assert_int_equal(vol_free(v, f2), 0);
    assert_int_equal(vol_free(v, f3), 0);
    assert_int_equal(vol_dir_write(v, vol_root(v), NULL, 0), 0);
    assert_int_equal(vol_free(v, vol_root(v)), -EBUSY);
    assert_int_equal(vol_getattr(v, f1, &a), -EINVAL);
    assert_int_equal(vol_commit(v), 0);
    vol_info(v, &i1);
    assert_true(i1.free_blocks >= i0.free_blocks + 53);
    assert_int_equal(i1.inodes, 1);
    assert_true(check_clean(v));
    vol_close(v);
    mem_free(m);
}

static void test_sparse_big(void **s)
{
    (void)s;
    struct mem *m = mem_new(2 << 20);
    struct vol_io io = mk_io(m);
    uint8_t b[VB], want[VB];
    assert_int_equal(vol_format(&io, KEY, 2 << 20, 0, 0, NULL), 0);
    struct vol *v = open_ok(&io, NULL, 1);
    uint64_t f;
    assert_int_equal(vol_alloc(v, 0100644, &f), 0);
    assert_int_equal(dir_add(v, vol_root(v), f), 0);
    const uint64_t idx[] = {0, 63, 64, 4095, 4096, 1ull << 30, (1ull << 40) + 7, (1ull << 51) - 1};
    for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
        fill(b, 5, idx[i]);
        assert_int_equal(vol_write_block(v, f, idx[i], b), 0);
    }
    assert_int_equal(vol_write_block(v, f, 1ull << 51, b), -EFBIG);
    assert_int_equal(vol_commit(v), 0);
    vol_close(v);
    v = open_ok(&io, NULL, 1);
    int64_t n = -1;
    for (unsigned i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
        assert_int_equal(vol_read_block(v, f, idx[i], b), 0);
        fill(want, 5, idx[i]);
        assert_memory_equal(b, want, VB);
        n = vol_next_block(v, f, (uint64_t)n + 1);
        assert_int_equal(n, idx[i]);
    }
    assert_int_equal(vol_read_block(v, f, (1ull << 40) + 8, b), 1);
    assert_true(check_clean(v));
    assert_int_equal(vol_truncate(v, f, (int64_t)(4096ull * 4096)), 0);
    assert_int_equal(vol_next_block(v, f, 4096), -1);
    assert_int_equal(vol_commit(v), 0);
    assert_true(check_clean(v));
    struct vol_attr a;
    assert_int_equal(vol_getattr(v, f, &a), 0);
    assert_int_equal(a.blocks, 4);
    assert_int_equal(vol_truncate(v, f, 0), 0);
    assert_int_equal(vol_next_block(v, f, 0), -1);
    assert_int_equal(vol_commit(v), 0);
    assert_true(check_clean(v));
    vol_close(v);
    mem_free(m);
}

/* ---- directories -------------------------------------------------------------------- */

struct collect {
    int n;
    char names[4][300];
    uint64_t inos[4];
    int stop_at;
};

static int collect_fn(void *arg, const struct vol_dirent *e)
{
    struct collect *c = arg;
    if (c->n < 4) {
        memcpy(c->names[c->n], e->name, e->len);
        c->names[c->n][e->len] = 0;
        c->inos[c->n] = e->ino;
    }
    c->n++;
    return c->stop_at && c->n == c->stop_at ? 42 : 0;
}

static void test_dir_encode_decode(void **s)
{
    (void)s;
    char longname[256];
    memset(longname, 'x', 255);
    struct vol_dirent e[3] = {
        {5, 8, 1, "a"}, {6, 4, 255, longname}, {7, 10, 3, "..."},
    };
    uint8_t buf[1024];
    long len = vol_dir_encode(e, 3, NULL, 0);
    assert_int_equal(len, 8 + 11 + 265 + 13);
    assert_int_equal(vol_dir_encode(e, 3, buf, (size_t)len - 1), -ERANGE);
    assert_int_equal(vol_dir_encode(e, 3, buf, sizeof(buf)), len);
    struct collect c = {0};
    assert_int_equal(vol_dir_decode(buf, (size_t)len, collect_fn, &c), 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.names[0], "a");
    assert_int_equal(strlen(c.names[1]), 255);
    assert_string_equal(c.names[2], "...");
    assert_int_equal(c.inos[2], 7);
    /* the callback's value stops the walk */
    struct collect c2 = {.stop_at = 2};
    assert_int_equal(vol_dir_decode(buf, (size_t)len, collect_fn, &c2), 42);
    assert_int_equal(c2.n, 2);
    /* empty */
    assert_int_equal(vol_dir_encode(NULL, 0, buf, sizeof(buf)), 8);
    assert_int_equal(vol_dir_decode(buf, 8, collect_fn, &c), 0);
    assert_int_equal(vol_dir_decode(buf, 0, collect_fn, &c), 0);
    /* bad entries */
    struct vol_dirent bad[] = {
        {0, 8, 1, "a"}, {1, 8, 0, "a"}, {1, 8, 1, "."}, {1, 8, 2, ".."}, {1, 8, 3, "a/b"},
        {1, 8, 3, "a\0b"}, {1, 16, 1, "a"},
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(vol_dir_encode(&bad[i], 1, buf, sizeof(buf)), -EINVAL);
    /* malformed buffers: every truncation, trailing bytes, a bad magic, a big count */
    len = vol_dir_encode(e, 3, buf, sizeof(buf));
    for (long cut = 1; cut < len; cut++)
        assert_int_equal(vol_dir_decode(buf, (size_t)cut, NULL, NULL), -EIO);
    assert_int_equal(vol_dir_decode(buf, (size_t)len + 1, NULL, NULL), -EIO);
    buf[0] ^= 1;
    assert_int_equal(vol_dir_decode(buf, (size_t)len, NULL, NULL), -EIO);
    buf[0] ^= 1;
    buf[4] = 0xff;
    assert_int_equal(vol_dir_decode(buf, (size_t)len, NULL, NULL), -EIO);
    buf[4] = 3;
    buf[8 + 9] = 0;  /* first name length 0 */
    assert_int_equal(vol_dir_decode(buf, (size_t)len, NULL, NULL), -EIO);
}

static void test_many_files(void **s)
{
    (void)s;
    const int NF = 3000;
    struct mem *m = mem_new(32 << 20);
    struct vol_io io = mk_io(m);
    assert_int_equal(vol_format(&io, KEY, 32 << 20, 0, 0, NULL), 0);
    struct vol *v = open_ok(&io, NULL, 1);
    vol_set_cache(v, 64);  /* evictions on the way */
    struct vol_dirent *e = calloc((size_t)NF, sizeof(*e));
    char (*names)[16] = calloc((size_t)NF, 16);
    uint64_t dir;
    assert_int_equal(vol_alloc(v, 040755, &dir), 0);
    for (int i = 0; i < NF; i++) {
        e[i].ino = mkfile_nolink(v, (uint64_t)i, (uint64_t)(i % 3));
        e[i].type = 8;
        e[i].len = (uint8_t)snprintf(names[i], 16, "file-%d", i);
        e[i].name = names[i];
        if (i % 1000 == 999)
            assert_int_equal(vol_commit(v), 0);
    }
    assert_int_equal(vol_dir_write(v, dir, e, (size_t)NF), 0);
    struct vol_dirent top = {dir, 4, 3, "sub"};
    assert_int_equal(vol_dir_write(v, vol_root(v), &top, 1), 0);
    assert_int_equal(vol_commit(v), 0);
    vol_close(v);

    v = open_ok(&io, NULL, 1);
    vol_set_cache(v, 32);
    struct vol_info info;
    vol_info(v, &info);
    assert_int_equal(info.inodes, NF + 2);
    struct collect c = {0};
    assert_int_equal(vol_dir_read(v, dir, collect_fn, &c), 0);
    assert_int_equal(c.n, NF);
    assert_string_equal(c.names[3], "file-3");
    assert_int_equal(vol_dir_read(v, e[0].ino, collect_fn, &c), -ENOTDIR);
    for (int i = 0; i < NF; i += 7)
        assert_true(file_is(v, e[i].ino, (uint64_t)i, (uint64_t)(i % 3)));
    assert_true(check_clean(v));
    assert_true(v->nnodes <= 32 + v->nbb + v->nib + v->ndirty + 64);
    /* free every other file, rewrite the directory */
    int k = 0;
    for (int i = 0; i < NF; i++) {
        if (i % 2) {
            assert_int_equal(vol_free(v, e[i].ino), 0);
        } else {
            e[k++] = e[i];
        }
    }
    assert_int_equal(vol_dir_write(v, dir, e, (size_t)k), 0);
    assert_int_equal(vol_commit(v), 0);
    assert_true(check_clean(v));
    vol_info(v, &info);
    assert_int_equal(info.inodes, k + 2);
    vol_close(v);
    free(e);
    free(names);
    mem_free(m);
}

static int count_fn(void *arg, uint64_t ino)
{
    (void)ino;
    (*(int *)arg)++;
    return 0;
}

static void test_for_each_inode(void **s)
{
    (void)s;
    struct mem *m = mem_new(1 << 20);
    struct vol_io io = mk_io(m);
    assert_int_equal(vol_format(&io, KEY, 1 << 20, 0, 0, NULL), 0);
    struct vol *v = open_ok(&io, NULL, 1);
    for (int i = 0; i < 40; i++)
        mkfile_nolink(v, 1, 0);
    int n = 0;
    assert_int_equal(vol_for_each_inode(v, count_fn, &n), 0);
    assert_int_equal(n, 41);
    vol_close(v);
    mem_free(m);
}

/* ---- space ---------------------------------------------------------------------------- */

static void test_enospc(void **s)
{
    (void)s;
    struct mem *m = mem_new(1 << 20);
    struct vol_io io = mk_io(m);
    assert_int_equal(vol_format(&io, KEY, 1 << 20, 0, 0, NULL), 0);
    struct vol *v = open_ok(&io, NULL, 1);
    uint8_t b[VB];
    uint64_t files[64], nf = 0, lastok[64] = {0};
    int r = 0;
    /* fill with several files until no room; every accepted block must survive */
    while (r == 0 && nf < 64) {
        uint64_t f;
        r = vol_alloc(v, 0100644, &f);
        if (r)
            break;
        if ((r = dir_add(v, vol_root(v), f)))
            break;
        files[nf] = f;
        for (uint64_t i = 0; i < 16; i++) {
            fill(b, f, i);
            r = vol_write_block(v, f, i, b);
            if (r)
                break;
            lastok[nf] = i + 1;
        }
        nf++;
    }
    assert_int_equal(r, -ENOSPC);
    assert_int_equal(vol_room(v), 0);
    assert_int_equal(vol_commit(v), 0);
    /* after the commit the freed copies of rewritten nodes come back, fill again */
    for (int round = 0; round < 3; round++) {
        uint64_t f = files[0];
        while (vol_write_block(v, f, lastok[0], (fill(b, f, lastok[0]), b)) == 0)
            lastok[0]++;
        assert_int_equal(vol_commit(v), 0);
    }
    assert_true(check_clean(v));
    vol_close(v);
    v = open_ok(&io, NULL, 1);
    for (uint64_t i = 0; i < nf; i++)
        assert_true(file_is(v, files[i], files[i], lastok[i]));
    assert_true(check_clean(v));
    /* deleting on a full volume works and gives room back after the commit */
    assert_int_equal(vol_free(v, files[0]), 0);
    assert_int_equal(dir_del(v, vol_root(v), files[0]), 0);
    assert_int_equal(vol_commit(v), 0);
    assert_true(vol_room(v) > 10);
    assert_true(check_clean(v));
    vol_close(v);
    mem_free(m);
}

/* ---- tampering ------------------------------------------------------------------------ */

/* A volume with files, directories and a few versions; returns the io. */
static int sample_cipher = VOL_CIPHER_AUTO;

static struct mem *build_sample(struct ctr *c, uint64_t *f_out)
{
    struct mem *m = mem_new(1 << 20);
    struct vol_io io = mk_io(m);
    struct vol_counter ctr = {c, c_get, c_set};
    assert_int_equal(vol_format_cipher(&io, KEY, 1 << 20, 0, 0, &ctr, sample_cipher), 0);
    struct vol *v = open_ok(&io, &ctr, 1);
    uint64_t f = mkfile(v, 1, 70), g = mkfile(v, 2, 2), d;
    assert_int_equal(vol_alloc(v, 040700, &d), 0);
    struct vol_dirent sub[] = {{g, 8, 1, "g"}};
    assert_int_equal(vol_dir_write(v, d, sub, 1), 0);
    struct vol_dirent top[] = {{f, 8, 1, "f"}, {d, 4, 1, "d"}};
    assert_int_equal(vol_dir_write(v, vol_root(v), top, 2), 0);
    assert_int_equal(vol_commit(v), 0);
    vol_close(v);
    *f_out = f;
    return m;
}

/* Everything reachable must authenticate: open, read every file, check. */
static int volume_intact(struct mem *m, const struct vol_counter *ctr, int *open_rc)
{
    struct vol_io io = mk_io(m);
    struct vol *v = NULL;
    m->quiet = 1;
    *open_rc = vol_open(&io, KEY, ctr, 0, &v);
    if (*open_rc)
        return 0;
    uint64_t p = 0;
    int ok = vol_check(v, &p) == 0 && p == 0;
    vol_close(v);
    m->quiet = 0;
    return ok;
}

static void tamper_bitflips(void);

static void test_tamper_bitflips(void **s)
{
    (void)s;
    sample_cipher = VOL_CIPHER_AUTO;
    tamper_bitflips();
    sample_cipher = VOL_CIPHER_XCHACHA20POLY1305;
    tamper_bitflips();
    sample_cipher = VOL_CIPHER_AUTO;
}

static void tamper_bitflips(void)
{
    struct ctr c = {0, 0};
    uint64_t f;
    struct mem *m = build_sample(&c, &f);
    struct vol_io io = mk_io(m);
    struct vol_counter ctr = {&c, c_get, c_set};
    struct vol *v = open_ok(&io, &ctr, 0);
    uint64_t N = v->N;
    uint8_t *used = calloc(N, 1);
    for (uint64_t b = 0; b < N; b++)
        used[b] = (uint8_t)vi_bb_get(v, b);
    unsigned cur_slot = v->slot;
    vol_close(v);
    uint8_t *orig = malloc(m->size);
    memcpy(orig, m->cur, m->size);
    int detected = 0, flips = 0;
    for (uint64_t b = 0; b < N; b++) {
        int must = used[b] && !(b == SB_A + SB_B - cur_slot);  /* the stale slot may go */
        for (int trial = 0; trial < 2; trial++) {
            size_t off = b * VB + (trial ? VB - 1 : (b * 37) % VB);
            m->cur[off] ^= (uint8_t)(1u << (b % 8));
            int rc, ok = volume_intact(m, &ctr, &rc);
            if (must) {
                flips++;
                if (!ok)
                    detected++;
                else
                    fprintf(stderr, "flip in block %llu (offset %zu) not detected\n",
                            (unsigned long long)b, off % VB);
                if (b == 0)
                    assert_true(rc == -EINVAL || rc == -EKEYREJECTED);
                if (b == cur_slot)
                    assert_int_equal(rc, -ESTALE);  /* the older slot is found, the counter says no */
            } else {
                assert_true(ok);  /* an unused block changes nothing */
            }
            memcpy(m->cur, orig, m->size);
        }
    }
    assert_int_equal(detected, flips);
    assert_true(flips > 20);
    free(used);
    free(orig);
    mem_free(m);
}

static void test_tamper_swap_replay_rollback(void **s)
{
    (void)s;
    struct ctr c = {0, 0};
    uint64_t f;
    struct mem *m = build_sample(&c, &f);
    struct vol_io io = mk_io(m);
    struct vol_counter ctr = {&c, c_get, c_set};
    uint8_t *old = malloc(m->size), *now = malloc(m->size), tmp[VB], b[VB];
    memcpy(old, m->cur, m->size);
    uint64_t old_version = c.v;
    /* version + 1: rewrite part of f */
    struct vol *v = open_ok(&io, &ctr, 1);
    for (uint64_t i = 0; i < 10; i++) {
        fill(b, 77, i);
        assert_int_equal(vol_write_block(v, f, i * 7, b), 0);
    }
    assert_int_equal(vol_commit(v), 0);
    uint64_t N = v->N;
    uint8_t *used = calloc(N, 1);
    for (uint64_t k = 0; k < N; k++)
        used[k] = (uint8_t)vi_bb_get(v, k);
    unsigned cur_slot = v->slot;
    vol_close(v);
    memcpy(now, m->cur, m->size);
    int rc;
    assert_true(volume_intact(m, &ctr, &rc));

    /* swap two used blocks (data or tree) */
    uint64_t swaps = 0;
    for (uint64_t a = FIRST_FREE; a < N; a += 5)
        for (uint64_t z = a + 1; z < N; z += 11) {
            if (!used[a] || !used[z])
                continue;
            memcpy(tmp, m->cur + a * VB, VB);
            memcpy(m->cur + a * VB, m->cur + z * VB, VB);
            memcpy(m->cur + z * VB, tmp, VB);
            assert_false(volume_intact(m, &ctr, &rc));
            memcpy(m->cur, now, m->size);
            swaps++;
        }
    assert_true(swaps > 10);
    /* replay one block from the older copy: every used block that changed */
    uint64_t replays = 0;
    for (uint64_t k = 0; k < N; k++) {
        if (!used[k] || k == SB_A + SB_B - cur_slot || !memcmp(old + k * VB, now + k * VB, VB))
            continue;
        memcpy(m->cur + k * VB, old + k * VB, VB);
        assert_false(volume_intact(m, &ctr, &rc));
        memcpy(m->cur, now, m->size);
        replays++;
    }
    assert_true(replays >= 3);
    /* the whole volume rolled back: the counter catches it; without counter it opens */
    memcpy(m->cur, old, m->size);
    v = NULL;
    assert_int_equal(vol_open(&io, KEY, &ctr, 0, &v), -ESTALE);
    assert_non_null(strstr(m->lastlog, "rolled back"));
    v = open_ok(&io, NULL, 0);
    struct vol_info info;
    vol_info(v, &info);
    assert_int_equal(info.version, old_version);
    vol_close(v);
    /* a reset counter source trusts what it finds, and says so */
    struct ctr c0 = {0, 0};
    struct vol_counter ctr0 = {&c0, c_get, c_set};
    v = open_ok(&io, &ctr0, 1);
    assert_non_null(strstr(m->lastlog, "knows nothing"));
    assert_int_equal(c0.v, old_version);
    vol_close(v);
    /* mixing versions: the new tree with the old superblock slots */
    memcpy(m->cur, now, m->size);
    memcpy(m->cur + SB_A * VB, old + SB_A * VB, 2 * VB);
    assert_int_equal(vol_open(&io, KEY, &ctr, 0, &v), -ESTALE);
    /* ... and the old tree with the new superblocks */
    memcpy(m->cur, old, m->size);
    memcpy(m->cur + SB_A * VB, now + SB_A * VB, 2 * VB);
    assert_false(volume_intact(m, &ctr, &rc));
    /* wrong key */
    memcpy(m->cur, now, m->size);
    uint8_t k2[32];
    memcpy(k2, KEY, 32);
    k2[31] ^= 1;
    assert_int_equal(vol_open(&io, k2, &ctr, 0, &v), -EKEYREJECTED);
    assert_string_equal(m->lastlog, "wrong key or corrupted volume");
    free(used);
    free(old);
    free(now);
    mem_free(m);
}

static void test_not_a_volume(void **s)
{
    (void)s;
    struct ctr c = {0, 0};
    uint64_t f;
    struct mem *m = build_sample(&c, &f);
    struct vol_io io = mk_io(m);
    struct vol *v = NULL;
    size_t full = m->size;
    /* truncated: at every size that is not the whole file */
    const size_t cuts[] = {0, 1, 100, VB, VB + 1, 3 * VB, full / 2, full - VB, full - 1};
    for (unsigned i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        m->size = cuts[i];
        assert_int_equal(vol_open(&io, KEY, NULL, 0, &v), -EINVAL);
        assert_null(v);
    }
    m->size = full;
    /* garbage */
    randombytes_buf(m->cur, m->size);
    assert_int_equal(vol_open(&io, KEY, NULL, 0, &v), -EINVAL);
    assert_string_equal(m->lastlog, "not an Alcove volume");
    /* zeros */
    memset(m->cur, 0, m->size);
    assert_int_equal(vol_open(&io, KEY, NULL, 1, &v), -EINVAL);
    mem_free(m);
}

/* ---- two volumes at once, read-only rules --------------------------------------------- */

static void test_two_volumes(void **s)
{
    (void)s;
    struct mem *m1 = mem_new(1 << 20), *m2 = mem_new(1 << 20);
    struct vol_io io1 = mk_io(m1), io2 = mk_io(m2);
    uint8_t k2[32] = {9};
    assert_int_equal(vol_format(&io1, KEY, 1 << 20, 0, 0, NULL), 0);
    assert_int_equal(vol_format(&io2, k2, 1 << 20, 0, 0, NULL), 0);
    struct vol *a = open_ok(&io1, NULL, 1), *b = NULL;
    assert_int_equal(vol_open(&io2, k2, NULL, 1, &b), 0);
    uint64_t fa = mkfile(a, 1, 5), fb = mkfile(b, 2, 5);
    assert_int_equal(vol_commit(a), 0);
    assert_int_equal(vol_commit(b), 0);
    assert_true(file_is(a, fa, 1, 5));
    assert_true(file_is(b, fb, 2, 5));
    vol_close(a);
    vol_close(b);
    /* a block of one volume copied to the other fails (the volume id is bound) */
    assert_int_equal(vol_open(&io1, k2, NULL, 0, &a), -EKEYREJECTED);
    mem_free(m1);
    mem_free(m2);
}

/* ---- random operations against a model ------------------------------------------------- */

#define RF 6
#define RB 300   /* block indexes 0..RB-1, plus one far away */
#define FAR (1ull << 33)

struct rfile {
    uint64_t ino;
    uint32_t seed[RB + 1];  /* 0: hole */
};

static uint64_t ridx(int j)
{
    return j == RB ? FAR : (uint64_t)j;
}

static int rfile_ok(struct vol *v, const struct rfile *f)
{
    uint8_t b[VB], want[VB];
    uint64_t cnt = 0;
    struct vol_attr a;
    for (int j = 0; j <= RB; j++) {
        int r = vol_read_block(v, f->ino, ridx(j), b);
        if (f->seed[j]) {
            fill(want, f->seed[j], ridx(j));
            if (r != 0 || memcmp(b, want, VB))
                return 0;
            cnt++;
        } else if (r != 1) {
            return 0;
        }
    }
    return vol_getattr(v, f->ino, &a) == 0 && a.blocks == cnt;
}

/* Free blocks as counted equal the bitmap's (after a commit nothing is held). */
static int counts_ok(struct vol *v)
{
    uint64_t used = 0;
    for (uint64_t b = 0; b < v->N; b++)
        used += (uint64_t)vi_bb_get(v, b);
    return v->nhold == 0 && v->need == 0 && used + v->nfree == v->N;
}

static void random_ops(unsigned seed, size_t size)
{
    struct mem *m = mem_new(size);
    struct vol_io io = mk_io(m);
    struct ctr c = {0, 0};
    struct vol_counter ctr = {&c, c_get, c_set};
    assert_int_equal(vol_format(&io, KEY, size, 0, 0, &ctr), 0);
    struct vol *v = open_ok(&io, &ctr, 1);
    struct rfile *fs = calloc(RF, sizeof(*fs));
    uint8_t *buf = malloc(64 * VB);
    unsigned enospc = 0, reopens = 0;
    srand(seed);
    for (int op = 0; op < 3000; op++) {
        int k = rand() % RF, what = rand() % 100;
        struct rfile *f = &fs[k];
        if (!f->ino) {
            int r = vol_alloc(v, 0100644, &f->ino);
            if (r == 0 && (r = dir_add(v, vol_root(v), f->ino)) == -ENOSPC)
                assert_int_equal(vol_free(v, f->ino), 0);
            if (r) {
                assert_int_equal(r, -ENOSPC);
                enospc++;
                f->ino = 0;
            }
            continue;
        }
        if (what < 45) {  /* write a run */
            int j0 = rand() % (RB + 1), n = 1 + rand() % 64;
            if (j0 + n > RB)
                n = j0 == RB ? 1 : RB - j0;
            uint32_t sd = (uint32_t)op + 1;
            for (int i = 0; i < n; i++)
                fill(buf + i * VB, sd, ridx(j0 + i));
            int r = vol_write_blocks(v, f->ino, ridx(j0), (uint64_t)n, buf);
            if (r == 0) {
                for (int i = 0; i < n; i++)
                    f->seed[j0 + i] = sd;
            } else {
                /* -ENOSPC may have stored a prefix: learn which */
                assert_int_equal(r, -ENOSPC);
                enospc++;
                for (int i = 0; i < n; i++) {
                    uint8_t b[VB], want[VB];
                    fill(want, sd, ridx(j0 + i));
                    if (vol_read_block(v, f->ino, ridx(j0 + i), b) == 0 && !memcmp(b, want, VB))
                        f->seed[j0 + i] = sd;
                }
            }
        } else if (what < 55) {  /* punch */
            int j = rand() % (RB + 1);
            int r = vol_punch_block(v, f->ino, ridx(j));
            if (r == 0)
                f->seed[j] = 0;
            else
                assert_int_equal(r, -ENOSPC);
        } else if (what < 62) {  /* truncate */
            int j = rand() % RB;
            int r = vol_truncate(v, f->ino, (int64_t)j * VB);
            if (r == 0)
                for (int i = j; i <= RB; i++)
                    f->seed[i] = 0;
            else
                assert_int_equal(r, -ENOSPC);
        } else if (what < 66) {  /* delete */
            assert_int_equal(vol_free(v, f->ino), 0);
            assert_int_equal(dir_del(v, vol_root(v), f->ino), 0);
            memset(f, 0, sizeof(*f));
        } else if (what < 80) {
            assert_int_equal(vol_commit(v), 0);
            assert_true(counts_ok(v));
        } else if (what < 83) {
            assert_int_equal(vol_commit(v), 0);
            assert_true(check_clean(v));
            vol_close(v);
            v = open_ok(&io, &ctr, 1);
            vol_set_cache(v, 8 + (uint64_t)(rand() % 64));
            reopens++;
        }
        if (op % 500 == 499)
            for (int i = 0; i < RF; i++)
                if (fs[i].ino)
                    assert_true(rfile_ok(v, &fs[i]));
    }
    assert_int_equal(vol_commit(v), 0);
    vol_close(v);
    v = open_ok(&io, &ctr, 0);
    for (int i = 0; i < RF; i++)
        if (fs[i].ino)
            assert_true(rfile_ok(v, &fs[i]));
    assert_true(check_clean(v));
    printf("random ops (seed %u, %zu KiB): 3000 operations, %u reopens, %u ENOSPC\n", seed,
           size / 1024, reopens, enospc);
    vol_close(v);
    free(fs);
    free(buf);
    mem_free(m);
}

static void test_random_ops(void **s)
{
    (void)s;
    random_ops(12345, 2 << 20);  /* often full */
    random_ops(777, 6 << 20);    /* rarely full */
    random_ops(4242, 8 << 20);
}

/* ---- crash consistency ------------------------------------------------------------------ */

#define NFILES 4
struct model {
    uint64_t ino[NFILES];
    uint64_t nb[NFILES];
    uint64_t seed[NFILES];
};

/* The workload: version 1 is the format; each step changes files and commits.  Returns
 * the number of commits that succeeded; models[k] is the state of version k + 2. */
static int workload(struct mem *m, struct ctr *c, struct model *models, int steps)
{
    struct vol_io io = mk_io(m);
    struct vol_counter ctr = {c, c_get, c_set};
    struct vol *v = NULL;
    struct model cur = {{0}, {0}, {0}};
    int done = 0;
    if (vol_open(&io, KEY, &ctr, 1, &v) < 0)
        return -1;
    vol_set_cache(v, 16);  /* evictions and reloads inside the workload */
    uint8_t *buf = malloc(140 * VB);
    for (int st = 0; st < steps; st++) {
        int fi = st % NFILES, bad = 0;
        if (cur.ino[fi] == 0) {
            bad |= vol_alloc(v, 0100644, &cur.ino[fi]) < 0;
            bad |= !bad && dir_add(v, vol_root(v), cur.ino[fi]) < 0;
        } else if (st % 5 == 3) {
            bad |= vol_free(v, cur.ino[fi]) < 0;
            bad |= dir_del(v, vol_root(v), cur.ino[fi]) < 0;
            cur.ino[fi] = 0;
            cur.nb[fi] = 0;
        }
        if (!bad && cur.ino[fi]) {
            uint64_t nb = (uint64_t)(st * 37 % 139) + 1;  /* up to 3 leaf nodes */
            cur.seed[fi] = (uint64_t)st + 100;
            for (uint64_t i = 0; i < nb; i++)
                fill(buf + i * VB, cur.seed[fi], i);
            bad |= vol_write_blocks(v, cur.ino[fi], 0, nb, buf) < 0;
            if (nb < cur.nb[fi])
                bad |= vol_truncate(v, cur.ino[fi], (int64_t)(nb * VB)) < 0;
            cur.nb[fi] = nb;
        }
        if (bad || vol_commit(v) < 0)
            break;
        models[done++] = cur;
    }
    free(buf);
    vol_close(v);
    return done;
}

static int matches(struct vol *v, const struct model *md)
{
    struct vol_info info;
    vol_info(v, &info);
    if (info.inodes != 1 + (uint64_t)(md->ino[0] != 0) + (md->ino[1] != 0) + (md->ino[2] != 0) +
                           (md->ino[3] != 0))
        return 0;
    for (int i = 0; i < NFILES; i++) {
        if (!md->ino[i])
            continue;
        struct vol_attr a;
        if (vol_getattr(v, md->ino[i], &a) < 0 || a.blocks != md->nb[i] ||
            !file_is(v, md->ino[i], md->seed[i], md->nb[i]) ||
            vol_next_block(v, md->ino[i], md->nb[i]) != -1)
            return 0;
    }
    return 1;
}

static void test_crash_every_write(void **s)
{
    (void)s;
    const int STEPS = 12;
    struct model models[16], m2[16];
    struct mem *base = mem_new(4 << 20);
    struct vol_io io = mk_io(base);
    struct ctr c0 = {0, 0};
    struct vol_counter ctr = {&c0, c_get, c_set};
    assert_int_equal(vol_format(&io, KEY, 4 << 20, 0, 0, &ctr), 0);
    /* the dry run counts the writes */
    struct mem *dry = mem_new(base->size);
    memcpy(dry->cur, base->cur, base->size);
    struct ctr cd = c0;
    long w0 = dry->writes;
    assert_int_equal(workload(dry, &cd, models, STEPS), STEPS);
    long total = dry->writes - w0;
    mem_free(dry);
    int trials = 0;
    for (long at = 1; at <= total + 1; at++) {
        for (unsigned seed = 0; seed < 3; seed++) {
            struct mem *m = mem_new(base->size);
            memcpy(m->cur, base->cur, base->size);
            memcpy(m->dur, base->cur, base->size);
            m->crash_at = at;
            struct ctr c = c0;
            int done = workload(m, &c, m2, STEPS);
            mem_after_crash(m, seed);
            /* reopen: the newest durable version, at least what the counter knows */
            struct vol_io io2 = mk_io(m);
            struct vol_counter ctr2 = {&c, c_get, c_set};
            struct vol *v = NULL;
            m->quiet = 1;
            int r = vol_open(&io2, KEY, &ctr2, 1, &v);
            if (r)
                fprintf(stderr, "crash at write %ld seed %u: open %d (%s)\n", at, seed, r, m->lastlog);
            assert_int_equal(r, 0);
            struct vol_info info;
            vol_info(v, &info);
            assert_true(done >= 0);
            /* version 1 + done commits acknowledged; maybe the next one landed too */
            assert_true(info.version == 1u + (unsigned)done || info.version == 2u + (unsigned)done);
            uint64_t k = info.version - 2;
            if (info.version >= 2) {
                if (!matches(v, &models[k]))
                    fprintf(stderr, "crash at write %ld seed %u: version %llu has wrong content\n",
                            at, seed, (unsigned long long)info.version);
                assert_true(matches(v, &models[k]));
            } else {
                assert_int_equal(info.inodes, 1);
            }
            assert_true(check_clean(v));
            assert_int_equal(c.v, info.version);  /* moved forward by the open if needed */
            vol_close(v);
            mem_free(m);
            trials++;
        }
    }
    printf("crash test: %ld writes in the workload, %d crash trials\n", total, trials);
    mem_free(base);
}

/* A failed write during a commit: the commit fails, the state stays, a retry lands. */
static void test_commit_retry(void **s)
{
    (void)s;
    for (long at = 1; at < 12; at++) {
        struct mem *m = mem_new(1 << 20);
        struct vol_io io = mk_io(m);
        assert_int_equal(vol_format(&io, KEY, 1 << 20, 0, 0, NULL), 0);
        struct vol *v = open_ok(&io, NULL, 1);
        uint64_t f = mkfile(v, 3, 20);
        m->fail_write_at = m->writes + at;
        m->quiet = 1;
        int r = vol_commit(v);
        m->quiet = 0;
        if (r == 0) {  /* fewer writes than at: nothing failed */
            vol_close(v);
            mem_free(m);
            break;
        }
        assert_int_equal(r, -EIO);
        assert_true(file_is(v, f, 3, 20));
        assert_int_equal(vol_commit(v), 0);
        vol_close(v);
        v = open_ok(&io, NULL, 0);
        assert_true(file_is(v, f, 3, 20));
        assert_true(check_clean(v));
        vol_close(v);
        mem_free(m);
    }
}

/* A failed sync: the commit fails (before or after the superblock write), the data stays
 * readable, a retry lands, and the volume reopens clean at the retried version. */
static void test_sync_failure(void **s)
{
    (void)s;
    for (long at = 1; at <= 2; at++) {
        struct mem *m = mem_new(1 << 20);
        struct vol_io io = mk_io(m);
        struct ctr c = {0, 0};
        struct vol_counter ctr = {&c, c_get, c_set};
        assert_int_equal(vol_format(&io, KEY, 1 << 20, 0, 0, &ctr), 0);
        struct vol *v = open_ok(&io, &ctr, 1);
        uint64_t f = mkfile(v, 8, 30);
        m->fail_sync_at = m->syncs + at;
        assert_int_equal(vol_commit(v), -EIO);
        assert_int_equal(c.v, 1);  /* nothing recorded */
        assert_true(file_is(v, f, 8, 30));
        uint64_t g = mkfile(v, 9, 5);  /* more work after the failure */
        assert_int_equal(vol_commit(v), 0);
        assert_int_equal(c.v, 2);
        vol_close(v);
        v = open_ok(&io, &ctr, 0);
        assert_true(file_is(v, f, 8, 30));
        assert_true(file_is(v, g, 9, 5));
        assert_true(check_clean(v));
        vol_close(v);
        mem_free(m);
    }
}

/* ---- the counter file ------------------------------------------------------------------ */

static void test_counter_file(void **s)
{
    (void)s;
    uint8_t id[16], id2[16];
    char name[64], buf[VOL_COUNTER_MAX];
    uint64_t v = 0;
    for (int i = 0; i < 16; i++) {
        id[i] = (uint8_t)(i * 17);
        id2[i] = id[i];
    }
    id2[15] ^= 1;
    vol_counter_name(id, name, sizeof(name));
    assert_string_equal(name, "vol-00112233445566778899aabbccddeeff.counter");
    const uint64_t vals[] = {0, 1, 12345, UINT64_MAX};
    for (unsigned i = 0; i < 4; i++) {
        size_t n = vol_counter_encode(id, vals[i], buf);
        assert_true(n <= VOL_COUNTER_MAX);
        assert_int_equal(vol_counter_decode(id, buf, n, &v), 0);
        assert_int_equal(v, vals[i]);
        assert_int_equal(vol_counter_decode(id2, buf, n, &v), -EINVAL);
        for (size_t cut = 0; cut < n; cut++)
            assert_int_equal(vol_counter_decode(id, buf, cut, &v), -EINVAL);
    }
    size_t n = vol_counter_encode(id, 7, buf);
    buf[n - 2] = 'x';
    assert_int_equal(vol_counter_decode(id, buf, n, &v), -EINVAL);
    const char *over = "alcove-volume-counter 1\nid 00112233445566778899aabbccddeeff\nversion 18446744073709551616\n";
    assert_int_equal(vol_counter_decode(id, over, strlen(over), &v), -EINVAL);
}

/* ---- throughput (information only) ------------------------------------------------------ */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench(int cipher)
{
    const uint64_t MB = 128, nb = MB * 256;
    struct mem *m = mem_new((MB + 16) << 20);
    struct vol_io io = mk_io(m);
    assert_int_equal(vol_format_cipher(&io, KEY, (MB + 16) << 20, 0, 0, NULL, cipher), 0);
    struct vol *v = open_ok(&io, NULL, 1);
    uint8_t *buf = malloc(1 << 20);
    for (unsigned i = 0; i < (1 << 20) / VB; i++)
        fill(buf + i * VB, 1, i);
    uint64_t f;
    assert_int_equal(vol_alloc(v, 0100644, &f), 0);
    double t0 = now_s();
    for (uint64_t i = 0; i < nb; i += 256)
        assert_int_equal(vol_write_blocks(v, f, i, 256, buf), 0);
    assert_int_equal(vol_commit(v), 0);
    double t1 = now_s();
    vol_close(v);
    v = open_ok(&io, NULL, 0);
    double t2 = now_s();
    for (uint64_t i = 0; i < nb; i += 256)
        assert_int_equal(vol_read_blocks(v, f, i, 256, buf), 0);
    double t3 = now_s();
    /* the bound: libsodium alone sealing the same bytes in 4 KiB messages */
    uint8_t *out = malloc(1 << 20), k[32] = {0}, n24[24] = {0}, tag[16], ad[48] = {0};
    unsigned long long tl;
    crypto_aead_aes256gcm_state st;
    if (cipher == VOL_CIPHER_AES256GCM)
        crypto_aead_aes256gcm_beforenm(&st, k);
    double t4 = now_s();
    for (uint64_t i = 0; i < nb; i++) {
        uint8_t *c = out + (i % 256) * VB, *p = buf + (i % 256) * VB;
        if (cipher == VOL_CIPHER_AES256GCM)
            crypto_aead_aes256gcm_encrypt_detached_afternm(c, tag, &tl, p, VB, ad, 48, NULL, n24, &st);
        else
            crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c, tag, &tl, p, VB, ad, 48, NULL, n24, k);
    }
    double t5 = now_s();
    free(out);
    printf("throughput %-18s write %6.0f MB/s, read %6.0f MB/s; libsodium alone %6.0f MB/s "
           "(%llu MiB, in-memory host file)\n",
           cipher == VOL_CIPHER_AES256GCM ? "aes256gcm:" : "xchacha20poly1305:",
           (double)MB * 1.048576 / (t1 - t0), (double)MB * 1.048576 / (t3 - t2),
           (double)MB * 1.048576 / (t5 - t4), (unsigned long long)MB);
    vol_close(v);
    free(buf);
    mem_free(m);
}

static void test_throughput(void **s)
{
    (void)s;
    if (crypto_aead_aes256gcm_is_available())
        bench(VOL_CIPHER_AES256GCM);
    bench(VOL_CIPHER_XCHACHA20POLY1305);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);  /* one test by name (pattern) */
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_open_aes),
        cmocka_unit_test(test_format_open_xchacha),
        cmocka_unit_test(test_bad_format_args),
        cmocka_unit_test(test_data_roundtrip),
        cmocka_unit_test(test_sparse_big),
        cmocka_unit_test(test_dir_encode_decode),
        cmocka_unit_test(test_many_files),
        cmocka_unit_test(test_for_each_inode),
        cmocka_unit_test(test_enospc),
        cmocka_unit_test(test_tamper_bitflips),
        cmocka_unit_test(test_tamper_swap_replay_rollback),
        cmocka_unit_test(test_not_a_volume),
        cmocka_unit_test(test_two_volumes),
        cmocka_unit_test(test_random_ops),
        cmocka_unit_test(test_crash_every_write),
        cmocka_unit_test(test_commit_retry),
        cmocka_unit_test(test_sync_failure),
        cmocka_unit_test(test_counter_file),
        cmocka_unit_test(test_throughput),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
