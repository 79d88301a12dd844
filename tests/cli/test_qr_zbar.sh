#!/bin/sh
# test_qr_zbar.sh — renders QR codes of 50 seeded random records (120..260 bytes) with
# tests/tools/qr-render and checks that an independent decoder, zbarimg, reads each PNG back as
# exactly the link text: both base spellings (alphanumeric and 8-bit), every ECC level, several
# module sizes.
# Needs env VB_ROOT and VB_BUILD (set by scripts/run-tests.sh) and zbarimg (Debian zbar-tools).
set -eu
. "$VB_ROOT/tests/cli/lib.sh"
render="$VB_BUILD/tools/qr-render"
need_programs "$render"
need_command zbarimg zbar-tools
make_work_dir

# Same records every run: awk's generator with a fixed seed. One "LEVEL MODULE_PX HEX" a line.
awk 'BEGIN {
    srand(20240611)
    split("L M Q H", levels, " ")
    for (i = 0; i < 50; i++) {
        n = 120 + int(rand() * 141)
        hex = ""
        for (j = 0; j < n; j++) hex = hex sprintf("%02x", int(rand() * 256))
        print levels[i % 4 + 1], 2 + i % 3, hex
    }
}' >"$work/records"

count=0
failures=0
while read -r level module_pixels hex; do
    # Alternate, four records at a time so every level meets both, the alphanumeric base
    # (uppercased in the link) and a lowercase-path one (kept as given, 8-bit mode).
    if [ $(( (count / 4) % 2 )) -eq 0 ]; then base="https://xacthuc.example.edu.vn/V/"
    else base="https://xacthuc.example.edu.vn/v/"; fi
    png="$work/qr-$count.png"
    if ! "$render" -v -l "$level" -m "$module_pixels" -p "$png" "$base" "$hex" \
            >"$work/expected" 2>"$work/render.err"; then
        echo "FAIL: qr-render failed for record $count:"; cat "$work/render.err"
        failures=$((failures + 1)); count=$((count + 1)); continue
    fi
    version=$(sed -n 's/^version //p' "$work/render.err")
    # --raw: no charset conversion of the data; --nodbus: no session bus in test containers.
    if ! zbarimg --raw -q --nodbus "$png" >"$work/decoded" 2>"$work/zbar.err"; then
        echo "FAIL: zbarimg found no code in record $count (${#hex} hex, level $level, version $version)"
        cat "$work/zbar.err"
        failures=$((failures + 1))
    elif ! cmp -s "$work/expected" "$work/decoded"; then
        echo "FAIL: record $count decoded differently (level $level, version $version)"
        echo "  expected: $(cat "$work/expected")"
        echo "  decoded:  $(cat "$work/decoded")"
        failures=$((failures + 1))
    else
        echo "ok $count: $(( ${#hex} / 2 )) bytes, level $level, ${module_pixels}px, version $version, $(head -c 24 "$work/expected")..."
    fi
    count=$((count + 1))
done <"$work/records"

[ "$count" -eq 50 ] || { echo "FAIL: rendered $count records, expected 50"; exit 1; }
[ "$failures" -eq 0 ] || { echo "FAIL: $failures of $count QR codes did not decode to their link"; exit 1; }
echo "all $count QR codes decoded by zbarimg to their exact link text"
