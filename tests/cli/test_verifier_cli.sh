#!/bin/sh
# test_verifier_cli.sh — `vanbang-verifier check` as an employer's office runs it, offline,
# against records signed by the real vanbang-issue: a genuine link (Vietnamese and English
# verdicts, the graduate's name), the digits alone, a link with one digit changed (forged
# signature, or unreadable), a cut link, a school the trust list does not hold, a school whose
# key the authority withdrew, a trust list signed by another authority or tampered with, links
# read from standard input, a raw binary record (--record, from the link decoded by FORMAT.md
# §2 here in the test), a record whose program name is left to a catalog the list lacks, and
# a roster whose name field is HTML, which the issuer must refuse.
# Needs env VB_ROOT and VB_BIN (set by scripts/run-tests.sh); perl (Debian perl-base) for the --record checks.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue" "$verifier"
enter_work_dir
use_test_passphrase  # throw-away keys of this test only

# check ARGS...: vanbang-verifier check against the authority's current trust list.
check() { "$verifier" check --anchor authority/authority.crt --trust trust.cbor "$@"; }

# ---------------------------------------------------------------- --help, usage
run 0 "vanbang-verifier --help" "$verifier" --help
run 0 "check --help" "$verifier" check --help
for section in NAME SYNOPSIS; do
    grep -q "^$section\$" out && pass "check --help has $section" || fail "check --help has no $section"
done
contains out "--record" "check --help describes --record"
run 2 "no verb is a usage error" "$verifier"
run 2 "check without --anchor and --trust is a usage error" "$verifier" check "${base_url}123"
run 2 "check with a missing trust list file" "$verifier" check --anchor /nonexistent.crt \
    --trust /nonexistent.cbor "${base_url}123"

# ---------------------------------------------------------------- the world
# Authority A certifies two schools; its trust list holds only the first (make_world's school).
# Authority B is another.
setup_ok=1
make_world || setup_ok=0
"$keys" authority-init --dir other-authority --name "Một cơ quan khác" >>setup.log 2>&1 || setup_ok=0
"$keys" school-init --dir unlisted --code TCDN02 --name "Trường Trung cấp Đà Nẵng" >>setup.log 2>&1 || setup_ok=0
"$keys" certify --authority authority --csr unlisted/school.csr --out unlisted/school.crt >>setup.log 2>&1 || setup_ok=0
"$issue" sample-roster --rows 6 --seed 11 --out roster.csv 2>/dev/null || setup_ok=0
for who in school unlisted; do
    "$issue" sign --roster roster.csv --key "$who/school.key" --cert "$who/school.crt" --base-url "$base_url" \
        --place "Hà Nội" --issue-date 30/06/2026 --out "$who-out" --qr none >/dev/null 2>"$who-sign.err" ||
        { setup_ok=0; cat "$who-sign.err"; }
done
if [ "$setup_ok" -ne 1 ] || [ ! -f school-out/manifest.csv ] || [ ! -f unlisted-out/manifest.csv ]; then
    echo "FAIL: could not set up authorities, schools and signed records"; sed "s/^/    /" setup.log; exit 1
fi
pass "set up two authorities, two schools, a trust list and 2 x 6 signed records"
link=$(sed -n 2p school-out/manifest.csv | awk -F, '{ print $NF }')
name=$(sed -n 2p school-out/manifest.csv | cut -d, -f4)
serial=$(sed -n 2p school-out/manifest.csv | cut -d, -f3)
record_bytes=$(sed -n 2p school-out/manifest.csv | awk -F, '{ print $(NF - 2) }')
unlisted_link=$(sed -n 2p unlisted-out/manifest.csv | awk -F, '{ print $NF }')

# ---------------------------------------------------------------- genuine
run 0 "a genuine link: exit 0" check "$link"
contains out "HỢP LỆ" "the verdict is HỢP LỆ"
contains out "$name" "the graduate's name is shown ($name)"
contains out "Trường Cao đẳng Nghề Hà Nội [CDNHN01]" "the issuing school is named"
contains out "$serial" "the serial number is shown"
run 0 "a genuine link, --english" check --english "$link"
contains out "GENUINE" "the English verdict is GENUINE"
contains out "$name" "the name is shown in English mode too"
run 0 "the record digits alone are accepted" check "${link##*/}"
contains out "HỢP LỆ" "the digits alone verify"
run 0 "a lower-case scheme and host are accepted" check "https://xacthuc.example.edu.vn/V/${link##*/}"
run 0 "--quiet: one line for a genuine link" check --quiet "$link"
[ "$(wc -l <out)" -eq 1 ] && [ "$(cut -d' ' -f1-2 out)" = "ok $serial" ] &&
    pass "--quiet prints 'ok $serial'" || { fail "--quiet printed:"; sed 's/^/    /' out; }

# ---------------------------------------------------------------- one digit changed
digits=${link##*/}
base=${link%/*}/
count=${#digits}
full_groups=$((count / 17))
# A digit in the signature: the last digit of the last full 17-digit group (its 7 bytes lie in
# the 64-byte signature). Lowered when above 0 (raised from 0), the group stays below 2^56, so
# the link still decodes and only the signature check can catch it.
position=$((full_groups * 17))
old_digit=$(printf '%s' "$digits" | cut -c"$position")
if [ "$old_digit" -gt 0 ]; then new_digit=$((old_digit - 1)); else new_digit=1; fi
forged="$base$(printf '%s' "$digits" | cut -c1-$((position - 1)))$new_digit$(printf '%s' "$digits" | cut -c$((position + 1))-)"
[ "${#forged}" -eq "${#link}" ] && [ "$forged" != "$link" ] || fail "could not make the one-digit forgery"
run 1 "a link with one signature digit changed: exit 1" check "$forged"
contains out "GIẢ MẠO" "the verdict is GIẢ MẠO (forged)"
lacks out "HỢP LỆ" "a forgery is not called HỢP LỆ"
run 1 "the forged link in English" check --english "$forged"
contains out "FORGED" "the English verdict is FORGED"
run 1 "the forged link with --quiet" check --quiet "$forged"
contains out "bad-signature" "--quiet gives the code bad-signature"
# A digit in the first group (the COSE header): whatever it breaks, the verdict is not genuine.
position=10
old_digit=$(printf '%s' "$digits" | cut -c"$position")
new_digit=$(((old_digit + 5) % 10))
mangled="$base$(printf '%s' "$digits" | cut -c1-$((position - 1)))$new_digit$(printf '%s' "$digits" | cut -c$((position + 1))-)"
run 1 "a link with one header digit changed: exit 1" check --english "$mangled"
if grep -qE "FORGED|UNREADABLE|NOT VERIFIED" out && ! grep -q GENUINE out; then
    pass "a header digit changed gives a non-genuine verdict ($(head -n 1 out | cut -d: -f2-))"
else fail "a header digit changed: $(cat out)"; fi
run 1 "a link missing its last digit: exit 1" check "${link%?}"
contains out "KHÔNG ĐỌC ĐƯỢC" "a cut link is unreadable"
run 1 "text that is not a link: exit 1" check "https://example.com/hello"

# ---------------------------------------------------------------- unknown school
run 1 "a record of a school not in the trust list: exit 1" check "$unlisted_link"
contains out "không rõ" "the verdict says the issuer is unknown (không rõ)"
lacks out "HỢP LỆ" "an unknown school's record is not HỢP LỆ"
run 1 "unknown school, --english" check --english "$unlisted_link"
contains out "unknown" "the English verdict says unknown"
run 1 "unknown school, --quiet" check --quiet "$unlisted_link"
contains out "unknown-signer" "--quiet gives the code unknown-signer"

# ---------------------------------------------------------------- a removed (withdrawn) school
cp trust.cbor removed.cbor
if "$keys" trust-remove --authority authority --list removed.cbor --cert school/school.crt >/dev/null 2>&1; then
    pass "trust-remove the school from a copy of the list"
else fail "trust-remove failed"; fi
run 1 "a genuine link after its school was removed: exit 1" "$verifier" check \
    --anchor authority/authority.crt --trust removed.cbor "$link"
contains out "khóa ký đã bị thu hồi" "the verdict says the signing key was withdrawn"
contains out "signer-removed" "the reason gives signer-removed"
run 1 "removed school, --english" "$verifier" check --english --anchor authority/authority.crt \
    --trust removed.cbor "$link"
contains out "withdrawn" "the English verdict says withdrawn"
run 0 "the older list (school still in it) still accepts the link" check "$link"

# ---------------------------------------------------------------- trust lists the verifier refuses
run 2 "a trust list checked against another authority: exit 2" "$verifier" check \
    --anchor other-authority/authority.crt --trust trust.cbor "$link"
contains err "trust-unknown-authority" "the message names trust-unknown-authority"
[ ! -s out ] && pass "no verdict printed with an unaccepted trust list" || fail "a verdict was printed: $(cat out)"
size=$(wc -c <trust.cbor)
flip_byte() {  # flip_byte IN OUT OFFSET: OUT is IN with the byte at OFFSET inverted
    cp "$1" "$2"
    byte=$(od -An -tu1 -j "$3" -N1 "$1" | tr -d ' ')
    printf "\\$(printf '%03o' $((255 - byte)))" | dd of="$2" bs=1 seek="$3" conv=notrunc 2>/dev/null
}
flip_byte trust.cbor tampered-signature.cbor $((size - 1))
cmp -s trust.cbor tampered-signature.cbor && fail "flip_byte changed nothing"
run 2 "a trust list with a byte of its signature flipped: exit 2" "$verifier" check \
    --anchor authority/authority.crt --trust tampered-signature.cbor "$link"
contains err "trust-unsigned" "the message names trust-unsigned"
flip_byte trust.cbor tampered-middle.cbor $((size / 2))
run 2 "a trust list with a byte in its middle flipped: exit 2" "$verifier" check \
    --anchor authority/authority.crt --trust tampered-middle.cbor "$link"
grep -qE "trust-(unsigned|malformed)" err && pass "the message names trust-unsigned or trust-malformed" ||
    { fail "tampered list: no trust-unsigned/trust-malformed in:"; sed 's/^/    /' err; }
head -c $((size - 10)) trust.cbor >truncated.cbor
run 2 "a truncated trust list: exit 2" "$verifier" check --anchor authority/authority.crt \
    --trust truncated.cbor "$link"

# ---------------------------------------------------------------- links on standard input
tail -n +2 school-out/manifest.csv | awk -F, '{ print $NF }' >genuine-links
input=genuine-links
run 0 "six genuine links on stdin, --quiet: exit 0" check --quiet
[ "$(wc -l <out)" -eq 6 ] && [ -z "$(awk '$1 != "ok"' out)" ] && pass "six lines, all ok" ||
    { fail "stdin --quiet printed:"; sed 's/^/    /' out; }
tail -n +2 school-out/manifest.csv | cut -d, -f3 >expected-serials
awk '{ print $2 }' out >shown-serials
cmp -s expected-serials shown-serials && pass "one line per link, in order, with its serial" ||
    fail "serials on stdin lines differ: $(paste -d' ' expected-serials shown-serials)"
{ cat genuine-links; printf '%s\n' "$forged" "$unlisted_link"; } >mixed-links
input=mixed-links
run 1 "genuine, forged and unknown links on stdin: exit 1" check --quiet
[ "$(wc -l <out)" -eq 8 ] && pass "eight links, eight lines" || fail "$(wc -l <out) lines for eight links"
[ "$(awk '{ print $1 }' out | tr '\n' ' ')" = "ok ok ok ok ok ok bad-signature unknown-signer " ] &&
    pass "each line carries its own verdict code" || { fail "verdict codes:"; sed 's/^/    /' out; }
awk '{ printf "%s\r\n", $0 }' genuine-links >crlf-links
input=crlf-links
run 0 "links with CRLF line ends (a Windows file) verify" check --quiet

# ---------------------------------------------------------------- --record: a raw binary record
# FORMAT.md §2 decoded here, independently of vanbang: 17 digits -> 7 bytes big-endian; a last
# group of 3/5/8/10/13/15 digits -> 1..6 bytes.
if command -v perl >/dev/null 2>&1; then
    link_to_record() {
        perl -e 'my $d = shift; $d =~ s{.*/}{};
            my %bytes = (17 => 7, 3 => 1, 5 => 2, 8 => 3, 10 => 4, 13 => 5, 15 => 6);
            binmode STDOUT;
            while (length $d) {
                my $n = length($d) >= 17 ? 17 : length $d;
                my $k = $bytes{$n} or die "bad digit count\n";
                my $v = substr($d, 0, $n, "") + 0;
                print substr(pack("Q>", $v), 8 - $k);
            }' "$1"
    }
    link_to_record "$link" >record.cose
    [ "$(wc -c <record.cose)" -eq "$record_bytes" ] &&
        pass "the link decodes to $record_bytes bytes, as the manifest says" ||
        fail "the link decodes to $(wc -c <record.cose) bytes, the manifest says $record_bytes"
    [ "$(head -c 1 record.cose | od -An -tx1 | tr -d ' ')" = d2 ] &&
        pass "the record starts with CBOR tag 18 (0xd2, COSE_Sign1)" ||
        fail "the record starts with $(head -c 1 record.cose | od -An -tx1)"
    run 0 "--record FILE: a raw genuine record, exit 0" "$verifier" check --english \
        --anchor authority/authority.crt --trust trust.cbor --record record.cose
    contains out "GENUINE" "--record: GENUINE"
    contains out "$name" "--record shows the name"
    flip_byte record.cose record-forged.cose $((record_bytes - 1))
    run 1 "--record with the last signature byte flipped: exit 1" "$verifier" check --english \
        --anchor authority/authority.crt --trust trust.cbor --record record-forged.cose
    contains out "FORGED" "--record: a flipped signature byte is FORGED"
    head -c $((record_bytes - 1)) record.cose >record-cut.cose
    run 1 "--record with a record cut short: exit 1" "$verifier" check --english \
        --anchor authority/authority.crt --trust trust.cbor --record record-cut.cose
    contains out "UNREADABLE" "--record: a cut record is UNREADABLE"
    run 2 "--record with a missing file: exit 2" "$verifier" check \
        --anchor authority/authority.crt --trust trust.cbor --record no-such.cose
else
    echo "skipped: --record checks (no perl to decode a link into its bytes)"
fi

# ---------------------------------------------------------------- the catalog fills program names
cp trust.cbor trust-without-catalog.cbor
"$issue" programs --roster roster.csv >programs.csv 2>/dev/null &&
    "$keys" trust-programs --authority authority --list trust.cbor --catalog programs.csv >/dev/null 2>&1 &&
    "$issue" sign --roster roster.csv --key school/school.key --cert school/school.crt --base-url "$base_url" \
        --place "Hà Nội" --issue-date 30/06/2026 --out catalog-out --qr none --trust trust.cbor \
        --anchor authority/authority.crt >/dev/null 2>&1 &&
    pass "catalog added to the list and records signed without program names" ||
    fail "could not add the catalog and sign with it"
catalog_link=$(sed -n 2p catalog-out/manifest.csv 2>/dev/null | awk -F, '{ print $NF }')
program=$(sed -n 2p roster.csv | cut -d, -f7)
run 0 "a catalog record against the list with the catalog" check "$catalog_link"
contains out "$program" "the program name comes from the catalog ($program)"
run 0 "a catalog record against a list without the catalog is still genuine" "$verifier" check \
    --anchor authority/authority.crt --trust trust-without-catalog.cbor "$catalog_link"
contains out "không có trong danh mục" "the verifier says the name is not in its catalog"

# ---------------------------------------------------------------- HTML in a name: refused at issue
head -n 1 roster.csv >html.csv
printf '%s\n' '1,<script>alert(1)</script>,01/01/2006,Nữ,,6480202,Công nghệ thông tin (Ứng dụng phần mềm),Khá,Chính quy,787/QĐ-CĐN,25/06/2026' \
    "2,Đặng Thị O'Brien-Ngọc,02/02/2005,Nữ,,6480202,Công nghệ thông tin (Ứng dụng phần mềm),Khá,Chính quy,787/QĐ-CĐN,25/06/2026" >>html.csv
run 1 "a roster whose name is <script>alert(1)</script> is refused" "$issue" sign --roster html.csv \
    --key school/school.key --cert school/school.crt --base-url "$base_url" --place "Hà Nội" \
    --issue-date 30/06/2026 --out html-out
grep -q "^html\.csv:2:3: full name holds '<'" err && pass "the refusal points at html.csv:2:3 and names '<'" ||
    { fail "no 'html.csv:2:3: full name holds '<'' in:"; sed 's/^/    /' err; }
grep -q "^html\.csv:3:" err && fail "the name with an apostrophe and a hyphen was refused: $(grep '^html\.csv:3:' err)" ||
    pass "a name with an apostrophe and a hyphen is accepted"
[ ! -e html-out ] && pass "nothing written for the HTML name" || fail "html-out was written"

finish "all vanbang-verifier CLI checks passed"
