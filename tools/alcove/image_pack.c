/*
 * image_pack.c - `alcove image pack DIR -o FILE`: a reproducible EROFS + dm-verity image.
 *
 * The file is, in order: the EROFS file system made by mkfs.erofs (erofs-utils), padded to 4096
 * bytes; the dm-verity superblock and hash tree written by `veritysetup format` (cryptsetup-bin,
 * sha256, 4096-byte blocks) starting at hash_offset = the EROFS size; the 4096-byte Alcove footer
 * (common/image.h) that records the geometry and the root hash. Both halves are standard formats:
 * `veritysetup verify FILE FILE ROOT --hash-offset=H` checks the tree and a Linux kernel could
 * mount the EROFS part through dm-verity.
 *
 * Reproducibility (one tree, one file, one root hash):
 *  - fixed UUID and salt (defaults derived from constants, see below; --uuid / --salt override);
 *  - the superblock build time is a function of the tree: SOURCE_DATE_EPOCH from the
 *    environment if set, else one second after the newest mtime in DIR. With --preserve-mtime
 *    mkfs.erofs keeps each file's own mtime (nanoseconds included) and clamps only those newer
 *    than that epoch to it (the reproducible-builds convention), so by default none is changed.
 *    Keeping mtimes matters: python checks each .pyc against its .py's mtime, and an image with
 *    all mtimes zeroed would recompile every module on every start. --mtime N stamps every file
 *    with N instead (mkfs.erofs -T N), for trees whose mtimes are not stable (fresh checkouts);
 *  - ownership, modes and xattrs come from DIR as they are (--all-root makes everything 0:0);
 *  - mkfs.erofs sorts directory entries, so readdir order on the host does not matter.
 *
 * Nothing is left half-written: the image is built in FILE.tmpXXXXXX next to FILE, fsync'd, then
 * renamed over FILE (and the directory fsync'd); any failure (or SIGINT/SIGTERM) removes it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <ftw.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alcove.h"
#include "image.h"
#include "image_cli.h"

#define BLK 4096u

/* The temporary image, removed by the signal handler if we are interrupted. */
static char tmp_path[PATH_MAX + 16];
static volatile sig_atomic_t tmp_live;
static void on_signal(int sig)
{
    /* The tool running now ends with us, or it could write the file again after the unlink. */
    pid_t pid = image_tool_pid;
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (tmp_live)
        unlink(tmp_path);
    _exit(128 + sig);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int image_parse_hex(const char *hex, uint8_t *out, size_t n)
{
    if (strlen(hex) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static void to_hex(const uint8_t *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" -> 16 bytes: 0, or -1 if malformed. */
static int parse_uuid(const char *s, uint8_t out[16])
{
    char hex[33];
    size_t k = 0;
    if (strlen(s) != 36)
        return -1;
    for (size_t i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return -1;
        } else {
            hex[k++] = s[i];
        }
    }
    hex[k] = '\0';
    return image_parse_hex(hex, out, 16);
}

static void format_uuid(const uint8_t u[16], char out[37])
{
    char h[33];
    to_hex(u, 16, h);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", h, h + 8, h + 12, h + 16, h + 20);
}

/* The defaults are hashes of constants, so anyone can recompute them (and no two tools disagree):
 * salt = sha256("alcove image salt v1"), uuid = the first 16 bytes of sha256("alcove image uuid
 * v1") with the RFC 4122 version-4 / variant bits set (mkfs.erofs and veritysetup accept any). */
static void default_salt_uuid(uint8_t salt[32], uint8_t uuid[16])
{
    static const char s[] = "alcove image salt v1", u[] = "alcove image uuid v1";
    uint8_t h[32];
    crypto_hash_sha256(salt, (const unsigned char *)s, sizeof(s) - 1);
    crypto_hash_sha256(h, (const unsigned char *)u, sizeof(u) - 1);
    memcpy(uuid, h, 16);
    uuid[6] = (uint8_t)((uuid[6] & 0x0f) | 0x40);
    uuid[8] = (uint8_t)((uuid[8] & 0x3f) | 0x80);
}

/* The first "Root hash:" line of veritysetup's output: 0, or -1. */
static int parse_root_hash(const char *out, uint8_t root[32])
{
    const char *p = strstr(out, "Root hash:");
    char hex[65];
    if (!p)
        return -1;
    p += strlen("Root hash:");
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strspn(p, "0123456789abcdefABCDEF");
    if (n != 64)
        return -1;
    memcpy(hex, p, 64);
    hex[64] = '\0';
    return image_parse_hex(hex, root, 32);
}

static int write_all(int fd, const void *buf, size_t n, off_t off)
{
    const uint8_t *b = buf;
    while (n) {
        ssize_t w = pwrite(fd, b, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        b += w;
        n -= (size_t)w;
        off += w;
    }
    return 0;
}

/* Is path (or, if it does not exist, its parent directory) inside the directory dir_real? */
static int inside(const char *dir_real, const char *path)
{
    char buf[PATH_MAX], real[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    const char *parent = slash ? (slash == buf ? "/" : (*slash = '\0', buf)) : ".";
    if (!realpath(parent, real))
        return 0;
    size_t n = strlen(dir_real);
    if (!strcmp(dir_real, "/"))
        return 1;
    return !strncmp(real, dir_real, n) && (real[n] == '/' || real[n] == '\0');
}

static void pack_usage(FILE *f)
{
    fprintf(f, "usage: alcove image pack DIR -o FILE [--force] [--uuid UUID] [--salt HEX]\n"
               "                         [--mtime EPOCH] [--all-root]\n");
}

/* The pack options, gathered before any work starts. */
struct pack_opts {
    const char *dir, *file;
    const char *mtime;          /* NULL: keep per-file mtimes */
    int force, all_root;
    uint8_t salt[64], uuid[16];
    uint32_t salt_size;
};

static int pack_args(int argc, char **argv, struct pack_opts *o)
{
    uint8_t defsalt[32];
    default_salt_uuid(defsalt, o->uuid);
    memcpy(o->salt, defsalt, 32);
    o->salt_size = 32;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has_v = i + 1 < argc;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            pack_usage(stdout);
            exit(0);
        } else if (!strcmp(a, "--force") || !strcmp(a, "-f")) {
            o->force = 1;
        } else if (!strcmp(a, "--all-root")) {
            o->all_root = 1;
        } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && has_v) {
            o->file = argv[++i];
        } else if (!strcmp(a, "--uuid") && has_v) {
            if (parse_uuid(argv[++i], o->uuid) < 0) {
                fprintf(stderr, "alcove image pack: --uuid wants xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx\n");
                return -1;
            }
        } else if (!strcmp(a, "--salt") && has_v) {
            const char *s = argv[++i];
            size_t n = strlen(s) / 2;
            if (!strcmp(s, "-")) {
                o->salt_size = 0;       /* veritysetup's spelling of "no salt" */
            } else if (n < 1 || n > 64 || image_parse_hex(s, o->salt, n) < 0) {
                fprintf(stderr, "alcove image pack: --salt wants 2 to 128 hex digits (1-64 bytes), "
                                "or - for none\n");
                return -1;
            } else {
                o->salt_size = (uint32_t)n;
            }
        } else if (!strcmp(a, "--mtime") && has_v) {
            const char *s = argv[++i];
            char *end;
            errno = 0;
            unsigned long long v = strtoull(s, &end, 10);
            if (!*s || *end || errno || v > 0xffffffffull) {
                fprintf(stderr, "alcove image pack: --mtime wants seconds since 1970 (0..4294967295)\n");
                return -1;
            }
            o->mtime = s;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "alcove image pack: unknown option or missing value: %s\n", a);
            pack_usage(stderr);
            return -1;
        } else if (!o->dir) {
            o->dir = a;
        } else {
            fprintf(stderr, "alcove image pack: more than one DIR (%s, %s)\n", o->dir, a);
            return -1;
        }
    }
    if (!o->dir || !o->file) {
        pack_usage(stderr);
        return -1;
    }
    return 0;
}

/* Checks what can be checked before any work: 0, or -1 after a message. */
static int pack_precheck(const struct pack_opts *o, char *mkfs, char *verity)
{
    struct stat st;
    char real[PATH_MAX];
    if (stat(o->dir, &st) < 0) {
        fprintf(stderr, "alcove image pack: %s: %s\n", o->dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "alcove image pack: %s is not a directory\n", o->dir);
        return -1;
    }
    if (lstat(o->file, &st) == 0) {
        if (!o->force) {
            fprintf(stderr, "alcove image pack: %s exists (--force replaces it)\n", o->file);
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr, "alcove image pack: %s exists and is not a regular file\n", o->file);
            return -1;
        }
    }
    if (realpath(o->dir, real) && inside(real, o->file)) {
        fprintf(stderr, "alcove image pack: the output %s would be inside %s (the image would "
                        "contain itself); write it elsewhere\n", o->file, o->dir);
        return -1;
    }
    if (image_find_tool("mkfs.erofs", mkfs, PATH_MAX) < 0) {
        fprintf(stderr, "alcove image pack: mkfs.erofs not found (install erofs-utils)\n");
        return -1;
    }
    if (image_find_tool("veritysetup", verity, PATH_MAX) < 0) {
        fprintf(stderr, "alcove image pack: veritysetup not found (install cryptsetup-bin)\n");
        return -1;
    }
    return 0;
}

/* Pads the file at fd to a multiple of BLK: its new size, or -1. */
static off_t pad_to_block(int fd)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -1;
    off_t sz = (st.st_size + BLK - 1) / BLK * BLK;
    if (sz != st.st_size && ftruncate(fd, sz) < 0)
        return -1;
    return sz;
}

/* What a walk of DIR found: the newest mtime (seconds) and the first 255-byte name. Unreadable
 * parts are skipped (mkfs.erofs reports them). */
static long long newest_mtime;
static char long_name[PATH_MAX];

/* On a terminal, a progress bar while mkfs.erofs runs: the bytes it has written against the
 * bytes of the tree's regular files (an estimate: EROFS packs small files tightly). */
static long long tree_bytes;
static int progress_shown;

static void pack_tick(void)
{
    struct stat st;
    if (tree_bytes < (64ll << 20) || stat(tmp_path, &st) < 0)
        return; /* small trees pack in a moment */
    long long done = st.st_size > tree_bytes ? tree_bytes : st.st_size;
    int pct = (int)(done * 100 / tree_bytes), w = pct * 30 / 100;
    fprintf(stderr, "\r  packing the image [%.*s%*s] %3d%% (%lld of %lld MB)", w,
            "##############################", 30 - w, "", pct, done >> 20, tree_bytes >> 20);
    progress_shown = 1;
}

static void pack_tick_end(void)
{
    if (progress_shown)
        fprintf(stderr, "\r%*s\r", 78, "");
    progress_shown = 0;
}

static int note_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if (flag == FTW_F && st && S_ISREG(st->st_mode))
        tree_bytes += st->st_size;
    if (st && (long long)st->st_mtim.tv_sec > newest_mtime)
        newest_mtime = (long long)st->st_mtim.tv_sec;
    if (!long_name[0] && strlen(path + ftw->base) >= 255)
        snprintf(long_name, sizeof(long_name), "%s", path);
    return 0;
}

/* mkfs.erofs DIR into tmp_path: 0, or -1 after a message. */
static int run_mkfs(const struct pack_opts *o, const char *mkfs, char *out)
{
    char uuidarg[48], uuid[37], targ[32], epoch[64];
    char *argv[16];
    int n = 0;
    format_uuid(o->uuid, uuid);
    snprintf(uuidarg, sizeof(uuidarg), "-U%s", uuid);
    argv[n++] = (char *)mkfs;
    argv[n++] = "--quiet";
    argv[n++] = uuidarg;
    if (o->mtime) {
        snprintf(targ, sizeof(targ), "-T%s", o->mtime);
        argv[n++] = targ;
    } else {
        argv[n++] = "--preserve-mtime";
    }
    if (o->all_root)
        argv[n++] = "--all-root";
    argv[n++] = tmp_path;
    argv[n++] = (char *)o->dir;
    argv[n] = NULL;
    /* The build time (and the clamp of newer mtimes): the caller's SOURCE_DATE_EPOCH if set,
     * else just after the newest file, which keeps every mtime and is still a function of DIR
     * only (not of when pack ran). */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    newest_mtime = 0;
    tree_bytes = 0;
    long_name[0] = '\0';
    if (nftw(o->dir, note_entry, 64, FTW_PHYS) < 0)
        newest_mtime = 0;
    if (sde && *sde)
        snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%s", sde);
    else
        snprintf(epoch, sizeof(epoch), "SOURCE_DATE_EPOCH=%lld", newest_mtime + 1);
    /* With --mtime, -T alone decides: the caller's SOURCE_DATE_EPOCH must not reach mkfs. */
    if (isatty(2))
        image_tool_tick = pack_tick;
    int rc = image_run_tool(argv, o->mtime ? "SOURCE_DATE_EPOCH" : epoch, out);
    image_tool_tick = NULL;
    pack_tick_end();
    if (rc != 0) {
        fprintf(stderr, "alcove image pack: mkfs.erofs failed (%s %d)\n",
                rc < 0 ? "could not start" : rc > 128 ? "signal" : "exit status",
                rc > 128 ? rc - 128 : rc);
        image_show_output("mkfs.erofs", out);
        /* erofs-utils 1.5 fails with a bare ENOENT on a name of the Linux maximum length. */
        if (long_name[0])
            fprintf(stderr, "alcove image pack: hint: %s has a 255-byte name, which mkfs.erofs "
                            "1.5 cannot store (254 is its limit)\n", long_name);
        return -1;
    }
    return 0;
}

/* veritysetup format on tmp_path: 0 with the root hash, or -1 after a message. */
static int run_veritysetup(const struct pack_opts *o, const char *verity, off_t hash_off,
                           uint64_t blocks, uint8_t root[32], char *out)
{
    char offarg[64], blkarg[64], saltarg[160], uuidarg[64], uuid[37], salthex[129];
    format_uuid(o->uuid, uuid);
    to_hex(o->salt, o->salt_size, salthex);
    snprintf(offarg, sizeof(offarg), "--hash-offset=%lld", (long long)hash_off);
    snprintf(blkarg, sizeof(blkarg), "--data-blocks=%llu", (unsigned long long)blocks);
    snprintf(saltarg, sizeof(saltarg), "--salt=%s", o->salt_size ? salthex : "-");
    snprintf(uuidarg, sizeof(uuidarg), "--uuid=%s", uuid);
    char *argv[] = {(char *)verity, "format", "--hash=sha256", "--data-block-size=4096",
                    "--hash-block-size=4096", "--format=1", offarg, blkarg, saltarg, uuidarg,
                    tmp_path, tmp_path, NULL};
    int rc = image_run_tool(argv, NULL, out);
    if (rc != 0) {
        fprintf(stderr, "alcove image pack: veritysetup format failed (%s %d)\n",
                rc < 0 ? "could not start" : rc > 128 ? "signal" : "exit status",
                rc > 128 ? rc - 128 : rc);
        image_show_output("veritysetup", out);
        return -1;
    }
    if (parse_root_hash(out, root) < 0) {
        fprintf(stderr, "alcove image pack: no \"Root hash:\" in veritysetup's output\n");
        image_show_output("veritysetup", out);
        return -1;
    }
    return 0;
}

/* fsync of the directory holding path, so the rename itself is durable. */
static void sync_parent(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof(buf), "%s", path);
    char *slash = strrchr(buf, '/');
    const char *dir = slash ? (slash == buf ? "/" : (*slash = '\0', buf)) : ".";
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int image_pack(int argc, char **argv)
{
    struct pack_opts o = {0};
    char mkfs[PATH_MAX], verity[PATH_MAX];
    if (sodium_init() < 0) {
        fprintf(stderr, "alcove image pack: libsodium failed to initialise\n");
        return 1;
    }
    if (pack_args(argc, argv, &o) < 0 || pack_precheck(&o, mkfs, verity) < 0)
        return 2;

    /* The temporary file sits next to FILE so the final rename is atomic. */
    if ((size_t)snprintf(tmp_path, sizeof(tmp_path), "%s.tmpXXXXXX", o.file) >= sizeof(tmp_path)) {
        fprintf(stderr, "alcove image pack: %s: path too long\n", o.file);
        return 2;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int fd = mkostemp(tmp_path, O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "alcove image pack: cannot create %s: %s\n", tmp_path, strerror(errno));
        return 1;
    }
    tmp_live = 1;
    /* mkstemp makes it 0600; an image is public data (integrity, not secrecy). */
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0644 & ~mask) < 0)
        fprintf(stderr, "alcove image pack: warning: chmod %s: %s\n", tmp_path, strerror(errno));

    char *out = malloc(IMAGE_TOOL_OUT);
    uint8_t root[32], footer[4096];
    int ret = 1;
    if (!out) {
        fprintf(stderr, "alcove image pack: out of memory\n");
        goto fail;
    }
    if (run_mkfs(&o, mkfs, out) < 0)
        goto fail;
    /* Reopen: mkfs.erofs may have replaced the file rather than rewritten it in place. */
    close(fd);
    fd = open(tmp_path, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "alcove image pack: mkfs.erofs left no %s: %s\n", tmp_path, strerror(errno));
        goto fail;
    }
    off_t esize = pad_to_block(fd);
    if (esize <= 0) {
        fprintf(stderr, "alcove image pack: mkfs.erofs produced %s, empty or unreadable\n", tmp_path);
        goto fail;
    }
    uint64_t blocks = (uint64_t)esize / BLK;
    if (run_veritysetup(&o, verity, esize, blocks, root, out) < 0)
        goto fail;
    off_t vend = pad_to_block(fd);
    if (vend <= esize) {
        fprintf(stderr, "alcove image pack: veritysetup wrote no hash area into %s\n", tmp_path);
        goto fail;
    }
    /* The footer, through common/image.h's encoder, then read back and checked by the very
     * parser `verify` and the core use: a disagreement fails here, not at run time. */
    struct img_footer f = {.version = IMG_VERSION, .data_block_size = BLK, .hash_block_size = BLK,
                           .salt_size = o.salt_size, .data_blocks = blocks,
                           .hash_offset = (uint64_t)esize, .file_size = (uint64_t)vend + BLK};
    struct img_footer back;
    const char *why = "short read";
    memcpy(f.magic, IMG_FOOTER_MAGIC, 8);
    memcpy(f.hash_name, IMG_HASH_NAME, sizeof(IMG_HASH_NAME));
    memcpy(f.salt, o.salt, o.salt_size);
    memcpy(f.root_hash, root, 32);
    memcpy(f.uuid, o.uuid, 16);
    img_footer_encode(&f, footer);
    if (write_all(fd, footer, sizeof(footer), vend) < 0 || fsync(fd) < 0) {
        fprintf(stderr, "alcove image pack: writing %s: %s\n", tmp_path, strerror(errno));
        goto fail;
    }
    if (pread(fd, footer, sizeof(footer), vend) != (ssize_t)sizeof(footer) ||
        img_footer_check(footer, f.file_size, &back, &why) < 0) {
        fprintf(stderr, "alcove image pack: internal error: the footer written does not parse "
                        "back (%s)\n", why);
        goto fail;
    }
    uint64_t fsize = f.file_size;
    if (rename(tmp_path, o.file) < 0) {
        fprintf(stderr, "alcove image pack: rename %s -> %s: %s\n", tmp_path, o.file, strerror(errno));
        goto fail;
    }
    tmp_live = 0;
    sync_parent(o.file);

    char hex[65];
    to_hex(root, 32, hex);
    printf("%s: %llu data blocks (EROFS %llu bytes), hash tree at %lld, %llu bytes in all\n",
           o.file, (unsigned long long)blocks, (unsigned long long)esize, (long long)esize,
           (unsigned long long)fsize);
    printf("root hash: %s\n", hex);
    ret = 0;
fail:
    if (tmp_live) {
        unlink(tmp_path);
        tmp_live = 0;
    }
    if (fd >= 0)
        close(fd);
    free(out);
    return ret;
}
