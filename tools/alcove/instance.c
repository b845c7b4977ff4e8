/*
 * instance.c - the instance directory, and `alcove run` inside one.
 *
 * Before anything starts, the launcher checks the signed identity (build/identity.json):
 * first its signature, then every part of the measurement recomputed from the files that
 * will be used (the core binary, alcove.json, build/image.img).  A difference is refused with
 * a line naming it.  Then only a program listed in entry_points may start, and it runs through
 * the ordinary `alcove run --image` path with the image's root hash pinned, so every block
 * the enclave reads is checked against the signed hash.
 *
 * Limits of this first step: the check is made by the host-side launcher, not yet by the
 * LibOS core itself (a host that controls the launcher can skip it; the core's own check of
 * the identity is a later step), and the core binary is checked before it is executed, not
 * as loaded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "alcove.h"
#include "instance.h"

int mkdir_p(const char *path, unsigned mode)
{
    char buf[4096];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, mode) < 0 && errno != EEXIST)
                return -1;
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat st;
    if (stat(buf, &st) < 0)
        return -1;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return 0;
}

int instance_dir(const char *cmd, const char *opt, char *out, size_t size)
{
    char cfg[4200];
    const char *d = opt ? opt : ".";
    if (!realpath(d, out) || strlen(out) >= size - 1) {
        fprintf(stderr, "alcove %s: instance %s: %s\n", cmd, d, strerror(errno));
        return -1;
    }
    snprintf(cfg, sizeof(cfg), "%s/alcove.json", out);
    if (access(cfg, F_OK) < 0) {
        fprintf(stderr, "alcove %s: %s is not an instance (no alcove.json; `alcove new DIR` "
                        "makes one%s)\n", cmd, out, opt ? "" : ", or give --instance DIR");
        return -1;
    }
    return 0;
}

int run_self(char *const argv[], const char *stdout_to)
{
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return -1;
    self[n] = '\0';
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (stdout_to) {
            int fd = open(stdout_to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || dup2(fd, 1) < 0)
                _exit(125);
        }
        execv(self, argv);
        _exit(125);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int image_resolve(const char *img, const char *guest, char *out, size_t size)
{
    /* The kernel resolves symlinks as if img were / (absolute links stay inside). */
    int root = open(img, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -1;
    struct open_how how;
    memset(&how, 0, sizeof(how));
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    int fd = (int)syscall(SYS_openat2, root, guest, &how, sizeof(how));
    close(root);
    if (fd < 0)
        return -1;
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    close(fd);
    if (n < 0 || (size_t)n >= size - 1)
        return -1;
    out[n] = '\0';
    return 0;
}

int instance_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        if (a[0] != '-' || !strcmp(a, "--") || !strcmp(a, "--help") || !strcmp(a, "-h"))
            break;
        if (!strcmp(a, "--instance"))
            return 1;
        if (!strcmp(a, "--root") || !strcmp(a, "--image"))
            return 0;
    }
    return (argc < 2 || (strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))) &&
           access("alcove.json", F_OK) == 0;
}

/* The differences between the signed parts s and the recomputed parts n: how many. */
static int compare(const struct components *s, const struct components *n, const char *inst)
{
    char a[65], b[65];
    int bad = 0;
    if (sodium_memcmp(s->core, n->core, 32)) {
        hex_encode(n->core, 32, a), hex_encode(s->core, 32, b);
        fprintf(stderr, "alcove run: core binary changed since build (sha256 %s, signed %s)\n", a, b);
        bad++;
    }
    if (sodium_memcmp(s->config, n->config, 32)) {
        fprintf(stderr, "alcove run: config changed since build (%s/alcove.json differs from the "
                        "signed one: run `alcove build` again)\n", inst);
        bad++;
    }
    if (sodium_memcmp(s->image_root, n->image_root, 32)) {
        hex_encode(n->image_root, 32, a), hex_encode(s->image_root, 32, b);
        fprintf(stderr, "alcove run: image changed since build (root hash %s, signed %s)\n", a, b);
        bad++;
    } else if (sodium_memcmp(s->image_file, n->image_file, 32)) {
        fprintf(stderr, "alcove run: image changed since build (%s/build/image.img differs from "
                        "the signed file)\n", inst);
        bad++;
    }
    if (!bad && sodium_memcmp(s->measurement, n->measurement, 32)) {
        fprintf(stderr, "alcove run: the measurement differs from the signed one\n");
        bad++;
    }
    return bad;
}

/* The program to start, as a path inside the enclave: prog as given if it has a '/', else
 * found on the config's PATH in image/.  Then it must be an entry point. 0, or -1. */
static int pick_program(const struct cfg *c, const char *img, const char *prog, char *out,
                        size_t size)
{
    char host[8192], ehost[8192];
    if (!strchr(prog, '/')) {
        const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (int i = 0; i < c->n_env; i++)
            if (!strcmp(c->env_key[i], "PATH"))
                path = c->env_val[i];
        int found = 0;
        for (const char *p = path; *p && !found;) {
            size_t len = strcspn(p, ":");
            struct stat st;
            snprintf(out, size, "%.*s/%s", (int)len, p, prog);
            if (out[0] == '/' && image_resolve(img, out, host, sizeof(host)) == 0 &&
                stat(host, &st) == 0 && S_ISREG(st.st_mode))
                found = 1;
            p += len + (p[len] == ':');
        }
        if (!found) {
            fprintf(stderr, "alcove run: %s: not found on the enclave's PATH in the image\n", prog);
            return -1;
        }
    } else {
        snprintf(out, size, "%s", prog);
    }
    struct stat st;
    if (out[0] != '/' || image_resolve(img, out, host, sizeof(host)) < 0 || stat(host, &st) < 0 ||
        !S_ISREG(st.st_mode)) {
        fprintf(stderr, "alcove run: %s: no such program in the image\n", out);
        return -1;
    }
    /* Compare resolved paths: /bin/ls and /usr/bin/ls are one program under usrmerge. */
    char *slash = strrchr(host, '/');
    for (int i = 0; i < c->n_entry; i++) {
        const char *e = c->entry_points[i];
        if (image_resolve(img, e, ehost, sizeof(ehost)) < 0)
            continue;
        if (e[strlen(e) - 1] == '/') {
            if ((size_t)(slash - host) == strlen(ehost) && !strncmp(host, ehost, strlen(ehost)))
                return 0;
        } else if (!strcmp(host, ehost)) {
            return 0;
        }
    }
    fprintf(stderr, "alcove run: %s is not an entry point of this instance (entry_points in "
                    "alcove.json)\n", out);
    return -1;
}

int instance_run(int argc, char **argv)
{
    const char *opt = NULL;
    int i;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--instance") && i + 1 < argc)
            opt = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "alcove run: %s: in an instance the options come from alcove.json "
                            "(only --instance DIR)\n", argv[i]);
            return 2;
        } else
            break;
    }
    char inst[4096], file[4200], img[4200], image[4200], core[4096], key[4200];
    struct components s, n;
    uint8_t signer[32];
    struct identity_info info;
    struct cfg c;
    if (instance_dir("run", opt, inst, sizeof(inst)) < 0)
        return 2;
    if (sodium_init() < 0 || identity_read("run", inst, &s, signer, &info) < 0)
        return 2;
    if (info.development_key)
        fprintf(stderr, "alcove run: warning: signed with a development key\n");
    snprintf(file, sizeof(file), "%s/alcove.json", inst);
    if (cfg_load(file, &c) < 0) {
        fprintf(stderr, "alcove run: config changed since build and is not valid (above)\n");
        return 2;
    }
    snprintf(img, sizeof(img), "%s/image", inst);
    snprintf(image, sizeof(image), "%s/build/image.img", inst);
    snprintf(key, sizeof(key), "%s/volumes/key", inst);
    int rc = 2;
    char prog[4096];
    if (core_path(core, sizeof(core)) < 0 || compute_components("run", core, &c, image, &n) < 0 ||
        compare(&s, &n, inst))
        goto out;
    /* Entry points are resolved in image/: it must still be the tree that was packed. */
    char tdfile[4300], line[128] = "", now[65];
    uint8_t td[32];
    snprintf(tdfile, sizeof(tdfile), "%s/build/tree.check", inst);
    FILE *tf = fopen(tdfile, "r");
    if (tf) {
        if (!fgets(line, sizeof(line), tf))
            line[0] = '\0';
        fclose(tf);
    }
    line[strcspn(line, "\n")] = '\0';
    if (tree_digest(img, td) < 0) {
        fprintf(stderr, "alcove run: cannot read %s\n", img);
        goto out;
    }
    hex_encode(td, 32, now);
    if (strcmp(line, now)) {
        fprintf(stderr, "alcove run: image/ changed since build (run `alcove build` again)\n");
        goto out;
    }
    const char *want = i < argc ? argv[i] : c.entry_points[0];
    if (i >= argc && want[strlen(want) - 1] == '/') {
        fprintf(stderr, "alcove run: name a program: the first entry point %s is a directory\n",
                want);
        goto out;
    }
    if (pick_program(&c, img, want, prog, sizeof(prog)) < 0)
        goto out;

    /* The options of `alcove run --image`, derived from the config. */
    int cap = 64 + 4 * CFG_MAX * 4 + argc, k = 0;
    char **a = calloc((size_t)cap, sizeof(char *));
    if (!a)
        goto out;
    char hash[65], procs[24], threads[24];
    hex_encode(s.image_root, 32, hash);
    snprintf(procs, sizeof(procs), "%ld", c.max_processes);
    snprintf(threads, sizeof(threads), "%ld", c.max_threads);
    a[k++] = "run";
    a[k++] = "--image", a[k++] = image, a[k++] = "--image-hash", a[k++] = hash;
    a[k++] = "--cwd", a[k++] = (char *)c.cwd;
    a[k++] = "--max-procs", a[k++] = procs, a[k++] = "--max-threads", a[k++] = threads;
    /* ALCOVE_LOG may raise the log level only of a debuggable enclave. */
    a[k++] = "--log";
    a[k++] = (char *)(c.debuggable && getenv("ALCOVE_LOG") ? getenv("ALCOVE_LOG") : c.log_level);
    for (int j = 0; j < c.n_env; j++) {
        a[k++] = "--env";
        if (asprintf(&a[k++], "%s=%s", c.env_key[j], c.env_val[j]) < 0)
            goto out;
    }
    for (int j = 0; j < c.n_pass; j++) {
        const char *v = getenv(c.passthrough[j]);
        if (!v)
            continue;
        a[k++] = "--env";
        if (asprintf(&a[k++], "%s=%s", c.passthrough[j], v) < 0)
            goto out;
    }
    int keyed = c.n_vol > 0 || !strcmp(c.overlay, "volume");
    for (int j = 0; j < c.n_vol; j++) {
        a[k++] = "--volume";
        if (asprintf(&a[k++], "%s/volumes/%s.vol:%s%s", inst, c.volumes[j].name,
                     c.volumes[j].path, c.volumes[j].readonly ? ":ro" : "") < 0)
            goto out;
    }
    if (!strcmp(c.overlay, "tmpfs"))
        a[k++] = "--overlay", a[k++] = "tmpfs";
    else if (!strcmp(c.overlay, "volume")) {
        a[k++] = "--overlay";
        if (asprintf(&a[k++], "%s/volumes/overlay.vol", inst) < 0)
            goto out;
    }
    if (keyed)
        a[k++] = "--key-file", a[k++] = key;
    for (int j = 0; j < c.n_tmpfs; j++) {
        a[k++] = "--tmpfs";
        if ((c.tmpfs[j].size ? asprintf(&a[k++], "%s:%llu", c.tmpfs[j].path,
                                        (unsigned long long)c.tmpfs[j].size)
                             : asprintf(&a[k++], "%s", c.tmpfs[j].path)) < 0)
            goto out;
    }
    for (int j = 0; j < c.n_hostfs; j++) {
        a[k++] = "--mount";
        if (asprintf(&a[k++], "%s:%s:%s", c.hostfs[j].host, c.hostfs[j].path,
                     c.hostfs[j].rw ? "rw" : "ro") < 0)
            goto out;
    }
    a[k++] = "--";
    a[k++] = prog;
    for (int j = i + 1; j < argc; j++)
        a[k++] = argv[j];
    a[k] = NULL;
    rc = cmd_run(k, a);
out:
    json_decref(c.root);
    return rc;
}
