#!/usr/bin/env bash
# Differential application tests for Alcove: every case in cases.txt is run
# natively and under `alcove run --root /`, and stdout, exit status and (for
# cases using a scratch dir) the resulting scratch-dir contents are compared.
# See tests/apps/README.md for the case format.
#
# usage: tests/apps/run.sh [--native-only] [-v] [-j N] [--list] [REGEX]
#   REGEX          only run cases whose name matches (grep -E)
#   --native-only  run natively twice and compare (determinism check)
#   -v             show diffs/stderr for known differences too
#   -j N           run N cases in parallel (default 1)
#   --list         print the selected case names and exit
# environment:
#   ALCOVE=path    alcove binary (default: <repo>/build/alcove)
#   APPS_TIMEOUT   per-command timeout in seconds (default 30)
#   APPS_OUT       where results are kept (default: <repo>/build/tests/apps)
#   APPS_CASES     case file (default: tests/apps/cases.txt)
#   KEEP_SCRATCH=1 do not delete the scratch directories
#   ALCOVE_LOG etc. are passed through to alcove (not to the enclave).

set -u
umask 022

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
ALCOVE=${ALCOVE:-$REPO/build/alcove}
[[ $ALCOVE == /* ]] || ALCOVE=$PWD/$ALCOVE
TIMEOUT=${APPS_TIMEOUT:-30}
OUT=${APPS_OUT:-$REPO/build/tests/apps}
CASES=${APPS_CASES:-$HERE/cases.txt}
KNOWN=$HERE/known-differences.txt
GUEST_SCRATCH=/scratch
# Environment given to every case (natively via env -i, in the enclave via
# --env). Cases can add variables with leading NAME=value words.
BASE_ENV=(PATH=/usr/bin:/bin)
# Environment for host-side helpers (stdin producers and output filters).
HELPER_ENV=(PATH=/usr/bin:/bin LC_ALL=C TZ=UTC)
FIXED_MTIME='2020-01-02 03:04:05 UTC'

native_only=0 verbose=0 jobs=1 list=0 filter_re=''
while (($#)); do
    case $1 in
        --native-only) native_only=1 ;;
        -v) verbose=1 ;;
        -j) jobs=$2; shift ;;
        -j*) jobs=${1#-j} ;;
        --list) list=1 ;;
        -h|--help) sed -n '2,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) filter_re=$1 ;;
    esac
    shift
done

# ---------------------------------------------------------------- parsing
trim() { local v=$1; v=${v#"${v%%[![:space:]]*}"}; v=${v%"${v##*[![:space:]]}"}; printf '%s' "$v"; }
names=() stdins=() cmds=() filters=()
lineno=0
while IFS= read -r line || [[ -n $line ]]; do
    lineno=$((lineno + 1))
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    if [[ ! $line =~ ^[[:space:]]*([A-Za-z0-9_.-]+)[[:space:]]*\|([^|]*)\|(.*)$ ]]; then
        echo "cases.txt:$lineno: malformed line: $line" >&2; exit 2
    fi
    n=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]} rest=${BASH_REMATCH[3]}
    f=''
    if [[ $rest == *' |> '* ]]; then f=${rest#* |> }; rest=${rest%% |> *}; fi
    s=$(trim "$s") rest=$(trim "$rest") f=$(trim "$f")
    for old in "${names[@]}"; do
        [[ $old == "$n" ]] && { echo "cases.txt:$lineno: duplicate case $n" >&2; exit 2; }
    done
    [[ -n $filter_re ]] && ! grep -qE -- "$filter_re" <<<"$n" && continue
    names+=("$n") stdins+=("$s") cmds+=("$rest") filters+=("$f")
done <"$CASES"

if ((list)); then printf '%s\n' "${names[@]}"; exit 0; fi

declare -A known=()
if [[ -f $KNOWN ]]; then
    while IFS= read -r line || [[ -n $line ]]; do
        [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
        if [[ $line =~ ^[[:space:]]*([A-Za-z0-9_.-]+)[[:space:]]*\|[[:space:]]*(.*)$ ]]; then
            known[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
        fi
    done <"$KNOWN"
fi

if ((!native_only)) && [[ ! -x $ALCOVE ]]; then
    echo "run.sh: alcove binary not found at $ALCOVE (build it, set ALCOVE=..., or use --native-only)" >&2
    exit 2
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/alcove-apps.XXXXXX")
# Scratch paths are substituted into sed-free perl code and shell words; keep
# them free of surprises.
[[ $WORK =~ ^[A-Za-z0-9_./-]+$ ]] || { echo "run.sh: unusable temp dir $WORK" >&2; exit 2; }
cleanup() { [[ ${KEEP_SCRATCH:-0} == 1 ]] || rm -rf "$WORK"; }
trap cleanup EXIT
mkdir -p "$OUT"

# ---------------------------------------------------------------- fixture
# The standard scratch-dir contents; identical (incl. mtimes) for every run.
make_fixture() {
    local d=$1
    mkdir -p "$d/tree/sub/deeper" "$d/out" "$d/bin"
    printf 'alpha\nbeta\ngamma\n' >"$d/tree/a.txt"
    printf 'line one\nline two\nline three\n' >"$d/tree/b.txt"
    : >"$d/tree/empty"
    perl -e 'print map { chr } 0..255' >"$d/tree/c.dat"
    printf 'deep file\n' >"$d/tree/sub/deeper/d.txt"
    printf 'in sub\n' >"$d/tree/sub/s.txt"
    printf '#!/bin/busybox sh\necho hi\n' >"$d/tree/exec.sh"
    printf 'read only\n' >"$d/tree/ro.txt"
    chmod 755 "$d/tree/exec.sh"
    chmod 444 "$d/tree/ro.txt"
    chmod 750 "$d/tree/sub/deeper"
    ln -s a.txt "$d/tree/link"
    ln -s sub "$d/tree/dirlink"
    ln -s does-not-exist "$d/tree/dangling"
    cp "$HERE"/scripts/shebang/* "$d/bin/"
    chmod 755 "$d"/bin/*
    find "$d" -exec touch -h -d "$FIXED_MTIME" {} +
}

# Content listing of a scratch dir (names, types, modes, sizes, link targets,
# file hashes; no times, owners or inode numbers).
manifest() {
    (cd "$1" && {
        find . -type d -printf '%p d %m\n'
        find . ! -type d -printf '%p %y %m %s %l\n'
        find . -type f -exec sha256sum {} +
    } | LC_ALL=C sort)
}

# ---------------------------------------------------------------- running
# stage CMD... : run CMD with stdout (through the filter, if any) to $o_out,
# stderr to $o_err, exit status to $o_rc.
stage() {
    local t0=${EPOCHREALTIME/./}
    if [[ -n $c_filter ]]; then
        "$@" 2>"$o_err" | env -i "${HELPER_ENV[@]}" bash -c "$c_filter" >"$o_out" 2>"$o_err.filter"
        echo "${PIPESTATUS[0]}" >"$o_rc"
    else
        "$@" >"$o_out" 2>"$o_err"
        echo $? >"$o_rc"
    fi
    # timeout -s KILL gives 137 like any SIGKILL; tell them apart by the clock
    if [[ $(<"$o_rc") == 137 ]] && (( ${EPOCHREALTIME/./} - t0 >= TIMEOUT * 1000000 - 100000 )); then
        echo "timed out after ${TIMEOUT}s" >>"$o_bad"
    fi
}

# run_side IDX SIDE : SIDE is native, native2 or alcove
run_side() {
    local i=$1 side=$2
    local name=${names[i]} stdin=${stdins[i]} cmd=${cmds[i]}
    local dir=$OUT/$name sdir='' gpath=''
    o_out=$dir/$side.out o_err=$dir/$side.err o_rc=$dir/$side.rc o_bad=$dir/$side.bad
    c_filter=${filters[i]}
    if [[ "$stdin $cmd $c_filter" == *@SCRATCH@* ]]; then
        sdir=$WORK/$side/$name
        mkdir -p "$sdir"
        make_fixture "$sdir"
        if [[ $side == alcove ]]; then gpath=$GUEST_SCRATCH; else gpath=$sdir; fi
    fi
    # @SHM@ (removed from the command) gives the enclave a writable /dev/shm, which POSIX
    # semaphores need (python multiprocessing); natively the host's /dev/shm is used.
    local shm=''
    if [[ $cmd == *@SHM@* ]]; then
        cmd=${cmd//@SHM@/}
        shm=$WORK/$side/$name.shm; mkdir -p "$shm"
    fi
    # Host-side helpers see the host path, the program sees the guest path.
    cmd=${cmd//@SCRATCH@/$gpath}; cmd=${cmd//@APPS@/$HERE}
    stdin=${stdin//@SCRATCH@/$sdir}; stdin=${stdin//@APPS@/$HERE}
    c_filter=${c_filter//@SCRATCH@/$sdir}; c_filter=${c_filter//@APPS@/$HERE}

    local -a words=() envs=("${BASE_ENV[@]}") argv=()
    : >"$o_out"; : >"$o_err"; echo 255 >"$o_rc"
    # (a syntax error in eval can end a subshell, so try it in a throwaway one first)
    if ! (eval "words=( $cmd )") 2>"$o_err" || ! eval "words=( $cmd )"; then
        echo "malformed command in cases.txt (shell syntax)" >>"$o_bad"; return
    fi
    local w
    ((${#words[@]})) || { echo "malformed command: empty" >>"$o_bad"; return; }
    while ((${#words[@]})) && [[ ${words[0]} =~ ^[A-Za-z_][A-Za-z0-9_]*= ]]; do
        # a case's PATH= replaces the default one
        [[ ${words[0]} == PATH=* ]] && envs=("${envs[@]/#PATH=*/}")
        envs+=("${words[0]}"); words=("${words[@]:1}")
    done
    local -a e2=(); for w in "${envs[@]}"; do [[ -n $w ]] && e2+=("$w"); done; envs=("${e2[@]}")

    if [[ $side == alcove ]]; then
        argv=(timeout -s KILL "$TIMEOUT" "$ALCOVE" run --root /)
        [[ -n $sdir ]] && argv+=(--mount "$sdir:$GUEST_SCRATCH:rw")
        [[ -n $shm ]] && argv+=(--mount "$shm:/dev/shm:rw")
        for w in "${envs[@]}"; do argv+=(--env "$w"); done
        argv+=("${words[@]}")
    else
        argv=(timeout -s KILL "$TIMEOUT" env -i "${envs[@]}" "${words[@]}")
    fi
    printf '%q ' "${argv[@]}" >"$dir/$side.cmd"; echo >>"$dir/$side.cmd"

    (
        cd / || exit 1
        case $stdin in
            '') stage "${argv[@]}" </dev/null ;;
            '$ '*) env -i "${HELPER_ENV[@]}" bash -c "${stdin#\$ }" 2>"$dir/$side.err.producer" | stage "${argv[@]}" ;;
            *) [[ $stdin == /* ]] || stdin=$HERE/inputs/$stdin
               stage "${argv[@]}" <"$stdin" ;;
        esac
    ) 2>>"$dir/$side.shell"  # e.g. bash's "Terminated" notices
    if [[ -n $sdir ]]; then
        P=$gpath perl -pi -e 's/\Q$ENV{P}\E/\@SCRATCH\@/g' "$o_out"
        manifest "$sdir" >"$dir/$side.manifest"
    fi
}

# run_case IDX : runs both sides, compares, writes $dir/status, prints result
run_case() {
    local i=$1 name=${names[i]} a b msg='' st
    local dir=$OUT/$name
    rm -rf "$dir"; mkdir -p "$dir"
    if ((native_only)); then a=native b=native2; else a=native b=alcove; fi
    local t0=$SECONDS
    run_side "$i" "$a"
    run_side "$i" "$b"
    local ra rb; ra=$(cat "$dir/$a.rc") rb=$(cat "$dir/$b.rc")
    [[ -f $dir/$a.bad ]] && msg+=" $a: $(paste -sd ' ' "$dir/$a.bad");"
    [[ -f $dir/$b.bad ]] && msg+=" $b: $(paste -sd ' ' "$dir/$b.bad");"
    [[ $ra == "$rb" ]] || msg+=" exit $ra vs $rb$( [[ $rb == 137 ]] && echo ' (killed/timeout?)');"
    cmp -s "$dir/$a.out" "$dir/$b.out" || msg+=" stdout differs;"
    if [[ -f $dir/$a.manifest ]] && ! cmp -s "$dir/$a.manifest" "$dir/$b.manifest"; then
        msg+=" scratch contents differ;"
    fi
    local report=''
    if [[ -z $msg ]]; then
        st=PASS
        report="PASS $name"
        [[ -n ${known[$name]+x} ]] && report+="  (listed in known-differences.txt but passed)"
    elif [[ -n ${known[$name]+x} ]]; then
        st=KNOWN
        report="KNOWN $name:$msg known: ${known[$name]}"
    else
        st=FAIL
        report="FAIL $name:$msg"
    fi
    if [[ $st == FAIL || ($st == KNOWN && $verbose == 1) ]]; then
        local c; c=$(cat "$dir/$b.cmd" 2>/dev/null)
        ((${#c} > 200)) && c="${c:0:200}... (full: $dir/$b.cmd)"
        report+=$'\n'"     cmd: $c"
        if ! cmp -s "$dir/$a.out" "$dir/$b.out"; then
            report+=$'\n'"$(diff -a -u --label "$a" --label "$b" "$dir/$a.out" "$dir/$b.out" | head -n 20 | sed 's/^/     | /')"
        fi
        if [[ -f $dir/$a.manifest ]] && ! cmp -s "$dir/$a.manifest" "$dir/$b.manifest"; then
            report+=$'\n'"$(diff -u --label "$a.scratch" --label "$b.scratch" "$dir/$a.manifest" "$dir/$b.manifest" | head -n 12 | sed 's/^/     | /')"
        fi
        if [[ -s $dir/$b.err ]]; then
            report+=$'\n'"     $b stderr (tail):"$'\n'"$(tail -n 5 "$dir/$b.err" | cut -c1-300 | sed 's/^/     ! /')"
        fi
    fi
    echo "$st" >"$dir/status"
    ((verbose)) && report+="  [$((SECONDS - t0))s]"
    printf '%s\n' "$report"
}

for i in "${!names[@]}"; do
    if ((jobs > 1)); then
        while (($(jobs -rp | wc -l) >= jobs)); do wait -n; done
        run_case "$i" &
    else
        run_case "$i"
    fi
done
wait

pass=0 fail=0 knownc=0
for n in "${names[@]}"; do
    case $(cat "$OUT/$n/status" 2>/dev/null) in
        PASS) pass=$((pass + 1)) ;;
        KNOWN) knownc=$((knownc + 1)) ;;
        *) fail=$((fail + 1)) ;;
    esac
done
if ((!native_only)); then
    # alcove's stderr is not compared, but its ENOSYS warnings are worth a look
    enosys=$(for n in "${names[@]}"; do
                 grep -ho 'unimplemented syscall [a-z0-9_]*' "$OUT/$n/alcove.err" 2>/dev/null | sort -u
             done | awk '{ c[$3]++ } END { for (s in c) printf "%s (%d cases), ", s, c[s] }')
    [[ -n $enosys ]] && echo "unimplemented syscalls hit (see */alcove.err): ${enosys%, }"
fi
((knownc)) && echo "$knownc known differences (not counted)"
echo "$pass passed, $fail failed"
((fail == 0))
