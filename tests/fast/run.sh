#!/usr/bin/env bash
# tests/fast/run.sh - the direct backend's syscall fast path (syscall-site rewriting).
#
# Each test is built static (glibc) and run natively, under Alcove (rewriting on, the
# default) and under Alcove with ALCOVE_REWRITE=0; stdout and the exit status must match
# the native run.  With rewriting on, the tests that report it must say their site was
# patched (patched=1 on stderr), and with it off that it was not.  mt_patch, where threads
# race with the patch, runs FAST_RUNS times (default 100) in fresh enclaves.
#
# usage: tests/fast/run.sh [-v]   environment: ALCOVE (default build/alcove), FAST_RUNS,
#                                   FAST_TIMEOUT (seconds per run, default 300)
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
ALCOVE=${ALCOVE:-$repo/build/alcove}
case "$ALCOVE" in /*) ;; *) ALCOVE=$(pwd)/$ALCOVE ;; esac
RUNS=${FAST_RUNS:-100}
TMO=${FAST_TIMEOUT:-300} # per run: the trap-only signal storm is slow on a loaded host
out=$repo/build/tests/fast
verbose=0
[ "${1:-}" = -v ] && verbose=1
mkdir -p "$out"
pass=0; fail=0
ok() { pass=$((pass + 1)); [ $verbose = 1 ] && echo "ok   $*"; return 0; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

tests="regs mt_patch fork_vfork mprotect_text jit signals after"
for t in $tests; do
    if ! gcc -O1 -g -Wall -static -pthread -o "$out/$t" "$here/$t.c" 2>"$out/$t.buildlog"; then
        bad "$t: build"; cat "$out/$t.buildlog"; continue
    fi
done

run_alcove() { # name mode(on|off) -> $out/name.mode.{out,err,rc}
    local t=$1 m=$2 rw=1
    [ "$m" = off ] && rw=0
    ALCOVE_REWRITE=$rw timeout "$TMO" "$ALCOVE" run --root / -- "$out/$t" >"$out/$t.$m.out" 2>"$out/$t.$m.err"
    echo $? >"$out/$t.$m.rc"
}

for t in $tests; do
    [ -x "$out/$t" ] || continue
    timeout "$TMO" "$out/$t" >"$out/$t.native.out" 2>"$out/$t.native.err"
    echo $? >"$out/$t.native.rc"
    if [ "$(cat "$out/$t.native.rc")" != 0 ]; then
        bad "$t: fails natively"; cat "$out/$t.native.out"; continue
    fi
    for m in on off; do
        run_alcove "$t" $m
        if ! cmp -s "$out/$t.native.out" "$out/$t.$m.out" ||
            [ "$(cat "$out/$t.$m.rc")" != "$(cat "$out/$t.native.rc")" ]; then
            bad "$t (rewrite $m): differs from native (status $(cat "$out/$t.$m.rc"))"
            diff "$out/$t.native.out" "$out/$t.$m.out" | head -20
            head -5 "$out/$t.$m.err"
            continue
        fi
        want=1; [ $m = off ] && want=0
        if grep -q 'patched=' "$out/$t.native.err" &&
            ! grep -q "patched=$want" "$out/$t.$m.err"; then
            bad "$t (rewrite $m): site not in the expected state (want patched=$want)"
            head -5 "$out/$t.$m.err"
            continue
        fi
        ok "$t (rewrite $m)"
    done
done

# The patch races with other threads' calls: many fresh enclaves.
if [ -x "$out/mt_patch" ]; then
    nbad=0
    for i in $(seq 1 "$RUNS"); do
        timeout 60 "$ALCOVE" run --root / -- "$out/mt_patch" >"$out/mt.out" 2>"$out/mt.err"
        rc=$?
        if [ $rc != 0 ] || ! cmp -s "$out/mt.out" "$out/mt_patch.native.out" ||
            ! grep -q 'patched=1' "$out/mt.err"; then
            nbad=$((nbad + 1))
            [ $nbad -le 3 ] && { echo "mt_patch run $i: status $rc"; cat "$out/mt.out"; head -3 "$out/mt.err"; }
        fi
    done
    if [ $nbad = 0 ]; then ok "mt_patch x$RUNS"; else bad "mt_patch: $nbad of $RUNS runs failed"; fi
fi

# ALCOVE_LOG=info reports what was patched and what still traps.
"$ALCOVE" run --log info --root / -- "$out/regs" >/dev/null 2>"$out/log.err"
if grep -q 'rewrite: host pid [0-9]*: [1-9][0-9]* sites patched' "$out/log.err"; then
    ok "ALCOVE_LOG=info report"
else
    bad "ALCOVE_LOG=info report missing"; head -5 "$out/log.err"
fi
"$ALCOVE" run --no-rewrite --log info --root / -- "$out/regs" >/dev/null 2>"$out/log.err"
if grep -q 'rewrite: host pid [0-9]*: 0 sites patched' "$out/log.err" &&
    grep -q 'patched=0' "$out/log.err"; then
    ok "--no-rewrite"
else
    bad "--no-rewrite did not turn rewriting off"; head -5 "$out/log.err"
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
