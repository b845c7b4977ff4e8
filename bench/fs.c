/*
 * fs.c - bench rows for file-system metadata and data paths.
 * Usage: fs MODE DIR [ARGS...]
 *   fs files DIR N      in a fresh directory DIR/files.PID: create N files (open
 *                       O_CREAT|O_WRONLY|O_EXCL + close), then stat each, then unlink each;
 *                       then rmdir                                    -> ns for all three phases
 *   fs deepstat DIR N   builds DIR/deep.PID/d/d/d/d/d/d/d/d/d/f, chdir()s to DIR/deep.PID
 *                       and stat()s the 10-component relative path "d/.../d/f" N times
 *                                                                          -> ns per stat
 *   fs write DIR MIB    writes DIR/seq.PID, MIB MiB in 1 MiB write()s, no fsync, from the
 *                       open(O_CREAT|O_TRUNC) to the close                -> MB/s (1e6 bytes)
 *   fs read DIR MIB     writes the same file (untimed), then reads it back in 1 MiB read()s
 *                       from the open to the close (checking each block's tag)
 *                                                                          -> MB/s (1e6 bytes)
 *   fs writesync DIR MIB  as write, with an fsync before the close, both timed -> MB/s
 *   fs mkfile PATH MIB  writes PATH (tagged 1 MiB blocks) and keeps it: the untimed set-up
 *                       of readfile/randread in an earlier run (cold caches)
 *   fs readfile PATH    reads PATH (made by mkfile) in 1 MiB read()s, checking tags -> MB/s
 *   fs randread PATH N  N pread()s of 4 KiB at random aligned offsets of PATH -> us/op
 *   fs randrw DIR MIB N writes DIR/rand.PID (MIB MiB, untimed), then N random 4 KiB
 *                       pwrite()s and N random 4 KiB pread()s, then fsync  -> us/op
 * Every mode removes what it created before it exits (also on most failures), except mkfile.  Each mode
 * prints "RESULT <value>" measured with CLOCK_MONOTONIC around the timed part; `files`
 * also prints the per-phase times on a line of its own.  Any failed call prints a message
 * and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)
#define DEPTH 10 /* path components stat()ed by deepstat, the file included */

static char work[4096]; /* what to remove on failure ("" = nothing) */
static int work_is_dir;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what, const char *path)
{
    int e = errno;
    fprintf(stderr, "fs: %s %s: %s\n", what, path ? path : "", strerror(e));
    /* best effort: leave no big file behind (directories: the script removes its dirs) */
    if (work[0] && !work_is_dir)
        unlink(work);
    exit(1);
}

static void xsnprintf(char *buf, size_t n, const char *fmt, const char *a, long b)
{
    int r = snprintf(buf, n, fmt, a, b);
    if (r < 0 || (size_t)r >= n) {
        fprintf(stderr, "fs: path too long\n");
        exit(1);
    }
}

/* ---- files: create + stat + unlink ----------------------------------------------------- */

static int mode_files(const char *dir, long n)
{
    char sub[4096], path[4200];
    xsnprintf(sub, sizeof sub, "%s/files.%ld", dir, (long)getpid());
    if (mkdir(sub, 0755) != 0)
        die("mkdir", sub);
    snprintf(work, sizeof work, "%s", sub);
    work_is_dir = 1;
    struct stat st;
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        xsnprintf(path, sizeof path, "%s/f%06ld", sub, i);
        int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
        if (fd < 0)
            die("open O_CREAT", path);
        if (close(fd) != 0)
            die("close", path);
    }
    long long t1 = now_ns();
    for (long i = 0; i < n; i++) {
        xsnprintf(path, sizeof path, "%s/f%06ld", sub, i);
        if (stat(path, &st) != 0)
            die("stat", path);
        if (!S_ISREG(st.st_mode) || st.st_size != 0) {
            fprintf(stderr, "fs: %s: not an empty regular file\n", path);
            return 1;
        }
    }
    long long t2 = now_ns();
    for (long i = 0; i < n; i++) {
        xsnprintf(path, sizeof path, "%s/f%06ld", sub, i);
        if (unlink(path) != 0)
            die("unlink", path);
    }
    long long t3 = now_ns();
    if (rmdir(sub) != 0)
        die("rmdir", sub);
    work[0] = 0;
    printf("files %ld: create %.3f ms, stat %.3f ms, unlink %.3f ms\n", n, (t1 - t0) / 1e6,
           (t2 - t1) / 1e6, (t3 - t2) / 1e6);
    printf("RESULT %lld\n", t3 - t0);
    return 0;
}

/* ---- deepstat: stat of a 10-component path ---------------------------------------------- */

static int mode_deepstat(const char *dir, long n)
{
    char top[4096], path[4096], rel[64];
    xsnprintf(top, sizeof top, "%s/deep.%ld", dir, (long)getpid());
    if (mkdir(top, 0755) != 0)
        die("mkdir", top);
    snprintf(work, sizeof work, "%s", top);
    work_is_dir = 1;
    /* top/d, top/d/d, ... (DEPTH-1 directories), then the file top/d/.../d/f */
    size_t len = strlen(top);
    memcpy(path, top, len + 1);
    rel[0] = 0;
    for (int i = 0; i < DEPTH - 1; i++) {
        if (len + 3 >= sizeof path) {
            fprintf(stderr, "fs: path too long\n");
            return 1;
        }
        memcpy(path + len, "/d", 3);
        len += 2;
        if (mkdir(path, 0755) != 0)
            die("mkdir", path);
        strcat(rel, "d/");
    }
    strcat(rel, "f");
    memcpy(path + len, "/f", 3);
    int fd = open(path, O_CREAT | O_WRONLY | O_EXCL, 0644);
    if (fd < 0)
        die("open O_CREAT", path);
    if (write(fd, "x", 1) != 1)
        die("write", path);
    close(fd);
    if (chdir(top) != 0)
        die("chdir", top);
    struct stat st;
    long warm = n / 20 < 100 ? 100 : n / 20;
    for (long i = 0; i < warm; i++)
        if (stat(rel, &st) != 0)
            die("stat", rel);
    long long t0 = now_ns();
    for (long i = 0; i < n; i++)
        if (stat(rel, &st) != 0)
            die("stat", rel);
    long long t1 = now_ns();
    if (!S_ISREG(st.st_mode) || st.st_size != 1) {
        fprintf(stderr, "fs: %s: wrong stat result\n", rel);
        return 1;
    }
    /* remove f and the d's from the bottom up, then top */
    if (unlink(rel) != 0)
        die("unlink", rel);
    for (int i = DEPTH - 1; i > 0; i--) {
        rel[2 * i - 1] = 0; /* "d/d/.../d" with i components */
        if (rmdir(rel) != 0)
            die("rmdir", rel);
    }
    if (chdir("/") != 0)
        die("chdir", "/");
    if (rmdir(top) != 0)
        die("rmdir", top);
    work[0] = 0;
    printf("RESULT %.2f\n", (double)(t1 - t0) / (double)n);
    return 0;
}

/* ---- write / read: sequential 1 MiB I/O -------------------------------------------------- */

static void tag(char *buf, long i)
{
    memcpy(buf, &i, sizeof i);
    memcpy(buf + CHUNK - sizeof i, &i, sizeof i);
}

static long long write_file(const char *path, char *buf, long mib)
{
    long long t0 = now_ns();
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        die("open O_CREAT", path);
    snprintf(work, sizeof work, "%s", path);
    work_is_dir = 0;
    for (long i = 0; i < mib; i++) {
        tag(buf, i);
        ssize_t w = write(fd, buf, CHUNK);
        if (w != CHUNK) {
            if (w >= 0)
                errno = EIO;
            die("write", path);
        }
    }
    if (close(fd) != 0)
        die("close", path);
    return now_ns() - t0;
}

static long long read_file(const char *path, char *buf, long mib)
{
    long long t0 = now_ns();
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        die("open", path);
    long i = 0;
    for (;;) {
        size_t got = 0;
        while (got < CHUNK) {
            ssize_t r = read(fd, buf + got, CHUNK - got);
            if (r < 0)
                die("read", path);
            if (r == 0)
                break;
            got += (size_t)r;
        }
        if (got == 0)
            break;
        long a, b;
        memcpy(&a, buf, sizeof a);
        memcpy(&b, buf + CHUNK - sizeof b, sizeof b);
        if (got != CHUNK || a != i || b != i) {
            fprintf(stderr, "fs: %s: block %ld: got %zu bytes, tags %ld/%ld\n", path, i, got,
                    a, b);
            unlink(path);
            exit(1);
        }
        i++;
    }
    if (close(fd) != 0)
        die("close", path);
    long long t = now_ns() - t0;
    if (i != mib) {
        fprintf(stderr, "fs: %s: read %ld MiB, expected %ld\n", path, i, mib);
        unlink(path);
        exit(1);
    }
    return t;
}

static int mode_io(const char *dir, long mib, int rd)
{
    char path[4096];
    xsnprintf(path, sizeof path, "%s/seq.%ld", dir, (long)getpid());
    char *buf = malloc(CHUNK);
    if (!buf)
        die("malloc", "");
    memset(buf, 0x5a, CHUNK);
    long long t = write_file(path, buf, mib);
    if (rd)
        t = read_file(path, buf, mib);
    if (unlink(path) != 0)
        die("unlink", path);
    work[0] = 0;
    printf("RESULT %.2f\n", (double)mib * CHUNK / ((double)t / 1e9) / 1e6);
    return 0;
}

static int mode_writesync(const char *dir, long mib)
{
    char path[4096];
    xsnprintf(path, sizeof path, "%s/seq.%ld", dir, (long)getpid());
    char *buf = malloc(CHUNK);
    if (!buf)
        die("malloc", "");
    memset(buf, 0x5a, CHUNK);
    long long t0 = now_ns();
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0)
        die("open O_CREAT", path);
    snprintf(work, sizeof work, "%s", path);
    work_is_dir = 0;
    for (long i = 0; i < mib; i++) {
        tag(buf, i);
        if (write(fd, buf, CHUNK) != CHUNK)
            die("write", path);
    }
    if (fsync(fd) != 0)
        die("fsync", path);
    if (close(fd) != 0)
        die("close", path);
    long long t = now_ns() - t0;
    if (unlink(path) != 0)
        die("unlink", path);
    work[0] = 0;
    printf("RESULT %.2f\n", (double)mib * CHUNK / ((double)t / 1e9) / 1e6);
    return 0;
}

static int mode_mkfile(const char *path, long mib)
{
    char *buf = malloc(CHUNK);
    if (!buf)
        die("malloc", "");
    memset(buf, 0x5a, CHUNK);
    long long t = write_file(path, buf, mib);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0)
        die("fsync", path);
    close(fd);
    work[0] = 0;
    printf("RESULT %.2f\n", (double)mib * CHUNK / ((double)t / 1e9) / 1e6);
    return 0;
}

static int mode_readfile(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        die("stat", path);
    long mib = (long)(st.st_size / CHUNK);
    char *buf = malloc(CHUNK);
    if (!buf)
        die("malloc", "");
    long long t = read_file(path, buf, mib);
    printf("RESULT %.2f\n", (double)mib * CHUNK / ((double)t / 1e9) / 1e6);
    return 0;
}

static unsigned long long rng = 88172645463325252ull;
static unsigned long long xorshift(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static double rand_reads(int fd, const char *path, long blocks, long n, char *buf)
{
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        off_t off = (off_t)(xorshift() % (unsigned long long)blocks) * 4096;
        if (pread(fd, buf, 4096, off) != 4096)
            die("pread", path);
    }
    return (double)(now_ns() - t0);
}

static int mode_randread(const char *path, long n)
{
    struct stat st;
    char buf[4096];
    if (stat(path, &st) != 0)
        die("stat", path);
    long blocks = (long)(st.st_size / 4096);
    int fd = open(path, O_RDONLY);
    if (fd < 0 || blocks < 1)
        die("open", path);
    double t = rand_reads(fd, path, blocks, n, buf);
    close(fd);
    printf("RESULT %.3f\n", t / (double)n / 1e3);
    return 0;
}

static int mode_randrw(const char *dir, long mib, long n)
{
    char path[4096], blk[4096];
    xsnprintf(path, sizeof path, "%s/rand.%ld", dir, (long)getpid());
    char *buf = malloc(CHUNK);
    if (!buf)
        die("malloc", "");
    memset(buf, 0x5a, CHUNK);
    write_file(path, buf, mib);
    int fd = open(path, O_RDWR);
    if (fd < 0)
        die("open", path);
    long blocks = mib * (CHUNK / 4096);
    memset(blk, 0x33, sizeof blk);
    long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        off_t off = (off_t)(xorshift() % (unsigned long long)blocks) * 4096;
        if (pwrite(fd, blk, 4096, off) != 4096)
            die("pwrite", path);
    }
    double tw = (double)(now_ns() - t0);
    double tr = rand_reads(fd, path, blocks, n, blk);
    long long t1 = now_ns();
    if (fsync(fd) != 0)
        die("fsync", path);
    double ts = (double)(now_ns() - t1);
    close(fd);
    if (unlink(path) != 0)
        die("unlink", path);
    work[0] = 0;
    printf("randrw: write %.3f us/op, read %.3f us/op, fsync %.3f ms\n", tw / n / 1e3, tr / n / 1e3,
           ts / 1e6);
    printf("RESULT %.3f\n", (tw + tr + ts) / (2.0 * (double)n) / 1e3);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "readfile"))
        return mode_readfile(argv[2]);
    if (argc < 4) {
        fprintf(stderr, "usage: fs files|deepstat DIR N | fs write|read|writesync DIR MIB |\n"
                        "       fs mkfile PATH MIB | fs readfile PATH | fs randread PATH N |\n"
                        "       fs randrw DIR MIB N\n");
        return 2;
    }
    const char *mode = argv[1], *dir = argv[2];
    long n = atol(argv[3]);
    if (n <= 0)
        n = 1;
    if (!strcmp(mode, "files"))
        return mode_files(dir, n);
    if (!strcmp(mode, "deepstat"))
        return mode_deepstat(dir, n);
    if (!strcmp(mode, "write"))
        return mode_io(dir, n, 0);
    if (!strcmp(mode, "read"))
        return mode_io(dir, n, 1);
    if (!strcmp(mode, "writesync"))
        return mode_writesync(dir, n);
    if (!strcmp(mode, "mkfile"))
        return mode_mkfile(dir, n);
    if (!strcmp(mode, "randread"))
        return mode_randread(dir, n);
    if (!strcmp(mode, "randrw") && argc >= 5)
        return mode_randrw(dir, n, atol(argv[4]) > 0 ? atol(argv[4]) : 1);
    fprintf(stderr, "fs: unknown mode %s\n", mode);
    return 2;
}
