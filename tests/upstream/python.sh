#!/usr/bin/env bash
# CPython's regression tests (Debian's libpython3.11-testsuite, /usr/lib/python3.11/test)
# run with Debian's /usr/bin/python3 natively and under Alcove, one module at a time:
#
#   python3 -m test --timeout T -v --junit-xml FILE MODULE
#
# natively under env -i with a scratch HOME/TMPDIR, and in the enclave as
#   alcove run --root / --mount S:/tmp:rw --mount SHM:/dev/shm:rw --env HOME=/tmp
#              --env TMPDIR=/tmp --cwd /tmp /usr/bin/python3 -m test ...
# Per-case results come from the JUnit XML (or the -v log if the run was killed).
# One check per module: the cases that pass both natively and under Alcove must be at least
# PY_THRESHOLD% (default 90) of the cases that pass natively.
#
# environment:
#   ALCOVE=path          alcove binary (default <repo>/build/alcove)
#   PY_MODULES="a b"     modules to run (default: the list below)
#   PY_THRESHOLD=90      percent of a module's native passes Alcove must reach
#   PY_TIMEOUT=300       regrtest --timeout (seconds per test case; 0: no --timeout)
#   PY_MODULE_TIMEOUT=auto  wall-clock limit for one module under alcove, all resumes
#                        included; auto = 4 x native time + 60 s, at most 600 s
#   PY_RESUMES=3         how many times a module whose alcove run died is resumed
#   PY_OUT=dir           results (default <repo>/build/upstream/python-run)
#   PY_SHOW=40           how many native-pass/alcove-fail cases to list per module
#   ALCOVE_LOG etc. reach alcove (not the enclave).
set -u
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
ALCOVE=${ALCOVE:-$REPO/build/alcove}
[[ $ALCOVE == /* ]] || ALCOVE=$PWD/$ALCOVE
# Sequential, no network. test_concurrent_futures and test_multiprocessing_* are left out
# for time (2 min and 1 min natively). test_socket is left out too: 226 s in the enclave,
# and natively on these VMs it hung for more than 10 minutes (a case waiting on the
# network); run it by hand with PY_MODULES=test_socket. test_pty does not apply: the enclave
# has no pseudo-terminals.
DEFAULT_MODULES="test_os test_posix test_subprocess test_signal test_threading test_thread
 test_fork1 test_wait4 test_select test_selectors test_fcntl test_mmap test_resource
 test_time test_shutil test_tempfile test_glob test_pathlib test_fileio
 test_posixpath test_tarfile test_zlib test_json test_re test_struct test_hashlib
 test_queue test_sched test_epoll test_poll test_stat"
MODULES=${PY_MODULES:-$DEFAULT_MODULES}
THRESHOLD=${PY_THRESHOLD:-90}
CASE_TIMEOUT=${PY_TIMEOUT:-300}
MOD_TIMEOUT=${PY_MODULE_TIMEOUT:-auto}
NATIVE_LIMIT=600
RESUMES=${PY_RESUMES:-3}
OUT=${PY_OUT:-$REPO/build/upstream/python-run}
SHOW=${PY_SHOW:-40}
PY=/usr/bin/python3
PATHV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

bail() { echo "python.sh: $*"; echo "0 passed, 1 failed"; exit 1; }
[ -x "$ALCOVE" ] || bail "no alcove binary at $ALCOVE (run make)"
[ -x "$PY" ] || bail "$PY missing"
[ -f /usr/lib/python3.11/test/test_os.py ] ||
    bail "CPython's tests missing: apt-get install libpython3.11-testsuite"

rm -rf "$OUT"
mkdir -p "$OUT"
echo "CPython test suite: $(dpkg-query -W -f='${Package} ${Version}' libpython3.11-testsuite 2>/dev/null)," \
     "python $($PY -c 'import sys; print(sys.version.split()[0])')"
echo "check per module: alcove passes >= ${THRESHOLD}% of native passes"
echo

# One attempt: run SIDE MODULE [IGNOREFILE] within LIMIT seconds; stop early if alcove reports
# an internal error (the enclave may then hang rather than exit).
attempt() {
    local side=$1 mod=$2 limit=$3 ign=$4 d=$OUT/$2 n=$5
    local s=$d/$side.scratch shm=$d/$side.shm
    rm -rf "$s" "$shm"
    mkdir -p "$s" "$shm"
    local args=(-m test -v)
    [ "$CASE_TIMEOUT" = 0 ] || args+=(--timeout "$CASE_TIMEOUT")
    local log=$d/$side.log.$n gs pid
    if [ "$side" = native ]; then
        gs=$s
        [ -n "$ign" ] && cp "$ign" "$s/ignore.txt" && args+=(--ignorefile "$gs/ignore.txt")
        (cd "$s" && exec setsid env -i PATH=$PATHV HOME="$s" TMPDIR="$s" \
            "$PY" "${args[@]}" --junit-xml "$gs/junit.xml" "$mod" </dev/null >"$log" 2>&1) &
        pid=$!
    else
        gs=/tmp
        [ -n "$ign" ] && cp "$ign" "$s/ignore.txt" && args+=(--ignorefile "$gs/ignore.txt")
        setsid "$ALCOVE" run --root / --mount "$s:/tmp:rw" --mount "$shm:/dev/shm:rw" \
            --env HOME=/tmp --env TMPDIR=/tmp --cwd /tmp \
            "$PY" "${args[@]}" --junit-xml "$gs/junit.xml" "$mod" </dev/null >"$log" 2>&1 &
        pid=$!
    fi
    local t0=$SECONDS
    wait_run "$pid" "$log" "$limit"
    [ -z "$RUN_WHY" ] ||
        echo "[python.sh: $side killed: $RUN_WHY after $((SECONDS - t0)) s]" >>"$log"
    "$PY" "$HERE/pyresults.py" "$s/junit.xml" "$log" >"$d/$side.res.$n"
    ATTEMPT_RC=$RUN_RC ATTEMPT_WHY=$RUN_WHY
    rm -rf "$s" "$shm"
}

# run SIDE MODULE LIMIT: leaves $OUT/MODULE/SIDE.{log.N,res,pass,rc,secs,notes}. When a run
# dies without its JUnit XML (alcove internal error, hang, crash), the case that was running
# is counted as failed and the module is run again without it and without the cases that
# already reported (--ignorefile), up to PY_RESUMES times and within LIMIT seconds in all.
run() {
    local side=$1 mod=$2 limit=$3 d=$OUT/$2
    local t0=$SECONDS n=0 ign= notes=
    : >"$d/$side.res"
    while :; do
        local left=$((limit - (SECONDS - t0)))
        [ "$left" -gt 5 ] || { notes="$notes out-of-time"; break; }
        attempt "$side" "$mod" "$left" "$ign" "$n"
        grep -v '^#' "$d/$side.res.$n" >>"$d/$side.res"
        grep -q '^# source: junit' "$d/$side.res.$n" && break
        local crashed
        crashed=$(awk -F'\t' '$1=="CRASHED" { print $2 }' "$d/$side.res.$n")
        notes="$notes ${ATTEMPT_WHY:-exit $ATTEMPT_RC}${crashed:+ in ${crashed##*.}}"
        [ -n "$crashed" ] && [ "$n" -lt "$RESUMES" ] || break
        n=$((n + 1))
        ign=$d/$side.ignore
        cut -f2 "$d/$side.res" | sort -u >"$ign"
    done
    echo $((SECONDS - t0)) >"$d/$side.secs"
    echo "$ATTEMPT_RC" >"$d/$side.rc"
    echo "$notes" >"$d/$side.notes"
    awk -F'\t' '$1=="PASS" { print $2 }' "$d/$side.res" | sort -u >"$d/$side.pass"
}

passed=0 failed=0
printf '%-18s %7s %7s %7s %6s %6s %7s  %s\n' module native alcove ratio n.secs a.secs a.rc check
for mod in $MODULES; do
    d=$OUT/$mod
    mkdir -p "$d"
    run native "$mod" "$NATIVE_LIMIT"
    nsecs=$(cat "$d/native.secs")
    if [ "$MOD_TIMEOUT" = auto ]; then
        limit=$((4 * nsecs + 60)); [ "$limit" -le 600 ] || limit=600
    else
        limit=$MOD_TIMEOUT
    fi
    run alcove "$mod" "$limit"
    comm -23 "$d/native.pass" "$d/alcove.pass" >"$d/regressions"
    np=$(wc -l <"$d/native.pass")
    ap=$(comm -12 "$d/native.pass" "$d/alcove.pass" | wc -l)
    arc=$(cat "$d/alcove.rc")
    note=
    an=$(cat "$d/alcove.notes"); nn=$(cat "$d/native.notes")
    [ -z "$an" ] || note=" (alcove:$an; limit ${limit}s)"
    [ -z "$nn" ] || note="$note (native:$nn)"
    if [ "$np" -eq 0 ]; then
        ratio=n/a ok=0
        note="$note (nothing passed natively)"
    else
        ratio=$(awk -v a="$ap" -v n="$np" 'BEGIN { printf "%.1f%%", 100 * a / n }')
        ok=$(awk -v a="$ap" -v n="$np" -v t="$THRESHOLD" 'BEGIN { print (100 * a >= t * n) ? 1 : 0 }')
    fi
    if [ "$ok" = 1 ]; then verdict=PASS; passed=$((passed + 1)); else verdict=FAIL; failed=$((failed + 1)); fi
    printf '%-18s %7d %7d %7s %6s %6s %7s  %s%s\n' "$mod" "$np" "$ap" "$ratio" \
        "$(cat "$d/native.secs")" "$(cat "$d/alcove.secs")" "$arc" "$verdict" "$note"
done

echo
echo "test cases passing natively but not under alcove (first $SHOW per module; all in $OUT/MODULE/regressions):"
for mod in $MODULES; do
    d=$OUT/$mod
    n=$(wc -l <"$d/regressions")
    [ "$n" -gt 0 ] || continue
    echo "$mod: $n"
    head -n "$SHOW" "$d/regressions" | while IFS= read -r id; do
        st=$(awk -F'\t' -v i="$id" '$2==i { print ($3 != "" ? $3 : "fail/error") }' "$d/alcove.res" | tail -n 1)
        printf '    %-11s %s\n' "${st:-not-run}" "$id"
    done
done

if grep -qh 'unimplemented syscall' "$OUT"/*/alcove.log 2>/dev/null; then
    echo
    echo "alcove reported unimplemented syscalls (lines, over all modules):"
    grep -oh 'unimplemented syscall [a-z0-9_]*' "$OUT"/*/alcove.log | sort | uniq -c | sort -rn | sed 's/^/ /'
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
