#!/usr/bin/env bash
# Differential ABI test runner for Alcove.
#
# Builds every tests/abi/*.c three ways (glibc static, glibc dynamic, musl static), runs each
# binary natively and under `build/alcove run`, and compares stdout and exit status.
#
# usage: tests/abi/run.sh [options] [FILTER]
#   FILTER            extended regex matched against "test:variant" (e.g. '^pipe', ':musl$')
#   -j N              parallel jobs (default: number of CPUs)
#   --native-only     run natively twice and compare the two runs (determinism check)
#   --build-only      only build
#   --keep            keep scratch directories (printed paths)
#   --fs FS           file system under test, hostfs|tmpfs|volume|overlay (default $ABI_FS, else hostfs):
#                     hostfs: native scratch dir under ${TMPDIR:-/tmp}, Alcove gets it as
#                             --mount $S:/scratch:rw (a host directory);
#                     tmpfs:  native scratch dir on a real tmpfs (a fresh directory under
#                             $ABI_TMPFS_DIR, default /dev/shm), Alcove gets
#                             --tmpfs /scratch:256M (its in-enclave tmpfs) instead of --mount.
#                             Only the tests listed in tests/abi/fs-tests.txt run (--all
#                             runs every test); results go to build/tests/abi/results-tmpfs/.
#                     volume: native as tmpfs; Alcove gets a fresh encrypted volume per test
#                             (alcove volume create, 256M) as --volume V:/scratch; the same
#                             test list; results in build/tests/abi/results-volume/.
#                     overlay: native as tmpfs; Alcove runs with the overlay root over the host
#                             (--root / --overlay tmpfs) and its scratch dir is the host scratch
#                             dir seen through the overlay (an empty lower directory, so every
#                             change goes to the upper layer); the host dir must stay empty.
#                             The same test list; results in build/tests/abi/results-overlay/.
#   --all             with --fs tmpfs: every test, not only those in fs-tests.txt
#   -v                also list passing tests
#   -h, --help        this text
# environment:
#   ALCOVE=path       Alcove binary (default: build/alcove)
#   ABI_TIMEOUT=secs  per-run timeout (default 10)
#   ABI_VARIANTS      space-separated subset of "static dynamic musl"
#   ABI_FS            default for --fs
#
# Results (stdout/stderr/status of every run) are kept in build/tests/abi/results/
# (--fs tmpfs: build/tests/abi/results-tmpfs/).
#
# Tests named fs_mount* call mount(2) themselves: natively they run under
# `unshare -m --propagation private` (a private mount namespace, so nothing they mount is
# seen by, or left behind on, the host); under Alcove they run as is, since mount(2) there
# changes only the enclave's own mount table.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/build/tests/abi"
self="$here/run.sh"

# ------------------------------------------------------------------ internal job modes
# (run.sh re-invokes itself under xargs; configuration arrives in exported variables)

build_one() { # variant name
    local v=$1 n=$2 src="$here/$2.c" bin="$out/$1/$2" cc
    case $v in
        static) cc=(gcc -static) ;;
        dynamic) cc=(gcc) ;;
        musl) cc=(musl-gcc -static) ;;
        *) echo "unknown variant $v" >&2; return 1 ;;
    esac
    mkdir -p "$out/$v"
    if "${cc[@]}" -O1 -g -Wall -pthread -o "$bin.tmp" "$src" >"$bin.buildlog" 2>&1; then
        mv -f "$bin.tmp" "$bin"
    else
        rm -f "$bin.tmp" "$bin"
        echo "BUILD FAILED: $n:$v" >&2
        sed 's/^/    /' "$bin.buildlog" | head -n 30 >&2
        return 0 # the run phase reports it as a failure
    fi
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# close every descriptor above 2 in the current (sub)shell: tests start with 0, 1, 2 only
close_fds() {
    local f
    for f in /proc/$BASHPID/fd/*; do
        f=${f##*/}
        [ "$f" -gt 2 ] 2>/dev/null && eval "exec $f>&-"
    done
}

# run_side KIND SCRATCH PREFIX BIN  -> writes PREFIX.out/.err/.rc, prints nothing
run_side() {
    local kind=$1 s=$2 pfx=$3 bin=$4 rc t0 t1
    t0=$(now_ms)
    if [ "$kind" = native ]; then
        local ns=()
        # mount(2) tests get a private mount namespace natively (see the header)
        case ${bin##*/} in fs_mount*) ns=(unshare -m --propagation private) ;; esac
        (close_fds; cd "$s" && umask 022 && ulimit -S -c 0 && exec timeout -s KILL "$ABI_TIMEOUT" \
            "${ns[@]}" env -i ALCOVE_TEST_DIR="$s" PATH=/usr/bin:/bin "$bin" \
            </dev/null >"$pfx.out" 2>"$pfx.err")
        rc=$?
    else
        local cwdopt=() fsopt=(--mount "$s:/scratch:rw")
        [ "$ABI_ALCOVE_CWD" = 1 ] && cwdopt=(--cwd /scratch)
        [ "$ABI_FS" = tmpfs ] && fsopt=(--tmpfs /scratch:256M)
        if [ "$ABI_FS" = volume ]; then
            "$ALCOVE" volume create "$s/scratch.vol" --size 256M --key-file "$ABI_VOLUME_KEY" \
                >"$pfx.mkvol" 2>&1
            fsopt=(--volume "$s/scratch.vol:/scratch" --key-file "$ABI_VOLUME_KEY" --state-dir "$s/state")
        fi
        local tdir=/scratch
        if [ "$ABI_FS" = overlay ]; then
            # the scratch dir is $s itself, through the overlay root (lower: the host's /)
            fsopt=(--overlay tmpfs) tdir=$s
            [ "$ABI_ALCOVE_CWD" = 1 ] && cwdopt=(--cwd "$s")
        fi
        (close_fds; cd "$s" && umask 022 && ulimit -S -c 0 && exec timeout -s KILL "$ABI_TIMEOUT" \
            "$ALCOVE" run --root / "${fsopt[@]}" \
            --env ALCOVE_TEST_DIR="$tdir" --env PATH=/usr/bin:/bin "${cwdopt[@]}" "$bin" \
            </dev/null >"$pfx.out" 2>"$pfx.err")
        rc=$?
    fi
    t1=$(now_ms)
    if [ "$rc" = 137 ] && [ $((t1 - t0)) -ge $((ABI_TIMEOUT * 1000 - 200)) ]; then
        echo "137 (timeout after ${ABI_TIMEOUT}s)" >"$pfx.rc"
    else
        echo "$rc" >"$pfx.rc"
    fi
}

cleanup_scratch() {
    [ "$ABI_KEEP" = 1 ] && { echo "kept scratch: $*"; return; }
    chmod -R u+rwx "$@" 2>/dev/null
    rm -rf "$@"
}

run_one() { # variant name
    local v=$1 n=$2 bin="$out/$1/$2" rdir="$ABI_RESULTS/$1" a b s1 s2 res
    mkdir -p "$rdir"
    if [ "$ABI_NATIVE_ONLY" = 1 ]; then a=native1 b=native2; else a=native b=alcove; fi
    rm -f "$rdir/$n".*
    if [ ! -x "$bin" ]; then
        echo "FAIL build failed (see $bin.buildlog)" >"$rdir/$n.result"
        return 0
    fi
    # hostfs: both scratch dirs on the host's ordinary file system; tmpfs: the native one
    # on a real tmpfs (s2 is then only Alcove's host cwd: /scratch is its own tmpfs)
    if [ "$ABI_FS" = tmpfs ] || [ "$ABI_FS" = volume ] || [ "$ABI_FS" = overlay ]; then
        s1=$(mktemp -d "$ABI_TMPFS_DIR/alcove-abi.XXXXXX")
    else
        s1=$(mktemp -d "${TMPDIR:-/tmp}/alcove-abi.XXXXXX")
    fi
    if [ "$ABI_FS" = tmpfs ] && [ "$ABI_NATIVE_ONLY" = 1 ]; then
        s2=$(mktemp -d "$ABI_TMPFS_DIR/alcove-abi.XXXXXX")
    elif [ "$ABI_FS" = overlay ]; then
        # not under /tmp or /dev/shm: those are the enclave's own tmpfs mounts, over the overlay
        mkdir -p "$out/scratch" && s2=$(mktemp -d "$out/scratch/alcove-abi.XXXXXX")
    else
        s2=$(mktemp -d "${TMPDIR:-/tmp}/alcove-abi.XXXXXX")
    fi
    run_side native "$s1" "$rdir/$n.$a" "$bin"
    if [ "$ABI_NATIVE_ONLY" = 1 ]; then
        run_side native "$s2" "$rdir/$n.$b" "$bin"
    else
        run_side alcove "$s2" "$rdir/$n.$b" "$bin"
    fi
    # overlay: what the test wrote went to the upper layer, never to the host's lower dir
    local lowchg=""
    if [ "$ABI_FS" = overlay ] && [ "$ABI_NATIVE_ONLY" != 1 ] && [ -n "$(ls -A "$s2" 2>/dev/null)" ]; then
        lowchg="the host (lower) scratch dir changed"
    fi
    cleanup_scratch "$s1" "$s2"
    local ra rb
    ra=$(cat "$rdir/$n.$a.rc") rb=$(cat "$rdir/$n.$b.rc")
    res=""
    [ "$ra" != "$rb" ] && res="exit status $a=$ra $b=$rb"
    if ! cmp -s "$rdir/$n.$a.out" "$rdir/$n.$b.out"; then
        res="${res:+$res; }stdout differs"
    fi
    [ -n "$lowchg" ] && res="${res:+$res; }$lowchg"
    if [ -n "$res" ]; then res="FAIL $res"; else res=PASS; fi
    echo "$res" >"$rdir/$n.result"
}

case "${1:-}" in
    --_build) build_one "$2" "$3"; exit ;;
    # (stderr dropped: bash would print "Segmentation fault" notices for dying tests; a plain
    # exec, because a redirection on a function call leaves a saved copy of fd 2 open on fd 10
    # that the test would inherit)
    --_run) exec 2>/dev/null; run_one "$2" "$3"; exit ;;
esac

# ------------------------------------------------------------------ main
usage() { sed -n '2,/^set -u/p' "$self" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//'; }

jobs=$(nproc 2>/dev/null || echo 2)
native_only=0 build_only=0 keep=0 verbose=0 filter="" fs=${ABI_FS:-hostfs} all=0
while [ $# -gt 0 ]; do
    case $1 in
        -j) jobs=$2; shift ;;
        -j*) jobs=${1#-j} ;;
        --native-only) native_only=1 ;;
        --build-only) build_only=1 ;;
        --keep) keep=1 ;;
        --fs) fs=${2:-}; shift ;;
        --fs=*) fs=${1#--fs=} ;;
        --all) all=1 ;;
        -v) verbose=1 ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "unknown option: $1" >&2; usage >&2; exit 2 ;;
        *) filter=$1 ;;
    esac
    shift
done

case $fs in
    hostfs) results="$out/results" ;;
    tmpfs) results="$out/results-tmpfs" ;;
    volume) results="$out/results-volume" ;;
    overlay) results="$out/results-overlay" ;;
    *) echo "unknown file system for --fs: '$fs' (hostfs, tmpfs, volume or overlay)" >&2; exit 2 ;;
esac
export ABI_FS=$fs ABI_RESULTS=$results
export ABI_TMPFS_DIR=${ABI_TMPFS_DIR:-/dev/shm}
# --fs volume: one key for every volume of the run
export ABI_VOLUME_KEY=$out/volume.key
if [ "$fs" = volume ] && [ ! -s "$ABI_VOLUME_KEY" ]; then
    mkdir -p "$out" && head -c 32 /dev/urandom >"$ABI_VOLUME_KEY"
fi
if { [ "$fs" = tmpfs ] || [ "$fs" = volume ] || [ "$fs" = overlay ]; } && [ "$build_only" = 0 ] &&
    [ "$(stat -f -c %T "$ABI_TMPFS_DIR" 2>/dev/null)" != tmpfs ]; then
    echo "error: --fs tmpfs: $ABI_TMPFS_DIR is not a tmpfs (set ABI_TMPFS_DIR)" >&2
    exit 2
fi

export ABI_TIMEOUT=${ABI_TIMEOUT:-10}
export ABI_NATIVE_ONLY=$native_only ABI_KEEP=$keep
ALCOVE=${ALCOVE:-$repo/build/alcove}
case $ALCOVE in /*) ;; *) ALCOVE="$PWD/$ALCOVE" ;; esac
export ALCOVE
export ABI_ALCOVE_CWD=0

variants=${ABI_VARIANTS:-"static dynamic musl"}
if [[ " $variants " == *" musl "* ]] && ! command -v musl-gcc >/dev/null; then
    echo "warning: musl-gcc not found, skipping the musl variant" >&2
    variants=$(echo " $variants " | sed 's/ musl / /')
fi

if [ "$native_only" = 0 ] && [ "$build_only" = 0 ]; then
    if [ ! -x "$ALCOVE" ]; then
        echo "error: Alcove binary not found or not executable: $ALCOVE" >&2
        echo "       (set ALCOVE=path, or use --native-only)" >&2
        exit 2
    fi
    if "$ALCOVE" run --help 2>&1 | grep -q -- '--cwd'; then ABI_ALCOVE_CWD=1; fi
    if [ "$fs" = tmpfs ] && ! "$ALCOVE" run --help 2>&1 | grep -q -- '--tmpfs'; then
        echo "warning: $(basename "$ALCOVE") run has no --tmpfs option yet: the tmpfs runs will fail" >&2
    fi
fi

# test list (--fs tmpfs: those in fs-tests.txt, one name a line, '#' comments)
tests=()
declare -A fslist=()
if { [ "$fs" = tmpfs ] || [ "$fs" = volume ] || [ "$fs" = overlay ]; } && [ "$all" = 0 ]; then
    while read -r n _; do
        case $n in '' | '#'*) continue ;; esac
        [ -f "$here/$n.c" ] || echo "warning: fs-tests.txt: no test named '$n'" >&2
        fslist[$n]=1
    done <"$here/fs-tests.txt"
fi
for f in "$here"/*.c; do
    n=$(basename "$f" .c)
    if { [ "$fs" = tmpfs ] || [ "$fs" = volume ] || [ "$fs" = overlay ]; } && [ "$all" = 0 ] && [ -z "${fslist[$n]+x}" ]; then continue; fi
    tests+=("$n")
done
pairs=()
for n in "${tests[@]}"; do
    for v in $variants; do
        if [ -z "$filter" ] || [[ "$n:$v" =~ $filter ]]; then pairs+=("$v $n"); fi
    done
done
if [ ${#pairs[@]} -eq 0 ]; then
    echo "no tests match '$filter'" >&2
    exit 2
fi

# ---- build (incremental: only when the source, abi.h or uring.h is newer than the binary)
need=()
for p in "${pairs[@]}"; do
    set -- $p
    bin="$out/$1/$2"
    if [ ! -x "$bin" ] || [ "$here/$2.c" -nt "$bin" ] || [ "$here/abi.h" -nt "$bin" ] || [ "$here/uring.h" -nt "$bin" ]; then
        need+=("$p")
    fi
done
if [ ${#need[@]} -gt 0 ]; then
    echo "building ${#need[@]} binaries (-j$jobs)..."
    printf '%s\n' "${need[@]}" | xargs -P "$jobs" -n 2 "$self" --_build
    for p in "${need[@]}"; do
        set -- $p
        if [ -x "$out/$1/$2" ] && [ -s "$out/$1/$2.buildlog" ]; then
            echo "warning: compiler output for $2:$1 (see ${out#"$repo"/}/$1/$2.buildlog)" >&2
        fi
    done
fi
[ "$build_only" = 1 ] && exit 0

# ---- known differences: "<test>[:<variant>]  <reason>"; known-differences-<fs>.txt adds
# those of one file system under test
declare -A known=()
for kfile in "$here/known-differences.txt" "$here/known-differences-$fs.txt"; do
if [ -f "$kfile" ]; then
    prev=""
    while IFS= read -r line || [ -n "$line" ]; do
        case $line in '' | '#'*) continue ;; esac
        key=${line%%[[:space:]]*}
        reason=$(echo "${line#"$key"}" | sed 's/^[[:space:]]*//')
        if [ -z "$reason" ]; then
            echo "warning: known-differences.txt: '$key' has no reason" >&2
        fi
        if [ ! -f "$here/${key%%:*}.c" ]; then
            echo "warning: known-differences.txt: no test named '${key%%:*}'" >&2
        fi
        if [[ -n "$prev" && "$key" < "$prev" ]]; then
            echo "warning: known-differences.txt is not sorted at '$key'" >&2
        fi
        prev=$key
        known[$key]=$reason
    done <"$kfile"
fi
done

# ---- run
if [ "$native_only" = 1 ]; then
    mode="native vs native"
else
    mode="native vs $(basename "$ALCOVE")"
fi
mode="$mode, $fs"
echo "running ${#pairs[@]} test binaries ($mode, -j$jobs, timeout ${ABI_TIMEOUT}s)..."
start=$(date +%s)
printf '%s\n' "${pairs[@]}" | xargs -P "$jobs" -n 2 "$self" --_run

# ---- report
passed=0 failed=0 nknown=0 fixed=0
for p in $(printf '%s\n' "${pairs[@]}" | awk '{print $2":"$1}' | sort); do
    n=${p%%:*} v=${p##*:}
    rdir="$results/$v"
    res=$(cat "$rdir/$n.result" 2>/dev/null || echo "FAIL no result")
    kreason=""
    if [ -n "${known[$n:$v]+x}" ]; then
        kreason=${known[$n:$v]}
    elif [ -n "${known[$n]+x}" ]; then
        kreason=${known[$n]}
    fi
    [ "$native_only" = 1 ] && kreason="" # known differences concern Alcove only
    if [ "$res" = PASS ]; then
        passed=$((passed + 1))
        if [ -n "$kreason" ]; then
            fixed=$((fixed + 1))
            echo "KNOWN DIFFERENCE NOW PASSES: $n:$v (remove from known-differences.txt)"
        elif [ "$verbose" = 1 ]; then
            echo "PASS $n:$v"
        fi
    elif [ -n "$kreason" ]; then
        nknown=$((nknown + 1))
        echo "KNOWN $n:$v — $kreason"
    else
        failed=$((failed + 1))
        echo "FAIL $n:$v — ${res#FAIL }"
        if [ "$native_only" = 1 ]; then a=native1 b=native2; else a=native b=alcove; fi
        if [ -f "$rdir/$n.$a.out" ] && [ -f "$rdir/$n.$b.out" ]; then
            diff -u --label "$a" --label "$b" "$rdir/$n.$a.out" "$rdir/$n.$b.out" >"$rdir/$n.diff"
            head -n 20 "$rdir/$n.diff" | sed 's/^/    /'
            nl=$(wc -l <"$rdir/$n.diff")
            [ "$nl" -gt 20 ] && echo "    ... ($((nl - 20)) more lines in ${rdir#"$repo"/}/$n.diff)"

            if [ -s "$rdir/$n.$b.err" ]; then
                echo "    -- $b stderr (last lines):"
                tail -n 5 "$rdir/$n.$b.err" | sed 's/^/    /'
            fi
        fi
    fi
done
echo "results in ${results#"$repo"/}/  ($(($(date +%s) - start))s)"
echo "$nknown known differences ($fixed known differences now pass)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
