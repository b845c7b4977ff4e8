/* setgroups/getgroups: sorted storage, count query, EINVAL for a short buffer or a bad
 * size, EFAULT, EPERM without privilege, inheritance over fork, /proc/self/status Groups. */
#include "abi.h"
#include <grp.h>
#include <sys/wait.h>

static void show(const char *label)
{
    gid_t g[64];
    long n = syscall(SYS_getgroups, 64, g);
    printf("%s: %ld:", label, n);
    for (long i = 0; i < n; i++)
        printf(" %u", (unsigned)g[i]);
    printf("\n");
}

static void status_groups(void)
{
    char buf[4096];
    int fd = open("/proc/self/status", O_RDONLY);
    MUST(fd);
    long n = read(fd, buf, sizeof buf - 1);
    MUST(n);
    buf[n] = 0;
    close(fd);
    char *g = strstr(buf, "\nGroups:");
    if (g) {
        char *e = strchr(g + 1, '\n');
        if (e)
            *e = 0;
    }
    printf("status%s\n", g ? g : ": none");
}

int main(void)
{
    gid_t saved[64];
    int nsaved = (int)syscall(SYS_getgroups, 64, saved);
    MUST(nsaved);
    gid_t set[] = {30, 10, 20, 10, 5};
    R("setgroups 5", syscall(SYS_setgroups, 5, set));
    show("after set");
    R("count only", syscall(SYS_getgroups, 0, NULL));
    gid_t small[2];
    R("short buffer", syscall(SYS_getgroups, 2, small));
    R("negative size", syscall(SYS_getgroups, -1, small));
    R("bad buffer", syscall(SYS_getgroups, 64, (void *)8));
    status_groups();
    R("setgroups negative", syscall(SYS_setgroups, -1, set));
    R("setgroups too many", syscall(SYS_setgroups, 65537, set));
    R("setgroups bad ptr", syscall(SYS_setgroups, 3, (void *)8));
    show("unchanged");
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        show("child");
        gid_t one = 99;
        R("child setgroups", syscall(SYS_setgroups, 1, &one));
        show("child after");
        MUST(setuid(65534));
        R("user setgroups", syscall(SYS_setgroups, 1, &one));
        R("user setgroups bad size", syscall(SYS_setgroups, -1, &one));
        _exit(0);
    }
    MUST(waitpid(c, NULL, 0));
    show("parent after child");
    R("setgroups 0", syscall(SYS_setgroups, 0, NULL));
    show("empty");
    R("getgroups empty, bad buffer", syscall(SYS_getgroups, 4, (void *)8));
    status_groups();
    R("restore", syscall(SYS_setgroups, nsaved, saved));
    return 0;
}
