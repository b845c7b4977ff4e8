/* getrandom: returns the length asked (<=256 always full), flags, EINVAL, EFAULT. */
#include "abi.h"
#include <sys/random.h>

int main(void)
{
    unsigned char a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    R("getrandom 256", getrandom(a, sizeof a, 0));
    R("getrandom 256 again", getrandom(b, sizeof b, 0));
    YN("buffers differ", memcmp(a, b, sizeof a) != 0);
    int nz = 0;
    for (size_t i = 0; i < sizeof a; i++)
        nz += a[i] != 0;
    YN("mostly non-zero", nz > 200);
    R("GRND_NONBLOCK 16", getrandom(a, 16, GRND_NONBLOCK));
    R("GRND_RANDOM 16", getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK) > 0);
    R("len 0", getrandom(a, 0, 0));
    R("len 1", getrandom(a, 1, 0));
    R("raw 33", syscall(SYS_getrandom, a, 33, 0));
    R("bad flags", syscall(SYS_getrandom, a, 16, 0x40));
    R("INSECURE|RANDOM", syscall(SYS_getrandom, a, 16, GRND_INSECURE | GRND_RANDOM));
    R("bad pointer", syscall(SYS_getrandom, (void *)1, 16, 0));
    static unsigned char big[1 << 20];
    long r = getrandom(big, sizeof big, 0);
    YN("1MiB request returns > 0", r > 0);
    YN("1MiB request returns <= 1MiB", r <= (long)sizeof big);
    /* distribution sanity: every byte value present in 1MiB */
    int seen[256] = {0}, all = 1;
    for (long i = 0; i < r; i++)
        seen[big[i]] = 1;
    for (int i = 0; i < 256; i++)
        all &= seen[i];
    YN("all byte values seen", all);
    return 0;
}
