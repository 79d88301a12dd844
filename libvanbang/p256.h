/* p256.h — the numbers of the P-256 curve as four 64-bit limbs, for es256.c (verification) and
 * es256sign.c (signing): its prime p, its order n, and the byte conversions. Limbs are
 * little-endian (limb 0 is the lowest); bytes are big-endian, as in signatures and digests. */
#ifndef VB_P256_H
#define VB_P256_H

#include <stdint.h>

typedef unsigned __int128 vb_p256_u128;

/* n, the order of the group, and -n⁻¹ mod 2⁶⁴ for Montgomery reduction. */
static const uint64_t vb_p256_order[4] = {0xf3b9cac2fc632551, 0xbce6faada7179e84, 0xffffffffffffffff,
                                          0xffffffff00000000};
static const uint64_t vb_p256_order_n0 = 0xccd1c8aaee00bc4f;

/* p = 2²⁵⁶ - 2²²⁴ + 2¹⁹² + 2⁹⁶ - 1, the field's prime; -p⁻¹ mod 2⁶⁴ is 1. */
static const uint64_t vb_p256_prime[4] = {0xffffffffffffffff, 0x00000000ffffffff, 0x0000000000000000,
                                          0xffffffff00000001};

/* Hides a mask's value from the optimiser, which could otherwise turn a select into a branch. */
static inline uint64_t vb_p256_opaque(uint64_t value)
{
    __asm__("" : "+r"(value));
    return value;
}

/* r = a when choose_a is 1, b when it is 0, without a branch. */
static inline void vb_p256_select(uint64_t r[4], uint64_t choose_a, const uint64_t a[4], const uint64_t b[4])
{
    uint64_t mask = vb_p256_opaque(0 - choose_a);
    for (int i = 0; i < 4; i++)
        r[i] = (a[i] & mask) | (b[i] & ~mask);
}

/* r = a - b mod 2²⁵⁶; returns the borrow (1 when a < b). */
static inline uint64_t vb_p256_subtract(uint64_t r[4], const uint64_t a[4], const uint64_t b[4])
{
    uint64_t borrow = 0;
    for (int i = 0; i < 4; i++) {
        vb_p256_u128 d = (vb_p256_u128)a[i] - b[i] - borrow;
        r[i] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    return borrow;
}

/* r = a·b·2⁻²⁵⁶ mod m (Montgomery multiplication, CIOS), for a, b < m; n0 = -m⁻¹ mod 2⁶⁴. r may
 * alias a or b. Constant time: the final subtraction is chosen by a mask. */
static inline void vb_p256_multiply(uint64_t r[4], const uint64_t a[4], const uint64_t b[4], const uint64_t m[4],
                                    uint64_t n0)
{
    uint64_t t[6] = {0};
    /* Unrolled: GCC's -O2 leaves these loops rolled, at twice the time. */
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        vb_p256_u128 carry = 0;
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            carry += (vb_p256_u128)a[j] * b[i] + t[j];
            t[j] = (uint64_t)carry;
            carry >>= 64;
        }
        carry += t[4];
        t[4] = (uint64_t)carry;
        t[5] = (uint64_t)(carry >> 64);

        uint64_t factor = t[0] * n0;
        carry = ((vb_p256_u128)factor * m[0] + t[0]) >> 64;
#pragma GCC unroll 3
        for (int j = 1; j < 4; j++) {
            carry += (vb_p256_u128)factor * m[j] + t[j];
            t[j - 1] = (uint64_t)carry;
            carry >>= 64;
        }
        carry += t[4];
        t[3] = (uint64_t)carry;
        t[4] = t[5] + (uint64_t)(carry >> 64);
    }
    /* t < 2m, t[4] is 0 or 1: subtract m when t ≥ m. */
    uint64_t difference[4];
    uint64_t borrow = vb_p256_subtract(difference, t, m);
    vb_p256_select(r, (t[4] | (borrow ^ 1)) & 1, difference, t);
}

static inline void vb_p256_from_bytes(uint64_t out[4], const uint8_t in[32])
{
    for (int limb = 0; limb < 4; limb++) {
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = (v << 8) | in[(3 - limb) * 8 + i];
        out[limb] = v;
    }
}

static inline void vb_p256_to_bytes(uint8_t out[32], const uint64_t in[4])
{
    for (int limb = 0; limb < 4; limb++)
        for (int i = 0; i < 8; i++)
            out[(3 - limb) * 8 + i] = (uint8_t)(in[limb] >> (56 - 8 * i));
}

#endif
