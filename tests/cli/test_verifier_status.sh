#!/bin/sh
# test_verifier_status.sh — the verifier and the schools' signed status lists (FORMAT.md §11),
# over HTTP on loopback and offline: a revoked record (red banner, ground, decision date and
# number; JSON verdict "revoked" with the reason), a record superseded by a correction (amber
# banner, a link to the current record, which itself verifies "valid"), a record not listed
# and a school without a list (both "valid"); reloads on SIGHUP (a newer list takes effect, an
# older one is refused and the old kept, identical files are "unchanged"); a tampered list or
# two lists for one school refuse the start; removing the school from the trust list drops its
# status list with a warning and its records show signer-removed; the config-file key;
# `vanbang-verifier check --status` offline; and the portal's status bundle (two schools' lists
# in one file, tests/tools/make-bundle) given as --status to check and serve: both schools'
# records revoked, a bundle with one tampered list refused at start naming the element, and on
# reload a bundle with an older list, or one leaving a school out, refused with the old kept.
# Needs env VB_BIN, VB_BUILD (set by scripts/run-tests.sh) and curl.
set -u
verifier="$VB_BIN/vanbang-verifier"
sign_tool="$VB_BUILD/tools/sign-credential"
list_tool="$VB_BUILD/tools/make-statuslist"
bundle_tool="$VB_BUILD/tools/make-bundle"
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$verifier" "$VB_BIN/vanbang-keys" "$VB_BIN/vanbang-issue" "$sign_tool" "$list_tool" "$bundle_tool"
need_command curl curl
. "$VB_ROOT/tests/cli/verifier_world.sh"

work=$(mktemp -d)
trap 'cd /; vw_stop_all_in "$work"; rm -rf "$work"' EXIT INT TERM
vw_stop_all_in() { (cd "$1" 2>/dev/null && vw_stop_all); }
cd "$work" || exit 1

get() {  # NAME URL: the answer's body in body; passes when the status is 200
    g_code=$(curl -s -o body -w '%{http_code}' "$2")
    if [ "$g_code" = 200 ]; then pass "$1 (200)"; else fail "$1: HTTP $g_code"; fi
}
# wait_log NAME TEXT: up to 4 s for TEXT to appear in NAME.log
wait_log() {
    wl_i=0
    while [ $wl_i -lt 40 ] && ! grep -qF -- "$2" "$1.log"; do sleep 0.1; wl_i=$((wl_i + 1)); done
}
# wait_count NAME TEXT N: up to 4 s for TEXT to appear N times in NAME.log
wait_count() {
    wc_i=0
    while [ $wc_i -lt 40 ] && [ "$(grep -cF -- "$2" "$1.log")" -lt "$3" ]; do sleep 0.1; wc_i=$((wc_i + 1)); done
}

# ---------------------------------------------------------------- the world
vw_make_world 6 || { echo "FAIL: could not build the test world"; exit 1; }
anchor="--anchor authority/authority.crt"
cp trust.cbor trust-seq3.cbor  # sequence 3: authority, good, gone
keys_good="--key good/school.key --cert good/school.crt"
link1=$(vw_link 1); digits1=${link1##*/}
link2=$(vw_link 2); digits2=${link2##*/}
link3=$(vw_link 3); digits3=${link3##*/}
gone_link=$(cat gone.link); gone_digits=${gone_link##*/}

# A correction (record 7) of record 2: kind 2, supersedes 02, signed by the same school.
"$sign_tool" $keys_good --raw correction.cose kind=2 supersedes=02 record-id=07 serial=2026000002 \
    register-number=2 "name=Nguyễn Trọng Thái" >correction.link 2>err ||
    { echo "FAIL: sign-credential: $(cat err)"; exit 1; }
# Sequence 1: record 1 revoked (fraud, with a decision number), record 2 superseded by 7.
"$list_tool" $keys_good --sequence 1 --out status-1.cose --replacement correction.cose \
    "1:revoked:1:15/07/2026:123/QĐ-CĐN" "2:superseded:7:20/07/2026" >out 2>&1 ||
    { echo "FAIL: make-statuslist: $(cat out)"; exit 1; }
# Sequence 2 adds record 3, revoked (lent to someone else).
"$list_tool" $keys_good --sequence 2 --out status-2.cose --replacement correction.cose \
    "1:revoked:1:15/07/2026:123/QĐ-CĐN" "2:superseded:7:20/07/2026" "3:revoked:5:01/08/2026" >out 2>&1 ||
    { echo "FAIL: make-statuslist: $(cat out)"; exit 1; }
pass "make-statuslist signs lists (sequences 1 and 2)"

# ---------------------------------------------------------------- refusing to start
# One byte of the signature changed.
cp status-1.cose tampered.cose
size=$(wc -c <tampered.cose)
printf '\001' | dd of=tampered.cose bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
cmp -s tampered.cose status-1.cose && printf '\002' | dd of=tampered.cose bs=1 seek=$((size - 10)) conv=notrunc 2>/dev/null
code=0; "$verifier" serve $anchor --trust trust.cbor --status tampered.cose --port 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a tampered status list refuses the start (exit 2)" || fail "tampered list: exit $code"
contains err "refusing to start" "the refusal says so"
contains err "status list tampered.cose" "the refusal names the status list"
contains err "bad-signature" "the refusal names the status"
code=0; "$verifier" serve $anchor --trust trust.cbor --status missing.cose --port 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a missing status list refuses the start" || fail "missing status list: exit $code"
code=0; "$verifier" serve $anchor --trust trust.cbor --status status-1.cose --status status-2.cose --port 0 \
    >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "two status lists for one school refuse the start" || fail "two lists: exit $code"
contains err "already has a status list" "the refusal says why"

# ---------------------------------------------------------------- the service
cp status-1.cose status.cose
vw_start main $anchor --trust trust.cbor --status status.cose --check-interval 0 --rate 10000 --burst 10000 \
    --base-url https://xacthuc.example.edu.vn/V/ || { echo "FAIL: service did not start"; exit 1; }
url="http://127.0.0.1:$(cat main.port)"
contains main.log "status list status.cose: school CDNHN01, sequence 1, 2 entries" "the start log names the list"

# -- revoked
get "revoked record: page" "$url/V/$digits1"
contains body 'class="verdict bad"' "revoked: red banner"
contains body "ĐÃ BỊ THU HỒI" "revoked: the verdict in Vietnamese"
contains body "gian lận" "revoked: the ground in words"
contains body "15/07/2026" "revoked: the decision date"
contains body "123/QĐ-CĐN" "revoked: the decision number"
contains body "Nội dung văn bằng ĐÃ BỊ THU HỒI" "revoked: the fields are marked as a revoked diploma's"
get "revoked record: page in English" "$url/V/$digits1?lang=en"
contains body "REVOKED" "revoked: the verdict in English"
contains body "Ground: fraud" "revoked: the ground in English"
get "revoked record: API" "$url/api/v1/verify?record=$digits1"
contains body '"verdict":"revoked"' "revoked: JSON verdict"
contains body '"state":"revoked"' "revoked: JSON standing"
contains body '"reason":{"code":1,' "revoked: JSON reason code"
contains body '"en":"fraud"' "revoked: JSON reason name"
contains body '"decision_date":"2026-07-15"' "revoked: JSON decision date"
contains body '"status_list":{"origin":"CDNHN01","sequence":1' "revoked: JSON names the list"

# -- superseded
get "superseded record: page" "$url/V/$digits2"
contains body 'class="verdict warn"' "superseded: amber banner"
contains body "ĐÃ ĐƯỢC THAY THẾ BẰNG BẢN CHỈNH SỬA" "superseded: the verdict in Vietnamese"
contains body '<a href="HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/' "superseded: a link to the current record"
get "superseded record: API" "$url/api/v1/verify?record=$digits2"
contains body '"verdict":"superseded"' "superseded: JSON verdict"
contains body '"superseded_by":"07"' "superseded: JSON names the correction"
contains body '"current_id":"07"' "superseded: JSON current record"
current=$(sed -n 's/.*"current_link":"\([^"]*\)".*/\1/p' body)
[ -n "$current" ] && pass "superseded: JSON current_link" || fail "superseded: no current_link"
[ "${current##*/}" = "$(sed 's#.*/##' correction.link)" ] && pass "the current link is the correction's" ||
    fail "the current link is not the correction's"
get "the current record" "$url/api/v1/verify?record=${current##*/}"
contains body '"verdict":"valid"' "the current record verifies valid"
get "the current record's page" "$url/V/${current##*/}"
contains body 'class="verdict good"' "the current record's page is green"

# -- not listed, and a school without a list
get "a record not listed" "$url/api/v1/verify?record=$digits3"
contains body '"verdict":"valid"' "not listed: valid"
contains body '"state":"not-listed"' "not listed: standing says so"
get "a school without a status list" "$url/api/v1/verify?record=$gone_digits"
contains body '"verdict":"valid"' "no list: valid"
contains body '"state":"no-status-list"' "no list: standing says so"
get "a record not listed: page" "$url/V/$digits3"
contains body "Danh sách trạng thái của trường CDNHN01 số 1" "the page names the status list consulted"

# -- /healthz, /metrics
get "/healthz" "$url/healthz"
contains body "status-list CDNHN01 sequence 1" "/healthz gives the status list's sequence"
get "/metrics" "$url/metrics"
contains body 'vanbang_verifier_status_list_sequence{origin="CDNHN01"} 1' "/metrics: status list sequence"
contains body 'vanbang_verifier_status_list_age_seconds{origin="CDNHN01"}' "/metrics: status list age"
contains body 'vanbang_verifier_verdicts_total{verdict="revoked"}' "/metrics: revoked verdicts counted"
contains body 'vanbang_verifier_verdicts_total{verdict="superseded"}' "/metrics: superseded verdicts counted"

# ---------------------------------------------------------------- reloads
kill -HUP "$(cat main.pid)"
wait_log main "status lists unchanged"
contains main.log "SIGHUP: trust list trust.cbor unchanged (sequence 3), status lists unchanged" \
    "identical files: unchanged"
cp status-2.cose status.cose
kill -HUP "$(cat main.pid)"
wait_log main "sequence 1 -> 2"
contains main.log "status list status.cose (CDNHN01) reloaded: sequence 1 -> 2" "a newer list is taken on SIGHUP"
get "record 3 after the newer list" "$url/api/v1/verify?record=$digits3"
contains body '"verdict":"revoked"' "the newer list revokes record 3"
contains body '"en":"lent to someone else"' "with its ground"
cp status-1.cose status.cose
kill -HUP "$(cat main.pid)"
wait_log main "status-older"
contains main.log "status list status.cose refused (status-older" "an older list is refused"
contains main.log "keeping sequence 3 and the status lists held" "the log says the old snapshot is kept"
get "record 3 after the refused list" "$url/api/v1/verify?record=$digits3"
contains body '"verdict":"revoked"' "record 3 stays revoked"
get "/metrics after a refusal" "$url/metrics"
contains body 'vanbang_verifier_trust_reloads_total{result="failed"} 1' "the refusal is counted"
cp tampered.cose status.cose
kill -HUP "$(cat main.pid)"
wait_count main "refused" 2
contains main.log "status list status.cose refused (bad-signature" "a tampered list is refused on reload"
cp status-2.cose status.cose  # the bytes held: after refusals, nothing changed
kill -HUP "$(cat main.pid)"
wait_count main "status lists unchanged" 2
[ "$(grep -c 'status lists unchanged' main.log)" -eq 2 ] && pass "the held list again: unchanged" ||
    fail "the held list again is not 'unchanged'"

# -- the school removed from the trust list: its list is dropped, the removal takes effect
"$VB_BIN/vanbang-keys" trust-remove --authority authority --list trust.cbor --cert good/school.crt \
    >out 2>&1 || fail "trust-remove: $(cat out)"
kill -HUP "$(cat main.pid)"
wait_log main "dropped"
contains main.log "warning: status list status.cose dropped: its signer is not on the new trust list" \
    "the status list is dropped with a warning"
contains main.log "trust list trust.cbor reloaded: sequence 3 -> 4" "the new trust list is in force"
get "record 1 after the removal" "$url/api/v1/verify?record=$digits1"
contains body '"verdict":"signer-removed"' "record 1 shows signer-removed"
get "/healthz after the removal" "$url/healthz"
lacks body "status-list CDNHN01" "/healthz no longer lists the dropped list"
get "/metrics after the removal" "$url/metrics"
contains body 'vanbang_verifier_status_lists{state="dropped"} 1' "/metrics counts the dropped list"
kill -HUP "$(cat main.pid)"
wait_count main "status lists unchanged" 3
[ "$(grep -c 'status lists unchanged' main.log)" -eq 3 ] && pass "a dropped list with the same bytes: unchanged" ||
    fail "a dropped list is not 'unchanged' on the next SIGHUP"
vw_stop main && pass "the service stops cleanly" || fail "the service did not stop cleanly"

# ---------------------------------------------------------------- the portal's bundle
# School "gone" (TCDN05) revokes its record 1; the bundle holds both schools' lists.
"$list_tool" --key gone/school.key --cert gone/school.crt --sequence 1 --out gone-status-1.cose \
    "1:revoked:4:02/08/2026" >out 2>&1 || { echo "FAIL: make-statuslist: $(cat out)"; exit 1; }
"$list_tool" --key gone/school.key --cert gone/school.crt --sequence 2 --out gone-status-2.cose \
    "1:revoked:4:02/08/2026" "2:revoked:6:03/08/2026" >out 2>&1 || { echo "FAIL: make-statuslist: $(cat out)"; exit 1; }
"$bundle_tool" --out bundle.cbor status-2.cose gone-status-1.cose >out 2>&1 || fail "make-bundle: $(cat out)"
"$bundle_tool" --out tampered-bundle.cbor gone-status-1.cose tampered.cose >out 2>&1 || fail "make-bundle: $(cat out)"
"$bundle_tool" --out older-bundle.cbor status-1.cose gone-status-1.cose >out 2>&1 || fail "make-bundle: $(cat out)"
"$bundle_tool" --out newer-bundle.cbor status-2.cose gone-status-2.cose >out 2>&1 || fail "make-bundle: $(cat out)"
"$bundle_tool" --out partial-bundle.cbor status-2.cose >out 2>&1 || fail "make-bundle: $(cat out)"
"$bundle_tool" --out empty-bundle.cbor >out 2>&1 || fail "make-bundle: $(cat out)"
printf '\202\001\002' >malformed-bundle.cbor  # [1, 2]: an array, but not of byte strings
pass "make-bundle makes bundles"

code=0; "$verifier" serve $anchor --trust trust-seq3.cbor --status tampered-bundle.cbor --port 0 >out 2>err ||
    code=$?
[ "$code" -eq 2 ] && pass "a bundle with one tampered list refuses the start (exit 2)" ||
    fail "tampered bundle: exit $code"
contains err "refusing to start" "bundle: the refusal says so"
contains err "status list tampered-bundle.cbor[1] refused (bad-signature" "bundle: the refusal names the element"
code=0; "$verifier" serve $anchor --trust trust-seq3.cbor --status malformed-bundle.cbor --port 0 >out 2>err ||
    code=$?
[ "$code" -eq 2 ] && pass "a malformed bundle refuses the start" || fail "malformed bundle: exit $code"
contains err "status bundle malformed-bundle.cbor refused (mirror-malformed" "the refusal names the bundle"
code=0; "$verifier" serve $anchor --trust trust-seq3.cbor --status bundle.cbor --status status-1.cose --port 0 \
    >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a school both in a bundle and in a file refuses the start" || fail "bundle and file: exit $code"
contains err "status list status-1.cose: school CDNHN01 already has a status list (bundle.cbor[0])" \
    "the refusal names both"

cp bundle.cbor served-bundle.cbor
cp trust-seq3.cbor trust-bundle.cbor
vw_start bundle $anchor --trust trust-bundle.cbor --status served-bundle.cbor --check-interval 0 --rate 10000 \
    --burst 10000 || { echo "FAIL: the service did not start with a bundle"; exit 1; }
url="http://127.0.0.1:$(cat bundle.port)"
contains bundle.log "status bundle served-bundle.cbor: 2 lists" "the start log names the bundle"
contains bundle.log "status list served-bundle.cbor[0]: school CDNHN01, sequence 2, 3 entries" \
    "the start log names the first school's list"
contains bundle.log "status list served-bundle.cbor[1]: school TCDN05, sequence 1, 1 entries" \
    "the start log names the second school's list"
get "bundle: a record of the first school" "$url/api/v1/verify?record=$digits1"
contains body '"verdict":"revoked"' "bundle: the first school's record is revoked over HTTP"
contains body '"status_list":{"origin":"CDNHN01","sequence":2' "bundle: JSON names the first school's list"
get "bundle: a record of the second school" "$url/api/v1/verify?record=$gone_digits"
contains body '"verdict":"revoked"' "bundle: the second school's record is revoked over HTTP"
contains body '"en":"erased or altered"' "bundle: with its ground"
get "bundle: a superseded record" "$url/api/v1/verify?record=$digits2"
contains body '"verdict":"superseded"' "bundle: superseded over HTTP"
get "bundle: the revoked page" "$url/V/$gone_digits"
contains body "ĐÃ BỊ THU HỒI" "bundle: the page says revoked"
get "bundle: /healthz" "$url/healthz"
contains body "status-list CDNHN01 sequence 2" "bundle: /healthz has the first school"
contains body "status-list TCDN05 sequence 1" "bundle: /healthz has the second school"

cp older-bundle.cbor served-bundle.cbor
kill -HUP "$(cat bundle.pid)"
wait_log bundle "refused"
contains bundle.log "status list served-bundle.cbor[0] refused (status-older" \
    "a bundle with an older list is refused, naming the element"
contains bundle.log "keeping sequence 3 and the status lists held" "the old lists are kept"
get "bundle: record 3 after the refused bundle" "$url/api/v1/verify?record=$digits3"
contains body '"verdict":"revoked"' "bundle: record 3 stays revoked"
cp partial-bundle.cbor served-bundle.cbor
kill -HUP "$(cat bundle.pid)"
wait_count bundle "refused" 2
contains bundle.log "no file holds a list of school TCDN05 any more" "a bundle leaving a school out is refused"
get "bundle: the left-out school's record" "$url/api/v1/verify?record=$gone_digits"
contains body '"verdict":"revoked"' "bundle: the left-out school's record stays revoked"
cp tampered-bundle.cbor served-bundle.cbor
kill -HUP "$(cat bundle.pid)"
wait_count bundle "refused" 3
contains bundle.log "status list served-bundle.cbor[1] refused (bad-signature" "a tampered bundle is refused on reload"
cp newer-bundle.cbor served-bundle.cbor
kill -HUP "$(cat bundle.pid)"
wait_log bundle "reloaded"
contains bundle.log "status list served-bundle.cbor[1] (TCDN05) reloaded: sequence 1 -> 2" \
    "a newer bundle is taken: the changed list is named"
lacks bundle.log "served-bundle.cbor[0] (CDNHN01) reloaded" "the list that did not change is not named"
get "bundle: /healthz after the newer bundle" "$url/healthz"
contains body "status-list TCDN05 sequence 2" "bundle: the newer list is in force"
contains body "status-list CDNHN01 sequence 2" "bundle: the other list is still in force"
cp bundle.cbor served-bundle.cbor
kill -HUP "$(cat bundle.pid)"
wait_count bundle "refused" 4
contains bundle.log "status list served-bundle.cbor[1] refused (status-older" \
    "the first bundle again: its older list is refused"
# A school leaves the trust list and the bundle at once: taken, its list dropped.
"$VB_BIN/vanbang-keys" trust-remove --authority authority --list trust-bundle.cbor --cert gone/school.crt \
    >out 2>&1 || fail "trust-remove: $(cat out)"
cp partial-bundle.cbor served-bundle.cbor
kill -HUP "$(cat bundle.pid)"
wait_log bundle "signer left the trust list"
contains bundle.log "trust list trust-bundle.cbor reloaded: sequence 3 -> 4" "the trust list without TCDN05 is taken"
contains bundle.log "status list of TCDN05 (was served-bundle.cbor[1]) dropped: its signer left the trust list" \
    "the school left out with its signer removed is dropped, not refused"
get "bundle: the removed school's record" "$url/api/v1/verify?record=$gone_digits"
contains body '"verdict":"signer-removed"' "bundle: the removed school's record shows signer-removed"
get "bundle: /healthz after the removal" "$url/healthz"
lacks body "status-list TCDN05" "bundle: the removed school's list is gone"
contains body "status-list CDNHN01 sequence 2" "bundle: the other school's list stays"
vw_stop bundle && pass "the bundle service stops cleanly" || fail "the bundle service did not stop cleanly"

# ---------------------------------------------------------------- the config file
printf 'anchor = authority/authority.crt\ntrust = trust-seq3.cbor\nstatus = status-2.cose\n' >verifier.conf
vw_start conf --config verifier.conf --check-interval 0 >/dev/null 2>&1 || true
if [ -f conf.port ]; then
    get "config file: healthz" "http://127.0.0.1:$(cat conf.port)/healthz"
    contains body "status-list CDNHN01 sequence 2" "the config file's status key is read"
    vw_stop conf
else
    fail "the service did not start from the config file"; cat conf.log
fi

# ---------------------------------------------------------------- offline
# Against the trust list before the removal (sequence 3).
check() { "$verifier" check $anchor --trust trust-seq3.cbor "$@"; }
code=0; check --status status-2.cose "$link1" >out 2>&1 || code=$?
[ "$code" -eq 1 ] && pass "offline: a revoked record exits 1" || fail "offline revoked: exit $code"
contains out "ĐÃ BỊ THU HỒI" "offline: the revoked verdict"
contains out "gian lận" "offline: the ground"
contains out "15/07/2026" "offline: the decision date"
code=0; check --english --status status-2.cose "$link2" >out 2>&1 || code=$?
[ "$code" -eq 1 ] && pass "offline: a superseded record exits 1" || fail "offline superseded: exit $code"
contains out "SUPERSEDED BY A CORRECTION" "offline: the superseded verdict"
contains out "HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/" "offline: the current record's link"
code=0; check --status status-2.cose "$(vw_link 4)" >out 2>&1 || code=$?
[ "$code" -eq 0 ] && pass "offline: a record not listed exits 0" || fail "offline not listed: exit $code"
code=0; check --quiet --status status-2.cose "$link1" >out 2>&1 || code=$?
contains out "revoked" "offline --quiet: the verdict code"
code=0; check --status tampered.cose "$link1" >out 2>&1 || code=$?
[ "$code" -eq 2 ] && pass "offline: a tampered status list exits 2" || fail "offline tampered: exit $code"
contains out "bad-signature" "offline: the refusal names the status"

# -- offline with the portal's bundle
code=0; check --status bundle.cbor "$link1" >out 2>&1 || code=$?
[ "$code" -eq 1 ] && pass "offline bundle: the first school's revoked record exits 1" || fail "offline bundle: exit $code"
contains out "ĐÃ BỊ THU HỒI" "offline bundle: revoked"
contains out "CDNHN01 số 2" "offline bundle: the first school's list"
code=0; check --status bundle.cbor "$gone_link" >out 2>&1 || code=$?
[ "$code" -eq 1 ] && pass "offline bundle: the second school's revoked record exits 1" ||
    fail "offline bundle, second school: exit $code"
contains out "ĐÃ BỊ THU HỒI" "offline bundle: the second school's record revoked"
contains out "TCDN05 số 1" "offline bundle: the second school's list"
code=0; check --english --status bundle.cbor "$link2" >out 2>&1 || code=$?
[ "$code" -eq 1 ] && pass "offline bundle: a superseded record exits 1" || fail "offline bundle superseded: exit $code"
contains out "SUPERSEDED BY A CORRECTION" "offline bundle: superseded"
code=0; check --quiet --status bundle.cbor "$link1" "$gone_link" "$(vw_link 4)" >out 2>&1 || code=$?
[ "$(grep -c '^revoked ' out)" -eq 2 ] && pass "offline bundle --quiet: two revoked" ||
    fail "offline bundle --quiet: $(cat out)"
contains out "ok " "offline bundle --quiet: the unlisted record is ok"
code=0; check --status tampered-bundle.cbor "$link1" >out 2>&1 || code=$?
[ "$code" -eq 2 ] && pass "offline: a bundle with a tampered list exits 2" || fail "offline tampered bundle: exit $code"
contains out "tampered-bundle.cbor[1]" "offline: the refusal names the element"
contains out "bad-signature" "offline: the refusal names the status of the element"
code=0; check --status empty-bundle.cbor "$link1" >out 2>&1 || code=$?
[ "$code" -eq 0 ] && pass "offline: an empty bundle holds no list (exit 0)" || fail "offline empty bundle: exit $code"
contains out "không có cho trường này" "offline empty bundle: no list for the school"

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
