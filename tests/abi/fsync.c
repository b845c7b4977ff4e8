/* fsync / fdatasync / sync / syncfs-less: success on files and dirs, EINVAL on pipes, EBADF. */
#include "abi.h"

int main(void)
{
    int fd, dfd, p[2];
    MUST(fd = open("f", O_RDWR | O_CREAT, 0644));
    MUST(write(fd, "data", 4));
    R("fsync file", fsync(fd));
    R("fdatasync file", fdatasync(fd));
    MUST(dfd = open(".", O_RDONLY | O_DIRECTORY));
    R("fsync dir", fsync(dfd));
    close(dfd);
    close(fd);
    MUST(fd = open("f", O_RDONLY));
    R("fsync O_RDONLY file", fsync(fd));
    close(fd);
    R("fsync bad fd", fsync(999));
    R("fdatasync bad fd", fdatasync(-1));
    MUST(pipe(p));
    R("fsync pipe", fsync(p[0]));
    R("fdatasync pipe", fdatasync(p[1]));
    sync();
    printf("sync returned\n");
    return 0;
}
