/* ES256 verification with a table made for one public key.
 *
 * An ECDSA P-256 verification computes u1·G + u2·Q. OpenSSL keeps a table of multiples of the
 * generator G, so u1·G is cheap, but it multiplies the signer's key Q from scratch every time,
 * and that is most of the cost. A verifier sees the same few school keys again and again, so it
 * can afford a table for Q as well (~150 KB, ~30 ms to build): both halves then take the
 * fixed-base path and a verification costs about a third of OpenSSL's.
 *
 * The table is an accelerator only: the answer is the same as EVP_PKEY_verify's for every input,
 * which the unit tests check on valid, altered and out-of-range signatures. */
#ifndef VB_ES256_H
#define VB_ES256_H

#include <openssl/evp.h>
#include <stdint.h>

typedef struct vb_es256_table vb_es256_table;

/* A table for a P-256 public key; NULL when the key is not P-256 or OpenSSL cannot build one
 * (callers then verify through EVP). */
vb_es256_table *vb_es256_table_new(EVP_PKEY *key);
void vb_es256_table_free(vb_es256_table *table);

/* Verifies the raw r‖s signature over a SHA-256 digest. 1 valid, 0 invalid, -1 OpenSSL failed
 * (out of memory): the caller should then ask EVP instead. Safe from many threads at once. */
int vb_es256_verify(const vb_es256_table *table, const uint8_t digest[32], const uint8_t signature[64]);

/* s⁻¹ mod n, the order of P-256, as 32 big-endian bytes (s reduced mod n first; 0 gives 0).
 * Exposed for the tests. */
void vb_es256_invert_mod_order(const uint8_t s[32], uint8_t inverse[32]);

#endif
