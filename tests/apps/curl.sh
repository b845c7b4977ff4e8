#!/usr/bin/env bash
# tests/apps/curl.sh - Debian's curl inside the enclave against an HTTP server on the host
# (python3 -m http.server on 127.0.0.1): each request is made by a native curl and by curl in
# the enclave, and body, status and exit code compared.  Cases: small file, 1 MiB file
# (sha256), 404, HEAD headers (without Date), "localhost" through /etc/hosts and nsswitch,
# 20 URLs over one keep-alive connection, a refused connection (exit 7), and the network
# policy: --net none makes the enclave's connect fail with EACCES (curl exit 7) where the
# native one succeeds.  Last line: N passed, N failed.
set -u
cd "$(dirname "$0")/../.."
ALCOVE=${ALCOVE:-build/alcove}
pass=0; fail=0
ok() { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1: $2"; fail=$((fail + 1)); }
command -v curl >/dev/null || { echo "FAIL curl: not installed"; echo "0 passed, 1 failed"; exit 1; }
mkdir -p build/tests
W=$(mktemp -d "$PWD/build/tests/curl.XXXXXX")
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

mkdir -p "$W/www/sub"
echo "hello from the host" >"$W/www/index.html"
printf 'line one\nline two\n' >"$W/www/sub/a.txt"
head -c 1048576 /dev/urandom >"$W/www/big.bin"
port=$(free_port)
/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$W/www" "$port" >"$W/server.log" 2>&1 &
srv=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.05; done
U=http://127.0.0.1:$port

# both NAME FILTER CURL-ARGS...: native and enclave output (after FILTER) and exit codes equal
both() {
    local name=$1 filter=$2; shift 2
    local n a nr ar
    n=$(curl "$@" 2>/dev/null | eval "$filter"; echo "rc=${PIPESTATUS[0]}")
    a=$("$ALCOVE" run --root / -- /usr/bin/curl "$@" 2>"$W/$name.err" | eval "$filter"; echo "rc=${PIPESTATUS[0]}")
    if [ "$n" = "$a" ]; then ok "$name"; else bad "$name" "native [$n] alcove [$a] $(head -c 300 "$W/$name.err")"; fi
}
both curl_get cat -s "$U/index.html"
both curl_get_sub cat -s "$U/sub/a.txt"
both curl_big_sha256 sha256sum -s "$U/big.bin"
both curl_404 cat -s -o /dev/null -w '%{http_code}\n' "$U/nope"
both curl_head "grep -iv '^date:' | tr -d '\r'" -s -I "$U/sub/a.txt"
both curl_localhost cat -s "http://localhost:$port/index.html"
urls=(); for i in $(seq 1 20); do urls+=("$U/sub/a.txt"); done
both curl_keepalive_20 "sha256sum" -s "${urls[@]}"
dead=$(free_port)
both curl_refused cat -s "http://127.0.0.1:$dead/"

# the policy: --net none refuses the connect (EACCES) and logs the rule
a=$("$ALCOVE" run --net none --root / -- /usr/bin/curl -s "$U/index.html" 2>"$W/policy.err"); rc=$?
if [ $rc = 7 ] && [ -z "$a" ] && grep -qi "denied\|EACCES\|policy" "$W/policy.err"; then
    ok "curl_net_none_refused"
else
    bad curl_net_none_refused "exit $rc, output [$a], log [$(head -c 300 "$W/policy.err")]"
fi
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
