#!/bin/sh
# The whole test suite (what `make test` runs after the layering check).
# Each runner prints its own "N passed, N failed"; this prints the sum last.
# "abi-tmpfs" is the ABI runner again with --fs tmpfs: the file-system tests of
# tests/abi/fs-tests.txt (all three variants) on a tmpfs, native and in the enclave.
# "apps-redis" is redis-server in the enclave driven from the host (tests/apps/redis.sh).
#   ALCOVE_QUICK=1   leave out the upstream suites (BusyBox's testsuite and CPython's
#                    regression tests, ~8 minutes): `make test-quick`
set -u
cd "$(dirname "$0")/.."
total_p=0; total_f=0; rc=0
suites="unit cli abi abi-tmpfs apps apps-redis"
[ "${ALCOVE_QUICK:-0}" = 1 ] || suites="$suites upstream/busybox upstream/python"
for suite in $suites; do
    echo "=== $suite ==="
    args=""
    case $suite in
    upstream/*) runner=tests/$suite.sh ;;
    abi-tmpfs) runner=tests/abi/run.sh args="--fs tmpfs" ;;
    apps-redis) runner=tests/apps/redis.sh ;;
    *) runner=tests/$suite/run.sh ;;
    esac
    out=$(bash "$runner" $args 2>&1); r=$?
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$line" ]; then echo "$suite: no summary line (runner broke)"; f=1; p=0; fi
    [ $r -ne 0 ] && rc=1
    total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-0}))
done
echo "=== total ==="
echo "$total_p passed, $total_f failed"
[ $total_f -eq 0 ] && [ $rc -eq 0 ]
