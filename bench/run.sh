#!/usr/bin/env bash
# bench/run.sh - Alcove vs native micro-benchmarks (see bench/README.md).
#
# Usage: bench/run.sh [--quick] [--reps N] [-v]
#   --quick   fewer iterations and repetitions (a rough figure in a few seconds)
#   --reps N  repetitions per side for every row (default 5 full / 3 quick for the loop
#             rows, 20 full / 5 quick for the start-up rows)
#   -v        print every sample as it is taken
# Environment: ALCOVE=path to the alcove binary (default: build/alcove in this repo),
#              CC (default cc), BENCH_TIMEOUT seconds per alcove run (default 120).
#
# Every row runs both sides interleaved (native, alcove, native, alcove ... with the order
# swapped on every other repetition) and reports the median of each side and the ratio
# alcove/native.  An alcove run that fails makes its row print FAIL; the rest goes on.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/build/bench
LOGS=$BIN/logs
ALCOVE=${ALCOVE:-$ROOT/build/alcove}
CC=${CC:-cc}
TMO=${BENCH_TIMEOUT:-120}
PY=/usr/bin/python3

quick=0
verbose=0
reps_override=
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) quick=1 ;;
    --reps) reps_override=$2; shift ;;
    -v) verbose=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ $quick -eq 1 ]; then
    N_SYSCALL=100000; N_OPEN=10000; REPS_LOOP=3; REPS_START=5
else
    N_SYSCALL=1000000; N_OPEN=100000; REPS_LOOP=5; REPS_START=20
fi
if [ -n "$reps_override" ]; then
    REPS_LOOP=$reps_override; REPS_START=$reps_override
fi

# Make ALCOVE absolute (the programs it runs are given by absolute path anyway).
case "$ALCOVE" in /*) ;; *) ALCOVE=$(pwd)/$ALCOVE ;; esac

# ---- build -----------------------------------------------------------------------------
mkdir -p "$BIN" "$LOGS"
rm -f "$LOGS"/*.log
build() { # out src flags...
    local out=$1 src=$2
    shift 2
    if ! $CC -O2 -Wall -Wextra "$@" -o "$BIN/$out" "$ROOT/bench/$src" 2>"$LOGS/build-$out.log"; then
        echo "bench/run.sh: building $out failed:" >&2
        cat "$LOGS/build-$out.log" >&2
        exit 2
    fi
}
# The loop programs are static so that rows (a) and (b) do not depend on the dynamic loader.
build getppid getppid.c -static
build openread openread.c -static
build hello_static hello.c -static
build hello_dynamic hello.c
build timer timer.c

SCRATCH=$(mktemp -d /tmp/alcove-bench.XXXXXX)
trap 'rm -rf "$SCRATCH"' EXIT
head -c 4096 /dev/urandom >"$SCRATCH/file4k"

have_alcove=1
alcove_note=
if [ ! -x "$ALCOVE" ]; then
    have_alcove=0
    alcove_note="$ALCOVE not found or not executable"
fi

# ---- helpers -----------------------------------------------------------------------------
median() { # numbers on stdin -> median
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "nan"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# Run a loop program; print its RESULT value, or nothing on failure.
# loop_run SIDE LOGNAME CMD...
loop_run() {
    local side=$1 log=$2
    shift 2
    local out rc
    out=$(timeout -k 5 "$TMO" "$@" 2>>"$LOGS/$log.$side.log")
    rc=$?
    echo "$out" >>"$LOGS/$log.$side.log"
    if [ $rc -ne 0 ]; then
        echo "[$side exit $rc] $*" >>"$LOGS/$log.$side.log"
        return 1
    fi
    local v
    v=$(echo "$out" | sed -n 's/^RESULT \([0-9.eE+-]*\)$/\1/p' | tail -n1)
    [ -n "$v" ] || return 1
    echo "$v"
}

# Time one whole command with the timer; print ns, or nothing on failure.
# start_run SIDE LOGNAME CMD...
start_run() {
    local side=$1 log=$2
    shift 2
    local out rc
    out=$("$BIN/timer" -t "$TMO" -e "$LOGS/$log.$side.log" -o "$LOGS/$log.$side.out" -- "$@")
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "[$side exit $rc] $*" >>"$LOGS/$log.$side.log"
        return 1
    fi
    echo "$out"
}

ROWS=()      # "name|unit|native|alcove|ratio"
nfail=0

# bench_row NAME UNIT SCALE KIND REPS NATIVE_CMD... -- ALCOVE_CMD...
#   KIND: loop (program prints RESULT) or start (whole command timed)
#   SCALE: divide raw values by this for display (1 for ns, 1e6 for ms)
bench_row() {
    local name=$1 unit=$2 scale=$3 kind=$4 reps=$5
    shift 5
    local native=() alc=()
    while [ "$1" != "--" ]; do native+=("$1"); shift; done
    shift
    alc=("$@")
    local log
    log=$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')
    local nvals=() avals=() afail=$((1 - have_alcove)) nfailed=0
    local fn=loop_run
    [ "$kind" = start ] && fn=start_run
    # one untimed run each to warm caches (page cache, dynamic loader)
    $fn native "$log" "${native[@]}" >/dev/null || true
    [ $afail -eq 0 ] && { $fn alcove "$log" "${alc[@]}" >/dev/null || afail=1; }
    for ((r = 0; r < reps; r++)); do
        local order="native alcove"
        ((r % 2)) && order="alcove native"
        for side in $order; do
            local v
            if [ "$side" = native ]; then
                if v=$($fn native "$log" "${native[@]}"); then nvals+=("$v"); else nfailed=1; fi
            elif [ $afail -eq 0 ]; then
                if v=$($fn alcove "$log" "${alc[@]}"); then avals+=("$v"); else afail=1; fi
            fi
            [ $verbose -eq 1 ] && [ -n "${v:-}" ] && echo "  $name $side #$r: $v" >&2
            v=
        done
    done
    local nmed amed ratio nshow ashow
    if [ $nfailed -eq 0 ] && [ ${#nvals[@]} -gt 0 ]; then
        nmed=$(printf '%s\n' "${nvals[@]}" | median)
        nshow=$(awk -v v="$nmed" -v s="$scale" 'BEGIN { printf "%.2f", v / s }')
    else
        nmed=; nshow=FAIL
    fi
    if [ $afail -eq 0 ] && [ ${#avals[@]} -gt 0 ]; then
        amed=$(printf '%s\n' "${avals[@]}" | median)
        ashow=$(awk -v v="$amed" -v s="$scale" 'BEGIN { printf "%.2f", v / s }')
    else
        amed=; ashow=FAIL
    fi
    if [ -n "$nmed" ] && [ -n "$amed" ]; then
        ratio=$(awk -v a="$amed" -v n="$nmed" 'BEGIN { if (n > 0) printf "%.2f", a / n; else print "nan" }')
    else
        ratio=FAIL
        nfail=$((nfail + 1))
    fi
    ROWS+=("$name|$unit|$nshow|$ashow|$ratio")
    printf '  %-34s done (native %s, alcove %s %s)\n' "$name" "$nshow" "$ashow" "$unit" >&2
}

A=("$ALCOVE" run --root /)
echo "Alcove bench: $([ $quick -eq 1 ] && echo quick || echo full) run, alcove=$ALCOVE" >&2
[ $have_alcove -eq 0 ] && echo "  note: $alcove_note; every alcove column will be FAIL" >&2
echo "  logs: $LOGS" >&2

bench_row "getppid syscall" "ns/call" 1 loop "$REPS_LOOP" \
    "$BIN/getppid" "$N_SYSCALL" -- \
    "${A[@]}" "$BIN/getppid" "$N_SYSCALL"
bench_row "open+read 4K+close" "ns/iter" 1 loop "$REPS_LOOP" \
    "$BIN/openread" "$SCRATCH/file4k" "$N_OPEN" -- \
    "${A[@]}" --mount "$SCRATCH:/bench:rw" "$BIN/openread" /bench/file4k "$N_OPEN"
bench_row "hello static start->exit" "ms" 1e6 start "$REPS_START" \
    "$BIN/hello_static" -- \
    "${A[@]}" "$BIN/hello_static"
bench_row "hello dynamic start->exit" "ms" 1e6 start "$REPS_START" \
    "$BIN/hello_dynamic" -- \
    "${A[@]}" "$BIN/hello_dynamic"
if [ -x "$PY" ]; then
    bench_row "python3 -c pass start->exit" "ms" 1e6 start "$REPS_START" \
        "$PY" -c pass -- \
        "${A[@]}" "$PY" -c pass
else
    ROWS+=("python3 -c pass start->exit|ms|FAIL|FAIL|FAIL")
    nfail=$((nfail + 1))
fi

# ---- report ------------------------------------------------------------------------------
echo
printf '%-30s %-8s %12s %12s %9s\n' "benchmark" "unit" "native" "alcove" "ratio"
printf '%-30s %-8s %12s %12s %9s\n' "------------------------------" "--------" "------------" \
    "------------" "---------"
ratios=()
for row in "${ROWS[@]}"; do
    IFS='|' read -r name unit n a r <<<"$row"
    shown=$r
    [ "$r" != FAIL ] && { shown="${r}x"; ratios+=("$r"); }
    printf '%-30s %-8s %12s %12s %9s\n' "$name" "$unit" "$n" "$a" "$shown"
done
echo
nrows=${#ROWS[@]}
if [ ${#ratios[@]} -gt 0 ]; then
    geo=$(printf '%s\n' "${ratios[@]}" | awk '{ s += log($1); n++ } END { printf "%.2f", exp(s / n) }')
    echo "summary: alcove/native geometric mean ${geo}x over ${#ratios[@]} of $nrows rows," \
        "$nfail FAIL (median of $REPS_LOOP loop / $REPS_START start-up repetitions per side)"
else
    echo "summary: no alcove figures ($nfail of $nrows rows FAIL${alcove_note:+: $alcove_note})"
fi
[ $nfail -eq 0 ]
