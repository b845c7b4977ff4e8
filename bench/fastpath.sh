#!/usr/bin/env bash
# bench/fastpath.sh - small-syscall cost natively, in Alcove with syscall-site rewriting
# (the default) and with ALCOVE_REWRITE=0; medians of REPS interleaved runs, and ratios to
# native (above 1: slower than native).
# Usage: bench/fastpath.sh [N] [REPS]     environment: ALCOVE (default build/alcove)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ALCOVE=${ALCOVE:-$ROOT/build/alcove}
N=${1:-200000}; REPS=${2:-5}
BIN=$ROOT/build/bench
mkdir -p "$BIN"
cc -O2 -Wall -static -o "$BIN/fastpath" "$ROOT/bench/fastpath.c" || exit 2
FILE=$ROOT/bench/fastpath.c
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
one() { "$@" 2>/dev/null | sed -n 's/^RESULT //p'; }
printf '%-9s %10s %10s %10s %8s %8s\n' mode native rewrite trap-only ratio-rw ratio-trap
for mode in getppid getpid syscall pipe write pread; do
    : >"$BIN/fp.n"; : >"$BIN/fp.r"; : >"$BIN/fp.t"
    for r in $(seq "$REPS"); do
        one "$BIN/fastpath" $mode "$N" "$FILE" >>"$BIN/fp.n"
        ALCOVE_REWRITE=1 one "$ALCOVE" run --root / -- "$BIN/fastpath" $mode "$N" "$FILE" >>"$BIN/fp.r"
        ALCOVE_REWRITE=0 one "$ALCOVE" run --root / -- "$BIN/fastpath" $mode "$N" "$FILE" >>"$BIN/fp.t"
    done
    n=$(median <"$BIN/fp.n"); rw=$(median <"$BIN/fp.r"); t=$(median <"$BIN/fp.t")
    awk -v m=$mode -v n="$n" -v r="$rw" -v t="$t" 'BEGIN {
        if (n == "" || r == "" || t == "") { printf "%-9s FAIL\n", m; exit }
        printf "%-9s %10.1f %10.1f %10.1f %8.2f %8.2f\n", m, n, r, t, r / n, t / n }'
done
echo "(ns per call; pipe: per write+read pair)"
