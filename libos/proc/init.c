/*
 * init.c - the first process of a long-lived enclave (`alcove start`, `exec`, `stop`).
 *
 * When the backend boots the core with a control channel (pal_boot.control), no program
 * starts.  The first process (pid 1) stays inside the core and serves the host's requests
 * one at a time (pal_control_next, its lock dropped while it waits):
 *
 *   exec   fork (an ordinary process_fork of init), and in the child: the client's streams
 *          become fds 0, 1, 2, a session of its own, default signal dispositions, the
 *          client's working directory, then the program's exec_load and entry.  The child
 *          answers "started" (the backend adds its host id, so the client can pass
 *          signals on as host signals, which reach the process like any host signal) and,
 *          at its end, its wait status (process_end: has_ctl).  Processes started this way
 *          share everything an enclave shares: one process table (they see and signal each
 *          other by pid), the file systems (the tmpfs /tmp, the volumes, the overlay).
 *   stop   SIGTERM to every other process, a grace period until they are gone (10 s), then
 *          init ends, which ends the enclave as its first process always does: the rest is
 *          killed, the volumes are committed.  A host SIGTERM/SIGINT/SIGHUP to init means
 *          the same.
 *   ping   "ok" (the CLI's readiness check).
 *
 * init ignores SIGCHLD, so its children (and the orphans it inherits) are reaped at once.
 *
 * The request bytes come from the host and are parsed here, strictly: NUL-terminated
 * strings, the last byte a NUL;
 *   "ping" | "stop" | "exec" CWD ARGC ARGV[0] ... ARGV[ARGC-1] ENV...
 * with CWD absolute, 1 <= ARGC <= INIT_MAX_ARGS, every ENV "K=V".  Anything else is answered
 * with error EINVAL and dropped.
 */
#include "libos.h"
#include "proc/proc.h"
#include "fs/fs.h"
#include "fs/vfs.h"

#define INIT_MAX_ARGS 4096
#define INIT_MAX_ENV 4096
#define STOP_GRACE_NS (10ll * 1000000000)

/* init's own buffers (only init uses them; a child has left them behind). */
static char reqbuf[PAL_CONTROL_MAX];
static char *req_argv[INIT_MAX_ARGS + 1], *req_envp[INIT_MAX_ENV + 1];
static const char *req_cwd;

enum { REQ_BAD, REQ_PING, REQ_STOP, REQ_EXEC };

/* Splits the request into req_argv/req_envp/req_cwd: its kind. */
static int parse(size_t len)
{
    if (len == 0 || reqbuf[len - 1] != '\0')
        return REQ_BAD;
    char *p = reqbuf, *end = reqbuf + len;
    const char *kind = p;
    p += al_strlen(p) + 1;
    if (!al_strcmp(kind, "ping"))
        return p == end ? REQ_PING : REQ_BAD;
    if (!al_strcmp(kind, "stop"))
        return p == end ? REQ_STOP : REQ_BAD;
    if (al_strcmp(kind, "exec") || p == end)
        return REQ_BAD;
    req_cwd = p;
    p += al_strlen(p) + 1;
    if (req_cwd[0] != '/' || p == end)
        return REQ_BAD;
    int argc = 0;
    for (const char *d = p; *d; d++) {
        if (*d < '0' || *d > '9' || argc > INIT_MAX_ARGS)
            return REQ_BAD;
        argc = argc * 10 + (*d - '0');
    }
    p += al_strlen(p) + 1;
    if (argc < 1 || argc > INIT_MAX_ARGS)
        return REQ_BAD;
    for (int i = 0; i < argc; i++) {
        if (p == end)
            return REQ_BAD;
        req_argv[i] = p;
        p += al_strlen(p) + 1;
    }
    req_argv[argc] = NULL;
    int envc = 0;
    while (p != end) {
        if (envc >= INIT_MAX_ENV || !al_strchr(p, '=') || p[0] == '=')
            return REQ_BAD;
        req_envp[envc++] = p;
        p += al_strlen(p) + 1;
    }
    req_envp[envc] = NULL;
    return REQ_EXEC;
}

static void close_req(const struct pal_control_req *req)
{
    IGNORE(pal_close(req->conn));
    for (int i = 0; i < 3; i++)
        if (req->stdio[i] != PAL_HANDLE_NONE)
            IGNORE(pal_close(req->stdio[i]));
}

/* A line to the client's stderr (the child's, before its program runs). */
static void tell(pal_handle_t h, const char *a, const char *b)
{
    char line[PATH_MAX_LEN + 128];
    int n = al_snprintf(line, sizeof(line), "alcove: %s: %s\n", a, b);
    if (h != PAL_HANDLE_NONE && n > 0)
        IGNORE(pal_write(h, line, (size_t)MIN(n, (int)sizeof(line) - 1), PAL_STREAM_NOWAIT));
}

/* The child of an exec request: becomes the client's process and enters its program. */
__attribute__((noreturn)) static void child_run(const struct pal_control_req *req,
                                                pal_handle_t ctl)
{
    struct process *p = current->proc;
    IGNORE(pal_close(ctl));
    p->has_ctl = 1;
    p->ctl_conn = req->conn;
    p->sid = p->pgid = p->pid;
    al_memset(p->act, 0, sizeof(p->act)); /* init's SIG_IGN for SIGCHLD is not inherited */
    current->sigmask = 0;
    for (int fd = 0; fd < 3; fd++)
        if (fd < p->fds.size && p->fds.ent[fd].f)
            IGNORE(fd_close(fd));
    if (stdio_install(req->stdio) < 0) {
        tell(req->stdio[2], req_argv[0], "cannot set up standard I/O");
        process_exit(125);
    }
    struct path cwd;
    int e = vfs_lookup(AT_FDCWD, req_cwd, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &cwd);
    if (e < 0) {
        /* `alcove exec --cwd DIR` (or the config's cwd): say why DIR cannot be the cwd. */
        tell(req->stdio[2], req_cwd,
             e == -ENOTDIR ? "cannot be the working directory: not a directory"
             : e == -EACCES ? "cannot be the working directory: permission denied"
             : e == -ENOENT ? "no such working directory in the enclave"
                            : "cannot be the working directory");
        process_exit(125);
    }
    path_put(&p->cwd);
    p->cwd = cwd;
    IGNORE(pal_control_reply(p->ctl_conn, PAL_CONTROL_STARTED, p->pid));
    char prog[PATH_MAX_LEN];
    struct pal_context ctx;
    al_memset(&ctx, 0, sizeof(ctx));
    current->ctx = &ctx;
    const char *why = NULL;
    int r = find_program(req_argv[0], req_envp, prog);
    if (r == 0)
        r = exec_load(prog, req_argv, req_envp, &ctx, &why);
    if (r < 0) {
        tell(req->stdio[2], req_argv[0],
             why ? why : r == -ENOENT ? "No such file or directory" : "cannot execute");
        process_exit(r == -ENOENT || r == -ENOTDIR ? 127 : 126);
    }
    bkl_unlock();
    pal_context_enter(&ctx);
}

static int others_gone(void *arg)
{
    for (struct process *q = kernel->procs; q; q = q->next)
        if (q != arg && q->state == PROC_RUNNING)
            return 0;
    return 1;
}

/* Signals queued for init: taken (init has no handlers); 1 if one asks it to stop. */
static int take_signals(void)
{
    struct process *p = current->proc;
    uint64_t m = p->sig_pending | current->sig_pending;
    p->sig_pending = current->sig_pending = 0;
    sigq_free_all(p->sigq);
    sigq_free_all(current->sigq);
    return (m & (SIGBIT(SIGTERM) | SIGBIT(SIGINT) | SIGBIT(SIGHUP))) != 0;
}

__attribute__((noreturn)) static void stop_all(pal_handle_t answer)
{
    struct process *me = current->proc;
    for (struct process *q = kernel->procs; q; q = q->next)
        if (q != me && q->state == PROC_RUNNING)
            signal_send_process(q, SIGTERM, NULL);
    int64_t s = 0, ns = 0;
    IGNORE(pal_clock_get(CLOCK_MONOTONIC, &s, &ns));
    int64_t deadline = s * 1000000000 + ns + STOP_GRACE_NS;
    /* A signal to init only interrupts the wait: it goes on until the deadline. */
    while (wait_event(others_gone, me, CLOCK_MONOTONIC, deadline) == -ERESTARTSYS)
        take_signals();
    info("init: stopping the enclave%s", others_gone(me) ? "" : " (SIGKILL to what is left)");
    if (answer != PAL_HANDLE_NONE)
        IGNORE(pal_control_reply(answer, PAL_CONTROL_OK, 0));
    /* The end of the first process ends the enclave (process_end): the rest is killed, the
     * volumes are committed.  The answer's connection closes with the host process. */
    process_exit(0);
}

void init_serve(const struct pal_boot *boot)
{
    struct process *me = current->proc;
    struct pal_context dummy; /* process_fork copies the caller's context: init has none */
    al_memset(&dummy, 0, sizeof(dummy));
    bkl_lock();
    current->ctx = &dummy;
    me->act[SIGCHLD].handler = SIG_IGN;
    al_strlcpy(me->comm, "init", sizeof(me->comm));
    al_strlcpy(current->comm, "init", sizeof(current->comm));
    info("init: serving the control channel (backend %s)", boot->backend);
    for (;;) {
        struct pal_control_req req;
        bkl_unlock();
        int r = pal_control_next(boot->control, reqbuf, sizeof(reqbuf), &req);
        bkl_lock();
        signal_collect_host();
        if (take_signals())
            stop_all(r == 0 ? req.conn : PAL_HANDLE_NONE);
        if (r == -EINTR || r == -EAGAIN)
            continue;
        if (r < 0) {
            warn("init: the control channel failed (error %d): the enclave ends", r);
            stop_all(PAL_HANDLE_NONE);
        }
        switch (parse(req.len)) {
        case REQ_PING:
            IGNORE(pal_control_reply(req.conn, PAL_CONTROL_OK, 0));
            break;
        case REQ_STOP:
            for (int i = 0; i < 3; i++)
                if (req.stdio[i] != PAL_HANDLE_NONE)
                    IGNORE(pal_close(req.stdio[i]));
            stop_all(req.conn);
        case REQ_EXEC: {
            if (req.stdio[0] == PAL_HANDLE_NONE) {
                IGNORE(pal_control_reply(req.conn, PAL_CONTROL_ERROR, -EBADF));
                break;
            }
            long pid = process_fork(SIGCHLD, 0, 0, 0, 0);
            if (pid == 0)
                child_run(&req, boot->control);
            if (pid < 0)
                IGNORE(pal_control_reply(req.conn, PAL_CONTROL_ERROR, pid));
            break;
        }
        default:
            IGNORE(pal_control_reply(req.conn, PAL_CONTROL_ERROR, -EINVAL));
            break;
        }
        close_req(&req); /* init's copies: the child has its own */
    }
}
