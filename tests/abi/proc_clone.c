/* Threads and clone: 8 pthreads joined (CLONE_CHILD_CLEARTID wakes the joiner) with their
 * return values; raw clone(CLONE_THREAD|CLONE_CHILD_CLEARTID|CLONE_PARENT_SETTID) waited
 * for on the tid word; clone() of a process on a new stack, CLONE_VFORK, exit signal 0 needing
 * __WALL, invalid flag combinations.  (Memory shared with CLONE_VM processes: proc_clone_vm.) */
#include "abi.h"
#include <pthread.h>
#include <sched.h>
#include <sys/wait.h>

#define FUTEX_WAIT 0
#define NT 8

static long results[NT];
static long tids[NT];

static void *worker(void *arg)
{
    long id = (long)arg;
    tids[id] = xgettid();
    long s = 0;
    for (long i = 0; i <= 1000 * (id + 1); i++)
        s += i;
    results[id] = s;
    return (void *)(id * 100);
}

static volatile int raw_store;
static volatile long raw_tid;
static volatile long raw_pid_seen;

static int raw_thread(void *arg)
{
    raw_tid = syscall(SYS_gettid);
    raw_pid_seen = syscall(SYS_getpid);
    raw_store = (int)(long)arg;
    return 0; /* the libc wrapper calls exit (of this thread only) */
}

static int raw_proc(void *arg)
{
    raw_store = (int)(long)arg;
    raw_pid_seen = syscall(SYS_getpid);
    return 21;
}

int main(void)
{
    pthread_t t[NT];
    for (long i = 0; i < NT; i++)
        if ((errno = pthread_create(&t[i], NULL, worker, (void *)i)) != 0) {
            printf("pthread_create: %s\n", errname(errno));
            return 1;
        }
    int ok = 1;
    for (long i = NT - 1; i >= 0; i--) { /* reverse order */
        void *ret;
        int r = pthread_join(t[i], &ret);
        long n = 1000 * (i + 1);
        if (r != 0 || (long)ret != i * 100 || results[i] != n * (n + 1) / 2)
            ok = 0;
    }
    printf("8 threads joined with correct results: %s\n", ok ? "yes" : "no");
    int distinct = 1;
    for (int i = 0; i < NT; i++)
        for (int j = 0; j < NT; j++)
            if (i != j && tids[i] == tids[j])
                distinct = 0;
    YN("tids distinct and != pid", distinct && tids[0] != getpid());

    /* raw clone thread; the kernel clears ctid and futex-wakes it when the thread exits */
    size_t ss = 256 * 1024;
    char *stack = malloc(ss);
    volatile int ctid = -1;
    int ptid = 0;
    int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID;
    int r = clone(raw_thread, stack + ss, flags, (void *)77L, &ptid, NULL, &ctid);
    YN("clone thread returned tid > 0", r > 0);
    YN("ptid written with the tid", ptid == r);
    int v;
    while ((v = ctid) != 0)
        syscall(SYS_futex, &ctid, FUTEX_WAIT, v, NULL, NULL, 0);
    printf("ctid cleared: yes, store=%d\n", raw_store);
    YN("thread's gettid == returned tid", raw_tid == r);
    YN("thread's getpid == ours", raw_pid_seen == getpid());
    R("waitpid on a thread", waitpid(r, NULL, WNOHANG));

    /* clone without CLONE_VM, on a new stack (a fork that runs fn): memory is copied */
    raw_store = 0;
    r = clone(raw_proc, stack + ss, SIGCHLD, (void *)88L);
    int st;
    YN("waitpid(clone child) returns it", waitpid(r, &st, 0) == r);
    printf("clone(SIGCHLD) child: status %d, parent's store untouched: %d\n", WEXITSTATUS(st), raw_store);

    /* CLONE_VFORK (memory sharing itself is in proc_clone_vm) */
    r = clone(raw_proc, stack + ss, CLONE_VM | CLONE_VFORK | SIGCHLD, (void *)99L);
    YN("CLONE_VM|CLONE_VFORK child: waitpid returns it", waitpid(r, &st, 0) == r);
    printf("status %d\n", WEXITSTATUS(st));

    /* clone without CLONE_VM and a non-SIGCHLD exit signal needs __WALL/__WCLONE */
    r = clone(raw_proc, stack + ss, 0 /* exit signal 0 */, (void *)1L);
    R("waitpid without __WALL (exit signal 0)", waitpid(r, &st, 0));
    YN("waitpid __WALL", waitpid(r, &st, __WALL) == r);
    printf("status %d\n", WEXITSTATUS(st));

    R("clone CLONE_THREAD without CLONE_SIGHAND", syscall(SYS_clone, CLONE_THREAD | CLONE_VM, 0, 0, 0, 0));
    R("clone CLONE_SIGHAND without CLONE_VM", syscall(SYS_clone, CLONE_SIGHAND, 0, 0, 0, 0));
    free(stack);
    return 0;
}
