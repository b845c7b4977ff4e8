/* Sparse files: lseek past the end and write (size, few blocks, the hole reads as zeros),
 * SEEK_DATA/SEEK_HOLE, ftruncate growing (zeros, no blocks) and shrinking (the cut tail
 * reads as zeros when the file grows again), FALLOC_FL_PUNCH_HOLE.  st_blocks is printed
 * only as comparisons. */
#include "abi.h"

#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif
#define MiB (1L << 20)

static int all_zero(int fd, off_t off, size_t len)
{
    char buf[4096];
    while (len > 0) {
        size_t n = len < sizeof buf ? len : sizeof buf;
        ssize_t r = pread(fd, buf, n, off);
        if (r != (ssize_t)n)
            return 0;
        for (size_t i = 0; i < n; i++)
            if (buf[i])
                return 0;
        off += n;
        len -= n;
    }
    return 1;
}

int main(void)
{
    struct stat st;
    int fd;
    MUST(fd = open("s", O_RDWR | O_CREAT | O_TRUNC, 0644));
    R("lseek 1 MiB", lseek(fd, MiB, SEEK_SET));
    R("write end", write(fd, "end", 3));
    MUST(fstat(fd, &st));
    printf("st_size = %ld\n", (long)st.st_size);
    YN("st_blocks < size/512 / 16", st.st_blocks < st.st_size / 512 / 16);
    YN("st_blocks > 0", st.st_blocks > 0);
    YN("hole reads as zeros", all_zero(fd, 0, MiB));
    char buf[8] = {0};
    R("pread end", pread(fd, buf, sizeof buf, MiB));
    printf("tail: \"%s\"\n", buf);
    R("read at EOF", pread(fd, buf, sizeof buf, MiB + 3));
    off_t d = lseek(fd, 0, SEEK_DATA);
    YN("SEEK_DATA from 0 lands in [1 MiB - 4096, 1 MiB]", d >= MiB - 4096 && d <= MiB);
    R("SEEK_HOLE from 0", lseek(fd, 0, SEEK_HOLE));
    YN("SEEK_HOLE from 1 MiB == size", lseek(fd, MiB, SEEK_HOLE) == MiB + 3);
    R("SEEK_DATA at size", lseek(fd, MiB + 3, SEEK_DATA));
    R("SEEK_HOLE at size", lseek(fd, MiB + 3, SEEK_HOLE));
    R("SEEK_DATA past size", lseek(fd, 2 * MiB, SEEK_DATA));
    R("SEEK_HOLE past size", lseek(fd, 2 * MiB, SEEK_HOLE));
    R("SEEK_DATA negative", lseek(fd, -1, SEEK_DATA));

    /* ftruncate grows without allocating */
    blkcnt_t before = st.st_blocks;
    R("ftruncate 4 MiB", ftruncate(fd, 4 * MiB));
    MUST(fstat(fd, &st));
    printf("st_size = %ld\n", (long)st.st_size);
    YN("st_blocks unchanged", st.st_blocks == before);
    YN("grown part reads as zeros", all_zero(fd, MiB + 3, 3 * MiB - 3));
    YN("SEEK_HOLE from 1 MiB now == 1 MiB + a block at most",
       lseek(fd, MiB, SEEK_HOLE) > MiB && lseek(fd, MiB, SEEK_HOLE) <= MiB + 4096);

    /* shrink into the data, grow back: the cut bytes are gone */
    R("ftruncate 1 MiB + 1", ftruncate(fd, MiB + 1));
    R("ftruncate 1 MiB + 100", ftruncate(fd, MiB + 100));
    memset(buf, 'x', sizeof buf);
    R("pread", pread(fd, buf, 3, MiB));
    printf("bytes: %02x %02x %02x\n", buf[0] & 0xff, buf[1] & 0xff, buf[2] & 0xff);
    R("ftruncate 0", ftruncate(fd, 0));
    MUST(fstat(fd, &st));
    printf("st_size = %ld, st_blocks == 0: %s\n", (long)st.st_size, st.st_blocks == 0 ? "yes" : "no");

    /* a hole-only file */
    int h;
    MUST(h = open("hole", O_RDWR | O_CREAT | O_TRUNC, 0644));
    R("ftruncate hole 1 MiB", ftruncate(h, MiB));
    MUST(fstat(h, &st));
    printf("hole: st_size = %ld, st_blocks == 0: %s\n", (long)st.st_size, st.st_blocks == 0 ? "yes" : "no");
    R("SEEK_DATA in hole-only file", lseek(h, 0, SEEK_DATA));
    R("SEEK_HOLE in hole-only file", lseek(h, 0, SEEK_HOLE));
    YN("hole-only reads as zeros", all_zero(h, 0, MiB));
    close(h);

    /* a write in the middle of a page of a truncated file */
    R("pwrite 5 abc", pwrite(fd, "abc", 3, 5));
    R("ftruncate 6", ftruncate(fd, 6));
    R("ftruncate 100", ftruncate(fd, 100));
    char b2[100];
    R("pread 100", pread(fd, b2, sizeof b2, 0));
    int ok = b2[5] == 'a';
    for (int i = 0; i < 100; i++)
        if (i != 5 && b2[i])
            ok = 0;
    YN("only byte 5 is set", ok);

    /* punch a hole */
    char page[4096];
    memset(page, 'p', sizeof page);
    MUST(ftruncate(fd, 0));
    for (int i = 0; i < 3; i++)
        MUST(pwrite(fd, page, sizeof page, i * 4096));
    MUST(fstat(fd, &st));
    before = st.st_blocks;
    R("fallocate PUNCH_HOLE|KEEP_SIZE middle page", fallocate(fd, 0x02 | 0x01, 4096, 4096));
    MUST(fstat(fd, &st));
    printf("st_size = %ld\n", (long)st.st_size);
    YN("st_blocks decreased", st.st_blocks < before);
    YN("punched page reads as zeros", all_zero(fd, 4096, 4096));
    R("SEEK_HOLE from 0", lseek(fd, 0, SEEK_HOLE));
    R("SEEK_DATA from 4096", lseek(fd, 4096, SEEK_DATA));
    R("fallocate PUNCH_HOLE without KEEP_SIZE", fallocate(fd, 0x02, 0, 4096));
    memset(buf, 0, sizeof buf);
    R("pread last page", pread(fd, buf, 4, 8192));
    printf("last page: \"%.4s\"\n", buf);

    /* write far out through O_APPEND after a seek: goes to the end */
    close(fd);
    MUST(fd = open("s", O_WRONLY | O_APPEND));
    R("lseek 1 MiB (O_APPEND)", lseek(fd, MiB, SEEK_SET));
    R("write", write(fd, "z", 1));
    MUST(fstat(fd, &st));
    printf("st_size = %ld\n", (long)st.st_size);
    close(fd);
    return 0;
}
