#!/bin/sh
# test_issue_cli.sh — the registrar's flow through the real programs: an authority, a school and
# a trust list made with vanbang-keys, a seeded 60-graduate roster from vanbang-issue
# sample-roster, then `vanbang-issue sign` as a registrar runs it. Checks what the registrar
# and an auditor would look at: the manifest (one line per graduate, consecutive register
# numbers, serials following --serial-pattern, record sizes matching the links), one PNG and
# one SVG per graduate, no temporary files left, every link verified by vanbang-verifier, and
# the personal identification numbers of the roster in no output at all. Then every refusal:
# bad roster rows (each reported as FILE:LINE:COLUMN with the right place, the number never
# echoed, nothing written), a missing column, a wrong passphrase, a passphrase on the command
# line, missing options, serial patterns that cannot give distinct serials, and --dry-run.
# Last, the national program catalog in the trust list makes records smaller and the verifier
# still shows the program name, in Vietnamese and in English.
# Needs env VB_ROOT and VB_BIN (set by scripts/run-tests.sh).
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue" "$verifier"
enter_work_dir

# absent PATH NAME: nothing may exist at PATH.
absent() {
    if [ -e "$1" ]; then fail "$2: $1 exists:"; ls -la "$1" | sed 's/^/    /'; else pass "$2"; fi
}

# column_of FILE LINE FIELD: the column (in characters, as an editor counts them) where field
# FIELD of line LINE starts; the fields before it must not be quoted.
column_of() {
    [ "$3" -eq 1 ] && { echo 1; return; }
    prefix=$(sed -n "${2}p" "$1" | cut -d, -f1-$(($3 - 1)))
    echo $(($(printf '%s,' "$prefix" | LC_ALL=C.UTF-8 wc -m) + 1))
}

# The CSV field splitter the awk programs below share (quoted fields, "" inside quotes).
csv_awk='function csv_split(s, f,    n, i, c, q, cur) {
    n = 0; cur = ""; q = 0
    for (i = 1; i <= length(s); i++) {
        c = substr(s, i, 1)
        if (q) { if (c == "\"") { if (substr(s, i + 1, 1) == "\"") { cur = cur c; i++ } else q = 0 } else cur = cur c }
        else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cur; cur = "" }
        else cur = cur c
    }
    f[++n] = cur
    return n
}'

authority_passphrase='authority: cá vàng bơi 42'
school_passphrase='school: đúng ngựa pin kẹp giấy'
unset VANBANG_PASSPHRASE
: >all-output
output_log=all-output  # every output of run goes here too, searched for identification numbers at the end

# ---------------------------------------------------------------- --help for every verb
run 0 "vanbang-issue --help" "$issue" --help
for verb in sign qr sample-roster programs; do
    if run 0 "$verb --help" "$issue" "$verb" --help; then
        has_sections "$verb" NAME SYNOPSIS
        contains out "vanbang-issue $verb" "$verb --help names the verb"
    fi
done
run 2 "vanbang-issue with no verb is a usage error" "$issue"

# ---------------------------------------------------------------- authority, school, trust list
world_step() {  # each step of make_world is a check, with the passphrase of the key it opens
    step_name=$1
    if [ "$2" = authority ]; then step_passphrase=$authority_passphrase; else step_passphrase=$school_passphrase; fi
    shift 2
    run 0 "$step_name" with_passphrase "$step_passphrase" "$@"
}
make_world --province "Hà Nội"
cp trust.cbor trust-without-catalog.cbor

# ---------------------------------------------------------------- the roster
run 0 "sample-roster --rows 60 --seed 7" "$issue" sample-roster --rows 60 --seed 7 --out roster.csv
[ "$(wc -l <roster.csv)" -eq 61 ] && pass "the roster has a header and 60 rows" ||
    fail "the roster has $(wc -l <roster.csv) lines, not 61"
"$issue" sample-roster --rows 60 --seed 7 >roster-again.csv 2>/dev/null
cmp -s roster.csv roster-again.csv && pass "the same seed gives the same roster bytes" ||
    fail "sample-roster --seed 7 gave different bytes on a second run"
# The personal identification numbers (column 5; some rows leave it empty, as real exports do).
cut -d, -f5 roster.csv | tail -n +2 | grep -E '^[0-9]{12}$' >pins
pin_count=$(wc -l <pins)
[ "$pin_count" -ge 10 ] && pass "the roster holds $pin_count identification numbers to look for" ||
    fail "the roster holds only $pin_count 12-digit identification numbers"
# What the verifier and manifest should show, in roster order: full name, "program — code".
awk "$csv_awk"' NR > 1 { csv_split($0, f); print f[2] }' roster.csv >roster-names
awk "$csv_awk"' NR > 1 { csv_split($0, f); print f[7] " — " f[6] }' roster.csv >roster-programs

# ---------------------------------------------------------------- sign: the default pattern
sign_school() {  # sign_school EXPECTED NAME SIGN-OPTIONS...: sign roster.csv with the school key
    sign_expected=$1; sign_name=$2; shift 2
    run "$sign_expected" "$sign_name" with_passphrase "$school_passphrase" "$issue" sign --key school/school.key \
        --cert school/school.crt --base-url "$base_url" --place "Hà Nội" --issue-date 30/06/2026 "$@"
}
sign_school 0 "sign 60 graduates (--qr png,svg --first-number 101)" --roster roster.csv \
    --out plain --qr png,svg --first-number 101
cp out plain-stdout; cp err plain-stderr
contains plain-stdout "issued 60 records" "sign says it issued 60 records"

manifest=plain/manifest.csv
if [ -f "$manifest" ]; then
    [ "$(wc -l <"$manifest")" -eq 61 ] && pass "manifest.csv has 61 lines (header + 60)" ||
        fail "manifest.csv has $(wc -l <"$manifest") lines, not 61"
    [ "$(head -n 1 "$manifest")" = "register_year,register_number,serial,full_name,record_bytes,qr_version,link" ] &&
        pass "manifest header names its columns" || fail "manifest header is '$(head -n 1 "$manifest")'"
    bad=$(awk -F, 'NR > 1 && ($1 != 2026 || $2 != 100 + NR - 1) { print NR ": " $1 "," $2 }' "$manifest")
    [ -z "$bad" ] && pass "register numbers run 101..160 in 2026, one each" ||
        fail "register numbers are not consecutive from 101: $bad"
    bad=$(awk -F, 'NR > 1 && $3 != sprintf("2026%06d", 100 + NR - 1) { print NR ": " $3 }' "$manifest")
    [ -z "$bad" ] && pass "serials follow {YYYY}{N:6}: 2026000101..2026000160" ||
        fail "serials do not follow the default pattern: $bad"
    awk "$csv_awk"' NR > 1 { csv_split($0, f); print f[4] }' "$manifest" >manifest-names
    cmp -s manifest-names roster-names && pass "the manifest lists the roster's graduates in order" ||
        fail "manifest names differ from the roster: $(diff roster-names manifest-names | head -5)"
    # FORMAT.md §2: 17q+r digits carry 7q+k bytes; the manifest's record_bytes must agree.
    bad=$(awk -F, 'NR > 1 {
        digits = $NF; sub(/.*\//, "", digits); n = length(digits); q = int(n / 17); r = n - 17 * q
        k = (r == 0) ? 0 : (r == 3) ? 1 : (r == 5) ? 2 : (r == 8) ? 3 : (r == 10) ? 4 : (r == 13) ? 5 : (r == 15) ? 6 : -1
        if (k < 0 || 7 * q + k != $(NF - 2) || digits !~ /^[0-9]+$/ || index($NF, "HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/") != 1)
            print NR ": " $(NF - 2) " bytes, " n " digits"
    }' "$manifest")
    [ -z "$bad" ] && pass "every link is the upper-cased base plus digits holding record_bytes bytes" ||
        fail "links and record_bytes disagree: $bad"

    png_count=$(find plain -name '*.png' | wc -l)
    svg_count=$(find plain -name '*.svg' | wc -l)
    [ "$png_count" -eq 60 ] && [ "$svg_count" -eq 60 ] && pass "60 PNG and 60 SVG files" ||
        fail "$png_count PNG and $svg_count SVG files, expected 60 of each"
    missing=""
    for serial in $(tail -n +2 "$manifest" | cut -d, -f3); do
        [ "$(head -c 8 "plain/$serial.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
            missing="$missing $serial.png"
        grep -q "<svg" "plain/$serial.svg" 2>/dev/null || missing="$missing $serial.svg"
    done
    [ -z "$missing" ] && pass "each graduate has SERIAL.png (a PNG) and SERIAL.svg (an SVG)" ||
        fail "missing or broken pictures:$missing"
    stray=$(find . -name '*.tmp-*')
    [ -z "$stray" ] && pass "no *.tmp-* files left behind" || fail "temporary files left: $stray"

    tail -n +2 "$manifest" | awk -F, '{ print $NF }' >plain-links
    "$verifier" check --anchor authority/authority.crt --trust trust.cbor --quiet <plain-links \
        >verified 2>&1
    status=$?
    [ "$status" -eq 0 ] && pass "vanbang-verifier check --quiet exits 0 for the 60 links" ||
        fail "vanbang-verifier check exited $status"
    bad=$(awk '$1 != "ok"' verified)
    [ "$(wc -l <verified)" -eq 60 ] && [ -z "$bad" ] && pass "all 60 records verify: ok" ||
        fail "verification: $(wc -l <verified) lines, not ok: $bad"
    tail -n +2 "$manifest" | cut -d, -f3 >manifest-serials
    awk '{ print $2 }' verified >verified-serials
    cmp -s manifest-serials verified-serials && pass "the verifier reads back each record's serial" ||
        fail "verified serials differ from the manifest"
else
    fail "sign wrote no $manifest"
fi

# ---------------------------------------------------------------- sign: a custom serial pattern
sign_school 0 "sign with --serial-pattern 'CĐ{YYYY}-{N:5}' --register-year 2025 --first-number 995" \
    --roster roster.csv --out custom --qr png --serial-pattern 'CĐ{YYYY}-{N:5}' \
    --register-year 2025 --first-number 995
if [ -f custom/manifest.csv ]; then
    bad=$(awk -F, 'NR > 1 && ($1 != 2025 || $2 != 993 + NR || $3 != sprintf("CĐ2025-%05d", 993 + NR)) {
        print NR ": " $1 "," $2 "," $3 }' custom/manifest.csv)
    [ "$(wc -l <custom/manifest.csv)" -eq 61 ] && [ -z "$bad" ] &&
        pass "serials CĐ2025-00995..CĐ2025-01054, register numbers 995..1054/2025" ||
        fail "custom pattern: $bad"
    [ "$(find custom -name '*.png' | wc -l)" -eq 60 ] && [ "$(find custom -name '*.svg' | wc -l)" -eq 0 ] &&
        pass "--qr png writes 60 PNGs and no SVG" ||
        fail "--qr png wrote $(find custom -name '*.png' | wc -l) PNG, $(find custom -name '*.svg' | wc -l) SVG"
    first=$(sed -n 2p custom/manifest.csv | awk -F, '{ print $NF }')
    run 0 "a custom-serial record verifies" "$verifier" check --anchor authority/authority.crt \
        --trust trust.cbor "$first"
    contains out "CĐ2025-00995" "the verifier shows the serial CĐ2025-00995"
    contains out "995/2025" "the verifier shows the register number 995/2025"
    tail -n +2 custom/manifest.csv | awk -F, '{ print $NF }' |
        "$verifier" check --anchor authority/authority.crt --trust trust.cbor --quiet >verified 2>&1
    [ "$(grep -c '^ok ' verified)" -eq 60 ] && pass "all 60 custom-serial records verify" ||
        fail "custom-serial records: $(grep -vc '^ok ' verified) not ok"
else
    fail "sign with a custom pattern wrote no manifest"
fi

# A serial number identifies one diploma. A pattern without {N} gives all 60 graduates the same
# serial (and the same picture file name); a malformed pattern can give none. Either must be
# refused before anything is written, by --dry-run as well.
sign_school 2 "a serial pattern without {N} is refused (exit 2)" --roster roster.csv \
    --out same-serial --serial-pattern 'CĐ{YYYY}'
[ -f same-serial/manifest.csv ] &&
    echo "    (it issued $(tail -n +2 same-serial/manifest.csv | cut -d, -f3 | sort | uniq -c | sort -rn |
        awk 'NR == 1 { print $1 " records with the serial " $2 }') and $(find same-serial -name '*.png' |
        wc -l) PNG file)"
absent same-serial "nothing written for a pattern without {N}"
sign_school 2 "a malformed serial pattern is refused" --roster roster.csv --out bad-pattern \
    --serial-pattern 'CĐ{X}'
absent bad-pattern "no output folder for a malformed pattern"
run 2 "--dry-run refuses a malformed serial pattern" "$issue" sign --roster roster.csv --dry-run \
    --serial-pattern 'CĐ{X}'

# ---------------------------------------------------------------- --dry-run
sign_school 0 "sign --dry-run" --roster roster.csv --out dry --dry-run --first-number 101
contains out "60 graduates would be issued" "--dry-run says how many would be issued"
contains out "2026000101..2026000160" "--dry-run shows the serial range"
absent dry "--dry-run creates no output folder"

# ---------------------------------------------------------------- bad rows
# Line 2 is clean; lines 3-6 each carry one fault; line 6 repeats the graduate of line 2.
head -n 1 roster.csv >bad.csv
cat >>bad.csv <<'EOF'
1,Nguyễn Lan Hoa,01/01/2006,Nữ,022306878239,6480202,Công nghệ thông tin (Ứng dụng phần mềm),Khá,Chính quy,787/QĐ-CĐN,25/06/2026
2,Nguyễn Lan Ngân,31/02/2001,Nữ,,6720301,Điều dưỡng,Trung bình,Chính quy,674/QĐ-CĐN,14/06/2026
3,Nguyễn Phương Khánh Vy,13/04/1998,Nữ,,6520227,Điện công nghiệp,Tuyệt vời,Vừa làm vừa học,998/QĐ-CĐN,15/06/2026
4,Nguyễn Phương Huệ,23/01/2007,Nữ,074207634047,6520227,Điện công nghiệp,Khá,Chính quy,998/QĐ-CĐN,15/06/2026
5,Nguyễn Lan Hoa,01/01/2006,Nữ,022306878239,6480202,Công nghệ thông tin (Ứng dụng phần mềm),Khá,Chính quy,787/QĐ-CĐN,25/06/2026
EOF
printf '%s\n' 022306878239 074207634047 >>pins
sign_school 1 "a roster with bad rows is refused (exit 1)" --roster bad.csv --out refused
cp err bad-stderr
problem() {  # problem LINE FIELD TEXT NAME: bad-stderr has "bad.csv:LINE:COLUMN: ...TEXT"
    column=$(column_of bad.csv "$1" "$2")
    if grep -F "bad.csv:$1:$column: " bad-stderr | grep -qF -- "$3"; then
        pass "$4 (bad.csv:$1:$column)"
    else
        fail "$4: no \"bad.csv:$1:$column: ...$3\" in:"; sed 's/^/    /' bad-stderr
    fi
}
problem 3 3 "date of birth '31/02/2001' is not a real date" "31/02/2001 is reported"
problem 4 8 "classification 'Tuyệt vời' is not one of" "an unknown classification is reported"
problem 5 5 "does not agree with the gender" "an identification number that disagrees with the gender is reported"
problem 6 2 "same full name, date of birth and program code as line 2" "a repeated graduate is reported"
problem 6 5 "repeats the one on line 2" "a repeated identification number is reported"
grep -q '^bad\.csv:2:' bad-stderr && fail "the clean line 2 was reported: $(grep '^bad\.csv:2:' bad-stderr)" ||
    pass "the clean line 2 is not reported"
contains bad-stderr "nothing was issued" "the refusal says nothing was issued"
if grep -qF -e 022306878239 -e 074207634047 bad-stderr; then
    fail "a problem message echoed an identification number"
else pass "no problem message echoes an identification number"; fi
absent refused "nothing written for a refused roster (no output folder)"
mkdir existing-out
sign_school 1 "a refused roster into an existing folder" --roster bad.csv --out existing-out
[ -z "$(ls -A existing-out)" ] && pass "the existing folder stays empty (no manifest, no QR)" ||
    fail "files written for a refused roster: $(ls -A existing-out)"

# A second file whose header lacks a required column (the program name).
printf 'STT,Họ và tên,Ngày sinh,Giới tính,Số định danh cá nhân,Mã ngành,Xếp loại,Hình thức đào tạo\n' >no-column.csv
printf '1,Nguyễn Lan Hoa,01/01/2006,Nữ,022306878239,6480202,Khá,Chính quy\n' >>no-column.csv
sign_school 1 "a roster without the program-name column is refused" --roster no-column.csv \
    --out refused
grep -q "^no-column\.csv:1:.*missing required column 'Tên ngành'" err &&
    pass "the missing column is reported on line 1 by its header name" ||
    { fail "no 'no-column.csv:1: ... missing required column 'Tên ngành'' in:"; sed 's/^/    /' err; }
grep -qF 022306878239 err && fail "the missing-column refusal echoed an identification number" ||
    pass "the missing-column refusal echoes no identification number"
absent refused "nothing written for a roster missing a column"

# ---------------------------------------------------------------- passphrases
run 1 "a wrong passphrase is refused" with_passphrase "not the passphrase" "$issue" sign \
    --roster roster.csv --key school/school.key --cert school/school.crt --base-url "$base_url" \
    --place "Hà Nội" --out wrong-pass
contains err "wrong passphrase for school/school.key" "the wrong passphrase is said clearly"
absent wrong-pass "nothing written after a wrong passphrase"

secret='SECRET-tôi-là-mật-khẩu'
run 2 "--passphrase on the command line is refused" "$issue" sign --roster roster.csv \
    --key school/school.key --cert school/school.crt --base-url "$base_url" --place "Hà Nội" \
    --out argv-pass --passphrase "$secret"
contains err "never taken from the command line" "the refusal says why"
grep -qF "$secret" out err && fail "the passphrase given on the command line was echoed" ||
    pass "the command-line passphrase is not echoed"
run 2 "--passphrase=SECRET is refused too" "$issue" sign --roster roster.csv \
    --key school/school.key --cert school/school.crt --base-url "$base_url" --place "Hà Nội" \
    --out argv-pass "--passphrase=$secret"
grep -qF "$secret" out err && fail "--passphrase=SECRET was echoed" || pass "--passphrase=SECRET is not echoed"
absent argv-pass "nothing written when --passphrase is given"

# ---------------------------------------------------------------- usage errors
run 2 "sign without --roster" "$issue" sign --key school/school.key --cert school/school.crt \
    --base-url "$base_url" --place "Hà Nội" --out x
contains err "--roster is required" "the missing --roster is named"
contains err "vanbang-issue sign --help" "the usage error points to sign --help"
run 2 "sign without --key, --cert, --base-url, --place, --out" "$issue" sign --roster roster.csv
contains err "--key" "the missing --key is named"
run 2 "sign with an unknown --type" "$issue" sign --roster roster.csv --dry-run --type doctorate
run 2 "sign with --trust but no --anchor" "$issue" sign --roster roster.csv --dry-run --trust trust.cbor
run 2 "sign with a base URL that is not http(s)" "$issue" sign --roster roster.csv --dry-run \
    --key school/school.key --cert school/school.crt --base-url "ftp://host/V/" --place "Hà Nội" --out x
absent x "no output folder after usage errors"

# ---------------------------------------------------------------- program catalog in the trust list
"$issue" programs --roster roster.csv >programs.csv 2>programs.err
status=$?
cat programs.csv programs.err >>all-output
[ "$status" -eq 0 ] && pass "vanbang-issue programs --roster roster.csv" || fail "programs exited $status"
expected_programs=$(cut -d, -f6 roster.csv | tail -n +2 | sort -u | wc -l)
[ "$(tail -n +2 programs.csv | wc -l)" -eq "$expected_programs" ] &&
    pass "programs lists the $expected_programs distinct program codes" ||
    fail "programs listed $(tail -n +2 programs.csv | wc -l) programs, the roster has $expected_programs codes"
run 0 "trust-programs adds the catalog" with_passphrase "$authority_passphrase" "$keys" trust-programs \
    --authority authority --list trust.cbor --catalog programs.csv
sign_school 0 "sign with --trust and --anchor (the catalog)" --roster roster.csv --out catalog \
    --qr none --first-number 101 --trust trust.cbor --anchor authority/authority.crt
if [ -f catalog/manifest.csv ] && [ -f "$manifest" ]; then
    plain_mean=$(awk -F, 'NR > 1 { s += $(NF - 2); n++ } END { printf "%.1f", s / n }' "$manifest")
    catalog_mean=$(awk -F, 'NR > 1 { s += $(NF - 2); n++ } END { printf "%.1f", s / n }' catalog/manifest.csv)
    awk -v a="$catalog_mean" -v b="$plain_mean" 'BEGIN { exit !(a < b) }' &&
        pass "mean record size with the catalog $catalog_mean bytes < $plain_mean without" ||
        fail "mean record size with the catalog $catalog_mean is not below $plain_mean"
    bad=$(paste -d, "$manifest" catalog/manifest.csv | awk -F, 'NR > 1 && $12 >= $5 { print NR }')
    [ -z "$bad" ] && pass "every record is smaller with the catalog" ||
        fail "records not smaller with the catalog on manifest lines: $bad"
    tail -n +2 catalog/manifest.csv | awk -F, '{ print $NF }' >catalog-links
    run 0 "catalog records verify against the trust list" "$verifier" check \
        --anchor authority/authority.crt --trust trust.cbor $(cat catalog-links)
    grep 'Ngành/nghề:' out | sed 's/^ *Ngành\/nghề: *//' >shown-programs
    cmp -s shown-programs roster-programs &&
        pass "the verifier shows each graduate's program name and code from the catalog (Vietnamese)" ||
        { fail "program names shown differ from the roster:"; diff roster-programs shown-programs | head -6; }
    [ "$(grep -c 'HỢP LỆ' out)" -eq 60 ] && pass "60 verdicts HỢP LỆ" ||
        fail "$(grep -c 'HỢP LỆ' out) verdicts HỢP LỆ, not 60"
    run 0 "catalog records verify (--english)" "$verifier" check --english \
        --anchor authority/authority.crt --trust trust.cbor $(cat catalog-links)
    grep '^ *Program:' out | sed 's/^ *Program: *//' >shown-programs
    cmp -s shown-programs roster-programs &&
        pass "the verifier shows each graduate's program name and code from the catalog (English)" ||
        { fail "program names shown (English) differ from the roster:"; diff roster-programs shown-programs | head -6; }
    [ "$(grep -c 'GENUINE' out)" -eq 60 ] && pass "60 verdicts GENUINE" ||
        fail "$(grep -c 'GENUINE' out) verdicts GENUINE, not 60"
else
    fail "sign with the catalog wrote no manifest"
fi

# ---------------------------------------------------------------- no identification number anywhere
# Every output: stdout and stderr of every command, and every file the issuer wrote.
leaks=""
for file in all-output plain-stdout plain-stderr $(find plain custom catalog existing-out -type f 2>/dev/null); do
    if grep -aqF -f pins "$file"; then leaks="$leaks $file"; fi
done
[ -z "$leaks" ] && pass "none of the $(sort -u pins | wc -l) identification numbers appears in any output" ||
    fail "identification numbers found in:$leaks"

finish "all vanbang-issue CLI checks passed"
