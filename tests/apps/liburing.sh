#!/usr/bin/env bash
# tests/apps/liburing.sh - real liburing programs (Debian's liburing-dev, 2.3) under Alcove.
#
#   bash tests/apps/liburing.sh       # ALCOVE=path to choose the binary (default build/alcove)
#
# Debian's liburing-dev ships no examples, so tests/apps/liburing/ holds small programs
# written against liburing's API after liburing's own examples: io_uring-test (readv of a
# file, QD 4), io_uring-cp (copy with 64 reads/writes in flight), link-cp (linked
# read -> write pairs, and a link broken by a failed read) and echo-server (accept ->
# recv -> send over 127.0.0.1 for forked clients, then ASYNC_CANCEL and LINK_TIMEOUT of
# a waiting accept).  Each is built dynamically and statically, run natively and under
# `alcove run --root /` (copies onto a host directory and onto an enclave tmpfs), and
# stdout plus exit status compared.  The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
ALCOVE=$(realpath "$ALCOVE")
pass=0; fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
if [ ! -f /usr/include/liburing.h ]; then
    echo "FAIL liburing: liburing-dev is not installed (scripts/install-deps.sh installs it)"
    echo "0 passed, 1 failed"; exit 1
fi
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/liburing.XXXXXX")
trap 'rm -rf "$W"' EXIT
SRC=tests/apps/liburing
PROGS="io_uring-test io_uring-cp link-cp echo-server"
for p in $PROGS; do
    gcc -O2 -Wall -o "$W/$p.dynamic" "$SRC/$p.c" -luring 2>"$W/$p.build" &&
        gcc -O2 -Wall -static -o "$W/$p.static" "$SRC/$p.c" -luring 2>>"$W/$p.build" ||
        { bad "build $p" "$(head -3 "$W/$p.build")"; }
done
head -c 1000003 /dev/urandom >"$W/in.bin"

# case NAME NATIVE-ARGS -- ALCOVE-ARGS: the program (argv[0] a path under $W) run both ways
case_() {
    local name=$1 prog=$2; shift 2
    local nargs=() aargs=() opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do nargs+=("$1"); shift; done
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do aargs+=("$1"); shift; done
    [ $# -gt 0 ] && shift && opts=("$@")
    [ -x "$prog" ] || { bad "$name" "not built"; return; }
    timeout 60 "$prog" "${nargs[@]}" >"$W/n.out" 2>"$W/n.err"; local nrc=$?
    timeout 60 "$ALCOVE" run --root / --mount "$W:$W:rw" "${opts[@]}" "$prog" "${aargs[@]}" \
        >"$W/a.out" 2>"$W/a.err"; local arc=$?
    if [ $nrc -ne 0 ]; then
        bad "$name" "native run failed ($nrc): $(head -2 "$W/n.err")"
    elif [ $nrc -ne $arc ]; then
        bad "$name" "exit status native $nrc, alcove $arc: $(head -3 "$W/a.err")"
    elif ! cmp -s "$W/n.out" "$W/a.out"; then
        bad "$name" "output differs: $(diff "$W/n.out" "$W/a.out" | head -6 | tr '\n' '|')"
    else
        ok "$name"
    fi
}

for v in dynamic static; do
    case_ "io_uring-test $v" "$W/io_uring-test.$v" "$W/in.bin" -- "$W/in.bin"
    case_ "io_uring-cp $v (hostfs)" "$W/io_uring-cp.$v" "$W/in.bin" "$W/cp.n" -- "$W/in.bin" "$W/cp.a"
    case_ "io_uring-cp $v (tmpfs)" "$W/io_uring-cp.$v" "$W/in.bin" "$W/cp.n" -- "$W/in.bin" /scratch/out -- --tmpfs /scratch
    case_ "link-cp $v (hostfs)" "$W/link-cp.$v" "$W/in.bin" "$W/lk.n" -- "$W/in.bin" "$W/lk.a"
    case_ "link-cp $v (tmpfs)" "$W/link-cp.$v" "$W/in.bin" "$W/lk.n" -- "$W/in.bin" /scratch/out -- --tmpfs /scratch
    case_ "echo-server $v" "$W/echo-server.$v"  --
done
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
