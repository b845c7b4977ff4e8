/*
 * timer.c - wall time of one whole command, for bench rows (c) and (d).
 * Usage: timer [-t SECONDS] [-e ERRFILE] [-o OUTFILE] -- COMMAND [ARGS...]
 * Runs COMMAND with stdin from /dev/null and stdout/stderr to /dev/null (or appended to
 * OUTFILE / ERRFILE), and prints the elapsed nanoseconds from just before the fork to
 * just after the wait (CLOCK_MONOTONIC).  Exit status: COMMAND's exit status, 128+signal
 * if it was killed, 124 if it ran longer than -t SECONDS (default 60), 127 if exec failed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static volatile sig_atomic_t timed_out, interrupted;
static void on_signal(int sig)
{
    if (sig == SIGALRM)
        timed_out = 1;
    else
        interrupted = sig;
}

static int open_out(const char *path)
{
    int fd = path ? open(path, O_WRONLY | O_CREAT | O_APPEND, 0644) : open("/dev/null", O_WRONLY);
    if (fd < 0) {
        perror(path ? path : "/dev/null");
        exit(125);
    }
    return fd;
}

int main(int argc, char **argv)
{
    int secs = 60, i = 1;
    const char *errfile = NULL, *outfile = NULL;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "-t") && i + 1 < argc)
            secs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-e") && i + 1 < argc)
            errfile = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            outfile = argv[++i];
        else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: timer [-t SECONDS] [-e ERRFILE] [-o OUTFILE] -- COMMAND [ARGS...]\n");
        return 125;
    }
    int in = open("/dev/null", O_RDONLY), out = open_out(outfile), err = open_out(errfile);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    /* no SA_RESTART: waitpid returns EINTR */
    sigaction(SIGALRM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 125;
    }
    if (pid == 0) {
        setpgid(0, 0); /* own group, so a timeout also ends whatever COMMAND started */
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        execv(argv[i], argv + i);
        dprintf(2, "timer: exec %s failed\n", argv[i]);
        _exit(127);
    }
    setpgid(pid, pid);
    alarm(secs > 0 ? (unsigned)secs : 0);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (timed_out || interrupted) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            if (interrupted)
                return 128 + interrupted;
            fprintf(stderr, "timer: %s timed out after %d s\n", argv[i], secs);
            return 124;
        }
    }
    long long t1 = now_ns();
    printf("%lld\n", t1 - t0);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
