/*
 * es256.c — ES256 verification with a table of multiples of the signer's key (see es256.h).
 *
 * Two pieces make it fast:
 *  - the key's table: a copy of OpenSSL's P-256 group whose generator is the public key Q, with
 *    EC_GROUP_precompute_mult run on it. EC_POINT_mul on that group takes the same fixed-base
 *    path as multiples of G do (about 11 µs against ~60 µs for a general point);
 *  - s⁻¹ mod n by Kaliski's almost inverse on four 64-bit limbs (~4 µs; BN_mod_inverse takes
 *    ~23 here), left in Montgomery form for the two products that follow.
 *
 * Nothing here is secret: a verification handles a public key and a public signature, so the
 * code may branch on the values. The low-level EC calls are deprecated in OpenSSL 3 but remain;
 * when one fails the caller verifies through EVP as before.
 */
#define OPENSSL_API_COMPAT 10101 /* EC_GROUP_precompute_mult and friends, deprecated in 3.0 */
#include "es256.h"
#include "p256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef vb_p256_u128 u128;

static const uint64_t *const order = vb_p256_order;
static const uint64_t order_n0 = vb_p256_order_n0;
/* p - n, where p is the field's prime: an x-coordinate in [n, p) reads as r = x - n, which is
 * possible only for r below this. */
static const uint64_t field_minus_order[4] = {0x0c46353d039cdaae, 0x4319055358e8617b, 0, 0};
struct vb_es256_table {
    EC_GROUP *curve;     /* P-256 as named, with OpenSSL's own table for G */
    EC_GROUP *key_curve; /* P-256 with the public key as generator, and its table */
};

/* ---------------------------------------------------------------- arithmetic mod n */

static int limbs_compare(const uint64_t a[4], const uint64_t b[4])
{
    for (int i = 3; i >= 0; i--)
        if (a[i] != b[i])
            return a[i] < b[i] ? -1 : 1;
    return 0;
}

static int limbs_are_zero(const uint64_t a[4]) { return (a[0] | a[1] | a[2] | a[3]) == 0; }

static void subtract(uint64_t a[4], const uint64_t b[4]) /* a ≥ b, or the borrow is meant to wrap */
{
    (void)vb_p256_subtract(a, a, b);
}

/* r = a - n when a ≥ n. Enough to reduce any 256-bit value, since 2n > 2²⁵⁶. */
static void reduce_once(uint64_t a[4])
{
    if (limbs_compare(a, order) >= 0)
        subtract(a, order);
}

/* r = a·b·R⁻¹ mod n for a, b < n. r may alias a or b. */
static void montgomery_multiply(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    vb_p256_multiply(r, a, b, order, order_n0);
}

static void shift_right(uint64_t a[4], unsigned k) /* 1 ≤ k ≤ 63 */
{
    a[0] = (a[0] >> k) | (a[1] << (64 - k));
    a[1] = (a[1] >> k) | (a[2] << (64 - k));
    a[2] = (a[2] >> k) | (a[3] << (64 - k));
    a[3] >>= k;
}

static void shift_left_5(uint64_t a[5], unsigned k) /* 1 ≤ k ≤ 63 */
{
    a[4] = (a[4] << k) | (a[3] >> (64 - k));
    a[3] = (a[3] << k) | (a[2] >> (64 - k));
    a[2] = (a[2] << k) | (a[1] >> (64 - k));
    a[1] = (a[1] << k) | (a[0] >> (64 - k));
    a[0] <<= k;
}

static void add_5(uint64_t a[5], const uint64_t b[5])
{
    u128 carry = 0;
    for (int i = 0; i < 5; i++) {
        carry += (u128)a[i] + b[i];
        a[i] = (uint64_t)carry;
        carry >>= 64;
    }
}

/* Shifts a (≠ 0) right past its trailing zeros and b left as far; returns how far. */
static unsigned strip_twos(uint64_t a[4], uint64_t b[5])
{
    unsigned total = 0;
    while (!(a[0] & 1)) {
        unsigned t = a[0] ? (unsigned)__builtin_ctzll(a[0]) : 63;
        shift_right(a, t);
        shift_left_5(b, t);
        total += t;
    }
    return total;
}

/* Kaliski's almost inverse: x = a⁻¹·2ᵏ mod n for 0 < a < n; returns k, 256 ≤ k ≤ 512.
 * The binary GCD of u = n and v = a, keeping u·s + v·r = n (so r, s ≤ n until the last step
 * doubles r) and a·r ≡ -u·2ᵏ, a·s ≡ v·2ᵏ (mod n); it ends at u = 1, v = 0. Only shifts, adds and
 * subtractions: ~4 µs, against ~6 for the binary Euclid that halves mod n, ~14 for Fermat and
 * ~23 for BN_mod_inverse. Variable time, which is fine for public values. */
static unsigned almost_inverse(uint64_t x[4], const uint64_t a[4])
{
    uint64_t u[4], v[4], r[5] = {0, 0, 0, 0, 0}, s[5] = {1, 0, 0, 0, 0};
    memcpy(u, order, sizeof u);
    memcpy(v, a, sizeof v);
    unsigned k = strip_twos(v, r);
    for (;;) { /* u and v odd here; coprime, since n is prime, so u = v only at 1 */
        if (limbs_compare(u, v) > 0) {
            subtract(u, v);
            add_5(r, s);
            k += strip_twos(u, s);
        } else {
            subtract(v, u);
            add_5(s, r);
            if (limbs_are_zero(v)) {
                shift_left_5(r, 1);
                k++;
                break;
            }
            k += strip_twos(v, r);
        }
    }
    if (r[4] || limbs_compare(r, order) >= 0) /* r ≤ 2n */
        subtract(r, order);
    memcpy(x, order, 4 * sizeof *x); /* x = n - r */
    subtract(x, r);
    return k;
}

/* w = a⁻¹·2²⁵⁶ mod n, the inverse in Montgomery form, for 0 ≤ a < n (0 gives 0). */
static void inverse_montgomery(uint64_t w[4], const uint64_t a[4])
{
    uint64_t x[4], power[4] = {0, 0, 0, 0};
    if (limbs_are_zero(a)) { /* no inverse; and strip_twos would never end */
        memset(w, 0, 4 * sizeof *w);
        return;
    }
    unsigned e = 512 - almost_inverse(x, a); /* x·2^e·2⁻²⁵⁶ = a⁻¹·2²⁵⁶ */
    if (e >= 256)                            /* 2²⁵⁶ mod n = 2²⁵⁶ - n */
        subtract(power, order);
    else
        power[e / 64] = UINT64_C(1) << (e % 64);
    montgomery_multiply(w, x, power);
}

void vb_es256_invert_mod_order(const uint8_t s_bytes[32], uint8_t inverse_bytes[32])
{
    static const uint64_t one[4] = {1, 0, 0, 0};
    uint64_t s[4], inverse[4];
    vb_p256_from_bytes(s, s_bytes);
    reduce_once(s);
    inverse_montgomery(inverse, s);
    montgomery_multiply(inverse, inverse, one); /* leave the Montgomery form */
    vb_p256_to_bytes(inverse_bytes, inverse);
}

/* ---------------------------------------------------------------- the key's table */

vb_es256_table *vb_es256_table_new(EVP_PKEY *key)
{
    uint8_t point[65];
    size_t point_length = 0;
    char group_name[32];

    if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
        !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group_name, sizeof group_name, NULL) ||
        strcmp(group_name, "prime256v1") != 0 ||
        !EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof point, &point_length)) {
        ERR_clear_error();
        return NULL;
    }

    vb_es256_table *table = calloc(1, sizeof *table);
    BN_CTX *context = BN_CTX_new();
    EC_POINT *public_point = NULL;
    int ok = table && context;
    if (ok) {
        table->curve = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
        /* The generic methods multiply by a scalar alone with a ladder that ignores any table:
         * there a table would cost two ladders instead of one double multiplication. */
        const EC_METHOD *method = table->curve ? EC_GROUP_method_of(table->curve) : NULL;
        if (method == EC_GFp_mont_method() || method == EC_GFp_simple_method()) {
            EC_GROUP_free(table->curve);
            table->curve = NULL;
        }
        table->key_curve = table->curve ? EC_GROUP_dup(table->curve) : NULL;
        public_point = table->curve ? EC_POINT_new(table->curve) : NULL;
        ok = table->key_curve && public_point &&
             EC_POINT_oct2point(table->curve, public_point, point, point_length, context) &&
             !EC_POINT_is_at_infinity(table->curve, public_point) &&
             EC_GROUP_set_generator(table->key_curve, public_point, EC_GROUP_get0_order(table->curve),
                                    BN_value_one()) &&
             EC_GROUP_precompute_mult(table->key_curve, context) && EC_GROUP_have_precompute_mult(table->key_curve);
    }
    EC_POINT_free(public_point);
    BN_CTX_free(context);
    ERR_clear_error();
    if (!ok) {
        vb_es256_table_free(table);
        return NULL;
    }
    return table;
}

void vb_es256_table_free(vb_es256_table *table)
{
    if (!table)
        return;
    EC_GROUP_free(table->key_curve);
    EC_GROUP_free(table->curve);
    free(table);
}

/* One BN_CTX per thread, freed when the thread ends: allocating one per verification costs
 * about as much as the arithmetic mod n. */
static pthread_key_t context_key;
static pthread_once_t context_once = PTHREAD_ONCE_INIT;
static int context_key_made;

static void free_context(void *context) { BN_CTX_free(context); }
static void make_context_key(void) { context_key_made = pthread_key_create(&context_key, free_context) == 0; }

static BN_CTX *thread_context(void)
{
    pthread_once(&context_once, make_context_key);
    if (!context_key_made)
        return NULL;
    BN_CTX *context = pthread_getspecific(context_key);
    if (!context) {
        context = BN_CTX_new();
        if (context && pthread_setspecific(context_key, context) != 0) {
            BN_CTX_free(context);
            context = NULL;
        }
    }
    return context;
}

/* Whether the x-coordinate of point, reduced mod n, is r (given as bytes and limbs): 1, 0, or
 * -1 when OpenSSL fails. The point stays Jacobian (x = X/Z²), so the usual test is X = r·Z² mod p,
 * which saves the field inversion of going affine; the rare x in [n, p) goes the plain way. */
static int has_x_coordinate(const EC_GROUP *curve, const EC_POINT *point, const uint8_t r_bytes[32],
                            const uint64_t r[4], BN_CTX *context)
{
    if (EC_POINT_is_at_infinity(curve, point))
        return 0;
    BN_CTX_start(context);
    BIGNUM *x = BN_CTX_get(context), *y = BN_CTX_get(context), *z = BN_CTX_get(context);
    BIGNUM *r_number = BN_CTX_get(context), *product = BN_CTX_get(context);
    const BIGNUM *prime = EC_GROUP_get0_field(curve);
    int verdict = -1;
    if (product && prime && BN_bin2bn(r_bytes, 32, r_number) &&
        EC_POINT_get_Jprojective_coordinates_GFp(curve, point, x, y, z, context) &&
        BN_mod_sqr(product, z, prime, context) && BN_mod_mul(product, product, r_number, prime, context)) {
        if (BN_cmp(product, x) == 0) {
            verdict = 1;
        } else if (limbs_compare(r, field_minus_order) >= 0) {
            verdict = 0;
        } else {
            uint8_t x_bytes[32];
            uint64_t affine_x[4];
            if (EC_POINT_get_affine_coordinates(curve, point, x, NULL, context) && BN_bn2binpad(x, x_bytes, 32) == 32) {
                vb_p256_from_bytes(affine_x, x_bytes);
                reduce_once(affine_x); /* x < p < 2n */
                verdict = limbs_compare(affine_x, r) == 0;
            }
        }
    }
    BN_CTX_end(context);
    return verdict;
}

int vb_es256_verify(const vb_es256_table *table, const uint8_t digest[32], const uint8_t signature[64])
{
    uint64_t r[4], s[4], e[4], w[4], u1[4], u2[4];

    vb_p256_from_bytes(r, signature);
    vb_p256_from_bytes(s, signature + 32);
    if (limbs_are_zero(r) || limbs_are_zero(s) || limbs_compare(r, order) >= 0 || limbs_compare(s, order) >= 0)
        return 0;
    vb_p256_from_bytes(e, digest); /* the digest is exactly the 256 bits of the order's size */
    reduce_once(e);

    inverse_montgomery(w, s);      /* w = s⁻¹·R, so that the products below leave R out */
    montgomery_multiply(u1, e, w); /* e·s⁻¹ */
    montgomery_multiply(u2, r, w); /* r·s⁻¹ */

    uint8_t u1_bytes[32], u2_bytes[32];
    vb_p256_to_bytes(u1_bytes, u1);
    vb_p256_to_bytes(u2_bytes, u2);

    BN_CTX *context = thread_context();
    if (!context)
        return -1;
    BN_CTX_start(context);
    BIGNUM *u1_number = BN_CTX_get(context), *u2_number = BN_CTX_get(context);
    EC_POINT *sum = EC_POINT_new(table->curve), *key_part = EC_POINT_new(table->curve);
    int verdict = -1;
    if (u2_number && sum && key_part && BN_bin2bn(u1_bytes, 32, u1_number) && BN_bin2bn(u2_bytes, 32, u2_number) &&
        EC_POINT_mul(table->curve, sum, u1_number, NULL, NULL, context) &&
        EC_POINT_mul(table->key_curve, key_part, u2_number, NULL, NULL, context) &&
        EC_POINT_add(table->curve, sum, sum, key_part, context)) {
        verdict = has_x_coordinate(table->curve, sum, signature, r, context);
    }
    EC_POINT_free(key_part);
    EC_POINT_free(sum);
    BN_CTX_end(context);
    ERR_clear_error();
    return verdict;
}
