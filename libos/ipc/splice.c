/*
 * splice.c - moving data between descriptors inside the core: sendfile, copy_file_range,
 * splice and tee.
 *
 * Linux moves page references; the LibOS copies through a core buffer (64 KiB at a time),
 * with the results, offsets and errors Linux gives (fs/read_write.c, fs/splice.c).  Data
 * read from a stream that the destination then refuses is lost, as with read + write.
 * splice/tee work on the enclave's own pipes (pipe.c); a host FIFO is not a pipe for them.
 */
#include "libos.h"
#include "proc/proc.h"
#include "ipc/ipc.h"

#define MAX_RW 0x7ffff000L /* Linux caps one transfer at 2 GiB - 4 KiB */
#define CHUNK 65536
#define SPLICE_F_NONBLOCK 2
#define SPLICE_F_ALL 15 /* MOVE, NONBLOCK, MORE, GIFT */

/* A descriptor usable for reading (writing == 0) or writing: -EBADF as fdget() plus
 * FMODE_READ/FMODE_WRITE give it (O_PATH descriptors do not count). */
static struct file *xfer_file(int fd, int writing)
{
    struct file *f = fd_get(fd);
    if (!f || (f->flags & O_PATH))
        return NULL;
    int acc = f->flags & O_ACCMODE;
    if (writing ? acc == O_RDONLY : acc == O_WRONLY)
        return NULL;
    return f;
}

static int64_t *stream_pos(struct file *f)
{
    return f->ops->seekable ? &f->pos : NULL;
}

/* Read from in at *ipos (NULL: a stream) and write to out at *opos, up to count bytes.  A
 * short write puts the unwritten part back (seekable input).  The bytes moved, or the
 * first error if nothing moved. */
static long copy_loop(struct file *in, int64_t *ipos, struct file *out, int64_t *opos,
                      size_t count)
{
    char *buf = kmalloc(CHUNK);
    if (!buf)
        return -ENOMEM;
    long total = 0, r = 0;
    while ((size_t)total < count) {
        size_t chunk = MIN(count - (size_t)total, (size_t)CHUNK);
        int64_t before = ipos ? *ipos : 0;
        long n = in->ops->read(in, buf, chunk, ipos, 1);
        if (n <= 0) {
            r = n;
            break;
        }
        long w = out->ops->write(out, buf, (size_t)n, opos, 1);
        if (w < 0) {
            if (ipos)
                *ipos = before;
            if (w == -EPIPE)
                signal_send_thread(current, SIGPIPE, NULL);
            r = w;
            break;
        }
        if (w < n && ipos)
            *ipos = before + w;
        total += w;
        if (w < n || (size_t)n < chunk)
            break;
    }
    kfree(buf);
    return total ? total : r;
}

/* sendfile(2) (Linux's do_sendfile order): the offset pointer is read first (EFAULT); then
 * in_fd (EBADF; ESPIPE with an offset on a non-seekable file; EINVAL for a negative
 * position), out_fd (EBADF; EINVAL with O_APPEND).  With an offset pointer the file's own
 * offset is left alone and the pointer advances; without one the file offset advances. */
SYS(sendfile)
{
    uint64_t uoff = (uint64_t)a2;
    size_t count = (size_t)a3;
    int64_t off = 0;
    if (uoff && copy_from_user(&off, uoff, sizeof(off)))
        return -EFAULT;
    struct file *in = xfer_file((int)a1, 0);
    if (!in)
        return -EBADF;
    if (uoff && !in->ops->seekable)
        return -ESPIPE;
    int64_t *pos = uoff ? &off : stream_pos(in);
    if (pos && *pos < 0)
        return -EINVAL;
    struct file *out = xfer_file((int)a0, 1);
    if (!out)
        return -EBADF;
    if (out->flags & O_APPEND)
        return -EINVAL;
    if (!in->ops->read || !out->ops->write || S_ISDIR(in->mode))
        return -EINVAL;
    if (count > MAX_RW)
        count = MAX_RW;
    file_get(in);
    file_get(out);
    long r = count ? copy_loop(in, pos, out, stream_pos(out), count) : 0;
    file_put(out);
    file_put(in);
    if (uoff && copy_to_user(uoff, &off, sizeof(off)))
        return -EFAULT;
    return r;
}

/* copy_file_range(2) between regular files of one host file system (same host device, as
 * Linux requires the same superblock; otherwise EXDEV).  Checks in Linux's order: flags,
 * the fds (EBADF), the offset pointers (EFAULT), EISDIR / EINVAL for other file types,
 * access modes and O_APPEND (EBADF), EXDEV, offsets that wrap (EOVERFLOW), the length cut
 * at the source's end, overlapping ranges of one file (EINVAL), negative offsets
 * (EINVAL).  The copy goes through the core, not through the host's copy_file_range. */
SYS(copy_file_range)
{
    uint64_t uin = (uint64_t)a1, uout = (uint64_t)a3;
    size_t len = (size_t)a4;
    if ((unsigned)a5)
        return -EINVAL;
    struct file *in = fd_get((int)a0), *out;
    if (!in || (in->flags & O_PATH))
        return -EBADF;
    out = fd_get((int)a2);
    if (!out || (out->flags & O_PATH))
        return -EBADF;
    int64_t pin = in->pos, pout = out->pos;
    if (uin && copy_from_user(&pin, uin, sizeof(pin)))
        return -EFAULT;
    if (uout && copy_from_user(&pout, uout, sizeof(pout)))
        return -EFAULT;
    if (S_ISDIR(in->mode) || S_ISDIR(out->mode))
        return -EISDIR;
    if (!S_ISREG(in->mode) || !S_ISREG(out->mode))
        return -EINVAL;
    if ((in->flags & O_ACCMODE) == O_WRONLY || (out->flags & O_ACCMODE) == O_RDONLY ||
        (out->flags & O_APPEND))
        return -EBADF;
    int host = in->ops == &host_file_ops && out->ops == &host_file_ops;
    if (!host && (in->h != PAL_HANDLE_NONE || out->h != PAL_HANDLE_NONE || !in->loc.dentry ||
                  !out->loc.dentry || !vfs_same_fs(in, out)))
        return -EXDEV; /* an enclave file system copies only within one instance */
    struct pal_stat sin, sout;
    long r = in->ops->stat(in, &sin);
    if (r < 0)
        return r;
    r = out->ops->stat(out, &sout);
    if (r < 0)
        return r;
    if (sin.dev != sout.dev)
        return -EXDEV;
    if ((uint64_t)pin + len < (uint64_t)pin || (uint64_t)pout + len < (uint64_t)pout)
        return -EOVERFLOW;
    if (pin >= sin.size)
        len = 0;
    else if (pin >= 0)
        len = MIN(len, (size_t)(sin.size - pin));
    if (sin.ino == sout.ino && pout + (int64_t)len > pin && pout < pin + (int64_t)len)
        return -EINVAL;
    if (pin < 0 || pout < 0)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (len > MAX_RW)
        len = MAX_RW;
    file_get(in);
    file_get(out);
    r = copy_loop(in, &pin, out, &pout, len);
    if (r > 0) {
        if (!uin)
            in->pos = pin;
        if (!uout)
            out->pos = pout;
    }
    file_put(out);
    file_put(in);
    if (r > 0 && ((uin && copy_to_user(uin, &pin, sizeof(pin))) ||
                  (uout && copy_to_user(uout, &pout, sizeof(pout)))))
        return -EFAULT;
    return r;
}

/* ---- splice and tee --------------------------------------------------------------------- */

/* Pipe to pipe: wait for data in ip, then for room in op, then move (or, for tee, copy)
 * what is there, up to len.  0 when ip is empty and has no writers. */
static long pipe_to_pipe(struct pipe *ip, struct pipe *op, size_t len, int nb, int keep)
{
    for (;;) {
        long r = pipe_wait_data(ip, nb);
        if (r <= 0)
            return r;
        long room = pipe_wait_room(op, nb);
        if (room < 0)
            return room;
        /* Rings are at most 1 MiB, so one buffer holds everything that can move now. */
        size_t n = MIN(len, (size_t)room);
        char *buf = kmalloc(n);
        if (!buf)
            return -ENOMEM;
        n = pipe_peek(ip, buf, n);
        if (!keep)
            pipe_consume(ip, n);
        pipe_append(op, buf, n);
        kfree(buf);
        /* n == 0: waiting for room dropped the lock and someone drained ip; wait again. */
        if (n > 0)
            return (long)n;
    }
}

/* Pipe to file: wait for data, then write what the pipe holds (up to len) at *pos; the
 * bytes the file takes leave the pipe. */
static long pipe_to_file(struct pipe *ip, struct file *out, int64_t *pos, size_t len, int nb)
{
    long r = pipe_wait_data(ip, nb);
    if (r <= 0)
        return r;
    char *buf = kmalloc(CHUNK);
    if (!buf)
        return -ENOMEM;
    long done = 0;
    while ((size_t)done < len) {
        size_t n = pipe_peek(ip, buf, MIN(len - (size_t)done, (size_t)CHUNK));
        if (n == 0)
            break;
        long w = out->ops->write(out, buf, n, pos, 1);
        if (w < 0) {
            if (w == -EPIPE)
                signal_send_thread(current, SIGPIPE, NULL);
            if (!done)
                done = w;
            break;
        }
        pipe_consume(ip, (size_t)w);
        done += w;
        if ((size_t)w < n)
            break;
    }
    kfree(buf);
    return done;
}

/* File to pipe: wait for room, then read up to min(len, room) bytes from *pos into it. */
static long file_to_pipe(struct file *in, int64_t *pos, struct pipe *op, size_t len, int nb)
{
    long room = pipe_wait_room(op, nb);
    if (room < 0)
        return room;
    char *buf = kmalloc(CHUNK);
    if (!buf)
        return -ENOMEM;
    long done = 0;
    size_t want = MIN(len, (size_t)room);
    while ((size_t)done < want) {
        size_t chunk = MIN(want - (size_t)done, (size_t)CHUNK);
        long n = in->ops->read(in, buf, chunk, pos, 1);
        if (n <= 0) {
            if (!done)
                done = n;
            break;
        }
        done += (long)pipe_append(op, buf, (size_t)n);
        if ((size_t)n < chunk)
            break;
    }
    kfree(buf);
    return done;
}

/* splice(2) (fs/splice.c): len 0 is 0 before anything else; unknown flags EINVAL; EBADF
 * for bad fds or the wrong direction; ESPIPE for an offset on the pipe side; EFAULT for
 * offset pointers; then pipe<->pipe (same pipe EINVAL), pipe->file (O_APPEND EINVAL),
 * file->pipe, and EINVAL when neither end is a pipe.  O_NONBLOCK on the pipe acts like
 * SPLICE_F_NONBLOCK. */
SYS(splice)
{
    uint64_t uin = (uint64_t)a1, uout = (uint64_t)a3;
    size_t len = (size_t)a4;
    unsigned flags = (unsigned)a5;
    if (!len)
        return 0;
    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    if (!fd_get((int)a0) || !fd_get((int)a2))
        return -EBADF;
    struct file *in = xfer_file((int)a0, 0), *out = xfer_file((int)a2, 1);
    if (!in || !out)
        return -EBADF;
    struct pipe *ip = pipe_of(in), *op = pipe_of(out);
    if ((ip && uin) || (op && uout))
        return -ESPIPE;
    int64_t oin = 0, oout = 0;
    if (uout && copy_from_user(&oout, uout, sizeof(oout)))
        return -EFAULT;
    if (uin && copy_from_user(&oin, uin, sizeof(oin)))
        return -EFAULT;
    int nb = (flags & SPLICE_F_NONBLOCK) != 0;
    if (len > MAX_RW)
        len = MAX_RW;
    long r;
    file_get(in);
    file_get(out);
    if (ip && op) {
        if (ip == op)
            r = -EINVAL;
        else
            r = pipe_to_pipe(ip, op, len, nb || ((in->flags | out->flags) & O_NONBLOCK), 0);
    } else if (ip) {
        int64_t *pos = uout ? &oout : stream_pos(out);
        if ((uout && !out->ops->seekable) || (out->flags & O_APPEND) || !out->ops->write)
            r = -EINVAL;
        else if (pos && *pos < 0)
            r = -EINVAL;
        else
            r = pipe_to_file(ip, out, pos, len, nb || (in->flags & O_NONBLOCK));
    } else if (op) {
        int64_t *pos = uin ? &oin : stream_pos(in);
        if ((uin && !in->ops->seekable) || !in->ops->read || S_ISDIR(in->mode))
            r = -EINVAL;
        else if (pos && *pos < 0)
            r = -EINVAL;
        else
            r = file_to_pipe(in, pos, op, len, nb || (out->flags & O_NONBLOCK));
    } else {
        r = -EINVAL;
    }
    file_put(out);
    file_put(in);
    if (r > 0 && ((uin && copy_to_user(uin, &oin, sizeof(oin))) ||
                  (uout && copy_to_user(uout, &oout, sizeof(oout)))))
        return -EFAULT;
    return r;
}

/* tee(2): copy up to len bytes from one pipe to another without consuming them.  EINVAL
 * for unknown flags, then len 0 is 0, EBADF, and EINVAL unless both are distinct pipes. */
SYS(tee)
{
    size_t len = (size_t)a2;
    unsigned flags = (unsigned)a3;
    if (flags & ~SPLICE_F_ALL)
        return -EINVAL;
    if (!len)
        return 0;
    if (!fd_get((int)a0) || !fd_get((int)a1))
        return -EBADF;
    struct file *in = xfer_file((int)a0, 0), *out = xfer_file((int)a1, 1);
    if (!in || !out)
        return -EBADF;
    struct pipe *ip = pipe_of(in), *op = pipe_of(out);
    if (!ip || !op || ip == op)
        return -EINVAL;
    if (len > MAX_RW)
        len = MAX_RW;
    int nb = (flags & SPLICE_F_NONBLOCK) || ((in->flags | out->flags) & O_NONBLOCK);
    file_get(in);
    file_get(out);
    long r = pipe_to_pipe(ip, op, len, nb, 1);
    file_put(out);
    file_put(in);
    return r;
}
