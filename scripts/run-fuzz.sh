#!/bin/sh
# Runs each libFuzzer target for a bounded time over its seed corpus (tests/fuzz/corpus/NAME).
# New inputs go to a scratch copy, so the committed corpus only changes on purpose.
# Usage: run-fuzz.sh SECONDS TARGET...
set -u
seconds=$1; shift
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for target in "$@"; do
    name=$(basename "$target")
    seeds="$root/tests/fuzz/corpus/${name#fuzz_}"
    work=$(mktemp -d)
    [ -d "$seeds" ] && cp -R "$seeds/." "$work/"
    echo "fuzz: $name for ${seconds}s"
    if ! "$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
            -print_final_stats=1 -artifact_prefix="$root/build-fuzz/$name-" "$work" \
            >"$root/build-fuzz/$name.log" 2>&1; then
        echo "fuzz: $name FAILED; see build-fuzz/$name.log"; tail -n 30 "$root/build-fuzz/$name.log"
        status=1
    else
        grep -E 'stat::number_of_executed_units' "$root/build-fuzz/$name.log" | sed "s/^/fuzz: $name /"
    fi
    rm -rf "$work"
done
exit $status
