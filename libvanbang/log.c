/*
 * log.c — the register's Merkle tree (RFC 9162 §2.1): hashing, the streaming root, proofs from a
 * leaf source and their verification, and signed checkpoints (see log.h, docs/FORMAT.md §9).
 *
 * Generation follows the recursive definitions of §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF),
 * unrolled into a walk from the root; verification follows the bit-level algorithms of §2.1.3.2
 * and §2.1.4.2 step by step, so each can be read beside the RFC. The two were written apart on
 * purpose: tests and the fuzz target check that one accepts exactly what the other produces.
 */
#include "log.h"
#include "cbor.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* ---------------------------------------------------------------- hashes */

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;

/* Fetched once: a re-hash of the whole register makes two digests per event. */
static void fetch_sha256(void) { sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md ? sha256_md : EVP_sha256();
}

static const uint8_t empty_root[VB_LOG_HASH_BYTES] = {
    0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
    0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

void vb_log_empty_root(uint8_t out[VB_LOG_HASH_BYTES]) { memcpy(out, empty_root, VB_LOG_HASH_BYTES); }

vb_status vb_log_leaf_hash(const uint8_t *event, size_t length, uint8_t out[VB_LOG_HASH_BYTES])
{
    static const uint8_t leaf_prefix = 0x00;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestInit_ex(md, sha256(), NULL) && EVP_DigestUpdate(md, &leaf_prefix, 1) &&
             (length == 0 || EVP_DigestUpdate(md, event, length)) && EVP_DigestFinal_ex(md, out, NULL);
    EVP_MD_CTX_free(md);
    return ok ? VB_OK : VB_ERR_CRYPTO;
}

vb_status vb_log_node_hash(const uint8_t left[VB_LOG_HASH_BYTES], const uint8_t right[VB_LOG_HASH_BYTES],
                           uint8_t out[VB_LOG_HASH_BYTES])
{
    uint8_t input[1 + 2 * VB_LOG_HASH_BYTES];
    input[0] = 0x01;
    memcpy(input + 1, left, VB_LOG_HASH_BYTES);
    memcpy(input + 1 + VB_LOG_HASH_BYTES, right, VB_LOG_HASH_BYTES);
    return EVP_Digest(input, sizeof input, out, NULL, sha256(), NULL) ? VB_OK : VB_ERR_CRYPTO;
}

static vb_status crypto_failed(vb_error *err)
{
    return vb_fail(err, VB_ERR_CRYPTO, "log: OpenSSL could not compute SHA-256");
}

/* k of the RFC's split: the largest power of two strictly below count (count ≥ 2). */
static uint64_t split_point(uint64_t count) { return (uint64_t)1 << (63 - __builtin_clzll(count - 1)); }

/* ---------------------------------------------------------------- streaming root */

void vb_log_builder_init(vb_log_builder *builder) { memset(builder, 0, sizeof *builder); }

vb_status vb_log_builder_add_emitting(vb_log_builder *builder, const uint8_t leaf_hash[VB_LOG_HASH_BYTES],
                                      vb_log_node_fn emit, void *context)
{
    if (builder->size == UINT64_MAX)
        return VB_ERR_TOO_LARGE;
    /* Each trailing 1 bit of the old size is a perfect subtree the new leaf's subtree now pairs
     * with. The merged hash is kept in a local until the end, so a failed emit changes nothing. */
    uint8_t hash[VB_LOG_HASH_BYTES];
    uint64_t rest = builder->size;
    unsigned depth = builder->depth;
    unsigned level = 0;
    memcpy(hash, leaf_hash, VB_LOG_HASH_BYTES);
    while (rest & 1) {
        vb_status s = vb_log_node_hash(builder->stack[depth - 1], hash, hash);
        if (s != VB_OK)
            return s;
        depth--;
        level++;
        rest >>= 1;
        if (emit && (s = emit(context, level, builder->size >> level, hash)) != VB_OK)
            return s;
    }
    memcpy(builder->stack[depth], hash, VB_LOG_HASH_BYTES);
    builder->depth = depth + 1;
    builder->size++;
    return VB_OK;
}

vb_status vb_log_builder_add(vb_log_builder *builder, const uint8_t leaf_hash[VB_LOG_HASH_BYTES])
{
    return vb_log_builder_add_emitting(builder, leaf_hash, NULL, NULL);
}

vb_status vb_log_builder_root(const vb_log_builder *builder, uint8_t out[VB_LOG_HASH_BYTES])
{
    if (builder->depth == 0) {
        vb_log_empty_root(out);
        return VB_OK;
    }
    /* The MTH splits off the largest perfect subtree on the left at every level, so the root is
     * the stack folded from the right: stack[0] ‖ (stack[1] ‖ (… ‖ stack[depth-1])). */
    uint8_t root[VB_LOG_HASH_BYTES];
    memcpy(root, builder->stack[builder->depth - 1], VB_LOG_HASH_BYTES);
    for (unsigned i = builder->depth - 1; i-- > 0;) {
        vb_status s = vb_log_node_hash(builder->stack[i], root, root);
        if (s != VB_OK)
            return s;
    }
    memcpy(out, root, VB_LOG_HASH_BYTES);
    return VB_OK;
}

/* ---------------------------------------------------------------- ranges of a source */

static vb_status read_leaf(const vb_log_source *source, uint64_t index, uint8_t out[VB_LOG_HASH_BYTES], vb_error *err)
{
    vb_status s = source->leaf(source->context, index, out);
    if (s != VB_OK)
        return vb_fail(err, s, "log: the leaf source could not give leaf %llu (%s)", (unsigned long long)index,
                       vb_status_name(s));
    return VB_OK;
}

/* MTH(D[start:end]), end > start. Recursion depth is at most 64; without stored subtrees every
 * leaf of the range is read once. */
static vb_status range_hash(const vb_log_source *source, uint64_t start, uint64_t end, uint8_t out[VB_LOG_HASH_BYTES],
                            vb_error *err)
{
    uint64_t count = end - start;
    vb_status s;
    if (count == 1)
        return read_leaf(source, start, out, err);
    if (source->subtree && (count & (count - 1)) == 0 && start % count == 0) {
        unsigned level = (unsigned)__builtin_ctzll(count);
        bool found = false;
        if ((s = source->subtree(source->context, level, start >> level, out, &found)) != VB_OK)
            return vb_fail(err, s, "log: the leaf source could not give the subtree of %llu leaves from leaf %llu (%s)",
                           (unsigned long long)count, (unsigned long long)start, vb_status_name(s));
        if (found)
            return VB_OK;
    }
    uint64_t k = split_point(count);
    uint8_t left[VB_LOG_HASH_BYTES], right[VB_LOG_HASH_BYTES];
    if ((s = range_hash(source, start, start + k, left, err)) != VB_OK ||
        (s = range_hash(source, start + k, end, right, err)) != VB_OK)
        return s;
    return vb_log_node_hash(left, right, out) == VB_OK ? VB_OK : crypto_failed(err);
}

static vb_status check_source(const vb_log_source *source, vb_error *err)
{
    if (!source || !source->leaf)
        return vb_fail(err, VB_ERR_ARGUMENT, "log: no leaf source given");
    return VB_OK;
}

vb_status vb_log_root(const vb_log_source *source, uint64_t size, uint8_t out[VB_LOG_HASH_BYTES], vb_error *err)
{
    vb_status s = check_source(source, err);
    if (s != VB_OK)
        return s;
    if (size == 0) {
        vb_log_empty_root(out);
        return VB_OK;
    }
    return range_hash(source, 0, size, out, err);
}

vb_status vb_log_builder_restore(vb_log_builder *builder, const vb_log_source *source, uint64_t size, vb_error *err)
{
    vb_log_builder restored;
    vb_status s = check_source(source, err);
    if (s != VB_OK)
        return s;
    vb_log_builder_init(&restored);
    /* The stack holds one perfect subtree per set bit of the size, the largest first. */
    uint64_t start = 0;
    for (unsigned level = 64; level-- > 0;) {
        uint64_t width = (uint64_t)1 << level;
        if (!(size & width))
            continue;
        if ((s = range_hash(source, start, start + width, restored.stack[restored.depth], err)) != VB_OK)
            return s;
        restored.depth++;
        start += width;
    }
    restored.size = size;
    *builder = restored;
    return VB_OK;
}

/* ---------------------------------------------------------------- proofs */

typedef struct {
    uint64_t start, end;
} leaf_range;

/* Fills proof->hashes with the roots of `ranges` in the order given. */
static vb_status hash_ranges(const vb_log_source *source, const leaf_range *ranges, size_t count, vb_log_proof *proof,
                             vb_error *err)
{
    for (size_t i = 0; i < count; i++) {
        vb_status s = range_hash(source, ranges[i].start, ranges[i].end, proof->hashes + i * VB_LOG_HASH_BYTES, err);
        if (s != VB_OK) {
            proof->count = 0;
            return s;
        }
    }
    proof->count = count;
    return VB_OK;
}

vb_status vb_log_prove_inclusion(const vb_log_source *source, uint64_t index, uint64_t size, vb_log_proof *proof,
                                 vb_error *err)
{
    leaf_range siblings[64];
    size_t depth = 0;
    uint64_t start = 0, end = size;
    vb_status s = check_source(source, err);

    proof->count = 0;
    if (s != VB_OK)
        return s;
    if (index >= size)
        return vb_fail(err, VB_ERR_ARGUMENT, "log: no leaf %llu in a tree of %llu", (unsigned long long)index,
                       (unsigned long long)size);
    /* PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) for m < k, PATH(m - k, D[k:n]) : MTH(D[0:k])
     * otherwise: walking down records one sibling per level, and the proof lists them upwards. */
    while (end - start > 1) {
        uint64_t k = split_point(end - start);
        if (index < start + k) {
            siblings[depth++] = (leaf_range){start + k, end};
            end = start + k;
        } else {
            siblings[depth++] = (leaf_range){start, start + k};
            start += k;
        }
    }
    leaf_range ordered[64];
    for (size_t i = 0; i < depth; i++)
        ordered[i] = siblings[depth - 1 - i];
    return hash_ranges(source, ordered, depth, proof, err);
}

vb_status vb_log_prove_consistency(const vb_log_source *source, uint64_t first, uint64_t second, vb_log_proof *proof,
                                   vb_error *err)
{
    leaf_range siblings[64];
    size_t depth = 0;
    uint64_t start = 0, end = second, m = first;
    bool whole_old_tree = true; /* the RFC's b: this subtree's left edge is the old tree's */
    vb_status s = check_source(source, err);

    proof->count = 0;
    if (s != VB_OK)
        return s;
    if (first == 0 || first > second)
        return vb_fail(err, VB_ERR_ARGUMENT, "log: no consistency proof from size %llu to size %llu",
                       (unsigned long long)first, (unsigned long long)second);
    /* SUBPROOF(m, D[n], b): at m = n, nothing when b (the verifier holds that root), else MTH(D[n]);
     * for m ≤ k, SUBPROOF(m, D[0:k], b) : MTH(D[k:n]); for m > k, SUBPROOF(m - k, D[k:n], false) :
     * MTH(D[0:k]). */
    leaf_range old_subtree = {0, 0};
    bool send_old_subtree = false;
    for (;;) {
        uint64_t count = end - start;
        if (m == count) {
            if (!whole_old_tree) {
                old_subtree = (leaf_range){start, end};
                send_old_subtree = true;
            }
            break;
        }
        uint64_t k = split_point(count);
        if (m <= k) {
            siblings[depth++] = (leaf_range){start + k, end};
            end = start + k;
        } else {
            siblings[depth++] = (leaf_range){start, start + k};
            m -= k;
            start += k;
            whole_old_tree = false;
        }
    }
    leaf_range ordered[VB_LOG_MAX_PROOF_HASHES];
    size_t count = 0;
    if (send_old_subtree)
        ordered[count++] = old_subtree;
    for (size_t i = 0; i < depth; i++)
        ordered[count++] = siblings[depth - 1 - i];
    return hash_ranges(source, ordered, count, proof, err);
}

/* ---------------------------------------------------------------- verification */

#define PATH_AT(path, i) ((path) + (size_t)(i) * VB_LOG_HASH_BYTES)

vb_status vb_log_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf_hash[VB_LOG_HASH_BYTES],
                                  const uint8_t *path, size_t count, const uint8_t root[VB_LOG_HASH_BYTES],
                                  vb_error *err)
{
    if (count > 0 && !path)
        return vb_fail(err, VB_ERR_ARGUMENT, "log: inclusion proof of %zu hashes given without its hashes", count);
    /* 1. leaf_index ≥ tree_size fails. */
    if (index >= size)
        return vb_fail(err, VB_ERR_LOG_PROOF, "inclusion proof: leaf %llu is not in a tree of %llu",
                       (unsigned long long)index, (unsigned long long)size);
    /* 2, 3. */
    uint64_t fn = index, sn = size - 1;
    uint8_t r[VB_LOG_HASH_BYTES];
    memcpy(r, leaf_hash, VB_LOG_HASH_BYTES);
    /* 4. */
    for (size_t i = 0; i < count; i++) {
        const uint8_t *p = PATH_AT(path, i);
        vb_status s;
        /* a. A hash left over once the root is reached: too long. */
        if (sn == 0)
            return vb_fail(err, VB_ERR_LOG_PROOF,
                           "inclusion proof: %zu hashes, but leaf %llu of %llu needs only %zu", count,
                           (unsigned long long)index, (unsigned long long)size, i);
        /* b. */
        if ((fn & 1) || fn == sn) {
            s = vb_log_node_hash(p, r, r);
            /* ii. A right edge: climb past the levels where this node has no sibling. */
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            s = vb_log_node_hash(r, p, r);
        }
        if (s != VB_OK)
            return crypto_failed(err);
        /* c. */
        fn >>= 1;
        sn >>= 1;
    }
    /* 5. */
    if (sn != 0)
        return vb_fail(err, VB_ERR_LOG_PROOF, "inclusion proof: %zu hashes are too few for leaf %llu of %llu", count,
                       (unsigned long long)index, (unsigned long long)size);
    if (memcmp(r, root, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_LOG_MISMATCH, "inclusion proof: leaf %llu does not lead to the root of the tree of %llu",
                       (unsigned long long)index, (unsigned long long)size);
    return VB_OK;
}

vb_status vb_log_verify_consistency(uint64_t first, uint64_t second, const uint8_t first_root[VB_LOG_HASH_BYTES],
                                    const uint8_t second_root[VB_LOG_HASH_BYTES], const uint8_t *path, size_t count,
                                    vb_error *err)
{
    if (count > 0 && !path)
        return vb_fail(err, VB_ERR_ARGUMENT, "log: consistency proof of %zu hashes given without its hashes", count);
    /* The RFC defines the proof for 0 < first < second. The empty tree is the start of every tree,
     * but a checkpoint of size 0 commits to nothing, so there is nothing to prove: refused. */
    if (first == 0)
        return vb_fail(err, VB_ERR_LOG_PROOF, "consistency proof: the first tree is empty");
    if (first > second)
        return vb_fail(err, VB_ERR_LOG_PROOF, "consistency proof: the first tree (%llu) is larger than the second (%llu)",
                       (unsigned long long)first, (unsigned long long)second);
    /* Equal sizes: SUBPROOF(m, D[m], true) is empty, and the trees are consistent iff the roots agree. */
    if (first == second) {
        if (count != 0)
            return vb_fail(err, VB_ERR_LOG_PROOF, "consistency proof between equal sizes must be empty, has %zu hashes",
                           count);
        if (memcmp(first_root, second_root, VB_LOG_HASH_BYTES) != 0)
            return vb_fail(err, VB_ERR_LOG_MISMATCH, "consistency proof: two different roots for the same size %llu",
                           (unsigned long long)first);
        return VB_OK;
    }
    /* 1. */
    if (count == 0)
        return vb_fail(err, VB_ERR_LOG_PROOF, "consistency proof from %llu to %llu is empty", (unsigned long long)first,
                       (unsigned long long)second);
    /* 2. When first is a power of two the old root is a node of the new tree and the proof leaves it
     * out: it becomes element 0 of the working path, and the given hashes follow. */
    size_t prepended = (first & (first - 1)) == 0 ? 1 : 0;
    size_t total = count + prepended;
#define ELEMENT(i) ((i) < prepended ? first_root : PATH_AT(path, (i) - prepended))
    /* 3. */
    uint64_t fn = first - 1, sn = second - 1;
    /* 4. */
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    /* 5. */
    uint8_t fr[VB_LOG_HASH_BYTES], sr[VB_LOG_HASH_BYTES];
    memcpy(fr, ELEMENT(0), VB_LOG_HASH_BYTES);
    memcpy(sr, ELEMENT(0), VB_LOG_HASH_BYTES);
    /* 6. */
    for (size_t i = 1; i < total; i++) {
        const uint8_t *c = ELEMENT(i);
        /* a. */
        if (sn == 0)
            return vb_fail(err, VB_ERR_LOG_PROOF, "consistency proof from %llu to %llu: %zu hashes, more than it needs",
                           (unsigned long long)first, (unsigned long long)second, count);
        /* b. */
        if ((fn & 1) || fn == sn) {
            if (vb_log_node_hash(c, fr, fr) != VB_OK || vb_log_node_hash(c, sr, sr) != VB_OK)
                return crypto_failed(err);
            /* iii. */
            if (!(fn & 1))
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
        } else {
            if (vb_log_node_hash(sr, c, sr) != VB_OK)
                return crypto_failed(err);
        }
        /* c. */
        fn >>= 1;
        sn >>= 1;
    }
#undef ELEMENT
    /* 7. */
    if (sn != 0)
        return vb_fail(err, VB_ERR_LOG_PROOF, "consistency proof from %llu to %llu: %zu hashes are too few",
                       (unsigned long long)first, (unsigned long long)second, count);
    if (memcmp(fr, first_root, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_LOG_MISMATCH, "consistency proof does not lead to the root of the tree of %llu",
                       (unsigned long long)first);
    if (memcmp(sr, second_root, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_LOG_MISMATCH, "consistency proof does not lead to the root of the tree of %llu",
                       (unsigned long long)second);
    return VB_OK;
}

/* ---------------------------------------------------------------- checkpoints */

/* The origin follows the rule for a school code (iss, FORMAT.md §4). */
static vb_status check_origin(const char *origin, size_t length, vb_error *err)
{
    if (length < 1 || length > VB_MAX_SCHOOL_CODE_BYTES)
        return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: origin is %zu bytes, must be 1 to %d", length,
                       VB_MAX_SCHOOL_CODE_BYTES);
    for (size_t i = 0; i < length; i++) {
        char c = origin[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '-' ||
              c == '_'))
            return vb_fail(err, VB_ERR_LOG_CHECKPOINT,
                           "checkpoint: origin holds '%c'; a school code has only letters, digits, '.', '-' and '_'",
                           c > 0x20 && c < 0x7f ? c : '?');
    }
    return VB_OK;
}

static vb_status check_checkpoint(const vb_log_checkpoint *checkpoint, size_t origin_length, vb_error *err)
{
    vb_status s = check_origin(checkpoint->origin, origin_length, err);
    if (s != VB_OK)
        return s;
    if (checkpoint->time >= VB_LOG_MAX_CHECKPOINT_TIME)
        return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: time %llu is not before 2200-01-01",
                       (unsigned long long)checkpoint->time);
    /* A tree of no leaves has one root; any other would be a commitment to nothing in particular. */
    if (checkpoint->size == 0 && memcmp(checkpoint->root, empty_root, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: size 0 with a root other than SHA-256 of nothing");
    return VB_OK;
}

vb_status vb_log_checkpoint_encode(const vb_log_checkpoint *checkpoint, uint8_t *out, size_t out_size,
                                   size_t *out_length, vb_error *err)
{
    size_t origin_length = strnlen(checkpoint->origin, sizeof checkpoint->origin);
    vb_status s = check_checkpoint(checkpoint, origin_length, err);
    if (s != VB_OK)
        return s;
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, out, out_size);
    vb_cbor_put_map(&w, 4);
    vb_cbor_put_uint(&w, VB_LOG_CHECKPOINT_KEY_ORIGIN);
    vb_cbor_put_text(&w, checkpoint->origin, origin_length);
    vb_cbor_put_uint(&w, VB_LOG_CHECKPOINT_KEY_SIZE);
    vb_cbor_put_uint(&w, checkpoint->size);
    vb_cbor_put_uint(&w, VB_LOG_CHECKPOINT_KEY_ROOT);
    vb_cbor_put_bytes(&w, checkpoint->root, VB_LOG_HASH_BYTES);
    vb_cbor_put_uint(&w, VB_LOG_CHECKPOINT_KEY_TIME);
    vb_cbor_put_uint(&w, checkpoint->time);
    if (w.overflow)
        return vb_fail(err, VB_ERR_TOO_LARGE, "checkpoint does not fit in %zu bytes", out_size);
    *out_length = w.length;
    return VB_OK;
}

/* A CBOR fault keeps its own code; a well-formed item of the wrong type is a malformed checkpoint. */
static vb_status payload_fault(vb_error *err, vb_status cause, const char *what)
{
    char inner[sizeof err->message];
    snprintf(inner, sizeof inner, "%s", err ? err->message : "");
    if (cause == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: %s", what);
    return vb_fail(err, cause, "checkpoint: %s: %s", what, inner);
}

vb_status vb_log_checkpoint_decode_payload(const uint8_t *data, size_t length, vb_log_checkpoint *checkpoint,
                                           vb_error *err)
{
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    vb_log_checkpoint decoded;
    size_t count, origin_length = 0;
    vb_status s;

    memset(checkpoint, 0, sizeof *checkpoint);
    memset(&decoded, 0, sizeof decoded);
    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return payload_fault(err, s, "payload is not a map");
    if (count != 4)
        return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: map has %zu entries, must have exactly 4", count);

    /* Keys are read as any map's are, so a fault of canonical form (order, duplicates) gets its
     * CBOR code; then each must be one of the four, and with four entries all four are present. */
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r.pos;
        uint64_t key;
        if ((s = vb_cbor_read_uint(&r, &key, err)) != VB_OK)
            return payload_fault(err, s, "map key is not an unsigned integer");
        if ((s = vb_cbor_check_key_order(&order, key_start, (size_t)(r.pos - key_start), err)) != VB_OK)
            return payload_fault(err, s, "map keys");
        switch (key) {
        case VB_LOG_CHECKPOINT_KEY_ORIGIN: {
            const char *origin;
            if ((s = vb_cbor_read_text(&r, &origin, &origin_length, err)) != VB_OK)
                return payload_fault(err, s, "origin (1) is not a text string");
            if ((s = check_origin(origin, origin_length, err)) != VB_OK)
                return s;
            memcpy(decoded.origin, origin, origin_length);
            break;
        }
        case VB_LOG_CHECKPOINT_KEY_SIZE:
            if ((s = vb_cbor_read_uint(&r, &decoded.size, err)) != VB_OK)
                return payload_fault(err, s, "size (2) is not an unsigned integer");
            break;
        case VB_LOG_CHECKPOINT_KEY_ROOT: {
            const uint8_t *root;
            size_t root_length;
            if ((s = vb_cbor_read_bytes(&r, &root, &root_length, err)) != VB_OK)
                return payload_fault(err, s, "root (3) is not a byte string");
            if (root_length != VB_LOG_HASH_BYTES)
                return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: root is %zu bytes, must be %d", root_length,
                               VB_LOG_HASH_BYTES);
            memcpy(decoded.root, root, VB_LOG_HASH_BYTES);
            break;
        }
        case VB_LOG_CHECKPOINT_KEY_TIME:
            if ((s = vb_cbor_read_uint(&r, &decoded.time, err)) != VB_OK)
                return payload_fault(err, s, "time (4) is not an unsigned integer");
            break;
        default:
            /* Refused rather than skipped: a checkpoint says exactly this much, and a record's
             * claims (keys 1, 6, 7, …) must never pass for one. */
            return vb_fail(err, VB_ERR_LOG_CHECKPOINT, "checkpoint: unknown key %llu; the keys are 1 to 4",
                           (unsigned long long)key);
        }
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "checkpoint: %zu bytes after the payload map", vb_cbor_remaining(&r));
    if ((s = check_checkpoint(&decoded, origin_length, err)) != VB_OK)
        return s;
    *checkpoint = decoded;
    return VB_OK;
}

vb_status vb_log_checkpoint_sign(vb_cose_signer *signer, const vb_log_checkpoint *checkpoint, uint8_t *out,
                                 size_t out_size, size_t *out_length, vb_error *err)
{
    uint8_t payload[128];
    size_t payload_length;
    vb_status s = vb_log_checkpoint_encode(checkpoint, payload, sizeof payload, &payload_length, err);
    if (s != VB_OK)
        return s;
    return vb_cose_sign1_sign(signer, payload, payload_length, out, out_size, out_length, err);
}

vb_status vb_log_checkpoint_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message,
                                   vb_log_checkpoint *checkpoint, vb_error *err)
{
    vb_status s;
    memset(checkpoint, 0, sizeof *checkpoint);
    memset(message, 0, sizeof *message);
    if (length > VB_LOG_MAX_CHECKPOINT_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "checkpoint is %zu bytes, the limit is %d", length,
                       VB_LOG_MAX_CHECKPOINT_BYTES);
    if ((s = vb_cose_sign1_decode(data, length, message, err)) != VB_OK) {
        char inner[sizeof err->message];
        snprintf(inner, sizeof inner, "%s", err ? err->message : "");
        return vb_fail(err, s, "checkpoint: %s", inner);
    }
    return vb_log_checkpoint_decode_payload(message->payload, message->payload_length, checkpoint, err);
}

vb_status vb_log_checkpoint_verify(const uint8_t *data, size_t length, EVP_PKEY *key, const uint8_t *kid,
                                   vb_log_checkpoint *checkpoint, vb_error *err)
{
    vb_cose_sign1 message;
    vb_status s = vb_log_checkpoint_decode(data, length, &message, checkpoint, err);
    if (s == VB_OK && kid && memcmp(kid, message.kid, VB_KID_BYTES) != 0)
        s = vb_fail(err, VB_ERR_UNKNOWN_SIGNER, "checkpoint is signed with another key than the school's");
    if (s == VB_OK && !key)
        s = vb_fail(err, VB_ERR_ARGUMENT, "checkpoint: no public key to check it with");
    if (s == VB_OK && (s = vb_cose_sign1_verify(&message, key, err)) != VB_OK) {
        char inner[sizeof err->message];
        snprintf(inner, sizeof inner, "%s", err ? err->message : "");
        s = vb_fail(err, s, "checkpoint: %s", inner);
    }
    if (s != VB_OK)
        memset(checkpoint, 0, sizeof *checkpoint);
    return s;
}
