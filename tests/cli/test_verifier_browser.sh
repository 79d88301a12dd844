#!/bin/sh
# test_verifier_browser.sh — the verdict page in a real browser: headless Chromium (Debian's
# chromium) opens the page `vanbang-verifier serve` gives for a genuine record, for a record of
# a school whose key was removed from the trust list, for a tampered record and for unreadable
# digits, and the test reads the rendered text (--dump-dom). The
# console must report no Content-Security-Policy violation (the inline style is allowed by its
# hash). Phone-sized screenshots (412×915) are kept in $VB_BUILD/screenshots/ for people to look
# at. Without chromium: as root the test installs it (scripts/setup-deps.sh); otherwise it
# says SKIP and why.
# Needs env VB_BIN, VB_BUILD, VB_ROOT (set by scripts/run-tests.sh) and curl.
set -u
verifier="$VB_BIN/vanbang-verifier"
[ -x "$verifier" ] || { echo "FAIL: $verifier is missing; run make first"; exit 1; }
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
        sh "$VB_ROOT/scripts/setup-deps.sh" || { echo "FAIL: could not install chromium"; exit 1; }
    else
        echo "SKIP: chromium is not installed and this is not root; run: apt-get install -y chromium"
        exit 0
    fi
fi
command -v chromium >/dev/null 2>&1 || { echo "FAIL: chromium is still missing after setup-deps"; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/verifier_world.sh"

work=$(mktemp -d)
trap 'cd /; (cd "$work" && vw_stop_all); rm -rf "$work"' EXIT INT TERM
cd "$work" || exit 1
shots="$VB_BUILD/screenshots"
mkdir -p "$shots"

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { echo "ok: $*"; }
contains() {
    if grep -qF -- "$2" "$1"; then pass "$3"; else fail "$3: \"$2\" not in the rendered page"; fi
}
lacks() {
    if grep -qF -- "$2" "$1"; then fail "$3: \"$2\" is in the rendered page"; else pass "$3"; fi
}

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
    [ -s "$br_out.html" ] || { fail "$br_out: chromium rendered nothing"; tail -5 "$br_out.log"; return 1; }
    if grep -q "Content Security Policy" "$br_out.log"; then
        fail "$br_out: the page broke its own CSP:"; grep "Content Security Policy" "$br_out.log" | head -3
    else
        pass "$br_out: no CSP violation in the console"
    fi
}
# shoot NAME URL [FLAGS…]: a phone-sized screenshot into $shots/NAME.png.
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

vw_make_world 3 || { echo "FAIL: could not build the test world"; exit 1; }
# School "gone" withdrawn before the service starts: its record is the revoked-signer case.
"$VB_BIN/vanbang-keys" trust-remove --authority authority --list trust.cbor --cert gone/school.crt \
    >/dev/null 2>&1 || fail "trust-remove failed"
vw_start browser --anchor authority/authority.crt --trust trust.cbor --rate 0 ||
    { echo "FAIL: the service did not start"; exit 1; }
url="http://127.0.0.1:$(cat browser.port)"
link=$(vw_link 1); digits=${link##*/}
name=$(sed -n 2p good/manifest.csv | cut -d, -f4)
gone=$(cat gone.link); gone=${gone##*/}
tampered=$(printf '%s' "$digits" | awk '{ n = length($0); for (i = n - 30; i > 0; i--) { c = substr($0, i, 1);
    if (c != "0") { printf "%s%d%s", substr($0, 1, i - 1), c - 1, substr($0, i + 1); exit } } }')

browse valid "$url/V/$digits"
contains valid.html "HỢP LỆ" "genuine: the verdict"
contains valid.html "$name" "genuine: the graduate's name"
contains valid.html "Trường Cao đẳng Nghề Hà Nội" "genuine: the school"
contains valid.html 'class="verdict good"' "genuine: the green banner"
# JavaScript: the page has none, and its CSP (default-src 'none', no script-src) forbids any,
# so what Chromium renders here is what a browser with JavaScript off renders. (Headless
# Chromium's --dump-dom and --screenshot themselves stop working with script disabled.)
browse valid-en "$url/V/$digits?lang=en"
contains valid-en.html "GENUINE" "genuine in English"
contains valid-en.html "Full name" "English labels"

browse removed "$url/V/$gone"
contains removed.html "KHÔNG HỢP LỆ" "removed signer: the verdict"
contains removed.html "khóa ký đã bị thu hồi" "removed signer: why"
contains removed.html 'class="verdict bad"' "removed signer: the red banner"
contains removed.html "KHÔNG được xác thực" "removed signer: fields marked not verified"

browse tampered "$url/V/$tampered"
contains tampered.html "GIẢ MẠO HOẶC BỊ SỬA" "tampered: the verdict"
contains tampered.html 'class="verdict bad"' "tampered: the red banner"
lacks tampered.html 'class="verdict good"' "tampered: no green banner"

browse unreadable "$url/V/123"
contains unreadable.html "KHÔNG ĐỌC ĐƯỢC" "unreadable: the verdict"
contains unreadable.html 'class="verdict grey"' "unreadable: the grey banner"

shoot valid "$url/V/$digits"
shoot valid-en "$url/V/$digits?lang=en"
shoot removed "$url/V/$gone"
shoot tampered "$url/V/$tampered"
shoot unreadable "$url/V/123"

code=0; vw_stop browser || code=$?
[ "$code" -eq 0 ] && pass "the service stops cleanly" || fail "the service exited $code"
echo
[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all browser checks passed; screenshots in $shots"
