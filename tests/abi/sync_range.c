/* sync_file_range and readahead: flags, ranges, file types, access modes. */
#include "abi.h"

int main(void)
{
    int fd = open("f", O_RDWR | O_CREAT, 0644);
    MUST(fd);
    MUST(write(fd, "hello", 5));
    R("sync_file_range write+wait", syscall(SYS_sync_file_range, fd, 0L, 0L, 7));
    R("sync_file_range no flags", syscall(SYS_sync_file_range, fd, 0L, 5L, 0));
    R("sync_file_range wait only", syscall(SYS_sync_file_range, fd, 0L, 5L, 1));
    R("sync_file_range bad flag", syscall(SYS_sync_file_range, fd, 0L, 5L, 8));
    R("sync_file_range negative offset", syscall(SYS_sync_file_range, fd, -1L, 5L, 2));
    R("sync_file_range negative length", syscall(SYS_sync_file_range, fd, 10L, -5L, 2));
    R("sync_file_range wrapping", syscall(SYS_sync_file_range, fd, 0x7fffffffffffff00L, 0x1000L, 2));
    R("sync_file_range bad fd", syscall(SYS_sync_file_range, 99, 0L, 0L, 2));
    R("sync_file_range bad fd, bad flag", syscall(SYS_sync_file_range, 99, 0L, 0L, 8));
    int p[2];
    MUST(pipe(p));
    R("sync_file_range pipe", syscall(SYS_sync_file_range, p[0], 0L, 0L, 2));
    R("sync_file_range pipe, bad flag", syscall(SYS_sync_file_range, p[0], 0L, 0L, 8));
    int d = open(".", O_RDONLY | O_DIRECTORY);
    R("sync_file_range directory", syscall(SYS_sync_file_range, d, 0L, 0L, 2));
    int ro = open("f", O_RDONLY);
    R("sync_file_range read-only fd", syscall(SYS_sync_file_range, ro, 0L, 0L, 7));
    int op = open("f", O_PATH);
    R("sync_file_range O_PATH", syscall(SYS_sync_file_range, op, 0L, 0L, 2));

    R("readahead", syscall(SYS_readahead, fd, 0L, 4096L));
    R("readahead read-only", syscall(SYS_readahead, ro, 0L, 1L << 20));
    R("readahead past the end", syscall(SYS_readahead, ro, 1L << 30, 4096L));
    int wo = open("f", O_WRONLY);
    R("readahead write-only", syscall(SYS_readahead, wo, 0L, 4096L));
    R("readahead pipe", syscall(SYS_readahead, p[0], 0L, 4096L));
    R("readahead directory", syscall(SYS_readahead, d, 0L, 4096L));
    R("readahead bad fd", syscall(SYS_readahead, 99, 0L, 4096L));
    R("readahead O_PATH", syscall(SYS_readahead, op, 0L, 4096L));
    int dn = open("/dev/null", O_RDONLY);
    R("readahead /dev/null", syscall(SYS_readahead, dn, 0L, 4096L));
    return 0;
}
