/* Concurrent directory updates: 4 processes each create 200 files (as NAME.tmp, then renamed
 * to NAME) in one directory at the same time, and all rename files of their own onto one
 * shared name; afterwards nothing is lost, duplicated or left behind. */
#include "abi.h"
#include <dirent.h>

#define NPROC 4
#define NFILES 200

static int cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void worker(int k)
{
    char tmp[64], name[64], data[64];
    for (int i = 0; i < NFILES; i++) {
        snprintf(tmp, sizeof tmp, "d/c%d_%03d.tmp", k, i);
        snprintf(name, sizeof name, "d/c%d_%03d", k, i);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (fd < 0)
            _exit(10);
        int n = snprintf(data, sizeof data, "%d:%d", k, i);
        if (write(fd, data, n) != n)
            _exit(11);
        close(fd);
        if (rename(tmp, name) != 0)
            _exit(12);
        if (i % 4 == 0) { /* contend on one name */
            snprintf(tmp, sizeof tmp, "d/s%d_%03d", k, i);
            fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, 0644);
            if (fd < 0)
                _exit(13);
            close(fd);
            if (rename(tmp, "d/shared") != 0)
                _exit(14);
        }
    }
    _exit(0);
}

int main(void)
{
    MUST(mkdir("d", 0755));
    pid_t pids[NPROC];
    int go[2];
    MUST(pipe(go));
    fflush(stdout);
    for (int k = 0; k < NPROC; k++) {
        MUST(pids[k] = fork());
        if (pids[k] == 0) {
            char x;
            close(go[1]);
            if (read(go[0], &x, 1) != 0) /* start together, at EOF */
                _exit(9);
            worker(k);
        }
    }
    close(go[1]);
    close(go[0]);
    for (int k = 0; k < NPROC; k++) {
        char l[32];
        snprintf(l, sizeof l, "worker %d", k);
        wait_report(l, pids[k]);
    }

    DIR *d = opendir("d");
    if (!d)
        return 1;
    char *names[2 * NPROC * NFILES];
    int n = 0, over = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (n < (int)(sizeof names / sizeof names[0]))
            names[n++] = strdup(e->d_name);
        else
            over++;
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmp);
    int dups = 0, tmps = 0, bad = 0, shared = 0, wrong = 0;
    for (int i = 0; i < n; i++) {
        if (i && !strcmp(names[i], names[i - 1]))
            dups++;
        if (strstr(names[i], ".tmp"))
            tmps++;
        else if (!strcmp(names[i], "shared"))
            shared++;
        else {
            int k, j;
            char extra;
            if (sscanf(names[i], "c%d_%d%c", &k, &j, &extra) != 2 || k < 0 || k >= NPROC ||
                j < 0 || j >= NFILES)
                bad++;
        }
    }
    for (int k = 0; k < NPROC; k++)
        for (int i = 0; i < NFILES; i++) {
            char name[64], want[64], got[64];
            snprintf(name, sizeof name, "d/c%d_%03d", k, i);
            snprintf(want, sizeof want, "%d:%d", k, i);
            if (get_file(name, got, sizeof got) < 0 || strcmp(got, want) != 0)
                wrong++;
        }
    printf("entries: %d (+%d over)\n", n, over);
    printf("duplicates: %d, leftover .tmp: %d, unexpected names: %d\n", dups, tmps, bad);
    printf("shared: %d\n", shared);
    printf("files missing or with wrong content: %d\n", wrong);
    struct stat st;
    MUST(stat("d", &st));
    printf("nlink of d: %ld\n", (long)st.st_nlink);
    return 0;
}
