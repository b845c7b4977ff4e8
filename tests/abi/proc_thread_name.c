/* Per-thread names: PR_SET_NAME in a thread renames only that thread, seen in
 * /proc/self/task/<tid>/comm and /proc/thread-self/comm, the main thread keeps its name;
 * writing /proc/self/comm renames the caller. */
#include "abi.h"
#include <pthread.h>
#include <sys/prctl.h>

static long main_tid;

static void *thr(void *arg)
{
    (void)arg;
    char path[64], name[32];
    R("thread PR_SET_NAME", prctl(PR_SET_NAME, "worker-thread", 0, 0, 0));
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("thread PR_GET_NAME: %s\n", name);
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", xgettid());
    show_first_line("own task comm", path);
    show_first_line("/proc/thread-self/comm", "/proc/thread-self/comm");
    snprintf(path, sizeof path, "/proc/self/task/%ld/comm", main_tid);
    show_first_line("main thread's task comm", path);
    return NULL;
}

int main(void)
{
    char name[32];
    main_tid = xgettid();
    prctl(PR_SET_NAME, "main-name", 0, 0, 0);
    pthread_t t;
    pthread_create(&t, NULL, thr, NULL);
    pthread_join(t, NULL);
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("main name after the thread renamed itself: %s\n", name);
    show_first_line("/proc/self/comm", "/proc/self/comm");

    int fd = open("/proc/self/comm", O_WRONLY);
    if (fd < 0)
        printf("open /proc/self/comm for writing: %s\n", errname(errno));
    else {
        R("write comm", write(fd, "written-name", 12));
        close(fd);
    }
    prctl(PR_GET_NAME, name, 0, 0, 0);
    printf("PR_GET_NAME after the write: %s\n", name);
    return 0;
}
