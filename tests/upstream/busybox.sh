#!/usr/bin/env bash
# BusyBox's own test suite (Debian's busybox source package, testsuite/runtest) run against
# Debian's busybox-static (/bin/busybox), natively and under Alcove, in the same run.
#
# The whole harness runs inside the enclave: `alcove run ... /bin/busybox sh -c ./runtest`,
# so runtest itself (a /bin/sh script, i.e. dash), every *.tests script and every applet is
# forked, exec'd and piped inside the enclave. Natively the same command runs under env -i
# with the same environment. Native runs twice; cases whose result differs between the two
# native runs are flaky and left out on both sides.
#
# The single check: Alcove's passes >= BB_THRESHOLD% (default 95) of native passes.
# Last line: "1 passed, 0 failed" or "0 passed, 1 failed".
#
# environment:
#   ALCOVE=path         alcove binary (default <repo>/build/alcove)
#   BB_APPLETS="a b"    only these applets (runtest arguments); default: all
#   BB_THRESHOLD=95     percent of native passes Alcove must reach
#   BB_TIMEOUT=600      seconds allowed for one whole run of the suite (each side); cases
#                       not reached by then count as failed
#   BB_NATIVE_RUNS=2    native runs used to find flaky cases (1 skips the check)
#   BB_OUT=dir          work and result directory (default <repo>/build/upstream/busybox-run)
#   ALCOVE_LOG etc. reach alcove (not the enclave).
set -u
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
. "$HERE/lib.sh"
ALCOVE=${ALCOVE:-$REPO/build/alcove}
[[ $ALCOVE == /* ]] || ALCOVE=$PWD/$ALCOVE
APPLETS=${BB_APPLETS:-}
THRESHOLD=${BB_THRESHOLD:-95}
TIMEOUT=${BB_TIMEOUT:-600}
NATIVE_RUNS=${BB_NATIVE_RUNS:-2}
OUT=${BB_OUT:-$REPO/build/upstream/busybox-run}
SRC=$REPO/build/upstream/busybox-src
BUSYBOX=/bin/busybox
GUEST=/bb   # where a work dir is mounted in the enclave

fail_all() { echo "busybox.sh: $*"; echo "0 passed, 1 failed"; exit 1; }

[ -x "$ALCOVE" ] || fail_all "no alcove binary at $ALCOVE (run make)"
[ -x "$BUSYBOX" ] || fail_all "$BUSYBOX missing (apt-get install busybox-static)"
if [ ! -x "$SRC/testsuite/runtest" ]; then
    sh "$HERE/fetch-busybox-src.sh" || fail_all "could not fetch the busybox source package"
fi

# What Debian's build passes to runtest (debian/rules TESTSUITE_ENV), plus a PATH equal to
# Alcove's default one and a HOME.
TEST_ENV=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
          SKIP_KNOWN_BUGS=y LANG=C.UTF-8 LC_ALL=C.UTF-8 SKIP_INTERNET_TESTS=y
          SHELL=/bin/sh ECHO=/bin/echo)
RUN_CMD="./runtest $APPLETS"

# A fresh work dir: bindir with busybox (-> /bin/busybox), Debian's static .config and a
# copy of the testsuite (runtest writes its temp files and links there).
prepare() {
    local w=$1
    rm -rf "$w"
    mkdir -p "$w/bin" "$w/tmp"
    cp -a "$SRC/testsuite" "$w/bin/"
    rm -f "$w/bin/testsuite/mdev.tests"          # Debian's build drops it too
    cp "$SRC/debian/config/pkg/static" "$w/bin/.config"
    ln -s "$BUSYBOX" "$w/bin/busybox"
}

# Prefix every output line with the seconds since the start (for the slowest-test list).
stamp() { perl -MTime::HiRes=time -e '$|=1; $t0=time; while(<STDIN>){printf "%.3f %s", time-$t0, $_}'; }

# supervise W CMD...: run CMD (in its own session, output stamped into W/log) for at most
# TIMEOUT seconds, or 5 s after alcove reports an internal error (the enclave may then hang
# instead of exiting); leaves W/rc and W/secs.
supervise() {
    local w=$1; shift
    local t0=$SECONDS
    setsid "$@" </dev/null > >(stamp >"$w/log") 2>&1 &
    wait_run $! "$w/log" "$TIMEOUT"
    sleep 0.2   # let the stamping process drain
    echo "$RUN_RC" >"$w/rc"
    echo "$RUN_WHY" >"$w/why"
    echo $((SECONDS - t0)) >"$w/secs"
}

run_native() {
    local w=$1
    prepare "$w"
    (cd "$w/bin/testsuite" && supervise "$w" env -i "${TEST_ENV[@]}" "$BUSYBOX" sh -c "$RUN_CMD")
}

run_alcove() {
    local w=$1
    prepare "$w"
    local envs=() e
    for e in "${TEST_ENV[@]}"; do envs+=(--env "$e"); done
    supervise "$w" "$ALCOVE" run --root / --mount "$w/bin:$GUEST:rw" --mount "$w/tmp:/tmp:rw" \
        "${envs[@]}" --cwd "$GUEST/testsuite" "$BUSYBOX" sh -c "$RUN_CMD"
}

# log -> "STATUS<TAB>name" lines; a name seen before gets " #2", " #3"... (runtest's names
# are not unique across applets; the order is the same on both sides).
results() {
    sed -n 's/^[0-9.]* \(PASS\|FAIL\|SKIPPED\|UNTESTED\): \(.*\)$/\1\t\2/p' "$1" |
        awk -F'\t' '{ n = ++seen[$2]; name = (n > 1) ? $2 " #" n : $2; print $1 "\t" name }'
}

rm -rf "$OUT"
mkdir -p "$OUT"
echo "busybox testsuite: $(dpkg-query -W -f='${source:Package} ${source:Version}' busybox-static 2>/dev/null)," \
     "applets: ${APPLETS:-all}"

for i in $(seq 1 "$NATIVE_RUNS"); do
    run_native "$OUT/native$i"
    why=$(cat "$OUT/native$i/why")
    echo "native run $i: $(cat "$OUT/native$i/secs") s (exit $(cat "$OUT/native$i/rc")${why:+, killed: $why})"
done
run_alcove "$OUT/alcove"
why=$(cat "$OUT/alcove/why")
echo "alcove run: $(cat "$OUT/alcove/secs") s (exit $(cat "$OUT/alcove/rc")${why:+, killed: $why})"
[ -z "$why" ] || { echo "last lines of the alcove run:"; tail -n 5 "$OUT/alcove/log" | sed 's/^/  /'; }

for i in $(seq 1 "$NATIVE_RUNS"); do results "$OUT/native$i/log" >"$OUT/native$i.res"; done
results "$OUT/alcove/log" >"$OUT/alcove.res"

# Flaky: any case whose status is not the same in every native run (or missing in one).
cat "$OUT"/native*.res | sort | uniq -c |
    awk -v n="$NATIVE_RUNS" '{ c=$1; sub(/^ *[0-9]+ /, ""); if (c != n) { sub(/^[A-Z]+\t/, ""); print } }' |
    sort -u >"$OUT/flaky.txt"
# Native passes = PASS in native run 1 and not flaky.
awk -F'\t' 'FILENAME == ARGV[1] { flaky[$0]=1; next } $1=="PASS" && !($2 in flaky) { print $2 }' \
    "$OUT/flaky.txt" "$OUT/native1.res" | sort >"$OUT/native-pass.txt"
awk -F'\t' 'FILENAME == ARGV[1] { flaky[$0]=1; next } $1=="PASS" && !($2 in flaky) { print $2 }' \
    "$OUT/flaky.txt" "$OUT/alcove.res" | sort >"$OUT/alcove-pass.txt"
comm -23 "$OUT/native-pass.txt" "$OUT/alcove-pass.txt" >"$OUT/regressions.txt"
comm -13 "$OUT/native-pass.txt" "$OUT/alcove-pass.txt" >"$OUT/alcove-only.txt"

count() { awk -F'\t' -v s="$1" '$1==s' "$2" | wc -l; }
nf=$(wc -l <"$OUT/flaky.txt")
echo
printf '%-8s %6s %6s %8s %9s\n' side PASS FAIL SKIPPED UNTESTED
for s in native1 alcove; do
    printf '%-8s %6d %6d %8d %9d\n' "$s" "$(count PASS "$OUT/$s.res")" "$(count FAIL "$OUT/$s.res")" \
        "$(count SKIPPED "$OUT/$s.res")" "$(count UNTESTED "$OUT/$s.res")"
done
echo "flaky cases (differ between native runs, left out of both counts): $nf"
sed 's/^/  flaky: /' "$OUT/flaky.txt"

np=$(wc -l <"$OUT/native-pass.txt")
ap=$(grep -cxFf "$OUT/native-pass.txt" "$OUT/alcove-pass.txt" 2>/dev/null || true)
ap=${ap:-0}
echo
echo "cases passing natively but not under alcove: $(wc -l <"$OUT/regressions.txt")"
while IFS= read -r name; do
    st=$(awk -F'\t' -v n="$name" '$2==n { print $1 }' "$OUT/alcove.res")
    printf '  %s: %s\n' "${st:-MISSING}" "$name"
done <"$OUT/regressions.txt"
if [ -s "$OUT/alcove-only.txt" ]; then
    echo "cases passing only under alcove: $(wc -l <"$OUT/alcove-only.txt")"
    sed 's/^/  /' "$OUT/alcove-only.txt"
fi

if grep -q 'unimplemented syscall' "$OUT/alcove/log"; then
    echo "alcove reported unimplemented syscalls:"
    grep -o 'unimplemented syscall [a-z0-9_]*' "$OUT/alcove/log" | sort | uniq -c | sed 's/^/ /'
fi

# The slowest tests under alcove (time between a result line and the one before it).
echo "slowest cases under alcove (s, alcove vs native):"
slow() { sed -n 's/^\([0-9.]*\) \(PASS\|FAIL\|SKIPPED\|UNTESTED\): \(.*\)$/\1\t\3/p' "$1" |
         awk -F'\t' '{ n=++seen[$2]; name=(n>1)?$2" #"n:$2; printf "%.2f\t%s\n", $1-prev, name; prev=$1 }'; }
slow "$OUT/native1/log" >"$OUT/native1.time"
slow "$OUT/alcove/log" >"$OUT/alcove.time"
sort -t$'\t' -k1,1 -rn "$OUT/alcove.time" | head -n 8 | while IFS=$'\t' read -r t name; do
    nt=$(awk -F'\t' -v n="$name" '$2==n { print $1 }' "$OUT/native1.time")
    printf '  %7s %7s  %s\n' "$t" "${nt:-?}" "$name"
done

echo
if [ "$np" -eq 0 ]; then
    echo "no case passed natively: nothing to compare"
    echo "0 passed, 1 failed"
    exit 1
fi
pct=$(awk -v a="$ap" -v n="$np" 'BEGIN { printf "%.1f", 100 * a / n }')
echo "native passes: $np, alcove passes (of those): $ap, ratio: $pct% (threshold ${THRESHOLD}%)"
if awk -v a="$ap" -v n="$np" -v t="$THRESHOLD" 'BEGIN { exit !(100 * a >= t * n) }'; then
    echo "PASS: busybox testsuite ratio"
    echo "1 passed, 0 failed"
else
    echo "FAIL: busybox testsuite ratio"
    echo "0 passed, 1 failed"
    exit 1
fi
