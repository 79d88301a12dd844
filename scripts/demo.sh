#!/bin/sh
# `make run`: the whole flow on embedded defaults, in ./demo (recreated each run):
# an authority, a school with a certified key, a trust list with the program catalog, a
# generated roster issued into the school's register (SQLite), QR codes and a PDF, one QR drawn
# on the terminal, a revocation published in the signed status list, every record verified
# offline, and the public verifier started on loopback and asked over HTTP. Then the national
# portal (issue 5) in ./demo/portal: the register mirrored to it with `vanbang-issue upload`, a
# public lookup by serial and unaccented name, its status bundle checked with the verifier, and
# the province's yearly report in ./demo/report. Servers listen on 127.0.0.1 only, on free
# ports, and are stopped when the demo ends, however it ends.
# The passphrase below protects throw-away demo keys only.
set -eu
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$ROOT/$BUILD/bin"
DEMO="$ROOT/demo"
BASE_URL=${VANBANG_BASE_URL:-https://xacthuc.example.edu.vn/V/}
export VANBANG_PASSPHRASE="demo only - not for real keys"

step() { printf '\n== %s\n' "$*"; }

# The servers this demo started, stopped on any exit (set -e included) and on Ctrl-C.
servers=""
stop_servers() { for pid in $servers; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; done; servers=""; }
trap stop_servers EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# listening_port LOG NAME: the port a server started with --port 0 printed in LOG.
listening_port() {
    for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
        found=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null | head -n 1)
        [ -n "$found" ] && { echo "$found"; return 0; }
        sleep 0.2
    done
    cat "$1" >&2; echo "demo: $2 did not start (its log: $1)" >&2
    return 1
}

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

step "5. The school's register (sổ gốc); the roster issued into it: numbered, signed, recorded"
"$BIN/vanbang-issue" init --register school/register.db --cert school/school.crt \
    --base-url "$BASE_URL" --place "Hà Nội"
"$BIN/vanbang-issue" issue --register school/register.db --roster roster.csv \
    --key school/school.key --cert school/school.crt --issue-date 30/06/2026 --out diplomas \
    --trust trust.cbor --anchor authority/authority.crt

step "6. The first diploma's QR code (scan it from the screen), and the batch as a PDF"
link=$(sed -n 2p diplomas/manifest.csv | awk -F, '{print $NF}')
"$BIN/vanbang-issue" qr "$link"
"$BIN/vanbang-issue" print --manifest diplomas/manifest.csv --template "$ROOT/templates/college.tpl" \
    --mode full --out diplomas/diplomas.pdf --trust trust.cbor --anchor authority/authority.crt

step "7. A decision revokes the second diploma; the school publishes its status list"
second=$(sed -n 3p diplomas/manifest.csv | cut -d, -f3)
"$BIN/vanbang-issue" revoke "$second" --register school/register.db --reason issuer-error \
    --decision 17/QĐ-CĐN --key school/school.key --cert school/school.crt
"$BIN/vanbang-issue" status export --register school/register.db --key school/school.key \
    --cert school/school.crt --out status.cbor
"$BIN/vanbang-issue" log verify --register school/register.db --cert school/school.crt

step "8. Verify every issued record offline against the trust list and the status list"
tail -n +2 diplomas/manifest.csv | awk -F, '{print $NF}' |
    "$BIN/vanbang-verifier" check --anchor authority/authority.crt --trust trust.cbor \
        --status status.cbor --quiet || true
"$BIN/vanbang-verifier" check --anchor authority/authority.crt --trust trust.cbor --status status.cbor "$link"

step "9. The public verifier on loopback: what a phone camera opens"
"$BIN/vanbang-verifier" serve --anchor authority/authority.crt --trust trust.cbor --status status.cbor \
    --listen 127.0.0.1 --port 0 2>verifier.log &
servers="$servers $!"
port=$(listening_port verifier.log "the verifier")
digits=${link##*/}
echo "page: http://127.0.0.1:$port/V/$digits"
if command -v curl >/dev/null 2>&1; then
    curl -s "http://127.0.0.1:$port/api/v1/verify?record=$digits" | head -c 400; echo
    second_digits=$(sed -n 3p diplomas/manifest.csv | awk -F, '{print $NF}'); second_digits=${second_digits##*/}
    curl -s "http://127.0.0.1:$port/api/v1/verify?record=$second_digits" | grep -o '"verdict":"[a-z-]*"'
fi
stop_servers

step "10. The national portal: its store (SQLite) in demo/portal, served on loopback"
mkdir -p portal
"$BIN/vanbang-portal" init --db portal/portal.db
"$BIN/vanbang-portal" serve --db portal/portal.db --anchor authority/authority.crt --trust trust.cbor \
    --listen 127.0.0.1 --port 0 2>portal/portal.log &
servers="$servers $!"
portal_port=$(listening_port portal/portal.log "the portal")
portal_url="http://127.0.0.1:$portal_port"
echo "portal: $portal_url/ (its log: demo/portal/portal.log)"

step "11. The school mirrors its register to the portal (events, records, status list)"
"$BIN/vanbang-issue" upload --register school/register.db --key school/school.key \
    --cert school/school.crt --portal "$portal_url"

if command -v curl >/dev/null 2>&1; then
    step "12. Public lookup: the first diploma by serial number and the holder's name without accents"
    first_serial=$(sed -n 2p diplomas/manifest.csv | cut -d, -f3)
    first_name=$(sed -n 2p diplomas/manifest.csv | cut -d, -f4)
    plain_name=$(printf '%s' "$first_name" | LC_ALL=C.UTF-8 iconv -f UTF-8 -t ASCII//TRANSLIT 2>/dev/null |
        tr '[:lower:]' '[:upper:]') || plain_name=""
    case "$plain_name" in "" | *[!A-Z\ ]*) plain_name=$first_name ;; esac  # no iconv: as written
    curl -s -G "$portal_url/api/v1/lookup" --data-urlencode "serial=$first_serial" \
        --data-urlencode "name=$plain_name" >portal/lookup.json
    found=$(grep -o '"found":[a-z]*' portal/lookup.json | cut -d: -f2)
    holder=$(grep -o '"serial":"[0-9]*","name":"[^"]*"' portal/lookup.json | head -n 1 | cut -d'"' -f8)
    state=$(grep -o '"state":"[a-z-]*"' portal/lookup.json | head -n 1 | cut -d'"' -f4)
    echo "lookup serial=$first_serial name=$plain_name: found=${found:-?} $holder ${state:+($state)}"

    step "13. The portal's status bundle (every school's list); the revoked diploma checked against it"
    curl -s -o portal/status-bundle.cbor "$portal_url/status"
    second_link=$(sed -n 3p diplomas/manifest.csv | awk -F, '{print $NF}')
    "$BIN/vanbang-verifier" check --anchor authority/authority.crt --trust trust.cbor \
        --status portal/status-bundle.cbor "$second_link" >portal/check.txt || true
    head -n 5 portal/check.txt
else
    step "12–13. (curl is not installed: no lookup and no status bundle)"
fi

step "14. The province's yearly report from the portal (late issues count as anomalies)"
report_status=0
"$BIN/vanbang-portal" report --db portal/portal.db --anchor authority/authority.crt --trust trust.cbor \
    --province "Hà Nội" --year 2026 --out report || report_status=$?
[ "$report_status" -le 1 ] || { echo "demo: the report failed" >&2; exit 1; }
echo "open $DEMO/report/report.html"
stop_servers

step "Done. Everything is in $DEMO: school/register.db, diplomas/*.png|svg|pdf, manifest.csv, trust.cbor, status.cbor, portal/, report/"
