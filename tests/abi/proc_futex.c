/* futex ping-pong: 1000 round trips between two threads (FUTEX_PRIVATE_FLAG), between two
 * processes over a MAP_SHARED anonymous page (shared futex), and between two processes that
 * mapped the same file separately (key = file page, not address). */
#include "abi.h"
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_PRIVATE_FLAG 128
#define ROUNDS 1000

static int fwait(int *a, int v, int priv)
{
    return syscall(SYS_futex, a, FUTEX_WAIT | (priv ? FUTEX_PRIVATE_FLAG : 0), v, NULL, NULL, 0);
}
static int fwake(int *a, int priv)
{
    return syscall(SYS_futex, a, FUTEX_WAKE | (priv ? FUTEX_PRIVATE_FLAG : 0), 1, NULL, NULL, 0);
}

/* turn word: odd = ping's turn done, even = pong's; each side waits for its value */
static int play(int *w, int me, int priv)
{
    int waits = 0;
    for (int i = 0; i < ROUNDS; i++) {
        int want = 2 * i + me;       /* me: 0 ping, 1 pong */
        int v;
        while ((v = __atomic_load_n(w, __ATOMIC_ACQUIRE)) != want) {
            fwait(w, v, priv);
            waits++;
        }
        __atomic_store_n(w, want + 1, __ATOMIC_RELEASE);
        fwake(w, priv);
    }
    return waits;
}

static int tword;
static void *pong_thread(void *a)
{
    (void)a;
    play(&tword, 1, 1);
    return NULL;
}

int main(void)
{
    /* threads */
    pthread_t t;
    tword = 0;
    if ((errno = pthread_create(&t, NULL, pong_thread, NULL)) != 0) {
        printf("pthread_create: %s\n", errname(errno));
        return 1;
    }
    play(&tword, 0, 1);
    pthread_join(t, NULL);
    printf("threads: final word %d (expected %d)\n", tword, 2 * ROUNDS);

    /* processes, anonymous shared page, shared (non-private) futex */
    int *sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    MUST(sh == MAP_FAILED ? -1 : 0);
    int st;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        play(sh, 1, 0);
        _exit(0);
    }
    play(sh, 0, 0);
    waitpid(c, &st, 0);
    printf("processes (MAP_SHARED anon): final word %d, child status %d\n", *sh, WEXITSTATUS(st));

    /* processes, same file mapped at (possibly) different addresses; the word is not at
     * offset 0 of the page */
    int fd;
    MUST(fd = open("fx", O_RDWR | O_CREAT | O_TRUNC, 0644));
    MUST(ftruncate(fd, 8192));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int cfd = open("fx", O_RDWR);
        void *filler = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        (void)filler;
        char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        if (m == MAP_FAILED)
            _exit(1);
        play((int *)(m + 4096 + 64), 1, 0);
        _exit(0);
    }
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    MUST(m == MAP_FAILED ? -1 : 0);
    play((int *)(m + 4096 + 64), 0, 0);
    waitpid(c, &st, 0);
    printf("processes (file mapping): final word %d, child status %d\n", *(int *)(m + 4096 + 64),
           WEXITSTATUS(st));
    int onfile = 0;
    pread(fd, &onfile, 4, 4096 + 64);
    printf("word as read from the file: %d\n", onfile);

    /* a private futex wake does not reach a waiter in another process: the child waits with
     * a 50 ms timeout and reports what ended the wait */
    sh[10] = 0;
    sh[11] = 0;
    fflush(stdout);
    c = fork();
    if (c == 0) {
        struct timespec to = {0, 50000000};
        __atomic_store_n(&sh[11], 1, __ATOMIC_RELEASE);
        long r = syscall(SYS_futex, &sh[10], FUTEX_WAIT, 0, &to, NULL, 0);
        printf("  child: shared wait = %ld %s\n", r, r ? errname(errno) : "");
        _exit(0);
    }
    while (!__atomic_load_n(&sh[11], __ATOMIC_ACQUIRE))
        ;
    /* a private wake on the same address finds nobody: keys differ */
    for (int i = 0; i < 5; i++) {
        long n = syscall(SYS_futex, &sh[10], FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0);
        if (n != 0)
            printf("private wake woke %ld\n", n);
    }
    waitpid(c, &st, 0);
    return 0;
}
