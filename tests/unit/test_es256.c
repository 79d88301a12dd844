/*
 * test_es256.c — unit tests of the table-driven ES256 verification (libvanbang/es256.c): the
 * inverse mod n against OpenSSL's BN_mod_inverse, and every verdict against EVP_PKEY_verify on
 * valid signatures, altered digests and signatures, another key, s and n - s, out-of-range r
 * and s, and digests above the order; keys chosen to fit a signature, for the branches random
 * signatures never reach; several threads sharing one table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "es256.h"
#include "testutil.h"
#include "testecdsa.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>

static const char order_hex[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

static EVP_PKEY *key_a, *key_b;

/* ---------------------------------------------------------------- helpers */

static BIGNUM *order_number(void)
{
    BIGNUM *n = NULL;
    assert_true(BN_hex2bn(&n, order_hex) > 0);
    return n;
}

/* Signs digest with EVP and returns the raw r‖s. */
static void sign_raw(EVP_PKEY *key, const uint8_t digest[32], uint8_t raw[64])
{
    uint8_t der[80];
    size_t der_length = sizeof der;
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(key, NULL);
    assert_non_null(context);
    assert_int_equal(EVP_PKEY_sign_init(context), 1);
    assert_int_equal(EVP_PKEY_sign(context, der, &der_length, digest, 32), 1);
    EVP_PKEY_CTX_free(context);
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
    assert_non_null(sig);
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
    assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
    ECDSA_SIG_free(sig);
}


static void expect_same_verdict(const vb_es256_table *table, EVP_PKEY *key, const uint8_t digest[32],
                                const uint8_t raw[64], int expected)
{
    assert_int_equal(test_evp_verdict(key, digest, raw), expected);
    assert_int_equal(vb_es256_verify(table, digest, raw), expected);
}

static void random_digest(uint64_t *random, uint8_t digest[32]) { test_random_fill(random, digest, 32); }

/* ---------------------------------------------------------------- the inverse mod n */

static void check_inverse(const uint8_t s_bytes[32], BIGNUM *n, BN_CTX *context)
{
    uint8_t ours[32], theirs[32];
    BIGNUM *s = BN_bin2bn(s_bytes, 32, NULL), *inverse = BN_new();
    assert_non_null(BN_mod_inverse(inverse, s, n, context));
    assert_int_equal(BN_bn2binpad(inverse, theirs, 32), 32);
    vb_es256_invert_mod_order(s_bytes, ours);
    assert_memory_equal(ours, theirs, 32);
    BN_free(s);
    BN_free(inverse);
}

static void test_inverse_matches_openssl(void **state)
{
    (void)state;
    BIGNUM *n = order_number(), *value = BN_new();
    BN_CTX *context = BN_CTX_new();
    uint8_t s[32];
    uint64_t random = 256;

    /* Edges: 1, 2, n - 1, n - 2, 2²⁵⁵, and values with long runs of ones and zeros. */
    const char *edges[] = {"1", "2", "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632550",
                           "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC63254F",
                           "8000000000000000000000000000000000000000000000000000000000000000",
                           "FFFFFFFF00000000FFFFFFFFFFFFFFFF00000000000000000000000000000000",
                           "00000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        assert_true(BN_hex2bn(&value, edges[i]) > 0);
        assert_int_equal(BN_bn2binpad(value, s, 32), 32);
        check_inverse(s, n, context);
    }
    for (int i = 0; i < 2000; i++) {
        random_digest(&random, s);
        BN_bin2bn(s, 32, value);
        if (BN_is_zero(value) || BN_cmp(value, n) >= 0)
            continue;
        check_inverse(s, n, context);
    }
    BN_free(value);
    BN_free(n);
    BN_CTX_free(context);
}

/* ---------------------------------------------------------------- verdicts */

static void test_tables_only_for_p256(void **state)
{
    (void)state;
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    EVP_PKEY *ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(p384);
    assert_non_null(ed25519);
    assert_null(vb_es256_table_new(p384));
    assert_null(vb_es256_table_new(ed25519));
    assert_null(vb_es256_table_new(NULL));
    EVP_PKEY_free(p384);
    EVP_PKEY_free(ed25519);
}

static void test_agrees_with_openssl(void **state)
{
    (void)state;
    vb_es256_table *table = vb_es256_table_new(key_a);
    assert_non_null(table);
    BIGNUM *n = order_number(), *s = BN_new();
    uint64_t random = 9052;
    uint8_t digest[32], raw[64], altered[64], altered_digest[32];

    for (int i = 0; i < 300; i++) {
        random_digest(&random, digest);
        sign_raw(key_a, digest, raw);
        expect_same_verdict(table, key_a, digest, raw, 1);

        /* One bit of the digest, of r, of s. */
        memcpy(altered_digest, digest, 32);
        altered_digest[test_random_next(&random) % 32] ^= (uint8_t)(1u << (test_random_next(&random) % 8));
        expect_same_verdict(table, key_a, altered_digest, raw, 0);
        memcpy(altered, raw, 64);
        altered[test_random_next(&random) % 64] ^= (uint8_t)(1u << (test_random_next(&random) % 8));
        assert_int_equal(vb_es256_verify(table, digest, altered), test_evp_verdict(key_a, digest, altered));
        assert_int_equal(vb_es256_verify(table, digest, altered), 0);

        /* ECDSA accepts n - s as well as s: so must we, since OpenSSL does. */
        BN_bin2bn(raw + 32, 32, s);
        BN_sub(s, n, s);
        memcpy(altered, raw, 64);
        assert_int_equal(BN_bn2binpad(s, altered + 32, 32), 32);
        expect_same_verdict(table, key_a, digest, altered, 1);
    }

    /* Signed by the other key. */
    random_digest(&random, digest);
    sign_raw(key_b, digest, raw);
    expect_same_verdict(table, key_a, digest, raw, 0);

    BN_free(s);
    BN_free(n);
    vb_es256_table_free(table);
}

static void test_out_of_range_values(void **state)
{
    (void)state;
    vb_es256_table *table = vb_es256_table_new(key_a);
    uint8_t digest[32], raw[64], bad[64], order_bytes[32];
    BIGNUM *n = order_number();
    assert_int_equal(BN_bn2binpad(n, order_bytes, 32), 32);
    memset(digest, 0x5a, 32);
    sign_raw(key_a, digest, raw);
    expect_same_verdict(table, key_a, digest, raw, 1);

    /* r or s of 0, n and 2²⁵⁶ - 1 (r + n: see test_chosen_keys). */
    for (int half = 0; half < 2; half++) {
        memcpy(bad, raw, 64);
        memset(bad + 32 * half, 0, 32);
        expect_same_verdict(table, key_a, digest, bad, 0);
        memcpy(bad + 32 * half, order_bytes, 32);
        expect_same_verdict(table, key_a, digest, bad, 0);
        memset(bad + 32 * half, 0xff, 32);
        expect_same_verdict(table, key_a, digest, bad, 0);

    }
    BN_free(n);
    vb_es256_table_free(table);
}

/* A digest at or above n is reduced mod n by ECDSA; ours must agree. */
static void test_digest_above_order(void **state)
{
    (void)state;
    vb_es256_table *table = vb_es256_table_new(key_a);
    uint8_t digest[32], raw[64];
    memset(digest, 0xff, 32);
    sign_raw(key_a, digest, raw);
    expect_same_verdict(table, key_a, digest, raw, 1);
    digest[31] ^= 1;
    expect_same_verdict(table, key_a, digest, raw, 0);

    BIGNUM *n = order_number();
    assert_int_equal(BN_bn2binpad(n, digest, 32), 32); /* e = n ≡ 0 */
    sign_raw(key_a, digest, raw);
    expect_same_verdict(table, key_a, digest, raw, 1);
    BN_free(n);
    vb_es256_table_free(table);
}

/* ---------------------------------------------------------------- chosen keys */

/* The branches random signatures never reach (an x-coordinate in [n, p) has odds of 2⁻¹²⁸), by
 * choosing the public key to fit a chosen signature: for (e, r, s) and a point R, the key
 * Q = u2⁻¹·(R - u1·G), with u1 = e/s and u2 = r/s, makes u1·G + u2·Q = R. */

static EC_GROUP *curve;
static BN_CTX *bn;

static EVP_PKEY *key_of_point(const EC_POINT *point)
{
    uint8_t octets[65];
    size_t length = EC_POINT_point2oct(curve, point, POINT_CONVERSION_UNCOMPRESSED, octets, sizeof octets, bn);
    assert_int_equal(length, 65);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)"prime256v1", 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, octets, length),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    assert_non_null(context);
    assert_int_equal(EVP_PKEY_fromdata_init(context), 1);
    assert_int_equal(EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(context);
    return key;
}

/* Checks (e, r, s) under key (or, when key_point is NULL, the key that makes it verify to R)
 * with ours and with EVP, both expecting `expected`. */
static void check_chosen(const EC_POINT *key_point, const EC_POINT *R, const BIGNUM *e, const BIGNUM *r,
                         const BIGNUM *s, int expected)
{
    const BIGNUM *n = EC_GROUP_get0_order(curve);
    EC_POINT *q = EC_POINT_new(curve);
    if (key_point) {
        assert_int_equal(EC_POINT_copy(q, key_point), 1);
    } else {
        BIGNUM *w = BN_mod_inverse(NULL, s, n, bn), *u1 = BN_new(), *u2 = BN_new();
        EC_POINT *t = EC_POINT_new(curve);
        BN_mod_mul(u1, e, w, n, bn);
        BN_mod_mul(u2, r, w, n, bn);
        assert_non_null(BN_mod_inverse(u2, u2, n, bn));
        assert_int_equal(EC_POINT_mul(curve, t, u1, NULL, NULL, bn), 1);
        assert_int_equal(EC_POINT_invert(curve, t, bn), 1);
        assert_int_equal(EC_POINT_add(curve, t, t, R, bn), 1);
        assert_int_equal(EC_POINT_mul(curve, q, NULL, t, u2, bn), 1);
        EC_POINT_free(t);
        BN_free(w);
        BN_free(u1);
        BN_free(u2);
    }
    EVP_PKEY *key = key_of_point(q);
    vb_es256_table *table = vb_es256_table_new(key);
    assert_non_null(table);
    uint8_t digest[32], raw[64];
    assert_int_equal(BN_bn2binpad(e, digest, 32), 32);
    assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
    assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
    expect_same_verdict(table, key, digest, raw, expected);
    vb_es256_table_free(table);
    EVP_PKEY_free(key);
    EC_POINT_free(q);
}

static void test_chosen_keys(void **state)
{
    (void)state;
    curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
    bn = BN_CTX_new();
    const BIGNUM *n = EC_GROUP_get0_order(curve);
    BIGNUM *p = BN_new(), *a = BN_new(), *b = BN_new(), *x = BN_new(), *y = BN_new(), *rhs = BN_new();
    BIGNUM *e = BN_new(), *r = BN_new(), *s = BN_new(), *d = BN_new(), *k = BN_new(), *k_inverse;
    EC_POINT *R = EC_POINT_new(curve), *q = EC_POINT_new(curve);
    assert_int_equal(EC_GROUP_get_curve(curve, p, a, b, bn), 1);

    /* R with x = n + j, the first such point on the curve: r = j verifies, r = j + 1 and
     * r = n + j (x itself, which is not below n) do not. */
    unsigned j = 0;
    for (j = 1; j < 1000; j++) {
        BN_copy(x, n);
        BN_add_word(x, j);
        BN_mod_sqr(rhs, x, p, bn); /* x³ + ax + b */
        BN_mod_add(rhs, rhs, a, p, bn);
        BN_mod_mul(rhs, rhs, x, p, bn);
        BN_mod_add(rhs, rhs, b, p, bn);
        if (BN_mod_sqrt(y, rhs, p, bn) && EC_POINT_set_affine_coordinates(curve, R, x, y, bn))
            break;
        ERR_clear_error();
    }
    assert_true(j < 1000);
    BN_set_word(e, 0x5eed);
    BN_set_word(s, 0xc0ffee);
    BN_set_word(r, j);
    check_chosen(NULL, R, e, r, s, 1);
    BN_set_word(r, j + 1);
    check_chosen(NULL, R, e, r, s, 0);
    BN_set_word(r, j);
    EC_POINT *fitted = EC_POINT_new(curve); /* the key that fits r = j, with r = n + j */
    {
        BIGNUM *w = BN_mod_inverse(NULL, s, n, bn), *u1 = BN_new(), *u2 = BN_new();
        BN_mod_mul(u1, e, w, n, bn);
        BN_mod_mul(u2, r, w, n, bn);
        BN_mod_inverse(u2, u2, n, bn);
        EC_POINT_mul(curve, fitted, u1, NULL, NULL, bn);
        EC_POINT_invert(curve, fitted, bn);
        EC_POINT_add(curve, fitted, fitted, R, bn);
        EC_POINT_mul(curve, fitted, NULL, fitted, u2, bn);
        BN_free(w);
        BN_free(u1);
        BN_free(u2);
    }
    BN_copy(r, x);
    check_chosen(fitted, NULL, e, r, s, 0);
    EC_POINT_free(fitted);

    /* A small r with an ordinary key: the affine comparison, refusing. */
    BN_set_word(d, 0x1234567);
    assert_int_equal(EC_POINT_mul(curve, q, d, NULL, NULL, bn), 1);
    BN_set_word(r, 5);
    check_chosen(q, NULL, e, r, s, 0);

    /* Q = d·G and r = x(k·G): e = r·d, s = 2e/k make u1·G = u2·Q (the sum doubles); e = -r·d
     * makes u1·G = -u2·Q (the sum is infinity); e = 0 leaves u2·Q alone. */
    BN_set_word(k, 0xabcdef12345);
    EC_POINT *kG = EC_POINT_new(curve);
    assert_int_equal(EC_POINT_mul(curve, kG, k, NULL, NULL, bn), 1);
    assert_int_equal(EC_POINT_get_affine_coordinates(curve, kG, x, NULL, bn), 1);
    BN_nnmod(r, x, n, bn);
    k_inverse = BN_mod_inverse(NULL, k, n, bn);
    BN_mod_mul(e, r, d, n, bn);
    BN_mod_mul(s, e, k_inverse, n, bn);
    BN_mod_add(s, s, s, n, bn);
    check_chosen(q, NULL, e, r, s, 1);
    BN_mod_sub(e, n, e, n, bn); /* -r·d */
    check_chosen(q, NULL, e, r, s, 0);
    BN_zero(e);
    BN_mod_mul(s, r, d, n, bn);
    BN_mod_mul(s, s, k_inverse, n, bn);
    check_chosen(q, NULL, e, r, s, 1);

    /* Q = G and Q = -G: the key's table is a second table of G. */
    BN_set_word(e, 77);
    BN_mod_add(s, e, r, n, bn); /* d = 1: s = (e + r)/k */
    BN_mod_mul(s, s, k_inverse, n, bn);
    assert_int_equal(EC_POINT_copy(q, EC_GROUP_get0_generator(curve)), 1);
    check_chosen(q, NULL, e, r, s, 1);
    BN_mod_sub(s, e, r, n, bn); /* d = -1: s = (e - r)/k */
    BN_mod_mul(s, s, k_inverse, n, bn);
    assert_int_equal(EC_POINT_invert(curve, q, bn), 1);
    check_chosen(q, NULL, e, r, s, 1);

    EC_POINT_free(kG);
    EC_POINT_free(R);
    EC_POINT_free(q);
    BN_free(k_inverse);
    BIGNUM *all[] = {p, a, b, x, y, rhs, e, r, s, d, k};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        BN_free(all[i]);
    BN_CTX_free(bn);
    EC_GROUP_free(curve);
}

/* ---------------------------------------------------------------- threads */

enum { THREADS = 4, PER_THREAD = 40 };

typedef struct {
    const vb_es256_table *table;
    uint8_t digests[PER_THREAD][32];
    uint8_t signatures[PER_THREAD][64];
    int valid[PER_THREAD];
    int answers[PER_THREAD];
} thread_work;

static void *verify_many(void *argument)
{
    thread_work *work = argument;
    for (int round = 0; round < 5; round++)
        for (int i = 0; i < PER_THREAD; i++)
            work->answers[i] += vb_es256_verify(work->table, work->digests[i], work->signatures[i]);
    return NULL;
}

static void test_threads_share_one_table(void **state)
{
    (void)state;
    vb_es256_table *table = vb_es256_table_new(key_a);
    static thread_work work[THREADS];
    pthread_t threads[THREADS];
    uint64_t random = 7;
    for (int t = 0; t < THREADS; t++) {
        memset(&work[t], 0, sizeof work[t]);
        work[t].table = table;
        for (int i = 0; i < PER_THREAD; i++) {
            random_digest(&random, work[t].digests[i]);
            sign_raw(key_a, work[t].digests[i], work[t].signatures[i]);
            work[t].valid[i] = test_random_next(&random) % 3 != 0;
            if (!work[t].valid[i])
                work[t].digests[i][0] ^= 0x80;
        }
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, verify_many, &work[t]), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++)
            assert_int_equal(work[t].answers[i], work[t].valid[i] ? 5 : 0);
    vb_es256_table_free(table);
}

int main(void)
{
    key_a = EVP_EC_gen("P-256");
    key_b = EVP_EC_gen("P-256");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inverse_matches_openssl),
        cmocka_unit_test(test_tables_only_for_p256),
        cmocka_unit_test(test_agrees_with_openssl),
        cmocka_unit_test(test_out_of_range_values),
        cmocka_unit_test(test_digest_above_order),
        cmocka_unit_test(test_chosen_keys),
        cmocka_unit_test(test_threads_share_one_table),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
    return failed;
}
