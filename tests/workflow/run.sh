#!/usr/bin/env bash
# tests/workflow/run.sh - the instance workflow end to end: alcove new -> add -> build ->
# run (output compared with a native run) -> rebuild (same measurement) -> tampering with the
# config, the image or the core makes run refuse, naming what changed; config errors
# (line:column, unknown key with a suggestion, wrong type by key path); add of a missing
# program or library.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
ALCOVE=${ALCOVE:-build/alcove}
case $ALCOVE in /*) ;; *) ALCOVE=$ROOT/$ALCOVE ;; esac
mkdir -p build/tests
W=$(mktemp -d "$ROOT/build/tests/workflow.XXXXXX")
trap 'rm -rf "$W"' EXIT
export ALCOVE_STATE_DIR=$W/state
unset ALCOVE_LOG
pass=0; fail=0; skip=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# expect NAME STATUS REGEX -- command...: exit status and a stderr line matching REGEX.
expect() {
    local name=$1 want=$2 re=$3; shift 4
    local err rc
    err=$(timeout -s KILL 60 "$@" 2>&1 >/dev/null); rc=$?
    if [ "$rc" = "$want" ] && printf '%s' "$err" | grep -Eq -- "$re"; then ok "$name"
    else bad "$name" "status $rc (want $want), stderr: $(printf '%s' "$err" | head -4 | tr '\n' '|')"; fi
}
# same NAME "native command" "enclave command...": stdout and exit status equal.
same() {
    local name=$1 native=$2; shift 2
    local n e nrc erc
    n=$(bash -c "$native" 2>/dev/null); nrc=$?
    e=$(timeout -s KILL 60 "$@" 2>/dev/null); erc=$?
    if [ "$n" = "$e" ] && [ $nrc = $erc ] && [ -n "$n" ]; then ok "$name"
    else bad "$name" "native ($nrc) [$(printf '%s' "$n" | head -3)] vs enclave ($erc) [$(printf '%s' "$e" | head -3)]"; fi
}
# setcfg FROM PYTHON: alcove.json = FROM with the change c[...] = ... applied.
setcfg() {
    python3 - "$1" alcove.json "$2" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
}
measurement() { "$ALCOVE" measure --instance "$1" 2>/dev/null | sed -n 's/^measurement: //p'; }

I=$W/inst
# ---- new -------------------------------------------------------------------------------
if "$ALCOVE" new "$I" >/dev/null && [ -f "$I/alcove.json" ] && [ -f "$I/README.md" ] &&
   [ -f "$I/image/etc/passwd" ] && [ -f "$I/image/etc/group" ] && [ -f "$I/image/etc/hosts" ] &&
   [ -f "$I/image/etc/nsswitch.conf" ] && [ -f "$I/image/etc/resolv.conf" ] &&
   [ -d "$I/image/tmp" ] && [ "$(readlink "$I/image/bin")" = usr/bin ]; then ok new_layout
else bad new_layout "missing files in $I"; fi
"$ALCOVE" config check "$I/alcove.json" | grep -q ': ok$' && ok new_default_config_valid ||
    bad new_default_config_valid "alcove config check failed on the default config"
mkdir -p "$W/full" && echo x > "$W/full/f"
expect new_refuses_nonempty 1 'not empty' -- "$ALCOVE" new "$W/full"
expect new_refuses_file 1 'Not a directory' -- "$ALCOVE" new "$W/full/f"

# ---- add -------------------------------------------------------------------------------
cd "$I"
if "$ALCOVE" add /bin/busybox /usr/bin/sqlite3 /bin/ls >/dev/null; then ok add_programs
else bad add_programs "exit status $?"; fi
# Every library the host's loader uses for them is in the image, at its host path.
missing=""
for p in /usr/bin/sqlite3 /bin/ls; do
    for lib in $(ldd "$p" | grep -o '/[^ ]*'); do
        [ -e "$I/image$lib" ] || missing="$missing $lib"
    done
done
if [ -z "$missing" ]; then ok add_closure_matches_ldd; else bad add_closure_matches_ldd "missing:$missing"; fi
[ -L "$I/image/usr/lib/x86_64-linux-gnu/libsqlite3.so.0" ] && ok add_keeps_version_links ||
    bad add_keeps_version_links "libsqlite3.so.0 is not a link"
expect add_missing_program 1 'nosuchprog: no such program' -- "$ALCOVE" add nosuchprog
expect add_missing_path 1 '/no/such/file' -- "$ALCOVE" add /no/such/file
# A program whose library is gone: the library is named.
mkdir -p "$W/src/lib" "$W/src/bin"
printf 'int answer(void){return 42;}\n' > "$W/src/a.c"
printf '#include <stdio.h>\nint answer(void);\nint main(void){printf("answer %%d\\n", answer());return 0;}\n' > "$W/src/m.c"
gcc -shared -fPIC -o "$W/src/lib/libanswer.so" "$W/src/a.c"
gcc -o "$W/src/bin/answer" "$W/src/m.c" -L"$W/src/lib" -lanswer -Wl,-rpath,'$ORIGIN/../lib'
gcc -o "$W/src/orphan" "$W/src/m.c" -L"$W/src/lib" -lanswer
expect add_missing_library 1 'orphan needs libanswer.so: not found' -- "$ALCOVE" add "$W/src/orphan"
if "$ALCOVE" add "$W/src/bin/answer" >/dev/null && [ -f "$I/image$W/src/lib/libanswer.so" ]; then
    ok add_origin_runpath
else bad add_origin_runpath "libanswer.so not found through \$ORIGIN"; fi
# A tree: files, a subdirectory, a relative symlink.
mkdir -p "$W/tree/sub" && echo one > "$W/tree/one" && echo two > "$W/tree/sub/two" &&
    ln -s sub/two "$W/tree/link"
"$ALCOVE" add --tree "$W/tree" >/dev/null
if diff -r --no-dereference "$W/tree" "$I/image$W/tree" >/dev/null; then ok add_tree
else bad add_tree "$(diff -r --no-dereference "$W/tree" "$I/image$W/tree" | head -3)"; fi
expect add_tree_missing 1 'not a directory' -- "$ALCOVE" add --tree /no/such/dir
# add --bom: a bill of materials (programs with their closure, files, dirs, links, trees)
mkdir -p "$W/bom/conf/tree/sub"
echo "setting = 1" >"$W/bom/conf/app.conf"
echo leaf >"$W/bom/conf/tree/sub/leaf.txt"
cat >"$W/bom/app.json" <<'JSON'
{
  "dirs": ["/var/lib/app"],
  "programs": [{"path": "/bin/busybox", "to": "/opt/bin"}],
  "files": [{"from": "conf/app.conf", "to": "/etc/app/app.conf"}],
  "links": [{"path": "/opt/bin/sh", "target": "busybox"}]
}
JSON
B=$W/bominst # its own instance: the cases below list $I's image
if "$ALCOVE" new "$B" >/dev/null && (cd "$B" && "$ALCOVE" add --bom "$W/bom/app.json" >"$W/bom.out" 2>&1) &&
   [ -x "$B/image/opt/bin/busybox" ] && [ -d "$B/image/var/lib/app" ] &&
   cmp -s "$W/bom/conf/app.conf" "$B/image/etc/app/app.conf" &&
   [ "$(readlink "$B/image/opt/bin/sh")" = busybox ]; then
    ok add_bom
else
    bad add_bom "$(cat "$W/bom.out")"
fi
# add --nss / --gconv: glibc's dlopen'ed modules (iconv to EBCDIC needs a gconv module)
"$ALCOVE" add --instance "$B" /usr/bin/iconv >/dev/null 2>&1
if "$ALCOVE" add --instance "$B" --nss --gconv >"$W/nss.out" 2>&1 &&
   [ -e "$B/image/usr/lib/x86_64-linux-gnu/libnss_files.so.2" ] &&
   [ -e "$B/image/usr/lib/x86_64-linux-gnu/gconv/IBM037.so" ] &&
   (cd "$B" && "$ALCOVE" build >/dev/null 2>&1) &&
   [ "$(echo hi | (cd "$B" && "$ALCOVE" run /usr/bin/iconv -f UTF-8 -t IBM037 2>/dev/null) | od -An -tx1)" = \
     "$(echo hi | iconv -f UTF-8 -t IBM037 | od -An -tx1)" ]; then
    ok add_nss_gconv_iconv
else
    bad add_nss_gconv_iconv "$(cat "$W/nss.out")"
fi
printf '{"programs": ["/bin/true"], "filez": []}' >"$W/bom/typo.json"
expect add_bom_unknown_key 1 'unknown key "filez"' -- "$ALCOVE" add --instance "$B" --bom "$W/bom/typo.json"
printf '{"files": [{"from": "x", "to": "../etc/x"}]}' >"$W/bom/rel.json"
expect add_bom_relative_guest 1 'files\[0\]: want' -- "$ALCOVE" add --instance "$B" --bom "$W/bom/rel.json"
printf '{"programs": [' >"$W/bom/broken.json"
expect add_bom_bad_json 1 'broken.json:1:' -- "$ALCOVE" add --instance "$B" --bom "$W/bom/broken.json"

expect add_outside_instance 2 'not an instance' -- "$ALCOVE" add --instance "$W" /bin/ls
# Adding again changes nothing (same sizes and mtimes: the same image).
before=$(find "$I/image" -printf '%p %s %T@ %m\n' | sort | sha256sum)
"$ALCOVE" add /bin/busybox /usr/bin/sqlite3 /bin/ls >/dev/null
after=$(find "$I/image" -printf '%p %s %T@ %m\n' | sort | sha256sum)
[ "$before" = "$after" ] && ok add_idempotent || bad add_idempotent "the tree changed"


# ---- build -----------------------------------------------------------------------------
# The $ORIGIN program is started from its host path: make it an entry point.
setcfg alcove.json "c['entry_points'].append('$W/src/bin/answer')"
expect run_before_build 2 'no signed identity' -- "$ALCOVE" run /bin/busybox true
out=$("$ALCOVE" build 2>"$W/build.err"); rc=$?
m1=$(printf '%s\n' "$out" | sed -n 's/^measurement: //p')
if [ $rc = 0 ] && [ ${#m1} = 64 ] && [ -f build/image.img ] && [ -f build/identity.json ]; then ok build
else bad build "status $rc: $(head -3 "$W/build.err")"; fi
grep -q 'signed with a development key' "$W/build.err" && ok build_says_dev_key ||
    bad build_says_dev_key "no warning"
[ "$(stat -c %a dev-signing.key)" = 600 ] && ok dev_key_mode_0600 || bad dev_key_mode_0600 "$(stat -c %a dev-signing.key)"
[ "$(measurement "$I")" = "$m1" ] && ok measure_prints_build || bad measure_prints_build "$(measurement "$I") != $m1"

# ---- run: output equals native ------------------------------------------------------------
same run_busybox_echo "/bin/busybox echo hello enclave" "$ALCOVE" run /bin/busybox echo hello enclave
# the config's hostname is the enclave's uname nodename (default "alcove")
hn=$("$ALCOVE" run /bin/busybox uname -n 2>/dev/null)
if [ "$hn" = alcove ]; then ok run_config_hostname; else bad run_config_hostname "uname -n gave '$hn'"; fi
hn=$("$ALCOVE" run --root / --hostname box-7 /bin/busybox hostname 2>/dev/null)
if [ "$hn" = box-7 ]; then ok run_hostname_option; else bad run_hostname_option "hostname gave '$hn'"; fi
expect run_hostname_too_long 2 'wants 1 to 64 bytes' -- "$ALCOVE" run --root / --hostname "$(printf 'h%.0s' $(seq 1 65))" /bin/true
same run_busybox_sh "/bin/busybox sh -c 'echo \$((6 * 7)); exit 3'" "$ALCOVE" run /bin/busybox sh -c 'echo $((6 * 7)); exit 3'
same run_sqlite3 "sqlite3 :memory: 'create table t(a); insert into t values (1),(2),(40); select sum(a), count(*) from t;'" \
    "$ALCOVE" run sqlite3 :memory: 'create table t(a); insert into t values (1),(2),(40); select sum(a), count(*) from t;'
same run_ls_etc "cd '$I/image/etc' && ls -l --time-style=+%s -n" "$ALCOVE" run /bin/ls -l --time-style=+%s -n /etc
same run_origin_lib "'$W/src/bin/answer'" "$ALCOVE" run "$W/src/bin/answer"
same run_instance_option "/bin/busybox echo from elsewhere" bash -c "cd / && '$ALCOVE' run --instance '$I' /bin/busybox echo from elsewhere"
# env: trusted values given, passthrough only for listed names.
e=$(TERM=vt100 SECRET=x "$ALCOVE" run /bin/busybox env 2>/dev/null)
if printf '%s\n' "$e" | grep -qx 'TERM=vt100' && printf '%s\n' "$e" | grep -qx 'HOME=/root' &&
   ! printf '%s\n' "$e" | grep -q SECRET; then ok run_env_trusted_passthrough
else bad run_env_trusted_passthrough "$(printf '%s' "$e" | tr '\n' ' ')"; fi
expect run_not_in_image 2 'no such program in the image' -- "$ALCOVE" run /usr/bin/nothere
expect run_host_options_refused 2 'options come from alcove.json' -- "$ALCOVE" run --env A=B /bin/ls

# ---- rebuild: the same measurement ---------------------------------------------------------
m2=$("$ALCOVE" build 2>/dev/null | sed -n 's/^measurement: //p')
[ -n "$m2" ] && [ "$m2" = "$m1" ] && ok rebuild_same_measurement || bad rebuild_same_measurement "$m1 then $m2"
# Whitespace is not meaning: the canonical config (and the measurement) stay.
cp alcove.json "$W/cfg.orig"
sed 's/^  /    /' "$W/cfg.orig" > alcove.json
same run_whitespace_only_change "/bin/busybox echo still" "$ALCOVE" run /bin/busybox echo still
cp "$W/cfg.orig" alcove.json

# ---- entry points ------------------------------------------------------------------------
setcfg "$W/cfg.orig" 'c["entry_points"] = ["/usr/bin/sqlite3"]'
"$ALCOVE" build >/dev/null 2>&1
expect run_not_entry_point 2 '/bin/busybox is not an entry point' -- "$ALCOVE" run /bin/busybox true
same run_default_entry "echo 'select 6*7;' | sqlite3" bash -c "echo 'select 6*7;' | '$ALCOVE' run"
same run_entry_via_usrmerge "sqlite3 :memory: 'select 5;'" "$ALCOVE" run /bin/sqlite3 :memory: 'select 5;'
m3=$(measurement "$I")
[ -n "$m3" ] && [ "$m3" != "$m1" ] && ok config_change_changes_measurement || bad config_change_changes_measurement "$m3"
setcfg "$W/cfg.orig" 'c["entry_points"] = ["/usr/bin/nothere"]'
expect build_missing_entry 1 'entry_points\[0\]: /usr/bin/nothere is not a file in image/' -- "$ALCOVE" build
cp "$W/cfg.orig" alcove.json
"$ALCOVE" build >/dev/null 2>&1

# ---- tampering after build -------------------------------------------------------------------
sed 's/"hostname": "alcove"/"hostname": "alcovf"/' "$W/cfg.orig" > alcove.json
expect tamper_config 2 'config changed since build' -- "$ALCOVE" run /bin/busybox true
cp "$W/cfg.orig" alcove.json
cp build/image.img "$W/image.orig"
python3 - build/image.img <<'PY'
import sys
f = open(sys.argv[1], "r+b"); f.seek(8192 + 100); b = f.read(1); f.seek(8192 + 100)
f.write(bytes([b[0] ^ 1])); f.close()
PY
expect tamper_image_byte 2 'image changed since build' -- "$ALCOVE" run /bin/busybox true
cp "$W/image.orig" build/image.img
cp -a image "$W/image2" && echo extra > "$W/image2/etc/extra" &&
    "$ALCOVE" image pack "$W/image2" -o build/image.img --force --all-root >/dev/null 2>&1
expect tamper_image_repacked 2 'image changed since build \(root hash' -- "$ALCOVE" run /bin/busybox true
cp "$W/image.orig" build/image.img
cp "$(dirname "$ALCOVE")/alcove-direct" "$W/core" && printf 'x' >> "$W/core"
expect tamper_core 2 'core binary changed since build' -- env ALCOVE_CORE="$W/core" "$ALCOVE" run /bin/busybox true
cp build/identity.json "$W/id.orig"
sed -i 's/"security_version": 0/"security_version": 1/' build/identity.json
expect tamper_identity 2 'signature does not verify' -- "$ALCOVE" run /bin/busybox true
cp "$W/id.orig" build/identity.json
same run_after_restore "/bin/busybox echo restored" "$ALCOVE" run /bin/busybox echo restored

echo more >> image/etc/hosts
expect image_dir_edited_after_build 2 'image/ changed since build' -- "$ALCOVE" run /bin/busybox true
"$ALCOVE" build >/dev/null 2>&1
same run_after_rebuild "cat '$I/image/etc/hosts'" "$ALCOVE" run /bin/busybox cat /etc/hosts

# ---- a real signing key ----------------------------------------------------------------------
m4=$(measurement "$I")
"$ALCOVE" volume keygen "$W/sign.key" >/dev/null
out=$("$ALCOVE" build --sign-key "$W/sign.key" 2>"$W/build.err")
s1=$(printf '%s\n' "$out" | sed -n 's/^signer: //p')
s2=$("$ALCOVE" measure 2>/dev/null | sed -n 's/^signer: //p')
if [ ${#s1} = 64 ] && [ "$s2" = "$s1" ] && ! grep -q 'development key' "$W/build.err"; then ok build_sign_key
else bad build_sign_key "signer '$s1' / '$s2', $(head -2 "$W/build.err")"; fi
[ "$(printf '%s\n' "$out" | sed -n 's/^measurement: //p')" = "$m4" ] && ok signer_not_in_measurement ||
    bad signer_not_in_measurement "the measurement changed with the key"
head -c 10 /dev/zero > "$W/short.key"
expect build_bad_sign_key 1 'a signing key is 32 bytes' -- "$ALCOVE" build --sign-key "$W/short.key"

# ---- config errors -------------------------------------------------------------------------
C=$W/c.json
printf '{\n  "product_id": 1,\n  "hostname" "x"\n}\n' > "$C"
expect config_bad_json 1 "c.json:3:[0-9]+: ':' expected" -- "$ALCOVE" config check "$C"
printf '{"resource_limit": {}}\n' > "$C"
expect config_unknown_top 1 'resource_limit: unknown key \(did you mean "resource_limits"\?\)' -- "$ALCOVE" config check "$C"
printf '{"resource_limits": {"user_memroy": "1G"}}\n' > "$C"
expect config_unknown_nested 1 'resource_limits.user_memroy: unknown key \(did you mean "user_memory"\?\)' -- "$ALCOVE" config check "$C"
printf '{"zzzzzzzz": 1}\n' > "$C"
expect config_unknown_far 1 'zzzzzzzz: unknown key \(valid keys here: product_id' -- "$ALCOVE" config check "$C"
printf '{"resource_limits": {"user_memory": "lots"}}\n' > "$C"
expect config_wrong_size 1 'resource_limits.user_memory: expected a size like "512M"' -- "$ALCOVE" config check "$C"
printf '{"debuggable": "yes"}\n' > "$C"
expect config_wrong_bool 1 'debuggable: expected true or false' -- "$ALCOVE" config check "$C"
printf '{"mounts": {"volumes": [{"name": "d", "path": "/d", "readonly": 1}]}}\n' > "$C"
expect config_wrong_nested_type 1 'mounts.volumes\[0\].readonly: expected true or false' -- "$ALCOVE" config check "$C"
printf '{"resource_limits": {"max_processes": 0}}\n' > "$C"
expect config_impossible_limit 1 'resource_limits.max_processes: 0 is impossible' -- "$ALCOVE" config check "$C"
printf '{"resource_limits": {"user_memory": "1K"}}\n' > "$C"
expect config_impossible_memory 1 'resource_limits.user_memory: 1024 bytes is impossible' -- "$ALCOVE" config check "$C"
printf '{"entry_points": ["bin/sh"]}\n' > "$C"
expect config_relative_entry 1 'entry_points\[0\]: "bin/sh" is not an absolute path' -- "$ALCOVE" config check "$C"
printf '{"env": {"trusted": {"A": "1"}, "passthrough": ["A"]}}\n' > "$C"
expect config_env_conflict 1 'env.passthrough\[0\]: "A" is also in env.trusted' -- "$ALCOVE" config check "$C"
printf '{"product_id": 1, "product_id": 2}\n' > "$C"
expect config_duplicate_key 1 'duplicate object key' -- "$ALCOVE" config check "$C"
printf '[1]\n' > "$C"
expect config_not_object 1 'must be a JSON object' -- "$ALCOVE" config check "$C"
expect config_missing_file 1 'unable to open' -- "$ALCOVE" config check "$W/nonexistent.json"
cp "$W/cfg.orig" alcove.json
printf '{"resource_limits": {"max_threads": "many"}}\n' > alcove.json
expect build_rejects_bad_config 1 'resource_limits.max_threads: expected an integer' -- "$ALCOVE" build
cp "$W/cfg.orig" alcove.json

# ---- bad input never crashes: mutated configs, identities, ELF files -------------------------
python3 - "$W/cfg.orig" "$W/fz" <<'PY'
import os, random, sys
random.seed(11)
src = open(sys.argv[1], "rb").read()
os.makedirs(sys.argv[2], exist_ok=True)
for i in range(300):
    b = bytearray(src)
    for _ in range(random.randint(1, 4)):
        op, p = random.randint(0, 2), random.randrange(len(b))
        if op == 0: b[p] = random.randrange(256)
        elif op == 1: del b[p:p + random.randint(1, 20)]
        else: b[p:p] = random.choice([b'"', b'{', b']', b',', b'-1', b'1e999', b'"\\u0000"', b'null', b'[]', b'{}', b'99999999999999999999'])
    open(os.path.join(sys.argv[2], "c%03d.json" % i), "wb").write(b)
PY
crash=""
for f in "$W"/fz/c*.json; do
    timeout 10 "$ALCOVE" config check "$f" >/dev/null 2>&1; rc=$?
    [ $rc = 0 ] || [ $rc = 1 ] || crash="$crash $(basename "$f"):$rc"
done
[ -z "$crash" ] && ok fuzz_config_300 || bad fuzz_config_300 "statuses:$crash"
cp build/identity.json "$W/id.orig"
crash=""
for i in $(seq 1 60); do
    python3 - "$W/id.orig" build/identity.json $i <<'PY'
import random, sys
random.seed(int(sys.argv[3]))
b = bytearray(open(sys.argv[1], "rb").read())
p = random.randrange(len(b)); b[p] = random.randrange(32, 127)
open(sys.argv[2], "wb").write(b)
import json
try:
    same = json.loads(bytes(b)) == json.load(open(sys.argv[1]))
except ValueError:
    same = False
sys.exit(3 if same else 0)
PY
    [ $? = 3 ] && continue    # the same document (a newline became a space): still valid
    timeout 10 "$ALCOVE" measure >/dev/null 2>&1; rc=$?
    [ $rc = 1 ] || crash="$crash $i:$rc"
done
cp "$W/id.orig" build/identity.json
[ -z "$crash" ] && ok fuzz_identity_refused || bad fuzz_identity_refused "accepted or crashed:$crash"
crash=""
for n in 16 64 100 500 2000 20000; do
    head -c $n /bin/ls > "$W/trunc$n"; chmod +x "$W/trunc$n"
    timeout 10 "$ALCOVE" add "$W/trunc$n" >/dev/null 2>"$W/trunc.err"; rc=$?
    [ $rc -lt 2 ] || crash="$crash $n:$rc"
done
python3 - /bin/ls "$W/garbled" <<'PY'
import random, sys
random.seed(3)
b = bytearray(open(sys.argv[1], "rb").read())
for p in range(64, 64 + 56 * 13):      # the program headers
    if random.random() < 0.3: b[p] = random.randrange(256)
open(sys.argv[2], "wb").write(b)
PY
timeout 10 "$ALCOVE" add "$W/garbled" >/dev/null 2>&1; rc=$?
[ $rc -lt 2 ] || crash="$crash garbled:$rc"
[ -z "$crash" ] && ok add_corrupt_elf_no_crash || bad add_corrupt_elf_no_crash "$crash"
expect add_truncated_elf_named 1 'trunc20000: corrupt' -- "$ALCOVE" add "$W/trunc20000"

# ---- volumes: created at build (key 0600), kept at rebuild ---------------------------------
setcfg "$W/cfg.orig" 'c["mounts"]["volumes"] = [{"name": "data", "path": "/data", "size": "1M"}]'
mkdir -p image/data
if "$ALCOVE" build >/dev/null 2>&1 && [ -f volumes/data.vol ] && [ "$(stat -c %a volumes/key)" = 600 ]; then
    ok build_creates_volume
else bad build_creates_volume "no volumes/data.vol or key mode $(stat -c %a volumes/key 2>/dev/null)"; fi
v1=$(sha256sum volumes/data.vol)
"$ALCOVE" build >/dev/null 2>&1
[ "$(sha256sum volumes/data.vol)" = "$v1" ] && ok rebuild_keeps_volume || bad rebuild_keeps_volume "recreated"
err=$("$ALCOVE" run /bin/busybox sh -c 'echo kept > /data/f' 2>&1)
if printf '%s' "$err" | grep -q 'not built into this core'; then
    echo "SKIP run_volume_roundtrip: this core has no encrypted volumes yet"; skip=$((skip + 1))
else
    same run_volume_roundtrip "echo kept" "$ALCOVE" run /bin/busybox cat /data/f
fi

# ---- mounts from the config: tmpfs with a size, hostfs ro and rw, cwd; the tmpfs overlay -----
M=$W/mnt
"$ALCOVE" new "$M" >/dev/null && "$ALCOVE" add --instance "$M" /bin/busybox >/dev/null
mkdir -p "$W/hostin" && echo fromhost > "$W/hostin/file"
(cd "$M" && setcfg alcove.json "c['mounts']['tmpfs'] = [{'path': '/scratch', 'size': '1M'}]
c['mounts']['hostfs'] = [{'host': '$W/hostin', 'path': '/in'}, {'host': '$W/hostin', 'path': '/inrw', 'mode': 'rw'}]
c['cwd'] = '/scratch'")
"$ALCOVE" build --instance "$M" >/dev/null 2>&1
out=$("$ALCOVE" run --instance "$M" /bin/busybox sh -c 'pwd; cat /in/file; echo b > x && cat /scratch/x
    echo c > /in/y 2>/dev/null || echo ro; echo d > /inrw/z; df -k /scratch | tail -1' 2>/dev/null)
want=$(printf '/scratch\nfromhost\nb\nro')
if [ "$(printf '%s\n' "$out" | head -4)" = "$want" ] && [ "$(cat "$W/hostin/z" 2>/dev/null)" = d ] &&
   [ ! -e "$W/hostin/y" ] && printf '%s\n' "$out" | tail -1 | grep -q ' 1024 '; then ok run_config_mounts
else bad run_config_mounts "$(printf '%s' "$out" | tr '\n' '|')"; fi
(cd "$M" && setcfg alcove.json "c['mounts']['root']['overlay'] = 'tmpfs'")
"$ALCOVE" build --instance "$M" >/dev/null 2>&1
out=$("$ALCOVE" run --instance "$M" /bin/busybox sh -c 'echo e > /etc/new && cat /etc/new' 2>&1)
if printf '%s' "$out" | grep -q 'overlays are not supported yet'; then
    echo "SKIP run_overlay_tmpfs: this core has no overlay yet"; skip=$((skip + 1))
elif [ "$(printf '%s\n' "$out" | grep -v warning)" = e ] && [ ! -e "$M/image/etc/new" ]; then ok run_overlay_tmpfs
else bad run_overlay_tmpfs "$(printf '%s' "$out" | tr '\n' '|')"; fi

# ---- python: the interpreter with its library tree, in an instance of its own ----------------
if [ -x /usr/bin/python3.11 ] && [ -d /usr/lib/python3.11 ]; then
    P=$W/py
    "$ALCOVE" new "$P" >/dev/null
    if "$ALCOVE" add --instance "$P" /usr/bin/python3 --tree /usr/lib/python3.11 >/dev/null 2>"$W/py.err"; then
        ok add_python_tree
    else bad add_python_tree "$(head -3 "$W/py.err")"; fi
    "$ALCOVE" build --instance "$P" >/dev/null 2>&1
    same run_python "python3 -c 'import json, hashlib, sqlite3; print(json.dumps({\"h\": hashlib.sha256(b\"x\").hexdigest(), \"q\": sqlite3.connect(\":memory:\").execute(\"select 6*7\").fetchone()[0]}))'" \
        "$ALCOVE" run --instance "$P" python3 -c 'import json, hashlib, sqlite3; print(json.dumps({"h": hashlib.sha256(b"x").hexdigest(), "q": sqlite3.connect(":memory:").execute("select 6*7").fetchone()[0]}))'
else
    echo "SKIP python: no /usr/bin/python3.11"; skip=$((skip + 1))
fi

echo "$pass passed, $fail failed"
[ $fail = 0 ]
