/* Pipes between processes: 1 MiB each way with checksums, EOF only when every writer
 * (including inherited copies) is closed, two writers' PIPE_BUF-sized records never
 * interleave, SIGPIPE kills a writer whose readers are gone, EPIPE when it is ignored
 * (also for a writer blocked on a full pipe when the last reader closes). */
#include "abi.h"
#include <poll.h>
#include <sys/wait.h>

#define MB (1 << 20)

static unsigned char pattern(long i) { return (unsigned char)(i * 7 + (i >> 11)); }

int main(void)
{
    static unsigned char buf[65536];
    int p[2];

    /* parent -> child, 1 MiB in 64 KiB writes; the child checks every byte */
    MUST(pipe(p));
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        close(p[1]);
        long total = 0, bad = 0, r;
        unsigned long sum = 0;
        while ((r = read(p[0], buf, 4000)) > 0) {
            for (long i = 0; i < r; i++) {
                if (buf[i] != pattern(total + i))
                    bad++;
                sum += buf[i];
            }
            total += r;
        }
        printf("  child read %ld bytes, mismatches %ld, sum %lu\n", total, bad, sum);
        _exit(bad == 0 && total == MB ? 0 : 1);
    }
    close(p[0]);
    long off = 0;
    unsigned long sum = 0;
    while (off < MB) {
        for (int i = 0; i < 65536; i++) {
            buf[i] = pattern(off + i);
            sum += buf[i];
        }
        long w = 0;
        while (w < 65536) {
            long r = write(p[1], buf + w, 65536 - w);
            if (r <= 0) {
                printf("write failed %s\n", errname(errno));
                return 1;
            }
            w += r;
        }
        off += 65536;
    }
    close(p[1]);
    wait_report("reader child", c);
    printf("parent wrote %ld bytes, sum %lu\n", off, sum);

    /* child -> parent, 1 MiB in odd-sized writes */
    MUST(pipe(p));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        close(p[0]);
        long o = 0;
        while (o < MB) {
            long n = MB - o < 3001 ? MB - o : 3001;
            for (long i = 0; i < n; i++)
                buf[i] = pattern(o + i);
            if (write(p[1], buf, n) != n)
                _exit(2);
            o += n;
        }
        _exit(0);
    }
    close(p[1]);
    long total = 0, bad = 0, r;
    while ((r = read(p[0], buf, sizeof buf)) > 0) {
        for (long i = 0; i < r; i++)
            if (buf[i] != pattern(total + i))
                bad++;
        total += r;
    }
    printf("parent read %ld bytes, mismatches %ld\n", total, bad);
    close(p[0]);
    wait_report("writer child", c);

    /* EOF needs every write end closed, including the child's inherited copy */
    int gate[2];
    MUST(pipe(p));
    MUST(pipe(gate));
    fflush(stdout);
    c = fork();
    if (c == 0) { /* holds p[1] until the gate closes */
        close(gate[1]);
        char x;
        read(gate[0], &x, 1);
        _exit(0);
    }
    close(gate[0]);
    close(p[1]);
    struct pollfd pf = {p[0], POLLIN, 0};
    R("poll: child still holds a write end", poll(&pf, 1, 0));
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    R("read: no EOF yet", read(p[0], buf, 1));
    fcntl(p[0], F_SETFL, 0);
    close(gate[1]);
    wait_report("holder child", c);
    R("poll after the last writer exited", poll(&pf, 1, 1000));
    printf("revents: POLLHUP=%d\n", !!(pf.revents & POLLHUP));
    R("read: EOF", read(p[0], buf, 1));
    close(p[0]);

    /* two writers, 512-byte records (< PIPE_BUF: atomic); never interleaved */
    MUST(pipe(p));
    pid_t w[2];
    for (int k = 0; k < 2; k++) {
        fflush(stdout);
        w[k] = fork();
        if (w[k] == 0) {
            close(p[0]);
            unsigned char rec[512];
            for (int i = 0; i < 300; i++) {
                memset(rec, 'A' + k, sizeof rec);
                rec[0] = (unsigned char)i;
                rec[1] = (unsigned char)(i >> 8);
                if (write(p[1], rec, sizeof rec) != (long)sizeof rec)
                    _exit(2);
            }
            _exit(0);
        }
    }
    close(p[1]);
    static unsigned char all[2 * 300 * 512 + 1];
    total = 0;
    while ((r = read(p[0], all + total, sizeof all - total)) > 0)
        total += r;
    close(p[0]);
    int next[2] = {0, 0}, torn = 0;
    for (long i = 0; i + 512 <= total; i += 512) {
        int k = all[i + 2] - 'A';
        if (k < 0 || k > 1) { torn++; continue; }
        for (int j = 2; j < 512; j++)
            if (all[i + j] != 'A' + k) { torn++; break; }
        if (all[i] + 256 * all[i + 1] != next[k])
            torn++;
        next[k]++;
    }
    printf("records: total bytes %ld, A=%d B=%d, torn/out of order %d\n", total, next[0], next[1], torn);
    wait_report("writer A", w[0]);
    wait_report("writer B", w[1]);

    /* SIGPIPE: reader gone everywhere */
    int done[2];
    MUST(pipe(p));
    MUST(pipe(done));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_DFL);
        close(p[0]);
        close(done[1]);
        char x;
        read(done[0], &x, 1); /* parent has closed its read end */
        write(p[1], "x", 1);
        _exit(0);
    }
    close(p[0]);
    close(done[0]);
    close(done[1]);
    wait_report("writer without readers (SIGPIPE default)", c);
    close(p[1]);

    MUST(pipe(p));
    MUST(pipe(done));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_IGN);
        close(p[0]);
        close(done[1]);
        char x;
        read(done[0], &x, 1);
        R("  child: write without readers", write(p[1], "x", 1));
        _exit(0);
    }
    close(p[0]);
    close(done[0]);
    close(done[1]);
    wait_report("writer without readers (SIGPIPE ignored)", c);
    close(p[1]);

    /* a writer blocked on a full pipe gets EPIPE when the last reader closes */
    int full[2];
    MUST(pipe(p));
    MUST(pipe(full));
    fflush(stdout);
    c = fork();
    if (c == 0) {
        signal(SIGPIPE, SIG_IGN);
        close(p[0]);
        close(full[0]);
        fcntl(p[1], F_SETFL, O_NONBLOCK);
        long n = 0;
        while (write(p[1], buf, 4096) > 0)
            n++;
        int e = errno;
        fcntl(p[1], F_SETFL, 0);
        write(full[1], "f", 1); /* full now; block in the next write */
        long rr = write(p[1], buf, 1);
        printf("  child: filling stopped with %s, blocked write = %ld %s\n", errname(e), rr,
               rr < 0 ? errname(errno) : "");
        _exit(0);
    }
    close(p[1]);
    close(full[1]);
    char x;
    read(full[0], &x, 1);
    close(p[0]);
    wait_report("blocked writer", c);
    return 0;
}
