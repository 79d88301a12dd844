/*
 * make-fuzz-seeds.c — writes the seed corpora of the libFuzzer targets: signed records and bare
 * claims maps (DIR/record), a signed trust list and trust-list payloads (DIR/trust), and CBOR
 * items from RFC 8949 Appendix A with the strict reader's edge cases (DIR/cbor). Each corpus
 * holds valid inputs, which take the fuzzer deep into the decoders at once, and a few invalid
 * ones. Keys and certificates are made afresh on each run (ECDSA signatures are randomized), so
 * the committed seeds change only when this is run on purpose:
 *
 *     make build/tools/make-fuzz-seeds && build/tools/make-fuzz-seeds tests/fuzz/corpus
 */
#include "cose.h"
#include "record.h"
#include "trust.h"

#include <errno.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "make-fuzz-seeds: %s\n", what);
    exit(1);
}

static void write_file(const char *dir, const char *sub, const char *name, const void *data, size_t length)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    if (mkdir(path, 0755) != 0 && errno != EEXIST)
        die("cannot create a corpus directory");
    snprintf(path, sizeof path, "%s/%s/%s", dir, sub, name);
    FILE *file = fopen(path, "wb");
    if (!file || fwrite(data, 1, length, file) != length || fclose(file) != 0)
        die("cannot write a seed file");
}

static size_t from_hex(const char *hex, uint8_t *out, size_t out_size)
{
    size_t n = 0;
    for (const char *p = hex; *p;) {
        unsigned value;
        if (*p == ' ') {
            p++;
            continue;
        }
        if (n >= out_size || sscanf(p, "%2x", &value) != 1)
            die("bad hex in a CBOR seed");
        out[n++] = (uint8_t)value;
        p += 2;
    }
    return n;
}

/* ---------------------------------------------------------------- PKI */

static void add_extension(X509 *certificate, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, certificate, NULL, NULL, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!extension || !X509_add_ext(certificate, extension, -1))
        die("cannot add a certificate extension");
    X509_EXTENSION_free(extension);
}

/* A self-signed CA when issuer is NULL, else a school signer certificate (FORMAT.md §7). */
static X509 *make_certificate(EVP_PKEY *key, const char *organization, const char *school_code, X509 *issuer,
                              EVP_PKEY *issuer_key, long serial)
{
    X509 *certificate = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (!certificate || !name)
        die("out of memory");
    X509_set_version(certificate, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial);
    ASN1_TIME_set(X509_getm_notBefore(certificate), 1735689600);      /* 2025-01-01 */
    ASN1_TIME_set(X509_getm_notAfter(certificate), 1861920000);       /* 2029-01-01 */
    X509_set_pubkey(certificate, key);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"VN", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)organization, -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)organization, -1, -1, 0);
    if (school_code)
        X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_ASC, (const unsigned char *)school_code, -1, -1, 0);
    X509_set_subject_name(certificate, name);
    X509_NAME_free(name);
    X509 *signer = issuer ? issuer : certificate;
    X509_set_issuer_name(certificate, X509_get_subject_name(signer));
    add_extension(certificate, signer, NID_subject_key_identifier, "hash");
    add_extension(certificate, signer, NID_authority_key_identifier, "keyid:always");
    add_extension(certificate, signer, NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE,pathlen:0");
    add_extension(certificate, signer, NID_key_usage,
                  issuer ? "critical,digitalSignature" : "critical,keyCertSign,cRLSign");
    if (X509_sign(certificate, issuer ? issuer_key : key, EVP_sha256()) <= 0)
        die("cannot sign a certificate");
    return certificate;
}

/* ---------------------------------------------------------------- records */

static void realistic_credential(vb_credential *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->school_code, "CDCNHN");
    c->signed_at = 1781920800; /* 2026-06-20T02:00:00Z */
    memcpy(c->record_id, "\x45\x12", 2);
    c->record_id_length = 2;
    c->type = VB_TYPE_COLLEGE;
    strcpy(c->serial, "C\xc4\x90-2026-004512");
    c->register_number = 4512;
    c->register_year = 2026;
    strcpy(c->name, "Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b \xc3\x81nh Tuy\xe1\xba\xbft");
    c->birth_date = 12492;
    c->gender = VB_GENDER_FEMALE;
    strcpy(c->program_code, "6510303");
    strcpy(c->program_name, "C\xc3\xb4ng ngh\xe1\xbb\x87 k\xe1\xbb\xb9 thu\xe1\xba\xad"
                            "t \xc4\x91i\xe1\xbb\x87n, \xc4\x91i\xe1\xbb\x87n t\xe1\xbb\xad");
    c->classification = VB_CLASS_GOOD;
    c->training_mode = VB_MODE_FULL_TIME;
    c->issue_date = 20619;
    strcpy(c->issue_place, "H\xc3\xa0 N\xe1\xbb\x99i");
    c->kind = VB_KIND_ORIGINAL;
}

static void write_record(const char *dir, const char *name, vb_cose_signer *signer, const vb_credential *c)
{
    uint8_t record[VB_MAX_RECORD_BYTES], claims[VB_MAX_RECORD_BYTES];
    size_t length, claims_length;
    char file[256];
    vb_error err;
    if (vb_record_sign(signer, c, record, sizeof record, &length, &err) != VB_OK ||
        vb_credential_encode(c, claims, sizeof claims, &claims_length, &err) != VB_OK)
        die(err.message);
    snprintf(file, sizeof file, "valid-%s.cose", name);
    write_file(dir, "record", file, record, length);
    snprintf(file, sizeof file, "claims-%s.cbor", name);
    write_file(dir, "record", file, claims, claims_length);
    if (strcmp(name, "es256-original") == 0) {
        write_file(dir, "record", "invalid-truncated.cose", record, length - 1);
        record[0] = 0xd1; /* tag 17 */
        write_file(dir, "record", "invalid-tag.cose", record, length);
        /* The claims with an unknown claim -20 listed as critical (-24) appended. */
        claims[0]++;
        claims[0]++;
        memcpy(claims + claims_length, "\x33\x61\x78\x37\x81\x33", 6);
        write_file(dir, "record", "claims-unknown-critical.cbor", claims, claims_length + 6);
    }
}

static void make_record_seeds(const char *dir, EVP_PKEY *ec_key, EVP_PKEY *rsa_key)
{
    static const uint8_t kid[VB_KID_BYTES] = {0x5e, 0xed, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05};
    vb_cose_signer es256, ps256;
    vb_credential c;
    vb_error err;
    if (vb_cose_signer_init(&es256, ec_key, kid, &err) != VB_OK || vb_cose_signer_init(&ps256, rsa_key, kid, &err) != VB_OK)
        die(err.message);

    realistic_credential(&c);
    write_record(dir, "es256-original", &es256, &c);
    write_record(dir, "ps256-original", &ps256, &c);

    realistic_credential(&c);
    c.kind = VB_KIND_CORRECTION;
    memcpy(c.supersedes, "\x45\x11", 2);
    c.supersedes_length = 2;
    c.register_year = 2025;
    write_record(dir, "es256-correction", &es256, &c);

    realistic_credential(&c);
    c.kind = VB_KIND_COPY;
    c.copy_number = 2;
    c.high_quality = true;
    strcpy(c.serial, "2026004512");
    write_record(dir, "es256-copy-high-quality", &es256, &c);

    realistic_credential(&c);
    c.program_name_from_catalog = true; /* the name comes from the trust list's catalog */
    write_record(dir, "es256-catalog", &es256, &c);

    realistic_credential(&c);
    c.type = VB_TYPE_ELEMENTARY;
    strcpy(c.name, "L\xc3\xaa V\xc4\x83n An");
    strcpy(c.program_code, "0123");
    strcpy(c.program_name, "H\xc3\xa0n \xc4\x91i\xe1\xbb\x87n");
    c.gender = 0;
    c.classification = 0;
    c.training_mode = 0;
    c.birth_date = -672;
    write_record(dir, "es256-elementary", &es256, &c);

    vb_cose_signer_free(&es256);
    vb_cose_signer_free(&ps256);
}

/* ---------------------------------------------------------------- trust lists */

/* A trust list with an authority, two signers (one removed) and a program catalog. */
static void make_trust_seeds(const char *dir)
{
    EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *a_key = EVP_EC_gen("P-256"), *b_key = EVP_EC_gen("P-256");
    if (!ca_key || !a_key || !b_key)
        die("key generation failed");
    X509 *ca = make_certificate(ca_key, "T\xe1\xbb\x95ng c\xe1\xbb\xa5" "c Gi\xc3\xa1o d\xe1\xbb\xa5"
                                        "c ngh\xe1\xbb\x81 nghi\xe1\xbb\x87p", NULL, NULL, NULL, 1);
    X509 *a = make_certificate(a_key, "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng C\xc3\xb4ng ngh\xe1\xbb\x87",
                               "CDCNHN", ca, ca_key, 2);
    X509 *b = make_certificate(b_key, "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng K\xe1\xbb\xb9 thu\xe1\xba\xad"
                               "t", "CKC", ca, ca_key, 3);

    vb_trust_list list = {0};
    vb_cose_signer signer;
    vb_error err;
    uint8_t kid[VB_KID_BYTES], b_kid[VB_KID_BYTES];
    uint8_t *signed_list;
    size_t length;
    if (!vb_certificate_kid(ca, kid) || !vb_certificate_kid(b, b_kid) ||
        vb_trust_add(&list, VB_TRUST_ROLE_AUTHORITY, ca, &err) != VB_OK ||
        vb_trust_add(&list, VB_TRUST_ROLE_SIGNER, a, &err) != VB_OK ||
        vb_trust_add(&list, VB_TRUST_ROLE_SIGNER, b, &err) != VB_OK ||
        vb_trust_remove(&list, b_kid, 1781920800, &err) != VB_OK ||
        vb_trust_add_program(&list, 6510303, "C\xc3\xb4ng ngh\xe1\xbb\x87 k\xe1\xbb\xb9 thu\xe1\xba\xad"
                             "t \xc4\x91i\xe1\xbb\x87n, \xc4\x91i\xe1\xbb\x87n t\xe1\xbb\xad", &err) != VB_OK ||
        vb_trust_add_program(&list, 6480201, "C\xc3\xb4ng ngh\xe1\xbb\x87 th\xc3\xb4ng tin", &err) != VB_OK ||
        vb_cose_signer_init(&signer, ca_key, kid, &err) != VB_OK ||
        vb_trust_sign(&list, 3, 1780000000, &signer, &signed_list, &length, &err) != VB_OK)
        die(err.message);
    write_file(dir, "trust", "valid-signed-list.cose", signed_list, length);

    vb_cose_sign1 message;
    if (vb_cose_sign1_decode(signed_list, length, &message, &err) != VB_OK)
        die(err.message);
    write_file(dir, "trust", "valid-payload.cbor", message.payload, message.payload_length);
    /* {1: 1, 2: 1, 3: 0, 4: []}, and the same with the version 2. */
    write_file(dir, "trust", "valid-minimal-payload.cbor", "\xa4\x01\x01\x02\x01\x03\x00\x04\x80", 9);
    write_file(dir, "trust", "invalid-version.cbor", "\xa4\x01\x02\x02\x01\x03\x00\x04\x80", 9);
    write_file(dir, "trust", "invalid-truncated.cose", signed_list, length / 2);

    free(signed_list);
    vb_cose_signer_free(&signer);
    vb_trust_free(&list);
    X509_free(ca);
    X509_free(a);
    X509_free(b);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(a_key);
    EVP_PKEY_free(b_key);
}

/* ---------------------------------------------------------------- CBOR */

static void make_cbor_seeds(const char *dir)
{
    static const struct {
        const char *name;
        const char *hex;
    } seeds[] = {
        {"rfc-uint-1000000000000", "1b 00 00 00 e8 d4 a5 10 00"},
        {"rfc-uint-max", "1b ff ff ff ff ff ff ff ff"},
        {"rfc-negint-1000", "39 03 e7"},
        {"rfc-text-u6c34", "63 e6 b0 b4"},
        {"rfc-text-u10151", "64 f0 90 85 91"},
        {"rfc-bytes", "44 01 02 03 04"},
        {"rfc-nested-array", "83 01 82 02 03 82 04 05"},
        {"rfc-array-25", "98 19 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 18 18 19"},
        {"rfc-map", "a2 61 61 01 61 62 82 02 03"},
        {"rfc-map-5", "a5 61 61 61 41 61 62 61 42 61 63 61 43 61 64 61 44 61 65 61 45"},
        {"rfc-tag-1", "c1 1a 51 4b 67 b0"},
        {"rfc-tag-24", "d8 18 45 64 49 45 54 46"},
        {"simple-values", "83 f4 f5 f6"},
        {"deep-8", "81 81 81 81 81 81 81 00"},
        {"deep-9", "81 81 81 81 81 81 81 81 00"},
        {"key-order", "a3 0a 00 18 64 00 20 00"},
        {"cose-sign1-rfc9052-c21",
         "d2 84 43 a1 01 26 a1 04 42 31 31 54 54 68 69 73 20 69 73 20 74 68 65 20 63 6f 6e 74 65 6e 74 2e 58 40 8e b3 "
         "3e 4c a3 1d 1c 46 5a b0 5a ac 34 cc 6b 23 d5 8f ef 5c 08 31 06 c4 d2 5a 91 ae f0 b0 11 7e 2a f9 a2 91 aa 32 "
         "e1 4a b8 34 dc 56 ed 2a 22 34 44 54 7e 01 f1 1d 3b 09 16 e5 a4 c3 45 ca cb 36"},
        {"invalid-noncanonical", "18 05"},
        {"invalid-indefinite", "9f 01 02 ff"},
        {"invalid-float", "f9 3c 00"},
        {"invalid-utf8-surrogate", "63 ed a0 80"},
        {"invalid-duplicate-key", "a2 01 02 01 03"},
        {"invalid-truncated-string", "5a ff ff ff ff 00"},
    };
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        uint8_t bytes[256];
        size_t length = from_hex(seeds[i].hex, bytes, sizeof bytes);
        write_file(dir, "cbor", seeds[i].name, bytes, length);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make-fuzz-seeds DIR   (writes DIR/record, DIR/trust, DIR/cbor)\n");
        return 2;
    }
    EVP_PKEY *ec_key = EVP_EC_gen("P-256"), *rsa_key = EVP_RSA_gen(2048);
    if (!ec_key || !rsa_key)
        die("key generation failed");
    make_record_seeds(argv[1], ec_key, rsa_key);
    make_trust_seeds(argv[1]);
    make_cbor_seeds(argv[1]);
    EVP_PKEY_free(ec_key);
    EVP_PKEY_free(rsa_key);
    return 0;
}
