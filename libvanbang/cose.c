/*
 * cose.c — COSE_Sign1 decoding, signing and verification with ES256 and PS256 (see cose.h).
 *
 * ES256 signatures travel as raw r‖s (64 bytes, RFC 9053 §2.1); OpenSSL speaks DER, so both
 * directions convert. PS256 uses RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt
 * (RFC 8230 §2).
 */
#include "cose.h"
#include "cbor.h"
#include "es256.h"
#include "es256sign.h"

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Fetching the digest once saves the implicit provider look-up on every record. */
static void fetch_sha256(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md ? sha256_md : EVP_sha256();
}

void vb_cose_sig_structure_hash(const uint8_t *protected_header, size_t protected_length,
                                const uint8_t *payload, size_t payload_length, uint8_t digest[32])
{
    static const uint8_t context[] = {0x84, 0x6a, 'S', 'i', 'g', 'n', 'a', 't', 'u', 'r', 'e', '1'};
    static const uint8_t empty_aad = 0x40;
    uint8_t head[9];
    vb_cbor_writer w;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned int digest_length = 32;

    EVP_DigestInit_ex(md, sha256(), NULL);
    EVP_DigestUpdate(md, context, sizeof context);
    vb_cbor_writer_init(&w, head, sizeof head);
    vb_cbor_put_head(&w, VB_CBOR_BYTES, protected_length);
    EVP_DigestUpdate(md, head, w.length);
    EVP_DigestUpdate(md, protected_header, protected_length);
    EVP_DigestUpdate(md, &empty_aad, 1);
    vb_cbor_writer_init(&w, head, sizeof head);
    vb_cbor_put_head(&w, VB_CBOR_BYTES, payload_length);
    EVP_DigestUpdate(md, head, w.length);
    EVP_DigestUpdate(md, payload, payload_length);
    EVP_DigestFinal_ex(md, digest, &digest_length);
    EVP_MD_CTX_free(md);
}

/* ---------------------------------------------------------------- decoding */

static vb_status decode_protected(const uint8_t *data, size_t length, vb_cose_sign1 *out, vb_error *err)
{
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    size_t count;
    bool have_alg = false, have_kid = false;
    vb_status s;

    vb_cbor_reader_init(&r, data, length);
    if (length == 0)
        return vb_fail(err, VB_ERR_COSE_PROTECTED, "COSE: protected header is empty; alg and kid must be protected");
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_PROTECTED, "COSE: protected header is not a map") : s;

    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r.pos;
        int64_t label;
        if ((s = vb_cbor_read_int(&r, &label, err)) != VB_OK)
            return s == VB_ERR_CBOR_TYPE
                       ? vb_fail(err, VB_ERR_COSE_PROTECTED, "COSE: protected header label is not an integer")
                       : s;
        if ((s = vb_cbor_check_key_order(&order, key_start, (size_t)(r.pos - key_start), err)) != VB_OK)
            return s;
        if (label == VB_COSE_HEADER_ALG) {
            int64_t alg;
            if ((s = vb_cbor_read_int(&r, &alg, err)) != VB_OK)
                return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_ALG_UNSUPPORTED, "COSE: alg is not an integer")
                                             : s;
            if (alg != VB_COSE_ALG_ES256 && alg != VB_COSE_ALG_PS256)
                return vb_fail(err, VB_ERR_COSE_ALG_UNSUPPORTED,
                               "COSE: algorithm %lld is not accepted (ES256 = -7 or PS256 = -37)", (long long)alg);
            out->alg = (int)alg;
            have_alg = true;
        } else if (label == VB_COSE_HEADER_KID) {
            const uint8_t *kid;
            size_t kid_length;
            if ((s = vb_cbor_read_bytes(&r, &kid, &kid_length, err)) != VB_OK)
                return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_KID_SIZE, "COSE: kid is not a byte string") : s;
            if (kid_length != VB_KID_BYTES)
                return vb_fail(err, VB_ERR_COSE_KID_SIZE, "COSE: kid is %zu bytes, must be %d", kid_length,
                               VB_KID_BYTES);
            memcpy(out->kid, kid, VB_KID_BYTES);
            have_kid = true;
        } else if (label == VB_COSE_HEADER_CRIT) {
            /* crit may only name extension headers, and this format has none we understand. */
            return vb_fail(err, VB_ERR_COSE_CRITICAL, "COSE: protected header marks headers critical that are not understood");
        } else {
            if ((s = vb_cbor_skip(&r, VB_UNKNOWN_VALUE_DEPTH, err)) != VB_OK)
                return s;
        }
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "COSE: %zu bytes after the protected header map",
                       vb_cbor_remaining(&r));
    if (!have_alg)
        return vb_fail(err, VB_ERR_COSE_ALG_MISSING, "COSE: protected header has no alg");
    if (!have_kid)
        return vb_fail(err, VB_ERR_COSE_KID_MISSING, "COSE: protected header has no kid");
    return VB_OK;
}

vb_status vb_cose_sign1_decode(const uint8_t *data, size_t length, vb_cose_sign1 *out, vb_error *err)
{
    vb_cbor_reader r;
    vb_cbor_item item;
    size_t count;
    vb_status s;

    memset(out, 0, sizeof *out);
    vb_cbor_reader_init(&r, data, length);

    if ((s = vb_cbor_read_item_head(&r, &item, err)) != VB_OK)
        return s;
    if (item.major != VB_CBOR_TAG || item.value != VB_COSE_SIGN1_TAG)
        return vb_fail(err, VB_ERR_COSE_TAG, "COSE: record does not start with tag 18 (COSE_Sign1)");

    if ((s = vb_cbor_read_array(&r, &count, err)) != VB_OK)
        return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_STRUCTURE, "COSE: tag 18 does not hold an array") : s;
    if (count != 4)
        return vb_fail(err, VB_ERR_COSE_STRUCTURE, "COSE: COSE_Sign1 array has %zu items, must have 4", count);

    if ((s = vb_cbor_read_bytes(&r, &out->protected_header, &out->protected_length, err)) != VB_OK)
        return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_PROTECTED, "COSE: protected header is not a byte string")
                                     : s;
    if ((s = decode_protected(out->protected_header, out->protected_length, out, err)) != VB_OK)
        return s;

    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_UNPROTECTED, "COSE: unprotected header is not a map")
                                     : s;
    if (count != 0)
        return vb_fail(err, VB_ERR_COSE_UNPROTECTED, "COSE: unprotected header must be empty (has %zu entries)", count);

    if ((s = vb_cbor_read_item_head(&r, &item, err)) != VB_OK)
        return s;
    if (item.major != VB_CBOR_BYTES)
        return vb_fail(err, VB_ERR_COSE_PAYLOAD, "COSE: payload is %s, must be an attached byte string",
                       item.major == VB_CBOR_SIMPLE && item.value == VB_CBOR_NULL ? "detached (nil)" : "not a byte string");
    out->payload = item.bytes;
    out->payload_length = (size_t)item.value;

    if ((s = vb_cbor_read_bytes(&r, &out->signature, &out->signature_length, err)) != VB_OK)
        return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_COSE_STRUCTURE, "COSE: signature is not a byte string") : s;
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "COSE: %zu bytes after the COSE_Sign1", vb_cbor_remaining(&r));

    if (out->alg == VB_COSE_ALG_ES256 && out->signature_length != VB_ES256_SIGNATURE_BYTES)
        return vb_fail(err, VB_ERR_COSE_SIGNATURE_SIZE, "COSE: ES256 signature is %zu bytes, must be 64",
                       out->signature_length);
    if (out->alg == VB_COSE_ALG_PS256 && out->signature_length != 256 && out->signature_length != 384 &&
        out->signature_length != 512)
        return vb_fail(err, VB_ERR_COSE_SIGNATURE_SIZE,
                       "COSE: PS256 signature is %zu bytes, must be 256, 384 or 512", out->signature_length);
    return VB_OK;
}

/* ---------------------------------------------------------------- keys */

static bool key_is_p256(EVP_PKEY *key)
{
    char group[64];
    size_t group_length = 0;
    return EVP_PKEY_is_a(key, "EC") &&
           EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &group_length) &&
           (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0);
}

static bool key_is_rsa(EVP_PKEY *key) { return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) >= 2048; }

static int configure_context(EVP_PKEY_CTX *context, int alg)
{
    if (EVP_PKEY_CTX_set_signature_md(context, sha256()) <= 0)
        return 0;
    if (alg == VB_COSE_ALG_PS256)
        return EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) > 0 &&
               EVP_PKEY_CTX_set_rsa_mgf1_md(context, sha256()) > 0 &&
               EVP_PKEY_CTX_set_rsa_pss_saltlen(context, 32) > 0;
    return 1;
}

vb_status vb_cose_signer_init(vb_cose_signer *signer, EVP_PKEY *key, const uint8_t kid[VB_KID_BYTES],
                              vb_error *err)
{
    vb_cbor_writer w;

    memset(signer, 0, sizeof *signer);
    if (key_is_p256(key)) {
        signer->alg = VB_COSE_ALG_ES256;
        signer->signature_length = VB_ES256_SIGNATURE_BYTES;
    } else if (key_is_rsa(key)) {
        signer->alg = VB_COSE_ALG_PS256;
        signer->signature_length = (size_t)EVP_PKEY_get_size(key);
    } else {
        return vb_fail(err, VB_ERR_KEY, "signing key is neither ECDSA P-256 nor RSA of 2048 bits or more");
    }
    memcpy(signer->kid, kid, VB_KID_BYTES);

    /* Protected header {1: alg, 4: kid}, keys in canonical order. */
    vb_cbor_writer_init(&w, signer->protected_header, sizeof signer->protected_header);
    vb_cbor_put_map(&w, 2);
    vb_cbor_put_int(&w, VB_COSE_HEADER_ALG);
    vb_cbor_put_int(&w, signer->alg);
    vb_cbor_put_int(&w, VB_COSE_HEADER_KID);
    vb_cbor_put_bytes(&w, kid, VB_KID_BYTES);
    signer->protected_length = w.length;

    signer->context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (!signer->context || EVP_PKEY_sign_init(signer->context) <= 0 ||
        !configure_context(signer->context, signer->alg)) {
        EVP_PKEY_CTX_free(signer->context);
        signer->context = NULL;
        ERR_clear_error();
        return vb_fail(err, VB_ERR_CRYPTO, "OpenSSL could not prepare the signing key");
    }
    EVP_PKEY_up_ref(key);
    signer->key = key;
    return VB_OK;
}

void vb_cose_signer_free(vb_cose_signer *signer)
{
    vb_es256_signer_free(signer->batch);
    EVP_PKEY_CTX_free(signer->context);
    EVP_PKEY_free(signer->key);
    memset(signer, 0, sizeof *signer);
}

/* DER ECDSA-Sig-Value → raw r‖s, each left-padded to 32 bytes. */
static bool ecdsa_der_to_raw(const uint8_t *der, size_t der_length, uint8_t raw[64])
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_length);
    if (!sig)
        return false;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    bool ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

static size_t ecdsa_raw_to_der(const uint8_t raw[64], uint8_t *der, size_t der_size)
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    size_t length = 0;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
        r = s = NULL; /* owned by sig now */
        int n = i2d_ECDSA_SIG(sig, NULL);
        if (n > 0 && (size_t)n <= der_size) {
            unsigned char *p = der;
            length = (size_t)i2d_ECDSA_SIG(sig, &p);
        }
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return length;
}

/* ---------------------------------------------------------------- signing */

vb_status vb_cose_sign1_sign(vb_cose_signer *signer, const uint8_t *payload, size_t payload_length,
                             uint8_t *out, size_t out_size, size_t *out_length, vb_error *err)
{
    uint8_t digest[32];
    uint8_t raw[512];
    vb_cbor_writer w;

    vb_cose_sig_structure_hash(signer->protected_header, signer->protected_length, payload, payload_length, digest);

    if (signer->alg == VB_COSE_ALG_ES256) {
        uint8_t der[80];
        size_t der_length = sizeof der;
        if (!signer->batch && signer->signatures == VB_COSE_SIGN_BATCH_AFTER)
            signer->batch = vb_es256_signer_new(signer->key); /* NULL: EVP from here on */
        bool done = signer->batch && vb_es256_sign(signer->batch, digest, raw) == 1;
        if (!done) {
            signer->signatures++;
            done = EVP_PKEY_sign(signer->context, der, &der_length, digest, sizeof digest) > 0 &&
                   ecdsa_der_to_raw(der, der_length, raw);
        }
        if (!done) {
            ERR_clear_error();
            return vb_fail(err, VB_ERR_CRYPTO, "ECDSA signing failed");
        }
    } else {
        size_t raw_length = sizeof raw;
        if (signer->signature_length > sizeof raw ||
            EVP_PKEY_sign(signer->context, raw, &raw_length, digest, sizeof digest) <= 0 ||
            raw_length != signer->signature_length) {
            ERR_clear_error();
            return vb_fail(err, VB_ERR_CRYPTO, "RSA-PSS signing failed");
        }
    }

    vb_cbor_writer_init(&w, out, out_size);
    vb_cbor_put_tag(&w, VB_COSE_SIGN1_TAG);
    vb_cbor_put_array(&w, 4);
    vb_cbor_put_bytes(&w, signer->protected_header, signer->protected_length);
    vb_cbor_put_map(&w, 0);
    vb_cbor_put_bytes(&w, payload, payload_length);
    vb_cbor_put_bytes(&w, raw, signer->signature_length);
    if (w.overflow)
        return vb_fail(err, VB_ERR_TOO_LARGE, "signed record does not fit in %zu bytes", out_size);
    *out_length = w.length;
    return VB_OK;
}

/* ---------------------------------------------------------------- verification */

struct vb_cose_key_table {
    atomic_uint uses;               /* verifications before the table */
    _Atomic(vb_es256_table *) made; /* NULL until made */
};

/* Room left for tables in the process; a freed table gives its room back. */
static atomic_int key_tables_left = VB_COSE_KEY_TABLES_DEFAULT;
static atomic_uint key_tables_made;

void vb_cose_set_key_tables(unsigned count)
{
    int limit = count > 100000 ? 100000 : (int)count;
    atomic_store(&key_tables_left, limit - (int)atomic_load(&key_tables_made)); /* tables made count */
}
unsigned vb_cose_key_tables_in_use(void) { return atomic_load(&key_tables_made); }

bool vb_cose_verifier_has_table(const vb_cose_verifier *verifier)
{
    return verifier->table && atomic_load_explicit(&verifier->table->made, memory_order_acquire) != NULL;
}

/* The key's table, made here by the one verification that reaches the threshold; NULL before
 * (and meanwhile, for the other threads: they verify through EVP). Without room, the count starts
 * over, so a key gets its table once another key's verifier is freed (a trust list reload). */
static const vb_es256_table *key_table(const vb_cose_verifier *verifier)
{
    vb_cose_key_table *table = verifier->table;
    if (!table)
        return NULL;
    const vb_es256_table *made = atomic_load_explicit(&table->made, memory_order_acquire);
    if (made)
        return made;
    if (atomic_fetch_add_explicit(&table->uses, 1, memory_order_relaxed) + 1 != VB_COSE_KEY_TABLE_AFTER)
        return NULL;
    int left = atomic_load(&key_tables_left);
    while (left > 0 && !atomic_compare_exchange_weak(&key_tables_left, &left, left - 1))
        ;
    if (left <= 0) {
        atomic_store_explicit(&table->uses, 0, memory_order_relaxed);
        return NULL;
    }
    vb_es256_table *new_table = vb_es256_table_new(verifier->key);
    if (!new_table) { /* OpenSSL would not: EVP it stays, and the count goes on past the threshold */
        atomic_fetch_add(&key_tables_left, 1);
        return NULL;
    }
    atomic_fetch_add(&key_tables_made, 1);
    atomic_store_explicit(&table->made, new_table, memory_order_release);
    return new_table;
}

vb_status vb_cose_verifier_init(vb_cose_verifier *verifier, EVP_PKEY *key, vb_error *err)
{
    memset(verifier, 0, sizeof *verifier);
    if (key_is_p256(key)) {
        verifier->key_alg = VB_COSE_ALG_ES256;
        verifier->signature_length = VB_ES256_SIGNATURE_BYTES;
    } else if (key_is_rsa(key)) {
        verifier->key_alg = VB_COSE_ALG_PS256;
        verifier->signature_length = (size_t)EVP_PKEY_get_size(key);
    }
    EVP_PKEY_up_ref(key);
    verifier->key = key;
    if (!verifier->key_alg)
        return VB_OK; /* kept: messages then fail with alg-key-mismatch */
    verifier->prepared = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    if (verifier->key_alg == VB_COSE_ALG_ES256)
        verifier->table = calloc(1, sizeof *verifier->table);
    if (!verifier->prepared || EVP_PKEY_verify_init(verifier->prepared) <= 0 ||
        !configure_context(verifier->prepared, verifier->key_alg) ||
        (verifier->key_alg == VB_COSE_ALG_ES256 && !verifier->table)) {
        ERR_clear_error();
        vb_cose_verifier_free(verifier);
        return vb_fail(err, VB_ERR_CRYPTO, "OpenSSL could not prepare the verification key");
    }
    return VB_OK;
}

void vb_cose_verifier_free(vb_cose_verifier *verifier)
{
    if (verifier->table) {
        vb_es256_table *made = atomic_load(&verifier->table->made);
        if (made) {
            vb_es256_table_free(made);
            atomic_fetch_sub(&key_tables_made, 1);
            atomic_fetch_add(&key_tables_left, 1);
        }
        free(verifier->table);
    }
    EVP_PKEY_CTX_free(verifier->prepared);
    EVP_PKEY_free(verifier->key);
    memset(verifier, 0, sizeof *verifier);
}

vb_status vb_cose_sign1_verify_with(const vb_cose_sign1 *message, const vb_cose_verifier *verifier, vb_error *err)
{
    uint8_t digest[32];
    uint8_t der[80];
    const uint8_t *signature = message->signature;
    size_t signature_length = message->signature_length;

    if (message->alg != VB_COSE_ALG_ES256 && message->alg != VB_COSE_ALG_PS256)
        return vb_fail(err, VB_ERR_COSE_ALG_UNSUPPORTED, "algorithm %d is not accepted", message->alg);
    if (message->alg != verifier->key_alg)
        return vb_fail(err, VB_ERR_ALG_KEY_MISMATCH, "record says %s but the signer key is %s",
                       message->alg == VB_COSE_ALG_ES256 ? "ES256" : "PS256",
                       verifier->key_alg == VB_COSE_ALG_ES256   ? "ECDSA P-256"
                       : verifier->key_alg == VB_COSE_ALG_PS256 ? "RSA"
                                                                : "of a kind that signs neither");
    if (signature_length != verifier->signature_length)
        return vb_fail(err, VB_ERR_COSE_SIGNATURE_SIZE, "signature is %zu bytes, the key needs %zu", signature_length,
                       verifier->signature_length);
    if (message->alg == VB_COSE_ALG_ES256) {
        const vb_es256_table *table = key_table(verifier);
        if (table) {
            vb_cose_sig_structure_hash(message->protected_header, message->protected_length, message->payload,
                                       message->payload_length, digest);
            int verdict = vb_es256_verify(table, digest, message->signature);
            if (verdict == 1)
                return VB_OK;
            if (verdict == 0)
                return vb_fail(err, VB_ERR_BAD_SIGNATURE, "signature does not verify with the signer's key");
            /* -1: OpenSSL failed (memory); EVP decides */
        }
        signature_length = ecdsa_raw_to_der(message->signature, der, sizeof der);
        if (signature_length == 0)
            return vb_fail(err, VB_ERR_CRYPTO, "could not convert the ECDSA signature");
        signature = der;
    }

    vb_cose_sig_structure_hash(message->protected_header, message->protected_length, message->payload,
                               message->payload_length, digest);

    EVP_PKEY_CTX *context = EVP_PKEY_CTX_dup(verifier->prepared);
    int verdict = context ? EVP_PKEY_verify(context, signature, signature_length, digest, sizeof digest) : -1;
    EVP_PKEY_CTX_free(context);
    ERR_clear_error();
    if (verdict == 1)
        return VB_OK;
    /* OpenSSL answers 0 or -1 for a bad ECDSA value (e.g. r = 0) alike: both are a bad signature. */
    return vb_fail(err, VB_ERR_BAD_SIGNATURE, "signature does not verify with the signer's key");
}

vb_status vb_cose_sign1_verify(const vb_cose_sign1 *message, EVP_PKEY *key, vb_error *err)
{
    vb_cose_verifier verifier;
    vb_status s = vb_cose_verifier_init(&verifier, key, err);
    if (s == VB_OK)
        s = vb_cose_sign1_verify_with(message, &verifier, err);
    vb_cose_verifier_free(&verifier);
    return s;
}
