/*
 * test_trust.c — unit tests of the trust list (libvanbang/trust.c) and of verification against
 * it (libvanbang/verify.c). The test makes its own small PKI with OpenSSL: an authority CA, a
 * second CA the verifier does not anchor on, school signer certificates (P-256 and RSA), then
 * builds, signs, parses and tampers with lists, and verifies records end to end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "link.h"
#include "record.h"
#include "trust.h"
#include "verify.h"
#include "testutil.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define T_2024 1704067200 /* 2024-01-01T00:00:00Z */
#define T_2025 1735689600 /* 2025-01-01 */
#define T_2027 1798761600 /* 2027-01-01 */
#define T_2044 2335219200 /* 2044-01-01 */
#define T_IAT 1781920800  /* 2026-06-20T02:00:00Z */
#define T_LIST_ISSUED 1780000000
#define T_AUTHORITY_NAME "T\xe1\xbb\x95ng c\xe1\xbb\xa5" "c Gi\xc3\xa1o d\xe1\xbb\xa5" "c ngh\xe1\xbb\x81 nghi\xe1\xbb\x87p"
#define T_PROGRAM_6510303                                                                          \
    "C\xc3\xb4ng ngh\xe1\xbb\x87 k\xe1\xbb\xb9 thu\xe1\xba\xad"                                  \
    "t \xc4\x91i\xe1\xbb\x87n, \xc4\x91i\xe1\xbb\x87n t\xe1\xbb\xad" /* 47 bytes */
#define T_PROGRAM_6480201 "C\xc3\xb4ng ngh\xe1\xbb\x87 th\xc3\xb4ng tin" /* "Công nghệ thông tin", 23 bytes */
#define T_SCHOOL_A_NAME "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng C\xc3\xb4ng ngh\xe1\xbb\x87 H\xc3\xa0 N\xe1\xbb\x99i"

/* A key and its certificate. */
typedef struct {
    EVP_PKEY *key;
    X509 *certificate;
    uint8_t kid[VB_KID_BYTES];
} test_party;

static test_party authority, other_authority, signer_a, signer_b, signer_rsa, foreign_signer;
static EVP_PKEY *unlisted_key;

/* ---------------------------------------------------------------- PKI */

static void add_extension(X509 *certificate, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, certificate, NULL, NULL, 0);
    X509_EXTENSION *extension = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    assert_non_null(extension);
    assert_int_equal(X509_add_ext(certificate, extension, -1), 1);
    X509_EXTENSION_free(extension);
}

/* A certificate as FORMAT.md §7 describes them: an authority is a self-signed CA (issuer NULL);
 * a signer has O = school name, serialNumber = school code, key usage digitalSignature. */
static X509 *make_certificate(EVP_PKEY *key, const char *organization, const char *school_code, const test_party *issuer,
                              long serial, int64_t not_before, int64_t not_after)
{
    X509 *certificate = X509_new();
    X509_NAME *name = X509_NAME_new();
    assert_non_null(certificate);
    assert_int_equal(X509_set_version(certificate, 2), 1);
    assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(certificate), serial), 1);
    assert_non_null(ASN1_TIME_set(X509_getm_notBefore(certificate), (time_t)not_before));
    assert_non_null(ASN1_TIME_set(X509_getm_notAfter(certificate), (time_t)not_after));
    assert_int_equal(X509_set_pubkey(certificate, key), 1);
    X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"VN", -1, -1, 0);
    assert_int_equal(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)organization, -1, -1, 0),
                     1);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)organization, -1, -1, 0);
    if (school_code)
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "serialNumber", MBSTRING_ASC,
                                                    (const unsigned char *)school_code, -1, -1, 0),
                         1);
    assert_int_equal(X509_set_subject_name(certificate, name), 1);
    X509_NAME_free(name);
    X509 *issuer_certificate = issuer ? issuer->certificate : certificate;
    assert_int_equal(X509_set_issuer_name(certificate, X509_get_subject_name(issuer_certificate)), 1);
    add_extension(certificate, issuer_certificate, NID_subject_key_identifier, "hash");
    add_extension(certificate, issuer_certificate, NID_authority_key_identifier, "keyid:always");
    if (!issuer) {
        add_extension(certificate, certificate, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
        add_extension(certificate, certificate, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add_extension(certificate, issuer_certificate, NID_basic_constraints, "critical,CA:FALSE");
        add_extension(certificate, issuer_certificate, NID_key_usage, "critical,digitalSignature");
    }
    assert_true(X509_sign(certificate, issuer ? issuer->key : key, EVP_sha256()) > 0);
    return certificate;
}

static void make_party(test_party *party, EVP_PKEY *key, const char *organization, const char *school_code,
                       const test_party *issuer, long serial, int64_t not_before, int64_t not_after)
{
    party->key = key;
    assert_non_null(key);
    party->certificate = make_certificate(key, organization, school_code, issuer, serial, not_before, not_after);
    assert_true(vb_certificate_kid(party->certificate, party->kid));
}

static void free_party(test_party *party)
{
    EVP_PKEY_free(party->key);
    X509_free(party->certificate);
}

static int group_setup(void **state)
{
    (void)state;
    make_party(&authority, EVP_EC_gen("P-256"), T_AUTHORITY_NAME, NULL, NULL, 1, T_2024, T_2044);
    make_party(&other_authority, EVP_EC_gen("P-256"), "Other CA", NULL, NULL, 1, T_2024, T_2044);
    make_party(&signer_a, EVP_EC_gen("P-256"), T_SCHOOL_A_NAME, "CDCNHN", &authority, 2, T_2025, T_2027);
    make_party(&signer_b, EVP_EC_gen("P-256"), "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng K\xe1\xbb\xb9 thu\xe1\xba\xad"
               "t Cao Th\xe1\xba\xafng", "CKC", &authority, 3, T_2025, T_2027);
    make_party(&signer_rsa, EVP_RSA_gen(2048), "RSA School", "CDRSA", &authority, 4, T_2025, T_2027);
    make_party(&foreign_signer, EVP_EC_gen("P-256"), "Foreign School", "CDX", &other_authority, 2, T_2025, T_2027);
    unlisted_key = EVP_EC_gen("P-256");
    return unlisted_key ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    free_party(&authority);
    free_party(&other_authority);
    free_party(&signer_a);
    free_party(&signer_b);
    free_party(&signer_rsa);
    free_party(&foreign_signer);
    EVP_PKEY_free(unlisted_key);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static void add(vb_trust_list *list, int role, const test_party *party)
{
    vb_error err = {0};
    if (vb_trust_add(list, role, party->certificate, &err) != VB_OK)
        fail_msg("vb_trust_add: %s", err.message);
}

/* Signs `list` as the authority (or another key under the authority's kid). */
static uint8_t *sign_list(vb_trust_list *list, uint64_t sequence, EVP_PKEY *key, const uint8_t kid[VB_KID_BYTES],
                          size_t *length)
{
    vb_cose_signer signer;
    vb_error err = {0};
    uint8_t *out = NULL;
    assert_int_equal(vb_cose_signer_init(&signer, key, kid, &err), VB_OK);
    if (vb_trust_sign(list, sequence, T_LIST_ISSUED, &signer, &out, length, &err) != VB_OK)
        fail_msg("vb_trust_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return out;
}

/* The usual list: the authority, three signers, signer_b removed when asked. */
static uint8_t *usual_list(uint64_t sequence, bool remove_b, size_t *length)
{
    vb_trust_list list = {0};
    add(&list, VB_TRUST_ROLE_AUTHORITY, &authority);
    add(&list, VB_TRUST_ROLE_SIGNER, &signer_a);
    add(&list, VB_TRUST_ROLE_SIGNER, &signer_b);
    add(&list, VB_TRUST_ROLE_SIGNER, &signer_rsa);
    if (remove_b)
        assert_int_equal(vb_trust_remove(&list, signer_b.kid, T_IAT - 86400, NULL), VB_OK);
    uint8_t *out = sign_list(&list, sequence, authority.key, authority.kid, length);
    vb_trust_free(&list);
    return out;
}

static vb_status parse(const uint8_t *data, size_t length, X509 *anchor, uint64_t held, vb_trust_list *list)
{
    vb_error err = {0};
    X509 *anchors[1] = {anchor};
    vb_status s = vb_trust_parse(data, length, anchors, anchor ? 1 : 0, held, list, &err);
    if (s != VB_OK)
        assert_true(err.code == s && err.message[0]);
    return s;
}

/* Parses the usual list (signer_b removed) anchored on the authority. */
static void usual_trust(vb_trust_list *list)
{
    size_t length;
    uint8_t *data = usual_list(1, true, &length);
    assert_int_equal(parse(data, length, authority.certificate, 0, list), VB_OK);
    free(data);
}

static void realistic_credential(vb_credential *c, const char *school_code, int64_t signed_at)
{
    memset(c, 0, sizeof *c);
    strcpy(c->school_code, school_code);
    c->signed_at = signed_at;
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
    strcpy(c->program_name, T_PROGRAM_6510303);
    c->classification = VB_CLASS_GOOD;
    c->training_mode = VB_MODE_FULL_TIME;
    c->issue_date = 20619;
    strcpy(c->issue_place, "H\xc3\xa0 N\xe1\xbb\x99i");
    c->kind = VB_KIND_ORIGINAL;
}

static size_t sign_record(EVP_PKEY *key, const uint8_t kid[VB_KID_BYTES], const vb_credential *c, uint8_t *out)
{
    vb_cose_signer signer;
    vb_error err = {0};
    size_t length;
    assert_int_equal(vb_cose_signer_init(&signer, key, kid, &err), VB_OK);
    if (vb_record_sign(&signer, c, out, VB_MAX_RECORD_BYTES, &length, &err) != VB_OK)
        fail_msg("vb_record_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return length;
}

/* Hand-built payloads, in storage the test gives (the entry-limit payload needs more than 4 KiB);
 * heads from testutil.h's own writer, not the library's. */
typedef struct {
    uint8_t *data;
    size_t length, size;
} test_buffer;

static void tb_raw(test_buffer *b, const void *bytes, size_t n)
{
    assert_true(n <= b->size - b->length);
    memcpy(b->data + b->length, bytes, n);
    b->length += n;
}

static void tb_head(test_buffer *b, int major, uint64_t value)
{
    uint8_t head[9];
    tb_raw(b, head, test_cbor_head(head, major, value));
}

static void tb_certificate(test_buffer *b, X509 *certificate)
{
    unsigned char *der = NULL;
    int n = i2d_X509(certificate, &der);
    assert_true(n > 0);
    tb_head(b, 2, (uint64_t)n);
    tb_raw(b, der, (size_t)n);
    OPENSSL_free(der);
}

/* {1: 1, 2: sequence, 3: issued} and the head of key 4 (an array of `entries`). */
static void tb_list_head(test_buffer *b, uint64_t sequence, size_t entries)
{
    tb_head(b, 5, 4);
    tb_head(b, 0, 1);
    tb_head(b, 0, 1);
    tb_head(b, 0, 2);
    tb_head(b, 0, sequence);
    tb_head(b, 0, 3);
    tb_head(b, 0, T_LIST_ISSUED);
    tb_head(b, 0, 4);
    tb_head(b, 4, entries);
}

static vb_status parse_payload_exact(const test_buffer *b)
{
    uint8_t *exact = test_exact_copy(b->data, b->length);
    vb_trust_list list;
    vb_error err = {0};
    vb_status s = vb_trust_parse_payload(exact, b->length, &list, &err);
    if (s == VB_OK)
        vb_trust_free(&list);
    else
        assert_true(err.code == s && err.message[0]);
    free(exact);
    return s;
}

/* ---------------------------------------------------------------- entries */

static void test_kid_is_sha256_of_the_certificate_der(void **state)
{
    (void)state;
    const test_party *parties[] = {&authority, &signer_a, &signer_rsa};
    for (size_t i = 0; i < 3; i++) {
        unsigned char *der = NULL;
        uint8_t digest[32], kid[VB_KID_BYTES];
        int n = i2d_X509(parties[i]->certificate, &der);
        assert_true(n > 0);
        SHA256(der, (size_t)n, digest);
        OPENSSL_free(der);
        assert_true(vb_certificate_kid(parties[i]->certificate, kid));
        assert_memory_equal(kid, digest, VB_KID_BYTES);
    }
    assert_memory_not_equal(signer_a.kid, signer_b.kid, VB_KID_BYTES);
}

/* Fills an entry from a certificate, inside a one-entry list so vb_trust_free releases it. */
static const vb_trust_entry *entry_of(vb_trust_list *holder, int role, X509 *certificate)
{
    vb_error err = {0};
    memset(holder, 0, sizeof *holder);
    holder->entries = calloc(1, sizeof *holder->entries);
    assert_non_null(holder->entries);
    if (vb_trust_entry_from_certificate(&holder->entries[0], role, certificate, &err) != VB_OK)
        fail_msg("vb_trust_entry_from_certificate: %s", err.message);
    holder->count = 1;
    return &holder->entries[0];
}

static void test_entry_fields_from_certificate(void **state)
{
    (void)state;
    vb_trust_list holder;
    const vb_trust_entry *entry = entry_of(&holder, VB_TRUST_ROLE_SIGNER, signer_a.certificate);
    assert_int_equal(entry->role, VB_TRUST_ROLE_SIGNER);
    assert_memory_equal(entry->kid, signer_a.kid, VB_KID_BYTES);
    assert_true(entry->not_before == T_2025);
    assert_true(entry->not_after == T_2027);
    assert_string_equal(entry->organization, T_SCHOOL_A_NAME);
    assert_string_equal(entry->school_code, "CDCNHN");
    assert_true(entry->removed_at == 0);
    assert_non_null(strstr(entry->subject, "CDCNHN"));
    assert_non_null(entry->public_key);
    assert_int_equal(EVP_PKEY_eq(entry->public_key, signer_a.key), 1);
    vb_trust_free(&holder);

    entry = entry_of(&holder, VB_TRUST_ROLE_AUTHORITY, authority.certificate);
    assert_string_equal(entry->organization, T_AUTHORITY_NAME);
    assert_string_equal(entry->school_code, "");
    assert_true(entry->not_before == T_2024);
    assert_true(entry->not_after == T_2044);
    vb_trust_free(&holder);
}

/* An empty list (as a fresh `vb_trust_list list = {0}` before the first vb_trust_add) finds
 * nothing, without handing bsearch a null array (undefined behaviour, C11 7.22.5p1). */
static void test_find_in_empty_list(void **state)
{
    (void)state;
    vb_trust_list list = {0};
    assert_null(vb_trust_find(&list, signer_a.kid));
    assert_null(vb_trust_program_name(&list, 6510303));
}

static void test_editing(void **state)
{
    (void)state;
    vb_trust_list list = {0};
    vb_error err = {0};
    add(&list, VB_TRUST_ROLE_SIGNER, &signer_a);
    assert_int_equal(vb_trust_add(&list, VB_TRUST_ROLE_SIGNER, signer_a.certificate, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_trust_add(&list, VB_TRUST_ROLE_AUTHORITY, signer_b.certificate, &err),
                     VB_ERR_TRUST_CERTIFICATE); /* not a CA */
    assert_int_equal(list.count, 1);
    assert_int_equal(vb_trust_remove(&list, signer_b.kid, T_IAT, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_trust_remove(&list, signer_a.kid, T_IAT, &err), VB_OK);
    assert_int_equal(vb_trust_remove(&list, signer_a.kid, T_IAT, &err), VB_ERR_ARGUMENT);
    assert_true(vb_trust_find(&list, signer_a.kid)->removed_at == T_IAT);
    vb_trust_free(&list);
    assert_int_equal(list.count, 0);
    assert_null(list.entries);
}

/* ---------------------------------------------------------------- signed lists */

static void test_sign_and_parse_round_trip(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = usual_list(7, false, &length);
    vb_trust_list list;

    /* The envelope is a COSE_Sign1 under the authority's kid; the payload starts
     * {1: 1, 2: 7, 3: T_LIST_ISSUED, 4: [4 entries]} (FORMAT.md §6). */
    vb_cose_sign1 message;
    assert_int_equal(vb_cose_sign1_decode(data, length, &message, NULL), VB_OK);
    assert_int_equal(message.alg, VB_COSE_ALG_ES256);
    assert_memory_equal(message.kid, authority.kid, VB_KID_BYTES);
    uint8_t head_bytes[32];
    test_buffer head = {head_bytes, 0, sizeof head_bytes};
    tb_list_head(&head, 7, 4);
    assert_memory_equal(message.payload, head.data, head.length);
    assert_int_equal(vb_cose_sign1_verify(&message, authority.key, NULL), VB_OK);

    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_OK);
    assert_true(list.sequence == 7);
    assert_true(list.issued_at == T_LIST_ISSUED);
    assert_memory_equal(list.signed_by, authority.kid, VB_KID_BYTES);
    assert_int_equal(list.count, 4);
    for (size_t i = 1; i < list.count; i++)
        assert_true(memcmp(list.entries[i - 1].kid, list.entries[i].kid, VB_KID_BYTES) < 0);

    const vb_trust_entry *e = vb_trust_find(&list, authority.kid);
    assert_non_null(e);
    assert_int_equal(e->role, VB_TRUST_ROLE_AUTHORITY);
    e = vb_trust_find(&list, signer_a.kid);
    assert_non_null(e);
    assert_int_equal(e->role, VB_TRUST_ROLE_SIGNER);
    assert_string_equal(e->school_code, "CDCNHN");
    assert_string_equal(e->organization, T_SCHOOL_A_NAME);
    assert_true(e->removed_at == 0);
    e = vb_trust_find(&list, signer_rsa.kid);
    assert_non_null(e);
    assert_true(EVP_PKEY_is_a(e->public_key, "RSA"));
    assert_null(vb_trust_find(&list, foreign_signer.kid));
    assert_null(vb_trust_find(&list, (const uint8_t *)"\0\0\0\0\0\0\0\0"));
    vb_trust_free(&list);

    /* The list re-signed from its parsed form is accepted as the next sequence. */
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_OK);
    size_t again_length;
    uint8_t *again = sign_list(&list, 8, authority.key, authority.kid, &again_length);
    vb_trust_free(&list);
    assert_int_equal(parse(again, again_length, authority.certificate, 7, &list), VB_OK);
    assert_int_equal(list.count, 4);
    vb_trust_free(&list);
    free(again);
    free(data);
}

static void test_removed_signer(void **state)
{
    (void)state;
    vb_trust_list list;
    usual_trust(&list);
    const vb_trust_entry *b = vb_trust_find(&list, signer_b.kid);
    assert_non_null(b);
    assert_true(b->removed_at == T_IAT - 86400);
    assert_true(vb_trust_find(&list, signer_a.kid)->removed_at == 0);

    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    vb_verification result;
    realistic_credential(&c, "CKC", T_IAT);
    size_t length = sign_record(signer_b.key, signer_b.kid, &c, record);
    assert_int_equal(vb_verify_record(&list, record, length, &result), VB_ERR_SIGNER_REMOVED);
    assert_int_equal(result.status, VB_ERR_SIGNER_REMOVED);
    assert_true(result.decoded);
    /* Removal is reported whatever the record's date, and before the signature is looked at. */
    realistic_credential(&c, "CKC", T_2025 + 1);
    length = sign_record(signer_b.key, signer_b.kid, &c, record);
    record[length - 1] ^= 0x01;
    assert_int_equal(vb_verify_record(&list, record, length, &result), VB_ERR_SIGNER_REMOVED);
    vb_trust_free(&list);
}

static void test_unknown_authority(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = usual_list(1, false, &length);
    vb_trust_list list;
    assert_int_equal(parse(data, length, other_authority.certificate, 0, &list), VB_ERR_TRUST_UNKNOWN_AUTHORITY);
    assert_int_equal(list.count, 0);
    assert_int_equal(parse(data, length, NULL, 0, &list), VB_ERR_TRUST_UNKNOWN_AUTHORITY);
    /* Anchoring on both is fine: the list names its authority by kid. */
    X509 *anchors[2] = {other_authority.certificate, authority.certificate};
    assert_int_equal(vb_trust_parse(data, length, anchors, 2, 0, &list, NULL), VB_OK);
    vb_trust_free(&list);
    free(data);
}

static void test_tampered_or_unsigned_lists(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = usual_list(1, false, &length);
    vb_trust_list list;

    /* A byte in the middle (inside a certificate), the last signature byte. */
    data[length / 2] ^= 0x20;
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_ERR_TRUST_UNSIGNED);
    data[length / 2] ^= 0x20;
    data[length - 1] ^= 0x01;
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_ERR_TRUST_UNSIGNED);
    data[length - 1] ^= 0x01;
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_OK);
    vb_trust_free(&list);

    /* Truncated, empty, not COSE. */
    assert_int_equal(parse(data, length - 1, authority.certificate, 0, &list), VB_ERR_TRUST_UNSIGNED);
    assert_int_equal(parse(data, 0, authority.certificate, 0, &list), VB_ERR_TRUST_UNSIGNED);
    assert_int_equal(parse((const uint8_t *)"\xa0", 1, authority.certificate, 0, &list), VB_ERR_TRUST_UNSIGNED);
    free(data);

    /* Signed by another key that claims the authority's kid. */
    vb_trust_list draft = {0};
    add(&draft, VB_TRUST_ROLE_SIGNER, &signer_a);
    data = sign_list(&draft, 1, unlisted_key, authority.kid, &length);
    vb_trust_free(&draft);
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_ERR_TRUST_UNSIGNED);
    free(data);
}

static void test_sequence_must_increase(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = usual_list(7, false, &length);
    vb_trust_list list;
    assert_int_equal(parse(data, length, authority.certificate, 6, &list), VB_OK);
    vb_trust_free(&list);
    assert_int_equal(parse(data, length, authority.certificate, 7, &list), VB_ERR_TRUST_OLDER);
    assert_int_equal(list.count, 0);
    assert_int_equal(parse(data, length, authority.certificate, 8, &list), VB_ERR_TRUST_OLDER);
    assert_int_equal(parse(data, length, authority.certificate, UINT64_MAX, &list), VB_ERR_TRUST_OLDER);
    free(data);
}

static void test_signer_certificates_must_chain(void **state)
{
    (void)state;
    vb_trust_list draft = {0}, list;
    size_t length;
    uint8_t *data;

    /* A signer issued by a CA that is neither the anchor nor an authority of the list. */
    add(&draft, VB_TRUST_ROLE_AUTHORITY, &authority);
    add(&draft, VB_TRUST_ROLE_SIGNER, &signer_a);
    add(&draft, VB_TRUST_ROLE_SIGNER, &foreign_signer);
    data = sign_list(&draft, 1, authority.key, authority.kid, &length);
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_ERR_TRUST_CERTIFICATE);
    free(data);

    /* Listing that CA as an authority (the anchor vouches for it) admits the signer ... */
    add(&draft, VB_TRUST_ROLE_AUTHORITY, &other_authority);
    data = sign_list(&draft, 2, authority.key, authority.kid, &length);
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_OK);
    vb_trust_free(&list);
    free(data);

    /* ... but not once that authority is removed. */
    assert_int_equal(vb_trust_remove(&draft, other_authority.kid, T_IAT, NULL), VB_OK);
    data = sign_list(&draft, 3, authority.key, authority.kid, &length);
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_ERR_TRUST_CERTIFICATE);
    free(data);
    vb_trust_free(&draft);

    /* A signer issued by the anchor is fine even when the anchor is not listed. */
    add(&draft, VB_TRUST_ROLE_SIGNER, &signer_a);
    data = sign_list(&draft, 1, authority.key, authority.kid, &length);
    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_OK);
    vb_trust_free(&list);
    free(data);
    vb_trust_free(&draft);
}

/* An authority entry that is not a CA, smuggled past vb_trust_add by building the payload by hand. */
static void test_authority_entry_must_be_a_ca(void **state)
{
    (void)state;
    uint8_t payload_bytes[4096], out[8192];
    test_buffer payload = {payload_bytes, 0, sizeof payload_bytes};
    tb_list_head(&payload, 1, 1);
    tb_head(&payload, 5, 2);
    tb_head(&payload, 0, 1);
    tb_head(&payload, 0, VB_TRUST_ROLE_AUTHORITY);
    tb_head(&payload, 0, 2);
    tb_certificate(&payload, signer_a.certificate);
    assert_int_equal(parse_payload_exact(&payload), VB_OK); /* well formed */

    vb_cose_signer signer;
    size_t length;
    vb_trust_list list;
    assert_int_equal(vb_cose_signer_init(&signer, authority.key, authority.kid, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_sign(&signer, payload.data, payload.length, out, sizeof out, &length, NULL), VB_OK);
    vb_cose_signer_free(&signer);
    assert_int_equal(parse(out, length, authority.certificate, 0, &list), VB_ERR_TRUST_CERTIFICATE);
}

static void test_malformed_payloads(void **state)
{
    (void)state;
    static uint8_t bytes[16384];
    test_buffer b = {bytes, 0, sizeof bytes};
    vb_trust_list list;

#define PAYLOAD(want, why, ...)                                                                             \
    do {                                                                                                    \
        b.length = 0;                                                                                       \
        __VA_ARGS__;                                                                                        \
        vb_status got_ = parse_payload_exact(&b);                                                           \
        if (got_ != (want))                                                                                 \
            fail_msg("%s: expected %s, got %s", why, vb_status_name(want), vb_status_name(got_));          \
    } while (0)
#define SIGNER_ENTRY()                                                                                      \
    do {                                                                                                    \
        tb_head(&b, 5, 2);                                                                                  \
        tb_head(&b, 0, 1);                                                                                  \
        tb_head(&b, 0, 2);                                                                                  \
        tb_head(&b, 0, 2);                                                                                  \
        tb_certificate(&b, signer_a.certificate);                                                           \
    } while (0)

    PAYLOAD(VB_OK, "minimal list, no entries", tb_list_head(&b, 1, 0));
    PAYLOAD(VB_OK, "one signer", tb_list_head(&b, 1, 1); SIGNER_ENTRY());
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "not a map", tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "empty input", (void)0);
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "empty map", tb_head(&b, 5, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "version 2", tb_head(&b, 5, 4); tb_head(&b, 0, 1); tb_head(&b, 0, 2);
            tb_head(&b, 0, 2); tb_head(&b, 0, 1); tb_head(&b, 0, 3); tb_head(&b, 0, 0); tb_head(&b, 0, 4);
            tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "sequence 0", tb_list_head(&b, 0, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "no version", tb_head(&b, 5, 3); tb_head(&b, 0, 2); tb_head(&b, 0, 1);
            tb_head(&b, 0, 3); tb_head(&b, 0, 0); tb_head(&b, 0, 4); tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "no sequence", tb_head(&b, 5, 3); tb_head(&b, 0, 1); tb_head(&b, 0, 1);
            tb_head(&b, 0, 3); tb_head(&b, 0, 0); tb_head(&b, 0, 4); tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "no entries", tb_head(&b, 5, 3); tb_head(&b, 0, 1); tb_head(&b, 0, 1);
            tb_head(&b, 0, 2); tb_head(&b, 0, 1); tb_head(&b, 0, 3); tb_head(&b, 0, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "sequence as text", tb_head(&b, 5, 4); tb_head(&b, 0, 1); tb_head(&b, 0, 1);
            tb_head(&b, 0, 2); tb_head(&b, 3, 1); tb_raw(&b, "1", 1); tb_head(&b, 0, 3); tb_head(&b, 0, 0);
            tb_head(&b, 0, 4); tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "keys out of order", tb_head(&b, 5, 4); tb_head(&b, 0, 2); tb_head(&b, 0, 1);
            tb_head(&b, 0, 1); tb_head(&b, 0, 1); tb_head(&b, 0, 3); tb_head(&b, 0, 0); tb_head(&b, 0, 4);
            tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "unknown key 100", tb_head(&b, 5, 5); tb_head(&b, 0, 1); tb_head(&b, 0, 1);
            tb_head(&b, 0, 2); tb_head(&b, 0, 1); tb_head(&b, 0, 3); tb_head(&b, 0, 0); tb_head(&b, 0, 4);
            tb_head(&b, 4, 0); tb_head(&b, 0, 100); tb_head(&b, 0, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entries not an array", tb_head(&b, 5, 4); tb_head(&b, 0, 1); tb_head(&b, 0, 1);
            tb_head(&b, 0, 2); tb_head(&b, 0, 1); tb_head(&b, 0, 3); tb_head(&b, 0, 0); tb_head(&b, 0, 4);
            tb_head(&b, 5, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "trailing byte", tb_list_head(&b, 1, 0); tb_head(&b, 0, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entry not a map", tb_list_head(&b, 1, 1); tb_head(&b, 4, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entry with unknown key 4", tb_list_head(&b, 1, 1); tb_head(&b, 5, 3);
            tb_head(&b, 0, 1); tb_head(&b, 0, 2); tb_head(&b, 0, 2); tb_certificate(&b, signer_a.certificate);
            tb_head(&b, 0, 4); tb_head(&b, 0, 0));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entry role 3", tb_list_head(&b, 1, 1); tb_head(&b, 5, 2); tb_head(&b, 0, 1);
            tb_head(&b, 0, 3); tb_head(&b, 0, 2); tb_certificate(&b, signer_a.certificate));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entry without role", tb_list_head(&b, 1, 1); tb_head(&b, 5, 1);
            tb_head(&b, 0, 2); tb_certificate(&b, signer_a.certificate));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entry without certificate", tb_list_head(&b, 1, 1); tb_head(&b, 5, 1);
            tb_head(&b, 0, 1); tb_head(&b, 0, 2));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entry keys out of order", tb_list_head(&b, 1, 1); tb_head(&b, 5, 2);
            tb_head(&b, 0, 2); tb_certificate(&b, signer_a.certificate); tb_head(&b, 0, 1); tb_head(&b, 0, 2));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "removal time as text", tb_list_head(&b, 1, 1); tb_head(&b, 5, 3);
            tb_head(&b, 0, 1); tb_head(&b, 0, 2); tb_head(&b, 0, 2); tb_certificate(&b, signer_a.certificate);
            tb_head(&b, 0, 3); tb_head(&b, 3, 1); tb_raw(&b, "1", 1));
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "certificate listed twice", tb_list_head(&b, 1, 2); SIGNER_ENTRY();
            SIGNER_ENTRY());
    PAYLOAD(VB_ERR_TRUST_MALFORMED, "entries array shorter than its count", tb_list_head(&b, 1, 2); SIGNER_ENTRY());
    PAYLOAD(VB_ERR_TRUST_CERTIFICATE, "certificate bytes are not DER", tb_list_head(&b, 1, 1); tb_head(&b, 5, 2);
            tb_head(&b, 0, 1); tb_head(&b, 0, 2); tb_head(&b, 0, 2); tb_head(&b, 2, 3); tb_raw(&b, "\x30\x01\x00", 3));
    PAYLOAD(VB_ERR_TRUST_CERTIFICATE, "certificate followed by a stray byte", tb_list_head(&b, 1, 1); {
        unsigned char *der = NULL;
        int n = i2d_X509(signer_a.certificate, &der);
        tb_head(&b, 5, 2);
        tb_head(&b, 0, 1);
        tb_head(&b, 0, 2);
        tb_head(&b, 0, 2);
        tb_head(&b, 2, (uint64_t)n + 1);
        tb_raw(&b, der, (size_t)n);
        tb_raw(&b, "\x00", 1);
        OPENSSL_free(der);
    });

    /* The entry limit: 4097 entries (each an empty map) are refused before any is parsed. */
    b.length = 0;
    tb_list_head(&b, 1, VB_MAX_TRUST_ENTRIES + 1);
    for (int i = 0; i <= VB_MAX_TRUST_ENTRIES; i++)
        tb_head(&b, 5, 0);
    assert_int_equal(parse_payload_exact(&b), VB_ERR_TOO_LARGE);

    /* The parsed payload: entries sorted, fields filled. */
    b.length = 0;
    tb_list_head(&b, 9, 1);
    SIGNER_ENTRY();
    assert_int_equal(vb_trust_parse_payload(b.data, b.length, &list, NULL), VB_OK);
    assert_true(list.sequence == 9);
    assert_true(list.issued_at == T_LIST_ISSUED);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.entries[0].school_code, "CDCNHN");
    vb_trust_free(&list);
#undef PAYLOAD
#undef SIGNER_ENTRY
}

/* FORMAT.md §6 lists the issue time (key 3) among the payload's fields, and the parser's own
 * message says a list "needs ... an issue time"; a payload without it must not parse. */
static void test_payload_without_issue_time(void **state)
{
    (void)state;
    uint8_t bytes[16];
    test_buffer b = {bytes, 0, sizeof bytes};
    tb_head(&b, 5, 3);
    tb_head(&b, 0, 1);
    tb_head(&b, 0, 1);
    tb_head(&b, 0, 2);
    tb_head(&b, 0, 1);
    tb_head(&b, 0, 4);
    tb_head(&b, 4, 0);
    assert_int_equal(parse_payload_exact(&b), VB_ERR_TRUST_MALFORMED);
}

static void test_load_file(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = usual_list(3, false, &length);
    char path[] = "/tmp/vanbang-test-trust-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, length), (ssize_t)length);
    close(fd);
    vb_trust_list list;
    X509 *anchors[1] = {authority.certificate};
    vb_error err = {0};
    assert_int_equal(vb_trust_load_file(path, anchors, 1, 0, &list, &err), VB_OK);
    assert_true(list.sequence == 3);
    vb_trust_free(&list);
    assert_int_equal(vb_trust_load_file(path, anchors, 1, 3, &list, &err), VB_ERR_TRUST_OLDER);
    unlink(path);
    assert_int_equal(vb_trust_load_file(path, anchors, 1, 0, &list, &err), VB_ERR_IO);
    free(data);
}

/* ---------------------------------------------------------------- program catalog */

static void test_program_catalog_editing(void **state)
{
    (void)state;
    vb_trust_list list = {0};
    vb_error err = {0};
    assert_int_equal(vb_trust_add_program(&list, 6510303, T_PROGRAM_6510303, &err), VB_OK);
    assert_int_equal(vb_trust_add_program(&list, 6480201, T_PROGRAM_6480201, &err), VB_OK);
    assert_int_equal(vb_trust_add_program(&list, 6510303, T_PROGRAM_6510303, &err), VB_OK); /* same: no change */
    assert_int_equal(list.program_count, 2);
    /* The catalog only grows: a listed code keeps its name. */
    assert_int_equal(vb_trust_add_program(&list, 6510303, T_PROGRAM_6480201, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_trust_add_program(&list, 0, T_PROGRAM_6480201, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_trust_add_program(&list, 1000000000000000000ull, "X", &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_trust_add_program(&list, 5, "", &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_trust_add_program(&list, 5, "Ha\xcc\x80n", &err), VB_ERR_ARGUMENT); /* not NFC */
    assert_int_equal(list.program_count, 2);
    assert_true(list.programs[0].code == 6480201 && list.programs[1].code == 6510303);
    assert_string_equal(vb_trust_program_name(&list, 6510303), T_PROGRAM_6510303);
    assert_string_equal(vb_trust_program_name(&list, 6480201), T_PROGRAM_6480201);
    assert_null(vb_trust_program_name(&list, 6510304));
    vb_trust_free(&list);
    assert_null(vb_trust_program_name(&list, 6510303));
}

/* The usual list plus a catalog of two programs. */
static uint8_t *list_with_catalog(size_t *length)
{
    vb_trust_list list = {0};
    add(&list, VB_TRUST_ROLE_AUTHORITY, &authority);
    add(&list, VB_TRUST_ROLE_SIGNER, &signer_a);
    assert_int_equal(vb_trust_add_program(&list, 6510303, T_PROGRAM_6510303, NULL), VB_OK);
    assert_int_equal(vb_trust_add_program(&list, 6480201, T_PROGRAM_6480201, NULL), VB_OK);
    uint8_t *out = sign_list(&list, 2, authority.key, authority.kid, length);
    vb_trust_free(&list);
    return out;
}

static void test_program_catalog_in_signed_list(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = list_with_catalog(&length);
    vb_cose_sign1 message;
    vb_trust_list list;

    /* FORMAT.md §6: key 5, a map {code: name} in canonical (so ascending) code order, last. */
    assert_int_equal(vb_cose_sign1_decode(data, length, &message, NULL), VB_OK);
    assert_int_equal(message.payload[0], 0xa5);
    uint8_t tail_bytes[128];
    test_buffer tail = {tail_bytes, 0, sizeof tail_bytes};
    tb_head(&tail, 0, 5);
    tb_head(&tail, 5, 2);
    tb_raw(&tail, "\x1a\x00\x62\xe1\x49\x77", 6); /* 6480201, text(23) */
    tb_raw(&tail, T_PROGRAM_6480201, 23);
    tb_raw(&tail, "\x1a\x00\x63\x56\xdf\x78\x2f", 7); /* 6510303, text(47) */
    tb_raw(&tail, T_PROGRAM_6510303, 47);
    assert_true(message.payload_length > tail.length);
    assert_memory_equal(message.payload + message.payload_length - tail.length, tail.data, tail.length);

    assert_int_equal(parse(data, length, authority.certificate, 0, &list), VB_OK);
    assert_int_equal(list.program_count, 2);
    assert_string_equal(vb_trust_program_name(&list, 6510303), T_PROGRAM_6510303);
    assert_string_equal(vb_trust_program_name(&list, 6480201), T_PROGRAM_6480201);
    assert_null(vb_trust_program_name(&list, 1));
    vb_trust_free(&list);
    free(data);
}

static void test_verify_fills_program_name_from_catalog(void **state)
{
    (void)state;
    size_t length;
    uint8_t *data = list_with_catalog(&length);
    vb_trust_list with_catalog, without_catalog;
    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    vb_verification result;
    assert_int_equal(parse(data, length, authority.certificate, 0, &with_catalog), VB_OK);
    free(data);
    usual_trust(&without_catalog);

    realistic_credential(&c, "CDCNHN", T_IAT);
    c.program_name_from_catalog = true;
    size_t record_length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&with_catalog, record, record_length, &result), VB_OK);
    assert_true(result.credential.program_name_from_catalog);
    assert_string_equal(result.credential.program_name, T_PROGRAM_6510303);
    assert_false(result.program_name_unknown);

    /* A verifier whose list lacks the code still finds the record genuine, and says so. */
    assert_int_equal(vb_verify_record(&without_catalog, record, record_length, &result), VB_OK);
    assert_true(result.program_name_unknown);
    assert_string_equal(result.credential.program_name, "");

    /* A record that writes its program name keeps it, catalog or not. */
    realistic_credential(&c, "CDCNHN", T_IAT);
    strcpy(c.program_name, "T\xc3\xaan kh\xc3\xa1" "c");
    record_length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&with_catalog, record, record_length, &result), VB_OK);
    assert_string_equal(result.credential.program_name, "T\xc3\xaan kh\xc3\xa1" "c");
    assert_false(result.program_name_unknown);
    vb_trust_free(&with_catalog);
    vb_trust_free(&without_catalog);
}

static void test_malformed_program_catalogs(void **state)
{
    (void)state;
    static uint8_t bytes[300000];
    test_buffer b = {bytes, 0, sizeof bytes};
    char long_name[300];
    memset(long_name, 'a', sizeof long_name);

    /* {1: 1, 2: 1, 3: T, 4: [], 5: catalog} */
#define CATALOG(want, why, ...)                                                                             \
    do {                                                                                                    \
        b.length = 0;                                                                                       \
        tb_head(&b, 5, 5);                                                                                  \
        tb_head(&b, 0, 1);                                                                                  \
        tb_head(&b, 0, 1);                                                                                  \
        tb_head(&b, 0, 2);                                                                                  \
        tb_head(&b, 0, 1);                                                                                  \
        tb_head(&b, 0, 3);                                                                                  \
        tb_head(&b, 0, T_LIST_ISSUED);                                                                      \
        tb_head(&b, 0, 4);                                                                                  \
        tb_head(&b, 4, 0);                                                                                  \
        tb_head(&b, 0, 5);                                                                                  \
        __VA_ARGS__;                                                                                        \
        vb_status got_ = parse_payload_exact(&b);                                                           \
        if (got_ != (want))                                                                                 \
            fail_msg("%s: expected %s, got %s", why, vb_status_name(want), vb_status_name(got_));          \
    } while (0)
#define PROGRAM(code, text, n)                                                                              \
    do {                                                                                                    \
        tb_head(&b, 0, code);                                                                               \
        tb_head(&b, 3, n);                                                                                  \
        tb_raw(&b, text, n);                                                                                \
    } while (0)

    CATALOG(VB_OK, "one program", tb_head(&b, 5, 1); PROGRAM(6510303, T_PROGRAM_6510303, 47));
    CATALOG(VB_OK, "empty catalog", tb_head(&b, 5, 0));
    CATALOG(VB_OK, "name of 255 bytes", tb_head(&b, 5, 1); PROGRAM(5, long_name, 255));
    CATALOG(VB_ERR_TRUST_MALFORMED, "name of 256 bytes", tb_head(&b, 5, 1); PROGRAM(5, long_name, 256));
    CATALOG(VB_ERR_TRUST_MALFORMED, "catalog as an array", tb_head(&b, 4, 0));
    CATALOG(VB_ERR_TRUST_MALFORMED, "code 0", tb_head(&b, 5, 1); PROGRAM(0, "A", 1));
    CATALOG(VB_ERR_TRUST_MALFORMED, "code as text", tb_head(&b, 5, 1); tb_head(&b, 3, 1); tb_raw(&b, "5", 1);
            tb_head(&b, 3, 1); tb_raw(&b, "A", 1));
    CATALOG(VB_ERR_TRUST_MALFORMED, "empty name", tb_head(&b, 5, 1); PROGRAM(5, "", 0));
    CATALOG(VB_ERR_TRUST_MALFORMED, "name as bytes", tb_head(&b, 5, 1); tb_head(&b, 0, 5); tb_head(&b, 2, 1);
            tb_raw(&b, "A", 1));
    CATALOG(VB_ERR_TRUST_MALFORMED, "name not in NFC", tb_head(&b, 5, 1); PROGRAM(5, "Ha\xcc\x80n", 5));
    CATALOG(VB_ERR_TRUST_MALFORMED, "name with a newline", tb_head(&b, 5, 1); PROGRAM(5, "A\nB", 3));
    CATALOG(VB_ERR_TRUST_MALFORMED, "codes out of order", tb_head(&b, 5, 2); PROGRAM(6510303, "B", 1);
            PROGRAM(6480201, "A", 1));
    CATALOG(VB_ERR_TRUST_MALFORMED, "code twice", tb_head(&b, 5, 2); PROGRAM(6510303, "B", 1);
            PROGRAM(6510303, "B", 1));
    CATALOG(VB_ERR_TRUST_MALFORMED, "catalog shorter than its count", tb_head(&b, 5, 3); PROGRAM(1, "A", 1);
            PROGRAM(2, "B", 1));
    CATALOG(VB_ERR_TOO_LARGE, "20001 programs", tb_head(&b, 5, VB_MAX_PROGRAMS + 1);
            for (uint64_t code = 1; code <= VB_MAX_PROGRAMS + 1; code++) PROGRAM(code, "A", 1));
    CATALOG(VB_OK, "20000 programs", tb_head(&b, 5, VB_MAX_PROGRAMS);
            for (uint64_t code = 1; code <= VB_MAX_PROGRAMS; code++) PROGRAM(code, "A", 1));
#undef CATALOG
#undef PROGRAM
}

/* ---------------------------------------------------------------- verification */

static void test_verify_genuine_records(void **state)
{
    (void)state;
    vb_trust_list trust;
    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    vb_verification result;
    usual_trust(&trust);

    realistic_credential(&c, "CDCNHN", T_IAT);
    size_t length = sign_record(signer_a.key, signer_a.kid, &c, record);
    if (vb_verify_record(&trust, record, length, &result) != VB_OK)
        fail_msg("genuine ES256 record refused: %s", result.error.message);
    assert_int_equal(result.status, VB_OK);
    assert_true(result.decoded);
    assert_ptr_equal(result.signer, vb_trust_find(&trust, signer_a.kid));
    assert_memory_equal(result.kid, signer_a.kid, VB_KID_BYTES);
    assert_int_equal(result.record_length, length);
    assert_string_equal(result.credential.name, c.name);
    assert_string_equal(result.credential.program_name, c.program_name);
    assert_string_equal(result.credential.school_code, "CDCNHN");
    assert_int_equal(result.credential.birth_date, c.birth_date);
    assert_true(result.credential.signed_at == T_IAT);

    realistic_credential(&c, "CDRSA", T_IAT);
    length = sign_record(signer_rsa.key, signer_rsa.kid, &c, record);
    if (vb_verify_record(&trust, record, length, &result) != VB_OK)
        fail_msg("genuine PS256 record refused: %s", result.error.message);
    assert_ptr_equal(result.signer, vb_trust_find(&trust, signer_rsa.kid));

    /* The validity period includes both of its ends (RFC 5280 §4.1.2.5). */
    realistic_credential(&c, "CDCNHN", T_2025);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_OK);
    realistic_credential(&c, "CDCNHN", T_2027);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_OK);
    vb_trust_free(&trust);
}

static void test_verify_refusals(void **state)
{
    (void)state;
    vb_trust_list trust;
    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t length;
    vb_verification result;
    usual_trust(&trust);

    /* Signed by a key the list does not know. */
    static const uint8_t stranger_kid[VB_KID_BYTES] = {9, 9, 9, 9, 9, 9, 9, 9};
    realistic_credential(&c, "CDCNHN", T_IAT);
    length = sign_record(unlisted_key, stranger_kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_UNKNOWN_SIGNER);
    assert_true(result.decoded);
    assert_null(result.signer);
    assert_memory_equal(result.kid, stranger_kid, VB_KID_BYTES);

    /* Signed by the authority itself: listed, but not as a signer. */
    length = sign_record(authority.key, authority.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_UNKNOWN_SIGNER);

    /* Signed by a foreign CA's signer not in the list. */
    realistic_credential(&c, "CDX", T_IAT);
    length = sign_record(foreign_signer.key, foreign_signer.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_UNKNOWN_SIGNER);

    /* Signed outside the certificate's validity. */
    realistic_credential(&c, "CDCNHN", T_2025 - 1);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_SIGNER_NOT_VALID);
    assert_true(result.decoded);
    realistic_credential(&c, "CDCNHN", T_2027 + 1);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_SIGNER_NOT_VALID);

    /* A school code that is not the certificate's serialNumber. */
    realistic_credential(&c, "CKC", T_IAT);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_UNKNOWN_SIGNER);

    /* Tampered: "Nguyễn" → "Mguyễn" keeps a well-formed record whose signature fails. */
    realistic_credential(&c, "CDCNHN", T_IAT);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    uint8_t *name = NULL;
    for (size_t i = 0; i + 4 <= length && !name; i++)
        if (memcmp(record + i, "Nguy", 4) == 0)
            name = record + i;
    assert_non_null(name);
    *name = 'M';
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_BAD_SIGNATURE);
    assert_true(result.decoded);
    *name = 'N';
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_OK);
    record[length - 10] ^= 0x04;
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_BAD_SIGNATURE);

    /* The signature is checked before the validity period (an invalid date on a forged record
     * is a forgery first). */
    realistic_credential(&c, "CDCNHN", T_2025 - 1);
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    record[length - 1] ^= 0x01;
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_BAD_SIGNATURE);

    /* An RSA key signing under the kid of an ECDSA signer. */
    realistic_credential(&c, "CDCNHN", T_IAT);
    length = sign_record(signer_rsa.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_ALG_KEY_MISMATCH);

    /* Malformed records: not decoded. */
    length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_verify_record(&trust, record, length - 1, &result), VB_ERR_CBOR_TRUNCATED);
    assert_false(result.decoded);
    assert_int_equal(vb_verify_record(&trust, record, 0, &result), VB_ERR_CBOR_TRUNCATED);
    record[0] = 0xd1;
    assert_int_equal(vb_verify_record(&trust, record, length, &result), VB_ERR_COSE_TAG);
    vb_trust_free(&trust);
}

/* A signer certificate's serialNumber is its school code (FORMAT.md §7), at most 32 characters
 * like iss. One of 33 characters must not be cut to its first 32 and then match a record whose
 * iss is that prefix: the school a signer may sign for is exactly the one its certificate names. */
static void test_long_serial_number_is_not_truncated_into_another_school(void **state)
{
    (void)state;
    static const char long_code[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345X"; /* 33 characters */
    static const char prefix[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";     /* another school's code */
    test_party odd;
    make_party(&odd, EVP_EC_gen("P-256"), "Odd School", long_code, &authority, 9, T_2025, T_2027);

    vb_trust_list draft = {0}, trust;
    size_t length;
    vb_error err = {0};
    add(&draft, VB_TRUST_ROLE_AUTHORITY, &authority);
    /* The authority's own tools refuse such a certificate outright (the same check guards
     * parsing, since both build entries through vb_trust_entry_from_certificate). */
    vb_status added = vb_trust_add(&draft, VB_TRUST_ROLE_SIGNER, odd.certificate, &err);
    if (added != VB_OK) {
        assert_int_equal(added, VB_ERR_TRUST_CERTIFICATE);
        vb_trust_free(&draft);
        free_party(&odd);
        return;
    }
    uint8_t *data = sign_list(&draft, 1, authority.key, authority.kid, &length);
    vb_trust_free(&draft);
    vb_status parsed = parse(data, length, authority.certificate, 0, &trust);
    vb_status verdict = VB_ERR_UNKNOWN_SIGNER;
    free(data);
    if (parsed == VB_OK) {
        vb_credential c;
        uint8_t record[VB_MAX_RECORD_BYTES];
        vb_verification result;
        realistic_credential(&c, prefix, T_IAT);
        size_t record_length = sign_record(odd.key, odd.kid, &c, record);
        verdict = vb_verify_record(&trust, record, record_length, &result);
        vb_trust_free(&trust);
    }
    free_party(&odd);
    if (parsed != VB_OK)
        assert_int_equal(parsed, VB_ERR_TRUST_CERTIFICATE);
    if (verdict == VB_OK)
        fail_msg("a signer certified for school %s verified a record of school %s", long_code, prefix);
}

static void test_verify_link_round_trip(void **state)
{
    (void)state;
    vb_trust_list trust;
    vb_credential c;
    uint8_t record[VB_MAX_RECORD_BYTES];
    char link[VB_MAX_LINK_CHARS + 1];
    size_t prefix_length;
    vb_verification result;
    vb_error err = {0};
    usual_trust(&trust);

    realistic_credential(&c, "CDCNHN", T_IAT);
    size_t length = sign_record(signer_a.key, signer_a.kid, &c, record);
    assert_int_equal(vb_link_encode("https://xacthuc.example.edu.vn/V/", record, length, link, sizeof link,
                                    &prefix_length, &err), VB_OK);
    assert_int_equal(strncmp(link, "HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/", prefix_length), 0);
    if (vb_verify_link(&trust, link, strlen(link), &result) != VB_OK)
        fail_msg("link refused: %s", result.error.message);
    assert_string_equal(result.credential.name, c.name);
    assert_int_equal(result.record_length, length);

    /* The digits alone, as the JSON API may receive them. */
    assert_int_equal(vb_verify_link(&trust, link + prefix_length, strlen(link) - prefix_length, &result), VB_OK);

    /* A changed digit: the record no longer verifies (or no longer decodes). */
    char *last = link + strlen(link) - 1;
    *last = *last == '0' ? '1' : '0';
    assert_int_not_equal(vb_verify_link(&trust, link, strlen(link), &result), VB_OK);
    assert_int_equal(vb_verify_link(&trust, "not a link", 10, &result), VB_ERR_LINK_PREFIX);
    assert_int_equal(result.status, VB_ERR_LINK_PREFIX);
    assert_false(result.decoded);
    vb_trust_free(&trust);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kid_is_sha256_of_the_certificate_der),
        cmocka_unit_test(test_entry_fields_from_certificate),
        cmocka_unit_test(test_find_in_empty_list),
        cmocka_unit_test(test_editing),
        cmocka_unit_test(test_sign_and_parse_round_trip),
        cmocka_unit_test(test_removed_signer),
        cmocka_unit_test(test_unknown_authority),
        cmocka_unit_test(test_tampered_or_unsigned_lists),
        cmocka_unit_test(test_sequence_must_increase),
        cmocka_unit_test(test_signer_certificates_must_chain),
        cmocka_unit_test(test_authority_entry_must_be_a_ca),
        cmocka_unit_test(test_malformed_payloads),
        cmocka_unit_test(test_payload_without_issue_time),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_program_catalog_editing),
        cmocka_unit_test(test_program_catalog_in_signed_list),
        cmocka_unit_test(test_verify_fills_program_name_from_catalog),
        cmocka_unit_test(test_malformed_program_catalogs),
        cmocka_unit_test(test_verify_genuine_records),
        cmocka_unit_test(test_verify_refusals),
        cmocka_unit_test(test_long_serial_number_is_not_truncated_into_another_school),
        cmocka_unit_test(test_verify_link_round_trip),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
