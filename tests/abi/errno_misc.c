/* One place for the classic errno values: EBADF ENOENT EEXIST ENOTDIR EINVAL ENAMETOOLONG
 * EISDIR ELOOP ENOTEMPTY ESPIPE ENOTTY ECHILD ESRCH EACCES ENOEXEC. */
#include "abi.h"
#include <sys/wait.h>
#include <sys/ioctl.h>
#include <termios.h>

int main(void)
{
    char buf[8];
    int fd, p[2];
    MUST(mkdir("d", 0755));
    put_file("d/f", "x");
    MUST(pipe(p));

    R("EBADF read", read(123, buf, 1));
    R("EBADF fstat", fstat(123, &(struct stat){0}));
    R("EBADF fcntl", fcntl(123, F_GETFL));
    R("ENOENT open", open("d/missing", O_RDONLY));
    R("ENOENT missing dir component", open("nodir/f", O_RDONLY));
    R("EEXIST mkdir", mkdir("d", 0755));
    R("EEXIST O_EXCL", open("d/f", O_CREAT | O_EXCL | O_WRONLY, 0644));
    R("ENOTDIR component", open("d/f/x", O_RDONLY));
    R("ENOTDIR O_DIRECTORY", open("d/f", O_RDONLY | O_DIRECTORY));
    R("ENOTDIR rmdir file", rmdir("d/f"));
    MUST(fd = open("d/f", O_RDONLY));
    R("EINVAL lseek whence file", lseek(fd, 0, 99));
    R("EINVAL dup3 flags", syscall(SYS_dup3, fd, 20, 0x4));
    R("EINVAL fcntl cmd", fcntl(fd, 0x7777));
    R("EINVAL mmap len 0", syscall(SYS_mmap, 0L, 0L, 1L, 0x22L, -1L, 0L));
    R("EISDIR open dir for write", open("d", O_WRONLY));
    R("EISDIR read dir", read(open("d", O_RDONLY), buf, 1));
    R("EISDIR unlink dir", unlink("d"));
    R("ENOTEMPTY rmdir", rmdir("d"));
    R("ESPIPE lseek pipe", lseek(p[0], 0, SEEK_SET));
    R("ENOTTY ioctl file", ioctl(fd, TCGETS, &(struct termios){0}));
    R("ECHILD wait", wait(NULL));
    R("ESRCH kill", kill(0x7ffffff0, 0));

    char name[300];
    memset(name, 'n', 256);
    name[256] = 0;
    R("ENAMETOOLONG component 256", open(name, O_RDONLY));
    R("ENAMETOOLONG mkdir component", mkdir(name, 0755));
    name[255] = 0;
    R("component 255 ok (ENOENT)", open(name, O_RDONLY));
    static char longp[5000];
    for (int i = 0; i < 4999; i += 2) {
        longp[i] = 'a';
        longp[i + 1] = '/';
    }
    longp[4999] = 0;
    R("ENAMETOOLONG path 5000", open(longp, O_RDONLY));
    R("ENAMETOOLONG stat", stat(longp, &(struct stat){0}));
    static char target[4200];
    memset(target, 't', 4100);
    R("ENAMETOOLONG symlink target", symlink(target, "longlink"));

    MUST(symlink("self", "self"));
    R("ELOOP self symlink", open("self", O_RDONLY));
    R("ELOOP O_NOFOLLOW", open("self", O_RDONLY | O_NOFOLLOW));

    /* exec errors */
    int xf;
    MUST(xf = open("noexec", O_WRONLY | O_CREAT, 0644));
    MUST(write(xf, "#!/bin/sh\n", 10));
    close(xf);
    char *argv[] = {"x", NULL}, *envp[] = {NULL};
    R("EACCES execve non-executable", execve("noexec", argv, envp));
    MUST(xf = open("garbage", O_WRONLY | O_CREAT, 0755));
    MUST(write(xf, "\x01\x02\x03\x04garbage", 11));
    close(xf);
    R("ENOEXEC execve garbage", execve("garbage", argv, envp));
    R("EACCES execve directory", execve("d", argv, envp));
    R("ENOENT execve", execve("d/nothing", argv, envp));
    R("ENOTDIR execve", execve("d/f/x", argv, envp));
    return 0;
}
