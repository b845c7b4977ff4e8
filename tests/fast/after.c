/* A site whose number is set by a register move (not rewritable before the syscall) but
 * followed by glibc's error check `cmp $-4096,%rax; ja`: the backend replaces the syscall
 * and the cmp.  Checked: results, a call that the first trap patches while it blocks and is
 * restarted by SA_RESTART signals (both restart paths), and a signal handler that makes
 * calls from the same site. */
#include "fast.h"
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

/* long site_after(a, b, c, nr): mov %rcx,%rax; syscall; cmp $-4096,%rax; ja 1f; ret */
__asm__(".text\n.globl site_after\nsite_after:\n"
        "mov %rcx, %rax\n"
        ".globl site_after_sys\nsite_after_sys:\n"
        "syscall\n"
        "cmp $-4096, %rax\n"
        "ja 1f\n"
        "ret\n"
        "1: mov $-1, %rax\n"
        "ret\n");
long site_after(long a, long b, long c, long nr);
extern const unsigned char site_after_sys[];

static long ppid;
static volatile int ticks, bad_in_handler;

static void on_alarm(int s)
{
    (void)s;
    ticks++;
    if (site_after(0, 0, 0, 110) != ppid) /* getppid from the same site */
        bad_in_handler++;
}

int main(void)
{
    ppid = getppid();
    int p[2];
    CHECK(pipe(p) == 0, "pipe");
    struct sigaction sa = {0};
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    CHECK(sigaction(SIGALRM, &sa, NULL) == 0, "sigaction");
    pid_t w = fork();
    CHECK(w >= 0, "fork");
    if (w == 0) {
        usleep(300000);
        if (write(p[1], "x", 1) != 1)
            _exit(1);
        _exit(0);
    }
    struct itimerval it = {{0, 20000}, {0, 20000}};
    CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
    char c = 0;
    long r = site_after(p[0], (long)&c, 1, 0); /* read: blocks, restarted many times */
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    CHECK(r == 1 && c == 'x', "read returned %ld", r);
    CHECK(ticks > 0, "no signal during the read");
    CHECK(bad_in_handler == 0, "wrong getppid in the handler");
    int st;
    CHECK(waitpid(w, &st, 0) == w && WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer");
    for (int i = 0; i < 1000; i++)
        CHECK(site_after(0, 0, 0, 110) == ppid, "getppid %d", i);
    CHECK(site_after(-1, 0, 0, 3) == -1, "close(-1) fails"); /* the error branch */
    printf("ok\n");
    fprintf(stderr, "patched=%d\n", site_after_sys[0] != 0x0f);
    return 0;
}
