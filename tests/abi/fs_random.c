/* A fixed-seed random sequence of 2000 file-system operations (create, write at an offset,
 * truncate, rename, renameat2 NOREPLACE/EXCHANGE, link, unlink, mkdir, rmdir, symlink,
 * readlink, read) on a small pool of names up to three levels deep, printing each result,
 * then a canonical dump of the final tree: sorted paths, type, mode, nlink, size, symlink
 * target, FNV-1a hash of the content and which names share an inode.
 * usage: fs_random [SEED [COUNT]] */
#include "abi.h"
#include <dirent.h>

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return (unsigned)(rng >> 33) % n;
}

static const char *comp[] = {"a", "b", "c"};

static void pick(char *out, size_t cap)
{
    unsigned r = rnd(6), depth = r < 3 ? 1 : r < 5 ? 2 : 3;
    out[0] = 0;
    for (unsigned i = 0; i < depth; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s", i ? "/" : "", comp[rnd(3)]);
    }
}

static uint32_t fnv(const unsigned char *p, size_t n, uint32_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* hash of a file's content, or -1 with errno */
static long hash_file(const char *p, long *size)
{
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    unsigned char buf[512];
    uint32_t h = 2166136261u;
    long n = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof buf)) > 0) {
        h = fnv(buf, r, h);
        n += r;
    }
    int e = errno;
    close(fd);
    if (r < 0) {
        errno = e;
        return -1;
    }
    *size = n;
    return h;
}

static void res(long r)
{
    if (r < 0)
        printf(" = -1 %s\n", errname(errno));
    else
        printf(" = %ld\n", r);
}

/* ---- canonical dump */
struct ent { char path[256]; ino_t ino; };
static struct ent seen[4096];
static int nseen;

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void dump(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        printf("%s: opendir -1 %s\n", dir, errname(errno));
        return;
    }
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            names[n++] = strdup(e->d_name);
    closedir(d);
    qsort(names, n, sizeof names[0], cmpstr);
    for (int i = 0; i < n; i++) {
        char p[256];
        struct stat st;
        if (strcmp(dir, "."))
            snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        else
            snprintf(p, sizeof p, "%s", names[i]);
        free(names[i]);
        if (lstat(p, &st) != 0) {
            printf("%s: lstat -1 %s\n", p, errname(errno));
            continue;
        }
        printf("%s %s %o nlink=%ld", p, ftype(st.st_mode), st.st_mode & 07777, (long)st.st_nlink);
        if (S_ISLNK(st.st_mode)) {
            char t[256];
            ssize_t l = readlink(p, t, sizeof t - 1);
            t[l < 0 ? 0 : l] = 0;
            printf(" size=%ld -> %s", (long)st.st_size, t);
        } else if (S_ISREG(st.st_mode)) {
            long sz = 0, h = hash_file(p, &sz);
            printf(" size=%ld read=%ld hash=%08lx", (long)st.st_size, sz, h);
        }
        if (!S_ISDIR(st.st_mode)) {
            for (int j = 0; j < nseen; j++)
                if (seen[j].ino == st.st_ino) {
                    printf(" same-inode-as=%s", seen[j].path);
                    break;
                }
            if (nseen < 4096) {
                snprintf(seen[nseen].path, sizeof seen[nseen].path, "%s", p);
                seen[nseen++].ino = st.st_ino;
            }
        }
        printf("\n");
        if (S_ISDIR(st.st_mode))
            dump(p);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        rng = strtoull(argv[1], NULL, 0);
    int count = argc > 2 ? atoi(argv[2]) : 2000;
    char p[64], q[64], t[80];
    unsigned char data[64];
    printf("seed %llu, %d operations\n", (unsigned long long)rng, count);
    /* Work one level down, so that a "../x" symlink target made at the top still names
     * something inside the test directory (where nothing called x ever exists). */
    if (mkdir("w", 0755) != 0 || chdir("w") != 0) {
        printf("SETUP FAILED: w: %s\n", errname(errno));
        return 1;
    }
    for (int i = 0; i < count; i++) {
        unsigned op = rnd(100);
        pick(p, sizeof p);
        pick(q, sizeof q);
        printf("%4d ", i);
        errno = 0;
        if (op < 16) {
            int fl = O_WRONLY | O_CREAT | (rnd(4) == 0 ? O_EXCL : 0) | (rnd(4) == 0 ? O_TRUNC : 0);
            printf("create %s%s%s", p, fl & O_EXCL ? " excl" : "", fl & O_TRUNC ? " trunc" : "");
            int fd = open(p, fl, 0644);
            if (fd >= 0)
                close(fd);
            res(fd < 0 ? -1 : 0);
        } else if (op < 32) {
            unsigned off = rnd(256), len = 1 + rnd(32);
            for (unsigned k = 0; k < len; k++)
                data[k] = (unsigned char)rnd(256);
            printf("write %s at %u len %u", p, off, len);
            int fd = open(p, O_WRONLY);
            if (fd < 0) {
                printf(" open");
                res(-1);
            } else {
                long r = pwrite(fd, data, len, off);
                close(fd);
                res(r);
            }
        } else if (op < 38) {
            unsigned len = rnd(300);
            printf("truncate %s %u", p, len);
            res(truncate(p, len));
        } else if (op < 48) {
            printf("rename %s %s", p, q);
            res(rename(p, q));
        } else if (op < 51) {
            unsigned fl = rnd(2) ? RENAME_NOREPLACE : RENAME_EXCHANGE;
            printf("renameat2 %s %s %s", p, q, fl == RENAME_NOREPLACE ? "noreplace" : "exchange");
            res(syscall(SYS_renameat2, AT_FDCWD, p, AT_FDCWD, q, fl));
        } else if (op < 58) {
            printf("link %s %s", p, q);
            res(link(p, q));
        } else if (op < 70) {
            printf("unlink %s", p);
            res(unlink(p));
        } else if (op < 76) {
            printf("mkdir %s", p);
            res(mkdir(p, 0755));
        } else if (op < 84) {
            printf("rmdir %s", p);
            res(rmdir(p));
        } else if (op < 89) {
            snprintf(t, sizeof t, "%s%s", rnd(3) == 0 ? "../" : "", q);
            pick(q, sizeof q);
            printf("symlink %s -> %s", q, t);
            res(symlink(t, q));
        } else if (op < 92) {
            char buf[128];
            printf("readlink %s", p);
            long r = readlink(p, buf, sizeof buf - 1);
            if (r >= 0) {
                buf[r] = 0;
                printf(" = %s\n", buf);
            } else
                res(r);
        } else if (op < 97) {
            long sz = 0, h;
            printf("read %s", p);
            h = hash_file(p, &sz);
            if (h < 0)
                res(-1);
            else
                printf(" = size %ld hash %08lx\n", sz, h);
        } else {
            struct stat st;
            printf("stat %s", p);
            if (stat(p, &st) < 0)
                res(-1);
            else
                printf(" = %s nlink %ld size %ld\n", ftype(st.st_mode), (long)st.st_nlink,
                       S_ISDIR(st.st_mode) ? 0L : (long)st.st_size);
        }
    }
    printf("---- final tree\n");
    dump(".");
    return 0;
}
