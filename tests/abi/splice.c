/* copy_file_range, splice, tee and sendfile: data movement, offsets (pointer updated, file
 * offset untouched), pipe<->file, pipe<->pipe, SPLICE_F_NONBLOCK, and the error cases. */
#include "abi.h"
#include <sys/sendfile.h>

#ifndef SPLICE_F_NONBLOCK
#define SPLICE_F_NONBLOCK 2
#endif

static char data[10000];

static int mkfile(const char *name, size_t n)
{
    int fd = open(name, O_CREAT | O_RDWR | O_TRUNC, 0644);
    MUST(fd);
    if (n)
        MUST(write(fd, data, n) == (long)n ? 0 : -1);
    MUST(lseek(fd, 0, SEEK_SET));
    return fd;
}

static int same(int fd, off_t off, const char *want, size_t n)
{
    char buf[10000];
    if (pread(fd, buf, n, off) != (long)n)
        return 0;
    return memcmp(buf, want, n) == 0;
}

static void test_copy_file_range(void)
{
    int a = mkfile("cfr_a", 10000), b = mkfile("cfr_b", 0);
    loff_t oi = 100, oo = 5;
    R("cfr whole", syscall(SYS_copy_file_range, a, NULL, b, NULL, 4000, 0));
    R("cfr in pos", lseek(a, 0, SEEK_CUR));
    R("cfr out pos", lseek(b, 0, SEEK_CUR));
    YN("cfr data", same(b, 0, data, 4000));
    R("cfr offsets", syscall(SYS_copy_file_range, a, &oi, b, &oo, 50, 0));
    R("cfr off_in after", (long)oi);
    R("cfr off_out after", (long)oo);
    R("cfr in pos unchanged", lseek(a, 0, SEEK_CUR));
    R("cfr out pos unchanged", lseek(b, 0, SEEK_CUR));
    YN("cfr offset data", same(b, 5, data + 100, 50));
    oi = 9990;
    R("cfr short at EOF", syscall(SYS_copy_file_range, a, &oi, b, NULL, 100, 0));
    oi = 20000;
    R("cfr past EOF", syscall(SYS_copy_file_range, a, &oi, b, NULL, 100, 0));
    R("cfr len 0", syscall(SYS_copy_file_range, a, NULL, b, NULL, 0, 0));
    R("cfr flags", syscall(SYS_copy_file_range, a, NULL, b, NULL, 10, 1));
    R("cfr bad in fd", syscall(SYS_copy_file_range, 99, NULL, b, NULL, 10, 0));
    R("cfr bad out fd", syscall(SYS_copy_file_range, a, NULL, 99, NULL, 10, 0));
    R("cfr bad off_in ptr", syscall(SYS_copy_file_range, a, (void *)1, b, NULL, 10, 0));
    oi = -1;
    R("cfr off_in -1 (wraps)", syscall(SYS_copy_file_range, a, &oi, b, NULL, 10, 0));
    oi = -100;
    R("cfr off_in -100", syscall(SYS_copy_file_range, a, &oi, b, NULL, 10, 0));
    oo = -100;
    R("cfr off_out -100", syscall(SYS_copy_file_range, a, NULL, b, &oo, 10, 0));
    int ro = open("cfr_b", O_RDONLY), wo = open("cfr_a", O_WRONLY);
    R("cfr out read-only", syscall(SYS_copy_file_range, a, NULL, ro, NULL, 10, 0));
    R("cfr in write-only", syscall(SYS_copy_file_range, wo, NULL, b, NULL, 10, 0));
    int ap = open("cfr_b", O_WRONLY | O_APPEND);
    R("cfr out O_APPEND", syscall(SYS_copy_file_range, a, NULL, ap, NULL, 10, 0));
    oi = 0, oo = 10;
    R("cfr same file overlap", syscall(SYS_copy_file_range, a, &oi, a, &oo, 100, 0));
    oi = 0, oo = 5000;
    R("cfr same file apart", syscall(SYS_copy_file_range, a, &oi, a, &oo, 100, 0));
    YN("cfr same file data", same(a, 5000, data, 100));
    MUST(mkdir("cfr_d", 0755));
    int d = open("cfr_d", O_RDONLY);
    R("cfr dir", syscall(SYS_copy_file_range, d, NULL, b, NULL, 10, 0));
    int p[2];
    MUST(pipe(p));
    R("cfr pipe", syscall(SYS_copy_file_range, a, NULL, p[1], NULL, 10, 0));
    int pr = open("/proc/self/status", O_RDONLY);
    R("cfr across file systems", syscall(SYS_copy_file_range, pr, NULL, b, NULL, 10, 0));
    close(pr), close(p[0]), close(p[1]), close(d), close(ap), close(ro), close(wo), close(a), close(b);
}

static void test_splice(void)
{
    int f = mkfile("sp_f", 10000), g = mkfile("sp_g", 0);
    int p[2], q[2];
    MUST(pipe(p));
    MUST(pipe(q));
    R("file->pipe", splice(f, NULL, p[1], NULL, 3000, 0));
    R("file pos after", lseek(f, 0, SEEK_CUR));
    loff_t off = 5000;
    R("file@off->pipe", splice(f, &off, p[1], NULL, 1000, 0));
    R("off after", (long)off);
    R("file pos unchanged", lseek(f, 0, SEEK_CUR));
    R("pipe->pipe", splice(p[0], NULL, q[1], NULL, 2000, 0));
    R("tee", tee(q[0], p[1], 500, 0));
    R("pipe->file", splice(q[0], NULL, g, NULL, 10000, 0));
    YN("pipe->file data", same(g, 0, data, 2000));
    off = 100;
    R("pipe->file@off", splice(p[0], &off, g, &off, 1, 0));
    R("pipe->file@off", splice(p[0], NULL, g, &off, 10000, 0));
    R("off after", (long)off);
    R("g pos", lseek(g, 0, SEEK_CUR));
    YN("pipe->file@off data", same(g, 100, data + 2000, 1000) && same(g, 1100, data + 5000, 1000) &&
                                  same(g, 2100, data, 500));
    R("empty pipe nonblock", splice(p[0], NULL, g, NULL, 10, SPLICE_F_NONBLOCK));
    R("tee empty nonblock", tee(p[0], q[1], 10, SPLICE_F_NONBLOCK));
    R("len 0", splice(p[0], NULL, g, NULL, 0, 0));
    R("bad flags", splice(p[0], NULL, g, NULL, 10, 0x100));
    R("no pipe", splice(f, NULL, g, NULL, 10, 0));
    R("same pipe", splice(p[0], NULL, p[1], NULL, 10, 0));
    R("tee same pipe", tee(p[0], p[1], 10, 0));
    R("tee not pipes", tee(f, p[1], 10, 0));
    R("offset on pipe", splice(p[0], &off, g, NULL, 10, 0));
    R("bad fd", splice(99, NULL, p[1], NULL, 10, 0));
    R("write end as input", splice(p[1], NULL, g, NULL, 10, 0));
    R("bad off ptr", splice(f, (loff_t *)1, p[1], NULL, 10, 0));
    off = -5;
    R("negative offset", splice(f, &off, p[1], NULL, 10, 0));
    int ap = open("sp_g", O_WRONLY | O_APPEND);
    MUST(write(p[1], "xy", 2));
    R("pipe->O_APPEND file", splice(p[0], NULL, ap, NULL, 10, 0));
    /* fill a pipe, then splice into it nonblocking */
    int fl = fcntl(q[1], F_GETFL);
    MUST(fcntl(q[1], F_SETFL, fl | O_NONBLOCK));
    long tot = 0, n;
    while ((n = write(q[1], data, sizeof data)) > 0)
        tot += n;
    MUST(fcntl(q[1], F_SETFL, fl));
    YN("pipe filled up", tot > 32768 && tot <= 65536);
    R("file->full pipe nonblock", splice(f, NULL, q[1], NULL, 10, SPLICE_F_NONBLOCK));
    close(p[1]);
    R("pipe->file at EOF", splice(p[0], NULL, g, NULL, 10, 0));
    close(p[0]), close(q[0]), close(q[1]), close(ap), close(f), close(g);
}

static void test_sendfile(void)
{
    /* CPython test_os.TestSendfile, with a file instead of a socket as out_fd. */
    int in = mkfile("sf_in", 10000), out = mkfile("sf_out", 0);
    off_t off = -1;
    R("invalid offset", sendfile(out, in, &off, 4096));
    R("raw invalid offset", syscall(SYS_sendfile, out, in, &off, 4096));
    off = 10000 + 4096;
    R("offset overflow", sendfile(out, in, &off, 4096));
    R("offset after", (long)off);
    off = 5000;
    long total = 0, n;
    while ((n = sendfile(out, in, &off, 4096)) > 0)
        total += n;
    R("send at certain offset", total);
    R("offset after", (long)off);
    R("in pos unchanged", lseek(in, 0, SEEK_CUR));
    YN("data", same(out, 0, data + 5000, 5000));
    off = 0;
    total = 0;
    while ((n = sendfile(out, in, &off, 4096)) > 0)
        total += n;
    R("whole file", total);
    YN("whole data", same(out, 5000, data, 10000));
    R("keywords-like count 4096", sendfile(out, in, NULL, 4096));
    R("in pos moved", lseek(in, 0, SEEK_CUR));
    R("out pos", lseek(out, 0, SEEK_CUR));
    R("bad offset ptr", syscall(SYS_sendfile, out, in, (void *)1, 10));
    R("bad in fd", sendfile(out, 99, NULL, 10));
    R("bad out fd", sendfile(99, in, NULL, 10));
    R("bad both", sendfile(98, 99, NULL, 10));
    int ap = open("sf_out", O_WRONLY | O_APPEND);
    R("O_APPEND out", sendfile(ap, in, NULL, 10));
    R("count 0", sendfile(out, in, NULL, 0));
    int p[2];
    MUST(pipe(p));
    off = 0;
    R("to a pipe", sendfile(p[1], in, &off, 100));
    char buf[100];
    YN("pipe data", read(p[0], buf, 100) == 100 && memcmp(buf, data, 100) == 0);
    R("offset on a pipe in", sendfile(out, p[0], &off, 10));
    close(p[0]), close(p[1]), close(ap), close(in), close(out);
}

int main(void)
{
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (char)(i * 7 + i / 251);
    test_copy_file_range();
    test_splice();
    test_sendfile();
    return 0;
}
