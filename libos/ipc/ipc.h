/*
 * ipc.h - enclave pipes for the rest of the core (splice, fcntl); eventfd, epoll and
 * local sockets are reached only through their syscalls.
 */
#ifndef ALCOVE_IPC_IPC_H
#define ALCOVE_IPC_IPC_H

#include "libos.h"
#include "fs/fs.h"

struct process;

WUR int pipe_create(struct file **rd, struct file **wr, int flags);
/* F_GETPIPE_SZ / F_SETPIPE_SZ (pipe.c): the size, or -EBADF/-EINVAL/-EPERM/-EBUSY. */
long pipe_fcntl(struct file *f, int cmd, unsigned long arg);
/* Direct access to a pipe's ring for splice/tee (pipe.c).  pipe_of: NULL if f is not an
 * enclave pipe.  pipe_wait_data: 1 data, 0 end of file, -EAGAIN (nonblock), -ERESTARTSYS.
 * pipe_wait_room: free bytes, -EPIPE (no reader; SIGPIPE sent), -EAGAIN, -ERESTARTSYS.
 * peek copies without consuming; consume drops; append adds at most the free room.  Each
 * returns the bytes handled and wakes waiters when the ring changed. */
struct pipe;
struct pipe *pipe_of(struct file *f);
/* Open a FIFO of an enclave file system whose pipe (while open) is *slot: waits for the
 * other end as Linux does; 0, -ENXIO, -ERESTARTSYS or -ENOMEM. */
WUR int pipe_open_named(struct pipe **slot, int flags, const char *label, struct file **out);
WUR int pipe_wait_data(struct pipe *p, int nonblock);
WUR long pipe_wait_room(struct pipe *p, int nonblock);
size_t pipe_peek(struct pipe *p, void *buf, size_t n);
void pipe_consume(struct pipe *p, size_t n);
size_t pipe_append(struct pipe *p, const void *buf, size_t n);

/* eventfd (eventfd.c): f is an eventfd; add n to its counter (saturating, wakes waiters). */
int eventfd_is(const struct file *f);
void eventfd_add(struct file *f, uint64_t n);

/* AF_UNIX sockets (unix.c): f is one; and the calls net/socket.c hands over for them
 * (same arguments and results as the system calls; socket() after its flag check,
 * accept4 after its flag check). */
struct pal_iov;
int unix_sock_is(const struct file *f);
#define UNIX_SYS(name) long unix_##name(long a0, long a1, long a2, long a3, long a4, long a5)
UNIX_SYS(socket);
UNIX_SYS(bind);
UNIX_SYS(listen);
UNIX_SYS(connect);
UNIX_SYS(accept4);
UNIX_SYS(sendto);
UNIX_SYS(recvfrom);
UNIX_SYS(getsockname);
UNIX_SYS(getpeername);
UNIX_SYS(shutdown);
UNIX_SYS(getsockopt);
UNIX_SYS(setsockopt);
/* One sendmsg/recvmsg with the header already read (iov checked, in core memory).  name,
 * control: program addresses.  recvmsg: *namelen in: the room, out: the name's length;
 * *controllen in: the room, out: the bytes used; *oflags: msg_flags.  Bytes, or -errno. */
long unix_sendmsg(struct file *f, uint64_t name, uint32_t namelen, const struct pal_iov *iov,
                  int niov, uint64_t control, uint64_t controllen, int flags);
long unix_recvmsg(struct file *f, const struct pal_iov *iov, int niov, int flags, uint64_t name,
                  uint32_t *namelen, uint64_t control, uint64_t *controllen, int *oflags);
/* connect, accept4 and recvfrom on a socket file already looked up (no fd: io_uring's
 * fixed files have none); arguments and results as the system calls' from the second on. */
long unix_connect_file(struct file *f, uint64_t addr, int addrlen);
long unix_accept_file(struct file *f, uint64_t addr, uint64_t addrlen, int flags);
long unix_recvfrom_file(struct file *f, uint64_t buf, size_t len, int flags, uint64_t addr,
                        uint64_t addrlen);

/* System V IPC (sysv*.c), shared by every process of the enclave.  sysv_fork: what a new
 * process c inherits from p (its shm attachments unless it shares p's memory; never
 * semaphore undo records); sysv_exec and sysv_exit detach every segment (exit first
 * applies the SEM_UNDO adjustments); sysv_munmap forgets the attachments of the calling
 * process that lie wholly inside [start, end) (munmap, SHM_REMAP).  sysv_proc_text makes
 * /proc/sysvipc/{shm,sem,msg} and /proc/sys/kernel/{shm*,sem,msg*} (name relative to
 * /proc) into a kmalloc'd buffer: its length, -ENOENT or -ENOMEM. */
void sysv_fork(struct process *c, const struct process *p, int same_mm);
void sysv_exec(struct process *p);
void sysv_exit(struct process *p);
void sysv_munmap(uint64_t start, uint64_t end);
long sysv_proc_text(const char *name, char **out);

#endif
