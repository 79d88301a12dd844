#!/bin/sh
# test_faultproxy.sh — tests/tools/faultproxy, the proxy the uploader's tests put in front of the
# portal to break it on purpose: each fault of a plan in order (500; 429 with Retry-After: 1;
# a dropped connection; a pass; a hang that outlasts the client's --max-time; 503-after and
# drop-after, which reach the upstream and lose its answer), GET passing untouched without
# "all:", keep-alive kept after an injected answer, the log, "random:P" giving the same faults
# for the same seed, a 12 MiB body relayed byte for byte, an answer ended by the close given a
# Content-Length, refusals (411 chunked, 413, 431, 400) that do not stop it, 502 for an upstream
# that is down, usage errors, and SIGTERM ending it cleanly while a connection hangs.
# The upstream is `vanbang-verifier serve` (tests/cli/verifier_world.sh), and for large bodies a
# small perl echo server.
# Needs env VB_BIN, VB_BUILD (set by scripts/run-tests.sh), curl and perl (perl-base).
set -u
proxy_tool="$VB_BUILD/tools/faultproxy"
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$verifier" "$keys" "$proxy_tool"
need_command curl curl
need_command perl perl-base
. "$VB_ROOT/tests/cli/verifier_world.sh"

work=$(mktemp -d)
trap 'cd /; vw_stop_all_in "$work"; rm -rf "$work"' EXIT INT TERM
vw_stop_all_in() { (cd "$1" 2>/dev/null && vw_stop_all); }
cd "$work" || exit 1

# proxy_start NAME UPSTREAM_PORT ARGS…: faultproxy on a free port in front of UPSTREAM_PORT;
# NAME.port, NAME.pid, and its standard error in NAME.err. Returns 1 if it did not come up.
proxy_start() {
    ps_name=$1; ps_upstream=$2; shift 2
    "$proxy_tool" --listen 0 --upstream "$ps_upstream" "$@" 2>"$ps_name.err" &
    echo $! >"$ps_name.pid"
    ps_tries=0
    while [ $ps_tries -lt 50 ]; do
        ps_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$ps_name.err")
        if [ -n "$ps_port" ]; then echo "$ps_port" >"$ps_name.port"; return 0; fi
        kill -0 "$(cat "$ps_name.pid")" 2>/dev/null || break
        sleep 0.1
        ps_tries=$((ps_tries + 1))
    done
    echo "faultproxy '$ps_name' did not start:"; sed 's/^/    /' "$ps_name.err"
    return 1
}
# ask NAME EXPECTED_CODE URL [CURL ARGS…]: curl's exit status must be 0 and the HTTP status
# EXPECTED_CODE; the body in body, the headers in headers, curl's messages in curl.err.
ask() {
    a_name=$1; a_expected=$2; a_url=$3; shift 3
    a_exit=0
    a_code=$(curl -sS -o body -D headers -w '%{http_code}' "$@" "$a_url" 2>curl.err) || a_exit=$?
    if [ "$a_exit" -eq 0 ] && [ "$a_code" = "$a_expected" ]; then pass "$a_name ($a_code)"; else
        fail "$a_name: curl exit $a_exit, HTTP $a_code, expected $a_expected"; sed 's/^/    /' curl.err; fi
}
# ask_fails NAME CURL_EXIT TEXT URL [CURL ARGS…]: curl must fail with CURL_EXIT, saying TEXT.
ask_fails() {
    af_name=$1; af_expected=$2; af_text=$3; af_url=$4; shift 4
    af_exit=0
    curl -sS -o body "$@" "$af_url" 2>curl.err || af_exit=$?
    if [ "$af_exit" -eq "$af_expected" ]; then pass "$af_name (curl exit $af_exit)"; else
        fail "$af_name: curl exit $af_exit, expected $af_expected"; sed 's/^/    /' curl.err; fi
    contains curl.err "$af_text" "$af_name: curl says '$af_text'"
}
header_is() {  # NAME HEADER VALUE: the last answer's HEADER is VALUE
    hi_value=$(tr -d '\r' <headers | grep -i "^$2:" | head -n 1 | sed 's/^[^:]*: *//')
    if [ "$hi_value" = "$3" ]; then pass "$1"; else fail "$1: $2 is '$hi_value', expected '$3'"; fi
}
# log_line_is NAME FILE N TEXT: line N of FILE is TEXT
log_line_is() {
    ll_line=$(sed -n "${3}p" "$2")
    if [ "$ll_line" = "$4" ]; then pass "$1"; else fail "$1: line $3 of $2 is '$ll_line', expected '$4'"; fi
}

# ---------------------------------------------------------------- usage
code=0; "$proxy_tool" --listen 0 >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "no --upstream: exit 2" || fail "no --upstream: exit $code"
contains err "usage: faultproxy" "the usage is printed"
code=0; "$proxy_tool" --listen 0 --upstream 1 --plan "all:500,frobnicate" >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "an unknown fault: exit 2" || fail "unknown fault: exit $code"
contains err "'frobnicate' is not a fault" "the plan error names the fault"
code=0; "$proxy_tool" --listen 0 --upstream 1 --plan "random:1.5" >out 2>err || code=$?
[ "$code" -eq 2 ] && pass "random:1.5: exit 2" || fail "random:1.5: exit $code"

# ---------------------------------------------------------------- the upstream
make_world || { echo "FAIL: could not build the test world"; cat setup.log; exit 1; }
vw_start upstream --anchor authority/authority.crt --trust trust.cbor --rate 0 --check-interval 0 ||
    { echo "FAIL: the upstream did not start"; exit 1; }
upstream=$(cat upstream.port)
ask "the upstream answers /healthz" 200 "http://127.0.0.1:$upstream/healthz"

# ---------------------------------------------------------------- a plan, every method
proxy_start every "$upstream" --plan "all:500,429,drop,pass,hang,503-after,drop-after" --hang 30 \
    --log every.log || exit 1
url="http://127.0.0.1:$(cat every.port)"
ask "1st request: 500" 500 "$url/healthz"
contains body "faultproxy" "the 500 says who made it"
ask "2nd request: 429" 429 "$url/healthz"
header_is "the 429 has Retry-After: 1" Retry-After 1
ask_fails "3rd request: dropped" 52 "Empty reply from server" "$url/healthz"
ask "4th request: passed to the upstream" 200 "$url/healthz"
contains body "trust-list-sequence" "the upstream's own answer is relayed"
header_is "the upstream's headers are relayed" X-Frame-Options DENY
started=$(date +%s)
ask_fails "5th request: hangs past --max-time 2" 28 "timed out" "$url/healthz" --max-time 2
[ $(( $(date +%s) - started )) -ge 2 ] && pass "the hang lasted the client's 2 seconds" ||
    fail "the hang ended early"
ask "6th request: 503-after" 503 "$url/api/v1/verify" -H 'Content-Type: text/plain' --data hello
ask_fails "7th request: drop-after" 52 "Empty reply from server" "$url/api/v1/verify" \
    -H 'Content-Type: text/plain' --data hello
ask "after the plan: passes" 200 "$url/api/v1/verify" -H 'Content-Type: text/plain' --data hello
contains body '"verdict":"unreadable"' "the upstream's verdict is relayed"
log_line_is "log: the 500" every.log 1 "GET /healthz 500 -"
log_line_is "log: the 429" every.log 2 "GET /healthz 429 -"
log_line_is "log: the drop" every.log 3 "GET /healthz drop -"
log_line_is "log: the pass, with the upstream's status" every.log 4 "GET /healthz pass 200"
log_line_is "log: the hang" every.log 5 "GET /healthz hang -"
log_line_is "log: 503-after reached the upstream" every.log 6 "POST /api/v1/verify 503-after 200"
log_line_is "log: drop-after reached the upstream" every.log 7 "POST /api/v1/verify drop-after 200"
log_line_is "log: then passes" every.log 8 "POST /api/v1/verify pass 200"

# ---------------------------------------------------------------- only POST and PUT by default
proxy_start writes "$upstream" --plan "500,429" --log writes.log || exit 1
url="http://127.0.0.1:$(cat writes.port)"
ask "GET is not faulted without all:" 200 "$url/healthz"
ask "the first POST takes the first fault" 500 "$url/api/v1/verify" -H 'Content-Type: text/plain' --data hello
ask "GET between them still passes" 200 "$url/healthz"
ask "PUT takes the second fault" 429 "$url/api/v1/verify" -X PUT -H 'Content-Type: text/plain' --data hello
ask "then POST passes" 200 "$url/api/v1/verify" -H 'Content-Type: text/plain' --data hello
log_line_is "log: GET passes" writes.log 1 "GET /healthz pass 200"
log_line_is "log: PUT faulted" writes.log 4 "PUT /api/v1/verify 429 -"

# ---------------------------------------------------------------- keep-alive
proxy_start alive "$upstream" --plan "all:500,pass,429" || exit 1
url="http://127.0.0.1:$(cat alive.port)"
code=0
curl -sv -o /dev/null -o /dev/null -o /dev/null -w '%{http_code}\n' "$url/healthz" "$url/healthz" "$url/healthz" \
    >codes 2>curl.err || code=$?
[ "$code" -eq 0 ] && [ "$(tr '\n' ' ' <codes)" = "500 200 429 " ] &&
    pass "three requests on one connection: 500, 200, 429" || fail "keep-alive: curl exit $code, codes $(cat codes)"
[ "$(grep -c 'Re-using existing connection' curl.err)" -eq 2 ] && pass "curl kept the one connection" ||
    fail "the connection was not kept: $(grep -i 'connect' curl.err | head -n 5)"

# ---------------------------------------------------------------- random, seeded
proxy_start random1 "$upstream" --plan "random:0.5" --seed 7 --hang 0 --log random1.log || exit 1
proxy_start random2 "$upstream" --plan "random:0.5" --seed 7 --hang 0 --log random2.log || exit 1
for proxy in random1 random2; do
    i=0
    while [ $i -lt 24 ]; do
        curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(cat $proxy.port)/api/v1/verify" \
            -H 'Content-Type: text/plain' --data hello
        i=$((i + 1))
    done
done
[ "$(wc -l <random1.log)" -eq 24 ] && pass "random: one log line per request" ||
    fail "random: $(wc -l <random1.log) log lines for 24 requests"
cut -d' ' -f3 random1.log >faults1; cut -d' ' -f3 random2.log >faults2
cmp -s faults1 faults2 && pass "random: one seed, one sequence of faults" || fail "random: two seeds' faults differ"
[ "$(grep -vc '^pass$' faults1)" -gt 0 ] && [ "$(grep -c '^pass$' faults1)" -gt 0 ] &&
    pass "random:0.5: some faults, some passes ($(grep -vc '^pass$' faults1) of 24 faulty)" ||
    fail "random:0.5 gave $(sort faults1 | uniq -c | tr '\n' ' ')"
proxy_start random3 "$upstream" --plan "random:0.5" --seed 8 --hang 0 --log random3.log || exit 1
i=0
while [ $i -lt 24 ]; do
    curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$(cat random3.port)/api/v1/verify" \
        -H 'Content-Type: text/plain' --data hello
    i=$((i + 1))
done
cut -d' ' -f3 random3.log >faults3
cmp -s faults1 faults3 && fail "random: another seed gave the same faults" || pass "random: another seed, other faults"

# ---------------------------------------------------------------- large bodies, an answer ended by the close
# A small echo server: answers each request with its body; GET /close without Content-Length.
perl -MIO::Socket::INET -e '
    my $l = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 16, ReuseAddr => 1)
        or die "listen: $!\n";
    open my $f, ">", "echo.port.tmp" or die; print $f $l->sockport, "\n"; close $f; rename "echo.port.tmp", "echo.port";
    while (my $c = $l->accept) {
        binmode $c;
        my $head = "";
        while (my $line = <$c>) { $head .= $line; last if $line =~ /^\r?\n$/; }
        my ($n) = $head =~ /^Content-Length:\s*(\d+)/mi; $n ||= 0;
        my $body = "";
        while (length($body) < $n) { read($c, $body, $n - length($body), length($body)) or last; }
        if ($head =~ m{^GET /close }) {
            print $c "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nended by the close\n";
        } else {
            print $c "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: $n\r\n\r\n", $body;
        }
        close $c;
    }' 2>echo.err &
echo $! >echo.pid
i=0; while [ ! -f echo.port ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
proxy_start big "$(cat echo.port)" --log big.log || exit 1
url="http://127.0.0.1:$(cat big.port)"
head -c $((12 * 1024 * 1024)) /dev/urandom >batch.bin
ask "a 12 MiB POST passes" 200 "$url/upload" --data-binary @batch.bin -H 'Content-Type: application/cbor'
cmp -s body batch.bin && pass "the 12 MiB came back byte for byte" || fail "the 12 MiB body differs ($(wc -c <body) bytes)"
code=0
curl -s -o first -o second -w '%{http_code}\n' "$url/close" "$url/close" >codes 2>curl.err || code=$?
[ "$code" -eq 0 ] && [ "$(tr '\n' ' ' <codes)" = "200 200 " ] && pass "an answer ended by the close, twice" ||
    fail "answers ended by the close: curl exit $code, codes $(cat codes)"
contains second "ended by the close" "the second one arrived whole on the kept connection"
ask "the relayed answer has a Content-Length" 200 "$url/close"
header_is "its Content-Length is the body's" Content-Length 19

# ---------------------------------------------------------------- what it refuses, and survives
url="http://127.0.0.1:$(cat every.port)"
ask "a chunked body: 411" 411 "$url/api/v1/verify" -H 'Transfer-Encoding: chunked' --data hello
ask "a body over 64 MiB: 413" 413 "$url/api/v1/verify" -H 'Content-Length: 67108865' --data x
big_header=$(head -c 70000 /dev/zero | tr '\0' a)
ask "a head over 64 KiB: 431" 431 "$url/healthz" -H "X-Big: $big_header"
answer=$(perl -MIO::Socket::INET -e '
    my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0]) or die "connect: $!\n";
    print $s "NOT A REQUEST\r\n\r\n"; my $line = <$s>; print $line // "nothing";' "$(cat every.port)" 2>&1)
case "$answer" in "HTTP/1.1 400"*) pass "garbage: 400" ;; *) fail "garbage: '$answer'" ;; esac
ask "it still serves after all that" 200 "$url/healthz"
contains every.log "POST /api/v1/verify refused-411 -" "the log names the refusal"
vw_stop upstream
ask "the upstream down: 502" 502 "$url/healthz"
contains every.log "GET /healthz pass connect-failed" "the log says the upstream was unreachable"

# ---------------------------------------------------------------- SIGTERM while a connection hangs
proxy_start hanging 1 --plan "all:hang" --hang 60 --log hanging.log || exit 1
curl -s -o /dev/null --max-time 30 "http://127.0.0.1:$(cat hanging.port)/healthz" 2>/dev/null &
client=$!
i=0; while ! grep -q hang hanging.log 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
started=$(date +%s)
pid=$(cat hanging.pid); rm -f hanging.pid
kill -TERM "$pid"
code=0; wait "$pid" || code=$?
[ "$code" -eq 0 ] && pass "SIGTERM during a hang: exit 0" || fail "SIGTERM during a hang: exit $code"
[ $(( $(date +%s) - started )) -le 3 ] && pass "it stopped at once" || fail "it took $(( $(date +%s) - started )) s to stop"
contains hanging.err "stopped on SIGTERM" "it says why it stopped"
code=0; wait "$client" || code=$?
[ "$code" -eq 52 ] && pass "the hanging client got an empty reply" || fail "the hanging client: curl exit $code"
for proxy in every writes alive random1 random2 random3 big; do
    pid=$(cat $proxy.pid); rm -f $proxy.pid
    kill -TERM "$pid"; code=0; wait "$pid" || code=$?
    [ "$code" -eq 0 ] || fail "faultproxy $proxy: exit $code on SIGTERM"
done
pass "every proxy stopped on SIGTERM"

finish "all faultproxy checks passed"
