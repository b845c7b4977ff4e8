/* System V semaphores: semget/semop/semtimedop/semctl, atomic multi-op semop, IPC_NOWAIT,
 * ERANGE, SEM_UNDO applied at exit, blocking across fork, EIDRM to a waiter, EINTR,
 * timeouts, GETNCNT/GETZCNT, permissions of another user. */
#include "abi.h"
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>

union semun_ {
    int val;
    struct semid_ds *buf;
    unsigned short *array;
};

static void onalrm(int s) { (void)s; }

static void show(int id, int n)
{
    printf("values:");
    for (int i = 0; i < n; i++)
        printf(" %d", semctl(id, i, GETVAL));
    printf("\n");
}

static int op(int id, int num, int o, int flg)
{
    struct sembuf b = {(unsigned short)num, (short)o, (short)flg};
    return semop(id, &b, 1);
}

int main(void)
{
    key_t k = (key_t)(0x53000000 | ((getpid() & 0xffff) << 4));
    R("get absent", semget(k, 1, 0600));
    R("nsems negative", semget(IPC_PRIVATE, -1, 0600));
    R("nsems 0 private", semget(IPC_PRIVATE, 0, 0600));
    R("nsems over SEMMSL", semget(IPC_PRIVATE, 32001, 0600));
    int id = semget(k, 3, IPC_CREAT | IPC_EXCL | 0600);
    YN("create", id >= 0);
    R("excl again", semget(k, 3, IPC_CREAT | IPC_EXCL | 0600));
    YN("by key, fewer sems", semget(k, 2, 0600) == id);
    YN("by key, nsems 0", semget(k, 0, 0600) == id);
    R("by key, more sems", semget(k, 4, 0600));
    show(id, 3);

    struct semid_ds ds;
    union semun_ a = {.buf = &ds};
    R("IPC_STAT", semctl(id, 0, IPC_STAT, a));
    printf("nsems %lu mode %o otime %d\n", (unsigned long)ds.sem_nsems,
           (unsigned)ds.sem_perm.mode, ds.sem_otime == 0);

    /* SETVAL / SETALL / GETALL and their errors. */
    a.val = 5;
    R("SETVAL", semctl(id, 0, SETVAL, a));
    a.val = 32768;
    R("SETVAL over SEMVMX", semctl(id, 0, SETVAL, a));
    a.val = -1;
    R("SETVAL negative", semctl(id, 0, SETVAL, a));
    a.val = 1;
    R("SETVAL bad semnum", semctl(id, 3, SETVAL, a));
    unsigned short all[3] = {1, 2, 3};
    a.array = all;
    R("SETALL", semctl(id, 0, SETALL, a));
    unsigned short bad[3] = {1, 40000, 3};
    a.array = bad;
    R("SETALL over SEMVMX", semctl(id, 0, SETALL, a));
    unsigned short got[3] = {0};
    a.array = got;
    R("GETALL", semctl(id, 0, GETALL, a));
    printf("getall %d %d %d\n", got[0], got[1], got[2]);
    R("GETALL bad buffer", syscall(SYS_semctl, id, 0, GETALL, (void *)8));
    R("GETVAL bad semnum", semctl(id, 7, GETVAL));
    YN("GETPID is me", semctl(id, 0, GETPID) == getpid());
    R("bad cmd", semctl(id, 0, 99));
    R("negative id", semctl(-1, 0, GETVAL));

    /* semop: atomic multi-op, IPC_NOWAIT, ERANGE, E2BIG, EFBIG, EINVAL. */
    struct sembuf two[2] = {{0, -1, IPC_NOWAIT}, {1, -5, IPC_NOWAIT}};
    R("all-or-nothing", semop(id, two, 2));
    show(id, 3);
    two[1].sem_op = -2;
    R("both", semop(id, two, 2));
    show(id, 3);
    struct sembuf dup[3] = {{2, -3, 0}, {2, +1, 0}, {2, 0, IPC_NOWAIT}};
    R("same sem, wait-for-zero last", semop(id, dup, 3));
    show(id, 3);
    R("zero wait nowait", op(id, 2, 0, IPC_NOWAIT));
    R("decrement nowait", op(id, 0, -1, IPC_NOWAIT));
    a.val = 32767;
    MUST(semctl(id, 1, SETVAL, a));
    R("over SEMVMX", op(id, 1, 1, 0));
    a.val = 0;
    MUST(semctl(id, 1, SETVAL, a));
    R("sem_num too big", op(id, 3, 1, 0));
    R("nsops 0", semop(id, two, 0));
    static struct sembuf many[501];
    R("nsops 501", semop(id, many, 501));
    R("bad sops pointer", syscall(SYS_semop, id, (void *)8, 1));
    struct timespec bt = {0, 1000000000};
    R("bad timeout", semtimedop(id, two, 1, &bt));
    struct timespec t = {0, 20000000};
    R("timeout", semtimedop(id, two, 1, &t));
    two[0].sem_flg = 0;
    R("timeout, blocking op", semtimedop(id, two, 1, &t));

    /* EINTR: semop is never restarted, even with SA_RESTART. */
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = onalrm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    R("interrupted", op(id, 0, -1, 0));

    /* Blocking across fork: the child waits, the parent posts; GETNCNT sees the waiter. */
    pid_t c = fork();
    if (c == 0) {
        int r = op(id, 0, -1, 0);
        printf("child woke: %d\n", r);
        _exit(0);
    }
    while (semctl(id, 0, GETNCNT) != 1)
        usleep(1000);
    printf("ncnt %d zcnt %d\n", semctl(id, 0, GETNCNT), semctl(id, 0, GETZCNT));
    MUST(op(id, 0, 1, 0));
    wait_report("waiter", c);
    printf("ncnt after %d\n", semctl(id, 0, GETNCNT));

    /* SEM_UNDO on exit: a child takes 1 with SEM_UNDO and adds 3 with SEM_UNDO, then exits. */
    a.val = 2;
    MUST(semctl(id, 2, SETVAL, a));
    c = fork();
    if (c == 0) {
        op(id, 2, -1, SEM_UNDO);
        op(id, 2, 3, SEM_UNDO);
        op(id, 2, 1, 0);
        printf("child sees %d\n", semctl(id, 2, GETVAL));
        _exit(0);
    }
    wait_report("undo child", c);
    printf("after undo: %d (pid is child %d)\n", semctl(id, 2, GETVAL),
           semctl(id, 2, GETPID) == c);
    /* The undo clamps at 0: the child adds 2 with undo, the parent takes it away. */
    a.val = 0;
    MUST(semctl(id, 2, SETVAL, a));
    int pfd[2], cfd[2];
    MUST(pipe(pfd));
    MUST(pipe(cfd));
    c = fork();
    if (c == 0) {
        char x;
        op(id, 2, 2, SEM_UNDO);
        write(cfd[1], "g", 1);
        read(pfd[0], &x, 1);
        _exit(0);
    }
    char x;
    read(cfd[0], &x, 1);
    MUST(op(id, 2, -2, 0));
    write(pfd[1], "g", 1);
    wait_report("clamp child", c);
    printf("after clamped undo: %d\n", semctl(id, 2, GETVAL));
    /* SETVAL clears adjustments: a child's undo is then not applied. */
    c = fork();
    if (c == 0) {
        op(id, 2, 4, SEM_UNDO);
        a.val = 7;
        semctl(id, 2, SETVAL, a);
        _exit(0);
    }
    wait_report("setval child", c);
    printf("after setval cleared undo: %d\n", semctl(id, 2, GETVAL));
    /* Undo range: adjustment beyond SEMAEM. */
    a.val = 0;
    MUST(semctl(id, 1, SETVAL, a));
    c = fork();
    if (c == 0) {
        R("undo +32767", op(id, 1, 32767, SEM_UNDO));
        a.val = 0;
        semctl(id, 1, SETVAL, a);
        R("undo past range", op(id, 1, 1, SEM_UNDO));
        R("undo -1 ok", op(id, 1, 0, SEM_UNDO | IPC_NOWAIT));
        _exit(0);
    }
    wait_report("range child", c);

    /* Another user. */
    c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(9);
        R("other semget", semget(k, 0, 0600));
        R("other GETVAL", semctl(id, 0, GETVAL));
        R("other semop", op(id, 0, 1, IPC_NOWAIT));
        R("other RMID", semctl(id, 0, IPC_RMID));
        _exit(0);
    }
    wait_report("other user", c);

    /* IPC_SET, IPC_INFO, SEM_INFO, SEM_STAT. */
    a.buf = &ds;
    MUST(semctl(id, 0, IPC_STAT, a));
    ds.sem_perm.mode = 0660;
    R("IPC_SET", semctl(id, 0, IPC_SET, a));
    MUST(semctl(id, 0, IPC_STAT, a));
    printf("mode %o otime set %d\n", (unsigned)ds.sem_perm.mode, ds.sem_otime > 0);
    struct seminfo si;
    a.buf = (struct semid_ds *)&si;
    YN("IPC_INFO", semctl(0, 0, IPC_INFO, a) >= 0);
    printf("semmsl %d semopm %d semvmx %d semmni %d semmns %d semume %d semusz %d\n", si.semmsl,
           si.semopm, si.semvmx, si.semmni, si.semmns, si.semume, si.semusz);
    YN("SEM_INFO", semctl(0, 0, SEM_INFO, a) >= 0 && si.semusz >= 1);
    a.buf = &ds;
    YN("SEM_STAT", semctl(id & 0x7fff, 0, SEM_STAT, a) == id);

    /* Removal wakes a waiter with EIDRM. */
    c = fork();
    if (c == 0) {
        R("waiter on removed set", op(id, 1, -1, 0));
        _exit(0);
    }
    while (semctl(id, 1, GETNCNT) != 1)
        usleep(1000);
    R("IPC_RMID", semctl(id, 0, IPC_RMID));
    wait_report("removed waiter", c);
    R("GETVAL after RMID", semctl(id, 0, GETVAL));
    R("semop after RMID", op(id, 0, 1, 0));
    return 0;
}
