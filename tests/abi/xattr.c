/* Extended attributes: argument checks and their order, path/fd errors, namespace rules, and
 * a copystat-like sequence that works whether or not the file system stores attributes. */
#include "abi.h"

static void unsupported_or_ok(const char *label, long r, int absent_errno)
{
    /* Natively the scratch file system stores attributes; the enclave's does not (yet). */
    int e = errno;
    YN(label, r >= 0 || e == EOPNOTSUPP || (absent_errno && e == absent_errno));
}

int main(void)
{
    char big[300], buf[64];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    MUST(close(open("f", O_CREAT | O_WRONLY, 0644)));
    MUST(symlink("f", "l"));
    MUST(symlink("nowhere", "dl"));
    MUST(mkdir("d", 0755));
    int fd = open("f", O_RDWR), pfd = open("f", O_PATH);
    MUST(fd);
    MUST(pfd);

    /* Arguments are copied in before the lookup. */
    R("set missing, bad name", syscall(SYS_setxattr, "nope", (void *)1, "v", 1, 0));
    R("set missing, bad flags", syscall(SYS_setxattr, "nope", "user.a", "v", 1, 8));
    R("set missing, long name", syscall(SYS_setxattr, "nope", big, "v", 1, 0));
    R("set missing, empty name", syscall(SYS_setxattr, "nope", "", "v", 1, 0));
    R("set missing, size > 64K", syscall(SYS_setxattr, "nope", "user.a", "v", 70000, 0));
    R("set missing, bad value", syscall(SYS_setxattr, "nope", "user.a", (void *)1, 1, 0));
    R("set missing", syscall(SYS_setxattr, "nope", "user.a", "v", 1, 0));
    R("set bad path", syscall(SYS_setxattr, (void *)1, "user.a", "v", 1, 0));
    R("set through a file", syscall(SYS_setxattr, "f/x", "user.a", "v", 1, 0));
    R("set dangling link", syscall(SYS_setxattr, "dl", "user.a", "v", 1, 0));
    R("fset bad fd, bad name", syscall(SYS_fsetxattr, 99, (void *)1, "v", 1, 0));
    R("fset bad fd", syscall(SYS_fsetxattr, 99, "user.a", "v", 1, 0));
    R("fset O_PATH fd", syscall(SYS_fsetxattr, pfd, "user.a", "v", 1, 0));
    R("get missing, bad name", syscall(SYS_getxattr, "nope", (void *)1, buf, sizeof buf));
    R("get missing, long name", syscall(SYS_getxattr, "nope", big, buf, sizeof buf));
    R("get missing", syscall(SYS_getxattr, "nope", "user.a", buf, sizeof buf));
    R("fget bad fd, bad name", syscall(SYS_fgetxattr, 99, (void *)1, buf, sizeof buf));
    R("fget bad fd", syscall(SYS_fgetxattr, 99, "user.a", buf, sizeof buf));
    R("fget O_PATH fd", syscall(SYS_fgetxattr, pfd, "user.a", buf, sizeof buf));
    R("list missing", syscall(SYS_listxattr, "nope", buf, sizeof buf));
    R("list missing, bad buffer", syscall(SYS_listxattr, "nope", (void *)1, sizeof buf));
    R("list bad path", syscall(SYS_listxattr, (void *)1, buf, sizeof buf));
    R("flist bad fd", syscall(SYS_flistxattr, 99, buf, sizeof buf));
    R("flist O_PATH fd", syscall(SYS_flistxattr, pfd, buf, sizeof buf));
    R("llist dangling link", syscall(SYS_llistxattr, "dl", buf, sizeof buf));
    R("remove missing, bad name", syscall(SYS_removexattr, "nope", (void *)1));
    R("remove missing", syscall(SYS_removexattr, "nope", "user.a"));
    R("fremove bad fd, bad name", syscall(SYS_fremovexattr, 99, (void *)1));
    R("fremove bad fd", syscall(SYS_fremovexattr, 99, "user.a"));
    R("fremove O_PATH fd", syscall(SYS_fremovexattr, pfd, "user.a"));

    /* user.* exists only on regular files and directories. */
    R("lset user. on a symlink", syscall(SYS_lsetxattr, "l", "user.a", "v", 1, 0));
    R("lset user. on a dangling symlink", syscall(SYS_lsetxattr, "dl", "user.a", "v", 1, 0));
    R("lget user. on a symlink", syscall(SYS_lgetxattr, "l", "user.a", buf, sizeof buf));
    R("lremove user. on a symlink", syscall(SYS_lremovexattr, "l", "user.a"));
    R("set user. on /dev/null", syscall(SYS_setxattr, "/dev/null", "user.a", "v", 1, 0));

    /* A name outside every namespace, and /proc (which stores none). */
    R("set unknown namespace", syscall(SYS_setxattr, "f", "zz", "v", 1, 0));
    R("get unknown namespace", syscall(SYS_getxattr, "f", "zz", buf, sizeof buf));
    R("get on /proc", syscall(SYS_getxattr, "/proc/self/status", "user.a", buf, sizeof buf));
    R("list on /proc", syscall(SYS_listxattr, "/proc/self/status", buf, sizeof buf));

    /* shutil.copystat: list the source, copy each attribute; EOPNOTSUPP means none. */
    long n = syscall(SYS_listxattr, "f", buf, sizeof buf);
    R("list a fresh file", n);
    n = syscall(SYS_flistxattr, fd, buf, sizeof buf);
    R("flist a fresh file", n);
    R("llist a directory", syscall(SYS_llistxattr, "d", buf, sizeof buf));
    errno = 0;
    long r = syscall(SYS_getxattr, "f", "user.absent", buf, sizeof buf);
    unsupported_or_ok("get absent: ENODATA or EOPNOTSUPP", r, ENODATA);
    errno = 0;
    r = syscall(SYS_fsetxattr, fd, "user.copy", "v", 1, 0);
    unsupported_or_ok("fset: works or EOPNOTSUPP", r, 0);
    errno = 0;
    r = syscall(SYS_setxattr, "d", "user.copy", "v", 1, 1);
    unsupported_or_ok("set on a directory: works or EOPNOTSUPP", r, 0);
    errno = 0;
    r = syscall(SYS_fremovexattr, fd, "user.copy");
    unsupported_or_ok("fremove: works or EOPNOTSUPP", r, 0);
    close(fd);
    close(pfd);
    return 0;
}
