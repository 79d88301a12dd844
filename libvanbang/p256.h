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
