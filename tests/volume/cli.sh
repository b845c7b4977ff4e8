#!/usr/bin/env bash
# tests/volume/cli.sh - `alcove volume` from the host: keygen, create, inspect, check,
# import/export round trips (compared with diff -r and stat fields), bad input (missing,
# wrong or short key, truncated, garbage, tampered files, a rolled-back counter), and
# confidentiality (known plaintext in names and contents never shows in the volume file).
#
# Usage: tests/volume/cli.sh [-v]      ALCOVE=path/to/alcove (default build/alcove)
# Ends with "N passed, N failed"; exits 1 if any failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
ROOT=$PWD
ALCOVE=${ALCOVE:-$ROOT/build/alcove}
verbose=0
[ "${1:-}" = -v ] && verbose=1
if [ ! -x "$ALCOVE" ]; then
    echo "no $ALCOVE (make first, or set ALCOVE)"
    echo "0 passed, 1 failed"
    exit 1
fi
T=$(mktemp -d /tmp/alcove-volcli.XXXXXX)
trap 'chmod -R u+rwx "$T" 2>/dev/null; rm -rf "$T"' EXIT
export ALCOVE_STATE_DIR=$T/state
cd "$T" || exit 2

pass=0
fail=0
ok() { pass=$((pass + 1)); [ $verbose -eq 1 ] && echo "ok   $1"; return 0; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && sed 's/^/     /' <<<"$2"; return 0; }

# expect NAME RC PATTERN -- command...: exit status RC (or "nz" for non-zero) and PATTERN
# (grep -E, may be empty) in stdout+stderr.
expect() {
    local name=$1 want=$2 pat=$3
    shift 4
    local out rc
    out=$("$@" 2>&1)
    rc=$?
    if [ "$want" = nz ] && [ $rc -eq 0 ]; then
        bad "$name (exit 0, want non-zero)" "$out"
    elif [ "$want" != nz ] && [ $rc -ne "$want" ]; then
        bad "$name (exit $rc, want $want)" "$out"
    elif [ -n "$pat" ] && ! grep -Eq -- "$pat" <<<"$out"; then
        bad "$name (no /$pat/ in the output)" "$out"
    else
        ok "$name"
    fi
}

# one line per path: type, mode, size, links, owner, mtime (ns), link target
listing() {
    (cd "$1" && find . -printf '%P|%y|%m|%s|%n|%u:%g|%T@|%l\n' | sed 's/|\([0-9]*\)\.\([0-9]*\)|/|\1.\2|/' | sort)
}

A=$ALCOVE

# ---- usage ----------------------------------------------------------------------------
expect "volume without subcommand: usage, exit 2" 2 "usage: alcove volume" -- $A volume
expect "unknown subcommand: usage, exit 2" 2 "unknown subcommand 'frob'" -- $A volume frob
expect "volume --help: exit 0" 0 "alcove volume keygen FILE" -- $A volume --help
expect "unknown option" 2 "unknown option '--bogus'" -- $A volume check x --bogus 1

# ---- keygen ---------------------------------------------------------------------------
expect "keygen" 0 "32-byte" -- $A volume keygen key
if [ "$(stat -c '%s %a' key 2>/dev/null)" = "32 600" ]; then ok "key file: 32 bytes, mode 0600"; else bad "key file: $(stat -c '%s %a' key)"; fi
cp key key.orig
expect "keygen refuses to overwrite" nz "not overwriting" -- $A volume keygen key
if cmp -s key key.orig; then ok "key unchanged"; else bad "keygen overwrote the key"; fi
$A volume keygen key2 >/dev/null
head -c 31 key > short.key
head -c 33 /dev/zero > long.key

# ---- create / inspect / check ---------------------------------------------------------
expect "create needs --key-file" 2 "key-file" -- $A volume create v.vol --size 4M
expect "create needs --size" 2 "size" -- $A volume create v.vol --key-file key
for s in abc 10 0 -4M 4Q 99999999999999T; do
    expect "create: bad size '$s'" 2 "bad --size" -- $A volume create v.vol --size "$s" --key-file key
done
expect "create: short key file" 2 "exactly 32 bytes" -- $A volume create v.vol --size 4M --key-file short.key
expect "create: long key file" 2 "exactly 32 bytes" -- $A volume create v.vol --size 4M --key-file long.key
expect "create: missing key file" 2 "cannot open key file" -- $A volume create v.vol --size 4M --key-file nokey
[ -e v.vol ] && bad "a failed create left v.vol" || ok "failed creates leave nothing"
expect "create 4M" 0 "new volume, 4096 KiB" -- $A volume create v.vol --size 4M --key-file key --uid 1234 --gid 5678
if [ "$(stat -c %s v.vol)" = 4194304 ]; then ok "volume file is exactly 4 MiB"; else bad "volume size $(stat -c %s v.vol)"; fi
expect "create refuses an existing file" nz "exists" -- $A volume create v.vol --size 4M --key-file key
expect "inspect without key: header facts only" 0 "cipher: +(aes256gcm|xchacha20poly1305)" -- $A volume inspect v.vol
out=$($A volume inspect v.vol 2>&1)
grep -q "version:" <<<"$out" && bad "inspect without key shows sealed facts" "$out" || ok "inspect without key hides the version"
expect "inspect with key" 0 "version: +2" -- $A volume inspect v.vol --key-file key
expect "inspect shows the counter state" 0 "counter: +version 2 in .*vol-[0-9a-f]{32}\.counter" -- $A volume inspect v.vol --key-file key
expect "inspect: inodes" 0 "inodes: +1$" -- $A volume inspect v.vol --key-file key
expect "check a new volume" 0 "clean \(version 2" -- $A volume check v.vol --key-file key
mkdir e0 && $A volume export v.vol e0 --key-file key >/dev/null 2>&1
if [ "$(stat -c '%u:%g %a' e0)" = "1234:5678 755" ]; then ok "root directory owner from --uid/--gid"; else bad "root: $(stat -c '%u:%g %a' e0)"; fi
expect "create --force replaces" 0 "new volume, 8192 KiB" -- $A volume create v.vol --size 8M --key-file key --force
expect "xchacha or aes: check again" 0 "clean" -- $A volume check v.vol --key-file key

# ---- bad input ------------------------------------------------------------------------
expect "wrong key" 1 "wrong key or corrupted volume" -- $A volume check v.vol --key-file key2
expect "check: missing key option" 2 "key-file" -- $A volume check v.vol
expect "check: short key" 2 "exactly 32 bytes" -- $A volume check v.vol --key-file short.key
expect "check: no such file" 1 "cannot open" -- $A volume check nothere.vol --key-file key
cp v.vol trunc.vol && truncate -s 2M trunc.vol
expect "truncated volume" 1 "not an Alcove volume: truncated" -- $A volume check trunc.vol --key-file key
expect "inspect truncated volume" 1 "truncated" -- $A volume inspect trunc.vol
head -c 1048576 /dev/urandom > garbage.vol
expect "garbage file" 1 "not an Alcove volume" -- $A volume check garbage.vol --key-file key
expect "garbage file, inspect" 1 "not an Alcove volume" -- $A volume inspect garbage.vol
: > empty.vol
expect "empty file" 1 "not an Alcove volume" -- $A volume check empty.vol --key-file key
expect "a directory" 1 "not a regular file" -- $A volume check "$T" --key-file key

# ---- import / export round trip -------------------------------------------------------
mkdir -p src/dir/sub/deeper src/empty "src/with space" src/ünï
printf 'hello\n' > src/dir/hello.txt
: > src/dir/zero
head -c 1 /dev/urandom > src/one
head -c 4095 /dev/urandom > src/b4095
head -c 4096 /dev/urandom > src/b4096
head -c 4097 /dev/urandom > src/b4097
head -c $((1048576 * 3 + 5)) /dev/urandom > src/dir/sub/big
truncate -s 20M src/sparse && printf 'tail' >> src/sparse
dd if=/dev/urandom of=src/sparse bs=4096 seek=100 count=3 conv=notrunc status=none
ln -s ../hello.txt src/dir/sub/rel
ln -s /etc/passwd src/abs
ln -s nowhere src/dangling
ln src/dir/hello.txt src/dir/sub/deeper/hardlink
printf 'x' > "src/with space/a file"
printf 'y' > "src/ünï/ñ"
long=$(printf 'L%.0s' $(seq 255))
printf 'long' > "src/$long"
chmod 0600 src/one; chmod 0444 src/b4095; chmod 4755 src/b4096; chmod 0700 src/dir/sub/deeper
chmod 1777 src/empty
touch -h -d '2001-02-03 04:05:06.123456789' src/dir/hello.txt src/abs
touch -d '1999-12-31 23:59:59.5' src/dir/sub
if [ "$(id -u)" = 0 ]; then chown 4321:8765 src/b4097; chown -h 99:98 src/dangling; fi
expect "import" 0 "imported" -- $A volume import src imp.vol --key-file key
expect "check the import" 0 "clean" -- $A volume check imp.vol --key-file key
expect "export" 0 "" -- $A volume export imp.vol out --key-file key
d=$(diff -r --no-dereference src out 2>&1)
if [ -z "$d" ]; then ok "export of an import: diff -r finds no difference"; else bad "diff -r src out" "$d"; fi
l1=$(listing src) l2=$(listing out)
if [ "$l1" = "$l2" ]; then ok "same types, modes, sizes, links, owners, mtimes, targets"; else bad "stat fields differ" "$(diff <(echo "$l1") <(echo "$l2"))"; fi
if [ "$(stat -c %b out/sparse)" -lt 1000 ]; then ok "holes stay holes through import/export"; else bad "sparse file exported with $(stat -c %b out/sparse) blocks"; fi
if [ "$(stat -c %i out/dir/hello.txt)" = "$(stat -c %i out/dir/sub/deeper/hardlink)" ]; then ok "hard links kept"; else bad "hard link lost"; fi
expect "export into a non-empty directory" 1 "new or empty" -- $A volume export imp.vol out --key-file key
expect "export with the wrong key" 1 "wrong key" -- $A volume export imp.vol out2 --key-file key2
[ -e out2 ] && bad "a failed export created out2" || ok "failed export creates nothing"
expect "import refuses an existing volume" nz "exists" -- $A volume import src imp.vol --key-file key
expect "import with a too small --size" 1 "volume is full" -- $A volume import src imp.vol --key-file key --size 1M --force
expect "the old volume survives a failed import" 0 "clean" -- $A volume check imp.vol --key-file key
ls imp.vol.tmp-* >/dev/null 2>&1 && bad "temporary file left behind" || ok "no temporary file left"
expect "import of a file (not a dir)" 2 "not a directory" -- $A volume import src/one x.vol --key-file key
expect "inspect the import" 0 "inodes: +2[0-9]" -- $A volume inspect imp.vol --key-file key

# ---- confidentiality ------------------------------------------------------------------
mkdir -p conf/SECRETDIRNAME_k3q
for i in 1 2 3; do
    printf 'PLAINTEXT_MARKER_z9x4 number %s\n' $i > "conf/SECRETDIRNAME_k3q/SECRETFILENAME_w7p$i"
done
yes 'REPEATED_PLAINTEXT_r5t' | head -c 200000 > conf/repeated
ln -s SECRETLINKTARGET_m2n conf/link
expect "import the known plaintext" 0 "imported" -- $A volume import conf conf.vol --key-file key
leaks=0
for w in SECRETDIRNAME_k3q SECRETFILENAME_w7p PLAINTEXT_MARKER_z9x4 REPEATED_PLAINTEXT_r5t SECRETLINKTARGET_m2n; do
    n=$(grep -c -a -- "$w" conf.vol)
    [ "$n" != 0 ] && { bad "'$w' appears $n times in the volume file"; leaks=1; }
    n=$(cat "$ALCOVE_STATE_DIR"/* | grep -c -a -- "$w")
    [ "$n" != 0 ] && { bad "'$w' appears in the state directory"; leaks=1; }
done
[ $leaks = 0 ] && ok "no known plaintext (names, contents, link targets) in the volume or state files"
mkdir conf.out && $A volume export conf.vol conf.out --key-file key >/dev/null 2>&1
if diff -r --no-dereference conf conf.out >/dev/null; then ok "the plaintext comes back with the key"; else bad "confidentiality round trip"; fi

# ---- tampering ------------------------------------------------------------------------
cp imp.vol t.vol
# a byte in the middle of the data (blocks are allocated from the start of the file)
printf '\x55' | dd of=t.vol bs=1 seek=$((200 * 4096 + 77)) conv=notrunc status=none
expect "tampered data byte: check reports it" 1 "failed authentication|problem" -- $A volume check t.vol --key-file key
cp imp.vol t.vol
printf 'X' | dd of=t.vol bs=1 seek=2 conv=notrunc status=none
expect "tampered header magic" 1 "not an Alcove volume" -- $A volume check t.vol --key-file key
cp imp.vol t.vol
printf '\x01' | dd of=t.vol bs=1 seek=40 conv=notrunc status=none
expect "tampered volume id in the header" 1 "wrong key or corrupted volume" -- $A volume check t.vol --key-file key
cp imp.vol t.vol
dd if=/dev/urandom of=t.vol bs=4096 seek=1 count=2 conv=notrunc status=none
expect "both superblocks overwritten" 1 "wrong key or corrupted volume" -- $A volume check t.vol --key-file key
# (a flipped bit in every used block of every kind, one at a time, is tests/unit/test_vol.c's
# test_tamper_bitflips: from here the layout of the tree blocks is not known)
# swap two data blocks
cp imp.vol t.vol
dd if=imp.vol of=t.vol bs=4096 skip=300 seek=301 count=1 conv=notrunc status=none
dd if=imp.vol of=t.vol bs=4096 skip=301 seek=300 count=1 conv=notrunc status=none
expect "two blocks swapped" 1 "failed authentication|problem" -- $A volume check t.vol --key-file key
mkdir t.out
expect "export of a tampered volume fails" 1 "failed authentication|corrupted" -- $A volume export t.vol t.out --key-file key

# ---- rollback against the state file ---------------------------------------------------
id=$($A volume inspect imp.vol | sed -n 's/^id: *//p')
sf=$ALCOVE_STATE_DIR/vol-$id.counter
if [ -f "$sf" ]; then ok "state file vol-<id>.counter exists"; else bad "no state file $sf"; fi
cp "$sf" sf.save
printf 'alcove-volume-counter 1\nid %s\nversion 9\n' "$id" > "$sf"
expect "rolled back (counter ahead)" 1 "rolled back: version 2 but the counter says 9 \(state file .*vol-$id\.counter\)" -- $A volume check imp.vol --key-file key
expect "rolled back: inspect says so too" 1 "rolled back" -- $A volume inspect imp.vol --key-file key
expect "rolled back: alcove run refuses before the program starts" 2 "rolled back: version 2 but the counter says 9" -- \
    $A run --root / --volume imp.vol:/mnt --key-file key -- /bin/true
printf 'garbage\n' > "$sf"
expect "malformed state file" 1 "malformed" -- $A volume check imp.vol --key-file key
rm -f "$sf"
expect "no state file: trusted, with a note" 0 "clean" -- $A volume check imp.vol --key-file key
cp sf.save "$sf"
expect "alcove run: wrong key before the program starts" 2 "wrong key or corrupted volume" -- \
    $A run --root / --volume imp.vol:/mnt --key-file key2 -- /bin/true
expect "alcove run: garbage volume" 2 "not an Alcove volume" -- \
    $A run --root / --volume garbage.vol:/mnt --key-file key -- /bin/true

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
