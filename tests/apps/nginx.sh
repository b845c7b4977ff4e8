#!/usr/bin/env bash
# tests/apps/nginx.sh - Debian's nginx (nginx-light) inside the enclave: a master and two
# workers (socketpair channels with SCM_RIGHTS, epoll, accept4 on a listener shared across
# fork, sendfile) serving static files on 127.0.0.1, driven from the host with curl and
# compared with a native nginx given the same configuration and files.
#
#   bash tests/apps/nginx.sh          # ALCOVE=path to choose the binary (default build/alcove)
#
# Cases: the enclave server starts with 2 workers; GET of small files, a 404, HEAD (status
# line and headers that do not carry dates), a 1 MiB file byte for byte, 50 requests over
# keep-alive, 200 requests from 8 parallel clients — each compared with the native server;
# SIGQUIT to the master ends every process of the enclave with status 0.  The last line is
# "N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
pass=0; fail=0
for b in /usr/sbin/nginx curl; do
    if ! command -v $b >/dev/null; then
        echo "FAIL nginx: $b is not installed (scripts/install-deps.sh installs nginx-light curl)"
        echo "0 passed, 1 failed"; exit 1
    fi
done
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/nginx.XXXXXX")
chmod 755 "$W" # the workers run as nobody
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT

ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# One scratch dir per side: config, document root, logs, pid file.
setup() { # dir prefix-as-nginx-sees-it port
    local d=$1 p=$2 port=$3
    mkdir -p "$d/www/sub" "$d/logs" "$d/tmp"
    echo "hello from nginx" >"$d/www/index.html"
    printf 'a small text file\n' >"$d/www/sub/a.txt"
    head -c 4096 /dev/zero | tr '\0' y >"$d/www/4k.txt"
    cp "$W/big.bin" "$d/www/big.bin"
    chmod -R a+rX "$d"
    cat >"$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $p/nginx.pid;
error_log $p/logs/error.log notice;
events { worker_connections 512; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000;
    default_type application/octet-stream;
    types { text/html html; text/plain txt; }
    client_body_temp_path $p/tmp/body;
    proxy_temp_path $p/tmp/proxy;
    fastcgi_temp_path $p/tmp/fastcgi;
    uwsgi_temp_path $p/tmp/uwsgi;
    scgi_temp_path $p/tmp/scgi;
    server {
        listen 127.0.0.1:$port;
        root $p/www;
    }
}
EOF
}

wait_up() { # port
    for _ in $(seq 100); do
        curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/" && return 0
        sleep 0.1
    done
    return 1
}

# What a client sees, without the headers that carry dates or differ by run.
session() { # port
    local u=http://127.0.0.1:$1
    curl -s "$u/"
    curl -s "$u/index.html"
    curl -s "$u/sub/a.txt"
    curl -s -o /dev/null -w '%{http_code} %{size_download}\n' "$u/4k.txt"
    curl -s -o /dev/null -w '%{http_code}\n' "$u/nope.html"
    curl -s "$u/nope.html" | grep -o '<title>.*</title>'
    curl -sI "$u/sub/a.txt" | tr -d '\r' | grep -vE '^(Date|Last-Modified|ETag):'
    curl -s -o /dev/null -w '%{http_code}\n' "$u/sub"
    # keep-alive: 50 requests on one connection
    local urls=()
    for _ in $(seq 50); do urls+=("$u/sub/a.txt"); done
    curl -s "${urls[@]}" | sort | uniq -c
}

parallel() { # port: 8 clients x 25 requests, each reply checked
    local u=http://127.0.0.1:$1 bad=0
    for c in $(seq 8); do
        (for _ in $(seq 25); do
            [ "$(curl -s "$u/index.html")" = "hello from nginx" ] || echo bad
        done) &
    done | grep -c bad
    wait
}

head -c 1048576 /dev/urandom >"$W/big.bin"
pn=$(free_port); pa=$(free_port)
mkdir -p "$W/n" "$W/a"
setup "$W/n" "$W/n" "$pn"
setup "$W/a" /scratch "$pa"
/usr/sbin/nginx -p "$W/n" -c "$W/n/nginx.conf" >"$W/native.out" 2>&1 & pids+=($!)
$ALCOVE run --root / --mount "$W/a:/scratch:rw" /usr/sbin/nginx -p /scratch \
    -c /scratch/nginx.conf >"$W/alcove.out" 2>"$W/alcove.err" &
enclave_pid=$!
pids+=($enclave_pid)

if ! wait_up "$pn"; then
    bad nginx_native "native nginx did not start: $(head -3 "$W/native.out" | tr '\n' '|')"
elif ! wait_up "$pa"; then
    bad nginx_enclave_starts "no answer from the enclave: $(tail -5 "$W/alcove.err" | tr '\n' '|')"
else
    ok nginx_enclave_starts
    sleep 0.5
    nw=$(grep -cE 'start worker process [0-9]+' "$W/a/logs/error.log")
    [ "$nw" = 2 ] && ok nginx_two_workers || bad nginx_two_workers "$nw workers started"
    session "$pn" >"$W/native.session" 2>&1
    session "$pa" >"$W/alcove.session" 2>&1
    if cmp -s "$W/native.session" "$W/alcove.session"; then
        ok nginx_session
    else
        bad nginx_session "$(diff "$W/native.session" "$W/alcove.session" | head -10 | tr '\n' '|')"
    fi
    curl -s "http://127.0.0.1:$pn/big.bin" -o "$W/big.native"
    curl -s "http://127.0.0.1:$pa/big.bin" -o "$W/big.alcove"
    if cmp -s "$W/big.native" "$W/big.alcove" && cmp -s "$W/big.bin" "$W/big.alcove"; then
        ok nginx_1mib_file
    else
        bad nginx_1mib_file "$(stat -c %s "$W/big.alcove" 2>/dev/null) bytes, differs"
    fi
    nb=$(parallel "$pa")
    [ "$nb" = 0 ] && ok nginx_parallel_clients || bad nginx_parallel_clients "$nb bad replies"
    # Graceful stop: SIGQUIT to the master (the enclave's first process) ends them all.
    mp=$(pgrep -f "alcove-direct.*$W/a" | head -1)
    kill -QUIT "$mp" 2>/dev/null
    rc=timeout
    for _ in $(seq 100); do
        if ! kill -0 "$enclave_pid" 2>/dev/null; then wait "$enclave_pid"; rc=$?; break; fi
        sleep 0.1
    done
    left=$(pgrep -fc "alcove-direct.*$W/a")
    [ "$rc" = 0 ] && [ "$left" = 0 ] && ok nginx_sigquit_stop ||
        bad nginx_sigquit_stop "enclave status $rc, $left processes left"
fi
kill -QUIT "$(cat "$W/n/nginx.pid" 2>/dev/null)" 2>/dev/null; sleep 0.5
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
