#!/usr/bin/env bash
# bench/run.sh - Alcove vs native micro-benchmarks (see bench/README.md).
#
# Usage: bench/run.sh [--quick] [--reps N] [-v]
#   --quick   fewer iterations and repetitions (a rough figure in 10-20 seconds)
#   --reps N  repetitions per side for every row (default 5 full / 3 quick for the loop
#             rows, 20 full / 5 quick for the start-up rows)
#   -v        print every sample as it is taken
# Environment: ALCOVE=path to the alcove binary (default: build/alcove in this repo),
#              CC (default cc), BENCH_TIMEOUT seconds per run (default 120; the process
#              rows use at most 60, 30 with --quick).
#
# Every row runs both sides interleaved (native, alcove, native, alcove ... with the order
# swapped on every other repetition) and reports the median of each side and the ratio
# alcove/native (time) or native/alcove (throughput rows): above 1 always means Alcove is
# slower.  An alcove run that fails or times out makes its row print FAIL; the rest goes on.
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
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ $quick -eq 1 ]; then
    N_SYSCALL=100000; N_OPEN=10000; REPS_LOOP=3; REPS_START=5
    N_FORK=500; N_VFORK=200; N_SPAWN=200; PIPE_MIB=256; N_THREAD=1000
    N_FUTEX_T=20000; N_FUTEX_P=2000; PROC_TMO=30
else
    N_SYSCALL=1000000; N_OPEN=100000; REPS_LOOP=5; REPS_START=20
    N_FORK=2000; N_VFORK=500; N_SPAWN=500; PIPE_MIB=1024; N_THREAD=5000
    N_FUTEX_T=100000; N_FUTEX_P=10000; PROC_TMO=60
fi
# The process/thread rows get a shorter time limit (a hang there should not eat the budget).
[ "$PROC_TMO" -gt "$TMO" ] && PROC_TMO=$TMO
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
# The loop programs are static so that the loop rows do not depend on the dynamic loader.
build getppid getppid.c -static
build openread openread.c -static
build hello_static hello.c -static
build hello_dynamic hello.c
build timer timer.c
build proc proc.c -static -pthread
# exit0: a one-page static program with no libc, exec'd by the vfork and posix_spawn rows.
build exit0 exit0.c -static -nostdlib -fno-stack-protector

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
    out=$(timeout -k 5 "$ROW_TMO" "$@" 2>>"$LOGS/$log.$side.log")
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
    out=$("$BIN/timer" -t "$ROW_TMO" -e "$LOGS/$log.$side.log" -o "$LOGS/$log.$side.out" -- "$@")
    rc=$?
    if [ $rc -ne 0 ]; then
        echo "[$side exit $rc] $*" >>"$LOGS/$log.$side.log"
        return 1
    fi
    echo "$out"
}

ROWS=()      # "name|unit|native|alcove|ratio|target"
TARGETS=()   # lines for the targets section
nfail=0
ROW_TMO=$TMO

# bench_row [OPTIONS] NAME UNIT SCALE KIND REPS NATIVE_CMD... -- ALCOVE_CMD...
#   KIND: loop (program prints RESULT) or start (whole command timed)
#   SCALE: divide raw values by this for display (1 for ns, 1e3 for us, 1e6 for ms)
#   OPTIONS: --rate        RESULT is a throughput (higher is better): the ratio is
#                          native/alcove so that, as in every row, above 1 = Alcove slower
#            --target R    the ratio should be <= R; the row's target column says met/MISSED
#            --timeout S   time limit per run for this row (default BENCH_TIMEOUT)
#            --no-warmup   skip the untimed warm-up run of each side (for rows whose program
#                          warms itself up and whose runs are long)
bench_row() {
    local rate=0 target= warmup=1
    ROW_TMO=$TMO
    while :; do
        case "$1" in
        --rate) rate=1 ;;
        --target) target=$2; shift ;;
        --timeout) ROW_TMO=$2; shift ;;
        --no-warmup) warmup=0 ;;
        *) break ;;
        esac
        shift
    done
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
    if [ $warmup -eq 1 ]; then
        $fn native "$log" "${native[@]}" >/dev/null || true
        [ $afail -eq 0 ] && { $fn alcove "$log" "${alc[@]}" >/dev/null || afail=1; }
    fi
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
        if [ $rate -eq 1 ]; then
            ratio=$(awk -v a="$amed" -v n="$nmed" 'BEGIN { if (a > 0) printf "%.2f", n / a; else print "nan" }')
        else
            ratio=$(awk -v a="$amed" -v n="$nmed" 'BEGIN { if (n > 0) printf "%.2f", a / n; else print "nan" }')
        fi
    else
        ratio=FAIL
        nfail=$((nfail + 1))
    fi
    local tshow=
    if [ -n "$target" ]; then
        local verdict=MISSED
        if [ "$ratio" = FAIL ] || [ "$ratio" = nan ]; then
            verdict=FAIL
        elif awk -v r="$ratio" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
            verdict=met
        fi
        tshow="<=${target}x $verdict"
        local what fig=
        if [ $rate -eq 1 ]; then
            local want
            want=$(awk -v t="$target" 'BEGIN { printf "%.2f", 1 / t }')
            what="alcove throughput >= ${want}x native (higher is better)"
            [ "$verdict" != FAIL ] && fig=$(awk -v a="$amed" -v n="$nmed" 'BEGIN { printf "%.2fx", a / n }')
        else
            what="alcove time <= ${target}x native (lower is better)"
            [ "$verdict" != FAIL ] && fig=${ratio}x
        fi
        if [ -n "$fig" ]; then
            TARGETS+=("$name: target $what; measured ${fig}: $verdict")
        else
            TARGETS+=("$name: target $what; no figure: FAIL")
        fi
    fi
    ROWS+=("$name|$unit|$nshow|$ashow|$ratio|$tshow")
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
    ROWS+=("python3 -c pass start->exit|ms|FAIL|FAIL|FAIL|")
    nfail=$((nfail + 1))
fi

# ---- processes, pipes, threads, futexes (bench/proc.c) ----------------------------------
P=$BIN/proc
bench_row --target 2 --timeout "$PROC_TMO" "fork+exit+wait" "us/iter" 1e3 loop "$REPS_LOOP" \
    "$P" fork "$N_FORK" -- \
    "${A[@]}" "$P" fork "$N_FORK"
bench_row --timeout "$PROC_TMO" "vfork+exec+wait (static)" "us/iter" 1e3 loop "$REPS_LOOP" \
    "$P" vfork "$N_VFORK" "$BIN/exit0" -- \
    "${A[@]}" "$P" vfork "$N_VFORK" "$BIN/exit0"
bench_row --timeout "$PROC_TMO" "posix_spawn+wait (static)" "us/iter" 1e3 loop "$REPS_LOOP" \
    "$P" spawn "$N_SPAWN" "$BIN/exit0" -- \
    "${A[@]}" "$P" spawn "$N_SPAWN" "$BIN/exit0"
PIPE_NAME="pipe $PIPE_MIB MiB, 2 procs"
[ "$PIPE_MIB" -eq 1024 ] && PIPE_NAME="pipe 1 GiB, 2 procs"
bench_row --rate --target 1.25 --no-warmup --timeout "$PROC_TMO" "$PIPE_NAME" "MB/s" 1 loop \
    "$REPS_LOOP" \
    "$P" pipe "$PIPE_MIB" 65536 -- \
    "${A[@]}" "$P" pipe "$PIPE_MIB" 65536
# The same with both processes on one CPU (taskset on both sides): natively, pipe throughput
# depends a lot on whether writer and reader share a CPU (see README), this row does not.
CPU1=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*\([0-9]*\).*/\1/p' /proc/self/status)
if command -v taskset >/dev/null 2>&1 && [ -n "$CPU1" ]; then
    bench_row --rate --target 1.25 --no-warmup --timeout "$PROC_TMO" "$PIPE_NAME, 1 CPU" "MB/s" 1 \
        loop "$REPS_LOOP" \
        taskset -c "$CPU1" "$P" pipe "$PIPE_MIB" 65536 -- \
        taskset -c "$CPU1" "${A[@]}" "$P" pipe "$PIPE_MIB" 65536
fi
bench_row --timeout "$PROC_TMO" "thread create+join" "us/iter" 1e3 loop "$REPS_LOOP" \
    "$P" thread "$N_THREAD" -- \
    "${A[@]}" "$P" thread "$N_THREAD"
bench_row --no-warmup --timeout "$PROC_TMO" "futex ping-pong, 2 threads" "us/rtrip" 1e3 loop \
    "$REPS_LOOP" \
    "$P" futex-thread "$N_FUTEX_T" -- \
    "${A[@]}" "$P" futex-thread "$N_FUTEX_T"
bench_row --timeout "$PROC_TMO" "futex ping-pong, 2 procs shared" "us/rtrip" 1e3 loop \
    "$REPS_LOOP" \
    "$P" futex-proc "$N_FUTEX_P" -- \
    "${A[@]}" "$P" futex-proc "$N_FUTEX_P"

# ---- report ------------------------------------------------------------------------------
echo
printf '%-32s %-8s %12s %12s %9s  %s\n' "benchmark" "unit" "native" "alcove" "ratio" "target"
printf '%-32s %-8s %12s %12s %9s  %s\n' "--------------------------------" "--------" \
    "------------" "------------" "---------" "------------"
ratios=()
for row in "${ROWS[@]}"; do
    IFS='|' read -r name unit n a r t <<<"$row"
    shown=$r
    [ "$r" != FAIL ] && [ "$r" != nan ] && { shown="${r}x"; ratios+=("$r"); }
    printf '%-32s %-8s %12s %12s %9s  %s\n' "$name" "$unit" "$n" "$a" "$shown" "$t"
done
echo "ratio: alcove/native time; for MB/s rows native/alcove throughput. Above 1 = Alcove slower."
if [ ${#TARGETS[@]} -gt 0 ]; then
    echo
    echo "targets:"
    for t in "${TARGETS[@]}"; do echo "  $t"; done
fi
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
