/*
 * volume_host.c - what common/vol*.c needs from the host for `alcove volume` and the
 * pre-flight open of `alcove run`: the volume file (pread/pwrite/fdatasync), and the
 * default rollback-counter source, one state file per volume in the state directory,
 * replaced atomically (temporary file, fsync, rename, fsync of the directory).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "volume.h"

/* ---- the host file ------------------------------------------------------------------ */

static long h_read(void *ctx, void *buf, size_t n, uint64_t off)
{
    struct hostvol *hv = ctx;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(hv->fd, (char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            break;
        done += (size_t)r;
    }
    return (long)done;
}

static long h_write(void *ctx, const void *buf, size_t n, uint64_t off)
{
    struct hostvol *hv = ctx;
    size_t done = 0;
    while (done < n) {
        ssize_t r = pwrite(hv->fd, (const char *)buf + done, n - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        done += (size_t)r;
    }
    return (long)done;
}

static int h_sync(void *ctx)
{
    struct hostvol *hv = ctx;
    return fdatasync(hv->fd) < 0 ? -errno : 0;
}

static int h_random(void *buf, size_t n)
{
    randombytes_buf(buf, n);
    return 0;
}

static void h_log(void *ctx, const char *line)
{
    struct hostvol *hv = ctx;
    snprintf(hv->last, sizeof(hv->last), "%s", line);
    if (!hv->quiet)
        fprintf(stderr, "alcove volume: %s: %s\n", hv->path, line);
}

void hostvol_init(struct hostvol *hv, int fd, const char *path)
{
    memset(hv, 0, sizeof(*hv));
    hv->fd = fd;
    hv->path = path;
    hv->io.ctx = hv;
    hv->io.read = h_read;
    hv->io.write = h_write;
    hv->io.sync = h_sync;
    hv->io.alloc = malloc;
    hv->io.free = free;
    hv->io.random = h_random;
    hv->io.log = h_log;
}

int hostvol_open(struct hostvol *hv, const char *path, int rw)
{
    struct stat st;
    int fd = open(path, (rw ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "alcove volume: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        fprintf(stderr, "alcove volume: %s is not a regular file\n", path);
        close(fd);
        return -1;
    }
    hostvol_init(hv, fd, path);
    return 0;
}

/* ---- the counter state files ---------------------------------------------------------- */

int hostctr_get(void *ctx, const uint8_t id[16], uint64_t *v)
{
    struct hostctr *hc = ctx;
    char name[64], buf[VOL_COUNTER_MAX + 1];
    vol_counter_name(id, name, sizeof(name));
    snprintf(hc->path, sizeof(hc->path), "%s/%s", hc->dir, name);
    int fd = open(hc->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) {
            *v = 0;
            return 0;
        }
        int e = errno;
        fprintf(stderr, "alcove volume: cannot read the state file %s: %s\n", hc->path, strerror(e));
        return -e;
    }
    ssize_t n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < 0 || vol_counter_decode(id, buf, (size_t)n, v) < 0) {
        fprintf(stderr, "alcove volume: the state file %s is malformed (remove it to trust the "
                        "volume as it is)\n", hc->path);
        return -EINVAL;
    }
    return 0;
}

static int c_set(void *ctx, const uint8_t id[16], uint64_t v)
{
    struct hostctr *hc = ctx;
    char name[64], buf[VOL_COUNTER_MAX], tmp[4300];
    vol_counter_name(id, name, sizeof(name));
    snprintf(hc->path, sizeof(hc->path), "%s/%s", hc->dir, name);
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", hc->path, (int)getpid());
    size_t n = vol_counter_encode(id, v, buf);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int e = 0;
    if (fd < 0)
        e = errno;
    else if (write(fd, buf, n) != (ssize_t)n || fsync(fd) < 0)
        e = errno ? errno : EIO;
    if (fd >= 0 && close(fd) < 0 && !e)
        e = errno;
    if (!e && rename(tmp, hc->path) < 0)
        e = errno;
    if (e) {
        unlink(tmp);
        fprintf(stderr, "alcove volume: cannot write the state file %s: %s\n", hc->path, strerror(e));
        return -e;
    }
    int dfd = open(hc->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

void hostctr_init(struct hostctr *hc, struct vol_counter *c, const char *dir)
{
    memset(hc, 0, sizeof(*hc));
    hc->dir = dir;
    c->ctx = hc;
    c->get = hostctr_get;
    c->set = c_set;
}

/* ---- small helpers ---------------------------------------------------------------------- */

int volume_parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s)
        return -1;
    unsigned shift = 0;
    if (*end) {
        switch (*end) {
        case 'k': case 'K': shift = 10; break;
        case 'm': case 'M': shift = 20; break;
        case 'g': case 'G': shift = 30; break;
        case 't': case 'T': shift = 40; break;
        default: return -1;
        }
        if (end[1] && strcmp(end + 1, "iB") && strcmp(end + 1, "B"))
            return -1;
    }
    if (v > (UINT64_MAX >> shift) >> 2)
        return -1;
    *out = (uint64_t)v << shift;
    return 0;
}
