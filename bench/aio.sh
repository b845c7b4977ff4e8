#!/usr/bin/env bash
# bench/aio.sh - 4 KiB random reads at queue depth 32 through Linux AIO, on a tmpfs file
# (native: /dev/shm; Alcove: the enclave's own tmpfs, --tmpfs /scratch) and on a host file
# (build/bench), natively and in Alcove; medians of REPS interleaved runs and ratios to
# native (above 1: slower than native).
# Usage: bench/aio.sh [N] [REPS]     environment: ALCOVE (default build/alcove)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ALCOVE=${ALCOVE:-$ROOT/build/alcove}
N=${1:-100000}; REPS=${2:-3}
BIN=$ROOT/build/bench
mkdir -p "$BIN"
cc -O2 -Wall -static -o "$BIN/aio" "$ROOT/bench/aio.c" || exit 2
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one() { "$@" 2>/dev/null | sed -n 's/^RESULT //p'; }
printf '%-10s %10s %10s %8s\n' file native alcove ratio
for where in tmpfs host; do
    : >"$BIN/aio.n"; : >"$BIN/aio.a"
    for r in $(seq "$REPS"); do
        if [ $where = tmpfs ]; then
            one "$BIN/aio" /dev/shm/alcove-bench-aio.$$ "$N" >>"$BIN/aio.n"
            one "$ALCOVE" run --root / --tmpfs /scratch:64M -- "$BIN/aio" /scratch/f "$N" >>"$BIN/aio.a"
        else
            one "$BIN/aio" "$BIN/aio-native.dat" "$N" >>"$BIN/aio.n"
            one "$ALCOVE" run --root / --mount "$BIN:/hostdir:rw" -- "$BIN/aio" /hostdir/aio-alcove.dat "$N" >>"$BIN/aio.a"
        fi
    done
    n=$(median <"$BIN/aio.n"); a=$(median <"$BIN/aio.a")
    awk -v m=$where -v n="$n" -v a="$a" 'BEGIN {
        if (n == "" || a == "") { printf "%-10s FAIL\n", m; exit }
        printf "%-10s %10.1f %10.1f %8.2f\n", m, n, a, a / n }'
done
echo "(ns per 4 KiB read, queue depth 32, Linux AIO)"
