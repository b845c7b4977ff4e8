/*
 * volume.c - `alcove volume`: keygen, create, check, inspect, export, import, and the
 * pre-flight open `alcove run` does for each volume (volume_precheck).
 *
 * The format code is common/vol*.c (the same the core runs); volume_host.c gives it the
 * host file and the default rollback-counter source (one state file per volume in the
 * state directory), which only guards against a rollback of the volume file that leaves
 * the state file alone (docs/volume-format.md, threat model).
 *
 * A new volume (create, import) is built under a temporary name next to FILE and renamed
 * over it only once complete: a failure loses nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "alcove.h"
#include "volume.h"

static void volume_usage(FILE *out)
{
    fprintf(out,
            "usage: alcove volume keygen FILE\n"
            "       alcove volume create FILE --size N[K|M|G|T] --key-file K [--uid U] [--gid G]\n"
            "                            [--state-dir D] [--force]\n"
            "       alcove volume check FILE --key-file K [--state-dir D]\n"
            "       alcove volume inspect FILE [--key-file K] [--state-dir D]\n"
            "       alcove volume export FILE DIR --key-file K [--state-dir D]\n"
            "       alcove volume import DIR FILE --key-file K [--size N] [--state-dir D] [--force]\n"
            "\n"
            "An encrypted volume is one host file of fixed size: names, sizes, contents and\n"
            "the tree's shape are sealed (AES-256-GCM or XChaCha20-Poly1305) under a 32-byte\n"
            "key; any change the host makes is detected, and a rollback of the file is caught\n"
            "against a version counter kept in the state directory (default\n"
            "$ALCOVE_STATE_DIR, else $XDG_STATE_HOME/alcove, else ~/.local/state/alcove).\n"
            "\n"
            "keygen   write 32 random bytes to FILE (mode 0600; never overwrites).\n"
            "create   a new, empty volume of N bytes (root directory owned by U:G, default\n"
            "         yours).  --force replaces an existing FILE.\n"
            "check    authenticate every block, check the trees and the allocation maps.\n"
            "         Exit 0 when clean, 1 with one line per problem.\n"
            "inspect  id, version, cipher, sizes, free space, inodes, counter state; without\n"
            "         --key-file only the plain header's facts.\n"
            "export   write the volume's tree (files, directories, symlinks, modes, times;\n"
            "         owners when run as root) into DIR (new or empty).\n"
            "import   create FILE holding DIR's tree (size: --size, or what DIR needs).\n");
}

void usage_volume(void)
{
    volume_usage(stdout);
}

static void hex16(const uint8_t id[16], char out[33])
{
    for (int i = 0; i < 16; i++)
        sprintf(out + 2 * i, "%02x", id[i]);
}

static int parse_uint(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (!*s || *end || errno || v > UINT32_MAX || *s == '-')
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* Common options of the subcommands.  positional receives up to 2 arguments. */
struct opts {
    const char *pos[2];
    int npos;
    const char *key_file, *state_dir, *size;
    const char *uid, *gid;
    int force;
};

static int parse_opts(const char *cmd, int argc, char **argv, struct opts *o, const char *allowed)
{
    memset(o, 0, sizeof(*o));
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], **slot = NULL;
        const char *name = a + 2;
        if (!strcmp(a, "--force") && strstr(allowed, "force")) {
            o->force = 1;
            continue;
        }
        if (!strncmp(a, "--", 2) && a[2]) {
            if (!strcmp(name, "key-file")) slot = &o->key_file;
            else if (!strcmp(name, "state-dir")) slot = &o->state_dir;
            else if (!strcmp(name, "size")) slot = &o->size;
            else if (!strcmp(name, "uid")) slot = &o->uid;
            else if (!strcmp(name, "gid")) slot = &o->gid;
            if (!slot || !strstr(allowed, name)) {
                fprintf(stderr, "alcove volume %s: unknown option '%s'\n", cmd, a);
                return -1;
            }
            if (i + 1 >= argc) {
                fprintf(stderr, "alcove volume %s: %s needs a value\n", cmd, a);
                return -1;
            }
            *slot = argv[++i];
            continue;
        }
        if (o->npos >= 2) {
            fprintf(stderr, "alcove volume %s: unexpected argument '%s'\n", cmd, a);
            return -1;
        }
        o->pos[o->npos++] = a;
    }
    return 0;
}

static int need_pos(const char *cmd, const struct opts *o, int n, const char *what)
{
    if (o->npos != n) {
        fprintf(stderr, "alcove volume %s: want %s (alcove volume --help)\n", cmd, what);
        return -1;
    }
    return 0;
}

/* The key (required) and the counter source: 0, or -1 after a message. */
static int key_and_counter(const char *cmd, const struct opts *o, unsigned char key[32],
                           struct hostctr *hc, struct vol_counter *c)
{
    if (!o->key_file) {
        fprintf(stderr, "alcove volume %s: --key-file K is required (alcove volume keygen K "
                        "makes one)\n", cmd);
        return -1;
    }
    if (read_key_file(o->key_file, key) < 0)
        return -1;
    const char *dir = state_dir_path(o->state_dir);
    if (!dir)
        return -1;
    hostctr_init(hc, c, dir);
    return 0;
}

/* Open FILE's volume (after a message on failure: NULL). */
static struct vol *open_volume(struct hostvol *hv, const char *file, const unsigned char key[32],
                               const struct vol_counter *c, int rw)
{
    struct vol *v = NULL;
    if (hostvol_open(hv, file, rw) < 0)
        return NULL;
    hv->quiet = 1;
    int r = vol_open(&hv->io, key, c, rw, &v);
    hv->quiet = 0;
    if (r < 0) {
        if (r == -ESTALE)
            fprintf(stderr, "alcove volume: %s: %s (state file %s)\n", file, hv->last,
                    ((struct hostctr *)c->ctx)->path);
        else
            fprintf(stderr, "alcove volume: %s: %s\n", file,
                    hv->last[0] ? hv->last : strerror(-r));
        close(hv->fd);
        return NULL;
    }
    if (strstr(hv->last, "knows nothing"))
        fprintf(stderr, "alcove volume: %s: note: no rollback state for this volume yet in %s\n",
                file, ((struct hostctr *)c->ctx)->dir);
    return v;
}

/* ---- keygen ----------------------------------------------------------------------------- */

static int volume_keygen(int argc, char **argv)
{
    struct opts o;
    unsigned char key[32];
    if (parse_opts("keygen", argc, argv, &o, "") < 0 || need_pos("keygen", &o, 1, "FILE") < 0)
        return 2;
    int fd = open(o.pos[0], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "alcove volume keygen: %s: %s%s\n", o.pos[0], strerror(errno),
                errno == EEXIST ? " (not overwriting a key)" : "");
        return 1;
    }
    randombytes_buf(key, sizeof(key));
    int bad = write(fd, key, sizeof(key)) != (ssize_t)sizeof(key) || fsync(fd) < 0;
    sodium_memzero(key, sizeof(key));
    if (close(fd) < 0 || bad) {
        fprintf(stderr, "alcove volume keygen: cannot write %s: %s\n", o.pos[0], strerror(errno));
        unlink(o.pos[0]);
        return 1;
    }
    printf("%s: a new 32-byte volume key (keep it: without it the volume cannot be read)\n",
           o.pos[0]);
    return 0;
}

/* ---- create / import: a new volume under a temporary name --------------------------------- */

struct newvol {
    char tmp[PATH_MAX + 32];
    struct hostvol hv;
};

/* Make a formatted volume of size bytes in a temporary file next to file: 0 or -1. */
static int newvol_make(struct newvol *nv, const char *file, uint64_t size, const unsigned char key[32],
                       uint32_t uid, uint32_t gid, const struct vol_counter *c)
{
    snprintf(nv->tmp, sizeof(nv->tmp), "%s.tmp-%d", file, (int)getpid());
    int fd = open(nv->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        fprintf(stderr, "alcove volume: cannot create %s: %s\n", nv->tmp, strerror(errno));
        return -1;
    }
    hostvol_init(&nv->hv, fd, file);
    if (ftruncate(fd, (off_t)(size / VOL_BLOCK * VOL_BLOCK)) < 0) {
        fprintf(stderr, "alcove volume: cannot size %s: %s\n", nv->tmp, strerror(errno));
        goto fail;
    }
    int r = vol_format(&nv->hv.io, key, size, uid, gid, c);
    if (r < 0) {
        if (!nv->hv.last[0])
            fprintf(stderr, "alcove volume: cannot create %s: %s\n", file, strerror(-r));
        goto fail;
    }
    return 0;
fail:
    close(fd);
    unlink(nv->tmp);
    return -1;
}

/* Make it FILE (fsync, rename, fsync the directory): 0 or -1. */
static int newvol_finish(struct newvol *nv, const char *file)
{
    if (fsync(nv->hv.fd) < 0 || close(nv->hv.fd) < 0 || rename(nv->tmp, file) < 0) {
        fprintf(stderr, "alcove volume: cannot write %s: %s\n", file, strerror(errno));
        unlink(nv->tmp);
        return -1;
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", file);
    char *slash = strrchr(dir, '/');
    if (slash)
        *(slash == dir ? slash + 1 : slash) = '\0';
    else
        strcpy(dir, ".");
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

static void newvol_abort(struct newvol *nv)
{
    close(nv->hv.fd);
    unlink(nv->tmp);
}

static int may_write(const char *cmd, const char *file, int force)
{
    struct stat st;
    if (lstat(file, &st) == 0) {
        if (!force) {
            fprintf(stderr, "alcove volume %s: %s exists (--force replaces it)\n", cmd, file);
            return -1;
        }
        if (!S_ISREG(st.st_mode)) {
            fprintf(stderr, "alcove volume %s: %s is not a regular file\n", cmd, file);
            return -1;
        }
    }
    return 0;
}

static int volume_create(int argc, char **argv)
{
    struct opts o;
    unsigned char key[32];
    struct hostctr hc;
    struct vol_counter c;
    struct newvol nv;
    uint64_t size;
    uint32_t uid = (uint32_t)getuid(), gid = (uint32_t)getgid();
    if (parse_opts("create", argc, argv, &o, "key-file state-dir size uid gid force") < 0 ||
        need_pos("create", &o, 1, "FILE --size N --key-file K") < 0)
        return 2;
    if (!o.size) {
        fprintf(stderr, "alcove volume create: --size N is required (e.g. 64M)\n");
        return 2;
    }
    if (volume_parse_size(o.size, &size) < 0 || size < VOL_MIN_SIZE) {
        fprintf(stderr, "alcove volume create: bad --size '%s' (a number with K, M, G or T; at "
                        "least %uK)\n", o.size, VOL_MIN_SIZE / 1024);
        return 2;
    }
    if ((o.uid && parse_uint(o.uid, &uid) < 0) || (o.gid && parse_uint(o.gid, &gid) < 0)) {
        fprintf(stderr, "alcove volume create: bad --uid or --gid\n");
        return 2;
    }
    if (key_and_counter("create", &o, key, &hc, &c) < 0 || may_write("create", o.pos[0], o.force) < 0)
        return 2;
    if (newvol_make(&nv, o.pos[0], size, key, uid, gid, &c) < 0)
        return 1;
    /* the root directory's times: now */
    struct vol *v = NULL;
    struct vol_attr a;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int r = vol_open(&nv.hv.io, key, &c, 1, &v);
    if (r == 0 && (r = vol_getattr(v, vol_root(v), &a)) == 0) {
        a.atime_sec = a.mtime_sec = a.ctime_sec = now.tv_sec;
        a.atime_nsec = a.mtime_nsec = a.ctime_nsec = now.tv_nsec;
        if ((r = vol_setattr(v, vol_root(v), &a)) == 0)
            r = vol_commit(v);
    }
    struct vol_info info;
    if (v)
        vol_info(v, &info);
    vol_close(v);
    if (r < 0) {
        fprintf(stderr, "alcove volume create: %s: %s\n", o.pos[0], strerror(-r));
        newvol_abort(&nv);
        return 1;
    }
    if (newvol_finish(&nv, o.pos[0]) < 0)
        return 1;
    char id[33];
    hex16(info.id, id);
    printf("%s: new volume, %llu KiB, %s, id %s\n", o.pos[0],
           (unsigned long long)(info.total_blocks * 4), info.cipher, id);
    return 0;
}

static int volume_import(int argc, char **argv)
{
    struct opts o;
    unsigned char key[32];
    struct hostctr hc;
    struct vol_counter c;
    struct newvol nv;
    struct stat st;
    uint64_t size;
    if (parse_opts("import", argc, argv, &o, "key-file state-dir size force") < 0 ||
        need_pos("import", &o, 2, "DIR FILE --key-file K") < 0)
        return 2;
    const char *src = o.pos[0], *file = o.pos[1];
    if (stat(src, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "alcove volume import: %s is not a directory\n", src);
        return 2;
    }
    if (o.size) {
        if (volume_parse_size(o.size, &size) < 0 || size < VOL_MIN_SIZE) {
            fprintf(stderr, "alcove volume import: bad --size '%s'\n", o.size);
            return 2;
        }
    } else if (volume_import_size(src, &size) < 0) {
        return 1;
    }
    if (key_and_counter("import", &o, key, &hc, &c) < 0 || may_write("import", file, o.force) < 0)
        return 2;
    if (newvol_make(&nv, file, size, key, (uint32_t)st.st_uid, (uint32_t)st.st_gid, &c) < 0)
        return 1;
    struct vol *v = NULL;
    int r = vol_open(&nv.hv.io, key, &c, 1, &v);
    if (r < 0) {
        fprintf(stderr, "alcove volume import: %s: %s\n", file, strerror(-r));
        newvol_abort(&nv);
        return 1;
    }
    if (volume_import_tree(v, src) < 0 || (r = vol_commit(v)) < 0) {
        if (r < 0)
            fprintf(stderr, "alcove volume import: %s: %s\n", file, strerror(-r));
        vol_close(v);
        newvol_abort(&nv);
        return 1;
    }
    struct vol_info info;
    vol_info(v, &info);
    vol_close(v);
    if (newvol_finish(&nv, file) < 0)
        return 1;
    printf("%s: imported %s: %llu inodes, %llu of %llu KiB free\n", file, src,
           (unsigned long long)info.inodes, (unsigned long long)(info.free_blocks * 4),
           (unsigned long long)(info.total_blocks * 4));
    return 0;
}

/* ---- check / inspect / export ------------------------------------------------------------- */

static int volume_check(int argc, char **argv)
{
    struct opts o;
    unsigned char key[32];
    struct hostctr hc;
    struct vol_counter c;
    struct hostvol hv;
    if (parse_opts("check", argc, argv, &o, "key-file state-dir") < 0 ||
        need_pos("check", &o, 1, "FILE --key-file K") < 0 || key_and_counter("check", &o, key, &hc, &c) < 0)
        return 2;
    struct vol *v = open_volume(&hv, o.pos[0], key, &c, 0);
    if (!v)
        return 1;
    uint64_t problems = 0;
    int r = vol_check(v, &problems);
    struct vol_info info;
    vol_info(v, &info);
    vol_close(v);
    close(hv.fd);
    if (r < 0) {
        if (problems)
            printf("%s: %llu problem%s found\n", o.pos[0], (unsigned long long)problems,
                   problems == 1 ? "" : "s");
        else
            fprintf(stderr, "alcove volume check: %s: %s\n", o.pos[0], strerror(-r));
        return 1;
    }
    printf("%s: clean (version %llu, %llu inodes, %llu of %llu KiB free)\n", o.pos[0],
           (unsigned long long)info.version, (unsigned long long)info.inodes,
           (unsigned long long)(info.free_blocks * 4), (unsigned long long)(info.total_blocks * 4));
    return 0;
}

static int volume_inspect(int argc, char **argv)
{
    struct opts o;
    unsigned char key[32];
    struct hostctr hc;
    struct vol_counter c;
    struct hostvol hv;
    struct vol_info info;
    char id[33];
    if (parse_opts("inspect", argc, argv, &o, "key-file state-dir") < 0 ||
        need_pos("inspect", &o, 1, "FILE [--key-file K]") < 0)
        return 2;
    if (!o.key_file) {
        if (hostvol_open(&hv, o.pos[0], 0) < 0)
            return 1;
        hv.quiet = 1;
        int r = vol_probe(&hv.io, &info);
        close(hv.fd);
        if (r < 0) {
            fprintf(stderr, "alcove volume inspect: %s: %s\n", o.pos[0], hv.last[0] ? hv.last : strerror(-r));
            return 1;
        }
        hex16(info.id, id);
        printf("file:      %s\nformat:    Alcove encrypted volume, format 1\nid:        %s\n"
               "cipher:    %s\nsize:      %llu KiB (%llu blocks of 4 KiB)\n"
               "(everything else is sealed: give --key-file K to see it)\n",
               o.pos[0], id, info.cipher, (unsigned long long)(info.total_blocks * 4),
               (unsigned long long)info.total_blocks);
        return 0;
    }
    if (key_and_counter("inspect", &o, key, &hc, &c) < 0)
        return 2;
    struct vol *v = open_volume(&hv, o.pos[0], key, &c, 0);
    if (!v)
        return 1;
    vol_info(v, &info);
    unsigned slot = vol_slot(v);
    vol_close(v);
    close(hv.fd);
    uint64_t cv = 0;
    int have = hostctr_get(&hc, info.id, &cv) == 0 && cv > 0;
    hex16(info.id, id);
    printf("file:      %s\nformat:    Alcove encrypted volume, format 1\nid:        %s\n"
           "cipher:    %s\nversion:   %llu (superblock slot %c)\n"
           "size:      %llu KiB (%llu blocks of 4 KiB)\nfree:      %llu KiB (%llu blocks)\n"
           "inodes:    %llu\n",
           o.pos[0], id, info.cipher, (unsigned long long)info.version, slot == 1 ? 'A' : 'B',
           (unsigned long long)(info.total_blocks * 4), (unsigned long long)info.total_blocks,
           (unsigned long long)(info.free_blocks * 4), (unsigned long long)info.free_blocks,
           (unsigned long long)info.inodes);
    if (have)
        printf("counter:   version %llu in %s\n", (unsigned long long)cv, hc.path);
    else
        printf("counter:   none (no state file %s)\n", hc.path);
    return 0;
}

static int volume_export(int argc, char **argv)
{
    struct opts o;
    unsigned char key[32];
    struct hostctr hc;
    struct vol_counter c;
    struct hostvol hv;
    if (parse_opts("export", argc, argv, &o, "key-file state-dir") < 0 ||
        need_pos("export", &o, 2, "FILE DIR --key-file K") < 0 ||
        key_and_counter("export", &o, key, &hc, &c) < 0)
        return 2;
    struct vol *v = open_volume(&hv, o.pos[0], key, &c, 0);
    if (!v)
        return 1;
    int r = volume_export_tree(v, o.pos[1]);
    vol_close(v);
    close(hv.fd);
    return r < 0 ? 1 : 0;
}

int cmd_volume(int argc, char **argv)
{
    if (argc < 2) {
        volume_usage(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
        usage_volume();
        return 0;
    }
    if (sodium_init() < 0) {
        fprintf(stderr, "alcove volume: cannot initialise libsodium\n");
        return 1;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {
        {"keygen", volume_keygen}, {"create", volume_create}, {"check", volume_check},
        {"inspect", volume_inspect}, {"export", volume_export}, {"import", volume_import},
    };
    for (unsigned i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
        if (!strcmp(sub, subs[i].name))
            return subs[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "alcove volume: unknown subcommand '%s'\n", sub);
    volume_usage(stderr);
    return 2;
}

/* ---- for alcove run ------------------------------------------------------------------------ */

int volume_precheck(const char *file, const unsigned char key[32], const char *state_dir, int rw,
                    char *err, unsigned long errlen)
{
    struct hostvol hv;
    struct hostctr hc;
    struct vol_counter c;
    struct vol *v = NULL;
    if (sodium_init() < 0) {
        snprintf(err, errlen, "%s: cannot initialise libsodium", file);
        return -1;
    }
    int fd = open(file, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", file, strerror(errno));
        return -1;
    }
    hostvol_init(&hv, fd, file);
    hv.quiet = 1;
    hostctr_init(&hc, &c, state_dir);
    int r = vol_open(&hv.io, key, &c, rw, &v);
    close(fd);
    if (r == 0) {
        vol_close(v);
        return 0;
    }
    if (r == -ESTALE)
        snprintf(err, errlen, "%s: %s (state file %s)", file, hv.last, hc.path);
    else if (r == -EKEYREJECTED)
        snprintf(err, errlen, "%s: wrong key or corrupted volume", file);
    else if (r == -EINVAL && strncmp(hv.last, "not an Alcove volume", 20) == 0)
        snprintf(err, errlen, "%s: %s", file, hv.last);
    else
        snprintf(err, errlen, "%s: %s", file, hv.last[0] ? hv.last : strerror(-r));
    return -1;
}
