#!/bin/sh
# test_register_cli.sh — the school's register as a registrar uses it, through the real
# programs, on SQLite files on disk: init; issue a roster (dry run, then for real) and check what
# an auditor would — consecutive register numbers, one QR pair and one manifest line per
# graduate, no pending files, every link verified; the same graduates refused a second time with
# FILE:LINE:COLUMN; a second batch continuing the numbers; correct, copy and revoke with every
# refusal the rules ask; show, search (accent-insensitive) and export; the append-only triggers
# tried by hand with the sqlite3 command; backup (sha256sum -c accepts it) and restore; a
# certificate of another school refused. The personal identification numbers of the roster
# appear in no output and no exported file, and the register holds them.
# Needs env VB_BIN (set by scripts/run-tests.sh) and the sqlite3 and sha256sum commands.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue" "$verifier"
need_command sqlite3 sqlite3
enter_work_dir

: >all-output
output_log=all-output  # lib.sh's run adds every stdout and stderr to it
same() {  # ACTUAL EXPECTED NAME
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: '$1', expected '$2'"; fi
}
q() { sqlite3 -batch -noheader register.db "$1"; }

VANBANG_PASSPHRASE='trường: cá vàng bơi 42'
export VANBANG_PASSPHRASE
base_url=https://xacthuc.example.edu.vn/V/
school="--key school/school.key --cert school/school.crt"

# ---------------------------------------------------------------- --help of every register verb
for verb in init issue revoke correct copy show search export backup restore; do
    if run 0 "$verb --help" "$issue" "$verb" --help; then
        for section in NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES; do
            grep -q "^$section\$" out || fail "$verb --help has no $section section"
        done
    fi
done

# ---------------------------------------------------------------- the world: authority, school
run 0 "authority-init" "$keys" authority-init --dir ca --name "Bộ Giáo dục và Đào tạo (test)"
run 0 "school-init" "$keys" school-init --dir school --code CDNHN01 --name "Trường Cao đẳng Nghề Hà Nội"
run 0 "certify" "$keys" certify --authority ca --csr school/school.csr --out school/school.crt
run 0 "trust-init" "$keys" trust-init --authority ca --list trust.cbor
run 0 "trust-add" "$keys" trust-add --authority ca --list trust.cbor --cert school/school.crt
run 0 "another school" "$keys" school-init --dir other --code TCNHP02 --name "Trường Trung cấp Hải Phòng"
run 0 "certify another school" "$keys" certify --authority ca --csr other/school.csr --out other/school.crt

# ---------------------------------------------------------------- init
run 0 "init" "$issue" init --register register.db --cert school/school.crt \
    --serial-pattern 'college=CD{YYYY}{N:5}' --base-url "$base_url" --place "Hà Nội"
same "$(stat -c %a register.db)" 600 "the register is mode 600"
same "$(q 'PRAGMA journal_mode')" wal "the register uses write-ahead logging"
same "$(q 'PRAGMA user_version')" 2 "schema version 2"
same "$(q 'SELECT code FROM school')" CDNHN01 "the school code comes from the certificate"
run 2 "init over an existing register is refused" "$issue" init --register register.db --cert school/school.crt
contains err "never overwritten" "init says a register is never overwritten"
run 2 "init refuses a pattern without {N}" "$issue" init --register r2.db --cert school/school.crt \
    --serial-pattern 'college=CD{YYYY}'
[ -e r2.db ] && fail "a refused init left r2.db" || pass "a refused init leaves no file"

# ---------------------------------------------------------------- a roster
run 0 "sample-roster 40" "$issue" sample-roster --rows 40 --seed 11 --out roster.csv
cut -d, -f5 roster.csv | tail -n +2 | grep -E '^[0-9]{12}$' >pins
[ "$(wc -l <pins)" -ge 5 ] && pass "the roster holds identification numbers" || fail "no identification numbers"

# ---------------------------------------------------------------- issue
run 0 "issue --dry-run" "$issue" issue --register register.db --roster roster.csv --issue-date 30/06/2026 --dry-run
contains out "register numbers 1..40/2026" "the dry run shows the numbers it would give"
contains out "CD202600001..CD202600040" "the dry run shows the serials"
same "$(q 'SELECT count(*) FROM credentials')" 0 "a dry run writes nothing"

run 0 "issue 40 graduates" "$issue" issue --register register.db --roster roster.csv $school \
    --issue-date 30/06/2026 --out k2026 --trust trust.cbor --anchor ca/authority.crt
cp out issue-stdout
contains issue-stdout "issued 40" "issue says how many"
contains issue-stdout "register numbers 1..40/2026" "issue names the numbers given"
contains issue-stdout "signed checkpoint at size 40" "a checkpoint closes the batch"
same "$(q 'SELECT count(*) FROM credentials')" 40 "40 credentials in the register"
same "$(q 'SELECT count(*) FROM events WHERE kind = 1')" 40 "40 issue events"
same "$(q 'SELECT max(register_number) - min(register_number) + 1 = count(DISTINCT register_number) AND count(*) = count(DISTINCT register_number) FROM credentials')" 1 \
    "register numbers run without a gap, each once"
same "$(q 'SELECT min(register_number) || "-" || max(register_number) FROM credentials')" 1-40 "numbers 1 to 40"
same "$(q 'SELECT count(*) FROM credentials WHERE personal_id IS NOT NULL')" "$(wc -l <pins)" \
    "the register keeps every identification number the roster had"
same "$(q 'SELECT count(*) FROM checkpoints')" 1 "one checkpoint kept"
same "$(ls k2026/*.png | wc -l) $(ls k2026/*.svg | wc -l)" "40 40" "one PNG and one SVG per graduate"
same "$(wc -l <k2026/manifest.csv)" 41 "manifest.csv: header and 40 lines"
same "$(ls -A k2026 | grep -c '^\.pending-')" 0 "no pending file is left"
tail -n +2 k2026/manifest.csv | awk -F, '{print $NF}' >links
if "$verifier" check --anchor ca/authority.crt --trust trust.cbor --quiet <links >verified 2>&1; then
    pass "every issued link verifies"
else
    fail "a link does not verify:"; sed 's/^/    /' verified
fi
serials_files=$(ls k2026/*.png | sed 's|k2026/||; s|\.png$||' | sort | tr '\n' ' ')
serials_register=$(q "SELECT serial FROM credentials ORDER BY serial" | tr '\n' ' ')
same "$serials_files" "$serials_register" "the QR files are exactly the register's serials"

# ---------------------------------------------------------------- the same graduates again
run 1 "the same roster again is refused" "$issue" issue --register register.db --roster roster.csv $school \
    --issue-date 01/07/2026 --out again
cp err again-err
grep -qE '^roster\.csv:2:[0-9]+: .*already holds a credential' again-err &&
    pass "a repeated graduate is reported as FILE:LINE:COLUMN" || { fail "no FILE:LINE:COLUMN for line 2"; sed 's/^/    /' again-err; }
contains again-err "vanbang-issue copy CD202600001" "the refusal points to a copy from the register"
contains again-err "40 problems; nothing was issued" "all 40 are reported"
same "$(q 'SELECT count(*) FROM credentials')" 40 "nothing more in the register"
[ -e again ] && [ -n "$(ls -A again 2>/dev/null)" ] && fail "a refused batch wrote files" || pass "a refused batch writes no file"
# A personal-id match names the identification number's column (5), found from the row's own line.
pid_line=$(cut -d, -f5 roster.csv | grep -nE '^[0-9]{12}$' | awk -F: '{ print $1; exit }')
# the column in characters: the bytes of the first four fields and their commas, less UTF-8
# continuation bytes, plus one
pid_column_chars=$(( $(sed -n "${pid_line}p" roster.csv | cut -d, -f1-4 | LC_ALL=C tr -d '\200-\277\n' | wc -c) + 2 ))
grep -qE "^roster\.csv:$pid_line:$pid_column_chars: this personal identification number" again-err &&
    pass "the personal-id duplicate points at its column" ||
    { fail "expected roster.csv:$pid_line:$pid_column_chars"; grep "^roster.csv:$pid_line:" again-err | sed 's/^/    /'; }

# ---------------------------------------------------------------- a roster with a problem
{ head -n 1 roster.csv; echo "1,Lê Văn Tám,31/02/2001,Nam,,6480202,Công nghệ thông tin (Ứng dụng phần mềm),Giỏi,Chính quy,,"; } >bad.csv
run 1 "a roster with a bad date is refused" "$issue" issue --register register.db --roster bad.csv $school \
    --issue-date 30/06/2026 --out bad
contains err "bad.csv:2:" "the bad row is named"
same "$(q 'SELECT count(*) FROM batches')" 1 "no batch for a refused roster"

# A larger roster whose problems sit after many clean rows, and one of whose graduates is in the
# register already: with the passphrase given (no prompt) the roster is checked while it is
# signed, and the refusal must still list every problem, in file order, and keep nothing.
run 0 "sample-roster, 300 rows" "$issue" sample-roster --rows 300 --seed 7 --out late.csv
sed -n 2p roster.csv >repeat-row  # a graduate of the first batch
awk -F, 'NR == 250 { $3 = "30/02/2002" } NR == 290 { $4 = "Khác" } { print }' OFS=, late.csv >late-bad.csv
cat repeat-row >>late-bad.csv
numbers_before=$(q 'SELECT group_concat(type || "/" || year || "/" || last_number) FROM counters')
run 1 "late problems refuse the whole roster" "$issue" issue --register register.db --roster late-bad.csv $school \
    --issue-date 30/06/2026 --out late
cp err late-err
grep -q '^late-bad\.csv:250:[0-9]*: .*30/02/2002' late-err && pass "the bad date on line 250 is named" ||
    { fail "line 250 not named"; sed 's/^/    /' late-err; }
grep -q '^late-bad\.csv:290:[0-9]*: ' late-err && pass "the bad gender on line 290 is named" || fail "line 290 not named"
grep -q '^late-bad\.csv:302:[0-9]*: .*already holds a credential' late-err &&
    pass "the graduate already in the register is named (line 302)" || fail "line 302 not named"
same "$(grep -c '^late-bad\.csv:' late-err)" 3 "exactly the three problems are listed"
same "$(grep -n '^late-bad\.csv:' late-err | cut -d: -f3 | tr '\n' ' ')" "250 290 302 " "in file order"
contains late-err "3 problems; nothing was issued" "the refusal counts them"
same "$(q 'SELECT count(*) FROM credentials')" 40 "nothing of the refused roster is in the register"
same "$(q 'SELECT count(*) FROM events')" 40 "no event of the refused roster"
same "$(q 'SELECT group_concat(type || "/" || year || "/" || last_number) FROM counters')" "$numbers_before" \
    "no register number was used up"
[ -e late ] && fail "the refused batch left its folder" || pass "the refused batch leaves no folder"
# With the passphrase to be typed at a terminal, the roster is checked before it is asked for:
# no terminal here, so reaching the prompt would fail with another message.
run 1 "a refused roster is refused before the passphrase" env -u VANBANG_PASSPHRASE "$issue" issue \
    --register register.db --roster late-bad.csv $school --issue-date 30/06/2026 --out late2 </dev/null
contains err "3 problems; nothing was issued" "the same three problems without a passphrase"
grep -qi "passphrase" err && fail "the passphrase was asked for a refused roster" || pass "no passphrase asked"

# ---------------------------------------------------------------- a second batch
run 0 "sample-roster, other graduates" "$issue" sample-roster --rows 25 --seed 99 --out roster2.csv
cut -d, -f5 roster2.csv | tail -n +2 | grep -E '^[0-9]{12}$' >>pins
run 0 "issue a second batch" "$issue" issue --register register.db --roster roster2.csv $school \
    --issue-date 15/07/2026 --out k2026b
contains out "register numbers 41..65/2026" "the second batch continues the numbers"
same "$(q 'SELECT max(record_id) FROM credentials')" 65 "record ids continue"
run 2 "a folder that holds a batch is refused" "$issue" issue --register register.db --roster roster2.csv $school \
    --issue-date 15/07/2026 --out k2026b
run 0 "an elementary batch has its own numbering" "$issue" issue --register register.db --type elementary \
    --roster roster2.csv $school --issue-date 15/07/2026 --out sc2026 --dry-run
contains out "register numbers 1..25/2026" "elementary certificates start at 1"

# ---------------------------------------------------------------- correct
first_name=$(q "SELECT name FROM credentials WHERE serial = 'CD202600001'")
run 2 "correct needs a decision" "$issue" correct CD202600001 "name=Tên Mới" --register register.db $school --out fixes
run 0 "correct a name" "$issue" correct CD202600001 "name=Trần Thị Đổi Tên" --register register.db --decision 15/QĐ-CĐN \
    --decision-date 20/08/2026 --reason civil-status $school --out fixes
contains out "supersedes record 1" "the correction names the record it supersedes"
same "$(q "SELECT kind || ' ' || supersedes || ' ' || register_number || ' ' || register_year FROM credentials WHERE record_id = 66")" \
    "2 1 1 2026" "the correction keeps the register number and takes record id 66"
same "$(q "SELECT name FROM credentials WHERE record_id = 1")" "$first_name" "the original is not edited"
[ -f fixes/CD202600001-correction-66.png ] && pass "the correction's QR code is written" || fail "no correction QR"
link=$(grep '^  link: ' out | sed 's/^  link: //')
"$verifier" check --anchor ca/authority.crt --trust trust.cbor "$link" >verdict 2>&1 &&
    pass "the correction verifies" || { fail "the correction does not verify"; sed 's/^/    /' verdict; }
contains verdict "Trần Thị Đổi Tên" "the verifier shows the corrected name"
run 1 "correcting the superseded record is refused" "$issue" correct CD202600001 "name=Khác" --record 1 \
    --register register.db --decision 16/QĐ $school --out fixes
contains err "superseded by record 66" "the refusal names the current record"
run 1 "a correction that changes nothing is refused" "$issue" correct CD202600001 "name=Trần Thị Đổi Tên" \
    --register register.db --decision 16/QĐ $school --out fixes
run 2 "an unknown field is a usage error" "$issue" correct CD202600001 "colour=blue" --register register.db \
    --decision 16/QĐ $school --out fixes
run 2 "a personal id on the command line is refused" "$issue" correct CD202600001 "personal_id=001095179594" \
    --register register.db --decision 16/QĐ $school --out fixes
# The identification number is corrected through standard input, never argv, and never shown.
pid_serial_line=$(cut -d, -f5 roster.csv | grep -nE '^[0-9]{12}$' | awk -F: '$1 > 2 { print $1; exit }')
pid=$(sed -n "${pid_serial_line}p" roster.csv | cut -d, -f5)
pid_serial=$(printf 'CD2026%05d' $((pid_serial_line - 1)))
printf '%s\n' "$pid" | "$issue" correct "$pid_serial" personal_id=- "name=Người Đã Sửa Số" --register register.db \
    --decision 17/QĐ $school --out fixes >out 2>err
status=$?; cat out err >>all-output
same "$status" 0 "correct a name and the identification number (personal_id=- on stdin)"
[ "$status" -eq 0 ] || sed "s/^/    /" err
same "$(q "SELECT count(*) FROM credentials WHERE serial = '$pid_serial' AND kind = 2 AND personal_id = '$pid'")" 1 \
    "the register keeps the number given on stdin with the correction"
run 1 "an unknown serial is refused" "$issue" correct NOPE "name=X" --register register.db --decision 1 $school --out fixes

# ---------------------------------------------------------------- copy
run 0 "a copy from the register" "$issue" copy CD202600001 --register register.db $school --out copies
contains out "copy 1 from the register of serial CD202600001: record 68, reproducing record 66" "copy 1 of the current record"
run 0 "a second copy" "$issue" copy CD202600001 --register register.db $school --out copies
same "$(q "SELECT group_concat(copy_number, ',') FROM credentials WHERE kind = 3")" "1,2" "copies are numbered 1, 2"
link=$(grep '^  link: ' out | sed 's/^  link: //')
"$verifier" check --anchor ca/authority.crt --trust trust.cbor "$link" >verdict 2>&1 &&
    pass "the copy verifies" || { fail "the copy does not verify"; sed 's/^/    /' verdict; }
run 2 "copy takes no decision" "$issue" copy CD202600001 --register register.db --decision 1 $school --out copies

# ---------------------------------------------------------------- revoke
run 2 "revoke needs a reason" "$issue" revoke CD202600002 --register register.db --decision 9/QĐ
run 2 "revoke refuses an unknown reason" "$issue" revoke CD202600002 --register register.db --reason stolen --decision 9/QĐ
run 0 "revoke for fraud" "$issue" revoke CD202600002 --register register.db --reason fraud --decision 99/QĐ-CĐN \
    --decision-date 01/09/2026
contains out "ground fraud" "revoke names the ground"
run 1 "revoking twice is refused" "$issue" revoke CD202600002 --register register.db --reason lent --decision 100/QĐ
contains err "already revoked" "the refusal says already revoked"
run 1 "correcting a revoked credential is refused" "$issue" correct CD202600002 "name=X Y" --register register.db \
    --decision 1/QĐ $school --out fixes
run 1 "copying a revoked credential is refused" "$issue" copy CD202600002 --register register.db $school --out copies
run 0 "revoke with a checkpoint" "$issue" revoke CD202600004 --register register.db --reason issuer-error \
    --decision 101/QĐ $school
contains out "log checkpoint signed" "revoke signs a checkpoint when given the key"
same "$(q "SELECT count(*) FROM events WHERE kind = 2")" 2 "two revocations"

# ---------------------------------------------------------------- show, search, export
run 0 "show a corrected and copied credential" "$issue" show CD202600001 --register register.db
contains out "state: in force; current record 66" "show gives the state and the current record"
contains out "record 66 — correction superseding record 1" "show lists the correction"
contains out "copy 2, reproducing record 66" "show lists the copies"
contains out "history:" "show prints the history"
contains out "correct record 66, ground civil-status, decision 15/QĐ-CĐN of 20/08/2026" "the history names the decision"
run 0 "show a revoked credential" "$issue" show CD202600002 --register register.db
contains out "state: revoked (fraud — gian lận; decision 99/QĐ-CĐN of 01/09/2026)" "show gives the revocation"
run 1 "show an unknown serial" "$issue" show NOPE --register register.db
search_name=$(q "SELECT name FROM credentials WHERE record_id = 5")
plain_name=$(printf '%s' "$search_name" | sed 's/[ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬàáảãạăằắẳẵặâầấẩẫậ]/a/g; s/[ĐđDd]/d/g; s/[ÈÉẺẼẸÊỀẾỂỄỆèéẻẽẹêềếểễệ]/e/g; s/[ÌÍỈĨỊìíỉĩị]/i/g; s/[ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢòóỏõọôồốổỗộơờớởỡợ]/o/g; s/[ÙÚỦŨỤƯỪỨỬỮỰùúủũụưừứửữự]/u/g; s/[ỲÝỶỸỴỳýỷỹỵ]/y/g' | tr 'A-Z' 'a-z')
run 0 "search without accents ('$plain_name')" "$issue" search --register register.db --name "$plain_name"
contains out "$search_name" "the accent-free search finds the name"
run 1 "search finds nothing" "$issue" search --register register.db --name "zzzz qqqq"
run 0 "search by serial" "$issue" search --register register.db --serial CD202600001
same "$(wc -l <out)" 4 "the serial's four records (original, correction, two copies)"
run 0 "export" "$issue" export --register register.db --out public.csv
same "$(wc -l <public.csv)" 70 "export: header and 69 records"
contains public.csv "1,original,,,CD202600001," "export lists the original"
contains public.csv "superseded,66," "export shows the supersession"
contains public.csv ",revoked," "export shows revocations"

# ---------------------------------------------------------------- append-only, by hand
printf "UPDATE credentials SET name = 'X' WHERE record_id = 3;\n" | sqlite3 register.db >sql-out 2>&1
contains sql-out "append-only" "an UPDATE by hand is aborted"
printf "DELETE FROM events WHERE sequence = 3;\n" | sqlite3 register.db >sql-out 2>&1
contains sql-out "append-only" "a DELETE by hand is aborted"
printf "UPDATE counters SET last_number = 100;\n" | sqlite3 register.db >sql-out 2>&1
contains sql-out "forward one number" "moving a counter by hand is aborted"
same "$(q 'PRAGMA integrity_check')" ok "integrity_check"
same "$(q 'PRAGMA foreign_key_check')" "" "foreign keys hold"

# ---------------------------------------------------------------- another school's certificate
run 1 "another school's certificate is refused" "$issue" issue --register register.db --roster roster2.csv \
    --type elementary --key other/school.key --cert other/school.crt --issue-date 15/07/2026 --out other-out
contains err "register of school CDNHN01" "the refusal names both schools"

# ---------------------------------------------------------------- a wrong passphrase commits nothing
before=$(q 'SELECT count(*) FROM events')
VANBANG_PASSPHRASE=wrong run 1 "a wrong passphrase" "$issue" copy CD202600003 --register register.db $school --out copies
same "$(q 'SELECT count(*) FROM events')" "$before" "nothing was written"

# ---------------------------------------------------------------- backup and restore
run 0 "backup" "$issue" backup --register register.db --out backup.db
[ -f backup.db.sha256 ] && pass "backup.db.sha256 is written" || fail "no checksum file"
sha256sum -c backup.db.sha256 >/dev/null 2>&1 && pass "sha256sum -c accepts the backup" || fail "sha256sum -c refuses the backup"
[ -e backup.db-wal ] && fail "the backup has a -wal beside it" || pass "the backup is one file"
same "$(sqlite3 -batch backup.db 'PRAGMA integrity_check; SELECT count(*) FROM credentials')" "ok
69" "the backup holds the register"
run 2 "a backup is never overwritten" "$issue" backup --register register.db --out backup.db
run 2 "restore over a register needs --force" "$issue" restore --from backup.db --register register.db
run 0 "restore into a new file" "$issue" restore --from backup.db --register restored.db
same "$(sqlite3 -batch restored.db 'PRAGMA journal_mode; SELECT count(*) FROM events')" "wal
$(q 'SELECT count(*) FROM events')" "the restored register is whole and in WAL mode"
run 0 "issue after the backup (numbering started at 101)" "$issue" issue --register register.db --type elementary \
    --roster roster2.csv $school --issue-date 20/07/2026 --out elementary --first-number 101
contains out "register numbers 101..125/2026" "--first-number starts a year's numbering"
run 1 "--first-number once numbering has begun is refused" "$issue" issue --register register.db --type elementary \
    --roster roster.csv $school --issue-date 20/07/2026 --out elementary2 --first-number 500
run 0 "restore --force over the live register" "$issue" restore --from backup.db --register register.db --force
same "$(q 'SELECT count(*) FROM credentials')" 69 "the register is back to the backup"
cp backup.db tampered.db; cp backup.db.sha256 tampered.db.sha256
sed -i 's/  backup.db$/  tampered.db/' tampered.db.sha256
printf 'x' | dd of=tampered.db bs=1 seek=5000 conv=notrunc 2>/dev/null
run 1 "a changed backup is refused" "$issue" restore --from tampered.db --register other.db
contains err "does not match" "the refusal says the checksum does not match"
cp backup.db unsummed.db
run 1 "a backup without its checksum is refused" "$issue" restore --from unsummed.db --register other.db
[ -e other.db ] && fail "a refused restore left other.db" || pass "a refused restore writes nothing"

# ---------------------------------------------------------------- a long batch
# Past its first 64 signatures, each signing thread prepares its nonces 64 at a time
# (libvanbang/es256sign.c): every record of a long batch verifies, and no two share a nonce
# (the r half of the signature, the last 64 bytes of the record). The same roster again is
# refused row by row, but past 1,000 rows the messages are counted, not shown.
run 0 "sample-roster 1100" "$issue" sample-roster --rows 1100 --seed 12 --out roster-long.csv
run 0 "init a register for the long batch" "$issue" init --register long.db --cert school/school.crt \
    --base-url "$base_url" --place "Hà Nội"
run 0 "issue 1100 graduates" "$issue" issue --register long.db --roster roster-long.csv $school \
    --issue-date 30/06/2026 --out long --qr none
tail -n +2 long/manifest.csv | awk -F, '{print $NF}' >long-links
"$verifier" check --anchor ca/authority.crt --trust trust.cbor --quiet <long-links >long-verified 2>&1
same "$? $(grep -c '^ok ' long-verified)" "0 1100" "all 1100 records of the long batch verify"
same "$(sqlite3 -batch -noheader long.db \
    'SELECT count(DISTINCT substr(hex(record), length(hex(record)) - 127, 64)) FROM credentials')" 1100 \
    "1100 different nonces (r) in 1100 signatures"
run 1 "the long roster again is refused" "$issue" issue --register long.db --roster roster-long.csv --dry-run \
    --issue-date 30/06/2026
same "$(grep -c 'already holds a credential' err)" 1000 "the first 1000 rows in the register are shown"
contains err "further rows already in the register are counted, not shown" "past 1000, a line says the rest are counted"
contains err "1100 problems; nothing was issued" "all 1100 are counted"

# ---------------------------------------------------------------- personal data
for file in all-output public.csv k2026/manifest.csv k2026b/manifest.csv; do
    if grep -qF -f pins "$file"; then fail "an identification number appears in $file"; else pass "no identification number in $file"; fi
done

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
