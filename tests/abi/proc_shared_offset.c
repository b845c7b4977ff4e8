/* Open file descriptions shared across fork: concurrent writes through one shared offset
 * (and with O_APPEND) lose nothing, lseek/read in the child move the parent's offset, status
 * flags (O_APPEND, O_NONBLOCK) are shared but FD_CLOEXEC is per descriptor, a separate open()
 * has its own offset. */
#include "abi.h"
#include <sys/wait.h>

#define N 2000
#define RL 16

static void writer(int fd, char tag, int go)
{
    char x, rec[RL + 1];
    read(go, &x, 1);
    for (int i = 0; i < N; i++) {
        snprintf(rec, sizeof rec, "%c%05d.........\n", tag, i);
        if (write(fd, rec, RL) != RL)
            _exit(2);
    }
}

static void check(const char *label, int append)
{
    int fd, go[2], st;
    unlink("f");
    MUST(fd = open("f", O_RDWR | O_CREAT | O_TRUNC | (append ? O_APPEND : 0), 0644));
    MUST(pipe(go));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(go[1]);
        writer(fd, 'C', go[0]);
        _exit(0);
    }
    close(go[0]);
    close(go[1]); /* EOF releases both writers at once */
    int go2[2];
    MUST(pipe(go2));
    close(go2[1]);
    writer(fd, 'P', go2[0]);
    close(go2[0]);
    waitpid(c, &st, 0);
    struct stat sb;
    fstat(fd, &sb);
    printf("%s: child status %d, size %lld (expected %d)\n", label, WEXITSTATUS(st),
           (long long)sb.st_size, 2 * N * RL);
    R("  shared offset at end", lseek(fd, 0, SEEK_CUR));
    /* every record present once, each writer's records in order */
    static char all[2 * N * RL + 1];
    long n = pread(fd, all, sizeof all, 0);
    int next_p = 0, next_c = 0, torn = 0;
    for (long i = 0; i + RL <= n; i += RL) {
        int v = atoi(all + i + 1);
        if (all[i + RL - 1] != '\n')
            torn++;
        else if (all[i] == 'P' && v == next_p)
            next_p++;
        else if (all[i] == 'C' && v == next_c)
            next_c++;
        else
            torn++;
    }
    printf("  records: parent %d child %d bad %d\n", next_p, next_c, torn);
    close(fd);
}

int main(void)
{
    check("shared offset, concurrent writes", 0);
    check("O_APPEND, concurrent writes", 1);

    int fd, st;
    put_file("g", "0123456789abcdefghij");
    MUST(fd = open("g", O_RDWR));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        lseek(fd, 12, SEEK_SET);
        _exit(0);
    }
    waitpid(c, &st, 0);
    R("offset after the child's lseek(12)", lseek(fd, 0, SEEK_CUR));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        char b[4];
        read(fd, b, 3);
        _exit(0);
    }
    waitpid(c, &st, 0);
    R("offset after the child read 3 bytes", lseek(fd, 0, SEEK_CUR));
    char b[8] = {0};
    R("parent reads on", read(fd, b, 2));
    printf("  got: %s\n", b);

    /* the parent's dup, made before the fork, shares the same description too */
    int d = dup(fd);
    fflush(stdout);
    c = fork();
    if (c == 0) {
        lseek(d, 1, SEEK_SET);
        fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK);
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        close(d);
        _exit(0);
    }
    waitpid(c, &st, 0);
    R("offset via fd after child's lseek on the dup", lseek(fd, 0, SEEK_CUR));
    int fl = fcntl(fd, F_GETFL);
    printf("status flags set by the child: O_APPEND=%d O_NONBLOCK=%d\n", !!(fl & O_APPEND),
           !!(fl & O_NONBLOCK));
    R("FD_CLOEXEC is per descriptor (parent)", fcntl(fd, F_GETFD));
    R("dup still open in the parent", fcntl(d, F_GETFD));

    /* separate open(): own offset */
    fflush(stdout);
    c = fork();
    if (c == 0) {
        int own = open("g", O_RDONLY);
        char x[5];
        read(own, x, 5);
        _exit(lseek(own, 0, SEEK_CUR) == 5 ? 0 : 1);
    }
    waitpid(c, &st, 0);
    printf("child's own open: status %d\n", WEXITSTATUS(st));
    R("parent offset unchanged", lseek(fd, 0, SEEK_CUR));

    /* O_APPEND set by the child applies to the parent's writes */
    R("parent write (appends)", write(fd, "Z", 1));
    struct stat sb;
    fstat(fd, &sb);
    printf("size after append: %lld\n", (long long)sb.st_size);
    return 0;
}
