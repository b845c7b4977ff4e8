/*
 * crashwriter.c - the crash-consistency writer of tests/volume/run.sh, run inside the
 * enclave on a volume while the host kills the enclave with SIGKILL at random moments.
 *
 *   crashwriter verify FILE         check FILE: whole records numbered 1..M in order, each
 *                                   intact; print "M" (0 for a missing file); exit 1 on any
 *                                   damage, naming it
 *   crashwriter append FILE N       verify, print "= M", then append records M+1.. (up to N
 *                                   in all), fsync after each, and after each fsync write its number
 *                                   and a newline to stdout, unbuffered (the runner sends it to a host file and
 *                                   reads the last acknowledged number there)
 *
 * A record is REC bytes: "rec NNNNNNNN " then filler derived from the number, then a
 * checksum of the rest and a newline, so a torn, shifted or stale record is caught.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REC 200

static void make_rec(unsigned long n, char *r)
{
    snprintf(r, REC, "rec %08lu ", n);
    unsigned long x = n * 2654435761ul + 12345;
    for (int k = 13; k < REC - 10; k++) {
        x = x * 6364136223846793005ul + 1442695040888963407ul;
        r[k] = (char)('a' + (x >> 59) % 26);
    }
    unsigned sum = 0;
    for (int k = 0; k < REC - 10; k++)
        sum = sum * 31 + (unsigned char)r[k];
    snprintf(r + REC - 10, 10, "%08x", sum);
    r[REC - 2] = ' ';
    r[REC - 1] = '\n';
}

/* Number of whole, intact, consecutive records in path, or -1 (damage, printed). */
static long verify(const char *path)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "crashwriter: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char got[REC], want[REC];
    long n = 0;
    for (;;) {
        ssize_t r = read(fd, got, REC);
        if (r == 0)
            break;
        if (r != REC) {
            fprintf(stderr, "crashwriter: record %ld: %s\n", n + 1,
                    r < 0 ? strerror(errno) : "torn (short)");
            close(fd);
            return -1;
        }
        make_rec((unsigned long)n + 1, want);
        if (memcmp(got, want, REC) != 0) {
            fprintf(stderr, "crashwriter: record %ld is damaged\n", n + 1);
            close(fd);
            return -1;
        }
        n++;
    }
    close(fd);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: crashwriter verify FILE | append FILE N\n");
        return 2;
    }
    long have = verify(argv[2]);
    if (have < 0)
        return 1;
    if (strcmp(argv[1], "verify") == 0) {
        printf("%ld\n", have);
        return 0;
    }
    long upto = argc > 3 ? atol(argv[3]) : 1000000;
    int fd = open(argv[2], O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) {
        perror("crashwriter: open");
        return 1;
    }
    char r[REC], ack[32];
    /* What the last run left, for the runner to check against what it acknowledged. */
    int hl = snprintf(ack, sizeof(ack), "= %ld\n", have);
    if (write(1, ack, (size_t)hl) != hl)
        return 1;
    for (long n = have + 1; n <= upto; n++) {
        make_rec((unsigned long)n, r);
        if (write(fd, r, REC) != REC || fsync(fd) != 0) {
            perror("crashwriter: write/fsync");
            return 1;
        }
        int len = snprintf(ack, sizeof(ack), "%ld\n", n);
        if (write(1, ack, (size_t)len) != len) {
            perror("crashwriter: ack");
            return 1;
        }
    }
    close(fd);
    return 0;
}
