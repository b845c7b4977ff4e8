/* Process start-up state: argc/argv, environment (only what the runner sets), auxiliary
 * vector entries that must be identical, initial stack alignment of main's frame. */
#include "abi.h"
#include <sys/auxv.h>

extern char **environ;

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    printf("argc: %d\n", argc);
    YN("argv[argc] == NULL", argv[argc] == NULL);
    YN("argv[0] absolute", argv[0][0] == '/');
    const char *b = strrchr(argv[0], '/');
    printf("argv[0] basename: %s\n", b ? b + 1 : argv[0]);

    char *names[64];
    int n = 0;
    for (char **e = environ; *e && n < 64; e++) {
        names[n] = strdup(*e);
        char *eq = strchr(names[n], '=');
        if (eq)
            *eq = 0;
        n++;
    }
    qsort(names, n, sizeof names[0], cmp);
    printf("environment (%d):", n);
    for (int i = 0; i < n; i++)
        printf(" %s", names[i]);
    printf("\n");
    printf("PATH=%s\n", getenv("PATH") ? getenv("PATH") : "(unset)");
    YN("ALCOVE_TEST_DIR absolute", getenv("ALCOVE_TEST_DIR")[0] == '/');

    printf("AT_PAGESZ: %lu\n", getauxval(AT_PAGESZ));
    printf("AT_UID/EUID/GID/EGID: %lu %lu %lu %lu\n", getauxval(AT_UID), getauxval(AT_EUID),
           getauxval(AT_GID), getauxval(AT_EGID));
    printf("AT_SECURE: %lu\n", getauxval(AT_SECURE));
    YN("AT_RANDOM set", getauxval(AT_RANDOM) != 0);
    YN("AT_PHDR set", getauxval(AT_PHDR) != 0);
    YN("AT_PHENT == 56", getauxval(AT_PHENT) == 56);
    YN("AT_PHNUM > 0", getauxval(AT_PHNUM) > 0);
    YN("AT_ENTRY set", getauxval(AT_ENTRY) != 0);
    YN("AT_HWCAP set", getauxval(AT_HWCAP) != 0);
#ifdef AT_EXECFN
    const char *fn = (const char *)getauxval(AT_EXECFN);
    YN("AT_EXECFN == argv[0]", fn && strcmp(fn, argv[0]) == 0);
#endif
#ifdef AT_PLATFORM
    const char *pl = (const char *)getauxval(AT_PLATFORM);
    printf("AT_PLATFORM: %s\n", pl ? pl : "(none)");
#endif
    /* AT_RANDOM points to 16 readable bytes that are not all zero */
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nz = 0;
    for (int i = 0; rnd && i < 16; i++)
        nz |= rnd[i];
    YN("AT_RANDOM bytes non-zero", nz != 0);
    long sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    (void)sp;
    double d = 1.5;
    __attribute__((aligned(16))) char al[16];
    YN("16-byte aligned locals", ((uintptr_t)al & 15) == 0 && d > 1);
    return 0;
}
