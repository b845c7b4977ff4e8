/* Dies on purpose: abort() without a handler -> SIGABRT, exit status 134; even an
 * ignored SIGABRT does not save the process. */
#include "abi.h"

int main(void)
{
    signal(SIGABRT, SIG_IGN);
    printf("calling abort\n");
    abort();
}
