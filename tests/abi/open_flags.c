/* open(2) flags: O_CREAT|O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_CLOEXEC, O_NOFOLLOW,
 * and the common error paths. */
#include "abi.h"

int main(void)
{
    int fd;
    char buf[64];
    struct stat st;

    R("open missing", open("nope", O_RDONLY));
    OK("O_CREAT|O_EXCL new", fd = open("f", O_RDWR | O_CREAT | O_EXCL, 0600));
    MUST(write(fd, "0123456789", 10));
    close(fd);
    R("O_CREAT|O_EXCL existing", open("f", O_RDWR | O_CREAT | O_EXCL, 0600));
    OK("O_CREAT existing", fd = open("f", O_RDWR | O_CREAT, 0600));
    MUST(fstat(fd, &st));
    printf("size kept: %ld\n", (long)st.st_size);
    close(fd);

    MUST(fd = open("f", O_WRONLY | O_TRUNC));
    MUST(fstat(fd, &st));
    printf("size after O_TRUNC: %ld\n", (long)st.st_size);
    MUST(write(fd, "abc", 3));
    close(fd);

    MUST(fd = open("f", O_WRONLY | O_APPEND));
    MUST(lseek(fd, 0, SEEK_SET));
    R("append write", write(fd, "XYZ", 3));
    R("offset after append", lseek(fd, 0, SEEK_CUR));
    close(fd);
    get_file("f", buf, sizeof buf);
    printf("content: %s\n", buf);

    MUST(mkdir("d", 0755));
    R("O_DIRECTORY on file", open("f", O_RDONLY | O_DIRECTORY));
    OK("O_DIRECTORY on dir", fd = open("d", O_RDONLY | O_DIRECTORY));
    close(fd);
    R("O_WRONLY on dir", open("d", O_WRONLY));
    R("O_RDWR on dir", open("d", O_RDWR));
    R("O_CREAT on dir", open("d", O_RDONLY | O_CREAT, 0644));
    R("file as dir component", open("f/x", O_RDONLY));
    R("create under file", open("f/x", O_RDWR | O_CREAT, 0644));
    R("create in missing dir", open("nodir/x", O_RDWR | O_CREAT, 0644));
    R("trailing slash on file", open("f/", O_RDONLY));
    R("empty path", open("", O_RDONLY));
    R("O_CREAT trailing slash", open("newfile/", O_RDWR | O_CREAT, 0644));

    MUST(fd = open("f", O_RDONLY | O_CLOEXEC));
    printf("O_CLOEXEC F_GETFD: %d\n", fcntl(fd, F_GETFD));
    close(fd);
    MUST(fd = open("f", O_RDONLY));
    printf("plain F_GETFD: %d\n", fcntl(fd, F_GETFD));
    printf("F_GETFL accmode: %d\n", fcntl(fd, F_GETFL) & O_ACCMODE);
    close(fd);

    MUST(symlink("f", "link"));
    R("O_NOFOLLOW on symlink", open("link", O_RDONLY | O_NOFOLLOW));
    OK("follow symlink", fd = open("link", O_RDONLY));
    close(fd);
    MUST(symlink("missing-target", "dangling"));
    R("open dangling", open("dangling", O_RDONLY));
    OK("O_CREAT via dangling", fd = open("dangling", O_WRONLY | O_CREAT, 0644));
    close(fd);
    R("target now exists", access("missing-target", F_OK));
    R("O_CREAT|O_EXCL on symlink", open("link", O_WRONLY | O_CREAT | O_EXCL, 0644));

    /* mode & umask */
    umask(022);
    MUST(fd = open("m", O_WRONLY | O_CREAT | O_EXCL, 0777));
    MUST(fstat(fd, &st));
    printf("mode: %o type: %s\n", st.st_mode & 07777, ftype(st.st_mode));
    close(fd);

    /* lowest free descriptor rule */
    int a, b;
    MUST(a = open("f", O_RDONLY));
    MUST(b = open("f", O_RDONLY));
    close(a);
    R("reuses lowest fd", open("f", O_RDONLY) == a);
    close(b);
    return 0;
}
