/* Dies on purpose: integer division by zero without a handler -> exit status 136. */
#include "abi.h"

int main(void)
{
    volatile int z = 0, n = 100;
    printf("dividing by zero\n");
    printf("%d\n", n / z);
    return 0;
}
