/*
 * abi.h - shared helpers for the Alcove differential ABI tests (tests/abi/).
 *
 * Every test includes this header first.  It
 *   - makes stdout line-buffered (output survives a deliberate crash),
 *   - chdir()s into $ALCOVE_TEST_DIR (fresh, empty, writable) so tests use relative paths
 *     and never print a host path,
 *   - gives printing helpers that show errno by *name* (strerror text differs between
 *     glibc and musl, names do not).
 *
 * Only APIs present in both glibc and musl are used; kernel headers (<linux/...>,
 * <asm/...>) are NOT available under musl-gcc, so needed constants are defined here.
 */
#ifndef ALCOVE_ABI_TEST_H
#define ALCOVE_ABI_TEST_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *errname(int e)
{
    static char buf[32];
    switch (e) {
#define N_(x) case x: return #x;
    case 0: return "OK";
    N_(EPERM) N_(ENOENT) N_(ESRCH) N_(EINTR) N_(EIO) N_(ENXIO) N_(E2BIG) N_(ENOEXEC)
    N_(EBADF) N_(ECHILD) N_(EAGAIN) N_(ENOMEM) N_(EACCES) N_(EFAULT) N_(ENOTBLK) N_(EBUSY)
    N_(EEXIST) N_(EXDEV) N_(ENODEV) N_(ENOTDIR) N_(EISDIR) N_(EINVAL) N_(ENFILE) N_(EMFILE)
    N_(ENOTTY) N_(ETXTBSY) N_(EFBIG) N_(ENOSPC) N_(ESPIPE) N_(EROFS) N_(EMLINK) N_(EPIPE)
    N_(EDOM) N_(ERANGE) N_(EDEADLK) N_(ENAMETOOLONG) N_(ENOLCK) N_(ENOSYS) N_(ENOTEMPTY)
    N_(ELOOP) N_(ENOMSG) N_(EOVERFLOW) N_(ENOTSOCK) N_(EDESTADDRREQ) N_(EMSGSIZE)
    N_(EPROTOTYPE) N_(ENOPROTOOPT) N_(EPROTONOSUPPORT) N_(EOPNOTSUPP) N_(EAFNOSUPPORT)
    N_(EADDRINUSE) N_(EADDRNOTAVAIL) N_(ENOTCONN) N_(ECONNREFUSED) N_(ECONNRESET)
    N_(ETIMEDOUT) N_(EALREADY) N_(EINPROGRESS) N_(ESTALE) N_(ECANCELED) N_(EOWNERDEAD)
#undef N_
    default:
        snprintf(buf, sizeof buf, "E#%d", e);
        return buf;
    }
}

/* Print "label = <value>" or "label = -1 <ERRNAME>".  Use only when the value is
 * deterministic (counts, lowest-free fd numbers, 0). */
#define R(label, expr)                                                        \
    do {                                                                      \
        errno = 0;                                                            \
        long r_ = (long)(expr);                                               \
        int e_ = errno;                                                       \
        if (r_ == -1)                                                         \
            printf("%s = -1 %s\n", (label), errname(e_));                     \
        else                                                                  \
            printf("%s = %ld\n", (label), r_);                                \
    } while (0)

/* Like R but any non-negative result prints as "ok" (for fds, addresses...). */
#define OK(label, expr)                                                       \
    do {                                                                      \
        errno = 0;                                                            \
        long r_ = (long)(expr);                                               \
        int e_ = errno;                                                       \
        if (r_ == -1)                                                         \
            printf("%s = -1 %s\n", (label), errname(e_));                     \
        else                                                                  \
            printf("%s = ok\n", (label));                                     \
    } while (0)

/* Print a boolean. */
#define YN(label, cond) printf("%s: %s\n", (label), (cond) ? "yes" : "no")

/* Abort the test (exit 1) when setup fails: this is never expected. */
#define MUST(expr)                                                            \
    do {                                                                      \
        errno = 0;                                                            \
        if ((long)(expr) == -1) {                                             \
            printf("SETUP FAILED line %d: %s: %s\n", __LINE__, #expr,        \
                   errname(errno));                                           \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static inline long xgettid(void) { return syscall(SYS_gettid); }

/* Create (or replace) a file holding a string. */
static inline void put_file(const char *name, const char *content)
{
    int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        printf("SETUP FAILED: create %s: %s\n", name, errname(errno));
        exit(1);
    }
    size_t len = strlen(content);
    if (write(fd, content, len) != (ssize_t)len) {
        printf("SETUP FAILED: write %s\n", name);
        exit(1);
    }
    close(fd);
}

/* Wait for child c and print how it ended: "LABEL: exited N" or "LABEL: killed by N". */
static inline void wait_report(const char *label, pid_t c)
{
    int st;
    if (waitpid(c, &st, 0) != c)
        printf("%s: waitpid %s\n", label, errname(errno));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %d\n", label, WTERMSIG(st));
    else
        printf("%s: exited %d\n", label, WEXITSTATUS(st));
}

/* Read up to cap-1 bytes of a file into buf (NUL-terminated); returns length or -1. */
static inline long get_file(const char *name, char *buf, size_t cap)
{
    int fd = open(name, O_RDONLY);
    if (fd < 0)
        return -1;
    long n = 0, r;
    while ((size_t)n < cap - 1 && (r = read(fd, buf + n, cap - 1 - n)) > 0)
        n += r;
    buf[n] = 0;
    close(fd);
    return n;
}

/* Print the first line of a small file (a /proc entry): "LABEL: "LINE"". */
static inline void show_first_line(const char *label, const char *path)
{
    char buf[64];
    long n = get_file(path, buf, sizeof buf);
    if (n < 0) {
        printf("%s: open failed %s\n", label, errname(errno));
        return;
    }
    printf("%s: \"%s\"\n", label, strtok(buf, "\n") ? buf : "");
}

/* Printable name of the file type bits of a mode. */
static inline const char *ftype(mode_t m)
{
    switch (m & S_IFMT) {
    case S_IFREG: return "reg";
    case S_IFDIR: return "dir";
    case S_IFLNK: return "lnk";
    case S_IFIFO: return "fifo";
    case S_IFSOCK: return "sock";
    case S_IFCHR: return "chr";
    case S_IFBLK: return "blk";
    default: return "?";
    }
}

__attribute__((constructor)) static void abi_test_init(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *d = getenv("ALCOVE_TEST_DIR");
    if (!d || !*d) {
        fprintf(stderr, "ALCOVE_TEST_DIR is not set\n");
        exit(2);
    }
    if (chdir(d) != 0) {
        fprintf(stderr, "cannot chdir to ALCOVE_TEST_DIR: %s\n", errname(errno));
        exit(2);
    }
}

/* Constants from kernel headers, which musl-gcc cannot see. */
#ifndef ARCH_SET_FS
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#endif
#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef AT_STATX_SYNC_AS_STAT
#define AT_STATX_SYNC_AS_STAT 0x0000
#endif
#ifndef GRND_NONBLOCK
#define GRND_NONBLOCK 0x0001
#define GRND_RANDOM 0x0002
#endif
#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

#endif
