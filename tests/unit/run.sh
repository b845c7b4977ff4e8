#!/usr/bin/env bash
# tests/unit/run.sh - build and run the cmocka unit tests for common/.
#
# Usage: tests/unit/run.sh [-v] [NAME...]     (NAME = path, elf, string; default: all)
#   -v   show the full cmocka output of every test binary, not just failures
# Ends with a line "N passed, N failed" (cmocka test cases); exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2

CC=${CC:-cc}
OUT=build/tests/unit
verbose=0
names=()
for a in "$@"; do
    case "$a" in
    -v) verbose=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) names+=("$a") ;;
    esac
done
if [ ${#names[@]} -eq 0 ]; then
    for f in tests/unit/test_*.c; do
        n=${f##*/test_}
        names+=("${n%.c}")
    done
fi

mkdir -p "$OUT"
total_pass=0
total_fail=0
total_skip=0

for n in "${names[@]}"; do
    src=tests/unit/test_$n.c
    bin=$OUT/test_$n
    if [ ! -f "$src" ]; then
        echo "test_$n: no such test ($src)"
        total_fail=$((total_fail + 1))
        continue
    fi
    extra=()
    case $n in
    vol) extra=(-O2 common/vol*.c) ;;
    esac
    if ! $CC -std=c11 -Wall -Wextra -Icommon "$src" common/path.c common/elf.c common/string.c common/image.c common/verity.c common/sha256.c common/erofs.c common/netpolicy.c \
            "${extra[@]}" -lcmocka -l:libsodium.a -l:libcrypto.a -o "$bin" 2>"$OUT/test_$n.build.log"; then
        echo "test_$n: BUILD FAILED"
        cat "$OUT/test_$n.build.log"
        total_fail=$((total_fail + 1))
        continue
    fi
    if [ -s "$OUT/test_$n.build.log" ]; then
        echo "test_$n: build warnings:"
        cat "$OUT/test_$n.build.log"
    fi
    log=$OUT/test_$n.log
    "$bin" >"$log" 2>&1
    rc=$?
    # Count from cmocka's per-test lines: a crash ends the binary early, so every case
    # announced by "Running N test(s)" that did not report OK or SKIPPED counts as failed.
    total=$(sed -n 's/^\[==========\] Running \([0-9]*\) test(s)\./\1/p' "$log" | head -n1)
    ok=$(grep -c '^\[       OK \]' "$log")
    skip=$(grep -c '^\[  SKIPPED \]' "$log")
    if [ -z "$total" ]; then
        total=$((ok + skip + 1))
    fi
    fail=$((total - ok - skip))
    if [ "$fail" -eq 0 ] && [ "$rc" -ne 0 ]; then
        fail=1  # exited badly after all cases passed
    fi
    total_pass=$((total_pass + ok))
    total_fail=$((total_fail + fail))
    total_skip=$((total_skip + skip))
    printf 'test_%-8s %3d passed, %d failed, %d skipped\n' "$n" "$ok" "$fail" "$skip"
    if [ "$verbose" -eq 1 ]; then
        sed 's/^/    /' "$log"
    elif [ "$fail" -ne 0 ]; then
        # failing cases with their messages
        grep -v -e '^\[ RUN      \]' -e '^\[       OK \]' -e '^\[==========\]' -e '^\[  PASSED  \]' \
            "$log" | sed 's/^/    /'
    fi
done

[ "$total_skip" -gt 0 ] && echo "($total_skip skipped)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
