/* Asynchronous signals: setitimer/alarm, EINTR without SA_RESTART, restart with SA_RESTART,
 * nanosleep interrupted with remaining time, getitimer. */
#include "abi.h"
#include <sys/time.h>
#include <time.h>

static int pfd[2];
static volatile int alarms;

static void on_alrm(int s)
{
    (void)s;
    alarms++;
    write(pfd[1], "A", 1);
}

static void arm(long usec)
{
    struct itimerval it = {{0, 0}, {0, usec}};
    if (setitimer(ITIMER_REAL, &it, NULL) != 0) {
        printf("setitimer = -1 %s\n", errname(errno)); /* would block forever below */
        exit(1);
    }
}

int main(void)
{
    MUST(pipe(pfd));
    struct sigaction sa = {0};
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);

    /* no SA_RESTART: blocking read on an empty pipe fails with EINTR... unless the handler's
     * byte is already there; read from a second, always-empty pipe instead */
    int q[2];
    MUST(pipe(q));
    char c;
    arm(20000);
    R("read interrupted", read(q[0], &c, 1));
    printf("alarms=%d\n", alarms);
    R("drain", read(pfd[0], &c, 1));

    /* SA_RESTART: the read restarts and then gets the byte written by the handler */
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    arm(20000);
    R("read restarted", read(pfd[0], &c, 1));
    printf("got=%c alarms=%d\n", c, alarms);

    /* nanosleep is never restarted; rem is filled */
    arm(20000);
    struct timespec req = {5, 0}, rem = {0, 0};
    R("nanosleep interrupted", nanosleep(&req, &rem));
    YN("rem between 3s and 5s", rem.tv_sec >= 3 && rem.tv_sec <= 5);
    read(pfd[0], &c, 1);

    /* getitimer while armed, then disarm */
    struct itimerval it = {{0, 0}, {10, 0}}, g;
    setitimer(ITIMER_REAL, &it, NULL);
    R("getitimer", getitimer(ITIMER_REAL, &g));
    YN("remaining in (9s,10s]", g.it_value.tv_sec >= 9 && g.it_value.tv_sec <= 10);
    printf("alarm(0) returns remaining secs>=9: %d\n", alarm(0) >= 9);
    R("getitimer after disarm", getitimer(ITIMER_REAL, &g));
    printf("disarmed: %d\n", g.it_value.tv_sec == 0 && g.it_value.tv_usec == 0);
    R("setitimer bad which", setitimer(99, &it, NULL));
    it.it_value.tv_usec = 2000000;
    R("setitimer bad usec", setitimer(ITIMER_REAL, &it, NULL));

    /* periodic timer: at least 3 ticks within 200ms using pause() */
    struct itimerval per = {{0, 10000}, {0, 10000}};
    int before = alarms;
    setitimer(ITIMER_REAL, &per, NULL);
    while (alarms - before < 3)
        pause();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, NULL);
    printf("periodic ticks >= 3: %d\n", alarms - before >= 3);
    return 0;
}
