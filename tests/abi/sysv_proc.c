/* /proc/sysvipc/{shm,sem,msg}: the header lines and the row of an object of ours;
 * /proc/sys/kernel limits of System V IPC. */
#include "abi.h"
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>

/* Print the header and the fields of the row whose key is k (with the id checked). */
static void show(const char *path, int k, int id, int nfields)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        printf("%s: %s\n", path, errname(errno));
        return;
    }
    char line[512];
    if (fgets(line, sizeof line, f))
        printf("%s header: %s", path, line);
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        long v[16];
        int n = 0;
        char *s = line, *e;
        while (n < 16 && (v[n] = strtol(s, &e, n == 2 ? 8 : 10), e != s))
            n++, s = e;
        if (n < nfields || v[0] != k)
            continue;
        found = 1;
        printf("row: id ok %d perms %lo", v[1] == id, v[2]);
        if (nfields == 7 && v[4] == getpid()) /* shm's cpid */
            printf(" f3 %ld f4 me\n", v[3]);
        else
            printf(" f3 %ld f4 %ld\n", v[3], v[4]);
    }
    printf("found: %d\n", found);
    fclose(f);
}

int main(void)
{
    int base = 0x50000000 | ((getpid() & 0xffff) << 4);
    int shm = shmget(base + 1, 12345, IPC_CREAT | IPC_EXCL | 0640);
    int sem = semget(base + 2, 7, IPC_CREAT | IPC_EXCL | 0604);
    int msg = msgget(base + 3, IPC_CREAT | IPC_EXCL | 0620);
    MUST(shm);
    MUST(sem);
    MUST(msg);
    void *p = shmat(shm, NULL, 0);
    struct {
        long t;
        char x[10];
    } m = {1, "123456789"};
    MUST(msgsnd(msg, &m, 10, 0));
    /* shm: size, cpid; sem: nsems, uid; msg: cbytes, qnum */
    show("/proc/sysvipc/shm", base + 1, shm, 7);
    show("/proc/sysvipc/sem", base + 2, sem, 6);
    show("/proc/sysvipc/msg", base + 3, msg, 6);
    shmdt(p);
    shmctl(shm, IPC_RMID, NULL);
    semctl(sem, 0, IPC_RMID);
    msgctl(msg, IPC_RMID, NULL);
    show("/proc/sysvipc/shm", base + 1, shm, 7);
    const char *lim[] = {"shmmni", "sem", "msgmax", "msgmnb", "msgmni", "shmmax", "shmall"};
    for (unsigned i = 0; i < sizeof lim / sizeof lim[0]; i++) {
        char path[64], buf[128];
        snprintf(path, sizeof path, "/proc/sys/kernel/%s", lim[i]);
        if (get_file(path, buf, sizeof buf) < 0)
            printf("%s: %s\n", lim[i], errname(errno));
        else
            printf("%s: %s", lim[i], buf);
    }
    return 0;
}
