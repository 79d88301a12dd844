# tests/cli/verifier_world.sh — sourced (not run) by the HTTP verifier's tests and its benchmark:
# builds a small world in the current folder the way scripts/demo.sh does, and starts and stops
# `vanbang-verifier serve` on a free loopback port.
#
# The world: an authority; school "good" (CDNHN01) and school "gone" (TCDN05), both certified
# and on the trust list (trust.cbor); school "stranger" (TCDN02) certified but not listed. A
# roster of VW_ROWS graduates signed by "good" (good/manifest.csv, last column the link), and
# one record each by "gone" and "stranger" (gone.link, stranger.link).
# Needs VB_BIN and VB_BUILD; keys are throw-away, the passphrase is in the environment only.

VANBANG_PASSPHRASE='thử nghiệm HTTP: chỉ dùng cho khóa thử'
export VANBANG_PASSPHRASE
VW_BASE_URL="https://xacthuc.example.edu.vn/V/"

# vw_make_world ROWS: prints nothing on success; on failure says which step failed.
vw_make_world() {
    vw_rows=${1:-6}
    vw_keys="$VB_BIN/vanbang-keys"
    vw_issue="$VB_BIN/vanbang-issue"
    vw_step() { "$@" >vw-step.out 2>&1 || { echo "world: failed: $*"; cat vw-step.out; return 1; }; }
    vw_step "$vw_keys" authority-init --dir authority --name "Bộ Giáo dục và Đào tạo (thử nghiệm)" &&
    vw_step "$vw_keys" school-init --dir good --code CDNHN01 --name "Trường Cao đẳng Nghề Hà Nội" \
        --province "Hà Nội" &&
    vw_step "$vw_keys" certify --authority authority --csr good/school.csr --out good/school.crt &&
    vw_step "$vw_keys" school-init --dir gone --code TCDN05 --name "Trường Trung cấp Nghề Huế" &&
    vw_step "$vw_keys" certify --authority authority --csr gone/school.csr --out gone/school.crt &&
    vw_step "$vw_keys" school-init --dir stranger --code TCDN02 --name "Trường Trung cấp Đà Nẵng" &&
    vw_step "$vw_keys" certify --authority authority --csr stranger/school.csr --out stranger/school.crt &&
    vw_step "$vw_keys" trust-init --authority authority --list trust.cbor &&
    vw_step "$vw_keys" trust-add --authority authority --list trust.cbor --cert good/school.crt &&
    vw_step "$vw_keys" trust-add --authority authority --list trust.cbor --cert gone/school.crt &&
    vw_step "$vw_issue" sample-roster --rows "$vw_rows" --seed 2026 --out roster.csv &&
    vw_step "$vw_issue" sign --roster roster.csv --key good/school.key --cert good/school.crt \
        --base-url "$VW_BASE_URL" --place "Hà Nội" --issue-date 30/06/2026 --out good --qr none &&
    vw_step "$vw_issue" sign --roster roster.csv --key gone/school.key --cert gone/school.crt \
        --base-url "$VW_BASE_URL" --place "Huế" --issue-date 30/06/2026 --out gone --qr none &&
    vw_step "$vw_issue" sign --roster roster.csv --key stranger/school.key --cert stranger/school.crt \
        --base-url "$VW_BASE_URL" --place "Đà Nẵng" --issue-date 30/06/2026 --out stranger --qr none ||
        return 1
    sed -n 2p gone/manifest.csv | awk -F, '{print $NF}' >gone.link
    sed -n 2p stranger/manifest.csv | awk -F, '{print $NF}' >stranger.link
    rm -f vw-step.out
}

# vw_link N: the link of the Nth graduate signed by "good" (1-based).
vw_link() { sed -n "$(($1 + 1))p" good/manifest.csv | awk -F, '{print $NF}'; }

# vw_start NAME [ARGS…]: starts the service on 127.0.0.1, a free port, with the world's anchor
# and trust list unless ARGS give others; standard error goes to NAME.log. Writes NAME.pid and
# NAME.port and waits until /healthz answers. Returns 1 if it did not come up.
vw_start() {
    vw_name=$1; shift
    "$VB_BIN/vanbang-verifier" serve --listen 127.0.0.1 --port 0 "$@" 2>"$vw_name.log" &
    echo $! >"$vw_name.pid"
    vw_tries=0
    while [ $vw_tries -lt 100 ]; do
        vw_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$vw_name.log" | head -n 1)
        if [ -n "$vw_port" ] && curl -s -o /dev/null "http://127.0.0.1:$vw_port/healthz"; then
            echo "$vw_port" >"$vw_name.port"
            return 0
        fi
        kill -0 "$(cat "$vw_name.pid")" 2>/dev/null || break
        sleep 0.1
        vw_tries=$((vw_tries + 1))
    done
    echo "world: the service '$vw_name' did not start:"; sed 's/^/    /' "$vw_name.log"
    return 1
}

# vw_stop NAME: SIGTERM, then waits; returns the service's exit status (0 when it stopped cleanly;
# under AddressSanitizer a leak turns it non-zero).
vw_stop() {
    [ -f "$1.pid" ] || return 0
    vw_pid=$(cat "$1.pid")
    rm -f "$1.pid"
    kill -TERM "$vw_pid" 2>/dev/null
    wait "$vw_pid"
}

# vw_stop_all: for the EXIT trap.
vw_stop_all() {
    for vw_pidfile in *.pid; do
        [ -f "$vw_pidfile" ] && kill -TERM "$(cat "$vw_pidfile")" 2>/dev/null
    done
    rm -f ./*.pid
}
