#!/usr/bin/env bash
# Overlay root tests: busybox-static scripts run twice, natively (chroot into a copy of the
# lower directory on a real tmpfs) and under Alcove with that directory as the read-only
# lower layer (--root DIR --overlay tmpfs), and the two outputs compared.  Cases marked
# "expect" check a documented overlay behaviour against a fixed expected output instead
# (whiteout names refused, broken lower hard links, the /proc/mounts line, statfs magic).
# After the whole suite the host lower directory must be byte-for-byte what it was.
#
# Every case runs three times: with the host directory as the lower layer (--root DIR)
# over a tmpfs upper; with its image (alcove image pack; --image IMG, erofs+verity) when
# images work; and over a fresh encrypted volume as the upper layer (--overlay VOL) when
# volumes work (else a SKIP line for each).  Persistence across two runs with the encrypted volume as the upper layer
# (--overlay VOL --key-file K) runs when volumes work, else a SKIP line.
#
# usage: tests/overlay/run.sh [-v] [FILTER]     (FILTER: regex on case names)
# environment: ALCOVE (default build/alcove), OVL_TMP (default /dev/shm: must be a tmpfs)
# Needs root (chroot for the native side) and /bin/busybox (busybox-static).
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
ALCOVE=${ALCOVE:-$repo/build/alcove}
BB=/bin/busybox
CHROOT=$(command -v chroot || echo /usr/sbin/chroot)
verbose=0 filter=""
for a in "$@"; do
    case $a in
        -v) verbose=1 ;;
        -h | --help) sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; exit 0 ;;
        *) filter=$a ;;
    esac
done
pass=0 fail=0 skip=0
ok() { pass=$((pass + 1)); [ "$verbose" = 1 ] && echo "PASS $1"; return 0; }
bad() { fail=$((fail + 1)); echo "FAIL $1${2:+: $2}"; }
skipped() { skip=$((skip + 1)); echo "SKIP $1 ($2)"; }

if [ "$(id -u)" != 0 ] || [ ! -x "$BB" ] || [ ! -x "$ALCOVE" ]; then
    echo "needs root, $BB and $ALCOVE"
    echo "0 passed, 1 failed"
    exit 1
fi
tmp=$(mktemp -d "${OVL_TMP:-/dev/shm}/alcove-ovl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
low=$tmp/lower

# ---- the lower layer: a small tree with every kind of object -----------------------------
mklower() {
    local d=$1
    mkdir -p "$d/bin" "$d/d/sub/deep" "$d/e" "$d/empty" "$d/mode" "$d/tmp" "$d/dev" "$d/proc"
    cp "$BB" "$d/bin/busybox"
    for a in $("$BB" --list); do [ "$a" = busybox ] || ln -s busybox "$d/bin/$a"; done
    echo hello >"$d/a.txt"
    echo world >"$d/d/b.txt"
    echo deep >"$d/d/sub/c"
    echo deeper >"$d/d/sub/deep/x"
    ln -s a.txt "$d/link"
    ln -s /d/sub "$d/dlink"
    echo shared >"$d/hl1" && ln "$d/hl1" "$d/hl2"
    head -c 300000 /dev/urandom >"$d/big"
    truncate -s 8M "$d/sparse" && echo tail | dd of="$d/sparse" bs=1 seek=4M conv=notrunc status=none
    echo secret >"$d/mode/ro" && chmod 0444 "$d/mode/ro"
    echo s >"$d/mode/suid" && chmod 4755 "$d/mode/suid"
    chown 1000:1000 "$d/mode/ro"
    mkfifo "$d/fifo"
    for i in $(seq 1 50); do echo "$i" >"$d/e/f$i"; done
    touch -d '2001-02-03 04:05:06' "$d/a.txt" "$d/d/b.txt" "$d/mode/ro"
    touch -d '2002-03-04 05:06:07' "$d/d" "$d/d/sub"
}
mklower "$low"
# What the host sees of the lower layer (content, mode, owner, times, links): compared at the end
snap() { (cd "$1" && find . -printf '%p %y %m %U %G %s %T@ %n %l\n' | sort && find . -type f -exec sha256sum {} + | sort -k2); }
snap "$low" >"$tmp/lower.before"

# run_native SCRIPT, run_alcove SCRIPT: stdout+stderr and the exit status
run_native() {
    rm -rf "$tmp/native" && cp -a "$low" "$tmp/native"
    mknod -m 666 "$tmp/native/dev/null" c 1 3 # busybox sh needs it for background jobs
    (cd / && env -i PATH=/bin "$CHROOT" "$tmp/native" /bin/busybox sh -c "$1" 2>&1; echo "rc=$?")
}
lowopt=(--root "$low") mode=host # the lower layer of the Alcove runs: the host dir, or its image
upopt=(--overlay tmpfs) freshvol=0 # the upper layer: a tmpfs, or a fresh volume for every run
key=$tmp/key st=$tmp/state
mkdir -p "$st" && head -c 32 /dev/urandom >"$key"
run_alcove() {
    if [ "$freshvol" = 1 ]; then
        rm -f "$tmp/case.vol" "$st"/* &&
            "$ALCOVE" volume create "$tmp/case.vol" --size 64M --key-file "$key" >/dev/null 2>&1
    fi
    (cd / && timeout -s KILL 30 "$ALCOVE" run "${lowopt[@]}" "${upopt[@]}" --env PATH=/bin \
        /bin/busybox sh -c "$1" 2>&1; echo "rc=$?")
}

# case NAME SCRIPT: differential
case_diff() {
    local n=$mode:$1 s=$2
    [[ -n $filter && ! $n =~ $filter ]] && return 0
    local f=$tmp/${n//:/.}
    run_native "$s" >"$f.native"
    run_alcove "$s" >"$f.alcove"
    if cmp -s "$f.native" "$f.alcove"; then ok "$n"; else
        bad "$n" "output differs"
        diff -u "$f.native" "$f.alcove" | sed 's/^/    /' | head -n 30
    fi
}
# expect NAME SCRIPT EXPECTED: overlay-specific behaviour against a fixed output
case_expect() {
    local n=$mode:$1 s=$2 e=$3
    [[ -n $filter && ! $n =~ $filter ]] && return 0
    local f=$tmp/${n//:/.}
    run_alcove "$s" >"$f.alcove"
    if [ "$(cat "$f.alcove")" = "$e" ]; then ok "$n"; else
        bad "$n" "unexpected output"
        diff -u <(echo "$e") "$f.alcove" | sed 's/^/    /' | head -n 30
    fi
}

cases() {
# ---- copy-up ---------------------------------------------------------------------------------
case_diff append 'echo more >> /a.txt; cat /a.txt; stat -c "%s %a %u %g" /a.txt; cat /link'
case_diff append_deep 'echo q >> /d/sub/deep/x; cat /d/sub/deep/x; ls -a /d /d/sub /d/sub/deep; stat -c "%a %Y" /d/sub'
case_diff trunc 'echo new > /d/b.txt; cat /d/b.txt; : > /a.txt; stat -c "%s" /a.txt; ls /d'
case_diff truncate_cmd 'truncate -s 3 /a.txt; cat /a.txt; echo; truncate -s 0 /big; stat -c %s /big /a.txt'
case_diff chmod_keeps_data 'chmod 600 /big; stat -c "%a %s" /big; sha256sum /big | cut -c1-16; stat -c "%Y" /a.txt; chmod 0 /a.txt; stat -c "%a %Y" /a.txt'
case_diff chown_keeps_mode 'chown 2000:3000 /mode/suid; stat -c "%a %u %g" /mode/suid; chown 5:6 /mode/ro; stat -c "%a %u %g %Y" /mode/ro; cat /mode/ro'
case_diff utimes 'touch -d "2010-01-01 00:00:00" /d/b.txt; stat -c %Y /d/b.txt; cat /d/b.txt; touch -m -d "2011-01-01 00:00:00" /d/sub; stat -c %Y /d/sub; ls /d/sub'
case_diff keep_times 'cat /a.txt >/dev/null; echo x >> /d/sub/c; stat -c "%Y" /a.txt /d; ls /d/sub; stat -c %Y /d/b.txt'
case_diff sparse 'chmod 600 /sparse; stat -c "%s" /sparse; [ $(stat -c %b /sparse) -lt 1024 ] && echo sparse; tail -c 5 /sparse; dd if=/sparse bs=4096 skip=100 count=1 2>/dev/null | od -An -c | head -2'
case_diff ino_stable 'a=$(stat -c %i /a.txt); echo x >> /a.txt; b=$(stat -c %i /a.txt); [ "$a" = "$b" ] && echo same-ino; d=$(stat -c %i /d); touch /d/n; [ "$d" = "$(stat -c %i /d)" ] && echo same-dir-ino'
case_diff one_dev 'echo x > /d/new; stat -c %d / /d /d/sub /a.txt /d/new /e | sort -u | wc -l'
case_diff setuid_kept 'echo y >> /mode/suid; stat -c "%a" /mode/suid; chmod u-s /mode/suid; stat -c %a /mode/suid'

# ---- whiteouts, opaque directories ----------------------------------------------------------
case_diff unlink 'rm /d/b.txt; ls -a /d; cat /d/b.txt; echo again > /d/b.txt; cat /d/b.txt; rm /d/b.txt; ls /d'
case_diff unlink_symlink 'rm /link /dlink; ls /; ln -s d /link; ls /link'
case_diff rmdir_opaque 'rm -r /d; ls /; mkdir /d; ls -a /d; touch /d/x; ls /d; cat /d/sub/c; ls /d/sub'
case_diff rmdir_nonempty 'rmdir /d; echo $?; rmdir /empty; echo $?; ls /; mkdir /empty; ls -a /empty'
case_diff rmdir_after_unlinks 'rm /d/sub/deep/x; rmdir /d/sub/deep; rm /d/sub/c; rmdir /d/sub; ls -a /d; rmdir /d; echo rc=$?'
case_diff recreate_type 'rm /a.txt; mkdir /a.txt; ls -ld /a.txt | cut -c1; rmdir /a.txt; echo f > /a.txt; cat /a.txt'
case_diff dir_over_file 'rm -r /e; echo file > /e; cat /e; rm /e; mkdir /e; ls -a /e'

# ---- rename ----------------------------------------------------------------------------------
case_diff rename_file 'mv /a.txt /z.txt; ls /; cat /z.txt; cat /a.txt; mv /z.txt /d/b.txt; cat /d/b.txt; ls /d'
case_diff rename_back 'mv /a.txt /tmp/a; mv /tmp/a /a.txt; cat /a.txt; ls /tmp; ls / | grep -c a.txt'
case_diff rename_lower_dir 'mv /d /dd; echo rc=$?; ls /; ls -R /dd; cat /dd/sub/c'
case_diff rename_upper_dir 'mkdir /n; echo 1 > /n/f; mv /n /m; ls /m; cat /m/f; mv /m /e/m; ls /e/m; ls / | grep -c "^[mn]$"'
case_diff rename_dir_over_empty 'mkdir /n; echo 1 > /n/f; mv -T /n /empty; ls -a /empty; rm -r /empty; ls / | grep -c empty'
case_diff rename_over_symlink 'mv /a.txt /link; cat /link; ls -l /link | cut -c1; ls / | grep -c a.txt'
case_diff rename_many 'for i in $(seq 1 50); do mv /e/f$i /e/g$i; done; ls /e | wc -l; ls /e | head -3; cat /e/g7'

# ---- readdir merges -------------------------------------------------------------------------
case_diff readdir_merge 'touch /d/new; mkdir /d/nd; rm /d/b.txt; ls -a /d; ls -a /d/sub'
case_diff readdir_big 'for i in $(seq 1 300); do echo $i > /e/n$i; done; rm /e/f1 /e/n1; ls /e | wc -l; ls /e | sort | head -5; find /e -type f | wc -l'
case_diff find_tree 'echo z > /d/sub/new; rm /d/sub/deep/x; find /d | sort; find / -xdev -name c'
case_diff du_tar 'echo z > /d/sub/new; tar -cf - -C / d | tar -tf - | sort'

# ---- hard links, symlinks, special files ----------------------------------------------------
case_diff link_new 'ln /a.txt /h; echo y >> /h; cat /a.txt; stat -c %h /a.txt /h; rm /a.txt; cat /h; stat -c %h /h'
case_diff symlink_new 'ln -s /d/b.txt /s; cat /s; readlink /s; readlink /link; rm /s; ls / | grep -c "^s$"'
case_diff fifo_lower 'ls -l /fifo | cut -c1; cat /fifo & sleep 0.3; echo via-fifo > /fifo; wait'
case_diff mknod_fifo 'mkfifo /d/ff; ls -l /d/ff | cut -c1; rm /d/ff; ls /d'

# ---- programs that change files in place -----------------------------------------------------
case_diff sed_inplace 'sed -i s/world/there/ /d/b.txt; cat /d/b.txt; ls /d'
case_diff cp_mv_tree 'cp -a /d /copy; ls -R /copy; mv /copy /moved; ls /moved/sub'
case_diff many_changes 'for i in 1 2 3; do echo $i >> /d/sub/deep/x; done; cat /d/sub/deep/x; sort -r /d/sub/deep/x > /d/sub/deep/y; cat /d/sub/deep/y'

# ---- overlay-specific behaviour (fixed expectations, docs/overlay.md) -----------------------
case_expect whiteout_names 'touch /.wh.foo; echo rc=$?; mkdir /d/.wh.x; echo rc=$?; ls -a / | grep -c "^\.wh\."; rm /d/b.txt; ls -a /d | grep -c wh' \
'touch: /.wh.foo: Invalid argument
rc=1
mkdir: can'"'"'t create directory '"'"'/d/.wh.x'"'"': Invalid argument
rc=1
0
0
rc=1'
case_expect broken_hardlink 'echo z >> /hl1; cat /hl1; cat /hl2; stat -c %h /hl2' \
'shared
z
shared
2
rc=0'
case_expect mounts_line 'grep " / " /proc/mounts | cut -d" " -f3,4; stat -f -c %t /' \
"overlay rw,lower=$lowlabel,upper=$uplabel
794c7630
rc=0"
}

# every case with the host directory as the lower layer, then with its image (erofs+verity)
lowlabel=hostfs+unprotected uplabel=tmpfs
cases
img=$tmp/lower.img
if "$ALCOVE" image pack "$low" -o "$img" >"$tmp/pack.log" 2>&1 &&
    [ "$(cd / && "$ALCOVE" run --image "$img" --overlay tmpfs /bin/busybox ls /d/sub 2>"$tmp/probe.log")" = "c
deep" ]; then
    ihash=$(sed -n 's/^root hash: //p' "$tmp/pack.log")
    lowopt=(--image "$img" --image-hash "$ihash") mode=image lowlabel=erofs+verity
    cases
    lowopt=(--root "$low") mode=host lowlabel=hostfs+unprotected
else
    img=""
    skipped "image:*" "image not available: $(cat "$tmp/pack.log" "$tmp/probe.log" 2>/dev/null | grep -v pinned | tail -n 1 | cut -c1-100)"
fi
# and with the encrypted volume as the upper layer (a fresh one per run), host dir below
upopt=(--overlay "$tmp/case.vol" --key-file "$key" --state-dir "$st") freshvol=1
if [ "$(run_alcove 'echo probe')" = "probe
rc=0" ]; then
    mode=volume uplabel=alcovefs+encrypted
    cases
    mode=host uplabel=tmpfs
else
    skipped "volume:*" "volume not available: $(run_alcove true | grep -v '^rc=' | tail -n 1 | cut -c1-100)"
fi
upopt=(--overlay tmpfs) freshvol=0

# ---- a dynamic program from the host root: shared libraries mapped from the lower layer ----
n=host_root_dynamic
if [[ -z $filter || $n =~ $filter ]]; then
    marker=/etc/alcove-ovl-test-$$
    out=$(cd / && "$ALCOVE" run --root / --overlay tmpfs /bin/sh -c \
        "echo hi > $marker && cat $marker && /bin/ls -d /etc && rm $marker && ls $marker" 2>&1)
    exp="hi
/etc
ls: cannot access '$marker': No such file or directory"
    if [ "$out" = "$exp" ] && [ ! -e "$marker" ]; then ok $n; else bad $n "got: $out"; fi
fi

# ---- made-up mount-point directories (a --tmpfs below paths the lower layer lacks) --------
n=madeup_mountpoint_dirs
if [[ -z $filter || $n =~ $filter ]]; then
    out=$(cd / && timeout -s KILL 30 "$ALCOVE" run --root "$low" --overlay tmpfs --tmpfs /mnt1/b/c \
        --env PATH=/bin /bin/busybox sh -c 'ls /mnt1; rmdir /mnt1; mv /mnt1 /z; mv /a.txt /mnt1/x; cat /a.txt; touch /mnt1/b/c/f && ls /mnt1/b/c' 2>&1)
    exp="b
rmdir: '/mnt1': Device or resource busy
mv: can't rename '/mnt1': Device or resource busy
mv: can't rename '/a.txt': Operation not permitted
hello
f"
    if [ "$out" = "$exp" ]; then ok $n; else bad $n "got: $out"; fi
fi

# ---- raw rename(2) from python3 over the host root: EXDEV for lower directories -----------
n=host_root_python_rename
if [[ -z $filter || $n =~ $filter ]] && [ -x /usr/bin/python3 ]; then
    out=$(cd / && timeout -s KILL 60 "$ALCOVE" run --root / --overlay tmpfs /usr/bin/python3 -c '
import os, errno
def t(f):
    try:
        f()
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
print("lower dir", t(lambda: os.rename("/etc/apt", "/etc/apt2")))
os.mkdir("/etc/ovl-new"); open("/etc/ovl-new/f", "w").write("x")
print("upper dir", t(lambda: os.rename("/etc/ovl-new", "/etc/ovl-new2")), os.listdir("/etc/ovl-new2"))
print("lower file", t(lambda: os.rename("/etc/passwd", "/etc/pw2")), os.path.exists("/etc/passwd"))
print("reserved", t(lambda: open("/etc/.wh.x", "w")))
names = os.listdir("/etc")
print("unique", len(names) == len(set(names)), "pw2" in names, "passwd" in names)
' 2>&1)
    exp="lower dir EXDEV
upper dir ok ['f']
lower file ok False
reserved EINVAL
unique True True False"
    if [ "$out" = "$exp" ] && [ -f /etc/passwd ] && [ ! -e /etc/pw2 ] && [ ! -e /etc/ovl-new2 ]; then ok $n; else
        bad $n "got: $out"
    fi
fi

# ---- persistence across runs: the encrypted volume as the upper layer ----------------------
# (lower: the image when it works, else the host directory)
n=persist_volume
if [[ -z $filter || $n =~ $filter ]]; then
    vol=$tmp/upper.vol
    rm -f "$st"/*
    lo=(--root "$low")
    [ -n "$img" ] && lo=(--image "$img" --image-hash "$ihash") n=persist_image_volume
    vrun() { (cd / && timeout -s KILL 30 "$ALCOVE" run "${lo[@]}" --overlay "$vol" --key-file "$key" \
        --state-dir "$st" /bin/busybox sh -c "$1" 2>&1 | grep -v "is not pinned"); }
    if "$ALCOVE" volume create "$vol" --size 64M --key-file "$key" >"$tmp/mkvol.log" 2>&1 &&
        [ "$(vrun 'echo probe')" = probe ]; then
        r1=$(vrun 'echo more >> /a.txt; rm /d/b.txt; rm -r /e; mkdir /e; echo n > /e/n; mv /a.txt /z; chmod 600 /z; echo ok')
        r2=$(vrun 'cat /z; stat -c %a /z; ls /d; ls /e; ls / | grep -c a.txt; ls -a /d/sub | wc -l')
        exp2="hello
more
600
sub
n
0
4"
        if [ "$r1" = ok ] && [ "$r2" = "$exp2" ] && ! grep -q -e more -e hello "$vol"; then ok $n; else
            bad $n "first run: $r1 / second run: $r2"
        fi
        "$ALCOVE" volume check "$vol" --key-file "$key" --state-dir "$st" >"$tmp/check.log" 2>&1 ||
            bad $n:check "alcove volume check: $(tail -n 1 "$tmp/check.log")"
    else
        skipped $n "volume not available: $(cat "$tmp/mkvol.log" 2>/dev/null | tail -n 1 | cut -c1-60) $(vrun true | tail -n 1 | cut -c1-80)"
    fi
fi

# ---- the lower layer on the host is untouched ----------------------------------------------
snap "$low" >"$tmp/lower.after"
if cmp -s "$tmp/lower.before" "$tmp/lower.after"; then ok lower_untouched; else
    bad lower_untouched "the host lower directory changed"
    diff "$tmp/lower.before" "$tmp/lower.after" | head -n 20 | sed 's/^/    /'
fi

[ "$skip" -gt 0 ] && echo "$skip skipped"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
