/* Dies on purpose: NULL write with no handler -> killed by SIGSEGV (exit status 139). */
#include "abi.h"

int main(void)
{
    printf("about to fault\n");
    *(volatile int *)0 = 42;
    printf("survived?\n");
    return 0;
}
