/* futex: WAIT with wrong value -> EAGAIN, WAIT timeout -> ETIMEDOUT, WAKE counts,
 * bad op -> ENOSYS, bad address -> EFAULT, cross-thread wake. */
#include "abi.h"
#include <pthread.h>
#include <time.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128

static int word;
static volatile int woke;

static void *waker(void *a)
{
    (void)a;
    struct timespec d = {0, 20000000};
    nanosleep(&d, NULL);
    __atomic_store_n(&word, 1, __ATOMIC_SEQ_CST);
    long n;
    do
        n = syscall(SYS_futex, &word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
    while (n == 0 && !woke);
    return NULL;
}

int main(void)
{
    struct timespec ts = {0, 10000000};
    word = 5;
    R("WAIT wrong value", syscall(SYS_futex, &word, FUTEX_WAIT, 4, NULL, NULL, 0));
    R("WAIT timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 5, &ts, NULL, 0));
    R("WAKE nobody", syscall(SYS_futex, &word, FUTEX_WAKE, 10, NULL, NULL, 0));
    R("PRIVATE WAKE nobody", syscall(SYS_futex, &word, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0));
    R("bad op", syscall(SYS_futex, &word, 99, 0, NULL, NULL, 0));
    R("WAIT bad addr", syscall(SYS_futex, (void *)8, FUTEX_WAIT, 0, NULL, NULL, 0));
    R("WAIT unaligned", syscall(SYS_futex, (char *)&word + 1, FUTEX_WAIT, 0, NULL, NULL, 0));
    ts.tv_nsec = 2000000000L;
    R("WAIT bad timeout", syscall(SYS_futex, &word, FUTEX_WAIT, 5, &ts, NULL, 0));

    word = 0;
    pthread_t t;
    int e = pthread_create(&t, NULL, waker, NULL);
    if (e) {
        printf("pthread_create: %s\n", errname(e));
        return 1;
    }
    long r;
    while (__atomic_load_n(&word, __ATOMIC_SEQ_CST) == 0) {
        r = syscall(SYS_futex, &word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0);
        (void)r;
    }
    woke = 1;
    pthread_join(t, NULL);
    printf("woken by thread: word=%d\n", word);
    return 0;
}
