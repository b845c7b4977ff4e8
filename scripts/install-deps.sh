#!/bin/sh
# Debian 12 packages Alcove needs to build and test, and BusyBox's source package (its
# testsuite is part of `make test`).  Run as root (or through sudo).
set -eu
cd "$(dirname "$0")/.."
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    build-essential binutils make musl-tools libcmocka-dev \
    busybox-static bash-static shfmt python3 sqlite3 lua5.4 ca-certificates \
    dpkg-dev libpython3.11-testsuite procps perl \
    libsodium-dev libjansson-dev libssl-dev erofs-utils cryptsetup-bin redis-server redis-tools \
    nginx-light wrk curl postgresql liburing-dev >/dev/null
# Adds a deb-src entry for bookworm if there is none, then apt-get source busybox.
sh tests/upstream/fetch-busybox-src.sh
