/*
 * es256sign.c — ES256 signing with nonces prepared in batches (see es256sign.h).
 *
 * The arithmetic mod p and mod n is Montgomery multiplication on four 64-bit limbs (CIOS), with
 * the final subtraction chosen by a mask; inversion is Fermat's a^(m-2), whose exponent is public;
 * Montgomery's trick turns 64 inversions into one. Values in "Montgomery form" are x·R mod m,
 * R = 2²⁵⁶. Secret arrays are wiped before they go out of scope (the few words inside one
 * Montgomery product are not: they are overwritten by the next).
 */
#define OPENSSL_API_COMPAT 10101 /* EC_POINT_get_Jprojective_coordinates_GFp, deprecated in 3.0 */
#include "es256sign.h"
#include "p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef vb_p256_u128 u128;

typedef struct {
    const uint64_t *value;
    uint64_t n0;             /* -m⁻¹ mod 2⁶⁴ */
    uint64_t r_squared[4];   /* R² mod m: a Montgomery product with it enters the form */
    uint64_t exponent[4];    /* m - 2, for Fermat's inverse */
} modulus;

static const modulus field = {vb_p256_prime, 1,
                              {0x0000000000000003, 0xfffffffbffffffff, 0xfffffffffffffffe, 0x00000004fffffffd},
                              {0xfffffffffffffffd, 0x00000000ffffffff, 0x0000000000000000, 0xffffffff00000001}};
static const modulus group_order = {vb_p256_order, vb_p256_order_n0,
                                    {0x83244c95be79eea2, 0x4699799c49bd6fa6, 0x2845b2392b6bec59, 0x66e12d94f3d95620},
                                    {0xf3b9cac2fc63254f, 0xbce6faada7179e84, 0xffffffffffffffff, 0xffffffff00000000}};
static const uint64_t one[4] = {1, 0, 0, 0};

typedef struct {
    uint64_t r[4];         /* x(k·G) mod n */
    uint64_t k_inverse[4]; /* k⁻¹, Montgomery form mod n */
} nonce;

struct vb_es256_signer {
    EC_GROUP *curve;
    EC_POINT *point;
    BN_CTX *context;
    EVP_PKEY_CTX *check; /* verifies the first signature of some batches */
    uint64_t key[4];     /* d, Montgomery form mod n */
    nonce nonces[VB_ES256_SIGNER_BATCH];
    size_t next, count;  /* nonces[next..count) are unused */
    unsigned long batches; /* prepared so far */
    unsigned generation; /* of fork_generation when the nonces were made */
    bool broken;         /* a check failed: sign nothing more */
};

/* ---------------------------------------------------------------- constant-time arithmetic */

/* r = a·b·R⁻¹ mod m, for a, b < m. r may alias a or b. */
static void multiply(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const modulus *m)
{
    vb_p256_multiply(r, a, b, m->value, m->n0);
}

/* r = a + b mod m, for a, b < m. */
static void add_modular(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const modulus *m)
{
    uint64_t sum[4], difference[4];
    u128 carry = 0;
    for (int i = 0; i < 4; i++) {
        carry += (u128)a[i] + b[i];
        sum[i] = (uint64_t)carry;
        carry >>= 64;
    }
    uint64_t borrow = vb_p256_subtract(difference, sum, m->value);
    vb_p256_select(r, ((uint64_t)carry | (borrow ^ 1)) & 1, difference, sum);
    explicit_bzero(sum, sizeof sum); /* e + r·d: with e and r public, it gives d away */
    explicit_bzero(difference, sizeof difference);
}

/* r = a mod n for a < 2n (any 256-bit value, and any x-coordinate, since p < 2n). */
static void reduce_by_order(uint64_t r[4], const uint64_t a[4])
{
    uint64_t difference[4];
    uint64_t borrow = vb_p256_subtract(difference, a, group_order.value);
    vb_p256_select(r, borrow ^ 1, difference, a);
}

static uint64_t is_zero(const uint64_t a[4]) /* 1 or 0 */
{
    uint64_t any = a[0] | a[1] | a[2] | a[3];
    return 1 ^ ((any | (0 - any)) >> 63);
}

/* r = a^(m-2) = a⁻¹ in Montgomery form, for a in Montgomery form (0 gives 0). The loop follows
 * the bits of m - 2, which are public; the top one is set for both moduli. */
static void invert(uint64_t r[4], const uint64_t a[4], const modulus *m)
{
    uint64_t result[4];
    memcpy(result, a, sizeof result);
    for (int bit = 254; bit >= 0; bit--) {
        multiply(result, result, result, m);
        if ((m->exponent[bit / 64] >> (bit % 64)) & 1)
            multiply(result, result, a, m);
    }
    memcpy(r, result, sizeof result);
    explicit_bzero(result, sizeof result);
}

/* Replaces each of values[0..count) (Montgomery form, none zero) by its inverse, with a single
 * inversion: prefix[i] holds values[0]·…·values[i]. */
static void invert_all(uint64_t (*values)[4], uint64_t (*prefix)[4], size_t count, const modulus *m)
{
    uint64_t inverse[4], value_inverse[4];
    memcpy(prefix[0], values[0], sizeof prefix[0]);
    for (size_t i = 1; i < count; i++)
        multiply(prefix[i], prefix[i - 1], values[i], m);
    invert(inverse, prefix[count - 1], m); /* (values[0]·…·values[count-1])⁻¹ */
    for (size_t i = count - 1; i > 0; i--) {
        multiply(value_inverse, inverse, prefix[i - 1], m); /* values[i]⁻¹ */
        multiply(inverse, inverse, values[i], m);           /* (values[0]·…·values[i-1])⁻¹ */
        memcpy(values[i], value_inverse, sizeof value_inverse);
    }
    memcpy(values[0], inverse, sizeof inverse);
    explicit_bzero(inverse, sizeof inverse);
    explicit_bzero(value_inverse, sizeof value_inverse);
    explicit_bzero(prefix, count * sizeof prefix[0]);
}

static const modulus *modulus_named(char name) { return name == 'p' ? &field : &group_order; }

void vb_es256_multiply_for_tests(char name, const uint8_t a_bytes[32], const uint8_t b_bytes[32],
                                 uint8_t product_bytes[32])
{
    const modulus *m = modulus_named(name);
    uint64_t a[4], b[4];
    vb_p256_from_bytes(a, a_bytes);
    vb_p256_from_bytes(b, b_bytes);
    multiply(a, a, m->r_squared, m); /* a·R */
    multiply(a, a, b, m);            /* a·R·b·R⁻¹ */
    vb_p256_to_bytes(product_bytes, a);
}

void vb_es256_invert_for_tests(char name, const uint8_t a_bytes[32], uint8_t inverse_bytes[32])
{
    const modulus *m = modulus_named(name);
    uint64_t a[4];
    vb_p256_from_bytes(a, a_bytes);
    multiply(a, a, m->r_squared, m);
    invert(a, a, m);
    multiply(a, a, one, m); /* out of the form */
    vb_p256_to_bytes(inverse_bytes, a);
}

/* ---------------------------------------------------------------- forks */

/* A forked child must not use nonces its parent may use too: the same k in two signatures of
 * different messages gives the key away. Every fork moves the generation on. */
static atomic_uint fork_generation;
static pthread_once_t fork_once = PTHREAD_ONCE_INIT;
static bool forks_watched; /* false: no batch signer is made */

static void note_fork(void) { atomic_fetch_add(&fork_generation, 1); }
static void watch_forks(void) { forks_watched = pthread_atfork(NULL, NULL, note_fork) == 0; }

/* ---------------------------------------------------------------- the signer */

static void forget_nonces(vb_es256_signer *signer)
{
    explicit_bzero(signer->nonces, sizeof signer->nonces);
    signer->next = signer->count = 0;
}

/* Takes a nonce 0 < k < n from the next 32 bytes of random (one call to the generator serves
 * a whole batch: a call costs about a microsecond), drawing afresh when those bytes are out of
 * range. Only whether a draw is refused (k ≥ n or 0, about 2⁻³² of draws) can show. */
static bool take_nonce(const uint8_t random[32], uint64_t k[4], uint8_t bytes[32])
{
    memcpy(bytes, random, 32);
    for (;;) {
        vb_p256_from_bytes(k, bytes);
        uint64_t difference[4];
        uint64_t below_order = vb_p256_subtract(difference, k, group_order.value);
        explicit_bzero(difference, sizeof difference);
        if (below_order & (is_zero(k) ^ 1))
            return true;
        if (RAND_priv_bytes(bytes, 32) <= 0)
            return false;
    }
}

/* 1 when each value times its computed inverse is 1 (Montgomery form: R mod m, which is
 * m->r_squared times 1), 0 otherwise; two products per value catch a fault in the inversion or
 * in the batch's bookkeeping for every nonce, not only in the batches OpenSSL checks. */
static bool inverses_hold(uint64_t (*values)[4], uint64_t (*inverses)[4], size_t count, const modulus *m)
{
    uint64_t one_form[4], product[4], differ = 0;
    multiply(one_form, one, m->r_squared, m);
    for (size_t i = 0; i < count; i++) {
        multiply(product, values[i], inverses[i], m);
        for (int limb = 0; limb < 4; limb++)
            differ |= product[limb] ^ one_form[limb];
    }
    explicit_bzero(product, sizeof product);
    return differ == 0;
}

/* Fills the signer with VB_ES256_SIGNER_BATCH fresh nonces. */
static bool prepare_nonces(vb_es256_signer *signer)
{
    enum { B = VB_ES256_SIGNER_BATCH };
    uint64_t k[B][4], z[B][4], x[B][4], prefix[B][4], square[4], k_form[B][4], z_form[B][4];
    uint8_t random[B][32], bytes[32];

    forget_nonces(signer);
    bool ok = RAND_priv_bytes(&random[0][0], sizeof random) > 0;
    BN_CTX_start(signer->context);
    BIGNUM *k_number = BN_CTX_get(signer->context), *px = BN_CTX_get(signer->context);
    BIGNUM *pz = BN_CTX_get(signer->context);
    ok = ok && pz != NULL;
    for (size_t i = 0; ok && i < B; i++) {
        ok = take_nonce(random[i], k[i], bytes) && BN_bin2bn(bytes, 32, k_number);
        if (ok) {
            BN_set_flags(k_number, BN_FLG_CONSTTIME);
            ok = EC_POINT_mul(signer->curve, signer->point, k_number, NULL, NULL, signer->context) &&
                 EC_POINT_get_Jprojective_coordinates_GFp(signer->curve, signer->point, px, NULL, pz, signer->context) &&
                 BN_bn2binpad(px, bytes, 32) == 32;
        }
        if (ok) {
            vb_p256_from_bytes(x[i], bytes);
            ok = BN_bn2binpad(pz, bytes, 32) == 32;
        }
        if (ok) {
            vb_p256_from_bytes(z[i], bytes);
            ok = !is_zero(z[i]); /* k·G is never the point at infinity for 0 < k < n */
            multiply(z[i], z[i], field.r_squared, &field);
            multiply(k[i], k[i], group_order.r_squared, &group_order);
        }
    }
    if (ok) {
        memcpy(z_form, z, sizeof z_form);
        memcpy(k_form, k, sizeof k_form);
        invert_all(z, prefix, B, &field);       /* Z⁻¹ */
        invert_all(k, prefix, B, &group_order); /* k⁻¹ */
        if (!inverses_hold(z_form, z, B, &field) || !inverses_hold(k_form, k, B, &group_order)) {
            signer->broken = true; /* a fault: sign nothing more */
            ok = false;
        }
    }
    if (ok) {
        for (size_t i = 0; i < B; i++) {
            nonce *n = &signer->nonces[signer->count];
            multiply(square, z[i], z[i], &field); /* Z⁻², Montgomery form */
            multiply(n->r, x[i], square, &field); /* X·Z⁻² = x, out of the form */
            reduce_by_order(n->r, n->r);
            memcpy(n->k_inverse, k[i], sizeof n->k_inverse);
            if (!is_zero(n->r)) /* r = 0: a nonce to skip (x ≡ 0 mod n, never seen) */
                signer->count++;
        }
    }
    BN_clear(k_number); /* BN_CTX_end does not wipe */
    BN_clear(px);
    BN_clear(pz);
    EC_POINT_set_to_infinity(signer->curve, signer->point); /* the last k·G */
    BN_CTX_end(signer->context);
    explicit_bzero(random, sizeof random);
    explicit_bzero(k, sizeof k);
    explicit_bzero(k_form, sizeof k_form);
    explicit_bzero(z, sizeof z);
    explicit_bzero(z_form, sizeof z_form);
    explicit_bzero(x, sizeof x);
    explicit_bzero(square, sizeof square);
    explicit_bzero(bytes, sizeof bytes);
    if (!ok)
        forget_nonces(signer);
    ERR_clear_error();
    signer->batches += ok;
    return ok && signer->count > 0;
}

/* Whether OpenSSL accepts the signature. The first signature of the first batch and of every
 * CHECK_EVERY-th batch after it is checked, so that a fault in this arithmetic stops the signer
 * instead of spoiling a register of diplomas. A check costs about three signatures (one EVP
 * verification); checking every batch would add ~15 % to a signature. */
#define CHECK_EVERY 8

static bool signature_checks(vb_es256_signer *signer, const uint8_t digest[32], const uint8_t signature[64])
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(signature, 32, NULL), *s = BN_bin2bn(signature + 32, 32, NULL);
    uint8_t der[80];
    bool good = false;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s)) {
        r = s = NULL; /* owned by sig now */
        int length = i2d_ECDSA_SIG(sig, NULL);
        unsigned char *p = der;
        good = length > 0 && (size_t)length <= sizeof der && i2d_ECDSA_SIG(sig, &p) == length &&
               EVP_PKEY_verify(signer->check, der, (size_t)length, digest, 32) == 1;
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    ERR_clear_error();
    return good;
}

vb_es256_signer *vb_es256_signer_new(EVP_PKEY *key)
{
    char group_name[32];
    BIGNUM *private_key = NULL;
    uint8_t bytes[32];

    pthread_once(&fork_once, watch_forks);
    if (!forks_watched || !key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group_name, sizeof group_name, NULL) ||
        strcmp(group_name, "prime256v1") != 0 ||
        !EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &private_key)) {
        ERR_clear_error();
        return NULL;
    }
    vb_es256_signer *signer = calloc(1, sizeof *signer);
    bool ok = signer && BN_bn2binpad(private_key, bytes, 32) == 32;
    BN_clear_free(private_key);
    if (ok) {
        uint64_t difference[4];
        vb_p256_from_bytes(signer->key, bytes);
        ok = vb_p256_subtract(difference, signer->key, group_order.value) && !is_zero(signer->key);
        multiply(signer->key, signer->key, group_order.r_squared, &group_order);
        explicit_bzero(difference, sizeof difference);
    }
    explicit_bzero(bytes, sizeof bytes);
    if (ok) {
        signer->curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
        /* The generic methods gain nothing here: their fixed-base multiplication is a ladder. */
        const EC_METHOD *method = signer->curve ? EC_GROUP_method_of(signer->curve) : NULL;
        ok = method && method != EC_GFp_mont_method() && method != EC_GFp_simple_method();
    }
    if (ok) {
        signer->point = EC_POINT_new(signer->curve);
        signer->context = BN_CTX_new();
        signer->check = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
        ok = signer->point && signer->context && signer->check && EVP_PKEY_verify_init(signer->check) > 0;
    }
    ERR_clear_error();
    if (!ok) {
        vb_es256_signer_free(signer);
        return NULL;
    }
    signer->generation = atomic_load(&fork_generation);
    return signer;
}

void vb_es256_signer_free(vb_es256_signer *signer)
{
    if (!signer)
        return;
    EC_POINT_clear_free(signer->point);
    EC_GROUP_free(signer->curve);
    BN_CTX_free(signer->context);
    EVP_PKEY_CTX_free(signer->check);
    explicit_bzero(signer, sizeof *signer);
    free(signer);
}

int vb_es256_sign(vb_es256_signer *signer, const uint8_t digest[32], uint8_t signature[64])
{
    if (signer->broken)
        return 0;
    unsigned generation = atomic_load(&fork_generation);
    if (generation != signer->generation) {
        forget_nonces(signer);
        signer->generation = generation;
    }
    uint64_t e[4], product[4], sum[4], s[4];
    vb_p256_from_bytes(e, digest); /* the digest has exactly the order's 256 bits */
    reduce_by_order(e, e);
    for (;;) {
        bool fresh = signer->next == signer->count;
        if (fresh && !prepare_nonces(signer))
            return 0;
        nonce *n = &signer->nonces[signer->next++];
        multiply(product, n->r, signer->key, &group_order); /* r·d */
        add_modular(sum, e, product, &group_order);         /* e + r·d */
        multiply(s, n->k_inverse, sum, &group_order);       /* k⁻¹·(e + r·d) */
        vb_p256_to_bytes(signature, n->r);
        vb_p256_to_bytes(signature + 32, s);
        explicit_bzero(n, sizeof *n);
        explicit_bzero(product, sizeof product);
        explicit_bzero(sum, sizeof sum);
        if (is_zero(s)) /* never seen: s = 0 is no signature, take the next nonce */
            continue;
        explicit_bzero(s, sizeof s);
        bool check = fresh && (signer->batches == 1 || signer->batches % CHECK_EVERY == 0);
        if (check && !signature_checks(signer, digest, signature)) {
            signer->broken = true;
            forget_nonces(signer);
            explicit_bzero(signature, 64);
            return 0;
        }
        return 1;
    }
}
