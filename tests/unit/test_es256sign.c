/*
 * test_es256sign.c — unit tests of ES256 signing with nonces prepared in batches
 * (libvanbang/es256sign.c): its constant-time products and inverses mod p and mod n against
 * OpenSSL's BN on edge and random values; every signature verified by EVP_PKEY_verify, altered
 * digests refused; no nonce used twice, across batches and across a fork; only P-256 private keys
 * taken; and the COSE signer moving to it after VB_COSE_SIGN_BATCH_AFTER signatures.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cose.h"
#include "es256sign.h"
#include "testutil.h"
#include "testecdsa.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/wait.h>

static const char prime_hex[] = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";
static const char order_hex[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

static EVP_PKEY *key;


/* ---------------------------------------------------------------- arithmetic */

static void check_against_bn(char name, const BIGNUM *m, const BIGNUM *a, const BIGNUM *b, BN_CTX *context)
{
    uint8_t a_bytes[32], b_bytes[32], ours[32], theirs[32];
    BIGNUM *expected = BN_new();
    assert_int_equal(BN_bn2binpad(a, a_bytes, 32), 32);
    assert_int_equal(BN_bn2binpad(b, b_bytes, 32), 32);

    assert_true(BN_mod_mul(expected, a, b, m, context));
    assert_int_equal(BN_bn2binpad(expected, theirs, 32), 32);
    vb_es256_multiply_for_tests(name, a_bytes, b_bytes, ours);
    assert_memory_equal(ours, theirs, 32);

    if (BN_is_zero(a))
        BN_zero(expected); /* ours answers 0; BN has no inverse */
    else
        assert_non_null(BN_mod_inverse(expected, a, m, context));
    assert_int_equal(BN_bn2binpad(expected, theirs, 32), 32);
    vb_es256_invert_for_tests(name, a_bytes, ours);
    assert_memory_equal(ours, theirs, 32);
    BN_free(expected);
}

static void check_modulus(char name, const char *modulus_hex)
{
    BIGNUM *m = NULL, *a = BN_new(), *b = BN_new();
    BN_CTX *context = BN_CTX_new();
    uint64_t random = (uint64_t)name;
    uint8_t bytes[32];
    assert_true(BN_hex2bn(&m, modulus_hex) > 0);

    /* Edges: 0, 1, 2, m - 1, m - 2, 2²⁵⁵, and long runs of ones and zeros, each with each. */
    BIGNUM *edges[8];
    for (size_t i = 0; i < 8; i++)
        edges[i] = BN_new();
    BN_zero(edges[0]);
    BN_one(edges[1]);
    BN_set_word(edges[2], 2);
    BN_sub(edges[3], m, edges[1]);
    BN_sub(edges[4], m, edges[2]);
    BN_set_bit(edges[5], 255);
    assert_true(BN_hex2bn(&edges[6], "00000000FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF") > 0);
    assert_true(BN_hex2bn(&edges[7], "FFFFFFFF00000000000000000000000000000000000000000000000000000000") > 0);
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 8; j++)
            check_against_bn(name, m, edges[i], edges[j], context);
    for (size_t i = 0; i < 8; i++)
        BN_free(edges[i]);

    for (int i = 0; i < 3000; i++) {
        test_random_fill(&random, bytes, 32);
        BN_bin2bn(bytes, 32, a);
        test_random_fill(&random, bytes, 32);
        BN_bin2bn(bytes, 32, b);
        if (BN_cmp(a, m) >= 0 || BN_cmp(b, m) >= 0)
            continue;
        check_against_bn(name, m, a, b, context);
    }
    BN_free(m);
    BN_free(a);
    BN_free(b);
    BN_CTX_free(context);
}

static void test_arithmetic_mod_prime(void **state)
{
    (void)state;
    check_modulus('p', prime_hex);
}

static void test_arithmetic_mod_order(void **state)
{
    (void)state;
    check_modulus('n', order_hex);
}

/* ---------------------------------------------------------------- signatures */

static void test_signatures_verify(void **state)
{
    (void)state;
    vb_es256_signer *signer = vb_es256_signer_new(key);
    assert_non_null(signer);
    uint64_t random = 42;
    uint8_t digest[32], signature[64];

    /* Several batches; digests at the edges too: zero, all ones (above the order). */
    for (int i = 0; i < 5 * VB_ES256_SIGNER_BATCH + 3; i++) {
        if (i == 0)
            memset(digest, 0, sizeof digest);
        else if (i == 1)
            memset(digest, 0xff, sizeof digest);
        else
            test_random_fill(&random, digest, sizeof digest);
        assert_int_equal(vb_es256_sign(signer, digest, signature), 1);
        assert_int_equal(test_evp_verdict(key, digest, signature), 1);
        digest[i % 32] ^= 1; /* the same signature over another digest */
        assert_int_equal(test_evp_verdict(key, digest, signature), 0);
    }
    vb_es256_signer_free(signer);
}

static int compare_signature_halves(const void *a, const void *b) { return memcmp(a, b, 32); }

static void test_nonces_never_repeat(void **state)
{
    (void)state;
    enum { COUNT = 40 * VB_ES256_SIGNER_BATCH };
    vb_es256_signer *signer = vb_es256_signer_new(key);
    uint8_t (*r)[32] = malloc(COUNT * 32), (*s)[32] = malloc(COUNT * 32);
    uint8_t digest[32] = {7}, signature[64];
    assert_non_null(signer);
    for (int i = 0; i < COUNT; i++) { /* one message: only the nonce can vary */
        assert_int_equal(vb_es256_sign(signer, digest, signature), 1);
        memcpy(r[i], signature, 32);
        memcpy(s[i], signature + 32, 32);
    }
    assert_int_equal(test_evp_verdict(key, digest, signature), 1);
    qsort(r, COUNT, 32, compare_signature_halves);
    qsort(s, COUNT, 32, compare_signature_halves);
    for (int i = 1; i < COUNT; i++) {
        assert_memory_not_equal(r[i - 1], r[i], 32);
        assert_memory_not_equal(s[i - 1], s[i], 32);
    }
    free(r);
    free(s);
    vb_es256_signer_free(signer);
}

/* After a fork, parent and child each have the unused nonces of the batch in memory; the child
 * must prepare its own. */
static void test_fork_takes_fresh_nonces(void **state)
{
    (void)state;
    vb_es256_signer *signer = vb_es256_signer_new(key);
    uint8_t digest[32] = {9}, signature[64], child_signature[64];
    uint8_t parent_r[VB_ES256_SIGNER_BATCH][32];
    int pipe_ends[2];
    assert_non_null(signer);
    assert_int_equal(vb_es256_sign(signer, digest, signature), 1); /* a batch is ready */
    assert_int_equal(pipe(pipe_ends), 0);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(pipe_ends[0]);
        int ok = vb_es256_sign(signer, digest, child_signature) == 1 &&
                 write(pipe_ends[1], child_signature, 64) == 64;
        _exit(ok ? 0 : 1);
    }
    close(pipe_ends[1]);
    assert_int_equal(read(pipe_ends[0], child_signature, 64), 64);
    close(pipe_ends[0]);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(test_evp_verdict(key, digest, child_signature), 1);

    for (int i = 0; i < VB_ES256_SIGNER_BATCH; i++) { /* the rest of the batch, and one more */
        assert_int_equal(vb_es256_sign(signer, digest, signature), 1);
        memcpy(parent_r[i], signature, 32);
        assert_memory_not_equal(parent_r[i], child_signature, 32);
    }
    vb_es256_signer_free(signer);
}

static void test_only_p256_private_keys(void **state)
{
    (void)state;
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    EVP_PKEY *rsa = EVP_RSA_gen(2048);
    assert_null(vb_es256_signer_new(p384));
    assert_null(vb_es256_signer_new(rsa));
    assert_null(vb_es256_signer_new(NULL));

    /* The public half of a P-256 key cannot sign. */
    unsigned char *der = NULL;
    int length = i2d_PUBKEY(key, &der);
    assert_true(length > 0);
    const unsigned char *p = der;
    EVP_PKEY *public_only = d2i_PUBKEY(NULL, &p, length);
    assert_non_null(public_only);
    assert_null(vb_es256_signer_new(public_only));
    OPENSSL_free(der);
    EVP_PKEY_free(public_only);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(rsa);
}

/* ---------------------------------------------------------------- through COSE */

static void test_cose_signer_moves_to_batches(void **state)
{
    (void)state;
    static const uint8_t kid[VB_KID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
    vb_cose_signer signer;
    vb_cose_verifier verifier;
    vb_error err = {0};
    uint8_t payload[40], record[200];
    size_t length;
    uint64_t random = 5;

    assert_int_equal(vb_cose_signer_init(&signer, key, kid, &err), VB_OK);
    assert_int_equal(vb_cose_verifier_init(&verifier, key, &err), VB_OK);
    for (int i = 0; i < VB_COSE_SIGN_BATCH_AFTER + 3 * VB_ES256_SIGNER_BATCH; i++) {
        test_random_fill(&random, payload, sizeof payload);
        assert_int_equal(vb_cose_sign1_sign(&signer, payload, sizeof payload, record, sizeof record, &length, &err),
                         VB_OK);
        assert_true(i < VB_COSE_SIGN_BATCH_AFTER ? signer.batch == NULL : signer.batch != NULL);
        vb_cose_sign1 decoded;
        assert_int_equal(vb_cose_sign1_decode(record, length, &decoded, &err), VB_OK);
        assert_int_equal(vb_cose_sign1_verify_with(&decoded, &verifier, &err), VB_OK);
        record[length - 1] ^= 1; /* the signature's last byte */
        assert_int_equal(vb_cose_sign1_decode(record, length, &decoded, &err), VB_OK);
        assert_int_not_equal(vb_cose_sign1_verify_with(&decoded, &verifier, &err), VB_OK);
    }
    assert_int_equal(signer.signatures, VB_COSE_SIGN_BATCH_AFTER);
    vb_cose_verifier_free(&verifier);
    vb_cose_signer_free(&signer);
}

int main(void)
{
    key = EVP_EC_gen("P-256");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arithmetic_mod_prime),
        cmocka_unit_test(test_arithmetic_mod_order),
        cmocka_unit_test(test_signatures_verify),
        cmocka_unit_test(test_nonces_never_repeat),
        cmocka_unit_test(test_fork_takes_fresh_nonces),
        cmocka_unit_test(test_only_p256_private_keys),
        cmocka_unit_test(test_cose_signer_moves_to_batches),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    EVP_PKEY_free(key);
    return failed;
}
