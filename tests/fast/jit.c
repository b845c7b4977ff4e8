/* JIT-like code: a syscall stub written into an mmap'd page, run, rewritten and run again
 * must show the new code's effect, whether the page is RWX, toggled W^X (with only the
 * immediate rewritten: the nastiest partial update), or written through a second, shared
 * alias of a memfd. */
#define _GNU_SOURCE
#include "fast.h"
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef long (*fn_t)(void);

/* mov $nr,%eax; syscall; ret */
static void emit(unsigned char *p, int nr)
{
    unsigned char code[] = {0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0xc3};
    memcpy(code + 1, &nr, 4);
    memcpy(p, code, sizeof(code));
}

static void set_nr(unsigned char *p, int nr)
{
    memcpy(p + 1, &nr, 4); /* only the immediate */
}

static void run(fn_t f, long want, const char *what)
{
    for (int i = 0; i < 4; i++) {
        long r = f();
        CHECK(r == want, "%s: call %d returned %ld, want %ld", what, i, r, want);
    }
}

int main(void)
{
    long pid = getpid(), ppid = getppid(), uid = getuid();
    CHECK(pid != ppid, "pid and ppid differ");
    long pg = sysconf(_SC_PAGESIZE);

    /* RWX: rewritten with plain stores, no call in between. */
    unsigned char *rwx = mmap(NULL, pg, PROT_READ | PROT_WRITE | PROT_EXEC,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(rwx != MAP_FAILED, "mmap rwx");
    emit(rwx, 39);
    run((fn_t)rwx, pid, "rwx getpid");
    set_nr(rwx, 110);
    run((fn_t)rwx, ppid, "rwx getppid");
    emit(rwx, 102);
    run((fn_t)rwx, uid, "rwx getuid");

    /* W^X: RW to write, RX to run. */
    unsigned char *wx = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(wx != MAP_FAILED, "mmap rw");
    emit(wx, 39);
    CHECK(mprotect(wx, pg, PROT_READ | PROT_EXEC) == 0, "mprotect rx");
    run((fn_t)wx, pid, "w^x getpid");
    CHECK(mprotect(wx, pg, PROT_READ | PROT_WRITE) == 0, "mprotect rw");
    CHECK(wx[0] == 0xb8, "w^x: the program reads back what it wrote (got %#x)", wx[0]);
    set_nr(wx, 110);
    CHECK(mprotect(wx, pg, PROT_READ | PROT_EXEC) == 0, "mprotect rx 2");
    run((fn_t)wx, ppid, "w^x getppid");
    CHECK(mprotect(wx, pg, PROT_READ | PROT_WRITE) == 0, "mprotect rw 2");
    emit(wx + 64, 102);
    memset(wx, 0xcc, 8);
    CHECK(mprotect(wx, pg, PROT_READ | PROT_EXEC) == 0, "mprotect rx 3");
    run((fn_t)(wx + 64), uid, "w^x getuid (moved)");

    /* The same code through munmap and a new mapping at the same address. */
    CHECK(munmap(wx, pg) == 0, "munmap");
    unsigned char *again = mmap(wx, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                                -1, 0);
    CHECK(again == wx, "mmap again");
    emit(again + 64, 39);
    CHECK(mprotect(again, pg, PROT_READ | PROT_EXEC) == 0, "mprotect rx 4");
    run((fn_t)(again + 64), pid, "remapped getpid");

    /* Dual mapping: written through a shared RW alias, run through a shared RX alias. */
    int fd = memfd_create("jit", 0);
    CHECK(fd >= 0, "memfd_create");
    CHECK(ftruncate(fd, pg) == 0, "ftruncate");
    unsigned char *w = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    unsigned char *x = mmap(NULL, pg, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    CHECK(w != MAP_FAILED && x != MAP_FAILED, "mmap aliases");
    emit(w, 39);
    run((fn_t)x, pid, "alias getpid");
    set_nr(w, 110);
    run((fn_t)x, ppid, "alias getppid");
    CHECK(x[0] == 0xb8, "alias: the shared code is as written");

    printf("ok\n");
    return 0;
}
