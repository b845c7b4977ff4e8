#!/bin/sh
# Fetch Debian's busybox source package (the one /bin/busybox was built from) and unpack it
# into build/upstream/busybox-src/. Idempotent: does nothing if it is already unpacked.
#
# Needs root (or sudo) the first time, to add a deb-src entry for bookworm and run apt-get
# update; needs dpkg-dev (dpkg-source). CI runs as root with the Debian archive reachable.
set -eu
cd "$(dirname "$0")/../.."
OUT=build/upstream
DEST=$OUT/busybox-src

if [ -x "$DEST/testsuite/runtest" ]; then
    echo "fetch-busybox-src: $DEST already present"
    exit 0
fi

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

# deb-src lines: a separate file so the system's debian.sources stays as it is.
SRCLIST=/etc/apt/sources.list.d/alcove-deb-src.sources
need_update=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ \
   && ! grep -qs '^deb-src ' /etc/apt/sources.list; then
    $SUDO tee "$SRCLIST" >/dev/null <<'EOF'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    need_update=1
fi
command -v dpkg-source >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    need_update=0
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q dpkg-dev >/dev/null
}
[ $need_update -eq 0 ] || $SUDO apt-get update -q >/dev/null

# The source version that built the installed busybox-static (binNMU suffix dropped).
ver=$(dpkg-query -W -f='${source:Version}' busybox-static 2>/dev/null || true)
mkdir -p "$OUT/dl"
(
    cd "$OUT/dl"
    if [ -n "$ver" ] && apt-get source --download-only "busybox=$ver" >/dev/null 2>&1; then
        :
    else
        echo "fetch-busybox-src: source for busybox=$ver not found, taking the newest" >&2
        apt-get source --download-only busybox >/dev/null
    fi
)
dsc=$(ls -t "$OUT"/dl/busybox_*.dsc | head -n 1)
rm -rf "$DEST.tmp"
dpkg-source --no-check -x "$dsc" "$DEST.tmp" >/dev/null
mv "$DEST.tmp" "$DEST"
echo "fetch-busybox-src: unpacked $(basename "$dsc") into $DEST"
