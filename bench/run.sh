#!/usr/bin/env bash
# bench/run.sh - Alcove vs native micro-benchmarks (see bench/README.md).
#
# Usage: bench/run.sh [--quick] [--reps N] [-v]
#   (then bench/workflow.sh: new/add/build, instance start-up, start + exec vs run)
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
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

if [ $quick -eq 1 ]; then
    N_SYSCALL=100000; N_OPEN=10000; REPS_LOOP=3; REPS_START=5
    N_FORK=500; N_VFORK=200; N_SPAWN=200; PIPE_MIB=256; N_THREAD=1000
    N_FUTEX_T=20000; N_FUTEX_P=2000; PROC_TMO=30
    N_FILES=1000; N_DEEP=10000; FS_MIB=32
else
    N_SYSCALL=1000000; N_OPEN=100000; REPS_LOOP=5; REPS_START=20
    N_FORK=2000; N_VFORK=500; N_SPAWN=500; PIPE_MIB=1024; N_THREAD=5000
    N_FUTEX_T=100000; N_FUTEX_P=10000; PROC_TMO=60
    N_FILES=10000; N_DEEP=100000; FS_MIB=256
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
build fs fs.c -static

SCRATCH=$(mktemp -d /tmp/alcove-bench.XXXXXX)
# The file-system rows' working directories: FS_SHM on the host's tmpfs (the native
# baseline), FS_HOST on the disk that holds build/ (what the hostfs rows mount at /bench).
FS_SHM=$(mktemp -d /dev/shm/alcove-bench.XXXXXX)
FS_HOST=$(mktemp -d "$BIN/fs-host.XXXXXX")
trap 'rm -rf "$SCRATCH" "$FS_SHM" "$FS_HOST" "$BIN/storage"' EXIT
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

ROWS=()      # "name|unit|native|alcove|ratio|target|geo" (geo: 1 = counts in the geometric mean)
TARGETS=()   # lines for the targets section
nfail=0
ROW_TMO=$TMO
declare -A SMED=()   # side name -> raw median of the last bench_sides ("" = that side failed)

# bench_sides [OPTIONS] LOGNAME KIND REPS SIDE CMD... [-- SIDE CMD...]...
#   Runs every side's command REPS times, interleaved (forward order on even repetitions,
#   reverse on odd ones: for two sides native, alcove / alcove, native), and leaves each
#   side's median raw value in SMED[SIDE] ("" if the side failed).  A side whose name starts
#   with "alcove" is an Alcove side: after its first failure it is not run again (and it is
#   not run at all without an alcove binary); other sides always run all repetitions, and
#   any failure makes them FAIL.  Logs go to LOGS/LOGNAME.SIDE.log.
#   KIND: loop (program prints RESULT) or start (whole command timed)
#   OPTIONS: --timeout S   time limit per run (default BENCH_TIMEOUT)
#            --no-warmup   skip the untimed warm-up run of each side (for rows whose program
#                          warms itself up and whose runs are long)
bench_sides() {
    local warmup=1
    ROW_TMO=$TMO
    while :; do
        case "$1" in
        --timeout) ROW_TMO=$2; shift ;;
        --no-warmup) warmup=0 ;;
        *) break ;;
        esac
        shift
    done
    local name=$1 kind=$2 reps=$3
    shift 3
    local log
    log=$(echo "$name" | tr -c 'A-Za-z0-9\n' '_')
    local fn=loop_run
    [ "$kind" = start ] && fn=start_run
    # sides[i], and the command of side i as cmds[start[i]] .. cmds[start[i] + len[i] - 1]
    local sides=() cmds=() start=() len=() failed=() vals=()
    while [ $# -gt 0 ]; do
        local i=${#sides[@]}
        sides+=("$1"); shift
        start+=(${#cmds[@]})
        while [ $# -gt 0 ] && [ "$1" != "--" ]; do cmds+=("$1"); shift; done
        [ $# -gt 0 ] && shift
        len+=($((${#cmds[@]} - ${start[i]})))
        failed+=(0)
        vals+=("")
        case "${sides[i]}" in alcove*) failed[i]=$((1 - have_alcove)) ;; esac
    done
    local ns=${#sides[@]} i v side
    # one untimed run each to warm caches (page cache, dynamic loader)
    if [ $warmup -eq 1 ]; then
        for ((i = 0; i < ns; i++)); do
            side=${sides[i]}
            case "$side" in
            alcove*)
                [ "${failed[i]}" -eq 0 ] &&
                    { $fn "$side" "$log" "${cmds[@]:${start[i]}:${len[i]}}" >/dev/null ||
                        failed[i]=1; } ;;
            *) $fn "$side" "$log" "${cmds[@]:${start[i]}:${len[i]}}" >/dev/null || true ;;
            esac
        done
    fi
    local r k
    for ((r = 0; r < reps; r++)); do
        for ((k = 0; k < ns; k++)); do
            i=$k
            ((r % 2)) && i=$((ns - 1 - k))
            side=${sides[i]}
            v=
            case "$side" in
            alcove*)
                if [ "${failed[i]}" -eq 0 ]; then
                    if v=$($fn "$side" "$log" "${cmds[@]:${start[i]}:${len[i]}}"); then
                        vals[i]+="$v "
                    else
                        failed[i]=1
                    fi
                fi ;;
            *)
                if v=$($fn "$side" "$log" "${cmds[@]:${start[i]}:${len[i]}}"); then
                    vals[i]+="$v "
                else
                    failed[i]=1
                fi ;;
            esac
            [ $verbose -eq 1 ] && [ -n "${v:-}" ] && echo "  $name $side #$r: $v" >&2
        done
    done
    for ((i = 0; i < ns; i++)); do
        if [ "${failed[i]}" -eq 0 ] && [ -n "${vals[i]}" ]; then
            SMED[${sides[i]}]=$(printf '%s\n' ${vals[i]} | median)
        else
            SMED[${sides[i]}]=
        fi
    done
}

# emit_row [OPTIONS] NAME UNIT SCALE NATIVE_SIDE ALCOVE_SIDE
#   Adds a table row from the medians the last bench_sides left for the two sides.
#   SCALE: divide raw values by this for display (1 for ns, 1e3 for us, 1e6 for ms)
#   OPTIONS: --rate        RESULT is a throughput (higher is better): the ratio is
#                          native/alcove so that, as in every row, above 1 = Alcove slower
#            --target R    the ratio should be <= R; the row's target column says met/MISSED
#            --no-geo      leave the row's ratio out of the geometric mean (a row that
#                          re-uses a figure already compared in another row)
emit_row() {
    local rate=0 target= geo=1
    while :; do
        case "$1" in
        --rate) rate=1 ;;
        --target) target=$2; shift ;;
        --no-geo) geo=0 ;;
        *) break ;;
        esac
        shift
    done
    local name=$1 unit=$2 scale=$3
    local nmed=${SMED[$4]:-} amed=${SMED[$5]:-}
    local ratio nshow ashow
    if [ -n "$nmed" ]; then
        nshow=$(awk -v v="$nmed" -v s="$scale" 'BEGIN { printf "%.2f", v / s }')
    else
        nshow=FAIL
    fi
    if [ -n "$amed" ]; then
        ashow=$(awk -v v="$amed" -v s="$scale" 'BEGIN { printf "%.2f", v / s }')
    else
        ashow=FAIL
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
    ROWS+=("$name|$unit|$nshow|$ashow|$ratio|$tshow|$geo")
    printf '  %-34s done (native %s, alcove %s %s)\n' "$name" "$nshow" "$ashow" "$unit" >&2
}

# bench_row [OPTIONS] NAME UNIT SCALE KIND REPS NATIVE_CMD... -- ALCOVE_CMD...
#   The ordinary two-sided row: bench_sides with sides "native" and "alcove", then emit_row.
#   KIND: loop (program prints RESULT) or start (whole command timed)
#   SCALE: divide raw values by this for display (1 for ns, 1e3 for us, 1e6 for ms)
#   OPTIONS: --rate, --target R (see emit_row), --timeout S, --no-warmup (see bench_sides)
bench_row() {
    local ropts=() sopts=()
    while :; do
        case "$1" in
        --rate) ropts+=("$1") ;;
        --target) ropts+=("$1" "$2"); shift ;;
        --timeout) sopts+=("$1" "$2"); shift ;;
        --no-warmup) sopts+=("$1") ;;
        *) break ;;
        esac
        shift
    done
    local name=$1 unit=$2 scale=$3 kind=$4 reps=$5
    shift 5
    local native=()
    while [ "$1" != "--" ]; do native+=("$1"); shift; done
    shift
    bench_sides "${sopts[@]}" "$name" "$kind" "$reps" native "${native[@]}" -- alcove "$@"
    emit_row "${ropts[@]}" "$name" "$unit" "$scale" native alcove
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

# ---- file systems (bench/fs.c) ------------------------------------------------------------
# Each test runs on four sides, interleaved: native in FS_SHM (tmpfs, the baseline), Alcove
# on its own tmpfs (--tmpfs /bench:1G), Alcove on hostfs (FS_HOST mounted rw at /bench) and
# native in FS_HOST.  Three rows each: tmpfs and hostfs against native tmpfs, and hostfs
# against native in the same host directory (not in the geometric mean: its alcove figure
# is already in the hostfs row).
FSB=$BIN/fs
for d in "$FS_SHM" "$FS_HOST"; do
    t=$(stat -f -c %T "$d" 2>/dev/null)
    if [ "$d" = "$FS_SHM" ] && [ "$t" != tmpfs ]; then
        echo "  note: $d is on $t, not tmpfs: the fs rows' baseline is not a tmpfs" >&2
    elif [ "$d" = "$FS_HOST" ] && [ "$t" = tmpfs ]; then
        echo "  note: $d is on tmpfs, not a disk: the fs hostfs rows do not measure a disk" >&2
    fi
done
# fs_rows [--rate] NAME UNIT SCALE MODE ARG: bench/fs.c MODE DIR ARG on the four sides
fs_rows() {
    local ropts=()
    [ "$1" = --rate ] && { ropts+=(--rate); shift; }
    local name=$1 unit=$2 scale=$3 mode=$4 arg=$5
    bench_sides --timeout "$PROC_TMO" "$name" loop "$REPS_LOOP" \
        native-tmpfs "$FSB" "$mode" "$FS_SHM" "$arg" -- \
        alcove-tmpfs "${A[@]}" --tmpfs /bench:1G "$FSB" "$mode" /bench "$arg" -- \
        alcove-hostfs "${A[@]}" --mount "$FS_HOST:/bench:rw" "$FSB" "$mode" /bench "$arg" -- \
        native-hostdir "$FSB" "$mode" "$FS_HOST" "$arg"
    emit_row "${ropts[@]}" "$name, tmpfs" "$unit" "$scale" native-tmpfs alcove-tmpfs
    emit_row "${ropts[@]}" "$name, hostfs" "$unit" "$scale" native-tmpfs alcove-hostfs
    emit_row "${ropts[@]}" --no-geo "$name, hostfs vs same dir" "$unit" "$scale" \
        native-hostdir alcove-hostfs
}
FILES_TAG=$N_FILES
[ $((N_FILES % 1000)) -eq 0 ] && FILES_TAG=$((N_FILES / 1000))k
fs_rows "$FILES_TAG files create+stat+unlink" "ms" 1e6 files "$N_FILES"
fs_rows "stat 10-deep path" "ns/stat" 1 deepstat "$N_DEEP"
fs_rows --rate "seq write $FS_MIB MiB" "MB/s" 1 write "$FS_MIB"
fs_rows --rate "seq read $FS_MIB MiB" "MB/s" 1 read "$FS_MIB"

# ---- protected storage: volume, image, overlay (issue 8) -----------------------------------
# One table for every kind of mount, each against native tmpfs (FS_SHM) from the same run:
#   alcove-volume   an encrypted volume at /bench (--volume, build/ disk)
#   alcove-overlay  --image IMG --overlay VOL2: writes go to an encrypted upper volume, reads
#                   of /seq.data come from the image below
#   alcove-image    the verified image as / (read rows only)
#   alcove-tmpfs, alcove-hostfs as in the rows above
# Reads are cold for the enclave: the file is written (and fsync'd) by an earlier run.
STOR_OK=1
SB=$BIN/storage
rm -rf "$SB"; mkdir -p "$SB/img/work" "$SB/state"
KEY=$SB/key
export ALCOVE_STATE_DIR=$SB/state
head -c 32 /dev/urandom >"$KEY"
STOR_MIB=$([ $quick -eq 1 ] && echo 64 || echo 1024)
VOLSIZE=$((STOR_MIB * 3 + 512))M
cp "$FSB" "$SB/img/fs"
"$FSB" mkfile "$SB/img/seq.data" "$STOR_MIB" >/dev/null
"$FSB" mkfile "$FS_SHM/seq.data" "$STOR_MIB" >/dev/null
if ! "$ALCOVE" volume create "$SB/vol" --size "$VOLSIZE" --key-file "$KEY" >"$LOGS/storage-setup.log" 2>&1 ||
   ! "$ALCOVE" volume create "$SB/vol2" --size "$VOLSIZE" --key-file "$KEY" >>"$LOGS/storage-setup.log" 2>&1 ||
   ! { "$ALCOVE" image pack "$SB/img" -o "$SB/img.alcove" >"$SB/pack.log" 2>&1; r=$?
       cat "$SB/pack.log" >>"$LOGS/storage-setup.log"; [ $r = 0 ]; }; then
    echo "  note: storage set-up failed (see $LOGS/storage-setup.log): storage rows FAIL" >&2
    STOR_OK=0
fi
V=("$ALCOVE" run --root / --key-file "$KEY" --volume "$SB/vol:/bench")
# The image runs pinned to the root hash pack printed (as a user would, and without the warning).
IMGHASH=$(sed -n 's/^root hash: //p' "$SB/pack.log" 2>/dev/null)
O=("$ALCOVE" run --image "$SB/img.alcove" ${IMGHASH:+--image-hash "$IMGHASH"} --key-file "$KEY" --overlay "$SB/vol2")
I=("$ALCOVE" run --image "$SB/img.alcove" ${IMGHASH:+--image-hash "$IMGHASH"})
T=("$ALCOVE" run --root / --tmpfs /bench:$((STOR_MIB * 2 + 256))M)
H=("$ALCOVE" run --root / --mount "$FS_HOST:/bench:rw")
if [ $STOR_OK -eq 1 ]; then
    "${V[@]}" "$FSB" mkfile /bench/seq.data "$STOR_MIB" >/dev/null 2>>"$LOGS/storage-setup.log" || STOR_OK=0
    "$FSB" mkfile "$FS_HOST/seq.data" "$STOR_MIB" >/dev/null
fi
# stor_rows [--rate] NAME UNIT SCALE SIDES... where each side is KEY=ARGS (run via eval)
stor_emit() { # [--rate] NAME UNIT SCALE SIDE...
    local ropts=()
    [ "$1" = --rate ] && { ropts+=(--rate); shift; }
    local name=$1 unit=$2 scale=$3
    shift 3
    for side in "$@"; do
        emit_row "${ropts[@]}" "$name, ${side#alcove-}" "$unit" "$scale" native-tmpfs "$side"
    done
}
SROWS=$([ $quick -eq 1 ] && echo 2000 || echo 20000)
if [ $STOR_OK -eq 1 ]; then
    bench_sides --no-warmup --timeout "$TMO" "storage seq write" loop "$REPS_LOOP" \
        native-tmpfs "$FSB" writesync "$FS_SHM" "$STOR_MIB" -- \
        alcove-volume "${V[@]}" "$FSB" writesync /bench "$STOR_MIB" -- \
        alcove-overlay "${O[@]}" /fs writesync /work "$STOR_MIB" -- \
        alcove-tmpfs "${T[@]}" "$FSB" writesync /bench "$STOR_MIB" -- \
        alcove-hostfs "${H[@]}" "$FSB" writesync /bench "$STOR_MIB"
    stor_emit --rate "seq write+fsync $STOR_MIB MiB" MB/s 1 alcove-volume alcove-overlay alcove-tmpfs alcove-hostfs
    bench_sides --timeout "$TMO" "storage seq read" loop "$REPS_LOOP" \
        native-tmpfs "$FSB" readfile "$FS_SHM/seq.data" -- \
        alcove-volume "${V[@]}" "$FSB" readfile /bench/seq.data -- \
        alcove-image "${I[@]}" /fs readfile /seq.data -- \
        alcove-overlay "${O[@]}" /fs readfile /seq.data -- \
        alcove-hostfs "${H[@]}" "$FSB" readfile /bench/seq.data
    stor_emit --rate "seq read (cold) $STOR_MIB MiB" MB/s 1 alcove-volume alcove-image alcove-overlay alcove-hostfs
    TARGETS+=("verified image seq read >= 1000 MB/s: alcove-image ${SMED[alcove-image]:-FAIL} MB/s")
    bench_sides --timeout "$TMO" "storage random 4k" loop "$REPS_LOOP" \
        native-tmpfs "$FSB" randrw "$FS_SHM" 64 "$SROWS" -- \
        alcove-volume "${V[@]}" "$FSB" randrw /bench 64 "$SROWS" -- \
        alcove-overlay "${O[@]}" /fs randrw /work 64 "$SROWS" -- \
        alcove-tmpfs "${T[@]}" "$FSB" randrw /bench 64 "$SROWS" -- \
        alcove-hostfs "${H[@]}" "$FSB" randrw /bench 64 "$SROWS"
    stor_emit "random 4K write+read (+fsync)" us/op 1 alcove-volume alcove-overlay alcove-tmpfs alcove-hostfs
    bench_sides --timeout "$TMO" "storage random 4k read" loop "$REPS_LOOP" \
        native-tmpfs "$FSB" randread "$FS_SHM/seq.data" "$SROWS" -- \
        alcove-image "${I[@]}" /fs randread /seq.data "$SROWS" -- \
        alcove-volume "${V[@]}" "$FSB" randread /bench/seq.data "$SROWS"
    stor_emit "random 4K read (cold)" us/op 1 alcove-image alcove-volume
    bench_sides --timeout "$TMO" "storage files" loop "$REPS_LOOP" \
        native-tmpfs "$FSB" files "$FS_SHM" "$N_FILES" -- \
        alcove-volume "${V[@]}" "$FSB" files /bench "$N_FILES" -- \
        alcove-overlay "${O[@]}" /fs files /work "$N_FILES" -- \
        alcove-tmpfs "${T[@]}" "$FSB" files /bench "$N_FILES" -- \
        alcove-hostfs "${H[@]}" "$FSB" files /bench "$N_FILES"
    stor_emit "$FILES_TAG files create+stat+unlink" ms 1e6 alcove-volume alcove-overlay alcove-tmpfs alcove-hostfs
    # sqlite3: one transaction of inserts, then an aggregate query, on a fresh database.
    if [ -x /usr/bin/sqlite3 ]; then
        NSQL=$([ $quick -eq 1 ] && echo 5000 || echo 50000)
        printf 'PRAGMA journal_mode=WAL;\nCREATE TABLE t(k INTEGER PRIMARY KEY, v TEXT);\nBEGIN;\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<%d) INSERT INTO t SELECT x, hex(randomblob(32)) FROM c;\nCOMMIT;\nSELECT count(*), sum(length(v)) FROM t WHERE k %% 7 = 3;\n' "$NSQL" >"$SB/sql.txt"
        cp "$SB/sql.txt" "$FS_SHM/sql.txt"
        bench_row "sqlite3 $NSQL inserts + query, volume" ms 1e6 start "$REPS_LOOP" \
            /bin/sh -c "rm -f $FS_SHM/db*; /usr/bin/sqlite3 $FS_SHM/db < $FS_SHM/sql.txt" -- \
            "${V[@]}" --mount "$SB:/sb:ro" /bin/sh -c "rm -f /bench/db*; /usr/bin/sqlite3 /bench/db < /sb/sql.txt"
    fi
else
    for r in "seq write+fsync" "seq read (cold)" "random 4K" "files on volume"; do
        ROWS+=("storage: $r|-|FAIL|FAIL|FAIL|"); nfail=$((nfail + 1))
    done
fi
# python3 from an image of its own tree vs from --root /.
if [ $STOR_OK -eq 1 ] && [ -x "$PY" ]; then
    PYIMG=$SB/py.alcove
    PYHASH=
    if [ ! -f "$PYIMG" ]; then
        # The tree as Debian lays it out (usrmerge: /bin, /lib, /lib64 are links into /usr):
        # python3.11, the ld.so closure (ldd) of it and of its extension modules, its library.
        PD=$SB/pytree; rm -rf "$PD"; mkdir -p "$PD/usr/bin" "$PD/usr/lib" "$PD/usr/lib64" "$PD/tmp"
        ln -s usr/bin "$PD/bin"; ln -s usr/lib "$PD/lib"; ln -s usr/lib64 "$PD/lib64"
        cp -a /usr/bin/python3.11 "$PD/usr/bin/"; ln -s python3.11 "$PD/usr/bin/python3"
        for f in /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f" 2>/dev/null; done |
            grep -o '/[^ ]*' | sort -u | while read -r lib; do
                case $lib in /lib64/*|/lib/*) dst=/usr$lib ;; *) dst=$lib ;; esac
                mkdir -p "$PD$(dirname "$dst")"; cp -L "$lib" "$PD$dst"
            done
        (cd / && tar cf - --exclude=usr/lib/python3.11/test --exclude='__pycache__/*.opt-*' usr/lib/python3.11 \
            $( [ -d /usr/lib/python3/dist-packages ] && echo usr/lib/python3/dist-packages )) | tar xf - -C "$PD"
        "$ALCOVE" image pack "$PD" -o "$PYIMG" >"$SB/pypack.log" 2>&1 || PYIMG=
        cat "$SB/pypack.log" >>"$LOGS/storage-setup.log"
        PYHASH=$(sed -n 's/^root hash: //p' "$SB/pypack.log")
    fi
    if [ -n "$PYIMG" ]; then
        bench_row --target 1.3 "python3 -c pass from an image (vs --root /)" "ms" 1e6 start "$REPS_START" \
            "${A[@]}" "$PY" -c pass -- \
            "$ALCOVE" run --image "$PYIMG" ${PYHASH:+--image-hash "$PYHASH"} /usr/bin/python3 -c pass
    fi
fi
unset ALCOVE_STATE_DIR
rm -rf "$SB" "$FS_SHM/seq.data" "$FS_HOST/seq.data" "$FS_SHM/sql.txt" "$FS_SHM"/db*

# ---- report ------------------------------------------------------------------------------
echo
W=32   # the name column: at least 32, wide enough for the longest name
for row in "${ROWS[@]}"; do
    name=${row%%|*}
    [ ${#name} -gt $W ] && W=${#name}
done
DASHES=$(printf '%*s' "$W" '' | tr ' ' -)
printf '%-*s %-8s %12s %12s %9s  %s\n' "$W" "benchmark" "unit" "native" "alcove" "ratio" "target"
printf '%-*s %-8s %12s %12s %9s  %s\n' "$W" "$DASHES" "--------" \
    "------------" "------------" "---------" "------------"
ratios=()
nogeo=0
for row in "${ROWS[@]}"; do
    IFS='|' read -r name unit n a r t g <<<"$row"
    shown=$r
    if [ "$r" != FAIL ] && [ "$r" != nan ]; then
        shown="${r}x"
        if [ "$g" = 0 ]; then nogeo=$((nogeo + 1)); else ratios+=("$r"); fi
    fi
    printf '%-*s %-8s %12s %12s %9s  %s\n' "$W" "$name" "$unit" "$n" "$a" "$shown" "$t"
done
echo "ratio: alcove/native time; for MB/s rows native/alcove throughput. Above 1 = Alcove slower."
echo "fs rows (files, stat, seq): native = native on a tmpfs dir (/dev/shm); the"
echo "  'hostfs vs same dir' rows: native = native in the host dir that hostfs mounts."
if [ ${#TARGETS[@]} -gt 0 ]; then
    echo
    echo "targets:"
    for t in "${TARGETS[@]}"; do echo "  $t"; done
fi
echo
nrows=${#ROWS[@]}
if [ ${#ratios[@]} -gt 0 ]; then
    geo=$(printf '%s\n' "${ratios[@]}" | awk '{ s += log($1); n++ } END { printf "%.2f", exp(s / n) }')
    nogeo_note=
    [ $nogeo -gt 0 ] && nogeo_note=" (+$nogeo 'vs same dir' rows not counted)"
    echo "summary: alcove/native geometric mean ${geo}x over ${#ratios[@]} of $nrows rows$nogeo_note," \
        "$nfail FAIL (median of $REPS_LOOP loop / $REPS_START start-up repetitions per side)"
else
    echo "summary: no alcove figures ($nfail of $nrows rows FAIL${alcove_note:+: $alcove_note})"
fi

# ---- the instance workflow (bench/workflow.sh): its own table ---------------------------------
wf_ok=1
if [ $have_alcove -eq 1 ]; then
    echo
    echo "== instance workflow (bench/workflow.sh) =="
    wf_args=()
    [ $quick -eq 1 ] && wf_args+=(--quick)
    [ -n "$reps_override" ] && wf_args+=(--reps "$reps_override")
    ALCOVE=$ALCOVE bash "$ROOT/bench/workflow.sh" "${wf_args[@]}" || wf_ok=0
fi
[ $nfail -eq 0 ] && [ $wf_ok -eq 1 ]
