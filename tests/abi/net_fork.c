/* Sockets shared across fork: two workers blocked in accept() on one listener (as nginx's),
 * the rest of the enclave going on meanwhile, a connection handed to a child and closed by
 * the parent (the peer sees EOF once the child is done), and blocking socket calls
 * interrupted by signals with and without SA_RESTART. */
#include "abi.h"
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/socket.h>

static struct sockaddr_in addr;

static int connect_lo(void)
{
    int c = socket(AF_INET, SOCK_STREAM, 0);
    MUST(c);
    MUST(connect(c, (struct sockaddr *)&addr, sizeof addr));
    return c;
}

static void on_usr1(int s)
{
    (void)s;
}

int main(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    MUST(bind(l, (struct sockaddr *)&addr, sizeof addr));
    MUST(listen(l, 8));
    socklen_t al = sizeof addr;
    MUST(getsockname(l, (struct sockaddr *)&addr, &al));

    /* Two workers accept on the shared listener. */
    pid_t w[2];
    for (int i = 0; i < 2; i++) {
        w[i] = fork();
        if (w[i] == 0) {
            int c = accept(l, NULL, NULL);
            if (c < 0)
                _exit(10);
            char b[16];
            if (read(c, b, sizeof b) <= 0)
                _exit(11);
            _exit(write(c, "served", 6) == 6 ? 0 : 12);
        }
    }
    /* While both sit in accept(), the enclave is not stalled: a pipe round trip with a
     * third child works. */
    usleep(100000);
    int p1[2], p2[2];
    MUST(pipe(p1));
    MUST(pipe(p2));
    pid_t e = fork();
    if (e == 0) {
        char b;
        _exit(read(p1[0], &b, 1) == 1 && write(p2[1], "y", 1) == 1 ? 0 : 1);
    }
    char b[32];
    MUST(write(p1[1], "x", 1));
    R("pipe round trip while workers wait", read(p2[0], b, 1));
    wait_report("echo child", e);
    int served = 0;
    for (int i = 0; i < 2; i++) {
        int c = connect_lo();
        MUST(write(c, "hi", 2));
        long n = read(c, b, sizeof b);
        served += n == 6 && !memcmp(b, "served", 6);
        close(c);
    }
    printf("connections served: %d\n", served);
    for (int i = 0; i < 2; i++)
        wait_report("worker", w[i]);

    /* A connection handed to a child: the parent's close does not end it, the child's
     * does. */
    int c = connect_lo();
    int s = accept(l, NULL, NULL);
    MUST(s);
    int go[2];
    MUST(pipe(go));
    pid_t k = fork();
    if (k == 0) {
        char g;
        if (read(go[0], &g, 1) != 1)
            _exit(1);
        _exit(write(s, "from child", 10) == 10 ? 0 : 2);
    }
    close(s);
    MUST(write(go[1], "g", 1));
    long n = recv(c, b, sizeof b, MSG_WAITALL);
    printf("client got %ld bytes, then EOF: %ld\n", n, (long)read(c, b, 1));
    wait_report("handler", k);
    close(c);

    /* Signals: a blocking recv ends with EINTR without SA_RESTART... */
    c = connect_lo();
    s = accept(l, NULL, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    k = fork();
    if (k == 0) {
        errno = 0;
        long r = recv(s, b, sizeof b, 0);
        printf("child recv: %ld %s\n", r, errname(errno));
        /* ...and goes on with SA_RESTART. */
        sa.sa_flags = SA_RESTART;
        sigaction(SIGUSR1, &sa, NULL);
        r = recv(s, b, sizeof b, 0);
        printf("child recv with SA_RESTART: %ld\n", r);
        _exit(0);
    }
    usleep(100000);
    kill(k, SIGUSR1);
    usleep(100000);
    kill(k, SIGUSR1);
    usleep(100000);
    MUST(write(c, "data", 4));
    wait_report("receiver", k);
    /* A blocking accept is interrupted too. */
    k = fork();
    if (k == 0) {
        errno = 0;
        int r = accept(l, NULL, NULL);
        printf("child accept: %d %s\n", r, errname(errno));
        _exit(0);
    }
    usleep(100000);
    kill(k, SIGUSR1);
    wait_report("acceptor", k);
    close(c);
    close(s);
    close(l);
    return 0;
}
