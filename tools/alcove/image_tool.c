/*
 * image_tool.c - running the external tools `alcove image pack` drives (mkfs.erofs from
 * erofs-utils, veritysetup from cryptsetup-bin): lookup on PATH, output capture, display.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image_cli.h"

volatile pid_t image_tool_pid;
void (*image_tool_tick)(void);

/* Contract in image_cli.h. /usr/bin is not added: a PATH without the tool means "not installed"
 * for the user too, and the message says which package to install. */
int image_find_tool(const char *name, char *out, size_t size)
{
    const char *path = getenv("PATH");
    char buf[8192];
    snprintf(buf, sizeof(buf), "%s:/usr/sbin:/sbin", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        if (!*d)
            continue;
        if ((size_t)snprintf(out, size, "%s/%s", d, name) < size && access(out, X_OK) == 0)
            return 0;
    }
    return -1;
}

/* Contract in image_cli.h. The output is read to EOF before waiting, so a chatty tool never
 * blocks on a full pipe. */
int image_run_tool(char *const argv[], const char *envkv, char *out)
{
    int p[2];
    size_t len = 0;
    out[0] = '\0';
    if (pipe2(p, O_CLOEXEC) < 0) {
        snprintf(out, IMAGE_TOOL_OUT, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(out, IMAGE_TOOL_OUT, "fork: %s", strerror(errno));
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0)
            dup2(nul, 0);
        dup2(p[1], 1);
        dup2(p[1], 2);
        if (envkv && strchr(envkv, '='))
            putenv((char *)envkv);
        else if (envkv)
            unsetenv(envkv);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    image_tool_pid = pid;
    close(p[1]);
    for (;;) {
        char chunk[4096];
        if (image_tool_tick) {
            struct pollfd pf = {p[0], POLLIN, 0};
            int pr = poll(&pf, 1, 200);
            if (pr == 0) {
                image_tool_tick();
                continue;
            }
        }
        ssize_t n = read(p[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        /* Keep the tail: drop the oldest bytes when the buffer is full. */
        if (len + (size_t)n > IMAGE_TOOL_OUT - 1) {
            size_t drop = len + (size_t)n - (IMAGE_TOOL_OUT - 1);
            if (drop > len)
                drop = len;
            memmove(out, out + drop, len - drop);
            len -= drop;
        }
        size_t take = (size_t)n < IMAGE_TOOL_OUT - 1 - len ? (size_t)n : IMAGE_TOOL_OUT - 1 - len;
        memcpy(out + len, chunk + (size_t)n - take, take);
        len += take;
    }
    out[len] = '\0';
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            image_tool_pid = 0;
            return -1;
        }
    image_tool_pid = 0;
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return WEXITSTATUS(st);
}

/* Contract in image_cli.h. */
void image_show_output(const char *tool, const char *out)
{
    const char *p = out;
    fprintf(stderr, "--- %s output ---\n", tool);
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        /* Keep only what follows the last "\033[K" of a line (the final state of that line). */
        const char *start = p;
        for (const char *q = p; q + 2 < p + n; q++)
            if (q[0] == '\033' && q[1] == '[' && q[2] == 'K')
                start = q + 3;
        if (p + n > start)
            fprintf(stderr, "%.*s\n", (int)(p + n - start), start);
        p += n + (nl != NULL);
    }
    fprintf(stderr, "---\n");
}

