/* socketpair(AF_UNIX): stream and datagram data, shutdown, EOF, errors. */
#include "abi.h"
#include <sys/socket.h>

int main(void)
{
    int sv[2] = {-1, -1};
    char buf[64];
    struct stat st;
    R("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    MUST(fstat(sv[0], &st));
    printf("type: %s\n", ftype(st.st_mode));
    R("send", send(sv[0], "ping", 4, 0));
    memset(buf, 0, sizeof buf);
    R("recv", recv(sv[1], buf, sizeof buf, 0));
    printf("data: %s\n", buf);
    R("write back", write(sv[1], "pong!", 5));
    R("recv MSG_PEEK", recv(sv[0], buf, 2, MSG_PEEK));
    R("read", read(sv[0], buf, sizeof buf));
    printf("data: %.5s\n", buf);
    R("recv MSG_DONTWAIT empty", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    R("shutdown SHUT_WR", shutdown(sv[1], SHUT_WR));
    R("recv EOF", recv(sv[0], buf, sizeof buf, 0));
    signal(SIGPIPE, SIG_IGN);
    R("send after SHUT_WR", send(sv[1], "x", 1, 0));
    R("send MSG_NOSIGNAL after SHUT_WR", send(sv[1], "x", 1, MSG_NOSIGNAL));
    int type = -1;
    socklen_t len = sizeof type;
    R("getsockopt SO_TYPE", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &type, &len));
    printf("SO_TYPE stream: %d\n", type == SOCK_STREAM);
    close(sv[0]);
    close(sv[1]);

    R("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
    printf("cloexec: %d\n", fcntl(sv[0], F_GETFD));
    MUST(send(sv[0], "one", 3, 0));
    MUST(send(sv[0], "two!", 4, 0));
    R("recv dgram 1 (truncated)", recv(sv[1], buf, 2, 0));
    R("recv dgram 2", recv(sv[1], buf, sizeof buf, 0));
    printf("data: %.4s\n", buf);
    close(sv[0]);
    close(sv[1]);

    R("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, sv));
    R("socketpair bad type", socketpair(AF_UNIX, 99, 0, sv));
    int fd;
    put_file("f", "");
    MUST(fd = open("f", O_RDONLY));
    R("send on file", send(fd, "x", 1, 0));
    R("recv bad fd", recv(999, buf, 1, 0));
    return 0;
}
