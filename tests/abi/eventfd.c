/* eventfd: counter semantics, EFD_SEMAPHORE, EFD_NONBLOCK EAGAIN, 8-byte rule, overflow. */
#include "abi.h"
#include <sys/eventfd.h>

int main(void)
{
    int fd;
    uint64_t v = 0;
    R("eventfd(3, 0) ok", (fd = eventfd(3, 0)) >= 0);
    R("write 4", write(fd, &(uint64_t){4}, 8));
    R("read", read(fd, &v, 8));
    printf("value: %llu\n", (unsigned long long)v);
    R("read 4 bytes", read(fd, &v, 4));
    R("write 4 bytes", write(fd, &v, 4));
    R("write UINT64_MAX", write(fd, &(uint64_t){UINT64_MAX}, 8));
    close(fd);

    MUST(fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    R("read empty nonblock", read(fd, &v, 8));
    printf("cloexec: %d nonblock: %d\n", fcntl(fd, F_GETFD), !!(fcntl(fd, F_GETFL) & O_NONBLOCK));
    R("write max-1", write(fd, &(uint64_t){UINT64_MAX - 1}, 8));
    R("write 1 overflow", write(fd, &(uint64_t){1}, 8));
    R("read", read(fd, &v, 8));
    YN("value == max-1", v == UINT64_MAX - 1);
    close(fd);

    MUST(fd = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK));
    for (int i = 0; i < 4; i++) {
        errno = 0;
        long r = read(fd, &v, 8);
        printf("sem read %d: r=%ld v=%llu %s\n", i, r, r > 0 ? (unsigned long long)v : 0ULL,
               r < 0 ? errname(errno) : "");
    }
    close(fd);
    R("raw eventfd2 bad flags", syscall(SYS_eventfd2, 0, 0x2));
    R("raw eventfd2 ok", syscall(SYS_eventfd2, 0, 0) >= 0);
    return 0;
}
