/* Deliberately exits with status 42 via _exit; unflushed stdio data is lost. */
#include "abi.h"

int main(void)
{
    printf("before _exit\n");
    printf("this partial line is never flushed");
    _exit(42);
}
