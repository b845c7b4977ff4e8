/* exit(3): atexit handlers run in reverse order, then stdio is flushed (a partial line
 * written by the last handler still appears); status is 3. */
#include "abi.h"

static void first(void) { printf("atexit first-registered (runs last), no newline"); }
static void second(void) { printf("atexit second-registered (runs first)\n"); }

int main(void)
{
    atexit(first);
    atexit(second);
    printf("main\n");
    exit(3);
}
