/* prctl: PR_SET_NAME/PR_GET_NAME (16-byte truncation), dumpable, pdeathsig, EINVAL. */
#include "abi.h"
#include <sys/prctl.h>

int main(void)
{
    char name[32];
    R("PR_SET_NAME", prctl(PR_SET_NAME, "alcove-test", 0, 0, 0));
    memset(name, 'x', sizeof name);
    R("PR_GET_NAME", prctl(PR_GET_NAME, name, 0, 0, 0));
    printf("name: %s\n", name);
    R("PR_SET_NAME long", prctl(PR_SET_NAME, "a-very-long-thread-name-here", 0, 0, 0));
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("name: %s (len %zu)\n", name, strlen(name));
    R("PR_GET_DUMPABLE", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
    R("PR_SET_PDEATHSIG", prctl(PR_SET_PDEATHSIG, SIGUSR1, 0, 0, 0));
    int s = 0;
    R("PR_GET_PDEATHSIG", prctl(PR_GET_PDEATHSIG, &s, 0, 0, 0));
    printf("pdeathsig: %d\n", s);
    R("PR_SET_PDEATHSIG bad", prctl(PR_SET_PDEATHSIG, 999, 0, 0, 0));
    R("bad option", prctl(0x7fff1234, 0, 0, 0, 0));
    R("PR_GET_NAME bad ptr", prctl(PR_GET_NAME, (void *)1, 0, 0, 0));
    return 0;
}
