#!/usr/bin/env bash
# bench/pgbench.sh - pgbench TPS of PostgreSQL 15 inside the enclave against a native
# server, from one run: the same initdb options, server settings, scale and client count
# on both sides, pgbench always on the host over 127.0.0.1.  Prints both TPS figures and
# native/alcove (above 1: Alcove is slower).
#
# Usage: bench/pgbench.sh [-T SECONDS] [-c CLIENTS] [-s SCALE] [-S]   (-S: select-only)
# Environment: ALCOVE=path to the alcove binary (default build/alcove).
# Needs root natively (the native server runs under runuser -u postgres).
set -u
cd "$(dirname "$0")/.."
ALCOVE=${ALCOVE:-build/alcove}
PGBIN=/usr/lib/postgresql/15/bin
T=10; C=4; S=5; MODE=()
while [ $# -gt 0 ]; do
    case "$1" in
    -T) T=$2; shift ;;
    -c) C=$2; shift ;;
    -s) S=$2; shift ;;
    -S) MODE=(-S) ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "bench/pgbench.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
PGUID=$(id -u postgres) && PGGID=$(id -g postgres) || { echo "no postgres user" >&2; exit 1; }
mkdir -p build/bench
W=$(mktemp -d "$PWD/build/bench/pgbench.XXXXXX")
chmod 755 "$W"
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() {
    for _ in $(seq 600); do
        pg_isready -q -h 127.0.0.1 -p "$1" -U postgres && return 0
        sleep 0.2
    done
    return 1
}
OPTS="-c listen_addresses=127.0.0.1 -c unix_socket_directories= -c max_connections=50"
ASUSER="import os,sys; os.setgroups([]); os.setgid($PGGID); os.setuid($PGUID); os.execv(sys.argv[1], sys.argv[1:])"

pn=$(free_port); pa=$(free_port)
mkdir "$W/native" && chown postgres: "$W/native"
runuser -u postgres -- $PGBIN/initdb -N -D "$W/native/db" >/dev/null 2>&1
runuser -u postgres -- $PGBIN/postgres -D "$W/native/db" -p "$pn" $OPTS >"$W/native.log" 2>&1 &
native_pid=$!; pids+=($native_pid)
$ALCOVE run --root / --env LANG=C /usr/bin/python3 -c "$ASUSER" /bin/sh -c \
    "$PGBIN/initdb -N -D /tmp/db >/dev/null 2>&1 && exec $PGBIN/postgres -D /tmp/db -p $pa $OPTS" \
    >"$W/alcove.log" 2>&1 &
enclave_pid=$!; pids+=($enclave_pid)
wait_up "$pn" || { echo "native server did not start"; exit 1; }
wait_up "$pa" || { echo "enclave server did not start: $(tail -3 "$W/alcove.log")"; exit 1; }

tps() { # port
    pgbench -q -i -s "$S" -h 127.0.0.1 -p "$1" -U postgres postgres >/dev/null 2>&1 || { echo FAIL; return; }
    pgbench "${MODE[@]}" -T "$T" -c "$C" -j "$C" -h 127.0.0.1 -p "$1" -U postgres postgres 2>&1 |
        awk '/^tps = / { printf "%.1f", $3; found = 1 } END { if (!found) print "FAIL" }'
}
echo "pgbench ${MODE[*]:-tpc-b} scale $S, $C clients, ${T}s (pgbench on the host, 127.0.0.1)"
n=$(tps "$pn"); a=$(tps "$pa")
printf '%-28s %12s %12s %8s\n' "" native alcove ratio
if [ "$n" = FAIL ] || [ "$a" = FAIL ]; then
    printf '%-28s %12s %12s %8s\n' "TPS" "$n" "$a" FAIL
else
    printf '%-28s %12s %12s %8s\n' "TPS" "$n" "$a" "$(awk -v n="$n" -v a="$a" 'BEGIN { printf "%.2f", n / a }')"
fi
kill -TERM "$enclave_pid" "$native_pid" 2>/dev/null
wait "$enclave_pid" "$native_pid" 2>/dev/null
