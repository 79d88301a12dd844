#!/bin/sh
# Checks that the Debian packages vanbang builds and tests with are installed. As root it installs
# the missing ones with apt-get; otherwise it prints the exact command to run and fails.
set -u
PACKAGES="gcc make pkg-config libssl-dev libqrencode-dev libsqlite3-dev libmicrohttpd-dev
libcurl4-openssl-dev libpng-dev libcmocka-dev libunistring-dev zbar-tools clang libclang-rt-14-dev
libcairo2-dev libpango1.0-dev fonts-dejavu-core poppler-utils
curl chromium wrk sqlite3"

missing=""
for p in $PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "setup: installing missing packages:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null \
        || { echo "setup: apt-get failed for:$missing" >&2; exit 1; }
else
    echo "setup: missing Debian packages. Run as root:" >&2
    echo "  apt-get install -y$missing" >&2
    exit 1
fi
