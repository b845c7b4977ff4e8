/*
 * proc.c - bench rows for processes, pipes, threads and futexes.
 * Usage: proc MODE [ARGS...]
 *   proc fork N             N x (fork; child _exit(0); parent waitpid)       -> ns per iteration
 *   proc vfork N HELPER     N x (vfork; child execve(HELPER); parent waitpid) -> ns per iteration
 *   proc spawn N HELPER     N x (posix_spawn(HELPER); waitpid)               -> ns per iteration
 *   proc pipe MIB [CHUNK]   a forked child writes MIB MiB into a pipe in CHUNK-byte writes
 *                           (default 65536); the parent reads it all and waits for the child
 *                                                                              -> MB/s (1e6 bytes)
 *   proc thread N           N x (pthread_create of an empty function; pthread_join)
 *                                                                              -> ns per iteration
 *   proc futex-thread N     N round trips of a futex ping-pong between two threads
 *                           (FUTEX_WAIT_PRIVATE / FUTEX_WAKE_PRIVATE)         -> ns per round trip
 *   proc futex-proc N       N round trips of a futex ping-pong between a parent and a forked
 *                           child over a MAP_SHARED anonymous page (FUTEX_WAIT / FUTEX_WAKE,
 *                           i.e. not private)                                  -> ns per round trip
 * Each mode does a short untimed warm-up, then prints "RESULT <value>" measured with
 * CLOCK_MONOTONIC around the timed part.  Any failed call prints a message and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "proc: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void reap(pid_t pid)
{
    int st;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR)
        ;
    if (r != pid)
        die("waitpid");
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        fprintf(stderr, "proc: child %d ended with status 0x%x\n", (int)pid, st);
        exit(1);
    }
}

/* ---- fork / vfork+exec / posix_spawn ------------------------------------------------- */

static void fork_once(void)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0)
        _exit(0);
    reap(pid);
}

static void vfork_once(const char *helper)
{
    char *argv[] = {(char *)helper, NULL};
    pid_t pid = vfork();
    if (pid < 0)
        die("vfork");
    if (pid == 0) {
        execve(helper, argv, environ);
        _exit(127);
    }
    reap(pid);
}

static void spawn_once(const char *helper)
{
    char *argv[] = {(char *)helper, NULL};
    pid_t pid;
    int e = posix_spawn(&pid, helper, NULL, NULL, argv, environ);
    if (e) {
        errno = e;
        die("posix_spawn");
    }
    reap(pid);
}

/* ---- pipe ---------------------------------------------------------------------------- */

static double pipe_mbps(long mib, size_t chunk)
{
    long long total = (long long)mib << 20;
    char *buf = malloc(chunk);
    if (!buf)
        die("malloc");
    memset(buf, 0x5a, chunk);
    int fds[2];
    if (pipe(fds) < 0)
        die("pipe");
    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        close(fds[0]);
        long long left = total;
        while (left > 0) {
            size_t n = left < (long long)chunk ? (size_t)left : chunk;
            ssize_t w = write(fds[1], buf, n);
            if (w < 0) {
                if (errno == EINTR)
                    continue;
                die("pipe write");
            }
            left -= w;
        }
        _exit(0);
    }
    close(fds[1]);
    long long got = 0;
    for (;;) {
        ssize_t r = read(fds[0], buf, chunk);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("pipe read");
        }
        if (r == 0)
            break;
        got += r;
    }
    reap(pid);
    long long t1 = now_ns();
    close(fds[0]);
    free(buf);
    if (got != total) {
        fprintf(stderr, "proc: pipe: read %lld bytes, expected %lld\n", got, total);
        exit(1);
    }
    return (double)total / 1e6 / ((double)(t1 - t0) / 1e9);
}

/* ---- threads ------------------------------------------------------------------------- */

static void *empty(void *arg)
{
    return arg;
}

static void thread_once(void)
{
    pthread_t t;
    int e = pthread_create(&t, NULL, empty, NULL);
    if (e) {
        errno = e;
        die("pthread_create");
    }
    e = pthread_join(t, NULL);
    if (e) {
        errno = e;
        die("pthread_join");
    }
}

/* ---- futex ping-pong ----------------------------------------------------------------- */
/* The word is 0 while it is the pinger's turn to signal and 1 while the ponger's.  Each side
 * flips it, wakes the other and sleeps until it is flipped back: one round trip = two
 * wake-ups. */

static long futex(atomic_int *w, int op, int val)
{
    return syscall(SYS_futex, w, op, val, NULL, NULL, 0);
}

static void wait_while(atomic_int *w, int val, int priv)
{
    while (atomic_load(w) == val) {
        if (futex(w, priv ? FUTEX_WAIT_PRIVATE : FUTEX_WAIT, val) < 0 && errno != EAGAIN &&
            errno != EINTR)
            die("futex wait");
    }
}

static void set_wake(atomic_int *w, int val, int priv)
{
    atomic_store(w, val);
    if (futex(w, priv ? FUTEX_WAKE_PRIVATE : FUTEX_WAKE, 1) < 0)
        die("futex wake");
}

static void ping(atomic_int *w, long n, int priv)
{
    for (long i = 0; i < n; i++) {
        set_wake(w, 1, priv);
        wait_while(w, 1, priv);
    }
}

static void pong(atomic_int *w, long n, int priv)
{
    for (long i = 0; i < n; i++) {
        wait_while(w, 0, priv);
        set_wake(w, 0, priv);
    }
}

struct pong_arg {
    atomic_int *w;
    long n;
};

static void *pong_thread(void *p)
{
    struct pong_arg *a = p;
    pong(a->w, a->n, 1);
    return NULL;
}

/* Returns ns per round trip of `n` timed round trips after `warm` untimed ones. */
static double futex_threads(long warm, long n)
{
    static atomic_int word;
    struct pong_arg a = {&word, warm + n};
    pthread_t t;
    int e = pthread_create(&t, NULL, pong_thread, &a);
    if (e) {
        errno = e;
        die("pthread_create");
    }
    ping(&word, warm, 1);
    long long t0 = now_ns();
    ping(&word, n, 1);
    long long t1 = now_ns();
    pthread_join(t, NULL);
    return (double)(t1 - t0) / (double)n;
}

static double futex_procs(long warm, long n)
{
    atomic_int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        die("mmap");
    atomic_store(w, 0);
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        pong(w, warm + n, 0);
        _exit(0);
    }
    ping(w, warm, 0);
    long long t0 = now_ns();
    ping(w, n, 0);
    long long t1 = now_ns();
    reap(pid);
    return (double)(t1 - t0) / (double)n;
}

/* ---- main ---------------------------------------------------------------------------- */

static long arg_n(int argc, char **argv, int i, long dflt)
{
    long n = argc > i ? atol(argv[i]) : dflt;
    return n > 0 ? n : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: proc fork|vfork|spawn|pipe|thread|futex-thread|futex-proc ...\n");
        return 2;
    }
    const char *mode = argv[1];
    long n = arg_n(argc, argv, 2, 1000);
    long warm = n / 20 < 10 ? 10 : n / 20;
    long long t0, t1;
    double result;

    if (!strcmp(mode, "fork")) {
        for (long i = 0; i < warm; i++)
            fork_once();
        t0 = now_ns();
        for (long i = 0; i < n; i++)
            fork_once();
        t1 = now_ns();
        result = (double)(t1 - t0) / (double)n;
    } else if (!strcmp(mode, "vfork") || !strcmp(mode, "spawn")) {
        if (argc < 4) {
            fprintf(stderr, "usage: proc %s N HELPER\n", mode);
            return 2;
        }
        const char *helper = argv[3];
        void (*once)(const char *) = !strcmp(mode, "vfork") ? vfork_once : spawn_once;
        for (long i = 0; i < warm; i++)
            once(helper);
        t0 = now_ns();
        for (long i = 0; i < n; i++)
            once(helper);
        t1 = now_ns();
        result = (double)(t1 - t0) / (double)n;
    } else if (!strcmp(mode, "pipe")) {
        size_t chunk = (size_t)arg_n(argc, argv, 3, 65536);
        pipe_mbps(n < 64 ? n : 64, chunk); /* warm-up: at most 64 MiB */
        result = pipe_mbps(n, chunk);
    } else if (!strcmp(mode, "thread")) {
        for (long i = 0; i < warm; i++)
            thread_once();
        t0 = now_ns();
        for (long i = 0; i < n; i++)
            thread_once();
        t1 = now_ns();
        result = (double)(t1 - t0) / (double)n;
    } else if (!strcmp(mode, "futex-thread")) {
        result = futex_threads(warm, n);
    } else if (!strcmp(mode, "futex-proc")) {
        result = futex_procs(warm, n);
    } else {
        fprintf(stderr, "proc: unknown mode %s\n", mode);
        return 2;
    }
    printf("RESULT %.2f\n", result);
    return 0;
}
