/* O_TMPFILE: an unnamed file in a directory (nlink 0, not listed), write/read, given a name
 * with linkat(/proc/self/fd/N, AT_SYMLINK_FOLLOW) (nlink 1) or AT_EMPTY_PATH, O_EXCL forbids
 * linking, and the error paths (no write access mode, not a directory, missing). */
#include "abi.h"
#include <dirent.h>

static void listing(const char *label)
{
    DIR *d = opendir(".");
    char names[16][256];
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 16)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            snprintf(names[n++], 256, "%s", e->d_name);
    if (d)
        closedir(d);
    qsort(names, n, 256, (int (*)(const void *, const void *))strcmp);
    printf("%s: [", label);
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? " " : "", names[i]);
    printf("]\n");
}

int main(void)
{
    struct stat st;
    char path[64], buf[32];
    MUST(mkdir("d", 0755));
    int fd = open("d", O_TMPFILE | O_RDWR, 0640);
    OK("open d O_TMPFILE|O_RDWR", fd);
    if (fd < 0)
        return 0;
    R("write", write(fd, "tmpdata", 7));
    R("lseek 0", lseek(fd, 0, SEEK_SET));
    memset(buf, 0, sizeof buf);
    R("read", read(fd, buf, sizeof buf - 1));
    printf("data: \"%s\"\n", buf);
    MUST(fstat(fd, &st));
    printf("fstat: type=%s mode=%o nlink=%ld size=%ld\n", ftype(st.st_mode), st.st_mode & 07777,
           (long)st.st_nlink, (long)st.st_size);
    struct stat dst;
    MUST(stat("d", &dst));
    YN("same st_dev as d", st.st_dev == dst.st_dev);
    MUST(chdir("d"));
    listing("d before linkat");
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    R("linkat /proc/self/fd/N no follow", linkat(AT_FDCWD, path, AT_FDCWD, "nofollow", 0));
    R("linkat /proc/self/fd/N AT_SYMLINK_FOLLOW",
      linkat(AT_FDCWD, path, AT_FDCWD, "named", AT_SYMLINK_FOLLOW));
    MUST(fstat(fd, &st));
    printf("fstat nlink after linkat = %ld\n", (long)st.st_nlink);
    listing("d after linkat");
    memset(buf, 0, sizeof buf);
    MUST(get_file("named", buf, sizeof buf));
    printf("named: \"%s\"\n", buf);
    R("linkat AT_EMPTY_PATH", linkat(fd, "", AT_FDCWD, "named2", AT_EMPTY_PATH));
    MUST(fstat(fd, &st));
    printf("fstat nlink = %ld\n", (long)st.st_nlink);
    R("linkat onto existing name", linkat(fd, "", AT_FDCWD, "named", AT_EMPTY_PATH));
    close(fd);
    MUST(chdir(".."));

    /* O_EXCL: can never be linked */
    fd = open("d", O_TMPFILE | O_RDWR | O_EXCL, 0600);
    OK("open d O_TMPFILE|O_EXCL", fd);
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    R("linkat of O_EXCL tmpfile", linkat(AT_FDCWD, path, AT_FDCWD, "d/excl", AT_SYMLINK_FOLLOW));
    R("linkat AT_EMPTY_PATH of O_EXCL tmpfile", linkat(fd, "", AT_FDCWD, "d/excl", AT_EMPTY_PATH));
    close(fd);

    /* write-only is fine; read-only, a file, a missing dir are not */
    fd = open("d", O_TMPFILE | O_WRONLY, 0600);
    OK("open O_TMPFILE|O_WRONLY", fd);
    if (fd >= 0)
        close(fd);
    R("open O_TMPFILE|O_RDONLY", open("d", O_TMPFILE | O_RDONLY, 0600));
    R("open O_TMPFILE on a file", open("d/named", O_TMPFILE | O_RDWR, 0600));
    R("open O_TMPFILE on missing", open("missing", O_TMPFILE | O_RDWR, 0600));
    R("open O_TMPFILE|O_CREAT", open("d", O_TMPFILE | O_CREAT | O_RDWR, 0600));
    int dfd;
    MUST(dfd = open("d", O_RDONLY | O_DIRECTORY));
    fd = openat(dfd, ".", O_TMPFILE | O_RDWR, 0600);
    OK("openat(dirfd, \".\", O_TMPFILE)", fd);
    if (fd >= 0) {
        R("linkat(fd, \"\", dirfd, \"viadirfd\", AT_EMPTY_PATH)",
          linkat(fd, "", dfd, "viadirfd", AT_EMPTY_PATH));
        close(fd);
    }
    close(dfd);
    MUST(stat("d/named", &st));
    printf("named: mode=%o nlink=%ld size=%ld\n", st.st_mode & 07777, (long)st.st_nlink,
           (long)st.st_size);
    MUST(chdir("d"));
    listing("d at end");
    return 0;
}
