#!/bin/sh
# `make bench`, the national portal (issue 5): mirror ROWS records from a school's register to
# `vanbang-portal serve` on loopback with `vanbang-issue upload` (batches signed by the school,
# every record's signature checked by the portal, one transaction per batch): records/s end to
# end and the peak RSS of both sides; then `vanbang-portal audit` over AUDIT_ROWS stored records
# (every signature, every school's log, the anomaly queries): seconds. Both beside
# `openssl speed -multi 2 ecdsap256` verify/s measured in the same run (before and after): the
# portal and the audit verify one ECDSA signature per record, so that is their ceiling.
# Usage: bench-portal.sh BUILD [ROWS] [AUDIT_ROWS]   (defaults 100000 and 1000000)
set -eu
BUILD=${1:-build}
ROWS=${2:-${BENCH_PORTAL_ROWS:-100000}}
AUDIT_ROWS=${3:-${BENCH_AUDIT_ROWS:-1000000}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) OUT=$BUILD ;; *) OUT="$ROOT/$BUILD" ;; esac
BIN="$OUT/bin"
BASE_URL=https://xacthuc.example.edu.vn/V/
export VANBANG_PASSPHRASE="bench only - not for real keys"
work=$(mktemp -d)
portal_pid=""
cleanup() { [ -n "$portal_pid" ] && kill "$portal_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT INT TERM
cd "$work"

now() { date +%s.%N; }
openssl_verify() {  # verify/s of ES256 (P-256) on both cores
    openssl speed -multi 2 -seconds 5 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $NF}' | tail -n 1
}

"$BIN/vanbang-keys" authority-init --dir authority --name "Bench authority" >/dev/null
"$BIN/vanbang-keys" trust-init --authority authority --list trust.cbor >/dev/null
"$BIN/vanbang-keys" school-init --dir school --code CDNHN01 --name "Trường Cao đẳng Nghề Hà Nội (bench)" \
    --province "Hà Nội" >/dev/null
"$BIN/vanbang-keys" certify --authority authority --csr school/school.csr --out school/school.crt >/dev/null
"$BIN/vanbang-keys" trust-add --authority authority --list trust.cbor --cert school/school.crt >/dev/null

# issue_register NAME ROWS: a register of ROWS originals (no pictures)
issue_register() {
    "$BIN/vanbang-issue" sample-roster --rows "$2" --seed 7 --out "$1.csv"
    "$BIN/vanbang-issue" init --register "$1.db" --cert school/school.crt --base-url "$BASE_URL" \
        --place "Hà Nội" >/dev/null
    "$BIN/vanbang-issue" issue --register "$1.db" --roster "$1.csv" --key school/school.key \
        --cert school/school.crt --out "$1.out" --qr none --issue-date 30/06/2026 >/dev/null
}

# start_portal DB: serves DB on a free loopback port; sets portal_pid and url
start_portal() {
    "$BIN/vanbang-portal" init --db "$1" >/dev/null
    "$BIN/vanbang-portal" serve --db "$1" --anchor authority/authority.crt --trust trust.cbor \
        --listen 127.0.0.1 --port 0 2>"$1.log" &
    portal_pid=$!
    tries=0 port=""
    while [ $tries -lt 200 ] && [ -z "$port" ]; do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$1.log" | head -n 1)
        [ -n "$port" ] || { sleep 0.05; tries=$((tries + 1)); }
    done
    [ -n "$port" ] || { echo "bench-portal: the portal did not start:" >&2; cat "$1.log" >&2; exit 1; }
    url="http://127.0.0.1:$port"
}

stop_portal() {  # prints the portal's peak RSS in KiB
    rss=$(awk '/VmHWM/ {print $2}' "/proc/$portal_pid/status")
    kill "$portal_pid"; wait "$portal_pid" 2>/dev/null || true
    portal_pid=""
    echo "$rss"
}

# upload REGISTER DB: prints "seconds uploader_rss_kib portal_rss_kib"
upload() {
    start_portal "$2"
    start=$(now)
    /usr/bin/time -f %M -o "$1.rss" "$BIN/vanbang-issue" upload --register "$1" --key school/school.key \
        --cert school/school.crt --portal "$url" --no-status --quiet >"$1.upload.log" 2>&1 ||
        { echo "bench-portal: upload failed:" >&2; cat "$1.upload.log" >&2; exit 1; }
    end=$(now)
    portal_rss=$(stop_portal)
    echo "$start $end $(cat "$1.rss") $portal_rss" | awk '{printf "%.3f %d %d\n", $2 - $1, $3, $4}'
}

echo "vanbang portal bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)"
echo "mirror: $ROWS records of one school; audit: $AUDIT_ROWS stored records"
issue_register mirror "$ROWS"
[ "$AUDIT_ROWS" -gt 0 ] && issue_register big "$AUDIT_ROWS"

verify_before=$(openssl_verify)
set -- $(upload mirror.db mirror-portal.db); mirror_seconds=$1 uploader_rss=$2 portal_rss=$3
audit_seconds=0 big_upload_seconds=0
if [ "$AUDIT_ROWS" -gt 0 ]; then
    set -- $(upload big.db big-portal.db); big_upload_seconds=$1
    start=$(now)
    status=0
    "$BIN/vanbang-portal" audit --db big-portal.db --anchor authority/authority.crt --trust trust.cbor \
        >audit.log 2>&1 || status=$?
    end=$(now)
    [ "$status" -le 1 ] || { echo "bench-portal: audit failed:" >&2; cat audit.log >&2; exit 1; }
    audit_seconds=$(echo "$start $end" | awk '{printf "%.3f", $2 - $1}')
fi
verify_after=$(openssl_verify)

awk -v rows="$ROWS" -v audit_rows="$AUDIT_ROWS" -v before="$verify_before" -v after="$verify_after" \
    -v mirror="$mirror_seconds" -v urss="$uploader_rss" -v prss="$portal_rss" \
    -v big="$big_upload_seconds" -v audit="$audit_seconds" 'BEGIN {
    ref = (before + after) / 2
    printf "\nmirror (upload: sign batches; portal: verify every record + log, store)  records/s   reference/s   ratio  goal\n"
    printf "  %d records vs openssl -multi 2 verify %22.0f   %11.0f   %5.2f  >= 10000/s\n",
           rows, rows / mirror, ref, rows / mirror / ref
    if (big > 0) printf "  %d records (the audit store)        %22.0f   %11.0f   %5.2f\n", audit_rows, audit_rows / big, ref, audit_rows / big / ref
    printf "  peak RSS: uploader %d KiB, portal %d KiB\n", urss, prss
    if (audit > 0) {
        printf "\naudit of %d stored records      seconds   records/s   ratio to verify/s   goal\n", audit_rows
        printf "  every signature, log, anomalies %9.1f   %9.0f   %17.2f   <= 60 s\n", audit, audit_rows / audit, audit_rows / audit / ref
    }
    printf "\nreference: openssl speed -multi 2 -seconds 5 ecdsap256 verify/s, before %s and after %s\n", before, after
}'
