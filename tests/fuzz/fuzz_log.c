/*
 * fuzz_log.c — libFuzzer target for the register log (libvanbang/log.c): checkpoint decoding and
 * proof verification on arbitrary input.
 *
 * The whole input is decoded as a checkpoint payload and as a signed checkpoint. Then it is read
 * as proof material:
 *     a (8 bytes, big-endian) ‖ b (8) ‖ hash1 (32) ‖ hash2 (32) ‖ path (32 bytes per hash)
 * and verified both as an inclusion proof (leaf a of size b, leaf hash1, root hash2) and as a
 * consistency proof (from size a to b, roots hash1 and hash2).
 *
 * Properties checked, aborting on a mismatch:
 *   - a decoded payload re-encodes to exactly the input (strict decoding admits one spelling);
 *   - a decoded signed checkpoint points inside the input, and never verifies with a key made
 *     here at start-up (no input can carry a valid signature by it);
 *   - every failure carries its code;
 *   - proof verification agrees with a second verifier below, written from the recursive
 *     definitions of RFC 9162 §2.1.3.1 / §2.1.4.1 rather than the bit-level algorithms: a path
 *     of the wrong shape for its sizes is log-proof; a path of the right shape verifies against
 *     the roots it implies and is log-mismatch against any other.
 */
#include "log.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HASH VB_LOG_HASH_BYTES

static void node(const uint8_t left[HASH], const uint8_t right[HASH], uint8_t out[HASH])
{
    if (vb_log_node_hash(left, right, out) != VB_OK)
        abort();
}

static uint64_t split(uint64_t n)
{
    uint64_t k = 1;
    while (k < n - k) /* k * 2 < n without overflow */
        k *= 2;
    return k;
}

typedef struct {
    const uint8_t *path;
    size_t count, used;
} cursor;

static bool next(cursor *c, uint8_t out[HASH])
{
    if (c->used == c->count)
        return false;
    memcpy(out, c->path + c->used++ * HASH, HASH);
    return true;
}

/* The root that PATH(m, D[n]) leads to from `leaf`; false if the path runs out. */
static bool inclusion_root(uint64_t m, uint64_t n, const uint8_t leaf[HASH], cursor *c, uint8_t out[HASH])
{
    uint8_t sibling[HASH];
    if (n == 1) {
        memcpy(out, leaf, HASH);
        return true;
    }
    uint64_t k = split(n);
    if (m < k) {
        if (!inclusion_root(m, k, leaf, c, out) || !next(c, sibling))
            return false;
        node(out, sibling, out);
    } else {
        if (!inclusion_root(m - k, n - k, leaf, c, out) || !next(c, sibling))
            return false;
        node(sibling, out, out);
    }
    return true;
}

/* The old and new roots SUBPROOF(m, D[n], b) leads to; false if the path runs out. */
static bool consistency_roots(uint64_t m, uint64_t n, bool b, const uint8_t first_root[HASH], cursor *c,
                              uint8_t fr[HASH], uint8_t sr[HASH])
{
    uint8_t h[HASH];
    if (m == n) {
        if (b)
            memcpy(h, first_root, HASH);
        else if (!next(c, h))
            return false;
        memcpy(fr, h, HASH);
        memcpy(sr, h, HASH);
        return true;
    }
    uint64_t k = split(n);
    if (m <= k) {
        if (!consistency_roots(m, k, b, first_root, c, fr, sr) || !next(c, h))
            return false;
        node(sr, h, sr);
    } else {
        if (!consistency_roots(m - k, n - k, false, first_root, c, fr, sr) || !next(c, h))
            return false;
        node(h, fr, fr);
        node(h, sr, sr);
    }
    return true;
}

static uint64_t read_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

static void expect(vb_status got, vb_status want, const vb_error *err)
{
    if (got != want || (got != VB_OK && err->code != got))
        abort();
}

static void check_inclusion(uint64_t index, uint64_t tree_size, const uint8_t leaf[HASH], const uint8_t root[HASH],
                            const uint8_t *path, size_t count)
{
    vb_error err;
    uint8_t implied[HASH];
    cursor c = {path, count, 0};
    bool shaped = index < tree_size && inclusion_root(index, tree_size, leaf, &c, implied) && c.used == count;
    vb_status s = vb_log_verify_inclusion(index, tree_size, leaf, path, count, root, &err);
    if (!shaped) {
        expect(s, VB_ERR_LOG_PROOF, &err);
        return;
    }
    expect(s, memcmp(implied, root, HASH) == 0 ? VB_OK : VB_ERR_LOG_MISMATCH, &err);
    expect(vb_log_verify_inclusion(index, tree_size, leaf, path, count, implied, &err), VB_OK, &err);
    implied[HASH - 1] ^= 1;
    expect(vb_log_verify_inclusion(index, tree_size, leaf, path, count, implied, &err), VB_ERR_LOG_MISMATCH, &err);
}

static void check_consistency(uint64_t first, uint64_t second, const uint8_t first_root[HASH],
                              const uint8_t second_root[HASH], const uint8_t *path, size_t count)
{
    vb_error err;
    uint8_t fr[HASH], sr[HASH];
    cursor c = {path, count, 0};
    bool shaped;
    if (first == 0 || first > second) {
        shaped = false;
    } else if (first == second) { /* the same tree twice: nothing to prove, one root */
        shaped = count == 0;
        memcpy(fr, first_root, HASH);
        memcpy(sr, first_root, HASH);
    } else {
        shaped = consistency_roots(first, second, true, first_root, &c, fr, sr) && c.used == count;
    }
    vb_status s = vb_log_verify_consistency(first, second, first_root, second_root, path, count, &err);
    if (!shaped) {
        expect(s, VB_ERR_LOG_PROOF, &err);
        return;
    }
    bool match = memcmp(fr, first_root, HASH) == 0 && memcmp(sr, second_root, HASH) == 0;
    expect(s, match ? VB_OK : VB_ERR_LOG_MISMATCH, &err);
    /* The roots the path implies verify (for a power-of-two first size the old root is an input
     * of the path, so fr is first_root itself there). */
    expect(vb_log_verify_consistency(first, second, fr, sr, path, count, &err), VB_OK, &err);
    sr[0] ^= 0x80;
    expect(vb_log_verify_consistency(first, second, fr, sr, path, count, &err), VB_ERR_LOG_MISMATCH, &err);
}

static EVP_PKEY *fuzz_key;

static void check_checkpoints(const uint8_t *data, size_t size)
{
    vb_log_checkpoint checkpoint;
    vb_error err;
    uint8_t again[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t again_length;

    vb_status s = vb_log_checkpoint_decode_payload(data, size, &checkpoint, &err);
    if (s != VB_OK) {
        if (err.code != s)
            abort();
    } else {
        if (vb_log_checkpoint_encode(&checkpoint, again, sizeof again, &again_length, &err) != VB_OK ||
            again_length != size || memcmp(again, data, size) != 0)
            abort();
    }

    vb_cose_sign1 message;
    s = vb_log_checkpoint_decode(data, size, &message, &checkpoint, &err);
    if (s != VB_OK) {
        if (err.code != s)
            abort();
        return;
    }
    const uint8_t *end = data + size;
    if (message.payload < data || message.payload + message.payload_length > end || message.signature < data ||
        message.signature + message.signature_length > end)
        abort();
    if (vb_log_checkpoint_encode(&checkpoint, again, sizeof again, &again_length, &err) != VB_OK ||
        again_length != message.payload_length || memcmp(again, message.payload, again_length) != 0)
        abort();
    if (!fuzz_key)
        fuzz_key = EVP_EC_gen("P-256");
    if (fuzz_key) {
        s = vb_log_checkpoint_verify(data, size, fuzz_key, message.kid, &checkpoint, &err);
        if (s == VB_OK || err.code != s)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_checkpoints(data, size);

    if (size < 16 + 2 * HASH)
        return 0;
    uint64_t a = read_be64(data), b = read_be64(data + 8);
    const uint8_t *hash1 = data + 16, *hash2 = data + 16 + HASH;
    const uint8_t *path = data + 16 + 2 * HASH;
    size_t count = (size - (16 + 2 * HASH)) / HASH;
    check_inclusion(a, b, hash1, hash2, count ? path : NULL, count);
    check_consistency(a, b, hash1, hash2, count ? path : NULL, count);
    return 0;
}
