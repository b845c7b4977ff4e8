/* inotify: init flags, add_watch (errors, masks, IN_MASK_ADD/CREATE, IN_ONLYDIR,
 * IN_DONT_FOLLOW, IN_ONESHOT, IN_EXCL_UNLINK, the same wd for the same inode), rm_watch
 * and IN_IGNORED, and the events of file operations in a watched directory (create, open,
 * access, modify, attrib, close, moves with one cookie, delete, delete_self, move_self,
 * IN_ISDIR); merging of identical events, IN_Q_OVERFLOW, whole-event reads (EINVAL when
 * too small), FIONREAD, poll/epoll readiness, a watcher seeing a child process's changes. */
#include "abi.h"
#include <poll.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <dirent.h>

static int ifd;
static uint32_t last_cookie;

static void mask_names(uint32_t m, char *out)
{
    static const struct { uint32_t b; const char *n; } t[] = {
        {IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"},
        {IN_CLOSE_WRITE, "CLOSE_WRITE"}, {IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"},
        {IN_MOVED_FROM, "MOVED_FROM"}, {IN_MOVED_TO, "MOVED_TO"}, {IN_CREATE, "CREATE"},
        {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"}, {IN_MOVE_SELF, "MOVE_SELF"},
        {IN_UNMOUNT, "UNMOUNT"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_IGNORED, "IGNORED"},
        {IN_ISDIR, "ISDIR"}};
    out[0] = 0;
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++)
        if (m & t[i].b) {
            if (out[0])
                strcat(out, "|");
            strcat(out, t[i].n);
        }
}

/* Print and drain every queued event (non-blocking fd). */
static void drain(const char *label)
{
    char buf[8192] __attribute__((aligned(8)));
    printf("[%s]\n", label);
    for (;;) {
        long n = read(ifd, buf, sizeof buf);
        if (n < 0) {
            if (errno != EAGAIN)
                printf("  read: %s\n", errname(errno));
            return;
        }
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            char m[200];
            mask_names(e->mask, m);
            const char *ck = "";
            if (e->cookie) {
                ck = e->cookie == last_cookie ? " cookie=same" : " cookie=new";
                last_cookie = e->cookie;
            }
            printf("  wd=%d %s%s len=%u name=%s\n", e->wd, m, ck, e->len, e->len ? e->name : "");
            p += sizeof(*e) + e->len;
        }
    }
}

int main(void)
{
    R("init1 bad flags", inotify_init1(1));
    MUST(ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC));
    printf("cloexec: %d nonblock: %d\n", fcntl(ifd, F_GETFD), !!(fcntl(ifd, F_GETFL) & O_NONBLOCK));
    int f0;
    MUST(f0 = inotify_init());
    printf("init nonblock: %d\n", !!(fcntl(f0, F_GETFL) & O_NONBLOCK));
    close(f0);
    char buf[64];
    R("read empty", read(ifd, buf, sizeof buf));

    MUST(mkdir("w", 0755));
    put_file("w/f", "x");
    MUST(symlink("f", "w/link"));

    /* errors */
    R("add mask 0", inotify_add_watch(ifd, "w", 0));
    R("add MASK_ADD|MASK_CREATE", inotify_add_watch(ifd, "w", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
    R("add ebadf", inotify_add_watch(99, "w", IN_MODIFY));
    R("add not inotify", inotify_add_watch(1, "w", IN_MODIFY));
    R("add enoent", inotify_add_watch(ifd, "nope", IN_MODIFY));
    R("add empty path", inotify_add_watch(ifd, "", IN_MODIFY));
    R("add efault", inotify_add_watch(ifd, (char *)8, IN_MODIFY));
    R("add onlydir on file", inotify_add_watch(ifd, "w/f", IN_MODIFY | IN_ONLYDIR));
    R("add enotdir component", inotify_add_watch(ifd, "w/f/x", IN_MODIFY));
    R("rm ebadf", inotify_rm_watch(99, 1));
    R("rm not inotify", inotify_rm_watch(1, 1));
    R("rm no such wd", inotify_rm_watch(ifd, 12345));
    if (geteuid() != 0) {
        MUST(mkdir("noread", 0));
        R("add eacces", inotify_add_watch(ifd, "noread", IN_MODIFY));
    } else {
        printf("add eacces = skipped as root\n");
    }

    /* wd reuse, MASK_ADD, MASK_CREATE, DONT_FOLLOW */
    int wd = inotify_add_watch(ifd, "w", IN_CREATE);
    printf("wd: %d\n", wd);
    R("same inode again (same wd)", inotify_add_watch(ifd, "w/.", IN_CREATE) == wd);
    R("mask_create on watched", inotify_add_watch(ifd, "w", IN_CREATE | IN_MASK_CREATE));
    int lwd = inotify_add_watch(ifd, "w/link", IN_ATTRIB | IN_DONT_FOLLOW);
    int fwd = inotify_add_watch(ifd, "w/link", IN_ATTRIB);
    R("link and target differ", lwd != fwd);
    R("target wd > link wd", fwd > lwd);
    R("rm link watch", inotify_rm_watch(ifd, lwd));
    R("rm target watch", inotify_rm_watch(ifd, fwd));
    R("rm again", inotify_rm_watch(ifd, fwd));
    drain("ignored");
    R("readd (mask_add)", inotify_add_watch(ifd, "w", IN_ALL_EVENTS | IN_MASK_ADD) == wd);

    /* file events */
    int fd;
    MUST(fd = open("w/a", O_CREAT | O_WRONLY, 0644));
    MUST(write(fd, "hello", 5));
    MUST(write(fd, "hello", 5)); /* merged with the previous MODIFY */
    close(fd);
    drain("create+write+close");
    MUST(fd = open("w/a", O_RDONLY));
    MUST(read(fd, buf, 2));
    MUST(read(fd, buf, 2));
    close(fd);
    drain("open+read+close");
    MUST(chmod("w/a", 0600));
    MUST(truncate("w/a", 1));
    drain("chmod+truncate");
    MUST(rename("w/a", "w/b"));
    drain("rename in dir");
    MUST(mkdir("w/sub", 0755));
    MUST(rename("w/b", "w/sub/b"));
    drain("mkdir+rename out");
    MUST(link("w/f", "w/f2"));
    drain("link");
    MUST(unlink("w/f2"));
    MUST(unlink("w/sub/b"));
    MUST(rmdir("w/sub"));
    drain("unlink+rmdir");
    DIR *d = opendir("w");
    while (readdir(d))
        ;
    closedir(d);
    drain("readdir");

    /* self events: a watched file deleted, a watched dir moved */
    put_file("w/self", "s");
    drain("setup");
    int swd = inotify_add_watch(ifd, "w/self", IN_ALL_EVENTS);
    R("self wd new", swd > wd);
    MUST(unlink("w/self"));
    drain("unlink watched file");
    MUST(mkdir("m", 0755));
    int mwd = inotify_add_watch(ifd, "m", IN_MOVE_SELF | IN_DELETE_SELF);
    MUST(rename("m", "m2"));
    MUST(rmdir("m2"));
    drain("move_self+delete_self");
    (void)mwd;

    /* oneshot */
    MUST(inotify_rm_watch(ifd, wd));
    drain("rm main watch");
    int owd = inotify_add_watch(ifd, "w", IN_CREATE | IN_ONESHOT);
    put_file("w/o1", "");
    put_file("w/o2", "");
    drain("oneshot");
    R("rm oneshot-removed wd", inotify_rm_watch(ifd, owd));

    /* read buffer rules, FIONREAD, poll, epoll */
    wd = inotify_add_watch(ifd, "w", IN_CREATE | IN_DELETE);
    put_file("w/longer-name", "");
    int avail = -1;
    R("FIONREAD", ioctl(ifd, FIONREAD, &avail));
    printf("FIONREAD bytes: %d\n", avail);
    R("poll", poll(&(struct pollfd){ifd, POLLIN, 0}, 1, 0));
    R("read too small", read(ifd, buf, sizeof(struct inotify_event)));
    R("read exact", read(ifd, buf, sizeof(struct inotify_event) + 16));
    R("poll empty", poll(&(struct pollfd){ifd, POLLIN, 0}, 1, 0));
    int ep;
    MUST(ep = epoll_create1(0));
    struct epoll_event ev = {EPOLLIN, {.u32 = 3}}, out[2];
    MUST(epoll_ctl(ep, EPOLL_CTL_ADD, ifd, &ev));
    R("epoll none", epoll_wait(ep, out, 2, 0));
    /* a child process's change wakes the sleeping watcher */
    pid_t c = fork();
    if (c == 0) {
        usleep(30 * 1000);
        unlink("w/longer-name");
        _exit(0);
    }
    R("epoll wakes", epoll_wait(ep, out, 2, 5000));
    drain("child's unlink");
    wait_report("child", c);

    /* queue overflow: 16384 events max, then one Q_OVERFLOW */
    MUST(fd = open("w/o1", O_WRONLY));
    for (int i = 0; i < 20000; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "w/o1");
        (void)nm;
    }
    close(fd);
    int owd2 = inotify_add_watch(ifd, "w", IN_CREATE | IN_DELETE);
    R("same wd", owd2 == wd);
    for (int i = 0; i < 8200; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "w/q%d", i);
        close(open(nm, O_CREAT | O_WRONLY, 0644));
        unlink(nm);
    }
    long total = 0, overflow = 0, lastwd = 0;
    uint32_t lastmask = 0;
    static char big[65536];
    for (;;) {
        long n = read(ifd, big, sizeof big);
        if (n <= 0)
            break;
        for (char *p = big; p < big + n;) {
            struct inotify_event *e = (struct inotify_event *)p;
            total++;
            if (e->mask & IN_Q_OVERFLOW)
                overflow++;
            lastwd = e->wd;
            lastmask = e->mask;
            p += sizeof(*e) + e->len;
        }
    }
    printf("queued events read: %ld overflow events: %ld last wd %ld last is overflow %d\n",
           total, overflow, lastwd, lastmask == IN_Q_OVERFLOW);
    close(ifd);
    return 0;
}
