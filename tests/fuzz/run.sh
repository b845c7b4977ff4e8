#!/usr/bin/env bash
# Random-syscall run under Alcove (tests/fuzz/fuzz.c): every call number 0..460 with random
# and hostile arguments, from a fixed seed.  Passes when every round's child was reaped, the
# enclave exited 0 and printed the end marker within the time limit (no LibOS crash, no
# hang) and no host process of the enclave is left behind.
# usage: tests/fuzz/run.sh [ROUNDS [CALLS [SEED]]]   (defaults 120 500 0x2545f4914f6cdd1d)
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ALCOVE=${ALCOVE:-$REPO/build/alcove}
OUT=$REPO/build/tests/fuzz
ROUNDS=${1:-120} CALLS=${2:-500} SEED=${3:-0x2545f4914f6cdd1d}
mkdir -p "$OUT"
gcc -O1 -static -o "$OUT/fuzz" "$HERE/fuzz.c" || { echo "0 passed, 1 failed"; exit 1; }
S=$(mktemp -d)
trap 'rm -rf "$S"' EXIT
timeout -k 5 ${FUZZ_TIMEOUT:-120} "$ALCOVE" run --root / --mount "$S:/scratch:rw" --cwd /scratch \
    -- "$OUT/fuzz" "$ROUNDS" "$CALLS" "$SEED" >"$OUT/out" 2>"$OUT/err"
rc=$?
cat "$OUT/out" | grep -v '^[0-9]* passed, [0-9]* failed$'
fail=0
if [ $rc -ne 0 ]; then echo "FAIL: enclave exit status $rc"; fail=1; fi
grep -q '^FUZZ END$' "$OUT/out" || { echo "FAIL: no end marker (LibOS crash or hang)"; fail=1; }
if grep -qiE 'panic|libos fault|BUG' "$OUT/err"; then echo "FAIL: LibOS error in $OUT/err"; grep -iE 'panic|fault|BUG' "$OUT/err" | head -5; fail=1; fi
left=$(pgrep -f "$OUT/fuzz" | wc -l)
if [ "$left" -ne 0 ]; then echo "FAIL: $left host processes left behind"; fail=1; fi
p=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1/p' "$OUT/out"); f=$(sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\2/p' "$OUT/out")
echo "${p:-0} passed, $(( ${f:-0} + fail )) failed"
[ $fail -eq 0 ] && [ "${f:-1}" = 0 ]
