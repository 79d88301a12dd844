#!/bin/sh
# test_verifier_http.sh — `vanbang-verifier serve` tested over HTTP on loopback, as a phone and
# a program would use it: every verdict the service gives (genuine; a digit changed in the
# signature; a school not on the trust list; a record signed outside its certificate; a school
# removed from the list, reloaded on SIGHUP; unreadable text), the page in Vietnamese and
# English, the JSON API by GET and POST (link, digits, hex, raw CBOR), CORS and the security
# headers on every answer, a name crafted to inject HTML rendered as text, reloads on SIGHUP
# and on a changed file, a bad or older list refused with the old one kept, refusing to start
# without a valid list, malformed and oversize requests (414, 413, 431, 400, 405, 404, 415),
# a slow client timed out without holding up others, the per-address connection limit, the
# rate limit (429 with Retry-After), /healthz, /metrics, the config file, dropping root, and an
# access log that holds no full record digits and no name.
# Needs env VB_BIN, VB_BUILD (set by scripts/run-tests.sh), curl, and perl (perl-base) for the
# raw-socket clients.
set -u
verifier="$VB_BIN/vanbang-verifier"
sign_tool="$VB_BUILD/tools/sign-credential"
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$verifier" "$VB_BIN/vanbang-keys" "$VB_BIN/vanbang-issue" "$sign_tool"
need_command curl curl
. "$VB_ROOT/tests/cli/verifier_world.sh"

work=$(mktemp -d)
trap 'cd /; vw_stop_all_in "$work"; rm -rf "$work"' EXIT INT TERM
vw_stop_all_in() { (cd "$1" 2>/dev/null && vw_stop_all); }
cd "$work" || exit 1

# expect_status CODE NAME URL [CURL ARGS…]: the answer's body in body, its headers in headers.
# (Shell functions share the caller's variables: every helper's own names start es_ or hi_.)
expect_status() {
    es_expected=$1; es_name=$2; es_url=$3; shift 3
    es_code=$(curl -s -o body -D headers -w '%{http_code}' "$@" "$es_url")
    if [ "$es_code" = "$es_expected" ]; then pass "$es_name ($es_code)"; else
        fail "$es_name: HTTP $es_code, expected $es_expected"; head -c 1500 body | sed 's/^/    /'; echo; fi
}
header_is() {  # NAME HEADER VALUE: the last answer's HEADER is VALUE (case-insensitive name)
    hi_value=$(tr -d '\r' <headers | grep -i "^$2:" | head -n 1 | sed 's/^[^:]*: *//')
    if [ "$hi_value" = "$3" ]; then pass "$1"; else fail "$1: $2 is '$hi_value', expected '$3'"; fi
}
security_headers() {  # NAME: the headers every answer must carry
    for hi_h in Content-Security-Policy X-Content-Type-Options Referrer-Policy Cache-Control X-Frame-Options; do
        grep -qi "^$hi_h:" headers || { fail "$1: no $hi_h header"; return; }
    done
    header_is "$1: nosniff" X-Content-Type-Options nosniff
    header_is "$1: no-referrer" Referrer-Policy no-referrer
    header_is "$1: no-store" Cache-Control no-store
    header_is "$1: DENY" X-Frame-Options DENY
    hi_csp=$(tr -d '\r' <headers | grep -i '^Content-Security-Policy:')
    case "$hi_csp" in
    *"default-src 'none'"*"style-src 'sha256-"*"frame-ancestors 'none'"*) pass "$1: strict CSP" ;;
    *) fail "$1: CSP is '$hi_csp'" ;;
    esac
}
json_has() {  # NAME TEXT: body holds TEXT
    contains body "$2" "$1"
}
# tamper DIGITS: one digit in the signature (30 from the end) made one smaller, so the group
# stays a valid number and only the signature is wrong.
tamper() {
    printf '%s' "$1" | awk '{ n = length($0); for (i = n - 30; i > 0; i--) { c = substr($0, i, 1);
        if (c != "0") { printf "%s%d%s", substr($0, 1, i - 1), c - 1, substr($0, i + 1); exit } } }'
}
# raw PORT PERL-CODE: runs a small perl client with $s connected to the service.
raw() {
    perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0], Proto => "tcp")
            or die "connect: $!\n";
        $SIG{ALRM} = sub { print "TIMEOUT\n"; exit 0 };
        alarm 20;
        eval $ARGV[1]; die $@ if $@;' "$1" "$2"
}

# ---------------------------------------------------------------- help and usage
code=0; "$verifier" serve --help >help.out 2>&1 || code=$?
[ "$code" -eq 0 ] && pass "serve --help" || fail "serve --help exit $code"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS "CONFIGURATION FILE" ENDPOINTS SIGNALS "EXIT STATUS" EXAMPLES; do
    grep -q "^$section\$" help.out && pass "--help has $section" || fail "--help has no $section"
done
"$verifier" --help | grep -q "serve" && pass "the verb list names serve" || fail "main --help lacks serve"
code=0; "$verifier" serve --port 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "serve without --anchor/--trust: exit 2" || fail "serve without files: exit $code"
contains err "--anchor and --trust are required" "the usage error says what is missing"
code=0; "$verifier" serve --anchor x --trust y --port 99999 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a bad --port is a usage error" || fail "bad --port: exit $code"

# ---------------------------------------------------------------- the world
vw_make_world 6 || { echo "FAIL: could not build the test world"; exit 1; }
anchor="--anchor authority/authority.crt"
cp trust.cbor trust-seq3.cbor  # sequence 3: authority, good, gone

# ---------------------------------------------------------------- refusing to start
code=0; "$verifier" serve $anchor --trust missing.cbor --port 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a missing trust list: refuses to start (exit 2)" || fail "missing list: exit $code"
contains err "refusing to start" "the refusal says so"
head -c 300 roster.csv >garbage.cbor
code=0; "$verifier" serve $anchor --trust garbage.cbor --port 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a garbage trust list: refuses to start" || fail "garbage list: exit $code"
"$VB_BIN/vanbang-keys" authority-init --dir other --name "Một cơ quan khác" >/dev/null 2>&1
"$VB_BIN/vanbang-keys" trust-init --authority other --list other.cbor >/dev/null 2>&1
code=0; "$verifier" serve $anchor --trust other.cbor --port 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "a list signed by another authority: refuses to start" || fail "other list: exit $code"
contains err "trust-" "the refusal names the trust-list status"

# ---------------------------------------------------------------- the main service
# Reloads on SIGHUP only (--check-interval 0), a rate limit too high to matter here.
vw_start main $anchor --trust trust.cbor --check-interval 0 --rate 10000 --burst 10000 \
    --base-url https://xacthuc.example.edu.vn/XT/ || { echo "FAIL: service did not start"; exit 1; }
port=$(cat main.port)
url="http://127.0.0.1:$port"
contains main.log "listening on 127.0.0.1:$port" "--port 0 prints the bound port"

link1=$(vw_link 1); digits1=${link1##*/}
link2=$(vw_link 2); digits2=${link2##*/}
name1=$(sed -n 2p good/manifest.csv | cut -d, -f4)
name2=$(sed -n 3p good/manifest.csv | cut -d, -f4)
gone_link=$(cat gone.link); gone_digits=${gone_link##*/}
stranger_link=$(cat stranger.link); stranger_digits=${stranger_link##*/}

# -- genuine: the page
expect_status 200 "genuine record: page" "$url/V/$digits1"
security_headers "page"
header_is "page is HTML" Content-Type "text/html; charset=utf-8"
header_is "page is Vietnamese" Content-Language vi
contains body '<html lang="vi">' "html lang=vi"
contains body 'class="verdict good"' "green banner"
contains body "HỢP LỆ" "the verdict in Vietnamese"
contains body "$name1" "the graduate's name is shown"
contains body "Trường Cao đẳng Nghề Hà Nội" "the school from the certificate"
contains body "CDNHN01" "the school code"
contains body "Chứng thư có hiệu lực" "the certificate validity"
contains body 'href="?lang=en"' "a link to English"
lacks body "<script" "no script on the page"
lacks body "http://" "no external resource (http)"
lacks body "https://" "no external resource (https)"
expect_status 200 "genuine record: English page" "$url/V/$digits1?lang=en"
contains body '<html lang="en">' "html lang=en"
contains body "GENUINE" "the verdict in English"
contains body "Full name" "English labels"
contains body 'href="?lang=vi"' "a link back to Vietnamese"
header_is "English page language" Content-Language en
expect_status 200 "lower-case /v/ path" "$url/v/$digits2"
contains body "$name2" "/v/ shows the record"
expect_status 200 "the --base-url path, any case (/xt/)" "$url/xt/$digits2"
contains body 'class="verdict good"' "/xt/ verifies"
expect_status 200 "HEAD of a page" "$url/V/$digits1" -I
expect_status 200 "the home page" "$url/"
contains body "xacthuc.example.edu.vn/XT/" "the home page shows what a link looks like"

# -- genuine: the API
expect_status 200 "API GET ?link=" "$url/api/v1/verify" -G --data-urlencode "link=$link1"
security_headers "API"
header_is "API is JSON" Content-Type "application/json; charset=utf-8"
header_is "API CORS" Access-Control-Allow-Origin "*"
json_has "verdict valid" '"verdict":"valid"'
json_has "code 0" '"code":0'
json_has "status_name ok" '"status_name":"ok"'
json_has "reason given" '"reason":"the record is genuine'
json_has "credential name" "\"name\":\"$name1\""
json_has "credential type" '"type":{"code":1,"vi":"Bằng tốt nghiệp cao đẳng"'
json_has "issue date ISO" '"issue_date":"2026-06-30"'
json_has "issuer organization" '"organization":"Trường Cao đẳng Nghề Hà Nội"'
json_has "issuer school code" '"school_code":"CDNHN01"'
json_has "certificate validity" '"certificate_not_after":"'
json_has "trust list sequence" '"trust_list":{"sequence":3'
expect_status 200 "API GET ?record=digits" "$url/api/v1/verify?record=$digits2"
json_has "record= verifies" '"verdict":"valid"'
expect_status 200 "API POST JSON {link}" "$url/api/v1/verify" -H 'Content-Type: application/json' \
    --data "{\"link\": \"$link1\"}"
json_has "POST JSON verifies" '"verdict":"valid"'
expect_status 200 "API POST text/plain link" "$url/api/v1/verify" -H 'Content-Type: text/plain' --data "$link2"
json_has "POST text verifies" '"verdict":"valid"'
"$sign_tool" --key good/school.key --cert good/school.crt --raw raw.cose name="Trần Thị Bích" >raw.link 2>sign.err ||
    fail "sign-credential: $(cat sign.err)"
expect_status 200 "API POST application/cbor (raw record)" "$url/api/v1/verify" \
    -H 'Content-Type: application/cbor' --data-binary @raw.cose
json_has "raw record verifies" '"verdict":"valid"'
json_has "raw record's name" '"name":"Trần Thị Bích"'
hex=$(od -An -v -tx1 raw.cose | tr -d ' \n')
expect_status 200 "API GET ?hex=" "$url/api/v1/verify?hex=$hex"
json_has "hex verifies" '"verdict":"valid"'
expect_status 200 "API POST JSON {hex}" "$url/api/v1/verify" -H 'Content-Type: application/json' \
    --data "{\"hex\": \"$hex\"}"
json_has "POST hex verifies" '"verdict":"valid"'
expect_status 204 "CORS preflight" "$url/api/v1/verify" -X OPTIONS -H 'Origin: https://app.example' \
    -H 'Access-Control-Request-Method: POST'
header_is "preflight allows any origin" Access-Control-Allow-Origin "*"
header_is "preflight methods" Access-Control-Allow-Methods "GET, POST, OPTIONS"
header_is "preflight headers" Access-Control-Allow-Headers "Content-Type"
security_headers "preflight"

# -- invalid signature: one digit changed
bad_digits=$(tamper "$digits1")
[ "$bad_digits" != "$digits1" ] || fail "the tamper helper changed nothing"
expect_status 200 "tampered record: page" "$url/V/$bad_digits"
contains body 'class="verdict bad"' "red banner for a tampered record"
contains body "GIẢ MẠO HOẶC BỊ SỬA" "the tampered verdict in words"
contains body "KHÔNG được xác thực" "its fields are marked not verified"
expect_status 200 "tampered record: API" "$url/api/v1/verify?record=$bad_digits"
json_has "verdict invalid-signature" '"verdict":"invalid-signature"'
json_has "code 503" '"code":503'
json_has "status bad-signature" '"status_name":"bad-signature"'

# -- a school key that has verified many records gets its table (--key-tables); same answers
# verify_many N DIGITS: N API verifications of one record in one curl; prints how many were valid.
verify_many() {
    vm_i=0
    while [ $vm_i -lt "$1" ]; do echo "url = \"$url/api/v1/verify?record=$2\""; vm_i=$((vm_i + 1)); done |
        curl -s -K - | grep -o '"verdict":"valid"' | wc -l
}
expect_status 200 "/metrics before many verifications" "$url/metrics"
contains body 'vanbang_verifier_key_tables 0' "no key table after a few verifications"
[ "$(verify_many 80 "$digits2")" -eq 80 ] && pass "80 verifications in a row: all valid" ||
    fail "80 verifications in a row were not all valid"
expect_status 200 "/metrics after 80 verifications" "$url/metrics"
contains body 'vanbang_verifier_key_tables 1' "the school's key now has its table"
expect_status 200 "tampered record, verified with the key's table" "$url/api/v1/verify?record=$bad_digits"
json_has "tampered: still invalid-signature" '"verdict":"invalid-signature"'
expect_status 200 "genuine record, verified with the key's table" "$url/V/$digits1"
contains body 'class="verdict good"' "genuine: still the green banner"
vw_start notables $anchor --trust trust.cbor --check-interval 0 --rate 0 --key-tables 0 ||
    fail "a service with --key-tables 0 did not start"
main_url=$url; url="http://127.0.0.1:$(cat notables.port)"
[ "$(verify_many 80 "$digits2")" -eq 80 ] && pass "--key-tables 0: 80 verifications, all valid" ||
    fail "--key-tables 0: 80 verifications were not all valid"
expect_status 200 "/metrics with --key-tables 0" "$url/metrics"
contains body 'vanbang_verifier_key_tables 0' "--key-tables 0: no table made"
url=$main_url
code=0; vw_stop notables || code=$?
[ "$code" -eq 0 ] && pass "the --key-tables 0 service stops cleanly" || fail "--key-tables 0 service exit $code"

# -- unknown issuer
expect_status 200 "unknown school: page" "$url/V/$stranger_digits"
contains body 'class="verdict bad"' "red banner for an unknown issuer"
contains body "đơn vị cấp không rõ" "the unknown-issuer verdict in words"
expect_status 200 "unknown school: API" "$url/api/v1/verify?link=$stranger_digits"
json_has "verdict unknown-issuer" '"verdict":"unknown-issuer"'
json_has "code 500" '"code":500'
json_has "no issuer object" '"issuer":null'

# -- signed outside the certificate's validity
"$sign_tool" --key good/school.key --cert good/school.crt signed-at=946684800 >old.link 2>sign.err ||
    fail "sign-credential: $(cat sign.err)"
old_link=$(cat old.link)
expect_status 200 "signed in 2000: API" "$url/api/v1/verify?record=${old_link##*/}"
json_has "verdict signer-not-valid" '"verdict":"signer-not-valid"'
json_has "code 501" '"code":501'
expect_status 200 "signed in 2000: page" "$url/V/${old_link##*/}"
contains body "ký ngoài thời hạn" "the page says signed outside the validity"

# -- unreadable
expect_status 200 "unreadable digits: page (200, the page is the answer)" "$url/V/12345"
contains body 'class="verdict grey"' "grey banner for unreadable"
contains body "KHÔNG ĐỌC ĐƯỢC" "the unreadable verdict in words"
expect_status 200 "letters instead of digits" "$url/V/abc%3Cscript%3E"
contains body 'class="verdict grey"' "letters: unreadable"
lacks body "<script>" "the path is never echoed raw"
expect_status 200 "garbage link: API" "$url/api/v1/verify" -G --data-urlencode 'link=hello world'
json_has "verdict unreadable" '"verdict":"unreadable"'
json_has "code 400 (link-prefix)" '"code":400'
json_has "no credential" '"credential":null'
expect_status 200 "a record one digit short" "$url/api/v1/verify?record=${digits1%?}"
json_has "short record: unreadable" '"verdict":"unreadable"'

# -- a name crafted to inject HTML
"$sign_tool" --key good/school.key --cert good/school.crt 'name=<script>alert(1)</script>' \
    'issue-place=Hà Nội" onload="x' 'program-name=<img src=x onerror=alert(2)>' >xss.link 2>sign.err ||
    fail "sign-credential with a script name: $(cat sign.err)"
xss_link=$(cat xss.link)
expect_status 200 "HTML-injection record: page" "$url/V/${xss_link##*/}"
contains body 'class="verdict good"' "the injection record is genuinely signed"
contains body "&lt;script&gt;alert(1)&lt;/script&gt;" "the name is escaped"
contains body "&lt;img src=x onerror=alert(2)&gt;" "the program name is escaped"
contains body "Hà Nội&quot; onload=&quot;x" "quotes are escaped"
lacks body "<script" "no raw <script> in the page"
lacks body "<img" "no raw <img> in the page"
expect_status 200 "HTML-injection record: API" "$url/api/v1/verify?record=${xss_link##*/}"
json_has "JSON escapes < and >" '"name":"\u003cscript\u003ealert(1)\u003c/script\u003e"'
lacks body "<script" "no raw <script> in the JSON"

# -- malformed and oversize requests
expect_status 400 "API without a parameter" "$url/api/v1/verify"
json_has "400 is JSON" '"error":{"status":400'
header_is "400 has CORS" Access-Control-Allow-Origin "*"
expect_status 400 "API with two parameters" "$url/api/v1/verify?link=1&record=2"
expect_status 400 "odd hex" "$url/api/v1/verify?hex=abc"
expect_status 400 "non-hex" "$url/api/v1/verify?hex=zz"
expect_status 400 "POST JSON not an object" "$url/api/v1/verify" -H 'Content-Type: application/json' --data '"x"'
expect_status 400 "POST JSON broken" "$url/api/v1/verify" -H 'Content-Type: application/json' --data '{"link": '
expect_status 400 "POST JSON without link" "$url/api/v1/verify" -H 'Content-Type: application/json' --data '{"x": 1}'
expect_status 415 "POST of another type" "$url/api/v1/verify" -H 'Content-Type: image/png' --data 'x'
head -c 9000 /dev/zero | tr '\0' '1' >big.body
expect_status 413 "POST body over 8 KiB" "$url/api/v1/verify" -H 'Content-Type: text/plain' --data-binary @big.body
security_headers "413"
expect_status 413 "chunked POST over 8 KiB" "$url/api/v1/verify" -H 'Content-Type: text/plain' \
    -H 'Transfer-Encoding: chunked' --data-binary @big.body
long=$(head -c 5000 /dev/zero | tr '\0' '7')
expect_status 414 "a 5000-character path" "$url/V/$long"
security_headers "414"
huge=$(head -c 40000 /dev/zero | tr '\0' '7')
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/V/$huge")
case "$code" in 414|431|400) pass "a 40000-character path is refused ($code)" ;;
*) fail "a 40000-character path: $code" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -H "X-Filler: $huge" "$url/healthz")
case "$code" in 431|413|400) pass "a 40000-byte header is refused ($code)" ;;
*) fail "a 40000-byte header: $code" ;; esac
expect_status 405 "DELETE a page" "$url/V/$digits1" -X DELETE
header_is "405 names the allowed methods" Allow "GET, HEAD"
expect_status 405 "PUT the API" "$url/api/v1/verify" -X PUT
expect_status 404 "unknown path" "$url/wp-login.php"
security_headers "404"
expect_status 404 "unknown API path" "$url/api/v2/verify"
expect_status 404 "a page path with a slash after the digits" "$url/V/123/456"
reply=$(raw "$port" 'print $s "\x00\x01\x02 garbage\r\n\r\n"; my $l = <$s>; print $l // "CLOSED\n";')
case "$reply" in *" 400 "*|CLOSED*) pass "a garbage request line: 400 or closed" ;;
*) fail "a garbage request line got: $reply" ;; esac
reply=$(raw "$port" 'print $s "GET /healthz HTTP/1.0\r\n\r\n"; my $l = <$s>; print $l // "CLOSED\n";')
case "$reply" in *" 200 "*) pass "HTTP/1.0 without Host" ;; *) fail "HTTP/1.0: $reply" ;; esac
expect_status 200 "still serving after the bad requests" "$url/api/v1/verify?record=$digits1"
json_has "still genuine" '"verdict":"valid"'

# -- /healthz and /metrics
expect_status 200 "/healthz" "$url/healthz"
contains body "ok" "/healthz says ok"
contains body "trust-list-sequence 3" "/healthz gives the list's sequence"
security_headers "/healthz"
expect_status 200 "/metrics from loopback" "$url/metrics"
contains body 'vanbang_verifier_verdicts_total{verdict="valid"}' "metrics: verdicts"
contains body 'vanbang_verifier_requests_total{code="200"}' "metrics: requests by status"
contains body 'vanbang_verifier_requests_total{code="404"}' "metrics: 404s"
contains body 'vanbang_verifier_request_duration_seconds_bucket{le="+Inf"}' "metrics: latency histogram"
contains body 'vanbang_verifier_trust_list_sequence 3' "metrics: list sequence"
contains body 'vanbang_verifier_trust_list_age_seconds' "metrics: list age"
contains body 'vanbang_verifier_trust_reloads_total{result="failed"} 0' "metrics: no failed reload yet"
valid_count=$(sed -n 's/^vanbang_verifier_verdicts_total{verdict="valid"} //p' body)
[ "${valid_count:-0}" -ge 8 ] && pass "metrics counted the genuine verdicts ($valid_count)" ||
    fail "metrics: valid count $valid_count"

# ---------------------------------------------------------------- a second service: limits
# A low rate limit, few connections per address, a short timeout, and the file watch on.
vw_start limits $anchor --trust trust.cbor --rate 2 --burst 5 --max-connections-per-ip 4 --timeout 2 \
    --check-interval 1 || { echo "FAIL: second service did not start"; exit 1; }
lport=$(cat limits.port)
lurl="http://127.0.0.1:$lport"

# -- the rate limit
: >codes
i=0
while [ $i -lt 12 ]; do
    curl -s -o /dev/null -D "h$i" -w '%{http_code}\n' "$lurl/api/v1/verify?record=$digits1" >>codes
    i=$((i + 1))
done
ok_count=$(grep -c '^200$' codes); limited=$(grep -c '^429$' codes)
[ "$limited" -ge 4 ] && [ "$ok_count" -ge 5 ] && pass "a burst of 12: $ok_count answered, $limited refused with 429" ||
    fail "a burst of 12: $ok_count 200s, $limited 429s"
cp h11 headers
grep -q "^HTTP/1.1 429" headers && header_is "429 has Retry-After" Retry-After 1 ||
    fail "the last answer of the burst was not 429"
header_is "429 on the API has CORS" Access-Control-Allow-Origin "*"
security_headers "429"
: >codes
i=0
while [ $i -lt 15 ]; do
    curl -s -o /dev/null -w '%{http_code}\n' "$lurl/healthz" >>codes
    i=$((i + 1))
done
[ "$(grep -c '^200$' codes)" -eq 15 ] && pass "/healthz from loopback is not rate-limited" ||
    fail "/healthz was rate-limited: $(tr '\n' ' ' <codes)"
sleep 2
expect_status 200 "after a pause the client is served again" "$lurl/api/v1/verify?record=$digits1"

# -- a slow client is timed out, and nobody else waits for it
raw "$lport" 'print $s "GET /healthz HTTP/1.1\r\nHost: x\r\n"; my $t = time; my $b;
    my $n = sysread($s, $b, 4096); printf "closed after %d s, %d bytes\n", time - $t, $n // -1;' >slow.out &
slow_pid=$!
sleep 0.5
start=$(date +%s)
expect_status 200 "a request while a slow client holds a connection" "$lurl/healthz"
[ $(( $(date +%s) - start )) -le 1 ] && pass "it was answered at once" || fail "it waited for the slow client"
wait $slow_pid
case "$(cat slow.out)" in
"closed after "[1-5]" s, "*) pass "the slow client was cut off by the timeout: $(cat slow.out)" ;;
*) fail "slow client: $(cat slow.out)" ;;
esac

# -- the per-address connection limit (4)
reply=$(raw "$lport" 'my @held;
    for (1..3) { push @held, IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die }
    my $extra = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die;
    print $extra "GET /healthz HTTP/1.0\r\n\r\n"; my $l = <$extra>; print $l // "REFUSED\n";')
case "$reply" in REFUSED*) pass "a fifth connection from one address is refused" ;;
*) fail "a fifth connection got: $reply" ;; esac
sleep 0.2
expect_status 200 "connections free again after the holder left" "$lurl/healthz"

# ---------------------------------------------------------------- reloads
# Remove school "gone": the file changes. The second service (watching) reloads by itself; the
# main one (SIGHUP only) keeps its list until told.
expect_status 200 "before removal: gone's record is genuine" "$url/api/v1/verify?record=$gone_digits"
json_has "gone: valid before" '"verdict":"valid"'
"$VB_BIN/vanbang-keys" trust-remove --authority authority --list trust.cbor --cert gone/school.crt \
    >out 2>&1 || fail "trust-remove: $(cat out)"
i=0
while [ $i -lt 40 ] && ! curl -s "$lurl/healthz" | grep -q "sequence 4"; do sleep 0.1; i=$((i + 1)); done
curl -s "$lurl/healthz" >body
contains body "trust-list-sequence 4" "the watching service reloaded the changed file"
contains limits.log "file changed: trust list trust.cbor reloaded: sequence 3 -> 4" "its log says why it reloaded"
expect_status 200 "the watching service: gone's record" "$lurl/api/v1/verify?record=$gone_digits"
json_has "signer-removed after the file changed" '"verdict":"signer-removed"'
curl -s "$url/healthz" >body
contains body "trust-list-sequence 3" "the SIGHUP-only service still holds sequence 3"
kill -HUP "$(cat main.pid)"
i=0
while [ $i -lt 40 ] && ! curl -s "$url/healthz" | grep -q "sequence 4"; do sleep 0.1; i=$((i + 1)); done
curl -s "$url/healthz" >body
contains body "trust-list-sequence 4" "SIGHUP reloaded the list"
contains main.log "SIGHUP: trust list trust.cbor reloaded: sequence 3 -> 4" "the log names SIGHUP"
expect_status 200 "after removal: gone's record, API" "$url/api/v1/verify?record=$gone_digits"
json_has "verdict signer-removed" '"verdict":"signer-removed"'
json_has "code 502" '"code":502'
json_has "removal time given" '"removed_at":"2'
expect_status 200 "after removal: gone's record, page" "$url/V/$gone_digits"
contains body 'class="verdict bad"' "red banner for a removed signer"
contains body "khóa ký đã bị thu hồi" "the removed verdict in words"
contains body "Khóa bị rút ngày" "the page gives the removal date"

# A damaged list is refused; the old one stays in force.
cp trust.cbor trust-good.cbor
head -c 200 trust-good.cbor >broken.cbor
cp broken.cbor trust.cbor
kill -HUP "$(cat main.pid)"
i=0
while [ $i -lt 40 ] && ! grep -q "refused" main.log; do sleep 0.1; i=$((i + 1)); done
contains main.log "trust list trust.cbor refused" "a damaged list is refused"
contains main.log "keeping sequence 4" "the log says the old list is kept"
i=0
while [ $i -lt 40 ] && ! grep -q "refused" limits.log; do sleep 0.1; i=$((i + 1)); done
contains limits.log "file changed: trust list trust.cbor refused" "the watching service refused the damaged file too"
curl -s "$lurl/healthz" >body
contains body "trust-list-sequence 4" "the watching service kept sequence 4"
expect_status 200 "still serving with the old list" "$url/api/v1/verify?record=$digits1"
json_has "still genuine with the old list" '"verdict":"valid"'
json_has "still sequence 4" '"sequence":4'
# An older list, though validly signed, is refused too.
cp trust-seq3.cbor trust.cbor
kill -HUP "$(cat main.pid)"
i=0
while [ $i -lt 40 ] && ! grep -q "trust-older" main.log; do sleep 0.1; i=$((i + 1)); done
contains main.log "trust-older" "an older list is refused as trust-older"
expect_status 200 "gone stays removed" "$url/api/v1/verify?record=$gone_digits"
json_has "the older list did not bring gone back" '"verdict":"signer-removed"'
# A list from another authority is refused.
cp other.cbor trust.cbor
kill -HUP "$(cat main.pid)"
i=0
while [ $i -lt 40 ] && [ "$(grep -c refused main.log)" -lt 3 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(grep -c refused main.log)" -ge 3 ] && pass "a list from another authority is refused" ||
    fail "a list from another authority was not refused"
cp trust-good.cbor trust.cbor
kill -HUP "$(cat main.pid)"
i=0
while [ $i -lt 40 ] && ! grep -q "unchanged" main.log; do sleep 0.1; i=$((i + 1)); done
contains main.log "unchanged (sequence 4)" "the same list again is 'unchanged', not a failure"
expect_status 200 "/metrics after the reloads" "$url/metrics"
contains body 'vanbang_verifier_trust_reloads_total{result="ok"} 1' "metrics: one reload ok"
contains body 'vanbang_verifier_trust_reloads_total{result="failed"} 3' "metrics: three refused"
contains body 'vanbang_verifier_trust_list_sequence 4' "metrics: sequence 4"

# ---------------------------------------------------------------- stopping, and the log
code=0; vw_stop limits || code=$?
[ "$code" -eq 0 ] && pass "the second service stops cleanly on SIGTERM" || fail "second service exit $code"
code=0; vw_stop main || code=$?
[ "$code" -eq 0 ] && pass "the main service stops cleanly on SIGTERM" || fail "main service exit $code"
contains main.log "stopping on SIGTERM" "the log says it stopped"
contains main.log "GET /V/" "the access log has page requests"
contains main.log "...(" "record digits are cut in the log"
leaked=""
for d in "$digits1" "$digits2" "$gone_digits" "$stranger_digits" "$bad_digits"; do
    grep -qF -- "$(printf '%s' "$d" | cut -c1-12)" main.log limits.log && leaked="$leaked ${d%"${d#????????}"}"
done
[ -z "$leaked" ] && pass "no log line holds more than 8 digits of a record" ||
    fail "the logs hold record digits:$leaked"
leaked=""
for n in "$name1" "$name2" "Trần Thị Bích" "alert(1)"; do
    grep -qF -- "$n" main.log limits.log && leaked="$leaked '$n'"
done
[ -z "$leaked" ] && pass "no name in the logs" || fail "the logs hold names:$leaked"
lacks main.log "127.0.0.1 GET" "no client address in the access log"

# ---------------------------------------------------------------- config file, dropping root
cat >verifier.conf <<EOF
# a comment
listen = 127.0.0.1
port = 0
anchor = $work/authority/authority.crt
trust = "$work/trust.cbor"
access-log = no
threads = 1
behind-proxy = yes
rate = 1
burst = 2
EOF
user_args=""
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    chmod 755 "$work" "$work/authority"
    chmod 644 "$work/trust.cbor" "$work/authority/authority.crt"
    user_args="--user nobody"
fi
vw_start conf --config verifier.conf $user_args || fail "the service did not start from a config file"
if [ -f conf.port ]; then
    expect_status 200 "configured service answers" "http://127.0.0.1:$(cat conf.port)/api/v1/verify?record=$digits1"
    json_has "configured service verifies" '"verdict":"valid"'
    lacks conf.log "GET /api" "access-log = no is obeyed"
    # Behind a local proxy: X-Real-IP names the client, for the rate limit and /metrics.
    curl_proxy() { curl -s -o /dev/null -w '%{http_code}\n' -H "X-Real-IP: $1" "http://127.0.0.1:$(cat conf.port)$2"; }
    codes=$(curl_proxy 203.0.113.7 /healthz; curl_proxy 203.0.113.7 /healthz; curl_proxy 203.0.113.7 /healthz)
    [ "$(echo $codes)" = "200 200 429" ] && pass "behind a proxy, the client named by X-Real-IP is rate-limited" ||
        fail "X-Real-IP rate limit: $(echo $codes)"
    [ "$(curl_proxy 2001:db8::1 /healthz)" = 200 ] && pass "another X-Real-IP has its own bucket" ||
        fail "another X-Real-IP was refused"
    [ "$(curl_proxy 2001:db8::2 /metrics)" = 403 ] && pass "/metrics refuses a client outside, through the proxy" ||
        fail "/metrics answered a client outside"
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(cat conf.port)/metrics")
    [ "$code" = 200 ] && pass "/metrics answers loopback without X-Real-IP" || fail "/metrics from loopback: $code"
    if [ -n "$user_args" ]; then
        uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$(cat conf.pid)/status")
        nobody=$(id -u nobody)
        [ "$uid" = "$nobody $nobody $nobody $nobody" ] && pass "--user nobody: every uid is nobody's" ||
            fail "--user nobody: uids are $uid"
    fi
    code=0; vw_stop conf || code=$?
    [ "$code" -eq 0 ] && pass "configured service stops cleanly" || fail "configured service exit $code"
fi
printf 'frobnicate = 1\n' >bad.conf
code=0; "$verifier" serve --config bad.conf >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "an unknown config key: exit 2" || fail "unknown config key: exit $code"
contains err "bad.conf:1: unknown setting 'frobnicate'" "the config error names file, line and key"
code=0; "$verifier" serve --anchor authority.crt --trust trust.cbor --key-tables 5000 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "--key-tables 5000: exit 2" || fail "--key-tables 5000: exit $code"
contains err "--key-tables: '5000' is not a count 0-4096" "the error names the option, the value and the range"

echo
echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ] || exit 1
echo "all vanbang-verifier serve checks passed"
