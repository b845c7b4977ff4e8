/*
 * fuzz.c - random-syscall run inside the enclave: every call number 0..460 with random and
 * hostile arguments (bad pointers, kernel addresses, huge lengths, negative fds, small
 * ints, a valid scratch buffer), from a fixed seed.
 *
 * The parent forks one child per round; the child makes CALLS calls and exits.  A child may
 * die of what it called (a munmap of its own stack, rt_sigreturn on garbage, a signal it
 * sent itself) or block (it is killed after TIMEOUT_MS): both are the program's own fate,
 * not a LibOS failure.  A round fails if fork or wait fails or the child's status is
 * impossible; the LibOS itself failing shows as the enclave dying or hanging before the
 * end marker (tests/fuzz/run.sh checks both).
 *
 * usage: fuzz ROUNDS CALLS SEED
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAXNR 460
#define TIMEOUT_MS 300

/* Calls never made, each with its reason. */
static const struct { int nr; const char *why; } skipped[] = {
    {SYS_exit, "ends the child at once: no more calls"},
    {SYS_exit_group, "ends the child at once: no more calls"},
    {SYS_pause, "blocks until a signal: only the timeout would end it"},
    {SYS_rt_sigsuspend, "blocks until a signal"},
    {SYS_vfork, "the vfork child would fuzz on the parent's memory"},
    {SYS_fork, "grandchildren would fuzz on, unsupervised"},
    {SYS_clone, "grandchildren (or threads) would fuzz on, unsupervised"},
    {SYS_clone3, "as clone"},
    {SYS_kill, "pid 0/-1/parent would kill the supervisor (made with the child's own pid instead)"},
    {SYS_tkill, "as kill (made with the child's own tid)"},
    {SYS_tgkill, "as kill (made with the child's own ids)"},
    {SYS_rt_sigqueueinfo, "as kill"},
    {SYS_rt_tgsigqueueinfo, "as kill"},
    {SYS_pidfd_send_signal, "a pidfd of the parent could kill the supervisor"},
    {SYS_setpgid, "could move the child into the parent's group (harmless) or steal ids"},
    {SYS_reboot, "refused by the LibOS anyway; never let it reach a host by mistake"},
};

static uint64_t rng;
static uint64_t rnd(void)
{
    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
    return rng;
}

static char *buf; /* 64 KiB of program memory: names from "abc" only, never '/' */
static long bufsz = 65536;

static long arg(void)
{
    switch (rnd() % 14) {
    case 0: return 0;
    case 1: return -1;
    case 2: return (long)(rnd() % 8);            /* small ints, stdio fds */
    case 3: return (long)(rnd() % 64);           /* fds, flags, signals */
    case 4: return (long)buf + (long)(rnd() % 4096);
    case 5: return (long)buf;
    case 6: return 8;                            /* unmapped page 0 */
    case 7: return (long)0xffff800000000000ul;   /* kernel address */
    case 8: return (long)(rnd() | 0x8000000000000000ul);
    case 9: return (long)(1ul << (rnd() % 64));  /* huge lengths, single flag bits */
    case 10: return -(long)(rnd() % 4096);       /* negative fds, -errno-like */
    case 11: return (long)rnd();
    case 12: return (long)0x7fffffffffffl;       /* top of user space */
    default: return (long)(rnd() & 0xffff);
    }
}

static int is_skipped(long nr)
{
    for (unsigned i = 0; i < sizeof skipped / sizeof skipped[0]; i++)
        if (skipped[i].nr == nr)
            return 1;
    return 0;
}

static void child(int calls)
{
    alarm(1); /* a blocked call ends the child even if the parent's kill is late */
    for (int i = 0; i < calls; i++) {
        long nr = (long)(rnd() % (MAXNR + 1));
        long a[6];
        for (int j = 0; j < 6; j++)
            a[j] = arg();
        if (nr == SYS_kill)
            syscall(SYS_kill, getpid(), (int)(a[1] & 63));
        else if (nr == SYS_tkill)
            syscall(SYS_tkill, syscall(SYS_gettid), (int)(a[1] & 63));
        else if (!is_skipped(nr))
            syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    }
    _exit(0);
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 100;
    int calls = argc > 2 ? atoi(argv[2]) : 500;
    rng = argc > 3 ? strtoull(argv[3], NULL, 0) : 0x9e3779b97f4a7c15ull;
    setvbuf(stdout, NULL, _IOLBF, 0);
    buf = mmap(NULL, (size_t)bufsz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 2;
    int passed = 0, failed = 0, died = 0, timedout = 0;
    for (int r = 0; r < rounds; r++) {
        for (long i = 0; i < bufsz; i++)
            buf[i] = "abc\0"[rnd() % 4];
        uint64_t seed = rnd();
        pid_t pid = fork();
        if (pid < 0) {
            printf("round %d: fork failed (errno %d)\n", r, errno);
            failed++;
            continue;
        }
        if (pid == 0) {
            rng = seed | 1;
            child(calls);
        }
        int st = 0;
        long t0 = now_ms();
        pid_t w;
        while ((w = waitpid(pid, &st, WNOHANG)) == 0) {
            if (now_ms() - t0 > TIMEOUT_MS * 4) {
                kill(pid, SIGKILL);
                timedout++;
                w = waitpid(pid, &st, 0);
                break;
            }
            usleep(2000);
        }
        if (w != pid || !(WIFEXITED(st) || WIFSIGNALED(st))) {
            printf("round %d: wait failed (w %d errno %d status 0x%x)\n", r, (int)w, errno, st);
            failed++;
            continue;
        }
        if (WIFSIGNALED(st))
            died++;
        passed++;
    }
    printf("rounds %d, calls per round %d: %d children died of a signal (%d after the timeout)\n",
           rounds, calls, died, timedout);
    printf("FUZZ END\n");
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
