/*
 * lifecycle.c - `alcove start`, `alcove exec`, `alcove stop`: one long-lived enclave of an
 * instance, and further processes of that same enclave.
 *
 * start  checks the instance as `alcove run` does (signed identity, every component), then
 *        makes INST/run/ (0700): control.sock, a listening Unix socket; lock, held (flock)
 *        by a background launcher for the enclave's whole life; pid, the core's host pid;
 *        enclave.log, the enclave's own stdout/stderr.  The launcher (a session of its
 *        own) runs the core with --control-fd: no program, the core's init serves the
 *        socket (libos/proc/init.c).  start returns once init answers a "ping".
 * exec   connects, sends the request (argv, the config's environment, the config's cwd, or
 *        --cwd DIR and --env K=V for the variables the config lets the host pass)
 *        with its own stdin/stdout/stderr as SCM_RIGHTS, so the new process writes
 *        straight to this terminal (and TIOCGWINSZ on it sees the terminal's real size).
 *        It reads "started PID HOSTPID" and passes SIGINT, SIGQUIT, SIGTERM, SIGHUP,
 *        SIGWINCH, SIGUSR1/2, SIGTSTP and SIGCONT on to HOSTPID (host signals reach the
 *        process as signals from outside, as with `alcove run`); after SIGTSTP it stops
 *        itself too, so the shell's job control works.  Then "exit STATUS": exec exits
 *        with the status (128+N for signal N).
 * stop   sends "stop": init sends SIGTERM to every process, waits up to 10 s, ends the
 *        enclave (volumes committed).  --force kills the core's host process group at
 *        once.  stop returns when the launcher has gone (the lock is free).
 *
 * Wire format: pal/direct/control.c.  Exit statuses: 0, 1 (failure), 2 (usage),
 * EXIT_NOT_RUNNING (3: exec, stop), EXIT_RUNNING (4: start).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "alcove.h"
#include "instance.h"

int run_control_fd = -1;
static char run_dir[4200];

void usage_start(void)
{
    printf("usage: alcove start [--instance DIR]\n\n"
           "Start a long-lived enclave of the built instance (checked as `alcove run` checks\n"
           "it) in the background: no program of its own; `alcove exec CMD` runs commands in\n"
           "it as further processes of the same enclave (one process table, one set of file\n"
           "systems: the tmpfs /tmp, the volumes, the overlay), `alcove stop` ends it.\n"
           "State lives in INST/run/ (control.sock, lock, pid, enclave.log: the enclave's\n"
           "own output).\n\n"
           "exit status: 0 started; 4 one is running already; 1 it did not start (the log\n"
           "is printed); 2 bad usage or instance.\n");
}

void usage_exec(void)
{
    printf("usage: alcove exec [--instance DIR] [--cwd DIR] [--env K=V]... [--] CMD [ARGS...]\n\n"
           "Run CMD (an entry point of the instance: a path in the enclave, or a name on the\n"
           "config's PATH) as a new process of the enclave `alcove start` started, with the\n"
           "config's environment and working directory and this terminal as its stdin,\n"
           "stdout and stderr (its size is the terminal's).  Ctrl-C, Ctrl-\\, Ctrl-Z,\n"
           "SIGTERM, SIGHUP, SIGWINCH, SIGUSR1/2 and SIGCONT are passed on to it.\n\n"
           "  --cwd DIR    working directory in the enclave (absolute; default the config's\n"
           "               cwd)\n"
           "  --env K=V    set K for this command (repeatable): K must be in the config's\n"
           "               env.passthrough (any name if debuggable); the trusted values of\n"
           "               env.trusted cannot be overridden\n\n"
           "exit status: CMD's, or 128+N if signal N ended it; 3 no enclave of the instance\n"
           "is running; 125 the enclave refused or ended first; 2 bad usage.\n");
}

void usage_stop(void)
{
    printf("usage: alcove stop [--instance DIR] [--force]\n\n"
           "End the enclave `alcove start` started: SIGTERM to every process, up to 10 s for\n"
           "them to end, then the rest is killed and the volumes are committed.\n"
           "--force   kill the enclave at once (what was not committed is lost; the\n"
           "          volumes stay consistent).\n\n"
           "exit status: 0 stopped; 3 nothing was running; 2 bad usage.\n");
}

/* INST/run (made 0700 if mk): 0, or -1 after a message. */
static int rundir(const char *cmd, const char *inst, int mk)
{
    snprintf(run_dir, sizeof(run_dir), "%s/run", inst);
    if (mk && mkdir_p(run_dir, 0700) < 0) {
        fprintf(stderr, "alcove %s: cannot create %s: %s\n", cmd, run_dir, strerror(errno));
        return -1;
    }
    return 0;
}

/* 1 if an enclave of the instance is running (its launcher holds run/lock), else 0. */
static int running(void)
{
    char p[4300];
    snprintf(p, sizeof(p), "%s/lock", run_dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    int busy = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
    close(fd);
    return busy;
}

/* Waits until the launcher has gone (the lock is free). */
static void wait_gone(void)
{
    char p[4300];
    snprintf(p, sizeof(p), "%s/lock", run_dir);
    int fd = open(p, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    while (flock(fd, LOCK_SH) < 0 && errno == EINTR)
        ;
    close(fd);
}

/* bind or connect s to run_dir/control.sock, from inside run_dir (paths longer than
 * sun_path work too). */
static int sock_op(int s, int do_bind)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, "control.sock");
    int here = open(".", O_PATH | O_CLOEXEC), r = -1, e;
    if (here < 0)
        return -1;
    if (chdir(run_dir) == 0)
        r = do_bind ? bind(s, (struct sockaddr *)&a, sizeof(a))
                    : connect(s, (struct sockaddr *)&a, sizeof(a));
    e = errno;
    if (fchdir(here) < 0)
        r = -1;
    close(here);
    errno = e;
    return r;
}

/* Sends one request (and, with fds, this process's 0, 1, 2): the connected socket, or -1. */
static int send_request(const char *buf, size_t len, int fds)
{
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0 || sock_op(s, 0) < 0) {
        if (s >= 0)
            close(s);
        return -1;
    }
    unsigned char hdr[8] = {'A', 'L', 'C', 'V', (unsigned char)len, (unsigned char)(len >> 8),
                            (unsigned char)(len >> 16), (unsigned char)(len >> 24)};
    struct iovec iov = {hdr, sizeof(hdr)};
    union {
        struct cmsghdr h;
        char b[CMSG_SPACE(3 * sizeof(int))];
    } cm;
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    if (fds) {
        int std[3] = {0, 1, 2};
        m.msg_control = cm.b;
        m.msg_controllen = sizeof(cm.b);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(std));
        memcpy(CMSG_DATA(c), std, sizeof(std));
    }
    if (sendmsg(s, &m, MSG_NOSIGNAL) != (ssize_t)sizeof(hdr)) {
        close(s);
        return -1;
    }
    for (size_t done = 0; done < len;) {
        ssize_t n = send(s, buf + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            close(s);
            return -1;
        }
        done += (size_t)n;
    }
    return s;
}

/* One answer line (without the newline) into line: 1, 0 at EOF.  Signals interrupt the
 * wait (EINTR) without losing bytes. */
static int read_line(int s, char *line, size_t size)
{
    size_t n = 0;
    for (;;) {
        char ch;
        ssize_t r = read(s, &ch, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return 0;
        if (ch == '\n' || n + 1 >= size) {
            line[n] = '\0';
            return 1;
        }
        line[n++] = ch;
    }
}

/* ---- start ------------------------------------------------------------------------------ */

int cmd_start(int argc, char **argv)
{
    const char *opt = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_start();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc) {
            opt = argv[++i];
        } else {
            fprintf(stderr, "alcove start: unexpected %s (alcove start --help)\n", argv[i]);
            return 2;
        }
    }
    char inst[4096], p[4300];
    if (instance_dir("start", opt, inst, sizeof(inst)) < 0 || rundir("start", inst, 1) < 0)
        return 2;
    snprintf(p, sizeof(p), "%s/lock", run_dir);
    int lock = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0) {
        fprintf(stderr, "alcove start: %s: %s\n", p, strerror(errno));
        return 1;
    }
    if (flock(lock, LOCK_EX | LOCK_NB) < 0) {
        fprintf(stderr, "alcove start: an enclave of %s is running already (`alcove stop` "
                        "ends it)\n", inst);
        return EXIT_RUNNING;
    }
    /* The lock is ours: whatever else is in run/ is stale. */
    snprintf(p, sizeof(p), "%s/control.sock", run_dir);
    unlink(p);
    int s = socket(AF_UNIX, SOCK_STREAM, 0); /* inherited by the core: no CLOEXEC */
    if (s < 0 || sock_op(s, 1) < 0 || listen(s, 64) < 0) {
        fprintf(stderr, "alcove start: cannot listen on %s: %s\n", p, strerror(errno));
        return 1;
    }
    run_control_fd = s;
    /* instance_launch -> cmd_run -> lifecycle_launch (below), with the lock still held. */
    int rc = instance_launch("start", inst, 0, NULL);
    close(lock);
    return rc;
}

static pid_t core_pid;
static void forward_term(int sig)
{
    if (core_pid > 0)
        kill(core_pid, sig);
}

/* The background launcher: runs the core and cleans up after it.  Never returns. */
static void launcher(const char *core, char **cargv)
{
    char p[4300];
    setsid();
    int nul = open("/dev/null", O_RDONLY);
    snprintf(p, sizeof(p), "%s/enclave.log", run_dir);
    int log = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (nul < 0 || log < 0 || dup2(nul, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
        _exit(125);
    close(nul), close(log);
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    pid_t pid = fork();
    if (pid < 0)
        _exit(125);
    if (pid == 0) {
        setpgid(0, 0); /* `stop --force` kills this group: the enclave, not the launcher */
        char *noenv[] = {NULL};
        execve(core, cargv, noenv);
        fprintf(stderr, "alcove: cannot execute %s: %s\n", core, strerror(errno));
        _exit(125);
    }
    setpgid(pid, pid);
    close(run_control_fd);
    core_pid = pid;
    snprintf(p, sizeof(p), "%s/pid", run_dir);
    FILE *f = fopen(p, "w");
    if (f) {
        fprintf(f, "%d\n", (int)pid);
        fclose(f);
    }
    struct sigaction sa = {.sa_handler = forward_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    reap_leftovers();
    fprintf(stderr, "alcove: the enclave ended (%s %d)\n", WIFSIGNALED(st) ? "signal" : "status",
            WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
    snprintf(p, sizeof(p), "%s/control.sock", run_dir);
    unlink(p);
    snprintf(p, sizeof(p), "%s/pid", run_dir);
    unlink(p);
    _exit(WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st));
}

int lifecycle_launch(const char *core, char **cargv)
{
    fflush(stdout);
    fflush(stderr);
    pid_t d = fork();
    if (d < 0) {
        perror("alcove start: fork");
        return 125;
    }
    if (d == 0)
        launcher(core, cargv);
    close(run_control_fd);
    /* Ready when init answers: connections wait in the socket's backlog until it serves. */
    char line[128];
    int s = send_request("ping", 5, 0), ok = s >= 0 && read_line(s, line, sizeof(line)) &&
                                                !strcmp(line, "ok");
    if (s >= 0)
        close(s);
    if (ok) {
        printf("started: the enclave of %s (exec: alcove exec CMD; stop: alcove stop)\n",
               run_dir);
        return 0;
    }
    int st = 0;
    while (waitpid(d, &st, 0) < 0 && errno == EINTR)
        ;
    char p[4300];
    snprintf(p, sizeof(p), "%s/enclave.log", run_dir);
    fprintf(stderr, "alcove start: the enclave did not start; its log (%s):\n", p);
    FILE *f = fopen(p, "r");
    while (f && fgets(line, sizeof(line), f))
        fputs(line, stderr);
    if (f)
        fclose(f);
    return 1;
}

/* ---- exec ------------------------------------------------------------------------------- */

static volatile pid_t target;

static void pass_on(int sig)
{
    int e = errno;
    if (target > 0)
        kill(target, sig);
    if (sig == SIGTSTP)
        kill(getpid(), SIGSTOP); /* stop with it: the shell's job control sees us stopped */
    errno = e;
}

/* Appends a NUL-terminated string to the request buffer: 0, or -1 if it is full. */
static int put(char *buf, size_t *len, const char *s)
{
    size_t n = strlen(s) + 1;
    if (*len + n > 65536)
        return -1;
    memcpy(buf + *len, s, n);
    *len += n;
    return 0;
}

#define EXEC_MAX_ENV 64

/* Is name (K of K=V, nlen bytes) listed in list? */
static int listed(const char *const *list, int n, const char *name, size_t nlen)
{
    for (int j = 0; j < n; j++)
        if (strlen(list[j]) == nlen && !strncmp(list[j], name, nlen))
            return 1;
    return 0;
}

/* --env K=V of exec against the config c: 0, or -1 after a message. */
static int exec_env_allowed(const struct cfg *c, const char *kv)
{
    size_t nlen = strcspn(kv, "=");
    if (listed(c->env_key, c->n_env, kv, nlen)) {
        fprintf(stderr, "alcove exec: --env %.*s: a trusted value of the config (env.trusted) "
                        "cannot be overridden\n", (int)nlen, kv);
        return -1;
    }
    if (!c->debuggable && !listed(c->passthrough, c->n_pass, kv, nlen)) {
        fprintf(stderr, "alcove exec: --env %.*s: not in the config's env.passthrough (list it "
                        "there, or make the enclave debuggable)\n", (int)nlen, kv);
        return -1;
    }
    return 0;
}

int cmd_exec(int argc, char **argv)
{
    const char *opt = NULL, *cwd = NULL, *envs[EXEC_MAX_ENV];
    int i, nenv = 0;
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_exec();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc) {
            opt = argv[++i];
        } else if (!strcmp(argv[i], "--cwd") && i + 1 < argc) {
            cwd = argv[++i];
            if (cwd[0] != '/') {
                fprintf(stderr, "alcove exec: --cwd must be an absolute path inside the "
                                "enclave\n");
                return 2;
            }
        } else if (!strcmp(argv[i], "--env") && i + 1 < argc) {
            const char *v = argv[++i];
            if (!strchr(v, '=') || v[0] == '=') {
                fprintf(stderr, "alcove exec: bad --env '%s' (want K=V)\n", v);
                return 2;
            }
            if (nenv >= EXEC_MAX_ENV) {
                fprintf(stderr, "alcove exec: more than %d --env options\n", EXEC_MAX_ENV);
                return 2;
            }
            envs[nenv++] = v;
        } else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else if (argv[i][0] == '-') {
            if ((!strcmp(argv[i], "--cwd") || !strcmp(argv[i], "--env") ||
                 !strcmp(argv[i], "--instance")) && i + 1 >= argc) {
                fprintf(stderr, "alcove exec: option %s needs a value\n", argv[i]);
                return 2;
            }
            fprintf(stderr, "alcove exec: unknown option %s (alcove exec --help)\n", argv[i]);
            return 2;
        } else {
            break;
        }
    }
    if (i >= argc) {
        fprintf(stderr, "alcove exec: no command given (alcove exec [--] CMD [ARGS...])\n");
        return 2;
    }
    char inst[4096], file[4300], prog[4096];
    if (instance_dir("exec", opt, inst, sizeof(inst)) < 0 || rundir("exec", inst, 0) < 0)
        return 2;
    if (!running()) {
        fprintf(stderr, "alcove exec: no enclave of %s is running (`alcove start` starts one)\n",
                inst);
        return EXIT_NOT_RUNNING;
    }
    /* The config of the running enclave: it was checked against the identity at start. */
    struct cfg c;
    struct components k;
    uint8_t signer[32];
    struct identity_info info;
    snprintf(file, sizeof(file), "%s/alcove.json", inst);
    if (sodium_init() < 0 || identity_read("exec", inst, &k, signer, &info) < 0)
        return 2;
    if (cfg_load(file, &c) < 0)
        return 2;
    for (int j = 0; j < nenv; j++)
        if (exec_env_allowed(&c, envs[j]) < 0) {
            json_decref(c.root);
            return 2;
        }
    if (instance_pick("exec", &c, inst, k.image_root, argv[i], prog, sizeof(prog)) < 0) {
        json_decref(c.root);
        return 2;
    }
    static char buf[65536];
    size_t len = 0;
    char num[16];
    snprintf(num, sizeof(num), "%d", argc - i);
    int bad = put(buf, &len, "exec") || put(buf, &len, cwd ? cwd : c.cwd) || put(buf, &len, num) ||
              put(buf, &len, prog);
    for (int j = i + 1; j < argc && !bad; j++)
        bad = put(buf, &len, argv[j]);
    int have_path = 0;
    for (int j = 0; j < c.n_env && !bad; j++) {
        char kv[8192];
        snprintf(kv, sizeof(kv), "%s=%s", c.env_key[j], c.env_val[j]);
        have_path |= !strcmp(c.env_key[j], "PATH");
        bad = put(buf, &len, kv);
    }
    for (int j = 0; j < c.n_pass && !bad; j++) {
        const char *v = getenv(c.passthrough[j]);
        char kv[8192];
        int given = 0;
        for (int e = 0; e < nenv; e++)
            given |= strcspn(envs[e], "=") == strlen(c.passthrough[j]) &&
                     !strncmp(envs[e], c.passthrough[j], strlen(c.passthrough[j]));
        if (!v || given)
            continue;
        snprintf(kv, sizeof(kv), "%s=%s", c.passthrough[j], v);
        bad = put(buf, &len, kv);
    }
    /* --env K=V last: a later one of the same name wins, as in env(1). */
    for (int j = 0; j < nenv && !bad; j++) {
        size_t nl = strcspn(envs[j], "=");
        int later = 0;
        for (int e = j + 1; e < nenv; e++)
            later |= strcspn(envs[e], "=") == nl && !strncmp(envs[e], envs[j], nl);
        have_path |= nl == 4 && !strncmp(envs[j], "PATH", 4);
        if (!later)
            bad = put(buf, &len, envs[j]);
    }
    if (!have_path && !bad)
        bad = put(buf, &len, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
    json_decref(c.root);
    if (bad) {
        fprintf(stderr, "alcove exec: the command line and environment exceed 64 KiB\n");
        return 2;
    }
    /* Pass the signals on from the moment the process exists. */
    struct sigaction sa = {.sa_handler = pass_on};
    static const int sigs[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGWINCH, SIGUSR1, SIGUSR2,
                               SIGTSTP, SIGCONT};
    for (unsigned j = 0; j < sizeof(sigs) / sizeof(sigs[0]); j++)
        sigaction(sigs[j], &sa, NULL);
    int s = send_request(buf, len, 1);
    if (s < 0) {
        fprintf(stderr, "alcove exec: cannot reach the enclave of %s: %s\n", inst,
                strerror(errno));
        return EXIT_NOT_RUNNING;
    }
    char line[128];
    while (read_line(s, line, sizeof(line))) {
        long a, b;
        if (sscanf(line, "started %ld %ld", &a, &b) == 2 && b > 0) {
            target = (pid_t)b;
        } else if (sscanf(line, "exit %ld", &a) == 1) {
            int st = (int)a;
            return WIFSIGNALED(st) ? 128 + WTERMSIG(st) : WEXITSTATUS(st);
        } else if (sscanf(line, "error %ld", &a) == 1) {
            fprintf(stderr, "alcove exec: the enclave refused: %s\n", strerror((int)a));
            return 125;
        }
    }
    fprintf(stderr, "alcove exec: the enclave ended before %s did\n", prog);
    return 125;
}

/* ---- stop ------------------------------------------------------------------------------- */

int cmd_stop(int argc, char **argv)
{
    const char *opt = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage_stop();
            return 0;
        } else if (!strcmp(argv[i], "--instance") && i + 1 < argc) {
            opt = argv[++i];
        } else if (!strcmp(argv[i], "--force")) {
            force = 1;
        } else {
            fprintf(stderr, "alcove stop: unexpected %s (alcove stop --help)\n", argv[i]);
            return 2;
        }
    }
    char inst[4096];
    if (instance_dir("stop", opt, inst, sizeof(inst)) < 0 || rundir("stop", inst, 0) < 0)
        return 2;
    if (!running()) {
        fprintf(stderr, "alcove stop: no enclave of %s is running\n", inst);
        return EXIT_NOT_RUNNING;
    }
    if (force) {
        char p[4300];
        int pid = 0;
        snprintf(p, sizeof(p), "%s/pid", run_dir);
        FILE *f = fopen(p, "r");
        if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 1) {
            fprintf(stderr, "alcove stop: cannot read the enclave's pid from %s\n", p);
            if (f)
                fclose(f);
            return 1;
        }
        fclose(f);
        kill(-pid, SIGKILL);
    } else {
        int s = send_request("stop", 5, 0);
        if (s >= 0) {
            char line[128];
            while (read_line(s, line, sizeof(line)))
                ; /* "ok", then the end of the enclave closes the connection */
            close(s);
        }
    }
    wait_gone();
    printf("stopped\n");
    return 0;
}
