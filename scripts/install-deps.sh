#!/bin/sh
# Debian 12 packages Alcove needs to build and test.  Run as root (or through sudo).
set -eu
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
    build-essential binutils make musl-tools libcmocka-dev \
    busybox-static bash-static shfmt python3 sqlite3 lua5.4 ca-certificates >/dev/null
