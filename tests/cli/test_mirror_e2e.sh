#!/bin/sh
# tests/cli/test_mirror.sh — issue 5 end to end, with the real programs: two schools in two
# provinces issue, revoke, correct and copy in their registers; `vanbang-issue upload` mirrors
# each register to `vanbang-portal serve` on loopback; the portal then holds exactly the
# register's events (compared row by row in both SQLite files), none lost and none twice, after:
#   - uploads killed with SIGKILL at random moments and run again;
#   - a portal behind tests/tools/faultproxy answering 500, 429 with Retry-After, hanging,
#     dropping connections, and losing its answers after storing (503-after, drop-after);
#   - a portal that is down (the uploader gives up after --give-up-after with a clear report).
# A row edited in a school's register after upload: the next upload is refused, the uploader
# names the event, the portal records an incident, and `vanbang-portal audit` names the school
# and the record. The portal's status bundle makes `vanbang-verifier check` report the revoked
# record. The audit report and the yearly report are written, scoped to a province.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
portal="$VB_BIN/vanbang-portal"
proxy="$VB_BUILD/tools/faultproxy"
need_programs "$keys" "$issue" "$verifier" "$portal" "$proxy"
need_command sqlite3 sqlite3
need_command curl curl
make_work_dir
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work" || exit 1
use_test_passphrase
output_log="$work/all-output.log"

# ---------------------------------------------------------------- the world
run 0 "authority-init" "$keys" authority-init --dir authority --name "Bộ Giáo dục và Đào tạo (thử nghiệm)"
run 0 "trust-init" "$keys" trust-init --authority authority --list trust.cbor
make_school() {  # DIR CODE NAME PROVINCE PLACE ROWS SEED
    run 0 "school-init $2" "$keys" school-init --dir "$1" --code "$2" --name "$3" --province "$4" &&
    run 0 "certify $2" "$keys" certify --authority authority --csr "$1/school.csr" --out "$1/school.crt" &&
    run 0 "trust-add $2" "$keys" trust-add --authority authority --list trust.cbor --cert "$1/school.crt" &&
    run 0 "sample roster $2" "$issue" sample-roster --rows "$6" --seed "$7" --out "$1/roster.csv" &&
    run 0 "init register $2" "$issue" init --register "$1/register.db" --cert "$1/school.crt" \
        --base-url "$base_url" --place "$5" &&
    run 0 "issue $2" "$issue" issue --register "$1/register.db" --roster "$1/roster.csv" \
        --key "$1/school.key" --cert "$1/school.crt" --out "$1/out" --qr none --issue-date 30/06/2026
}
make_school hn CDNHN01 "Trường Cao đẳng Nghề Hà Nội" "Hà Nội" "Hà Nội" 400 11
make_school hue TCDN05 "Trường Trung cấp Nghề Huế" "Thừa Thiên Huế" "Huế" 60 12

serial_of() { sed -n "$(($2 + 1))p" "$1/out/manifest.csv" | cut -d, -f3; }  # DIR N (1-based)
hn_school="--key hn/school.key --cert hn/school.crt"
s3=$(serial_of hn 3) s4=$(serial_of hn 4) s5=$(serial_of hn 5)
run 0 "revoke a Hà Nội diploma" "$issue" revoke "$s3" --register hn/register.db --reason fraud \
    --decision 12/QĐ-CĐN --decision-date 01/09/2026
run 0 "correct a Hà Nội diploma" "$issue" correct "$s4" "name=Nguyễn Văn Sửa" --register hn/register.db \
    --decision 13/QĐ-CĐN --reason issuer-error $hn_school --out hn/fixes --qr none
run 0 "copy a Hà Nội diploma" "$issue" copy "$s5" --register hn/register.db $hn_school --out hn/fixes --qr none

# ---------------------------------------------------------------- the portal
run 0 "portal init" "$portal" init --db portal.db
mode=$(stat -c %a portal.db)
[ "$mode" = 600 ] && pass "the portal's store is mode 600" || fail "the portal's store is mode $mode"

start_portal() {  # the portal on a free loopback port: sets portal_pid, portal_port, url
    "$portal" serve --db portal.db --anchor authority/authority.crt --trust trust.cbor \
        --listen 127.0.0.1 --port 0 --rate 0 2>>portal.log &
    portal_pid=$!
    pids="$pids $portal_pid"
    portal_port=""
    tries=0
    while [ $tries -lt 200 ] && [ -z "$portal_port" ]; do
        portal_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' portal.log | tail -n 1)
        if [ -n "$portal_port" ] && ! curl -s -o /dev/null "http://127.0.0.1:$portal_port/healthz"; then
            portal_port=""
        fi
        [ -n "$portal_port" ] || { sleep 0.05; tries=$((tries + 1)); }
    done
    [ -n "$portal_port" ] || { fail "the portal did not start"; cat portal.log; finish x; }
    url="http://127.0.0.1:$portal_port"
}
stop_portal() { kill "$portal_pid" 2>/dev/null; wait "$portal_pid" 2>/dev/null; }
start_portal

# same_events DIR CODE NAME: the portal holds exactly the register's events, entry for entry
same_events() {
    sqlite3 "$1/register.db" "SELECT sequence, hex(entry) FROM events ORDER BY sequence" >register-events.txt
    sqlite3 portal.db "SELECT sequence, hex(entry) FROM events WHERE school = '$2' ORDER BY sequence" \
        >portal-events.txt
    if cmp -s register-events.txt portal-events.txt; then
        pass "$3: the portal holds the register's $(wc -l <register-events.txt) events exactly"
    else
        fail "$3: the portal's events differ from the register's ($(wc -l <register-events.txt) in the register, $(wc -l <portal-events.txt) in the portal)"
        diff register-events.txt portal-events.txt | head -n 5
    fi
}
portal_count() { sqlite3 portal.db "$1"; }

# ---------------------------------------------------------------- a plain upload, then again
run 0 "upload Hà Nội" "$issue" upload --register hn/register.db $hn_school --portal "$url" --batch-size 64
contains out "portal holds" "the upload reports what the portal holds"
same_events hn CDNHN01 "first upload"
records_before=$(portal_count "SELECT count(*) FROM records")
run 0 "upload Hà Nội again" "$issue" upload --register hn/register.db $hn_school --portal "$url" --batch-size 64
same_events hn CDNHN01 "second upload"
[ "$(portal_count "SELECT count(*) FROM records")" = "$records_before" ] &&
    pass "a second upload changes nothing" || fail "a second upload changed the record count"
cursor=$(sqlite3 hn/register.db "SELECT count(*) FROM events")
sqlite3 hn/register.db "SELECT value FROM settings WHERE name LIKE 'upload_cursor%'" >cursor.txt 2>/dev/null
contains cursor.txt "$cursor" "the register keeps the upload cursor"

# ---------------------------------------------------------------- kill -9 at random moments
make_school_more() {  # DIR N: N more graduates in a second batch (new events to send)
    run 0 "roster of $2 more" "$issue" sample-roster --rows "$2" --seed "$3" --out "$1/more$3.csv" &&
    run 0 "issue $2 more" "$issue" issue --register "$1/register.db" --roster "$1/more$3.csv" \
        --key "$1/school.key" --cert "$1/school.crt" --out "$1/more$3" --qr none --issue-date 01/07/2026
}
make_school_more hn 3000 21
# Each run is killed once the portal has taken at least one of its batches, after a further
# random moment (the first batch waits for the key's scrypt, slower under sanitizers). A kill
# counts as mid-run when the portal then holds more than before and less than everything; the
# moments are short, since the portal takes a batch of 10 in about a millisecond.
kills=0
partial=0
for extra in 0.005 0.02 0.002 0.01 0.04 0.001; do
    before=$(portal_count "SELECT size FROM schools WHERE code = 'CDNHN01'")
    "$issue" upload --register hn/register.db $hn_school --portal "$url" --batch-size 10 --quiet \
        >/dev/null 2>&1 &
    upload_pid=$!
    tries=0
    while [ $tries -lt 400 ] &&
        [ "$(portal_count "SELECT size FROM schools WHERE code = 'CDNHN01'")" = "$before" ]; do
        sleep 0.05; tries=$((tries + 1))
    done
    sleep "$extra"
    kill -9 "$upload_pid" 2>/dev/null && kills=$((kills + 1))
    wait "$upload_pid" 2>/dev/null
    after=$(portal_count "SELECT size FROM schools WHERE code = 'CDNHN01'")
    [ "$after" -gt "$before" ] && [ "$after" -lt "$(sqlite3 hn/register.db "SELECT count(*) FROM events")" ] &&
        partial=$((partial + 1))
done
held=$(portal_count "SELECT size FROM schools WHERE code = 'CDNHN01'")
total=$(sqlite3 hn/register.db "SELECT count(*) FROM events")
echo "killed $kills uploads, $partial of them mid-run; the portal held $held of $total events after them"
[ "$partial" -ge 3 ] && pass "uploads were killed mid-run, each after sending part ($partial times)" ||
    fail "only $partial uploads were killed mid-run (portal at $held of $total; before the kills: $cursor)"
run 0 "upload after the kills" "$issue" upload --register hn/register.db $hn_school --portal "$url" --batch-size 200
same_events hn CDNHN01 "after kill -9"
dups=$(portal_count "SELECT count(*) FROM (SELECT school, record_id FROM records GROUP BY 1, 2 HAVING count(*) > 1)")
[ "$dups" = 0 ] && pass "no record twice in the portal" || fail "$dups records twice in the portal"

# ---------------------------------------------------------------- a faulty portal
free_port() {  # a loopback port nothing listens on
    while :; do
        p=$(( (($(od -An -N2 -tu2 /dev/urandom) % 20000)) + 30000 ))
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$p/" || { echo "$p"; return; }
    done
}
make_school_more hn 800 22
proxy_port=$(free_port)
"$proxy" --listen "$proxy_port" --upstream "$portal_port" \
    --plan "500,429,drop,503-after,hang,drop-after,500,pass,429,pass,pass,drop-after,pass,503-after" --hang 30 --log proxy.log 2>proxy.err &
proxy_pid=$!
pids="$pids $proxy_pid"
sleep 0.3
run 0 "upload through the faulty proxy" "$issue" upload --register hn/register.db $hn_school \
    --portal "http://127.0.0.1:$proxy_port" --batch-size 50 --timeout 2 --give-up-after 300
same_events hn CDNHN01 "through faults"
for fault in 500 429 drop 503-after hang drop-after; do
    contains proxy.log " $fault" "the proxy injected $fault"
done
kill "$proxy_pid" 2>/dev/null

# ---------------------------------------------------------------- a portal that is down
make_school_more hn 10 23
down_port=$(free_port)
start=$(date +%s)
run 3 "upload to a portal that is down gives up (status 3: try again later)" "$issue" upload --register hn/register.db $hn_school \
    --portal "http://127.0.0.1:$down_port" --timeout 1 --give-up-after 3
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -le 20 ] && pass "it gave up in ${elapsed}s" || fail "it took ${elapsed}s to give up"
grep -qi "gave up\|giving up\|give up" err out && pass "it says it gave up" || fail "no give-up message: $(cat err)"

# ---------------------------------------------------------------- the second school, then status
run 0 "upload Huế" "$issue" upload --register hue/register.db --key hue/school.key --cert hue/school.crt \
    --portal "$url"
same_events hue TCDN05 "Huế"
run 0 "upload Hà Nội with its status list" "$issue" upload --register hn/register.db $hn_school --portal "$url"
same_events hn CDNHN01 "the rest of Hà Nội"
curl -s -o bundle.cbor -w '%{http_code}' "$url/status" >code.txt
contains code.txt 200 "GET /status answers"
link3=$(sed -n 4p hn/out/manifest.csv | awk -F, '{print $NF}')
link6=$(sed -n 7p hn/out/manifest.csv | awk -F, '{print $NF}')
run 1 "the bundle: a revoked record" "$verifier" check --anchor authority/authority.crt --trust trust.cbor \
    --status bundle.cbor --english "$link3"
contains out "REVOKED" "the verifier reports the revoked diploma from the portal's bundle"
run 0 "the bundle: a record in force" "$verifier" check --anchor authority/authority.crt --trust trust.cbor \
    --status bundle.cbor --english "$link6"

# ---------------------------------------------------------------- public lookup
name6=$(sed -n 7p hn/out/manifest.csv | cut -d, -f4)
s6=$(serial_of hn 6)
folded=$(printf '%s' "$name6" | iconv -f UTF-8 -t ASCII//TRANSLIT 2>/dev/null | tr '[:lower:]' '[:upper:]')
curl -s -G "$url/api/v1/lookup" --data-urlencode "serial=$s6" --data-urlencode "name=$folded" >lookup.json
contains lookup.json "$s6" "lookup by serial and an unaccented upper-case name finds the diploma"
curl -s -G "$url/api/v1/lookup" --data-urlencode "serial=$s6" --data-urlencode "name=Người Khác" >lookup2.json
lacks lookup2.json "$name6" "lookup with another name finds nothing"

# ---------------------------------------------------------------- the audit, clean
# The sample rosters' graduation decisions are dated 3–18 June and the diplomas 30 June or
# 1 July: most were issued more than 5 days after their decision, and the audit says so.
run 1 "audit before tampering (late issues only)" "$portal" audit --db portal.db \
    --anchor authority/authority.crt --trust trust.cbor --out audit-clean
contains audit-clean/anomalies.csv "late-issue" "the audit finds diplomas issued late"
for kind in tampering bad-signature log-inconsistent register-gap two-diplomas revocation-no-decision; do
    lacks audit-clean/anomalies.csv "$kind" "no $kind anomaly before tampering"
done
contains audit-clean/report.html "<svg" "the report draws its charts"
lacks audit-clean/report.html "<script" "the report has no script"
run 1 "yearly report of Hà Nội (late issues are anomalies)" "$portal" report --db portal.db --anchor authority/authority.crt \
    --trust trust.cbor --province "Hà Nội" --year 2026 --out report-hn
contains report-hn/statistics.csv "CDNHN01" "the Hà Nội report counts its school"
lacks report-hn/statistics.csv "TCDN05" "the Hà Nội report leaves out Huế's school"

# ---------------------------------------------------------------- tampering after upload
sqlite3 hn/register.db "DROP TRIGGER events_never_changed;
    UPDATE events SET decision_number = '99/QĐ-giả' WHERE kind = 2;" 2>sqlite.err ||
    fail "could not edit the register by hand: $(cat sqlite.err)"
make_school_more hn 5 24
run 1 "upload after a row was edited is refused" "$issue" upload --register hn/register.db $hn_school \
    --portal "$url"
revoke_seq=$(sqlite3 hn/register.db "SELECT sequence FROM events WHERE kind = 2")
grep -q "$revoke_seq" out err && pass "the uploader names the edited event ($revoke_seq)" ||
    fail "the uploader does not name event $revoke_seq: $(cat out err)"
incidents=$(portal_count "SELECT count(*) FROM incidents WHERE school = 'CDNHN01'")
[ "$incidents" -ge 1 ] && pass "the portal recorded the incident" || fail "no incident recorded"
run 1 "audit after tampering" "$portal" audit --db portal.db --anchor authority/authority.crt \
    --trust trust.cbor --out audit-tampered
contains audit-tampered/anomalies.csv "CDNHN01" "the audit names the school"
contains audit-tampered/anomalies.csv "$s3" "the audit names the record (serial $s3)"

# ---------------------------------------------------------------- no personal id anywhere
cut -d, -f5 hn/roster.csv | grep -E '^[0-9]{12}$' | head -n 50 >pids.txt
cat portal.log proxy.log >>"$output_log" 2>/dev/null
cat lookup.json audit-clean/* audit-tampered/* report-hn/* >>"$output_log"
leaked=0
while read -r pid; do grep -qF "$pid" "$output_log" && leaked=$((leaked + 1)); done <pids.txt
[ -s pids.txt ] && [ "$leaked" = 0 ] && pass "no personal id in any output, log, page or report ($(wc -l <pids.txt) checked)" ||
    fail "$leaked personal ids leaked (or none to check: $(wc -l <pids.txt))"

stop_portal
finish "mirror: upload, faults, kills, tampering and audit all behave"
