#!/bin/sh
# test_status_export.sh — `vanbang-issue status export` and `status show` on a register on disk,
# and the list as verifiers take it. The register gets a credential corrected twice (a chain), a
# copy then a correction of its credential (the copy is superseded too), a revoked credential
# that had a copy (every record of it revoked), a revocation without a decision date (dated the
# day it was entered) and credentials left alone. The list must say exactly that: the entries,
# the decision numbers and dates, the replacement records; each export takes the next sequence
# (kept in the register); the file is replaced atomically; a certificate of another school is
# refused without using a sequence number. Then `vanbang-verifier check --status` reports the
# revoked and superseded records as such and an untouched one as genuine.
# Needs env VB_BIN (set by scripts/run-tests.sh) and the sqlite3 command.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue" "$verifier"
need_command sqlite3 sqlite3
enter_work_dir
use_test_passphrase
school="--key school/school.key --cert school/school.crt"
q() { sqlite3 -batch -noheader register.db "$1"; }
same() {  # ACTUAL EXPECTED NAME
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: '$1', expected '$2'"; fi
}

# ---------------------------------------------------------------- --help
for verb in export show; do
    run 0 "status $verb --help" "$issue" status "$verb" --help &&
        has_sections "status $verb" NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES
done
run 2 "status with no verb is a usage error" "$issue" status
run 2 "export needs --key, --cert and --out" "$issue" status export --register register.db
run 2 "a passphrase on the command line is refused" "$issue" status export --register register.db $school \
    --out s.cbor --passphrase secret

# ---------------------------------------------------------------- the register
make_world || fail "the world could not be set up (see setup.log)"
run 0 "init" "$issue" init --register register.db --cert school/school.crt --base-url "$base_url" --place "Hà Nội"
run 0 "sample-roster" "$issue" sample-roster --rows 10 --seed 21 --out roster.csv
run 0 "issue 10" "$issue" issue --register register.db --roster roster.csv $school --issue-date 30/06/2026 --out k
serial() { q "SELECT serial FROM credentials WHERE record_id = $1"; }
link_of() { sed -n "$(($1 + 1))p" k/manifest.csv | awk -F, '{ print $NF }'; }
s1=$(serial 1); s2=$(serial 2); s3=$(serial 3); s4=$(serial 4)
# record 11 corrects 1, record 12 corrects 11 (a chain)
run 0 "correct record 1" "$issue" correct "$s1" "name=Tên Một Lần" --register register.db --decision 15/QĐ \
    --decision-date 17/06/2026 --reason civil-status $school --out fixes
run 0 "correct the correction" "$issue" correct "$s1" "name=Tên Hai Lần" --register register.db --decision 16/QĐ \
    --decision-date 18/06/2026 $school --out fixes
# record 13 copies 4, then record 14 corrects 4: the copy reproduces a superseded record
run 0 "copy record 4" "$issue" copy "$s4" --register register.db $school --out fixes
run 0 "correct record 4" "$issue" correct "$s4" "name=Tên Bốn" --register register.db --decision 17/QĐ \
    --decision-date 19/06/2026 $school --out fixes
# record 15 copies 3, then the credential of 3 is revoked without a decision date
run 0 "copy record 3" "$issue" copy "$s3" --register register.db $school --out fixes
run 0 "revoke serial 3 (no decision date)" "$issue" revoke "$s3" --register register.db --reason fraud \
    --decision 10/QĐ $school
run 0 "revoke serial 2" "$issue" revoke "$s2" --register register.db --reason lent --decision 9/QĐ \
    --decision-date 20/06/2026 $school
today=$(date +%d/%m/%Y)

# ---------------------------------------------------------------- export
mkdir public
run 0 "status export" "$issue" status export --register register.db $school --out public/status.cbor
contains out "status list 1 of CDNHN01" "the first export takes sequence 1"
contains out "3 revoked, 4 superseded, 3 replacement records" "the export counts what it lists"
same "$(q "SELECT value FROM settings WHERE name = 'status_sequence'")" 1 "the register keeps the sequence"
same "$(ls -A public | wc -l)" 1 "only the list is in the folder (no temporary file left)"
same "$(stat -c %a public/status.cbor)" 644 "the list is world-readable (it is published)"

run 0 "status show --cert" "$issue" status show public/status.cbor --cert school/school.crt
cp out show1
contains show1 "status list 1 of CDNHN01" "show names the school and sequence"
contains show1 "7 entries (3 revoked, 4 superseded), 3 replacement records; signature ok" "show counts the entries"
contains show1 "record 1: superseded by record 11 on 17/06/2026, current record 12, replacement included, decision 15/QĐ" \
    "the original corrected twice: superseded by the first correction, the current record named"
contains show1 "record 11: superseded by record 12 on 18/06/2026, replacement included, decision 16/QĐ" \
    "the first correction is superseded by the second"
contains show1 "record 4: superseded by record 14 on 19/06/2026, replacement included, decision 17/QĐ" \
    "a corrected original"
contains show1 "record 13: superseded by record 14 on 19/06/2026" "the copy of a corrected record is superseded too"
contains show1 "record 2: revoked — lent — 20/06/2026, decision 9/QĐ" "a revocation with its decision date"
contains show1 "record 3: revoked — fraud — $today, decision 10/QĐ" "a revocation without a date is dated the day it was entered"
contains show1 "record 15: revoked — fraud — $today, decision 10/QĐ" "the copy of a revoked credential is revoked"
lacks show1 "record 5:" "an untouched record is not listed"
lacks show1 "record 12:" "the current correction is not listed"

# ---------------------------------------------------------------- sequence, atomic replacement
cp public/status.cbor status-1.cbor
printf '%s\n' "$VANBANG_PASSPHRASE" >passphrase
VANBANG_PASSPHRASE_SAVED=$VANBANG_PASSPHRASE; unset VANBANG_PASSPHRASE
run 0 "a second export (passphrase from a descriptor)" sh -c \
    "exec 3<passphrase; exec '$issue' status export --register register.db $school --out public/status.cbor --passphrase-fd 3 --no-replacements"
VANBANG_PASSPHRASE=$VANBANG_PASSPHRASE_SAVED; export VANBANG_PASSPHRASE
contains out "status list 2 of CDNHN01" "the next export takes sequence 2"
contains out "0 replacement records" "--no-replacements leaves the records out"
[ "$(stat -c %s public/status.cbor)" -lt "$(stat -c %s status-1.cbor)" ] && pass "the list without replacements is smaller" ||
    fail "the list without replacements is not smaller"
same "$(ls -A public | wc -l)" 1 "the list was replaced in place, nothing else left"

"$keys" school-init --dir other --code TCNHP02 --name "Trường Trung cấp Hải Phòng" >>setup.log 2>&1
"$keys" certify --authority authority --csr other/school.csr --out other/school.crt >>setup.log 2>&1
run 1 "export with another school's key is refused" "$issue" status export --register register.db \
    --key other/school.key --cert other/school.crt --out other.cbor
[ -e other.cbor ] && fail "a refused export wrote a file" || pass "a refused export writes nothing"
same "$(q "SELECT value FROM settings WHERE name = 'status_sequence'")" 2 "a refused export takes no sequence"
run 0 "export above a sequence published from a newer register (--after-sequence)" "$issue" status export \
    --register register.db $school --out after.cbor --after-sequence 10
contains out "status list 11 of CDNHN01" "--after-sequence 10 takes 11"
same "$(q "SELECT value FROM settings WHERE name = 'status_sequence'")" 11 "the register keeps 11"

# ---------------------------------------------------------------- show refuses what is not the school's
run 1 "show refuses a list checked against another school" "$issue" status show public/status.cbor --cert other/school.crt
cp status-1.cbor broken.cbor
size=$(stat -c %s broken.cbor)
printf '\001' | dd of=broken.cbor bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
run 1 "show refuses a list whose signature breaks" "$issue" status show broken.cbor --cert school/school.crt

# ---------------------------------------------------------------- the verifier
if "$verifier" check --help 2>/dev/null | grep -q -- '--status'; then
    verify() { "$verifier" check --english --anchor authority/authority.crt --trust trust.cbor --status status-1.cbor "$@"; }
    run 1 "the verifier: a revoked record" verify "$(link_of 2)"
    contains out "REVOKED" "the verifier says revoked"
    contains out "9/QĐ" "the verifier shows the revocation decision"
    run 1 "the verifier: a superseded record" verify "$(link_of 1)"
    contains out "SUPERSEDED" "the verifier says superseded"
    run 1 "the verifier: the original of a credential revoked after its copy" verify --quiet "$(link_of 3)"
    contains out "revoked" "the verifier says revoked (--quiet)"
    run 0 "the verifier: an untouched record" verify "$(link_of 5)"
    contains out "status list: CDNHN01" "the verifier consulted the list for the genuine one"
    run 2 "the verifier refuses a list whose signature breaks" "$verifier" check --anchor authority/authority.crt \
        --trust trust.cbor --status broken.cbor "$(link_of 5)"
else
    echo "note: vanbang-verifier has no --status yet; the list was checked with 'status show' only"
fi

finish "status export: revoked and superseded records listed, signed, sequenced"
