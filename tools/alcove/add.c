/*
 * add.c - `alcove add PROGRAM... [--to DIR]` and `alcove add --tree DIR`: host files into the
 * instance's image/ tree.
 *
 * A program is copied with everything the dynamic linker will load: its interpreter
 * (PT_INTERP) and its DT_NEEDED libraries, recursively, found as the host's ld.so finds them
 * (add_elf.c).  A script brings its #! interpreter.  Every host path keeps its place and its
 * symlinks: /bin/busybox on a usrmerge host is image/bin -> usr/bin plus image/usr/bin/busybox,
 * libc.so.6 keeps its version link, so what runs in the enclave resolves exactly as on the host.
 *
 * Writes go through directory descriptors opened with RESOLVE_IN_ROOT in image/: a symlink in
 * the image (absolute ones included) can never make `alcove add` write outside image/.
 * A file already in the image with the same size and mtime is left alone, so adding twice
 * changes nothing and the next build gives the same measurement.
 *
 * `alcove add --bom FILE` reads a bill of materials in the config's syntax (JSON, jansson),
 * like Occlum's copy_bom: {"programs": [NAME | {"path", "to"}], "trees": [HOSTDIR],
 * "files": [{"from", "to"}], "dirs": [GUESTDIR], "links": [{"path", "target"}]}; relative
 * host paths are relative to the BOM file's directory.  An unknown key or a wrong type is an
 * error naming it, and nothing is copied then.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <jansson.h>

#include "add.h"
#include "instance.h"

static int imgfd = -1;          /* O_PATH descriptor of image/ */
static char **seen;             /* host real paths whose closure is done */
static int nseen;
static int copied, linked;      /* counts for the summary */

void usage_add(void)
{
    printf("usage: alcove add [--instance DIR] [--to GUESTDIR] PROGRAM...\n"
           "       alcove add [--instance DIR] --tree HOSTDIR [--tree HOSTDIR...]\n"
           "       alcove add [--instance DIR] --bom FILE\n"
           "       alcove add [--instance DIR] --nss | --gconv\n\n"
           "Copy into the instance's image/ (the working directory's instance, or DIR):\n"
           "  PROGRAM        a host program (a path, or a name on $PATH) with its whole\n"
           "                 shared-library closure: the interpreter (PT_INTERP) and DT_NEEDED\n"
           "                 recursively, found like the host's ld.so (DT_RPATH/DT_RUNPATH with\n"
           "                 $ORIGIN, /etc/ld.so.cache, the default directories; not\n"
           "                 LD_LIBRARY_PATH). A script brings its #! interpreter.\n"
           "  --to GUESTDIR  put the programs (not their libraries) in GUESTDIR of the image\n"
           "                 instead of their host path\n"
           "  --tree HOSTDIR a whole directory tree (e.g. /usr/lib/python3.11), symlinks kept,\n"
           "                 with the libraries its ELF files need\n"
           "  --nss          glibc's NSS modules for files, dns and compat (libnss_*.so.2,\n"
           "                 which glibc loads at run time, not through DT_NEEDED)\n"
           "  --gconv        glibc's gconv modules (iconv charsets), the whole directory\n"
           "  --bom FILE     a bill of materials (JSON): programs, trees, files, dirs and\n"
           "                 links, and where they go (docs/cli.md shows the format)\n"
           "Host paths keep their place and their symlinks (the usrmerge layout). A missing\n"
           "program or library is named, exit status 1.\n");
}

/* Opens the directory of guest path p in the image (resolved inside image/), and points
 * *base at its last component. A descriptor, or -1. */
static int parent_of(const char *p, char *buf, size_t size, const char **base)
{
    snprintf(buf, size, "%s", p);
    char *slash = strrchr(buf, '/');
    if (!slash || !slash[1])
        return -1;
    *slash = '\0';
    *base = slash + 1;
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return (int)syscall(SYS_openat2, imgfd, *buf ? buf : "/", &how, sizeof(how));
}

static int ensure_dir(const char *guest, mode_t mode)
{
    char buf[4096];
    const char *base;
    int d = parent_of(guest, buf, sizeof(buf), &base);
    if (d < 0)
        return -1;
    int r = mkdirat(d, base, mode & 07777);
    if (r == 0 || errno == EEXIST)
        r = 0;
    close(d);
    return r;
}

/* A symlink guest -> target, like the host's; an existing entry is kept (the instance's
 * own layout wins: image/bin may already be the usrmerge link). */
static int put_symlink(const char *guest, const char *target)
{
    char buf[4096];
    const char *base;
    int d = parent_of(guest, buf, sizeof(buf), &base);
    if (d < 0)
        return -1;
    struct stat st;
    int r = 0;
    if (fstatat(d, base, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        r = symlinkat(target, d, base);
        if (r == 0)
            linked++;
    }
    close(d);
    return r;
}

static int copy_file(const char *host, const char *guest)
{
    char buf[4096], tmp[300];
    const char *base;
    struct stat hs, is;
    int in = open(host, O_RDONLY | O_CLOEXEC);
    if (in < 0 || fstat(in, &hs) < 0) {
        if (in >= 0)
            close(in);
        return -1;
    }
    int d = parent_of(guest, buf, sizeof(buf), &base);
    if (d < 0) {
        close(in);
        return -1;
    }
    if (fstatat(d, base, &is, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(is.st_mode) &&
        is.st_size == hs.st_size && is.st_mtim.tv_sec == hs.st_mtim.tv_sec &&
        is.st_mtim.tv_nsec == hs.st_mtim.tv_nsec && (is.st_mode & 07777) == (hs.st_mode & 07777)) {
        close(in), close(d);
        return 0;
    }
    snprintf(tmp, sizeof(tmp), ".alcove-add.%d", (int)getpid());
    int out = openat(d, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int r = out < 0 ? -1 : 0;
    static char data[1 << 16];
    ssize_t n;
    while (r == 0 && (n = read(in, data, sizeof(data))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || write(out, data, (size_t)n) != n)
            r = -1;
    }
    /* The host's mode and mtime: the image (and the measurement) depend on them. */
    struct timespec ts[2] = {hs.st_atim, hs.st_mtim};
    if (r == 0 && (fchmod(out, hs.st_mode & 07777) < 0 || futimens(out, ts) < 0))
        r = -1;
    if (out >= 0 && close(out) < 0)
        r = -1;
    if (r == 0 && renameat(d, tmp, d, base) < 0)
        r = -1;
    if (r < 0 && out >= 0) {
        int e = errno;
        unlinkat(d, tmp, 0);
        errno = e;
    }
    if (r == 0)
        copied++;
    close(in), close(d);
    return r;
}

/* Copies host path p into the image at the same path, recreating each symlink met on the
 * way (and following it on the host).  The resolved host path is left in real.  If p is a
 * directory only the directory itself is made.  0, or -1 after a message. */
static int add_path(const char *p, char *real, size_t size)
{
    char cur[4096] = "", rest[8192];
    int hops = 0;
    snprintf(rest, sizeof(rest), "%s", p);
    while (rest[0]) {
        char *s = rest;
        while (*s == '/')
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, "/");
        char comp[256], next[4096];
        if (len >= sizeof(comp)) {
            fprintf(stderr, "alcove add: %s: name too long\n", p);
            return -1;
        }
        memcpy(comp, s, len);
        comp[len] = '\0';
        memmove(rest, s + len, strlen(s + len) + 1);
        if (!strcmp(comp, "."))
            continue;
        if (!strcmp(comp, "..")) {
            char *sl = strrchr(cur, '/');
            if (sl)
                *sl = '\0';
            continue;
        }
        snprintf(next, sizeof(next), "%s/%s", cur, comp);
        struct stat st;
        if (lstat(next, &st) < 0) {
            fprintf(stderr, "alcove add: %s: %s\n", next, strerror(errno));
            return -1;
        }
        if (S_ISLNK(st.st_mode)) {
            char target[4096], nrest[8192];
            ssize_t n = readlink(next, target, sizeof(target) - 1);
            if (n < 0 || ++hops > 40) {
                fprintf(stderr, "alcove add: %s: %s\n", next, n < 0 ? strerror(errno) :
                        "too many levels of symbolic links");
                return -1;
            }
            target[n] = '\0';
            if (put_symlink(next, target) < 0) {
                fprintf(stderr, "alcove add: cannot make the link %s in image/: %s\n", next,
                        strerror(errno));
                return -1;
            }
            /* Go on from where the link points (relative: from its directory). */
            snprintf(nrest, sizeof(nrest), "%s%s", target, rest);
            snprintf(rest, sizeof(rest), "%s", nrest);
            if (target[0] == '/')
                cur[0] = '\0';
            continue;
        }
        int last = strspn(rest, "/") == strlen(rest);
        if (S_ISDIR(st.st_mode)) {
            if (ensure_dir(next, st.st_mode) < 0) {
                fprintf(stderr, "alcove add: cannot make %s in image/: %s\n", next, strerror(errno));
                return -1;
            }
        } else if (S_ISREG(st.st_mode) && last) {
            if (copy_file(next, next) < 0) {
                fprintf(stderr, "alcove add: cannot copy %s into image/: %s\n", next,
                        strerror(errno));
                return -1;
            }
        } else {
            fprintf(stderr, "alcove add: %s: %s\n", next, last ? "not a regular file, "
                    "directory or symlink" : "not a directory");
            return -1;
        }
        snprintf(cur, sizeof(cur), "%s", next);
    }
    snprintf(real, size, "%s", cur[0] ? cur : "/");
    return 0;
}

static int was_seen(const char *real)
{
    for (int i = 0; i < nseen; i++)
        if (!strcmp(seen[i], real))
            return 1;
    seen = realloc(seen, sizeof(char *) * (size_t)(nseen + 1));
    seen[nseen++] = strdup(real);
    return 0;
}

static void dir_of(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *sl = strrchr(out, '/');
    if (sl)
        *(sl == out ? sl + 1 : sl) = '\0';
}

/* The interpreter and libraries of the ELF file real (already in the image), for the
 * program exe (its deps; NULL: real is the program).  strict: a missing library is an
 * error (programs) or a warning (files of a --tree).  0, or -1 after a message. */
static int closure(const char *real, const char *who, const struct elf_deps *exe,
                   const char *exe_origin, int strict)
{
    struct elf_deps d;
    char why[512], origin[4096], lib[4096], lreal[4096];
    int r = elf_deps_read(real, &d, why, sizeof(why));
    if (r < 0) {
        fprintf(stderr, "alcove add: %s\n", why);
        return strict ? -1 : 0;
    }
    if (r > 0 || !d.is_elf)
        return 0;
    dir_of(real, origin, sizeof(origin));
    if (!exe)
        exe = &d, exe_origin = origin;
    if (d.interp && (add_path(d.interp, lreal, sizeof(lreal)) < 0 ||
                     (!was_seen(lreal) && closure(lreal, d.interp, exe, exe_origin, strict) < 0))) {
        fprintf(stderr, "alcove add: %s needs the interpreter %s\n", who, d.interp);
        r = -1;
    }
    for (int i = 0; i < d.n_needed && r == 0; i++) {
        if (elf_find_lib(d.needed[i], &d, origin, exe, exe_origin, lib, sizeof(lib)) < 0) {
            fprintf(stderr, "alcove add: %s%s needs %s: not found (searched %s%sld.so.cache, "
                    "/lib/x86_64-linux-gnu, /usr/lib/x86_64-linux-gnu, /lib64, /usr/lib64, /lib, "
                    "/usr/lib)\n", strict ? "" : "warning: ", who, d.needed[i],
                    d.rpath ? "DT_RPATH, " : "", d.runpath ? "DT_RUNPATH, " : "");
            if (strict)
                r = -1;
            continue;
        }
        if (add_path(lib, lreal, sizeof(lreal)) < 0)
            r = -1;
        else if (!was_seen(lreal))
            r = closure(lreal, lib, exe, exe_origin, strict);
    }
    elf_deps_free(&d);
    return r;
}

/* A program given by name: found on $PATH like a shell would. */
static int find_program(const char *name, char *out, size_t size)
{
    if (strchr(name, '/')) {
        if (name[0] == '/')
            snprintf(out, size, "%s", name);
        else {
            char cwd[4096];
            if (!getcwd(cwd, sizeof(cwd)) ||
                snprintf(out, size, "%s/%s", cwd, name) >= (int)size)
                return -1;
        }
        return access(out, F_OK);
    }
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");
        snprintf(out, size, "%.*s/%s", (int)len, p, name);
        if (len && out[0] == '/' && access(out, X_OK) == 0)
            return 0;
        p += len + (p[len] == ':');
    }
    return -1;
}

static int add_program(const char *name, const char *to, int depth)
{
    char host[4096], real[4096];
    if (find_program(name, host, sizeof(host)) < 0) {
        fprintf(stderr, "alcove add: %s: no such program%s\n", name,
                strchr(name, '/') ? "" : " on $PATH");
        return -1;
    }
    if (to) {
        /* The program's bytes at GUESTDIR/NAME; its libraries at their host paths. */
        char guest[4096], *rp = realpath(host, NULL);
        snprintf(guest, sizeof(guest), "%s/%s", to, strrchr(host, '/') + 1);
        if (!rp || ensure_dir(to, 0755) < 0 || copy_file(rp, guest) < 0) {
            fprintf(stderr, "alcove add: cannot copy %s to %s in image/: %s\n", host, guest,
                    strerror(errno));
            free(rp);
            return -1;
        }
        snprintf(real, sizeof(real), "%s", rp);
        free(rp);
    } else if (add_path(host, real, sizeof(real)) < 0) {
        return -1;
    }
    struct stat st;
    if (stat(real, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "alcove add: %s is not a program (a regular file)\n", host);
        return -1;
    }
    was_seen(real);
    /* A script: its interpreter comes too. */
    char line[512] = "";
    FILE *f = fopen(real, "rb");
    if (f) {
        if (!fgets(line, sizeof(line), f))
            line[0] = '\0';
        fclose(f);
    }
    if (line[0] == '#' && line[1] == '!' && depth < 4) {
        char interp[512];
        if (sscanf(line + 2, " %511s", interp) == 1 && interp[0] == '/')
            return add_program(interp, NULL, depth + 1);
        return 0;
    }
    return closure(real, host, NULL, NULL, 1);
}

/* Copies the tree under host directory dir (which exists in the image already). */
static int add_tree_in(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "alcove add: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int r = 0;
    while (r == 0 && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char p[4096], target[4096];
        struct stat st;
        snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
        if (lstat(p, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            r = ensure_dir(p, st.st_mode) < 0 ? -1 : add_tree_in(p);
        } else if (S_ISLNK(st.st_mode)) {
            ssize_t n = readlink(p, target, sizeof(target) - 1);
            if (n >= 0) {
                target[n] = '\0';
                r = put_symlink(p, target);
            }
        } else if (S_ISREG(st.st_mode)) {
            r = copy_file(p, p);
            if (r == 0 && !was_seen(p))
                r = closure(p, p, NULL, NULL, 0);
        } /* devices, sockets, fifos: not part of an image */
        if (r < 0 && errno)
            fprintf(stderr, "alcove add: cannot copy %s into image/: %s\n", p, strerror(errno));
    }
    closedir(d);
    return r;
}

static int add_tree(const char *dir)
{
    char real[4096], abs[4096];
    if (find_program(dir, abs, sizeof(abs)) < 0 && dir[0] != '/') {
        fprintf(stderr, "alcove add: --tree %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (!strchr(dir, '/'))
        snprintf(abs, sizeof(abs), "%s", dir);
    struct stat st;
    if (stat(abs, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "alcove add: --tree %s: not a directory\n", dir);
        return -1;
    }
    if (add_path(abs, real, sizeof(real)) < 0)
        return -1;
    return add_tree_in(real);
}

/* --- glibc's run-time modules -------------------------------------------------------------
 * NSS and gconv modules are dlopen'ed by libc, so no DT_NEEDED brings them: `--nss` and
 * `--gconv` copy them from the directory of the host's libc. */

static const char *libc_dir(void)
{
    static const char *dirs[] = {"/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu",
                                 "/usr/lib64", "/lib64"};
    char p[256];
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        snprintf(p, sizeof(p), "%s/libc.so.6", dirs[i]);
        if (access(p, R_OK) == 0)
            return dirs[i];
    }
    return NULL;
}

static int add_nss(void)
{
    const char *d = libc_dir();
    static const char *mods[] = {"files", "dns", "compat"};
    int found = 0, bad = 0;
    if (!d) {
        fprintf(stderr, "alcove add: --nss: the host's libc.so.6 not found\n");
        return -1;
    }
    for (size_t i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
        char p[512], real[4096];
        snprintf(p, sizeof(p), "%s/libnss_%s.so.2", d, mods[i]);
        if (access(p, R_OK) < 0)
            continue;
        found++;
        if (add_path(p, real, sizeof(real)) < 0 || (!was_seen(real) && closure(real, p, NULL, NULL, 0) < 0))
            bad = 1;
    }
    if (!found)
        fprintf(stderr, "alcove add: --nss: no libnss_*.so.2 in %s\n", d);
    return found && !bad ? 0 : -1;
}

static int add_gconv(void)
{
    const char *d = libc_dir();
    char p[512];
    snprintf(p, sizeof(p), "%s/gconv", d ? d : "/usr/lib/x86_64-linux-gnu");
    return add_tree(p);
}

/* --- bills of materials ------------------------------------------------------------------ */

/* An absolute guest path without ".." components. */
static int guest_ok(const char *g)
{
    if (!g || g[0] != '/')
        return 0;
    for (const char *p = strstr(g, "/.."); p; p = strstr(p + 1, "/.."))
        if (p[3] == '/' || p[3] == '\0')
            return 0;
    return 1;
}

/* mkdir -p of guest directory g in the image (mode 755). */
static int mkdirs(const char *g)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "%s", g);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (ensure_dir(buf, 0755) < 0)
                return -1;
            if (!(*p = c))
                return 0;
        }
    }
}

/* Host path h of the BOM, relative ones taken from the BOM file's directory. */
static const char *bom_host(const char *bomdir, const char *h, char *out, size_t size)
{
    if (h[0] == '/')
        return h;
    snprintf(out, size, "%s/%s", bomdir, h);
    return out;
}

/* Checks the whole BOM's shape (nothing is copied unless it is all valid). */
static int bom_check(const char *file, json_t *root)
{
    const char *key;
    json_t *v, *e;
    size_t i;
    if (!json_is_object(root)) {
        fprintf(stderr, "alcove add: %s: want a JSON object\n", file);
        return -1;
    }
    json_object_foreach(root, key, v) {
        int known = !strcmp(key, "programs") || !strcmp(key, "trees") || !strcmp(key, "files") ||
                    !strcmp(key, "dirs") || !strcmp(key, "links");
        if (!known) {
            fprintf(stderr, "alcove add: %s: unknown key \"%s\" (programs, trees, files, dirs, "
                    "links)\n", file, key);
            return -1;
        }
        if (!json_is_array(v)) {
            fprintf(stderr, "alcove add: %s: \"%s\" must be an array\n", file, key);
            return -1;
        }
        json_array_foreach(v, i, e) {
            const char *bad = NULL;
            if (!strcmp(key, "programs")) {
                if (json_is_object(e)) {
                    const char *to = json_string_value(json_object_get(e, "to"));
                    if (!json_is_string(json_object_get(e, "path")) ||
                        json_object_size(e) != 1u + (json_object_get(e, "to") != NULL) ||
                        (json_object_get(e, "to") && !guest_ok(to)))
                        bad = "a program name or {\"path\": HOST, \"to\": GUESTDIR}";
                } else if (!json_is_string(e)) {
                    bad = "a program name or {\"path\": HOST, \"to\": GUESTDIR}";
                }
            } else if (!strcmp(key, "trees")) {
                if (!json_is_string(e))
                    bad = "a host directory";
            } else if (!strcmp(key, "dirs")) {
                if (!guest_ok(json_string_value(e)))
                    bad = "an absolute guest directory";
            } else if (!strcmp(key, "files")) {
                if (!json_is_object(e) || json_object_size(e) != 2 ||
                    !json_is_string(json_object_get(e, "from")) ||
                    !guest_ok(json_string_value(json_object_get(e, "to"))))
                    bad = "{\"from\": HOSTFILE, \"to\": GUESTPATH}";
            } else {
                if (!json_is_object(e) || json_object_size(e) != 2 ||
                    !guest_ok(json_string_value(json_object_get(e, "path"))) ||
                    !json_is_string(json_object_get(e, "target")))
                    bad = "{\"path\": GUESTPATH, \"target\": LINKTEXT}";
            }
            if (bad) {
                fprintf(stderr, "alcove add: %s: %s[%zu]: want %s\n", file, key, i, bad);
                return -1;
            }
        }
    }
    return 0;
}

static int add_bom(const char *file)
{
    json_error_t err;
    json_t *root = json_load_file(file, 0, &err);
    if (!root) {
        fprintf(stderr, "alcove add: %s:%d:%d: %s\n", file, err.line, err.column, err.text);
        return -1;
    }
    if (bom_check(file, root) < 0) {
        json_decref(root);
        return -1;
    }
    char fcopy[4096], bomdir[4096], tmp[8200];
    snprintf(fcopy, sizeof(fcopy), "%s", file);
    snprintf(bomdir, sizeof(bomdir), "%s", dirname(fcopy));
    int bad = 0;
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(root, "dirs"), i, e)
        if (mkdirs(json_string_value(e)) < 0) {
            fprintf(stderr, "alcove add: %s: dirs: %s: %s\n", file, json_string_value(e), strerror(errno));
            bad = 1;
        }
    json_array_foreach(json_object_get(root, "programs"), i, e) {
        const char *path = json_is_string(e) ? json_string_value(e)
                                             : json_string_value(json_object_get(e, "path"));
        const char *to = json_is_object(e) ? json_string_value(json_object_get(e, "to")) : NULL;
        if (strchr(path, '/'))
            path = bom_host(bomdir, path, tmp, sizeof(tmp));
        if ((to && mkdirs(to) < 0) || add_program(path, to, 0) < 0)
            bad = 1;
    }
    json_array_foreach(json_object_get(root, "trees"), i, e)
        if (add_tree(bom_host(bomdir, json_string_value(e), tmp, sizeof(tmp))) < 0)
            bad = 1;
    json_array_foreach(json_object_get(root, "files"), i, e) {
        const char *from = bom_host(bomdir, json_string_value(json_object_get(e, "from")), tmp,
                                    sizeof(tmp));
        const char *to = json_string_value(json_object_get(e, "to"));
        char parent[4096];
        snprintf(parent, sizeof(parent), "%s", to);
        char *slash = strrchr(parent, '/');
        *slash = '\0';
        if ((parent[0] && mkdirs(parent) < 0) || copy_file(from, to) < 0) {
            fprintf(stderr, "alcove add: %s: files: %s -> %s: %s\n", file, from, to, strerror(errno));
            bad = 1;
        }
    }
    json_array_foreach(json_object_get(root, "links"), i, e) {
        const char *path = json_string_value(json_object_get(e, "path"));
        char parent[4096];
        snprintf(parent, sizeof(parent), "%s", path);
        *strrchr(parent, '/') = '\0';
        if ((parent[0] && mkdirs(parent) < 0) ||
            put_symlink(path, json_string_value(json_object_get(e, "target"))) < 0) {
            fprintf(stderr, "alcove add: %s: links: %s: %s\n", file, path, strerror(errno));
            bad = 1;
        }
    }
    json_decref(root);
    return bad ? -1 : 0;
}

int cmd_add(int argc, char **argv)
{
    const char *opt = NULL, *to = NULL;
    const char *progs[256], *trees[64], *boms[16];
    int np = 0, nt = 0, nb = 0, nss = 0, gconv = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_add();
            return 0;
        } else if (!strcmp(a, "--nss")) {
            nss = 1;
        } else if (!strcmp(a, "--gconv")) {
            gconv = 1;
        } else if (!strcmp(a, "--bom") && i + 1 < argc) {
            if (nb < 16)
                boms[nb++] = argv[i + 1];
            i++;
        } else if ((!strcmp(a, "--instance") || !strcmp(a, "--to") || !strcmp(a, "--tree")) &&
                   i + 1 < argc) {
            const char *v = argv[++i];
            if (a[2] == 'i')
                opt = v;
            else if (a[4] == '\0')
                to = v;
            else if (nt < 64)
                trees[nt++] = v;
        } else if (a[0] == '-') {
            fprintf(stderr, "alcove add: unknown option %s (alcove add --help)\n", a);
            return 2;
        } else if (np < 256) {
            progs[np++] = a;
        }
    }
    if (np == 0 && nt == 0 && nb == 0 && !nss && !gconv) {
        fprintf(stderr, "alcove add: name a PROGRAM, a --tree DIR or a --bom FILE (alcove add --help)\n");
        return 2;
    }
    if (to && (to[0] != '/' || strstr(to, ".."))) {
        fprintf(stderr, "alcove add: --to %s: want an absolute path in the image\n", to);
        return 2;
    }
    char inst[4096], img[4200];
    if (instance_dir("add", opt, inst, sizeof(inst)) < 0)
        return 2;
    snprintf(img, sizeof(img), "%s/image", inst);
    imgfd = open(img, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (imgfd < 0) {
        fprintf(stderr, "alcove add: %s: %s\n", img, strerror(errno));
        return 1;
    }
    int bad = 0;
    for (int i = 0; i < np; i++)
        if (add_program(progs[i], to, 0) < 0)
            bad = 1;
    for (int i = 0; i < nt; i++)
        if (add_tree(trees[i]) < 0)
            bad = 1;
    for (int i = 0; i < nb; i++)
        if (add_bom(boms[i]) < 0)
            bad = 1;
    if (nss && add_nss() < 0)
        bad = 1;
    if (gconv && add_gconv() < 0)
        bad = 1;
    close(imgfd);
    printf("%s/image: %d file%s copied, %d link%s made%s\n", inst, copied, copied == 1 ? "" : "s",
           linked, linked == 1 ? "" : "s", bad ? " (with errors above)" : "");
    return bad ? 1 : 0;
}
