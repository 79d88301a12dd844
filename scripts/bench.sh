#!/bin/sh
# `make bench`: vanbang's figures, each beside its reference measured in the same run, as a
# ratio (these machines are shared and noisy; a ratio survives that better than a rate).
# The reference for signing and verifying is `openssl speed ecdsap256` on one core, measured
# just before and just after our own loops, and averaged.
# Usage: bench.sh BUILD [SECONDS]
set -eu
BUILD=${1:-build}
SECONDS_EACH=${2:-${BENCH_SECONDS:-3}}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TOOLS="$ROOT/$BUILD/tools"
BIN="$ROOT/$BUILD/bin"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

roster="$ROOT/../shared/data/sample-roster.csv"
if [ ! -f "$roster" ]; then
    roster="$work/roster.csv"
    "$BIN/vanbang-issue" sample-roster --rows 500 --seed 1 --out "$roster"
    roster_note="generated (500 rows, seed 1; ../shared/data absent)"
else
    roster_note="../shared/data/sample-roster.csv"
fi

openssl_ecdsa() {  # prints "sign/s verify/s"
    openssl speed -seconds "$SECONDS_EACH" ecdsap256 2>/dev/null | awk '/256 bits ecdsa/ {print $(NF-1), $NF}'
}

echo "vanbang bench — $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(openssl version | cut -d' ' -f1-2)"
echo "roster: $roster_note"
before=$(openssl_ecdsa)
"$TOOLS/bench-record" "$roster" "$SECONDS_EACH" > "$work/figures"
after=$(openssl_ecdsa)

awk -v before="$before" -v after="$after" '
    { value[$1] = $2 }
    END {
        split(before, b, " "); split(after, a, " ")
        ref_sign = (b[1] + a[1]) / 2; ref_verify = (b[2] + a[2]) / 2
        printf "\nrecord size (bytes) over %d records     min  median  max\n", value["rows"]
        printf "  names in full                       %5d  %6d  %4d\n", value["size.full.min"], value["size.full.median"], value["size.full.max"]
        printf "  program name from the catalog       %5d  %6d  %4d\n", value["size.catalog.min"], value["size.catalog.median"], value["size.catalog.max"]
        printf "  (EU digital COVID certificate median 366; goal: median <= 200)\n"
        printf "\nQR version                            min  median  max\n"
        printf "  names in full, ECC M                %5d  %6d  %4d\n", value["qr.full.M.min"], value["qr.full.M.median"], value["qr.full.M.max"]
        printf "  names in full, ECC Q                %5d  %6d  %4d\n", value["qr.full.Q.min"], value["qr.full.Q.median"], value["qr.full.Q.max"]
        printf "  catalog, ECC M                      %5d  %6d  %4d\n", value["qr.catalog.M.min"], value["qr.catalog.M.median"], value["qr.catalog.M.max"]
        printf "  catalog, ECC Q                      %5d  %6d  %4d\n", value["qr.catalog.Q.min"], value["qr.catalog.Q.median"], value["qr.catalog.Q.max"]
        printf "  (EU certificate: version 15 at M; goal: <= 12 at M)\n"
        printf "\nthroughput, one core                      ours/s   reference/s   ratio  goal\n"
        printf "  build + sign (ES256) vs openssl sign  %9.0f   %11.0f   %5.2f  >= 0.70\n", value["sign"], ref_sign, value["sign"] / ref_sign
        printf "  decode + verify vs openssl verify     %9.0f   %11.0f   %5.2f  >= 0.80\n", value["verify"], ref_verify, value["verify"] / ref_verify
        printf "  link text -> verdict vs openssl verify%9.0f   %11.0f   %5.2f\n", value["verify_link"], ref_verify, value["verify_link"] / ref_verify
        printf "  QR symbols encoded (libqrencode, M)   %9.0f\n", value["qr_encode"]
        printf "\nreference: openssl speed -seconds N ecdsap256, before %s and after %s (sign/s verify/s)\n", before, after
    }' "$work/figures"
