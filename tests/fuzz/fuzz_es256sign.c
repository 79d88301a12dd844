/*
 * fuzz_es256sign.c — libFuzzer target for ES256 signing with prepared nonces
 * (libvanbang/es256sign.c), differential against OpenSSL: any disagreement aborts.
 *
 * The input's first byte picks the modulus ('p' when even, 'n' when odd); the next 64 bytes are
 * a and b (missing bytes read as zero, values at or above the modulus are reduced by BN first).
 * The constant-time a·b and a⁻¹ are held to BN_mod_mul and BN_mod_inverse, and the 32 bytes of
 * a are signed as a digest and the signature verified by EVP_PKEY_verify.
 */
#include "es256sign.h"

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char prime_hex[] = "FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF";
static const char order_hex[] = "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551";

static EVP_PKEY *key;
static vb_es256_signer *signer;
static EVP_PKEY_CTX *check;
static BIGNUM *prime, *order;
static BN_CTX *context;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_up(void)
{
    key = EVP_EC_gen("P-256");
    signer = key ? vb_es256_signer_new(key) : NULL;
    check = key ? EVP_PKEY_CTX_new(key, NULL) : NULL;
    context = BN_CTX_new();
    if (!signer || !check || EVP_PKEY_verify_init(check) != 1 || !context || !BN_hex2bn(&prime, prime_hex) ||
        !BN_hex2bn(&order, order_hex))
        abort();
}

/* value mod m, as 32 bytes. */
static void reduced(const uint8_t in[32], const BIGNUM *m, BIGNUM *number, uint8_t out[32])
{
    if (!BN_bin2bn(in, 32, number) || !BN_nnmod(number, number, m, context) || BN_bn2binpad(number, out, 32) != 32)
        abort();
}

static void check_arithmetic(char name, const BIGNUM *m, const uint8_t a_in[32], const uint8_t b_in[32])
{
    BN_CTX_start(context);
    BIGNUM *a = BN_CTX_get(context), *b = BN_CTX_get(context), *expected = BN_CTX_get(context);
    uint8_t a_bytes[32], b_bytes[32], ours[32], theirs[32];
    if (!expected)
        abort();
    reduced(a_in, m, a, a_bytes);
    reduced(b_in, m, b, b_bytes);

    if (!BN_mod_mul(expected, a, b, m, context) || BN_bn2binpad(expected, theirs, 32) != 32)
        abort();
    vb_es256_multiply_for_tests(name, a_bytes, b_bytes, ours);
    if (memcmp(ours, theirs, 32) != 0)
        abort();

    if (BN_is_zero(a))
        BN_zero(expected);
    else if (!BN_mod_inverse(expected, a, m, context))
        abort();
    if (BN_bn2binpad(expected, theirs, 32) != 32)
        abort();
    vb_es256_invert_for_tests(name, a_bytes, ours);
    if (memcmp(ours, theirs, 32) != 0)
        abort();
    BN_CTX_end(context);
}

static void check_signature(const uint8_t digest[32])
{
    uint8_t raw[64];
    if (vb_es256_sign(signer, digest, raw) != 1)
        abort();
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
        abort();
    unsigned char *der = NULL;
    int der_length = i2d_ECDSA_SIG(sig, &der);
    if (der_length <= 0 || EVP_PKEY_verify(check, der, (size_t)der_length, digest, 32) != 1)
        abort();
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!signer)
        set_up();
    if (size == 0)
        return 0;
    uint8_t values[64] = {0};
    memcpy(values, data + 1, size - 1 < sizeof values ? size - 1 : sizeof values);
    bool is_prime = (data[0] & 1) == 0;
    check_arithmetic(is_prime ? 'p' : 'n', is_prime ? prime : order, values, values + 32);
    check_signature(values);
    return 0;
}
