/*
 * netpriv.h - internal to libos/net/: the host socket object, its operations, the policy
 * checks and the socket-address helpers shared by inet.c, socket.c and policy.c.
 */
#ifndef ALCOVE_NET_NETPRIV_H
#define ALCOVE_NET_NETPRIV_H

#include "libos.h"
#include "fs/fs.h"
#include "netpolicy.h"

#define AF_UNSPEC 0
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define SOCK_STREAM 1
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SOCK_TYPE_MASK 0xf
#define SOCK_NONBLOCK O_NONBLOCK
#define SOCK_CLOEXEC O_CLOEXEC

#define MSG_OOB 0x1
#define MSG_PEEK 0x2
#define MSG_CTRUNC 0x8
#define MSG_TRUNC 0x20
#define MSG_DONTWAIT 0x40
#define MSG_EOR 0x80
#define MSG_WAITALL 0x100
#define MSG_NOSIGNAL 0x4000
#define MSG_MORE 0x8000
#define MSG_WAITFORONE 0x10000
#define MSG_CMSG_CLOEXEC 0x40000000

#define SOL_SOCKET 1
#define SO_TYPE 3
#define SO_ERROR 4
#define SO_LINGER 13
#define SO_RCVTIMEO 20
#define SO_SNDTIMEO 21
#define SO_PROTOCOL 38
#define SO_DOMAIN 39

#define SOCKADDR_MAX 128      /* sizeof(struct sockaddr_storage) */
#define SOCK_IOV_MAX 1024     /* UIO_MAXIOV */

/* The core's state of one host socket (struct file.priv; the host handle is file.h). */
struct inet_sock {
    int domain, type, protocol;
    int bound;                /* bound (or connected, or accepted): no autobind ahead */
    int wild;                 /* bound to the wildcard, turned into loopback by the policy */
    uint8_t wild_addr[28];    /* what the program asked to bind (getsockname shows it) */
    int64_t rcvtimeo_ns;      /* SO_RCVTIMEO / SO_SNDTIMEO, 0: none (host sockets never block) */
    int64_t sndtimeo_ns;
    int linger0;              /* SO_LINGER on with 0 s: close aborts (no shutdown first) */
    uint32_t edge_seq;        /* see inet_edge_seq */
    uint32_t uid, gid;        /* creator, for fstat */
};

/* A socket address copied from the program. */
struct sockaddr_k {
    uint8_t b[SOCKADDR_MAX];
    uint32_t len;
};

/* ---- inet.c ---- */
/* A new socket file around host handle h (taken over; closed on failure): NULL if out of
 * memory.  flags: O_NONBLOCK. */
struct file *inet_new(int domain, int type, int protocol, pal_handle_t h, int flags);
/* The send and receive paths of every call (read/write, send*, recv*).  iov is core
 * memory naming program (or core) buffers; a blocking socket waits with the lock dropped.
 * addr: the destination (NULL: connected peer) / OUT the source (may be NULL). */
long inet_send(struct file *f, struct pal_iov *iov, int niov, const struct sockaddr_k *addr,
               int flags);
long inet_recv(struct file *f, struct pal_iov *iov, int niov, struct sockaddr_k *from, int flags,
               int *oflags);
WUR int inet_bind(struct file *f, struct sockaddr_k *a);
WUR int inet_listen(struct file *f, int backlog);
WUR int inet_connect(struct file *f, const struct sockaddr_k *a);
/* accept4: the new file (referenced) in *out, the peer in *from. */
WUR int inet_accept(struct file *f, int flags, struct sockaddr_k *from, struct file **out);
WUR int inet_name(struct file *f, int peer, struct sockaddr_k *out);
WUR int inet_getopt(struct file *f, int level, int name, void *val, uint32_t *len);
WUR int inet_setopt(struct file *f, int level, int name, const void *val, uint32_t len);

/* ---- policy.c ---- */
int net_mode(void);
/* May the enclave bind a?  0 (with *to_loopback set when the wildcard must become
 * loopback) or -EACCES (logged). */
WUR int net_check_bind(const struct net_addr *a, int *to_loopback);
/* May the enclave connect or send to a?  what names the call in the log line. */
WUR int net_check_connect(const struct net_addr *a, const char *what);

/* ---- socket.c ---- */
/* The policy's view of a socket address: 1 (filled), 0 if it is no IPv4/IPv6 address the
 * host would use (the host then refuses it on its own). */
int sockaddr_parse(const struct sockaddr_k *a, struct net_addr *out);

#endif
