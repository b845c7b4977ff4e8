/* hello.c - bench row (c): process start to exit; built both static and dynamic. */
#include <stdio.h>

int main(void)
{
    printf("hello, world\n");
    return 0;
}
