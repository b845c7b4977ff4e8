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
 * This check is the user's fast diagnosis, not the enclave's protection: the launcher is
 * host code a hostile host can skip.  It hands the signed bytes, the signature and the
 * canonical config to the core, which checks them again against what it actually runs with
 * (the core as loaded, the config it was given, the image root it mounts; see
 * libos/kernel/identity.c).  ALCOVE_LAUNCHER_CHECK=0 skips the launcher's comparisons (and
 * passes the image's own root hash instead of the signed one): it plays that hostile host,
 * so tests can show the core refusing on its own.
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
        if (!strcmp(a, "--instance") || !strcmp(a, "--package"))
            return 1;
        if (!strcmp(a, "--root") || !strcmp(a, "--image"))
            return 0;
    }
    return (argc < 2 || (strcmp(argv[1], "--help") && strcmp(argv[1], "-h"))) &&
           access("alcove.json", F_OK) == 0;
}

/* The differences between the signed parts s and the recomputed parts n: how many. */
static int compare(const char *cmd, const struct components *s, const struct components *n,
                   const char *inst)
{
    char a[65], b[65];
    int bad = 0;
    if (sodium_memcmp(s->core, n->core, 32)) {
        hex_encode(n->core, 32, a), hex_encode(s->core, 32, b);
        fprintf(stderr, "alcove %s: core binary changed since build (sha256 %s, signed %s)\n", cmd, a, b);
        bad++;
    }
    if (sodium_memcmp(s->config, n->config, 32)) {
        fprintf(stderr, "alcove %s: config changed since build (%s/alcove.json differs from the "
                        "signed one: run `alcove build` again)\n", cmd, inst);
        bad++;
    }
    if (sodium_memcmp(s->image_root, n->image_root, 32)) {
        hex_encode(n->image_root, 32, a), hex_encode(s->image_root, 32, b);
        fprintf(stderr, "alcove %s: image changed since build (root hash %s, signed %s)\n", cmd, a, b);
        bad++;
    } else if (sodium_memcmp(s->image_file, n->image_file, 32)) {
        fprintf(stderr, "alcove %s: image changed since build (%s/build/image.img differs from "
                        "the signed file)\n", cmd, inst);
        bad++;
    }
    if (!bad && sodium_memcmp(s->measurement, n->measurement, 32)) {
        fprintf(stderr, "alcove %s: the measurement differs from the signed one\n", cmd);
        bad++;
    }
    return bad;
}

/* Where the enclave's files are looked up before it starts: the image/ tree of an instance
 * (symlinks resolved by the kernel inside it), or, in an unpacked package (no image/), the
 * verified image file itself.  An identity names one file: its host path, or its inode. */
struct where {
    const char *img;            /* image/ or NULL */
    const char *image;          /* build/image.img */
    const uint8_t *root;        /* its signed root hash */
};
struct found {
    char host[8192];
    uint64_t nid;
    unsigned mode;
};

static int lookup(const struct where *w, const char *guest, struct found *f)
{
    if (guest[0] != '/')
        return -1;
    if (w->img) {
        struct stat st;
        if (image_resolve(w->img, guest, f->host, sizeof(f->host)) < 0 || stat(f->host, &st) < 0)
            return -1;
        f->mode = st.st_mode;
        f->nid = 0;
        return 0;
    }
    f->host[0] = '\0';
    return image_find(w->image, w->root, guest, &f->nid, &f->mode) < 0 ? -1 : 0;
}

static int same_file(const struct where *w, const struct found *a, const struct found *b)
{
    return w->img ? !strcmp(a->host, b->host) : a->nid == b->nid;
}

/* Is prog (found as fp) inside the directory entry e (found as ef)? */
static int in_dir(const struct where *w, const char *prog, const struct found *fp,
                  const struct found *ef)
{
    if (w->img) {
        const char *slash = strrchr(fp->host, '/');
        size_t n = strlen(ef->host);
        return (size_t)(slash - fp->host) == n && !strncmp(fp->host, ef->host, n);
    }
    char dir[4096];
    struct found d;
    snprintf(dir, sizeof(dir), "%s", prog);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    if (slash == dir)
        slash[1] = '\0';
    else
        *slash = '\0';
    return lookup(w, dir, &d) == 0 && d.nid == ef->nid;
}

int instance_pick(const char *cmd, const struct cfg *c, const char *inst,
                  const uint8_t image_root[32], const char *prog, char *out, size_t size)
{
    char img[4200], image[4200];
    snprintf(img, sizeof(img), "%s/image", inst);
    snprintf(image, sizeof(image), "%s/build/image.img", inst);
    struct stat st;
    struct where w = {stat(img, &st) == 0 && S_ISDIR(st.st_mode) ? img : NULL, image, image_root};
    struct found fp, ef;
    if (!strchr(prog, '/')) {
        const char *path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (int i = 0; i < c->n_env; i++)
            if (!strcmp(c->env_key[i], "PATH"))
                path = c->env_val[i];
        int found = 0;
        for (const char *p = path; *p && !found;) {
            size_t len = strcspn(p, ":");
            snprintf(out, size, "%.*s/%s", (int)len, p, prog);
            if (lookup(&w, out, &fp) == 0 && S_ISREG(fp.mode))
                found = 1;
            p += len + (p[len] == ':');
        }
        if (!found) {
            fprintf(stderr, "alcove %s: %s: not found on the enclave's PATH in the image\n", cmd,
                    prog);
            return -1;
        }
    } else {
        snprintf(out, size, "%s", prog);
    }
    if (lookup(&w, out, &fp) < 0 || !S_ISREG(fp.mode)) {
        fprintf(stderr, "alcove %s: %s: no such program in the image\n", cmd, out);
        return -1;
    }
    /* Compare resolved files: /bin/ls and /usr/bin/ls are one program under usrmerge. */
    for (int i = 0; i < c->n_entry; i++) {
        const char *e = c->entry_points[i];
        if (lookup(&w, e, &ef) < 0)
            continue;
        if (e[strlen(e) - 1] == '/') {
            if (S_ISDIR(ef.mode) && in_dir(&w, out, &fp, &ef))
                return 0;
        } else if (same_file(&w, &fp, &ef)) {
            return 0;
        }
    }
    fprintf(stderr, "alcove %s: %s is not an entry point of this instance (entry_points in "
                    "alcove.json)\n", cmd, out);
    return -1;
}

/* image/ is still the tree build packed (build/tree.check): 0, or -1 after a message. */
static int tree_unchanged(const char *cmd, const char *inst, const char *img)
{
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
        fprintf(stderr, "alcove %s: cannot read %s\n", cmd, img);
        return -1;
    }
    hex_encode(td, 32, now);
    if (strcmp(line, now)) {
        fprintf(stderr, "alcove %s: image/ changed since build (run `alcove build` again)\n", cmd);
        return -1;
    }
    return 0;
}

int instance_check(const char *cmd, const char *inst)
{
    char file[4200], image[4200], img[4200], core[4096];
    struct components s, n;
    uint8_t signer[32];
    struct identity_info info;
    struct cfg c;
    struct stat st;
    if (sodium_init() < 0 || identity_read(cmd, inst, &s, signer, &info) < 0)
        return -1;
    snprintf(file, sizeof(file), "%s/alcove.json", inst);
    snprintf(image, sizeof(image), "%s/build/image.img", inst);
    snprintf(img, sizeof(img), "%s/image", inst);
    if (cfg_load(file, &c) < 0)
        return -1;
    int bad = core_path(core, sizeof(core)) < 0 || compute_components(cmd, core, &c, image, &n) < 0
              || compare(cmd, &s, &n, inst) ||
              (stat(img, &st) == 0 && S_ISDIR(st.st_mode) && tree_unchanged(cmd, inst, img) < 0);
    json_decref(c.root);
    return bad ? -1 : 0;
}

int instance_run(int argc, char **argv)
{
    const char *opt = NULL, *pkg = NULL;
    int i;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--instance") && i + 1 < argc)
            opt = argv[++i];
        else if (!strcmp(argv[i], "--package") && i + 1 < argc)
            pkg = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "alcove run: %s: in an instance the options come from alcove.json "
                            "(only --instance DIR or --package FILE)\n", argv[i]);
            return 2;
        } else
            break;
    }
    char inst[4096];
    if (pkg) {
        if (opt) {
            fprintf(stderr, "alcove run: give --instance DIR or --package FILE, not both\n");
            return 2;
        }
        if (package_unpack(pkg, inst, sizeof(inst)) < 0)
            return 2;
    } else if (instance_dir("run", opt, inst, sizeof(inst)) < 0) {
        return 2;
    }
    return instance_launch("run", inst, argc - i, argv + i);
}

int instance_launch(const char *cmd, const char *inst, int argc, char **argv)
{
    int i = 0;
    int start = !strcmp(cmd, "start");
    char file[4200], img[4200], image[4200], core[4096], key[4200];
    struct components s, n;
    uint8_t signer[32];
    struct identity_info info;
    struct cfg c;
    const char *lc = getenv("ALCOVE_LAUNCHER_CHECK");
    int check = !(lc && !strcmp(lc, "0"));
    int sig_ok;
    char *signed_part = NULL, sig_hex[129];
    if (sodium_init() < 0 ||
        identity_load(cmd, inst, &s, signer, &info, &signed_part, sig_hex, &sig_ok) < 0)
        return 2;
    if (!sig_ok && check) {
        fprintf(stderr, "alcove %s: %s/build/identity.json: the signature does not verify (the "
                        "identity was altered after signing; rebuild)\n", cmd, inst);
        free(signed_part);
        return 2;
    }
    if (!check)
        fprintf(stderr, "alcove %s: warning: ALCOVE_LAUNCHER_CHECK=0: the launcher does not "
                        "check the identity (the core still does)\n", cmd);
    if (info.development_key)
        fprintf(stderr, "alcove %s: warning: signed with a development key\n", cmd);
    snprintf(file, sizeof(file), "%s/alcove.json", inst);
    if (cfg_load(file, &c) < 0) {
        fprintf(stderr, "alcove %s: config changed since build and is not valid (above)\n", cmd);
        return 2;
    }
    snprintf(img, sizeof(img), "%s/image", inst);
    snprintf(image, sizeof(image), "%s/build/image.img", inst);
    snprintf(key, sizeof(key), "%s/volumes/key", inst);
    int rc = 2;
    char prog[4096];
    if (core_path(core, sizeof(core)) < 0 || compute_components(cmd, core, &c, image, &n) < 0 ||
        (check && compare(cmd, &s, &n, inst)))
        goto out;
    /* Entry points are resolved in image/ (if there is one: an unpacked package has only
     * the image file, where they are looked up instead): it must still be the tree that
     * was packed. */
    struct stat ist;
    if (check && stat(img, &ist) == 0 && S_ISDIR(ist.st_mode) && tree_unchanged(cmd, inst, img) < 0)
        goto out;
    const char *want = i < argc ? argv[i] : c.entry_points[0];
    if (!start && i >= argc && want[strlen(want) - 1] == '/') {
        fprintf(stderr, "alcove %s: name a program: the first entry point %s is a directory\n",
                cmd, want);
        goto out;
    }
    if (!start && instance_pick(cmd, &c, inst, s.image_root, want, prog, sizeof(prog)) < 0)
        goto out;
    if (start && i < argc) {
        fprintf(stderr, "alcove start: no program here: `alcove exec CMD` runs one in the "
                        "started enclave\n");
        goto out;
    }

    /* The options of `alcove run --image`, derived from the config. */
    int cap = 64 + 4 * CFG_MAX * 4 + argc, k = 0;
    char **a = calloc((size_t)cap, sizeof(char *));
    if (!a)
        goto out;
    char hash[65], procs[24], threads[24];
    /* The signed root hash pins the image (a launcher that skips its check takes the
     * file's own: the core then refuses it). */
    hex_encode(check ? s.image_root : n.image_root, 32, hash);
    char *canon = cfg_canonical(&c);
    if (!canon)
        goto out;
    run_identity = signed_part;
    run_identity_sig = sig_hex;
    run_config = canon;
    snprintf(procs, sizeof(procs), "%ld", c.max_processes);
    snprintf(threads, sizeof(threads), "%ld", c.max_threads);
    a[k++] = "run";
    a[k++] = "--image", a[k++] = image, a[k++] = "--image-hash", a[k++] = hash;
    a[k++] = "--cwd", a[k++] = (char *)c.cwd;
    a[k++] = "--hostname", a[k++] = (char *)c.hostname;
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
    if (!start) {
        a[k++] = prog;
        for (int j = i + 1; j < argc; j++)
            a[k++] = argv[j];
    }
    a[k] = NULL;
    rc = cmd_run(k, a);
out:
    json_decref(c.root);
    free(signed_part);
    return rc;
}
