/* umask: returns the previous mask, only 0777 bits kept, applied to open/mkdir/mknod. */
#include "abi.h"

static void mode_of(const char *p)
{
    struct stat st;
    if (stat(p, &st) == 0)
        printf("%s: %o\n", p, st.st_mode & 07777);
    else
        printf("%s: -1 %s\n", p, errname(errno));
}

int main(void)
{
    int fd;
    mode_t old = umask(027);
    printf("initial umask: %o\n", (unsigned)old);
    printf("umask returns previous: %o\n", (unsigned)umask(077));
    printf("high bits dropped: %o\n", (unsigned)(umask(0177777), umask(022)));
    MUST(fd = open("f022", O_CREAT | O_WRONLY, 0666));
    close(fd);
    mode_of("f022");
    umask(077);
    MUST(fd = open("f077", O_CREAT | O_WRONLY, 0666));
    close(fd);
    mode_of("f077");
    MUST(mkdir("d077", 0777));
    mode_of("d077");
    umask(0);
    MUST(fd = open("f000", O_CREAT | O_WRONLY, 0666));
    close(fd);
    mode_of("f000");
    /* umask does not apply to chmod */
    umask(0777);
    MUST(chmod("f000", 0755));
    mode_of("f000");
    MUST(fd = open("f777", O_CREAT | O_WRONLY, 0666));
    close(fd);
    mode_of("f777");
    printf("raw umask: %o\n", (unsigned)syscall(SYS_umask, 022));
    return 0;
}
