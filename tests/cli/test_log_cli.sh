#!/bin/sh
# test_log_cli.sh — the register's tamper-evident log through `vanbang-issue log`, on registers on
# disk: a register with issues, a correction, a copy and revocations verifies whole (after a
# backup and restore too); then copies of it are edited the way someone with the file could —
# the append-only triggers dropped with the sqlite3 command, then an event's decision number, a
# credential's signed record, an event's entry, a checkpoint row, a log node changed, the last
# event deleted — and `log verify` exits 1 naming each. Inclusion and consistency proofs are
# printed, verified by the program, and verified again here from the JSON by an independent
# RFC 9162 implementation in Python (when python3 is present).
# Needs env VB_BIN (set by scripts/run-tests.sh) and the sqlite3 command.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys" "$issue"
need_command sqlite3 sqlite3
enter_work_dir
use_test_passphrase
school="--key school/school.key --cert school/school.crt"
q() { sqlite3 -batch -noheader "$1" "$2"; }

# tamper COPY SQL: a copy of the register with SQL applied by hand, triggers dropped first.
tamper() {
    cp register.db "$1"
    sqlite3 -batch "$1" "$2" || fail "sqlite3 could not apply: $2"
}

# ---------------------------------------------------------------- --help
for verb in verify prove consistency checkpoints; do
    run 0 "log $verb --help" "$issue" log "$verb" --help && has_sections "log $verb" NAME SYNOPSIS DESCRIPTION "EXIT STATUS" EXAMPLES
done
run 0 "log --help" "$issue" log --help
run 2 "log with no verb is a usage error" "$issue" log
run 2 "an unknown log verb is a usage error" "$issue" log rewrite --register register.db

# ---------------------------------------------------------------- a register with a life
make_world || fail "the world could not be set up (see setup.log)"
run 0 "init" "$issue" init --register register.db --cert school/school.crt --base-url "$base_url" --place "Hà Nội"
run 0 "sample-roster" "$issue" sample-roster --rows 12 --seed 5 --out roster.csv
run 0 "issue 12" "$issue" issue --register register.db --roster roster.csv $school --issue-date 30/06/2026 --out k
s1=$(q register.db "SELECT serial FROM credentials WHERE record_id = 1")
s2=$(q register.db "SELECT serial FROM credentials WHERE record_id = 2")
s3=$(q register.db "SELECT serial FROM credentials WHERE record_id = 3")
run 0 "correct" "$issue" correct "$s1" "name=Tên Đã Đổi" --register register.db --decision 15/QĐ $school --out fixes
run 0 "copy" "$issue" copy "$s3" --register register.db $school --out fixes
run 0 "revoke without a key (no checkpoint)" "$issue" revoke "$s3" --register register.db --reason fraud --decision 10/QĐ
run 0 "revoke with a key (a checkpoint)" "$issue" revoke "$s2" --register register.db --reason lent \
    --decision 9/QĐ --decision-date 20/06/2026 $school
events=$(q register.db "SELECT count(*) FROM events")
[ "$events" = 16 ] && pass "16 events" || fail "expected 16 events, found $events"

# ---------------------------------------------------------------- verify: whole
run 0 "log verify with the certificate" "$issue" log verify --register register.db --cert school/school.crt
contains out "log verify: OK" "verify says OK"
contains out "16 events, 15 log nodes, 4 checkpoints" "verify counts events, nodes, checkpoints"
contains out "with valid signatures" "signatures were checked"
run 0 "log verify without the certificate" "$issue" log verify --register register.db
contains out "signatures NOT checked" "verify without --cert says the signatures were not checked"
run 0 "backup" "$issue" backup --register register.db --out register.bak
run 0 "restore" "$issue" restore --from register.bak --register restored.db
run 0 "log verify after restore" "$issue" log verify --register restored.db --cert school/school.crt
contains out "log verify: OK" "the restored register is whole"
"$keys" school-init --dir other --code TCNHP02 --name "Trường Trung cấp Hải Phòng" >>setup.log 2>&1
"$keys" certify --authority authority --csr other/school.csr --out other/school.crt >>setup.log 2>&1
run 1 "log verify refuses a certificate of another school" "$issue" log verify --register register.db \
    --cert other/school.crt
contains err "school TCNHP02" "the refusal names the other school"

# ---------------------------------------------------------------- checkpoints
run 0 "log checkpoints" "$issue" log checkpoints --register register.db --cert school/school.crt
[ "$(grep -c 'signature ok' out)" = 4 ] && pass "4 checkpoints listed, each signature ok" ||
    { fail "expected 4 checkpoints with signature ok"; sed 's/^/    /' out; }
grep -qE '^1 +12 ' out && pass "the first checkpoint is at size 12 (the batch)" || fail "no checkpoint at size 12"
run 0 "log checkpoints --json" "$issue" log checkpoints --register register.db --json
if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import json,sys; d=json.load(open("out")); assert [c["size"] for c in d["checkpoints"]]==[12,13,14,16], d' &&
        pass "checkpoints --json is JSON with sizes 12, 13, 14, 16" || fail "checkpoints --json"
fi

# ---------------------------------------------------------------- proofs
run 0 "log prove" "$issue" log prove --register register.db --serial "$s3" --cert school/school.crt
contains out "event 3 (issue, record 3)" "the issue event is proved"
contains out "event 14 (copy, record 14)" "the copy event is proved"
contains out "event 15 (revoke, record 3)" "the revocation is proved"
contains out "leaf index: 2" "the leaf index is printed"
contains out "tree size: 16" "the tree size is the latest checkpoint's"
[ "$(grep -c '^  verified:' out)" = 3 ] && pass "three proofs verified" || fail "three proofs verified"
run 0 "log prove --json" "$issue" log prove --register register.db --serial "$s1" --json
cp out prove.json
run 1 "log prove of an unknown serial" "$issue" log prove --register register.db --serial NOPE
run 2 "log prove needs --serial" "$issue" log prove --register register.db
run 0 "log consistency 12 → 16" "$issue" log consistency --register register.db --from 12 --to 16 --cert school/school.crt
contains out "verified: the log of size 16 extends the log of size 12" "the consistency proof is verified"
run 0 "log consistency --json (to the latest)" "$issue" log consistency --register register.db --from 13 --json
cp out consistency.json
run 1 "log consistency from a size with no checkpoint" "$issue" log consistency --register register.db --from 7
contains err "no checkpoint of size 7" "the missing checkpoint is named"
run 2 "log consistency from 0 is a usage error" "$issue" log consistency --register register.db --from 0
run 2 "log consistency backwards is a usage error" "$issue" log consistency --register register.db --from 16 --to 12

# The proofs again, outside the program: RFC 9162 §2.1.3.2 and §2.1.4.2 in a dozen lines.
if command -v python3 >/dev/null 2>&1; then
    cat >rfc9162.py <<'EOF'
import hashlib, json, sys
H = lambda b: hashlib.sha256(b).digest()
node = lambda l, r: H(b"\x01" + l + r)
def inclusion(m, n, leaf, path, root):
    if m >= n: return False
    fn, sn, r = m, n - 1, leaf
    for p in path:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            if not fn & 1:
                while fn and not fn & 1: fn >>= 1; sn >>= 1
        else: r = node(r, p)
        fn >>= 1; sn >>= 1
    return sn == 0 and r == root
def consistency(m, n, r1, r2, path):
    if m == n: return not path and r1 == r2
    if m & (m - 1) == 0: path = [r1] + path
    fn, sn = m - 1, n - 1
    while fn & 1: fn >>= 1; sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0: return False
        if fn & 1 or fn == sn:
            fr, sr = node(c, fr), node(c, sr)
            if not fn & 1:
                while fn and not fn & 1: fn >>= 1; sn >>= 1
        else: sr = node(sr, c)
        fn >>= 1; sn >>= 1
    return sn == 0 and fr == r1 and sr == r2
x = bytes.fromhex
p = json.load(open("prove.json"))
for e in p["proofs"]:
    leaf = H(b"\x00" + x(e["entry"]))
    assert leaf.hex() == e["leaf_hash"], e
    assert inclusion(e["leaf_index"], e["tree_size"], leaf, [x(h) for h in e["path"]], x(p["checkpoint"]["root"])), e
c = json.load(open("consistency.json"))
assert consistency(c["from"]["size"], c["to"]["size"], x(c["from"]["root"]), x(c["to"]["root"]), [x(h) for h in c["path"]])
print(len(p["proofs"]), "inclusion proofs and 1 consistency proof verified")
EOF
    if python3 rfc9162.py >py.out 2>&1; then pass "the printed proofs verify with an independent RFC 9162 check"; else
        fail "an independent RFC 9162 check refuses a printed proof"; sed 's/^/    /' py.out; fi
fi

# ---------------------------------------------------------------- edited by hand: each is found and named
sqlite3 -batch register.db "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
revoke_seq=$(q register.db "SELECT sequence FROM events WHERE kind = 2 AND decision_number = '9/QĐ'")
sqlite3 -batch register.db "UPDATE events SET decision_number = 'x' WHERE sequence = 1" 2>/dev/null &&
    fail "the append-only trigger let an edit through" || pass "with its triggers, the register refuses an edit"

tamper t-decision.db "DROP TRIGGER events_never_changed; UPDATE events SET decision_number = '99/QĐ' WHERE sequence = $revoke_seq;"
run 1 "log verify finds an edited decision number" "$issue" log verify --register t-decision.db --cert school/school.crt
contains out "event $revoke_seq (revoke, record 2, serial $s2)" "the edited event is named with its record and serial"
contains out "decision number: row '99/QĐ', entry '9/QĐ'" "what differs is said"
contains out "log verify: FAILED" "verify says FAILED"

tamper t-record.db "DROP TRIGGER credentials_never_changed; UPDATE credentials SET record = record || x'00' WHERE record_id = 5;"
run 1 "log verify finds an edited signed record" "$issue" log verify --register t-record.db --cert school/school.crt
contains out "event 5 (issue, record 5" "the issue event of the edited record is named"
contains out "signed record" "the signed record is said to differ"
contains out "checkpoint #1 (size 12" "the checkpoint that covered it no longer holds"

tamper t-entry.db "DROP TRIGGER events_never_changed; UPDATE events SET entry = (SELECT entry FROM events WHERE sequence = 7) WHERE sequence = 6;"
run 1 "log verify finds an entry replaced" "$issue" log verify --register t-entry.db
contains out "event 6 (issue, record 6" "the event whose entry was replaced is named"
contains out "sequence: row 6, entry 7" "the entry's own sequence gives it away"

tamper t-last.db "DROP TRIGGER events_never_deleted; DELETE FROM events WHERE sequence = $events;"
run 1 "log verify finds the last event deleted" "$issue" log verify --register t-last.db --cert school/school.crt
contains out "the register holds only $((events - 1)) events — event $events was deleted" \
    "the deleted last event is named by the checkpoint that covered it"

tamper t-middle.db "DROP TRIGGER events_never_deleted; DELETE FROM events WHERE sequence = 4;"
run 1 "log verify finds an event deleted in the middle" "$issue" log verify --register t-middle.db
contains out "event 4: missing" "the gap is named"

tamper t-checkpoint.db "DROP TRIGGER checkpoints_never_changed; UPDATE checkpoints SET size = 11 WHERE checkpoint_id = 1;"
run 1 "log verify finds a checkpoint row edited" "$issue" log verify --register t-checkpoint.db --cert school/school.crt
contains out "checkpoint #1: its row (size 11" "the checkpoint row is named"

tamper t-node.db "DROP TRIGGER log_nodes_never_changed; UPDATE log_nodes SET hash = zeroblob(32) WHERE level = 1 AND position = 0;"
run 1 "log verify finds a log node edited" "$issue" log verify --register t-node.db
contains out "log node 1/0 (events 1..2)" "the node and the events under it are named"
# (leaf 2's audit path holds node 1/0: the proof of the credential of record 3 goes through it)
run 1 "log prove refuses to print a proof through an edited node" "$issue" log prove --register t-node.db --serial "$s3"
contains err "does not verify" "prove says its proof does not verify"

tamper t-signature.db "DROP TRIGGER checkpoints_never_changed; UPDATE checkpoints SET signed = substr(signed, 1, length(signed) - 1) || CASE WHEN substr(signed, -1) = x'00' THEN x'01' ELSE x'00' END WHERE checkpoint_id = 2;"
run 1 "log verify finds a broken checkpoint signature" "$issue" log verify --register t-signature.db --cert school/school.crt
contains out "checkpoint #2 (size 13): its signature does not hold" "the checkpoint with the bad signature is named"

run 0 "the original register still verifies" "$issue" log verify --register register.db --cert school/school.crt

finish "log: verify, prove, consistency and checkpoints behave"
