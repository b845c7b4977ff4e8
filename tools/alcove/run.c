/*
 * run.c - `alcove run`: start a program in an enclave of the direct backend.
 *
 * The CLI validates the command line, then forks and executes the core (alcove-direct, a
 * static executable without libc) with the enclave's description.  The parent waits and
 * reports the program's fate: its exit code, or 128+N when signal N killed it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alcove.h"
#include "netpolicy.h"
#include "instance.h"

#define PAL_MAX_VOLUMES 24

void usage_run(void)
{
    printf("usage: alcove run (--root DIR | --image FILE) [options] PROGRAM [ARGS...]\n"
           "       alcove run [--instance DIR] [PROGRAM [ARGS...]]   (in a built instance)\n"
           "       alcove run --package FILE [PROGRAM [ARGS...]]     (a package)\n\n"
           "In an instance (alcove new, alcove build; the working directory or DIR), the\n"
           "signed identity is checked first, by the launcher and again by the core itself\n"
           "(a changed config, image or core is refused, naming what differs), only\n"
           "entry_points may start (default: the first), and every option comes from\n"
           "alcove.json (docs/config.md). --package FILE runs a package (alcove package).\n\n"
           "Run PROGRAM (a path inside the enclave, or a name looked up on the enclave's PATH)\n"
           "with DIR or the image FILE as the enclave's read-only root file system.\n\n"
           "options:\n"
           "  --root DIR                 host directory seen as / (read-only, not verified:\n"
           "                             for development)\n"
           "  --image FILE               a verified image (alcove image pack) seen as /; every\n"
           "                             block is checked against its root hash\n"
           "  --image-hash HEX           the root hash the image must have (default: the hash\n"
           "                             recorded in the file, which proves nothing against a\n"
           "                             host that rewrites the whole file)\n"
           "  --overlay FILE|tmpfs       make / writable: changes go to the volume FILE\n"
           "                             (encrypted, kept across runs) or to enclave memory\n"
           "  --volume FILE:GUEST[:ro]   an encrypted volume (alcove volume create) at GUEST\n"
           "  --key-file K               the volumes' key: 32 bytes (alcove volume keygen);\n"
           "                             in the direct backend this secret is simulated\n"
           "  --state-dir DIR            where volume rollback counters live (default\n"
           "                             $ALCOVE_STATE_DIR, $XDG_STATE_HOME/alcove or\n"
           "                             ~/.local/state/alcove)\n"
           "  --mount HOST:GUEST[:ro|:rw]  make a host directory visible at GUEST (default ro)\n"
           "  --tmpfs GUEST[:SIZE]       an empty tmpfs in enclave memory at GUEST, SIZE bytes\n"
           "                             at most (K, M, G suffixes; default half the memory)\n"
           "  --env K=V                  set an environment variable (repeatable); the enclave\n"
           "                             sees only these, plus PATH if not given\n"
           "  --cwd DIR                  working directory inside the enclave (default /)\n"
           "  --hostname NAME            the enclave's host name for uname (default the host's)\n"
           "  --max-procs N, --max-threads N   limits inside the enclave\n"
           "  --net none|loopback|host   host network the enclave may use (default loopback:\n"
           "                             bind and connect on 127.0.0.0/8 and ::1 only; a bind\n"
           "                             to the wildcard address binds loopback)\n"
           "  --net-listen ADDR:PORT     also allow binding ADDR:PORT (ADDR a.b.c.d, [v6] or *;\n"
           "                             PORT 0: any port)\n"
           "  --net-connect ADDR[/PREFIX][:PORT]  also allow connecting/sending there\n"
           "  --log LEVEL                quiet, warn (default), info or trace; also ALCOVE_LOG\n"
           "  --no-rewrite               never rewrite the program's syscall sites into direct\n"
           "                             calls (every call traps); also ALCOVE_REWRITE=0\n\n"
           "/tmp and /dev/shm are tmpfs in enclave memory unless a --mount or --tmpfs names\n"
           "them (the host's /tmp is seen only with --mount /tmp:/tmp:rw).\n\n"
           "The exit status is the program's, or 128+N if signal N ended it.\n");
}

static pid_t core_pid;

/* Set by instance_launch: the signed identity handed to the core (instance.h). */
const char *run_identity, *run_identity_sig, *run_config;

/* SIGTERM/SIGHUP to the launcher end the enclave too. */
static void forward(int sig)
{
    if (core_pid > 0)
        kill(core_pid, sig);
}

/* Kill every host process the enclave left behind (they were reparented to us, the
 * subreaper) and reap them, so nothing outlives `alcove run`. */
void reap_leftovers(void)
{
    for (int round = 0; round < 100; round++) {
        int found = 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
        FILE *f = fopen(path, "r");
        if (f) {
            int pid;
            while (fscanf(f, "%d", &pid) == 1) {
                kill(pid, SIGKILL);
                found = 1;
            }
            fclose(f);
        }
        while (waitpid(-1, NULL, found ? 0 : WNOHANG) > 0)
            ;
        if (!found)
            return;
    }
}

static int log_level(const char *s)
{
    if (!strcmp(s, "quiet") || !strcmp(s, "0"))
        return 0;
    if (!strcmp(s, "warn") || !strcmp(s, "1"))
        return 1;
    if (!strcmp(s, "info") || !strcmp(s, "2"))
        return 2;
    if (!strcmp(s, "trace") || !strcmp(s, "3"))
        return 3;
    return -1;
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* --tmpfs GUEST[:SIZE]: GUEST absolute, SIZE a positive number of bytes with an optional
 * K, M or G suffix.  Writes "GUEST:BYTES" (BYTES 0 = the core's default) to out. */
static int tmpfs_spec(const char *v, char *out, size_t size)
{
    const char *colon = strrchr(v, ':');
    unsigned long long bytes = 0;
    if (v[0] != '/') {
        fprintf(stderr, "alcove run: bad --tmpfs '%s': GUEST must be an absolute path\n", v);
        return -1;
    }
    if (colon) {
        char *end;
        errno = 0;
        bytes = strtoull(colon + 1, &end, 10);
        unsigned shift = 0;
        if (*end == 'k' || *end == 'K')
            shift = 10, end++;
        else if (*end == 'm' || *end == 'M')
            shift = 20, end++;
        else if (*end == 'g' || *end == 'G')
            shift = 30, end++;
        if (errno || !(colon[1] >= '0' && colon[1] <= '9') || *end || bytes == 0 ||
            bytes > (~0ull >> shift)) {
            fprintf(stderr, "alcove run: bad --tmpfs size in '%s' (want a positive number of "
                            "bytes, with K, M or G, e.g. /scratch:256M)\n", v);
            return -1;
        }
        bytes <<= shift;
    }
    int glen = colon ? (int)(colon - v) : (int)strlen(v);
    if (snprintf(out, size, "%.*s:%llu", glen, v, bytes) >= (int)size) {
        fprintf(stderr, "alcove run: --tmpfs path too long\n");
        return -1;
    }
    return 0;
}

/* The state directory of the rollback counters: from the option, the environment or the
 * XDG default; created (0700) if missing.  NULL after a message on failure. */
const char *state_dir_path(const char *opt)
{
    static char buf[4096];
    const char *e;
    if (opt)
        snprintf(buf, sizeof(buf), "%s", opt);
    else if ((e = getenv("ALCOVE_STATE_DIR")) && *e)
        snprintf(buf, sizeof(buf), "%s", e);
    else if ((e = getenv("XDG_STATE_HOME")) && *e)
        snprintf(buf, sizeof(buf), "%s/alcove", e);
    else if ((e = getenv("HOME")) && *e)
        snprintf(buf, sizeof(buf), "%s/.local/state/alcove", e);
    else {
        fprintf(stderr, "alcove: no state directory (set --state-dir or ALCOVE_STATE_DIR)\n");
        return NULL;
    }
    /* mkdir -p */
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0700) < 0 && errno != EEXIST) {
                fprintf(stderr, "alcove: cannot create the state directory %s: %s\n", buf,
                        strerror(errno));
                return NULL;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    if (!is_dir(buf)) {
        fprintf(stderr, "alcove: state directory %s is not a directory\n", buf);
        return NULL;
    }
    return buf;
}

/* A key file: exactly 32 bytes.  0, or -1 after a message. */
int read_key_file(const char *path, unsigned char key[32])
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "alcove: cannot open key file %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fread(key, 1, 32, f);
    int extra = fgetc(f);
    fclose(f);
    if (n != 32 || extra != EOF) {
        fprintf(stderr, "alcove: key file %s must hold exactly 32 bytes (alcove volume keygen "
                        "makes one)\n", path);
        return -1;
    }
    return 0;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int valid_count(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s && !*end && v > 0 && v < 1000000;
}

int cmd_run(int argc, char **argv)
{
    const char *root = NULL, *cwd = "/", *image = NULL, *image_hash = NULL, *overlay = NULL;
    const char *key_file = NULL, *state_opt = NULL;
    /* In an instance directory (alcove new), the options come from its config (instance.c). */
    if (instance_wanted(argc, argv))
        return instance_run(argc, argv);
    const char *vols[PAL_MAX_VOLUMES];
    int nvols = 0;
    const char *env_rw = getenv("ALCOVE_REWRITE");
    int rewrite = !(env_rw && !strcmp(env_rw, "0"));
    const char *env_log = getenv("ALCOVE_LOG");
    int level = env_log ? log_level(env_log) : 1;
    if (level < 0) {
        fprintf(stderr, "alcove: ALCOVE_LOG must be quiet, warn, info or trace\n");
        return 2;
    }
    char **cargv = calloc((size_t)argc * 2 + 24, sizeof(char *));
    char core[4096], lvl[16];
    int n = 0, have_path = 0, i, nrules = 0;
    if (!cargv || sibling_path("alcove-direct", core, sizeof(core)) < 0) {
        fprintf(stderr, "alcove: cannot locate alcove-direct next to the alcove executable\n");
        return 125;
    }
    if (getenv("ALCOVE_CORE"))
        snprintf(core, sizeof(core), "%s", getenv("ALCOVE_CORE"));
    cargv[n++] = "alcove-direct";

    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage_run();
            return 0;
        }
        if (a[0] != '-' || !strcmp(a, "--")) {
            if (!strcmp(a, "--"))
                i++;
            break;
        }
        if (!strcmp(a, "--no-rewrite")) {
            rewrite = 0; /* the direct backend's syscall-site rewriting (docs/ARCHITECTURE.md) */
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "alcove run: option %s needs a value\n", a);
            return 2;
        }
        const char *v = argv[++i];
        if (!strcmp(a, "--root")) {
            root = v;
        } else if (!strcmp(a, "--mount")) {
            /* HOST:GUEST[:ro|:rw] */
            const char *c1 = strchr(v, ':');
            const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (!c1 || c1 == v || c1[1] != '/' ||
                (c2 && strcmp(c2, ":ro") && strcmp(c2, ":rw"))) {
                fprintf(stderr, "alcove run: bad --mount '%s' (want HOST:GUEST[:ro|:rw], GUEST absolute)\n", v);
                return 2;
            }
            char host[4096];
            snprintf(host, sizeof(host), "%.*s", (int)(c1 - v), v);
            if (!is_dir(host)) {
                fprintf(stderr, "alcove run: --mount: %s is not a directory\n", host);
                return 2;
            }
            cargv[n++] = "--mount";
            cargv[n++] = (char *)v;
        } else if (!strcmp(a, "--tmpfs")) {
            char *spec = malloc(strlen(v) + 32);
            if (!spec || tmpfs_spec(v, spec, strlen(v) + 32) < 0)
                return 2;
            cargv[n++] = "--tmpfs";
            cargv[n++] = spec;
        } else if (!strcmp(a, "--image")) {
            image = v;
        } else if (!strcmp(a, "--image-hash")) {
            size_t k = 0;
            while (v[k] && strchr("0123456789abcdefABCDEF", v[k]))
                k++;
            if (k != 64 || v[k]) {
                fprintf(stderr, "alcove run: --image-hash wants 64 hex digits (the root hash "
                                "alcove image pack printed)\n");
                return 2;
            }
            image_hash = v;
        } else if (!strcmp(a, "--overlay")) {
            overlay = v;
        } else if (!strcmp(a, "--volume")) {
            /* FILE:GUEST[:ro|:rw] */
            const char *c1 = strchr(v, ':');
            const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
            if (!c1 || c1 == v || c1[1] != '/' || (c2 && strcmp(c2, ":ro") && strcmp(c2, ":rw"))) {
                fprintf(stderr, "alcove run: bad --volume '%s' (want FILE:GUEST[:ro], GUEST "
                                "absolute)\n", v);
                return 2;
            }
            if (nvols >= PAL_MAX_VOLUMES) {
                fprintf(stderr, "alcove run: too many --volume options\n");
                return 2;
            }
            vols[nvols++] = v;
        } else if (!strcmp(a, "--key-file")) {
            key_file = v;
        } else if (!strcmp(a, "--state-dir")) {
            state_opt = v;
        } else if (!strcmp(a, "--env")) {
            if (!strchr(v, '=') || v[0] == '=') {
                fprintf(stderr, "alcove run: bad --env '%s' (want K=V)\n", v);
                return 2;
            }
            if (!strncmp(v, "PATH=", 5))
                have_path = 1;
            cargv[n++] = "--env";
            cargv[n++] = (char *)v;
        } else if (!strcmp(a, "--net")) {
            if (netpolicy_mode(v) < 0) {
                fprintf(stderr, "alcove run: bad --net '%s' (want none, loopback or host)\n", v);
                return 2;
            }
            cargv[n++] = "--net";
            cargv[n++] = (char *)v;
        } else if (!strcmp(a, "--net-listen") || !strcmp(a, "--net-connect")) {
            int listen = !strcmp(a, "--net-listen");
            struct net_rule rule;
            if (netpolicy_rule(listen ? NET_RULE_LISTEN : NET_RULE_CONNECT, v, &rule) < 0) {
                fprintf(stderr, "alcove run: bad %s '%s' (want %s; ADDR a.b.c.d, [v6] or *)\n",
                        a, v, listen ? "ADDR:PORT" : "ADDR[/PREFIX][:PORT]");
                return 2;
            }
            if (++nrules > NET_MAX_RULES) {
                fprintf(stderr, "alcove run: too many --net-listen/--net-connect rules\n");
                return 2;
            }
            cargv[n++] = (char *)a;
            cargv[n++] = (char *)v;
        } else if (!strcmp(a, "--hostname")) {
            if (!*v || strlen(v) > 64) {
                fprintf(stderr, "alcove run: --hostname wants 1 to 64 bytes\n");
                return 2;
            }
            cargv[n++] = (char *)a;
            cargv[n++] = (char *)v;
        } else if (!strcmp(a, "--cwd")) {
            if (v[0] != '/') {
                fprintf(stderr, "alcove run: --cwd must be an absolute path inside the enclave\n");
                return 2;
            }
            cwd = v;
        } else if (!strcmp(a, "--log")) {
            level = log_level(v);
            if (level < 0) {
                fprintf(stderr, "alcove run: --log must be quiet, warn, info or trace\n");
                return 2;
            }
        } else if (!strcmp(a, "--max-procs") || !strcmp(a, "--max-threads")) {
            if (!valid_count(v)) {
                fprintf(stderr, "alcove run: %s wants a positive number\n", a);
                return 2;
            }
            cargv[n++] = (char *)a;
            cargv[n++] = (char *)v;
        } else {
            fprintf(stderr, "alcove run: unknown option %s\n", a);
            return 2;
        }
    }
    if (!root == !image) {
        fprintf(stderr, "alcove run: give one of --root DIR and --image FILE\n");
        return 2;
    }
    if (root && !is_dir(root)) {
        fprintf(stderr, "alcove run: --root %s is not a directory\n", root);
        return 2;
    }
    if (image_hash && !image) {
        fprintf(stderr, "alcove run: --image-hash without --image\n");
        return 2;
    }
    char hashhex[65] = "";
    if (image) {
        unsigned char h[32];
        char err[512];
        if (!is_file(image)) {
            fprintf(stderr, "alcove run: --image %s is not a file\n", image);
            return 2;
        }
        if (image_root_hash(image, h, err, sizeof(err)) < 0) {
            fprintf(stderr, "alcove run: %s\n", err);
            return 2;
        }
        for (int k = 0; k < 32; k++)
            snprintf(hashhex + 2 * k, 3, "%02x", h[k]);
        if (image_hash && strcasecmp(image_hash, hashhex)) {
            fprintf(stderr, "alcove run: image %s has root hash %s, not the pinned %s\n", image,
                    hashhex, image_hash);
            return 2;
        }
        /* The footer's root hash is only a hint: a host that rewrites the whole file rewrites
         * it too. Say so unless the user pinned the hash. */
        if (!image_hash && level >= 1)
            fprintf(stderr, "alcove run: warning: image %s is not pinned: its root hash %s is "
                            "taken from the file itself (--image-hash HEX pins it)\n", image, hashhex);
    }
    /* Volumes: the key, the counters' directory, and a full open of each before starting. */
    unsigned char key[32];
    const char *state_dir = NULL;
    int want_key = nvols > 0 || (overlay && strcmp(overlay, "tmpfs"));
    if (key_file && !want_key) {
        fprintf(stderr, "alcove run: --key-file without a --volume or --overlay FILE\n");
        return 2;
    }
    if (want_key) {
        if (!key_file) {
            fprintf(stderr, "alcove run: volumes need --key-file K\n");
            return 2;
        }
        if (read_key_file(key_file, key) < 0 || !(state_dir = state_dir_path(state_opt)))
            return 2;
    }
    for (int k = 0; k <= nvols; k++) {
        char path[4096], err[512];
        int rw = 1;
        if (k == nvols) {
            if (!overlay || !strcmp(overlay, "tmpfs"))
                break;
            snprintf(path, sizeof(path), "%s", overlay);
        } else {
            const char *c1 = strchr(vols[k], ':'), *c2 = strchr(c1 + 1, ':');
            snprintf(path, sizeof(path), "%.*s", (int)(c1 - vols[k]), vols[k]);
            rw = !(c2 && !strcmp(c2, ":ro"));
        }
        if (!is_file(path)) {
            fprintf(stderr, "alcove run: volume %s is not a file (alcove volume create makes one)\n", path);
            return 2;
        }
        if (volume_precheck(path, key, state_dir, rw, err, sizeof(err)) < 0) {
            fprintf(stderr, "alcove run: %s\n", err);
            return 2;
        }
        if (k < nvols) {
            const char *c1 = strchr(vols[k], ':'), *c2 = strchr(c1 + 1, ':');
            cargv[n++] = "--volume";
            cargv[n++] = strdup(path);
            cargv[n++] = c2 ? strndup(c1 + 1, (size_t)(c2 - c1 - 1)) : strdup(c1 + 1);
            cargv[n++] = rw ? "rw" : "ro";
        }
    }
    if (i >= argc && run_control_fd < 0) {
        fprintf(stderr, "alcove run: no program given\n");
        return 2;
    }
    if (!have_path) {
        cargv[n++] = "--env";
        cargv[n++] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    }
    snprintf(lvl, sizeof(lvl), "%d", level);
    cargv[n++] = "--log";
    cargv[n++] = lvl;
    if (!rewrite) {
        cargv[n++] = "--rewrite";
        cargv[n++] = "0";
    }
    cargv[n++] = "--cwd";
    cargv[n++] = (char *)cwd;
    if (root) {
        cargv[n++] = "--root";
        cargv[n++] = (char *)root;
    } else {
        cargv[n++] = "--image";
        cargv[n++] = (char *)image;
        cargv[n++] = hashhex;
    }
    if (overlay) {
        cargv[n++] = "--overlay";
        cargv[n++] = (char *)overlay;
    }
    if (want_key) {
        cargv[n++] = "--key-file";
        cargv[n++] = (char *)key_file;
        cargv[n++] = "--state-dir";
        cargv[n++] = (char *)state_dir;
    }
    if (run_identity) {
        /* The core checks these itself before the program runs (libos/kernel/identity.c). */
        cargv[n++] = "--identity";
        cargv[n++] = (char *)run_identity;
        cargv[n++] = (char *)run_identity_sig;
        cargv[n++] = "--config";
        cargv[n++] = (char *)run_config;
    }
    char ctlfd[16];
    if (run_control_fd >= 0) {
        /* `alcove start`: the core's init serves the control socket (lifecycle.c). */
        snprintf(ctlfd, sizeof(ctlfd), "%d", run_control_fd);
        cargv[n++] = "--control-fd";
        cargv[n++] = ctlfd;
    }
    cargv[n++] = "--";
    for (; i < argc; i++)
        cargv[n++] = argv[i];
    cargv[n] = NULL;
    if (run_control_fd >= 0)
        return lifecycle_launch(core, cargv);

    /* Orphaned enclave processes come back to us instead of the host's init. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t pid = fork();
    if (pid < 0) {
        perror("alcove: fork");
        return 125;
    }
    if (pid == 0) {
        char *noenv[] = {NULL};
        execve(core, cargv, noenv);
        fprintf(stderr, "alcove: cannot execute %s: %s\n", core, strerror(errno));
        _exit(125);
    }
    /* Terminal signals reach the enclave directly (same process group); the launcher
     * itself only waits. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    core_pid = pid;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = forward;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            perror("alcove: waitpid");
            return 125;
        }
    }
    reap_leftovers();
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
