/* Dies on purpose: raise(SIGTERM) with default disposition -> exit status 143. */
#include "abi.h"

int main(void)
{
    printf("raising SIGTERM\n");
    raise(SIGTERM);
    printf("survived?\n");
    return 0;
}
