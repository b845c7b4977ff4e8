#!/usr/bin/env bash
# tests/image/run.sh - `alcove image pack | verify | ls` and verified images inside the enclave.
#
# Host side: pack errors; reproducibility (pack twice, pack a copy, cmp); verify ok, cross-checked
# with `veritysetup verify`; tamper detection (a byte flipped in data, in each tree level, in the
# verity superblock, in the footer; truncated, extended, garbage, empty files); `ls` against
# `stat` of the source tree. Enclave side (alcove run --image): cat/ls/stat/find/sha256sum compared
# with native runs on the source tree, writes fail with EROFS, a tampered block gives EIO for that
# file only, python3 from an image of its own tree prints what native python3 prints.
#
# Usage: bash tests/image/run.sh   (ALCOVE=path/to/alcove; default build/alcove)
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
export TZ=UTC LC_ALL=C
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/image.XXXXXX")
trap 'rm -rf "$W"' EXIT
pass=0; fail=0; skip=0

ok()   { echo "PASS $1"; pass=$((pass + 1)); }
bad()  { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }
skipped() { echo "SKIP $1 ($2)"; skip=$((skip + 1)); }

# check NAME WANT_STATUS STDERR_REGEX -- command...   (stderr must match, exit status must be WANT)
check() {
    local name=$1 want=$2 re=$3; shift 4
    local err rc
    err=$(timeout -s KILL 120 "$@" 2>&1 >"$W/last.out"); rc=$?
    if [ "$rc" = "$want" ] && { [ "$re" = "-" ] || printf '%s' "$err" | grep -Eq -- "$re"; }; then
        ok "$name"
    else
        bad "$name" "status $rc (want $want), stderr: $(printf '%s' "$err" | head -3 | tr '\n' '|')"
    fi
}

root_of() { sed -n 's/^root hash: //p' "$1" | tail -1; }
# A little-endian u64 of the footer (field byte offset $2) of image $1.
footer_u64() { local sz; sz=$(stat -c %s "$1"); od -An -t u8 -j $((sz - 4096 + $2)) -N 8 "$1" | tr -d ' '; }
# XOR one byte of file $1 at offset $2 with 0x01.
flip() {
    python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 1]))
PY
}
# The first offset of string $2 in file $1.
offset_of() { grep -obUa -- "$2" "$1" | head -1 | cut -d: -f1; }

# ---- the source tree ---------------------------------------------------------------------
S=$W/src
mkdir -p "$S/data/sub/deeper" "$S/data/empty" "$S/data/many" "$S/bin" "$S/sticky"
printf 'hello, image\n' > "$S/data/small"
: > "$S/data/zero"
head -c 4095 /dev/urandom > "$S/data/b4095"
head -c 4096 /dev/urandom > "$S/data/b4096"
head -c 4097 /dev/urandom > "$S/data/b4097"
# A 1 MiB file that starts with a marker, so the tamper test can find its first block.
{ printf 'BIGFILE-MARKER-%s' "$RANDOM"; head -c $((1024 * 1024)) /dev/urandom; } > "$S/data/big"
printf 'nested\n' > "$S/data/sub/deeper/file"
printf 'setuid\n' > "$S/data/suid"; chmod 4755 "$S/data/suid"
printf 'owned\n' > "$S/data/owned"; chown 1234:5678 "$S/data/owned" 2>/dev/null
ln "$S/data/small" "$S/data/hardlink"
ln -s small "$S/data/link"
ln -s /no/such/target "$S/data/dangling"
mkfifo "$S/data/fifo"
mknod "$S/data/null" c 1 3 2>/dev/null
chmod 1777 "$S/sticky"
long=$(printf 'L%.0s' $(seq 1 254))   # mkfs.erofs 1.5 cannot store 255-byte names
printf 'long name\n' > "$S/data/$long"
for i in $(seq 1 300); do printf '%s\n' "$i" > "$S/data/many/entry-$i"; done
touch -d '2020-01-02 03:04:05.123456789' "$S/data/small"
touch -h -d '2019-05-06 07:08:09.5' "$S/data/link"
cp /bin/busybox "$S/bin/busybox"
ln -s busybox "$S/bin/sh"

IMG=$W/a.img

# ---- pack: errors ------------------------------------------------------------------------
check pack_no_args       2 'usage: alcove image pack'              -- "$ALCOVE" image pack
check pack_dir_missing   2 'no/such/dir: No such file'             -- "$ALCOVE" image pack "$W/no/such/dir" -o "$W/x.img"
check pack_dir_is_file   2 'is not a directory'                    -- "$ALCOVE" image pack "$S/data/small" -o "$W/x.img"
check pack_bad_uuid      2 '--uuid wants'                          -- "$ALCOVE" image pack "$S" -o "$W/x.img" --uuid nope
check pack_bad_salt      2 '--salt wants'                          -- "$ALCOVE" image pack "$S" -o "$W/x.img" --salt 0g
check pack_unknown_opt   2 'unknown option'                        -- "$ALCOVE" image pack "$S" -o "$W/x.img" --frobnicate
check pack_inside_dir    2 'would be inside'                       -- "$ALCOVE" image pack "$S" -o "$S/data/self.img"
check pack_no_mkfs       2 'mkfs.erofs not found \(install erofs-utils\)' -- env PATH=/nonexistent "$ALCOVE" image pack "$S" -o "$W/x.img"
mkdir -p "$W/fakebin"
printf '#!/bin/sh\necho "mkfs.erofs: simulated failure: disk on fire" >&2\nexit 3\n' > "$W/fakebin/mkfs.erofs"
chmod +x "$W/fakebin/mkfs.erofs"
check pack_mkfs_fails    1 'disk on fire' -- env PATH="$W/fakebin:$PATH" "$ALCOVE" image pack "$S" -o "$W/x.img"
if [ ! -e "$W/x.img" ] && ! ls "$W"/x.img.tmp* >/dev/null 2>&1; then ok pack_failure_leaves_nothing
else bad pack_failure_leaves_nothing "$(ls "$W" | grep x.img)"; fi
printf '#!/bin/sh\nexit 1\n' > "$W/fakebin/veritysetup"; chmod +x "$W/fakebin/veritysetup"
rm "$W/fakebin/mkfs.erofs"
mkdir -p "$W/longname"; : > "$W/longname/$(printf 'L%.0s' $(seq 1 255))"
check pack_255_name_hint 1 'has a 255-byte name' -- "$ALCOVE" image pack "$W/longname" -o "$W/x.img"
check pack_verity_fails  1 'veritysetup format failed' -- env PATH="$W/fakebin:$PATH" "$ALCOVE" image pack "$S" -o "$W/x.img"
if [ ! -e "$W/x.img" ] && ! ls "$W"/x.img.tmp* >/dev/null 2>&1; then ok pack_verity_failure_leaves_nothing
else bad pack_verity_failure_leaves_nothing "$(ls "$W" | grep x.img)"; fi

# SIGINT while mkfs.erofs runs: the tool is stopped, nothing is left behind.
# (the fake writes its output argument, the one before the source directory: the last two)
printf '#!/bin/sh\nfor a; do out=$src; src=$a; done; : > "$out"; sleep 30\n' > "$W/fakebin/mkfs.erofs"; chmod +x "$W/fakebin/mkfs.erofs"
PATH="$W/fakebin:$PATH" "$ALCOVE" image pack "$S" -o "$W/x.img" >/dev/null 2>&1 &
ppid=$!
for _ in $(seq 1 50); do ls "$W"/x.img.tmp* >/dev/null 2>&1 && break; sleep 0.1; done
kill -INT $ppid; wait $ppid; rc=$?
sleep 0.2
if [ $rc = 130 ] && [ ! -e "$W/x.img" ] && ! ls "$W"/x.img.tmp* >/dev/null 2>&1 && \
   ! pgrep -f "$W/fakebin/mkfs.erofs" >/dev/null; then ok pack_interrupted_leaves_nothing
else bad pack_interrupted_leaves_nothing "status $rc; $(ls "$W" | grep x.img | tr '\n' ' ')"; fi
rm -f "$W/fakebin/mkfs.erofs"

# ---- pack: success, reproducibility ------------------------------------------------------
check pack_ok 0 - -- "$ALCOVE" image pack "$S" -o "$IMG"
cp "$W/last.out" "$W/pack1.out"
H=$(root_of "$W/pack1.out")
if [[ $H =~ ^[0-9a-f]{64}$ ]]; then ok pack_prints_root_hash; else bad pack_prints_root_hash "$(cat "$W/pack1.out")"; fi
check pack_exists_no_force 2 'exists \(--force replaces it\)' -- "$ALCOVE" image pack "$S" -o "$IMG"
cp "$IMG" "$W/a.orig"
check pack_force 0 - -- "$ALCOVE" image pack "$S" -o "$IMG" --force
if cmp -s "$IMG" "$W/a.orig" && [ "$(root_of "$W/last.out")" = "$H" ]; then ok pack_twice_identical
else bad pack_twice_identical; fi
# A copy has other inode numbers, other readdir order and other ctimes: same image.
cp -a "$S" "$W/copy"
"$ALCOVE" image pack "$W/copy" -o "$W/copy.img" >"$W/copy.out" 2>&1
if cmp -s "$IMG" "$W/copy.img"; then ok pack_copy_identical; else bad pack_copy_identical; fi
# A copy on tmpfs, whose readdir order (newest first) is not ext4's (hash order): same image.
if SHM=$(mktemp -d /dev/shm/alcove-image-test.XXXXXX 2>/dev/null); then
    cp -a "$S" "$SHM/src"
    "$ALCOVE" image pack "$SHM/src" -o "$W/shm.img" >/dev/null 2>&1
    if [ "$(ls -f "$SHM/src/data/many" | head -5)" != "$(ls -f "$S/data/many" | head -5)" ] && cmp -s "$IMG" "$W/shm.img"
    then ok pack_readdir_order_independent
    else bad pack_readdir_order_independent; fi
    rm -rf "$SHM"
else
    skipped pack_readdir_order_independent "no writable /dev/shm"
fi
if [ "$(stat -c %a "$IMG")" = "$(printf '%o' $((0666 & ~$(umask) & 0644)))" ]; then ok pack_mode_0644
else bad pack_mode_0644 "$(stat -c %a "$IMG")"; fi
# Any change of the tree changes the root hash: content, mode, mtime.
printf 'x' >> "$W/copy/data/b4096"; touch -r "$S/data/b4096" "$W/copy/data/b4096"
"$ALCOVE" image pack "$W/copy" -o "$W/copy2.img" >"$W/copy2.out" 2>&1
chmod 600 "$W/copy/data/zero"
"$ALCOVE" image pack "$W/copy" -o "$W/copy3.img" >"$W/copy3.out" 2>&1
touch -d @12345 "$W/copy/data/zero"
"$ALCOVE" image pack "$W/copy" -o "$W/copy4.img" >"$W/copy4.out" 2>&1
h2=$(root_of "$W/copy2.out"); h3=$(root_of "$W/copy3.out"); h4=$(root_of "$W/copy4.out")
if [ -n "$h2" ] && [ -n "$h3" ] && [ -n "$h4" ] && [ "$(printf '%s\n' "$H" "$h2" "$h3" "$h4" | sort -u | wc -l)" = 4 ]
then ok pack_change_changes_hash; else bad pack_change_changes_hash "$H $h2 $h3 $h4"; fi
# --mtime, --uuid, --salt are honoured and still reproducible.
"$ALCOVE" image pack "$S" -o "$W/m1.img" --mtime 0 --salt 00 --uuid 11111111-2222-4333-8444-555555555555 >/dev/null 2>&1
"$ALCOVE" image pack "$S" -o "$W/m2.img" --mtime 0 --salt 00 --uuid 11111111-2222-4333-8444-555555555555 >/dev/null 2>&1
if [ -s "$W/m1.img" ] && cmp -s "$W/m1.img" "$W/m2.img" && ! cmp -s "$W/m1.img" "$IMG" && \
   veritysetup dump "$W/m1.img" --hash-offset="$(footer_u64 "$W/m1.img" 32)" 2>/dev/null | grep -q '11111111-2222-4333-8444-555555555555' && \
   veritysetup dump "$W/m1.img" --hash-offset="$(footer_u64 "$W/m1.img" 32)" 2>/dev/null | grep -Eq 'Salt:[[:space:]]+00$'
then ok pack_options_reproducible; else bad pack_options_reproducible; fi
# SOURCE_DATE_EPOCH clamps newer mtimes and keeps older ones; --mtime overrides both;
# --all-root owns everything by 0:0.
SOURCE_DATE_EPOCH=1600000000 "$ALCOVE" image pack "$S" -o "$W/sde.img" >/dev/null 2>&1
"$ALCOVE" image ls "$W/sde.img" /data > "$W/sde.ls" 2>&1
if grep -q ' 2020-01-02 03:04:05.123456789 +0000 small$' "$W/sde.ls" && \
   grep -q ' 2020-09-13 12:26:40.000000000 +0000 b4096$' "$W/sde.ls"; then ok pack_source_date_epoch
else bad pack_source_date_epoch "$(grep -E ' (small|b4096)$' "$W/sde.ls" | tr '\n' '|')"; fi
SOURCE_DATE_EPOCH=1600000000 "$ALCOVE" image pack "$S" -o "$W/mt.img" --mtime 86400 --all-root >/dev/null 2>&1
"$ALCOVE" image ls "$W/mt.img" /data > "$W/mt.ls" 2>&1
if [ -s "$W/mt.ls" ] && [ "$(grep -Eo ' [0-9]{4}-[0-9]{2}-[0-9]{2} ' "$W/mt.ls" | sort -u)" = ' 1970-01-02 ' ] && \
   [ "$(awk '{print $3 ":" $4}' "$W/mt.ls" | sort -u)" = 0:0 ]; then ok pack_mtime_all_root
else bad pack_mtime_all_root "$(head -3 "$W/mt.ls" | tr '\n' '|')"; fi
# No salt and the largest salt (64 bytes) both give images that verify.
check pack_no_salt 0 - -- "$ALCOVE" image pack "$S/data/sub" -o "$W/ns.img" --salt -
check verify_no_salt 0 - -- "$ALCOVE" image verify "$W/ns.img"
check pack_salt_64 0 - -- "$ALCOVE" image pack "$S/data/sub" -o "$W/s64.img" --salt "$(printf 'a5%.0s' $(seq 1 64))"
check verify_salt_64 0 - -- "$ALCOVE" image verify "$W/s64.img"
check pack_salt_65 2 'salt wants' -- "$ALCOVE" image pack "$S/data/sub" -o "$W/s65.img" --salt "$(printf 'a5%.0s' $(seq 1 65))"
# An empty directory gives a one-block file system: a tree with no hash blocks.
mkdir -p "$W/emptydir"
check pack_empty_dir 0 - -- "$ALCOVE" image pack "$W/emptydir" -o "$W/empty.img"
check verify_empty_dir 0 - -- "$ALCOVE" image verify "$W/empty.img"

# ---- verify ------------------------------------------------------------------------------
HO=$(footer_u64 "$IMG" 32)
check verify_ok 0 - -- "$ALCOVE" image verify "$IMG"
if grep -q ': ok' "$W/last.out" && [ "$(root_of "$W/last.out")" = "$H" ]; then ok verify_prints_ok_and_hash
else bad verify_prints_ok_and_hash "$(cat "$W/last.out")"; fi
check verify_pinned_ok 0 - -- "$ALCOVE" image verify "$IMG" --hash "$H"
check verify_pinned_upper 0 - -- "$ALCOVE" image verify "$IMG" --hash "$(printf '%s' "$H" | tr a-f A-F)"
check verify_pinned_wrong 1 'not the pinned' -- "$ALCOVE" image verify "$IMG" --hash "$(printf '%064d' 0)"
check verify_bad_hash_arg 2 '64 hex digits' -- "$ALCOVE" image verify "$IMG" --hash abc
check verify_missing 1 'No such file' -- "$ALCOVE" image verify "$W/none.img"
check veritysetup_agrees 0 - -- veritysetup verify "$IMG" "$IMG" "$H" --hash-offset="$HO"
if [ "$(footer_u64 "$IMG" 24)" -gt 128 ]; then ok image_has_two_tree_levels
else bad image_has_two_tree_levels "data blocks $(footer_u64 "$IMG" 24)"; fi

# tamper CASE OFFSET REGEX: flip a byte of a copy at OFFSET; verify must fail naming REGEX.
tamper() {
    local name=$1 off=$2 re=$3
    cp "$IMG" "$W/t.img"; flip "$W/t.img" "$off"
    check "tamper_$name" 1 "$re" -- "$ALCOVE" image verify "$W/t.img"
}
BIGOFF=$(offset_of "$IMG" BIGFILE-MARKER)
tamper data_block  "$((BIGOFF + 5000))" "FAILED: data block $(((BIGOFF + 5000) / 4096)) "
tamper superblock_block 1100 'FAILED: data block 0 '
tamper last_data_block $((HO - 1)) "FAILED: data block $((HO / 4096 - 1)) "
tamper tree_top    $((HO + 4096 + 7)) 'FAILED'
tamper tree_level0 $((HO + 8192 + 100)) 'FAILED'
tamper verity_sb_salt $((HO + 90)) 'salt differs'
tamper verity_sb_magic $((HO + 1)) 'no verity superblock'
SZ=$(stat -c %s "$IMG")
tamper footer_magic $((SZ - 4096)) 'not a valid Alcove image: bad footer magic'
tamper footer_root  $((SZ - 4096 + 104)) 'FAILED'
tamper footer_salt  $((SZ - 4096 + 41)) 'salt differs|FAILED'
tamper footer_blocks $((SZ - 4096 + 25)) 'not a valid Alcove image'
tamper footer_tail  $((SZ - 100)) 'nonzero bytes after the footer'
# The same data flip is caught by veritysetup itself (the tree is standard dm-verity).
cp "$IMG" "$W/t.img"; flip "$W/t.img" "$((BIGOFF + 5000))"
check veritysetup_sees_tamper 2 'Verification failed' -- veritysetup verify "$W/t.img" "$W/t.img" "$H" --hash-offset="$HO"
cp "$IMG" "$W/t.img"; truncate -s $((SZ - 4096)) "$W/t.img"
check truncated_block 1 'not a valid Alcove image' -- "$ALCOVE" image verify "$W/t.img"
cp "$IMG" "$W/t.img"; truncate -s $((SZ - 1)) "$W/t.img"
check truncated_byte 1 'not a whole number of 4096-byte blocks' -- "$ALCOVE" image verify "$W/t.img"
cp "$IMG" "$W/t.img"; truncate -s $((HO + 4096)) "$W/t.img"
check truncated_tree 1 'not a valid Alcove image' -- "$ALCOVE" image verify "$W/t.img"
cp "$IMG" "$W/t.img"; head -c 4096 /dev/zero >> "$W/t.img"
check extended 1 'not a valid Alcove image' -- "$ALCOVE" image verify "$W/t.img"
head -c $((1024 * 1024)) /dev/urandom > "$W/garbage.img"
check garbage 1 'not a valid Alcove image' -- "$ALCOVE" image verify "$W/garbage.img"
: > "$W/emptyfile.img"
check empty_file 1 'not an Alcove image' -- "$ALCOVE" image verify "$W/emptyfile.img"
check directory_as_image 1 'not a regular file' -- "$ALCOVE" image verify "$W"
# A bare EROFS file (mkfs.erofs alone, no tree, no footer) is foreign too.
mkfs.erofs --quiet "$W/bare.erofs" "$S/data/sub" >/dev/null 2>&1
check bare_erofs 1 'not a valid Alcove image' -- "$ALCOVE" image verify "$W/bare.erofs"
# A hand-made footer around a non-EROFS payload with a correct tree: verity passes, EROFS fails.
head -c 8192 /dev/urandom > "$W/fake.img"
veritysetup format "$W/fake.img" "$W/fake.img" --hash-offset=8192 --data-blocks=2 >"$W/fake.out" 2>&1
if python3 - "$W/fake.img" "$(sed -n 's/^Root hash:[[:space:]]*//p' "$W/fake.out")" <<'PY'
import struct, sys, os
p, root = sys.argv[1], bytes.fromhex(sys.argv[2])
sb = open(p, "rb").read()[8192:8192 + 512]
salt_size = struct.unpack("<H", sb[80:82])[0]
size = (os.path.getsize(p) + 4095) // 4096 * 4096 + 4096
f = bytearray(4096)
f[0:8] = b"ALCVIMG1"
struct.pack_into("<IIIIQQ", f, 8, 1, 4096, 4096, salt_size, 2, 8192)
f[40:40 + salt_size] = sb[88:88 + salt_size]
f[104:136] = root; f[136:152] = sb[16:32]; f[152:158] = b"sha256"
struct.pack_into("<Q", f, 168, size)
with open(p, "r+b") as o:
    o.truncate(size - 4096); o.seek(size - 4096); o.write(f)
PY
then check not_erofs_payload 1 'bad EROFS file system' -- "$ALCOVE" image verify "$W/fake.img"
else bad not_erofs_payload "could not build the fake image"; fi

# ---- ls ----------------------------------------------------------------------------------
# Expected lines from the source tree via stat(1), in the image's (byte-sorted) order, in the
# format of `alcove image ls`; directory sizes differ between file systems and are masked.
expect_ls() {
    local dir=$1 n
    for n in . $(ls -A "$dir"); do
        local p=$dir/$n
        case $(stat -c %F "$p") in
            directory) stat -c '%A %h %u %g - %y' "$p" | tr '\n' ' ' ;;
            "character special file"|"block special file")
                echo -n "$(stat -c '%A %h %u %g' "$p") $((0x$(stat -c %t "$p"))), $((0x$(stat -c %T "$p"))) $(stat -c %y "$p") " ;;
            *) stat -c '%A %h %u %g %s %y' "$p" | tr '\n' ' ' ;;
        esac
        if [ -L "$p" ]; then echo "$n -> $(readlink "$p")"; else echo "$n"; fi
    done
}
norm_ls() { awk '$NF != ".." { if (substr($1,1,1) == "d") $5 = "-"; $1 = $1; print }'; }
for d in / /data /data/sub /data/many; do
    expect_ls "$S$d" | sed 's/  */ /g' > "$W/ls.want"
    if "$ALCOVE" image ls "$IMG" "$d" > "$W/ls.got" 2>"$W/ls.err" && norm_ls < "$W/ls.got" > "$W/ls.got.n" && \
       diff -u "$W/ls.want" "$W/ls.got.n" > "$W/ls.diff"; then ok "ls_matches_source:$d"
    else bad "ls_matches_source:$d" "$(head -c 600 "$W/ls.diff") $(cat "$W/ls.err")"; fi
done
"$ALCOVE" image ls "$IMG" /data/link > "$W/ls1" 2>&1
if grep -q '^lrwxrwxrwx .* 2019-05-06 07:08:09.500000000 +0000 /data/link -> small$' "$W/ls1"; then ok ls_one_symlink
else bad ls_one_symlink "$(cat "$W/ls1")"; fi
"$ALCOVE" image ls "$IMG" /data/big > "$W/ls1" 2>&1
if [ "$(awk '{print $5}' "$W/ls1")" = "$(stat -c %s "$S/data/big")" ]; then ok ls_one_file
else bad ls_one_file "$(cat "$W/ls1")"; fi
check ls_missing 1 'No such file' -- "$ALCOVE" image ls "$IMG" /data/nothing
check ls_not_dir 1 'Not a directory' -- "$ALCOVE" image ls "$IMG" /data/small/x
check ls_pinned_wrong 1 'not the pinned' -- "$ALCOVE" image ls "$IMG" / --hash "$(printf '%064d' 0)"
cp "$IMG" "$W/t.img"; flip "$W/t.img" 1100
check ls_tampered_sb 1 'data block 0 does not match' -- "$ALCOVE" image ls "$W/t.img" /
check image_no_sub 2 'usage: alcove image' -- "$ALCOVE" image
check image_unknown_sub 2 "unknown subcommand 'frob'" -- "$ALCOVE" image frob

# ---- inside the enclave --------------------------------------------------------------------
# run OUT ERR -- args...: alcove run with the image pinned, output into files.
arun() { local img=$1 h=$2; shift 2; timeout -s KILL 120 "$ALCOVE" run --image "$img" --image-hash "$h" "$@"; }
probe=$(arun "$IMG" "$H" /bin/busybox true 2>&1); prc=$?
if printf '%s' "$probe" | grep -q 'images are not supported yet'; then
    skipped enclave_tests "erofs core not built"
else
    if [ $prc = 0 ]; then ok enclave_true; else bad enclave_true "status $prc: $probe"; fi
    # cmp_native NAME CWD -- busybox args: the same busybox command natively in $S/CWD and
    # inside the enclave in /CWD; stdout and exit status must be equal.
    cmp_native() {
        local name=$1 cwd=$2; shift 3
        local nrc erc
        (cd "$S$cwd" && "$S/bin/busybox" "$@") > "$W/n.out" 2>/dev/null; nrc=$?
        arun "$IMG" "$H" --cwd "$cwd" /bin/busybox "$@" > "$W/e.out" 2>"$W/e.err"; erc=$?
        if [ $nrc = $erc ] && cmp -s "$W/n.out" "$W/e.out"; then ok "enclave_$name"
        else bad "enclave_$name" "status native $nrc enclave $erc; $(diff "$W/n.out" "$W/e.out" | head -5 | tr '\n' '|') $(head -3 "$W/e.err")"; fi
    }
    cmp_native cat_small   /data -- cat small hardlink link sub/deeper/file "$long"
    cmp_native cat_sizes   /data -- sha256sum zero b4095 b4096 b4097 big
    cmp_native cat_many    /data -- cat many/entry-1 many/entry-150 many/entry-300
    # find lists in readdir order, which differs between file systems: compare sorted.
    cmp_native find        /data -- sh -c "find . -name '*' -type f | sort"
    cmp_native find_types  /     -- sh -c 'find . -type l | sort; find . -type d | sort'
    cmp_native stat        /data -- stat -c '%A %h %u %g %s %Y %n %N' small zero big suid owned hardlink link dangling fifo null "$long"
    cmp_native ls_files    /data -- sh -c 'ls -lan --full-time | grep -v "^d" | grep -v "^total"'
    cmp_native readlink    /data -- readlink link dangling
    cmp_native missing     /data -- cat nothing-here
    cmp_native wc_many     /data/many -- sh -c 'ls | wc -l'
    # Directories: names and modes (sizes differ by file system by design).
    cmp_native ls_dirs     /     -- sh -c 'ls -lan --full-time data | grep "^d" | awk "{print \$1, \$2, \$3, \$4, \$9}"'
    # Writes fail with EROFS (the image is read-only), wherever they are tried.
    for w in 'echo x > /data/new' 'echo x >> /data/small' 'mkdir /data/d' 'rm /data/small' \
             'touch /data/small' 'chmod 600 /data/small' 'ln -s a /data/l2' 'mv /data/small /data/s2'; do
        arun "$IMG" "$H" /bin/busybox sh -c "$w" > /dev/null 2>"$W/e.err"; rc=$?
        if [ $rc != 0 ] && grep -q 'Read-only file system' "$W/e.err"; then ok "enclave_erofs:$w"
        else bad "enclave_erofs:$w" "status $rc: $(head -2 "$W/e.err")"; fi
    done
    # /tmp stays writable (tmpfs) with an image root.
    arun "$IMG" "$H" /bin/busybox sh -c 'echo hi > /tmp/x && cat /tmp/x' > "$W/e.out" 2>"$W/e.err"
    if [ "$(cat "$W/e.out")" = hi ]; then ok enclave_tmp_writable; else bad enclave_tmp_writable "$(head -2 "$W/e.err")"; fi
    # /proc/mounts names the protection.
    arun "$IMG" "$H" /bin/busybox cat /proc/mounts > "$W/e.out" 2>/dev/null
    if grep -Eq '^[^ ]+ / erofs [^ ]*verity' "$W/e.out"; then ok enclave_proc_mounts
    else bad enclave_proc_mounts "$(head -3 "$W/e.out" | tr '\n' '|')"; fi
    # Without --image-hash: a warning that the image is not pinned, and it still runs.
    timeout -s KILL 60 "$ALCOVE" run --image "$IMG" /bin/busybox true > /dev/null 2>"$W/e.err"; rc=$?
    if [ $rc = 0 ] && grep -q 'not pinned' "$W/e.err"; then ok run_unpinned_warns
    else bad run_unpinned_warns "status $rc: $(head -2 "$W/e.err")"; fi
    check run_pinned_wrong 2 'not the pinned' -- "$ALCOVE" run --image "$IMG" --image-hash "$(printf '%064d' 0)" /bin/busybox true
    check run_garbage_image 2 'not a valid Alcove image' -- "$ALCOVE" run --image "$W/garbage.img" /bin/busybox true
    # A tampered data block of /data/big: that file gives EIO, the others still read.
    cp "$IMG" "$W/t.img"; flip "$W/t.img" "$((BIGOFF + 5000))"
    arun "$W/t.img" "$H" /bin/busybox cat /data/big > /dev/null 2>"$W/e.err"; rc=$?
    if [ $rc != 0 ] && grep -Eq 'I/O error|Input/output error' "$W/e.err"; then ok enclave_tamper_eio
    else bad enclave_tamper_eio "status $rc: $(head -3 "$W/e.err" | tr '\n' '|')"; fi
    if grep -Eqi 'block [0-9]+.*(big|does not match)|(big|does not match).*block [0-9]+' "$W/e.err"; then ok enclave_tamper_logged
    else bad enclave_tamper_logged "$(head -3 "$W/e.err" | tr '\n' '|')"; fi
    arun "$W/t.img" "$H" /bin/busybox sh -c 'cat /data/big > /dev/null 2>&1; cat /data/small; head -c 4096 /data/big | wc -c; sha256sum /data/b4097' > "$W/e.out" 2>/dev/null; rc=$?
    { cat "$S/data/small"; echo 4096; (cd "$S" && sha256sum data/b4097 | sed 's| data/| /data/|'); } > "$W/n.out"
    if cmp -s "$W/n.out" "$W/e.out"; then ok enclave_tamper_others_fine
    else bad enclave_tamper_others_fine "$(diff "$W/n.out" "$W/e.out" | head -4 | tr '\n' '|')"; fi

    # Only what a program touches is read from the host: busybox true in an image that also
    # holds 64 MiB of other data reads about busybox's size, and head -c 100 of the 64 MiB file
    # adds a few blocks. Bytes counted from the pread64 calls of the launcher and the enclave.
    if command -v strace >/dev/null; then
        L=$W/lazy; mkdir -p "$L/bin" "$L/data"; cp /bin/busybox "$L/bin/"
        head -c $((64 << 20)) /dev/urandom > "$L/data/big"
        "$ALCOVE" image pack "$L" -o "$W/lazy.img" > "$W/lazy.out" 2>&1; LH=$(root_of "$W/lazy.out")
        preads() { strace -f -qq -e trace=pread64 -o "$W/st.txt" "$ALCOVE" run --image "$W/lazy.img" \
                       --image-hash "$LH" /bin/busybox "$@" > /dev/null 2>&1
                   grep pread64 "$W/st.txt" | awk -F'= ' '{ s += $NF } END { print s + 0 }'; }
        r1=$(preads true); r2=$(preads head -c 100 /data/big)
        bb=$(stat -c %s /bin/busybox)
        if [ "$r1" -gt 0 ] && [ "$r1" -lt $((bb + (2 << 20))) ] && [ $((r2 - r1)) -lt $((256 << 10)) ]
        then ok "enclave_reads_only_touched_blocks ($r1 bytes; +$((r2 - r1)) for head -c 100)"
        else bad enclave_reads_only_touched_blocks "true read $r1 bytes, head read $r2 (image $(stat -c %s "$W/lazy.img"))"; fi
    else
        skipped enclave_reads_only_touched_blocks "no strace"
    fi

    # python3 from an image of its own tree (the binary, its ld.so closure, /usr/lib/python3.11).
    P=$W/py
    mkdir -p "$P/usr/bin" "$P/usr/lib" "$P/usr/lib64" "$P/tmp"
    ln -s usr/bin "$P/bin"; ln -s usr/lib "$P/lib"; ln -s usr/lib64 "$P/lib64"
    cp -a /usr/bin/python3.11 "$P/usr/bin/"; ln -s python3.11 "$P/usr/bin/python3"
    cp -a /usr/lib/python3.11 "$P/usr/lib/"
    for f in /usr/bin/python3.11 /usr/lib/python3.11/lib-dynload/*.so; do ldd "$f" 2>/dev/null; done |
        grep -o '/[^ ]*' | sort -u | while read -r lib; do
            case $lib in /lib64/*|/lib/*) dst=/usr$lib ;; *) dst=$lib ;; esac
            mkdir -p "$P$(dirname "$dst")"; cp -L "$lib" "$P$dst"
        done
    if "$ALCOVE" image pack "$P" -o "$W/py.img" > "$W/py.out" 2>&1; then
        PH=$(root_of "$W/py.out")
        prog='import sys, os, json, hashlib, zlib, math, collections, re, datetime
print(sys.version_info[:3], sys.prefix, sys.executable)
print(json.dumps({"a": [1, 2, {"b": None}]}, sort_keys=True))
print(hashlib.sha256(b"alcove").hexdigest(), zlib.crc32(b"alcove"), math.factorial(20))
print(sorted(os.listdir("/usr/lib/python3.11/json")))
print(re.sub(r"(\w+)@(\w+)", r"\2 at \1", "user@example"), datetime.date(2024, 2, 29).isoformat())
print(collections.Counter("mississippi").most_common(2))
print(open("/usr/lib/python3.11/os.py").read()[:60])'
        /usr/bin/python3 -c "$prog" > "$W/n.out" 2>&1; nrc=$?
        arun "$W/py.img" "$PH" /usr/bin/python3 -c "$prog" > "$W/e.out" 2>"$W/e.err"; erc=$?
        if [ $nrc = 0 ] && [ $erc = 0 ] && cmp -s "$W/n.out" "$W/e.out"; then ok enclave_python3
        else bad enclave_python3 "status native $nrc enclave $erc; $(diff "$W/n.out" "$W/e.out" | head -4 | tr '\n' '|') $(head -3 "$W/e.err" | tr '\n' '|')"; fi
        # Compiled modules come from __pycache__ (the .py mtimes were kept), as natively (-S: the
        # host has site files outside the image): python
        # -v says "code object from '...pyc'" for each, and would say "could not create" if it
        # had to recompile (the image is read-only).
        /usr/bin/python3 -S -v -c 'import json, hashlib' 2>&1 | grep -c "^# code object from '.*\.pyc'" > "$W/n.out"
        arun "$W/py.img" "$PH" /usr/bin/python3 -S -v -c 'import json, hashlib' > "$W/e.all" 2>&1
        grep -c "^# code object from '.*\.pyc'" "$W/e.all" > "$W/e.out"
        if [ "$(cat "$W/n.out")" -gt 10 ] && cmp -s "$W/n.out" "$W/e.out" && ! grep -q 'could not create' "$W/e.all"
        then ok enclave_python3_pyc
        else bad enclave_python3_pyc "native $(cat "$W/n.out") enclave $(cat "$W/e.out") pycs; $(grep -m2 'could not create' "$W/e.all")"; fi
        check enclave_python3_verify 0 - -- "$ALCOVE" image verify "$W/py.img" --hash "$PH"
    else
        bad enclave_python3 "pack failed: $(tail -3 "$W/py.out")"
    fi
fi

[ $skip = 0 ] || echo "($skip skipped)"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
