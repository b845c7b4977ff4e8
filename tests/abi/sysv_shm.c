/* System V shared memory: shmget/shmat/shmdt/shmctl, keys, flags, errors, fork sharing,
 * deferred removal, a segment outliving its creator, permissions of another user. */
#include "abi.h"
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>

#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif

static key_t key_of(int n)
{
    /* Unique per run so parallel native runs never meet. */
    return (key_t)(0x51000000 | ((getpid() & 0xffff) << 4) | n);
}

int main(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    key_t k = key_of(1);

    /* Creation and lookup by key. */
    R("get absent key", shmget(k, 4096, 0600));
    int id = shmget(k, 10000, IPC_CREAT | IPC_EXCL | 0600);
    YN("create valid", id >= 0);
    R("exclusive again", shmget(k, 4096, IPC_CREAT | IPC_EXCL | 0600));
    YN("same id by key", shmget(k, 4096, 0600) == id);
    YN("same id with IPC_CREAT", shmget(k, 0, IPC_CREAT | 0600) == id);
    R("larger than the segment", shmget(k, 20000, 0600));
    R("size 0 private", shmget(IPC_PRIVATE, 0, 0600));
    R("huge private", syscall(SYS_shmget, IPC_PRIVATE, ~0ul, 0600));
    int id2 = shmget(IPC_PRIVATE, 4096, 0600);
    YN("private differs", id2 >= 0 && id2 != id);

    /* IPC_STAT of a fresh segment. */
    struct shmid_ds ds;
    R("IPC_STAT", shmctl(id, IPC_STAT, &ds));
    printf("segsz %lu nattch %lu mode %o cpid-is-me %d lpid %d atime0 %d\n",
           (unsigned long)ds.shm_segsz, (unsigned long)ds.shm_nattch,
           (unsigned)ds.shm_perm.mode, ds.shm_cpid == getpid(), ds.shm_lpid,
           ds.shm_atime == 0);
    YN("key in perm", ds.shm_perm.__key == k);
    YN("ctime set", ds.shm_ctime > 0);

    /* Attach, write, a second attachment sees the same bytes. */
    char *p = shmat(id, NULL, 0);
    YN("attach", p != (void *)-1);
    strcpy(p, "hello");
    char *q = shmat(id, NULL, SHM_RDONLY);
    YN("second attach", q != (void *)-1 && q != p);
    printf("second sees: %s\n", q);
    MUST(shmctl(id, IPC_STAT, &ds));
    printf("nattch %lu lpid-is-me %d atime set %d\n", (unsigned long)ds.shm_nattch,
           ds.shm_lpid == getpid(), ds.shm_atime > 0);
    YN("tail of last page is zero", p[10000] == 0 && p[pg * 3 - 1] == 0);

    /* Read-only attachment faults on write. */
    pid_t c = fork();
    if (c == 0) {
        q[0] = 'X';
        _exit(0);
    }
    wait_report("write through SHM_RDONLY", c);

    /* Fork: the child inherits attachments (nattch counts them) and shares the bytes. */
    c = fork();
    if (c == 0) {
        struct shmid_ds d;
        shmctl(id, IPC_STAT, &d);
        printf("child nattch %lu\n", (unsigned long)d.shm_nattch);
        strcpy(p, "from child");
        _exit(0);
    }
    wait_report("child", c);
    printf("parent sees: %s\n", p);
    MUST(shmctl(id, IPC_STAT, &ds));
    printf("nattch after child exit %lu\n", (unsigned long)ds.shm_nattch);

    /* shmdt errors and success. */
    R("shmdt unaligned", shmdt(p + 1));
    R("shmdt not attached", shmdt(&ds));
    R("shmdt second", shmdt(q));
    R("shmdt second again", shmdt(q));
    MUST(shmctl(id, IPC_STAT, &ds));
    printf("nattch %lu dtime set %d\n", (unsigned long)ds.shm_nattch, ds.shm_dtime > 0);

    /* Fixed addresses: SHM_RND, unaligned without it, occupied range, SHM_REMAP. */
    char *area = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    MUST((long)area);
    R("fixed over a mapping", (long)shmat(id, area, 0));
    char *r = shmat(id, area, SHM_REMAP);
    YN("SHM_REMAP at the address", r == area);
    printf("remapped sees: %s\n", r);
    MUST(shmdt(r));
    MUST(munmap(area, 4 * pg));
    R("unaligned no SHM_RND", (long)shmat(id, area + 1, 0));
    r = shmat(id, area + 1, SHM_RND);
    YN("SHM_RND rounds down", r == area);
    MUST(shmdt(r));
    R("SHM_REMAP without address", (long)shmat(id, NULL, SHM_REMAP));

    /* Bad ids and commands.  A removed segment's id is surely stale (natively, ids near
     * ours may belong to parallel runs). */
    int stale = shmget(IPC_PRIVATE, 4096, 0600);
    MUST(shmctl(stale, IPC_RMID, NULL));
    R("shmat bad id", (long)shmat(stale, NULL, 0));
    R("shmat negative id", (long)shmat(-1, NULL, 0));
    R("IPC_STAT bad id", shmctl(stale, IPC_STAT, &ds));
    R("IPC_STAT negative", shmctl(-1, IPC_STAT, &ds));
    R("IPC_STAT bad buffer", syscall(SYS_shmctl, id, IPC_STAT, (void *)8));
    R("bad cmd", syscall(SYS_shmctl, id, 99, &ds));
    R("cmd with IPC_64 bit", syscall(SYS_shmctl, id, IPC_STAT | 0x100, &ds));

    /* IPC_SET changes mode and owner; ctime. */
    MUST(shmctl(id, IPC_STAT, &ds));
    ds.shm_perm.mode = 0640;
    R("IPC_SET", shmctl(id, IPC_SET, &ds));
    MUST(shmctl(id, IPC_STAT, &ds));
    printf("mode after set %o\n", (unsigned)ds.shm_perm.mode);
    ds.shm_perm.uid = (uid_t)-1;
    R("IPC_SET uid -1", shmctl(id, IPC_SET, &ds));

    /* IPC_INFO / SHM_INFO / SHM_STAT. */
    struct shminfo si;
    YN("IPC_INFO", shmctl(0, IPC_INFO, (struct shmid_ds *)&si) >= 0);
    printf("shmmni %lu shmmin %lu shmseg %lu\n", (unsigned long)si.shmmni,
           (unsigned long)si.shmmin, (unsigned long)si.shmseg);
    struct shm_info sinf;
    int maxidx = shmctl(0, SHM_INFO, (struct shmid_ds *)&sinf);
    YN("SHM_INFO used_ids >= 2", maxidx >= 0 && sinf.used_ids >= 2);
    YN("SHM_STAT of our slot gives our id", shmctl(id & 0x7fff, SHM_STAT, &ds) == id);
    YN("SHM_STAT_ANY of our slot", shmctl(id & 0x7fff, SHM_STAT_ANY, &ds) == id);

    /* Another user: no access with 0600, EPERM on IPC_RMID/IPC_SET. */
    c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(9);
        struct shmid_ds d;
        R("other user shmget", shmget(k, 0, 0600));
        R("other user shmget no perms asked", shmget(k, 0, 0) == id ? 0 : -1);
        R("other user shmat", (long)shmat(id, NULL, 0));
        R("other user IPC_STAT", shmctl(id, IPC_STAT, &d));
        R("other user SHM_STAT_ANY", shmctl(id & 0x7fff, SHM_STAT_ANY, &d) == id ? 0 : -1);
        R("other user IPC_RMID", shmctl(id, IPC_RMID, NULL));
        _exit(0);
    }
    wait_report("other user", c);

    /* Deferred destruction: RMID while attached keeps it usable until the last detach. */
    p = shmat(id, NULL, 0);
    R("IPC_RMID attached", shmctl(id, IPC_RMID, NULL));
    MUST(shmctl(id, IPC_STAT, &ds));
    printf("dest bit %d key private %d nattch %lu\n", (ds.shm_perm.mode & SHM_DEST) != 0,
           ds.shm_perm.__key == IPC_PRIVATE, (unsigned long)ds.shm_nattch);
    R("key gone", shmget(k, 0, 0600));
    printf("still readable: %s\n", p);
    char *p2 = shmat(id, NULL, 0);
    YN("attach a removed segment by id", p2 != (void *)-1);
    MUST(shmdt(p2));
    R("shmdt last", shmdt(p));
    R("IPC_STAT after last detach", shmctl(id, IPC_STAT, &ds));

    /* A segment outliving its creator: a child creates and fills it, then exits. */
    key_t k2 = key_of(2);
    c = fork();
    if (c == 0) {
        int cid = shmget(k2, 8192, IPC_CREAT | IPC_EXCL | 0600);
        char *cp = shmat(cid, NULL, 0);
        strcpy(cp + 4096, "left by the child");
        _exit(cid < 0 || cp == (void *)-1);
    }
    wait_report("creator", c);
    int id3 = shmget(k2, 0, 0600);
    YN("found after creator exit", id3 >= 0);
    MUST(shmctl(id3, IPC_STAT, &ds));
    printf("nattch %lu cpid is child %d\n", (unsigned long)ds.shm_nattch, ds.shm_cpid == c);
    char *p3 = shmat(id3, NULL, SHM_RDONLY);
    printf("reads: %s\n", p3 + 4096);
    MUST(shmdt(p3));
    R("rmid", shmctl(id3, IPC_RMID, NULL));

    /* exec detaches. */
    MUST(shmctl(id2, IPC_STAT, &ds));
    p = shmat(id2, NULL, 0);
    c = fork();
    if (c == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    wait_report("exec child", c);
    MUST(shmctl(id2, IPC_STAT, &ds));
    printf("nattch after exec child %lu\n", (unsigned long)ds.shm_nattch);
    /* munmap of the whole attachment detaches it too. */
    MUST(munmap(p, 4096));
    MUST(shmctl(id2, IPC_STAT, &ds));
    printf("nattch after munmap %lu\n", (unsigned long)ds.shm_nattch);
    R("rmid private", shmctl(id2, IPC_RMID, NULL));
    R("rmid again", shmctl(id2, IPC_RMID, NULL));
    return 0;
}
