#!/bin/sh
# test_issue_crash.sh — kill -9 `vanbang-issue issue` at random moments, many times, and check
# that the register and the output folders stay true:
#   - the register holds each batch whole or not at all (every batch row has exactly its
#     record_count credentials and issue events), PRAGMA integrity_check and foreign_key_check
#     pass;
#   - register numbers run 1..N without a gap, record ids and event numbers too;
#   - every QR file and manifest.csv under its real name belongs to a committed record (its
#     serial is in the register, a manifest lists exactly its committed batch), and none exists
#     for a batch that did not commit;
#   - a later `issue` into a folder a killed run left settles it: pending files of a committed
#     batch take their names, those of an uncommitted one are deleted.
# RUNS (default 30) runs of ROWS (default 300) graduates each, killed after a random delay drawn
# from a seeded generator over 0 .. 1.1 × the time one whole run takes here; and two kills at
# exact points (just before and just after COMMIT) through vanbang-issue's fault injection.
# Needs env VB_BIN (set by scripts/run-tests.sh) and the sqlite3 command.
set -u
RUNS=${CRASH_RUNS:-30}
ROWS=${CRASH_ROWS:-300}
SEED=${CRASH_SEED:-2026}
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue"
need_command sqlite3 sqlite3
enter_work_dir
q() { sqlite3 -batch -noheader register.db "$1"; }
same() { if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: '$1', expected '$2'"; fi; }

VANBANG_PASSPHRASE='crash test only'
export VANBANG_PASSPHRASE
"$keys" authority-init --dir ca --name "Crash Test Authority" >/dev/null 2>&1 &&
    "$keys" school-init --dir school --code CRASH01 --name "Trường Thử" >/dev/null 2>&1 &&
    "$keys" certify --authority ca --csr school/school.csr --out school/school.crt >/dev/null 2>&1 &&
    "$issue" init --register register.db --cert school/school.crt --base-url https://xacthuc.example.edu.vn/V/ \
        --place "Hà Nội" >/dev/null 2>&1 || { echo "FAIL: cannot set up the school"; exit 1; }

issue_run() {  # issue_run N: issues roster N into folder out-N, in the background; pid in $!
    "$issue" issue --register register.db --roster "roster-$1.csv" --key school/school.key --cert school/school.crt \
        --issue-date 30/06/2026 --out "out-$1" >"log-$1" 2>&1 </dev/null &
}

# Two whole runs, to learn how long one takes here (the faster, in milliseconds).
whole_ms=0
for n in 0 00; do
    "$issue" sample-roster --rows "$ROWS" --seed "$SEED$n" --out "roster-$n.csv" >/dev/null 2>&1
    start=$(date +%s%N)
    issue_run "$n"
    wait $! && pass "an uninterrupted run of $ROWS graduates" || { fail "the uninterrupted run failed"; cat "log-$n"; }
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    [ "$whole_ms" -eq 0 ] || [ "$ms" -lt "$whole_ms" ] && whole_ms=$ms
done
echo "one run takes ${whole_ms} ms; killing within 0..$((whole_ms * 11 / 10)) ms"

killed=0
committed_while_killed=0
i=1
while [ "$i" -le "$RUNS" ]; do
    "$issue" sample-roster --rows "$ROWS" --seed $((SEED + i)) --out "roster-$i.csv" >/dev/null 2>&1
    delay=$(awk -v seed=$((SEED * 1000 + i)) -v max="$whole_ms" 'BEGIN { srand(seed); printf "%.3f", rand() * max * 1.1 / 1000 }')
    before=$(q 'SELECT count(*) FROM batches')
    issue_run "$i"
    pid=$!
    sleep "$delay"
    if kill -9 "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
    wait "$pid" 2>/dev/null
    after=$(q 'SELECT count(*) FROM batches')
    [ "$after" -gt "$before" ] && committed_while_killed=$((committed_while_killed + 1))
    i=$((i + 1))
done
echo "$killed of $RUNS runs killed; $(q 'SELECT count(*) FROM batches') batches committed in all"
[ "$killed" -ge $((RUNS / 3)) ] && pass "$killed runs were killed mid-way" ||
    fail "only $killed runs were killed: the delays are too long to test anything"

check_register() {  # check_register WHEN
    same "$(q 'PRAGMA integrity_check')" ok "$1: integrity_check"
    same "$(q 'PRAGMA foreign_key_check')" "" "$1: foreign keys hold"
    same "$(q 'SELECT count(*) FROM batches b WHERE b.record_count != (SELECT count(*) FROM credentials c WHERE c.batch_id = b.batch_id) OR b.record_count != (SELECT count(*) FROM events e WHERE e.batch_id = b.batch_id AND e.kind = 1)')" 0 \
        "$1: every batch is whole"
    same "$(q 'SELECT count(*) FROM credentials') $(q 'SELECT coalesce(sum(record_count), 0) FROM batches')" \
        "$(q 'SELECT coalesce(sum(record_count), 0) FROM batches') $(q 'SELECT count(*) FROM credentials')" \
        "$1: no credential outside a batch"
    same "$(q 'SELECT coalesce(max(register_number), 0) = count(*) AND count(DISTINCT register_number) = count(*) FROM credentials')" 1 \
        "$1: register numbers run 1..N without a gap"
    same "$(q 'SELECT coalesce(max(record_id), 0) = count(*) FROM credentials')" 1 "$1: record ids run 1..N"
    same "$(q 'SELECT coalesce(max(sequence), 0) = count(*) FROM events')" 1 "$1: event numbers run 1..N"
    same "$(q 'SELECT count(*) FROM checkpoints') " "$(q 'SELECT count(*) FROM batches') " "$1: one checkpoint per batch"
}

check_files() {  # check_files WHEN: files under real names belong to committed records
    q 'SELECT serial FROM credentials' | sort >committed-serials
    orphans=0
    manifests_bad=0
    for dir in out-*; do
        [ -d "$dir" ] || continue
        for file in "$dir"/*.png "$dir"/*.svg; do
            [ -e "$file" ] || continue
            stem=$(basename "$file"); stem=${stem%.*}
            grep -qxF "$stem" committed-serials || { orphans=$((orphans + 1)); echo "    not in the register: $file"; }
        done
        if [ -f "$dir/manifest.csv" ]; then
            tail -n +2 "$dir/manifest.csv" | cut -d, -f3 | sort >manifest-serials
            if [ "$(wc -l <manifest-serials)" -ne "$ROWS" ] || [ -n "$(comm -23 manifest-serials committed-serials)" ]; then
                manifests_bad=$((manifests_bad + 1)); echo "    manifest not of a committed batch: $dir"
            fi
        fi
    done
    same "$orphans" 0 "$1: no QR file for a record the register does not hold"
    same "$manifests_bad" 0 "$1: every manifest lists a committed batch, whole"
}

# Two kills at exact points (fault injection in vanbang-issue): just before COMMIT, and just
# after it, before any file is renamed.
for point in before-commit after-commit; do
    "$issue" sample-roster --rows 20 --seed $((SEED + 9000 + ${#point})) --out "roster-$point.csv" >/dev/null 2>&1
    before=$(q 'SELECT count(*) FROM credentials')
    VANBANG_TEST_KILL_AT=$point "$issue" issue --register register.db --roster "roster-$point.csv" \
        --key school/school.key --cert school/school.crt --issue-date 30/06/2026 --out "out-$point" \
        >"log-$point" 2>&1 </dev/null
    status=$?
    same "$status" 137 "killed at $point (status 128 + SIGKILL)"
    after=$(q 'SELECT count(*) FROM credentials')
    real_files=$(ls "out-$point" 2>/dev/null | wc -l)
    pending_files=$(ls -A "out-$point" 2>/dev/null | grep -c '^\.pending-')
    if [ "$point" = before-commit ]; then
        same "$after" "$before" "killed before COMMIT: nothing in the register"
    else
        same "$after" $((before + 20)) "killed after COMMIT: the whole batch is in the register"
    fi
    same "$real_files" 0 "killed at $point: no file under a real name yet"
    same "$pending_files" 41 "killed at $point: 40 pictures and the manifest wait under pending names"
done

check_register "after the kills"
check_files "after the kills"
"$issue" sample-roster --rows 3 --seed $((SEED + 7777)) --out small-settle.csv >/dev/null 2>&1
pending=$(ls -A out-* 2>/dev/null | grep -c '^\.pending-')
echo "pending files left by killed runs: $pending"

# Settling the two: the uncommitted batch's files go, the committed one's take their names.
for point in before-commit after-commit; do
    "$issue" issue --register register.db --roster small-settle.csv --key school/school.key --cert school/school.crt \
        --issue-date 30/06/2026 --out "out-$point" >"settle-$point" 2>&1 </dev/null
    echo "    settling out-$point: status $?"
done
same "$(ls -A out-before-commit | grep -c '^\.pending-') $(ls out-before-commit/*.png | wc -l)" "0 3" \
    "before-commit folder: pending files deleted, the new batch of 3 issued there"
same "$(ls -A out-after-commit | grep -c '^\.pending-') $(ls out-after-commit/*.png | wc -l) $(($(wc -l <out-after-commit/manifest.csv) - 1))" \
    "0 20 20" "after-commit folder: the committed batch's 20 pictures and manifest took their names"

# A later run into each folder settles what the killed run left there, then issues (or, when
# the killed batch had committed, names its files and refuses a second batch in that folder).
i=1
settled_ok=0
while [ "$i" -le "$RUNS" ]; do
    "$issue" sample-roster --rows 3 --seed $((SEED + 5000 + i)) --out "small-$i.csv" >/dev/null 2>&1
    "$issue" issue --register register.db --roster "small-$i.csv" --key school/school.key --cert school/school.crt \
        --issue-date 30/06/2026 --out "out-$i" >"settle-$i" 2>&1 </dev/null
    status=$?
    case $status in
    0 | 2) settled_ok=$((settled_ok + 1)) ;;
    *) echo "    run into out-$i: status $status"; sed 's/^/      /' "settle-$i" | head -5 ;;
    esac
    i=$((i + 1))
done
same "$settled_ok" "$RUNS" "a later issue into every folder settles it (issued, or named a committed batch's files)"
same "$(ls -A out-* 2>/dev/null | grep -c '^\.pending-')" 0 "no pending file is left after settling"
for dir in out-*; do
    if [ -f "$dir/manifest.csv" ]; then
        n=$(ls "$dir"/*.png 2>/dev/null | wc -l)
        m=$(($(wc -l <"$dir/manifest.csv") - 1))
        [ "$n" -eq "$m" ] || fail "$dir: $n PNG files for $m manifest lines"
    fi
done
pass "each settled folder has one PNG per manifest line"
ROWS_SAVED=$ROWS
check_register "after settling"
# Settled folders hold batches of 3 or of ROWS rows; check serials only.
q 'SELECT serial FROM credentials' | sort >committed-serials
orphans=0
for file in out-*/*.png out-*/*.svg; do
    [ -e "$file" ] || continue
    stem=$(basename "$file"); stem=${stem%.*}
    grep -qxF "$stem" committed-serials || orphans=$((orphans + 1))
done
same "$orphans" 0 "after settling: every QR file belongs to a committed record"
ROWS=$ROWS_SAVED

echo "$checks checks, $failures failed"
[ "$failures" -eq 0 ]
