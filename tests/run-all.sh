#!/bin/sh
# The whole test suite (what `make test` runs after the layering check).
# Each runner prints its own "N passed, N failed"; this prints the sum last.
# "abi-tmpfs" is the ABI runner again with --fs tmpfs: the file-system tests of
# tests/abi/fs-tests.txt (all three variants) on a tmpfs, native and in the enclave.
# "abi-volume" and "abi-overlay" run that list on an encrypted volume and on an overlay root.
# "fast" is the syscall-site rewriting suite; "image"/"erofs" the verified image (CLI and
# core), "volume" the encrypted volume (CLI, in-enclave, crash trials), "overlay" the
# overlay root, "workflow" alcove new/add/build/run.
# "apps-redis" is redis-server in the enclave driven from the host (tests/apps/redis.sh);
# "apps-nginx" nginx with 2 workers, "apps-postgres" PostgreSQL 15 with pgbench from the host;
# "apps-curl" curl in the enclave against a host HTTP server; "apps-liburing" liburing
# programs (static and dynamic) native vs enclave;
# "workflow-lifecycle" alcove start/exec/stop and package; "workflow-identity" the core's own
# check of the signed identity (tampering refused by the core, not only by the launcher).
# "cli-options" docs/cli.md and the --help texts against the CLI's option parsers;
# "cli-completion" tools/completion/alcove.bash against them; "robust" processes killed from
# outside and ending while siblings wait for the core lock; "fuzz" every system call number
# with hostile arguments (the LibOS must neither crash nor hang).
#   ALCOVE_QUICK=1   leave out the upstream suites (BusyBox's testsuite and CPython's
#                    regression tests, ~8 minutes): `make test-quick`
set -u
cd "$(dirname "$0")/.."
total_p=0; total_f=0; rc=0
suites="unit cli cli-options cli-completion abi abi-tmpfs abi-volume abi-overlay fast image erofs volume overlay workflow workflow-lifecycle workflow-identity apps apps-redis apps-nginx apps-postgres apps-curl apps-liburing robust fuzz"
# The full run adds the ABI tests with syscall-site rewriting off (every call traps) and
# the upstream suites.
[ "${ALCOVE_QUICK:-0}" = 1 ] || suites="$suites abi-norewrite upstream/busybox upstream/python"
t_all=$(date +%s)
times=""
# CPython's suite runs beside BusyBox's (each is one sequential process tree, so the two
# share the 2 CPUs well): its output is held back and printed in its turn.
pyout=$(mktemp); trap 'rm -f "$pyout" "$pyout.rc"' EXIT
for suite in $suites; do
    echo "=== $suite ==="
    t0=$(date +%s)
    if [ "$suite" = upstream/busybox ] && echo " $suites " | grep -q " upstream/python "; then
        (bash tests/upstream/python.sh >"$pyout" 2>&1; echo $? >"$pyout.rc") &
        pypid=$!
    fi
    args=""
    case $suite in
    upstream/*) runner=tests/$suite.sh ;;
    abi-tmpfs) runner=tests/abi/run.sh args="--fs tmpfs" ;;
    abi-volume) runner=tests/abi/run.sh args="--fs volume" ;;
    abi-overlay) runner=tests/abi/run.sh args="--fs overlay" ;;
    apps-redis) runner=tests/apps/redis.sh ;;
    apps-nginx) runner=tests/apps/nginx.sh ;;
    apps-postgres) runner=tests/apps/postgres.sh ;;
    apps-curl) runner=tests/apps/curl.sh ;;
    apps-liburing) runner=tests/apps/liburing.sh ;;
    workflow-lifecycle) runner=tests/workflow/lifecycle.sh ;;
    workflow-identity) runner=tests/workflow/identity.sh ;;
    cli-options) runner=tests/cli/options.sh ;;
    cli-completion) runner=tests/cli/completion.sh ;;
    *) runner=tests/$suite/run.sh ;;
    esac
    if [ "$suite" = abi-norewrite ]; then
        out=$(ALCOVE_REWRITE=0 bash tests/abi/run.sh 2>&1); r=$?
    elif [ "$suite" = upstream/python ] && [ -n "${pypid:-}" ]; then
        wait "$pypid"; out=$(cat "$pyout"); r=$(cat "$pyout.rc" 2>/dev/null || echo 1)
        echo "(ran beside upstream/busybox; the time below is what was left after it)"
    else
        out=$(bash "$runner" $args 2>&1); r=$?
    fi
    printf '%s\n' "$out"
    line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
    p=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p'); f=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
    if [ -z "$line" ]; then echo "$suite: no summary line (runner broke)"; f=1; p=0; fi
    [ $r -ne 0 ] && rc=1
    total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-0}))
    times="$times $suite=$(( $(date +%s) - t0 ))s"
done
echo "=== total ==="
echo "wall time per suite:$times (all: $(( $(date +%s) - t_all ))s)"
echo "$total_p passed, $total_f failed"
[ $total_f -eq 0 ] && [ $rc -eq 0 ]
