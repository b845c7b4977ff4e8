/*
 * package.c - `alcove package`: a tarball of what a deployment machine needs, and
 * `alcove run --package FILE` on that machine.
 *
 * A package holds exactly five regular files:
 *
 *   alcove.json          the config (it also carries the volume-creation parameters:
 *                        mounts.volumes sizes, overlay size)
 *   build/identity.json  the signed identity
 *   build/image.img      the verified image
 *   bin/alcove-direct    the core binary the measurement covers
 *   bin/alcove           the launcher (for machines without Alcove installed:
 *                        `tar xf P bin/alcove && bin/alcove run --package P`)
 *
 * Never the signing key, the volume key, the volumes or image/: a deployment creates its
 * own volumes and key on first use.
 *
 * Format: a POSIX ustar archive written by the system's GNU tar with fixed options (names
 * in a fixed order, mtime 0, owner and group 0, modes 0644/0755, no directory entries), so
 * two packages of one build are byte-identical.  Why tar(1) and not libarchive: Debian ships
 * libarchive's static library only with a dozen compression libraries behind it, and the
 * archive is five flat files; tar(1) is on every machine that has a shell.
 *
 * Unpacking distrusts the file: the listing (`tar -tv`) must be exactly the five names,
 * each a regular file ('-' type), before anything is extracted into a fresh directory;
 * after extraction each must be a regular file (lstat).  Then the identity is checked like
 * any instance's by instance_launch (signature, core, config and image recomputed), so a
 * changed byte anywhere is refused naming the part.  The cache directory is
 * $ALCOVE_CACHE_DIR, $XDG_CACHE_HOME/alcove or ~/.cache/alcove, then pkg/MEASUREMENT; a
 * package whose SHA-256 matches the cached one's is not unpacked again (the files are
 * still re-hashed by the identity check at every run).  Volumes live in
 * pkg/MEASUREMENT/volumes and survive a re-unpack.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "alcove.h"
#include "instance.h"

static const char *const members[] = {"alcove.json", "bin/alcove", "bin/alcove-direct",
                                      "build/identity.json", "build/image.img"};
#define NMEMBERS 5

void usage_package(void)
{
    printf("usage: alcove package [--instance DIR] [-o FILE]\n\n"
           "Write a tarball (POSIX ustar, reproducible) of what a deployment machine needs to\n"
           "run the built instance: alcove.json, build/identity.json, build/image.img, the\n"
           "core bin/alcove-direct and the launcher bin/alcove.  Never the signing key, the\n"
           "volume key or the volumes: the deployment makes its own volumes (sizes from\n"
           "alcove.json) and key on first use.  The build must be current (as for run).\n\n"
           "  -o FILE          the package (default: build/package.tar in the instance)\n"
           "  --instance DIR   the instance (default: the working directory)\n\n"
           "On the deployment machine: alcove run --package FILE [PROGRAM ARGS...]\n");
}

/* Runs argv (a host tool) with stdout to out_fd (-1: inherited): its exit status or -1. */
static int run_tool(char *const argv[], int out_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (out_fd >= 0 && dup2(out_fd, 1) < 0)
            _exit(127);
        execvp(argv[0], argv);
        fprintf(stderr, "alcove: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(p) < 0 && errno != ENOENT ? -1 : 0;
}

static void rm_rf(const char *dir)
{
    if (nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
        fprintf(stderr, "alcove: warning: cannot remove %s: %s\n", dir, strerror(errno));
}

int cmd_package(int argc, char **argv)
{
    const char *opt = NULL, *outp = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_package();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc) {
            opt = argv[++i];
        } else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
            outp = argv[++i];
        } else {
            fprintf(stderr, "alcove package: unexpected %s (alcove package --help)\n", argv[i]);
            return 2;
        }
    }
    char inst[4096], out[4300], core[4096], self[4096];
    if (instance_dir("package", opt, inst, sizeof(inst)) < 0)
        return 2;
    /* The build must be current: the same check run makes, without starting anything. */
    if (instance_check("package", inst) < 0) {
        fprintf(stderr, "alcove package: the build of %s is missing or stale (above): run "
                        "`alcove build` first\n", inst);
        return 1;
    }
    if (outp) {
        if (outp[0] == '/')
            snprintf(out, sizeof(out), "%s", outp);
        else {
            char cwd[4096];
            if (!getcwd(cwd, sizeof(cwd)))
                return 1;
            snprintf(out, sizeof(out), "%s/%s", cwd, outp);
        }
    } else {
        snprintf(out, sizeof(out), "%s/build/package.tar", inst);
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0 || core_path(core, sizeof(core)) < 0)
        return 1;
    self[n] = '\0';
    /* A staging directory of symlinks (tar -h stores the files they point to). */
    char stage[4300], p[4400];
    snprintf(stage, sizeof(stage), "%s/build/package.XXXXXX", inst);
    if (!mkdtemp(stage)) {
        fprintf(stderr, "alcove package: cannot create a staging directory: %s\n", strerror(errno));
        return 1;
    }
    int rc = 1;
    const char *src[NMEMBERS];
    char s0[4200], s3[4200], s4[4200];
    snprintf(s0, sizeof(s0), "%s/alcove.json", inst);
    snprintf(s3, sizeof(s3), "%s/build/identity.json", inst);
    snprintf(s4, sizeof(s4), "%s/build/image.img", inst);
    src[0] = s0, src[1] = self, src[2] = core, src[3] = s3, src[4] = s4;
    snprintf(p, sizeof(p), "%s/bin", stage);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/build", stage);
    mkdir(p, 0755);
    for (int i = 0; i < NMEMBERS; i++) {
        snprintf(p, sizeof(p), "%s/%s", stage, members[i]);
        if (symlink(src[i], p) < 0) {
            fprintf(stderr, "alcove package: %s: %s\n", p, strerror(errno));
            goto out;
        }
    }
    char tmp[4400];
    snprintf(tmp, sizeof(tmp), "%s.tmp", out);
    char *tar[] = {"tar", "--create", "--format=ustar", "--dereference", "--no-recursion",
                   "--mtime=@0", "--owner=0", "--group=0", "--numeric-owner",
                   "--mode=u=rwX,go=rX", "-C", stage, "-f", tmp, "--",
                   (char *)members[0], (char *)members[1], (char *)members[2],
                   (char *)members[3], (char *)members[4], NULL};
    int r = run_tool(tar, -1);
    if (r != 0) {
        fprintf(stderr, "alcove package: tar failed (status %d)\n", r);
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, out) < 0) {
        fprintf(stderr, "alcove package: cannot write %s: %s\n", out, strerror(errno));
        unlink(tmp);
        goto out;
    }
    struct stat st;
    stat(out, &st);
    printf("package: %s (%lld bytes)\n", out, (long long)st.st_size);
    rc = 0;
out:
    rm_rf(stage);
    return rc;
}

/* ---- the deployment side -------------------------------------------------------------- */

static int cache_root(char *out, size_t size)
{
    const char *e;
    if ((e = getenv("ALCOVE_CACHE_DIR")) && *e)
        snprintf(out, size, "%s", e);
    else if ((e = getenv("XDG_CACHE_HOME")) && *e)
        snprintf(out, size, "%s/alcove", e);
    else if ((e = getenv("HOME")) && *e)
        snprintf(out, size, "%s/.cache/alcove", e);
    else {
        fprintf(stderr, "alcove run: no cache directory (set ALCOVE_CACHE_DIR)\n");
        return -1;
    }
    size_t l = strlen(out);
    snprintf(out + l, size - l, "/pkg");
    if (mkdir_p(out, 0700) < 0) {
        fprintf(stderr, "alcove run: cannot create %s: %s\n", out, strerror(errno));
        return -1;
    }
    return 0;
}

/* SHA-256 of a file in hex: 0, or -1. */
static int file_sha(const char *file, char hex[65])
{
    FILE *f = fopen(file, "rb");
    if (!f)
        return -1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    static unsigned char buf[1 << 20];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        crypto_hash_sha256_update(&st, buf, n);
    int bad = ferror(f);
    fclose(f);
    uint8_t h[32];
    crypto_hash_sha256_final(&st, h);
    hex_encode(h, 32, hex);
    return bad ? -1 : 0;
}

/* The listing must be the five members, each once, each a regular file. */
static int check_listing(const char *file)
{
    char tmpl[] = "/tmp/alcove-list.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0)
        return -1;
    unlink(tmpl);
    char *tar[] = {"tar", "--list", "--verbose", "--numeric-owner", "-f", (char *)file, NULL};
    if (run_tool(tar, fd) != 0) {
        fprintf(stderr, "alcove run: %s is not a readable tar archive\n", file);
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    FILE *f = fdopen(fd, "r");
    char line[8192];
    int seen[NMEMBERS] = {0}, bad = 0;
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *name = strrchr(line, ' ');
        int k = -1;
        for (int i = 0; name && i < NMEMBERS; i++)
            if (!strcmp(name + 1, members[i]))
                k = i;
        if (k < 0 || line[0] != '-' || seen[k] || strstr(line, " -> ") || strstr(line, " link to ")) {
            fprintf(stderr, "alcove run: package %s: unexpected member: %s\n", file, line);
            bad = 1;
        } else {
            seen[k] = 1;
        }
    }
    for (int i = 0; i < NMEMBERS; i++)
        if (!seen[i]) {
            fprintf(stderr, "alcove run: package %s lacks %s\n", file, members[i]);
            bad = 1;
        }
    if (f)
        fclose(f);
    return bad ? -1 : 0;
}

/* The measurement an unpacked identity names, in hex (its signature is checked later by
 * instance_launch; here it only names the cache directory).  0, or -1 after a message. */
static int identity_measurement(const char *dir, char hex[65])
{
    struct components k;
    uint8_t signer[32];
    struct identity_info info;
    if (identity_read("run", dir, &k, signer, &info) < 0)
        return -1;
    hex_encode(k.measurement, 32, hex);
    return 0;
}

int package_unpack(const char *file, char *out, size_t size)
{
    char root[4096], sha[65], m[65], dir[4300], p[4400], q[4400];
    struct stat st;
    if (sodium_init() < 0)
        return -1;
    if (stat(file, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "alcove run: package %s: %s\n", file,
                errno ? strerror(errno) : "not a file");
        return -1;
    }
    if (cache_root(root, sizeof(root)) < 0)
        return -1;
    if (file_sha(file, sha) < 0) {
        fprintf(stderr, "alcove run: cannot read the package %s\n", file);
        return -1;
    }
    /* A cached unpack of this very file? (pkg/MEASUREMENT/package.sha256 names it) */
    char *found = NULL;
    snprintf(p, sizeof(p), "%s/by-sha/%s", root, sha);
    char link[4096];
    ssize_t ln = readlink(p, link, sizeof(link) - 1);
    if (ln > 0) {
        link[ln] = '\0';
        snprintf(dir, sizeof(dir), "%s/%s", root, link);
        snprintf(q, sizeof(q), "%s/package.sha256", dir);
        FILE *f = fopen(q, "r");
        char line[80] = "";
        if (f) {
            if (!fgets(line, sizeof(line), f))
                line[0] = '\0';
            fclose(f);
        }
        line[strcspn(line, "\n")] = '\0';
        if (!strcmp(line, sha))
            found = dir;
    }
    if (!found) {
        if (check_listing(file) < 0)
            return -1;
        char tmp[4300];
        snprintf(tmp, sizeof(tmp), "%s/unpack.XXXXXX", root);
        if (!mkdtemp(tmp)) {
            fprintf(stderr, "alcove run: cannot create %s: %s\n", tmp, strerror(errno));
            return -1;
        }
        char *tar[] = {"tar", "--extract", "--no-same-owner", "--no-same-permissions",
                       "--no-overwrite-dir", "-C", tmp, "-f", (char *)file, "--",
                       (char *)members[0], (char *)members[1], (char *)members[2],
                       (char *)members[3], (char *)members[4], NULL};
        int bad = run_tool(tar, -1) != 0;
        for (int i = 0; !bad && i < NMEMBERS; i++) {
            snprintf(p, sizeof(p), "%s/%s", tmp, members[i]);
            if (lstat(p, &st) < 0 || !S_ISREG(st.st_mode))
                bad = 1;
        }
        if (bad || identity_measurement(tmp, m) < 0) {
            fprintf(stderr, "alcove run: cannot unpack the package %s\n", file);
            rm_rf(tmp);
            return -1;
        }
        snprintf(p, sizeof(p), "%s/package.sha256", tmp);
        FILE *f = fopen(p, "w");
        if (!f || fprintf(f, "%s\n", sha) < 0 || fclose(f) != 0) {
            rm_rf(tmp);
            return -1;
        }
        /* Replace an older unpack of the same measurement, keeping its volumes. */
        snprintf(dir, sizeof(dir), "%s/%s", root, m);
        snprintf(p, sizeof(p), "%s/volumes", dir);
        snprintf(q, sizeof(q), "%s/volumes", tmp);
        if (rename(p, q) < 0 && errno != ENOENT) {
            fprintf(stderr, "alcove run: cannot keep the volumes of %s: %s\n", dir, strerror(errno));
            rm_rf(tmp);
            return -1;
        }
        rm_rf(dir);
        if (rename(tmp, dir) < 0) {
            fprintf(stderr, "alcove run: cannot move the package into %s: %s\n", dir,
                    strerror(errno));
            rm_rf(tmp);
            return -1;
        }
        snprintf(p, sizeof(p), "%s/by-sha", root);
        mkdir(p, 0700);
        snprintf(p, sizeof(p), "%s/by-sha/%s", root, sha);
        snprintf(q, sizeof(q), "%s", m);
        unlink(p);
        if (symlink(q, p) < 0)
            { /* only an optimisation */ }
    }
    /* First use: the volumes and their key, made here (never shipped). */
    struct cfg c;
    snprintf(p, sizeof(p), "%s/alcove.json", dir);
    if (cfg_load(p, &c) < 0)
        return -1;
    int r = instance_make_volumes("run", dir, &c);
    json_decref(c.root);
    if (r < 0)
        return -1;
    snprintf(p, sizeof(p), "%s/bin/alcove-direct", dir);
    setenv("ALCOVE_CORE", p, 1);
    snprintf(out, size, "%s", dir);
    return 0;
}
