/* chmod / fchmod / fchmodat / chown-as-root: mode bits, symlinks, errors. */
#include "abi.h"

static void mode_of(const char *p)
{
    struct stat st;
    if (lstat(p, &st) == 0)
        printf("%s: %s %o\n", p, ftype(st.st_mode), st.st_mode & 07777);
    else
        printf("%s: -1 %s\n", p, errname(errno));
}

int main(void)
{
    int fd;
    umask(0);
    MUST(fd = open("f", O_CREAT | O_RDWR, 0600));
    R("chmod", chmod("f", 0751));
    mode_of("f");
    R("fchmod", fchmod(fd, 04711));
    mode_of("f");
    R("chmod high bits", chmod("f", 0177777));
    mode_of("f");
    MUST(symlink("f", "l"));
    R("chmod via symlink", chmod("l", 0640));
    mode_of("f");
    R("fchmodat", fchmodat(AT_FDCWD, "f", 0600, 0));
    mode_of("f");
    R("raw fchmodat", syscall(SYS_fchmodat, AT_FDCWD, "f", 0644));
    mode_of("f");
    R("chmod missing", chmod("nope", 0644));
    R("fchmod bad fd", fchmod(999, 0644));
    R("fchmodat bad dirfd", fchmodat(999, "f", 0644, 0));
    MUST(mkdir("d", 0700));
    R("chmod dir", chmod("d", 01755));
    mode_of("d");
    R("chown root", chown("f", 0, 0));
    R("fchown root", fchown(fd, 0, 0));
    R("lchown symlink", lchown("l", 0, 0));
    R("chown -1 -1", chown("f", (uid_t)-1, (gid_t)-1));
    R("chown missing", chown("nope", 0, 0));
    /* write access as root ignores mode bits */
    R("chmod 0", chmod("f", 0));
    int fd2;
    OK("open 0000 file as root", fd2 = open("f", O_RDWR));
    close(fd2);
    close(fd);
    return 0;
}
