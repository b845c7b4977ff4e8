#!/usr/bin/env bash
# bench/nginx.sh - nginx (master + 2 workers) serving a 4 KiB static file on 127.0.0.1:
# requests/s measured from the host with wrk, Alcove vs native in one run, and the ratio
# alcove/native (throughput: above 1 would mean Alcove is faster; the target is >= 0.8).
#
#   bash bench/nginx.sh [--quick]     # ALCOVE=path (default build/alcove)
#
# Each side runs REPS times (3, 1 with --quick) for DUR seconds (5 s, 2 s with --quick),
# interleaved; the median requests/s is reported.  wrk: 2 threads, 32 connections.
set -u
cd "$(dirname "$0")/.."
ALCOVE=${ALCOVE:-build/alcove}
REPS=3; DUR=5
[ "${1:-}" = --quick ] && { REPS=1; DUR=2; }
for b in /usr/sbin/nginx wrk; do
    command -v $b >/dev/null || { echo "bench/nginx.sh: $b is not installed (apt-get install nginx-light wrk)"; exit 1; }
done
mkdir -p build/bench
W=$(mktemp -d "$PWD/build/bench/nginx.XXXXXX")
chmod 755 "$W"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$W"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

setup() { # dir prefix port
    mkdir -p "$1/www" "$1/logs" "$1/tmp"
    head -c 4096 /dev/zero | tr '\0' y >"$1/www/4k.txt"
    chmod -R a+rX "$1"
    cat >"$1/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 2;
pid $2/nginx.pid;
error_log $2/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 100000;
    client_body_temp_path $2/tmp/body;
    proxy_temp_path $2/tmp/proxy;
    fastcgi_temp_path $2/tmp/fastcgi;
    uwsgi_temp_path $2/tmp/uwsgi;
    scgi_temp_path $2/tmp/scgi;
    server { listen 127.0.0.1:$3; root $2/www; }
}
EOF
}
wait_up() { for _ in $(seq 100); do curl -s -o /dev/null -m 1 "http://127.0.0.1:$1/4k.txt" && return 0; sleep 0.1; done; return 1; }
rps() { wrk -t2 -c32 -d"${DUR}s" "http://127.0.0.1:$1/4k.txt" 2>&1 | awk '/^Requests\/sec:/ {print $2}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR ? a[int((NR+1)/2)] : 0)}'; }

pn=$(free_port); pa=$(free_port)
mkdir -p "$W/n" "$W/a"
setup "$W/n" "$W/n" "$pn"
setup "$W/a" /scratch "$pa"
/usr/sbin/nginx -p "$W/n" -c "$W/n/nginx.conf" >/dev/null 2>&1 & pids+=($!)
$ALCOVE run --root / --mount "$W/a:/scratch:rw" /usr/sbin/nginx -p /scratch -c /scratch/nginx.conf \
    >"$W/alcove.out" 2>&1 & pids+=($!)
wait_up "$pn" || { echo "native nginx did not start"; exit 1; }
wait_up "$pa" || { echo "FAIL: nginx in the enclave did not start"; tail -5 "$W/alcove.out"; exit 1; }
rps "$pn" >/dev/null; rps "$pa" >/dev/null   # warm-up
: >"$W/rn"; : >"$W/ra"
for i in $(seq "$REPS"); do
    if [ $((i % 2)) = 1 ]; then rps "$pn" >>"$W/rn"; rps "$pa" >>"$W/ra";
    else rps "$pa" >>"$W/ra"; rps "$pn" >>"$W/rn"; fi
done
n=$(median <"$W/rn"); a=$(median <"$W/ra")
awk -v n="$n" -v a="$a" 'BEGIN {
    printf "%-34s %12s %12s %8s\n", "benchmark", "native", "alcove", "ratio";
    printf "%-34s %12.0f %12.0f %7.2fx\n", "nginx 4 KiB GET (requests/s)", n, a, (n > 0 ? a / n : 0) }'
kill -QUIT "$(cat "$W/n/nginx.pid" 2>/dev/null)" 2>/dev/null
mp=$(pgrep -f "alcove-direct.*$W/a" | head -1); [ -n "$mp" ] && kill -QUIT "$mp"
sleep 1
