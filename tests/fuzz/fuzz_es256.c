/*
 * fuzz_es256.c — libFuzzer target for the table-driven ES256 verification (libvanbang/es256.c),
 * differential against OpenSSL's EVP_PKEY_verify: any disagreement aborts.
 *
 * Random bytes almost never make a valid signature, so the input mostly edits valid ones: its
 * first byte picks one of a few digests signed at start, the rest is XORed over digest ‖ r ‖ s
 * (96 bytes). A first byte of 0xff takes the rest as digest ‖ r ‖ s itself.
 */
#include "es256.h"

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

enum { SIGNED = 8 };

static EVP_PKEY *key;
static vb_es256_table *table;
static uint8_t signed_input[SIGNED][96]; /* digest ‖ r ‖ s */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void set_up(void)
{
    key = EVP_EC_gen("P-256");
    table = key ? vb_es256_table_new(key) : NULL;
    if (!table)
        abort();
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(key, NULL);
    if (!context || EVP_PKEY_sign_init(context) != 1)
        abort();
    for (int i = 0; i < SIGNED; i++) {
        uint8_t der[80];
        size_t der_length = sizeof der;
        memset(signed_input[i], 0x11 * (i + 1), 32);
        if (i == SIGNED - 1)
            memset(signed_input[i], 0xff, 32); /* a digest above the order */
        if (EVP_PKEY_sign(context, der, &der_length, signed_input[i], 32) != 1)
            abort();
        const unsigned char *p = der;
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
        const BIGNUM *r, *s;
        if (!sig)
            abort();
        ECDSA_SIG_get0(sig, &r, &s);
        if (BN_bn2binpad(r, signed_input[i] + 32, 32) != 32 || BN_bn2binpad(s, signed_input[i] + 64, 32) != 32)
            abort();
        ECDSA_SIG_free(sig);
    }
    EVP_PKEY_CTX_free(context);
}

/* OpenSSL's verdict: 1 valid, 0 anything else. */
static int evp_verdict(const uint8_t digest[32], const uint8_t raw[64])
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1)
        abort();
    unsigned char *der = NULL;
    int der_length = i2d_ECDSA_SIG(sig, &der);
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new(key, NULL);
    if (der_length <= 0 || !context || EVP_PKEY_verify_init(context) != 1)
        abort();
    int verdict = EVP_PKEY_verify(context, der, (size_t)der_length, digest, 32) == 1;
    EVP_PKEY_CTX_free(context);
    OPENSSL_free(der);
    ECDSA_SIG_free(sig);
    return verdict;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!table)
        set_up();
    if (size == 0)
        return 0;
    uint8_t input[96];
    if (data[0] == 0xff) {
        memset(input, 0, sizeof input);
        memcpy(input, data + 1, size - 1 < sizeof input ? size - 1 : sizeof input);
    } else {
        memcpy(input, signed_input[data[0] % SIGNED], sizeof input);
        for (size_t i = 1; i < size && i <= sizeof input; i++)
            input[i - 1] ^= data[i];
    }
    int ours = vb_es256_verify(table, input, input + 32);
    if (ours != evp_verdict(input, input + 32))
        abort();
    return 0;
}
