/* A forked child does not inherit the parent's futex waiters: with a thread of the parent
 * blocked on a word, the child's FUTEX_WAKE on that word wakes nobody (returns 0), and the
 * child's own threads can wait and wake there; the parent's waiter is then still woken by
 * the parent. */
#include "abi.h"
#include <pthread.h>
#include <sys/wait.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128

static int word, ready;

static long fwait(int *a, int v)
{
    return syscall(SYS_futex, a, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, v, NULL, NULL, 0);
}
static long fwake(int *a, int n)
{
    return syscall(SYS_futex, a, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, n, NULL, NULL, 0);
}

static void *waiter(void *a)
{
    (void)a;
    __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
    while (__atomic_load_n(&word, __ATOMIC_ACQUIRE) == 0)
        fwait(&word, 0);
    return NULL;
}

static int cword;
static void *child_waiter(void *a)
{
    (void)a;
    while (__atomic_load_n(&cword, __ATOMIC_ACQUIRE) == 0)
        fwait(&cword, 0);
    return NULL;
}

int main(void)
{
    pthread_t t;
    if ((errno = pthread_create(&t, NULL, waiter, NULL)) != 0) {
        printf("pthread_create: %s\n", errname(errno));
        return 1;
    }
    while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE))
        usleep(1000);
    usleep(100 * 1000); /* let it sleep in the kernel */
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        /* Nobody waits on word in this process. */
        printf("child: wake on the parent's word: %ld\n", fwake(&word, 10));
        /* Threads of the child: several rounds of wait/wake, each thread new. */
        int ok = 1;
        for (int i = 0; i < 20; i++) {
            pthread_t c;
            cword = 0;
            if (pthread_create(&c, NULL, child_waiter, NULL) != 0) {
                ok = 0;
                break;
            }
            usleep(2000);
            __atomic_store_n(&cword, 1, __ATOMIC_RELEASE);
            fwake(&cword, 1);
            pthread_join(c, NULL);
            if (fwake(&word, 10) != 0)
                ok = 0;
        }
        printf("child: 20 thread rounds, parent's word never had waiters: %s\n",
               ok ? "yes" : "no");
        fflush(stdout);
        _exit(0);
    }
    int st;
    R("waitpid", waitpid(pid, &st, 0) == pid ? 0 : -1);
    printf("child status %#x\n", st);
    __atomic_store_n(&word, 1, __ATOMIC_RELEASE);
    long woke = fwake(&word, 10);
    YN("parent woke its waiter", woke == 1);
    pthread_join(t, NULL);
    printf("joined\n");
    return 0;
}
