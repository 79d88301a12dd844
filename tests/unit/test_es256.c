/*
 * test_es256.c — unit tests of the table-driven ES256 verification (libvanbang/es256.c): the
 * inverse mod n against OpenSSL's BN_mod_inverse, and every verdict against EVP_PKEY_verify on
 * valid signatures, altered digests and signatures, another key, s and n - s, out-of-range r
 * and s, and digests above the order; several threads sharing one table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "es256.h"
#include "testutil.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
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

/* EVP's verdict on a raw r‖s: 1 valid, 0 anything else (OpenSSL answers -1 for some bad values). */
static int evp_verdict(EVP_PKEY *key, const uint8_t digest[32], const uint8_t raw[64])
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
    unsigned char *der = NULL;
    int der_length = i2d_ECDSA_SIG(sig, &der);
    assert_true(der_length > 0);
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(key, NULL);
    assert_int_equal(EVP_PKEY_verify_init(context), 1);
    int verdict = EVP_PKEY_verify(context, der, (size_t)der_length, digest, 32) == 1;
    EVP_PKEY_CTX_free(context);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    return verdict;
}

static void expect_same_verdict(const vb_es256_table *table, EVP_PKEY *key, const uint8_t digest[32],
                                const uint8_t raw[64], int expected)
{
    assert_int_equal(evp_verdict(key, digest, raw), expected);
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
        assert_int_equal(vb_es256_verify(table, digest, altered), evp_verdict(key_a, digest, altered));
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

    /* r or s of 0, n, n + 1 (as r + n, which means the same thing mod n) and 2²⁵⁶ - 1. */
    for (int half = 0; half < 2; half++) {
        memcpy(bad, raw, 64);
        memset(bad + 32 * half, 0, 32);
        expect_same_verdict(table, key_a, digest, bad, 0);
        memcpy(bad + 32 * half, order_bytes, 32);
        expect_same_verdict(table, key_a, digest, bad, 0);
        memset(bad + 32 * half, 0xff, 32);
        expect_same_verdict(table, key_a, digest, bad, 0);

        BIGNUM *value = BN_bin2bn(raw + 32 * half, 32, NULL);
        BN_add(value, value, n);
        if (BN_num_bytes(value) <= 32) {
            memcpy(bad, raw, 64);
            assert_int_equal(BN_bn2binpad(value, bad + 32 * half, 32), 32);
            expect_same_verdict(table, key_a, digest, bad, 0);
        }
        BN_free(value);
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
        cmocka_unit_test(test_threads_share_one_table),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    EVP_PKEY_free(key_a);
    EVP_PKEY_free(key_b);
    return failed;
}
