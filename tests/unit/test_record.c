/*
 * test_record.c — unit tests of the credential claims (libvanbang/record.c): a realistic
 * Vietnamese diploma encoded to the bytes the format fixes (derived by hand from RFC 8949 and the
 * claim keys of vanbang.h), round trips for every type and kind, the record size, each claim-level
 * error on hand-built claims maps, dates over three centuries, and the NFC and name helpers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cbor.h"
#include "record.h"

#define TEST_BUFFER_BYTES 2048 /* test_buffer: room for a claim value or a whole claims map */
#include "testutil.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The realistic diploma: a college graduate in electrical and electronic engineering technology. */
#define T_SCHOOL "CDCNHN"
#define T_IAT 1781920800 /* 2026-06-20T02:00:00Z = 09:00 in Hà Nội */
#define T_SERIAL "C\xc4\x90-2026-004512"           /* "CĐ-2026-004512", 15 bytes */
#define T_NAME "Nguy\xe1\xbb\x85n Th\xe1\xbb\x8b \xc3\x81nh Tuy\xe1\xba\xbft" /* "Nguyễn Thị Ánh Tuyết", 27 bytes */
#define T_NAME_DECOMPOSED "Nguye\xcc\x82\xcc\x83n Th\xe1\xbb\x8b \xc3\x81nh Tuy\xe1\xba\xbft"
#define T_PROGRAM                                                                                  \
    "C\xc3\xb4ng ngh\xe1\xbb\x87 k\xe1\xbb\xb9 thu\xe1\xba\xad"                                  \
    "t \xc4\x91i\xe1\xbb\x87n, \xc4\x91i\xe1\xbb\x87n t\xe1\xbb\xad" /* "Công nghệ kỹ thuật điện, điện tử", 47 bytes */
#define T_PLACE "H\xc3\xa0 N\xe1\xbb\x99i"          /* "Hà Nội", 9 bytes */
#define T_BIRTH 12492                               /* 2004-03-15 */
#define T_ISSUE 20619                               /* 2026-06-15 */
static const uint8_t t_record_id[8] = {0x26, 0x06, 0x15, 0x00, 0x00, 0x00, 0x45, 0x12};
static const uint8_t t_superseded_id[8] = {0x25, 0x12, 0x01, 0x00, 0x00, 0x00, 0x00, 0x99};

static void test_realistic_credential(vb_credential *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->school_code, T_SCHOOL);
    c->signed_at = T_IAT;
    memcpy(c->record_id, t_record_id, sizeof t_record_id);
    c->record_id_length = sizeof t_record_id;
    c->type = VB_TYPE_COLLEGE;
    strcpy(c->serial, T_SERIAL);
    c->register_number = 4512;
    c->register_year = 2026;
    strcpy(c->name, T_NAME);
    c->birth_date = T_BIRTH;
    c->gender = VB_GENDER_FEMALE;
    strcpy(c->program_code, "6510303");
    strcpy(c->program_name, T_PROGRAM);
    c->classification = VB_CLASS_GOOD;
    c->training_mode = VB_MODE_FULL_TIME;
    c->issue_date = T_ISSUE;
    strcpy(c->issue_place, T_PLACE);
    c->kind = VB_KIND_ORIGINAL;
}

static void assert_credential_equal(const vb_credential *a, const vb_credential *b)
{
    assert_string_equal(a->school_code, b->school_code);
    assert_true(a->signed_at == b->signed_at);
    assert_int_equal(a->record_id_length, b->record_id_length);
    assert_memory_equal(a->record_id, b->record_id, a->record_id_length);
    assert_int_equal(a->type, b->type);
    assert_string_equal(a->serial, b->serial);
    assert_int_equal(a->register_number, b->register_number);
    assert_int_equal(a->register_year, b->register_year);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->birth_date, b->birth_date);
    assert_int_equal(a->gender, b->gender);
    assert_string_equal(a->program_code, b->program_code);
    assert_string_equal(a->program_name, b->program_name);
    assert_int_equal(a->program_name_from_catalog, b->program_name_from_catalog);
    assert_int_equal(a->classification, b->classification);
    assert_int_equal(a->training_mode, b->training_mode);
    assert_int_equal(a->issue_date, b->issue_date);
    assert_string_equal(a->issue_place, b->issue_place);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->supersedes_length, b->supersedes_length);
    assert_memory_equal(a->supersedes, b->supersedes, a->supersedes_length);
    assert_int_equal(a->copy_number, b->copy_number);
    assert_int_equal(a->high_quality, b->high_quality);
}

/* ---------------------------------------------------------------- hand-built claims maps */

/* Claims maps are built in testutil.h's test_buffer with its own CBOR head writer, so expected
 * bytes do not come from the library. */
typedef struct {
    int64_t key;
    test_buffer value; /* the encoded value item */
} test_claim;

typedef struct {
    test_claim claims[40];
    size_t count;
} test_claims;

static test_buffer *claims_slot(test_claims *c, int64_t key)
{
    for (size_t i = 0; i < c->count; i++)
        if (c->claims[i].key == key) {
            c->claims[i].value.length = 0;
            return &c->claims[i].value;
        }
    assert_true(c->count < sizeof c->claims / sizeof c->claims[0]);
    c->claims[c->count].key = key;
    c->claims[c->count].value.length = 0;
    return &c->claims[c->count++].value;
}

static void claims_remove(test_claims *c, int64_t key)
{
    for (size_t i = 0; i < c->count; i++)
        if (c->claims[i].key == key) {
            memmove(&c->claims[i], &c->claims[i + 1], (c->count - i - 1) * sizeof c->claims[0]);
            c->count--;
            return;
        }
    fail_msg("no claim %lld to remove", (long long)key);
}

static void claims_int(test_claims *c, int64_t key, int64_t v) { tb_int(claims_slot(c, key), v); }
static void claims_hex(test_claims *c, int64_t key, const char *hex) { tb_hex(claims_slot(c, key), hex); }

static void claims_text_n(test_claims *c, int64_t key, const char *text, size_t n)
{
    test_buffer *b = claims_slot(c, key);
    tb_head(b, 3, n);
    tb_raw(b, text, n);
}

static void claims_text(test_claims *c, int64_t key, const char *text) { claims_text_n(c, key, text, strlen(text)); }

static void claims_bytes(test_claims *c, int64_t key, const uint8_t *bytes, size_t n)
{
    tb_bstr(claims_slot(c, key), bytes, n);
}

/* The realistic diploma's claims, as the format defines them (vanbang.h). */
static void test_realistic_claims(test_claims *c)
{
    c->count = 0;
    claims_text(c, VB_CLAIM_ISS, T_SCHOOL);
    claims_int(c, VB_CLAIM_IAT, T_IAT);
    claims_bytes(c, VB_CLAIM_CTI, t_record_id, sizeof t_record_id);
    claims_int(c, VB_CLAIM_TYPE, VB_TYPE_COLLEGE);
    claims_text(c, VB_CLAIM_SERIAL, T_SERIAL);
    claims_int(c, VB_CLAIM_REGISTER_NUMBER, 4512);
    /* -4 left out: the register year (2026) is the year of issue, so it is implied. */
    claims_text(c, VB_CLAIM_NAME, T_NAME);
    claims_int(c, VB_CLAIM_BIRTH_DATE, T_BIRTH);
    claims_int(c, VB_CLAIM_GENDER, VB_GENDER_FEMALE);
    claims_int(c, VB_CLAIM_PROGRAM_CODE, 6510303);
    claims_text(c, VB_CLAIM_PROGRAM_NAME, T_PROGRAM);
    claims_int(c, VB_CLAIM_CLASSIFICATION, VB_CLASS_GOOD);
    claims_int(c, VB_CLAIM_TRAINING_MODE, VB_MODE_FULL_TIME);
    claims_int(c, VB_CLAIM_ISSUE_DATE, T_ISSUE);
    claims_text(c, VB_CLAIM_ISSUE_PLACE, T_PLACE);
}

/* Keys of -24..23 are one byte: 0..23 as themselves, -1..-24 as 0x20..0x37. */
static uint8_t key_byte(int64_t key)
{
    assert_true(key >= -24 && key <= 23);
    return key >= 0 ? (uint8_t)key : (uint8_t)(0x20 + (-1 - key));
}

/* Writes the map; `sorted` orders the keys canonically (bytewise on their encoding). */
static void claims_encode(const test_claims *c, bool sorted, test_buffer *out)
{
    size_t order[40];
    for (size_t i = 0; i < c->count; i++)
        order[i] = i;
    if (sorted)
        for (size_t i = 1; i < c->count; i++)
            for (size_t j = i; j > 0 && key_byte(c->claims[order[j - 1]].key) > key_byte(c->claims[order[j]].key); j--) {
                size_t t = order[j];
                order[j] = order[j - 1];
                order[j - 1] = t;
            }
    out->length = 0;
    tb_head(out, 5, c->count);
    for (size_t i = 0; i < c->count; i++) {
        tb_int(out, c->claims[order[i]].key);
        tb_raw(out, c->claims[order[i]].value.data, c->claims[order[i]].value.length);
    }
}

/* Decodes claims from a heap block of exactly their length. */
static vb_status decode_exact(const uint8_t *data, size_t length, vb_credential *c, vb_error *err)
{
    uint8_t *exact = test_exact_copy(data, length);
    vb_status s = vb_credential_decode(exact, length, c, err);
    free(exact);
    return s;
}

static vb_status claims_decode(const test_claims *c, vb_credential *out)
{
    test_buffer b;
    vb_credential scratch;
    vb_error err = {0};
    claims_encode(c, true, &b);
    vb_status s = decode_exact(b.data, b.length, out ? out : &scratch, &err);
    if (s != VB_OK && (err.code != s || !err.message[0]))
        fail_msg("status %s without a matching message", vb_status_name(s));
    return s;
}

#define EXPECT_CLAIMS(claims, want, why)                                                                      \
    do {                                                                                                      \
        vb_status got_ = claims_decode(claims, NULL);                                                         \
        if (got_ != (want))                                                                                   \
            fail_msg("%s: expected %s, got %s", why, vb_status_name(want), vb_status_name(got_));            \
    } while (0)

/* ---------------------------------------------------------------- encoding */

static void test_realistic_claims_bytes(void **state)
{
    (void)state;
    vb_credential c;
    uint8_t out[512];
    size_t length = 0;
    vb_error err = {0};
    test_claims claims;
    test_buffer want;

    test_realistic_credential(&c);
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, &err), VB_OK);
    test_realistic_claims(&claims);
    claims_encode(&claims, true, &want);
    assert_int_equal(length, want.length);
    assert_memory_equal(out, want.data, length);

    /* The same, spelled out: map of 15, then keys 01 06 07 20 21 22 24 … 2c with their values
     * (no 23: the register year equals the year of issue). */
    test_buffer literal = {0};
    tb_hex(&literal, "af 01 66");
    tb_raw(&literal, T_SCHOOL, 6);
    tb_hex(&literal, "06 1a 6a 35 f4 20 07 48 26 06 15 00 00 00 45 12 20 01 21 6f");
    tb_raw(&literal, T_SERIAL, 15);
    tb_hex(&literal, "22 19 11 a0 24 78 1b");
    tb_raw(&literal, T_NAME, 27);
    tb_hex(&literal, "25 19 30 cc 26 02 27 1a 00 63 56 df 28 78 2f");
    tb_raw(&literal, T_PROGRAM, 47);
    tb_hex(&literal, "29 03 2a 01 2b 19 50 8b 2c 69");
    tb_raw(&literal, T_PLACE, 9);
    assert_int_equal(literal.length, 159);
    assert_int_equal(length, literal.length);
    assert_memory_equal(out, literal.data, length);
}

/* Walks the top-level map of claims and returns the first byte of each key. */
static size_t claim_key_bytes(const uint8_t *claims, size_t length, uint8_t *keys)
{
    vb_cbor_reader r;
    size_t count, n = 0;
    vb_cbor_reader_init(&r, claims, length);
    assert_int_equal(vb_cbor_read_map(&r, &count, NULL), VB_OK);
    for (size_t i = 0; i < count; i++) {
        keys[n++] = *r.pos;
        assert_int_equal(vb_cbor_skip(&r, 1, NULL), VB_OK);
        assert_int_equal(vb_cbor_skip(&r, 4, NULL), VB_OK);
    }
    assert_int_equal(vb_cbor_remaining(&r), 0);
    return n;
}

static void test_keys_in_canonical_order(void **state)
{
    (void)state;
    vb_credential c;
    uint8_t out[512], keys[32];
    size_t length;

    test_realistic_credential(&c);
    c.kind = VB_KIND_CORRECTION;
    memcpy(c.supersedes, t_superseded_id, sizeof t_superseded_id);
    c.supersedes_length = sizeof t_superseded_id;
    c.high_quality = true;
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    c.register_year = 2025; /* not the year of issue: written */
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_int_equal(out[0], 0xa0 | 19); /* map of 19: 12 always written + 7 optional */
    static const uint8_t want[] = {0x01, 0x06, 0x07, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26,
                                   0x27, 0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x30};
    assert_int_equal(claim_key_bytes(out, length, keys), sizeof want);
    assert_memory_equal(keys, want, sizeof want);

    /* The fewest claims: optional ones absent, register year implied, map of 11. */
    test_realistic_credential(&c);
    c.gender = 0;
    c.program_code[0] = '\0';
    c.classification = 0;
    c.training_mode = 0;
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_int_equal(out[0], 0xab);
    static const uint8_t want_min[] = {0x01, 0x06, 0x07, 0x20, 0x21, 0x22, 0x24, 0x25, 0x28, 0x2b, 0x2c};
    assert_int_equal(claim_key_bytes(out, length, keys), sizeof want_min);
    assert_memory_equal(keys, want_min, sizeof want_min);
}

static void test_round_trip_every_type(void **state)
{
    (void)state;
    for (int type = 1; type <= VB_TYPE_MAX; type++) {
        vb_credential c, back;
        uint8_t out[512];
        size_t length;
        vb_error err = {0};
        test_realistic_credential(&c);
        c.type = type;
        /* Vary the optional fields with the type. */
        c.gender = type % 3;
        c.classification = type == VB_TYPE_ELEMENTARY ? 0 : type;
        c.training_mode = (type % 5);
        if (type == VB_TYPE_OTHER_CERTIFICATE) {
            c.program_code[0] = '\0';
            strcpy(c.program_name, "H\xc3\xa0n \xc4\x91i\xe1\xbb\x87n"); /* "Hàn điện" */
            c.birth_date = -672;                                         /* 1968-02-29 */
        }
        if (type == VB_TYPE_INTERMEDIATE)
            strcpy(c.program_code, "0123");
        assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, &err), VB_OK);
        memset(&back, 0x5a, sizeof back);
        if (decode_exact(out, length, &back, &err) != VB_OK)
            fail_msg("type %d: %s", type, err.message);
        assert_credential_equal(&c, &back);
        assert_int_equal(vb_credential_check(&back, NULL), VB_OK);
    }
}

static void test_round_trip_kinds_and_flag(void **state)
{
    (void)state;
    vb_credential c, back;
    uint8_t out[512];
    size_t length;
    test_buffer tail;

    /* Correction: kind 2 (2d 02) and the superseded record id (2e 48 …). */
    test_realistic_credential(&c);
    c.kind = VB_KIND_CORRECTION;
    memcpy(c.supersedes, t_superseded_id, sizeof t_superseded_id);
    c.supersedes_length = sizeof t_superseded_id;
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    tail.length = 0;
    tb_hex(&tail, "2d 02 2e 48 25 12 01 00 00 00 00 99");
    assert_memory_equal(out + length - tail.length, tail.data, tail.length);
    assert_int_equal(out[0], 0xb1);
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_credential_equal(&c, &back);

    /* Copy from the register: kind 3 (2d 03) and copy number 2 (2f 02). */
    test_realistic_credential(&c);
    c.kind = VB_KIND_COPY;
    c.copy_number = 2;
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_memory_equal(out + length - 4, "\x2d\x03\x2f\x02", 4);
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_credential_equal(&c, &back);
    assert_int_equal(back.copy_number, 2);

    /* High-quality programme: 30 f5 (key -17, true). */
    test_realistic_credential(&c);
    c.high_quality = true;
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_memory_equal(out + length - 2, "\x30\xf5", 2);
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_true(back.high_quality);
    assert_credential_equal(&c, &back);

    /* An original never carries the kind claim. */
    test_realistic_credential(&c);
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_int_equal(back.kind, VB_KIND_ORIGINAL);
    assert_int_equal(back.copy_number, 0);
    assert_int_equal(back.supersedes_length, 0);
    assert_false(back.high_quality);
}

static void test_program_codes(void **state)
{
    (void)state;
    static const struct {
        const char *code;
        const char *hex; /* the value after key 27 */
    } codes[] = {
        {"6510303", "1a 00 63 56 df"},                     /* national 7-digit code: an integer */
        {"0123", "64 30 31 32 33"},                        /* leading zero: text */
        {"CNTT-01", "67 43 4e 54 54 2d 30 31"},            /* letters: text */
        {"5", "05"},
        {"999999999999999999", "1b 0d e0 b6 b3 a7 63 ff ff"}, /* 18 digits: still an integer */
        {"1000000000000000000", "73 31 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30 30"}, /* 19: text */
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        vb_credential c, back;
        uint8_t out[512];
        size_t length;
        test_buffer want = {0};
        test_realistic_credential(&c);
        strcpy(c.program_code, codes[i].code);
        assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
        tb_hex(&want, "27 ");
        tb_hex(&want, codes[i].hex);
        tb_hex(&want, "28");
        bool found = false;
        for (size_t k = 0; k + want.length <= length && !found; k++)
            found = memcmp(out + k, want.data, want.length) == 0;
        if (!found)
            fail_msg("program code %s not encoded as %s", codes[i].code, codes[i].hex);
        assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
        assert_string_equal(back.program_code, codes[i].code);
    }

    test_claims claims;
    vb_credential back;
    test_realistic_claims(&claims);
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "6510303");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TYPE, "program code of digits as text (must be an integer)");
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "0123");
    assert_int_equal(claims_decode(&claims, &back), VB_OK);
    assert_string_equal(back.program_code, "0123");
    claims_int(&claims, VB_CLAIM_PROGRAM_CODE, 0);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "program code 0");
    claims_hex(&claims, VB_CLAIM_PROGRAM_CODE, "1b 0d e0 b6 b3 a7 64 00 00"); /* 10^18 */
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "program code of 19 digits as an integer");
    claims_int(&claims, VB_CLAIM_PROGRAM_CODE, -5);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TYPE, "program code negative");
    claims_hex(&claims, VB_CLAIM_PROGRAM_CODE, "43 01 02 03");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TYPE, "program code as bytes");
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "65 10303");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "program code with a space");
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "program code empty");
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "012345678901234567890123456789012");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TOO_LONG, "program code of 33 characters");
    claims_hex(&claims, VB_CLAIM_PROGRAM_CODE, "18 05");
    EXPECT_CLAIMS(&claims, VB_ERR_CBOR_NONCANONICAL, "program code non-shortest");
}

/* The register year is left out when it is the year of issue, and read back as that year. */
static void test_register_year_implied_by_issue_date(void **state)
{
    (void)state;
    vb_credential c, back;
    uint8_t out[512];
    size_t length;
    test_claims claims;

    test_realistic_credential(&c);
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_memory_equal(out + 44, "\x22\x19\x11\xa0\x24", 5); /* register number, then the name: no 23 */
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_int_equal(back.register_year, 2026);

    /* A diploma issued in January from the previous year's register carries the year. */
    c.register_year = 2025;
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_memory_equal(out + 44, "\x22\x19\x11\xa0\x23\x19\x07\xe9\x24", 9);
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_credential_equal(&c, &back);

    /* Without -4 the decoder takes the year of the issue date, whatever it is. */
    test_realistic_claims(&claims);
    claims_int(&claims, VB_CLAIM_ISSUE_DATE, -7305); /* 1950-01-01 */
    assert_int_equal(claims_decode(&claims, &back), VB_OK);
    assert_int_equal(back.register_year, 1950);
    claims_int(&claims, VB_CLAIM_ISSUE_DATE, 84005); /* 2199-12-31 */
    assert_int_equal(claims_decode(&claims, &back), VB_OK);
    assert_int_equal(back.register_year, 2199);
}

/* A serial of 1-18 digits without a leading zero rides as an unsigned integer. */
static void test_serial_numbers(void **state)
{
    (void)state;
    static const struct {
        const char *serial;
        const char *hex; /* the value after key 21 */
    } serials[] = {
        {"2026004512", "1a 78 c2 60 20"},
        {"12345", "19 30 39"},
        {"0012345", "67 30 30 31 32 33 34 35"},
        {"A 0123456", "69 41 20 30 31 32 33 34 35 36"},
        {T_SERIAL, "6f 43 c4 90 2d 32 30 32 36 2d 30 30 34 35 31 32"},
    };
    for (size_t i = 0; i < sizeof serials / sizeof serials[0]; i++) {
        vb_credential c, back;
        uint8_t out[512];
        size_t length;
        test_buffer want = {0};
        test_realistic_credential(&c);
        strcpy(c.serial, serials[i].serial);
        assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
        tb_hex(&want, "20 01 21 ");
        tb_hex(&want, serials[i].hex);
        tb_hex(&want, "22");
        assert_memory_equal(out + 25, want.data, want.length);
        assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
        assert_string_equal(back.serial, serials[i].serial);
    }

    test_claims claims;
    test_realistic_claims(&claims);
    claims_text(&claims, VB_CLAIM_SERIAL, "2026004512");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TYPE, "serial of digits as text (must be an integer)");
    claims_int(&claims, VB_CLAIM_SERIAL, 0);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "serial 0");
    claims_int(&claims, VB_CLAIM_SERIAL, 2026004512);
    EXPECT_CLAIMS(&claims, VB_OK, "serial as an integer");
}

/* FORMAT.md §4: -9 may be left out when -8 is a uint; the name then comes from the catalog. */
static void test_program_name_from_catalog(void **state)
{
    (void)state;
    test_claims claims;
    vb_credential c, back;
    uint8_t out[512], keys[32];
    size_t length;

    test_realistic_claims(&claims);
    claims_remove(&claims, VB_CLAIM_PROGRAM_NAME);
    assert_int_equal(claims_decode(&claims, &back), VB_OK);
    assert_true(back.program_name_from_catalog);
    assert_string_equal(back.program_name, "");
    assert_string_equal(back.program_code, "6510303");

    claims_remove(&claims, VB_CLAIM_PROGRAM_CODE);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_MISSING, "neither program name nor program code");
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "0123");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_MISSING, "no program name with a text program code");
    claims_text(&claims, VB_CLAIM_PROGRAM_CODE, "CNTT-01");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_MISSING, "no program name with a code of letters");

    /* Encoding leaves -9 (28) out; the decoder marks the name as the catalog's. */
    test_realistic_credential(&c);
    c.program_name_from_catalog = true;
    c.program_name[0] = '\0';
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_OK);
    assert_int_equal(out[0], 0xae);
    static const uint8_t want[] = {0x01, 0x06, 0x07, 0x20, 0x21, 0x22, 0x24, 0x25, 0x26, 0x27, 0x29, 0x2a, 0x2b, 0x2c};
    assert_int_equal(claim_key_bytes(out, length, keys), sizeof want);
    assert_memory_equal(keys, want, sizeof want);
    assert_int_equal(decode_exact(out, length, &back, NULL), VB_OK);
    assert_credential_equal(&c, &back);

    /* An encoder may leave the name to the catalog only for a numeric code. */
    strcpy(c.program_code, "0123");
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_ERR_CLAIM_MISSING);
    c.program_code[0] = '\0';
    assert_int_equal(vb_credential_encode(&c, out, sizeof out, &length, NULL), VB_ERR_CLAIM_MISSING);
}

static void test_record_size_and_signed_round_trip(void **state)
{
    (void)state;
    vb_credential c, back;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t length;
    vb_cose_signer signer;
    vb_cose_sign1 message;
    vb_error err = {0};
    static const uint8_t kid[VB_KID_BYTES] = {0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03};
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    assert_int_equal(vb_cose_signer_init(&signer, key, kid, &err), VB_OK);

    /* Typical: the national program code is in the trust list's catalog, so the name is left out.
     * Claims: the 159 bytes above less 28 <47-byte name> (50) = 109; record
     * d2 84 4d <13> a0 58 6d <109> 58 40 <64> = 3 + 13 + 1 + 111 + 66. */
    test_realistic_credential(&c);
    c.program_name_from_catalog = true;
    assert_int_equal(vb_record_sign(&signer, &c, record, sizeof record, &length, &err), VB_OK);
    print_message("typical ES256 record (college diploma, program name from the catalog): %zu bytes\n", length);
    assert_int_equal(length, 194);
    assert_true(length <= 200);
    assert_memory_equal(record + 17, "\x58\x6d\xae", 3); /* payload of 109, map of 14 */
    assert_int_equal(vb_record_decode(record, length, &message, &back, &err), VB_OK);
    assert_true(back.program_name_from_catalog);
    assert_string_equal(back.program_name, "");

    /* The same diploma with its program name written: 159 bytes of claims, 3 + 13 + 1 + 161 + 66. */
    test_realistic_credential(&c);
    assert_int_equal(vb_record_sign(&signer, &c, record, sizeof record, &length, &err), VB_OK);
    print_message("the same with the program name written: %zu bytes\n", length);
    assert_int_equal(length, 244);
    assert_memory_equal(record + 17, "\x58\x9f\xaf", 3);

    /* A short one: elementary certificate, no program code, no optional claims. */
    vb_credential s;
    size_t short_length;
    uint8_t short_record[VB_MAX_RECORD_BYTES];
    test_realistic_credential(&s);
    s.type = VB_TYPE_ELEMENTARY;
    strcpy(s.serial, "SC-001");
    strcpy(s.name, "L\xc3\xaa V\xc4\x83n An"); /* "Lê Văn An" */
    strcpy(s.program_name, "H\xc3\xa0n \xc4\x91i\xe1\xbb\x87n");
    s.gender = 0;
    s.program_code[0] = '\0';
    s.classification = 0;
    s.training_mode = 0;
    assert_int_equal(vb_record_sign(&signer, &s, short_record, sizeof short_record, &short_length, &err), VB_OK);
    print_message("short ES256 record (elementary certificate): %zu bytes\n", short_length);
    assert_true(short_length <= 200);

    assert_int_equal(vb_record_decode(record, length, &message, &back, &err), VB_OK);
    assert_credential_equal(&c, &back);
    assert_int_equal(vb_cose_sign1_verify(&message, key, &err), VB_OK);
    assert_memory_equal(message.kid, kid, VB_KID_BYTES);

    /* Too small an output buffer; a record over the size limit. */
    assert_int_equal(vb_record_sign(&signer, &c, record, 243, &length, &err), VB_ERR_TOO_LARGE);
    uint8_t *big = calloc(VB_MAX_RECORD_BYTES + 1, 1);
    assert_int_equal(vb_record_decode(big, VB_MAX_RECORD_BYTES + 1, &message, &back, &err), VB_ERR_TOO_LARGE);
    free(big);

    /* A signed record whose payload is not a claims map. */
    uint8_t not_claims[] = {0x83, 0x01, 0x02, 0x03};
    uint8_t wrapped[256];
    size_t wrapped_length;
    assert_int_equal(vb_cose_sign1_sign(&signer, not_claims, sizeof not_claims, wrapped, sizeof wrapped,
                                        &wrapped_length, &err), VB_OK);
    assert_int_equal(vb_record_decode(wrapped, wrapped_length, &message, &back, &err), VB_ERR_CLAIM_TYPE);

    /* A signing refusal for an invalid credential: nothing is signed. */
    c.name[0] = ' ';
    assert_int_equal(vb_record_sign(&signer, &c, record, sizeof record, &length, &err), VB_ERR_CLAIM_RANGE);

    vb_cose_signer_free(&signer);
    EVP_PKEY_free(key);
}

/* ---------------------------------------------------------------- claim errors */

static void test_missing_each_required_claim(void **state)
{
    (void)state;
    /* FORMAT.md §4: 1, 6, 7, -1, -2, -3, -5, -6, -12, -13 always (-9 has its own test below). */
    static const int64_t required[] = {VB_CLAIM_ISS,         VB_CLAIM_IAT,        VB_CLAIM_CTI,
                                       VB_CLAIM_TYPE,        VB_CLAIM_SERIAL,     VB_CLAIM_REGISTER_NUMBER,
                                       VB_CLAIM_NAME,        VB_CLAIM_BIRTH_DATE, VB_CLAIM_ISSUE_DATE,
                                       VB_CLAIM_ISSUE_PLACE};
    test_claims claims;
    test_realistic_claims(&claims);
    EXPECT_CLAIMS(&claims, VB_OK, "all claims present");
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
        char why[64];
        test_realistic_claims(&claims);
        claims_remove(&claims, required[i]);
        snprintf(why, sizeof why, "without claim %lld", (long long)required[i]);
        EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_MISSING, why);
    }
    /* The optional ones may go. */
    static const int64_t optional[] = {VB_CLAIM_GENDER, VB_CLAIM_PROGRAM_CODE, VB_CLAIM_CLASSIFICATION,
                                       VB_CLAIM_TRAINING_MODE};
    for (size_t i = 0; i < sizeof optional / sizeof optional[0]; i++) {
        test_realistic_claims(&claims);
        claims_remove(&claims, optional[i]);
        EXPECT_CLAIMS(&claims, VB_OK, "without an optional claim");
    }
    /* An empty map, and no input at all. */
    vb_credential c;
    assert_int_equal(decode_exact((const uint8_t *)"\xa0", 1, &c, NULL), VB_ERR_CLAIM_MISSING);
    assert_int_equal(decode_exact(NULL, 0, &c, NULL), VB_ERR_CBOR_TRUNCATED);
}

static void test_wrong_types(void **state)
{
    (void)state;
    static const struct {
        int64_t key;
        const char *hex;
        const char *why;
    } cases[] = {
        {VB_CLAIM_ISS, "19 01 00", "iss as an integer"},
        {VB_CLAIM_ISS, "46 43 44 43 4e 48 4e", "iss as bytes"},
        {VB_CLAIM_IAT, "6a 31 37 38 31 39 32 30 38 30 30", "iat as text"},
        {VB_CLAIM_IAT, "20", "iat negative"},
        {VB_CLAIM_IAT, "c1 1a 6a 35 f4 20", "iat tagged as an epoch date"},
        {VB_CLAIM_CTI, "68 26 06 15 00 00 00 45 12", "cti as text"},
        {VB_CLAIM_CTI, "01", "cti as an integer"},
        {VB_CLAIM_TYPE, "61 31", "type as text"},
        {VB_CLAIM_TYPE, "f5", "type as true"},
        {VB_CLAIM_SERIAL, "44 31 32 33 34", "serial as bytes"},
        {VB_CLAIM_SERIAL, "20", "serial negative"},
        {VB_CLAIM_REGISTER_NUMBER, "64 34 35 31 32", "register number as text"},
        {VB_CLAIM_REGISTER_YEAR, "39 07 e9", "register year negative"},
        {VB_CLAIM_NAME, "43 4e 67 75", "name as bytes"},
        {VB_CLAIM_NAME, "81 61 61", "name as an array"},
        {VB_CLAIM_BIRTH_DATE, "6a 31 35 2f 30 33 2f 32 30 30 34", "birth date as text"},
        {VB_CLAIM_BIRTH_DATE, "f6", "birth date null"},
        {VB_CLAIM_GENDER, "64 4e e1 bb af", "gender as text \"N\xe1\xbb\xaf\""},
        {VB_CLAIM_PROGRAM_NAME, "a0", "program name as a map"},
        {VB_CLAIM_CLASSIFICATION, "64 4b 68 c3 a1", "classification as text \"Khá\""},
        {VB_CLAIM_TRAINING_MODE, "22", "training mode negative"},
        {VB_CLAIM_ISSUE_DATE, "42 50 8b", "issue date as bytes"},
        {VB_CLAIM_ISSUE_PLACE, "00", "issue place as an integer"},
        {VB_CLAIM_KIND, "61 32", "kind as text"},
        {VB_CLAIM_COPY_NUMBER, "61 31", "copy number as text"},
        {VB_CLAIM_HIGH_QUALITY, "01", "high-quality flag as 1"},
        {VB_CLAIM_HIGH_QUALITY, "f6", "high-quality flag null"},
        {VB_CLAIM_CRITICAL, "20", "critical claims not an array"},
        {VB_CLAIM_CRITICAL, "81 61 61", "critical claim label as text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_claims claims;
        test_realistic_claims(&claims);
        claims_hex(&claims, cases[i].key, cases[i].hex);
        EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TYPE, cases[i].why);
    }

    /* A claim key that is not an integer; a payload that is not a map. */
    vb_credential c;
    test_buffer b = {0};
    tb_hex(&b, "a1 61 61 01");
    assert_int_equal(decode_exact(b.data, b.length, &c, NULL), VB_ERR_CLAIM_TYPE);
    assert_int_equal(decode_exact((const uint8_t *)"\x80", 1, &c, NULL), VB_ERR_CLAIM_TYPE);
    assert_int_equal(decode_exact((const uint8_t *)"\x41\x00", 2, &c, NULL), VB_ERR_CLAIM_TYPE);
}

/* Leaves garbage where the next call's locals will live, so a read of an uninitialized local
 * shows up under UndefinedBehaviorSanitizer instead of happening to read 0. */
static void __attribute__((noinline)) stain_stack(void)
{
    volatile unsigned char junk[16384];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = 0xb0;
}

/* A high-quality claim that is not a boolean is a type error, and decoding it must not read the
 * flag it never got (fuzz_record found `a1 30 f6` reading an uninitialized bool). */
static void test_high_quality_flag_not_boolean(void **state)
{
    (void)state;
    static const char *const inputs[] = {"\xa1\x30\xf6", "\xa1\x30\x01", "\xa1\x30\x61\x61"};
    static const size_t lengths[] = {3, 3, 4};
    for (size_t i = 0; i < 3; i++) {
        vb_credential c;
        stain_stack();
        assert_int_equal(decode_exact((const uint8_t *)inputs[i], lengths[i], &c, NULL), VB_ERR_CLAIM_TYPE);
        assert_false(c.high_quality);
    }
}

static void test_out_of_range_values(void **state)
{
    (void)state;
    static const struct {
        int64_t key;
        int64_t value;
        vb_status want;
        const char *why;
    } cases[] = {
        {VB_CLAIM_TYPE, 0, VB_ERR_CLAIM_RANGE, "type 0"},
        {VB_CLAIM_TYPE, 6, VB_ERR_CLAIM_RANGE, "type 6"},
        {VB_CLAIM_TYPE, 5, VB_OK, "type 5"},
        {VB_CLAIM_GENDER, 0, VB_ERR_CLAIM_RANGE, "gender 0 written (absent means none)"},
        {VB_CLAIM_GENDER, 3, VB_ERR_CLAIM_RANGE, "gender 3"},
        {VB_CLAIM_CLASSIFICATION, 0, VB_ERR_CLAIM_RANGE, "classification 0 written"},
        {VB_CLAIM_CLASSIFICATION, 6, VB_ERR_CLAIM_RANGE, "classification 6"},
        {VB_CLAIM_CLASSIFICATION, 5, VB_OK, "classification 5"},
        {VB_CLAIM_TRAINING_MODE, 0, VB_ERR_CLAIM_RANGE, "training mode 0 written"},
        {VB_CLAIM_TRAINING_MODE, 5, VB_ERR_CLAIM_RANGE, "training mode 5"},
        {VB_CLAIM_TRAINING_MODE, 4, VB_OK, "training mode 4"},
        {VB_CLAIM_REGISTER_NUMBER, 0, VB_ERR_CLAIM_RANGE, "register number 0"},
        {VB_CLAIM_REGISTER_NUMBER, 4294967295ll, VB_OK, "register number 2^32-1"},
        {VB_CLAIM_REGISTER_NUMBER, 4294967296ll, VB_ERR_CLAIM_RANGE, "register number 2^32"},
        {VB_CLAIM_REGISTER_YEAR, 1949, VB_ERR_CLAIM_RANGE, "register year 1949"},
        {VB_CLAIM_REGISTER_YEAR, 1950, VB_OK, "register year 1950"},
        {VB_CLAIM_REGISTER_YEAR, 2025, VB_OK, "register year before the year of issue"},
        {VB_CLAIM_REGISTER_YEAR, 2026, VB_ERR_CLAIM_RANGE, "register year written though it is the year of issue"},
        {VB_CLAIM_REGISTER_YEAR, 2199, VB_OK, "register year 2199"},
        {VB_CLAIM_REGISTER_YEAR, 2200, VB_ERR_CLAIM_RANGE, "register year 2200"},
        {VB_CLAIM_REGISTER_YEAR, 67536, VB_ERR_CLAIM_RANGE, "register year that wraps a uint16 to 2000"},
        {VB_CLAIM_BIRTH_DATE, -25567, VB_OK, "born 1900-01-01"},
        {VB_CLAIM_BIRTH_DATE, -25568, VB_ERR_CLAIM_RANGE, "born 1899-12-31"},
        {VB_CLAIM_BIRTH_DATE, 84005, VB_OK, "born 2199-12-31"},
        {VB_CLAIM_BIRTH_DATE, 84006, VB_ERR_CLAIM_RANGE, "born 2200-01-01"},
        {VB_CLAIM_BIRTH_DATE, 4294967296ll + T_BIRTH, VB_ERR_CLAIM_RANGE, "birth date that wraps an int32"},
        {VB_CLAIM_BIRTH_DATE, INT64_MIN, VB_ERR_CLAIM_RANGE, "birth date INT64_MIN"},
        {VB_CLAIM_ISSUE_DATE, -7305, VB_OK, "issued 1950-01-01"},
        {VB_CLAIM_ISSUE_DATE, -7306, VB_ERR_CLAIM_RANGE, "issued 1949-12-31"},
        {VB_CLAIM_ISSUE_DATE, 84006, VB_ERR_CLAIM_RANGE, "issued 2200-01-01"},
        {VB_CLAIM_IAT, 0, VB_OK, "signed at the epoch"},
        {VB_CLAIM_IAT, 7258118399ll, VB_OK, "signed at 2199-12-31T23:59:59Z"},
        {VB_CLAIM_IAT, 7258118400ll, VB_ERR_CLAIM_RANGE, "signed at 2200-01-01T00:00:00Z"},
        {VB_CLAIM_IAT, INT64_MAX, VB_ERR_CLAIM_RANGE, "signed at INT64_MAX"},
        {VB_CLAIM_KIND, 1, VB_ERR_CLAIM_KIND, "kind 1 written (an original omits it)"},
        {VB_CLAIM_KIND, 0, VB_ERR_CLAIM_KIND, "kind 0"},
        {VB_CLAIM_KIND, 4, VB_ERR_CLAIM_KIND, "kind 4"},
        {VB_CLAIM_KIND, 2, VB_ERR_CLAIM_KIND, "correction without supersedes"},
        {VB_CLAIM_KIND, 3, VB_ERR_CLAIM_KIND, "copy without a copy number"},
        {VB_CLAIM_COPY_NUMBER, 1, VB_ERR_CLAIM_KIND, "copy number on an original"},
        {VB_CLAIM_COPY_NUMBER, 0, VB_ERR_CLAIM_RANGE, "copy number 0"},
        {VB_CLAIM_COPY_NUMBER, 4294967296ll, VB_ERR_CLAIM_RANGE, "copy number 2^32"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_claims claims;
        test_realistic_claims(&claims);
        claims_int(&claims, cases[i].key, cases[i].value);
        EXPECT_CLAIMS(&claims, cases[i].want, cases[i].why);
    }

    test_claims claims;
    test_realistic_claims(&claims);
    claims_hex(&claims, VB_CLAIM_HIGH_QUALITY, "f4");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "high-quality flag false (leave it out)");
    claims_hex(&claims, VB_CLAIM_HIGH_QUALITY, "f5");
    EXPECT_CLAIMS(&claims, VB_OK, "high-quality flag true");

    test_realistic_claims(&claims);
    claims_bytes(&claims, VB_CLAIM_SUPERSEDES, t_superseded_id, sizeof t_superseded_id);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_KIND, "supersedes on an original");
    claims_int(&claims, VB_CLAIM_KIND, VB_KIND_CORRECTION);
    EXPECT_CLAIMS(&claims, VB_OK, "correction with supersedes");
    claims_int(&claims, VB_CLAIM_COPY_NUMBER, 1);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_KIND, "correction with a copy number");
    claims_remove(&claims, VB_CLAIM_COPY_NUMBER);
    claims_int(&claims, VB_CLAIM_KIND, VB_KIND_COPY);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_KIND, "copy with supersedes");
    claims_remove(&claims, VB_CLAIM_SUPERSEDES);
    claims_int(&claims, VB_CLAIM_COPY_NUMBER, 3);
    EXPECT_CLAIMS(&claims, VB_OK, "copy with a copy number");
}

static void test_text_rules(void **state)
{
    (void)state;
    char long_text[300];
    static const struct {
        int64_t key;
        const char *text;
        vb_status want;
        const char *why;
    } cases[] = {
        {VB_CLAIM_NAME, "Nguy\xe1\xbb\x85n\tTh\xe1\xbb\x8b", VB_ERR_CLAIM_RANGE, "name with a tab"},
        {VB_CLAIM_NAME, "Nguy\xe1\xbb\x85n\nTh\xe1\xbb\x8b", VB_ERR_CLAIM_RANGE, "name with a newline"},
        {VB_CLAIM_NAME, "Nguy\xe1\xbb\x85n\x7fTh\xe1\xbb\x8b", VB_ERR_CLAIM_RANGE, "name with DEL"},
        {VB_CLAIM_NAME, " " T_NAME, VB_ERR_CLAIM_RANGE, "name with a leading space"},
        {VB_CLAIM_NAME, T_NAME " ", VB_ERR_CLAIM_RANGE, "name with a trailing space"},
        {VB_CLAIM_NAME, "", VB_ERR_CLAIM_RANGE, "empty name"},
        {VB_CLAIM_NAME, T_NAME_DECOMPOSED, VB_ERR_CLAIM_RANGE, "name not in NFC (e + U+0302 + U+0303)"},
        {VB_CLAIM_NAME, "Nguyen Thi Anh Tuyet", VB_OK, "name in ASCII"},
        {VB_CLAIM_PROGRAM_NAME, "C\xc3\xb4ng nghe\xcc\xa3\xcc\x82", VB_ERR_CLAIM_RANGE, "program name not NFC"},
        {VB_CLAIM_ISSUE_PLACE, "Ha\xcc\x80 N\xe1\xbb\x99i", VB_ERR_CLAIM_RANGE, "place not NFC (a + U+0300)"},
        {VB_CLAIM_ISSUE_PLACE, "H\xc3\xa0\x01N\xe1\xbb\x99i", VB_ERR_CLAIM_RANGE, "place with a control char"},
        {VB_CLAIM_SERIAL, " A0123", VB_ERR_CLAIM_RANGE, "serial with a leading space"},
        {VB_CLAIM_ISS, "CD CNHN", VB_ERR_CLAIM_RANGE, "school code with a space"},
        {VB_CLAIM_ISS, "C\xc4\x90" "CNHN", VB_ERR_CLAIM_RANGE, "school code with a non-ASCII letter"},
        {VB_CLAIM_ISS, "", VB_ERR_CLAIM_RANGE, "school code empty"},
        {VB_CLAIM_ISS, "CD.CN-HN_01", VB_OK, "school code with . - _"},
        {VB_CLAIM_ISS, "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", VB_OK, "school code of 32 characters"},
        {VB_CLAIM_ISS, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456", VB_ERR_CLAIM_TOO_LONG, "school code of 33 characters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_claims claims;
        test_realistic_claims(&claims);
        claims_text(&claims, cases[i].key, cases[i].text);
        EXPECT_CLAIMS(&claims, cases[i].want, cases[i].why);
    }

    /* Length limits: 255 bytes for names, places and programs; 64 for the serial. */
    static const struct {
        int64_t key;
        size_t limit;
    } limits[] = {{VB_CLAIM_NAME, 255}, {VB_CLAIM_PROGRAM_NAME, 255}, {VB_CLAIM_ISSUE_PLACE, 255},
                  {VB_CLAIM_SERIAL, 64}};
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        test_claims claims;
        memset(long_text, 'a', sizeof long_text);
        test_realistic_claims(&claims);
        claims_text_n(&claims, limits[i].key, long_text, limits[i].limit);
        EXPECT_CLAIMS(&claims, VB_OK, "text at its limit");
        claims_text_n(&claims, limits[i].key, long_text, limits[i].limit + 1);
        EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TOO_LONG, "text one byte over its limit");
        claims_text_n(&claims, limits[i].key, long_text, 290);
        EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TOO_LONG, "text far over its limit");
    }
    /* 85 copies of "ễ" (3 bytes): 255 bytes of NFC Vietnamese, at the limit. */
    test_claims claims;
    for (int i = 0; i < 85; i++)
        memcpy(long_text + 3 * i, "\xe1\xbb\x85", 3);
    test_realistic_claims(&claims);
    claims_text_n(&claims, VB_CLAIM_NAME, long_text, 255);
    EXPECT_CLAIMS(&claims, VB_OK, "255 bytes of Vietnamese letters");

    /* Invalid UTF-8 is refused by the CBOR layer. */
    test_realistic_claims(&claims);
    claims_text_n(&claims, VB_CLAIM_NAME, "Nguy\xc0\x80n", 7);
    EXPECT_CLAIMS(&claims, VB_ERR_CBOR_UTF8, "name with an overlong sequence");

    /* Record ids: 1 to 16 bytes. */
    uint8_t id[17] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17};
    test_realistic_claims(&claims);
    claims_bytes(&claims, VB_CLAIM_CTI, id, 16);
    EXPECT_CLAIMS(&claims, VB_OK, "record id of 16 bytes");
    claims_bytes(&claims, VB_CLAIM_CTI, id, 1);
    EXPECT_CLAIMS(&claims, VB_OK, "record id of 1 byte");
    claims_bytes(&claims, VB_CLAIM_CTI, id, 17);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TOO_LONG, "record id of 17 bytes");
    claims_bytes(&claims, VB_CLAIM_CTI, id, 0);
    assert_int_not_equal(claims_decode(&claims, NULL), VB_OK);
    test_realistic_claims(&claims);
    claims_int(&claims, VB_CLAIM_KIND, VB_KIND_CORRECTION);
    claims_bytes(&claims, VB_CLAIM_SUPERSEDES, id, 17);
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_TOO_LONG, "superseded id of 17 bytes");
}

static void test_unknown_and_critical_claims(void **state)
{
    (void)state;
    test_claims claims;
    vb_credential c, plain;

    test_realistic_claims(&claims);
    assert_int_equal(claims_decode(&claims, &plain), VB_OK);

    /* An unknown claim is skipped, whatever its value. */
    claims_text(&claims, -20, "x");
    assert_int_equal(claims_decode(&claims, &c), VB_OK);
    assert_credential_equal(&plain, &c);
    claims_hex(&claims, -20, "a2 01 82 01 02 02 a1 61 61 f6");
    EXPECT_CLAIMS(&claims, VB_OK, "unknown claim with a nested value");
    claims_int(&claims, 2, 5); /* CWT "sub", not used by the format */
    EXPECT_CLAIMS(&claims, VB_OK, "unknown positive claim");
    claims_int(&claims, -18, 1);
    EXPECT_CLAIMS(&claims, VB_OK, "claim -18 (not yet defined)");

    /* An unknown claim listed as critical is refused; known ones may be listed. */
    test_realistic_claims(&claims);
    claims_text(&claims, -20, "x");
    claims_hex(&claims, VB_CLAIM_CRITICAL, "81 33"); /* [-20] */
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_CRITICAL, "unknown claim -20 listed as critical");
    claims_hex(&claims, VB_CLAIM_CRITICAL, "82 24 33"); /* [-5, -20] */
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_CRITICAL, "known and unknown listed as critical");
    claims_hex(&claims, VB_CLAIM_CRITICAL, "82 01 24"); /* [1, -5] */
    EXPECT_CLAIMS(&claims, VB_OK, "known claims listed as critical");
    claims_hex(&claims, VB_CLAIM_CRITICAL, "81 18 64"); /* [100] */
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_CRITICAL, "claim 100 listed as critical");
    claims_hex(&claims, VB_CLAIM_CRITICAL, "81 31"); /* [-18] */
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_CRITICAL, "claim -18 listed as critical");
    claims_hex(&claims, VB_CLAIM_CRITICAL, "80");
    EXPECT_CLAIMS(&claims, VB_ERR_CLAIM_RANGE, "empty critical list");

    /* Unknown claims are checked as CBOR too: key order inside them, depth. */
    test_realistic_claims(&claims);
    claims_hex(&claims, -20, "a2 02 00 01 00");
    EXPECT_CLAIMS(&claims, VB_ERR_CBOR_KEY_ORDER, "unknown claim holding a disordered map");
    char deep[256] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "81 ");
    strcat(deep, "00");
    claims_hex(&claims, -20, deep);
    EXPECT_CLAIMS(&claims, VB_ERR_CBOR_DEPTH, "unknown claim nested 41 levels");
    claims_hex(&claims, -20, "9f ff");
    EXPECT_CLAIMS(&claims, VB_ERR_CBOR_INDEFINITE, "unknown claim of indefinite length");
    claims_hex(&claims, -20, "f9 3c 00");
    EXPECT_CLAIMS(&claims, VB_ERR_CBOR_UNSUPPORTED, "unknown claim holding a float");
}

static void test_map_structure_errors(void **state)
{
    (void)state;
    test_claims claims;
    test_buffer b;
    vb_credential c;

    /* Trailing bytes after the claims map. */
    test_realistic_claims(&claims);
    claims_encode(&claims, true, &b);
    tb_byte(&b, 0x00);
    assert_int_equal(decode_exact(b.data, b.length, &c, NULL), VB_ERR_CBOR_TRAILING);

    /* Keys out of order: the realistic claims with name (-5) before serial (-2). */
    test_realistic_claims(&claims);
    test_claim t = claims.claims[4];
    claims.claims[4] = claims.claims[7];
    claims.claims[7] = t;
    claims_encode(&claims, false, &b);
    assert_int_equal(decode_exact(b.data, b.length, &c, NULL), VB_ERR_CBOR_KEY_ORDER);

    /* A claim repeated at the end (serial again after the place) is out of order; repeated
     * right after itself, a duplicate. */
    test_realistic_claims(&claims);
    claims_encode(&claims, true, &b);
    b.data[0]++; /* one more pair */
    tb_hex(&b, "21 61 58");
    assert_int_equal(decode_exact(b.data, b.length, &c, NULL), VB_ERR_CBOR_KEY_ORDER);
    test_realistic_claims(&claims);
    claims.claims[claims.count] = claims.claims[claims.count - 1];
    claims.count++;
    claims_encode(&claims, false, &b);
    assert_int_equal(decode_exact(b.data, b.length, &c, NULL), VB_ERR_CBOR_DUPLICATE_KEY);

    /* Non-shortest key and value heads. */
    test_realistic_claims(&claims);
    claims_encode(&claims, true, &b);
    test_buffer nonshort = {0};
    tb_hex(&nonshort, "b0 01 78 06"); /* text length 6 in a 1-byte argument */
    tb_raw(&nonshort, b.data + 3, b.length - 3);
    assert_int_equal(decode_exact(nonshort.data, nonshort.length, &c, NULL), VB_ERR_CBOR_NONCANONICAL);
    nonshort.length = 0;
    tb_hex(&nonshort, "b0 18 01"); /* key 1 in a 1-byte argument */
    tb_raw(&nonshort, b.data + 2, b.length - 2);
    assert_int_equal(decode_exact(nonshort.data, nonshort.length, &c, NULL), VB_ERR_CBOR_NONCANONICAL);

    /* Every strict prefix of a valid claims map is refused (exact-size buffers). */
    for (size_t cut = 0; cut < b.length; cut++) {
        vb_status s = decode_exact(b.data, cut, &c, NULL);
        if (s == VB_OK)
            fail_msg("prefix of %zu bytes accepted", cut);
    }
    /* A map count larger than the claims present. */
    b.data[0] = 0xb1;
    assert_int_equal(decode_exact(b.data, b.length, &c, NULL), VB_ERR_CBOR_TRUNCATED);
}

/* Fields the decoder checks, the encoder checks too (vb_credential_check). */
static void test_encoder_refuses_invalid_credentials(void **state)
{
    (void)state;
    vb_credential c;
    uint8_t out[512];
    size_t length;
#define EXPECT_ENCODE(mutation, want)                                                                         \
    do {                                                                                                      \
        test_realistic_credential(&c);                                                                        \
        mutation;                                                                                             \
        vb_status got_ = vb_credential_encode(&c, out, sizeof out, &length, NULL);                            \
        if (got_ != (want) || vb_credential_check(&c, NULL) != (want))                                        \
            fail_msg("%s: expected %s, got %s", #mutation, vb_status_name(want), vb_status_name(got_));       \
    } while (0)

    EXPECT_ENCODE((void)0, VB_OK);
    EXPECT_ENCODE(strcpy(c.name, T_NAME_DECOMPOSED), VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(strcpy(c.name, "A\tB"), VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.name[0] = '\0', VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(strcpy(c.issue_place, "H\xc3\xa0 N\xe1\xbb\x99i "), VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(strcpy(c.name, "Nguy\xc3n"), VB_ERR_CBOR_UTF8);
    EXPECT_ENCODE(memset(c.name, 'a', 255), VB_OK);
    EXPECT_ENCODE(memset(c.serial, 'a', 65), VB_ERR_CLAIM_TOO_LONG);
    EXPECT_ENCODE(strcpy(c.school_code, "CD CN"), VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.school_code[0] = '\0', VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(strcpy(c.program_code, "65 103"), VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.signed_at = -1, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.signed_at = 7258118400ll, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.record_id_length = 0, VB_ERR_CLAIM_TOO_LONG);
    EXPECT_ENCODE(c.record_id_length = 17, VB_ERR_CLAIM_TOO_LONG);
    EXPECT_ENCODE(c.type = 0, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.type = 6, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.register_number = 0, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.register_year = 1949, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.birth_date = -25568, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.issue_date = 84006, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.gender = 3, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.gender = -1, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.classification = 6, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.training_mode = 5, VB_ERR_CLAIM_RANGE);
    EXPECT_ENCODE(c.kind = 0, VB_ERR_CLAIM_KIND);
    EXPECT_ENCODE(c.kind = 4, VB_ERR_CLAIM_KIND);
    EXPECT_ENCODE(c.kind = VB_KIND_CORRECTION, VB_ERR_CLAIM_KIND);
    EXPECT_ENCODE(c.kind = VB_KIND_COPY, VB_ERR_CLAIM_KIND);
    EXPECT_ENCODE(c.copy_number = 1, VB_ERR_CLAIM_KIND);
    EXPECT_ENCODE(c.supersedes_length = 8, VB_ERR_CLAIM_KIND);
    EXPECT_ENCODE((c.kind = VB_KIND_CORRECTION, c.supersedes_length = 17), VB_ERR_CLAIM_TOO_LONG);
#undef EXPECT_ENCODE

    /* Output buffer: exactly the claims fit, one byte less does not. */
    test_realistic_credential(&c);
    assert_int_equal(vb_credential_encode(&c, out, 159, &length, NULL), VB_OK);
    assert_int_equal(vb_credential_encode(&c, out, 158, &length, NULL), VB_ERR_TOO_LARGE);
}

/* ---------------------------------------------------------------- dates */

static int test_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

static void test_dates_every_day_1900_to_2199(void **state)
{
    (void)state;
    int32_t expected = -25567; /* 1900-01-01: 70 years of 365 days and 17 leap days before 1970 */
    for (int year = 1900; year <= 2199; year++)
        for (int month = 1; month <= 12; month++)
            for (int day = 1; day <= test_days_in_month(year, month); day++) {
                int32_t got = vb_days_from_civil(year, month, day);
                if (got != expected)
                    fail_msg("%04d-%02d-%02d: expected day %d, got %d", year, month, day, expected, got);
                int y, m, d;
                vb_civil_from_days(expected, &y, &m, &d);
                if (y != year || m != month || d != day)
                    fail_msg("day %d: expected %04d-%02d-%02d, got %04d-%02d-%02d", expected, year, month, day, y,
                             m, d);
                expected++;
            }
    assert_int_equal(expected, 84006); /* 2200-01-01 */
    assert_int_equal(vb_days_from_civil(2200, 1, 1), 84006);
}

static void test_dates_known_values(void **state)
{
    (void)state;
    assert_int_equal(vb_days_from_civil(1970, 1, 1), 0);
    assert_int_equal(vb_days_from_civil(1969, 12, 31), -1);
    assert_int_equal(vb_days_from_civil(2000, 1, 1), 10957);
    assert_int_equal(vb_days_from_civil(2000, 2, 29), 11016);
    assert_int_equal(vb_days_from_civil(2000, 3, 1), 11017);
    assert_int_equal(vb_days_from_civil(1900, 1, 1), -25567);
    assert_int_equal(vb_days_from_civil(1950, 1, 1), -7305);
    assert_int_equal(vb_days_from_civil(2004, 3, 15), T_BIRTH);
    assert_int_equal(vb_days_from_civil(2026, 6, 15), T_ISSUE);
    assert_int_equal((int64_t)vb_days_from_civil(2026, 6, 20) * 86400 + 2 * 3600, T_IAT);
    /* RFC 8943 §2 example: 1940-10-09 is day -10676. */
    assert_int_equal(vb_days_from_civil(1940, 10, 9), -10676);
}

static void test_date_parse_and_format(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "29/02/2023", "31/04/2026", "31/06/2026", "30/02/2024", "29/02/1900", "1/2/2026",  "01/2/2026",
        "00/01/2026", "32/01/2026", "15/13/2026", "15/00/2026", "15-06-2026", "15/06/26",  "15/06/2026 ",
        " 15/06/2026", "31/12/1899", "01/01/2200", "",          "aa/bb/cccc", "+1/06/2026", "15/06/-026",
        "2026-06-15",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int32_t days = 12345;
        if (vb_date_parse_dmy(bad[i], &days))
            fail_msg("\"%s\" accepted as day %d", bad[i], days);
    }
    static const struct {
        const char *text;
        int32_t days;
    } good[] = {
        {"29/02/2024", 19782}, {"29/02/2000", 11016}, {"01/01/1970", 0},     {"15/03/2004", T_BIRTH},
        {"01/01/1900", -25567}, {"31/12/2199", 84005}, {"29/02/1968", -672}, {"31/12/1999", 10956},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        int32_t days = 0;
        char text[16];
        if (!vb_date_parse_dmy(good[i].text, &days))
            fail_msg("\"%s\" refused", good[i].text);
        assert_int_equal(days, good[i].days);
        vb_date_format_dmy(days, text, sizeof text);
        assert_string_equal(text, good[i].text);
    }
    char small[6];
    vb_date_format_dmy(0, small, sizeof small);
    assert_string_equal(small, "01/01");
}

/* ---------------------------------------------------------------- NFC and names */

static void test_nfc_helpers(void **state)
{
    (void)state;
    char out[64];
    const char *decomposed = "Nguye\xcc\x82\xcc\x83n";
    assert_true(vb_text_is_nfc(T_NAME, strlen(T_NAME)));
    assert_true(vb_text_is_nfc("Nguyen", 6));
    assert_true(vb_text_is_nfc("", 0));
    assert_false(vb_text_is_nfc(decomposed, strlen(decomposed)));
    assert_false(vb_text_is_nfc("Ha\xcc\x80", 4));
    assert_false(vb_text_is_nfc("\xc0\x80", 2));

    assert_true(vb_text_to_nfc(decomposed, strlen(decomposed), out, sizeof out));
    assert_string_equal(out, "Nguy\xe1\xbb\x85n"); /* ễ = U+1EC5 */
    assert_true(vb_text_to_nfc(T_NAME_DECOMPOSED, strlen(T_NAME_DECOMPOSED), out, sizeof out));
    assert_string_equal(out, T_NAME);
    const char *place_decomposed = "Ha\xcc\x80 No\xcc\x82\xcc\xa3i";
    assert_true(vb_text_to_nfc(place_decomposed, strlen(place_decomposed), out, sizeof out));
    assert_string_equal(out, T_PLACE); /* ộ: o + U+0302 + U+0323 reorders and composes to U+1ED9 */
    assert_true(vb_text_to_nfc(T_NAME, strlen(T_NAME), out, sizeof out));
    assert_string_equal(out, T_NAME);
    /* "Nguyễn" is 8 bytes in NFC: 9 bytes of room (with the NUL) suffice, 8 do not. */
    assert_true(vb_text_to_nfc(decomposed, strlen(decomposed), out, 9));
    assert_false(vb_text_to_nfc(decomposed, strlen(decomposed), out, 8));
    assert_false(vb_text_to_nfc("\xff", 1, out, sizeof out));
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
}

/* vb_text_is_nfc (with its fast path for precomposed letters) agrees with the full normalizer
 * for every code point up to U+2FFF: alone, after a letter, and before combining marks. */
static void test_nfc_check_agrees_with_normalizer(void **state)
{
    (void)state;
    static const uint32_t before[] = {0, 'e', 0x1ec7 /* ệ */};
    static const uint32_t after[][2] = {{0, 0}, {0x0301, 0}, {0x0323, 0x0302}, {'a', 0}};
    size_t disagreements = 0;
    for (uint32_t cp = 0x20; cp < 0x3000; cp++) {
        if (cp == 0x7f)
            continue;
        for (size_t b = 0; b < sizeof before / sizeof before[0]; b++)
            for (size_t a = 0; a < sizeof after / sizeof after[0]; a++) {
                char text[16], normal[64];
                size_t n = 0;
                if (before[b])
                    n += put_utf8(text + n, before[b]);
                n += put_utf8(text + n, cp);
                for (int k = 0; k < 2 && after[a][k]; k++)
                    n += put_utf8(text + n, after[a][k]);
                text[n] = '\0';
                assert_true(vb_text_to_nfc(text, n, normal, sizeof normal));
                bool is_nfc = strlen(normal) == n && memcmp(normal, text, n) == 0;
                if (vb_text_is_nfc(text, n) != is_nfc && disagreements++ < 10)
                    print_error("U+%04X in context %zu/%zu: vb_text_is_nfc says %d, the normalizer %d\n", (unsigned)cp,
                                b, a, !is_nfc, is_nfc);
            }
    }
    assert_int_equal(disagreements, 0);
}

static void test_enumeration_names(void **state)
{
    (void)state;
    assert_int_equal(vb_classification_parse("Kh\xc3\xa1"), VB_CLASS_GOOD);
    assert_int_equal(vb_classification_parse("Xu\xe1\xba\xa5t s\xe1\xba\xaf" "c"), VB_CLASS_EXCELLENT);
    assert_int_equal(vb_classification_parse("Trung b\xc3\xacnh"), VB_CLASS_AVERAGE);
    assert_int_equal(vb_classification_parse("Trung b\xc3\xacnh kh\xc3\xa1"), VB_CLASS_FAIRLY_GOOD);
    assert_int_equal(vb_classification_parse("Kha"), 0);
    assert_int_equal(vb_training_mode_parse("Ch\xc3\xadnh quy"), VB_MODE_FULL_TIME);
    assert_int_equal(vb_training_mode_parse("V\xe1\xbb\xab" "a l\xc3\xa0m v\xe1\xbb\xab" "a h\xe1\xbb\x8d" "c"),
                     VB_MODE_WORK_STUDY);
    assert_int_equal(vb_gender_parse("N\xe1\xbb\xaf"), VB_GENDER_FEMALE);
    assert_int_equal(vb_gender_parse("Nam"), VB_GENDER_MALE);
    assert_int_equal(vb_gender_parse(""), 0);
    for (int i = 1; i <= VB_CLASS_MAX; i++)
        assert_int_equal(vb_classification_parse(vb_classification_name(i, false)), i);
    for (int i = 1; i <= VB_MODE_MAX; i++)
        assert_int_equal(vb_training_mode_parse(vb_training_mode_name(i, false)), i);
    for (int i = 1; i <= VB_TYPE_MAX; i++) {
        assert_non_null(vb_credential_type_name(i, false));
        assert_non_null(vb_credential_type_name(i, true));
    }
    assert_string_equal(vb_credential_type_name(VB_TYPE_COLLEGE, false),
                        "B\xe1\xba\xb1ng t\xe1\xbb\x91t nghi\xe1\xbb\x87p cao \xc4\x91\xe1\xba\xb3ng");
    assert_string_equal(vb_classification_name(VB_CLASS_GOOD, true), "Good");
    assert_null(vb_credential_type_name(0, false));
    assert_null(vb_credential_type_name(VB_TYPE_MAX + 1, true));
    assert_null(vb_gender_name(0, false));
    assert_null(vb_classification_name(-1, false));
    assert_null(vb_kind_name(4, false));
    assert_non_null(vb_kind_name(VB_KIND_COPY, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_realistic_claims_bytes),
        cmocka_unit_test(test_keys_in_canonical_order),
        cmocka_unit_test(test_round_trip_every_type),
        cmocka_unit_test(test_round_trip_kinds_and_flag),
        cmocka_unit_test(test_program_codes),
        cmocka_unit_test(test_register_year_implied_by_issue_date),
        cmocka_unit_test(test_serial_numbers),
        cmocka_unit_test(test_program_name_from_catalog),
        cmocka_unit_test(test_record_size_and_signed_round_trip),
        cmocka_unit_test(test_missing_each_required_claim),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_high_quality_flag_not_boolean),
        cmocka_unit_test(test_out_of_range_values),
        cmocka_unit_test(test_text_rules),
        cmocka_unit_test(test_unknown_and_critical_claims),
        cmocka_unit_test(test_map_structure_errors),
        cmocka_unit_test(test_encoder_refuses_invalid_credentials),
        cmocka_unit_test(test_dates_every_day_1900_to_2199),
        cmocka_unit_test(test_dates_known_values),
        cmocka_unit_test(test_date_parse_and_format),
        cmocka_unit_test(test_nfc_helpers),
        cmocka_unit_test(test_nfc_check_agrees_with_normalizer),
        cmocka_unit_test(test_enumeration_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
