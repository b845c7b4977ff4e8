#!/usr/bin/env bash
# tests/workflow/lifecycle.sh - alcove start / exec / stop and alcove package / run --package,
# end to end in a temporary instance (busybox): two concurrent execs share the enclave's
# /tmp, one signals the other by enclave pid, exit statuses and host signals pass through,
# exec --cwd DIR / --env K=V (passthrough or debuggable only; trusted values refused),
# the error cases give one line and their documented status; a package holds no key, runs
# from another directory, and a changed byte of its image is refused by name.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
ALCOVE=${ALCOVE:-build/alcove}
case $ALCOVE in /*) ;; *) ALCOVE=$ROOT/$ALCOVE ;; esac
mkdir -p build/tests
W=$(mktemp -d "$ROOT/build/tests/lifecycle.XXXXXX")
I=$W/inst
cleanup() { "$ALCOVE" stop --force --instance "$I" >/dev/null 2>&1; rm -rf "$W"; }
trap cleanup EXIT
export ALCOVE_STATE_DIR=$W/state ALCOVE_CACHE_DIR=$W/cache
unset ALCOVE_LOG
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
expect() {
    local name=$1 want=$2 re=$3; shift 4
    local err rc
    err=$(timeout -s KILL 60 "$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" = "$want" ] && printf '%s' "$err" | grep -Eq -- "$re"; then ok "$name"
    else bad "$name" "status $rc (want $want), stderr: $(printf '%s' "$err" | head -4 | tr '\n' '|')"; fi
}
X() { timeout -s KILL 60 "$ALCOVE" exec --instance "$I" "$@"; }

"$ALCOVE" new "$I" >/dev/null && (cd "$I" && "$ALCOVE" add /bin/busybox >/dev/null &&
    "$ALCOVE" build >/dev/null 2>&1) || { echo "FAIL setup"; echo "0 passed, 1 failed"; exit 1; }

# ---- errors before start ----------------------------------------------------------------
expect exec_not_running 3 'no enclave of .* is running' -- "$ALCOVE" exec --instance "$I" /bin/busybox true
expect stop_not_running 3 'no enclave of .* is running' -- "$ALCOVE" stop --instance "$I"
expect exec_no_command 2 'no command given' -- "$ALCOVE" exec --instance "$I"

# ---- start ------------------------------------------------------------------------------
out=$(timeout -s KILL 60 "$ALCOVE" start --instance "$I" 2>/dev/null); rc=$?
[ $rc = 0 ] && printf '%s' "$out" | grep -q '^started' && ok start || bad start "status $rc: $out"
expect start_twice 4 'running already' -- "$ALCOVE" start --instance "$I"

# ---- exec ---------------------------------------------------------------------------------
o=$(X /bin/busybox echo hello from exec); rc=$?
[ $rc = 0 ] && [ "$o" = "hello from exec" ] && ok exec_stdout || bad exec_stdout "$rc [$o]"
X /bin/busybox sh -c 'exit 42'; rc=$?
[ $rc = 42 ] && ok exec_exit_status || bad exec_exit_status "status $rc, want 42"
o=$(echo piped-in | X /bin/busybox cat); [ "$o" = piped-in ] && ok exec_stdin || bad exec_stdin "[$o]"
X /bin/busybox sh -c 'echo to-stderr >&2' 2>"$W/err" >/dev/null
grep -qx to-stderr "$W/err" && ok exec_stderr || bad exec_stderr "$(cat "$W/err")"
expect exec_not_entry_point 2 'not an entry point' -- "$ALCOVE" exec --instance "$I" /etc/passwd
expect exec_missing_program 2 'no such program in the image' -- "$ALCOVE" exec --instance "$I" /usr/bin/nothere

# Two concurrent execs: the first waits for a file the second writes in the enclave's /tmp.
X /bin/busybox sh -c 'i=0; while [ ! -f /tmp/from-b ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; cat /tmp/from-b; echo a > /tmp/from-a' > "$W/a.out" &
apid=$!
X /bin/busybox sh -c 'echo written-by-b > /tmp/from-b'
wait $apid; arc=$?
[ $arc = 0 ] && [ "$(cat "$W/a.out")" = written-by-b ] && ok exec_concurrent_share_tmp ||
    bad exec_concurrent_share_tmp "status $arc [$(cat "$W/a.out")]"
o=$(X /bin/busybox cat /tmp/from-a); [ "$o" = a ] && ok exec_later_sees_files || bad exec_later_sees_files "[$o]"
# The tmpfs is the enclave's, not the host's.
[ ! -e /tmp/from-b ] && ok exec_tmp_not_host || bad exec_tmp_not_host "/tmp/from-b on the host"

# One exec's process signals another's by its enclave pid.
X /bin/busybox sh -c 'echo $$ > /tmp/c.pid; exec sleep 30' &
cpid=$!
X /bin/busybox sh -c 'i=0; while [ ! -s /tmp/c.pid ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; kill -TERM $(cat /tmp/c.pid)'
krc=$?
wait $cpid; crc=$?
[ $krc = 0 ] && [ $crc = 143 ] && ok exec_signal_by_enclave_pid || bad exec_signal_by_enclave_pid "kill $krc, victim $crc (want 143)"
# Both in one process table: ps in a third exec sees the sleeper of a fourth.
"$ALCOVE" exec --instance "$I" /bin/busybox sleep 20 &
spid=$!
sleep 0.5
o=$(X /bin/busybox ps)
printf '%s\n' "$o" | grep -q 'sleep 20' && printf '%s\n' "$o" | grep -q init && ok exec_one_process_table ||
    bad exec_one_process_table "$(printf '%s' "$o" | tr '\n' '|')"
# A host SIGINT to `alcove exec` reaches its process.
kill -INT $spid
wait $spid; src=$?
[ $src = 130 ] && ok exec_sigint_passed_on || bad exec_sigint_passed_on "status $src (want 130)"

# ---- exec --cwd / --env ---------------------------------------------------------------------
o=$(X --cwd /etc /bin/busybox pwd); rc=$?
[ $rc = 0 ] && [ "$o" = /etc ] && ok exec_cwd || bad exec_cwd "$rc [$o]"
o=$(X --cwd /usr/bin /bin/busybox sh -c 'ls busybox'); [ "$o" = busybox ] && ok exec_cwd_relative_paths || bad exec_cwd_relative_paths "[$o]"
o=$(X /bin/busybox pwd); [ "$o" = / ] && ok exec_cwd_default_config || bad exec_cwd_default_config "[$o]"
expect exec_cwd_missing 125 '/nothere: no such working directory in the enclave' -- "$ALCOVE" exec --instance "$I" --cwd /nothere /bin/busybox true
expect exec_cwd_not_dir 125 '/etc/passwd: cannot be the working directory: not a directory' -- "$ALCOVE" exec --instance "$I" --cwd /etc/passwd /bin/busybox true
expect exec_cwd_relative 2 'absolute path' -- "$ALCOVE" exec --instance "$I" --cwd etc /bin/busybox true
expect exec_cwd_no_value 2 'needs a value' -- "$ALCOVE" exec --instance "$I" --cwd
o=$(X --env FOO=bar --env A=1 --env A=2 /bin/busybox env)
printf '%s\n' "$o" | grep -qx FOO=bar && [ "$(printf '%s\n' "$o" | grep -c '^A=')" = 1 ] &&
    printf '%s\n' "$o" | grep -qx A=2 && ok exec_env || bad exec_env "$(printf '%s' "$o" | tr '\n' ' ')"
o=$(TERM=vt100 X --env TERM=dumb /bin/busybox env)
[ "$(printf '%s\n' "$o" | grep '^TERM=')" = TERM=dumb ] && ok exec_env_overrides_passthrough ||
    bad exec_env_overrides_passthrough "$(printf '%s' "$o" | grep TERM | tr '\n' ' ')"
expect exec_env_trusted_refused 2 '--env HOME: a trusted value' -- "$ALCOVE" exec --instance "$I" --env HOME=/x /bin/busybox true
expect exec_env_bad 2 "bad --env 'nokv'" -- "$ALCOVE" exec --instance "$I" --env nokv /bin/busybox true
o=$(X --cwd /tmp --env X=y -- /bin/busybox sh -c 'echo $PWD $X'); [ "$o" = "/tmp y" ] && ok exec_cwd_env_dashdash || bad exec_cwd_env_dashdash "[$o]"

# ---- stop ---------------------------------------------------------------------------------
X /bin/busybox sleep 30 > /dev/null &
lpid=$!
sleep 0.5
timeout -s KILL 60 "$ALCOVE" stop --instance "$I" >/dev/null 2>&1; rc=$?
wait $lpid; lrc=$?
[ $rc = 0 ] && [ $lrc = 143 ] && ok stop_terminates_processes || bad stop_terminates_processes "stop $rc, exec $lrc (want 0, 143)"
expect exec_after_stop 3 'no enclave' -- "$ALCOVE" exec --instance "$I" /bin/busybox true
# start again, then --force.
timeout -s KILL 60 "$ALCOVE" start --instance "$I" >/dev/null 2>&1 && ok start_again || bad start_again "status $?"
X /bin/busybox sleep 30 > /dev/null 2>&1 &
fpid=$!
sleep 0.5
timeout -s KILL 60 "$ALCOVE" stop --force --instance "$I" >/dev/null 2>&1; rc=$?
wait $fpid; frc=$?
[ $rc = 0 ] && [ $frc = 125 ] && ok stop_force || bad stop_force "stop $rc, exec $frc (want 0, 125)"
expect stop_after_force 3 'no enclave' -- "$ALCOVE" stop --instance "$I"

# ---- package --------------------------------------------------------------------------------
P=$W/app.tar
if (cd "$I" && "$ALCOVE" package -o "$P" >/dev/null) && [ -f "$P" ]; then ok package
else bad package "status $?"; fi
names=$(tar -tf "$P" | sort | tr '\n' ' ')
[ "$names" = "alcove.json bin/alcove bin/alcove-direct build/identity.json build/image.img " ] &&
    ok package_members || bad package_members "$names"
! tar -tf "$P" | grep -Eqi 'key|volumes' && ok package_no_key || bad package_no_key "$(tar -tf "$P" | grep -i key)"
# The signing key's bytes appear nowhere in the package.
if ! python3 - "$I/dev-signing.key" "$P" <<'PY'
import sys
k = open(sys.argv[1], "rb").read()
sys.exit(0 if k in open(sys.argv[2], "rb").read() else 1)
PY
then ok package_no_signing_key_bytes; else bad package_no_signing_key_bytes "the key is in the tarball"; fi
(cd "$I" && "$ALCOVE" package -o "$W/app2.tar" >/dev/null)
cmp -s "$P" "$W/app2.tar" && ok package_reproducible || bad package_reproducible "two packages differ"
o=$(cd / && timeout -s KILL 60 "$ALCOVE" run --package "$P" /bin/busybox echo from the package 2>/dev/null); rc=$?
[ $rc = 0 ] && [ "$o" = "from the package" ] && ok run_package_elsewhere || bad run_package_elsewhere "$rc [$o]"
(cd / && timeout -s KILL 60 "$ALCOVE" run --package "$P" /bin/busybox sh -c 'exit 9' 2>/dev/null); rc=$?
[ $rc = 9 ] && ok run_package_status || bad run_package_status "status $rc"
expect run_package_entry_points 2 'not an entry point' -- "$ALCOVE" run --package "$P" /etc/passwd
# The launcher inside the package runs the package on a machine without Alcove.
mkdir -p "$W/deploy" && (cd "$W/deploy" && tar -xf "$P" bin/alcove)
o=$(cd "$W/deploy" && timeout -s KILL 60 ./bin/alcove run --package "$P" /bin/busybox echo packaged launcher 2>/dev/null)
[ "$o" = "packaged launcher" ] && ok run_package_own_launcher || bad run_package_own_launcher "[$o]"
# A changed byte of the packaged image is refused, by name.
cp "$P" "$W/tampered.tar"
python3 - "$W/tampered.tar" <<'PY'
import sys, tarfile
t = tarfile.open(sys.argv[1]); m = t.getmember("build/image.img"); t.close()
with open(sys.argv[1], "r+b") as f:
    f.seek(m.offset_data + m.size // 3); b = f.read(1); f.seek(-1, 1); f.write(bytes([b[0] ^ 1]))
PY
expect run_package_tampered_image 2 'image changed since build' -- "$ALCOVE" run --package "$W/tampered.tar" /bin/busybox true
cp "$P" "$W/tampered2.tar"
python3 - "$W/tampered2.tar" <<'PY'
import sys, tarfile
t = tarfile.open(sys.argv[1]); m = t.getmember("alcove.json"); t.close()
with open(sys.argv[1], "r+b") as f:
    f.seek(m.offset_data); d = f.read(m.size); i = d.index(b'"warn"')
    f.seek(m.offset_data + i); f.write(b'"info"')
PY
expect run_package_tampered_config 2 'config changed since build' -- "$ALCOVE" run --package "$W/tampered2.tar" /bin/busybox true
printf 'junk' > "$W/junk.tar"
expect run_package_not_tar 2 'not a readable tar|cannot unpack|lacks' -- "$ALCOVE" run --package "$W/junk.tar" /bin/busybox true
# An archive with an extra member is refused before anything is extracted.
mkdir -p "$W/x" && (cd "$W/x" && tar -xf "$P" && echo evil > extra && tar -cf "$W/extra.tar" alcove.json bin build extra)
expect run_package_extra_member 2 'unexpected member' -- "$ALCOVE" run --package "$W/extra.tar" /bin/busybox true

echo "$pass passed, $fail failed"
[ $fail = 0 ]
