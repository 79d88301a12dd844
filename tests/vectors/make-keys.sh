#!/bin/sh
# make-keys.sh — makes the test keys, certificates and trust list of tests/vectors/ once, with
# the real vanbang-keys CLI, as an authority and its schools would. The results are committed;
# tests/tools/make-vectors then signs the vectors with them. Run again only to start over: it
# refuses to touch a keys/ folder that already holds keys (delete keys/ and trust.cbor first).
#
#   keys/authority.{key,crt}   the authority; trust.cbor is signed by it and anchors on it
#   keys/school-a.{key,crt}    CDNTEST1, P-256 (ES256), in the trust list
#   keys/school-b.{key,crt}    TCNTEST2, RSA-2048 (PS256), in the trust list
#   keys/school-c.{key,crt}    CDNTEST3, P-256, in the trust list but removed (signer-removed)
#   keys/authority2.{key,crt}  another authority, not in the trust list
#   keys/school-d.{key,crt}    CDNTEST4, P-256, certified by authority2 (unknown-signer)
#   keys/programs.csv          the program catalog put into the trust list
#   trust.cbor                 trust list: authority, schools A, B, C (C removed), catalog
#
# Every key is encrypted with the passphrase in keys/PASSPHRASE: test material, never real keys.
# Usage: sh tests/vectors/make-keys.sh [BIN]   (BIN: folder of vanbang-keys, default build/bin)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BIN=${1:-$ROOT/build/bin}
KEYS="$HERE/keys"
keys_cli="$BIN/vanbang-keys"

[ -x "$keys_cli" ] || { echo "make-keys.sh: $keys_cli is missing; run make first" >&2; exit 2; }
for existing in "$KEYS"/*.key "$KEYS"/*.crt "$HERE/trust.cbor"; do
    if [ -e "$existing" ]; then
        echo "make-keys.sh: $existing exists; the test keys are made once and never overwritten." >&2
        echo "make-keys.sh: to start over, delete $KEYS and $HERE/trust.cbor (every vector must then be remade)." >&2
        exit 2
    fi
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$KEYS"
chmod 700 "$KEYS"

printf '%s\n' "vanbang test vectors only — never use for real keys" >"$KEYS/PASSPHRASE"
VANBANG_PASSPHRASE=$(cat "$KEYS/PASSPHRASE")
export VANBANG_PASSPHRASE

# Long windows: a vector's verdict depends on its iat against the certificate window, never on
# today's date, so the vectors keep verifying after the certificates expire.
authority_days=7305
signer_days=3650

"$keys_cli" authority-init --dir "$KEYS" --days "$authority_days" \
    --name "CN=Cơ quan cấp chứng thư thử nghiệm vanbang, O=Bộ Giáo dục và Đào tạo (thử nghiệm), C=VN"
"$keys_cli" authority-init --dir "$work/authority2" --days "$authority_days" \
    --name "CN=Cơ quan cấp chứng thư khác (không được tin cậy), O=Sở thử nghiệm, C=VN"

# school LETTER CODE NAME AUTHORITY_DIR [--rsa 2048]: key, request, certificate, copied flat.
school() {
    letter=$1 code=$2 name=$3 authority=$4
    shift 4
    "$keys_cli" school-init --dir "$work/school-$letter" --code "$code" --name "$name" \
        --province "Hà Nội" "$@"
    "$keys_cli" certify --authority "$authority" --csr "$work/school-$letter/school.csr" \
        --out "$work/school-$letter/school.crt" --days "$signer_days"
    cp "$work/school-$letter/school.key" "$KEYS/school-$letter.key"
    cp "$work/school-$letter/school.crt" "$KEYS/school-$letter.crt"
    chmod 600 "$KEYS/school-$letter.key"
}
school a CDNTEST1 "Trường Cao đẳng Thử nghiệm A" "$KEYS"
school b TCNTEST2 "Trường Trung cấp Thử nghiệm B" "$KEYS" --rsa 2048
school c CDNTEST3 "Trường Cao đẳng Thử nghiệm C (khóa bị thu hồi)" "$KEYS"
school d CDNTEST4 "Trường Cao đẳng Thử nghiệm D (cơ quan khác)" "$work/authority2"
cp "$work/authority2/authority.key" "$KEYS/authority2.key"
cp "$work/authority2/authority.crt" "$KEYS/authority2.crt"
chmod 600 "$KEYS/authority2.key"

cat >"$KEYS/programs.csv" <<'EOF'
program_code,program_name
6340301,Kế toán
6480201,Công nghệ thông tin
6510303,"Công nghệ kỹ thuật điện, điện tử"
5520227,Điện công nghiệp
6720301,Điều dưỡng
EOF

list="$HERE/trust.cbor"
"$keys_cli" trust-init --authority "$KEYS" --list "$list"
"$keys_cli" trust-add --authority "$KEYS" --list "$list" --cert "$KEYS/school-a.crt"
"$keys_cli" trust-add --authority "$KEYS" --list "$list" --cert "$KEYS/school-b.crt"
"$keys_cli" trust-add --authority "$KEYS" --list "$list" --cert "$KEYS/school-c.crt"
"$keys_cli" trust-remove --authority "$KEYS" --list "$list" --cert "$KEYS/school-c.crt"
"$keys_cli" trust-programs --authority "$KEYS" --list "$list" --catalog "$KEYS/programs.csv"
"$keys_cli" trust-list --anchor "$KEYS/authority.crt" --list "$list"
unset VANBANG_PASSPHRASE
echo "make-keys.sh: done; now run make vectors"
