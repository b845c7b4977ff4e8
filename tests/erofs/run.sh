#!/usr/bin/env bash
# tests/erofs/run.sh - the verified image inside the enclave (libos/fs/erofs.c over
# common/verity.c and common/erofs.c), with images built by the Debian tools directly
# (tests/erofs/mkimg.py: mkfs.erofs + veritysetup + the Alcove footer).
#
# Usage: ALCOVE=build/<you>/alcove bash tests/erofs/run.sh [-v]
#
#  - differential: a busybox script lists every path of the tree (type, size, mode, owner,
#    link count, link target, md5 of the content) natively on the source directory and in
#    the enclave on the image; the outputs must be equal.  Also: reads at odd offsets, a
#    dynamically linked program (ls and its libraries from the host, loaded with mmap
#    PROT_EXEC), mmap of image files (private and shared) against read(), EROFS on writes,
#    /proc/mounts, a chunk-based image (mkfs.erofs --chunksize) with a sparse file;
#  - tamper: a flipped byte in a data block gives EIO on that file only plus one log line
#    naming the file and the block, and the enclave goes on; in a hash block: EIO; in the
#    footer, a wrong root hash, a truncated or foreign file: the boot is refused;
#  - laziness: a tampered block that nothing reads does not stop the boot (mount does not
#    read the whole image).
# Ends with "N passed, N failed"; exits 1 if anything failed.
set -u
cd "$(dirname "$0")/../.." || exit 2
ALCOVE=${ALCOVE:-$PWD/build/alcove}
verbose=0
[ "${1:-}" = "-v" ] && verbose=1
pass=0
fail=0
W=$(mktemp -d /tmp/alcove-erofs.XXXXXX)
trap 'rm -rf "$W"' EXIT

ok() { pass=$((pass + 1)); echo "ok    $1"; }
bad() {
    fail=$((fail + 1))
    echo "FAIL  $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/      /' "$2" | head -20
}
for t in mkfs.erofs veritysetup python3 gcc; do
    if ! command -v $t >/dev/null; then
        echo "missing $t: cannot build test images"
        echo "0 passed, 1 failed"
        exit 1
    fi
done
if [ ! -x "$ALCOVE" ]; then
    echo "no $ALCOVE (set ALCOVE=build/<you>/alcove)"
    echo "0 passed, 1 failed"
    exit 1
fi

# ---- the tree ------------------------------------------------------------------------------
R=$W/root
mkdir -p "$R/bin" "$R/data/many" "$R/data/a/b/c" "$R/lib64" "$R/tmp" "$R/proc" "$R/dev"
BB=$(command -v busybox)
cp "$BB" "$R/bin/busybox"
for a in sh cat ls stat md5sum find readlink dd wc head sort grep mkdir rm touch; do
    ln -s busybox "$R/bin/$a"
done
# A dynamically linked program and its libraries, as the host has them.
cp /bin/ls "$R/bin/gls"
for l in $(ldd /bin/ls | awk '/=>/ {print $3} /ld-linux/ {print $1}'); do
    mkdir -p "$R$(dirname "$l")"
    cp -L "$l" "$R$l"
done
# A static helper: mmap a file (private, then shared) and compare with read().
cat >"$W/mm.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int fd = open(argv[1], O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0)
        return perror("open"), 1;
    char *buf = malloc(st.st_size);
    if (pread(fd, buf, st.st_size, 0) != st.st_size)
        return perror("pread"), 1;
    for (int shared = 0; shared < 2; shared++) {
        char *p = mmap(NULL, st.st_size, PROT_READ, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED)
            return perror("mmap"), 1;
        if (memcmp(p, buf, st.st_size) != 0)
            return printf("mmap %s differs from read\n", shared ? "shared" : "private"), 1;
        munmap(p, st.st_size);
    }
    /* A private writable mapping may be written; the file does not change. */
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED)
        return perror("mmap rw private"), 1;
    p[0] ^= 1;
    char c;
    if (pread(fd, &c, 1, 0) != 1 || c != buf[0])
        return printf("private write reached the file\n"), 1;
    /* A shared writable one may not (the file is not open for writing). */
    if (mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) != MAP_FAILED)
        return printf("shared writable mapping of a read-only file\n"), 1;
    printf("mmap ok %lld\n", (long long)st.st_size);
    return 0;
}
EOF
gcc -O2 -static -o "$R/bin/mm" "$W/mm.c" || { echo "cannot build the mmap helper"; exit 2; }
cat >"$W/sk.c" <<'EOF'
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    int fd = open(argv[1], O_RDONLY);
    printf("data %lld hole %lld\n", (long long)lseek(fd, 0, SEEK_DATA), (long long)lseek(fd, 0, SEEK_HOLE));
    return 0;
}
EOF
gcc -O2 -static -o "$R/bin/sk" "$W/sk.c" || { echo "cannot build the seek helper"; exit 2; }
echo "hello image" >"$R/data/hello"
: >"$R/data/empty"
head -c 4096 /dev/urandom >"$R/data/exact4096"
head -c 4097 /dev/urandom >"$R/data/just4097"
head -c 3000 /dev/urandom >"$R/data/tail3000"
head -c $((24 * 1024 * 1024 + 777)) /dev/urandom >"$R/data/big"
truncate -s 9M "$R/data/sparse" && echo end >>"$R/data/sparse"
for i in $(seq 1 700); do echo "$i" >"$R/data/many/entry-$i-with-a-long-name"; done
echo deep >"$R/data/a/b/c/deep"
ln -s hello "$R/data/link"
ln -s b/c/deep "$R/data/a/rel"
ln -s /data/hello "$R/data/abs"
ln -s /no/such/target "$R/data/dangling"
chmod 600 "$R/data/tail3000"
chmod 751 "$R/data/a/b"
mkfifo "$R/data/fifo"
cat >"$R/t.sh" <<'EOF'
cd "$1" || exit 1
find . | sort | while read -r f; do
    # The enclave mounts its own /proc, /dev and /tmp over the image's directories.
    case "$f" in ./proc|./proc/*|./dev|./dev/*|./tmp|./tmp/*) continue;; esac
    if [ -L "$f" ]; then echo "$f L $(readlink "$f") $(stat -c '%a %u %g %h' "$f")"
    elif [ -d "$f" ]; then echo "$f D $(stat -c '%a %u %g %h' "$f") $(ls -a "$f" | wc -l)"
    elif [ -f "$f" ]; then echo "$f F $(stat -c '%s %a %u %g %h' "$f") $(md5sum < "$f")"
    else echo "$f O $(stat -c '%F %a' "$f")"; fi
done
dd if=data/big bs=4096 skip=1000 count=7 2>/dev/null | md5sum
dd if=data/big bs=1000 skip=3333 count=5 2>/dev/null | md5sum
dd if=data/just4097 bs=1 skip=4090 2>/dev/null | md5sum
cat data/a/rel
EOF

H=$(python3 tests/erofs/mkimg.py "$R" "$W/img") || { echo "mkimg failed"; exit 2; }
run() { "$ALCOVE" run --image "${IMG:-$W/img}" --image-hash "${HASH:-$H}" "$@"; }

# ---- differential --------------------------------------------------------------------------
(cd "$R" && "$R/bin/busybox" sh ./t.sh "$R") >"$W/native.out" 2>&1
run /bin/sh /t.sh / >"$W/enclave.out" 2>"$W/enclave.err"
if [ -s "$W/native.out" ] && diff "$W/native.out" "$W/enclave.out" >"$W/diff" 2>&1; then
    ok "tree listing, attributes and contents match native ($(wc -l <"$W/native.out") lines)"
else
    bad "tree listing differs from native" "$W/diff"
fi
[ $verbose -eq 1 ] && cat "$W/enclave.out"

(cd "$R/data/many" && /bin/ls -1a) >"$W/ls.native"
run /bin/gls -1a /data/many >"$W/ls.enclave" 2>"$W/ls.err"
if diff "$W/ls.native" "$W/ls.enclave" >"$W/diff" 2>&1; then
    ok "dynamically linked ls (libraries mapped PROT_EXEC from the image) lists 700 names"
else
    bad "dynamic ls differs" "$W/ls.err"
fi

out=$(run /bin/sh -c '/bin/mm /data/big && /bin/mm /bin/gls && /bin/mm /data/tail3000' 2>&1)
if [ "$(echo "$out" | grep -c '^mmap ok')" = 3 ]; then
    ok "mmap private/shared of image files equals read(); private writes stay private"
else
    bad "mmap: $out"
fi

out=$(run /bin/sh -c 'echo x >/data/new; echo "w=$?"; mkdir /data/d; echo "m=$?"; rm /data/hello; echo "r=$?";
    touch /data/hello; echo "t=$?"; echo x >>/data/hello; echo "a=$?"; cat /data/hello' 2>&1)
if echo "$out" | grep -q 'w=1' && echo "$out" | grep -q 'm=1' && echo "$out" | grep -q 'r=1' &&
   echo "$out" | grep -q 'a=1' && [ "$(echo "$out" | grep -c 'Read-only file system')" -ge 4 ] &&
   echo "$out" | grep -q '^hello image$'; then
    ok "writes, mkdir, unlink, touch, append: EROFS; the file is unchanged"
else
    bad "write paths: $out"
fi

out=$(run /bin/cat /proc/mounts 2>&1)
if echo "$out" | grep -Eq '^[^ ]+ / erofs ro(,[a-z]+)*,verity '; then
    ok "/proc/mounts: erofs ro,verity"
else
    bad "/proc/mounts: $out"
fi

# A chunk-based image (mkfs.erofs --chunksize): the sparse file's holes are chunk holes.
HC=$(python3 tests/erofs/mkimg.py --chunk 65536 "$R" "$W/imgc")
IMG=$W/imgc HASH=$HC run /bin/sh /t.sh / >"$W/chunk.out" 2>"$W/chunk.err"
if diff "$W/native.out" "$W/chunk.out" >"$W/diff" 2>&1; then
    ok "chunk-based image matches native too"
else
    bad "chunk-based image differs" "$W/diff"
fi

out=$(IMG=$W/imgc HASH=$HC run /bin/sk /data/sparse 2>&1; run /bin/sk /data/sparse 2>&1)
# mkfs.erofs 1.5 stores no holes: flat files hold the zeros, and --chunksize points every
# zero chunk at one shared block (deduplication).  So the file is all data, as on Linux.
if [ "$out" = "$(printf 'data 0 hole 9437188\ndata 0 hole 9437188')" ]; then
    ok "SEEK_DATA/SEEK_HOLE on a sparse source file: all data (mkfs.erofs 1.5 writes no holes)"
else
    bad "seek_hole: $out"
fi

# ---- tamper --------------------------------------------------------------------------------
# Byte offsets: where a 64-byte sample of big's content sits, and the tree's level 0.
read -r BIGOFF L0 <<<"$(python3 - "$W/img" "$R/data/big" <<'EOF'
import struct, sys
img = open(sys.argv[1], 'rb').read()
big = open(sys.argv[2], 'rb').read()
off = img.find(big[20 << 20:(20 << 20) + 64])
foot = img[-4096:]
db, ho = struct.unpack('<QQ', foot[24:40])
levels = 0
while (db - 1) >> (7 * levels):
    levels += 1
pos = ho // 4096 + 1
for i in range(levels - 1, -1, -1):
    n = (db + (1 << (7 * (i + 1))) - 1) >> (7 * (i + 1))
    if i == 0:
        l0 = pos
    pos += n
print(off, l0)
EOF
)"
flip() { # FILE OFFSET
    python3 -c 'import sys
f = open(sys.argv[1], "r+b"); o = int(sys.argv[2]); f.seek(o); c = f.read(1); f.seek(o); f.write(bytes([c[0] ^ 0x20]))' "$1" "$2"
}
BLK=$((BIGOFF / 4096))
cp "$W/img" "$W/t.img"
flip "$W/t.img" $((BIGOFF + 5))
IMG=$W/t.img run /bin/sh -c 'cat /data/big >/dev/null; echo "big=$?"; cat /data/hello; md5sum /data/tail3000 >/dev/null; echo "other=$?"' \
    >"$W/t.out" 2>"$W/t.err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'big=1' "$W/t.out" && grep -q 'other=0' "$W/t.out" && grep -q '^hello image$' "$W/t.out" &&
   grep -q "data block $BLK does not match.*data/big" "$W/t.err" &&
   [ "$(grep -c 'does not match' "$W/t.err")" = 1 ] && grep -q 'Input/output error' "$W/t.err"; then
    ok "data block flipped: EIO on /data/big only, one log line naming it and block $BLK"
else
    bad "data tamper (rc=$rc): $(cat "$W/t.out")" "$W/t.err"
fi
# The same image: a program that never touches the bad block boots and runs.
if IMG=$W/t.img run /bin/cat /data/hello >"$W/t.out" 2>"$W/t.err" && grep -q 'hello image' "$W/t.out" &&
   ! grep -q 'does not match' "$W/t.err"; then
    ok "a tampered block nothing reads is never read (mount is lazy)"
else
    bad "lazy mount" "$W/t.err"
fi
# Reads before the bad block still work (a short read up to it, then EIO).
out=$(IMG=$W/t.img run /bin/sh -c 'dd if=/data/big bs=4096 count=4 2>/dev/null | wc -c' 2>&1)
if [ "$(echo "$out" | tail -1 | tr -d ' ')" = 16384 ]; then
    ok "the good blocks of a tampered file still read"
else
    bad "good blocks of a tampered file: $out"
fi

# The second block of /data/big tampered: its first block still reads (a read ahead of
# the bad block must not fail the good one), the second does not.
OFF2=$(python3 -c 'import sys
img = open(sys.argv[1], "rb").read(); big = open(sys.argv[2], "rb").read()
print(img.find(big[4096:4096 + 64]))' "$W/img" "$R/data/big")
cp "$W/img" "$W/t.img"
flip "$W/t.img" $((OFF2 + 9))
out=$(IMG=$W/t.img run /bin/sh -c 'head -c 4096 /data/big | wc -c; dd if=/data/big bs=4096 skip=1 count=1 >/dev/null 2>&1; echo "second=$?"' 2>/dev/null)
if [ "$out" = "$(printf '4096\nsecond=1')" ]; then
    ok "block 1 of a file tampered: block 0 still reads, block 1 is EIO"
else
    bad "read before a bad block: $out"
fi

cp "$W/img" "$W/t.img"
flip "$W/t.img" $((L0 * 4096 + (BLK / 128) * 4096 + (BLK % 128) * 32 + 3))
IMG=$W/t.img run /bin/sh -c 'cat /data/big >/dev/null; echo "big=$?"; cat /data/hello' >"$W/t.out" 2>"$W/t.err"
rc=$?
if [ $rc -eq 0 ] && grep -q 'big=1' "$W/t.out" && grep -q '^hello image$' "$W/t.out" &&
   grep -q 'hash block .* of level 0 does not match.*data/big' "$W/t.err"; then
    ok "hash block flipped: EIO on the file it covers, log line, enclave goes on"
else
    bad "hash tamper (rc=$rc): $(cat "$W/t.out")" "$W/t.err"
fi

refused() { # NAME -- boot must fail, non-zero exit, a message
    if IMG=$W/t.img run /bin/cat /data/hello >"$W/t.out" 2>"$W/t.err"; then
        bad "$1: the enclave started" "$W/t.out"
    elif grep -q 'hello image' "$W/t.out" || [ ! -s "$W/t.err" ]; then
        bad "$1: no message or output seen" "$W/t.err"
    else
        ok "$1: boot refused ($(head -1 "$W/t.err" | cut -c1-90))"
    fi
}
S=$(stat -c %s "$W/img")
cp "$W/img" "$W/t.img"; flip "$W/t.img" $((S - 4096));       refused "footer magic"
cp "$W/img" "$W/t.img"; flip "$W/t.img" $((S - 4096 + 40));  refused "footer salt"
cp "$W/img" "$W/t.img"; flip "$W/t.img" $((S - 4096 + 24));  refused "footer data_blocks"
cp "$W/img" "$W/t.img"; flip "$W/t.img" $((1024 + 36));      refused "EROFS superblock block count"
cp "$W/img" "$W/t.img"; truncate -s $((S - 4096)) "$W/t.img"; refused "truncated image"
head -c $((S / 2 / 4096 * 4096)) /dev/urandom >"$W/t.img";   refused "random bytes"
cp "$W/img" "$W/t.img"
WRONG=$(echo "$H" | tr '0-9a-f' '1-9a-f0')
HASH=$WRONG refused "wrong --image-hash"

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
