/*
 * main.c - the core's entry points: boot, the syscall path, faults and async events.
 */
#include "libos.h"
#include "net/net.h"
#include "kernel/crypto.h"
#include "proc/proc.h"
#include "kernel/syscall.h"
#include "kernel/identity.h"


const struct pal_boot *boot_info;

static const char *exec_error(int err)
{
    switch (err) {
    case -ENOENT:
        return "No such file or directory";
    case -ENOTDIR:
        return "Not a directory";
    case -EACCES:
        return "Permission denied";
    case -ELOOP:
        return "Too many levels of symbolic links (or nested #! interpreters)";
    case -ENAMETOOLONG:
        return "File name too long";
    case -E2BIG:
        return "Argument list too long";
    case -ENOMEM:
        return "Out of memory";
    case -EISDIR:
        return "Is a directory";
    default:
        return "cannot execute";
    }
}

/* Find PROGRAM on the enclave's PATH when it has no slash, as a shell would. */
int find_program(const char *name, char *const *envp, char *out)
{
    if (al_strchr(name, '/')) {
        al_strlcpy(out, name, PATH_MAX_LEN);
        return 0;
    }
    const char *path = "/usr/local/bin:/usr/bin:/bin";
    for (char *const *e = envp; *e; e++)
        if (al_strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    while (*path) {
        const char *end = al_strchr(path, ':');
        size_t n = end ? (size_t)(end - path) : al_strlen(path);
        if (n + 1 + al_strlen(name) + 1 < PATH_MAX_LEN) {
            al_memcpy(out, path, n);
            out[n] = '/';
            al_strlcpy(out + n + 1, name, PATH_MAX_LEN - n - 1);
            struct pal_stat st;
            if (vfs_stat_path(out, &st) == 0 && S_ISREG(st.mode))
                return 0;
        }
        if (!end)
            break;
        path = end + 1;
    }
    return -ENOENT;
}

int libos_main(const struct pal_boot *boot)
{
    boot_info = boot;
    log_level = boot->log_level;
    if (boot->abi_version != PAL_ABI_VERSION) {
        kprintf("backend speaks PAL ABI %u, core expects %u", boot->abi_version, PAL_ABI_VERSION);
        return 125;
    }
    heap_init(boot->heap, boot->heap_size);
    pal_lock_register(&kernel->bkl);
    if (kcrypto_init() < 0)
        return 125;
    /* The loaded core, the config and the image root against the signed identity. */
    if (identity_check(boot) < 0)
        return 125;

    if (boot->hostname) {
        size_t n = al_strlen(boot->hostname);
        if (n == 0 || n > 64) {
            kprintf("the host name must be 1 to 64 bytes");
            return 125;
        }
        al_memcpy(kernel->uts_node, boot->hostname, n + 1);
        kernel->uts_node_set = 1;
    }
    if (vfs_boot(boot) < 0)
        return 125;
    if (net_policy_init(boot) < 0)
        return 125;

    struct process *p = kzalloc(sizeof(*p));
    struct thread *t = kzalloc(sizeof(*t));
    if (!p || !t) {
        kprintf("out of memory at boot");
        return 125;
    }
    p->pid = p->pgid = p->sid = kernel->next_id++;
    p->ppid = 0;
    p->exit_signal = SIGCHLD;
    p->host_id = pal_process_id();
    kernel->procs = p;
    kernel->nprocs = 1;
    p->umask = 022;
    process_init_limits(p);
    t->tid = p->pid;
    t->proc = p;
    t->host_tid = pal_thread_id();
    t->altstack_flags = SS_DISABLE;
    p->threads = t;
    p->nthreads = 1;
    pal_thread_set_self(t);
    if (fdtable_init(&p->fds) < 0 || mm_init(&p->mm) < 0) {
        kprintf("out of memory at boot");
        return 125;
    }
    if (stdio_install(boot->stdio) < 0) {
        kprintf("cannot set up standard I/O");
        return 125;
    }
    if (vfs_boot_cwd(boot->cwd) != 0) {
        kprintf("working directory %s does not exist in the enclave", boot->cwd);
        return 125;
    }

    if (boot->control != PAL_HANDLE_NONE)
        init_serve(boot); /* a long-lived enclave: no program of its own (proc/init.c) */
    char prog[PATH_MAX_LEN];
    int r = find_program(boot->argv[0], boot->envp, prog);
    struct pal_context ctx;
    al_memset(&ctx, 0, sizeof(ctx));
    const char *why = NULL;
    if (r == 0)
        r = exec_load(prog, boot->argv, boot->envp, &ctx, &why);
    if (r < 0) {
        if (why)
            kprintf("%s: cannot execute: %s", boot->argv[0], why);
        else
            kprintf("%s: %s", boot->argv[0], exec_error(r));
        return (r == -ENOENT || r == -ENOTDIR) ? 127 : 126;
    }
    info("starting %s (backend %s)", prog, boot->backend);
    pal_context_enter(&ctx);
}

void libos_syscall(struct pal_context *ctx)
{
    bkl_lock();
    struct core_jmp jb, jb_child;
    VFORK_ENTRY(ctx, jb);
    struct thread *t = current;
    long nr = (long)ctx->rax;
    long a[6] = {(long)ctx->rdi, (long)ctx->rsi, (long)ctx->rdx,
                 (long)ctx->r10, (long)ctx->r8,  (long)ctx->r9};
    long ret;
    t->ctx = ctx;
    t->cur_nr = nr;
    if (log_level >= LOG_TRACE)
        trace_syscall_enter(nr, a);
    int found;
    ret = syscall_dispatch(nr, a, &found);
    if (!found) {
        if (syscall_warn_once(nr)) {
            warn("unimplemented syscall %s (%ld) returns -ENOSYS", syscall_name(nr), nr);
        }
    }
    if (log_level >= LOG_TRACE)
        trace_syscall_exit(nr, a, ret);

    if (nr == __NR_rt_sigreturn) {
        /* ctx now holds the interrupted context, rax included. */
    } else if (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND) {
        signal_collect_host();
        const struct k_sigaction *act = signal_next_handler();
        if (!act || (ret == -ERESTARTSYS && (act->flags & SA_RESTART))) {
            ctx->rax = (uint64_t)nr; /* run the syscall again */
            ctx->rip -= 2;
        } else {
            ctx->rax = (uint64_t)-EINTR;
        }
    } else {
        ctx->rax = (uint64_t)ret;
    }
    if (current != t) {
        /* vfork made this host thread the child's: it may end before its next entry. */
        VFORK_ENTRY(ctx, jb_child);
    }
    signal_collect_host();
    signal_deliver(ctx);
    thread_check_exit();
    bkl_unlock();
}

void libos_exception(struct pal_context *ctx, const struct pal_fault *f)
{
    if (f->in_core) {
        uint64_t fix = usercopy_fixup(ctx->rip);
        if (fix) {
            ctx->rip = fix;
            return;
        }
        panic("signal %d in core code at rip %p (address %p, syscall %ld)", f->signo,
              (void *)ctx->rip, (void *)f->addr, current ? current->cur_nr : -1L);
    }
    bkl_lock();
    struct core_jmp jb;
    VFORK_ENTRY(ctx, jb);
    current->ctx = ctx;
    struct k_siginfo si;
    al_memset(&si, 0, sizeof(si));
    si.si_signo = f->signo;
    si.si_code = f->code;
    si.u.fault.addr = f->addr;
    signal_force(f->signo, &si, f->trapno, f->err);
    signal_deliver(ctx);
    thread_check_exit();
    bkl_unlock();
}

void libos_interrupt(struct pal_context *ctx)
{
    bkl_lock();
    struct core_jmp jb;
    VFORK_ENTRY(ctx, jb);
    current->ctx = ctx;
    signal_collect_host();
    signal_deliver(ctx);
    thread_check_exit();
    bkl_unlock();
}
