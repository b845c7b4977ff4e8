#!/usr/bin/env bash
# tests/workflow/identity.sh - the core's own identity check (libos/kernel/identity.c).
# A built busybox instance; ALCOVE_LAUNCHER_CHECK=0 plays a host that bypasses the
# launcher's checks, so each tampering (config, image, identity document, signature, core)
# must be refused by the core itself with the line naming it; untampered runs pass, and a
# byte of the core file the kernel never maps (.comment) is refused by the launcher only.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
ALCOVE=${ALCOVE:-build/alcove}
case $ALCOVE in /*) ;; *) ALCOVE=$ROOT/$ALCOVE ;; esac
CORE=$(dirname "$ALCOVE")/alcove-direct
mkdir -p build/tests
W=$(mktemp -d "$ROOT/build/tests/identity.XXXXXX")
I=$W/inst
cleanup() { "$ALCOVE" stop --force --instance "$I" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
export ALCOVE_STATE_DIR=$W/state
unset ALCOVE_LOG ALCOVE_LAUNCHER_CHECK ALCOVE_CORE
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
# expect NAME STATUS REGEX -- command...: exit status and a stderr line matching REGEX.
expect() {
    local name=$1 want=$2 re=$3; shift 4
    local err rc
    err=$(cd "$I" && timeout -s KILL 60 "$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" = "$want" ] && printf '%s' "$err" | grep -Eq -- "$re"; then ok "$name"
    else bad "$name" "status $rc (want $want), stderr: $(printf '%s' "$err" | head -5 | tr '\n' '|')"; fi
}
# runs NAME [env...]: `alcove run /bin/busybox echo ok` prints ok and exits 0.
runs() {
    local name=$1; shift
    local o rc
    o=$(cd "$I" && env "$@" timeout -s KILL 60 "$ALCOVE" run /bin/busybox echo ok 2>"$W/err"); rc=$?
    [ $rc = 0 ] && [ "$o" = ok ] && ok "$name" || bad "$name" "status $rc [$o] $(head -3 "$W/err" | tr '\n' '|')"
}
NOCHECK="ALCOVE_LAUNCHER_CHECK=0"
CORE_SAYS='^alcove: identity check'

"$ALCOVE" new "$I" >/dev/null && (cd "$I" && "$ALCOVE" add /bin/busybox >/dev/null &&
    "$ALCOVE" build >/dev/null 2>&1) || { echo "FAIL setup"; echo "0 passed, 1 failed"; exit 1; }
cp "$I/alcove.json" "$W/cfg.orig"; cp "$I/build/identity.json" "$W/id.orig"
cp "$I/build/image.img" "$W/image.orig"

# ---- untampered ---------------------------------------------------------------------------
runs run_untampered
runs run_untampered_core_checks_alone $NOCHECK
expect core_says_verified 0 'identity check: core, config and image root match the signed identity \(measurement [0-9a-f]{64}\)' \
    -- env ALCOVE_LOG=info "$ALCOVE" run /bin/busybox true
m=$("$ALCOVE" measure --instance "$I" 2>/dev/null | sed -n 's/^measurement: //p')
expect core_measurement_is_signed 0 "measurement $m" -- env ALCOVE_LOG=info "$ALCOVE" run /bin/busybox true
# Development runs carry no identity: nothing to check, no message.
e=$(ALCOVE_LOG=info timeout 60 "$ALCOVE" run --image "$I/build/image.img" /bin/busybox true 2>&1)
! printf '%s' "$e" | grep -q 'identity check' && ok dev_run_no_identity_check || bad dev_run_no_identity_check "$e"

# ---- config ---------------------------------------------------------------------------------
sed 's/"hostname": "alcove"/"hostname": "alcovf"/' "$W/cfg.orig" > "$I/alcove.json"
expect tamper_config_launcher 2 'config changed since build' -- "$ALCOVE" run /bin/busybox true
expect tamper_config_core 125 "$CORE_SAYS: the config differs from the signed identity: sha256 [0-9a-f]{64}, signed [0-9a-f]{64}" \
    -- env $NOCHECK "$ALCOVE" run /bin/busybox true
expect tamper_config_core_refuses 125 'identity check failed; refusing to start' -- env $NOCHECK "$ALCOVE" run /bin/busybox true
cp "$W/cfg.orig" "$I/alcove.json"

# ---- image ----------------------------------------------------------------------------------
cp -a "$I/image" "$W/image2" && echo extra > "$W/image2/etc/extra" &&
    "$ALCOVE" image pack "$W/image2" -o "$I/build/image.img" --force --all-root >/dev/null 2>&1
expect tamper_image_launcher 2 'image changed since build \(root hash' -- "$ALCOVE" run /bin/busybox true
expect tamper_image_core 125 "$CORE_SAYS: the image root differs from the signed identity" \
    -- env $NOCHECK "$ALCOVE" run /bin/busybox true
cp "$W/image.orig" "$I/build/image.img"

# ---- the identity document and its signature -------------------------------------------------
sed -i 's/"security_version": 0/"security_version": 1/' "$I/build/identity.json"
expect tamper_identity_launcher 2 'signature does not verify' -- "$ALCOVE" run /bin/busybox true
expect tamper_identity_core 125 "$CORE_SAYS: the Ed25519 signature of the identity does not verify" \
    -- env $NOCHECK "$ALCOVE" run /bin/busybox true
cp "$W/id.orig" "$I/build/identity.json"
# A component digest edited (the configuration of another build): the signature breaks.
python3 - "$I/build/identity.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); c = d["components"]["config_sha256"]
d["components"]["config_sha256"] = ("0" if c[0] != "0" else "1") + c[1:]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
expect tamper_identity_digest_core 125 "$CORE_SAYS: the Ed25519 signature of the identity does not verify" \
    -- env $NOCHECK "$ALCOVE" run /bin/busybox true
cp "$W/id.orig" "$I/build/identity.json"
python3 - "$I/build/identity.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); s = d["signature"]
d["signature"] = s[:10] + ("0" if s[10] != "0" else "1") + s[11:]
json.dump(d, open(sys.argv[1], "w"), indent=2)
PY
expect tamper_signature_launcher 2 'signature does not verify' -- "$ALCOVE" run /bin/busybox true
expect tamper_signature_core 125 "$CORE_SAYS: the Ed25519 signature of the identity does not verify" \
    -- env $NOCHECK "$ALCOVE" run /bin/busybox true
cp "$W/id.orig" "$I/build/identity.json"

# ---- the core ---------------------------------------------------------------------------------
# One byte of a message in .rodata (mapped, never used by this run), one of .comment (not
# mapped): the first changes the core as loaded, the second only the file.
python3 - "$CORE" "$W/core.ro" "$W/core.cm" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
r = bytearray(b); i = r.index(b"Too many levels of symbolic links"); r[i] ^= 0x20
open(sys.argv[2], "wb").write(r)
c = bytearray(b); i = c.index(b"GCC: "); c[i] ^= 0x20
open(sys.argv[3], "wb").write(c)
PY
chmod +x "$W/core.ro" "$W/core.cm"
expect tamper_core_launcher 2 'core binary changed since build' -- env ALCOVE_CORE="$W/core.ro" "$ALCOVE" run /bin/busybox true
expect tamper_core_core 125 "$CORE_SAYS: the core as loaded differs from the signed identity: sha256 [0-9a-f]{64}, signed [0-9a-f]{64}" \
    -- env $NOCHECK ALCOVE_CORE="$W/core.ro" "$ALCOVE" run /bin/busybox true
expect unmapped_core_byte_launcher 2 'core binary changed since build' -- env ALCOVE_CORE="$W/core.cm" "$ALCOVE" run /bin/busybox true
runs unmapped_core_byte_core_accepts $NOCHECK ALCOVE_CORE="$W/core.cm"

# ---- several differences at once: each named ----------------------------------------------------
sed 's/"hostname": "alcove"/"hostname": "alcovf"/' "$W/cfg.orig" > "$I/alcove.json"
e=$(cd "$I" && ALCOVE_LAUNCHER_CHECK=0 ALCOVE_CORE="$W/core.ro" timeout 60 "$ALCOVE" run /bin/busybox true 2>&1); rc=$?
if [ $rc = 125 ] && printf '%s' "$e" | grep -q 'the core as loaded differs' &&
   printf '%s' "$e" | grep -q 'the config differs'; then ok tamper_two_named
else bad tamper_two_named "status $rc: $(printf '%s' "$e" | tr '\n' '|')"; fi
cp "$W/cfg.orig" "$I/alcove.json"

# ---- start: the long-lived enclave's core checks too --------------------------------------------
sed 's/"hostname": "alcove"/"hostname": "alcovf"/' "$W/cfg.orig" > "$I/alcove.json"
e=$(timeout -s KILL 60 env $NOCHECK "$ALCOVE" start --instance "$I" 2>&1); rc=$?
"$ALCOVE" stop --force --instance "$I" >/dev/null 2>&1
if [ $rc != 0 ] && printf '%s' "$e" | grep -q 'the config differs'; then ok start_tamper_config_core
else bad start_tamper_config_core "status $rc: $(printf '%s' "$e" | tr '\n' '|')"; fi
cp "$W/cfg.orig" "$I/alcove.json"
out=$(timeout -s KILL 60 "$ALCOVE" start --instance "$I" 2>/dev/null); rc=$?
o=$(timeout -s KILL 60 "$ALCOVE" exec --instance "$I" /bin/busybox echo in-started 2>/dev/null)
"$ALCOVE" stop --instance "$I" >/dev/null 2>&1
[ $rc = 0 ] && [ "$o" = in-started ] && ok start_untampered || bad start_untampered "status $rc [$out] [$o]"
runs run_after_restore

echo "$pass passed, $fail failed"
[ $fail = 0 ]
