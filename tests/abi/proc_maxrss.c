/* ru_maxrss: non-zero for RUSAGE_SELF, for a reaped child in wait4's rusage and in
 * RUSAGE_CHILDREN; a child that touched 10 MiB reports at least 8 (Linux's RSS counters
 * are per-CPU and summed approximately: exactly 8 MiB touched read as a little less once,
 * natively, on a loaded host). */
#include "abi.h"
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

int main(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    YN("RUSAGE_SELF maxrss > 0", ru.ru_maxrss > 0);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        size_t n = 10 << 20;
        char *m = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            _exit(1);
        for (size_t i = 0; i < n; i += 4096)
            m[i] = 1;
        _exit(0);
    }
    int st;
    struct rusage w;
    memset(&w, 0, sizeof w);
    wait4(c, &st, 0, &w);
    YN("wait4 maxrss >= 8 MiB (in KiB)", w.ru_maxrss >= 8192);
    getrusage(RUSAGE_CHILDREN, &ru);
    YN("RUSAGE_CHILDREN maxrss >= 8 MiB", ru.ru_maxrss >= 8192);
    return 0;
}
