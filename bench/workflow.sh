#!/usr/bin/env bash
# bench/workflow.sh - the instance workflow's costs, with ratios to native where a native
# counterpart exists (above 1: slower than native).  Medians of REPS interleaved runs.
#   new+add+build      `alcove new` + `add` + `build` of a busybox instance and of a python3
#                      instance (the interpreter with --tree /usr/lib/python3.11): ms, and
#                      the build's throughput over the packed tree (MB of image/ per s).
#                      No native counterpart.
#   run start-up       `alcove run` of the built instance (identity checked by the launcher
#                      and by the core, verified image) vs the same program natively and vs
#                      `alcove run --root /` (development mode): busybox true, python3 -c pass.
#   start + N exec     `alcove start`, N x `alcove exec busybox true`, `alcove stop`, vs N x
#                      `alcove run busybox true` and N x native `busybox true`: ms per command.
# Usage: bench/workflow.sh [--quick] [--reps N] [--n N]   environment: ALCOVE (build/alcove)
# Each phase's output goes to build/bench/logs/workflow-*.log.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ALCOVE=${ALCOVE:-$ROOT/build/alcove}
case $ALCOVE in /*) ;; *) ALCOVE=$PWD/$ALCOVE ;; esac
REPS=3; N=100
while [ $# -gt 0 ]; do
    case $1 in
    --quick) REPS=1; N=20 ;;
    --reps) REPS=$2; shift ;;
    --n) N=$2; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "bench/workflow.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
LOGS=$ROOT/build/bench/logs
BIN=$ROOT/build/bench
mkdir -p "$LOGS" "$BIN"
# bench/timer.c times the start-up rows (fork to wait, no shell in between).
if [ ! -x "$BIN/timer" ] || [ "$ROOT/bench/timer.c" -nt "$BIN/timer" ]; then
    ${CC:-cc} -O2 -Wall -o "$BIN/timer" "$ROOT/bench/timer.c" || exit 2
fi
W=$(mktemp -d "$ROOT/build/bench/workflow.XXXXXX")
export ALCOVE_STATE_DIR=$W/state ALCOVE_CACHE_DIR=$W/cache
unset ALCOVE_LOG ALCOVE_LAUNCHER_CHECK
cleanup() { "$ALCOVE" stop --force --instance "$W/bb" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
BB=$(command -v busybox || echo /bin/busybox)
PY=/usr/bin/python3
nfail=0

now() { date +%s%N; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) { print ""; exit }
    if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# ms NS: nanoseconds as milliseconds with 2 decimals (empty stays empty).
ms() { [ -n "$1" ] && awk -v v="$1" 'BEGIN { printf "%.2f", v / 1e6 }'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v n="$2" 'BEGIN { printf "%.2fx", a / n }' || echo FAIL; }
row() { printf '%-52s %12s %12s %10s\n' "$@"; }

# timed LOG CMD...: the command's wall time in ns on stdout, or nothing if it failed.
timed() {
    local log=$1; shift
    local t0 t1
    t0=$(now)
    "$@" >>"$LOGS/workflow-$log.log" 2>&1 || { echo "[exit $?] $*" >>"$LOGS/workflow-$log.log"; return 1; }
    t1=$(now)
    echo $((t1 - t0))
}
: >"$LOGS/workflow-build.log"

# ---- new + add + build ---------------------------------------------------------------------
make_bb() { rm -rf "$1" && "$ALCOVE" new "$1" && "$ALCOVE" add --instance "$1" "$BB" &&
            "$ALCOVE" build --instance "$1"; }
make_py() { rm -rf "$1" && "$ALCOVE" new "$1" &&
            "$ALCOVE" add --instance "$1" "$PY" --tree /usr/lib/python3.11 &&
            "$ALCOVE" build --instance "$1"; }
tb=""; tp=""
for r in $(seq "$REPS"); do
    v=$(timed build make_bb "$W/bb") && tb="$tb $v" || nfail=$((nfail + 1))
    if [ -x "$PY" ] && [ -d /usr/lib/python3.11 ]; then
        v=$(timed build make_py "$W/py") && tp="$tp $v" || nfail=$((nfail + 1))
    fi
done
mb_bb=$(du -sbL "$W/bb/image" 2>/dev/null | awk '{ print $1 / 1e6 }')
mb_py=$(du -sbL "$W/py/image" 2>/dev/null | awk '{ print $1 / 1e6 }')
tb=$(printf '%s\n' $tb | median); tp=$(printf '%s\n' $tp | median)
echo "alcove workflow bench: $REPS repetitions (medians), N=$N, alcove=$ALCOVE"
echo
row "new+add+build" "ms" "image/ MB" "MB/s"
row "  busybox instance" "$(ms "$tb")" "${mb_bb:-?}" \
    "$([ -n "$tb" ] && [ -n "$mb_bb" ] && awk -v m="$mb_bb" -v t="$tb" 'BEGIN { printf "%.1f", m / (t / 1e9) }')"
row "  python3 instance (+ /usr/lib/python3.11)" "$(ms "$tp")" "${mb_py:-?}" \
    "$([ -n "$tp" ] && [ -n "$mb_py" ] && awk -v m="$mb_py" -v t="$tp" 'BEGIN { printf "%.1f", m / (t / 1e9) }')"
[ -n "$tb" ] || echo "  (busybox build failed: $LOGS/workflow-build.log)"

# ---- run start-up ------------------------------------------------------------------------------
# tstart CMD...: one run timed by bench/timer (ns), or nothing if it failed.
tstart() {
    "$BIN/timer" -t 120 -e "$LOGS/workflow-startup.log" -o "$LOGS/workflow-startup.log" -- "$@"
}
# startup NAME INSTANCE PROGRAM ARGS: native, --root / and the instance, interleaved.
startup() {
    local name=$1 inst=$2; shift 2
    local n="" d="" i="" r v
    for r in $(seq $((REPS * 5))); do
        v=$(tstart "$@") && n="$n $v"
        v=$(tstart "$ALCOVE" run --root / "$@") && d="$d $v"
        v=$(tstart "$ALCOVE" run --instance "$inst" "$@") && i="$i $v"
    done
    n=$(printf '%s\n' $n | median); d=$(printf '%s\n' $d | median); i=$(printf '%s\n' $i | median)
    [ -n "$n" ] && [ -n "$d" ] && [ -n "$i" ] || nfail=$((nfail + 1))
    row "  $name: native" "$(ms "$n")" "" ""
    row "  $name: alcove run --root / (development)" "$(ms "$d")" "$(ratio "$d" "$n")" ""
    row "  $name: alcove run (built instance)" "$(ms "$i")" "$(ratio "$i" "$n")" "$(ratio "$i" "$d")"
}
echo
row "run start-up" "ms" "vs native" "vs --root"
: >"$LOGS/workflow-startup.log"
[ -d "$W/bb/build" ] && startup "busybox true" "$W/bb" "$BB" true
[ -d "$W/py/build" ] && startup "python3 -c pass" "$W/py" "$PY" -c pass

# ---- start + N exec vs N run ---------------------------------------------------------------------
loop_native() { for _ in $(seq "$N"); do "$BB" true || return 1; done; }
loop_run() { for _ in $(seq "$N"); do "$ALCOVE" run --instance "$W/bb" "$BB" true || return 1; done; }
loop_exec() {
    "$ALCOVE" start --instance "$W/bb" || return 1
    for _ in $(seq "$N"); do "$ALCOVE" exec --instance "$W/bb" "$BB" true || return 1; done
    "$ALCOVE" stop --instance "$W/bb"
}
echo
row "start + $N exec vs $N run (busybox true)" "ms/command" "vs native" "vs run"
: >"$LOGS/workflow-exec.log"
if [ -d "$W/bb/build" ]; then
    ln=""; lr=""; le=""
    for r in $(seq "$REPS"); do
        v=$(timed exec loop_native) && ln="$ln $v"
        v=$(timed exec loop_exec) && le="$le $v"
        v=$(timed exec loop_run) && lr="$lr $v"
    done
    ln=$(printf '%s\n' $ln | median); lr=$(printf '%s\n' $lr | median); le=$(printf '%s\n' $le | median)
    per() { [ -n "$1" ] && awk -v v="$1" -v n="$N" 'BEGIN { printf "%.3f", v / n / 1e6 }'; }
    [ -n "$ln" ] && [ -n "$lr" ] && [ -n "$le" ] || nfail=$((nfail + 1))
    row "  native busybox true" "$(per "$ln")" "" ""
    row "  alcove run" "$(per "$lr")" "$(ratio "$lr" "$ln")" ""
    row "  alcove start + exec + stop" "$(per "$le")" "$(ratio "$le" "$ln")" "$(ratio "$le" "$lr")"
fi
echo
echo "ratios: alcove time / native (or / the other alcove side); above 1 = slower."
echo "summary: $nfail FAIL"
[ $nfail = 0 ]
