# tests/cli/lib.sh — sourced (not run) by the CLI tests, as `. "$VB_ROOT/tests/cli/lib.sh"`: the
# plumbing they share, so that each test file holds only its own checks. Check counting (pass,
# fail, finish), running a program into the files out and err (run, contains, lacks), the
# throw-away passphrases, a temporary folder removed on exit, the programs and commands a test
# needs, and the authority, school and trust list most tests start from (make_world).
# Needs env VB_BIN (set by scripts/run-tests.sh) for the program paths; defines functions and
# variables only, so it is safe under `set -eu`.

keys="${VB_BIN:-}/vanbang-keys"
issue="${VB_BIN:-}/vanbang-issue"
verifier="${VB_BIN:-}/vanbang-verifier"
base_url="https://xacthuc.example.edu.vn/V/"

# ---------------------------------------------------------------- what the test needs
# need_programs PATH...: stops the test unless each PATH is an executable (built by make).
need_programs() {
    for program in "$@"; do
        [ -x "$program" ] || { echo "FAIL: $program is missing; run make first"; exit 1; }
    done
}

# need_command COMMAND PACKAGE: stops the test unless COMMAND is installed (Debian PACKAGE).
need_command() {
    command -v "$1" >/dev/null 2>&1 || { echo "FAIL: the $1 command is missing; apt-get install $2"; exit 1; }
}

# make_work_dir: work, a new temporary folder, removed when the test ends.
# enter_work_dir: the same, and cd into it.
make_work_dir() {
    work=$(mktemp -d) || { echo "FAIL: mktemp -d failed"; exit 1; }
    trap 'rm -rf "$work"' EXIT INT TERM
}
enter_work_dir() {
    make_work_dir
    cd "$work" || exit 1
}

# ---------------------------------------------------------------- counting checks
checks=0
failures=0
failed_names=""
fail() {
    echo "FAIL: $*"; failures=$((failures + 1)); checks=$((checks + 1))
    failed_names="$failed_names
    $(printf "%s" "$*" | head -n 1)"
}
pass() { echo "ok: $*"; checks=$((checks + 1)); }

# finish SUCCESS_LINE [SUMMARY_TAIL]: the closing lines: how many checks ran (SUMMARY_TAIL is
# added to that line), then the names of the failed ones and exit 1, or SUCCESS_LINE.
finish() {
    echo
    echo "$checks checks, $failures failed${2:-}"
    if [ "$failures" -ne 0 ]; then
        printf "failed checks:%s\n" "$failed_names"
        echo "$failures check(s) failed"
        exit 1
    fi
    echo "$1"
}

# ---------------------------------------------------------------- running programs
# run EXPECTED_STATUS NAME COMMAND...: runs COMMAND with stdin from $input (then set back to
# /dev/null), stdout in out, stderr in err; a check that it exits EXPECTED_STATUS. When
# output_log names a file, out and err are added to it (for searching every output at the end).
input=/dev/null
output_log=""
run() {
    run_expected=$1; run_name=$2; shift 2
    "$@" >out 2>err <"$input"
    status=$?
    input=/dev/null
    [ -z "$output_log" ] || cat out err >>"$output_log"
    if [ "$status" -ne "$run_expected" ]; then
        fail "$run_name: exit status $status, expected $run_expected"
        sed 's/^/    stdout: /' out; sed 's/^/    stderr: /' err
        return 1
    fi
    pass "$run_name"
}

# contains FILE TEXT NAME / lacks FILE TEXT NAME: FILE must (not) contain TEXT (fixed string).
# On failure the first 3000 bytes of FILE are shown (pages and logs can be long).
contains() {
    if grep -qF -- "$2" "$1"; then pass "$3"; else
        fail "$3: \"$2\" not found in $1:"; head -c 3000 "$1" | sed 's/^/    /'; echo; fi
}
lacks() {
    if grep -qF -- "$2" "$1"; then fail "$3: \"$2\" found in $1:"; head -c 3000 "$1" | sed 's/^/    /'; echo
    else pass "$3"; fi
}

# has_sections VERB SECTION...: out (what the last `VERB --help` printed) has a line holding
# just SECTION, for each SECTION (the headings of a manual page).
has_sections() {
    sections_verb=$1; shift
    for section in "$@"; do
        grep -q "^$section\$" out || fail "$sections_verb --help has no $section section"
    done
}

# ---------------------------------------------------------------- passphrases
# use_test_passphrase: one throw-away passphrase, in the environment, for every key of the test.
use_test_passphrase() {
    VANBANG_PASSPHRASE='thử nghiệm: chỉ dùng cho khóa thử'
    export VANBANG_PASSPHRASE
}

# with_passphrase PASSPHRASE COMMAND...: COMMAND gets VANBANG_PASSPHRASE in its environment
# only (a shell function, so the passphrase is in no process's argv).
with_passphrase() {
    VANBANG_PASSPHRASE=$1; export VANBANG_PASSPHRASE; shift
    "$@"; with_status=$?
    unset VANBANG_PASSPHRASE
    return $with_status
}

# ---------------------------------------------------------------- the usual world
# make_world [SCHOOL-INIT OPTION...]: in the current folder, with vanbang-keys: authority/ (the
# test authority), school/ (school CDNHN01, certified by it; the options go to its school-init)
# and trust.cbor (the authority's trust list, holding the school). Every step runs, even after
# one fails; returns 1 when any failed.
# Each step goes through world_step NAME KEY COMMAND..., KEY (authority or school) being the key
# whose passphrase the step needs. The default appends the step's output to setup.log; a test
# may define its own world_step after sourcing this file (to make each step a check, say).
world_step() {
    shift 2
    "$@" >>setup.log 2>&1
}
make_world() {
    world_ok=0
    world_step "authority-init" authority "$keys" authority-init \
        --dir authority --name "Bộ Giáo dục và Đào tạo (thử nghiệm)" || world_ok=1
    world_step "school-init" school "$keys" school-init --dir school \
        --code CDNHN01 --name "Trường Cao đẳng Nghề Hà Nội" "$@" || world_ok=1
    world_step "certify the school" authority "$keys" certify \
        --authority authority --csr school/school.csr --out school/school.crt || world_ok=1
    world_step "trust-init" authority "$keys" trust-init \
        --authority authority --list trust.cbor || world_ok=1
    world_step "trust-add the school" authority "$keys" trust-add \
        --authority authority --list trust.cbor --cert school/school.crt || world_ok=1
    return $world_ok
}
