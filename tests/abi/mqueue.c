/* POSIX message queues: mq_open/mq_unlink/mq_timedsend/mq_timedreceive/mq_getsetattr/
 * mq_notify (SIGEV_SIGNAL, SIGEV_NONE), priorities, O_NONBLOCK, EMSGSIZE, timeouts, poll
 * readiness, a receiver blocked across fork, the QSIZE line read from the descriptor. */
#include "abi.h"
#include <mqueue.h>
#include <poll.h>
#include <time.h>

static volatile int got_sig, got_code, got_val;
static void on_usr1(int s, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = s;
    got_code = si->si_code;
    got_val = si->si_value.sival_int;
}

static void qsize(const char *label, mqd_t q)
{
    char buf[128];
    lseek(q, 0, SEEK_SET);
    long n = read(q, buf, sizeof buf - 1);
    if (n < 0) {
        printf("%s: read %s\n", label, errname(errno));
        return;
    }
    buf[n] = 0;
    /* NOTIFY_PID shows a pid: print it as "me" or 0. */
    char *p = strstr(buf, "NOTIFY_PID:");
    if (p && atoi(p + 11) == getpid())
        strcpy(p + 11, "me\n");
    printf("%s: %s", label, buf);
}

static void recv1(const char *label, mqd_t q, size_t sz)
{
    char buf[64];
    unsigned prio = 99;
    errno = 0;
    long r = mq_receive(q, buf, sz, &prio);
    if (r < 0)
        printf("%s = -1 %s\n", label, errname(errno));
    else
        printf("%s = %ld prio %u \"%.*s\"\n", label, r, prio, (int)r, buf);
}

int main(void)
{
    char name[64];
    snprintf(name, sizeof name, "/abi-mq-%d", getpid());
    struct mq_attr at = {0, 4, 32, 0, {0}};
    R("open absent", mq_open(name, O_RDWR));
    mqd_t q = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &at);
    YN("create", q >= 0);
    R("excl again", mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &at));
    struct mq_attr bad = {0, 0, 32, 0, {0}};
    char n2[80];
    snprintf(n2, sizeof n2, "%s-b", name);
    R("maxmsg 0", mq_open(n2, O_RDWR | O_CREAT, 0600, &bad));
    R("raw name with slash", syscall(SYS_mq_open, "a/b", O_RDWR | O_CREAT, 0600, NULL));
    R("raw empty name", syscall(SYS_mq_open, "", O_RDWR | O_CREAT, 0600, NULL));
    R("raw bad attr", syscall(SYS_mq_open, n2 + 1, O_RDWR | O_CREAT, 0600, (void *)8));
    mqd_t d = mq_open(n2, O_RDWR | O_CREAT | O_EXCL, 0644, NULL);
    struct mq_attr ga;
    MUST(mq_getattr(d, &ga));
    printf("default maxmsg %ld msgsize %ld\n", ga.mq_maxmsg, ga.mq_msgsize);
    R("close default", mq_close(d));
    R("unlink default", mq_unlink(n2));

    MUST(mq_getattr(q, &ga));
    printf("flags %ld maxmsg %ld msgsize %ld curmsgs %ld\n", ga.mq_flags, ga.mq_maxmsg,
           ga.mq_msgsize, ga.mq_curmsgs);
    qsize("empty", q);

    /* Priorities: highest first, FIFO within one. */
    R("send a/1", mq_send(q, "a", 1, 1));
    R("send b/5", mq_send(q, "bb", 2, 5));
    R("send c/1", mq_send(q, "ccc", 3, 1));
    qsize("three", q);
    R("send too long", mq_send(q, "x", 33, 0));
    R("send prio too big", mq_send(q, "x", 1, 32768));
    R("send on bad fd", mq_send(99, "x", 1, 0));
    R("send on a pipe", mq_send(0, "x", 1, 0));
    struct pollfd pf = {q, POLLIN | POLLOUT, 0};
    R("poll", poll(&pf, 1, 0));
    printf("revents in %d out %d\n", !!(pf.revents & POLLIN), !!(pf.revents & POLLOUT));
    R("send d/0", mq_send(q, "dddd", 4, 0));
    pf.revents = 0;
    poll(&pf, 1, 0);
    printf("full: revents in %d out %d\n", !!(pf.revents & POLLIN), !!(pf.revents & POLLOUT));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000)
        ts.tv_sec++, ts.tv_nsec -= 1000000000;
    R("full send times out", mq_timedsend(q, "e", 1, 0, &ts));
    struct timespec bt = {0, -1};
    R("bad timeout", mq_timedsend(q, "e", 1, 0, &bt));
    struct mq_attr nb = {O_NONBLOCK, 0, 0, 0, {0}}, old;
    R("set nonblock", mq_setattr(q, &nb, &old));
    printf("old flags %ld curmsgs %ld\n", old.mq_flags, old.mq_curmsgs);
    R("full nonblock", mq_send(q, "e", 1, 0));
    struct mq_attr badf = {1, 0, 0, 0, {0}};
    R("setattr bad flags", mq_setattr(q, &badf, NULL));
    recv1("small buffer", q, 31);
    recv1("r1", q, 32);
    recv1("r2", q, 64);
    recv1("r3", q, 64);
    recv1("r4", q, 64);
    recv1("empty nonblock", q, 64);
    nb.mq_flags = 0;
    MUST(mq_setattr(q, &nb, NULL));
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000)
        ts.tv_sec++, ts.tv_nsec -= 1000000000;
    char buf[64];
    R("empty receive times out", mq_timedreceive(q, buf, 64, NULL, &ts));

    /* A receiver blocked in a child, across fork. */
    pid_t c = fork();
    if (c == 0) {
        recv1("child got", q, 64);
        _exit(0);
    }
    usleep(50000);
    MUST(mq_send(q, "hello child", 11, 3));
    wait_report("receiver", c);

    /* mq_notify with a signal: fires on the empty -> non-empty edge, once. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR1;
    ev.sigev_value.sival_int = 42;
    R("notify", mq_notify(q, &ev));
    R("notify again", mq_notify(q, &ev));
    qsize("registered", q);
    sigset_t us, prev;
    sigemptyset(&us);
    sigaddset(&us, SIGUSR1);
    sigprocmask(SIG_BLOCK, &us, &prev); /* taken after the wait, not during it */
    c = fork();
    if (c == 0) {
        R("child notify busy", mq_notify(q, &ev));
        mq_send(q, "ping", 4, 0);
        _exit(0);
    }
    wait_report("sender", c);
    sigprocmask(SIG_SETMASK, &prev, NULL);
    printf("signal %d code SI_MESGQ %d value %d\n", got_sig == SIGUSR1, got_code == SI_MESGQ,
           got_val);
    qsize("after notification", q);
    recv1("ping", q, 64);
    ev.sigev_notify = SIGEV_NONE;
    R("notify none", mq_notify(q, &ev));
    qsize("none registered", q);
    R("unregister", mq_notify(q, NULL));
    ev.sigev_notify = 99;
    R("notify bad kind", mq_notify(q, &ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = 0;
    R("notify bad signal", mq_notify(q, &ev));

    /* Access modes and unlink while open. */
    mqd_t ro = mq_open(name, O_RDONLY);
    R("send on read-only", mq_send(ro, "x", 1, 0));
    mqd_t wo = mq_open(name, O_WRONLY);
    R("receive on write-only", mq_receive(wo, buf, 64, NULL));
    R("open O_RDWR|O_WRONLY", syscall(SYS_mq_open, name + 1, 3, 0));
    R("unlink", mq_unlink(name));
    R("unlink again", mq_unlink(name));
    R("still usable", mq_send(wo, "z", 1, 0));
    recv1("after unlink", ro, 64);
    mq_close(ro);
    mq_close(wo);
    R("close", mq_close(q));
    return 0;
}
