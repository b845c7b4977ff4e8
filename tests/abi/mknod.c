/* mkfifo / mknod / mknodat: FIFO and regular-file nodes, EEXIST, ENOENT, EINVAL; a FIFO
 * opened with O_NONBLOCK (ENXIO for a writer without readers). */
#include "abi.h"

int main(void)
{
    struct stat st;
    int r, w;
    umask(022);
    R("mkfifo", mkfifo("fifo", 0666));
    MUST(lstat("fifo", &st));
    printf("type=%s perm=%o size=%ld\n", ftype(st.st_mode), st.st_mode & 07777, (long)st.st_size);
    R("mkfifo exists", mkfifo("fifo", 0666));
    R("mkfifo missing dir", mkfifo("nodir/fifo", 0666));
    R("mknod S_IFIFO", mknod("fifo2", S_IFIFO | 0600, 0));
    R("mknod S_IFREG", mknod("reg", S_IFREG | 0640, 0));
    MUST(lstat("reg", &st));
    printf("reg: type=%s perm=%o size=%ld\n", ftype(st.st_mode), st.st_mode & 07777, (long)st.st_size);
    R("mknod type 0 (regular)", mknod("reg0", 0644, 0));
    MUST(lstat("reg0", &st));
    printf("reg0: type=%s\n", ftype(st.st_mode));
    R("mknod S_IFDIR", mknod("dir", S_IFDIR | 0755, 0));
    R("mknodat bad type", syscall(SYS_mknodat, AT_FDCWD, "bad", 0170000 | 0644, 0));
    R("mknodat bad dirfd", syscall(SYS_mknodat, 999, "x", S_IFIFO | 0644, 0));

    R("writer without reader (O_NONBLOCK)", open("fifo", O_WRONLY | O_NONBLOCK));
    OK("reader O_NONBLOCK", r = open("fifo", O_RDONLY | O_NONBLOCK));
    R("read: no writer yet", read(r, &st, 1));
    OK("writer now", w = open("fifo", O_WRONLY | O_NONBLOCK));
    R("write", write(w, "fifo!", 5));
    char buf[8] = {0};
    R("read", read(r, buf, sizeof buf - 1));
    printf("data: %s\n", buf);
    R("read empty with writer", read(r, buf, 1));
    close(w);
    R("read after writer closed", read(r, buf, 1));
    R("lseek on fifo", lseek(r, 0, SEEK_SET));
    close(r);
    R("unlink fifo", unlink("fifo"));
    return 0;
}
