/*
 * net.h - networking as the rest of the core sees it: host-backed AF_INET/AF_INET6
 * sockets (inet.c, socket.c), the network policy (policy.c) and the wait that sleeps in
 * the host on host handles and enclave objects at once (hostwait.c).
 */
#ifndef ALCOVE_NET_NET_H
#define ALCOVE_NET_NET_H

#include "libos.h"

struct file;
struct pal_stat;

/* fstat of any socket (inet.c): an S_IFSOCK inode of "sockfs" (dev 8) numbered by the
 * socket object's address, owned by uid/gid, as Linux shows every socket. */
void sockfs_stat(struct pal_stat *st, const void *obj, uint32_t uid, uint32_t gid);

/* ---- hostwait.c: sleeping in the host ------------------------------------------------
 * A thread that must wait for host handles (sockets, host streams) and, maybe, for enclave
 * objects too (pipes, eventfd...) sleeps in one pal_poll with the core lock dropped.  When
 * it also watches the enclave it is registered in kernel->hostwaiters, and the next
 * bkl_unlock() after any wake_all() kicks it (pal_thread_kick): the host poll ends with
 * -EINTR, and the thread re-scans.  No polling loop, no lost wake-up: registration and the
 * caller's last scan happen under the lock, and a kick that arrives before the host poll
 * starts still ends it (the backend's blocking-call window). */
#define HOSTWAIT_KICKS 64
struct hostwait_kick {
    int n;
    int64_t proc[HOSTWAIT_KICKS], tid[HOSTWAIT_KICKS];
};
/* lock.c, under the lock: list the registered sleepers not kicked yet (marking them). */
int hostwait_collect(struct hostwait_kick *k);
/*
 * Sleep until one of fds[0..n) is ready, until deadline_ns (CLOCK_MONOTONIC, -1: none),
 * or, with watch, until any enclave object changes.  Lock held on entry and on return.
 * Returns the number of ready handles (revents filled), 0 (deadline, or woken: re-scan),
 * -ERESTARTSYS when a signal is pending for the caller (or it must exit), or -errno.
 */
WUR int host_wait(struct pal_pollfd *fds, int n, int watch, int64_t deadline_ns);
/* The host handle whose readiness is f's own (host sockets and host streams), or
 * PAL_HANDLE_NONE for enclave objects (their ->poll answers, wake_all() tells changes). */
pal_handle_t file_host_poll_handle(const struct file *f);
/* CLOCK_MONOTONIC in nanoseconds (0 if the clock fails). */
int64_t net_now_ns(void);

/* ---- inet.c ------------------------------------------------------------------------- */
/* f is a host-backed AF_INET/AF_INET6 socket. */
int inet_is(const struct file *f);
/* A counter bumped whenever an operation on the socket found nothing to do (-EAGAIN):
 * epoll's edge-triggered mode reports the socket again after it changed (epoll.c). */
uint32_t inet_edge_seq(const struct file *f);

/* ---- socket.c ------------------------------------------------------------------------
 * The socket calls on a file already looked up (io_uring: fixed files have no fd), for
 * AF_INET/AF_INET6 and AF_UNIX alike: the same argument checks and results as connect,
 * accept4, sendto, recvfrom, sendmsg and recvmsg from their second argument on (-ENOTSOCK
 * for a file that is not a socket).  They block unless f has O_NONBLOCK; the caller
 * holds a reference to f (they may drop the lock). */
long sock_connect_file(struct file *f, uint64_t addr, int addrlen);
long sock_accept_file(struct file *f, uint64_t addr, uint64_t addrlen, int flags);
long sock_sendto_file(struct file *f, uint64_t buf, size_t len, int flags, uint64_t to, int tolen);
long sock_recvfrom_file(struct file *f, uint64_t buf, size_t len, int flags, uint64_t from,
                        uint64_t fromlen);
long sock_sendmsg_file(struct file *f, uint64_t msg, int flags);
long sock_recvmsg_file(struct file *f, uint64_t msg, int flags);

/* ---- policy.c ------------------------------------------------------------------------- */
/* Parse the boot policy into the shared state: 0, or -EINVAL (with a message). */
WUR int net_policy_init(const struct pal_boot *boot);

#endif
