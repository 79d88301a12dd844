/*
 * test_mirror.c — unit tests of what a school sends the national portal (libvanbang/mirror.c):
 * upload batches, leaf statements, status bundles and the compact tree.
 *
 * The test makes a small PKI with keys.h (an authority; schools CDCNHN and CKC; a school whose
 * signer was removed from the trust list; one never listed), signs and parses a trust list, and
 * builds one school history of five events from real signed records and real event entries
 * (vb_register_event_encode): two originals, a correction, a copy and a revocation. Batches of
 * that history are signed, decoded, verified and checked event by event and against their
 * checkpoints with consistency proofs made by vb_log_prove_consistency; hand-encoded payloads
 * break one rule each. With VB_MIRROR_SEEDS set to a folder, the test also writes the fuzz
 * seeds (tests/fuzz/corpus/mirror) there.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define TEST_BUFFER_BYTES 65536
#include "cbor.h"
#include "keys.h"
#include "mirror.h"
#include "record.h"
#include "register.h"
#include "statuslist.h"
#include "testutil.h"
#include "trust.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HASH VB_LOG_HASH_BYTES
#define SCHOOL_A "CDCNHN"
#define SCHOOL_B "CKC"
#define HISTORY 5
/* Female, born 2004 (digit 4: 3 = female, 21st century; digits 5-6: 04), province 001. */
#define PERSONAL_ID "001304012345"
/* The same person with the year of birth 2005: it disagrees with the record. */
#define PERSONAL_ID_WRONG_YEAR "001305012345"

typedef struct {
    EVP_PKEY *key;
    X509 *certificate;
    uint8_t kid[VB_KID_BYTES];
} test_party;

static test_party authority, school_a, school_b, school_removed, school_unlisted;
static vb_trust_list trust;
static int64_t now;
static int32_t birth_date;

/* The history of school A: event i (1 … 5) in history[i - 1]. */
typedef struct {
    int kind;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length; /* 0 for the revocation */
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];
    size_t entry_length;
    uint8_t leaf[HASH];
} history_event;
static history_event history[HISTORY];
static uint8_t history_leaves[HISTORY][HASH];

/* ---------------------------------------------------------------- PKI */

static void make_school(test_party *party, EVP_PKEY *key, const char *code, const char *name)
{
    vb_error err = {0};
    X509_REQ *request = NULL;
    party->key = key;
    assert_non_null(key);
    if (vb_cert_make_request(key, code, name, NULL, &request, &err) != VB_OK ||
        vb_cert_certify(authority.certificate, authority.key, request, 365, &party->certificate, &err) != VB_OK)
        fail_msg("school %s: %s", code, err.message);
    X509_REQ_free(request);
    assert_int_equal(vb_cert_kid(party->certificate, party->kid, NULL), VB_OK);
}

static void free_party(test_party *party)
{
    EVP_PKEY_free(party->key);
    X509_free(party->certificate);
}

static vb_cose_signer signer_of(const test_party *party)
{
    vb_cose_signer signer;
    vb_error err = {0};
    if (vb_cose_signer_init(&signer, party->key, party->kid, &err) != VB_OK)
        fail_msg("signer: %s", err.message);
    return signer;
}

/* ---------------------------------------------------------------- records and entries */

/* A record of school `code`: id, kind, the record a correction supersedes. */
static size_t sign_record(const test_party *school, const char *code, uint64_t id, int kind, uint64_t supersedes,
                          uint8_t out[VB_MAX_RECORD_BYTES])
{
    vb_credential c;
    vb_error err = {0};
    size_t length;
    memset(&c, 0, sizeof c);
    strcpy(c.school_code, code);
    c.signed_at = now;
    c.record_id_length = vb_register_record_id_bytes(id, c.record_id);
    c.type = VB_TYPE_COLLEGE;
    snprintf(c.serial, sizeof c.serial, "C\xc4\x90-2026-%06llu", (unsigned long long)(id <= 2 ? id : 1));
    c.register_number = 4512;
    c.register_year = 2026;
    strcpy(c.name, "Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b \xc3\x81nh Tuy\xe1\xba\xbft");
    c.birth_date = birth_date;
    c.gender = VB_GENDER_FEMALE;
    strcpy(c.program_name, "C\xc3\xb4ng ngh\xe1\xbb\x87 th\xc3\xb4ng tin");
    c.issue_date = vb_days_from_civil(2026, 6, 20);
    strcpy(c.issue_place, "H\xc3\xa0 N\xe1\xbb\x99i");
    c.kind = kind;
    if (kind == VB_KIND_CORRECTION)
        c.supersedes_length = vb_register_record_id_bytes(supersedes, c.supersedes);
    if (kind == VB_KIND_COPY)
        c.copy_number = 1;
    vb_cose_signer signer = signer_of(school);
    if (vb_record_sign(&signer, &c, out, VB_MAX_RECORD_BYTES, &length, &err) != VB_OK)
        fail_msg("vb_record_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return length;
}

/* The register's entry of an event (FORMAT.md §10), with the digest of `record` when given. */
static size_t encode_entry(int kind, uint64_t sequence, const char *school, uint64_t record_id, const uint8_t *record,
                           size_t record_length, uint64_t supersedes, uint8_t out[VB_REGISTER_ENTRY_MAX_BYTES])
{
    vb_register_event e;
    vb_error err = {0};
    size_t length;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.sequence = sequence;
    e.time = now;
    strcpy(e.school_code, school);
    e.record_id = record_id;
    if (record) {
        e.has_record_digest = true;
        SHA256(record, record_length, e.record_digest);
    }
    e.supersedes = supersedes;
    if (kind == VB_EVENT_REVOKE) {
        e.reason = VB_REVOKE_LENT;
        strcpy(e.decision_number, "9/Q\xc4\x90");
    } else if (kind == VB_EVENT_CORRECT) {
        e.reason = VB_CORRECT_CIVIL_STATUS;
        strcpy(e.decision_number, "12/Q\xc4\x90");
    }
    strcpy(e.actor, "test");
    if (vb_register_event_encode(&e, out, VB_REGISTER_ENTRY_MAX_BYTES, &length, &err) != VB_OK)
        fail_msg("vb_register_event_encode: %s", err.message);
    return length;
}

/* Two originals (1, 2), a correction of 1 (3), a copy of 3 (4), and the revocation of 2. */
static void make_history(void)
{
    static const struct {
        int event, record_kind;
        uint64_t record_id, supersedes;
    } plan[HISTORY] = {
        {VB_EVENT_ISSUE, VB_KIND_ORIGINAL, 1, 0},   {VB_EVENT_ISSUE, VB_KIND_ORIGINAL, 2, 0},
        {VB_EVENT_CORRECT, VB_KIND_CORRECTION, 3, 1}, {VB_EVENT_COPY, VB_KIND_COPY, 4, 0},
        {VB_EVENT_REVOKE, 0, 2, 0},
    };
    for (size_t i = 0; i < HISTORY; i++) {
        history_event *h = &history[i];
        h->kind = plan[i].event;
        if (plan[i].record_kind)
            h->record_length =
                sign_record(&school_a, SCHOOL_A, plan[i].record_id, plan[i].record_kind, plan[i].supersedes, h->record);
        h->entry_length = encode_entry(h->kind, i + 1, SCHOOL_A, plan[i].record_id,
                                       h->record_length ? h->record : NULL, h->record_length, plan[i].supersedes,
                                       h->entry);
        assert_int_equal(vb_log_leaf_hash(h->entry, h->entry_length, h->leaf), VB_OK);
        memcpy(history_leaves[i], h->leaf, HASH);
    }
}

/* ---------------------------------------------------------------- setup */

static int group_setup(void **state)
{
    (void)state;
    vb_error err = {0};
    if (vb_key_generate_p256(&authority.key, &err) != VB_OK ||
        vb_cert_make_authority(authority.key, "CN=Authority, O=Test, C=VN", 3653, &authority.certificate, &err) !=
            VB_OK)
        fail_msg("authority: %s", err.message);
    assert_int_equal(vb_cert_kid(authority.certificate, authority.kid, NULL), VB_OK);
    EVP_PKEY *key;
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_a, key, SCHOOL_A, "Tr\xc6\xb0\xe1\xbb\x9dng A");
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_b, key, SCHOOL_B, "Tr\xc6\xb0\xe1\xbb\x9dng B");
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_removed, key, "CDREM", "Removed School");
    assert_int_equal(vb_key_generate_p256(&key, NULL), VB_OK);
    make_school(&school_unlisted, key, "CDOUT", "Unlisted School");
    now = (int64_t)time(NULL);
    birth_date = vb_days_from_civil(2004, 3, 15);

    vb_trust_list editing = {0};
    vb_cose_signer signer;
    uint8_t *signed_trust = NULL;
    size_t length = 0;
    if (vb_trust_add(&editing, VB_TRUST_ROLE_AUTHORITY, authority.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_a.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_b.certificate, &err) != VB_OK ||
        vb_trust_add(&editing, VB_TRUST_ROLE_SIGNER, school_removed.certificate, &err) != VB_OK ||
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
    make_history();
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
    free_party(&school_unlisted);
    return 0;
}

/* ---------------------------------------------------------------- trees and batches */

typedef struct {
    const uint8_t (*leaves)[HASH];
    uint64_t size;
} leaf_array;

static vb_status array_leaf(void *context, uint64_t index, uint8_t out[HASH])
{
    const leaf_array *array = context;
    assert_true(index < array->size);
    memcpy(out, array->leaves[index], HASH);
    return VB_OK;
}

static void builder_of(const uint8_t (*leaves)[HASH], uint64_t size, vb_log_builder *builder)
{
    vb_log_builder_init(builder);
    for (uint64_t i = 0; i < size; i++)
        assert_int_equal(vb_log_builder_add(builder, leaves[i]), VB_OK);
}

static size_t sign_checkpoint(const test_party *party, const char *origin, uint64_t size, const uint8_t root[HASH],
                              uint8_t out[VB_LOG_MAX_CHECKPOINT_BYTES])
{
    vb_log_checkpoint checkpoint;
    vb_error err = {0};
    size_t length;
    memset(&checkpoint, 0, sizeof checkpoint);
    snprintf(checkpoint.origin, sizeof checkpoint.origin, "%s", origin);
    checkpoint.size = size;
    memcpy(checkpoint.root, root, HASH);
    checkpoint.time = (uint64_t)now;
    vb_cose_signer signer = signer_of(party);
    if (vb_log_checkpoint_sign(&signer, &checkpoint, out, VB_LOG_MAX_CHECKPOINT_BYTES, &length, &err) != VB_OK)
        fail_msg("vb_log_checkpoint_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return length;
}

/* A batch as the uploader makes it, and the storage its pointers refer to. */
typedef struct {
    vb_mirror_event events[HISTORY];
    uint8_t checkpoint[VB_LOG_MAX_CHECKPOINT_BYTES];
    vb_mirror_batch batch;
} test_batch;

/* Events first … first + count − 1 of the history over the tree `leaves` (the history's own or
 * another), the checkpoint of the tree's size first − 1 + count signed by school A, and the
 * consistency proof from first − 1. */
static void history_batch_over(test_batch *t, uint64_t first, size_t count, const uint8_t (*leaves)[HASH])
{
    memset(t, 0, sizeof *t);
    uint64_t size = first - 1 + count;
    assert_true(first >= 1 && size <= HISTORY);
    for (size_t i = 0; i < count; i++) {
        const history_event *h = &history[first - 1 + i];
        t->events[i].entry = h->entry;
        t->events[i].entry_length = h->entry_length;
        t->events[i].record = h->record_length ? h->record : NULL;
        t->events[i].record_length = h->record_length;
        if (first + i == 1)
            strcpy(t->events[i].personal_id, PERSONAL_ID);
    }
    vb_log_builder builder;
    uint8_t root[HASH];
    builder_of(leaves, size, &builder);
    assert_int_equal(vb_log_builder_root(&builder, root), VB_OK);
    t->batch.checkpoint_length = sign_checkpoint(&school_a, SCHOOL_A, size, root, t->checkpoint);
    t->batch.checkpoint = t->checkpoint;
    if (first > 1) {
        leaf_array array = {leaves, size};
        vb_log_source source = {array_leaf, NULL, &array};
        vb_error err = {0};
        if (vb_log_prove_consistency(&source, first - 1, size, &t->batch.proof, &err) != VB_OK)
            fail_msg("vb_log_prove_consistency: %s", err.message);
    }
    strcpy(t->batch.school, SCHOOL_A);
    t->batch.first = first;
    t->batch.count = count;
    t->batch.events = t->events;
    t->batch.time = (uint64_t)now;
}

static void history_batch(test_batch *t, uint64_t first, size_t count)
{
    history_batch_over(t, first, count, (const uint8_t(*)[HASH])history_leaves);
}

static uint8_t *sign_batch(const test_party *party, const vb_mirror_batch *batch, size_t *length)
{
    vb_error err = {0};
    uint8_t *out = NULL;
    vb_cose_signer signer = signer_of(party);
    if (vb_mirror_batch_sign(&signer, batch, &out, length, &err) != VB_OK)
        fail_msg("vb_mirror_batch_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    assert_non_null(out);
    return out;
}

/* Any payload signed as a school would sign it, for payloads the library would never make. */
static uint8_t *sign_payload(const test_party *party, const uint8_t *payload, size_t payload_length, size_t *length)
{
    uint8_t *out = malloc(payload_length + 1024);
    assert_non_null(out);
    vb_cose_signer signer = signer_of(party);
    assert_int_equal(vb_cose_sign1_sign(&signer, payload, payload_length, out, payload_length + 1024, length, NULL),
                     VB_OK);
    vb_cose_signer_free(&signer);
    return out;
}

/* Decodes and, on failure, checks what a failure must leave: its code in err, a message, and
 * no events to free. */
static vb_status decode(const uint8_t *data, size_t length, vb_mirror_batch *batch)
{
    vb_cose_sign1 message;
    vb_error err = {0};
    uint8_t *copy = test_exact_copy(data, length);
    vb_status s = vb_mirror_batch_decode(copy, length, &message, batch, &err);
    if (s != VB_OK) {
        assert_int_equal(err.code, s);
        assert_true(err.message[0] != '\0');
        assert_null(batch->events);
        assert_int_equal(batch->count, 0);
    } else {
        vb_mirror_batch_free(batch);
    }
    free(copy);
    return s;
}

static vb_status verify(const uint8_t *data, size_t length, vb_mirror_batch *batch, const vb_trust_entry **signer,
                        vb_error *err)
{
    vb_status s = vb_mirror_batch_verify(data, length, &trust, batch, signer, err);
    if (s != VB_OK) {
        assert_int_equal(err->code, s);
        assert_null(batch->events);
    }
    return s;
}

/* ---------------------------------------------------------------- hand-made payloads */

/* Every field of a batch payload, and one fault at a time. */
typedef struct {
    size_t map_entries;    /* 7 */
    int key_fault;         /* 0; 1 keys 2 and 3 swapped; 2 key 2 twice (no 3); 3 key 8 instead of 7 */
    uint64_t format;
    const char *school;
    uint64_t first;
    size_t events;
    size_t event_items;    /* 3; items past 3 are nulls */
    size_t entry_bytes;    /* of each entry */
    size_t record_bytes;   /* 0: null */
    bool record_as_text;
    const char *personal_id; /* NULL: null */
    size_t checkpoint_bytes;
    size_t proof_hashes;
    size_t proof_hash_bytes;
    uint64_t time;
    bool trailing;
} payload_spec;

static payload_spec usual_spec(void)
{
    payload_spec p;
    memset(&p, 0, sizeof p);
    p.map_entries = 7;
    p.format = 1;
    p.school = SCHOOL_A;
    p.first = 1;
    p.events = 1;
    p.event_items = 3;
    p.entry_bytes = 1;
    p.checkpoint_bytes = 10;
    p.proof_hash_bytes = HASH;
    p.time = (uint64_t)now;
    return p;
}

static void put_value(test_buffer *b, const payload_spec *p, uint64_t key)
{
    static const uint8_t filler[VB_REGISTER_ENTRY_MAX_BYTES + 8] = {0};
    switch (key) {
    case 1: tb_int(b, (int64_t)p->format); break;
    case 2: tb_head(b, 3, strlen(p->school)); tb_raw(b, p->school, strlen(p->school)); break;
    case 3: tb_head(b, 0, p->first); break;
    case 4:
        tb_head(b, 4, p->events);
        for (size_t i = 0; i < p->events; i++) {
            tb_head(b, 4, p->event_items);
            for (size_t item = 0; item < p->event_items; item++) {
                if (item == 0) {
                    tb_bstr(b, filler, p->entry_bytes);
                } else if (item == 1 && p->record_bytes) {
                    tb_head(b, p->record_as_text ? 3 : 2, p->record_bytes);
                    for (size_t k = 0; k < p->record_bytes; k++)
                        tb_byte(b, 'r');
                } else if (item == 2 && p->personal_id) {
                    tb_head(b, 3, strlen(p->personal_id));
                    tb_raw(b, p->personal_id, strlen(p->personal_id));
                } else {
                    tb_byte(b, 0xf6);
                }
            }
        }
        break;
    case 5: tb_bstr(b, filler, p->checkpoint_bytes); break;
    case 6:
        tb_head(b, 4, p->proof_hashes);
        for (size_t i = 0; i < p->proof_hashes; i++)
            tb_bstr(b, filler, p->proof_hash_bytes);
        break;
    default: tb_head(b, 0, p->time); break;
    }
}

static void encode_spec(const payload_spec *p, test_buffer *b)
{
    uint64_t keys[7] = {1, 2, 3, 4, 5, 6, 7};
    if (p->key_fault == 1) {
        keys[1] = 3;
        keys[2] = 2;
    } else if (p->key_fault == 2) {
        keys[2] = 2;
    } else if (p->key_fault == 3) {
        keys[6] = 8;
    }
    b->length = 0;
    tb_head(b, 5, p->map_entries);
    for (size_t i = 0; i < p->map_entries && i < 7; i++) {
        tb_head(b, 0, keys[i]);
        put_value(b, p, keys[i]);
    }
    if (p->trailing)
        tb_byte(b, 0x00);
}

static test_buffer spec_buffer;

/* Encodes, signs with school A's key and decodes. */
static vb_status decode_spec(const payload_spec *p)
{
    size_t length;
    encode_spec(p, &spec_buffer);
    uint8_t *signed_bytes = sign_payload(&school_a, spec_buffer.data, spec_buffer.length, &length);
    vb_mirror_batch batch;
    vb_status s = decode(signed_bytes, length, &batch);
    free(signed_bytes);
    return s;
}

/* ---------------------------------------------------------------- batches: sign, decode, verify */

static void test_batch_round_trip(void **state)
{
    (void)state;
    test_batch t;
    history_batch(&t, 1, HISTORY);
    size_t length;
    uint8_t *signed_bytes = sign_batch(&school_a, &t.batch, &length);

    vb_mirror_batch batch;
    vb_cose_sign1 message;
    vb_error err = {0};
    uint8_t *copy = test_exact_copy(signed_bytes, length);
    if (vb_mirror_batch_decode(copy, length, &message, &batch, &err) != VB_OK)
        fail_msg("vb_mirror_batch_decode: %s", err.message);
    assert_memory_equal(message.kid, school_a.kid, VB_KID_BYTES);
    assert_string_equal(batch.school, SCHOOL_A);
    assert_int_equal(batch.first, 1);
    assert_int_equal(batch.count, HISTORY);
    assert_int_equal(batch.time, (uint64_t)now);
    assert_int_equal(batch.proof.count, 0);
    assert_int_equal(batch.checkpoint_length, t.batch.checkpoint_length);
    assert_memory_equal(batch.checkpoint, t.checkpoint, t.batch.checkpoint_length);
    assert_true(batch.checkpoint > copy && batch.checkpoint < copy + length); /* points into the input */
    for (size_t i = 0; i < HISTORY; i++) {
        assert_int_equal(batch.events[i].entry_length, history[i].entry_length);
        assert_memory_equal(batch.events[i].entry, history[i].entry, history[i].entry_length);
        if (history[i].record_length) {
            assert_int_equal(batch.events[i].record_length, history[i].record_length);
            assert_memory_equal(batch.events[i].record, history[i].record, history[i].record_length);
        } else {
            assert_null(batch.events[i].record);
        }
        assert_string_equal(batch.events[i].personal_id, i == 0 ? PERSONAL_ID : "");
    }
    vb_mirror_batch_free(&batch);
    assert_null(batch.events);
    free(copy);

    /* A batch with a proof keeps its hashes. */
    history_batch(&t, 4, 2);
    free(signed_bytes);
    signed_bytes = sign_batch(&school_a, &t.batch, &length);
    assert_int_equal(vb_mirror_batch_decode(signed_bytes, length, NULL, &batch, &err), VB_OK);
    assert_true(t.batch.proof.count > 0);
    assert_int_equal(batch.proof.count, t.batch.proof.count);
    assert_memory_equal(batch.proof.hashes, t.batch.proof.hashes, t.batch.proof.count * HASH);
    assert_int_equal(batch.first, 4);
    vb_mirror_batch_free(&batch);
    free(signed_bytes);
}

/* The library's encoding is the payload FORMAT.md §12 describes, byte for byte. */
static void test_batch_known_payload(void **state)
{
    (void)state;
    static const uint8_t entry[1] = {0xa0};
    uint8_t checkpoint[3] = {1, 2, 3};
    vb_mirror_event event = {entry, 1, NULL, 0, PERSONAL_ID};
    vb_mirror_batch batch;
    memset(&batch, 0, sizeof batch);
    strcpy(batch.school, "CD");
    batch.first = 2;
    batch.count = 1;
    batch.events = &event;
    batch.checkpoint = checkpoint;
    batch.checkpoint_length = sizeof checkpoint;
    batch.proof.count = 1;
    memset(batch.proof.hashes, 0x11, HASH);
    batch.time = 1782777600;

    size_t length;
    uint8_t *signed_bytes = sign_batch(&school_a, &batch, &length);
    vb_cose_sign1 message;
    assert_int_equal(vb_cose_sign1_decode(signed_bytes, length, &message, NULL), VB_OK);

    test_buffer expected = {.length = 0};
    tb_hex(&expected, "a7 01 01 02 62 4344 03 02 04 81 83 41 a0 f6 6c 303031333034303132333435"
                      " 05 43 010203 06 81 58 20");
    for (int i = 0; i < HASH; i++)
        tb_byte(&expected, 0x11);
    tb_hex(&expected, "07 1a 6a430700");
    assert_int_equal(message.payload_length, expected.length);
    assert_memory_equal(message.payload, expected.data, expected.length);
    free(signed_bytes);
}

static void test_batch_verify(void **state)
{
    (void)state;
    test_batch t;
    vb_mirror_batch batch;
    const vb_trust_entry *signer = NULL;
    vb_error err = {0};
    size_t length;
    history_batch(&t, 1, 2);

    /* The right signer. */
    uint8_t *signed_bytes = sign_batch(&school_a, &t.batch, &length);
    if (verify(signed_bytes, length, &batch, &signer, &err) != VB_OK)
        fail_msg("vb_mirror_batch_verify: %s", err.message);
    assert_non_null(signer);
    assert_string_equal(signer->school_code, SCHOOL_A);
    assert_int_equal(batch.count, 2);
    vb_mirror_batch_free(&batch);

    /* A tampered signature. */
    signed_bytes[length - 1] ^= 0x01;
    assert_int_equal(verify(signed_bytes, length, &batch, &signer, &err), VB_ERR_BAD_SIGNATURE);
    assert_null(signer);
    free(signed_bytes);

    /* A kid not in the list; an authority's kid. */
    signed_bytes = sign_batch(&school_unlisted, &t.batch, &length);
    assert_int_equal(verify(signed_bytes, length, &batch, NULL, &err), VB_ERR_UNKNOWN_SIGNER);
    free(signed_bytes);
    signed_bytes = sign_batch(&authority, &t.batch, &length);
    assert_int_equal(verify(signed_bytes, length, &batch, NULL, &err), VB_ERR_UNKNOWN_SIGNER);
    free(signed_bytes);

    /* School A's batch signed by school B, and B's key speaking for A. */
    signed_bytes = sign_batch(&school_b, &t.batch, &length);
    assert_int_equal(verify(signed_bytes, length, &batch, NULL, &err), VB_ERR_MIRROR_SCHOOL);
    assert_non_null(strstr(err.message, SCHOOL_A));
    free(signed_bytes);

    /* The removed signer: refused for a batch dated at or after the removal, not before. */
    strcpy(t.batch.school, "CDREM");
    signed_bytes = sign_batch(&school_removed, &t.batch, &length);
    assert_int_equal(verify(signed_bytes, length, &batch, NULL, &err), VB_ERR_SIGNER_REMOVED);
    free(signed_bytes);
    t.batch.time = (uint64_t)now + 3600;
    signed_bytes = sign_batch(&school_removed, &t.batch, &length);
    assert_int_equal(verify(signed_bytes, length, &batch, NULL, &err), VB_ERR_SIGNER_REMOVED);
    free(signed_bytes);
    t.batch.time = (uint64_t)now - 1;
    signed_bytes = sign_batch(&school_removed, &t.batch, &length);
    assert_int_equal(verify(signed_bytes, length, &batch, NULL, &err), VB_OK);
    vb_mirror_batch_free(&batch);
    free(signed_bytes);

    /* No trust list at all. */
    signed_bytes = sign_batch(&school_a, &t.batch, &length);
    assert_int_equal(vb_mirror_batch_verify(signed_bytes, length, NULL, &batch, NULL, &err), VB_ERR_UNKNOWN_SIGNER);
    free(signed_bytes);
}

static void test_batch_decode_refusals(void **state)
{
    (void)state;
    payload_spec p = usual_spec();
    assert_int_equal(decode_spec(&p), VB_OK);

    p = usual_spec(), p.key_fault = 1;
    assert_int_equal(decode_spec(&p), VB_ERR_CBOR_KEY_ORDER);
    p = usual_spec(), p.key_fault = 2;
    assert_int_equal(decode_spec(&p), VB_ERR_CBOR_DUPLICATE_KEY);
    p = usual_spec(), p.key_fault = 3;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.trailing = true;
    assert_int_equal(decode_spec(&p), VB_ERR_CBOR_TRAILING);
    p = usual_spec(), p.map_entries = 6;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.format = 2;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.school = "CD_X";
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.school = "";
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.school = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456"; /* 33 */
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.school = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"; /* 32 */
    assert_int_equal(decode_spec(&p), VB_OK);

    /* Event items of the wrong shape. */
    p = usual_spec(), p.event_items = 2;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.event_items = 4;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.entry_bytes = 0;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.entry_bytes = VB_REGISTER_ENTRY_MAX_BYTES + 1;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.entry_bytes = VB_REGISTER_ENTRY_MAX_BYTES;
    assert_int_equal(decode_spec(&p), VB_OK);
    p = usual_spec(), p.record_bytes = VB_MAX_RECORD_BYTES + 1;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.record_bytes = 5, p.record_as_text = true;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.record_bytes = 5;
    assert_int_equal(decode_spec(&p), VB_OK);

    /* Personal ids: exactly 12 ASCII digits. */
    p = usual_spec(), p.personal_id = "00130401234"; /* 11 */
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.personal_id = "0013040123456"; /* 13 */
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.personal_id = "00130401234a";
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.personal_id = PERSONAL_ID;
    assert_int_equal(decode_spec(&p), VB_OK);

    /* Proofs: hashes of 32 bytes, at most 65, none from size 0. */
    p = usual_spec(), p.first = 2, p.proof_hashes = 1, p.proof_hash_bytes = 31;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.first = 2, p.proof_hashes = 1, p.proof_hash_bytes = 33;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.first = 2, p.proof_hashes = VB_LOG_MAX_PROOF_HASHES + 1;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.first = 2, p.proof_hashes = VB_LOG_MAX_PROOF_HASHES;
    assert_int_equal(decode_spec(&p), VB_OK);
    p = usual_spec(), p.proof_hashes = 1;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);

    /* Counts and sequence range. */
    p = usual_spec(), p.events = 0;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.events = VB_MIRROR_MAX_EVENTS + 1;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.events = VB_MIRROR_MAX_EVENTS;
    assert_int_equal(decode_spec(&p), VB_OK);
    p = usual_spec(), p.first = 0;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.first = UINT64_MAX, p.events = 2;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.first = UINT64_MAX, p.events = 1;
    assert_int_equal(decode_spec(&p), VB_OK);

    /* The checkpoint and the time. */
    p = usual_spec(), p.checkpoint_bytes = 0;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.checkpoint_bytes = VB_LOG_MAX_CHECKPOINT_BYTES + 1;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.time = VB_LOG_MAX_CHECKPOINT_TIME;
    assert_int_equal(decode_spec(&p), VB_ERR_MIRROR_MALFORMED);
    p = usual_spec(), p.time = VB_LOG_MAX_CHECKPOINT_TIME - 1;
    assert_int_equal(decode_spec(&p), VB_OK);

    /* Not a map; truncated; an events count the input cannot hold. */
    uint8_t not_map[] = {0x80};
    size_t length;
    uint8_t *signed_bytes = sign_payload(&school_a, not_map, sizeof not_map, &length);
    vb_mirror_batch batch;
    assert_int_equal(decode(signed_bytes, length, &batch), VB_ERR_MIRROR_MALFORMED);
    free(signed_bytes);
    p = usual_spec();
    encode_spec(&p, &spec_buffer);
    signed_bytes = sign_payload(&school_a, spec_buffer.data, spec_buffer.length - 3, &length);
    assert_int_equal(decode(signed_bytes, length, &batch), VB_ERR_CBOR_TRUNCATED);
    free(signed_bytes);
    test_buffer b = {.length = 0};
    tb_hex(&b, "a7 01 01 02 62 4344 03 01 04 99 1388 83 41 00 f6 f6");
    signed_bytes = sign_payload(&school_a, b.data, b.length, &length);
    assert_int_equal(decode(signed_bytes, length, &batch), VB_ERR_CBOR_TRUNCATED);
    free(signed_bytes);

    /* The envelope: not COSE, and over the size limit (refused before it is read). */
    assert_int_equal(decode(spec_buffer.data, spec_buffer.length, &batch), VB_ERR_COSE_TAG);
    size_t big = VB_MIRROR_MAX_BATCH_BYTES + 1;
    uint8_t *huge = calloc(1, big);
    assert_non_null(huge);
    vb_error err = {0};
    assert_int_equal(vb_mirror_batch_decode(huge, big, NULL, &batch, &err), VB_ERR_TOO_LARGE);
    assert_null(batch.events);
    free(huge);
}

static void test_batch_sign_refusals(void **state)
{
    (void)state;
    test_batch t;
    vb_error err = {0};
    uint8_t *out = (uint8_t *)&err; /* must come back NULL */
    size_t length = 1;
    vb_cose_signer signer = signer_of(&school_a);

    history_batch(&t, 1, 2);
    t.batch.count = 0;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_null(out);
    assert_int_equal(length, 0);
    t.batch.count = VB_MIRROR_MAX_EVENTS + 1;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);

    history_batch(&t, 1, 2);
    strcpy(t.events[1].personal_id, "12345");
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_null(strstr(err.message, "12345"));

    history_batch(&t, 1, 2);
    t.batch.proof.count = 1;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);

    history_batch(&t, 1, 2);
    t.batch.first = 0;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);
    t.batch.first = UINT64_MAX;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);

    history_batch(&t, 1, 2);
    strcpy(t.batch.school, "CD_X");
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);

    history_batch(&t, 1, 2);
    t.batch.time = VB_LOG_MAX_CHECKPOINT_TIME;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);

    history_batch(&t, 1, 2);
    t.events[0].entry_length = 0;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);

    history_batch(&t, 1, 2);
    t.batch.checkpoint = NULL;
    assert_int_equal(vb_mirror_batch_sign(&signer, &t.batch, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_null(out);
    vb_cose_signer_free(&signer);
}

/* ---------------------------------------------------------------- checking events */

static vb_status check(const vb_mirror_batch *batch, size_t index, vb_mirror_checked *checked, vb_error *err)
{
    vb_status s = vb_mirror_check_event(&trust, batch, index, checked, err);
    if (s != VB_OK)
        assert_int_equal(err->code, s);
    return s;
}

static void test_check_good_events(void **state)
{
    (void)state;
    test_batch t;
    vb_mirror_checked checked;
    vb_error err = {0};
    history_batch(&t, 1, HISTORY);

    for (size_t i = 0; i < HISTORY; i++) {
        if (check(&t.batch, i, &checked, &err) != VB_OK)
            fail_msg("event %zu: %s", i, err.message);
        assert_int_equal(checked.event.kind, history[i].kind);
        assert_int_equal(checked.event.sequence, i + 1);
        assert_memory_equal(checked.leaf_hash, history[i].leaf, HASH);
        assert_int_equal(checked.has_record, history[i].kind != VB_EVENT_REVOKE);
        if (checked.has_record) {
            assert_int_equal(checked.verification.status, VB_OK);
            assert_string_equal(checked.verification.credential.school_code, SCHOOL_A);
        }
    }
    /* Event by event: the issue with its personal id, the correction, the copy, the revocation. */
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_OK);
    assert_int_equal(checked.verification.credential.kind, VB_KIND_ORIGINAL);
    assert_int_equal(check(&t.batch, 2, &checked, &err), VB_OK);
    assert_int_equal(checked.event.supersedes, 1);
    assert_int_equal(checked.verification.credential.kind, VB_KIND_CORRECTION);
    assert_int_equal(check(&t.batch, 3, &checked, &err), VB_OK);
    assert_int_equal(checked.verification.credential.kind, VB_KIND_COPY);
    assert_int_equal(check(&t.batch, 4, &checked, &err), VB_OK);
    assert_int_equal(checked.event.record_id, 2);
    assert_int_equal(checked.event.reason, VB_REVOKE_LENT);

    /* A batch that starts later checks its sequences from its own first. */
    history_batch(&t, 4, 2);
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_OK);
    assert_int_equal(check(&t.batch, 1, &checked, &err), VB_OK);
    assert_int_equal(check(&t.batch, 2, &checked, &err), VB_ERR_ARGUMENT);
}

static void test_check_bad_events(void **state)
{
    (void)state;
    test_batch t;
    vb_mirror_checked checked;
    vb_error err = {0};
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES], record[VB_MAX_RECORD_BYTES];
    size_t entry_length, record_length;

    /* The record of event 2 beside the entry of event 1: the digests differ. */
    history_batch(&t, 1, HISTORY);
    t.events[0].record = history[1].record;
    t.events[0].record_length = history[1].record_length;
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_MIRROR_RECORD);
    assert_non_null(strstr(err.message, "event 0 (sequence 1)"));
    assert_non_null(strstr(err.message, "record digest differs"));

    /* A record of another school, though its entry names it by digest. */
    history_batch(&t, 1, HISTORY);
    record_length = sign_record(&school_b, SCHOOL_B, 1, VB_KIND_ORIGINAL, 0, record);
    entry_length = encode_entry(VB_EVENT_ISSUE, 1, SCHOOL_A, 1, record, record_length, 0, entry);
    t.events[0] = (vb_mirror_event){entry, entry_length, record, record_length, ""};
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_MIRROR_RECORD);
    assert_non_null(strstr(err.message, SCHOOL_B));

    /* A record signed by A naming B: vb_verify_record's own verdict. */
    record_length = sign_record(&school_a, SCHOOL_B, 1, VB_KIND_ORIGINAL, 0, record);
    entry_length = encode_entry(VB_EVENT_ISSUE, 1, SCHOOL_A, 1, record, record_length, 0, entry);
    t.events[0] = (vb_mirror_event){entry, entry_length, record, record_length, ""};
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_UNKNOWN_SIGNER);

    /* A tampered record whose digest the entry carries: the signature fails. */
    memcpy(record, history[0].record, history[0].record_length);
    record_length = history[0].record_length;
    record[record_length - 1] ^= 0x01;
    entry_length = encode_entry(VB_EVENT_ISSUE, 1, SCHOOL_A, 1, record, record_length, 0, entry);
    t.events[0] = (vb_mirror_event){entry, entry_length, record, record_length, ""};
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_BAD_SIGNATURE);

    /* The record's cti is 1, the entry says record 7. */
    entry_length = encode_entry(VB_EVENT_ISSUE, 1, SCHOOL_A, 7, history[0].record, history[0].record_length, 0, entry);
    t.events[0] = (vb_mirror_event){entry, entry_length, history[0].record, history[0].record_length, ""};
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_MIRROR_RECORD);
    assert_non_null(strstr(err.message, "cti"));

    /* A revocation with a record. */
    history_batch(&t, 1, HISTORY);
    t.events[4].record = history[1].record;
    t.events[4].record_length = history[1].record_length;
    assert_int_equal(check(&t.batch, 4, &checked, &err), VB_ERR_MIRROR_RECORD);

    /* An issue without its record. */
    history_batch(&t, 1, HISTORY);
    t.events[1].record = NULL;
    t.events[1].record_length = 0;
    assert_int_equal(check(&t.batch, 1, &checked, &err), VB_ERR_MIRROR_RECORD);

    /* An issue event with a correction's record (digest and id agreeing). */
    entry_length = encode_entry(VB_EVENT_ISSUE, 3, SCHOOL_A, 3, history[2].record, history[2].record_length, 0, entry);
    history_batch(&t, 1, HISTORY);
    t.events[2].entry = entry;
    t.events[2].entry_length = entry_length;
    assert_int_equal(check(&t.batch, 2, &checked, &err), VB_ERR_MIRROR_RECORD);

    /* A correction whose entry says it supersedes record 2; the record supersedes 1. */
    entry_length =
        encode_entry(VB_EVENT_CORRECT, 3, SCHOOL_A, 3, history[2].record, history[2].record_length, 2, entry);
    t.events[2].entry = entry;
    t.events[2].entry_length = entry_length;
    assert_int_equal(check(&t.batch, 2, &checked, &err), VB_ERR_MIRROR_RECORD);
    assert_non_null(strstr(err.message, "supersede"));

    /* Entries: another school, another sequence, bytes that are no entry. */
    history_batch(&t, 1, HISTORY);
    entry_length = encode_entry(VB_EVENT_REVOKE, 5, SCHOOL_B, 2, NULL, 0, 0, entry);
    t.events[4].entry = entry;
    t.events[4].entry_length = entry_length;
    assert_int_equal(check(&t.batch, 4, &checked, &err), VB_ERR_MIRROR_EVENT);
    entry_length = encode_entry(VB_EVENT_REVOKE, 6, SCHOOL_A, 2, NULL, 0, 0, entry);
    t.events[4].entry_length = entry_length;
    assert_int_equal(check(&t.batch, 4, &checked, &err), VB_ERR_MIRROR_EVENT);
    assert_non_null(strstr(err.message, "sequence 6"));
    static const uint8_t not_entry[] = {0xa1, 0x01, 0x01};
    t.events[4].entry = not_entry;
    t.events[4].entry_length = sizeof not_entry;
    assert_int_equal(check(&t.batch, 4, &checked, &err), VB_ERR_MIRROR_EVENT);

    /* Personal ids: one disagreeing with the year of birth, never quoted; one beside a
     * correction; one beside a revocation. */
    history_batch(&t, 1, HISTORY);
    strcpy(t.events[0].personal_id, PERSONAL_ID_WRONG_YEAR);
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_MIRROR_EVENT);
    assert_non_null(strstr(err.message, "year of birth"));
    assert_null(strstr(err.message, PERSONAL_ID_WRONG_YEAR));
    assert_null(strstr(err.message, "013050"));
    strcpy(t.events[0].personal_id, "001204012345"); /* digit 4: 2 = male; the record says female */
    assert_int_equal(check(&t.batch, 0, &checked, &err), VB_ERR_MIRROR_EVENT);
    assert_null(strstr(err.message, "001204012345"));
    history_batch(&t, 1, HISTORY);
    strcpy(t.events[2].personal_id, PERSONAL_ID);
    assert_int_equal(check(&t.batch, 2, &checked, &err), VB_ERR_MIRROR_EVENT);
    assert_null(strstr(err.message, PERSONAL_ID));
    strcpy(t.events[4].personal_id, PERSONAL_ID);
    assert_int_equal(check(&t.batch, 4, &checked, &err), VB_ERR_MIRROR_EVENT);
}

/* The portal checks a batch's events on several threads at once. */
typedef struct {
    const vb_mirror_batch *batch;
    int failures;
    uint8_t leaves[HISTORY][HASH];
} check_job;

static void *check_all(void *context)
{
    check_job *job = context;
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < job->batch->count; i++) {
            vb_mirror_checked checked;
            vb_error err;
            if (vb_mirror_check_event(&trust, job->batch, i, &checked, &err) != VB_OK)
                job->failures++;
            memcpy(job->leaves[i], checked.leaf_hash, HASH);
        }
    return NULL;
}

static void test_check_threads(void **state)
{
    (void)state;
    test_batch t;
    history_batch(&t, 1, HISTORY);
    pthread_t threads[4];
    check_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (check_job){&t.batch, 0, {{0}}};
        assert_int_equal(pthread_create(&threads[i], NULL, check_all, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(jobs[i].failures, 0);
        assert_memory_equal(jobs[i].leaves, history_leaves, sizeof history_leaves);
    }
}

/* ---------------------------------------------------------------- checking checkpoints */

static vb_status check_checkpoint(const vb_mirror_batch *batch, EVP_PKEY *key, const vb_log_builder *held,
                                  const uint8_t *leaves, vb_log_builder *extended, vb_log_checkpoint *checkpoint,
                                  vb_error *err)
{
    vb_status s = vb_mirror_check_checkpoint(batch, key, held, leaves, extended, checkpoint, err);
    if (s != VB_OK)
        assert_int_equal(err->code, s);
    return s;
}

static void test_checkpoint_first_and_next(void **state)
{
    (void)state;
    test_batch t;
    vb_log_builder held, extended;
    vb_log_checkpoint checkpoint;
    vb_error err = {0};
    uint8_t root[HASH], expected[HASH];

    /* The first batch, as the portal takes it: verify, check every event, then the checkpoint. */
    history_batch(&t, 1, 3);
    size_t length;
    uint8_t *signed_bytes = sign_batch(&school_a, &t.batch, &length);
    vb_mirror_batch batch;
    const vb_trust_entry *signer;
    assert_int_equal(verify(signed_bytes, length, &batch, &signer, &err), VB_OK);
    uint8_t leaves[HISTORY * HASH];
    for (size_t i = 0; i < batch.count; i++) {
        vb_mirror_checked checked;
        assert_int_equal(check(&batch, i, &checked, &err), VB_OK);
        memcpy(leaves + i * HASH, checked.leaf_hash, HASH);
    }
    vb_log_builder_init(&held);
    if (check_checkpoint(&batch, signer->public_key, &held, leaves, &extended, &checkpoint, &err) != VB_OK)
        fail_msg("first batch: %s", err.message);
    assert_int_equal(extended.size, 3);
    assert_int_equal(checkpoint.size, 3);
    assert_string_equal(checkpoint.origin, SCHOOL_A);
    assert_int_equal(vb_log_builder_root(&extended, root), VB_OK);
    assert_memory_equal(root, checkpoint.root, HASH);
    vb_mirror_batch_free(&batch);
    free(signed_bytes);

    /* The next batch, with its consistency proof from size 3, extends what the portal holds. */
    held = extended;
    history_batch(&t, 4, 2);
    if (check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err) != VB_OK)
        fail_msg("second batch: %s", err.message);
    assert_int_equal(extended.size, HISTORY);
    leaf_array array = {(const uint8_t(*)[HASH])history_leaves, HISTORY};
    vb_log_source source = {array_leaf, NULL, &array};
    assert_int_equal(vb_log_root(&source, HISTORY, expected, NULL), VB_OK);
    assert_int_equal(vb_log_builder_root(&extended, root), VB_OK);
    assert_memory_equal(root, expected, HASH);

    /* The same call may write the extended tree over the one held. */
    vb_log_builder same = held;
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &same, history_leaves[3], &same, &checkpoint, &err),
                     VB_OK);
    assert_int_equal(same.size, HISTORY);
}

static void test_checkpoint_refusals(void **state)
{
    (void)state;
    test_batch t;
    vb_log_builder held, extended, untouched;
    vb_log_checkpoint checkpoint;
    vb_error err = {0};
    builder_of((const uint8_t(*)[HASH])history_leaves, 3, &held);
    vb_log_builder_init(&untouched);
    untouched.size = 77;

    /* A school whose log was rewritten: event 1 changed, the checkpoint and proof made over the
     * new history. The proof is well formed but does not lead from the root held. */
    uint8_t other[HISTORY][HASH];
    memcpy(other, history_leaves, sizeof other);
    uint8_t entry[VB_REGISTER_ENTRY_MAX_BYTES];
    size_t entry_length = encode_entry(VB_EVENT_ISSUE, 1, SCHOOL_A, 1, history[1].record, history[1].record_length, 0,
                                       entry);
    assert_int_equal(vb_log_leaf_hash(entry, entry_length, other[0]), VB_OK);
    history_batch_over(&t, 4, 2, (const uint8_t(*)[HASH])other);
    extended = untouched;
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err),
                     VB_ERR_LOG_MISMATCH);
    assert_int_equal(extended.size, 77); /* not written on failure */
    assert_int_equal(checkpoint.size, 0);

    /* The portal holds 2 events, the batch starts at 4. */
    history_batch(&t, 4, 2);
    vb_log_builder short_held;
    builder_of((const uint8_t(*)[HASH])history_leaves, 2, &short_held);
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &short_held, history_leaves[3], &extended, &checkpoint,
                                      &err),
                     VB_ERR_MIRROR_SEQUENCE);
    assert_non_null(strstr(err.message, "next is 3"));

    /* A checkpoint of size 4 for events 4 and 5. */
    uint8_t root[HASH];
    vb_log_builder four;
    builder_of((const uint8_t(*)[HASH])history_leaves, 4, &four);
    assert_int_equal(vb_log_builder_root(&four, root), VB_OK);
    t.batch.checkpoint_length = sign_checkpoint(&school_a, SCHOOL_A, 4, root, t.checkpoint);
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err),
                     VB_ERR_MIRROR_SEQUENCE);

    /* A checkpoint of another origin; one signed with another key. */
    history_batch(&t, 4, 2);
    vb_log_builder five;
    builder_of((const uint8_t(*)[HASH])history_leaves, 5, &five);
    assert_int_equal(vb_log_builder_root(&five, root), VB_OK);
    t.batch.checkpoint_length = sign_checkpoint(&school_a, SCHOOL_B, 5, root, t.checkpoint);
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err),
                     VB_ERR_MIRROR_SCHOOL);
    t.batch.checkpoint_length = sign_checkpoint(&school_b, SCHOOL_A, 5, root, t.checkpoint);
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err),
                     VB_ERR_BAD_SIGNATURE);

    /* A proof cut short; a proof with a hash changed. */
    history_batch(&t, 4, 2);
    t.batch.proof.count--;
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err),
                     VB_ERR_LOG_PROOF);
    history_batch(&t, 4, 2);
    t.batch.proof.hashes[0] ^= 0x80;
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, history_leaves[3], &extended, &checkpoint, &err),
                     VB_ERR_LOG_MISMATCH);

    /* The proof is right but the batch's events are not the ones the checkpoint commits to. */
    history_batch(&t, 4, 2);
    uint8_t leaves[2 * HASH];
    memcpy(leaves, history_leaves[3], sizeof leaves);
    leaves[HASH] ^= 0x01;
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &held, leaves, &extended, &checkpoint, &err),
                     VB_ERR_LOG_MISMATCH);
    history_batch(&t, 1, 3);
    vb_log_builder empty;
    vb_log_builder_init(&empty);
    uint8_t three[3 * HASH];
    memcpy(three, history_leaves[0], sizeof three);
    three[0] ^= 0x01;
    assert_int_equal(check_checkpoint(&t.batch, school_a.key, &empty, three, &extended, &checkpoint, &err),
                     VB_ERR_LOG_MISMATCH);
    assert_int_equal(extended.size, 77);
}

/* ---------------------------------------------------------------- leaf statements */

static uint8_t *sign_leaves(const test_party *party, const vb_mirror_leaves *leaves, size_t *length)
{
    vb_error err = {0};
    uint8_t *out = NULL;
    vb_cose_signer signer = signer_of(party);
    if (vb_mirror_leaves_sign(&signer, leaves, &out, length, &err) != VB_OK)
        fail_msg("vb_mirror_leaves_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    return out;
}

static vb_status decode_leaves_payload(const uint8_t *payload, size_t payload_length)
{
    size_t length;
    uint8_t *signed_bytes = sign_payload(&school_a, payload, payload_length, &length);
    vb_mirror_leaves leaves;
    vb_error err = {0};
    vb_status s = vb_mirror_leaves_decode(signed_bytes, length, NULL, &leaves, &err);
    if (s != VB_OK) {
        assert_int_equal(err.code, s);
        assert_null(leaves.leaves);
    }
    free(signed_bytes);
    return s;
}

static void test_leaves(void **state)
{
    (void)state;
    vb_mirror_leaves statement = {SCHOOL_A, 2, 3, history_leaves[1], (uint64_t)now};
    size_t length;
    uint8_t *signed_bytes = sign_leaves(&school_a, &statement, &length);
    vb_mirror_leaves leaves;
    vb_cose_sign1 message;
    const vb_trust_entry *signer = NULL;
    vb_error err = {0};

    assert_int_equal(vb_mirror_leaves_decode(signed_bytes, length, &message, &leaves, &err), VB_OK);
    assert_memory_equal(message.kid, school_a.kid, VB_KID_BYTES);
    if (vb_mirror_leaves_verify(signed_bytes, length, &trust, &leaves, &signer, &err) != VB_OK)
        fail_msg("vb_mirror_leaves_verify: %s", err.message);
    assert_string_equal(leaves.school, SCHOOL_A);
    assert_int_equal(leaves.first, 2);
    assert_int_equal(leaves.count, 3);
    assert_int_equal(leaves.time, (uint64_t)now);
    assert_memory_equal(leaves.leaves, history_leaves[1], 3 * HASH);
    assert_true(leaves.leaves > signed_bytes && leaves.leaves < signed_bytes + length);
    assert_string_equal(signer->school_code, SCHOOL_A);

    /* The payload is the map FORMAT.md §12 gives. */
    test_buffer expected = {.length = 0};
    tb_hex(&expected, "a5 01 01 02 66 4344434e484e 03 02 04 58 60");
    tb_raw(&expected, history_leaves[1], 3 * HASH);
    tb_byte(&expected, 0x05);
    tb_head(&expected, 0, (uint64_t)now);
    assert_int_equal(message.payload_length, expected.length);
    assert_memory_equal(message.payload, expected.data, expected.length);

    /* Verification: tampered, another school's key, a removed signer. */
    signed_bytes[length - 1] ^= 0x01;
    assert_int_equal(vb_mirror_leaves_verify(signed_bytes, length, &trust, &leaves, NULL, &err), VB_ERR_BAD_SIGNATURE);
    free(signed_bytes);
    signed_bytes = sign_leaves(&school_b, &statement, &length);
    assert_int_equal(vb_mirror_leaves_verify(signed_bytes, length, &trust, &leaves, NULL, &err), VB_ERR_MIRROR_SCHOOL);
    free(signed_bytes);
    strcpy(statement.school, "CDREM");
    signed_bytes = sign_leaves(&school_removed, &statement, &length);
    assert_int_equal(vb_mirror_leaves_verify(signed_bytes, length, &trust, &leaves, NULL, &err),
                     VB_ERR_SIGNER_REMOVED);
    free(signed_bytes);
    signed_bytes = sign_leaves(&school_unlisted, &statement, &length);
    assert_int_equal(vb_mirror_leaves_verify(signed_bytes, length, &trust, &leaves, NULL, &err),
                     VB_ERR_UNKNOWN_SIGNER);
    free(signed_bytes);

    /* Payload refusals, one rule each. */
    test_buffer b;
#define LEAVES_PAYLOAD(head, leaves_hex, tail)                                                                        \
    do {                                                                                                               \
        b.length = 0;                                                                                                  \
        tb_hex(&b, head);                                                                                              \
        tb_hex(&b, leaves_hex);                                                                                        \
        tb_hex(&b, tail);                                                                                              \
    } while (0)
    static const char h32[] = "58 20 1111111111111111111111111111111111111111111111111111111111111111";
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 01 04", h32, "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_OK);
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 01 04",
                   "58 21 00 1111111111111111111111111111111111111111111111111111111111111111", "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* 33 bytes */
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 01 04", "40", "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* no leaf */
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 00 04", h32, "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* first 0 */
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 1b ffffffffffffffff 04",
                   "58 40 1111111111111111111111111111111111111111111111111111111111111111"
                   "1111111111111111111111111111111111111111111111111111111111111111",
                   "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* past 2^64 - 1 */
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 01 04", h32, "06 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* unknown key */
    LEAVES_PAYLOAD("a5 01 01 03 01 02 62 4344 04", h32, "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_CBOR_KEY_ORDER);
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 01 04", h32, "05 00 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_CBOR_TRAILING);
    LEAVES_PAYLOAD("a4 01 01 02 62 4344 03 01 04", h32, "");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* no time */
    LEAVES_PAYLOAD("a5 01 02 02 62 4344 03 01 04", h32, "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* format 2 */
    LEAVES_PAYLOAD("a5 01 01 02 62 4344 03 01 04", h32, "05 1b 00000001b09e1900");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* 2200-01-01 */
    LEAVES_PAYLOAD("a5 01 01 02 42 4344 03 01 04", h32, "05 00");
    assert_int_equal(decode_leaves_payload(b.data, b.length), VB_ERR_MIRROR_MALFORMED); /* school as bytes */
#undef LEAVES_PAYLOAD

    /* More leaves than a statement holds, within its byte limit. */
    size_t count = VB_MIRROR_MAX_LEAVES + 1, leaves_bytes = count * HASH;
    uint8_t *big = calloc(1, leaves_bytes + 64);
    assert_non_null(big);
    test_buffer head = {.length = 0};
    tb_hex(&head, "a5 01 01 02 62 4344 03 01 04");
    tb_head(&head, 2, leaves_bytes);
    memcpy(big, head.data, head.length);
    size_t at = head.length + leaves_bytes;
    big[at++] = 0x05;
    big[at++] = 0x00;
    assert_int_equal(decode_leaves_payload(big, at), VB_ERR_MIRROR_MALFORMED);
    free(big);

    /* Signing refuses what decoding would. */
    vb_cose_signer signer_a = signer_of(&school_a);
    uint8_t *out = NULL;
    statement = (vb_mirror_leaves){SCHOOL_A, 1, 0, history_leaves[0], (uint64_t)now};
    assert_int_equal(vb_mirror_leaves_sign(&signer_a, &statement, &out, &length, &err), VB_ERR_ARGUMENT);
    statement.count = VB_MIRROR_MAX_LEAVES + 1;
    assert_int_equal(vb_mirror_leaves_sign(&signer_a, &statement, &out, &length, &err), VB_ERR_ARGUMENT);
    statement.count = 1;
    statement.first = 0;
    assert_int_equal(vb_mirror_leaves_sign(&signer_a, &statement, &out, &length, &err), VB_ERR_ARGUMENT);
    statement.first = 1;
    statement.time = VB_LOG_MAX_CHECKPOINT_TIME;
    assert_int_equal(vb_mirror_leaves_sign(&signer_a, &statement, &out, &length, &err), VB_ERR_ARGUMENT);
    assert_null(out);
    vb_cose_signer_free(&signer_a);
}

/* ---------------------------------------------------------------- status bundles */

typedef struct {
    size_t visits;
    const uint8_t *lists[4];
    size_t lengths[4];
    size_t stop_at; /* returns VB_ERR_IO at this index; SIZE_MAX never */
    vb_status parsed[4];
} bundle_visits;

static vb_status visit_list(void *context, size_t index, const uint8_t *list, size_t length, vb_error *err)
{
    bundle_visits *v = context;
    assert_int_equal(index, v->visits);
    if (index < 4) {
        v->lists[index] = list;
        v->lengths[index] = length;
        vb_statuslist parsed;
        v->parsed[index] = vb_statuslist_parse(list, length, &trust, 0, &parsed, NULL);
        if (v->parsed[index] == VB_OK)
            vb_statuslist_free(&parsed);
    }
    v->visits++;
    if (index == v->stop_at)
        return vb_fail(err, VB_ERR_IO, "stopped at %zu", index);
    return VB_OK;
}

static uint8_t *status_list_of(const test_party *party, const char *origin, size_t *length)
{
    vb_statuslist_builder builder;
    vb_statuslist_builder_init(&builder);
    vb_statuslist_entry entry = {2, VB_STATUSLIST_STATE_REVOKED, VB_REVOKE_LENT, 20624, 0};
    assert_int_equal(vb_statuslist_builder_add(&builder, &entry, NULL, NULL), VB_OK);
    vb_cose_signer signer = signer_of(party);
    uint8_t *out = NULL;
    vb_error err = {0};
    if (vb_statuslist_sign(&builder, &signer, origin, 1, now, &out, length, &err) != VB_OK)
        fail_msg("vb_statuslist_sign: %s", err.message);
    vb_cose_signer_free(&signer);
    vb_statuslist_builder_free(&builder);
    return out;
}

static vb_status bundle_each(const uint8_t *data, size_t length, bundle_visits *visits)
{
    vb_error err = {0};
    memset(visits, 0, sizeof *visits);
    visits->stop_at = SIZE_MAX;
    uint8_t *copy = test_exact_copy(data, length);
    vb_status s = vb_mirror_bundle_each(copy, length, visit_list, visits, &err);
    if (s != VB_OK)
        assert_int_equal(err.code, s);
    free(copy);
    return s;
}

static void test_bundle(void **state)
{
    (void)state;
    size_t length_a, length_b, length;
    uint8_t *list_a = status_list_of(&school_a, SCHOOL_A, &length_a);
    uint8_t *list_b = status_list_of(&school_b, SCHOOL_B, &length_b);
    const uint8_t *lists[2] = {list_a, list_b};
    size_t lengths[2] = {length_a, length_b};
    uint8_t *bundle = NULL;
    vb_error err = {0};
    bundle_visits visits;

    assert_int_equal(vb_mirror_bundle_encode(lists, lengths, 2, &bundle, &length, &err), VB_OK);
    assert_true(vb_mirror_is_bundle(bundle, length));
    assert_false(vb_mirror_is_bundle(list_a, length_a));
    assert_int_equal(bundle[0], 0x82);
    memset(&visits, 0, sizeof visits);
    visits.stop_at = SIZE_MAX;
    assert_int_equal(vb_mirror_bundle_each(bundle, length, visit_list, &visits, &err), VB_OK);
    assert_int_equal(visits.visits, 2);
    assert_int_equal(visits.lengths[0], length_a);
    assert_memory_equal(visits.lists[0], list_a, length_a);
    assert_int_equal(visits.lengths[1], length_b);
    assert_memory_equal(visits.lists[1], list_b, length_b);
    assert_true(visits.lists[0] > bundle && visits.lists[1] < bundle + length); /* into the input */
    assert_int_equal(visits.parsed[0], VB_OK); /* each list is the school's, whole */
    assert_int_equal(visits.parsed[1], VB_OK);
    uint8_t head[9];
    assert_int_equal(length, 1 + test_cbor_head(head, 2, length_a) + length_a + test_cbor_head(head, 2, length_b) +
                                 length_b);

    /* A visitor that stops. */
    memset(&visits, 0, sizeof visits);
    visits.stop_at = 0;
    assert_int_equal(vb_mirror_bundle_each(bundle, length, visit_list, &visits, &err), VB_ERR_IO);
    assert_int_equal(visits.visits, 1);
    free(bundle);

    /* The empty bundle. */
    assert_int_equal(vb_mirror_bundle_encode(NULL, NULL, 0, &bundle, &length, &err), VB_OK);
    assert_int_equal(length, 1);
    assert_int_equal(bundle[0], 0x80);
    assert_true(vb_mirror_is_bundle(bundle, length));
    assert_int_equal(bundle_each(bundle, length, &visits), VB_OK);
    assert_int_equal(visits.visits, 0);
    free(bundle);
    assert_false(vb_mirror_is_bundle(NULL, 0));
    assert_false(vb_mirror_is_bundle((const uint8_t *)"\xa0", 1));

    /* Malformed bundles; none is visited, even where the first list is sound. */
    static const char *const malformed[] = {
        "",                   /* nothing */
        "a0",                 /* a map */
        "41 00",              /* a byte string */
        "9f 41 00 ff",        /* indefinite */
        "81 61 61",           /* a text item */
        "81 40",              /* an empty list */
        "82 41 00",           /* truncated */
        "82 41 00 61 61",     /* the second item is text */
        "81 41 00 00",        /* trailing */
        "81 5f 41 00 ff",     /* an indefinite byte string */
        "98 01 41 00",        /* non-shortest count */
        "81 81 41 00",        /* nested */
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        uint8_t bytes[16];
        size_t n = test_hex(malformed[i], bytes, sizeof bytes);
        if (bundle_each(bytes, n, &visits) != VB_ERR_MIRROR_MALFORMED)
            fail_msg("bundle %s was not refused as malformed", malformed[i]);
        assert_int_equal(visits.visits, 0);
    }

    /* Too many lists: 4097 one-byte lists. */
    test_buffer b = {.length = 0};
    tb_head(&b, 4, VB_MIRROR_MAX_BUNDLE_LISTS + 1);
    for (int i = 0; i <= VB_MIRROR_MAX_BUNDLE_LISTS; i++)
        tb_hex(&b, "41 00");
    assert_int_equal(bundle_each(b.data, b.length, &visits), VB_ERR_MIRROR_MALFORMED);
    assert_int_equal(visits.visits, 0);
    b.length = 0;
    tb_head(&b, 4, VB_MIRROR_MAX_BUNDLE_LISTS);
    for (int i = 0; i < VB_MIRROR_MAX_BUNDLE_LISTS; i++)
        tb_hex(&b, "41 00");
    assert_int_equal(bundle_each(b.data, b.length, &visits), VB_OK);
    assert_int_equal(visits.visits, VB_MIRROR_MAX_BUNDLE_LISTS);

    /* Encoding refuses an empty list and too many lists. */
    lengths[1] = 0;
    assert_int_equal(vb_mirror_bundle_encode(lists, lengths, 2, &bundle, &length, &err), VB_ERR_ARGUMENT);
    assert_null(bundle);
    assert_int_equal(vb_mirror_bundle_encode(lists, lengths, VB_MIRROR_MAX_BUNDLE_LISTS + 1, &bundle, &length, &err),
                     VB_ERR_ARGUMENT);
    free(list_a);
    free(list_b);
}

/* ---------------------------------------------------------------- the compact tree */

static void test_tree(void **state)
{
    (void)state;
    static const uint64_t sizes[] = {0, 1, 2, 3, 7, 8, 1000};
    uint64_t seed = 42;
    vb_error err = {0};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        vb_log_builder builder, loaded;
        uint8_t bytes[VB_MIRROR_TREE_MAX_BYTES], root[HASH], loaded_root[HASH];
        vb_log_builder_init(&builder);
        for (uint64_t i = 0; i < sizes[k]; i++) {
            uint8_t leaf[HASH];
            test_random_fill(&seed, leaf, HASH);
            assert_int_equal(vb_log_builder_add(&builder, leaf), VB_OK);
        }
        size_t length = vb_mirror_tree_save(&builder, bytes);
        assert_int_equal(length, 8 + HASH * (size_t)__builtin_popcountll(sizes[k]));
        for (int i = 0; i < 8; i++)
            assert_int_equal(bytes[i], (uint8_t)(sizes[k] >> (56 - 8 * i)));
        uint8_t *copy = test_exact_copy(bytes, length);
        if (vb_mirror_tree_load(copy, length, &loaded, &err) != VB_OK)
            fail_msg("size %llu: %s", (unsigned long long)sizes[k], err.message);
        assert_int_equal(loaded.size, sizes[k]);
        assert_int_equal(loaded.depth, builder.depth);
        assert_memory_equal(loaded.stack, builder.stack, (size_t)builder.depth * HASH);
        assert_int_equal(vb_log_builder_root(&builder, root), VB_OK);
        assert_int_equal(vb_log_builder_root(&loaded, loaded_root), VB_OK);
        assert_memory_equal(root, loaded_root, HASH);
        /* One byte more or less is refused. */
        assert_int_equal(vb_mirror_tree_load(copy, length - 1, &loaded, &err), VB_ERR_MIRROR_MALFORMED);
        assert_int_equal(err.code, VB_ERR_MIRROR_MALFORMED);
        free(copy);
        bytes[length] = 0;
        copy = test_exact_copy(bytes, length + 1);
        assert_int_equal(vb_mirror_tree_load(copy, length + 1, &loaded, &err), VB_ERR_MIRROR_MALFORMED);
        free(copy);
        /* A loaded tree goes on growing like the original. */
        if (sizes[k] == 7) {
            vb_log_builder tree;
            assert_int_equal(vb_mirror_tree_load(bytes, length, &tree, &err), VB_OK);
            uint8_t leaf[HASH] = {1};
            assert_int_equal(vb_log_builder_add(&tree, leaf), VB_OK);
            assert_int_equal(vb_log_builder_add(&builder, leaf), VB_OK);
            assert_int_equal(vb_log_builder_root(&tree, root), VB_OK);
            assert_int_equal(vb_log_builder_root(&builder, loaded_root), VB_OK);
            assert_memory_equal(root, loaded_root, HASH);
        }
    }

    /* FORMAT.md §12.4's example: the first five leaves of the CT reference tree (§9), whose root
     * the checkpoint example of §9 gives. */
    uint8_t example[8 + 2 * HASH], example_root[HASH], expected_root[HASH];
    assert_int_equal(test_hex("0000000000000005"
                              " d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
                              " bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                              example, sizeof example),
                     sizeof example);
    test_hex("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4", expected_root, HASH);
    vb_log_builder reference;
    assert_int_equal(vb_mirror_tree_load(example, sizeof example, &reference, &err), VB_OK);
    assert_int_equal(reference.size, 5);
    assert_int_equal(vb_log_builder_root(&reference, example_root), VB_OK);
    assert_memory_equal(example_root, expected_root, HASH);

    /* Lengths that no size gives, and the largest tree. */
    uint8_t bytes[VB_MIRROR_TREE_MAX_BYTES] = {0};
    vb_log_builder loaded;
    assert_int_equal(vb_mirror_tree_load(bytes, 0, &loaded, &err), VB_ERR_MIRROR_MALFORMED);
    assert_int_equal(vb_mirror_tree_load(bytes, 7, &loaded, &err), VB_ERR_MIRROR_MALFORMED);
    bytes[7] = 3; /* size 3 needs two roots */
    assert_int_equal(vb_mirror_tree_load(bytes, 8 + HASH, &loaded, &err), VB_ERR_MIRROR_MALFORMED);
    assert_int_equal(vb_mirror_tree_load(bytes, 8 + 2 * HASH, &loaded, &err), VB_OK);
    assert_int_equal(loaded.size, 3);
    assert_int_equal(loaded.depth, 2);
    memset(bytes, 0xff, 8);
    assert_int_equal(vb_mirror_tree_load(bytes, VB_MIRROR_TREE_MAX_BYTES, &loaded, &err), VB_OK);
    assert_int_equal(loaded.size, UINT64_MAX);
    assert_int_equal(loaded.depth, 64);
    uint8_t saved[VB_MIRROR_TREE_MAX_BYTES];
    assert_int_equal(vb_mirror_tree_save(&loaded, saved), VB_MIRROR_TREE_MAX_BYTES);
    assert_memory_equal(saved, bytes, VB_MIRROR_TREE_MAX_BYTES);
    /* A refused load leaves the empty tree, not half of one. */
    assert_int_equal(vb_mirror_tree_load(bytes, VB_MIRROR_TREE_MAX_BYTES - 1, &loaded, &err), VB_ERR_MIRROR_MALFORMED);
    assert_int_equal(loaded.size, 0);
    assert_int_equal(loaded.depth, 0);
}

/* ---------------------------------------------------------------- names and fuzz seeds */

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(vb_status_name(VB_ERR_MIRROR_MALFORMED), "mirror-malformed");
    assert_string_equal(vb_status_name(VB_ERR_MIRROR_SCHOOL), "mirror-school");
    assert_string_equal(vb_status_name(VB_ERR_MIRROR_SEQUENCE), "mirror-sequence");
    assert_string_equal(vb_status_name(VB_ERR_MIRROR_EVENT), "mirror-event");
    assert_string_equal(vb_status_name(VB_ERR_MIRROR_RECORD), "mirror-record");
    assert_int_equal(vb_status_from_name("mirror-record"), VB_ERR_MIRROR_RECORD);
}

static void write_seed(const char *directory, const char *name, const uint8_t *bytes, size_t length)
{
    char path[1024];
    assert_true(length < 4096); /* run-fuzz.sh runs with -max_len=4096 */
    snprintf(path, sizeof path, "%s/%s", directory, name);
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    assert_int_equal(fwrite(bytes, 1, length, file), length);
    assert_int_equal(fclose(file), 0);
}

/* Writes the fuzz seeds when VB_MIRROR_SEEDS names a folder; otherwise checks only that they
 * would fit the fuzzer's length limit. */
static void test_fuzz_seeds(void **state)
{
    (void)state;
    const char *directory = getenv("VB_MIRROR_SEEDS");
    test_batch t;
    size_t length;
    uint8_t *bytes;

    history_batch(&t, 1, 2);
    bytes = sign_batch(&school_a, &t.batch, &length);
    assert_true(length < 4096);
    if (directory)
        write_seed(directory, "batch-first", bytes, length);
    free(bytes);
    history_batch(&t, 4, 2);
    bytes = sign_batch(&school_a, &t.batch, &length);
    assert_true(length < 4096);
    if (directory)
        write_seed(directory, "batch-next", bytes, length);
    free(bytes);

    vb_mirror_leaves statement = {SCHOOL_A, 1, HISTORY, history_leaves[0], (uint64_t)now};
    bytes = sign_leaves(&school_a, &statement, &length);
    if (directory)
        write_seed(directory, "leaves", bytes, length);
    free(bytes);

    size_t list_length;
    uint8_t *list = status_list_of(&school_a, SCHOOL_A, &list_length);
    const uint8_t *lists[1] = {list};
    assert_int_equal(vb_mirror_bundle_encode(lists, &list_length, 1, &bytes, &length, NULL), VB_OK);
    assert_true(length < 4096);
    if (directory)
        write_seed(directory, "bundle", bytes, length);
    free(bytes);
    free(list);

    vb_log_builder builder;
    uint8_t tree[VB_MIRROR_TREE_MAX_BYTES];
    builder_of((const uint8_t(*)[HASH])history_leaves, HISTORY, &builder);
    length = vb_mirror_tree_save(&builder, tree);
    assert_int_equal(length, 8 + 2 * HASH);
    if (directory)
        write_seed(directory, "tree-5", tree, length);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_round_trip),
        cmocka_unit_test(test_batch_known_payload),
        cmocka_unit_test(test_batch_verify),
        cmocka_unit_test(test_batch_decode_refusals),
        cmocka_unit_test(test_batch_sign_refusals),
        cmocka_unit_test(test_check_good_events),
        cmocka_unit_test(test_check_bad_events),
        cmocka_unit_test(test_check_threads),
        cmocka_unit_test(test_checkpoint_first_and_next),
        cmocka_unit_test(test_checkpoint_refusals),
        cmocka_unit_test(test_leaves),
        cmocka_unit_test(test_bundle),
        cmocka_unit_test(test_tree),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_fuzz_seeds),
    };
    return cmocka_run_group_tests_name("mirror", tests, group_setup, group_teardown);
}
