#!/bin/sh
# test_sample_zbar.sh — an independent decoder reads our QR codes back, for every record of the
# shared sample rosters: signs ../shared/data/sample-roster.csv (college, 500 graduates) and
# sample-roster-trung-cap.csv (--type intermediate, 300) with the real vanbang-issue --qr png,
# then has zbarimg decode every PNG and compares its text with the manifest's link, byte for
# byte; the decoded texts (not the manifest) then go to vanbang-verifier, which must find every
# record genuine. When the shared folder is absent, a 500-graduate roster from sample-roster
# stands in (and the test says so).
# Both shared rosters were clean when this test was written: sign accepts every row, so no row
# is filtered out; a refusal is a failure here, printed with the validator's messages.
# Needs env VB_ROOT, VB_BUILD and VB_BIN (set by scripts/run-tests.sh) and zbarimg (Debian zbar-tools).
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue" "$verifier"
need_command zbarimg zbar-tools
enter_work_dir
started=$(date +%s)
use_test_passphrase  # throw-away keys of this test only

make_world || { echo "FAIL: could not set up the keys:"; cat setup.log; exit 1; }

shared="$VB_ROOT/../shared/data"
if [ -f "$shared/sample-roster.csv" ] && [ -f "$shared/sample-roster-trung-cap.csv" ]; then
    set -- "college:$shared/sample-roster.csv:500" "intermediate:$shared/sample-roster-trung-cap.csv:300"
else
    echo "note: $shared is absent; using a 500-graduate roster from sample-roster --seed 2024 instead"
    "$issue" sample-roster --rows 500 --seed 2024 --out generated.csv ||
        { echo "FAIL: sample-roster failed"; exit 1; }
    set -- "college:$work/generated.csv:500"
fi

total=0
for batch in "$@"; do
    type=${batch%%:*}; rest=${batch#*:}; roster=${rest%:*}; rows=${rest##*:}
    out="out-$type"
    if "$issue" sign --roster "$roster" --type "$type" --key school/school.key --cert school/school.crt \
            --base-url "$base_url" --place "Hà Nội" --issue-date 30/06/2026 --out "$out" --qr png \
            >sign.out 2>sign.err; then
        pass "sign $(basename "$roster") (--type $type)"
    else
        fail "sign refused $(basename "$roster") (--type $type):"; sed 's/^/    /' sign.err sign.out
        continue
    fi
    manifest="$out/manifest.csv"
    [ "$(tail -n +2 "$manifest" | wc -l)" -eq "$rows" ] && pass "$type: the manifest lists $rows records" ||
        fail "$type: the manifest lists $(tail -n +2 "$manifest" | wc -l) records, expected $rows"
    [ "$(find "$out" -name '*.png' | wc -l)" -eq "$rows" ] && pass "$type: $rows PNG files" ||
        fail "$type: $(find "$out" -name '*.png' | wc -l) PNG files, expected $rows"

    # The default serial pattern {YYYY}{N:6} is digits only, so each PNG is SERIAL.png.
    # --raw: the data as encoded, no charset conversion; --nodbus: no session bus in containers;
    # -Sdisable -Sqrcode.enable: look for QR codes only, so that a linear-barcode false positive
    # in the module pattern cannot add a line of its own.
    decode_started=$(date +%s)
    tail -n +2 "$manifest" | cut -d, -f3 | sed "s|^|$out/|; s|\$|.png|" |
        xargs -P 2 -n 25 sh -c 'for png; do
            zbarimg --raw -q --nodbus -Sdisable -Sqrcode.enable "$png" >"$png.decoded" 2>"$png.zbar-err"
        done' sh
    decode_seconds=$(($(date +%s) - decode_started))
    # Compare every decoded text with its manifest link, exactly (zbarimg ends it with "\n").
    awk -F, -v dir="$out" 'NR > 1 {
        file = dir "/" $3 ".png.decoded"
        lines = 0; text = ""
        while ((getline line < file) > 0) { text = (lines ? text "\n" : "") line; lines++ }
        close(file)
        if (lines == 0) { print "no code read from " $3 ".png"; bad++ }
        else if (lines != 1 || text != $NF) {
            for (i = 1; i <= length(text) && substr(text, i, 1) == substr($NF, i, 1); i++) ;
            print $3 ".png: " lines " line(s) read; the first differs from the link at character " i ": " \
                substr(text, i, 40) "... instead of " substr($NF, i, 40) "..."
            print dir "/" $3 ".png" > "mismatched-files"
            bad++
        } else good++
    } END { print good + 0, bad + 0 > "/dev/stderr" }' "$manifest" >mismatches 2>counts
    read -r good bad <counts
    if [ "$bad" -eq 0 ] && [ "$good" -eq "$rows" ]; then
        pass "$type: zbarimg reads all $rows QR codes as exactly their links (${decode_seconds}s)"
    else
        fail "$type: $bad of $rows QR codes did not decode to their link:"; head -n 10 mismatches | sed 's/^/    /'
        # Keep the pictures and what zbarimg read, for a look after the run.
        kept="$VB_BUILD/test-logs/sample-zbar-mismatches"
        mkdir -p "$kept" && head -n 10 mismatched-files | while read -r png; do
            cp "$png" "$kept/$type-${png##*/}" && cp "$png.decoded" "$kept/$type-${png##*/}.decoded"; done
        echo "    (pictures and decoded texts kept in $kept)"
    fi
    # The scanned texts themselves, one per line, through the verifier.
    tail -n +2 "$manifest" | cut -d, -f3 | sed "s|^|$out/|; s|\$|.png.decoded|" | xargs cat >scanned 2>/dev/null
    "$verifier" check --anchor authority/authority.crt --trust trust.cbor --quiet <scanned >verified 2>&1
    status=$?
    not_ok=$(awk '$1 != "ok"' verified | head -n 5)
    if [ "$status" -eq 0 ] && [ "$(wc -l <verified)" -eq "$rows" ] && [ -z "$not_ok" ]; then
        pass "$type: every scanned link verifies: ok"
    else
        fail "$type: verifying the scanned links: exit $status, $(wc -l <verified) lines; $not_ok"
    fi
    total=$((total + rows))
done

elapsed=$(($(date +%s) - started))
finish "all $total QR codes read back by zbarimg as their exact links" "; $total QR codes in ${elapsed}s"
