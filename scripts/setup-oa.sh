#!/bin/sh
# Installs the benchmark peer, OpenAttestation (npm package @govtechsg/open-attestation), into
# BUILD/oa for `make bench`, when Node.js and npm are present. It is only ever a reference to
# measure against: nothing of vanbang uses it, and the tests never need it. Prints the
# node_modules folder to use as NODE_PATH, or nothing when the peer cannot be had.
# Usage: setup-oa.sh BUILD
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PREFIX="$ROOT/$BUILD/oa"
VERSION=6.9.7
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || exit 0
if [ ! -f "$PREFIX/node_modules/@govtechsg/open-attestation/package.json" ]; then
    mkdir -p "$PREFIX"
    echo "bench: installing the peer @govtechsg/open-attestation@$VERSION into $PREFIX (npm)" >&2
    timeout 600 npm install --silent --no-audit --no-fund --prefix "$PREFIX" \
        "@govtechsg/open-attestation@$VERSION" >&2 || { echo "bench: npm install failed; peer skipped" >&2; exit 0; }
fi
echo "$PREFIX/node_modules"
