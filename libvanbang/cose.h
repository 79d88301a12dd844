/*
 * cose.h — COSE_Sign1 (RFC 9052 §4.2) as vanbang uses it: tagged (18), protected header holding
 * exactly the algorithm (ES256 or PS256) and an 8-byte kid, an empty unprotected header, an
 * attached payload, no external AAD. Used for records and for trust lists.
 */
#ifndef VB_COSE_H
#define VB_COSE_H

#include "vanbang.h"

#include <openssl/evp.h>
#include <stdbool.h>

/* A decoded COSE_Sign1. Pointers refer into the caller's input buffer. */
typedef struct {
    int alg;                         /* VB_COSE_ALG_ES256 or VB_COSE_ALG_PS256 */
    uint8_t kid[VB_KID_BYTES];
    const uint8_t *protected_header; /* the serialized protected map, as signed */
    size_t protected_length;
    const uint8_t *payload;
    size_t payload_length;
    const uint8_t *signature;
    size_t signature_length;
} vb_cose_sign1;

/* Strictly decodes a tagged COSE_Sign1 occupying all of [data, data+length). */
vb_status vb_cose_sign1_decode(const uint8_t *data, size_t length, vb_cose_sign1 *out, vb_error *err);

typedef struct vb_es256_signer vb_es256_signer;

/* ES256 signatures made through EVP before a signer prepares its nonces in batches
 * (es256sign.h): a command that signs a few records keeps to OpenSSL's own code. */
#define VB_COSE_SIGN_BATCH_AFTER 64

/* A signing key made ready once and reused for many messages (one per thread). */
typedef struct {
    EVP_PKEY *key;            /* borrowed reference, taken with EVP_PKEY_up_ref */
    EVP_PKEY_CTX *context;
    vb_es256_signer *batch;   /* ES256 after VB_COSE_SIGN_BATCH_AFTER signatures; NULL before */
    unsigned long signatures; /* made through EVP */
    int alg;
    uint8_t kid[VB_KID_BYTES];
    uint8_t protected_header[16];
    size_t protected_length;
    size_t signature_length;
} vb_cose_signer;

/* ES256 for P-256 keys, PS256 for RSA keys of 2048 bits or more; other keys are refused. */
vb_status vb_cose_signer_init(vb_cose_signer *signer, EVP_PKEY *key, const uint8_t kid[VB_KID_BYTES],
                              vb_error *err);
void vb_cose_signer_free(vb_cose_signer *signer);

/* Writes a tagged COSE_Sign1 over `payload` into out. */
vb_status vb_cose_sign1_sign(vb_cose_signer *signer, const uint8_t *payload, size_t payload_length,
                             uint8_t *out, size_t out_size, size_t *out_length, vb_error *err);

/* A public key made ready once for many verifications. The prepared context is copied for each
 * message (EVP_PKEY_CTX_dup is far cheaper than a new context), so one verifier may serve many
 * threads at once. A P-256 key that has verified VB_COSE_KEY_TABLE_AFTER messages gets a table of
 * its multiples (es256.h), if the process still has room for one (vb_cose_set_key_tables), and
 * verifies 2-3 times faster from then on, with the same answers. */
typedef struct vb_cose_key_table vb_cose_key_table;
typedef struct {
    EVP_PKEY *key;             /* own reference */
    EVP_PKEY_CTX *prepared;    /* verify-initialised for key_alg; NULL if the key can sign neither */
    int key_alg;               /* VB_COSE_ALG_ES256 for P-256, VB_COSE_ALG_PS256 for RSA ≥ 2048, else 0 */
    size_t signature_length;
    vb_cose_key_table *table;  /* ES256 only: the uses so far and, once made, the table */
} vb_cose_verifier;

#define VB_COSE_KEY_TABLE_AFTER 64   /* a table takes ~30 ms to make: as long as ~500 verifications save */
#define VB_COSE_KEY_TABLES_DEFAULT 16 /* ~150 KB each */

/* How many keys of the process may have a table at once (0: none). Call before verifying.
 * A verifier builds its table inside vb_cose_sign1_verify_with, so (as for any verifier) free
 * it only when no thread is verifying with it. */
void vb_cose_set_key_tables(unsigned count);
/* Tables made and not yet freed, for /metrics. */
unsigned vb_cose_key_tables_in_use(void);
bool vb_cose_verifier_has_table(const vb_cose_verifier *verifier);

vb_status vb_cose_verifier_init(vb_cose_verifier *verifier, EVP_PKEY *key, vb_error *err);
void vb_cose_verifier_free(vb_cose_verifier *verifier);
vb_status vb_cose_sign1_verify_with(const vb_cose_sign1 *message, const vb_cose_verifier *verifier, vb_error *err);

/* Checks the signature of a decoded message with a public key. VB_ERR_ALG_KEY_MISMATCH when the
 * key cannot make the message's algorithm; VB_ERR_COSE_SIGNATURE_SIZE when an RSA signature is
 * not the modulus size; VB_ERR_BAD_SIGNATURE when the math fails. */
vb_status vb_cose_sign1_verify(const vb_cose_sign1 *message, EVP_PKEY *key, vb_error *err);

/* SHA-256 of the Sig_structure ["Signature1", protected, h'', payload] (RFC 9052 §4.4). */
void vb_cose_sig_structure_hash(const uint8_t *protected_header, size_t protected_length,
                                const uint8_t *payload, size_t payload_length, uint8_t digest[32]);

#endif
