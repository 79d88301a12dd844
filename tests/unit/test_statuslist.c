/*
 * test_statuslist.c — unit tests of the status list (libvanbang/statuslist.c): a school signs
 * which records are revoked or superseded, and a verifier loads and queries it offline.
 *
 * The test makes a small PKI with keys.h (an authority, school signers, one of them removed from
 * the trust list, one never listed), signs and parses a trust list with trust.h, then builds,
 * signs, parses and tampers with status lists: the round trip, lookups, every rule of the
 * payload (hand-encoded payloads that break one rule each), every rule of verification, a
 * known-answer payload, and a list of a million entries, timed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cbor.h"
#include "keys.h"
#include "record.h"
#include "statuslist.h"
#include "trust.h"
#include "verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define T_DAY_2026_06_20 20624 /* days since 1970 of 2026-06-20 */
/* "CN=Cơ quan cấp thử, O=Bộ GDĐT, C=VN" */
#define T_AUTHORITY_SUBJECT "CN=C\xc6\xa1 quan c\xe1\xba\xa5p th\xe1\xbb\xad, O=B\xe1\xbb\x99 GD\xc4\x90T, C=VN"
/* "Trường Cao đẳng Công nghệ Hà Nội", "Trường Cao đẳng Kỹ thuật Cao Thắng" */
#define T_SCHOOL_A_NAME "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng C\xc3\xb4ng ngh\xe1\xbb\x87 H\xc3\xa0 N\xe1\xbb\x99i"
#define T_SCHOOL_B_NAME "Tr\xc6\xb0\xe1\xbb\x9dng Cao \xc4\x91\xe1\xba\xb3ng K\xe1\xbb\xb9 thu\xe1\xba\xadt Cao Th\xe1\xba\xafng"

/* A key, its certificate and kid. */
typedef struct {
    EVP_PKEY *key;
    X509 *certificate;
    uint8_t kid[VB_KID_BYTES];
} test_party;

static test_party authority, school_a, school_b, school_removed, school_rsa, school_unlisted;
static vb_trust_list trust;
static int64_t now;

/* ---------------------------------------------------------------- PKI */

static void make_school(test_party *party, EVP_PKEY *key, const char *code, const char *name, int days)
{
    vb_error err = {0};
    X509_REQ *request = NULL;
    party->key = key;
    assert_non_null(key);
    if (vb_cert_make_request(key, code, name, NULL, &request, &err) != VB_OK ||
        vb_cert_certify(authority.certificate, authority.key, request, days, &party->certificate, &err) != VB_OK)
        fail_msg("school %s: %s", code, err.message);
    X509_REQ_free(request);
    assert_int_equal(vb_cert_kid(party->certificate, party->kid, NULL), VB_OK);
}

static void free_party(test_party *party)
{
    EVP_PKEY_free(party->key);
    X509_free(party->certificate);
}

static int group_setup(void **state)
{
    (void)state;
    vb_error err = {0};
    if (vb_key_generate_p256(&authority.key, &err) != VB_OK ||
        vb_cert_make_authority(authority.key, T_AUTHORITY_SUBJECT, 3653, &authority.certificate, &err) != VB_OK)
        fail_msg("authority: %s", err.message);
    assert_int_equal(vb_cert_kid(authority.certificate, authority.kid, NULL), VB_OK);

    EVP_PKEY *key;
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_a, key, "CDCNHN", T_SCHOOL_A_NAME, 365);
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_b, key, "CKC", T_SCHOOL_B_NAME, 365);
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_removed, key, "CDREM", "Removed School", 365);
    assert_int_equal(vb_key_generate_rsa(2048, &key, NULL), VB_OK);
    make_school(&school_rsa, key, "CDRSA", "RSA School", 365);
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_unlisted, key, "CDOUT", "Unlisted School", 365);
    now = (int64_t)time(NULL); /* after every certificate's notBefore */

    /* The trust list as a verifier gets it: signed by the authority, parsed against its anchor. */
    vb_trust_list editing = {0};
    vb_cose_signer signer;
    uint8_t *signed_trust = NULL;
    size_t length = 0;
    if (vb_trust_add(&editing, VB_TRUST_ROLE_AUTHORITY, authority.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_a.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_b.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_removed.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_rsa.certificate, &err) != VB_OK ||
        vb_trust_remove(&editing, school_removed.kid, now, &err) != VB_OK ||
        vb_cose_signer_init(&signer, authority.key, authority.kid, &err) != VB_OK ||
        vb_trust_sign(&editing, 1, now, &signer, &signed_trust, &length, &err) != VB_OK)
        fail_msg("trust list: %s", err.message);
    vb_cose_signer_free(&signer);
    vb_trust_free(&editing);
    X509 *anchors[1] = {authority.certificate};
    if (vb_trust_parse(signed_trust, length, anchors, 1, 0, &trust, &err) != VB_OK)
        fail_msg("vb_trust_parse: %s", err.message);
    free(signed_trust);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    vb_trust_free(&trust);
    free_party(&authority);
    free_party(&school_a);
    free_party(&school_b);
    free_party(&school_removed);
    free_party(&school_rsa);
    free_party(&school_unlisted);
    return 0;
}

/* ---------------------------------------------------------------- helpers */

static vb_statuslist_entry revoked(uint64_t id, int reason, int32_t date)
{
    return (vb_statuslist_entry){id, VB_STATUSLIST_STATE_REVOKED, reason, date, 0};
}

static vb_statuslist_entry superseded(uint64_t id, uint64_t by, int32_t date)
{
    return (vb_statuslist_entry){id, VB_STATUSLIST_STATE_SUPERSEDED, 0, date, by};
}

static void add(vb_statuslist_builder *builder, vb_statuslist_entry entry, const char *decision)
{
    vb_error err = {0};
    if (vb_statuslist_builder_add(builder, &entry, decision, &err) != VB_OK)
        fail_msg("vb_statuslist_builder_add: %s", err.message);
}

/* A correction record of school `code`: record id `id`, superseding `corrected`. */
static size_t sign_correction(const test_party *school, const char *code, uint64_t id, uint64_t corrected,
                              uint8_t out[VB_MAX_RECORD_BYTES])
{
    vb_credential c;
    vb_cose_signer signer;
    vb_error err = {0};
    size_t length;
    memset(&c, 0, sizeof c);
    strcpy(c.school_code, code);
    c.signed_at = now;
    c.record_id_length = vb_statuslist_id_to_cti(id, c.record_id);
    c.type = VB_TYPE_COLLEGE;
    strcpy(c.serial, "C\xc4\x90-2026-004512");
    c.register_number = 4512;
    c.register_year = 2026;
    strcpy(c.name, "Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b \xc3\x81nh Tuy\xe1\xba\xbft");
    c.birth_date = 12492;
    c.gender = VB_GENDER_FEMALE;
    strcpy(c.program_name, "C\xc3\xb4ng ngh\xe1\xbb\x87 th\xc3\xb4ng tin");
    c.issue_date = T_DAY_2026_06_20;
    strcpy(c.issue_place, "H\xc3\xa0 N\xe1\xbb\x99i");
    c.kind = corrected ? VB_KIND_CORRECTION : VB_KIND_ORIGINAL;
    if (corrected)
        c.supersedes_length = vb_statuslist_id_to_cti(corrected, c.supersedes);
    assert_int_equal(vb_cose_signer_init(&signer, school->key, school->kid, &err), VB_OK);
    if (vb_record_sign(&signer, &c, out, VB_MAX_RECORD_BYTES, &length, &err) != VB_OK)
        fail_msg("vb_record_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return length;
}

static uint8_t *sign_list(vb_statuslist_builder *builder, const test_party *school, const char *origin,
                          uint64_t sequence, int64_t issued_at, size_t *length)
{
    vb_cose_signer signer;
    vb_error err = {0};
    uint8_t *out = NULL;
    assert_int_equal(vb_cose_signer_init(&signer, school->key, school->kid, &err), VB_OK);
    if (vb_statuslist_sign(builder, &signer, origin, sequence, issued_at, &out, length, &err) != VB_OK)
        fail_msg("vb_statuslist_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return out;
}

/* Signs any payload as a school would, for payloads the builder would never make. */
static uint8_t *sign_payload(const test_party *school, const uint8_t *payload, size_t payload_length, size_t *length)
{
    vb_cose_signer signer;
    uint8_t *out = malloc(payload_length + 1024);
    assert_non_null(out);
    assert_int_equal(vb_cose_signer_init(&signer, school->key, school->kid, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_sign(&signer, payload, payload_length, out, payload_length + 1024, length, NULL),
                     VB_OK);
    vb_cose_signer_free(&signer);
    return out;
}

static vb_status parse(const uint8_t *data, size_t length, uint64_t held, vb_statuslist *list)
{
    vb_error err = {0};
    vb_status s = vb_statuslist_parse(data, length, &trust, held, list, &err);
    if (s != VB_OK) {
        assert_int_equal(err.code, s);
        assert_true(err.message[0] != '\0');
        assert_null(list->entries);
        assert_null(list->replacements);
        assert_null(list->decisions);
    }
    return s;
}

static vb_status parse_payload(const uint8_t *data, size_t length)
{
    vb_statuslist list;
    vb_error err = {0};
    vb_status s = vb_statuslist_parse_payload(data, length, &list, &err);
    if (s == VB_OK) {
        vb_statuslist_free(&list);
    } else {
        assert_int_equal(err.code, s);
        assert_true(err.message[0] != '\0');
        assert_null(list.entries);
        assert_null(list.replacements);
        assert_null(list.decisions);
    }
    return s;
}

static double seconds_since(const struct timespec *start)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    return (double)(end.tv_sec - start->tv_sec) + (double)(end.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---------------------------------------------------------------- hand-made payloads */

/* One raw 22-byte entry. */
static void raw_entry(uint8_t *p, uint64_t id, int state, int reason, int32_t date, uint64_t by)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(id >> (56 - 8 * i));
    p[8] = (uint8_t)state;
    p[9] = (uint8_t)reason;
    for (int i = 0; i < 4; i++)
        p[10 + i] = (uint8_t)((uint32_t)date >> (24 - 8 * i));
    for (int i = 0; i < 8; i++)
        p[14 + i] = (uint8_t)(by >> (56 - 8 * i));
}

/* A payload with every field as given; `skip_key` leaves one key out, `extra_key` adds one (a
 * uint value 0) after the others, `side6`/`side7` are raw CBOR maps for keys 6 and 7. */
typedef struct {
    uint64_t version;
    const char *origin;
    uint64_t sequence;
    uint64_t issued_at;
    const uint8_t *entries;
    size_t entries_length;
    const uint8_t *side6;
    size_t side6_length;
    const uint8_t *side7;
    size_t side7_length;
    uint64_t skip_key;
    uint64_t extra_key;
} payload_spec;

static payload_spec usual_spec(const uint8_t *entries, size_t entries_length)
{
    return (payload_spec){1, "CDCNHN", 7, 1781920800, entries, entries_length, NULL, 0, NULL, 0, 0, 0};
}

static size_t encode_spec(const payload_spec *p, uint8_t *out, size_t size)
{
    vb_cbor_writer w;
    size_t count = 5 + (p->side6 != NULL) + (p->side7 != NULL) + (p->extra_key != 0) - (p->skip_key != 0);
    vb_cbor_writer_init(&w, out, size);
    vb_cbor_put_map(&w, count);
    if (p->skip_key != 1) {
        vb_cbor_put_uint(&w, 1);
        vb_cbor_put_uint(&w, p->version);
    }
    if (p->skip_key != 2) {
        vb_cbor_put_uint(&w, 2);
        vb_cbor_put_cstring(&w, p->origin);
    }
    if (p->skip_key != 3) {
        vb_cbor_put_uint(&w, 3);
        vb_cbor_put_uint(&w, p->sequence);
    }
    if (p->skip_key != 4) {
        vb_cbor_put_uint(&w, 4);
        vb_cbor_put_uint(&w, p->issued_at);
    }
    if (p->skip_key != 5) {
        vb_cbor_put_uint(&w, 5);
        vb_cbor_put_bytes(&w, p->entries, p->entries_length);
    }
    if (p->side6) {
        vb_cbor_put_uint(&w, 6);
        vb_cbor_put_raw(&w, p->side6, p->side6_length);
    }
    if (p->side7) {
        vb_cbor_put_uint(&w, 7);
        vb_cbor_put_raw(&w, p->side7, p->side7_length);
    }
    if (p->extra_key) {
        vb_cbor_put_uint(&w, p->extra_key);
        vb_cbor_put_uint(&w, 0);
    }
    assert_false(w.overflow);
    return w.length;
}

static vb_status parse_spec(const payload_spec *p)
{
    uint8_t out[8192];
    return parse_payload(out, encode_spec(p, out, sizeof out));
}

/* Three entries, ascending: 5 revoked, 9 superseded by 12, 12 revoked. */
static void three_entries(uint8_t entries[3 * VB_STATUSLIST_ENTRY_BYTES])
{
    raw_entry(entries, 5, 1, 1, T_DAY_2026_06_20, 0);
    raw_entry(entries + 22, 9, 2, 0, T_DAY_2026_06_20, 12);
    raw_entry(entries + 44, 12, 1, 6, T_DAY_2026_06_20 + 1, 0);
}

/* ---------------------------------------------------------------- tests */

static void test_record_ids(void **state)
{
    (void)state;
    uint8_t cti[8];
    uint64_t id;
    assert_int_equal(vb_statuslist_id_to_cti(1, cti), 1);
    assert_int_equal(cti[0], 1);
    assert_int_equal(vb_statuslist_id_to_cti(0x4512, cti), 2);
    assert_memory_equal(cti, "\x45\x12", 2);
    assert_int_equal(vb_statuslist_id_to_cti(UINT64_MAX, cti), 8);
    assert_true(vb_statuslist_id_from_cti(cti, 8, &id));
    assert_true(id == UINT64_MAX);
    assert_true(vb_statuslist_id_from_cti((const uint8_t *)"\x45\x12", 2, &id) && id == 0x4512);
    /* No id: empty, a leading zero byte (another cti than "\x45"), over 8 bytes. */
    assert_false(vb_statuslist_id_from_cti((const uint8_t *)"", 0, &id));
    assert_false(vb_statuslist_id_from_cti((const uint8_t *)"\x00\x45", 2, &id));
    assert_false(vb_statuslist_id_from_cti((const uint8_t *)"\x00", 1, &id));
    assert_false(vb_statuslist_id_from_cti((const uint8_t *)"\x01\x02\x03\x04\x05\x06\x07\x08\x09", 9, &id));
}

/* The school's list as it would publish it: revocations on every ground, a chain of two
 * corrections with their records, decision numbers; added in no particular order. */
static uint8_t *usual_list(uint64_t sequence, size_t *length, uint8_t replacement_77[VB_MAX_RECORD_BYTES],
                           size_t *replacement_77_length)
{
    vb_statuslist_builder builder;
    vb_error err = {0};
    uint8_t record[VB_MAX_RECORD_BYTES];
    vb_statuslist_builder_init(&builder);
    add(&builder, revoked(300, VB_STATUSLIST_REASON_LENT, T_DAY_2026_06_20), "17/Q\xc4\x90-C\xc4\x90" "CN");
    add(&builder, superseded(40, 77, T_DAY_2026_06_20 - 3), "12/Q\xc4\x90-C\xc4\x90" "CN");
    add(&builder, revoked(1, VB_STATUSLIST_REASON_FRAUD, -7305), NULL);
    add(&builder, superseded(77, 90, T_DAY_2026_06_20), NULL); /* 40 → 77 → 90 */
    for (int reason = 2; reason <= 6; reason++)
        add(&builder, revoked(1000 + (uint64_t)reason, reason, 84005), NULL);
    add(&builder, revoked(UINT64_MAX, VB_STATUSLIST_REASON_ISSUER_ERROR, 0), NULL);
    size_t n = sign_correction(&school_a, "CDCNHN", 77, 40, record);
    if (replacement_77) {
        memcpy(replacement_77, record, n);
        *replacement_77_length = n;
    }
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_OK);
    n = sign_correction(&school_a, "CDCNHN", 90, 77, record);
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_OK);
    uint8_t *out = sign_list(&builder, &school_a, "CDCNHN", sequence, now, length);
    vb_statuslist_builder_free(&builder);
    return out;
}

static void test_round_trip(void **state)
{
    (void)state;
    size_t length, replacement_length;
    uint8_t replacement[VB_MAX_RECORD_BYTES];
    uint8_t *data = usual_list(3, &length, replacement, &replacement_length);
    vb_statuslist list;
    vb_statuslist_entry entry;
    assert_int_equal(parse(data, length, 0, &list), VB_OK);

    assert_string_equal(list.origin, "CDCNHN");
    assert_int_equal(list.sequence, 3);
    assert_int_equal(list.issued_at, now);
    assert_memory_equal(list.signed_by, school_a.kid, VB_KID_BYTES);
    assert_int_equal(list.count, 10);
    assert_int_equal(list.replacement_count, 2);
    assert_int_equal(list.decision_count, 2);

    /* In id order, whatever the order of adding. */
    uint64_t previous = 0;
    for (size_t i = 0; i < list.count; i++) {
        vb_statuslist_entry at, found;
        vb_statuslist_entry_at(&list, i, &at);
        assert_true(at.record_id > previous);
        previous = at.record_id;
        assert_non_null(vb_statuslist_find_id(&list, at.record_id, &found));
        assert_true(at.record_id == found.record_id && at.state == found.state && at.reason == found.reason &&
                    at.decision_date == found.decision_date && at.superseded_by == found.superseded_by);
    }

    assert_non_null(vb_statuslist_find_id(&list, 300, &entry));
    assert_int_equal(entry.state, VB_STATUSLIST_STATE_REVOKED);
    assert_int_equal(entry.reason, VB_STATUSLIST_REASON_LENT);
    assert_int_equal(entry.decision_date, T_DAY_2026_06_20);
    assert_true(entry.superseded_by == 0);
    assert_non_null(vb_statuslist_find_id(&list, 1, &entry));
    assert_int_equal(entry.decision_date, -7305);
    assert_non_null(vb_statuslist_find_id(&list, UINT64_MAX, &entry));
    assert_int_equal(entry.reason, VB_STATUSLIST_REASON_ISSUER_ERROR);
    for (int reason = 2; reason <= 6; reason++) {
        assert_non_null(vb_statuslist_find_id(&list, 1000 + (uint64_t)reason, &entry));
        assert_int_equal(entry.reason, reason);
        assert_int_equal(entry.decision_date, 84005);
    }

    /* By cti: 300 is "\x01\x2c". */
    assert_non_null(vb_statuslist_find(&list, (const uint8_t *)"\x01\x2c", 2, &entry));
    assert_true(entry.record_id == 300);
    assert_null(vb_statuslist_find(&list, (const uint8_t *)"\x00\x01\x2c", 3, &entry));
    assert_null(vb_statuslist_find(&list, (const uint8_t *)"", 0, &entry));
    assert_null(vb_statuslist_find(&list, NULL, 0, &entry));

    /* Absent ids: between, below and above the listed ones. */
    const uint64_t absent[] = {0, 2, 39, 41, 299, 301, 1001, 1007, UINT64_MAX - 1};
    for (size_t i = 0; i < sizeof absent / sizeof absent[0]; i++)
        assert_null(vb_statuslist_find_id(&list, absent[i], &entry));

    /* The chain of corrections and its records. */
    assert_non_null(vb_statuslist_find_id(&list, 40, &entry));
    assert_int_equal(entry.state, VB_STATUSLIST_STATE_SUPERSEDED);
    assert_int_equal(entry.reason, 0);
    assert_true(entry.superseded_by == 77);
    assert_true(vb_statuslist_current_id(&list, 40) == 90);
    assert_true(vb_statuslist_current_id(&list, 77) == 90);
    assert_true(vb_statuslist_current_id(&list, 90) == 90);
    assert_true(vb_statuslist_current_id(&list, 300) == 300);
    const uint8_t *record;
    size_t record_length;
    assert_true(vb_statuslist_replacement(&list, 77, &record, &record_length));
    assert_int_equal(record_length, replacement_length);
    assert_memory_equal(record, replacement, replacement_length);
    assert_true(vb_statuslist_replacement(&list, 90, &record, &record_length));
    assert_false(vb_statuslist_replacement(&list, 40, &record, &record_length));

    /* The replacement is a record like any other: it verifies against the trust list. */
    vb_verification verdict;
    assert_int_equal(vb_verify_record(&trust, record, record_length, &verdict), VB_OK);
    assert_int_equal(verdict.credential.kind, VB_KIND_CORRECTION);

    const char *text;
    size_t text_length;
    assert_true(vb_statuslist_decision(&list, 300, &text, &text_length));
    assert_int_equal(text_length, strlen("17/Q\xc4\x90-C\xc4\x90" "CN"));
    assert_memory_equal(text, "17/Q\xc4\x90-C\xc4\x90" "CN", text_length);
    assert_true(vb_statuslist_decision(&list, 40, &text, &text_length));
    assert_false(vb_statuslist_decision(&list, 77, &text, &text_length));

    /* A record is looked up only in its own school's list. */
    vb_credential credential;
    memset(&credential, 0, sizeof credential);
    strcpy(credential.school_code, "CDCNHN");
    credential.record_id_length = vb_statuslist_id_to_cti(300, credential.record_id);
    assert_non_null(vb_statuslist_find_record(&list, &credential, &entry));
    strcpy(credential.school_code, "CKC");
    assert_null(vb_statuslist_find_record(&list, &credential, &entry));

    vb_statuslist_free(&list);
    free(data);
}

static void test_empty_list_and_rsa(void **state)
{
    (void)state;
    vb_statuslist_builder builder;
    vb_statuslist list;
    vb_statuslist_entry entry;
    size_t length;
    vb_statuslist_builder_init(&builder);
    uint8_t *data = sign_list(&builder, &school_a, "CDCNHN", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_OK);
    assert_int_equal(list.count, 0);
    assert_null(vb_statuslist_find_id(&list, 1, &entry));
    assert_true(vb_statuslist_current_id(&list, 5) == 5);
    vb_statuslist_free(&list);
    free(data);

    /* PS256: a school with an RSA key. */
    add(&builder, revoked(8, VB_STATUSLIST_REASON_ALTERED, T_DAY_2026_06_20), NULL);
    data = sign_list(&builder, &school_rsa, "CDRSA", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_OK);
    assert_non_null(vb_statuslist_find_id(&list, 8, &entry));
    vb_statuslist_free(&list);
    free(data);
    vb_statuslist_builder_free(&builder);
}

/* A known answer: the payload of a two-entry list, byte for byte as FORMAT.md §11 shows it. */
static void test_known_payload(void **state)
{
    (void)state;
    static const char expected[] =
        "a5"                             /* map of 5 */
        "0101"                           /* 1: version 1 */
        "0266434443"                     /* 2: "CDC" … */
        "4e484e"                         /*    … "NHN" */
        "0307"                           /* 3: sequence 7 */
        "041a6a35f420"                   /* 4: 2026-06-20T02:00:00Z */
        "05582c"                         /* 5: bstr of 44 bytes */
        "0000000000000028" "02" "00" "0000508d" "000000000000004d" /* 40 superseded by 77 */
        "000000000000012c" "01" "05" "00005090" "0000000000000000"; /* 300 revoked, lent */
    vb_statuslist_builder builder;
    vb_cose_sign1 message;
    size_t length;
    vb_statuslist_builder_init(&builder);
    add(&builder, revoked(300, VB_STATUSLIST_REASON_LENT, T_DAY_2026_06_20), NULL);
    add(&builder, superseded(40, 77, T_DAY_2026_06_20 - 3), NULL);
    uint8_t *data = sign_list(&builder, &school_a, "CDCNHN", 7, 1781920800, &length);
    assert_int_equal(vb_cose_sign1_decode(data, length, &message, NULL), VB_OK);
    char hex[2 * 128 + 1] = "";
    assert_true(message.payload_length <= 128);
    for (size_t i = 0; i < message.payload_length; i++)
        snprintf(hex + 2 * i, 3, "%02x", message.payload[i]);
    assert_string_equal(hex, expected);
    assert_int_equal(message.payload_length, 66);
    assert_int_equal(parse_payload(message.payload, message.payload_length), VB_OK);
    free(data);
    vb_statuslist_builder_free(&builder);
}

static void test_entry_rules(void **state)
{
    (void)state;
    uint8_t entries[3 * VB_STATUSLIST_ENTRY_BYTES];
    payload_spec spec = usual_spec(entries, sizeof entries);
    three_entries(entries);
    assert_int_equal(parse_spec(&spec), VB_OK);

    /* Order: out of order, a repeat. */
    raw_entry(entries + 22, 4, 2, 0, T_DAY_2026_06_20, 12);
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_ORDER);
    raw_entry(entries + 22, 5, 1, 1, T_DAY_2026_06_20, 0);
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_ORDER);
    three_entries(entries);
    raw_entry(entries + 44, 9, 1, 6, T_DAY_2026_06_20, 0);
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_ORDER);

    /* Values outside their sets, one at a time. */
    static const struct {
        uint64_t id;
        int state, reason;
        int32_t date;
        uint64_t by;
        vb_status expected;
    } cases[] = {
        {9, 1, 1, T_DAY_2026_06_20, 0, VB_OK},
        {9, 0, 0, T_DAY_2026_06_20, 0, VB_ERR_STATUS_ENTRY},       /* state 0 */
        {9, 3, 1, T_DAY_2026_06_20, 0, VB_ERR_STATUS_ENTRY},       /* state 3 */
        {9, 1, 0, T_DAY_2026_06_20, 0, VB_ERR_STATUS_ENTRY},       /* revoked without a ground */
        {9, 1, 7, T_DAY_2026_06_20, 0, VB_ERR_STATUS_ENTRY},       /* ground 7 */
        {9, 1, 1, T_DAY_2026_06_20, 12, VB_ERR_STATUS_ENTRY},      /* revoked and superseded */
        {9, 2, 1, T_DAY_2026_06_20, 12, VB_ERR_STATUS_ENTRY},      /* superseded with a ground */
        {9, 2, 0, T_DAY_2026_06_20, 0, VB_ERR_STATUS_ENTRY},       /* superseded by nothing */
        {9, 2, 0, T_DAY_2026_06_20, 9, VB_ERR_STATUS_ENTRY},       /* superseded by itself */
        {9, 2, 0, T_DAY_2026_06_20, 8, VB_ERR_STATUS_ENTRY},       /* by an older record */
        {9, 1, 1, -7306, 0, VB_ERR_STATUS_ENTRY},                  /* 1949-12-31 */
        {9, 1, 1, -7305, 0, VB_OK},                                /* 1950-01-01 */
        {9, 1, 1, 84005, 0, VB_OK},                                /* 2199-12-31 */
        {9, 1, 1, 84006, 0, VB_ERR_STATUS_ENTRY},                  /* 2200-01-01 */
        {9, 1, 1, INT32_MIN, 0, VB_ERR_STATUS_ENTRY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        three_entries(entries);
        raw_entry(entries + 22, cases[i].id, cases[i].state, cases[i].reason, cases[i].date, cases[i].by);
        if (parse_spec(&spec) != cases[i].expected)
            fail_msg("case %zu: expected %s", i, vb_status_name(cases[i].expected));
    }
    /* Record id 0 can only come first (ascending) and is refused there. */
    three_entries(entries);
    raw_entry(entries, 0, 1, 1, T_DAY_2026_06_20, 0);
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_ENTRY);

    /* Truncated: entries that are not a whole number of 22 bytes. */
    three_entries(entries);
    for (size_t cut = 1; cut < VB_STATUSLIST_ENTRY_BYTES; cut++) {
        spec.entries_length = sizeof entries - cut;
        assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
    }
    spec.entries_length = 2 * VB_STATUSLIST_ENTRY_BYTES;
    assert_int_equal(parse_spec(&spec), VB_OK);
    spec.entries_length = 0;
    assert_int_equal(parse_spec(&spec), VB_OK);
}

static void test_payload_rules(void **state)
{
    (void)state;
    uint8_t entries[3 * VB_STATUSLIST_ENTRY_BYTES];
    uint8_t out[4096];
    three_entries(entries);
    payload_spec spec;

#define EXPECT(expected, ...)                                                                                          \
    do {                                                                                                               \
        spec = usual_spec(entries, sizeof entries);                                                                    \
        __VA_ARGS__;                                                                                                   \
        vb_status got_ = parse_spec(&spec);                                                                            \
        if (got_ != (expected))                                                                                        \
            fail_msg("line %d: got %s, expected %s", __LINE__, vb_status_name(got_), vb_status_name(expected));       \
    } while (0)

    EXPECT(VB_OK, (void)0);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.version = 2);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.version = 0);
    for (uint64_t key = 1; key <= 5; key++)
        EXPECT(VB_ERR_STATUS_MALFORMED, spec.skip_key = key);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.extra_key = 8);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.extra_key = 1000);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.sequence = 0);
    EXPECT(VB_OK, spec.sequence = UINT64_MAX);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.origin = "");
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.origin = "CD CNHN");
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.origin = "Tr\xc6\xb0\xe1\xbb\x9dng");
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.origin = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"); /* 33 */
    EXPECT(VB_OK, spec.origin = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345");                     /* 32 */
    EXPECT(VB_OK, spec.issued_at = 7258118399ull);
    EXPECT(VB_ERR_STATUS_MALFORMED, spec.issued_at = 7258118400ull);

    /* Wrong types, and CBOR faults that keep their own codes. */
    size_t n;
    spec = usual_spec(entries, sizeof entries);
    n = encode_spec(&spec, out, sizeof out);
    assert_int_equal(parse_payload(out, n), VB_OK);
    uint8_t copy[4096];
    memcpy(copy, out, n);
    copy[0] = 0x85; /* an array, not a map */
    assert_int_equal(parse_payload(copy, n), VB_ERR_STATUS_MALFORMED);
    memcpy(copy, out, n);
    copy[1] = 0x21; /* key -2 */
    assert_int_equal(parse_payload(copy, n), VB_ERR_STATUS_MALFORMED);
    memcpy(copy, out, n);
    copy[2] = 0x41; /* version as a byte string */
    assert_int_equal(parse_payload(copy, n), VB_ERR_STATUS_MALFORMED);
    memcpy(copy, out, n);
    copy[3] = 0x01; /* keys 1, 1: a duplicate */
    assert_int_equal(parse_payload(copy, n), VB_ERR_CBOR_DUPLICATE_KEY);
    {
        vb_cbor_writer w; /* origin (2) before version (1) */
        vb_cbor_writer_init(&w, copy, sizeof copy);
        vb_cbor_put_map(&w, 5);
        vb_cbor_put_uint(&w, 2);
        vb_cbor_put_cstring(&w, "CDCNHN");
        vb_cbor_put_uint(&w, 1);
        vb_cbor_put_uint(&w, 1);
        assert_int_equal(parse_payload(copy, w.length), VB_ERR_CBOR_KEY_ORDER);
    }
    memcpy(copy, out, n);
    copy[n] = 0x00;
    assert_int_equal(parse_payload(copy, n + 1), VB_ERR_CBOR_TRAILING);
    for (size_t cut = 0; cut < n; cut++) {
        vb_status s = parse_payload(out, cut);
        assert_true(s == VB_ERR_CBOR_TRUNCATED || s == VB_ERR_STATUS_MALFORMED);
    }
    assert_int_equal(parse_payload(out, 0), VB_ERR_CBOR_TRUNCATED);
    memcpy(copy, out, n);
    copy[0] = 0xbf; /* indefinite map */
    assert_int_equal(parse_payload(copy, n), VB_ERR_CBOR_INDEFINITE);

    /* The entries' length not in its shortest form: 0x58 0x42 written as 0x59 0x00 0x42. */
    uint8_t *bstr = memchr(out, 0x58, n);
    assert_non_null(bstr);
    size_t at = (size_t)(bstr - out);
    memcpy(copy, out, at);
    copy[at] = 0x59;
    copy[at + 1] = 0x00;
    memcpy(copy + at + 2, out + at + 1, n - at - 1);
    assert_int_equal(parse_payload(copy, n + 1), VB_ERR_CBOR_NONCANONICAL);

    /* Over the limits. */
    assert_int_equal(parse_payload(out, (size_t)VB_STATUSLIST_MAX_BYTES + 1), VB_ERR_TOO_LARGE);
#undef EXPECT
}

/* Keys 6 and 7: the side maps, each value belonging to a fitting entry. */
static void test_side_maps(void **state)
{
    (void)state;
    uint8_t entries[3 * VB_STATUSLIST_ENTRY_BYTES];
    uint8_t record[VB_MAX_RECORD_BYTES], side[2048];
    vb_cbor_writer w;
    three_entries(entries); /* 5 revoked, 9 superseded by 12, 12 revoked */
    payload_spec spec = usual_spec(entries, sizeof entries);

#define SIDE_MAP(key, ...)                                                                                             \
    do {                                                                                                               \
        vb_cbor_writer_init(&w, side, sizeof side);                                                                    \
        __VA_ARGS__;                                                                                                   \
        assert_false(w.overflow);                                                                                      \
        spec = usual_spec(entries, sizeof entries);                                                                    \
        if ((key) == 6) {                                                                                              \
            spec.side6 = side;                                                                                         \
            spec.side6_length = w.length;                                                                              \
        } else {                                                                                                       \
            spec.side7 = side;                                                                                         \
            spec.side7_length = w.length;                                                                              \
        }                                                                                                              \
    } while (0)

    /* Decision numbers. */
    SIDE_MAP(7, vb_cbor_put_map(&w, 2); vb_cbor_put_uint(&w, 5); vb_cbor_put_cstring(&w, "1/Q\xc4\x90");
             vb_cbor_put_uint(&w, 12); vb_cbor_put_cstring(&w, "2/Q\xc4\x90"));
    assert_int_equal(parse_spec(&spec), VB_OK);
    SIDE_MAP(7, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 6); vb_cbor_put_cstring(&w, "1/QD"));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* 6 is not listed */
    SIDE_MAP(7, vb_cbor_put_map(&w, 0));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED); /* empty: left out instead */
    SIDE_MAP(7, vb_cbor_put_map(&w, 4); for (int i = 0; i < 4; i++) {
        vb_cbor_put_uint(&w, 5 + (uint64_t)i);
        vb_cbor_put_cstring(&w, "x");
    });
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* more than entries */
    SIDE_MAP(7, vb_cbor_put_map(&w, 2); vb_cbor_put_uint(&w, 12); vb_cbor_put_cstring(&w, "a");
             vb_cbor_put_uint(&w, 5); vb_cbor_put_cstring(&w, "b"));
    assert_int_equal(parse_spec(&spec), VB_ERR_CBOR_KEY_ORDER);
    SIDE_MAP(7, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 5); vb_cbor_put_bytes(&w, "1/QD", 4));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
    SIDE_MAP(7, vb_cbor_put_map(&w, 1); vb_cbor_put_cstring(&w, "5"); vb_cbor_put_cstring(&w, "1/QD"));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
    const char *bad_texts[] = {"", " 1/QD", "1/QD ", "1/\tQD", "1/QD-O\xcc\x9b" /* O + combining horn: not NFC (Ơ) */};
    for (size_t i = 0; i < sizeof bad_texts / sizeof bad_texts[0]; i++) {
        SIDE_MAP(7, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 5); vb_cbor_put_cstring(&w, bad_texts[i]));
        assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
    }
    char long_text[257];
    memset(long_text, 'A', 256);
    long_text[256] = '\0';
    SIDE_MAP(7, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 5); vb_cbor_put_cstring(&w, long_text));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
    long_text[255] = '\0';
    SIDE_MAP(7, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 5); vb_cbor_put_cstring(&w, long_text));
    assert_int_equal(parse_spec(&spec), VB_OK);

    /* Replacement records: 12 corrects 9, and the list says 9 is superseded by 12. */
    size_t n = sign_correction(&school_a, "CDCNHN", 12, 9, record);
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_bytes(&w, record, n));
    assert_int_equal(parse_spec(&spec), VB_OK);
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 13); vb_cbor_put_bytes(&w, record, n));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* key is not the record's id */
    n = sign_correction(&school_a, "CDCNHN", 12, 5, record);
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_bytes(&w, record, n));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* 5 is revoked, not superseded */
    n = sign_correction(&school_a, "CDCNHN", 12, 0, record);
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_bytes(&w, record, n));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* an original, not a correction */
    n = sign_correction(&school_b, "CKC", 12, 9, record);
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_bytes(&w, record, n));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* another school's record */
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_bytes(&w, "\xd2\x84", 2));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_REFERENCE); /* not a record */
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_cstring(&w, "record"));
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
    n = sign_correction(&school_a, "CDCNHN", 12, 9, record);
    SIDE_MAP(6, vb_cbor_put_map(&w, 1); vb_cbor_put_uint(&w, 12); vb_cbor_put_bytes(&w, record, n));
    spec.skip_key = 5; /* the map before (without) its entries */
    assert_int_equal(parse_spec(&spec), VB_ERR_STATUS_MALFORMED);
#undef SIDE_MAP
}

static void test_verification_rules(void **state)
{
    (void)state;
    vb_statuslist_builder builder;
    vb_statuslist list;
    size_t length;
    uint8_t *data;
    vb_statuslist_builder_init(&builder);
    add(&builder, revoked(5, VB_STATUSLIST_REASON_FRAUD, T_DAY_2026_06_20), NULL);

    /* Newer than held: only a sequence above the one held is taken. */
    data = sign_list(&builder, &school_a, "CDCNHN", 5, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_OK);
    vb_statuslist_free(&list);
    assert_int_equal(parse(data, length, 4, &list), VB_OK);
    vb_statuslist_free(&list);
    assert_int_equal(parse(data, length, 5, &list), VB_ERR_STATUS_OLDER);
    assert_int_equal(parse(data, length, 6, &list), VB_ERR_STATUS_OLDER);

    /* Tampering: any payload byte changed breaks the signature; a cut file the envelope. */
    vb_cose_sign1 message;
    assert_int_equal(vb_cose_sign1_decode(data, length, &message, NULL), VB_OK);
    size_t at = (size_t)(message.payload - data) + message.payload_length - 10;
    data[at] ^= 0x01;
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_BAD_SIGNATURE);
    data[at] ^= 0x01;
    data[length - 1] ^= 0x80;
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_BAD_SIGNATURE);
    data[length - 1] ^= 0x80;
    for (size_t cut = 0; cut < length; cut++)
        assert_int_not_equal(parse(data, cut, 0, &list), VB_OK);
    assert_int_equal(parse(data, length - 1, 0, &list), VB_ERR_CBOR_TRUNCATED);
    data[0] = 0xd1; /* tag 17 */
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_COSE_TAG);
    free(data);

    /* Signers: unlisted, an authority, removed, and another school's. */
    data = sign_list(&builder, &school_unlisted, "CDOUT", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_UNKNOWN_SIGNER);
    vb_error err;
    assert_int_equal(vb_statuslist_parse(data, length, NULL, 0, &list, &err), VB_ERR_UNKNOWN_SIGNER);
    free(data);
    data = sign_list(&builder, &authority, "CDCNHN", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_UNKNOWN_SIGNER);
    free(data);
    data = sign_list(&builder, &school_removed, "CDREM", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_SIGNER_REMOVED);
    free(data);
    data = sign_list(&builder, &school_b, "CDCNHN", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_STATUS_ORIGIN);
    free(data);
    data = sign_list(&builder, &school_b, "CKC", 1, now, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_OK);
    vb_statuslist_free(&list);
    free(data);

    /* A key that is not the one the kid names: school B's key under school A's kid. */
    {
        vb_cose_signer signer;
        uint8_t *out;
        assert_int_equal(vb_cose_signer_init(&signer, school_b.key, school_a.kid, NULL), VB_OK);
        assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, now, &out, &length, NULL), VB_OK);
        vb_cose_signer_free(&signer);
        assert_int_equal(parse(out, length, 0, &list), VB_ERR_BAD_SIGNATURE);
        /* RSA key under a P-256 kid. */
        assert_int_equal(vb_cose_signer_init(&signer, school_rsa.key, school_a.kid, NULL), VB_OK);
        free(out);
        assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, now, &out, &length, NULL), VB_OK);
        vb_cose_signer_free(&signer);
        assert_int_equal(parse(out, length, 0, &list), VB_ERR_ALG_KEY_MISMATCH);
        free(out);
    }

    /* Issued outside the signer certificate's validity (365 days from the setup). */
    data = sign_list(&builder, &school_a, "CDCNHN", 1, now + 400 * 86400LL, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_SIGNER_NOT_VALID);
    free(data);
    data = sign_list(&builder, &school_a, "CDCNHN", 1, now - 86400, &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_SIGNER_NOT_VALID);
    free(data);

    /* A payload fault under a good signature keeps its own code. */
    uint8_t entries[3 * VB_STATUSLIST_ENTRY_BYTES], payload[512];
    three_entries(entries);
    raw_entry(entries + 22, 4, 2, 0, T_DAY_2026_06_20, 12);
    payload_spec spec = usual_spec(entries, sizeof entries);
    spec.issued_at = (uint64_t)now;
    data = sign_payload(&school_a, payload, encode_spec(&spec, payload, sizeof payload), &length);
    assert_int_equal(parse(data, length, 0, &list), VB_ERR_STATUS_ORDER);
    free(data);

    /* Over the size limit, checked before anything is read. */
    uint8_t *huge = calloc(1, (size_t)VB_STATUSLIST_MAX_BYTES + 1);
    assert_non_null(huge);
    assert_int_equal(parse(huge, (size_t)VB_STATUSLIST_MAX_BYTES + 1, 0, &list), VB_ERR_TOO_LARGE);
    free(huge);

    vb_statuslist_builder_free(&builder);
}

static void test_builder_refuses(void **state)
{
    (void)state;
    vb_statuslist_builder builder;
    vb_statuslist_entry entry;
    vb_cose_signer signer;
    vb_error err = {0};
    uint8_t record[VB_MAX_RECORD_BYTES];
    uint8_t *out = NULL;
    size_t length = 0, n;
    assert_int_equal(vb_cose_signer_init(&signer, school_a.key, school_a.kid, NULL), VB_OK);

    vb_statuslist_builder_init(&builder);
    entry = revoked(5, 0, T_DAY_2026_06_20);
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, NULL, &err), VB_ERR_ARGUMENT);
    entry = revoked(0, 1, T_DAY_2026_06_20);
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, NULL, &err), VB_ERR_ARGUMENT);
    entry = superseded(5, 5, T_DAY_2026_06_20);
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, NULL, &err), VB_ERR_ARGUMENT);
    entry = revoked(5, 1, 84006);
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, NULL, &err), VB_ERR_ARGUMENT);
    entry = revoked(5, 1, T_DAY_2026_06_20);
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, " 1/QD", &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, "\xff", &err), VB_ERR_ARGUMENT);
    assert_int_equal(builder.count, 0);
    assert_int_equal(builder.decision_count, 0);

    /* A record listed twice is found when signing. */
    add(&builder, revoked(5, 1, T_DAY_2026_06_20), NULL);
    add(&builder, revoked(5, 2, T_DAY_2026_06_20), NULL);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, now, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_null(out);
    assert_non_null(strstr(err.message, "twice"));
    vb_statuslist_builder_free(&builder);

    /* Arguments of signing. */
    vb_statuslist_builder_init(&builder);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CD CNHN", 1, now, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 0, now, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, -1, &out, &length, &err), VB_ERR_ARGUMENT);

    /* Replacements: an original is refused at once; one whose entry is missing, or another
     * school's, when signing (the verifier's decoder says why). */
    n = sign_correction(&school_a, "CDCNHN", 12, 0, record);
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_ERR_ARGUMENT);
    assert_int_not_equal(vb_statuslist_builder_add_replacement(&builder, record, 3, &err), VB_OK);
    n = sign_correction(&school_a, "CDCNHN", 12, 9, record);
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_OK);
    add(&builder, revoked(9, 1, T_DAY_2026_06_20), NULL);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, now, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "status-reference"));
    vb_statuslist_builder_free(&builder);

    vb_statuslist_builder_init(&builder);
    add(&builder, superseded(9, 12, T_DAY_2026_06_20), NULL);
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_OK);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CKC", 1, now, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_OK);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, now, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_non_null(strstr(err.message, "two replacement records"));
    vb_statuslist_builder_free(&builder);

    vb_statuslist_builder_init(&builder);
    add(&builder, superseded(9, 12, T_DAY_2026_06_20), "1/QD");
    add(&builder, revoked(12, 1, T_DAY_2026_06_20), NULL);
    assert_int_equal(vb_statuslist_builder_add_replacement(&builder, record, n, &err), VB_OK);
    assert_int_equal(vb_statuslist_sign(&builder, &signer, "CDCNHN", 1, now, &out, &length, &err), VB_OK);
    free(out);
    vb_statuslist_builder_free(&builder);
    vb_cose_signer_free(&signer);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/vb-statuslist-XXXXXX";
    int fd = mkstemp(path);
    size_t length;
    uint8_t *data = usual_list(9, &length, NULL, NULL);
    vb_statuslist list;
    vb_statuslist_entry entry;
    vb_error err = {0};
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, length), (ssize_t)length);
    close(fd);
    free(data); /* the list keeps its own copy of the file */
    if (vb_statuslist_load_file(path, &trust, 8, &list, &err) != VB_OK)
        fail_msg("vb_statuslist_load_file: %s", err.message);
    assert_non_null(list.owned);
    assert_non_null(vb_statuslist_find_id(&list, 300, &entry));
    const uint8_t *record;
    size_t record_length;
    assert_true(vb_statuslist_replacement(&list, 77, &record, &record_length));
    vb_statuslist_free(&list);
    assert_int_equal(vb_statuslist_load_file(path, &trust, 9, &list, &err), VB_ERR_STATUS_OLDER);
    unlink(path);
    assert_int_equal(vb_statuslist_load_file(path, &trust, 0, &list, &err), VB_ERR_IO);
}

/* Seeded: the same million ids every run. */
static uint64_t next_random(uint64_t *seed)
{
    *seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
    return *seed >> 11;
}

static void test_a_million_entries(void **state)
{
    (void)state;
    enum { N = 1000000 };
    vb_statuslist_builder builder;
    vb_statuslist list;
    vb_statuslist_entry entry;
    vb_error err = {0};
    struct timespec start;
    uint64_t seed = 20260620;
    size_t length;

    /* Ids 3·i + 1, added in shuffled order; every tenth superseded by the next id (3·i + 2,
     * not listed), the rest revoked. */
    uint32_t *order = malloc(N * sizeof *order);
    assert_non_null(order);
    for (uint32_t i = 0; i < N; i++)
        order[i] = i;
    for (uint32_t i = N - 1; i > 0; i--) {
        uint32_t j = (uint32_t)(next_random(&seed) % (i + 1));
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    vb_statuslist_builder_init(&builder);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (uint32_t k = 0; k < N; k++) {
        uint64_t i = order[k], id = 3 * i + 1;
        vb_statuslist_entry e = i % 10 == 0 ? superseded(id, id + 1, 20000 + (int32_t)(i % 5000))
                                            : revoked(id, 1 + (int)(i % 6), 20000 + (int32_t)(i % 5000));
        if (vb_statuslist_builder_add(&builder, &e, NULL, &err) != VB_OK)
            fail_msg("add: %s", err.message);
    }
    double build_seconds = seconds_since(&start);
    clock_gettime(CLOCK_MONOTONIC, &start);
    uint8_t *data = sign_list(&builder, &school_a, "CDCNHN", 1, now, &length);
    double sign_seconds = seconds_since(&start);
    vb_statuslist_builder_free(&builder);
    free(order);
    assert_int_equal(length, 22000000 + 25 + 88); /* entries, the rest of the payload, the envelope */

    /* Best of three, to keep a cold cache out of the figure. */
    double parse_seconds = 1e9, payload_seconds = 1e9;
    for (int round = 0; round < 3; round++) {
        clock_gettime(CLOCK_MONOTONIC, &start);
        assert_int_equal(parse(data, length, 0, &list), VB_OK);
        double t = seconds_since(&start);
        parse_seconds = t < parse_seconds ? t : parse_seconds;
        vb_statuslist_free(&list);
        vb_cose_sign1 message;
        assert_int_equal(vb_cose_sign1_decode(data, length, &message, NULL), VB_OK);
        clock_gettime(CLOCK_MONOTONIC, &start);
        assert_int_equal(vb_statuslist_parse_payload(message.payload, message.payload_length, &list, NULL), VB_OK);
        t = seconds_since(&start);
        payload_seconds = t < payload_seconds ? t : payload_seconds;
        vb_statuslist_free(&list);
    }

    assert_int_equal(parse(data, length, 0, &list), VB_OK);
    assert_int_equal(list.count, N);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (uint64_t i = 0; i < N; i++) {
        uint64_t id = 3 * i + 1;
        if (!vb_statuslist_find_id(&list, id, &entry) || entry.record_id != id)
            fail_msg("record %llu not found", (unsigned long long)id);
        if (i % 10 == 0 ? entry.superseded_by != id + 1 : entry.reason != 1 + (int)(i % 6))
            fail_msg("record %llu decoded wrong", (unsigned long long)id);
        assert_null(vb_statuslist_find_id(&list, id + 1, &entry));
        assert_null(vb_statuslist_find_id(&list, id + 2, &entry));
    }
    double lookup_seconds = seconds_since(&start);
    assert_null(vb_statuslist_find_id(&list, 0, &entry));
    assert_null(vb_statuslist_find_id(&list, 3ull * N + 1, &entry));
    vb_statuslist_free(&list);
    free(data);

    print_message("status list of %d entries, %zu bytes: built in %.0f ms, sorted+checked+signed in %.0f ms\n", N,
                  length, build_seconds * 1e3, sign_seconds * 1e3);
    print_message("parse %.1f ms with the signature check, %.1f ms for the payload alone (best of 3); "
                  "%d hits and %d misses looked up in %.0f ms (%.0f ns each, assertions included)\n",
                  parse_seconds * 1e3, payload_seconds * 1e3, N, 2 * N, lookup_seconds * 1e3,
                  lookup_seconds * 1e9 / (3.0 * N));
    /* Milliseconds, not seconds, even under a sanitizer. */
    assert_true(payload_seconds < 0.5);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(vb_status_name(VB_ERR_STATUS_MALFORMED), "status-malformed");
    assert_string_equal(vb_status_name(VB_ERR_STATUS_ENTRY), "status-entry");
    assert_string_equal(vb_status_name(VB_ERR_STATUS_ORDER), "status-order");
    assert_string_equal(vb_status_name(VB_ERR_STATUS_OLDER), "status-older");
    assert_string_equal(vb_status_name(VB_ERR_STATUS_ORIGIN), "status-origin");
    assert_string_equal(vb_status_name(VB_ERR_STATUS_REFERENCE), "status-reference");
    assert_int_equal(vb_status_from_name("status-reference"), VB_ERR_STATUS_REFERENCE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_ids),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_list_and_rsa),
        cmocka_unit_test(test_known_payload),
        cmocka_unit_test(test_entry_rules),
        cmocka_unit_test(test_payload_rules),
        cmocka_unit_test(test_side_maps),
        cmocka_unit_test(test_verification_rules),
        cmocka_unit_test(test_builder_refuses),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_a_million_entries),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests_name("statuslist", tests, group_setup, group_teardown);
}
