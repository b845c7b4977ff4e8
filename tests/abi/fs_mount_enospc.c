/* A full file system: a 64 KiB tmpfs (mounted on $DIR/small) fills up with 4 KiB writes
 * until ENOSPC; the data written before reads back intact, fallocate past the space fails,
 * and unlinking a file gives the space back.  Counts are printed as ranges, not values.
 * Natively the runner gives it a private mount namespace; it unmounts what it mounted. */
#include "abi.h"
#include <sys/mount.h>
#include <sys/statfs.h>

int main(void)
{
    char chunk[4096], back[4096];
    struct statfs sf;
    MUST(mkdir("small", 0755));
    R("mount tmpfs small size=64k", mount("tmpfs", "small", "tmpfs", 0, "size=64k"));
    if (statfs("small", &sf) != 0 || sf.f_type != 0x01021994) {
        /* without the small tmpfs the writes would fill the real disk */
        printf("SETUP FAILED: no tmpfs on small\n");
        return 1;
    }
    R("statfs", statfs("small", &sf));
    YN("  total == 64 KiB", (unsigned long long)sf.f_blocks * sf.f_bsize == 64 * 1024);
    YN("  all free", sf.f_bfree == sf.f_blocks);
    unsigned long long free0 = sf.f_bfree;

    int fd;
    MUST(fd = open("small/f", O_RDWR | O_CREAT | O_TRUNC, 0644));
    long full = 0, partial = 0, err = 0;
    for (int i = 0; i < 64; i++) {
        memset(chunk, 'A' + i % 26, sizeof chunk);
        ssize_t n = write(fd, chunk, sizeof chunk);
        if (n < 0) {
            err = errno;
            break;
        }
        if (n == (ssize_t)sizeof chunk)
            full++;
        else
            partial++;
    }
    printf("write stopped with: %s\n", errname(err));
    YN("got ENOSPC", err == ENOSPC);
    YN("full chunks between 8 and 16", full >= 8 && full <= 16);
    YN("at most one short write", partial <= 1);
    R("statfs", statfs("small", &sf));
    YN("  free < before", sf.f_bfree < free0);
    YN("  free < 2 blocks", sf.f_bfree < 2);
    int intact = 1;
    for (long i = 0; i < full; i++) {
        memset(chunk, 'A' + i % 26, sizeof chunk);
        if (pread(fd, back, sizeof back, i * 4096) != (ssize_t)sizeof back ||
            memcmp(chunk, back, sizeof back) != 0)
            intact = 0;
    }
    YN("data written before ENOSPC intact", intact);
    struct stat st;
    MUST(fstat(fd, &st));
    YN("st_size == bytes written", st.st_size == full * 4096 + (partial ? st.st_size % 4096 : 0));
    close(fd);

    int g;
    MUST(g = open("small/g", O_RDWR | O_CREAT | O_TRUNC, 0644));
    R("write 4 KiB to a second file", write(g, chunk, sizeof chunk));
    R("fallocate 1 MiB", fallocate(g, 0, 0, 1 << 20));
    R("ftruncate 1 MiB (sparse, no space needed)", ftruncate(g, 1 << 20));
    R("ftruncate 0", ftruncate(g, 0));
    R("unlink small/f", unlink("small/f"));
    R("statfs", statfs("small", &sf));
    YN("  most space free again", sf.f_bfree + 2 >= free0);
    R("write 4 KiB after unlink", write(g, chunk, sizeof chunk));
    long more = 1;
    while (more < 8 && write(g, chunk, sizeof chunk) == (ssize_t)sizeof chunk)
        more++;
    printf("chunks written after unlink (up to 8): %ld\n", more);
    close(g);

    /* an open, unlinked file keeps its space until closed */
    MUST(fd = open("small/h", O_RDWR | O_CREAT | O_TRUNC, 0644));
    for (int i = 0; i < 32 && write(fd, chunk, sizeof chunk) == (ssize_t)sizeof chunk; i++)
        ;
    MUST(unlink("small/h"));
    R("unlink small/g", unlink("small/g"));
    MUST(g = open("small/k", O_RDWR | O_CREAT | O_TRUNC, 0644));
    long k = 0;
    while (k < 32 && write(g, chunk, sizeof chunk) == (ssize_t)sizeof chunk)
        k++;
    YN("space of g reusable", k >= 1);
    YN("space of open unlinked h not reusable", k <= 9);
    close(fd);
    long k2 = 0;
    while (k2 < 32 && write(g, chunk, sizeof chunk) == (ssize_t)sizeof chunk)
        k2++;
    YN("after close of h its space is back", k2 >= 4);
    close(g);
    R("umount2 small", umount2("small", 0));
    R("rmdir small", rmdir("small"));
    return 0;
}
