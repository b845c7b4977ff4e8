/* sigaltstack + SA_ONSTACK: handler runs on the alternate stack, SS_ONSTACK reported
 * inside, SS_DISABLE, ENOMEM for small stacks, EINVAL for bad flags, stack overflow
 * caught on the alternate stack. */
#include "abi.h"
#include <sys/mman.h>
#include <sys/resource.h>

static char *alt;
static size_t altsz;
static volatile int on_alt, ss_onstack, hits;
static sigjmp_buf jb;

static void h(int s)
{
    (void)s;
    char local;
    on_alt = &local >= alt && &local < alt + altsz;
    stack_t cur;
    sigaltstack(NULL, &cur);
    ss_onstack = !!(cur.ss_flags & SS_ONSTACK);
    hits++;
}

static void segv(int s)
{
    (void)s;
    char local;
    on_alt = &local >= alt && &local < alt + altsz;
    siglongjmp(jb, 1);
}

static volatile int sink, never;
static int recurse(int n)
{
    volatile char pad[1024];
    if (never)
        return 0;
    pad[0] = (char)n;
    sink = pad[0];
    return recurse(n + 1) + pad[0];
}

int main(void)
{
    altsz = 64 * 1024;
    alt = malloc(altsz);
    stack_t ss = {0}, old;
    R("query initial", sigaltstack(NULL, &old));
    printf("initially disabled: %d\n", !!(old.ss_flags & SS_DISABLE));
    ss.ss_sp = alt;
    ss.ss_size = 1024;
    R("too small", sigaltstack(&ss, NULL));
    ss.ss_size = altsz;
    ss.ss_flags = 0x1234;
    R("bad flags", sigaltstack(&ss, NULL));
    ss.ss_flags = 0;
    R("install", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("size matches: %d sp matches: %d flags: %d\n", old.ss_size == altsz, old.ss_sp == alt,
           old.ss_flags);

    struct sigaction sa = {0};
    sa.sa_handler = h;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("SA_ONSTACK: hits=%d on_alt=%d SS_ONSTACK inside=%d\n", hits, on_alt, ss_onstack);
    sigaltstack(NULL, &old);
    printf("outside SS_ONSTACK: %d\n", !!(old.ss_flags & SS_ONSTACK));

    sa.sa_flags = 0;
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    printf("without SA_ONSTACK: on_alt=%d\n", on_alt);

    /* stack overflow: only catchable on the alternate stack (limit the stack to 1 MiB so
     * the recursion is quick even when the inherited limit is unlimited) */
    struct rlimit rl;
    getrlimit(RLIMIT_STACK, &rl);
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1UL << 20)) {
        rl.rlim_cur = 1UL << 20;
        setrlimit(RLIMIT_STACK, &rl);
    }
    struct sigaction sv = {0};
    sv.sa_handler = segv;
    sv.sa_flags = SA_ONSTACK;
    sigaction(SIGSEGV, &sv, NULL);
    on_alt = 0;
    if (sigsetjmp(jb, 1) == 0)
        recurse(0);
    printf("stack overflow caught on alt stack: %d\n", on_alt);

    ss.ss_flags = SS_DISABLE;
    R("disable", sigaltstack(&ss, NULL));
    sigaltstack(NULL, &old);
    printf("disabled: %d\n", !!(old.ss_flags & SS_DISABLE));
    raise(SIGUSR1);
    printf("after disable on_alt=%d\n", on_alt);
    R("bad pointer", syscall(SYS_sigaltstack, (void *)1, NULL));
    return 0;
}
