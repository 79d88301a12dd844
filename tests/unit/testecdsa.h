/*
 * testecdsa.h — what the ES256 tests (test_es256.c, test_es256sign.c) ask OpenSSL: its verdict on
 * a raw r‖s signature over a SHA-256 digest, the reference every answer of ours is held to.
 * Header only, like testutil.h; include it after testutil.h.
 */
#ifndef VB_TESTECDSA_H
#define VB_TESTECDSA_H

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

/* EVP's verdict on a raw r‖s: 1 valid, 0 anything else (OpenSSL answers -1 for some bad values). */
static inline int test_evp_verdict(EVP_PKEY *key, const uint8_t digest[32], const uint8_t raw[64])
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

#endif
