/*
 * image.c - `alcove image verify | ls` and the footer check `alcove run --image` makes
 * (`pack` is in image_pack.c).
 *
 * Both commands read the image only through common/verity (every block checked against the
 * root hash before use) and common/erofs (the same freestanding reader the core uses), so what
 * they show is what an enclave would see. The trusted root is --hash HEX when given, else the
 * footer's own root hash: that proves the file is self-consistent, not that it is the image you
 * meant - only a pinned hash (or the enclave measurement) does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "alcove.h"
#include "erofs.h"
#include "image.h"
#include "image_cli.h"
#include "verity.h"

/* Cached blocks for the CLI's verifier: enough for any directory walk. */
#define CLI_CACHE_BLOCKS 1024

static void image_usage(FILE *out)
{
    fprintf(out, "usage: alcove image pack DIR -o FILE [--force] [--uuid UUID] [--salt HEX]\n"
           "                         [--mtime EPOCH] [--all-root]\n"
           "       alcove image verify FILE [--hash HEX]\n"
           "       alcove image ls FILE [PATH] [--hash HEX]\n\n"
           "A verified read-only image: an EROFS file system (mkfs.erofs, erofs-utils) and its\n"
           "dm-verity hash tree (veritysetup, cryptsetup-bin; sha256, 4096-byte blocks) in one\n"
           "file, with a 4096-byte Alcove footer at the end. `alcove run --image FILE` uses it\n"
           "as the enclave's /.\n\n"
           "pack     build FILE from DIR. Reproducible: the same DIR (contents, modes,\n"
           "         owners, mtimes, xattrs) always gives the same file and root hash (with\n"
           "         the same erofs-utils and cryptsetup versions).\n"
           "         Each file keeps its mtime (clamped to $SOURCE_DATE_EPOCH if that is set);\n"
           "         --mtime EPOCH stamps every file with EPOCH instead. --all-root makes every\n"
           "         file owned by 0:0. --uuid and --salt (1-64 bytes in hex, or - for none)\n"
           "         replace the fixed defaults. The file is written to FILE.tmpXXXXXX and\n"
           "         renamed, so a failure never leaves a partial image; an existing FILE is\n"
           "         replaced only with --force (or -f). -o is also --output. The last line\n"
           "         printed on stdout is\n"
           "           root hash: <64 hex digits>\n"
           "         (e.g. `alcove image pack D -o F | sed -n 's/^root hash: //p'`).\n"
           "verify   check the footer, the verity superblock, every data and hash block against\n"
           "         the root hash (the pinned --hash, else the footer's), and the EROFS\n"
           "         superblock and directory tree. Prints `ok` and `root hash: HEX`; or the\n"
           "         first bad block, exit status 1.\n"
           "ls       list directory PATH (default /) of the image, or show one file, like\n"
           "         `ls -lan --time-style=full-iso` (UTC): mode, links, uid, gid, size, mtime,\n"
           "         name, `-> target` for symlinks. Every block read is verified.\n");
}

void usage_image(void)
{
    image_usage(stdout);
}

/* ---- opening an image: the footer (a hint, checked for consistency only) ---------------- */

struct img {
    int fd;
    uint64_t size;
    struct img_footer f;
};

/* Opens file and checks its footer: 0, or -1 with a one-line reason in err. */
static int img_open(const char *file, struct img *im, char *err, size_t errlen)
{
    struct stat st;
    uint8_t blk[IMG_BLOCK];
    const char *why = "?";
    im->fd = open(file, O_RDONLY | O_CLOEXEC);
    if (im->fd < 0) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    if (fstat(im->fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: not a regular file", file);
        goto bad;
    }
    im->size = (uint64_t)st.st_size;
    if (im->size < IMG_BLOCK || im->size % IMG_BLOCK) {
        snprintf(err, errlen, "%s: not an Alcove image (size %llu is not a whole number of 4096-byte "
                              "blocks: truncated or foreign)", file, (unsigned long long)im->size);
        goto bad;
    }
    if (pread(im->fd, blk, IMG_BLOCK, (off_t)(im->size - IMG_BLOCK)) != IMG_BLOCK) {
        snprintf(err, errlen, "%s: cannot read the footer: %s", file, strerror(errno));
        goto bad;
    }
    if (img_footer_check(blk, im->size, &im->f, &why) < 0) {
        snprintf(err, errlen, "%s: not a valid Alcove image: %s", file, why);
        goto bad;
    }
    return 0;
bad:
    close(im->fd);
    im->fd = -1;
    return -1;
}

int image_root_hash(const char *file, unsigned char out[32], char *err, unsigned long errlen)
{
    struct img im;
    if (img_open(file, &im, err, errlen) < 0)
        return -1;
    memcpy(out, im.f.root_hash, 32);
    close(im.fd);
    return 0;
}

/* ---- the verifier's and the reader's environment on the host ---------------------------- */

static long host_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    struct img *im = ctx;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(im->fd, (uint8_t *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

static void host_log(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "alcove image: %s\n", line);
}

static void *host_alloc(size_t n)
{
    return malloc(n);
}

static int verified_block(void *ctx, uint64_t blk, const uint8_t **out, const char *name)
{
    return verity_get(ctx, blk, out, name);
}

/* A verifier on im against root: 0, or -1 after a message. */
static int open_verity(struct img *im, const uint8_t root[32], struct verity **v)
{
    struct verity_io io = {.ctx = im, .read = host_read, .alloc = host_alloc, .free = free,
                           .log = host_log};
    int rc = verity_open(&io, &im->f, root, CLI_CACHE_BLOCKS, v);
    if (rc < 0) {
        fprintf(stderr, "alcove image: cannot set up verification: %s\n", strerror(-rc));
        return -1;
    }
    return 0;
}

static int open_erofs(struct verity *v, struct erofs_fs *fs)
{
    struct erofs_io io = {.ctx = v, .get_block = verified_block, .log = host_log};
    return erofs_mount(fs, &io, verity_data_blocks(v));
}

static void hexstr(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The common options of verify and ls: FILE, [PATH], --hash HEX. 0, or -1 after a message. */
static int parse_common(int argc, char **argv, const char **file, const char **path,
                        const char **hash, uint8_t pinned[32])
{
    const char *cmd = argv[0];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--hash") && i + 1 < argc) {
            *hash = argv[++i];
            if (image_parse_hex(*hash, pinned, 32) < 0) {
                fprintf(stderr, "alcove image %s: --hash wants 64 hex digits (the root hash "
                                "`alcove image pack` printed)\n", cmd);
                return -1;
            }
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "alcove image %s: unknown option or missing value: %s\n", cmd, argv[i]);
            return -1;
        } else if (!*file) {
            *file = argv[i];
        } else if (path && !*path) {
            *path = argv[i];
        } else {
            fprintf(stderr, "alcove image %s: unexpected argument %s\n", cmd, argv[i]);
            return -1;
        }
    }
    if (!*file) {
        fprintf(stderr, "usage: alcove image %s FILE%s [--hash HEX]\n", cmd, path ? " [PATH]" : "");
        return -1;
    }
    return 0;
}

/* ---- verify ------------------------------------------------------------------------------ */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/*
 * veritysetup's superblock (cryptsetup lib/verity/verity.c struct verity_sb, 512 bytes at
 * hash_offset) is outside the hash tree, so nothing authenticates it; it matters for other
 * readers (veritysetup, the kernel via `veritysetup open`). Check it agrees with the footer:
 * 0, or -1 with the disagreement in why.
 */
static int check_verity_sb(struct img *im, const char **why)
{
    uint8_t sb[IMG_VERITY_SB_SIZE];
    const struct img_footer *f = &im->f;
    if (pread(im->fd, sb, sizeof(sb), (off_t)f->hash_offset) != (ssize_t)sizeof(sb)) {
        *why = "cannot read the verity superblock";
        return -1;
    }
    uint64_t blocks = (uint64_t)le32(sb + 72) | (uint64_t)le32(sb + 76) << 32;
    unsigned salt_size = (unsigned)sb[80] | (unsigned)sb[81] << 8;
    if (memcmp(sb, "verity\0\0", 8) || le32(sb + 8) != 1 || le32(sb + 12) != 1)
        *why = "no verity superblock (format 1) at the footer's hash offset";
    else if (memcmp(sb + 16, f->uuid, 16))
        *why = "the verity superblock's uuid differs from the footer's";
    else if (strncmp((const char *)sb + 32, "sha256", 32))
        *why = "the verity superblock's hash is not sha256";
    else if (le32(sb + 64) != IMG_BLOCK || le32(sb + 68) != IMG_BLOCK)
        *why = "the verity superblock's block sizes are not 4096";
    else if (blocks != f->data_blocks)
        *why = "the verity superblock's data block count differs from the footer's";
    else if (salt_size != f->salt_size || memcmp(sb + 88, f->salt, f->salt_size))
        *why = "the verity superblock's salt differs from the footer's";
    else
        return 0;
    return -1;
}

/* What the EROFS walk found. */
struct walk {
    uint64_t files, dirs, links, other, bytes;
    int bad;
};

/* Depth-first walk of the directory tree, decoding every inode, mapping every file's data
 * and reading every symlink: metadata corruption that hashes fine (a buggy or hostile mkfs)
 * shows here. Returns 0 or -1 after a message naming the path. */
static int walk_dir(const struct erofs_fs *fs, const struct erofs_inode *dir, char *path,
                    size_t plen, int depth, struct walk *w)
{
    uint64_t pos = 0;
    struct erofs_dent d;
    int rc;
    if (depth > 512) {
        fprintf(stderr, "alcove image verify: %s: directories nested deeper than 512 (a loop?)\n", path);
        return -1;
    }
    while ((rc = erofs_readdir(fs, dir, &pos, &d)) == 1) {
        struct erofs_inode ino;
        if (!strcmp(d.name, ".") || !strcmp(d.name, ".."))
            continue;
        size_t n = strlen(d.name);
        if (plen + 1 + n >= 4096) {
            fprintf(stderr, "alcove image verify: path too long under %s\n", path);
            return -1;
        }
        path[plen] = '/';
        memcpy(path + plen + 1, d.name, n + 1);
        if ((rc = erofs_iget(fs, d.nid, &ino)) < 0)
            goto bad;
        if (S_ISDIR(ino.mode)) {
            w->dirs++;
            if (walk_dir(fs, &ino, path, plen + 1 + n, depth + 1, w) < 0)
                return -1;
        } else if (S_ISLNK(ino.mode)) {
            char t[4096];
            long l = erofs_readlink(fs, &ino, t, sizeof(t));
            if (l < 0) {
                rc = (int)l;
                goto bad;
            }
            w->links++;
        } else if (S_ISREG(ino.mode)) {
            /* Map the file extent by extent: every block address must be inside the image. */
            for (uint64_t off = 0; off < ino.size;) {
                uint64_t p, len;
                int hole;
                if ((rc = erofs_map(fs, &ino, off, &p, &len, &hole)) < 0)
                    goto bad;
                if (len == 0) {
                    rc = -EIO;
                    goto bad;
                }
                off += len;
            }
            w->files++;
            w->bytes += ino.size;
        } else {
            w->other++;
        }
        path[plen] = '\0';
    }
    if (rc < 0) {
        fprintf(stderr, "alcove image verify: reading directory %s: %s\n", plen ? path : "/",
                strerror(-rc));
        return -1;
    }
    return 0;
bad:
    fprintf(stderr, "alcove image verify: %s: %s\n", path, strerror(-rc));
    return -1;
}

static int image_verify(int argc, char **argv)
{
    const char *file = NULL, *hash = NULL;
    uint8_t pinned[32];
    char err[1024], hex[65], fhex[65];
    struct img im;
    const char *why;
    if (parse_common(argc, argv, &file, NULL, &hash, pinned) < 0)
        return 2;
    if (img_open(file, &im, err, sizeof(err)) < 0) {
        fprintf(stderr, "alcove image verify: %s\n", err);
        return 1;
    }
    hexstr(im.f.root_hash, 32, fhex);
    if (hash && memcmp(pinned, im.f.root_hash, 32)) {
        fprintf(stderr, "alcove image verify: %s: root hash %s in the file, not the pinned %s\n",
                file, fhex, hash);
        close(im.fd);
        return 1;
    }
    if (check_verity_sb(&im, &why) < 0) {
        fprintf(stderr, "alcove image verify: %s: %s\n", file, why);
        close(im.fd);
        return 1;
    }
    struct verity *v;
    if (open_verity(&im, hash ? pinned : im.f.root_hash, &v) < 0) {
        close(im.fd);
        return 1;
    }
    uint64_t bad = 0;
    int ret = 1;
    if (verity_check_all(v, &bad) < 0) {
        if (bad == UINT64_MAX)
            fprintf(stderr, "alcove image verify: %s: FAILED: the hash tree does not match the "
                            "root hash\n", file);
        else
            fprintf(stderr, "alcove image verify: %s: FAILED: data block %llu (bytes %llu..%llu) "
                            "does not match the hash tree\n", file, (unsigned long long)bad,
                    (unsigned long long)bad * IMG_BLOCK, (unsigned long long)(bad + 1) * IMG_BLOCK - 1);
        goto out;
    }
    /* The data is now known to be the one the root hash names; check it is a sane EROFS whose
     * size is the tree's (erofs_mount compares the block counts) and walk its metadata. */
    struct erofs_fs fs;
    struct erofs_inode root;
    struct walk w = {0};
    char path[4096] = "";
    int rc = open_erofs(v, &fs);
    if (rc < 0) {
        fprintf(stderr, "alcove image verify: %s: FAILED: bad EROFS file system: %s\n", file,
                strerror(-rc));
        goto out;
    }
    if ((rc = erofs_iget(&fs, fs.root_nid, &root)) < 0 || !S_ISDIR(root.mode)) {
        fprintf(stderr, "alcove image verify: %s: FAILED: the EROFS root is not a directory\n", file);
        goto out;
    }
    if (walk_dir(&fs, &root, path, 0, 0, &w) < 0) {
        fprintf(stderr, "alcove image verify: %s: FAILED: EROFS metadata is corrupt\n", file);
        goto out;
    }
    struct verity_stats vs;
    verity_get_stats(v, &vs);
    struct img_layout lay;
    if (img_layout_compute(im.f.data_blocks, im.f.hash_offset, &lay) < 0)
        lay.hash_blocks = 0;
    hexstr(hash ? pinned : im.f.root_hash, 32, hex);
    printf("%s: ok: %llu data blocks and %llu hash blocks verified; %llu files (%llu bytes), "
           "%llu directories, %llu symlinks, %llu other\n",
           file, (unsigned long long)im.f.data_blocks, (unsigned long long)lay.hash_blocks,
           (unsigned long long)w.files, (unsigned long long)w.bytes, (unsigned long long)w.dirs + 1,
           (unsigned long long)w.links, (unsigned long long)w.other);
    if (!hash)
        printf("note: checked against the root hash in the file itself; pass --hash HEX to check "
               "it is the image you expect\n");
    printf("root hash: %s\n", hex);
    ret = 0;
out:
    verity_close(v);
    close(im.fd);
    return ret;
}

/* ---- ls ---------------------------------------------------------------------------------- */

static void mode_string(uint32_t m, char s[11])
{
    static const char rwx[] = "rwxrwxrwx";
    s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' :
           S_ISFIFO(m) ? 'p' : S_ISSOCK(m) ? 's' : S_ISREG(m) ? '-' : '?';
    for (int i = 0; i < 9; i++)
        s[1 + i] = (m & (0400u >> i)) ? rwx[i] : '-';
    if (m & S_ISUID)
        s[3] = (m & S_IXUSR) ? 's' : 'S';
    if (m & S_ISGID)
        s[6] = (m & S_IXGRP) ? 's' : 'S';
    if (m & S_ISVTX)
        s[9] = (m & S_IXOTH) ? 't' : 'T';
    s[10] = '\0';
}

/* One `ls -lan --time-style=full-iso` line (UTC) for ino named name. */
static int print_entry(const struct erofs_fs *fs, const struct erofs_inode *ino, const char *name)
{
    char mode[11], when[64], size[48];
    struct tm tm;
    time_t t = (time_t)ino->mtime;
    mode_string(ino->mode, mode);
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof(tm));
    strftime(when, 32, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(when + strlen(when), 32, ".%09u +0000", ino->mtime_nsec % 1000000000u);
    if (S_ISCHR(ino->mode) || S_ISBLK(ino->mode))
        /* Linux new_encode_dev: minor low 8 bits | major << 8 | minor high bits << 12. */
        snprintf(size, sizeof(size), "%u, %u", (ino->rdev >> 8) & 0xfff,
                 (ino->rdev & 0xff) | ((ino->rdev >> 12) & 0xfff00));
    else
        snprintf(size, sizeof(size), "%llu", (unsigned long long)ino->size);
    printf("%s %3llu %5u %5u %10s %s %s", mode, (unsigned long long)ino->nlink, ino->uid, ino->gid,
           size, when, name);
    if (S_ISLNK(ino->mode)) {
        char target[4096];
        long n = erofs_readlink(fs, ino, target, sizeof(target));
        if (n < 0) {
            printf("\n");
            return (int)n;
        }
        printf(" -> %.*s", (int)n, target);
    }
    printf("\n");
    return 0;
}

static int image_ls(int argc, char **argv)
{
    const char *file = NULL, *path = NULL, *hash = NULL;
    uint8_t pinned[32];
    char err[1024];
    struct img im;
    if (parse_common(argc, argv, &file, &path, &hash, pinned) < 0)
        return 2;
    if (!path)
        path = "/";
    if (img_open(file, &im, err, sizeof(err)) < 0) {
        fprintf(stderr, "alcove image ls: %s\n", err);
        return 1;
    }
    if (hash && memcmp(pinned, im.f.root_hash, 32)) {
        fprintf(stderr, "alcove image ls: %s: the file's root hash is not the pinned %s\n", file, hash);
        close(im.fd);
        return 1;
    }
    struct verity *v;
    if (open_verity(&im, hash ? pinned : im.f.root_hash, &v) < 0) {
        close(im.fd);
        return 1;
    }
    struct erofs_fs fs;
    struct erofs_inode ino;
    int ret = 1, rc = open_erofs(v, &fs);
    if (rc < 0) {
        fprintf(stderr, "alcove image ls: %s: cannot read the file system: %s\n", file, strerror(-rc));
        goto out;
    }
    if ((rc = erofs_resolve(&fs, path, &ino)) < 0) {
        fprintf(stderr, "alcove image ls: %s: %s\n", path, strerror(-rc));
        goto out;
    }
    if (!S_ISDIR(ino.mode)) {
        if ((rc = print_entry(&fs, &ino, path)) < 0)
            goto bad;
        ret = 0;
        goto out;
    }
    /* "." and ".." first, as ls does, then the stored (byte-sorted) order. */
    for (int pass = 0; pass < 2; pass++) {
        uint64_t pos = 0;
        struct erofs_dent d;
        while ((rc = erofs_readdir(&fs, &ino, &pos, &d)) == 1) {
            int dot = !strcmp(d.name, ".") || !strcmp(d.name, "..");
            if (dot != (pass == 0))
                continue;
            struct erofs_inode e;
            if ((rc = erofs_iget(&fs, d.nid, &e)) < 0 || (rc = print_entry(&fs, &e, d.name)) < 0) {
                fprintf(stderr, "alcove image ls: %s: %s\n", d.name, strerror(-rc));
                goto out;
            }
        }
        if (rc < 0)
            goto bad;
    }
    ret = 0;
    goto out;
bad:
    fprintf(stderr, "alcove image ls: %s: %s\n", path, strerror(-rc));
out:
    fflush(stdout);
    verity_close(v);
    close(im.fd);
    return ret;
}

int cmd_image(int argc, char **argv)
{
    if (argc < 2) {
        image_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage_image();
        return 0;
    }
    if (!strcmp(sub, "pack"))
        return image_pack(argc - 1, argv + 1);
    if (!strcmp(sub, "verify"))
        return image_verify(argc - 1, argv + 1);
    if (!strcmp(sub, "ls"))
        return image_ls(argc - 1, argv + 1);
    fprintf(stderr, "alcove image: unknown subcommand '%s'\n", sub);
    image_usage(stderr);
    return 2;
}

/* ---- looking a path up in an image (alcove run --package) ------------------------------- */

/* Walks path from the root of fs, following symlinks (absolute ones from the image's root)
 * as the enclave would: 0 with *out, or a negative errno. */
static int find_in(const struct erofs_fs *fs, const char *path, struct erofs_inode *out)
{
    char cur[8192], rest[8192], done[8192] = "";
    snprintf(rest, sizeof(rest), "%s", path);
    int links = 0, rc;
    struct erofs_inode ino;
    if ((rc = erofs_iget(fs, fs->root_nid, &ino)) < 0)
        return rc;
restart:
    if ((rc = erofs_iget(fs, fs->root_nid, &ino)) < 0)
        return rc;
    done[0] = '\0';
    snprintf(cur, sizeof(cur), "%s", rest);
    for (char *p = cur; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        size_t len = strcspn(p, "/");
        char *next = p + len;
        if (len == 1 && p[0] == '.') {
            p = next;
            continue;
        }
        if (len == 2 && p[0] == '.' && p[1] == '.') {
            /* Lexical: every component of done is a real directory. */
            char *s = strrchr(done, '/');
            if (s)
                *s = '\0';
            snprintf(rest, sizeof(rest), "%s%s", done, next);
            goto restart;
        }
        if (!S_ISDIR(ino.mode))
            return -ENOTDIR;
        uint64_t nid;
        uint8_t ft;
        if ((rc = erofs_lookup(fs, &ino, p, len, &nid, &ft)) < 0)
            return rc;
        struct erofs_inode child;
        if ((rc = erofs_iget(fs, nid, &child)) < 0)
            return rc;
        if (S_ISLNK(child.mode)) {
            char t[4096];
            long n = erofs_readlink(fs, &child, t, sizeof(t) - 1);
            if (n < 0)
                return (int)n;
            t[n] = '\0';
            if (++links > 40)
                return -ELOOP;
            if (t[0] == '/')
                snprintf(rest, sizeof(rest), "%s%s", t, next);
            else
                snprintf(rest, sizeof(rest), "%s/%s%s", done, t, next);
            goto restart;
        }
        size_t dl = strlen(done);
        snprintf(done + dl, sizeof(done) - dl, "/%.*s", (int)len, p);
        ino = child;
        p = next;
    }
    *out = ino;
    return 0;
}

int image_find(const char *file, const unsigned char root[32], const char *path, uint64_t *nid,
               unsigned *mode)
{
    struct img im;
    char err[1024];
    if (img_open(file, &im, err, sizeof(err)) < 0)
        return -EIO;
    struct verity *v;
    if (open_verity(&im, root, &v) < 0) {
        close(im.fd);
        return -EIO;
    }
    struct erofs_fs fs;
    struct erofs_inode ino;
    int rc = open_erofs(v, &fs);
    if (rc == 0)
        rc = find_in(&fs, path, &ino);
    if (rc == 0) {
        *nid = ino.nid;
        *mode = ino.mode;
    }
    verity_close(v);
    close(im.fd);
    return rc;
}
