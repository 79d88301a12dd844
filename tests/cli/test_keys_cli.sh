#!/bin/sh
# test_keys_cli.sh — drives the real vanbang-keys as an authority and a school would: creates an
# authority and schools (P-256 and RSA), certifies them, shows and checks the results, and
# holds the output up to the openssl command: the kid equals the first 8 bytes of SHA-256 of
# the certificate's DER, `openssl verify` accepts the certificate, the key usage is right, the
# key files are encrypted PKCS#8 that `openssl pkey` opens only with the passphrase. Also every
# refusal a user meets: wrong passphrase, missing file, existing key, unencrypted key, broken
# chain, no passphrase source; and --help for every verb.
# Passphrases go through the environment or a file descriptor, never argv.
# Needs env VB_ROOT and VB_BIN (set by scripts/run-tests.sh) and the openssl command.
set -u
. "$VB_ROOT/tests/cli/lib.sh"
need_programs "$keys"
need_command openssl openssl
enter_work_dir
output_log=all-output  # every output of run goes here too, searched for passphrases at the end

authority_passphrase='authority: cá vàng bơi 42'
school_passphrase='school: đúng ngựa pin kẹp giấy'
printf '%s\n' "$authority_passphrase" >authority.pass
printf '%s\n' "$school_passphrase" >school.pass
unset VANBANG_PASSPHRASE

# ---------------------------------------------------------------- --help for every verb
run 0 "vanbang-keys --help" "$keys" --help
for verb in authority-init school-init certify import-chain show check-key; do
    if run 0 "$verb --help" "$keys" "$verb" --help; then
        has_sections "$verb" NAME SYNOPSIS DESCRIPTION OPTIONS FILES "EXIT STATUS" EXAMPLES
    fi
    run 0 "help $verb" "$keys" help "$verb"
done
run 2 "no verb is a usage error" "$keys"
run 2 "unknown verb is a usage error" "$keys" frobnicate
contains err "unknown verb" "unknown verb is named"

# ---------------------------------------------------------------- authority-init
run 0 "authority-init (passphrase on fd 3)" sh -c '"$1" authority-init --dir authority \
    --name "CN=Bộ Giáo dục và Đào tạo — Cơ quan cấp chứng thư, O=Bộ Giáo dục và Đào tạo, C=VN" \
    --passphrase-fd 3 3<authority.pass' sh "$keys"
[ -f authority/authority.key ] && [ -f authority/authority.crt ] ||
    fail "authority-init did not write authority.key and authority.crt"
[ "$(stat -c %a authority/authority.key)" = 600 ] && pass "authority.key is mode 600" ||
    fail "authority.key is mode $(stat -c %a authority/authority.key), not 600"
[ "$(stat -c %a authority)" = 700 ] && pass "authority folder is mode 700" ||
    fail "authority folder is mode $(stat -c %a authority), not 700"
openssl x509 -in authority/authority.crt -noout -text >authority.txt 2>&1
contains authority.txt "CA:TRUE, pathlen:0" "authority certificate: CA:TRUE, pathlen:0"
contains authority.txt "Certificate Sign, CRL Sign" "authority certificate: keyCertSign, cRLSign"
grep -A1 "Key Usage: critical" authority.txt >/dev/null && grep -q "Basic Constraints: critical" \
    authority.txt && pass "authority extensions are critical" ||
    fail "authority basicConstraints/keyUsage not critical"
contains authority.txt "Subject Key Identifier" "authority certificate has an SKI"
openssl verify -CAfile authority/authority.crt authority/authority.crt >verify.txt 2>&1 &&
    pass "authority certificate verifies against itself" || fail "authority self-check: $(cat verify.txt)"

# ---------------------------------------------------------------- school-init
run 0 "school-init (passphrase in the environment)" with_passphrase "$school_passphrase" \
    "$keys" school-init --dir school --code HN-CDKT --name "Trường Cao đẳng Kỹ thuật Hà Nội" \
    --province "Hà Nội"
[ "$(stat -c %a school/school.key)" = 600 ] && pass "school.key is mode 600" ||
    fail "school.key is mode $(stat -c %a school/school.key), not 600"
head -n 1 school/school.key | grep -qx -- "-----BEGIN ENCRYPTED PRIVATE KEY-----" &&
    pass "school.key is encrypted PKCS#8" || fail "school.key does not start as ENCRYPTED PRIVATE KEY"
openssl req -in school/school.csr -noout -verify >req.txt 2>&1 && pass "openssl accepts the CSR's signature" ||
    fail "openssl rejects the CSR: $(cat req.txt)"
openssl req -in school/school.csr -noout -subject -nameopt RFC2253,-esc_msb >req-subject.txt 2>&1
contains req-subject.txt "serialNumber=HN-CDKT" "the school code is the subject's serialNumber"
contains req-subject.txt "ST=Hà Nội" "the province is the subject's ST"

# The key opens with the passphrase only.
openssl pkey -in school/school.key -noout -passin pass: >pkey.txt 2>&1 &&
    fail "openssl pkey opened school.key with an empty passphrase" ||
    pass "openssl pkey cannot open school.key without the passphrase"
VANBANG_PASSPHRASE=$school_passphrase openssl pkey -in school/school.key -noout \
    -passin env:VANBANG_PASSPHRASE >pkey.txt 2>&1 &&
    pass "openssl pkey opens school.key with -passin env:" || fail "openssl pkey -passin env: $(cat pkey.txt)"

# ---------------------------------------------------------------- certify
run 0 "certify (authority passphrase on fd 3)" sh -c '"$1" certify --authority authority \
    --csr school/school.csr --out school/school.crt --passphrase-fd 3 3<authority.pass' sh "$keys"
openssl verify -CAfile authority/authority.crt school/school.crt >verify.txt 2>&1 &&
    pass "openssl verify -CAfile authority.crt school.crt" || fail "openssl verify: $(cat verify.txt)"
openssl x509 -in school/school.crt -noout -text >school.txt 2>&1
grep -A1 "X509v3 Key Usage: critical" school.txt | grep -qx " *Digital Signature" &&
    pass "school certificate: keyUsage critical, digitalSignature only" ||
    fail "school certificate key usage: $(grep -A1 'Key Usage' school.txt)"
grep -A1 "Basic Constraints: critical" school.txt | grep -q "CA:FALSE" &&
    pass "school certificate: CA:FALSE, critical" || fail "school certificate basicConstraints"
contains school.txt "Authority Key Identifier" "school certificate has an AKI"
start=$(date -d "$(openssl x509 -in school/school.crt -noout -startdate | cut -d= -f2)" +%s)
end=$(date -d "$(openssl x509 -in school/school.crt -noout -enddate | cut -d= -f2)" +%s)
[ $((end - start)) -eq $((730 * 86400)) ] && pass "school certificate valid 730 days by default" ||
    fail "school certificate valid $(( (end - start) / 86400 )) days, not 730"

# ---------------------------------------------------------------- show: the kid
run 0 "show school.crt" "$keys" show school/school.crt
shown_kid=$(sed -n 's/^  kid  *//p' out)
openssl_kid=$(openssl x509 -in school/school.crt -outform DER | sha256sum | cut -c1-16)
[ -n "$shown_kid" ] && [ "$shown_kid" = "$openssl_kid" ] &&
    pass "show's kid equals the first 16 hex of sha256(DER) ($shown_kid)" ||
    fail "show's kid \"$shown_kid\" differs from sha256(DER) $openssl_kid"
contains out "HN-CDKT" "show prints the school code"
contains out "Trường Cao đẳng Kỹ thuật Hà Nội" "show prints the school name"
contains out "ECDSA P-256" "show prints the key type"
contains out "valid now" "show prints the validity"
run 0 "show the CSR, the key and the authority together" "$keys" show school/school.csr \
    school/school.key authority/authority.crt
contains out "self-signature verifies" "show checks the CSR's self-signature"
contains out "scrypt N=32768" "show says how the key is encrypted"
contains out "encrypted private key" "show says the key is encrypted"
authority_kid=$(openssl x509 -in authority/authority.crt -outform DER | sha256sum | cut -c1-16)
contains out "$authority_kid" "show prints the authority's kid"

# ---------------------------------------------------------------- check-key
run 0 "check-key with the right passphrase and certificate" \
    with_passphrase "$school_passphrase" "$keys" check-key --key school/school.key \
    --cert school/school.crt
contains out "is for this key" "check-key says the certificate matches"
run 1 "check-key against another key's certificate" \
    with_passphrase "$school_passphrase" "$keys" check-key --key school/school.key \
    --cert authority/authority.crt
contains err "another key" "check-key names the mismatch"

# ---------------------------------------------------------------- wrong passphrase
run 1 "check-key with a wrong passphrase" \
    with_passphrase 'not the passphrase' "$keys" check-key --key school/school.key
contains err "wrong passphrase for school/school.key" "wrong passphrase is said clearly"
run 1 "certify with a wrong passphrase" sh -c '"$1" certify --authority authority \
    --csr school/school.csr --out school/again.crt --passphrase-fd 3 3<school.pass' sh "$keys"
contains err "wrong passphrase for authority/authority.key" "certify names the key whose passphrase is wrong"
[ ! -e school/again.crt ] && pass "nothing written after a wrong passphrase" ||
    fail "certify wrote school/again.crt despite a wrong passphrase"

# ---------------------------------------------------------------- missing, existing, unencrypted
run 2 "show a missing file" "$keys" show no-such.crt
contains err "no-such.crt: cannot open: No such file or directory" "missing file is named"
run 2 "certify with a missing CSR" sh -c '"$1" certify --authority authority --csr no-such.csr \
    --out x.crt --passphrase-fd 3 3<authority.pass' sh "$keys"
contains err "no-such.csr" "missing CSR is named"
run 2 "check-key with a missing key" \
    with_passphrase "$school_passphrase" "$keys" check-key --key no-such.key
before=$(sha256sum school/school.key)
run 2 "school-init refuses an existing key" with_passphrase other "$keys" school-init \
    --dir school --code HN-CDKT --name "Trường khác"
contains err "already exists" "existing key: the message says it exists"
[ "$(sha256sum school/school.key)" = "$before" ] && pass "the existing key is untouched" ||
    fail "school-init changed an existing key"
run 2 "authority-init refuses an existing authority" sh -c '"$1" authority-init --dir authority \
    --name "Another" --passphrase-fd 3 3<authority.pass' sh "$keys"
run 2 "certify refuses an existing --out" sh -c '"$1" certify --authority authority \
    --csr school/school.csr --out school/school.crt --passphrase-fd 3 3<authority.pass' sh "$keys"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out plain.key 2>/dev/null
run 2 "check-key refuses an unencrypted key" with_passphrase x "$keys" check-key --key plain.key
contains err "not encrypted" "unencrypted key: the message says so"
run 0 "show flags an unencrypted key" "$keys" show plain.key
contains out "NOT ENCRYPTED" "show warns about the unencrypted key"
if ! grep -q "BEGIN" out; then pass "show prints no key material"; else fail "show printed key material"; fi

# ---------------------------------------------------------------- passphrases never in argv
run 2 "there is no --passphrase option" "$keys" check-key --key school/school.key \
    --passphrase "$school_passphrase"
contains err "never taken from the command line" "--passphrase is refused, saying why"
run 2 "a passphrase given to --passphrase-fd is not echoed" "$keys" check-key \
    --key school/school.key --passphrase-fd "$school_passphrase"
run 2 "a passphrase in a mistyped option is not echoed" "$keys" check-key \
    --key school/school.key "--pasphrase=$school_passphrase"
if command -v setsid >/dev/null 2>&1; then
    run 2 "no passphrase source and no terminal" setsid -w "$keys" check-key --key school/school.key
    contains err "no terminal" "no passphrase source: the message says how to give one"
fi
run 2 "--passphrase-fd on a closed descriptor" "$keys" check-key --key school/school.key \
    --passphrase-fd 9
# The passphrases went through fd and environment only; no output may ever echo them.
if grep -qF "$school_passphrase" all-output || grep -qF "$authority_passphrase" all-output; then
    fail "a passphrase appeared in the output"
else
    pass "no passphrase appears in any output"
fi

# ---------------------------------------------------------------- RSA (PS256) school
run 0 "school-init --rsa 2048" sh -c '"$1" school-init --dir school-rsa --code DN-TC \
    --name "Trường Trung cấp Đà Nẵng" --rsa 2048 --passphrase-fd 3 3<school.pass' sh "$keys"
openssl req -in school-rsa/school.csr -noout -text 2>/dev/null | grep -q "rsassaPss" &&
    pass "the RSA request is signed with RSASSA-PSS" || fail "the RSA request is not RSASSA-PSS"
run 0 "certify the RSA school" sh -c '"$1" certify --authority authority \
    --csr school-rsa/school.csr --out school-rsa/school.crt --days 365 \
    --passphrase-fd 3 3<authority.pass' sh "$keys"
openssl verify -CAfile authority/authority.crt school-rsa/school.crt >verify.txt 2>&1 &&
    pass "openssl verify accepts the RSA school certificate" || fail "openssl verify RSA: $(cat verify.txt)"
run 0 "show the RSA certificate" "$keys" show school-rsa/school.crt
contains out "RSA 2048" "show says RSA 2048"
run 2 "school-init --rsa 1024 is refused" "$keys" school-init --dir weak --code X --name Y --rsa 1024

# ---------------------------------------------------------------- import-chain
# A licensed CA's chain, made with the openssl command: root -> intermediate -> leaf.
cat >chain.cnf <<'EOF'
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[intermediate]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
chain_made=1
for name in root intermediate leaf other; do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.pem" 2>/dev/null ||
        chain_made=0
done
openssl req -new -x509 -key root.pem -subj "/C=VN/CN=Test Root CA" -days 3650 \
    -extensions root -config chain.cnf -out root.crt 2>/dev/null || chain_made=0
openssl req -new -key intermediate.pem -subj "/C=VN/CN=Test Licensed CA" -out intermediate.csr \
    2>/dev/null && openssl x509 -req -in intermediate.csr -CA root.crt -CAkey root.pem \
    -CAcreateserial -days 1825 -extfile chain.cnf -extensions intermediate -out intermediate.crt \
    2>/dev/null || chain_made=0
openssl req -new -key leaf.pem -subj "/C=VN/O=Trường Tư thục/CN=Trường Tư thục" -out leaf.csr \
    2>/dev/null && openssl x509 -req -in leaf.csr -CA intermediate.crt -CAkey intermediate.pem \
    -CAcreateserial -days 365 -extfile chain.cnf -extensions leaf -out leaf.crt 2>/dev/null ||
    chain_made=0
openssl req -new -x509 -key other.pem -subj "/C=VN/CN=Test Root CA" -days 3650 \
    -extensions root -config chain.cnf -out other-root.crt 2>/dev/null || chain_made=0
if [ "$chain_made" -eq 1 ]; then
    cat leaf.crt intermediate.crt root.crt >good-chain.pem
    run 0 "import-chain accepts a good chain" "$keys" import-chain --chain good-chain.pem \
        --out school-chain.crt
    [ "$(grep -c 'BEGIN CERTIFICATE' school-chain.crt)" -eq 3 ] &&
        pass "import-chain wrote the three certificates" || fail "import-chain output lacks certificates"
    leaf_kid=$(openssl x509 -in leaf.crt -outform DER | sha256sum | cut -c1-16)
    contains out "$leaf_kid" "import-chain prints the leaf's kid"
    # An impostor root with the same name but another key: the intermediate's signature fails.
    cat leaf.crt intermediate.crt other-root.crt >bad-chain.pem
    run 1 "import-chain rejects a chain with a wrong root" "$keys" import-chain \
        --chain bad-chain.pem --out bad.crt
    contains err "certificate 2 (CN=Test Licensed CA, C=VN)" "the rejection names the certificate"
    contains err "signature does not verify" "the rejection says why"
    [ ! -e bad.crt ] && pass "nothing written for a rejected chain" || fail "bad.crt was written"
    cat intermediate.crt leaf.crt root.crt >disordered.pem
    run 1 "import-chain rejects a chain out of order" "$keys" import-chain \
        --chain disordered.pem --out bad.crt
    contains err "certificate 1" "the out-of-order rejection names certificate 1"
else
    fail "could not make a test chain with the openssl command"
fi

finish "all vanbang-keys CLI checks passed"
