#!/bin/sh
# test_portal_http.sh — `vanbang-portal` as schools, the public and provincial staff use it, over
# HTTP on loopback, with the real programs: an authority, a school (ST=Hà Nội) on its trust list
# and a stranger that is not, a register issued from a sample roster, batches made from it with
# tests/tools/make-batch. Checks: init (mode 0600, application id, version, WAL, never
# overwritten); a batch accepted and the same bytes again answered byte for byte with no new
# row; a batch out of order (409), with one record byte changed (422 naming the event), signed
# by an unknown signer (403), too large (413), malformed (400), of another content type (415);
# the school's summary; the public lookup by serial and name (accents stripped, upper case) or
# date of birth, the same "not found" whether the serial exists or not, never without both
# fields; a revocation and a correction uploaded and shown as such; a status list stored and
# served alone and in the bundle; a leaf statement, honest and with one leaf changed (incident);
# a rewritten register refused with an incident; users, login refused and logged, login, the
# audit page and its CSV files, logout; the audit kept between views (the same generation time a
# second later, no new audit made) and made anew, once for four views at once, after a batch is
# accepted; the rate limits (429 with Retry-After); SIGHUP; and no personal identification
# number of the roster in any answer, log or access-log row.
# Needs env VB_BIN, VB_BUILD (set by scripts/run-tests.sh), curl and sqlite3.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
portal="$VB_BIN/vanbang-portal"
make_batch="$VB_BUILD/tools/make-batch"
need_programs "$keys" "$issue" "$portal" "$make_batch"
need_command curl curl
need_command sqlite3 sqlite3

work=$(mktemp -d) || exit 1
portal_pids=""
stop_portals() {
    for pp in $portal_pids; do kill -TERM "$pp" 2>/dev/null; done
}
trap 'stop_portals; rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
use_test_passphrase

same() {  # ACTUAL EXPECTED NAME
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: '$1', expected '$2'"; fi
}
q() { sqlite3 -batch -noheader portal.db "$1"; }
rows() { q "SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM records) || ' ' ||
            (SELECT count(*) FROM batches) || ' ' || (SELECT count(*) FROM checkpoints)"; }
: >all-bodies

# expect CODE NAME URL [CURL ARGS…]: the answer's body in body (and added to all-bodies), its
# headers in headers.
expect() {
    ex_code=$1; ex_name=$2; ex_url=$3; shift 3
    got=$(curl -s -o body -D headers -w '%{http_code}' "$@" "$ex_url")
    cat body >>all-bodies
    if [ "$got" = "$ex_code" ]; then pass "$ex_name ($got)"; else
        fail "$ex_name: HTTP $got, expected $ex_code"; head -c 1500 body | sed 's/^/    /'; echo; fi
}
post() {  # CODE NAME PATH FILE [CURL ARGS…]: POST FILE as application/cbor
    po_code=$1; po_name=$2; po_path=$3; po_file=$4; shift 4
    expect "$po_code" "$po_name" "$url$po_path" -H 'Content-Type: application/cbor' --data-binary "@$po_file" "$@"
}
header_value() { tr -d '\r' <headers | grep -i "^$1:" | head -n 1 | sed 's/^[^:]*: *//'; }
security_headers() {  # NAME
    for sh_h in Content-Security-Policy X-Content-Type-Options Referrer-Policy Cache-Control; do
        grep -qi "^$sh_h:" headers || { fail "$1: no $sh_h header"; return; }
    done
    same "$(header_value X-Content-Type-Options)" nosniff "$1: nosniff"
    same "$(header_value Referrer-Policy)" no-referrer "$1: no-referrer"
    same "$(header_value Cache-Control)" no-store "$1: no-store"
    case "$(header_value Content-Security-Policy)" in
    *"default-src 'none'"*"style-src 'sha256-"*"frame-ancestors 'none'"*) pass "$1: strict CSP" ;;
    *) fail "$1: CSP is '$(header_value Content-Security-Policy)'" ;;
    esac
}

# start NAME ARGS…: the portal on a free loopback port; NAME.log, NAME.pid; sets url.
start() {
    st_name=$1; shift
    "$portal" serve --listen 127.0.0.1 --port 0 "$@" 2>"$st_name.log" &
    st_pid=$!
    echo "$st_pid" >"$st_name.pid"
    portal_pids="$portal_pids $st_pid"
    st_tries=0
    while [ $st_tries -lt 100 ]; do
        st_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$st_name.log" | head -n 1)
        if [ -n "$st_port" ] && curl -s -o /dev/null "http://127.0.0.1:$st_port/healthz"; then
            url="http://127.0.0.1:$st_port"
            return 0
        fi
        kill -0 "$st_pid" 2>/dev/null || break
        sleep 0.1
        st_tries=$((st_tries + 1))
    done
    echo "FAIL: the portal '$st_name' did not start:"; sed 's/^/    /' "$st_name.log"
    return 1
}
stop() {  # NAME: SIGTERM, wait; the exit status (0 when it stopped cleanly, no leak under ASan)
    sp_pid=$(cat "$1.pid")
    kill -TERM "$sp_pid" 2>/dev/null
    wait "$sp_pid"
}

# ---------------------------------------------------------------- help
for verb in init serve user-add user-list; do
    run 0 "$verb --help" "$portal" "$verb" --help && has_sections "$verb" NAME SYNOPSIS DESCRIPTION OPTIONS \
        "EXIT STATUS" EXAMPLES
done
for verb in audit report; do run 0 "$verb --help" "$portal" "$verb" --help; done
run 0 "--help lists the verbs" "$portal" --help
for verb in init serve user-add user-list audit report; do contains out "    $verb " "the verb list names $verb"; done
run 2 "an unknown verb" "$portal" frobnicate
run 2 "serve without --db, --anchor, --trust" "$portal" serve --port 0
contains err "--db, --anchor and --trust are required" "the usage error says what is missing"

# ---------------------------------------------------------------- init
run 0 "init" "$portal" init --db portal.db
same "$(stat -c %a portal.db)" 600 "the store is mode 600"
same "$(q 'PRAGMA application_id')" "$((0x56425054))" "application id VBPT"
same "$(q 'PRAGMA user_version')" 1 "schema version 1"
same "$(q 'PRAGMA journal_mode')" wal "write-ahead logging"
run 2 "init over an existing store is refused" "$portal" init --db portal.db
contains err "never overwritten" "init says a store is never overwritten"
ln -s portal.db link.db
run 2 "init over a symlink is refused" "$portal" init --db link.db
sqlite3 other.db 'CREATE TABLE t(x); PRAGMA application_id = 7;'
run 2 "a database that is not a store is refused" "$portal" user-list --db other.db
contains err "not a portal store" "the refusal says why"

# ---------------------------------------------------------------- the world
make_world --province "Hà Nội" || { echo "FAIL: the world could not be set up:"; cat setup.log; exit 1; }
"$keys" school-init --dir stranger --code TCDN02 --name "Trường Trung cấp Đà Nẵng" >>setup.log 2>&1 &&
    "$keys" certify --authority authority --csr stranger/school.csr --out stranger/school.crt >>setup.log 2>&1 ||
    fail "the stranger school could not be made"
# A second school on the list, whose serials follow the same default pattern as the first's.
"$keys" school-init --dir hue --code TCNHUE --name "Trường Trung cấp Nghề Huế" --province "Thừa Thiên Huế" \
    >>setup.log 2>&1 &&
    "$keys" certify --authority authority --csr hue/school.csr --out hue/school.crt >>setup.log 2>&1 &&
    "$keys" trust-add --authority authority --list trust.cbor --cert hue/school.crt >>setup.log 2>&1 &&
    "$issue" init --register hue.db --cert hue/school.crt --base-url "$base_url" --place "Huế" >>setup.log 2>&1 &&
    "$issue" sample-roster --rows 5 --seed 77 --out hue.csv >>setup.log 2>&1 &&
    "$issue" issue --register hue.db --roster hue.csv --key hue/school.key --cert hue/school.crt \
        --issue-date 30/06/2026 --out khue --qr none >>setup.log 2>&1 ||
    fail "the second school could not be made"
cut -d, -f5 hue.csv | grep -E '^[0-9]{12}$' >>pins 2>/dev/null
school="--key school/school.key --cert school/school.crt"
run 0 "register init" "$issue" init --register reg.db --cert school/school.crt --base-url "$base_url" --place "Hà Nội"
run 0 "sample roster" "$issue" sample-roster --rows 20 --seed 2027 --out roster.csv
cut -d, -f5 roster.csv | grep -E '^[0-9]{12}$' >pins
[ "$(wc -l <pins)" -ge 5 ] && pass "the roster holds identification numbers" || fail "no identification numbers"
run 0 "issue 20" "$issue" issue --register reg.db --roster roster.csv $school --issue-date 30/06/2026 --out k --qr none
rq() { sqlite3 -batch -noheader reg.db "$1"; }
serial1=$(rq "SELECT serial FROM credentials WHERE record_id = 1")
name1=$(rq "SELECT name FROM credentials WHERE record_id = 1")
dob1=$(sed -n 2p roster.csv | cut -d, -f3)
serial3=$(rq "SELECT serial FROM credentials WHERE record_id = 3")
name3=$(rq "SELECT name FROM credentials WHERE record_id = 3")
serial4=$(rq "SELECT serial FROM credentials WHERE record_id = 4")
name4=$(rq "SELECT name FROM credentials WHERE record_id = 4")
# the name as someone types it from the diploma without accents, in capitals
plain1=$(printf '%s' "$name1" | sed 's/Đ/D/g; s/đ/d/g' | iconv -f utf-8 -t ascii//TRANSLIT 2>/dev/null | tr 'a-z' 'A-Z')
[ -n "$plain1" ] || plain1=$(printf '%s' "$name1" | tr 'a-z' 'A-Z')

mb() { "$make_batch" --register reg.db "$@" >>setup.log 2>&1 || fail "make-batch $*"; }
mb $school --first 1 --count 10 --out b1.cbor
mb $school --first 11 --count 10 --out b2.cbor
mb $school --first 15 --count 6 --out gap.cbor
mb $school --first 11 --count 10 --tamper-record 3 --out tampered.cbor
mb --key stranger/school.key --cert stranger/school.crt --first 11 --count 10 --out stranger.cbor
head -c 13000000 /dev/urandom >huge.cbor
head -c 500 roster.csv >garbage.cbor

# ---------------------------------------------------------------- refusing to start
code=0; "$portal" serve --db portal.db --anchor authority/authority.crt --trust garbage.cbor --port 0 \
    >out 2>err || code=$?
same "$code" 2 "a garbage trust list: refuses to start"
contains err "refusing to start" "the refusal says so"
code=0; "$portal" serve --db other.db --anchor authority/authority.crt --trust trust.cbor --port 0 \
    >out 2>err || code=$?
same "$code" 2 "a database that is not a store: refuses to start"

# ---------------------------------------------------------------- batches
start main --db portal.db --anchor authority/authority.crt --trust trust.cbor --check-interval 0 \
    --rate 10000 --burst 10000 --login-rate 10000 --login-burst 10000 || exit 1
main_url=$url

post 200 "the first batch is accepted" /api/v1/batches b1.cbor
cp body answer1
contains answer1 '"school":"CDNHN01","accepted":10,"size":10' "the answer names school, count and size"
same "$(rows)" "10 10 1 1" "10 events, 10 records, 1 batch, 1 checkpoint stored"
same "$(q "SELECT name || '|' || province || '|' || size FROM schools WHERE code = 'CDNHN01'")" "Trường Cao đẳng Nghề Hà Nội|Hà Nội|10" \
    "the school's row: name and province (ST) from its certificate, size 10"
same "$(q 'SELECT count(*) FROM records WHERE personal_id IS NOT NULL')" \
    "$(rq 'SELECT count(*) FROM credentials WHERE personal_id IS NOT NULL AND record_id <= 10')" \
    "the personal identification numbers are kept (never shown)"
post 200 "the same batch again" /api/v1/batches b1.cbor
cmp -s body answer1 && pass "the same bytes get the same answer, byte for byte" || fail "the replayed answer differs"
same "$(rows)" "10 10 1 1" "a replay changes nothing"

post 409 "a batch that does not follow" /api/v1/batches gap.cbor
contains body '"code":"mirror-sequence"' "409 mirror-sequence"
contains body '"expected":11' "the answer says which event is expected"
post 422 "a batch with one record byte changed" /api/v1/batches tampered.cbor
contains body '"code":"bad-records"' "422 bad-records"
contains body '"sequence":14' "the failing event is named (the 4th record of the batch: event 14)"
contains body '"failed":1' "one event failed"
post 403 "a batch signed by a school not on the trust list" /api/v1/batches stranger.cbor
contains body '"code":"unknown-signer"' "403 unknown-signer"
post 413 "a body over 12 MiB" /api/v1/batches huge.cbor
post 400 "a body that is no batch" /api/v1/batches garbage.cbor
contains body '"code":"' "400 with a code"
contains body '"reason":"' "400 with a reason"
expect 415 "a batch of another content type" "$main_url/api/v1/batches" --data-binary @b2.cbor \
    -H 'Content-Type: text/plain'
expect 405 "GET on the batches endpoint" "$main_url/api/v1/batches"
same "$(header_value Allow)" POST "405 says Allow: POST"
same "$(rows)" "10 10 1 1" "nothing stored from any refused batch"
post 200 "the next batch" /api/v1/batches b2.cbor
contains body '"accepted":10,"size":20' "the school holds 20 events"
register_root=$(rq "SELECT hex(root) FROM checkpoints ORDER BY size DESC LIMIT 1" | tr 'A-F' 'a-f')
contains body "\"root\":\"$register_root\"" "the portal's root is the register's own"
same "$(rows)" "20 20 2 2" "20 events, 20 records, 2 batches, 2 checkpoints"

"$make_batch" --register hue.db --key hue/school.key --cert hue/school.crt --first 1 --out hue.cbor >>setup.log 2>&1 ||
    fail "make-batch for the second school"
post 200 "the second school's batch" /api/v1/batches hue.cbor
same "$(q "SELECT province FROM schools WHERE code = 'TCNHUE'")" "Thừa Thiên Huế" "its province from its certificate"
hue_serial1=$(sqlite3 -batch -noheader hue.db "SELECT serial FROM credentials WHERE record_id = 1")
hue_name1=$(sqlite3 -batch -noheader hue.db "SELECT name FROM credentials WHERE record_id = 1")
same "$hue_serial1" "$serial1" "both schools have a credential with serial $serial1"

expect 200 "the school's summary" "$main_url/api/v1/schools/CDNHN01"
contains body '"size":20' "the summary gives the size"
contains body "\"root\":\"$register_root\"" "and the root"
expect 200 "a school never seen" "$main_url/api/v1/schools/TCDN99"
contains body '"size":0' "has size 0"
expect 400 "a bad school code" "$main_url/api/v1/schools/a%20b"
expect 404 "an unknown API path" "$main_url/api/v1/nothing"
contains body '"code":"not-found"' "API errors are JSON"

# ---------------------------------------------------------------- the public lookup
expect 200 "the lookup form" "$main_url/"
security_headers "the form"
contains body 'action="/lookup"' "the form asks /lookup"
lacks body '<script' "no script"
expect 200 "lookup: serial and name without accents, in capitals" "$main_url/lookup" -G \
    --data-urlencode "serial=$serial1" --data-urlencode "name=$plain1"
security_headers "the lookup page"
contains body "$name1" "the holder's name is shown"
contains body "CÒN HIỆU LỰC" "in force, in Vietnamese by default"
contains body "Trường Cao đẳng Nghề Hà Nội" "the school is named"
same "$(header_value Content-Language)" vi "Content-Language: vi"
expect 200 "the same in English" "$main_url/lookup" -G --data-urlencode "serial=$serial1" \
    --data-urlencode "name=$plain1" --data-urlencode "lang=en"
contains body "IN FORCE" "English with lang=en"
expect 200 "lookup: serial and date of birth" "$main_url/api/v1/lookup" -G --data-urlencode "serial=$serial1" \
    --data-urlencode "dob=$dob1"
contains body '"found":true' "found by date of birth"
contains body "\"serial\":\"$serial1\"" "the serial"
contains body '"code":"CDNHN01"' "the credential of the first school"
lacks body '"code":"TCNHUE"' "not the other school's, which has the serial but not the name"
expect 200 "lookup: the same serial, the second school's graduate" "$main_url/api/v1/lookup" -G \
    --data-urlencode "serial=$serial1" --data-urlencode "name=$hue_name1"
contains body '"code":"TCNHUE"' "the second school's credential"
lacks body '"code":"CDNHN01"' "only that one"
expect 200 "lookup: serial and a wrong name" "$main_url/api/v1/lookup" -G --data-urlencode "serial=$serial1" \
    --data-urlencode "name=Nguyen Van Khac"
cp body notfound-existing
contains body '"found":false' "not found"
expect 200 "lookup: a serial that does not exist" "$main_url/api/v1/lookup" -G --data-urlencode "serial=XX999" \
    --data-urlencode "name=Nguyen Van Khac"
cmp -s body notfound-existing && pass "not found is the same whether the serial exists or not" ||
    fail "the not-found answers differ"
expect 200 "page: a wrong name" "$main_url/lookup" -G --data-urlencode "serial=$serial1" \
    --data-urlencode "name=Nguyen Van Khac"
sed "s/$serial1/SERIAL/g" body >page-existing
expect 200 "page: a serial that does not exist" "$main_url/lookup" -G --data-urlencode "serial=XX999" \
    --data-urlencode "name=Nguyen Van Khac"
sed "s/XX999/SERIAL/g" body >page-missing
cmp -s page-existing page-missing && pass "the not-found pages are the same too" || fail "the not-found pages differ"
expect 400 "lookup without a name or date of birth" "$main_url/api/v1/lookup?serial=$serial1"
expect 400 "page: lookup without a serial" "$main_url/lookup" -G --data-urlencode "name=$plain1"
contains body "Hãy nhập số hiệu" "the page says what is missing"
expect 400 "lookup with a malformed date" "$main_url/api/v1/lookup" -G --data-urlencode "serial=$serial1" \
    --data-urlencode "dob=31/02/2007"
expect 200 "a name crafted as HTML is shown as text" "$main_url/lookup" -G --data-urlencode "serial=$serial1" \
    --data-urlencode "name=<script>alert(1)</script>"
lacks body "<script>alert" "no markup from the query"
contains body "&lt;script&gt;" "escaped"
expect 200 "robots.txt" "$main_url/robots.txt"
contains body "Disallow: /" "robots are kept out"
expect 404 "an unknown page" "$main_url/nothing"
expect 405 "POST on the form" "$main_url/" -d x=1

# ---------------------------------------------------------------- revocation, correction
run 0 "revoke record 3" "$issue" revoke "$serial3" --register reg.db --reason fraud --decision 99/QĐ-CĐN \
    --decision-date 01/09/2026
run 0 "correct record 4" "$issue" correct "$serial4" "name=Trần Thị Mới" --register reg.db --decision 15/QĐ \
    --decision-date 17/09/2026 --reason civil-status $school --out fixes --qr none
mb $school --first 21 --count 2 --out b3.cbor
post 200 "the revocation and the correction" /api/v1/batches b3.cbor
contains body '"accepted":2,"size":22' "22 events held"
expect 200 "lookup: the revoked diploma" "$main_url/lookup" -G --data-urlencode "serial=$serial3" \
    --data-urlencode "name=$name3"
contains body "ĐÃ BỊ THU HỒI" "shown as revoked"
contains body "99/QĐ-CĐN" "with the decision number"
contains body "01/09/2026" "and its date"
expect 200 "lookup: the revoked diploma as JSON" "$main_url/api/v1/lookup" -G --data-urlencode "serial=$serial3" \
    --data-urlencode "name=$name3"
contains body '"state":"revoked"' "state revoked"
contains body '"reason":{"code":1' "the ground"
expect 200 "lookup: the corrected diploma by its new name" "$main_url/api/v1/lookup" -G \
    --data-urlencode "serial=$serial4" --data-urlencode "name=tran thi moi"
contains body '"state":"superseded"' "the original is superseded"
contains body '"name":"Trần Thị Mới"' "the correction is the record shown"
contains body '"decision_number":"15/QĐ"' "with its decision"
expect 200 "lookup: the corrected diploma by the name on the paper original" "$main_url/api/v1/lookup" -G \
    --data-urlencode "serial=$serial4" --data-urlencode "name=$name4"
contains body '"name":"Trần Thị Mới"' "shows the current record"

# ---------------------------------------------------------------- status lists
run 0 "status export" "$issue" status export --register reg.db $school --out status.cbor
expect 200 "the status list is stored" "$main_url/api/v1/schools/CDNHN01/status" -X PUT \
    -H 'Content-Type: application/cose' --data-binary @status.cbor
contains body '"sequence":1' "sequence 1"
expect 409 "the same list again is older" "$main_url/api/v1/schools/CDNHN01/status" -X PUT \
    -H 'Content-Type: application/cose' --data-binary @status.cbor
contains body '"code":"status-older"' "409 status-older"
expect 403 "a list put under another school" "$main_url/api/v1/schools/TCDN05/status" -X PUT \
    -H 'Content-Type: application/cose' --data-binary @status.cbor
expect 400 "a body that is no status list" "$main_url/api/v1/schools/CDNHN01/status" -X PUT \
    -H 'Content-Type: application/cose' --data-binary @garbage.cbor
curl -s -o served.cose -D headers "$main_url/status/CDNHN01"
cmp -s served.cose status.cbor && pass "GET /status/CODE gives the list as signed" || fail "the list served differs"
same "$(header_value Content-Type)" application/cose "application/cose"
expect 404 "a school without a status list" "$main_url/status/TCDN99"
curl -s -o bundle.cbor -D headers "$main_url/status"
same "$(header_value Content-Type)" application/cbor "the bundle is application/cbor"
same "$(od -An -tx1 -N1 bundle.cbor | tr -d ' ')" 81 "the bundle is a CBOR array of one list"
tail -c "$(wc -c <status.cbor)" bundle.cbor | cmp -s - status.cbor && pass "the bundle holds the list byte for byte" ||
    fail "the bundle does not end with the list"

# ---------------------------------------------------------------- leaf statements and a rewritten register
mb $school --leaves --first 1 --count 22 --out leaves.cbor
post 200 "an honest leaf statement" /api/v1/schools/CDNHN01/leaves leaves.cbor
contains body '"compared":22,"differ":[]' "22 compared, none differs"
mb $school --leaves --first 1 --count 22 --tamper-leaf 4 --out leaves-bad.cbor
post 200 "a leaf statement with one leaf changed" /api/v1/schools/CDNHN01/leaves leaves-bad.cbor
contains body "\"differ\":[{\"sequence\":5,\"serial\":\"$(rq 'SELECT serial FROM credentials WHERE record_id = 5')\"}]" \
    "the differing event is named with its record's serial"
same "$(q "SELECT count(*) FROM incidents WHERE kind = 'leaf-differs' AND sequence = 5")" 1 "an incident recorded"
post 200 "the same statement again" /api/v1/schools/CDNHN01/leaves leaves-bad.cbor
same "$(q "SELECT count(*) FROM incidents WHERE kind = 'leaf-differs'")" 1 "the incident is recorded once"
post 403 "a statement for another school's path" /api/v1/schools/TCDN05/leaves leaves.cbor

# A register rewritten: another one of the same school, from another roster.
run 0 "a second register of the school" "$issue" init --register reg2.db --cert school/school.crt \
    --base-url "$base_url" --place "Hà Nội"
run 0 "another roster" "$issue" sample-roster --rows 25 --seed 31 --out roster2.csv
cut -d, -f5 roster2.csv | grep -E '^[0-9]{12}$' >>pins
run 0 "issue it" "$issue" issue --register reg2.db --roster roster2.csv $school --issue-date 30/06/2026 \
    --out k2 --qr none
"$make_batch" --register reg2.db $school --first 23 --count 3 --out rewritten.cbor >>setup.log 2>&1 ||
    fail "make-batch from the second register"
post 409 "a log that does not extend what the portal holds" /api/v1/batches rewritten.cbor
contains body '"code":"log-mismatch"' "409 log-mismatch"
contains body '"size":22' "the answer gives the size held"
same "$(q "SELECT count(*) FROM incidents WHERE kind = 'log-mismatch' AND school = 'CDNHN01'")" 1 \
    "a log-mismatch incident recorded"
contains main.log "incident:" "the service log says so"
same "$(q "SELECT size FROM schools WHERE code = 'CDNHN01'")" 22 "the school still holds 22 events"

# ---------------------------------------------------------------- users and the audit
run 2 "user-add refuses a password on the command line" "$portal" user-add --db portal.db --user a \
    --province "Hà Nội" --password secret123
VANBANG_PORTAL_PASSWORD='mật khẩu thử 2026'; export VANBANG_PORTAL_PASSWORD
run 0 "user-add" "$portal" user-add --db portal.db --user thanh.nv --province "Hà Nội"
run 1 "user-add of an existing user" "$portal" user-add --db portal.db --user thanh.nv --province "Huế"
printf 'another secret 42\n' >pw.txt
run 0 "user-add with --password-fd" "$portal" user-add --db portal.db --user bo.gddt --all-provinces --password-fd 3 3<pw.txt
unset VANBANG_PORTAL_PASSWORD
run 0 "user-list" "$portal" user-list --db portal.db
contains out "thanh.nv	Hà Nội" "user-list names the user and province"
contains out "bo.gddt	*" "every province is *"
lacks out "scrypt" "user-list prints no password"
case "$(q "SELECT password FROM users WHERE name = 'thanh.nv'")" in
scrypt\$32768\$8\$1\$????????????????????????????????\$*) pass "the password is kept as scrypt N=2^15 r=8 p=1" ;;
*) fail "the stored password is not scrypt\$32768\$8\$1\$SALT\$HASH" ;;
esac

expect 303 "the audit without a session goes to the login" "$main_url/audit"
same "$(header_value Location)" /audit/login "to /audit/login"
expect 401 "a CSV without a session" "$main_url/audit/anomalies.csv"
expect 200 "the login page" "$main_url/audit/login"
security_headers "the login page"
contains body 'name="password"' "a password field"
expect 401 "login with a wrong password" "$main_url/audit/login" --data-urlencode "user=thanh.nv" \
    --data-urlencode "password=wrong password"
contains body "không đúng" "the page says the login failed"
same "$(q "SELECT count(*) FROM access_log WHERE action = 'login-failed' AND user = 'thanh.nv' AND address = '127.0.0.1'")" \
    1 "the failed login is in the access log, with the address"
expect 401 "login as nobody" "$main_url/audit/login" --data-urlencode "user=nobody" --data-urlencode "password=x"
expect 415 "a login that is not a form" "$main_url/audit/login" -H 'Content-Type: application/json' -d '{}'
expect 303 "login" "$main_url/audit/login" --data-urlencode "user=thanh.nv" --data-urlencode "password=mật khẩu thử 2026"
cookie=$(header_value Set-Cookie)
case "$cookie" in
vbportal_session=*) pass "a session cookie" ;;
*) fail "no session cookie: '$cookie'" ;;
esac
for attribute in HttpOnly "SameSite=Strict" "Path=/audit"; do
    case "$cookie" in *"$attribute"*) pass "the cookie is $attribute" ;; *) fail "the cookie lacks $attribute" ;; esac
done
token=$(printf '%s' "$cookie" | sed 's/;.*//')
printf '%s' "$token" | grep -qE '^vbportal_session=[0-9a-f]{64}$' && pass "the token is 32 random bytes" ||
    fail "the token is not 64 hex digits"
expect 200 "the audit report" "$main_url/audit" -H "Cookie: $token"
contains body "thanh.nv" "the page names who is logged in"
contains body "/audit/logout" "and has a logout button"
case "$(header_value Content-Security-Policy)" in
*"style-src 'sha256-"*"'sha256-"*) pass "the report's CSP allows its style sheets by hash" ;;
*) fail "the report's CSP: '$(header_value Content-Security-Policy)'" ;;
esac
expect 200 "anomalies.csv" "$main_url/audit/anomalies.csv" -H "Cookie: $token"
case "$(header_value Content-Type)" in text/csv*) pass "text/csv" ;; *) fail "anomalies.csv is $(header_value Content-Type)" ;; esac
expect 200 "statistics.csv" "$main_url/audit/statistics.csv" -H "Cookie: $token"
expect 400 "a bad year" "$main_url/audit?year=12" -H "Cookie: $token"
same "$(q "SELECT group_concat(action, ',') FROM (SELECT action FROM access_log WHERE user = 'thanh.nv' ORDER BY id)")" \
    "login-failed,login,report,anomalies.csv,statistics.csv" "every access of the user is logged"
same "$(q "SELECT DISTINCT province FROM access_log WHERE action = 'login'")" "Hà Nội" "with the user's province"

# The audit is kept between views (a minute over a million records): a view a second later
# shows the same generation time and makes no new audit; after a batch is accepted the next
# view has a new time and the new counts, made once however many views ask at the same time.
generated() { sed -n 's/.*Lập lúc: \([0-9T:Z-]*\).*/\1/p' body | head -n 1; }
log_events() { sed -n 's/.*Số sự kiện trong nhật ký<\/th><td class="n">\([^<]*\)<.*/\1/p' body | head -n 1; }
revoked_csv() { tr -d '\r' <body | awk -F, '$1 == "school" && $2 == "CDNHN01" { print $NF }'; }
audits_made() { grep -c "audit made in" main.log; }
views() { q "SELECT count(*) FROM access_log WHERE user = 'thanh.nv' AND action IN ('report', 'statistics.csv')"; }
made0=$(audits_made)
[ "$made0" -ge 1 ] && pass "the service log says when an audit is made" || fail "no 'audit made' line in main.log"
views0=$(views)
expect 200 "the audit report, again" "$main_url/audit" -H "Cookie: $token"
time_a=$(generated); events_a=$(log_events)
case "$time_a" in 20??-??-??T??:??:??Z) pass "the report says when its audit was made ($time_a)" ;;
*) fail "no generation time in the report: '$time_a'" ;; esac
same "$events_a" 22 "the report counts 22 log events"
expect 200 "statistics.csv, kept" "$main_url/audit/statistics.csv" -H "Cookie: $token"
revoked_a=$(revoked_csv)
sleep 1.1
seconds_b=$(curl -s -o body -w '%{time_total}' -H "Cookie: $token" "$main_url/audit")
same "$(generated)" "$time_a" "a view a second later shows the audit of the same time"
awk -v t="$seconds_b" 'BEGIN { exit !(t < 1) }' && pass "and comes at once (${seconds_b} s)" ||
    fail "the kept audit took ${seconds_b} s"
same "$(audits_made)" "$made0" "views of an unchanged store make no new audit (page and CSV)"
same "$(views)" "$((views0 + 3))" "every view is still in the access log"
run 0 "revoke record 5" "$issue" revoke "$(rq 'SELECT serial FROM credentials WHERE record_id = 5')" \
    --register reg.db --reason issuer-error --decision 7/QĐ-CĐN --decision-date 02/10/2026
mb $school --first 23 --count 1 --out b4.cbor
post 200 "a new batch: the revocation" /api/v1/batches b4.cbor
contains body '"accepted":1,"size":23' "23 events held"
pids=""
for i in 1 2 3 4; do
    curl -s -o "view$i" -H "Cookie: $token" "$main_url/audit" & pids="$pids $!"
done
for p in $pids; do wait "$p"; done
cp view1 body
time_c=$(generated)
[ -n "$time_c" ] && [ "$time_c" != "$time_a" ] && pass "after the batch the report is made anew ($time_c)" ||
    fail "the report after the batch is of '$time_c', before it '$time_a'"
same "$(log_events)" 23 "with the new count of log events"
for i in 2 3 4; do
    cp "view$i" body
    same "$(generated)" "$time_c" "view $i at the same time shows the same audit"
done
same "$(audits_made)" "$((made0 + 1))" "four views at once made one audit"
expect 200 "statistics.csv after the batch" "$main_url/audit/statistics.csv" -H "Cookie: $token"
same "$(revoked_csv)" "$((revoked_a + 1))" "statistics.csv counts the new revocation"
same "$(audits_made)" "$((made0 + 1))" "the CSV takes the audit the page made"
expect 303 "logout" "$main_url/audit/logout" -X POST -H "Cookie: $token"
expect 303 "the session has ended" "$main_url/audit" -H "Cookie: $token"
expect 303 "a forged session" "$main_url/audit" -H "Cookie: vbportal_session=$(printf '%064d' 0)"

# ---------------------------------------------------------------- reload, health
"$keys" trust-add --authority authority --list trust.cbor --cert stranger/school.crt >>setup.log 2>&1
kill -HUP "$(cat main.pid)"
sleep 1.2
contains main.log "SIGHUP: trust list sequence" "SIGHUP loads the new trust list"
expect 200 "healthz" "$main_url/healthz"
contains body "schools 2" "healthz counts the schools"
contains body "events 28" "and the events"
expect 303 "login again" "$main_url/audit/login" --data-urlencode "user=thanh.nv" \
    --data-urlencode "password=mật khẩu thử 2026"
token=$(header_value Set-Cookie | sed 's/;.*//')
expect 200 "the audit report under the new trust list" "$main_url/audit" -H "Cookie: $token"
same "$(audits_made)" "$((made0 + 2))" "a new trust list makes a new audit"

# ---------------------------------------------------------------- rate limits
printf 'port = 9\nrate = 1000\n' >bad.conf
printf 'listen = 127.0.0.1\nfrobnicate = 1\n' >>bad.conf
code=0; "$portal" serve --config bad.conf >out 2>err || code=$?
same "$code" 2 "a config file with an unknown setting is refused"
contains err "bad.conf:4: unknown setting 'frobnicate'" "the refusal names the file and line"
cat >limited.conf <<EOF
# the settings of the second portal, from a file
db = portal.db
anchor = authority/authority.crt
trust = "trust.cbor"
rate = 1        # a request a second
burst = 2
login-rate = 0.01
login-burst = 1
english-default = yes
port = 1
EOF
start limited --config limited.conf --port 0 || exit 1
expect 200 "public: first" "$url/"
contains body "National diploma lookup" "english-default from the config file"
expect 200 "public: second" "$url/"
expect 429 "public: third, over the burst" "$url/"
retry=$(header_value Retry-After)
[ -n "$retry" ] && [ "$retry" -ge 1 ] && pass "429 with Retry-After: $retry" || fail "no Retry-After"
expect 429 "the lookup API too" "$url/api/v1/lookup?serial=1&name=a"
contains body '"code":"rate-limited"' "the API says rate-limited in JSON"
expect 200 "healthz from loopback is not limited" "$url/healthz"
expect 401 "a failed login" "$url/audit/login" --data-urlencode "user=thanh.nv" --data-urlencode "password=nope"
expect 429 "a second login attempt at once" "$url/audit/login" --data-urlencode "user=thanh.nv" \
    --data-urlencode "password=nope"
same "$(q "SELECT count(*) FROM access_log WHERE action = 'login-rate-limited'")" 1 "the refused attempt is logged"
code=0; stop limited || code=$?
same "$code" 0 "the limited portal stops cleanly"

# ---------------------------------------------------------------- no personal identification number anywhere
code=0; stop main || code=$?
same "$code" 0 "SIGTERM stops the portal cleanly"
contains main.log "stopping on SIGTERM" "it says so"
q "SELECT * FROM access_log; SELECT * FROM incidents;" >tables
leaks=0
while read -r pin; do
    for file in all-bodies main.log limited.log tables; do
        if grep -q "$pin" "$file"; then fail "identification number ${pin%????????}… in $file"; leaks=1; fi
    done
done <pins
[ "$leaks" -eq 0 ] && pass "no identification number in any answer, log or access-log row"
lacks main.log "$serial1" "the access log holds no serial (query strings are not logged)"

finish "portal over HTTP: all checks passed"
