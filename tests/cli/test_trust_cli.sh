#!/bin/sh
# test_trust_cli.sh — the trust list as an authority keeps it with the real vanbang-keys:
# trust-init (and its refusal to overwrite), trust-add raising the sequence number by one each
# time, as trust-list prints it, with the kids trust-list shows checked against the openssl
# command; a certificate added twice, a signer from another authority, trust-remove by --kid
# (bad hex refused, whatever the hex parser makes of it) and by --cert, trust-list against the
# wrong anchor, and the program catalog: added, a conflicting name refused with the list's
# bytes unchanged, malformed CSV lines reported as FILE:LINE.
# Needs env VB_ROOT and VB_BIN (set by scripts/run-tests.sh) and the openssl command.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys"
need_command openssl openssl
enter_work_dir

# refused NAME COMMAND...: COMMAND must fail (exit 1 or 2).
refused() {
    refused_name=$1; shift
    "$@" >out 2>err </dev/null
    status=$?
    if [ "$status" -eq 1 ] || [ "$status" -eq 2 ]; then pass "$refused_name (exit $status)"; else
        fail "$refused_name: exit status $status, expected 1 or 2"
        sed 's/^/    stdout: /' out; sed 's/^/    stderr: /' err
    fi
}

unchanged() {  # unchanged COPY NAME: trust.cbor must still have COPY's bytes
    if cmp -s "$1" trust.cbor; then pass "$2"; else fail "$2: trust.cbor changed"; fi
}

use_test_passphrase  # throw-away keys of this test only

kid_of() { openssl x509 -in "$1" -outform DER | sha256sum | cut -c1-16; }
# sequence: the sequence number trust-list prints for trust.cbor (empty when it cannot).
sequence() {
    "$keys" trust-list --anchor authority/authority.crt --list trust.cbor 2>/dev/null |
        sed -n '1s/.*: sequence \([0-9][0-9]*\),.*/\1/p'
}
expect_sequence() {  # expect_sequence N NAME
    got=$(sequence)
    [ "$got" = "$1" ] && pass "$2: trust-list prints sequence $1" || fail "$2: sequence '$got', expected $1"
}

# ---------------------------------------------------------------- --help
for verb in trust-init trust-add trust-remove trust-list trust-programs; do
    if run 0 "$verb --help" "$keys" "$verb" --help; then
        has_sections "$verb" NAME SYNOPSIS
        contains out "vanbang-keys $verb" "$verb --help shows how $verb is called"
    fi
done

# ---------------------------------------------------------------- authorities and schools
setup_ok=1
"$keys" authority-init --dir authority --name "Bộ Giáo dục và Đào tạo (thử nghiệm)" >>setup.log 2>&1 || setup_ok=0
"$keys" authority-init --dir other-authority --name "Một cơ quan khác" >>setup.log 2>&1 || setup_ok=0
for school in one two; do
    "$keys" school-init --dir "$school" --code "CD-$school" --name "Trường Cao đẳng $school" >>setup.log 2>&1 || setup_ok=0
    "$keys" certify --authority authority --csr "$school/school.csr" --out "$school/school.crt" >>setup.log 2>&1 ||
        setup_ok=0
done
"$keys" school-init --dir stranger --code TC-X --name "Trường Trung cấp Lạ" >>setup.log 2>&1 || setup_ok=0
"$keys" certify --authority other-authority --csr stranger/school.csr --out stranger/school.crt >>setup.log 2>&1 ||
    setup_ok=0
[ "$setup_ok" -eq 1 ] || { echo "FAIL: could not make the authorities and schools"; sed "s/^/    /" setup.log; exit 1; }
authority_kid=$(kid_of authority/authority.crt)
one_kid=$(kid_of one/school.crt)
two_kid=$(kid_of two/school.crt)

# ---------------------------------------------------------------- trust-init
run 0 "trust-init" "$keys" trust-init --authority authority --list trust.cbor
expect_sequence 1 "a new list"
run 0 "trust-list" "$keys" trust-list --anchor authority/authority.crt --list trust.cbor
grep -q "^$authority_kid  *authority " out && pass "the new list holds the authority, kid $authority_kid (openssl)" ||
    { fail "trust-list does not show the authority kid $authority_kid:"; sed 's/^/    /' out; }
cp trust.cbor before.cbor
refused "trust-init refuses an existing file" "$keys" trust-init --authority authority --list trust.cbor
contains err "already exists" "trust-init says the file exists"
unchanged before.cbor "the existing list is untouched"

# ---------------------------------------------------------------- trust-add
run 0 "trust-add school one" "$keys" trust-add --authority authority --list trust.cbor --cert one/school.crt
expect_sequence 2 "after one trust-add"
run 0 "trust-add school two" "$keys" trust-add --authority authority --list trust.cbor --cert two/school.crt
expect_sequence 3 "after two trust-adds"
run 0 "trust-list after the adds" "$keys" trust-list --anchor authority/authority.crt --list trust.cbor
for kid in "$one_kid" "$two_kid"; do
    grep -q "^$kid  *signer " out && pass "trust-list shows signer $kid (the kid openssl computes)" ||
        { fail "trust-list does not show signer $kid:"; sed 's/^/    /' out; }
done
contains out "3 entries" "trust-list counts 3 entries"
cp trust.cbor before.cbor
refused "adding the same certificate twice is refused" "$keys" trust-add --authority authority \
    --list trust.cbor --cert one/school.crt
contains err "already in the trust list" "the refusal says the certificate is already there"
unchanged before.cbor "the list is unchanged after the refused add"
expect_sequence 3 "after the refused add"

# A signer certified by another authority is not issued by any authority of this list: a
# verifier refuses a list holding it (trust-certificate), so trust-add must refuse to write it.
refused "a signer certified by another authority is refused" "$keys" trust-add \
    --authority authority --list trust.cbor --cert stranger/school.crt
unchanged before.cbor "the list is unchanged after adding a stranger's certificate"
run 0 "the list still loads afterwards" "$keys" trust-list --anchor authority/authority.crt --list trust.cbor
cp before.cbor trust.cbor  # whatever happened, go on from the good list

# ---------------------------------------------------------------- trust-remove --kid
cp trust.cbor before.cbor
run 2 "trust-remove --kid zz12 (not hex, too short): exit 2" "$keys" trust-remove \
    --authority authority --list trust.cbor --kid zz12
contains err "16 hexadecimal digits" "the message says a kid is 16 hexadecimal digits"
run 2 "trust-remove --kid 0123456789abcdeg (16 characters, a 'g'): exit 2" "$keys" trust-remove \
    --authority authority --list trust.cbor --kid 0123456789abcdeg
contains err "16 hexadecimal digits" "the 'g' is refused as not hexadecimal"
unchanged before.cbor "the list is unchanged after bad --kid values"

# A kid mistyped with a 'g' must never be read as some other kid. To show the danger, find an
# entry whose kid has a byte below 0x10 ("0d"): the same kid written with "dg" there.
typo_kid=""
typo_of() {  # the kid with its first "0X" byte written "Xg", or nothing
    printf '%s\n' "$1" | awk '{ for (i = 1; i < 16; i += 2) if (substr($0, i, 1) == "0") {
        print substr($0, 1, i - 1) substr($0, i + 1, 1) "g" substr($0, i + 2); exit } }'
}
for kid in "$one_kid" "$two_kid" "$authority_kid"; do
    typo_kid=$(typo_of "$kid"); [ -n "$typo_kid" ] && { target_kid=$kid; break; }
done
attempt=0
while [ -z "$typo_kid" ] && [ "$attempt" -lt 40 ]; do
    # Another certificate for school two (new serial, new kid) until one has such a byte.
    attempt=$((attempt + 1))
    rm -f extra.crt
    "$keys" certify --authority authority --csr two/school.csr --out extra.crt --days $((300 + attempt)) \
        >/dev/null 2>&1 || break
    typo_kid=$(typo_of "$(kid_of extra.crt)")
    if [ -n "$typo_kid" ]; then
        target_kid=$(kid_of extra.crt)
        "$keys" trust-add --authority authority --list trust.cbor --cert extra.crt >/dev/null 2>&1 ||
            fail "could not add extra.crt"
    fi
done
if [ -n "$typo_kid" ]; then
    cp trust.cbor before.cbor
    run 2 "trust-remove --kid $typo_kid (kid $target_kid mistyped): exit 2" "$keys" trust-remove \
        --authority authority --list trust.cbor --kid "$typo_kid"
    unchanged before.cbor "a mistyped kid removes nothing"
    "$keys" trust-list --anchor authority/authority.crt --list trust.cbor 2>&1 | grep -A1 "^$target_kid" |
        grep -q REMOVED && fail "the mistyped kid $typo_kid removed the entry $target_kid" ||
        pass "entry $target_kid is still in force"
    cp before.cbor trust.cbor
else
    echo "skipped: no kid with a byte below 0x10 found; the mistyped-kid check did not run"
fi

sequence_before=$(sequence)
run 0 "trust-remove --kid of school two" "$keys" trust-remove --authority authority \
    --list trust.cbor --kid "$two_kid"
expect_sequence $((sequence_before + 1)) "after trust-remove"
run 0 "trust-list after the removal" "$keys" trust-list --anchor authority/authority.crt --list trust.cbor
grep -A1 "^$two_kid" out | grep -q REMOVED && pass "school two is marked REMOVED (kept in the list)" ||
    { fail "school two is not marked REMOVED:"; sed 's/^/    /' out; }
grep -A1 "^$one_kid" out | grep -q REMOVED && fail "school one was marked REMOVED too" ||
    pass "school one is still in force"
cp trust.cbor before.cbor
refused "removing it again is refused" "$keys" trust-remove --authority authority --list trust.cbor \
    --kid "$two_kid"
unchanged before.cbor "the list is unchanged after removing twice"
refused "removing a kid that is not in the list is refused" "$keys" trust-remove \
    --authority authority --list trust.cbor --kid 0123456789abcdef
unchanged before.cbor "the list is unchanged after removing an unknown kid"
sequence_before=$(sequence)
run 0 "trust-remove --cert of school one" "$keys" trust-remove --authority authority \
    --list trust.cbor --cert one/school.crt
expect_sequence $((sequence_before + 1)) "after trust-remove --cert"

# ---------------------------------------------------------------- trust-list: wrong anchor
refused "trust-list with another authority as anchor fails" "$keys" trust-list \
    --anchor other-authority/authority.crt --list trust.cbor
[ -s err ] && pass "trust-list says why: $(head -n 1 err)" || fail "trust-list failed silently"
grep -q "signer\|authority  *-" out && fail "trust-list printed entries of a list it could not check" ||
    pass "no entries printed for an unchecked list"
run 2 "trust-list of a missing file: exit 2" "$keys" trust-list --anchor authority/authority.crt \
    --list no-such.cbor
contains err "no-such.cbor" "the missing file is named"

# ---------------------------------------------------------------- trust-programs
printf 'program_code,program_name\n6340301,Kế toán\n6480202,"Công nghệ thông tin (Ứng dụng phần mềm)"\n' >catalog.csv
sequence_before=$(sequence)
run 0 "trust-programs adds two programs" "$keys" trust-programs --authority authority \
    --list trust.cbor --catalog catalog.csv
expect_sequence $((sequence_before + 1)) "after trust-programs"
run 0 "trust-list shows the catalog" "$keys" trust-list --anchor authority/authority.crt --list trust.cbor
contains out "program catalog: 2 programs" "the catalog holds 2 programs"
grep -q "6480202  *Công nghệ thông tin (Ứng dụng phần mềm)$" out && pass "a quoted name is stored without its quotes" ||
    { fail "6480202's name is not shown as given:"; sed 's/^/    /' out; }

cp trust.cbor before.cbor
printf '6520227,Điện công nghiệp\n6340301,Kế toán doanh nghiệp\n' >conflict.csv
refused "a different name for an existing code is refused" "$keys" trust-programs \
    --authority authority --list trust.cbor --catalog conflict.csv
contains err "conflict.csv:2:" "the conflict is reported at conflict.csv:2"
contains err "6340301" "the conflict names the code"
unchanged before.cbor "the list keeps the same bytes after a conflicting name (6520227 not added either)"

# Malformed lines: each reported with its file and line; the list keeps its bytes.
printf 'program_code,program_name\n6510201,Công nghệ kỹ thuật cơ khí\n6520205\n' >no-name.csv
printf '6510201,Công nghệ kỹ thuật cơ khí\nabc,Tên ngành\n' >letters.csv
printf '6510201,Công nghệ kỹ thuật cơ khí\n6810101,Hướng dẫn du lịch\n6720301,"Điều dưỡng\n' >open-quote.csv
for case in no-name.csv:3 letters.csv:2 open-quote.csv:3; do
    file=${case%:*}; line=${case#*:}
    refused "$file: a malformed line is refused" "$keys" trust-programs --authority authority \
        --list trust.cbor --catalog "$file"
    grep -q "$file:$line:" err && pass "$file: reported at $file:$line" ||
        { fail "$file: no '$file:$line:' in:"; sed 's/^/    /' err; }
    unchanged before.cbor "$file: the list keeps its bytes"
done
run 2 "trust-programs with a missing catalog file: exit 2" "$keys" trust-programs \
    --authority authority --list trust.cbor --catalog no-such.csv

finish "all trust list CLI checks passed"
