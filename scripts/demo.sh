#!/bin/sh
# Set up a fresh Debian 12 machine and run a sample program inside an Alcove enclave.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)"
echo "--- busybox inside the enclave (host / as the read-only root):"
build/alcove run --root / /bin/busybox echo "hello from the enclave"
build/alcove run --root / /bin/busybox uname -sm
echo "--- python3 inside the enclave, writing to a mounted host directory:"
tmp=$(mktemp -d)
build/alcove run --root / --mount "$tmp:/data:rw" /usr/bin/python3 -c \
    'import os, hashlib; open("/data/out.txt","w").write("written in the enclave\n"); print(sorted(os.listdir("/data")), hashlib.sha256(b"alcove").hexdigest()[:16])'
echo "--- on the host: $(cat "$tmp/out.txt")"
rm -rf "$tmp"
