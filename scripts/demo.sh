#!/bin/sh
# Set up a fresh Debian 12 machine and run a sample enclave built with the instance workflow:
# alcove new -> add -> build (verified image, encrypted volume, signed measurement) -> run.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
make -j"$(nproc)"
A=$PWD/build/alcove
I=$(mktemp -d)/demo
echo "--- alcove new $I"
"$A" new "$I" >/dev/null
cd "$I"
echo "--- alcove add: busybox, python3 with its library tree"
"$A" add /bin/busybox /usr/bin/python3
"$A" add --tree /usr/lib/python3.11 >/dev/null
mkdir -p image/data
# an encrypted volume at /data (created by build, key in volumes/key)
python3 - <<'PY'
import json
c = json.load(open("alcove.json"))
c["mounts"]["volumes"] = [{"name": "data", "path": "/data", "size": "16M"}]
json.dump(c, open("alcove.json", "w"), indent=2)
PY
echo "--- alcove build"
"$A" build
echo "--- alcove measure"
"$A" measure
echo "--- busybox in the enclave (the verified image as /):"
"$A" run /bin/busybox uname -sn
echo "--- python3 in the enclave writes to the encrypted volume:"
"$A" run /usr/bin/python3 -c 'open("/data/note.txt", "w").write("written in the enclave\n"); print("wrote /data/note.txt")'
echo "--- a second enclave reads it back:"
"$A" run /bin/busybox cat /data/note.txt
echo "--- the host sees only ciphertext: $(grep -c "written in the enclave" volumes/data.vol || true) plaintext matches in volumes/data.vol"
echo "--- instance left in $I (alcove run --instance $I ...)"
