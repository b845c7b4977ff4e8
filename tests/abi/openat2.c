/* openat2: the open_how size protocol, strict flag/mode checks, RESOLVE_NO_SYMLINKS/NO_MAGICLINKS/NO_XDEV/BENEATH/IN_ROOT/CACHED. */
#include "abi.h"

struct how { unsigned long long flags, mode, resolve; };

static long o2(int dfd, const char *p, unsigned long long flags, unsigned long long mode, unsigned long long res)
{
    struct how h = {flags, mode, res};
    long r = syscall(SYS_openat2, dfd, p, &h, sizeof h);
    if (r >= 0)
        close((int)r);
    return r;
}

int main(void)
{
    MUST(mkdir("d", 0755));
    MUST(mkdir("d/sub", 0755));
    put_file("d/f", "x");
    put_file("top", "t");
    MUST(symlink("f", "d/rel"));
    MUST(symlink("../top", "d/up"));
    MUST(symlink("/etc/passwd", "d/abs"));
    MUST(symlink("sub/../f", "d/inner"));
    int d = open("d", O_RDONLY | O_DIRECTORY);
    MUST(d);
    struct how h = {O_RDONLY, 0, 0};
    R("plain", o2(d, "f", O_RDONLY, 0, 0) >= 0 ? 0 : -1);
    R("size 0", syscall(SYS_openat2, d, "f", &h, 0UL));
    R("size 16", syscall(SYS_openat2, d, "f", &h, 16UL));
    R("size 8192", syscall(SYS_openat2, d, "f", &h, 8192UL));
    char big[40];
    memset(big, 0, sizeof big);
    memcpy(big, &h, sizeof h);
    long r = syscall(SYS_openat2, d, "f", big, 40UL);
    R("size 40, zero tail", r >= 0 ? 0 : -1);
    if (r >= 0) close((int)r);
    big[30] = 1;
    R("size 40, nonzero tail", syscall(SYS_openat2, d, "f", big, 40UL));
    R("bad how pointer", syscall(SYS_openat2, d, "f", (void *)8, sizeof h));
    R("bad path pointer", o2(d, (char *)8, O_RDONLY, 0, 0));
    R("unknown open flag", o2(d, "f", 1ull << 40, 0, 0));
    R("unknown open flag (low)", o2(d, "f", 040000000, 0, 0));
    R("unknown resolve bit", o2(d, "f", O_RDONLY, 0, 0x40));
    R("BENEATH with IN_ROOT", o2(d, "f", O_RDONLY, 0, 0x18));
    R("mode without O_CREAT", o2(d, "f", O_RDONLY, 0644, 0));
    R("mode beyond 07777", o2(d, "new", O_RDWR | O_CREAT, 010000, 0));
    R("O_CREAT with mode", o2(d, "new", O_RDWR | O_CREAT, 0600, 0));
    R("O_DIRECTORY|O_CREAT", o2(d, "new2", O_DIRECTORY | O_CREAT, 0600, 0));
    R("O_PATH with O_RDWR", o2(d, "f", O_PATH | O_RDWR, 0, 0));
    R("O_PATH with O_CLOEXEC", o2(d, "f", O_PATH | O_CLOEXEC, 0, 0) >= 0 ? 0 : -1);
    R("O_TMPFILE read-only", o2(d, ".", 020000000 | O_DIRECTORY, 0600, 0));
    R("CACHED", o2(d, "f", O_RDONLY, 0, 0x20) >= 0 ? 0 : -1);
    R("CACHED with O_CREAT", o2(d, "f", O_RDONLY | O_CREAT, 0600, 0x20));
    R("CACHED with O_TRUNC", o2(d, "f", O_WRONLY | O_TRUNC, 0, 0x20));
    /* RESOLVE_NO_SYMLINKS: any link on the way, O_NOFOLLOW on the last */
    R("NO_SYMLINKS plain", o2(d, "f", O_RDONLY, 0, 4) >= 0 ? 0 : -1);
    R("NO_SYMLINKS via link", o2(d, "rel", O_RDONLY, 0, 4));
    R("NO_SYMLINKS via link, O_PATH|O_NOFOLLOW", o2(d, "rel", O_PATH | O_NOFOLLOW, 0, 4) >= 0 ? 0 : -1);
    R("without: via link", o2(d, "rel", O_RDONLY, 0, 0) >= 0 ? 0 : -1);
    /* RESOLVE_NO_MAGICLINKS: /proc/self/fd/N */
    char fdp[64];
    int f = open("d/f", O_RDONLY);
    snprintf(fdp, sizeof fdp, "/proc/self/fd/%d", f);
    R("magic link", o2(AT_FDCWD, fdp, O_RDONLY, 0, 0) >= 0 ? 0 : -1);
    R("NO_MAGICLINKS magic link", o2(AT_FDCWD, fdp, O_RDONLY, 0, 2));
    R("NO_MAGICLINKS ordinary link", o2(d, "rel", O_RDONLY, 0, 2) >= 0 ? 0 : -1);
    /* RESOLVE_BENEATH */
    R("BENEATH inside", o2(d, "sub/../f", O_RDONLY, 0, 8) >= 0 ? 0 : -1);
    R("BENEATH link inside", o2(d, "inner", O_RDONLY, 0, 8) >= 0 ? 0 : -1);
    R("BENEATH ..", o2(d, "../top", O_RDONLY, 0, 8));
    R("BENEATH link out", o2(d, "up", O_RDONLY, 0, 8));
    R("BENEATH absolute", o2(d, "/etc/passwd", O_RDONLY, 0, 8));
    R("BENEATH absolute link", o2(d, "abs", O_RDONLY, 0, 8));
    R("BENEATH magic link", o2(AT_FDCWD, fdp, O_RDONLY, 0, 8));
    R("BENEATH last ..", o2(d, "sub/..", O_RDONLY, 0, 8) >= 0 ? 0 : -1);
    R("BENEATH last .. out", o2(d, "..", O_RDONLY, 0, 8));
    /* RESOLVE_IN_ROOT: the dirfd is the root */
    R("IN_ROOT absolute", o2(d, "/f", O_RDONLY, 0, 0x10) >= 0 ? 0 : -1);
    R("IN_ROOT .. stays", o2(d, "../../f", O_RDONLY, 0, 0x10) >= 0 ? 0 : -1);
    R("IN_ROOT link up", o2(d, "up", O_RDONLY, 0, 0x10));
    R("IN_ROOT absolute link", o2(d, "abs", O_RDONLY, 0, 0x10));
    R("IN_ROOT magic link", o2(AT_FDCWD, fdp, O_RDONLY, 0, 0x10));
    /* RESOLVE_NO_XDEV: /proc is a mount of its own */
    R("NO_XDEV same mount", o2(d, "sub/../f", O_RDONLY, 0, 1) >= 0 ? 0 : -1);
    R("NO_XDEV into /proc", o2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, 1));
    int pr = open("/proc", O_RDONLY | O_DIRECTORY);
    R("NO_XDEV inside /proc", o2(pr, "version", O_RDONLY, 0, 1) >= 0 ? 0 : -1);
    R("NO_XDEV .. out of /proc", o2(pr, "../proc/version", O_RDONLY, 0, 1));
    R("O_CREAT BENEATH", o2(d, "sub/created", O_RDWR | O_CREAT, 0600, 8) >= 0 ? 0 : -1);
    R("O_CREAT BENEATH out", o2(d, "../created", O_RDWR | O_CREAT, 0600, 8));
    R("missing", o2(d, "nosuch", O_RDONLY, 0, 8));
    return 0;
}
