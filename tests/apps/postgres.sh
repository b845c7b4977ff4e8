#!/usr/bin/env bash
# tests/apps/postgres.sh - Debian's PostgreSQL 15 inside the enclave: initdb and the
# postmaster (System V shm, POSIX shm and semaphores, fork per connection, signals and
# latches) run as the postgres user in one enclave, driven from the host over 127.0.0.1
# with psql and pgbench, compared with a native server given the same SQL.
#
#   bash tests/apps/postgres.sh        # ALCOVE=path to choose the binary (default build/alcove)
#
# The enclave starts as root; postgres refuses root, so a small python3 step inside the
# enclave drops to the postgres user (setgroups, setgid, setuid) before exec.  The data
# directory is the enclave's /tmp (a tmpfs in enclave memory, owned by whoever creates
# it); the Unix socket is off (unix_socket_directories='').  Natively the host runs as
# root too, so the native server runs under runuser -u postgres.
#
# Cases: the enclave's server starts; the same psql session against both (outputs
# compared); pgbench -i from the host; a short pgbench run from the host (no failed
# transaction); psql in a second enclave over TCP; /proc/sysvipc/shm of the server's
# enclave shows the postmaster's segment attached; SIGTERM ends the enclave with status 0
# after a clean shutdown.  The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
PGBIN=/usr/lib/postgresql/15/bin
pass=0; fail=0
for b in $PGBIN/initdb $PGBIN/postgres /usr/bin/psql /usr/bin/pgbench; do
    if [ ! -x "$b" ]; then
        echo "FAIL postgres: $b is not installed (scripts/install-deps.sh installs postgresql)"
        echo "0 passed, 1 failed"; exit 1
    fi
done
PGUID=$(id -u postgres 2>/dev/null) && PGGID=$(id -g postgres) || {
    echo "FAIL postgres: no postgres user"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/postgres.XXXXXX")
chmod 755 "$W"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$W"
}
trap cleanup EXIT

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_up() { # port [pid]: up to 120 s (initdb runs first in the enclave), or until pid ends
    for _ in $(seq 600); do
        pg_isready -q -h 127.0.0.1 -p "$1" -U postgres && return 0
        [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null && return 1
        sleep 0.2
    done
    return 1
}
# Run argv as the postgres user (inside the enclave: python3 drops root first).
ASUSER="import os,sys; os.setgroups([]); os.setgid($PGGID); os.setuid($PGUID); os.execv(sys.argv[1], sys.argv[1:])"
SERVER_OPTS="-c listen_addresses=127.0.0.1 -c unix_socket_directories= -c fsync=off -c max_connections=20"

session() { # port
    psql -X -q -A -t -h 127.0.0.1 -p "$1" -U postgres postgres 2>&1 <<'SQL'
create table t(id int primary key, name text, v numeric);
insert into t select g, 'name' || g, g * 1.5 from generate_series(1, 2000) g;
select count(*), sum(v), min(name), max(name) from t;
select id, name from t where id % 500 = 0 order by id;
begin; delete from t where id > 10; rollback;
select count(*) from t;
create index t_name on t(name);
select id from t where name = 'name777';
with r as (select id % 7 k, count(*) c from t group by 1) select k, c from r order by k;
select string_agg(name, ',' order by id) from t where id < 5;
insert into t values (1, 'dup', 0);
select md5(string_agg(name, '' order by id)) from t;
create temp table tt as select * from t where id < 100;
select count(*) from tt;
prepare q(int) as select name from t where id = $1;
execute q(42);
vacuum analyze t;
select relname, reltuples from pg_class where relname in ('t', 't_name') order by 1;
select 'ok';
SQL
}

pn=$(free_port); pa=$(free_port)
# Native server.
ND=$W/native
mkdir "$ND" && chown postgres: "$ND"
runuser -u postgres -- $PGBIN/initdb -N -D "$ND/db" >"$W/native.initdb" 2>&1
runuser -u postgres -- $PGBIN/postgres -D "$ND/db" -p "$pn" $SERVER_OPTS >"$W/native.log" 2>&1 &
native_pid=$!
pids+=($native_pid)
# Enclave: initdb, then the postmaster, in one enclave (the data lives in its /tmp).
$ALCOVE run --root / --env LANG=C /usr/bin/python3 -c "$ASUSER" /bin/sh -c \
    "$PGBIN/initdb -N -D /tmp/db >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 3; }; \
     exec $PGBIN/postgres -D /tmp/db -p $pa $SERVER_OPTS" >"$W/alcove.out" 2>"$W/alcove.err" &
enclave_pid=$!
pids+=($enclave_pid)

if ! wait_up "$pn"; then
    bad postgres_native "native server did not start: $(tail -3 "$W/native.log" | tr '\n' '|')"
elif ! wait_up "$pa" "$enclave_pid"; then
    bad postgres_enclave_starts "$(tail -n 5 "$W/alcove.out" "$W/alcove.err" | tr '\n' '|')"
else
    ok postgres_enclave_starts
    session "$pn" >"$W/native.session"
    session "$pa" >"$W/alcove.session"
    if cmp -s "$W/native.session" "$W/alcove.session"; then
        ok postgres_psql_session
    else
        bad postgres_psql_session "$(diff "$W/native.session" "$W/alcove.session" | head -10 | tr '\n' '|')"
    fi
    if out=$(timeout 120 pgbench -q -i -s 1 -h 127.0.0.1 -p "$pa" -U postgres postgres 2>&1) &&
       [ "$(psql -X -A -t -h 127.0.0.1 -p "$pa" -U postgres -c 'select count(*) from pgbench_accounts' postgres)" = 100000 ]; then
        ok postgres_pgbench_init
    else
        bad postgres_pgbench_init "$(printf '%s' "$out" | tail -3 | tr '\n' '|')"
    fi
    out=$(timeout 60 pgbench -T 3 -c 4 -j 2 -h 127.0.0.1 -p "$pa" -U postgres postgres 2>&1)
    if printf '%s' "$out" | grep -q 'number of failed transactions: 0 ' &&
       printf '%s' "$out" | grep -qE '^tps = [0-9]'; then
        ok postgres_pgbench_run
    else
        bad postgres_pgbench_run "$(printf '%s' "$out" | tail -4 | tr '\n' '|')"
    fi
    got=$($ALCOVE run --root / /usr/bin/psql -X -A -t -h 127.0.0.1 -p "$pa" -U postgres \
          -c 'select 6 * 7' postgres 2>&1)
    [ "$got" = 42 ] && ok postgres_psql_in_enclave || bad postgres_psql_in_enclave "$got"
    # The postmaster's System V segment, as the enclave's own /proc shows it (read by the
    # server: a second enclave would have its own IPC name space).
    shm=$(psql -X -A -t -h 127.0.0.1 -p "$pa" -U postgres \
          -c "select pg_read_file('/proc/sysvipc/shm')" postgres 2>&1)
    rows=$(printf '%s\n' "$shm" | awk 'NR > 1 && $7 >= 1' | wc -l)
    [ "$rows" -ge 1 ] && ok postgres_sysvipc_shm || bad postgres_sysvipc_shm "$(printf '%s' "$shm" | tr '\n' '|')"
    # SIGTERM (forwarded by alcove) is postgres's smart shutdown: the enclave ends with 0.
    kill -TERM "$enclave_pid"
    rc=timeout
    for _ in $(seq 300); do
        if ! kill -0 "$enclave_pid" 2>/dev/null; then wait "$enclave_pid"; rc=$?; break; fi
        sleep 0.1
    done
    if [ "$rc" = 0 ] && grep -q 'database system is shut down' "$W/alcove.err" "$W/alcove.out"; then
        ok postgres_shutdown
    else
        bad postgres_shutdown "enclave status $rc: $(tail -2 "$W/alcove.err" | tr '\n' '|')"
    fi
fi
kill -TERM "$native_pid" 2>/dev/null
wait "$native_pid" 2>/dev/null
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
