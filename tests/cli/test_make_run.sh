#!/bin/sh
# test_make_run.sh — what `make run` does: scripts/demo.sh on this build, end to end. It writes
# into $VB_ROOT/demo (recreating it, as `make run` does). Checks that the demo exits 0, draws a
# QR code on the terminal, verifies every issued record as `ok` but the second, which it revokes
# (so `revoked`), leaves one PNG and one SVG per graduate and a PDF in demo/diplomas, proves its
# register whole with `log verify`, and that the live verifier on loopback answers the first
# record valid and the second revoked; zbarimg, when installed, reads the first PNG as its link.
# The portal part: the register is uploaded to the portal on loopback, the public lookup by
# serial and unaccented name finds the first diploma, the portal's status bundle makes the
# verifier report the second revoked, demo/report/report.html is written, and the portal was
# stopped at the end.
# Needs env VB_ROOT and VB_BUILD (set by scripts/run-tests.sh).
set -u
. "$VB_ROOT/tests/cli/lib.sh"
demo_script="$VB_ROOT/scripts/demo.sh"
build=$(basename "$VB_BUILD")
[ -f "$demo_script" ] || { echo "FAIL: $demo_script is missing"; exit 1; }
need_programs "$VB_BUILD/bin/vanbang-issue"
make_work_dir
demo="$VB_ROOT/demo"

sh "$demo_script" "$build" >"$work/demo.out" 2>"$work/demo.err" </dev/null
status=$?
if [ "$status" -eq 0 ]; then pass "sh scripts/demo.sh $build exits 0"; else
    fail "sh scripts/demo.sh $build exited $status:"; tail -n 20 "$work/demo.out" "$work/demo.err" | sed 's/^/    /'
fi

# The terminal QR code: step 6 draws it in UTF-8 blocks; a version-1 code already takes 15 rows.
qr_lines=$(sed -n '/^== 6\./,/^== 7\./p' "$work/demo.out" | grep -c '█')
[ "$qr_lines" -ge 15 ] && pass "a QR code is drawn on the terminal ($qr_lines lines with █)" ||
    fail "only $qr_lines lines with █ in step 6"

manifest="$demo/diplomas/manifest.csv"
if [ -f "$manifest" ]; then
    rows=$(tail -n +2 "$manifest" | wc -l)
    [ "$rows" -ge 1 ] && pass "demo/diplomas/manifest.csv lists $rows records" || fail "the manifest is empty"
    # Step 8: one "VERDICT SERIAL line N" per record, then the full verdict of the first link.
    sed -n '/^== 8\./,/^== 9\./p' "$work/demo.out" >"$work/step7"
    verdicts=$(grep -cE '^[a-z-]+ [^ ]+ line [0-9]+$' "$work/step7")
    oks=$(grep -cE '^ok [^ ]+ line [0-9]+$' "$work/step7")
    revoked=$(grep -cE '^revoked [^ ]+ line 2$' "$work/step7")
    [ "$verdicts" -eq "$rows" ] && [ "$oks" -eq $((rows - 1)) ] && [ "$revoked" -eq 1 ] &&
        pass "all $rows records verified: the revoked second one revoked, the others ok" ||
        fail "step 8 printed $verdicts verdicts, $oks ok, $revoked revoked (line 2), for $rows records"
    tail -n +2 "$manifest" | cut -d, -f3 >"$work/serials"
    grep -E '^[a-z-]+ [^ ]+ line [0-9]+$' "$work/step7" | cut -d' ' -f2 >"$work/verified-serials"
    cmp -s "$work/serials" "$work/verified-serials" && pass "each record's serial was verified, in order" ||
        fail "verified serials differ from the manifest's"
    grep -q "HỢP LỆ" "$work/step7" && pass "the first link's full verdict is HỢP LỆ" ||
        fail "no HỢP LỆ verdict in step 8"
    grep -q "^log verify: OK" "$work/demo.out" && pass "the register's log verifies" ||
        fail "no 'log verify: OK' in the demo's output"
    [ "$(head -c 5 "$demo/diplomas/diplomas.pdf" 2>/dev/null)" = "%PDF-" ] && pass "the batch is printed as a PDF" ||
        fail "demo/diplomas/diplomas.pdf is missing or not a PDF"
    sed -n '/^== 9\./,/^== 10\./p' "$work/demo.out" >"$work/step9"
    grep -q '^{"verdict":"valid"' "$work/step9" && pass "the live verifier answers the first record valid" ||
        fail "the live verifier's answer for the first record is not valid"
    grep -q '"verdict":"revoked"' "$work/step9" && pass "the live verifier answers the second record revoked" ||
        fail "the live verifier does not answer the second record revoked"
    # Steps 10 to 14: the national portal.
    events=$((rows + 1))  # one issue per graduate, then the revocation
    sed -n '/^== 11\./,/^== 12/p' "$work/demo.out" | grep -q "portal holds $events$" &&
        pass "the upload leaves the portal holding the register's $events events" ||
        fail "no 'portal holds $events' line in step 11 (one issue per graduate and the revocation)"
    if command -v curl >/dev/null 2>&1; then
        first_serial=$(sed -n 2p "$manifest" | cut -d, -f3)
        first_name=$(sed -n 2p "$manifest" | cut -d, -f4)
        sed -n '/^== 12\./,/^== 13\./p' "$work/demo.out" >"$work/step12"
        grep -q "^lookup serial=$first_serial name=[A-Z ]*: found=true $first_name (in-force)$" "$work/step12" &&
            pass "the portal's lookup by serial and unaccented name finds the first diploma, in force" ||
            fail "the lookup did not find $first_serial $first_name: $(cat "$work/step12")"
        sed -n '/^== 13\./,/^== 14\./p' "$work/demo.out" | grep -q "ĐÃ BỊ THU HỒI" &&
            pass "the portal's status bundle makes the verifier report the second diploma revoked" ||
            fail "step 13 does not report the second diploma revoked"
    fi
    grep -q "<svg" "$demo/report/report.html" 2>/dev/null && pass "the province's report is in demo/report/report.html" ||
        fail "demo/report/report.html is missing or draws no chart"
    grep -q "stopping on SIGTERM" "$demo/portal/portal.log" 2>/dev/null && pass "the demo stopped the portal" ||
        fail "the portal's log does not say it was stopped"
    png=0; svg=0; broken=""
    for serial in $(cat "$work/serials"); do
        if [ "$(head -c 8 "$demo/diplomas/$serial.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
        then png=$((png + 1)); else broken="$broken $serial.png"; fi
        if grep -q "<svg" "$demo/diplomas/$serial.svg" 2>/dev/null; then svg=$((svg + 1)); else
            broken="$broken $serial.svg"; fi
    done
    [ "$png" -eq "$rows" ] && [ "$svg" -eq "$rows" ] &&
        pass "demo/diplomas has a PNG and an SVG for each of the $rows records" ||
        fail "$png PNG and $svg SVG for $rows records; missing or broken:$broken"
    if command -v zbarimg >/dev/null 2>&1; then
        first=$(sed -n 2p "$manifest")
        serial=$(printf '%s' "$first" | cut -d, -f3)
        link=$(printf '%s' "$first" | awk -F, '{ print $NF }')
        decoded=$(zbarimg --raw -q --nodbus "$demo/diplomas/$serial.png" 2>/dev/null)
        [ "$decoded" = "$link" ] && pass "zbarimg reads $serial.png as its link" ||
            fail "zbarimg read $serial.png as '$decoded', not '$link'"
    fi
else
    fail "the demo wrote no $manifest"
fi
[ -s "$work/demo.err" ] && { echo "note: the demo wrote to stderr:"; sed 's/^/    /' "$work/demo.err"; }

finish "the make run demo works end to end"
