/* ES256 signing for long batches, with the per-signature inversions shared across the batch.
 *
 * An ECDSA P-256 signature is s = k⁻¹·(e + r·d) mod n, where r is the x-coordinate of k·G for a
 * fresh random nonce k. Of OpenSSL's ~30 µs per signature here, k·G takes ~9; the rest is mostly
 * two modular inversions (of k mod n, and of k·G's projective Z mod p to read x) and the glue
 * around them. Nothing but e depends on the message, so this signer prepares nonces 64 at a
 * time: it draws each k, has OpenSSL compute k·G, then inverts all 64 values k and all 64 Z at
 * the cost of one inversion each (Montgomery's trick: one inversion of the product, three
 * multiplications per value). A signature then costs ~13 µs.
 *
 * The nonces and the key are secret, so the arithmetic here runs in constant time: no branch
 * and no memory index depends on them, and the modular reduction selects by masks (as far as C
 * lets one say so; the multiplications are 64×64 → 128-bit, constant time on x86-64 and ARMv8).
 * k·G is OpenSSL's constant-time fixed-base multiplication. One residue: k reaches OpenSSL as a
 * BIGNUM made by BN_bin2bn, which skips leading zero bytes in a loop, so the time of that call
 * tells whether k's top byte is zero (1 nonce in 256), a few cycles, seen only by an attacker on
 * the same machine; OpenSSL's public API has no fixed-length way in.
 *
 * Each nonce is used once and wiped; a forked child never uses its parent's prepared nonces
 * (pthread_atfork; without it no signer is made). Every nonce's two inverses are checked by
 * multiplying back, and OpenSSL verifies the first signature of the first batch and of every
 * eighth after it; if a check ever fails, the signer stops and the caller signs through EVP.
 *
 * A signer belongs to one thread at a time, like an EVP_PKEY_CTX. */
#ifndef VB_ES256SIGN_H
#define VB_ES256SIGN_H

#include <openssl/evp.h>
#include <stdint.h>

typedef struct vb_es256_signer vb_es256_signer;

/* Nonces prepared at a time. */
#define VB_ES256_SIGNER_BATCH 64

/* A signer for a P-256 private key; NULL when the key is not a P-256 private key, when OpenSSL's
 * P-256 is not its fast constant-time method, or out of memory: callers then sign through EVP. */
vb_es256_signer *vb_es256_signer_new(EVP_PKEY *key);
/* Wipes the key and the unused nonces. */
void vb_es256_signer_free(vb_es256_signer *signer);

/* Signs a SHA-256 digest: the raw r‖s signature. 1 signed, 0 OpenSSL failed (out of memory or no
 * randomness): the caller should then sign through EVP. */
int vb_es256_sign(vb_es256_signer *signer, const uint8_t digest[32], uint8_t signature[64]);

/* The constant-time arithmetic, exposed for the tests against BN: modulus 'p' (the field's
 * prime) or 'n' (the order). a·b mod m, and a⁻¹ mod m (0 for 0); inputs below m, 32 bytes
 * big-endian. */
void vb_es256_multiply_for_tests(char modulus, const uint8_t a[32], const uint8_t b[32], uint8_t product[32]);
void vb_es256_invert_for_tests(char modulus, const uint8_t a[32], uint8_t inverse[32]);

#endif
