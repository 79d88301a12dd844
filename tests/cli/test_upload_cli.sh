#!/bin/sh
# test_upload_cli.sh — `vanbang-issue upload` where no portal is needed: its manual page and usage
# errors; --dry-run against a closed loopback port (the portal cannot be reached, so it is
# assumed to hold nothing) counting the events by kind and the batches; giving up against a
# closed port after --give-up-after seconds with exit status 3 and a message that says what
# failed and what to do; and the --csv export for portals that take files: one CRLF line per
# event under a header, RFC 4180 quoting (a corrected name with a comma), personal
# identification numbers in the file (mode 0600) and in no output, verification links that
# verify, an existing file never replaced, and the CSV cursor (the next export starts after the
# last event written, --all from the first). The exchanges with a portal are tested with the
# portal itself (its own tests).
# Needs env VB_BIN (set by scripts/run-tests.sh), and the sqlite3 and perl commands.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue" "$verifier"
need_command sqlite3 sqlite3
need_command perl perl
enter_work_dir
use_test_passphrase
: >all-output
output_log=all-output # lib.sh's run adds every stdout and stderr to it
school="--key school/school.key --cert school/school.crt"
q() { sqlite3 -batch -noheader register.db "$1"; }
same() { # ACTUAL EXPECTED NAME
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: '$1', expected '$2'"; fi
}
# A loopback port nothing listens on: the kernel picks a free one, the socket is closed again.
closed_port=$(perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0) or die "$!";
    print $s->sockport;')
portal="http://127.0.0.1:$closed_port"

# ---------------------------------------------------------------- --help and usage errors
run 0 "upload --help" "$issue" upload --help &&
    has_sections upload NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES
contains out "--give-up-after" "the manual names --give-up-after"
run 0 "vanbang-issue --help" "$issue" --help
contains out "upload" "the verb list names upload"
run 2 "no --register" "$issue" upload --portal "$portal" --dry-run
run 2 "no --portal" "$issue" upload --register register.db $school
contains err "--portal is required" "says --portal is required"
run 2 "a portal address that is not http(s)" "$issue" upload --register register.db --portal ftp://x/ --dry-run
run 2 "a portal address with a query" "$issue" upload --register register.db --portal "https://x/?a=1" --dry-run
run 2 "--batch-size 0" "$issue" upload --register register.db --portal "$portal" --dry-run --batch-size 0
run 2 "--batch-size over 5000" "$issue" upload --register register.db --portal "$portal" --dry-run --batch-size 5001
run 2 "--timeout 0" "$issue" upload --register register.db --portal "$portal" --dry-run --timeout 0
run 2 "a passphrase on the command line" "$issue" upload --register register.db --portal "$portal" $school \
    --passphrase secret
run 2 "sending needs --key and --cert" "$issue" upload --register register.db --portal "$portal"
run 2 "--all without --csv" "$issue" upload --register register.db --portal "$portal" --dry-run --all
run 2 "--csv with --portal" "$issue" upload --register register.db --portal "$portal" --csv x.csv
run 2 "an unreadable --cacert" "$issue" upload --register register.db --portal "$portal" --dry-run \
    --cacert missing.pem

# ---------------------------------------------------------------- a register with every kind of event
make_world || fail "the world could not be set up (see setup.log)"
run 0 "init" "$issue" init --register register.db --cert school/school.crt --base-url "$base_url" --place "Hà Nội"
run 0 "sample-roster" "$issue" sample-roster --rows 24 --seed 31 --out roster.csv
cut -d, -f5 roster.csv | tail -n +2 | grep -E '^[0-9]{12}$' >pins
[ "$(wc -l <pins)" -ge 3 ] && pass "the roster holds identification numbers" || fail "no identification numbers"
run 0 "issue 24" "$issue" issue --register register.db --roster roster.csv $school --issue-date 30/06/2026 --out k
serial() { q "SELECT serial FROM credentials WHERE record_id = $1"; }
run 0 "correct record 2 (a name with a comma)" "$issue" correct "$(serial 2)" "name=Trần Thị B, con" \
    --register register.db --decision 15/QĐ --decision-date 17/06/2026 --reason civil-status $school --out fixes
run 0 "copy record 4" "$issue" copy "$(serial 4)" --register register.db $school --out fixes
run 0 "revoke record 5" "$issue" revoke "$(serial 5)" --register register.db --reason fraud --decision 10/QĐ \
    --decision-date 20/06/2026
same "$(q 'SELECT count(*) FROM events')" 27 "27 events in the register"

# ---------------------------------------------------------------- --dry-run, the portal unreachable
run 0 "--dry-run against a closed port (no key needed)" env -u VANBANG_PASSPHRASE \
    "$issue" upload --register register.db --portal "$portal" --dry-run
contains out "could not be reached" "the dry run says the portal could not be reached"
contains out "assumed to hold 0" "and assumes it holds nothing"
contains out "would send 27 events (24 issue, 1 revoke, 1 correct, 1 copy), events 1..27, in 1 batch" \
    "the dry run counts the events by kind and the batches"
contains out "then a fresh status list; nothing was sent" "and says the status list would follow"
run 0 "--dry-run --batch-size 10 --no-status" "$issue" upload --register register.db --portal "$portal/" \
    --dry-run --batch-size 10 --no-status
contains out "in 3 batches of up to 10 events; nothing was sent" "27 events make 3 batches of 10"
lacks out "status list" "--no-status: no status list"
same "$(q "SELECT count(*) FROM settings WHERE name LIKE 'upload_cursor:%'")" 0 "a dry run moves no cursor"
run 0 "--dry-run --quiet prints nothing" "$issue" upload --register register.db --portal "$portal" --dry-run --quiet
same "$(cat out)" "" "--quiet: no output"

# ---------------------------------------------------------------- giving up against a closed port
start=$(date +%s)
run 3 "upload against a closed port gives up (exit 3)" "$issue" upload --register register.db --portal "$portal" \
    $school --give-up-after 2 --timeout 1
took=$(($(date +%s) - start))
[ "$took" -ge 1 ] && [ "$took" -le 10 ] && pass "it gave up after about 2 s (${took} s)" ||
    fail "it gave up after ${took} s, expected about 2"
contains err "gave up after" "the message says it gave up"
contains err "attempts: asking the portal what it holds of CDNHN01" "and what it was doing"
contains err "Failed to connect to 127.0.0.1 port $closed_port" "and what failed last"
contains err "Run the same command again later: it resumes" "and what to do"
grep -q "trying again in" err && pass "the retries are announced" || fail "no retry was announced"
run 3 "--give-up-after 0 tries once" "$issue" upload --register register.db --portal "$portal" $school \
    --give-up-after 0 --quiet
contains err "and 1 attempt:" "one attempt"
same "$(q "SELECT count(*) FROM settings WHERE name LIKE 'upload_cursor:%'")" 0 "a failed upload moves no cursor"

# ---------------------------------------------------------------- --csv
run 0 "--csv --dry-run" "$issue" upload --register register.db --csv events.csv --dry-run
contains out "would write 27 events (24 issue, 1 revoke, 1 correct, 1 copy), events 1..27" "the dry run counts"
[ -e events.csv ] && fail "a dry run wrote the file" || pass "a dry run writes no file"
run 0 "--csv" "$issue" upload --register register.db --csv events.csv
contains out "wrote 27 events (24 issue, 1 revoke, 1 correct, 1 copy), events 1..27, to events.csv" \
    "the export says what it wrote"
same "$(wc -l <events.csv)" 28 "one line per event and a header"
same "$(stat -c %a events.csv)" 600 "the file is mode 600 (it holds personal identification numbers)"
same "$(head -n 1 events.csv | tr -d '\r')" \
    "sequence,kind,time,school,serial,register_year,register_number,type,full_name,birth_date,gender,program_code,program_name,classification,issue_date,issue_place,record_id,supersedes,reason,decision_number,decision_date,personal_id,link" \
    "the header"
same "$(tr -d '\n' <events.csv | tr -cd '\r' | wc -c)" 28 "every line ends in CRLF (RFC 4180)"
same "$(tail -n +2 events.csv | cut -d, -f1 | tr '\n' ' ')" "$(seq 1 27 | tr '\n' ' ')" "events 1..27 in order"
contains events.csv ',correct,' "the correction is there"
contains events.csv ',"Trần Thị B, con",' "a name with a comma is quoted"
grep -q ",copy,[^,]*,CDNHN01,$(serial 4),2026,4," events.csv && pass "the copy carries its credential's serial" ||
    fail "no copy line for the serial of record 4"
contains events.csv ',revoke,' "the revocation is there"
contains events.csv ',fraud,10/QĐ,20/06/2026,' "with its ground, decision and date"
missing=0
while read -r pin; do grep -q ",$pin," events.csv || missing=$((missing + 1)); done <pins
same "$missing" 0 "every personal identification number is in the file"
same "$(grep -cE ',[0-9]{12},HTTPS' events.csv)" "$(wc -l <pins)" \
    "and only beside the issues whose graduates have one"
same "$(ls -A | grep -c '^events.csv.tmp')" 0 "no temporary file is left"
tail -n +2 events.csv | grep ',issue,' | tr -d '\r' | awk -F, '{ print $NF }' >links
if "$verifier" check --anchor authority/authority.crt --trust trust.cbor --quiet <links >verified 2>&1; then
    pass "every issue's link verifies"
else
    fail "a link does not verify:"; sed 's/^/    /' verified
fi
same "$(q "SELECT value FROM settings WHERE name = 'upload_cursor:csv'")" 27 "the CSV cursor is at event 27"

cksum events.csv >before
run 2 "an existing file is never replaced" "$issue" upload --register register.db --csv events.csv --all
contains err "already exists" "the refusal says why"
cksum events.csv | cmp -s - before && pass "the file is untouched" || fail "the file changed"
run 0 "--csv with nothing new" "$issue" upload --register register.db --csv nothing.csv
contains out "no event after the CSV cursor, event 27" "nothing after the cursor"
[ -e nothing.csv ] && fail "an empty export made a file" || pass "no file without events"
run 0 "revoke record 6" "$issue" revoke "$(serial 6)" --register register.db --reason lent --decision 11/QĐ
run 0 "--csv after one more event" "$issue" upload --register register.db --csv more.csv
same "$(wc -l <more.csv)" 2 "the next export holds only the new event"
same "$(tail -n 1 more.csv | cut -d, -f1,2)" "28,revoke" "event 28, the revocation"
run 0 "--csv --all" "$issue" upload --register register.db --csv all.csv --all --quiet
same "$(wc -l <all.csv)" 29 "--all writes every event"
same "$(cat out)" "" "--quiet: no output"
same "$(q "SELECT value FROM settings WHERE name = 'upload_cursor:csv'")" 28 "the CSV cursor moved to event 28"

# ---------------------------------------------------------------- personal identification numbers
leaked=0
while read -r pin; do grep -q "$pin" all-output && leaked=$((leaked + 1)); done <pins
same "$leaked" 0 "no personal identification number in any output"

finish "upload: all checks passed"
