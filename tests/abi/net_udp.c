/* UDP over 127.0.0.1 and ::1: sendto/recvfrom, MSG_PEEK, MSG_TRUNC, sendmsg/recvmsg with
 * vectors and names, sendmmsg/recvmmsg, connected UDP and ECONNREFUSED, IPV6_V6ONLY,
 * a TCP round trip over IPv6, and a blocking recvfrom woken by a forked sender. */
#include "abi.h"
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/uio.h>

static int udp_lo(struct sockaddr_in *a)
{
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    MUST(s);
    memset(a, 0, sizeof *a);
    a->sin_family = AF_INET;
    a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    MUST(bind(s, (struct sockaddr *)a, sizeof *a));
    socklen_t l = sizeof *a;
    MUST(getsockname(s, (struct sockaddr *)a, &l));
    return s;
}

int main(void)
{
    struct sockaddr_in a, b, from;
    socklen_t fl;
    char buf[64];
    int s = udp_lo(&a), c = udp_lo(&b);
    R("sendto", sendto(c, "hello world", 11, 0, (struct sockaddr *)&a, sizeof a));
    R("recv MSG_PEEK", recv(s, buf, 5, MSG_PEEK));
    R("recv MSG_PEEK|MSG_TRUNC", recv(s, buf, 5, MSG_PEEK | MSG_TRUNC));
    fl = sizeof from;
    R("recvfrom (short buffer)", recvfrom(s, buf, 5, 0, (struct sockaddr *)&from, &fl));
    printf("data: %.5s from the client: %d len %d\n", buf, from.sin_port == b.sin_port, (int)fl);
    R("recv nothing left (MSG_DONTWAIT)", recv(s, buf, sizeof buf, MSG_DONTWAIT));
    R("sendto zero bytes", sendto(c, "", 0, 0, (struct sockaddr *)&a, sizeof a));
    R("recv zero-byte datagram", recv(s, buf, sizeof buf, 0));

    /* sendmsg with two vectors, recvmsg into two vectors with a name. */
    struct iovec sv[2] = {{"abc", 3}, {"defgh", 5}};
    struct msghdr m;
    memset(&m, 0, sizeof m);
    m.msg_name = &a;
    m.msg_namelen = sizeof a;
    m.msg_iov = sv;
    m.msg_iovlen = 2;
    R("sendmsg", sendmsg(c, &m, 0));
    char p1[4], p2[2];
    struct iovec rv[2] = {{p1, 4}, {p2, 2}};
    memset(&m, 0, sizeof m);
    m.msg_name = &from;
    m.msg_namelen = sizeof from;
    m.msg_iov = rv;
    m.msg_iovlen = 2;
    R("recvmsg (truncated)", recvmsg(s, &m, 0));
    printf("data: %.4s|%.2s flags MSG_TRUNC %d namelen %d controllen %d\n", p1, p2,
           !!(m.msg_flags & MSG_TRUNC), (int)m.msg_namelen, (int)m.msg_controllen);
    R("sendmsg MSG_TRUNC length", sendto(c, "0123456789", 10, 0, (struct sockaddr *)&a, sizeof a));
    m.msg_flags = 0;
    R("recvmsg MSG_TRUNC", recvmsg(s, &m, MSG_TRUNC));

#ifdef SYS_sendmmsg
    struct mmsghdr mm[3];
    struct iovec mv[3] = {{"one", 3}, {"two!", 4}, {"three", 5}};
    memset(mm, 0, sizeof mm);
    for (int i = 0; i < 3; i++) {
        mm[i].msg_hdr.msg_name = &a;
        mm[i].msg_hdr.msg_namelen = sizeof a;
        mm[i].msg_hdr.msg_iov = &mv[i];
        mm[i].msg_hdr.msg_iovlen = 1;
    }
    R("sendmmsg", syscall(SYS_sendmmsg, c, mm, 3, 0));
    printf("lens %u %u %u\n", mm[0].msg_len, mm[1].msg_len, mm[2].msg_len);
    char rb[4][16];
    struct iovec riov[4];
    struct mmsghdr rm[4];
    memset(rm, 0, sizeof rm);
    for (int i = 0; i < 4; i++) {
        riov[i].iov_base = rb[i];
        riov[i].iov_len = 16;
        rm[i].msg_hdr.msg_iov = &riov[i];
        rm[i].msg_hdr.msg_iovlen = 1;
    }
    usleep(20000);
    R("recvmmsg MSG_WAITFORONE", syscall(SYS_recvmmsg, s, rm, 4, MSG_WAITFORONE, NULL));
    printf("got %.3s %.4s %.5s\n", rb[0], rb[1], rb[2]);
#endif

    /* Connected UDP: send without an address; a closed port gives ECONNREFUSED later. */
    R("connect", connect(c, (struct sockaddr *)&a, sizeof a));
    R("send connected", send(c, "x", 1, 0));
    R("recv", recv(s, buf, sizeof buf, 0));
    struct sockaddr_in gone;
    int g = udp_lo(&gone);
    close(g);
    R("connect to a closed port", connect(c, (struct sockaddr *)&gone, sizeof gone));
    R("send", send(c, "x", 1, 0));
    usleep(20000);
    R("recv after ICMP", recv(c, buf, sizeof buf, MSG_DONTWAIT));
    struct sockaddr un = {0};
    un.sa_family = AF_UNSPEC;
    R("connect AF_UNSPEC (disconnect)", connect(c, &un, sizeof un));
    R("getpeername after disconnect", getpeername(c, (struct sockaddr *)&from, &fl));

    /* Blocking recvfrom, woken by a forked sender. */
    pid_t k = fork();
    if (k == 0) {
        usleep(50000);
        _exit(sendto(c, "late", 4, 0, (struct sockaddr *)&a, sizeof a) == 4 ? 0 : 1);
    }
    R("blocking recv", recv(s, buf, sizeof buf, 0));
    wait_report("sender", k);
    close(s);
    close(c);

    /* IPv6: UDP and TCP on ::1, IPV6_V6ONLY. */
    int u6 = socket(AF_INET6, SOCK_DGRAM, 0);
    MUST(u6);
    int v = -1;
    socklen_t vl = sizeof v;
    R("IPV6_V6ONLY get", getsockopt(u6, IPPROTO_IPV6, IPV6_V6ONLY, &v, &vl));
    printf("v6only default: %d\n", v);
    int one = 1;
    R("IPV6_V6ONLY set", setsockopt(u6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one));
    struct sockaddr_in6 a6;
    memset(&a6, 0, sizeof a6);
    a6.sin6_family = AF_INET6;
    a6.sin6_addr = in6addr_loopback;
    R("bind ::1", bind(u6, (struct sockaddr *)&a6, sizeof a6));
    socklen_t l6 = sizeof a6;
    MUST(getsockname(u6, (struct sockaddr *)&a6, &l6));
    printf("getsockname len %d family %d\n", (int)l6, a6.sin6_family);
    R("sendto self", sendto(u6, "six", 3, 0, (struct sockaddr *)&a6, sizeof a6));
    R("recv", recv(u6, buf, sizeof buf, 0));
    close(u6);
    int t6 = socket(AF_INET6, SOCK_STREAM, 0);
    a6.sin6_port = 0;
    MUST(bind(t6, (struct sockaddr *)&a6, sizeof a6));
    MUST(listen(t6, 1));
    l6 = sizeof a6;
    MUST(getsockname(t6, (struct sockaddr *)&a6, &l6));
    int c6 = socket(AF_INET6, SOCK_STREAM, 0);
    R("connect ::1", connect(c6, (struct sockaddr *)&a6, sizeof a6));
    int d6 = accept(t6, NULL, NULL);
    R("send", send(c6, "ipv6!", 5, 0));
    R("recv", recv(d6, buf, sizeof buf, 0));
    close(d6);
    R("recv EOF after peer close", recv(c6, buf, sizeof buf, 0));
    close(c6);
    close(t6);
    return 0;
}
