#!/bin/sh
# `make run`: the whole flow on embedded defaults, in ./demo (recreated each run):
# an authority, a school with a certified key, a trust list, a generated roster, signed
# records with their QR codes, one QR drawn on the terminal, and every record verified offline.
# The passphrase below protects throw-away demo keys only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/bin"
DEMO="$ROOT/demo"
BASE_URL=${VANBANG_BASE_URL:-https://xacthuc.example.edu.vn/V/}
export VANBANG_PASSPHRASE="demo only - not for real keys"

step() { printf '\n== %s\n' "$*"; }

rm -rf "$DEMO"
mkdir -p "$DEMO"
cd "$DEMO"

step "1. Authority (ministry): P-256 key and self-signed CA certificate"
"$BIN/vanbang-keys" authority-init --dir authority --name "Bộ Giáo dục và Đào tạo (demo)"

step "2. School: signing key and certificate request; the authority certifies it"
"$BIN/vanbang-keys" school-init --dir school --code CDNHN01 --name "Trường Cao đẳng Nghề Hà Nội (demo)" --province "Hà Nội"
"$BIN/vanbang-keys" certify --authority authority --csr school/school.csr --out school/school.crt
"$BIN/vanbang-keys" show school/school.crt

step "3. Trust list that verifiers load"
"$BIN/vanbang-keys" trust-init --authority authority --list trust.cbor
"$BIN/vanbang-keys" trust-add --authority authority --list trust.cbor --cert school/school.crt

step "4. A roster from the seeded generator (invented graduates)"
"$BIN/vanbang-issue" sample-roster --rows 12 --seed 2026 --out roster.csv
head -4 roster.csv

step "4b. The authority publishes the program catalog in the trust list (records then omit names)"
"$BIN/vanbang-issue" programs --roster roster.csv > programs.csv
"$BIN/vanbang-keys" trust-programs --authority authority --list trust.cbor --catalog programs.csv

step "5. Sign one record per graduate; QR codes as PNG and SVG"
"$BIN/vanbang-issue" sign --roster roster.csv --key school/school.key --cert school/school.crt \
    --base-url "$BASE_URL" --place "Hà Nội" --issue-date 30/06/2026 --out diplomas \
    --trust trust.cbor --anchor authority/authority.crt

step "6. The first diploma's QR code (scan it from the screen)"
link=$(sed -n 2p diplomas/manifest.csv | awk -F, '{print $NF}')
"$BIN/vanbang-issue" qr "$link"

step "7. Verify every issued record offline against the trust list"
tail -n +2 diplomas/manifest.csv | awk -F, '{print $NF}' |
    "$BIN/vanbang-verifier" check --anchor authority/authority.crt --trust trust.cbor --quiet
"$BIN/vanbang-verifier" check --anchor authority/authority.crt --trust trust.cbor "$link"

step "Done. Everything is in $DEMO: diplomas/*.png|svg, diplomas/manifest.csv, trust.cbor"
