#!/usr/bin/env bash
# tests/volume/run.sh - the encrypted volume inside the enclave (issue 8): alcovefs on top of
# common/vol.c, driven through `alcove run --volume FILE:/vol` and checked from outside with
# `alcove volume check/export`.
#
#   1. persistence across runs: files, renames, hard links, symlinks, chmod/chown/utimes,
#      sparse files, a file > 100 MB - the tree (find -printf + sha256sum) seen in run 2
#      equals the one run 1 left; `alcove volume export` gives the same tree outside
#   2. several processes of one enclave (fork, busybox sh pipelines) writing one volume
#   3. sqlite3 (dynamically linked, --root /) creates a database, a second run reads it back:
#      the same query output as native
#   4. ENOSPC on a small volume: the program gets ENOSPC, the enclave keeps running, what was
#      there survives, the volume checks clean
#   5. tamper: bit flips between runs (mount refused as "wrong key or corrupted volume", or
#      EIO for the touched file plus a log line; never other bytes, never a crash); the
#      whole file replayed from an older copy (refused: rolled back); a wrong key (refused
#      before the program starts)
#   6. confidentiality: known plaintext in names and contents is nowhere in the volume file
#      or the state directory
#   7. crash consistency: tests/volume/crashwriter.c appends fsync'd records while the host
#      kills the enclave's process group with SIGKILL at random moments: every acknowledged
#      record survives intact, `alcove volume check` is clean.  200 trials (STRESS=1: 1,000;
#      CRASH_TRIALS=N overrides)
# A's tests/volume/cli.sh (the CLI commands offline) runs first when it exists.
#
# usage: bash tests/volume/run.sh [SECTION...]   (sections: cli persist procs sqlite enospc
#        tamper confid crash; default all)
# environment: ALCOVE (default build/alcove), STRESS, CRASH_TRIALS, KEEP=1 (keep the scratch)
set -u
cd "$(dirname "$0")/../.."
REPO=$PWD
ALCOVE=${ALCOVE:-$REPO/build/alcove}
case $ALCOVE in /*) ;; *) ALCOVE=$REPO/$ALCOVE ;; esac
BUILD=$(dirname "$ALCOVE")
# Scratch: the host paths must be visible in the enclave (--root /) and not under /tmp or
# /dev/shm, which are the enclave's own tmpfs.  The crash trials want fast fsync: their
# volume lives in a host tmpfs directory that is reached only through --volume.
mkdir -p "$REPO/build/tests"
W=$(mktemp -d "$REPO/build/tests/volume.XXXXXX")
FASTDIR=$(mktemp -d /dev/shm/alcove-vol.XXXXXX 2>/dev/null || mktemp -d "$W/fast.XXXXXX")
cleanup() { [ "${KEEP:-0}" = 1 ] && { echo "kept $W $FASTDIR"; return; }; rm -rf "$W" "$FASTDIR"; }
trap cleanup EXIT
pass=0; fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1${2:+: $2}"; fail=$((fail + 1)); }
# check NAME COMMAND...: pass if the command succeeds; checkx NAME 'SHELL CONDITION': pass if
# the condition (eval'd, may use && and ||) holds
check() { local n=$1; shift; if "$@"; then ok "$n"; else bad "$n"; fi; }
checkx() { local n=$1; shift; if eval "$1"; then ok "$n"; else bad "$n"; fi; }

KEY=$W/key; KEY2=$W/key2
head -c 32 /dev/urandom >"$KEY"; head -c 32 /dev/urandom >"$KEY2"
STATE=$W/state; mkdir -p "$STATE"
TMO=120

vcreate() { # FILE SIZE [STATE]
    "$ALCOVE" volume create "$1" --size "$2" --key-file "$KEY" --state-dir "${3:-$STATE}" \
        >"$W/last-create.log" 2>&1
}
vcheck() { # FILE [STATE] -> 0 if clean (output in $W/last-check.log)
    "$ALCOVE" volume check "$1" --key-file "$KEY" --state-dir "${2:-$STATE}" >"$W/last-check.log" 2>&1
}
# arun VOL [alcove run options...] -- PROGRAM ARGS: the volume at /vol, host / as the root
arun() {
    local vol=$1; shift
    local opts=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    timeout -s KILL "$TMO" "$ALCOVE" run --root / --key-file "$KEY" --state-dir "$STATE" \
        --volume "$vol:/vol" "${opts[@]}" --env PATH=/usr/bin:/bin -- "$@"
}
# a crash of the LibOS shows as one of these on stderr, or as a status of a signal
crashed() { grep -Eqi 'internal error|panic|segmentation|core dumped' "$1"; }

want() { [ $# -eq 0 ] && return 0; for s in "$@"; do [ "$s" = "$SECTION" ] && return 0; done; return 1; }
SECTIONS=("$@")
sec() { SECTION=$1; want "${SECTIONS[@]}"; }

# ---- 0. the CLI's own tests ------------------------------------------------------------------
if sec cli && [ -f tests/volume/cli.sh ]; then
    out=$(ALCOVE="$ALCOVE" bash tests/volume/cli.sh 2>&1); rc=$?
    last=$(printf '%s\n' "$out" | tail -1)
    if [[ $last =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
        pass=$((pass + BASH_REMATCH[1])); fail=$((fail + BASH_REMATCH[2]))
        printf '%s\n' "$out" | grep '^FAIL' || true
        echo "cli.sh: $last"
    else
        bad "cli.sh" "no summary line (status $rc)"
    fi
fi

gcc -O2 -Wall -o "$W/crashwriter" tests/volume/crashwriter.c || { bad "build crashwriter"; }

# The listing of a tree as seen from inside or outside: path, type, mode, owner, size, link
# count, symlink target, mtime; then the content hash of every regular file.  lister-x.sh:
# without owner, link count, times and directory sizes (a host directory's st_size is the
# host's), and without FIFOs, for the export comparison.
cat >"$W/lister.sh" <<'EOF'
cd "$1" || exit 1
find . -mindepth 1 -printf "%p %y %m %U:%G %s %n %l %T@\n" | LC_ALL=C sort
find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
EOF
cat >"$W/lister-x.sh" <<'EOF'
cd "$1" || exit 1
{ find . -mindepth 1 -type d -printf "%p %y %m\n"
  find . -mindepth 1 ! -type d ! -type p -printf "%p %y %m %s %l\n"; } | LC_ALL=C sort
find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum
EOF
LISTER="$W/lister.sh"; LISTER_X="$W/lister-x.sh"

# ---- 1. persistence ------------------------------------------------------------------------------
if sec persist; then
    V=$W/persist.vol
    if ! vcreate "$V" 512M; then
        bad "persist: volume create" "$(head -3 "$W/last-create.log")"
    else
        head -c 120M /dev/urandom >"$W/big.src"
        big_sum=$(sha256sum <"$W/big.src" | cut -d' ' -f1)
        cat >"$W/persist1.sh" <<'EOF'
set -e
cd /vol
mkdir -p a/b/c d
echo "first file" > a/one
printf 'two\n%.0s' $(seq 1000) > a/b/two
echo moved > tmpname && mv tmpname a/b/c/renamed
mkdir olddir && echo inside > olddir/f && mv olddir newdir
echo linked > d/orig && ln d/orig d/hard && ln d/orig a/hard2
ln -s ../a/one d/sym && ln -s /nonexistent/target dangling
echo m > mode && chmod 0751 mode && chmod 1777 d
echo o > owned && chown 1234:5678 owned
echo t > timed && touch -h -d '2001-02-03 04:05:06.123456789' timed
touch -d '1999-12-31 23:59:59' a/b
dd if=/dev/zero of=sparse bs=1 count=1 seek=1073741823 2>/dev/null
dd if=/dev/urandom of=sparse2 bs=4096 count=3 seek=100 conv=notrunc 2>/dev/null
truncate -s 5000 cut && echo tail >> cut && truncate -s 3000 cut
cp "$BIG" big
echo gone > gone && rm gone
mkfifo fifo
EOF
        out1=$(arun "$V" --env BIG="$W/big.src" -- /bin/sh -c ". $W/persist1.sh && sh $LISTER /vol" 2>"$W/p1.err"); rc=$?
        if [ $rc != 0 ]; then
            bad "persist: run 1 writes the tree" "status $rc: $(head -5 "$W/p1.err")"
        else
            ok "persist: run 1 writes the tree"
            out2=$(arun "$V" -- /bin/sh "$LISTER" /vol 2>"$W/p2.err"); rc=$?
            if [ $rc = 0 ] && [ "$out1" = "$out2" ]; then ok "persist: run 2 sees the same tree (names, modes, owners, sizes, links, times, contents)"
            else bad "persist: run 2 sees the same tree" "status $rc; diff: $(diff <(echo "$out1") <(echo "$out2") | head -10)"; fi
            got=$(printf '%s\n' "$out2" | awk '$2 == "./big" {print $1}')
            check "persist: the 120 MB file reads back intact" [ "$got" = "$big_sum" ]
            # sparse: st_blocks survives (a 1 GiB file with one page of data)
            sp=$(arun "$V" -- /bin/sh -c 'stat -c "%s %b" /vol/sparse /vol/sparse2' 2>/dev/null)
            read -r s1 b1 s2 b2 <<<"$(echo $sp)"
            checkx "persist: sparse files stay sparse ($(echo $sp))" '[ "${s1:-0}" = 1073741824 ] && [ "${b1:-99}" -le 8 ] &&
                [ "${s2:-0}" = $((103 * 4096)) ] && [ "${b2:-99}" -le 24 ]'
            check "persist: volume check is clean" vcheck "$V"
            # export: the same tree outside
            rm -rf "$W/export"
            if "$ALCOVE" volume export "$V" "$W/export" --key-file "$KEY" --state-dir "$STATE" >"$W/export.log" 2>&1; then
                in=$(arun "$V" -- /bin/sh "$LISTER_X" /vol 2>/dev/null)
                outx=$(sh "$LISTER_X" "$W/export")
                if [ -n "$in" ] && [ "$in" = "$outx" ]; then ok "persist: volume export gives the tree the enclave saw"
                else bad "persist: volume export gives the tree the enclave saw" "$(diff <(echo "$in") <(echo "$outx") | head -10)"; fi
            else
                bad "persist: volume export" "$(head -3 "$W/export.log")"
            fi
        fi
        rm -f "$W/big.src"
    fi
fi

# ---- 2. several processes of one enclave -----------------------------------------------------------
if sec procs; then
    V=$W/procs.vol
    if vcreate "$V" 64M; then
        cat >"$W/procs.sh" <<'EOF'
cd /vol || exit 1
mkdir -p m
# two writers appending to one file and each to its own, at once
( for i in $(seq 1 300); do echo "a$i" >> m/shared; echo "a$i" >> m/a; done ) &
( for i in $(seq 1 300); do echo "b$i" >> m/shared; echo "b$i" >> m/b; done ) &
wait
# pipelines: every stage a process, the tree seen by all
seq 1 5000 | sort -rn | tee m/sorted | wc -l > m/count
cat m/sorted | grep -c 7 > m/sevens
( cd m && ls ) > m/listing
sync
EOF
        out=$(arun "$V" -- /bin/busybox sh "$W/procs.sh" 2>&1); rc=$?
        check "procs: busybox sh with background writers and pipelines runs" [ $rc = 0 ]
        res=$(arun "$V" -- /bin/busybox sh -c 'cd /vol/m && wc -l < shared && sort shared | uniq | wc -l && grep -c "^a" shared && cat count sevens && md5sum < sorted && cat listing | tr "\n" " "' 2>&1)
        want_sorted=$(seq 1 5000 | sort -rn | md5sum)
        exp=$(printf '600\n600\n300\n5000\n%s\n%s\na b count listing sevens shared sorted ' \
              "$(seq 1 5000 | sort -rn | grep -c 7)" "$want_sorted")
        if [ "$res" = "$exp" ]; then ok "procs: a second run sees every process's writes"
        else bad "procs: a second run sees every process's writes" "$(diff <(echo "$exp") <(echo "$res") | head)"; fi
        # fork: the crash writer's verify in a child while the parent appends
        out=$(arun "$V" -- /bin/busybox sh -c "$W/crashwriter append /vol/m/log 50 >/dev/null & $W/crashwriter append /vol/m/log2 50 > /dev/null; wait; $W/crashwriter verify /vol/m/log; $W/crashwriter verify /vol/m/log2" 2>&1)
        check "procs: two writer processes, fsync'd records, read back ($(echo $out))" [ "$(echo $out)" = "50 50" ]
        check "procs: volume check is clean" vcheck "$V"
    else
        bad "procs: volume create" "$(head -3 "$W/last-create.log")"
    fi
fi

# ---- 3. sqlite3 --------------------------------------------------------------------------------------
if sec sqlite && [ -x /usr/bin/sqlite3 ]; then
    V=$W/sqlite.vol
    cat >"$W/create.sql" <<'EOF'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
CREATE INDEX ti ON t(name);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 5000)
INSERT INTO t SELECT x, 'name' || (x * 7919 % 5000), x * 0.5 FROM c;
UPDATE t SET v = v * 2 WHERE id % 3 = 0;
DELETE FROM t WHERE id % 10 = 0;
CREATE TABLE u AS SELECT name, count(*) AS n, sum(v) AS s FROM t GROUP BY name;
EOF
    Q='SELECT count(*), sum(v), min(name), max(name) FROM t; SELECT * FROM u ORDER BY s DESC LIMIT 5; PRAGMA integrity_check;'
    mkdir -p "$W/native-sql"
    sqlite3 "$W/native-sql/db" <"$W/create.sql" && nat=$(sqlite3 "$W/native-sql/db" "$Q")
    if vcreate "$V" 64M; then
        arun "$V" -- /usr/bin/sqlite3 /vol/db ".read $W/create.sql" >"$W/sql1.out" 2>&1; rc=$?
        check "sqlite: run 1 creates the database on the volume" [ $rc = 0 ]
        got=$(arun "$V" -- /usr/bin/sqlite3 /vol/db "$Q" 2>"$W/sql2.err")
        if [ -n "$nat" ] && [ "$got" = "$nat" ]; then ok "sqlite: run 2 reads it back, the same answers as native"
        else bad "sqlite: run 2 reads it back" "$(diff <(echo "$nat") <(echo "$got") | head -5) $(head -3 "$W/sql2.err")"; fi
        check "sqlite: volume check is clean" vcheck "$V"
    else
        bad "sqlite: volume create" "$(head -3 "$W/last-create.log")"
    fi
fi

# ---- 4. ENOSPC -----------------------------------------------------------------------------------------
if sec enospc; then
    V=$W/small.vol
    if vcreate "$V" 4M; then
        cat >"$W/enospc.sh" <<'EOF'
cd /vol || exit 1
echo precious > keep && sync
dd if=/dev/urandom of=fill bs=4096 count=4096 2>/dev/shm/dd.err; echo "dd=$?"
grep -c "No space left" /dev/shm/dd.err || echo "no-message"
sync; echo "sync=$?"
# rewrite part of a file in place while the volume is nearly full (copy-on-write needs room)
dd if=/dev/urandom of=fill bs=4096 count=64 conv=notrunc 2>/dev/null; sync; echo "rewrite-sync=$?"
rm -f fill; sync
echo again > after && sync && echo "alive"
cat keep
EOF
        out=$(arun "$V" -- /bin/sh "$W/enospc.sh" 2>"$W/enospc.err"); rc=$?
        exp=$'dd=1\n1\nsync=0\nrewrite-sync=0\nalive\nprecious'
        if [ $rc = 0 ] && [ "$out" = "$exp" ]; then ok "enospc: write fails with ENOSPC, sync works, the enclave goes on"
        else bad "enospc: write fails with ENOSPC, sync works, the enclave goes on" "status $rc, got: $(echo $out) / $(head -3 "$W/enospc.err")"; fi
        ! crashed "$W/enospc.err"; check "enospc: no crash" [ $? = 0 ]
        check "enospc: volume check is clean after" vcheck "$V"
        out=$(arun "$V" -- /bin/sh -c 'cat /vol/keep /vol/after; ls /vol' 2>&1)
        check "enospc: the next run sees what was kept ($(echo $out))" [ "$(echo $out)" = "precious again after keep" ]
    else
        bad "enospc: volume create" "$(head -3 "$W/last-create.log")"
    fi
fi

# ---- 5. tamper -----------------------------------------------------------------------------------------
if sec tamper; then
    V=$W/tamper.vol
    TS=$W/tstate; mkdir -p "$TS"
    if vcreate "$V" 1M "$TS"; then
        # a few files of known content (several blocks each)
        STATE=$TS arun "$V" -- /bin/sh -c 'cd /vol && for i in 1 2 3 4 5 6; do yes "file $i line" | head -c $((i * 20000)) > f$i; done; mkdir d; echo small > d/s' >/dev/null 2>&1
        for i in 1 2 3 4 5 6; do yes "file $i line" | head -c $((i * 20000)) >"$W/exp.f$i"; done
        cp "$V" "$W/tamper.good"; cp -r "$TS" "$W/tstate.good"
        nblk=$(( $(stat -c %s "$V") / 4096 ))
        garbage=0; crashes=0; detected=0; unnoticed=0; trials=0
        # bit flips: the header, both superblock slots, then random blocks (tree nodes, data,
        # unused space)
        for t in $(seq 1 40); do
            cp "$W/tamper.good" "$V"; rm -rf "$TS"; cp -r "$W/tstate.good" "$TS"
            case $t in
                1) blk=0 ;; 2) blk=1 ;; 3) blk=2 ;;
                *) blk=$((RANDOM % nblk)) ;;
            esac
            off=$((blk * 4096 + RANDOM % 4096))
            python3 -c "import sys
f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); b=f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0]^(1<<int(sys.argv[3]))]))" "$V" "$off" $((RANDOM % 8))
            STATE=$TS arun "$V" -- /bin/sh -c 'echo STARTED; for i in 1 2 3 4 5 6; do if cat /vol/f$i > /dev/shm/f 2>/dev/null; then echo "f$i $(sha256sum < /dev/shm/f)"; else echo "f$i EIO"; fi; done' \
                >"$W/t.out" 2>"$W/t.err"; rc=$?
            trials=$((trials + 1))
            if [ $rc -ge 128 ] || crashed "$W/t.err"; then crashes=$((crashes + 1)); echo "  tamper block $blk: status $rc $(head -2 "$W/t.err")"; continue; fi
            if [ $rc != 0 ]; then
                if grep -q STARTED "$W/t.out" || ! grep -Eq 'wrong key or corrupted volume|not an Alcove volume|corrupt|rolled back' "$W/t.err"; then
                    garbage=$((garbage + 1)); echo "  tamper block $blk: status $rc without the message: $(head -2 "$W/t.err")"
                else detected=$((detected + 1)); fi
                continue
            fi
            seen=0
            for i in 1 2 3 4 5 6; do
                line=$(grep "^f$i " "$W/t.out")
                if [ "$line" = "f$i EIO" ]; then
                    seen=1
                    grep -q 'authentic\|EIO\|corrupt\|tamper\|fail' "$W/t.err" || { garbage=$((garbage + 1)); echo "  tamper block $blk: f$i EIO without a log line"; }
                elif [ "$line" != "f$i $(sha256sum <"$W/exp.f$i")" ]; then
                    garbage=$((garbage + 1)); echo "  tamper block $blk: f$i has other bytes"
                fi
            done
            [ $seen = 1 ] && detected=$((detected + 1)) || unnoticed=$((unnoticed + 1))
        done
        echo "  tamper: $trials flips: $detected detected, $unnoticed in bytes no file uses, $garbage wrong, $crashes crashes"
        check "tamper: bit flips give the message or EIO, never other bytes" [ $garbage = 0 ]
        check "tamper: bit flips never crash the enclave" [ $crashes = 0 ]
        check "tamper: flips of the header and both superblocks are detected" [ $detected -ge 1 ]
        # swap two data blocks: reads give EIO (or the mount is refused), never the other block
        cp "$W/tamper.good" "$V"; rm -rf "$TS"; cp -r "$W/tstate.good" "$TS"
        python3 - "$V" "$nblk" <<'PY'
import sys
p, n = sys.argv[1], int(sys.argv[2])
f = open(p, 'r+b'); blocks = []
# the two last blocks written by the run are data of the files; swap two adjacent used ones
data = f.read()
import hashlib
first = 3
a, b = first + 20, first + 21
f.seek(a * 4096); x = f.read(4096); f.seek(b * 4096); y = f.read(4096)
f.seek(a * 4096); f.write(y); f.seek(b * 4096); f.write(x)
PY
        out=$(STATE=$TS arun "$V" -- /bin/sh -c 'for i in 1 2 3 4 5 6; do cat /vol/f$i 2>/dev/null | sha256sum; done' 2>"$W/t.err"); rc=$?
        okswap=1
        for i in 1 2 3 4 5 6; do
            l=$(echo "$out" | sed -n "${i}p")
            [ "$l" = "$(sha256sum <"$W/exp.f$i")" ] || [ "$l" = "$(printf '' | sha256sum)" ] || [ -z "$l" ] || okswap=0
        done
        checkx "tamper: two swapped blocks: EIO or refused, never the other block's bytes" '[ $okswap = 1 ] && [ $rc -lt 128 ]'
        # replay of the whole file from an older copy
        cp "$W/tamper.good" "$V"; rm -rf "$TS"; cp -r "$W/tstate.good" "$TS"
        STATE=$TS arun "$V" -- /bin/sh -c 'echo newer > /vol/newer' >/dev/null 2>&1
        cp "$W/tamper.good" "$V"
        STATE=$TS arun "$V" -- /bin/echo STARTED >"$W/t.out" 2>"$W/t.err"; rc=$?
        checkx "tamper: an older copy of the whole volume is refused as rolled back" \
            '[ $rc != 0 ] && ! grep -q STARTED "$W/t.out" && grep -q "rolled back" "$W/t.err"'
        # wrong key: refused before the program starts
        cp "$W/tamper.good" "$V"; rm -rf "$TS"; cp -r "$W/tstate.good" "$TS"
        timeout -s KILL 30 "$ALCOVE" run --root / --key-file "$KEY2" --state-dir "$TS" --volume "$V:/vol" \
            -- /bin/echo STARTED >"$W/t.out" 2>"$W/t.err"; rc=$?
        checkx "tamper: a wrong key is refused before the program starts" \
            '[ $rc != 0 ] && ! grep -q STARTED "$W/t.out" && grep -q "wrong key or corrupted volume" "$W/t.err"'
    else
        bad "tamper: volume create" "$(head -3 "$W/last-create.log")"
    fi
fi

# ---- 6. confidentiality ----------------------------------------------------------------------------------
if sec confid; then
    V=$W/confid.vol
    CS=$W/cstate; mkdir -p "$CS"
    if vcreate "$V" 8M "$CS"; then
        STATE=$CS arun "$V" -- /bin/sh -c 'cd /vol && mkdir KNOWNDIRNAME && for i in $(seq 1 50); do echo "KNOWNPLAINTEXT secret line $i" ; done > KNOWNDIRNAME/KNOWNFILENAME && yes KNOWNPLAINTEXT | head -c 300000 > big && ln -s KNOWNLINKTARGET lnk && sync' >/dev/null 2>&1
        n=0
        for f in "$V" "$CS"/*; do
            for s in KNOWNPLAINTEXT KNOWNDIRNAME KNOWNFILENAME KNOWNLINKTARGET; do
                c=$(grep -a -c "$s" "$f"); n=$((n + c))
            done
        done
        check "confid: no known plaintext (names, contents, link text) in the volume file or the state dir" [ $n = 0 ]
        got=$(STATE=$CS arun "$V" -- /bin/sh -c 'grep -c KNOWNPLAINTEXT /vol/KNOWNDIRNAME/KNOWNFILENAME; readlink /vol/lnk' 2>/dev/null)
        check "confid: ... and the enclave reads it back" [ "$(echo $got)" = "50 KNOWNLINKTARGET" ]
    else
        bad "confid: volume create" "$(head -3 "$W/last-create.log")"
    fi
fi

# ---- 7. crash consistency ------------------------------------------------------------------------------
if sec crash; then
    N=${CRASH_TRIALS:-200}
    [ "${STRESS:-0}" = 1 ] && N=${CRASH_TRIALS:-1000}
    V=$FASTDIR/crash.vol
    CST=$FASTDIR/state; mkdir -p "$CST"
    # 64 MiB hold 300,000 records of 200 bytes: the writer stops before the volume is full
    # (a full volume gives a short write, which is ENOSPC, not a crash-consistency matter)
    if vcreate "$V" 64M "$CST"; then
        lost=0; damaged=0; unclean=0; crashes=0; acked=0; verified=0; total0=$(date +%s)
        # Each run of the writer first verifies what the previous kills left (exit 1 and a
        # message on damage) and prints "= M": M must not be below what was acknowledged.
        for t in $(seq 1 "$N"); do
            ack=$FASTDIR/ack; : >"$ack"
            # the enclave in its own process group, killed as a whole
            setsid timeout -s KILL 60 "$ALCOVE" run --root / --key-file "$KEY" --state-dir "$CST" \
                --volume "$V:/vol" -- "$W/crashwriter" append /vol/log 250000 >"$ack" 2>"$FASTDIR/w.err" &
            pid=$!
            # a random moment: 0 to 400 ms after the start (some kills land during boot/mount)
            sleep "0.$(printf '%03d' $((RANDOM % 400)))"
            kill -KILL -- -"$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            first=$(head -n 1 "$ack"); last=$(tail -n 1 "$ack")
            if [[ $first =~ ^=\ ([0-9]+)$ ]]; then
                verified=$((verified + 1))
                if [ "${BASH_REMATCH[1]}" -lt "$acked" ]; then
                    lost=$((lost + 1)); echo "  trial $t: ${BASH_REMATCH[1]} records, $acked acknowledged"
                fi
            fi
            [[ $last =~ ^[0-9]+$ ]] && [ "$last" -gt "$acked" ] && acked=$last
            if grep -q '^crashwriter:' "$FASTDIR/w.err"; then damaged=$((damaged + 1)); echo "  trial $t: $(head -2 "$FASTDIR/w.err")"; fi
            if crashed "$FASTDIR/w.err"; then crashes=$((crashes + 1)); echo "  trial $t: $(head -2 "$FASTDIR/w.err")"; fi
            if ! vcheck "$V" "$CST"; then unclean=$((unclean + 1)); echo "  trial $t: volume check: $(head -3 "$W/last-check.log")"; fi
        done
        # and what the last kill left
        got=$(timeout -s KILL 60 "$ALCOVE" run --root / --key-file "$KEY" --state-dir "$CST" \
            --volume "$V:/vol" -- "$W/crashwriter" verify /vol/log 2>"$FASTDIR/v.err"); rc=$?
        if [ $rc != 0 ]; then
            damaged=$((damaged + 1)); echo "  final verify: status $rc: $(head -2 "$FASTDIR/v.err")"
        elif [ "$got" -lt "$acked" ]; then
            lost=$((lost + 1)); echo "  final verify: $got records, $acked acknowledged"
        fi
        echo "  crash: $N kills in $(( $(date +%s) - total0 )) s ($verified runs got to verify), $acked records acknowledged in all: $lost lost, $damaged damaged, $unclean unclean checks, $crashes crashes"
        checkx "crash: every fsync'd record survives $N kills" '[ $lost = 0 ] && [ $damaged = 0 ]'
        check "crash: volume check is clean after every kill" [ $unclean = 0 ]
        check "crash: no crash of the LibOS" [ $crashes = 0 ]
        checkx "crash: the writer made progress ($acked records, $verified verified starts)" '[ "$acked" -gt "$N" ] && [ "$verified" -gt $((N / 4)) ]'
    else
        bad "crash: volume create" "$(head -3 "$W/last-create.log")"
    fi
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
