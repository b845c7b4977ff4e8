/* Thread-local storage in the main thread: initialised / zeroed TLS, the FS base from
 * arch_prctl(ARCH_GET_FS) points at a self-pointer (x86-64 TCB ABI of glibc and musl),
 * %fs:0 agrees, errors. */
#include "abi.h"

static __thread int tinit = 42;
static __thread long tzero;
static __thread char tarr[256] = "tls-string";
__thread int textern = 7;

int main(void)
{
    printf("tinit=%d tzero=%ld tarr=%s textern=%d\n", tinit, tzero, tarr, textern);
    tinit++;
    tzero = 1234;
    strcat(tarr, "+more");
    printf("tinit=%d tzero=%ld tarr=%s\n", tinit, tzero, tarr);

    unsigned long fs = 0;
    R("ARCH_GET_FS", syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
    YN("fs base non-zero", fs != 0);
    YN("fs:0 is self pointer", fs && *(unsigned long *)fs == fs);
    unsigned long fs0;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs0));
    YN("%fs:0 matches", fs0 == fs);
    YN("static TLS below TP", (unsigned long)&tinit < fs && (unsigned long)&tzero < fs);
    YN("TLS block near TP", fs - (unsigned long)&tinit < 65536);
    int *e = &errno;
    YN("errno is thread-local", (unsigned long)e < fs + 4096 && (unsigned long)e + 65536 > fs);

    R("ARCH_GET_FS bad ptr", syscall(SYS_arch_prctl, ARCH_GET_FS, (void *)1));
    R("bad code", syscall(SYS_arch_prctl, 0x9999, &fs));

    /* ARCH_SET_FS to the same value is harmless and sticks */
    R("ARCH_SET_FS same", syscall(SYS_arch_prctl, ARCH_SET_FS, fs));
    unsigned long fs2 = 0;
    syscall(SYS_arch_prctl, ARCH_GET_FS, &fs2);
    YN("unchanged", fs2 == fs);
    printf("tinit still %d\n", tinit);
    return 0;
}
