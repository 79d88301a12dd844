#!/bin/sh
# test_print_cli.sh — `vanbang-issue print` as a registrar runs it, checked the way a reader of
# the printed diploma would: an authority, a school and a trust list with the program catalog,
# a seeded 8-graduate roster (plus one graduate whose name the export wrote decomposed), signed
# with `vanbang-issue sign`; then PDFs in full and overlay mode through the shipped templates.
# Checks: one page per credential; the PDF's text layer (pdftotext) holds each exact name, in
# NFC, and serial on that credential's page; each page rendered at 300 dpi (pdftoppm) holds a
# QR code that zbarimg decodes to exactly the credential's link from the manifest; full mode
# has the national header and overlay mode has none; --serial prints one page; every shipped
# template renders its own credential type and refuses another; a malformed template gives
# FILE:LINE messages and no PDF; a tampered link is refused with --trust and no PDF is written;
# records that leave their program name to the catalog need --trust; no temporary files stay.
# Keeps page 1 of the full-mode PDF as $VB_BUILD/screenshots/print-full.png.
# Needs env VB_ROOT, VB_BUILD, VB_BIN (set by scripts/run-tests.sh), poppler-utils, zbar-tools.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
nfc="$VB_BUILD/tools/nfc-text"
templates="$VB_ROOT/templates"
need_programs "$keys" "$issue" "$nfc"
need_command pdftotext poppler-utils
need_command pdftoppm poppler-utils
need_command pdfinfo poppler-utils
need_command zbarimg zbar-tools
enter_work_dir
use_test_passphrase

header_vi="CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
header_en="SOCIALIST REPUBLIC OF VIETNAM"
trust_options="--trust trust.cbor --anchor authority/authority.crt"

# pages PDF: its page count.
pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }

# page_text PDF N: the text layer of page N, in NFC.
page_text() { pdftotext -enc UTF-8 -f "$2" -l "$2" "$1" - | "$nfc"; }

# manifest_rows MANIFEST: "serial<TAB>name<TAB>link" per credential (names hold no comma or quote
# in these rosters; the link is the last column).
manifest_rows() { tail -n +2 "$1" | awk -F, '{printf "%s\t%s\t%s\n", $3, $4, $NF}'; }

# check_pdf NAME PDF MANIFEST [QR_PAGES]: page i holds credential i of MANIFEST: its name and
# serial in the text layer, its link in the QR code. QR_PAGES limits the QR check to the first
# pages (a 300-dpi page takes about a second to render); default all.
check_pdf() {
    check_name=$1; pdf=$2; manifest=$3
    expected=$(($(wc -l <"$manifest") - 1))
    qr_pages=${4:-$expected}
    got=$(pages "$pdf")
    if [ "$got" = "$expected" ]; then pass "$check_name: $expected pages, one per credential"; else
        fail "$check_name: $got pages, expected $expected"; fi
    rm -rf raster && mkdir raster
    pdftoppm -r 300 -png -l "$qr_pages" "$pdf" raster/page || fail "$check_name: pdftoppm failed"
    page=0; text_ok=0; qr_ok=0
    manifest_rows "$manifest" >rows
    while IFS="$(printf '\t')" read -r serial name link; do
        page=$((page + 1))
        page_text "$pdf" "$page" >page.txt
        if grep -qF -- "$name" page.txt && grep -qF -- "$serial" page.txt; then text_ok=$((text_ok + 1)); else
            fail "$check_name: page $page lacks \"$name\" or \"$serial\" in its text layer:"
            sed 's/^/    /' page.txt | head -n 40
        fi
        [ "$page" -le "$qr_pages" ] || continue
        # pdftoppm numbers pages with as many digits as the last page number needs.
        png=$(ls raster/page-*.png | sed -n "${page}p")
        decoded=$(zbarimg --raw -q --nodbus -Sdisable -Sqrcode.enable "$png" 2>/dev/null)
        if [ "$decoded" = "$link" ]; then qr_ok=$((qr_ok + 1)); else
            fail "$check_name: the QR code of page $page decodes to \"$decoded\", not the manifest's link \"$link\""
        fi
    done <rows
    [ "$text_ok" -eq "$page" ] && pass "$check_name: every page's text layer holds its graduate's exact name and serial"
    if [ "$qr_pages" -ge "$page" ]; then
        [ "$qr_ok" -eq "$page" ] && pass "$check_name: every page's QR code decodes (zbarimg, 300 dpi) to its manifest link"
    else
        [ "$qr_ok" -eq "$qr_pages" ] && pass "$check_name: the QR code of the first $qr_pages page(s) decodes to its link"
    fi
}

# no_pdf NAME PATH: neither PATH nor a temporary file beside it exists.
no_pdf() {
    if ls "$1" "$1".tmp-* >/dev/null 2>&1; then fail "$2: a PDF or temporary file was left:"; ls -la "$1"*; else
        pass "$2"; fi
}

# ---------------------------------------------------------------- the world and a signed batch
make_world || { echo "FAIL: setting up the authority and school:"; cat setup.log; exit 1; }
run 0 "sample roster of 8 graduates" "$issue" sample-roster --rows 8 --seed 2026 --out roster.csv
# One more graduate, as a spreadsheet exported her name: decomposed (NFD) — "Phạm Thị Thuỳ Dương".
decomposed=$(printf 'Pha\314\243m Thi\314\243 Thuy\314\200 Du\314\233o\314\233ng')
printf '9,%s,12/12/2005,Nữ,,6480202,Công nghệ thông tin (Ứng dụng phần mềm),Giỏi,Chính quy,787/QĐ-CĐN,25/06/2026\n' \
    "$decomposed" >>roster.csv
run 0 "program catalog from the roster" sh -c "\"$issue\" programs --roster roster.csv >programs.csv"
run 0 "the authority lists the catalog" "$keys" trust-programs --authority authority --list trust.cbor \
    --catalog programs.csv
# shellcheck disable=SC2086
run 0 "sign the batch (names left to the catalog)" "$issue" sign --roster roster.csv --key school/school.key \
    --cert school/school.crt --base-url "$base_url" --place "Hà Nội" --issue-date 30/06/2026 --out batch \
    --qr none $trust_options
[ "$(tail -n +2 batch/manifest.csv | wc -l)" -eq 9 ] && pass "9 credentials in the manifest" ||
    fail "the manifest does not list 9 credentials"
grep -qF "Phạm Thị Thuỳ Dương" batch/manifest.csv && pass "the decomposed name was signed in NFC" ||
    fail "the decomposed name is not in the manifest in NFC"

# ---------------------------------------------------------------- full and overlay PDFs
run 0 "print --help" "$issue" print --help
has_sections "print" NAME SYNOPSIS DESCRIPTION OPTIONS EXAMPLES "EXIT STATUS"

# shellcheck disable=SC2086
run 0 "print the batch in full mode" "$issue" print --manifest batch/manifest.csv \
    --template "$templates/college.tpl" --mode full --out full.pdf $trust_options
contains out "printed 9 pages to full.pdf (full mode" "print says what it wrote"
check_pdf "full mode" full.pdf batch/manifest.csv
pdftotext -enc UTF-8 full.pdf - | "$nfc" >full.txt
contains full.txt "$header_vi" "full mode prints the national header in Vietnamese"
contains full.txt "$header_en" "full mode prints the national header in English"
contains full.txt "BẰNG TỐT NGHIỆP CAO ĐẲNG" "full mode prints the diploma's title"
contains full.txt "Trường Cao đẳng Nghề Hà Nội" "the school name comes from the signer certificate"
contains full.txt "Điện công nghiệp" "program names left to the catalog are printed from the trust list"
contains full.txt "Hà Nội, 30/06/2026" "place and date of issue, dd/mm/yyyy"

mkdir -p "$VB_BUILD/screenshots"
if pdftoppm -r 150 -png -f 1 -l 1 -singlefile full.pdf "$VB_BUILD/screenshots/print-full"; then
    pass "page 1 kept as $VB_BUILD/screenshots/print-full.png"; else fail "could not keep the screenshot"; fi

# shellcheck disable=SC2086
run 0 "print the batch in overlay mode (the default)" "$issue" print --manifest batch/manifest.csv \
    --template "$templates/college.tpl" --out overlay.pdf $trust_options
check_pdf "overlay mode" overlay.pdf batch/manifest.csv
pdftotext -enc UTF-8 overlay.pdf - | "$nfc" >overlay.txt
lacks overlay.txt "$header_vi" "overlay mode prints no national header (the blank form has it)"
lacks overlay.txt "$header_en" "overlay mode prints no English header"
lacks overlay.txt "Họ và tên:" "overlay mode prints no field labels"
contains overlay.txt "Trung bình khá" "overlay mode prints the classification"

serial=$(sed -n 3p batch/manifest.csv | cut -d, -f3)
name=$(sed -n 3p batch/manifest.csv | cut -d, -f4)
# shellcheck disable=SC2086
run 0 "print one credential with --serial" "$issue" print --manifest batch/manifest.csv --serial "$serial" \
    --template "$templates/college.tpl" --mode full --out one.pdf $trust_options
[ "$(pages one.pdf)" = 1 ] && pass "--serial prints one page" || fail "--serial printed $(pages one.pdf) pages"
page_text one.pdf 1 >one.txt
contains one.txt "$name" "--serial prints that graduate"
# shellcheck disable=SC2086
run 1 "an unknown --serial is refused" "$issue" print --manifest batch/manifest.csv --serial NOSUCH \
    --template "$templates/college.tpl" --out none.pdf $trust_options
contains err "no credential with serial 'NOSUCH'" "the unknown serial is named"
no_pdf none.pdf "no PDF for an unknown serial"

# ---------------------------------------------------------------- every shipped template
# shellcheck disable=SC2086
for type in intermediate vocational-secondary elementary certificate; do
    roster=roster.csv
    if [ "$type" = intermediate ]; then
        "$issue" sample-roster --rows 3 --seed 7 --type intermediate --out roster-intermediate.csv
        roster=roster-intermediate.csv
    fi
    run 0 "sign a $type batch" "$issue" sign --roster "$roster" --type "$type" --key school/school.key \
        --cert school/school.crt --base-url "$base_url" --place "Thừa Thiên Huế" --issue-date 05/07/2026 \
        --out "batch-$type" --qr none
    run 0 "print it through $type.tpl" "$issue" print --manifest "batch-$type/manifest.csv" \
        --template "$templates/$type.tpl" --mode full --out "$type.pdf" $trust_options
    check_pdf "$type.tpl" "$type.pdf" "batch-$type/manifest.csv" 1
    run 1 "college.tpl refuses $type records" "$issue" print --manifest "batch-$type/manifest.csv" \
        --template "$templates/college.tpl" --out wrong.pdf $trust_options
    contains err "but the template" "the type mismatch is explained"
    no_pdf wrong.pdf "no PDF through another type's template"
done

# ---------------------------------------------------------------- a malformed template
# Four mistakes on known lines of a copy of college.tpl: an unknown field, a decimal comma, a
# position off the page, an unknown keyword.
awk 'NR == 23 {print "field nmae 46 96 13 bold"; next}
     NR == 25 {print "field birth_date 46,5 105 11"; next}
     NR == 27 {print "field gender_en 310 105 11"; next}
     NR == 29 {print "feild classification_en 50 114 11"; next}
     {print}' "$templates/college.tpl" >bad.tpl
# shellcheck disable=SC2086
run 2 "a malformed template is refused" "$issue" print --manifest batch/manifest.csv --template bad.tpl \
    --mode full --out bad.pdf $trust_options
contains err "bad.tpl:23: unknown field 'nmae'" "FILE:LINE for an unknown field"
contains err "bad.tpl:25: bad number '46,5'" "FILE:LINE for a bad number"
contains err "bad.tpl:27: position off the page" "FILE:LINE for a position off the page"
contains err "bad.tpl:29: unknown keyword 'feild'" "FILE:LINE for an unknown keyword"
contains err "4 problems in the template; nothing printed" "every problem is counted"
no_pdf bad.pdf "no PDF from a malformed template"
printf 'vanbang-template 1\ntype college\npage 297 210\n' >noqr.tpl
run 2 "a template without a QR code is refused" "$issue" print --manifest batch/manifest.csv \
    --template noqr.tpl --out noqr.pdf
contains err "noqr.tpl: no 'qr' line" "the missing QR code is named"
no_pdf noqr.pdf "no PDF from a template without a QR code"
run 2 "--mode takes overlay or full" "$issue" print --manifest batch/manifest.csv \
    --template "$templates/college.tpl" --mode poster --out mode.pdf
no_pdf mode.pdf "no PDF for a bad --mode"

# ---------------------------------------------------------------- a tampered link
# One digit of the third credential's signature changed (40 digits before the end).
awk -F, 'NR == 4 {
    link = $NF; at = length(link) - 40; d = substr(link, at, 1)
    $NF = substr(link, 1, at - 1) ((d + 1) % 10) substr(link, at + 1)
} {print}' OFS=, batch/manifest.csv >tampered.csv
if cmp -s tampered.csv batch/manifest.csv; then fail "the tampered manifest is unchanged"; fi
# shellcheck disable=SC2086
run 1 "a tampered link is refused with --trust" "$issue" print --manifest tampered.csv \
    --template "$templates/college.tpl" --out tampered.pdf $trust_options
contains err "tampered.csv:4:" "the refused row is named FILE:LINE"
contains err "not genuine" "it is called not genuine"
contains err "nothing printed" "nothing is printed"
no_pdf tampered.pdf "no PDF from a tampered manifest"
cp full.pdf keep.pdf
# shellcheck disable=SC2086
run 1 "an existing PDF is left alone when a batch is refused" "$issue" print --manifest tampered.csv \
    --template "$templates/college.tpl" --out keep.pdf $trust_options
cmp -s keep.pdf full.pdf && pass "the earlier PDF is unchanged" || fail "the earlier PDF was changed"

# ---------------------------------------------------------------- without a trust list
run 1 "names left to the catalog need --trust" "$issue" print --manifest batch/manifest.csv \
    --template "$templates/college.tpl" --out plain.pdf
contains err "give --trust and --anchor" "the registrar is told what to add"
no_pdf plain.pdf "no PDF without the catalog"
run 0 "sign a batch that carries its program names" "$issue" sign --roster roster.csv --key school/school.key \
    --cert school/school.crt --base-url "$base_url" --place "Hà Nội" --issue-date 30/06/2026 --out batch-plain \
    --qr none
run 0 "print it without --trust" "$issue" print --manifest batch-plain/manifest.csv \
    --template "$templates/college.tpl" --out plain.pdf
contains err "signatures are not checked" "print says the records were not verified"
check_pdf "without --trust" plain.pdf batch-plain/manifest.csv 1
page_text plain.pdf 1 >plain.txt
contains plain.txt "CDNHN01" "without --trust the school name field prints the school code"

# ---------------------------------------------------------------- nothing left behind
if ls ./*.tmp-* batch/*.tmp-* >/dev/null 2>&1; then fail "temporary files were left"; else
    pass "no temporary files left"; fi

finish "print: PDFs checked through pdftotext, pdftoppm and zbarimg"
