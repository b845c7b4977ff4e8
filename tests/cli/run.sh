#!/usr/bin/env bash
# tests/cli/run.sh - bad input to `alcove run`: each case must give the documented exit
# status and a message naming the problem, and never a crash of the LibOS.
#   missing program 127; not an ELF / truncated / wrong architecture / corrupt headers 126;
#   bad command line 2.
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
# Not under /tmp: the enclave has its own /tmp (a tmpfs), so programs live in build/.
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/cli.XXXXXX")
trap 'rm -rf "$W"' EXIT
pass=0; fail=0

# check NAME EXPECTED_STATUS MESSAGE_REGEX -- command...
check() {
    local name=$1 want=$2 re=$3; shift 4
    local err rc
    err=$(timeout -s KILL 20 "$@" 2>&1 >/dev/null); rc=$?
    local msg_ok=0
    if [ "$re" = "-" ]; then [ -z "$err" ] && msg_ok=1
    elif printf '%s' "$err" | grep -Eq -- "$re"; then msg_ok=1; fi
    if [ "$rc" = "$want" ] && [ $msg_ok = 1 ] && \
       ! printf '%s' "$err" | grep -q 'internal error'; then
        echo "PASS $name"; pass=$((pass + 1))
    else
        echo "FAIL $name: status $rc (want $want), stderr: $(printf '%s' "$err" | head -3)"
        fail=$((fail + 1))
    fi
}

printf 'int main(void){return 0;}\n' > "$W/ok.c"
gcc -static -o "$W/ok" "$W/ok.c"
python3 - "$W" <<'PY'
import os, struct, sys
w = sys.argv[1]
ok = open(os.path.join(w, "ok"), "rb").read()
def out(name, data):
    p = os.path.join(w, name)
    open(p, "wb").write(data)
    os.chmod(p, 0o755)
out("text", b"just some text\n")
out("empty", b"")
out("trunc_hdr", ok[:40])
out("trunc_seg", ok[:3000])
b = bytearray(ok); b[18:20] = struct.pack("<H", 183)        # EM_AARCH64
out("aarch64", bytes(b))
b = bytearray(ok); b[4] = 1                                  # ELFCLASS32
out("class32", bytes(b))
b = bytearray(ok); b[54:56] = struct.pack("<H", 40)          # e_phentsize
out("bad_phentsize", bytes(b))
b = bytearray(ok); b[32:40] = struct.pack("<Q", 1 << 40)     # e_phoff far beyond the file
out("bad_phoff", bytes(b))
b = bytearray(ok); b[16:18] = struct.pack("<H", 1)           # ET_REL
out("relocatable", bytes(b))
phoff = struct.unpack("<Q", ok[32:40])[0]
b = bytearray(ok)
for i in range(struct.unpack("<H", ok[56:58])[0]):           # first PT_LOAD: filesz > memsz
    o = phoff + i * 56
    if struct.unpack("<I", b[o:o+4])[0] == 1:
        memsz = struct.unpack("<Q", b[o+40:o+48])[0]
        b[o+32:o+40] = struct.pack("<Q", memsz + 4096)
        break
out("filesz_gt_memsz", bytes(b))
out("bad_shebang", b"#!/nonexistent/interpreter\n")
out("shebang_loop", b"#!" + os.path.join("/", w.lstrip("/"), "shebang_loop").encode() + b"\n")
PY
chmod 644 "$W/ok.c"; cp "$W/ok" "$W/noexec"; chmod 644 "$W/noexec"
mkdir "$W/dir"

R="$ALCOVE run --root /"
check missing_program   127 'nonexistent.*No such file'       -- $R /nonexistent/program
check missing_on_path   127 'no-such-cmd.*No such file'       -- $R no-such-cmd
check not_elf           126 'not an ELF'                      -- $R "$W/text"
check empty_file        126 'not an ELF'                      -- $R "$W/empty"
check truncated_header  126 'truncated ELF header'            -- $R "$W/trunc_hdr"
check truncated_segment 126 'truncated|beyond end'            -- $R "$W/trunc_seg"
check wrong_arch        126 'wrong architecture'              -- $R "$W/aarch64"
check elf32             126 '64-bit'                          -- $R "$W/class32"
check bad_phentsize     126 'corrupt program headers'         -- $R "$W/bad_phentsize"
check bad_phoff         126 'corrupt program headers'         -- $R "$W/bad_phoff"
check relocatable       126 'not an executable'               -- $R "$W/relocatable"
check filesz_gt_memsz   126 'corrupt segment'                 -- $R "$W/filesz_gt_memsz"
check not_executable    126 'Permission denied'               -- $R "$W/noexec"
check directory         126 'Permission denied|Is a directory' -- $R "$W/dir"
check bad_interpreter   127 'No such file'                    -- $R "$W/bad_shebang"
check shebang_loop      126 'symbolic links|nested'           -- $R "$W/shebang_loop"
check runs_ok           0   -                                 -- $R "$W/ok"
check no_root           2   'give one of --root DIR and --image FILE'            -- $ALCOVE run /bin/true
check root_not_dir      2   'not a directory'                 -- $ALCOVE run --root "$W/ok.c" /bin/true
check bad_mount         2   'bad --mount'                     -- $ALCOVE run --root / --mount nocolon /bin/true
check mount_missing     2   'not a directory'                 -- $ALCOVE run --root / --mount "$W/none:/x" /bin/true
check bad_env           2   'bad --env'                       -- $ALCOVE run --root / --env NOEQUALS /bin/true
check no_program        2   'no program'                      -- $ALCOVE run --root /
check unknown_option    2   'unknown option'                  -- $ALCOVE run --root / --bogus x /bin/true
check bad_log           2   'log must be'                     -- $ALCOVE run --root / --log loud /bin/true
check unknown_command   2   'unknown command'                 -- $ALCOVE frobnicate
check bad_max_procs     2   'max-procs'                       -- $ALCOVE run --root / --max-procs x /bin/true

# Limits: --max-procs N counts every process of the enclave, --max-threads N the threads of
# one process; past them fork/clone fail with EAGAIN (never a hang), and the enclave goes on.
cat > "$W/limits.c" <<'C'
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
static int gate[2];
static void *idle(void *a) { char c; (void)a; read(gate[0], &c, 1); return 0; }
int main(void)
{
    pipe(gate);
    pid_t kids[64];
    int n = 0, err = 0;
    for (; n < 64; n++) {
        pid_t p = fork();
        if (p < 0) { err = errno; break; }
        if (p == 0) { char c; read(gate[0], &c, 1); _exit(0); }
        kids[n] = p;
    }
    printf("forks: %d, then %s\n", n, err == EAGAIN ? "EAGAIN" : strerror(err));
    for (int i = 0; i < n; i++) kill(kids[i], SIGKILL);
    for (int i = 0; i < n; i++) waitpid(kids[i], 0, 0);
    pid_t p = fork();
    if (p == 0) _exit(3);
    int st = 0;
    waitpid(p, &st, 0);
    printf("fork after the children were reaped: exit %d\n", WEXITSTATUS(st));
    pthread_t t[64];
    int m = 0, terr = 0;
    for (; m < 64; m++)
        if ((terr = pthread_create(&t[m], 0, idle, 0)) != 0) break;
    printf("threads: %d, then %s\n", m, terr == EAGAIN ? "EAGAIN" : strerror(terr));
    close(gate[1]);
    return 0;
}
C
gcc -O1 -pthread -o "$W/limits" "$W/limits.c"
want=$'forks: 4, then EAGAIN\nfork after the children were reaped: exit 3\nthreads: 2, then EAGAIN'
got=$(timeout -s KILL 30 $ALCOVE run --root / --max-procs 5 --max-threads 3 "$W/limits" 2>&1); rc=$?
if [ "$rc" = 0 ] && [ "$got" = "$want" ]; then
    echo "PASS limits_procs_threads"; pass=$((pass + 1))
else
    echo "FAIL limits_procs_threads: status $rc, output: $(printf '%s' "$got" | tr '\n' '|')"
    fail=$((fail + 1))
fi

# Network policy: --net none|loopback|host, --net-listen, --net-connect.  A denied bind,
# connect or sendto fails with EACCES and one log line naming the rule set; 192.0.2.0/24
# (TEST-NET-1) is never reached: the policy refuses before any packet leaves.
check bad_net          2   'bad --net'                        -- $ALCOVE run --root / --net bogus /bin/true
check bad_net_listen   2   'bad --net-listen'                 -- $ALCOVE run --root / --net-listen 1.2.3.4 /bin/true
check bad_net_connect  2   'bad --net-connect'                -- $ALCOVE run --root / --net-connect 300.1.1.1 /bin/true
check bad_net_prefix   2   'bad --net-connect'                -- $ALCOVE run --root / --net-connect '[::1]/129' /bin/true
cat > "$W/netpol.c" <<'C'
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static const char *res(int r) { return r == 0 ? "ok" : errno == EACCES ? "EACCES" : errno == EINPROGRESS ? "EINPROGRESS" : "other"; }
static struct sockaddr_in ad(const char *ip, int port)
{
    struct sockaddr_in a; memset(&a, 0, sizeof a);
    a.sin_family = AF_INET; a.sin_port = htons(port); inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}
int main(void)
{
    struct sockaddr_in a = ad("127.0.0.1", 0), w = ad("0.0.0.0", 0), far = ad("192.0.2.1", 80);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("bind loopback: %s\n", res(bind(s, (void *)&a, sizeof a)));
    int t = socket(AF_INET, SOCK_STREAM, 0);
    int r = bind(t, (void *)&w, sizeof w);
    socklen_t l = sizeof w;
    getsockname(t, (void *)&w, &l);
    printf("bind wildcard: %s, shows wildcard: %d\n", res(r), w.sin_addr.s_addr == 0);
    int u = socket(AF_INET, SOCK_STREAM, 0);
    printf("listen unbound: %s\n", res(listen(u, 1)));
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    printf("connect far: %s\n", res(connect(c, (void *)&far, sizeof far)));
    int d = socket(AF_INET, SOCK_DGRAM, 0);
    printf("sendto far: %s\n", res(sendto(d, "x", 1, 0, (void *)&far, sizeof far) == 1 ? 0 : -1));
    struct sockaddr_in l9 = ad("127.0.0.1", 9);
    int n = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    printf("connect lo:9: %s\n", connect(n, (void *)&l9, sizeof l9) < 0 && errno == EACCES ? "EACCES" : "allowed");
    struct sockaddr_in fb = ad("192.0.2.1", 0);
    int e = socket(AF_INET, SOCK_DGRAM, 0);
    printf("bind far: %s\n", res(bind(e, (void *)&fb, sizeof fb)));
    return 0;
}
C
gcc -O1 -o "$W/netpol" "$W/netpol.c"
# netcheck NAME WANT_OUTPUT WANT_LOG_REGEX ALCOVE_OPTIONS...
netcheck() {
    local name=$1 want=$2 re=$3; shift 3
    local out err rc
    out=$(timeout -s KILL 20 $ALCOVE run --root / "$@" "$W/netpol" 2>"$W/netpol.err"); rc=$?
    err=$(cat "$W/netpol.err")
    if [ "$rc" = 0 ] && [ "$out" = "$want" ] && printf '%s' "$err" | grep -Eq -- "$re"; then
        echo "PASS $name"; pass=$((pass + 1))
    else
        echo "FAIL $name: status $rc, output: $(printf '%s' "$out" | tr '\n' '|') log: $(head -3 "$W/netpol.err" | tr '\n' '|')"
        fail=$((fail + 1))
    fi
}
netcheck net_loopback $'bind loopback: ok\nbind wildcard: ok, shows wildcard: 1\nlisten unbound: ok\nconnect far: EACCES\nsendto far: EACCES\nconnect lo:9: allowed\nbind far: EACCES' \
    'net: connect to 192\.0\.2\.1:80 denied by the network policy \(--net loopback, no --net-connect rule'
netcheck net_none $'bind loopback: EACCES\nbind wildcard: EACCES, shows wildcard: 1\nlisten unbound: EACCES\nconnect far: EACCES\nsendto far: EACCES\nconnect lo:9: EACCES\nbind far: EACCES' \
    'net: bind to 127\.0\.0\.1:0 denied by the network policy \(--net none, no --net-listen rule' --net none
netcheck net_none_rules $'bind loopback: ok\nbind wildcard: EACCES, shows wildcard: 1\nlisten unbound: EACCES\nconnect far: EACCES\nsendto far: EACCES\nconnect lo:9: EACCES\nbind far: EACCES' \
    'bind to 0\.0\.0\.0:0 denied' --net none --net-listen 127.0.0.1:0
netcheck net_connect_rule $'bind loopback: EACCES\nbind wildcard: EACCES, shows wildcard: 1\nlisten unbound: EACCES\nconnect far: EACCES\nsendto far: EACCES\nconnect lo:9: allowed\nbind far: EACCES' \
    'connect to 192\.0\.2\.1:80 denied' --net none --net-connect 127.0.0.0/8:9 --net-connect '[::1]/128'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
