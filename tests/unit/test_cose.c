/*
 * test_cose.c — unit tests of COSE_Sign1 (libvanbang/cose.c): ES256 and PS256 round trips with
 * keys made in the test, the exact bytes of the envelope and protected header, signatures checked
 * (and made) by plain OpenSSL over a Sig_structure built by hand from RFC 9052 §4.4, the RFC 9052
 * Appendix C.2.1 example, tampering, algorithm/key mismatches, and every decode error.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cose.h"

#define TEST_BUFFER_BYTES 4096 /* test_buffer: room for every message built here */
#include "testutil.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t test_kid[VB_KID_BYTES] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};

/* Keys shared by every test: RSA key generation is slow, so one of each per run. */
static EVP_PKEY *test_ec_key, *test_ec_other_key, *test_rsa_key;

/* ---------------------------------------------------------------- byte building */

/* Expected bytes are built in testutil.h's test_buffer with its own CBOR head writer, not the
 * library's. */

/* Sig_structure for COSE_Sign1 (RFC 9052 §4.4): ["Signature1", protected, external_aad = h'',
 * payload], i.e. 84 6a "Signature1" <bstr protected> 40 <bstr payload>. */
static void test_sig_structure(test_buffer *b, const uint8_t *protected_header, size_t protected_length,
                               const uint8_t *payload, size_t payload_length)
{
    b->length = 0;
    tb_hex(b, "84 6a 53 69 67 6e 61 74 75 72 65 31"); /* array(4), text(10) "Signature1" */
    tb_bstr(b, protected_header, protected_length);
    tb_hex(b, "40");
    tb_bstr(b, payload, payload_length);
}

/* ---------------------------------------------------------------- OpenSSL helpers */

/* r‖s (32 + 32 bytes) → DER ECDSA-Sig-Value; returns the DER length, *der malloc'd by OpenSSL. */
static int test_raw_to_der(const uint8_t raw[64], unsigned char **der)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    assert_non_null(sig);
    assert_int_equal(ECDSA_SIG_set0(sig, r, s), 1);
    *der = NULL;
    int n = i2d_ECDSA_SIG(sig, der);
    ECDSA_SIG_free(sig);
    assert_true(n > 0);
    return n;
}

static void test_der_to_raw(const unsigned char *der, size_t der_length, uint8_t raw[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
    const BIGNUM *r, *s;
    assert_non_null(sig);
    ECDSA_SIG_get0(sig, &r, &s);
    assert_int_equal(BN_bn2binpad(r, raw, 32), 32);
    assert_int_equal(BN_bn2binpad(s, raw + 32, 32), 32);
    ECDSA_SIG_free(sig);
}

/* Configures a digest-sign/verify context for PS256 as RFC 8230 §2 fixes it: PSS, SHA-256,
 * MGF1 with SHA-256, salt as long as the hash (32 bytes). */
static void test_pss_params(EVP_PKEY_CTX *pctx)
{
    assert_true(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) > 0);
    assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) > 0);
}

/* Plain OpenSSL verification of a COSE signature over hand-built Sig_structure bytes. */
static int test_openssl_verify(EVP_PKEY *key, int alg, const uint8_t *tbs, size_t tbs_length, const uint8_t *signature,
                               size_t signature_length)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    int verdict;
    assert_int_equal(EVP_DigestVerifyInit(md, &pctx, EVP_sha256(), NULL, key), 1);
    if (alg == VB_COSE_ALG_PS256) {
        test_pss_params(pctx);
        verdict = EVP_DigestVerify(md, signature, signature_length, tbs, tbs_length);
    } else {
        assert_int_equal(signature_length, 64);
        int der_length = test_raw_to_der(signature, &der);
        verdict = EVP_DigestVerify(md, der, (size_t)der_length, tbs, tbs_length);
    }
    OPENSSL_free(der);
    EVP_MD_CTX_free(md);
    return verdict;
}

/* Plain OpenSSL signing, for messages assembled without the library. */
static size_t test_openssl_sign(EVP_PKEY *key, int alg, const uint8_t *tbs, size_t tbs_length, uint8_t *out)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char buffer[512];
    size_t length = sizeof buffer;
    assert_int_equal(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, key), 1);
    if (alg == VB_COSE_ALG_PS256)
        test_pss_params(pctx);
    assert_int_equal(EVP_DigestSign(md, buffer, &length, tbs, tbs_length), 1);
    EVP_MD_CTX_free(md);
    if (alg == VB_COSE_ALG_PS256) {
        memcpy(out, buffer, length);
        return length;
    }
    test_der_to_raw(buffer, length, out);
    return 64;
}

static void test_sign(EVP_PKEY *key, const uint8_t *payload, size_t payload_length, uint8_t *out, size_t out_size,
                      size_t *out_length)
{
    vb_cose_signer signer;
    vb_error err = {0};
    assert_int_equal(vb_cose_signer_init(&signer, key, test_kid, &err), VB_OK);
    vb_status s = vb_cose_sign1_sign(&signer, payload, payload_length, out, out_size, out_length, &err);
    if (s != VB_OK)
        fail_msg("signing failed: %s", err.message);
    vb_cose_signer_free(&signer);
}

/* Decodes from a heap copy of exactly the message, so ASan catches over-reads. */
static vb_status test_decode_exact(const uint8_t *data, size_t length, vb_error *err)
{
    uint8_t *exact = test_exact_copy(data, length);
    vb_cose_sign1 message;
    vb_status s = vb_cose_sign1_decode(exact, length, &message, err);
    free(exact);
    return s;
}

/* A claims-like payload: {1: "CDCNHN", 6: 1781920800}. */
static const uint8_t test_payload[] = {0xa2, 0x01, 0x66, 'C', 'D', 'C', 'N', 'H', 'N', 0x06, 0x1a, 0x6a, 0x35, 0xf4, 0x20};

/* ---------------------------------------------------------------- fixtures */

static int group_setup(void **state)
{
    (void)state;
    test_ec_key = EVP_EC_gen("P-256");
    test_ec_other_key = EVP_EC_gen("P-256");
    test_rsa_key = EVP_RSA_gen(2048);
    return test_ec_key && test_ec_other_key && test_rsa_key ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(test_ec_key);
    EVP_PKEY_free(test_ec_other_key);
    EVP_PKEY_free(test_rsa_key);
    return 0;
}

/* ---------------------------------------------------------------- layout and round trips */

static void test_es256_envelope_bytes_and_round_trip(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t length = 0;
    test_sign(test_ec_key, test_payload, sizeof test_payload, out, sizeof out, &length);

    /* d2 (tag 18) 84 (array 4) 4d (bstr 13) {1: -7, 4: h'kid'} a0 ({}) 4f <payload> 58 40 <r‖s> */
    test_buffer want = {0};
    tb_hex(&want, "d2 84 4d a2 01 26 04 48");
    tb_raw(&want, test_kid, sizeof test_kid);
    tb_hex(&want, "a0 4f");
    tb_raw(&want, test_payload, sizeof test_payload);
    tb_hex(&want, "58 40");
    assert_int_equal(length, want.length + 64);
    assert_memory_equal(out, want.data, want.length);

    vb_cose_sign1 message;
    vb_error err = {0};
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, &err), VB_OK);
    assert_int_equal(message.alg, VB_COSE_ALG_ES256);
    assert_memory_equal(message.kid, test_kid, VB_KID_BYTES);
    assert_int_equal(message.protected_length, 13);
    assert_ptr_equal(message.protected_header, out + 3);
    assert_int_equal(message.payload_length, sizeof test_payload);
    assert_memory_equal(message.payload, test_payload, sizeof test_payload);
    assert_int_equal(message.signature_length, 64);
    assert_ptr_equal(message.signature, out + length - 64);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, &err), VB_OK);

    /* ECDSA is randomized: a second signature differs but verifies as well. */
    uint8_t again[256];
    size_t again_length;
    test_sign(test_ec_key, test_payload, sizeof test_payload, again, sizeof again, &again_length);
    assert_int_equal(again_length, length);
    assert_memory_not_equal(again + length - 64, out + length - 64, 64);
    assert_int_equal(vb_cose_sign1_decode(again, again_length, &message, &err), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, &err), VB_OK);
}

static void test_ps256_envelope_bytes_and_round_trip(void **state)
{
    (void)state;
    uint8_t out[512];
    size_t length = 0;
    test_sign(test_rsa_key, test_payload, sizeof test_payload, out, sizeof out, &length);

    /* -37 is a negative integer with argument 36: 38 24. The signature is 256 bytes: 59 01 00. */
    test_buffer want = {0};
    tb_hex(&want, "d2 84 4e a2 01 38 24 04 48");
    tb_raw(&want, test_kid, sizeof test_kid);
    tb_hex(&want, "a0 4f");
    tb_raw(&want, test_payload, sizeof test_payload);
    tb_hex(&want, "59 01 00");
    assert_int_equal(length, want.length + 256);
    assert_memory_equal(out, want.data, want.length);

    vb_cose_sign1 message;
    vb_error err = {0};
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, &err), VB_OK);
    assert_int_equal(message.alg, VB_COSE_ALG_PS256);
    assert_int_equal(message.signature_length, 256);
    assert_int_equal(vb_cose_sign1_verify(&message, test_rsa_key, &err), VB_OK);
}

static void test_empty_and_large_payloads(void **state)
{
    (void)state;
    static uint8_t big[1000];
    uint8_t out[1200];
    size_t length;
    vb_cose_sign1 message;

    test_sign(test_ec_key, NULL, 0, out, sizeof out, &length);
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(message.payload_length, 0);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_OK);

    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 7);
    test_sign(test_ec_key, big, sizeof big, out, sizeof out, &length);
    assert_memory_equal(out + 17, "\x59\x03\xe8", 3); /* payload head after d2 84 <14> a0: 1000 = 0x03e8 */
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(message.payload_length, 1000);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_OK);
}

static void test_sign_into_small_buffer(void **state)
{
    (void)state;
    vb_cose_signer signer;
    uint8_t out[256];
    size_t length = 0;
    vb_error err = {0};
    assert_int_equal(vb_cose_signer_init(&signer, test_ec_key, test_kid, &err), VB_OK);
    /* The full message is 3 + 13 + 1 + 16 + 66 = 99 bytes. */
    assert_int_equal(vb_cose_sign1_sign(&signer, test_payload, sizeof test_payload, out, 99, &length, &err), VB_OK);
    assert_int_equal(length, 99);
    assert_int_equal(vb_cose_sign1_sign(&signer, test_payload, sizeof test_payload, out, 98, &length, &err),
                     VB_ERR_TOO_LARGE);
    assert_int_equal(err.code, VB_ERR_TOO_LARGE);
    vb_cose_signer_free(&signer);
}

/* ---------------------------------------------------------------- interoperability */

static void test_es256_signature_checks_out_with_plain_openssl(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t length;
    vb_cose_sign1 message;
    test_buffer tbs;
    uint8_t digest[32], library_digest[32];

    test_sign(test_ec_key, test_payload, sizeof test_payload, out, sizeof out, &length);
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);

    test_buffer protected_header = {0};
    tb_hex(&protected_header, "a2 01 26 04 48");
    tb_raw(&protected_header, test_kid, sizeof test_kid);
    test_sig_structure(&tbs, protected_header.data, protected_header.length, test_payload, sizeof test_payload);
    assert_int_equal(tbs.length, 12 + 14 + 1 + 16);

    SHA256(tbs.data, tbs.length, digest);
    vb_cose_sig_structure_hash(message.protected_header, message.protected_length, message.payload,
                               message.payload_length, library_digest);
    assert_memory_equal(digest, library_digest, 32);

    assert_int_equal(test_openssl_verify(test_ec_key, VB_COSE_ALG_ES256, tbs.data, tbs.length, out + length - 64, 64), 1);
    assert_int_not_equal(test_openssl_verify(test_ec_other_key, VB_COSE_ALG_ES256, tbs.data, tbs.length,
                                             out + length - 64, 64), 1);
}

static void test_ps256_signature_checks_out_with_plain_openssl(void **state)
{
    (void)state;
    uint8_t out[512];
    size_t length;
    test_buffer tbs;

    test_sign(test_rsa_key, test_payload, sizeof test_payload, out, sizeof out, &length);
    test_buffer protected_header = {0};
    tb_hex(&protected_header, "a2 01 38 24 04 48");
    tb_raw(&protected_header, test_kid, sizeof test_kid);
    test_sig_structure(&tbs, protected_header.data, protected_header.length, test_payload, sizeof test_payload);
    /* Verified with the salt length fixed at 32: a different salt length would fail here. */
    assert_int_equal(test_openssl_verify(test_rsa_key, VB_COSE_ALG_PS256, tbs.data, tbs.length, out + length - 256, 256),
                     1);
}

/* A message made entirely outside the library (hand-built CBOR, OpenSSL signature) verifies. */
static void test_library_verifies_messages_made_by_hand(void **state)
{
    (void)state;
    static const int algs[] = {VB_COSE_ALG_ES256, VB_COSE_ALG_PS256};
    for (size_t a = 0; a < 2; a++) {
        EVP_PKEY *key = algs[a] == VB_COSE_ALG_ES256 ? test_ec_key : test_rsa_key;
        test_buffer protected_header = {0}, tbs, message = {0};
        uint8_t signature[512];

        tb_hex(&protected_header, algs[a] == VB_COSE_ALG_ES256 ? "a2 01 26 04 48" : "a2 01 38 24 04 48");
        tb_raw(&protected_header, test_kid, sizeof test_kid);
        test_sig_structure(&tbs, protected_header.data, protected_header.length, test_payload, sizeof test_payload);
        size_t signature_length = test_openssl_sign(key, algs[a], tbs.data, tbs.length, signature);

        tb_hex(&message, "d2 84");
        tb_bstr(&message, protected_header.data, protected_header.length);
        tb_hex(&message, "a0");
        tb_bstr(&message, test_payload, sizeof test_payload);
        tb_bstr(&message, signature, signature_length);

        vb_cose_sign1 decoded;
        vb_error err = {0};
        assert_int_equal(vb_cose_sign1_decode(message.data, message.length, &decoded, &err), VB_OK);
        assert_int_equal(decoded.alg, algs[a]);
        if (vb_cose_sign1_verify(&decoded, key, &err) != VB_OK)
            fail_msg("alg %d: %s", algs[a], err.message);
    }
}

/* RFC 9052 Appendix C.2.1 (the cose-wg example sign1-pass-01): ES256 over "This is the content."
 * with protected h'a10126' and key "11" of Appendix C.7.1. The library's verification must accept
 * the RFC's own signature; its decoder refuses the message because the kid is unprotected. */
static void test_rfc9052_c21_example(void **state)
{
    (void)state;
    static const char x_hex[] = "bac5b11cad8f99f9c72b05cf4b9e26d244dc189f745228255a219a86d6a09eff";
    static const char y_hex[] = "20138bf82dc1b6d562be0fa54ab7804a3a64b6d72ccfed6b6fb6ed28bbfc117e";
    static const char signature_hex[] = "8eb33e4ca31d1c465ab05aac34cc6b23d58fef5c083106c4d25a91aef0b0117e"
                                        "2af9a291aa32e14ab834dc56ed2a223444547e01f11d3b0916e5a4c345cacb36";
    static const char payload[] = "This is the content.";
    static const uint8_t protected_header[] = {0xa1, 0x01, 0x26};

    test_buffer point = {0}, signature = {0}, tbs, tbs_rfc = {0};
    tb_hex(&point, "04");
    tb_hex(&point, x_hex);
    tb_hex(&point, y_hex);
    tb_hex(&signature, signature_hex);

    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    assert_non_null(bld);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data, point.length), 1);
    OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    EVP_PKEY *key = NULL;
    assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
    assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params), 1);
    EVP_PKEY_CTX_free(ctx);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);

    /* ToBeSign as published with the example. */
    tb_hex(&tbs_rfc, "846A5369676E61747572653143A101264054546869732069732074686520636F6E74656E742E");
    test_sig_structure(&tbs, protected_header, sizeof protected_header, (const uint8_t *)payload, strlen(payload));
    assert_int_equal(tbs.length, tbs_rfc.length);
    assert_memory_equal(tbs.data, tbs_rfc.data, tbs.length);
    assert_int_equal(test_openssl_verify(key, VB_COSE_ALG_ES256, tbs.data, tbs.length, signature.data, 64), 1);

    uint8_t digest[32], library_digest[32];
    SHA256(tbs.data, tbs.length, digest);
    vb_cose_sig_structure_hash(protected_header, sizeof protected_header, (const uint8_t *)payload, strlen(payload),
                               library_digest);
    assert_memory_equal(digest, library_digest, 32);

    vb_cose_sign1 message = {0};
    message.alg = VB_COSE_ALG_ES256;
    message.protected_header = protected_header;
    message.protected_length = sizeof protected_header;
    message.payload = (const uint8_t *)payload;
    message.payload_length = strlen(payload);
    message.signature = signature.data;
    message.signature_length = 64;
    vb_error err = {0};
    assert_int_equal(vb_cose_sign1_verify(&message, key, &err), VB_OK);
    message.payload_length--; /* "This is the content" */
    assert_int_equal(vb_cose_sign1_verify(&message, key, &err), VB_ERR_BAD_SIGNATURE);

    test_buffer whole = {0};
    tb_hex(&whole, "d2 84 43 a1 01 26 a1 04 42 31 31 54");
    tb_raw(&whole, payload, strlen(payload));
    tb_hex(&whole, "58 40");
    tb_raw(&whole, signature.data, 64);
    assert_int_equal(whole.length, 98); /* "Size of binary file is 98 bytes" */
    assert_int_equal(test_decode_exact(whole.data, whole.length, &err), VB_ERR_COSE_KID_MISSING);
    EVP_PKEY_free(key);
}

/* ---------------------------------------------------------------- tampering and key mismatch */

/* Flips every bit of a signed message in turn: each variant is refused, by the decoder (a CBOR or
 * COSE code) or by the signature check (bad-signature). */
static void flip_every_bit(EVP_PKEY *key, size_t *decode_refusals, size_t *signature_refusals)
{
    uint8_t out[512], copy[512];
    size_t length;
    test_sign(key, test_payload, sizeof test_payload, out, sizeof out, &length);
    *decode_refusals = *signature_refusals = 0;
    for (size_t i = 0; i < length; i++) {
        for (int bit = 0; bit < 8; bit++) {
            vb_cose_sign1 message;
            vb_error err = {0};
            memcpy(copy, out, length);
            copy[i] ^= (uint8_t)(1u << bit);
            vb_status s = vb_cose_sign1_decode(copy, length, &message, &err);
            if (s != VB_OK) {
                if (!(s >= 100 && s <= 210))
                    fail_msg("byte %zu bit %d: decode gave %s", i, bit, vb_status_name(s));
                ++*decode_refusals;
                continue;
            }
            s = vb_cose_sign1_verify(&message, key, &err);
            if (s != VB_ERR_BAD_SIGNATURE)
                fail_msg("byte %zu bit %d: decoded, then verify gave %s, expected bad-signature", i, bit,
                         vb_status_name(s));
            ++*signature_refusals;
        }
    }
}

static void test_es256_every_bit_flip_is_refused(void **state)
{
    (void)state;
    size_t decode_refusals, signature_refusals;
    flip_every_bit(test_ec_key, &decode_refusals, &signature_refusals);
    /* Flips in the kid (8 bytes), the payload's content (15) and the signature (64) keep the
     * structure, so the signature check must be what refuses them. */
    assert_true(signature_refusals >= (8 + 15 + 64) * 8);
    assert_true(decode_refusals > 0);
}

static void test_ps256_every_bit_flip_is_refused(void **state)
{
    (void)state;
    size_t decode_refusals, signature_refusals;
    flip_every_bit(test_rsa_key, &decode_refusals, &signature_refusals);
    assert_true(signature_refusals >= (8 + 15 + 256) * 8);
    assert_true(decode_refusals > 0);
}

static void test_specific_tampering(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t length;
    vb_cose_sign1 message;
    test_sign(test_ec_key, test_payload, sizeof test_payload, out, sizeof out, &length);

    /* A payload byte: "CDCNHN" → "CDCNHM" keeps a valid message that no longer verifies. */
    out[length - 66 - 7] ^= 0x03;
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_ERR_BAD_SIGNATURE);
    out[length - 66 - 7] ^= 0x03;

    /* A kid byte inside the protected header: covered by the signature. */
    out[8] ^= 0x80;
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_ERR_BAD_SIGNATURE);
    out[8] ^= 0x80;

    /* The last signature byte. */
    out[length - 1] ^= 0x01;
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_ERR_BAD_SIGNATURE);
    out[length - 1] ^= 0x01;

    /* Degenerate r‖s values: zero, all ones (above the group order). */
    memset(out + length - 64, 0, 64);
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_ERR_BAD_SIGNATURE);
    memset(out + length - 64, 0xff, 64);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, NULL), VB_ERR_BAD_SIGNATURE);

    /* The right message with another P-256 key. */
    test_sign(test_ec_key, test_payload, sizeof test_payload, out, sizeof out, &length);
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_other_key, NULL), VB_ERR_BAD_SIGNATURE);
}

static void test_algorithm_key_mismatch(void **state)
{
    (void)state;
    uint8_t es[256], ps[512];
    size_t es_length, ps_length;
    vb_cose_sign1 message;
    vb_error err = {0};

    test_sign(test_ec_key, test_payload, sizeof test_payload, es, sizeof es, &es_length);
    assert_int_equal(vb_cose_sign1_decode(es, es_length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_rsa_key, &err), VB_ERR_ALG_KEY_MISMATCH);
    assert_int_equal(err.code, VB_ERR_ALG_KEY_MISMATCH);

    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    assert_non_null(p384);
    assert_int_equal(vb_cose_sign1_verify(&message, p384, &err), VB_ERR_ALG_KEY_MISMATCH);

    test_sign(test_rsa_key, test_payload, sizeof test_payload, ps, sizeof ps, &ps_length);
    assert_int_equal(vb_cose_sign1_decode(ps, ps_length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, test_ec_key, &err), VB_ERR_ALG_KEY_MISMATCH);
    assert_int_equal(vb_cose_sign1_verify(&message, p384, &err), VB_ERR_ALG_KEY_MISMATCH);
    EVP_PKEY_free(p384);
}

/* A PS256 signature of 384 bytes (RSA-3072 size) decodes, but not for a 2048-bit key. */
static void test_ps256_signature_size_against_key(void **state)
{
    (void)state;
    test_buffer message = {0};
    uint8_t signature[384];
    memset(signature, 0x5a, sizeof signature);
    tb_hex(&message, "d2 84 4e a2 01 38 24 04 48 01 02 03 04 05 06 07 08 a0");
    tb_bstr(&message, test_payload, sizeof test_payload);
    tb_bstr(&message, signature, sizeof signature);
    vb_cose_sign1 decoded;
    assert_int_equal(vb_cose_sign1_decode(message.data, message.length, &decoded, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&decoded, test_rsa_key, NULL), VB_ERR_COSE_SIGNATURE_SIZE);
}

static void test_signer_refuses_other_keys(void **state)
{
    (void)state;
    vb_cose_signer signer;
    vb_error err = {0};
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    EVP_PKEY *rsa1024 = EVP_RSA_gen(1024);
    EVP_PKEY *ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    assert_non_null(p384);
    assert_non_null(rsa1024);
    assert_non_null(ed25519);
    assert_int_equal(vb_cose_signer_init(&signer, p384, test_kid, &err), VB_ERR_KEY);
    assert_int_equal(vb_cose_signer_init(&signer, rsa1024, test_kid, &err), VB_ERR_KEY);
    assert_int_equal(vb_cose_signer_init(&signer, ed25519, test_kid, &err), VB_ERR_KEY);
    assert_int_equal(err.code, VB_ERR_KEY);
    EVP_PKEY_free(p384);
    EVP_PKEY_free(rsa1024);
    EVP_PKEY_free(ed25519);

    /* The signer holds its own reference: the caller may free the key first. */
    EVP_PKEY *key = EVP_EC_gen("P-256");
    uint8_t out[256];
    size_t length;
    vb_cose_sign1 message;
    assert_int_equal(vb_cose_signer_init(&signer, key, test_kid, &err), VB_OK);
    assert_int_equal(signer.alg, VB_COSE_ALG_ES256);
    assert_int_equal(signer.signature_length, 64);
    EVP_PKEY_up_ref(key);
    EVP_PKEY *kept = key;
    EVP_PKEY_free(key);
    assert_int_equal(vb_cose_sign1_sign(&signer, test_payload, sizeof test_payload, out, sizeof out, &length, &err),
                     VB_OK);
    vb_cose_signer_free(&signer);
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify(&message, kept, NULL), VB_OK);
    EVP_PKEY_free(kept);
}

/* A verifier prepared once serves many messages; its key decides the algorithm it accepts. */
static void test_prepared_verifier(void **state)
{
    (void)state;
    vb_cose_verifier es, ps, other;
    vb_cose_sign1 message;
    uint8_t out[512];
    size_t length;
    EVP_PKEY *p384 = EVP_EC_gen("P-384");
    assert_non_null(p384);

    assert_int_equal(vb_cose_verifier_init(&es, test_ec_key, NULL), VB_OK);
    assert_int_equal(es.key_alg, VB_COSE_ALG_ES256);
    assert_int_equal(es.signature_length, 64);
    assert_int_equal(vb_cose_verifier_init(&ps, test_rsa_key, NULL), VB_OK);
    assert_int_equal(ps.key_alg, VB_COSE_ALG_PS256);
    assert_int_equal(ps.signature_length, 256);
    assert_int_equal(vb_cose_verifier_init(&other, p384, NULL), VB_OK);
    EVP_PKEY_free(p384); /* the verifier holds its own reference */

    for (int i = 0; i < 20; i++) {
        uint8_t payload[2] = {0x18, (uint8_t)(24 + i)};
        test_sign(test_ec_key, payload, sizeof payload, out, sizeof out, &length);
        assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
        assert_int_equal(vb_cose_sign1_verify_with(&message, &es, NULL), VB_OK);
        assert_int_equal(vb_cose_sign1_verify_with(&message, &ps, NULL), VB_ERR_ALG_KEY_MISMATCH);
        assert_int_equal(vb_cose_sign1_verify_with(&message, &other, NULL), VB_ERR_ALG_KEY_MISMATCH);
        out[length - 1] ^= 1;
        assert_int_equal(vb_cose_sign1_verify_with(&message, &es, NULL), VB_ERR_BAD_SIGNATURE);
    }
    test_sign(test_rsa_key, test_payload, sizeof test_payload, out, sizeof out, &length);
    assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify_with(&message, &ps, NULL), VB_OK);
    assert_int_equal(vb_cose_sign1_verify_with(&message, &es, NULL), VB_ERR_ALG_KEY_MISMATCH);
    vb_cose_verifier_free(&es);
    vb_cose_verifier_free(&ps);
    vb_cose_verifier_free(&other);
}

/* Verifies `count` fresh messages signed by key with verifier, each valid and, altered in its
 * last byte, refused. */
static void verify_fresh_messages(vb_cose_verifier *verifier, EVP_PKEY *key, int count)
{
    vb_cose_sign1 message;
    uint8_t out[512];
    size_t length;
    for (int i = 0; i < count; i++) {
        uint8_t payload[3] = {0x19, (uint8_t)i, (uint8_t)(i >> 8)};
        test_sign(key, payload, sizeof payload, out, sizeof out, &length);
        assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
        assert_int_equal(vb_cose_sign1_verify_with(&message, verifier, NULL), VB_OK);
        out[length - 1] ^= 1;
        assert_int_equal(vb_cose_sign1_verify_with(&message, verifier, NULL), VB_ERR_BAD_SIGNATURE);
    }
}

/* A P-256 verifier gets its key table at VB_COSE_KEY_TABLE_AFTER verifications, when the process
 * has room for one, and gives the room back when freed; the answers never change. */
static void test_verifier_key_table(void **state)
{
    (void)state;
    vb_cose_verifier first, second, rsa;
    EVP_PKEY *other_key = EVP_EC_gen("P-256");
    assert_non_null(other_key);
    vb_cose_set_key_tables(1);
    assert_int_equal(vb_cose_verifier_init(&first, test_ec_key, NULL), VB_OK);
    assert_int_equal(vb_cose_verifier_init(&second, other_key, NULL), VB_OK);
    assert_int_equal(vb_cose_verifier_init(&rsa, test_rsa_key, NULL), VB_OK);

    verify_fresh_messages(&first, test_ec_key, VB_COSE_KEY_TABLE_AFTER / 2 - 1); /* two verifications each */
    assert_false(vb_cose_verifier_has_table(&first));
    verify_fresh_messages(&first, test_ec_key, 1);
    assert_true(vb_cose_verifier_has_table(&first));
    assert_int_equal(vb_cose_key_tables_in_use(), 1);
    verify_fresh_messages(&first, test_ec_key, 20);

    /* No room for a second table: the other key keeps verifying through EVP. */
    verify_fresh_messages(&second, other_key, VB_COSE_KEY_TABLE_AFTER);
    assert_false(vb_cose_verifier_has_table(&second));
    /* Room given back: the other key gets it at its next threshold. */
    vb_cose_verifier_free(&first);
    assert_int_equal(vb_cose_key_tables_in_use(), 0);
    verify_fresh_messages(&second, other_key, VB_COSE_KEY_TABLE_AFTER / 2);
    assert_true(vb_cose_verifier_has_table(&second));
    verify_fresh_messages(&second, other_key, 5);

    /* RSA keys never get one. */
    for (int i = 0; i < VB_COSE_KEY_TABLE_AFTER + 1; i++) {
        vb_cose_sign1 message;
        uint8_t out[512];
        size_t length;
        test_sign(test_rsa_key, test_payload, sizeof test_payload, out, sizeof out, &length);
        assert_int_equal(vb_cose_sign1_decode(out, length, &message, NULL), VB_OK);
        assert_int_equal(vb_cose_sign1_verify_with(&message, &rsa, NULL), VB_OK);
    }
    assert_false(vb_cose_verifier_has_table(&rsa));

    vb_cose_verifier_free(&second);
    vb_cose_verifier_free(&rsa);
    assert_int_equal(vb_cose_key_tables_in_use(), 0);
    vb_cose_set_key_tables(VB_COSE_KEY_TABLES_DEFAULT);
    EVP_PKEY_free(other_key);
}

/* Several threads cross the threshold on one verifier at once: one table is made, and every
 * answer is right before, during and after. */
enum { RACE_THREADS = 4, RACE_MESSAGES = 24 };

typedef struct {
    const vb_cose_verifier *verifier;
    uint8_t messages[RACE_MESSAGES][128];
    size_t lengths[RACE_MESSAGES];
    int wrong;
} race_work;

static void *race_verify(void *argument)
{
    race_work *work = argument;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < RACE_MESSAGES; i++) {
            vb_cose_sign1 message;
            bool altered = i % 3 == 2;
            if (vb_cose_sign1_decode(work->messages[i], work->lengths[i], &message, NULL) != VB_OK)
                work->wrong++;
            else if (vb_cose_sign1_verify_with(&message, work->verifier, NULL) !=
                     (altered ? VB_ERR_BAD_SIGNATURE : VB_OK))
                work->wrong++;
        }
    return NULL;
}

static void test_verifier_key_table_race(void **state)
{
    (void)state;
    static race_work work[RACE_THREADS];
    pthread_t threads[RACE_THREADS];
    vb_cose_verifier verifier;
    vb_cose_set_key_tables(VB_COSE_KEY_TABLES_DEFAULT);
    assert_int_equal(vb_cose_verifier_init(&verifier, test_ec_key, NULL), VB_OK);
    for (int t = 0; t < RACE_THREADS; t++) {
        work[t].verifier = &verifier;
        work[t].wrong = 0;
        for (int i = 0; i < RACE_MESSAGES; i++) {
            uint8_t payload[3] = {0x19, (uint8_t)t, (uint8_t)i};
            test_sign(test_ec_key, payload, sizeof payload, work[t].messages[i], sizeof work[t].messages[i],
                      &work[t].lengths[i]);
            if (i % 3 == 2)
                work[t].messages[i][work[t].lengths[i] - 1] ^= 0x40;
        }
    }
    for (int t = 0; t < RACE_THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, race_verify, &work[t]), 0);
    for (int t = 0; t < RACE_THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);
    for (int t = 0; t < RACE_THREADS; t++)
        assert_int_equal(work[t].wrong, 0);
    assert_true(vb_cose_verifier_has_table(&verifier)); /* 192 verifications, past 64 */
    assert_int_equal(vb_cose_key_tables_in_use(), 1);
    vb_cose_verifier_free(&verifier);
    assert_int_equal(vb_cose_key_tables_in_use(), 0);
}

/* ---------------------------------------------------------------- decode errors */

#define KID_HEX "48 01 02 03 04 05 06 07 08"
#define ES256_PROTECTED "a2 01 26 04 " KID_HEX
#define PAYLOAD_HEX "43 a1 01 02" /* h'a10102' */

typedef struct {
    const char *why;
    const char *prefix;         /* tag and array head */
    const char *protected_map;  /* wrapped in a byte string; NULL: protected_raw is used as is */
    const char *protected_raw;
    const char *unprotected;
    const char *payload;
    int signature_length;       /* -1: no signature item */
    const char *suffix;
    vb_status want;
} decode_case;

static void build_case(const decode_case *c, test_buffer *b)
{
    b->length = 0;
    tb_hex(b, c->prefix);
    if (c->protected_map) {
        test_buffer inner = {0};
        tb_hex(&inner, c->protected_map);
        tb_bstr(b, inner.data, inner.length);
    } else if (c->protected_raw) {
        tb_hex(b, c->protected_raw);
    }
    if (c->unprotected)
        tb_hex(b, c->unprotected);
    if (c->payload)
        tb_hex(b, c->payload);
    if (c->signature_length >= 0) {
        uint8_t signature[600];
        memset(signature, 0x11, sizeof signature);
        tb_bstr(b, signature, (size_t)c->signature_length);
    }
    if (c->suffix)
        tb_hex(b, c->suffix);
}

static void test_decode_error_codes(void **state)
{
    (void)state;
    static const decode_case cases[] = {
        {"well-formed ES256 control", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_OK},
        {"well-formed PS256 control", "d2 84", "a2 01 38 24 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 256, NULL, VB_OK},
        {"tag 17 (COSE_Mac0)", "d1 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_TAG},
        {"tag 98 (COSE_Sign)", "d8 62 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_TAG},
        {"untagged array", "84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_TAG},
        {"a map instead", "a0", NULL, NULL, NULL, NULL, -1, NULL, VB_ERR_COSE_TAG},
        {"tag 18 over a map", "d2 a0", NULL, NULL, NULL, NULL, -1, NULL, VB_ERR_COSE_STRUCTURE},
        {"tag 18 over a byte string", "d2 40", NULL, NULL, NULL, NULL, -1, NULL, VB_ERR_COSE_STRUCTURE},
        {"array of 3", "d2 83", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, -1, NULL, VB_ERR_COSE_STRUCTURE},
        {"array of 5", "d2 85", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, "40", VB_ERR_COSE_STRUCTURE},
        {"protected header as a bare map", "d2 84", NULL, ES256_PROTECTED, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_PROTECTED},
        {"protected header as text", "d2 84", NULL, "61 61", "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_PROTECTED},
        {"protected header empty (h'')", "d2 84", NULL, "40", "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_PROTECTED},
        {"protected header holds an array", "d2 84", "82 01 26", NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_PROTECTED},
        {"protected header holds an integer", "d2 84", "26", NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_PROTECTED},
        {"protected header label as text", "d2 84", "a2 01 26 63 6b 69 64 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64,
         NULL, VB_ERR_COSE_PROTECTED},
        {"protected map with trailing byte", "d2 84", ES256_PROTECTED " 00", NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_CBOR_TRAILING},
        {"protected map truncated", "d2 84", "a2 01 26", NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_CBOR_TRUNCATED},
        {"protected keys out of order", "d2 84", "a2 04 " KID_HEX " 01 26", NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_CBOR_KEY_ORDER},
        {"protected alg twice", "d2 84", "a3 01 26 01 26 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_CBOR_DUPLICATE_KEY},
        {"alg missing", "d2 84", "a1 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_ALG_MISSING},
        {"empty protected map", "d2 84", "a0", NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_ALG_MISSING},
        {"alg -8 (EdDSA)", "d2 84", "a2 01 27 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_ALG_UNSUPPORTED},
        {"alg -35 (ES384)", "d2 84", "a2 01 38 22 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 96, NULL,
         VB_ERR_COSE_ALG_UNSUPPORTED},
        {"alg -257 (RS256)", "d2 84", "a2 01 39 01 00 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 256, NULL,
         VB_ERR_COSE_ALG_UNSUPPORTED},
        {"alg 7 (positive)", "d2 84", "a2 01 07 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_ALG_UNSUPPORTED},
        {"alg as text \"ES256\"", "d2 84", "a2 01 65 45 53 32 35 36 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_ALG_UNSUPPORTED},
        {"kid missing", "d2 84", "a1 01 26", NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_KID_MISSING},
        {"kid of 7 bytes", "d2 84", "a2 01 26 04 47 01 02 03 04 05 06 07", NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_KID_SIZE},
        {"kid of 9 bytes", "d2 84", "a2 01 26 04 49 01 02 03 04 05 06 07 08 09", NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_KID_SIZE},
        {"kid empty", "d2 84", "a2 01 26 04 40", NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_KID_SIZE},
        {"kid as text", "d2 84", "a2 01 26 04 68 30 31 32 33 34 35 36 37", NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_KID_SIZE},
        {"extra protected label 3 (content type), ignored as FORMAT.md §3 says", "d2 84",
         "a3 01 26 03 00 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_OK},
        {"crit present", "d2 84", "a3 01 26 02 81 04 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_CRITICAL},
        {"crit naming an extension label", "d2 84", "a4 01 26 02 81 18 64 04 " KID_HEX " 18 64 00", NULL, "a0",
         PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_CRITICAL},
        {"unprotected kid", "d2 84", ES256_PROTECTED, NULL, "a1 04 " KID_HEX, PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_UNPROTECTED},
        {"unprotected alg", "d2 84", ES256_PROTECTED, NULL, "a1 01 26", PAYLOAD_HEX, 64, NULL, VB_ERR_COSE_UNPROTECTED},
        {"unprotected as an array", "d2 84", ES256_PROTECTED, NULL, "80", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_UNPROTECTED},
        {"unprotected as a byte string", "d2 84", ES256_PROTECTED, NULL, "40", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_UNPROTECTED},
        {"detached payload (nil)", "d2 84", ES256_PROTECTED, NULL, "a0", "f6", 64, NULL, VB_ERR_COSE_PAYLOAD},
        {"payload as text", "d2 84", ES256_PROTECTED, NULL, "a0", "61 61", 64, NULL, VB_ERR_COSE_PAYLOAD},
        {"payload as a bare map", "d2 84", ES256_PROTECTED, NULL, "a0", "a0", 64, NULL, VB_ERR_COSE_PAYLOAD},
        {"payload as an integer", "d2 84", ES256_PROTECTED, NULL, "a0", "00", 64, NULL, VB_ERR_COSE_PAYLOAD},
        {"ES256 signature of 63 bytes", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 63, NULL,
         VB_ERR_COSE_SIGNATURE_SIZE},
        {"ES256 signature of 65 bytes", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 65, NULL,
         VB_ERR_COSE_SIGNATURE_SIZE},
        {"ES256 signature empty", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 0, NULL,
         VB_ERR_COSE_SIGNATURE_SIZE},
        {"ES256 signature as DER-sized 72 bytes", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 72, NULL,
         VB_ERR_COSE_SIGNATURE_SIZE},
        {"PS256 signature of 255 bytes", "d2 84", "a2 01 38 24 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 255, NULL,
         VB_ERR_COSE_SIGNATURE_SIZE},
        {"PS256 signature of 64 bytes", "d2 84", "a2 01 38 24 04 " KID_HEX, NULL, "a0", PAYLOAD_HEX, 64, NULL,
         VB_ERR_COSE_SIGNATURE_SIZE},
        {"signature as text", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, -1, "61 61", VB_ERR_COSE_STRUCTURE},
        {"signature nil", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, -1, "f6", VB_ERR_COSE_STRUCTURE},
        {"trailing byte after the structure", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, "00",
         VB_ERR_CBOR_TRAILING},
        {"a second COSE_Sign1 after the first", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, "d2",
         VB_ERR_CBOR_TRAILING},
        {"signature length beyond the input", "d2 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, -1, "58 40 00",
         VB_ERR_CBOR_TRUNCATED},
        {"non-shortest tag", "d8 12 84", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, NULL, VB_ERR_CBOR_NONCANONICAL},
        {"indefinite array", "d2 9f", ES256_PROTECTED, NULL, "a0", PAYLOAD_HEX, 64, "ff", VB_ERR_CBOR_INDEFINITE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_buffer b;
        vb_error err;
        memset(&err, 0, sizeof err);
        build_case(&cases[i], &b);
        vb_status s = test_decode_exact(b.data, b.length, &err);
        if (s != cases[i].want)
            fail_msg("%s: expected %s, got %s (%s)", cases[i].why, vb_status_name(cases[i].want), vb_status_name(s),
                     err.message);
        if (s != VB_OK)
            assert_true(err.code == s && err.message[0]);
    }
}

/* Every strict prefix of a signed message is truncation, read from an exact-size buffer. */
static void test_every_prefix_is_truncated(void **state)
{
    (void)state;
    uint8_t out[256];
    size_t length;
    test_sign(test_ec_key, test_payload, sizeof test_payload, out, sizeof out, &length);
    for (size_t cut = 0; cut < length; cut++) {
        vb_status s = test_decode_exact(out, cut, NULL);
        if (s != VB_ERR_CBOR_TRUNCATED)
            fail_msg("prefix of %zu of %zu bytes: got %s", cut, length, vb_status_name(s));
    }
    assert_int_equal(test_decode_exact(out, length, NULL), VB_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_es256_envelope_bytes_and_round_trip),
        cmocka_unit_test(test_ps256_envelope_bytes_and_round_trip),
        cmocka_unit_test(test_empty_and_large_payloads),
        cmocka_unit_test(test_sign_into_small_buffer),
        cmocka_unit_test(test_es256_signature_checks_out_with_plain_openssl),
        cmocka_unit_test(test_ps256_signature_checks_out_with_plain_openssl),
        cmocka_unit_test(test_library_verifies_messages_made_by_hand),
        cmocka_unit_test(test_rfc9052_c21_example),
        cmocka_unit_test(test_es256_every_bit_flip_is_refused),
        cmocka_unit_test(test_verifier_key_table),
        cmocka_unit_test(test_verifier_key_table_race),
        cmocka_unit_test(test_ps256_every_bit_flip_is_refused),
        cmocka_unit_test(test_specific_tampering),
        cmocka_unit_test(test_algorithm_key_mismatch),
        cmocka_unit_test(test_ps256_signature_size_against_key),
        cmocka_unit_test(test_signer_refuses_other_keys),
        cmocka_unit_test(test_prepared_verifier),
        cmocka_unit_test(test_decode_error_codes),
        cmocka_unit_test(test_every_prefix_is_truncated),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
