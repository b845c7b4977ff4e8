/* exit_group from a secondary thread terminates the whole process with its status. */
#include "abi.h"
#include <pthread.h>

static void *t(void *a)
{
    (void)a;
    printf("thread calls exit_group(5)\n");
    syscall(SYS_exit_group, 5);
    return NULL;
}

int main(void)
{
    pthread_t th;
    int e = pthread_create(&th, NULL, t, NULL);
    if (e) {
        printf("pthread_create: %s\n", errname(e));
        return 1;
    }
    for (;;)
        pause();
}
