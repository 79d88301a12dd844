/*
 * log.h — the register's tamper-evident log: a Merkle tree in the style of RFC 9162 §2.1 over the
 * register's events, its inclusion and consistency proofs, and the signed checkpoints that commit
 * the school to a tree size and root (docs/FORMAT.md §9).
 *
 * The module holds no events and no storage. The tree is read through a leaf source: a callback
 * giving the hash of leaf i, and optionally one giving the hash of a whole perfect subtree, so the
 * register can keep leaves and nodes in SQLite (or anywhere) and this code stays the same.
 *
 *   leaf hash   SHA-256(0x00 ‖ event bytes)
 *   node hash   SHA-256(0x01 ‖ left ‖ right)
 *   empty tree  SHA-256("")
 *   split       the first k leaves go left, k the largest power of two below the size
 */
#ifndef VB_LOG_H
#define VB_LOG_H

#include "cose.h"
#include "vanbang.h"

#include <stdbool.h>

#define VB_LOG_HASH_BYTES 32

/* A tree holds at most 2^64 - 1 leaves, so no leaf lies deeper than 64 levels: an inclusion proof
 * has at most 64 hashes, and a consistency proof at most 65 (64 siblings and the old subtree). */
#define VB_LOG_MAX_PROOF_HASHES 65

/* ---- Hashes ---- */

/* SHA-256(0x00 ‖ event). VB_ERR_CRYPTO only if OpenSSL itself fails (out of memory). */
vb_status vb_log_leaf_hash(const uint8_t *event, size_t length, uint8_t out[VB_LOG_HASH_BYTES]);
/* SHA-256(0x01 ‖ left ‖ right). */
vb_status vb_log_node_hash(const uint8_t left[VB_LOG_HASH_BYTES], const uint8_t right[VB_LOG_HASH_BYTES],
                           uint8_t out[VB_LOG_HASH_BYTES]);
/* The root of the empty tree, SHA-256 of the empty string. */
void vb_log_empty_root(uint8_t out[VB_LOG_HASH_BYTES]);

/* ---- Leaf source ---- */

/* Gives the leaf hash of leaf `index` (0-based). Returns VB_OK, or a status the caller then gets
 * back unchanged (VB_ERR_IO for a storage failure, say); a source that wants to say more keeps
 * its own message in its context. */
typedef vb_status (*vb_log_leaf_fn)(void *context, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES]);

/* Optional: the hash of the perfect subtree of 2^level leaves that starts at leaf index·2^level
 * (level ≥ 1), if the source stored it — the nodes vb_log_builder_add_emitting reports. Sets
 * *found to false when it has not; the tree then computes that subtree from its leaves. */
typedef vb_status (*vb_log_subtree_fn)(void *context, unsigned level, uint64_t index,
                                       uint8_t out[VB_LOG_HASH_BYTES], bool *found);

typedef struct {
    vb_log_leaf_fn leaf;       /* required */
    vb_log_subtree_fn subtree; /* may be NULL */
    void *context;             /* passed to both */
} vb_log_source;

/* ---- Streaming root: the compact stack of subtree roots ----
 *
 * Leaf hashes go in one at a time, in order; the builder keeps only the roots of the perfect
 * subtrees the current size decomposes into (one per set bit of the size, at most 64), so it
 * re-hashes a register of any length in O(n) time and constant memory (about 2 KiB). */
typedef struct {
    uint64_t size;                               /* leaves added so far */
    unsigned depth;                              /* entries in stack: the number of set bits of size */
    uint8_t stack[64][VB_LOG_HASH_BYTES];        /* largest (leftmost) subtree first */
} vb_log_builder;

/* Reports one perfect subtree the moment its last leaf arrives: 2^level leaves from leaf
 * index·2^level, level ≥ 1 (leaves themselves are not reported). A store that keeps these can
 * answer vb_log_subtree_fn, which makes proofs and vb_log_builder_restore O(log² n). */
typedef vb_status (*vb_log_node_fn)(void *context, unsigned level, uint64_t index,
                                    const uint8_t hash[VB_LOG_HASH_BYTES]);

void vb_log_builder_init(vb_log_builder *builder);
/* Appends one leaf hash. VB_ERR_TOO_LARGE when the tree already holds 2^64 - 1 leaves. */
vb_status vb_log_builder_add(vb_log_builder *builder, const uint8_t leaf_hash[VB_LOG_HASH_BYTES]);
/* The same, reporting each perfect subtree completed by this leaf to `emit` (lowest level first).
 * If emit fails its status is returned and the builder is left as it was before the call. */
vb_status vb_log_builder_add_emitting(vb_log_builder *builder, const uint8_t leaf_hash[VB_LOG_HASH_BYTES],
                                      vb_log_node_fn emit, void *context);
/* The root of the tree of the leaves added so far (the empty root at size 0). The builder is not
 * consumed: more leaves may follow, so one pass checks every checkpoint on the way. */
vb_status vb_log_builder_root(const vb_log_builder *builder, uint8_t out[VB_LOG_HASH_BYTES]);
/* Sets the builder to the state it would have after the first `size` leaves of `source`, to go on
 * appending to a stored tree: O(log² n) source reads when the source stores subtrees, else O(n). */
vb_status vb_log_builder_restore(vb_log_builder *builder, const vb_log_source *source, uint64_t size,
                                 vb_error *err);

/* ---- Roots and proofs from a source ----
 *
 * Cost: each proof hash is the root of a range of leaves, and the ranges of one proof are
 * disjoint, so a leaf-only source is read at most `size` times (O(n), memory O(log n)). With a
 * subtree callback that knows every perfect subtree, reads fall to O(log² n). */

/* MTH of the first `size` leaves (RFC 9162 §2.1.1). */
vb_status vb_log_root(const vb_log_source *source, uint64_t size, uint8_t out[VB_LOG_HASH_BYTES], vb_error *err);

/* A proof as a list of hashes, in the order RFC 9162 gives them (nearest the leaf first). The
 * hashes lie end to end: hash i is hashes + 32·i. */
typedef struct {
    size_t count;
    uint8_t hashes[VB_LOG_MAX_PROOF_HASHES * VB_LOG_HASH_BYTES];
} vb_log_proof;

/* PATH(index, D[size]) (RFC 9162 §2.1.3.1). VB_ERR_ARGUMENT unless index < size. */
vb_status vb_log_prove_inclusion(const vb_log_source *source, uint64_t index, uint64_t size, vb_log_proof *proof,
                                 vb_error *err);
/* PROOF(first, D[second]) (RFC 9162 §2.1.4.1); empty when first = second. VB_ERR_ARGUMENT unless
 * 0 < first ≤ second. */
vb_status vb_log_prove_consistency(const vb_log_source *source, uint64_t first, uint64_t second, vb_log_proof *proof,
                                   vb_error *err);

/* ---- Proof verification (RFC 9162 §2.1.3.2 and §2.1.4.2, for proofs from outside) ----
 *
 * `path` is `count` hashes end to end. VB_ERR_LOG_PROOF when the proof cannot be one for these
 * sizes (index ≥ size; first = 0 or first > second; a path too long or too short; a non-empty
 * path for equal sizes); VB_ERR_LOG_MISMATCH when it has the right shape but the hashes it
 * yields are not the roots given. */
vb_status vb_log_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf_hash[VB_LOG_HASH_BYTES],
                                  const uint8_t *path, size_t count, const uint8_t root[VB_LOG_HASH_BYTES],
                                  vb_error *err);
vb_status vb_log_verify_consistency(uint64_t first, uint64_t second, const uint8_t first_root[VB_LOG_HASH_BYTES],
                                    const uint8_t second_root[VB_LOG_HASH_BYTES], const uint8_t *path, size_t count,
                                    vb_error *err);

/* ---- Checkpoints ----
 *
 * A COSE_Sign1 (FORMAT.md §3 rules) by the school's signer over the CBOR map
 * {1: origin tstr, 2: size uint, 3: root bstr .size 32, 4: time uint}. */
enum {
    VB_LOG_CHECKPOINT_KEY_ORIGIN = 1,
    VB_LOG_CHECKPOINT_KEY_SIZE = 2,
    VB_LOG_CHECKPOINT_KEY_ROOT = 3,
    VB_LOG_CHECKPOINT_KEY_TIME = 4,
};
#define VB_LOG_MAX_CHECKPOINT_BYTES 1024
#define VB_LOG_MAX_CHECKPOINT_TIME 7258118400ULL /* 2200-01-01T00:00:00Z, the bound iat has too */

typedef struct {
    char origin[VB_MAX_SCHOOL_CODE_BYTES + 1]; /* the school code, as iss in its records */
    uint64_t size;                             /* tree size: events 0 … size-1 are committed */
    uint8_t root[VB_LOG_HASH_BYTES];           /* MTH of those events */
    uint64_t time;                             /* when it was signed, seconds since 1970 */
} vb_log_checkpoint;

/* Encodes the payload map, checking the fields first as the decoder would. */
vb_status vb_log_checkpoint_encode(const vb_log_checkpoint *checkpoint, uint8_t *out, size_t out_size,
                                   size_t *out_length, vb_error *err);
/* Strictly decodes a payload map occupying all of [data, data+length). */
vb_status vb_log_checkpoint_decode_payload(const uint8_t *data, size_t length, vb_log_checkpoint *checkpoint,
                                           vb_error *err);
/* Encodes and signs: out receives the tagged COSE_Sign1. */
vb_status vb_log_checkpoint_sign(vb_cose_signer *signer, const vb_log_checkpoint *checkpoint, uint8_t *out,
                                 size_t out_size, size_t *out_length, vb_error *err);
/* Decodes a signed checkpoint without checking its signature: envelope, then payload. */
vb_status vb_log_checkpoint_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message,
                                   vb_log_checkpoint *checkpoint, vb_error *err);
/* Decodes and checks a signed checkpoint against the school's public key: envelope, payload, then
 * the kid when `kid` is not NULL (VB_ERR_UNKNOWN_SIGNER: signed with another key), then the
 * signature (VB_ERR_ALG_KEY_MISMATCH, VB_ERR_COSE_SIGNATURE_SIZE, VB_ERR_BAD_SIGNATURE). The
 * caller compares the origin with the school it expects. On failure *checkpoint is zeroed. */
vb_status vb_log_checkpoint_verify(const uint8_t *data, size_t length, EVP_PKEY *key, const uint8_t *kid,
                                   vb_log_checkpoint *checkpoint, vb_error *err);

#endif
