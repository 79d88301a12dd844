#!/bin/sh
# Runs every test: the cmocka unit tests (BUILD/tests/test_*) and the CLI/HTTP tests
# (tests/cli/test_*.sh, which drive the real programs in BUILD/bin). Prints one line per test
# program and closes with "N passed, N failed".
# Usage: run-tests.sh BUILD [PATTERN]
# It runs the unit-test binaries as they were last built: `make test` builds them first; to run
# one alone after a change, `make BUILD/tests/test_NAME` before it.
set -u
BUILD=${1:-build}
PATTERN=${2:-}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export VB_ROOT="$ROOT" VB_BUILD="$ROOT/$BUILD" VB_BIN="$ROOT/$BUILD/bin"
# Under SAN=1: fontconfig keeps ~300 bytes of configuration for the life of the process; that
# one library-internal allocation is suppressed (tests/lsan.supp), nothing of ours.
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
LOGDIR="$ROOT/$BUILD/test-logs"
mkdir -p "$LOGDIR"
passed=0
failed=0
failures=""

run_one() {  # name, command...
    name=$1; shift
    case "$name" in *"$PATTERN"*) ;; *) return ;; esac
    log="$LOGDIR/$name.log"
    start=$(date +%s)
    if "$@" >"$log" 2>&1; then
        passed=$((passed + 1)); echo "PASS $name ($(( $(date +%s) - start ))s)"
    else
        failed=$((failed + 1)); failures="$failures $name"
        echo "FAIL $name — last lines of $log:"; tail -n 25 "$log" | sed 's/^/    /'
    fi
}

for t in "$ROOT/$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run_one "$(basename "$t")" "$t"
done
for t in "$ROOT"/tests/cli/test_*.sh; do
    [ -f "$t" ] || continue
    run_one "$(basename "$t" .sh)" sh "$t"
done

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || { echo "failed:$failures"; exit 1; }
