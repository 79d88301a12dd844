#!/bin/sh
# `make bench`, issuance: `vanbang-issue issue` of a seeded 100,000-row roster (validate + sign +
# register + checkpoint, the whole command timed) beside `openssl speed -multi 2 ecdsap256`
# sign/s measured in the same run (before and after, averaged); peak RSS at 20,000 and at
# 100,000 rows (it should not grow with the roster); QR rendering (PNG, SVG) beside
# libqrencode's single-threaded default on the same links (tests/tools/bench-qrencode.c); and
# the peer, OpenAttestation's wrapDocuments (scripts/bench-oa.mjs), when node and the package
# are present. Keys are made as scripts/demo.sh makes them (throw-away passphrase).
# Usage: bench-issue.sh BUILD [ROWS]     (ROWS default 100000; BENCH_OA_ROWS, default 10000, the
# peer's first rows of the same roster; NODE_PATH where its node_modules are)
set -eu
BUILD=${1:-build}
ROWS=${2:-${BENCH_ISSUE_ROWS:-100000}}
SMALL_ROWS=$((ROWS / 5))
OA_ROWS=${BENCH_OA_ROWS:-10000} # its rate is flat in the batch size; the whole roster takes minutes
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case $BUILD in /*) OUT=$BUILD ;; *) OUT="$ROOT/$BUILD" ;; esac
BIN="$OUT/bin"
TOOLS="$OUT/tools"
BASE_URL=https://xacthuc.example.edu.vn/V/
export VANBANG_PASSPHRASE="bench only - not for real keys"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

"$BIN/vanbang-keys" authority-init --dir authority --name "Bench authority" >/dev/null
"$BIN/vanbang-keys" school-init --dir school --code CDNHN01 --name "Trường Cao đẳng Nghề Hà Nội (bench)" \
    --province "Hà Nội" >/dev/null
"$BIN/vanbang-keys" certify --authority authority --csr school/school.csr --out school/school.crt >/dev/null
"$BIN/vanbang-issue" sample-roster --rows "$ROWS" --seed 1 --out roster.csv
"$BIN/vanbang-issue" sample-roster --rows "$SMALL_ROWS" --seed 1 --out roster-small.csv

openssl_sign() {  # sign/s of ES256 (P-256) on both cores
    openssl speed -multi 2 -seconds 5 ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $(NF-1)}'
}

now() { date +%s.%N; }

# issue NAME ROSTER QR: a fresh register each time (a graduate is issued once per register);
# prints "seconds peak_rss_kib"
issue() {
    "$BIN/vanbang-issue" init --register "$1.db" --cert school/school.crt --base-url "$BASE_URL" \
        --place "Hà Nội" >/dev/null
    start=$(now)
    /usr/bin/time -f %M -o "$1.rss" "$BIN/vanbang-issue" issue --register "$1.db" --roster "$2" \
        --key school/school.key --cert school/school.crt --out "$1" --qr "$3" --issue-date 30/06/2026 >/dev/null
    end=$(now)
    echo "$start $end $(cat "$1.rss")" | awk '{printf "%.3f %d\n", $2 - $1, $3}'
}

echo "vanbang issuance bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)"
echo "roster: $ROWS rows from the seeded generator (seed 1); ${SMALL_ROWS} rows for the memory check"
sign_before=$(openssl_sign)
set -- $(issue plain roster.csv none);      plain_seconds=$1 plain_rss=$2
set -- $(issue small roster-small.csv none); small_seconds=$1 small_rss=$2
set -- $(issue png roster.csv png);         png_seconds=$1 png_rss=$2
set -- $(issue svg roster.csv svg);         svg_seconds=$1 svg_rss=$2
sign_after=$(openssl_sign)
"$TOOLS/bench-qrencode" png/manifest.csv M >qrencode.txt
qrencode_rate=$(awk '$1 == "symbols_per_second" {print $2}' qrencode.txt)
ours_qr_rate=$(awk '$1 == "ours_symbols_per_second" {print $2}' qrencode.txt)

oa_note="" oa_rate=""
if ! command -v node >/dev/null 2>&1; then
    oa_note="skipped: node is not installed"
elif ! (cd "$ROOT" && node -e 'require.resolve("@govtechsg/open-attestation")') >/dev/null 2>&1; then
    oa_note="skipped: @govtechsg/open-attestation is not installed (npm install @govtechsg/open-attestation, then NODE_PATH=…/node_modules)"
else
    head -n $((OA_ROWS + 1)) roster.csv > roster-oa.csv
    oa_rate=$(cd "$ROOT" && node scripts/bench-oa.mjs "$work/roster-oa.csv" "$work/oa" | awk '/documents_per_second/ {print $2}') ||
        oa_note="skipped: scripts/bench-oa.mjs failed"
fi

awk -v rows="$ROWS" -v small_rows="$SMALL_ROWS" -v before="$sign_before" -v after="$sign_after" \
    -v plain="$plain_seconds" -v plain_rss="$plain_rss" -v small="$small_seconds" -v small_rss="$small_rss" \
    -v png="$png_seconds" -v png_rss="$png_rss" -v svg="$svg_seconds" -v svg_rss="$svg_rss" \
    -v qrencode="$qrencode_rate" -v ours_qr="$ours_qr_rate" -v oa="$oa_rate" -v oa_rows="$OA_ROWS" -v oa_note="$oa_note" 'BEGIN {
    ref = (before + after) / 2
    printf "\nissue (validate + sign + register + checkpoint)   records/s   reference/s   ratio  goal\n"
    printf "  %d rows, --qr none vs openssl -multi 2 sign %9.0f   %11.0f   %5.2f  >= 0.50 (and >= 40000/s)\n",
           rows, rows / plain, ref, rows / plain / ref
    printf "  %d rows, --qr none                          %9.0f\n", small_rows, small_rows / small
    printf "\npeak RSS (KiB)                       %d rows   %d rows   growth\n", small_rows, rows
    printf "  --qr none                          %9d   %10d   %5.2fx  (goal: flat)\n", small_rss, plain_rss, plain_rss / small_rss
    printf "  --qr png, --qr svg                               %d, %d\n", png_rss, svg_rss
    printf "\nQR, both cores (issue with pictures)        records/s   libqrencode 1 thread/s   ratio\n"
    printf "  --qr png                                %9.0f   %22.0f   %5.2f\n", rows / png, qrencode, rows / png / qrencode
    printf "  --qr svg                                %9.0f   %22.0f   %5.2f\n", rows / svg, qrencode, rows / svg / qrencode
    printf "  (the reference encodes only: QRcode_encodeString, ECC M, all masks, on the same links)\n"
    printf "  encoding alone, one thread: ours (the same symbols, mask chosen on bitsets) %.0f/s, %.2f of libqrencode\n",
           ours_qr, ours_qr / qrencode
    if (oa != "") {
        printf "\npeer: OpenAttestation wrapDocuments, %d docs, files in and out: %.0f docs/s; ours / theirs %.1f (goal >= 20)\n",
               oa_rows, oa, rows / plain / oa
    } else {
        printf "\npeer: OpenAttestation %s\n", oa_note
    }
    printf "\nreference: openssl speed -multi 2 -seconds 5 ecdsap256 sign/s, before %s and after %s\n", before, after
}'
