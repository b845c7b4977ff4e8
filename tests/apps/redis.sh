#!/usr/bin/env bash
# tests/apps/redis.sh - Debian's redis-server inside the enclave, driven from the host over
# 127.0.0.1 with redis-cli, compared with a native redis-server given the same commands.
#
#   bash tests/apps/redis.sh          # ALCOVE=path to choose the binary (default build/alcove)
#
# Cases: the same redis-cli session against a native server and an enclave server (outputs
# compared); redis-cli inside the enclave against the enclave's server; a short
# redis-benchmark run from the host (no errors, every request answered); SHUTDOWN ends the
# enclave with status 0.  The last line is "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
pass=0; fail=0
for b in redis-server redis-cli redis-benchmark; do
    if ! command -v $b >/dev/null; then
        echo "FAIL redis: $b is not installed (scripts/install-deps.sh installs redis-server redis-tools)"
        echo "0 passed, 1 failed"; exit 1
    fi
done
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/redis.XXXXXX")
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }

# A free TCP port on 127.0.0.1 (the kernel's choice).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Wait until a server answers PING on port $1 (up to 10 s).
wait_up() {
    for _ in $(seq 100); do
        [ "$(redis-cli -p "$1" ping 2>/dev/null)" = PONG ] && return 0
        sleep 0.1
    done
    return 1
}

session() { # port
    local p=$1
    redis-cli -p "$p" ping
    redis-cli -p "$p" set greeting 'hello from the enclave'
    redis-cli -p "$p" get greeting
    redis-cli -p "$p" incr counter
    redis-cli -p "$p" incrby counter 41
    redis-cli -p "$p" rpush list a b c d
    redis-cli -p "$p" lrange list 0 -1
    redis-cli -p "$p" hset h f1 v1 f2 v2
    redis-cli -p "$p" hgetall h
    redis-cli -p "$p" set big "$(head -c 100000 /dev/zero | tr '\0' x)" >/dev/null
    redis-cli -p "$p" strlen big
    redis-cli -p "$p" expire greeting 100
    redis-cli -p "$p" ttl greeting
    redis-cli -p "$p" dbsize
    redis-cli -p "$p" del greeting counter list h big
    redis-cli -p "$p" get greeting
    redis-cli -p "$p" nosuchcommand
    # Pipelined: 1000 commands on one connection.
    for i in $(seq 1000); do echo "SET k$i $i"; done | redis-cli -p "$p" --pipe | tail -1
    redis-cli -p "$p" dbsize
    redis-cli -p "$p" flushall
}

start_native() { # port
    redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$W" \
        --logfile "$W/native.log" & pids+=($!)
}
start_enclave() { # port
    $ALCOVE run --root / --cwd /tmp /usr/bin/redis-server --port "$1" --save '' \
        --appendonly no --logfile /tmp/redis.log >"$W/alcove.out" 2>"$W/alcove.err" &
    pids+=($!)
    enclave_pid=$!
}

pn=$(free_port); pa=$(free_port)
start_native "$pn"
start_enclave "$pa"
if ! wait_up "$pn"; then
    bad redis_native "native redis-server did not start"
elif ! wait_up "$pa"; then
    bad redis_enclave_starts "no PONG from the enclave: $(head -5 "$W/alcove.err" | tr '\n' '|')"
else
    ok redis_enclave_starts
    session "$pn" >"$W/native.session" 2>&1
    session "$pa" >"$W/alcove.session" 2>&1
    if cmp -s "$W/native.session" "$W/alcove.session"; then
        ok redis_cli_session
    else
        bad redis_cli_session "$(diff "$W/native.session" "$W/alcove.session" | head -10 | tr '\n' '|')"
    fi
    # A client inside another enclave (an enclave process connecting to a host socket).
    got=$($ALCOVE run --root / /usr/bin/redis-cli -p "$pa" echo inside 2>&1)
    [ "$got" = inside ] && ok redis_cli_in_enclave || bad redis_cli_in_enclave "$got"
    # A short benchmark: every request answered, no error.
    out=$(timeout 60 redis-benchmark -p "$pa" -q -n 2000 -c 10 -t set,get,lpush,incr 2>&1 | tr "\r" "\n")
    n=$(printf '%s\n' "$out" | grep -cE '^(SET|GET|LPUSH|INCR): .*requests per second')
    if [ "$n" = 4 ] && ! printf '%s' "$out" | grep -qiE 'error|refused'; then
        ok redis_benchmark_short
    else
        bad redis_benchmark_short "$(printf '%s' "$out" | tail -3 | tr '\n' '|')"
    fi
    # SHUTDOWN ends the server, and with it the enclave, cleanly.
    redis-cli -p "$pa" shutdown nosave >/dev/null 2>&1
    rc=timeout
    for _ in $(seq 100); do
        if ! kill -0 "$enclave_pid" 2>/dev/null; then wait "$enclave_pid"; rc=$?; break; fi
        sleep 0.1
    done
    [ "$rc" = 0 ] && ok redis_shutdown || bad redis_shutdown "enclave status $rc"
fi
redis-cli -p "$pn" shutdown nosave >/dev/null 2>&1
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
