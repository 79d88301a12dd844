#!/bin/sh
# test_portal_browser.sh — the portal's pages in a real browser: headless Chromium (Debian's
# chromium) opens what `vanbang-portal serve` gives and the test reads the rendered text
# (--dump-dom). The world: an authority, a school (ST=Hà Nội) on its trust list, a register of
# six graduates uploaded with `vanbang-issue upload`, one of them revoked and one corrected to
# a name crafted as HTML (the roster refuses such a name; `correct` takes any text, as a
# register edited by hand could hold it). Pages: the lookup form; a lookup typed without
# accents in capitals, showing the holder's name with its accents and "in force", in
# Vietnamese and with lang=en in English; the revoked diploma; the crafted name, rendered as
# text; a query crafted as HTML, not found and echoed as text; the staff login page; and the
# audit report with its SVG charts. Headless Chromium cannot log in (no cookie flag), so the
# test logs in with curl, saves the report as the portal served it, puts the portal's own
# Content-Security-Policy header into it as a <meta> element, and renders that copy from a
# file:// URL — the report is self-contained, so that is what a browser shows. No page may
# report a CSP violation in the console. Screenshots (phone-sized, the report desktop-sized)
# are kept in $VB_BUILD/test-logs/portal-browser/. Without chromium: as root the test installs
# it (scripts/setup-deps.sh); otherwise it says SKIP and why.
# Needs env VB_BIN, VB_BUILD, VB_ROOT (set by scripts/run-tests.sh), curl and sqlite3.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
portal="$VB_BIN/vanbang-portal"
need_programs "$keys" "$issue" "$portal"
need_command curl curl
need_command sqlite3 sqlite3
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        sh "$VB_ROOT/scripts/setup-deps.sh" || { echo "FAIL: could not install chromium"; exit 1; }
    else
        echo "SKIP: chromium is not installed and this is not root; run: apt-get install -y chromium"
        exit 0
    fi
fi
command -v chromium >/dev/null 2>&1 || { echo "FAIL: chromium is still missing after setup-deps"; exit 1; }

work=$(mktemp -d) || exit 1
portal_pid=""
trap '[ -z "$portal_pid" ] || kill -TERM "$portal_pid" 2>/dev/null; cd /; rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
use_test_passphrase
shots="$VB_BUILD/test-logs/portal-browser"
mkdir -p "$shots"

same() {  # ACTUAL EXPECTED NAME
    if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: '$1', expected '$2'"; fi
}
# count_of FILE TEXT: how many times TEXT (fixed) occurs in FILE.
count_of() { grep -oF -- "$2" "$1" | wc -l | tr -d ' '; }

# browse OUT URL [FLAGS…]: headless Chromium, no network but loopback, a fresh profile; the
# DOM after rendering in OUT.html, the browser's own messages in OUT.log.
browse() {
    br_out=$1; br_url=$2; shift 2
    br_profile=$(mktemp -d "$work/profile.XXXXXX")
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$br_profile" --enable-logging=stderr --v=0 \
        "$@" --dump-dom "$br_url" >"$br_out.html" 2>"$br_out.log"
    rm -rf "$br_profile"
    cp "$br_out.html" "$shots/$br_out.dom.html" 2>/dev/null
    [ -s "$br_out.html" ] || { fail "$br_out: chromium rendered nothing"; tail -5 "$br_out.log"; return 1; }
    if grep -q "Content Security Policy" "$br_out.log"; then
        fail "$br_out: the page broke its own CSP:"; grep "Content Security Policy" "$br_out.log" | head -3
    else
        pass "$br_out: no CSP violation in the console"
    fi
}
# shoot NAME URL [FLAGS…]: a screenshot into $shots/NAME.png (phone-sized unless FLAGS give
# another --window-size).
shoot() {
    sh_name=$1; sh_url=$2; shift 2
    sh_profile=$(mktemp -d "$work/profile.XXXXXX")
    rm -f "$shots/$sh_name.png"
    timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --user-data-dir="$sh_profile" --hide-scrollbars --window-size=412,915 \
        "$@" --screenshot="$shots/$sh_name.png" "$sh_url" >/dev/null 2>&1
    rm -rf "$sh_profile"
    if [ -s "$shots/$sh_name.png" ] && [ "$(head -c 4 "$shots/$sh_name.png" | od -An -c | tr -d ' ')" = '211PNG' ]; then
        pass "screenshot $shots/$sh_name.png ($(wc -c <"$shots/$sh_name.png") bytes)"
    else
        fail "no screenshot for $sh_name"
    fi
}
# query NAME=VALUE…: the arguments as a URL query string (each value percent-encoded).
query() {
    qu_out=""
    for qu_pair in "$@"; do
        qu_value=$(printf '%s' "${qu_pair#*=}" | od -An -v -tx1 | tr -d ' \n' | sed 's/\(..\)/%\1/g')
        qu_out="$qu_out${qu_out:+&}${qu_pair%%=*}=$qu_value"
    done
    printf '%s' "$qu_out"
}

# ---------------------------------------------------------------- the world
make_world --province "Hà Nội" || { echo "FAIL: the world could not be set up:"; cat setup.log; exit 1; }
school="--key school/school.key --cert school/school.crt"
run 0 "register init" "$issue" init --register reg.db --cert school/school.crt --base-url "$base_url" --place "Hà Nội"
run 0 "sample roster" "$issue" sample-roster --rows 6 --seed 2031 --out roster.csv
run 0 "issue 6" "$issue" issue --register reg.db --roster roster.csv $school --issue-date 30/06/2026 --out k --qr none
rq() { sqlite3 -batch -noheader reg.db "$1"; }
serial1=$(rq "SELECT serial FROM credentials WHERE record_id = 1")
name1=$(rq "SELECT name FROM credentials WHERE record_id = 1")
serial2=$(rq "SELECT serial FROM credentials WHERE record_id = 2")
name2=$(rq "SELECT name FROM credentials WHERE record_id = 2")
serial3=$(rq "SELECT serial FROM credentials WHERE record_id = 3")
name3=$(rq "SELECT name FROM credentials WHERE record_id = 3")
# the name as someone types it from the diploma without accents, in capitals
plain1=$(printf '%s' "$name1" | sed 's/Đ/D/g; s/đ/d/g' | iconv -f utf-8 -t ascii//TRANSLIT 2>/dev/null | tr 'a-z' 'A-Z')
[ -n "$plain1" ] || plain1=$(printf '%s' "$name1" | tr 'a-z' 'A-Z')
case "$name1" in *[!\ -~]*) pass "the first graduate's name has accents ($name1)" ;;
*) fail "the seeded roster gave a name without accents: '$name1'" ;; esac
[ "$plain1" != "$name1" ] && pass "typed as $plain1" || fail "the typed name is the stored one"
run 0 "revoke record 3" "$issue" revoke "$serial3" --register reg.db --reason fraud --decision 99/QĐ-CĐN \
    --decision-date 01/09/2026
crafted='<img src=x onerror=alert(1)>'
run 0 "correct record 2 to a name crafted as HTML" "$issue" correct "$serial2" "name=$crafted" --register reg.db \
    --decision 15/QĐ --decision-date 17/09/2026 --reason civil-status $school --out fixes --qr none

run 0 "portal init" "$portal" init --db portal.db
VANBANG_PORTAL_PASSWORD='mật khẩu thử 2026'; export VANBANG_PORTAL_PASSWORD
run 0 "user-add" "$portal" user-add --db portal.db --user thanh.nv --province "Hà Nội"
unset VANBANG_PORTAL_PASSWORD

"$portal" serve --db portal.db --anchor authority/authority.crt --trust trust.cbor --listen 127.0.0.1 --port 0 \
    --check-interval 0 --rate 0 --login-rate 0 2>portal.log &
portal_pid=$!
url=""
for i in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' portal.log | head -n 1)
    if [ -n "$port" ] && curl -s -o /dev/null "http://127.0.0.1:$port/healthz"; then
        url="http://127.0.0.1:$port"
        break
    fi
    kill -0 "$portal_pid" 2>/dev/null || break
    sleep 0.1
done
[ -n "$url" ] || { echo "FAIL: the portal did not start:"; sed 's/^/    /' portal.log; exit 1; }
run 0 "vanbang-issue upload to the portal" "$issue" upload --register reg.db $school --portal "$url" \
    --give-up-after 0
curl -s -o health "$url/healthz"
contains health "events 8" "the portal holds the 8 events (6 issues, a revocation, a correction)"

# ---------------------------------------------------------------- the public pages
browse home "$url/"
contains home.html "Tra cứu văn bằng quốc gia" "the form: its title"
contains home.html 'action="/lookup"' "the form asks /lookup"
contains home.html 'name="serial"' "a serial field"
contains home.html 'name="name"' "a name field"
lacks home.html "<script" "no script"

browse lookup "$url/lookup?$(query "serial=$serial1" "name=$plain1")"
contains lookup.html "$name1" "typed without accents, the holder's name is shown with them"
contains lookup.html "CÒN HIỆU LỰC" "in force, in Vietnamese"
contains lookup.html 'class="state good"' "the green state"
contains lookup.html "Trường Cao đẳng Nghề Hà Nội" "the school is named"
lacks lookup.html "KHÔNG TÌM THẤY" "not 'not found'"

browse lookup-en "$url/lookup?$(query "serial=$serial1" "name=$plain1" lang=en)"
contains lookup-en.html "IN FORCE" "in force, in English with lang=en"
contains lookup-en.html "Full name" "English labels"
contains lookup-en.html "$name1" "the name, in English too"

browse revoked "$url/lookup?$(query "serial=$serial3" "name=$name3")"
contains revoked.html "ĐÃ BỊ THU HỒI" "the revoked diploma: revoked"
contains revoked.html 'class="state bad"' "the red state"
contains revoked.html "99/QĐ-CĐN" "with the decision number"
lacks revoked.html "CÒN HIỆU LỰC" "not in force"

# The correction's name is '<img src=x onerror=alert(1)>': the page must show those characters
# as text, so the DOM holds them escaped in a text node and no <img> element at all.
browse crafted "$url/lookup?$(query "serial=$serial2" "name=$name2")"
contains crafted.html "ĐÃ CHỈNH SỬA" "the corrected diploma: corrected"
contains crafted.html "&lt;img src=x onerror=alert(1)&gt;" "the crafted name is rendered as text"
lacks crafted.html "<img" "no <img> element in the rendered page"

browse crafted-query "$url/lookup?$(query "serial=$serial1" "name=<img src=x onerror=alert(2)>")"
contains crafted-query.html "KHÔNG TÌM THẤY" "a name typed as HTML: not found"
lacks crafted-query.html "<img" "and the name typed is no element"

browse login "$url/audit/login"
contains login.html "Kiểm tra — đăng nhập cán bộ" "the login page: its title"
contains login.html 'type="password"' "a password field"
contains login.html 'action="/audit/login"' "the form posts to /audit/login"

# ---------------------------------------------------------------- the audit report
code=$(curl -s -o /dev/null -D login.headers -w '%{http_code}' "$url/audit/login" \
    --data-urlencode "user=thanh.nv" --data-urlencode "password=mật khẩu thử 2026")
same "$code" 303 "curl logs in"
cookie=$(tr -d '\r' <login.headers | sed -n 's/^[Ss]et-[Cc]ookie: *\([^;]*\).*/\1/p' | head -n 1)
code=$(curl -s -o report.served -D report.headers -w '%{http_code}' -H "Cookie: $cookie" "$url/audit")
same "$code" 200 "the audit report is served to the logged-in user"
csp=$(tr -d '\r' <report.headers | sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy: *//p' | head -n 1)
case "$csp" in *"style-src 'sha256-"*) pass "the report comes with its CSP" ;; *) fail "the report's CSP: '$csp'" ;; esac
# frame-ancestors only works as a header (in a <meta> Chromium ignores it and says so)
meta_csp=$(printf '%s' "$csp" | sed "s/; *frame-ancestors 'none'//")
sed "s|<head>|<head><meta http-equiv=\"Content-Security-Policy\" content=\"$meta_csp\">|" report.served >report.html
[ "$(count_of report.html 'http-equiv="Content-Security-Policy"')" = 1 ] && pass "the saved copy carries the CSP" ||
    fail "the CSP could not be put into the saved report"
cp report.html "$shots/audit-report.served.html"
browse audit "file://$work/report.html"
contains audit.html "thanh.nv" "the report names who is logged in"
contains audit.html "Trường Cao đẳng Nghề Hà Nội" "the school's name"
contains audit.html "Lập lúc" "when the audit was made"
svgs=$(count_of audit.html "<svg")
[ "$svgs" -ge 3 ] && pass "the report renders $svgs SVG charts" || fail "the report renders $svgs SVG charts, expected 3"
contains audit.html 'width="400" height="16"' "the largest bar is drawn full length"
contains audit.html "<rect" "the charts have bars"
lacks audit.html "<img" "no <img> in the report either"
lacks audit.html "<script" "no script in the report"

# ---------------------------------------------------------------- pictures for people
shoot home "$url/"
shoot lookup "$url/lookup?$(query "serial=$serial1" "name=$plain1")"
shoot lookup-en "$url/lookup?$(query "serial=$serial1" "name=$plain1" lang=en)"
shoot revoked "$url/lookup?$(query "serial=$serial3" "name=$name3")"
shoot crafted "$url/lookup?$(query "serial=$serial2" "name=$name2")"
shoot login "$url/audit/login"
shoot audit "file://$work/report.html" --window-size=1280,2400

kill -TERM "$portal_pid"
code=0; wait "$portal_pid" || code=$?
portal_pid=""
same "$code" 0 "the portal stops cleanly"

finish "all portal browser checks passed; screenshots in $shots"
