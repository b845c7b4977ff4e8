/* System V message queues: msgget/msgsnd/msgrcv/msgctl, selection by type (0, >0, <0,
 * MSG_EXCEPT), MSG_NOERROR, E2BIG, IPC_NOWAIT, MSG_COPY, msg_qbytes and a blocked sender,
 * a blocked receiver across fork, EIDRM on removal, permissions of another user. */
#include "abi.h"
#include <sys/ipc.h>
#include <sys/msg.h>

#ifndef MSG_COPY
#define MSG_COPY 040000
#endif

struct m {
    long type;
    char text[64];
};

static int snd(int id, long type, const char *s, int flg)
{
    struct m b;
    b.type = type;
    strcpy(b.text, s);
    return msgsnd(id, &b, strlen(s) + 1, flg);
}

static void rcv(const char *label, int id, long type, int flg, size_t sz)
{
    struct m b;
    memset(&b, 0, sizeof(b));
    errno = 0;
    long r = msgrcv(id, &b, sz, type, flg);
    if (r < 0)
        printf("%s = -1 %s\n", label, errname(errno));
    else
        printf("%s = %ld type %ld \"%.*s\"\n", label, r, b.type, (int)r, b.text);
}

static void qstat(int id)
{
    struct msqid_ds d;
    if (msgctl(id, IPC_STAT, &d) < 0) {
        printf("stat: %s\n", errname(errno));
        return;
    }
    printf("qnum %lu cbytes %lu qbytes %lu\n", (unsigned long)d.msg_qnum,
           (unsigned long)d.__msg_cbytes, (unsigned long)d.msg_qbytes);
}

int main(void)
{
    key_t k = (key_t)(0x4d000000 | ((getpid() & 0xffff) << 4));
    R("get absent", msgget(k, 0600));
    int id = msgget(k, IPC_CREAT | IPC_EXCL | 0600);
    YN("create", id >= 0);
    R("excl again", msgget(k, IPC_CREAT | IPC_EXCL | 0600));
    YN("by key", msgget(k, 0600) == id);
    qstat(id);

    struct msqid_ds d;
    MUST(msgctl(id, IPC_STAT, &d));
    printf("mode %o stime %d lspid %d\n", (unsigned)d.msg_perm.mode, d.msg_stime == 0,
           d.msg_lspid);

    /* Send errors. */
    R("type 0", snd(id, 0, "x", 0));
    R("type -1", snd(id, -1, "x", 0));
    R("too long", msgsnd(id, &(struct m){1, ""}, 8193, 0));
    R("bad buffer", syscall(SYS_msgsnd, id, (void *)8, 4, 0));
    R("negative id", snd(-1, 1, "x", 0));

    /* Types. */
    snd(id, 3, "three", 0);
    snd(id, 1, "one", 0);
    snd(id, 2, "two", 0);
    snd(id, 1, "one-b", 0);
    snd(id, 5, "five", 0);
    qstat(id);
    MUST(msgctl(id, IPC_STAT, &d));
    printf("lspid is me %d stime set %d\n", d.msg_lspid == getpid(), d.msg_stime > 0);
    rcv("copy #2", id, 2, MSG_COPY | IPC_NOWAIT, 64);
    rcv("copy #9", id, 9, MSG_COPY | IPC_NOWAIT, 64);
    rcv("copy without nowait", id, 0, MSG_COPY, 64);
    rcv("copy with except", id, 0, MSG_COPY | MSG_EXCEPT | IPC_NOWAIT, 64);
    rcv("type 2", id, 2, 0, 64);
    rcv("except 1", id, 1, MSG_EXCEPT, 64);
    rcv("lowest <= 4", id, -4, 0, 64);
    rcv("too small", id, 0, 0, 2);
    rcv("noerror", id, 0, MSG_NOERROR, 2);
    rcv("any", id, 0, 0, 64);
    rcv("nothing of type 7", id, 7, IPC_NOWAIT, 64);
    snd(id, 8, "eight", 0);
    rcv("lowest <= LONG_MIN", id, (long)(-0x7fffffffffffffffl - 1), IPC_NOWAIT, 64);
    rcv("empty", id, 0, IPC_NOWAIT, 64);
    rcv("negative size", id, 0, IPC_NOWAIT, (size_t)-1);
    qstat(id);

    /* A blocked receiver in a child wakes on send. */
    pid_t c = fork();
    if (c == 0) {
        rcv("child got", id, 9, 0, 64);
        _exit(0);
    }
    usleep(50000);
    snd(id, 4, "not for the child", 0);
    snd(id, 9, "for the child", 0);
    wait_report("receiver", c);
    rcv("left", id, 0, IPC_NOWAIT, 64);

    /* msg_qbytes: a full queue blocks a sender until there is room. */
    MUST(msgctl(id, IPC_STAT, &d));
    d.msg_qbytes = 10;
    R("IPC_SET qbytes 10", msgctl(id, IPC_SET, &d));
    qstat(id);
    R("fits", snd(id, 1, "12345678", 0));
    R("full nowait", snd(id, 1, "abc", IPC_NOWAIT));
    c = fork();
    if (c == 0) {
        R("child blocked send", snd(id, 2, "abc", 0));
        _exit(0);
    }
    usleep(50000);
    qstat(id);
    rcv("make room", id, 1, 0, 64);
    wait_report("sender", c);
    rcv("sent after room", id, 0, IPC_NOWAIT, 64);

    /* Another user; qbytes over MSGMNB needs privilege. */
    c = fork();
    if (c == 0) {
        if (setgid(65534) || setuid(65534))
            _exit(9);
        struct msqid_ds e;
        R("other msgget", msgget(k, 0600));
        R("other send", snd(id, 1, "x", IPC_NOWAIT));
        R("other IPC_STAT", msgctl(id, IPC_STAT, &e));
        R("other RMID", msgctl(id, IPC_RMID, NULL));
        int own = msgget(IPC_PRIVATE, 0600);
        msgctl(own, IPC_STAT, &e);
        e.msg_qbytes = 100000;
        R("other raise qbytes", msgctl(own, IPC_SET, &e));
        R("other rmid own", msgctl(own, IPC_RMID, NULL));
        _exit(0);
    }
    wait_report("other user", c);

    /* Limits. */
    struct msginfo mi;
    YN("IPC_INFO", msgctl(0, IPC_INFO, (struct msqid_ds *)&mi) >= 0);
    printf("msgmax %d msgmnb %d msgmni %d msgssz %d msgseg %d msgpool %d msgtql %d msgmap %d\n",
           mi.msgmax, mi.msgmnb, mi.msgmni, mi.msgssz, mi.msgseg, mi.msgpool, mi.msgtql,
           mi.msgmap);
    YN("MSG_STAT", msgctl(id & 0x7fff, MSG_STAT, &d) == id);
    R("bad cmd", msgctl(id, 99, &d));

    /* Removal wakes a blocked receiver with EIDRM. */
    c = fork();
    if (c == 0) {
        rcv("receiver on removed queue", id, 0, 0, 64);
        _exit(0);
    }
    usleep(50000);
    /* The receiver prints as soon as it wakes: print our result only after it is gone, or
     * the two lines race. */
    fflush(stdout);
    int rr = msgctl(id, IPC_RMID, NULL), re = errno;
    wait_report("removed receiver", c);
    errno = re;
    R("IPC_RMID", rr);
    R("send after RMID", snd(id, 1, "x", 0));
    return 0;
}
