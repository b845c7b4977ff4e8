/* POSIX named semaphores (sem_open) and shm_open on /dev/shm, shared across fork; unnamed
 * process-shared semaphores in MAP_SHARED memory (what PostgreSQL uses). */
#include "abi.h"
#include <semaphore.h>
#include <sys/mman.h>
#include <time.h>

int main(void)
{
    char sname[64], mname[64];
    snprintf(sname, sizeof sname, "/abi-sem-%d", getpid());
    snprintf(mname, sizeof mname, "/abi-shm-%d", getpid());

    sem_t *s = sem_open(sname, O_CREAT | O_EXCL, 0600, 0);
    YN("sem_open", s != SEM_FAILED);
    YN("sem_open excl again fails", sem_open(sname, O_CREAT | O_EXCL, 0600, 0) == SEM_FAILED);
    R("trywait empty", sem_trywait(s));
    pid_t c = fork();
    if (c == 0) {
        sem_t *cs = sem_open(sname, 0);
        usleep(20000);
        sem_post(cs);
        sem_post(cs);
        _exit(0);
    }
    R("wait for the child's post", sem_wait(s));
    wait_report("poster", c);
    int v = -1;
    sem_getvalue(s, &v);
    printf("value %d\n", v);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 20000000;
    if (ts.tv_nsec >= 1000000000)
        ts.tv_sec++, ts.tv_nsec -= 1000000000;
    R("take", sem_wait(s));
    R("timedwait times out", sem_timedwait(s, &ts));
    R("sem_close", sem_close(s));
    R("sem_unlink", sem_unlink(sname));
    R("sem_unlink again", sem_unlink(sname));
    YN("sem_open gone", sem_open(sname, 0) == SEM_FAILED && errno == ENOENT);

    int fd = shm_open(mname, O_RDWR | O_CREAT | O_EXCL, 0600);
    YN("shm_open", fd >= 0);
    MUST(ftruncate(fd, 8192));
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    MUST((long)p);
    c = fork();
    if (c == 0) {
        int cfd = shm_open(mname, O_RDWR, 0);
        char *cp = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
        strcpy(cp + 4096, "written by the child");
        _exit(0);
    }
    wait_report("writer", c);
    printf("parent reads: %s\n", p + 4096);
    struct stat st;
    MUST(fstat(fd, &st));
    printf("size %ld mode %o\n", (long)st.st_size, (unsigned)st.st_mode & 0777);
    R("shm_unlink", shm_unlink(mname));
    R("shm_unlink again", shm_unlink(mname));
    R("shm_open gone", shm_open(mname, O_RDWR, 0));

    /* Unnamed, process-shared, in anonymous shared memory. */
    sem_t *u = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    MUST((long)u);
    R("sem_init pshared", sem_init(u, 1, 0));
    c = fork();
    if (c == 0) {
        for (int i = 0; i < 1000; i++) {
            sem_post(&u[0]);
        }
        _exit(0);
    }
    for (int i = 0; i < 1000; i++)
        sem_wait(&u[0]);
    wait_report("unnamed poster", c);
    sem_getvalue(u, &v);
    printf("unnamed value %d\n", v);
    return 0;
}
