/*
 * sodium_shim.c - what Debian's static libsodium needs from a libc, for the freestanding
 * core.
 *
 * libsodium is linked into the core as Debian ships it (libsodium.a).  Of the libc it was
 * built against it uses: memory functions (common/string.c has them), an errno, abort
 * paths, the stack protector (its canary at %fs:0x28: see pal_crypto_begin in pal.h), and
 * for sodium_malloc / the sysrandom generator some POSIX calls.  The core never calls
 * sodium_malloc and replaces the random generator (kcrypto_init), so the POSIX calls are
 * answered "not available"; none of them reaches the host.  The abort paths end the
 * enclave with a message: they mean libsodium found its own state broken.
 *
 * Nothing in the core may call these names itself (check-layers cannot tell a shim from
 * a leak, so they are listed there as allowed only in this file).
 */
#include "libos.h"

#define SHIM __attribute__((visibility("hidden"), used))

static int shim_errno;

SHIM int *__errno_location(void)
{
    return &shim_errno;
}

SHIM __attribute__((noreturn)) void abort(void)
{
    panic("libsodium called abort()");
}

SHIM int raise(int sig)
{
    panic("libsodium raised signal %d", sig);
}

SHIM __attribute__((noreturn)) void __stack_chk_fail(void)
{
    panic("stack smashing detected in library code (libsodium)");
}

SHIM __attribute__((noreturn)) void __assert_fail(const char *expr, const char *file, unsigned line,
                                                  const char *fn)
{
    panic("libsodium assertion failed: %s (%s:%u)", expr, file, line);
}

SHIM void __explicit_bzero_chk(void *p, size_t n, size_t dstlen)
{
    volatile unsigned char *v = p;
    while (n--)
        *v++ = 0;
}

SHIM void *malloc(size_t n)
{
    return kmalloc(n);
}

SHIM void free(void *p)
{
    kfree(p);
}

SHIM long sysconf(int name)
{
    return name == 30 /* _SC_PAGESIZE */ ? 4096 : -1;
}

/* POSIX calls of sodium_malloc / mlock / the sysrandom generator: never used (see top). */
#define ENOSYS_SHIM(ret, name, ...) \
    SHIM ret name(__VA_ARGS__) { shim_errno = ENOSYS; return (ret)-1; }
ENOSYS_SHIM(int, mlock, const void *a, size_t n)
ENOSYS_SHIM(int, munlock, const void *a, size_t n)
ENOSYS_SHIM(int, madvise, void *a, size_t n, int adv)
ENOSYS_SHIM(int, mprotect, void *a, size_t n, int prot)
ENOSYS_SHIM(int, munmap, void *a, size_t n)
ENOSYS_SHIM(long, getrandom, void *b, size_t n, unsigned f)
ENOSYS_SHIM(int, open, const char *p, int f, ...)
ENOSYS_SHIM(int, close, int fd)
ENOSYS_SHIM(int, fcntl, int fd, int cmd, ...)
ENOSYS_SHIM(int, fstat, int fd, void *st)
ENOSYS_SHIM(long, read, int fd, void *b, size_t n)
ENOSYS_SHIM(int, poll, void *fds, unsigned long n, int t)

SHIM void *mmap(void *a, size_t n, int prot, int flags, int fd, long off)
{
    shim_errno = ENOSYS;
    return (void *)-1;
}

/* sodium_init's critical section: the core initialises once, at boot, single-threaded. */
SHIM int pthread_mutex_lock(void *m)
{
    return 0;
}

SHIM int pthread_mutex_unlock(void *m)
{
    return 0;
}
