/*
 * test_log.c — unit tests of the register's Merkle log (libvanbang/log.c): hashes and roots
 * against the Certificate Transparency reference values, the streaming builder against a plain
 * recursive MTH, every inclusion and consistency proof of trees up to 64 leaves generated,
 * compared with the RFC's recursive definitions, verified and tampered with, trees near 2^64
 * leaves, leaf-source failures, and signed checkpoints (round trip, strict decoding, forgery).
 *
 * The recursive MTH, PATH and SUBPROOF below are a second implementation, kept deliberately
 * naive (arrays in memory, recursion straight from RFC 9162 §2.1), hashing with OpenSSL directly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "log.h"
#include "record.h"
#include "testutil.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HASH VB_LOG_HASH_BYTES

/* ---------------------------------------------------------------- helpers */

/* Hex into out: *length gets the byte count, or with length NULL it must be exactly out_size. */
static void hex_to_bytes(const char *hex, uint8_t *out, size_t out_size, size_t *length)
{
    size_t n = test_hex(hex, out, out_size);
    if (length)
        *length = n;
    else
        assert_int_equal(n, out_size);
}

static void hash_from_hex(const char *hex, uint8_t out[HASH]) { hex_to_bytes(hex, out, HASH, NULL); }

static void sha256_parts(const void *a, size_t a_length, const void *b, size_t b_length, const void *c,
                         size_t c_length, uint8_t out[HASH])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    assert_non_null(md);
    assert_int_equal(EVP_DigestInit_ex(md, EVP_sha256(), NULL), 1);
    EVP_DigestUpdate(md, a, a_length);
    EVP_DigestUpdate(md, b, b_length);
    EVP_DigestUpdate(md, c, c_length);
    assert_int_equal(EVP_DigestFinal_ex(md, out, NULL), 1);
    EVP_MD_CTX_free(md);
}

static void reference_leaf(const void *data, size_t length, uint8_t out[HASH])
{
    static const uint8_t zero = 0x00;
    sha256_parts(&zero, 1, data, length, "", 0, out);
}

static void reference_node(const uint8_t left[HASH], const uint8_t right[HASH], uint8_t out[HASH])
{
    static const uint8_t one = 0x01;
    sha256_parts(&one, 1, left, HASH, right, HASH, out);
}

static uint64_t reference_split(uint64_t n)
{
    uint64_t k = 1;
    while (k * 2 < n)
        k *= 2;
    return k;
}

/* MTH(D[0:n]) over leaf hashes, by the recursive definition (RFC 9162 §2.1.1). */
static void reference_mth(const uint8_t (*leaves)[HASH], uint64_t n, uint8_t out[HASH])
{
    if (n == 0) {
        sha256_parts("", 0, "", 0, "", 0, out);
    } else if (n == 1) {
        memcpy(out, leaves[0], HASH);
    } else {
        uint64_t k = reference_split(n);
        uint8_t left[HASH], right[HASH];
        reference_mth(leaves, k, left);
        reference_mth(leaves + k, n - k, right);
        reference_node(left, right, out);
    }
}

typedef struct {
    size_t count;
    uint8_t hashes[VB_LOG_MAX_PROOF_HASHES][HASH];
} reference_proof;

static void reference_append(reference_proof *proof, const uint8_t hash[HASH])
{
    assert_true(proof->count < VB_LOG_MAX_PROOF_HASHES);
    memcpy(proof->hashes[proof->count++], hash, HASH);
}

/* PATH(m, D[n]) (§2.1.3.1). */
static void reference_path(uint64_t m, const uint8_t (*leaves)[HASH], uint64_t n, reference_proof *proof)
{
    if (n <= 1)
        return;
    uint64_t k = reference_split(n);
    uint8_t sibling[HASH];
    if (m < k) {
        reference_path(m, leaves, k, proof);
        reference_mth(leaves + k, n - k, sibling);
    } else {
        reference_path(m - k, leaves + k, n - k, proof);
        reference_mth(leaves, k, sibling);
    }
    reference_append(proof, sibling);
}

/* SUBPROOF(m, D[n], b) (§2.1.4.1). */
static void reference_subproof(uint64_t m, const uint8_t (*leaves)[HASH], uint64_t n, bool b, reference_proof *proof)
{
    uint8_t hash[HASH];
    if (m == n) {
        if (!b) {
            reference_mth(leaves, n, hash);
            reference_append(proof, hash);
        }
        return;
    }
    uint64_t k = reference_split(n);
    if (m <= k) {
        reference_subproof(m, leaves, k, b, proof);
        reference_mth(leaves + k, n - k, hash);
    } else {
        reference_subproof(m - k, leaves + k, n - k, false, proof);
        reference_mth(leaves, k, hash);
    }
    reference_append(proof, hash);
}

static void assert_proof_equals(const vb_log_proof *proof, const reference_proof *expected)
{
    assert_int_equal(proof->count, expected->count);
    for (size_t i = 0; i < expected->count; i++)
        assert_memory_equal(proof->hashes + i * HASH, expected->hashes[i], HASH);
}

/* ---------------------------------------------------------------- an in-memory leaf source */

#define STORE_LEVELS 12 /* perfect subtrees of up to 2^11 leaves */
#define STORE_LEAVES 1024

typedef struct {
    uint8_t (*leaves)[HASH];
    uint64_t size;
    /* Perfect subtrees reported by the builder, when the test wants the source to answer them. */
    uint8_t (*nodes[STORE_LEVELS])[HASH];
    bool *stored[STORE_LEVELS];
    bool answer_subtrees;
    uint64_t leaf_reads, subtree_reads;
    uint64_t fail_at; /* leaf index whose read fails with VB_ERR_IO; UINT64_MAX for none */
} memory_tree;

static vb_status memory_leaf(void *context, uint64_t index, uint8_t out[HASH])
{
    memory_tree *tree = context;
    tree->leaf_reads++;
    if (index == tree->fail_at)
        return VB_ERR_IO;
    assert_true(index < tree->size);
    memcpy(out, tree->leaves[index], HASH);
    return VB_OK;
}

static vb_status memory_subtree(void *context, unsigned level, uint64_t index, uint8_t out[HASH], bool *found)
{
    memory_tree *tree = context;
    tree->subtree_reads++;
    assert_true(level >= 1);
    *found = false;
    if (level < STORE_LEVELS && tree->stored[level] && (index << level) < STORE_LEAVES && tree->stored[level][index]) {
        memcpy(out, tree->nodes[level][index], HASH);
        *found = true;
    }
    return VB_OK;
}

static vb_status memory_store_node(void *context, unsigned level, uint64_t index, const uint8_t hash[HASH])
{
    memory_tree *tree = context;
    assert_true(level >= 1 && level < STORE_LEVELS);
    assert_true((index << level) < STORE_LEAVES);
    assert_false(tree->stored[level][index]); /* each subtree is reported once */
    memcpy(tree->nodes[level][index], hash, HASH);
    tree->stored[level][index] = true;
    return VB_OK;
}

/* Leaf i is the leaf hash of an 8-byte seeded pseudo-random event (xorshift, fixed seed). */
static memory_tree *memory_tree_new(uint64_t size)
{
    memory_tree *tree = calloc(1, sizeof *tree);
    assert_non_null(tree);
    tree->leaves = calloc(size ? size : 1, HASH);
    assert_non_null(tree->leaves);
    tree->size = size;
    tree->fail_at = UINT64_MAX;
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (uint64_t i = 0; i < size; i++) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        uint8_t event[8];
        for (int b = 0; b < 8; b++)
            event[b] = (uint8_t)(state >> (8 * b));
        reference_leaf(event, sizeof event, tree->leaves[i]);
    }
    for (unsigned level = 1; level < STORE_LEVELS; level++) {
        size_t slots = (STORE_LEAVES >> level) + 1;
        tree->nodes[level] = calloc(slots, HASH);
        tree->stored[level] = calloc(slots, sizeof(bool));
        assert_true(tree->nodes[level] && tree->stored[level]);
    }
    return tree;
}

static void memory_tree_free(memory_tree *tree)
{
    for (unsigned level = 1; level < STORE_LEVELS; level++) {
        free(tree->nodes[level]);
        free(tree->stored[level]);
    }
    free(tree->leaves);
    free(tree);
}

/* Fills the node store as the register would: every leaf through the emitting builder. */
static void memory_tree_store_nodes(memory_tree *tree)
{
    vb_log_builder builder;
    vb_log_builder_init(&builder);
    for (uint64_t i = 0; i < tree->size; i++)
        assert_int_equal(vb_log_builder_add_emitting(&builder, tree->leaves[i], memory_store_node, tree), VB_OK);
    tree->answer_subtrees = true;
}

static vb_log_source memory_source(memory_tree *tree)
{
    vb_log_source source = {memory_leaf, tree->answer_subtrees ? memory_subtree : NULL, tree};
    return source;
}

/* ---------------------------------------------------------------- reference values
 *
 * The Certificate Transparency reference tree (the RFC 6962 implementation's test data, also in
 * transparency-dev/merkle): eight leaves "", 00, 10, 2021, 3031, 40414243, 5051525354555657,
 * 606162636465666768696a6b6c6d6e6f. Every value below was computed once with a separate Python
 * script written from RFC 9162 §2.1 (hashlib.sha256, recursive MTH / PATH / SUBPROOF):
 *     leaf = sha256(b'\x00' + d); node = sha256(b'\x01' + l + r); k = largest power of 2 < n
 * and matches the published CT values for the roots, PATH(0, 8), PATH(5, 8), PROOF(2, 8),
 * PROOF(6, 8) and PROOF(2, 5). */

static const char *const ct_leaves[8] = {
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f",
};

static const char *const ct_roots[9] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

typedef struct {
    uint64_t m, n;
    size_t count;
    const char *hashes[4];
} ct_proof;

static const ct_proof ct_inclusion[] = {
    {0, 1, 0, {NULL}},
    {0, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8, 3,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, 1, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5, 3,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {3, 7, 3,
     {"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"}},
};

static const ct_proof ct_consistency[] = {
    {1, 1, 0, {NULL}},
    {1, 8, 3,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8, 3,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5, 2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {2, 8, 2,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {3, 7, 4,
     {"0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
      "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
      "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
      "837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"}},
    {4, 7, 1, {"837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e"}},
};

static memory_tree *ct_tree(void)
{
    memory_tree *tree = memory_tree_new(8);
    for (int i = 0; i < 8; i++) {
        uint8_t data[16];
        size_t length;
        hex_to_bytes(ct_leaves[i], data, sizeof data, &length);
        assert_int_equal(vb_log_leaf_hash(data, length, tree->leaves[i]), VB_OK);
    }
    return tree;
}

static void assert_proof_hex(const vb_log_proof *proof, const ct_proof *expected)
{
    assert_int_equal(proof->count, expected->count);
    for (size_t i = 0; i < expected->count; i++) {
        uint8_t hash[HASH];
        hash_from_hex(expected->hashes[i], hash);
        assert_memory_equal(proof->hashes + i * HASH, hash, HASH);
    }
}

/* ---------------------------------------------------------------- hashes and roots */

static void test_hashes_are_rfc9162(void **state)
{
    (void)state;
    uint8_t hash[HASH], expected[HASH], left[HASH], right[HASH];

    vb_log_empty_root(hash);
    hash_from_hex(ct_roots[0], expected);
    assert_memory_equal(hash, expected, HASH);

    assert_int_equal(vb_log_leaf_hash(NULL, 0, hash), VB_OK); /* the empty event */
    hash_from_hex(ct_roots[1], expected);
    assert_memory_equal(hash, expected, HASH);

    const uint8_t zero = 0x00;
    assert_int_equal(vb_log_leaf_hash((const uint8_t *)"", 0, left), VB_OK);
    assert_int_equal(vb_log_leaf_hash(&zero, 1, right), VB_OK);
    assert_int_equal(vb_log_node_hash(left, right, hash), VB_OK);
    hash_from_hex(ct_roots[2], expected);
    assert_memory_equal(hash, expected, HASH);

    /* Leaf and node hashes are domain-separated: a leaf whose event is l ‖ r is not the node. */
    uint8_t both[2 * HASH];
    memcpy(both, left, HASH);
    memcpy(both + HASH, right, HASH);
    assert_int_equal(vb_log_leaf_hash(both, sizeof both, expected), VB_OK);
    assert_memory_not_equal(hash, expected, HASH);
}

static void test_reference_roots(void **state)
{
    (void)state;
    memory_tree *tree = ct_tree();
    vb_log_source source = memory_source(tree);
    vb_log_builder builder;
    vb_log_builder_init(&builder);
    for (uint64_t n = 0; n <= 8; n++) {
        uint8_t expected[HASH], root[HASH];
        vb_error err;
        hash_from_hex(ct_roots[n], expected);
        assert_int_equal(vb_log_builder_root(&builder, root), VB_OK);
        assert_memory_equal(root, expected, HASH);
        assert_int_equal(vb_log_root(&source, n, root, &err), VB_OK);
        assert_memory_equal(root, expected, HASH);
        reference_mth((const uint8_t(*)[HASH])tree->leaves, n, root);
        assert_memory_equal(root, expected, HASH);
        if (n < 8)
            assert_int_equal(vb_log_builder_add(&builder, tree->leaves[n]), VB_OK);
    }
    assert_int_equal(builder.size, 8);
    memory_tree_free(tree);
}

static void test_reference_proofs(void **state)
{
    (void)state;
    memory_tree *tree = ct_tree();
    vb_log_source source = memory_source(tree);
    vb_log_proof proof;
    vb_error err;

    for (size_t i = 0; i < sizeof ct_inclusion / sizeof ct_inclusion[0]; i++) {
        const ct_proof *c = &ct_inclusion[i];
        uint8_t root[HASH];
        assert_int_equal(vb_log_prove_inclusion(&source, c->m, c->n, &proof, &err), VB_OK);
        assert_proof_hex(&proof, c);
        hash_from_hex(ct_roots[c->n], root);
        assert_int_equal(vb_log_verify_inclusion(c->m, c->n, tree->leaves[c->m], proof.hashes, proof.count, root, &err),
                         VB_OK);
    }
    for (size_t i = 0; i < sizeof ct_consistency / sizeof ct_consistency[0]; i++) {
        const ct_proof *c = &ct_consistency[i];
        uint8_t first_root[HASH], second_root[HASH];
        assert_int_equal(vb_log_prove_consistency(&source, c->m, c->n, &proof, &err), VB_OK);
        assert_proof_hex(&proof, c);
        hash_from_hex(ct_roots[c->m], first_root);
        hash_from_hex(ct_roots[c->n], second_root);
        assert_int_equal(vb_log_verify_consistency(c->m, c->n, first_root, second_root, proof.hashes, proof.count, &err),
                         VB_OK);
    }
    memory_tree_free(tree);
}

/* ---------------------------------------------------------------- the streaming builder */

static void test_builder_matches_recursive_mth(void **state)
{
    (void)state;
    enum { N = 1000 };
    memory_tree *tree = memory_tree_new(N);
    vb_log_builder builder;
    vb_log_builder_init(&builder);
    for (uint64_t n = 0; n <= N; n++) {
        uint8_t expected[HASH], root[HASH], again[HASH];
        reference_mth((const uint8_t(*)[HASH])tree->leaves, n, expected);
        assert_int_equal(vb_log_builder_root(&builder, root), VB_OK);
        if (memcmp(root, expected, HASH) != 0)
            fail_msg("builder root differs from MTH at size %llu", (unsigned long long)n);
        /* Asking for the root consumes nothing. */
        assert_int_equal(vb_log_builder_root(&builder, again), VB_OK);
        assert_memory_equal(again, root, HASH);
        assert_int_equal(builder.size, n);
        assert_int_equal(builder.depth, (unsigned)__builtin_popcountll(n));
        if (n < N)
            assert_int_equal(vb_log_builder_add(&builder, tree->leaves[n]), VB_OK);
    }
    memory_tree_free(tree);
}

static void test_builder_reports_every_perfect_subtree(void **state)
{
    (void)state;
    enum { N = 1000 };
    memory_tree *tree = memory_tree_new(N);
    memory_tree_store_nodes(tree);
    for (unsigned level = 1; level < STORE_LEVELS; level++) {
        uint64_t width = (uint64_t)1 << level;
        for (uint64_t index = 0; index <= (uint64_t)(STORE_LEAVES >> level); index++) {
            bool complete = (index + 1) * width <= (uint64_t)N;
            assert_int_equal(tree->stored[level][index], complete);
            if (complete) {
                uint8_t expected[HASH];
                reference_mth((const uint8_t(*)[HASH])tree->leaves + index * width, width, expected);
                assert_memory_equal(tree->nodes[level][index], expected, HASH);
            }
        }
    }
    memory_tree_free(tree);
}

typedef struct {
    int calls, fail_on;
} failing_emit;

static vb_status emit_failing(void *context, unsigned level, uint64_t index, const uint8_t hash[HASH])
{
    (void)level, (void)index, (void)hash;
    failing_emit *f = context;
    return ++f->calls == f->fail_on ? VB_ERR_IO : VB_OK;
}

/* A store that fails to take a node leaves the builder as it was, so the append can be retried. */
static void test_builder_unchanged_when_emit_fails(void **state)
{
    (void)state;
    memory_tree *tree = memory_tree_new(8);
    vb_log_builder builder, before;
    vb_log_builder_init(&builder);
    for (int i = 0; i < 7; i++)
        assert_int_equal(vb_log_builder_add(&builder, tree->leaves[i]), VB_OK);
    before = builder;
    for (int fail_on = 1; fail_on <= 3; fail_on++) { /* leaf 7 completes subtrees at levels 1, 2, 3 */
        failing_emit f = {0, fail_on};
        assert_int_equal(vb_log_builder_add_emitting(&builder, tree->leaves[7], emit_failing, &f), VB_ERR_IO);
        assert_memory_equal(&builder, &before, sizeof builder);
    }
    failing_emit ok = {0, 0};
    assert_int_equal(vb_log_builder_add_emitting(&builder, tree->leaves[7], emit_failing, &ok), VB_OK);
    assert_int_equal(ok.calls, 3);
    uint8_t root[HASH], expected[HASH];
    assert_int_equal(vb_log_builder_root(&builder, root), VB_OK);
    reference_mth((const uint8_t(*)[HASH])tree->leaves, 8, expected);
    assert_memory_equal(root, expected, HASH);
    memory_tree_free(tree);
}

static void test_builder_full_tree_refuses_more(void **state)
{
    (void)state;
    vb_log_builder builder;
    uint8_t leaf[HASH] = {0};
    vb_log_builder_init(&builder);
    builder.size = UINT64_MAX;
    builder.depth = 64; /* contents irrelevant: the size check comes first */
    assert_int_equal(vb_log_builder_add(&builder, leaf), VB_ERR_TOO_LARGE);
    assert_true(builder.size == UINT64_MAX);
}

static void test_builder_restore(void **state)
{
    (void)state;
    enum { N = 300 };
    memory_tree *plain = memory_tree_new(N);
    memory_tree *stored = memory_tree_new(N);
    memory_tree_store_nodes(stored);
    vb_log_source plain_source = memory_source(plain), stored_source = memory_source(stored);
    vb_log_builder incremental;
    vb_log_builder_init(&incremental);
    for (uint64_t n = 0; n <= N; n++) {
        vb_log_builder restored;
        vb_error err;
        assert_int_equal(vb_log_builder_restore(&restored, &plain_source, n, &err), VB_OK);
        assert_int_equal(restored.size, incremental.size);
        assert_int_equal(restored.depth, incremental.depth);
        assert_memory_equal(restored.stack, incremental.stack, (size_t)incremental.depth * HASH);

        stored->leaf_reads = stored->subtree_reads = 0;
        assert_int_equal(vb_log_builder_restore(&restored, &stored_source, n, &err), VB_OK);
        assert_memory_equal(restored.stack, incremental.stack, (size_t)incremental.depth * HASH);
        /* One look-up per stack entry when every perfect subtree is stored. */
        assert_true(stored->leaf_reads + stored->subtree_reads == incremental.depth);

        /* A restored builder goes on exactly as the one that never stopped. */
        if (n < N) {
            vb_log_builder continued = restored;
            uint8_t a[HASH], b[HASH];
            assert_int_equal(vb_log_builder_add(&incremental, plain->leaves[n]), VB_OK);
            assert_int_equal(vb_log_builder_add(&continued, plain->leaves[n]), VB_OK);
            assert_int_equal(vb_log_builder_root(&incremental, a), VB_OK);
            assert_int_equal(vb_log_builder_root(&continued, b), VB_OK);
            assert_memory_equal(a, b, HASH);
        }
    }
    memory_tree_free(plain);
    memory_tree_free(stored);
}

/* ---------------------------------------------------------------- every proof of small trees */

static void flip_bit(uint8_t *bytes, size_t bit) { bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8)); }

static void test_every_inclusion_proof_up_to_64(void **state)
{
    (void)state;
    enum { N = 64 };
    memory_tree *tree = memory_tree_new(N);
    vb_log_source source = memory_source(tree);
    const uint8_t(*leaves)[HASH] = (const uint8_t(*)[HASH])tree->leaves;
    size_t checked = 0;

    for (uint64_t n = 1; n <= N; n++) {
        uint8_t root[HASH];
        reference_mth(leaves, n, root);
        for (uint64_t m = 0; m < n; m++) {
            vb_log_proof proof, bad;
            reference_proof expected = {0};
            vb_error err;
            tree->leaf_reads = 0;
            assert_int_equal(vb_log_prove_inclusion(&source, m, n, &proof, &err), VB_OK);
            assert_true(tree->leaf_reads <= n - 1); /* O(n): each other leaf at most once */
            reference_path(m, leaves, n, &expected);
            assert_proof_equals(&proof, &expected);

            if (vb_log_verify_inclusion(m, n, leaves[m], proof.hashes, proof.count, root, &err) != VB_OK)
                fail_msg("inclusion %llu of %llu refused: %s", (unsigned long long)m, (unsigned long long)n,
                         err.message);

            /* Any bit of any hash changed: the root no longer follows. */
            for (size_t bit = 0; bit < proof.count * HASH * 8; bit += 13) {
                bad = proof;
                flip_bit(bad.hashes, bit);
                assert_int_equal(vb_log_verify_inclusion(m, n, leaves[m], bad.hashes, bad.count, root, &err),
                                 VB_ERR_LOG_MISMATCH);
            }
            uint8_t other[HASH];
            memcpy(other, leaves[m], HASH);
            flip_bit(other, 255);
            assert_int_equal(vb_log_verify_inclusion(m, n, other, proof.hashes, proof.count, root, &err),
                             VB_ERR_LOG_MISMATCH);
            assert_int_equal(vb_log_verify_inclusion(m, n, leaves[m], proof.hashes, proof.count, other, &err),
                             VB_ERR_LOG_MISMATCH);
            /* Another leaf's hash at this index, or this leaf claimed at another index. */
            if (n > 1) {
                uint64_t elsewhere = (m + 1) % n;
                assert_int_not_equal(
                    vb_log_verify_inclusion(m, n, leaves[elsewhere], proof.hashes, proof.count, root, &err), VB_OK);
                assert_int_not_equal(
                    vb_log_verify_inclusion(elsewhere, n, leaves[m], proof.hashes, proof.count, root, &err), VB_OK);
            }
            /* The right root of the wrong size. */
            uint8_t bigger_root[HASH];
            reference_mth(leaves, n + 1 <= N ? n + 1 : n - 1, bigger_root);
            assert_int_not_equal(vb_log_verify_inclusion(m, n + 1 <= N ? n + 1 : n - 1, leaves[m], proof.hashes,
                                                         proof.count, bigger_root, &err),
                                 VB_OK);
            /* Too short, too long. */
            if (proof.count > 0)
                assert_int_equal(
                    vb_log_verify_inclusion(m, n, leaves[m], proof.hashes, proof.count - 1, root, &err),
                    VB_ERR_LOG_PROOF);
            bad = proof;
            memset(bad.hashes + bad.count * HASH, 0xab, HASH);
            assert_int_equal(vb_log_verify_inclusion(m, n, leaves[m], bad.hashes, bad.count + 1, root, &err),
                             VB_ERR_LOG_PROOF);
            assert_int_equal(err.code, VB_ERR_LOG_PROOF);
            checked++;
        }
    }
    assert_int_equal(checked, (size_t)N * (N + 1) / 2);
    memory_tree_free(tree);
}

static void test_every_consistency_proof_up_to_64(void **state)
{
    (void)state;
    enum { N = 64 };
    memory_tree *tree = memory_tree_new(N);
    vb_log_source source = memory_source(tree);
    const uint8_t(*leaves)[HASH] = (const uint8_t(*)[HASH])tree->leaves;
    uint8_t roots[N + 1][HASH];
    for (uint64_t n = 0; n <= N; n++)
        reference_mth(leaves, n, roots[n]);

    for (uint64_t n = 1; n <= N; n++) {
        for (uint64_t m = 1; m <= n; m++) {
            vb_log_proof proof, bad;
            reference_proof expected = {0};
            vb_error err;
            tree->leaf_reads = 0;
            assert_int_equal(vb_log_prove_consistency(&source, m, n, &proof, &err), VB_OK);
            assert_true(tree->leaf_reads <= n);
            reference_subproof(m, leaves, n, true, &expected);
            assert_proof_equals(&proof, &expected);

            if (vb_log_verify_consistency(m, n, roots[m], roots[n], proof.hashes, proof.count, &err) != VB_OK)
                fail_msg("consistency %llu to %llu refused: %s", (unsigned long long)m, (unsigned long long)n,
                         err.message);

            for (size_t bit = 0; bit < proof.count * HASH * 8; bit += 11) {
                bad = proof;
                flip_bit(bad.hashes, bit);
                assert_int_equal(vb_log_verify_consistency(m, n, roots[m], roots[n], bad.hashes, bad.count, &err),
                                 VB_ERR_LOG_MISMATCH);
            }
            /* Roots of other trees, or of the same sizes with one event changed. */
            uint8_t altered[HASH];
            memcpy(altered, roots[m], HASH);
            flip_bit(altered, 7);
            assert_int_equal(vb_log_verify_consistency(m, n, altered, roots[n], proof.hashes, proof.count, &err),
                             VB_ERR_LOG_MISMATCH);
            memcpy(altered, roots[n], HASH);
            flip_bit(altered, 7);
            assert_int_equal(vb_log_verify_consistency(m, n, roots[m], altered, proof.hashes, proof.count, &err),
                             VB_ERR_LOG_MISMATCH);
            if (m < n) {
                assert_int_equal(vb_log_verify_consistency(m, n, roots[n], roots[m], proof.hashes, proof.count, &err),
                                 VB_ERR_LOG_MISMATCH);
                assert_int_equal(vb_log_verify_consistency(m, n, roots[m], roots[n], proof.hashes, proof.count - 1, &err),
                                 VB_ERR_LOG_PROOF);
                /* Swapped order of the sizes. */
                assert_int_equal(vb_log_verify_consistency(n, m, roots[n], roots[m], proof.hashes, proof.count, &err),
                                 VB_ERR_LOG_PROOF);
            }
            bad = proof;
            memset(bad.hashes + bad.count * HASH, 0xcd, HASH);
            assert_int_equal(vb_log_verify_consistency(m, n, roots[m], roots[n], bad.hashes, bad.count + 1, &err),
                             VB_ERR_LOG_PROOF);
        }
    }
    memory_tree_free(tree);
}

/* A register whose event was changed in place: no consistency proof from an earlier checkpoint
 * holds any more, and the rebuilt root differs from the checkpoint's. */
static void test_rewritten_history_is_caught(void **state)
{
    (void)state;
    enum { N = 40 };
    memory_tree *tree = memory_tree_new(N);
    vb_log_source source = memory_source(tree);
    uint8_t checkpoint_root[HASH], rebuilt[HASH];
    vb_log_proof proof;
    vb_error err;
    assert_int_equal(vb_log_root(&source, 25, checkpoint_root, &err), VB_OK);

    flip_bit(tree->leaves[17], 0);
    assert_int_equal(vb_log_root(&source, 25, rebuilt, &err), VB_OK);
    assert_memory_not_equal(rebuilt, checkpoint_root, HASH);
    uint8_t new_root[HASH];
    assert_int_equal(vb_log_root(&source, N, new_root, &err), VB_OK);
    assert_int_equal(vb_log_prove_consistency(&source, 25, N, &proof, &err), VB_OK);
    assert_int_equal(vb_log_verify_consistency(25, N, checkpoint_root, new_root, proof.hashes, proof.count, &err),
                     VB_ERR_LOG_MISMATCH);
    /* Events after the checkpoint may change freely as far as the old checkpoint is concerned. */
    flip_bit(tree->leaves[17], 0);
    flip_bit(tree->leaves[30], 0);
    assert_int_equal(vb_log_root(&source, N, new_root, &err), VB_OK);
    assert_int_equal(vb_log_prove_consistency(&source, 25, N, &proof, &err), VB_OK);
    assert_int_equal(vb_log_verify_consistency(25, N, checkpoint_root, new_root, proof.hashes, proof.count, &err),
                     VB_OK);
    memory_tree_free(tree);
}

static void test_proofs_from_stored_subtrees(void **state)
{
    (void)state;
    enum { N = 1000 };
    memory_tree *plain = memory_tree_new(N);
    memory_tree *stored = memory_tree_new(N);
    memory_tree_store_nodes(stored);
    vb_log_source plain_source = memory_source(plain), stored_source = memory_source(stored);
    static const uint64_t sizes[] = {1, 2, 3, 7, 8, 9, 63, 64, 65, 511, 512, 513, 777, 999, 1000};
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        uint64_t n = sizes[a];
        for (uint64_t m = 0; m < n; m += 1 + n / 37) {
            vb_log_proof slow, fast;
            vb_error err;
            assert_int_equal(vb_log_prove_inclusion(&plain_source, m, n, &slow, &err), VB_OK);
            stored->leaf_reads = stored->subtree_reads = 0;
            assert_int_equal(vb_log_prove_inclusion(&stored_source, m, n, &fast, &err), VB_OK);
            assert_int_equal(fast.count, slow.count);
            assert_memory_equal(fast.hashes, slow.hashes, slow.count * HASH);
            /* Each proof hash is at most one look-up per set bit of its range: O(log² n). */
            assert_true(stored->leaf_reads + stored->subtree_reads <= slow.count * 10);

            assert_int_equal(vb_log_prove_consistency(&plain_source, m + 1, n, &slow, &err), VB_OK);
            stored->leaf_reads = stored->subtree_reads = 0;
            assert_int_equal(vb_log_prove_consistency(&stored_source, m + 1, n, &fast, &err), VB_OK);
            assert_int_equal(fast.count, slow.count);
            assert_memory_equal(fast.hashes, slow.hashes, slow.count * HASH);
            assert_true(stored->leaf_reads + stored->subtree_reads <= slow.count * 10);
        }
    }
    memory_tree_free(plain);
    memory_tree_free(stored);
}

/* ---------------------------------------------------------------- edge cases */

static void test_verification_edge_cases(void **state)
{
    (void)state;
    memory_tree *tree = ct_tree();
    uint8_t root4[HASH], root7[HASH], root8[HASH], empty[HASH];
    uint8_t path[2 * HASH] = {0};
    vb_error err;
    hash_from_hex(ct_roots[4], root4);
    hash_from_hex(ct_roots[7], root7);
    hash_from_hex(ct_roots[8], root8);
    vb_log_empty_root(empty);

    /* Inclusion: index ≥ size, the empty tree, a single leaf. */
    assert_int_equal(vb_log_verify_inclusion(8, 8, tree->leaves[0], path, 3, root8, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_inclusion(UINT64_MAX, 8, tree->leaves[0], path, 3, root8, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_inclusion(0, 0, tree->leaves[0], NULL, 0, empty, &err), VB_ERR_LOG_PROOF);
    uint8_t root1[HASH];
    hash_from_hex(ct_roots[1], root1);
    assert_int_equal(vb_log_verify_inclusion(0, 1, tree->leaves[0], NULL, 0, root1, &err), VB_OK);
    assert_int_equal(vb_log_verify_inclusion(0, 1, tree->leaves[0], path, 1, root1, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_inclusion(0, 1, tree->leaves[1], NULL, 0, root1, &err), VB_ERR_LOG_MISMATCH);
    assert_int_equal(vb_log_verify_inclusion(0, 8, tree->leaves[0], NULL, 0, root8, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_inclusion(0, 8, tree->leaves[0], NULL, 3, root8, &err), VB_ERR_ARGUMENT);

    /* Consistency: first = 0, first > second, empty path, equal sizes. */
    assert_int_equal(vb_log_verify_consistency(0, 8, empty, root8, NULL, 0, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(0, 8, empty, root8, path, 1, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(0, 0, empty, empty, NULL, 0, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(8, 7, root8, root7, path, 1, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(7, 8, root7, root8, NULL, 0, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(4, 8, root4, root8, NULL, 0, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(8, 8, root8, root8, NULL, 0, &err), VB_OK);
    assert_int_equal(vb_log_verify_consistency(8, 8, root8, root7, NULL, 0, &err), VB_ERR_LOG_MISMATCH);
    assert_int_equal(vb_log_verify_consistency(8, 8, root8, root8, root8, 1, &err), VB_ERR_LOG_PROOF);
    assert_int_equal(vb_log_verify_consistency(UINT64_MAX, UINT64_MAX, root8, root8, NULL, 0, &err), VB_OK);
    assert_int_equal(vb_log_verify_consistency(7, 8, root7, root8, NULL, 2, &err), VB_ERR_ARGUMENT);
    /* A power-of-two first size whose proof repeats the old root it leaves out: too long. */
    vb_log_source source = memory_source(tree);
    vb_log_proof proof;
    assert_int_equal(vb_log_prove_consistency(&source, 4, 8, &proof, &err), VB_OK);
    assert_int_equal(proof.count, 1);
    memcpy(path, root4, HASH);
    memcpy(path + HASH, proof.hashes, HASH);
    assert_int_equal(vb_log_verify_consistency(4, 8, root4, root8, path, 2, &err), VB_ERR_LOG_PROOF);
    memory_tree_free(tree);
}

static void test_generation_arguments(void **state)
{
    (void)state;
    memory_tree *tree = memory_tree_new(8);
    vb_log_source source = memory_source(tree), no_leaves = {NULL, NULL, NULL};
    vb_log_proof proof;
    vb_log_builder builder;
    uint8_t root[HASH];
    vb_error err;
    assert_int_equal(vb_log_prove_inclusion(&source, 8, 8, &proof, &err), VB_ERR_ARGUMENT);
    assert_int_equal(proof.count, 0);
    assert_int_equal(vb_log_prove_inclusion(&source, 0, 0, &proof, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_log_prove_consistency(&source, 0, 8, &proof, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_log_prove_consistency(&source, 5, 4, &proof, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_log_prove_consistency(&source, 8, 8, &proof, &err), VB_OK);
    assert_int_equal(proof.count, 0);
    assert_int_equal(vb_log_prove_inclusion(&no_leaves, 0, 8, &proof, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_log_prove_inclusion(NULL, 0, 8, &proof, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_log_root(&no_leaves, 8, root, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_log_builder_restore(&builder, NULL, 8, &err), VB_ERR_ARGUMENT);
    /* The empty tree needs no leaf. */
    assert_int_equal(vb_log_root(&source, 0, root, &err), VB_OK);
    assert_int_equal(tree->leaf_reads, 0);
    memory_tree_free(tree);
}

static void test_source_failures_are_passed_on(void **state)
{
    (void)state;
    memory_tree *tree = memory_tree_new(20);
    vb_log_source source = memory_source(tree);
    vb_log_proof proof;
    vb_log_builder builder;
    uint8_t root[HASH];
    vb_error err;
    tree->fail_at = 13;
    assert_int_equal(vb_log_prove_inclusion(&source, 2, 20, &proof, &err), VB_ERR_IO);
    assert_int_equal(err.code, VB_ERR_IO);
    assert_non_null(strstr(err.message, "leaf 13"));
    assert_int_equal(proof.count, 0);
    assert_int_equal(vb_log_prove_consistency(&source, 3, 20, &proof, &err), VB_ERR_IO);
    assert_int_equal(vb_log_root(&source, 20, root, &err), VB_ERR_IO);
    vb_log_builder_init(&builder);
    assert_int_equal(vb_log_builder_add(&builder, tree->leaves[0]), VB_OK);
    vb_log_builder before = builder;
    assert_int_equal(vb_log_builder_restore(&builder, &source, 20, &err), VB_ERR_IO);
    assert_memory_equal(&builder, &before, sizeof builder); /* untouched on failure */
    /* Leaves the proof does not need are never read. */
    assert_int_equal(vb_log_prove_inclusion(&source, 2, 13, &proof, &err), VB_OK);
    assert_int_equal(vb_log_prove_consistency(&source, 5, 13, &proof, &err), VB_OK);
    memory_tree_free(tree);
}

/* ---------------------------------------------------------------- trees near 2^64 leaves
 *
 * No test can hold such a tree, but one whose leaves are all the same hash except at a few
 * marked indices can be described exactly: a perfect subtree without a marked leaf has a hash
 * that depends only on its level. The subtree callback answers those, so roots and proofs take
 * O(log² n) work, and the verifier's 64-bit arithmetic meets the largest sizes. */

static const uint64_t huge_marks[] = {0, 5, (1ULL << 40) + 3, 1ULL << 62, (1ULL << 63) - 1, 1ULL << 63,
                                      (1ULL << 63) + 12345, UINT64_MAX - 2};
#define HUGE_MARKS (sizeof huge_marks / sizeof huge_marks[0])

typedef struct {
    uint8_t plain[65][HASH]; /* plain[l]: the perfect subtree of 2^l unmarked leaves */
    uint64_t reads;
} huge_tree;

static void huge_init(huge_tree *tree)
{
    reference_leaf("unmarked", 8, tree->plain[0]);
    for (int level = 1; level <= 64; level++)
        reference_node(tree->plain[level - 1], tree->plain[level - 1], tree->plain[level]);
    tree->reads = 0;
}

static vb_status huge_leaf(void *context, uint64_t index, uint8_t out[HASH])
{
    huge_tree *tree = context;
    tree->reads++;
    for (size_t i = 0; i < HUGE_MARKS; i++)
        if (huge_marks[i] == index) {
            reference_leaf(&index, sizeof index, out);
            return VB_OK;
        }
    memcpy(out, tree->plain[0], HASH);
    return VB_OK;
}

static vb_status huge_subtree(void *context, unsigned level, uint64_t index, uint8_t out[HASH], bool *found)
{
    huge_tree *tree = context;
    tree->reads++;
    uint64_t first = index << level, last = first + (((uint64_t)1 << level) - 1);
    for (size_t i = 0; i < HUGE_MARKS; i++)
        if (huge_marks[i] >= first && huge_marks[i] <= last) {
            *found = false;
            return VB_OK;
        }
    memcpy(out, tree->plain[level], HASH);
    *found = true;
    return VB_OK;
}

static void test_trees_near_two_to_the_64(void **state)
{
    (void)state;
    static huge_tree tree;
    huge_init(&tree);
    vb_log_source source = {huge_leaf, huge_subtree, &tree};
    static const uint64_t sizes[] = {UINT64_MAX, UINT64_MAX - 1, (1ULL << 63) + 1, 1ULL << 63, (1ULL << 62) + 7,
                                     (1ULL << 40) + 4};
    for (size_t a = 0; a < sizeof sizes / sizeof sizes[0]; a++) {
        uint64_t n = sizes[a];
        uint8_t root[HASH];
        vb_error err;
        assert_int_equal(vb_log_root(&source, n, root, &err), VB_OK);
        vb_log_builder builder;
        assert_int_equal(vb_log_builder_restore(&builder, &source, n, &err), VB_OK);
        uint8_t from_builder[HASH];
        assert_int_equal(vb_log_builder_root(&builder, from_builder), VB_OK);
        assert_memory_equal(from_builder, root, HASH);

        for (size_t i = 0; i < HUGE_MARKS; i++) {
            uint64_t m = huge_marks[i];
            if (m >= n)
                continue;
            vb_log_proof proof;
            uint8_t leaf[HASH];
            tree.reads = 0;
            assert_int_equal(vb_log_prove_inclusion(&source, m, n, &proof, &err), VB_OK);
            assert_true(tree.reads < 64 * 64 * HUGE_MARKS);
            assert_true(proof.count >= 1 && proof.count <= 64);
            huge_leaf(&tree, m, leaf);
            assert_int_equal(vb_log_verify_inclusion(m, n, leaf, proof.hashes, proof.count, root, &err), VB_OK);
            assert_int_equal(vb_log_verify_inclusion(m, n, leaf, proof.hashes, proof.count - 1, root, &err),
                             VB_ERR_LOG_PROOF);
            if (m + 1 < n)
                assert_int_not_equal(vb_log_verify_inclusion(m + 1, n, leaf, proof.hashes, proof.count, root, &err),
                                     VB_OK);

            /* Consistency from just past this mark, and from the mark itself. */
            for (uint64_t first = m; first <= m + 1; first++) {
                if (first == 0 || first > n)
                    continue;
                uint8_t first_root[HASH];
                assert_int_equal(vb_log_root(&source, first, first_root, &err), VB_OK);
                assert_int_equal(vb_log_prove_consistency(&source, first, n, &proof, &err), VB_OK);
                assert_true(proof.count <= VB_LOG_MAX_PROOF_HASHES);
                assert_int_equal(
                    vb_log_verify_consistency(first, n, first_root, root, proof.hashes, proof.count, &err), VB_OK);
                if (proof.count > 0)
                    assert_int_equal(
                        vb_log_verify_consistency(first, n, first_root, root, proof.hashes, proof.count - 1, &err),
                        VB_ERR_LOG_PROOF);
            }
        }
    }

    /* The longest consistency proof there is: 64 siblings and the old subtree. */
    vb_log_proof proof;
    vb_error err;
    uint8_t first_root[HASH], second_root[HASH];
    uint64_t n = (1ULL << 63) + 1;
    assert_int_equal(vb_log_prove_consistency(&source, 3, n, &proof, &err), VB_OK);
    assert_int_equal(proof.count, VB_LOG_MAX_PROOF_HASHES);
    assert_int_equal(vb_log_root(&source, 3, first_root, &err), VB_OK);
    assert_int_equal(vb_log_root(&source, n, second_root, &err), VB_OK);
    assert_int_equal(vb_log_verify_consistency(3, n, first_root, second_root, proof.hashes, proof.count, &err), VB_OK);
}

/* ---------------------------------------------------------------- checkpoints */

static EVP_PKEY *school_key, *other_key, *rsa_key;
static uint8_t school_kid[VB_KID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};

static int group_setup(void **state)
{
    (void)state;
    school_key = EVP_EC_gen("P-256");
    other_key = EVP_EC_gen("P-256");
    rsa_key = EVP_RSA_gen(2048);
    return school_key && other_key && rsa_key ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(school_key);
    EVP_PKEY_free(other_key);
    EVP_PKEY_free(rsa_key);
    return 0;
}

#define T_CHECKPOINT_TIME 1781920800 /* 2026-06-20T02:00:00Z */

static vb_log_checkpoint sample_checkpoint(void)
{
    vb_log_checkpoint checkpoint;
    memset(&checkpoint, 0, sizeof checkpoint);
    strcpy(checkpoint.origin, "CDCNHN");
    checkpoint.size = 5;
    hash_from_hex(ct_roots[5], checkpoint.root);
    checkpoint.time = T_CHECKPOINT_TIME;
    return checkpoint;
}

/* The payload's bytes, written out by hand from FORMAT.md §9:
 *   a4                      map of 4
 *   01 66 434443 4e484e     1: "CDCNHN"
 *   02 05                   2: 5
 *   03 58 20 4e3b…64d4      3: the 32-byte root of the CT tree of 5
 *   04 1a 6a35f420          4: 1781920800 */
#define SAMPLE_PAYLOAD_HEX                                                                                    \
    "a4 01 66 4344434e484e 02 05 03 5820 4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4 " \
    "04 1a 6a35f420"

static void test_checkpoint_payload_bytes(void **state)
{
    (void)state;
    vb_log_checkpoint checkpoint = sample_checkpoint(), decoded;
    uint8_t out[128], expected[128];
    size_t length, expected_length;
    vb_error err;
    hex_to_bytes(SAMPLE_PAYLOAD_HEX, expected, sizeof expected, &expected_length);
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_OK);
    assert_int_equal(length, expected_length);
    assert_memory_equal(out, expected, length);
    assert_int_equal(vb_log_checkpoint_decode_payload(out, length, &decoded, &err), VB_OK);
    assert_memory_equal(&decoded, &checkpoint, sizeof checkpoint);

    /* The extremes of each field encode and decode back. */
    memset(checkpoint.origin, 'z', VB_MAX_SCHOOL_CODE_BYTES);
    checkpoint.size = UINT64_MAX;
    checkpoint.time = VB_LOG_MAX_CHECKPOINT_TIME - 1;
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_OK);
    assert_int_equal(vb_log_checkpoint_decode_payload(out, length, &decoded, &err), VB_OK);
    assert_memory_equal(&decoded, &checkpoint, sizeof checkpoint);
    /* An empty log has a checkpoint too, with the empty root. */
    checkpoint = sample_checkpoint();
    checkpoint.size = 0;
    checkpoint.time = 0;
    vb_log_empty_root(checkpoint.root);
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_OK);
    assert_int_equal(vb_log_checkpoint_decode_payload(out, length, &decoded, &err), VB_OK);
    assert_memory_equal(&decoded, &checkpoint, sizeof checkpoint);
}

static void test_checkpoint_encode_refuses_bad_fields(void **state)
{
    (void)state;
    vb_log_checkpoint checkpoint;
    uint8_t out[128];
    size_t length;
    vb_error err;

    checkpoint = sample_checkpoint();
    checkpoint.origin[0] = '\0';
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_ERR_LOG_CHECKPOINT);
    checkpoint = sample_checkpoint();
    strcpy(checkpoint.origin, "CD/HN");
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_ERR_LOG_CHECKPOINT);
    checkpoint = sample_checkpoint();
    memset(checkpoint.origin, 'A', sizeof checkpoint.origin); /* 33 bytes, unterminated */
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_ERR_LOG_CHECKPOINT);
    checkpoint = sample_checkpoint();
    checkpoint.time = VB_LOG_MAX_CHECKPOINT_TIME;
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_ERR_LOG_CHECKPOINT);
    checkpoint = sample_checkpoint();
    checkpoint.size = 0; /* with the root of 5 leaves */
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, sizeof out, &length, &err), VB_ERR_LOG_CHECKPOINT);
    checkpoint = sample_checkpoint();
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, 51, &length, &err), VB_ERR_TOO_LARGE);
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, out, 52, &length, &err), VB_OK);
}

typedef struct {
    const char *why;
    const char *hex;
    vb_status want;
} payload_case;

#define ROOT_HEX "5820 4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"
#define EMPTY_ROOT_HEX "5820 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void test_checkpoint_strict_decoding(void **state)
{
    (void)state;
    static const payload_case cases[] = {
        {"the sample", "a4 0166434443 4e484e 0205 03" ROOT_HEX " 041a6a35f420", VB_OK},
        {"size 0, empty root", "a4 0161 41 0200 03" EMPTY_ROOT_HEX " 0400", VB_OK},
        {"an array", "84 6141 05" ROOT_HEX "00", VB_ERR_LOG_CHECKPOINT},
        {"a byte string", "41 00", VB_ERR_LOG_CHECKPOINT},
        {"nothing", "", VB_ERR_CBOR_TRUNCATED},
        {"three entries", "a3 016141 0205 03" ROOT_HEX, VB_ERR_LOG_CHECKPOINT},
        {"five entries", "a5 016141 0205 03" ROOT_HEX " 0400 0500", VB_ERR_LOG_CHECKPOINT},
        {"keys out of order", "a4 0205 016141 03" ROOT_HEX " 0400", VB_ERR_CBOR_KEY_ORDER},
        {"duplicate key", "a4 016141 016141 03" ROOT_HEX " 0400", VB_ERR_CBOR_DUPLICATE_KEY},
        {"key 5 for time", "a4 016141 0205 03" ROOT_HEX " 0500", VB_ERR_LOG_CHECKPOINT},
        {"root missing, key 4 then 5", "a4 016141 0205 0400 0500", VB_ERR_LOG_CHECKPOINT},
        {"negative key", "a4 20 6141 0205 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"text key", "a4 6131 6141 0205 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"origin as bytes", "a4 01 4141 0205 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"origin empty", "a4 0160 0205 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"origin with a space", "a4 0163 412042 0205 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"origin of 33 bytes",
         "a4 01 7821 414141414141414141414141414141414141414141414141414141414141414141 0205 03" ROOT_HEX " 0400",
         VB_ERR_LOG_CHECKPOINT},
        {"origin not UTF-8", "a4 0161 ff 0205 03" ROOT_HEX " 0400", VB_ERR_CBOR_UTF8},
        {"size negative", "a4 016141 0220 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"size not shortest", "a4 016141 021805 03" ROOT_HEX " 0400", VB_ERR_CBOR_NONCANONICAL},
        {"size a float", "a4 016141 02f93c00 03" ROOT_HEX " 0400", VB_ERR_CBOR_UNSUPPORTED},
        {"root 31 bytes",
         "a4 016141 0205 03 581f 4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264 0400",
         VB_ERR_LOG_CHECKPOINT},
        {"root 33 bytes",
         "a4 016141 0205 03 5821 4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d400 0400",
         VB_ERR_LOG_CHECKPOINT},
        {"root as text", "a4 016141 0205 03 6141 0400", VB_ERR_LOG_CHECKPOINT},
        {"size 0 with another root", "a4 016141 0200 03" ROOT_HEX " 0400", VB_ERR_LOG_CHECKPOINT},
        {"time at 2200-01-01", "a4 016141 0205 03" ROOT_HEX " 04 1b 00000001b09e1900", VB_ERR_LOG_CHECKPOINT},
        {"time negative", "a4 016141 0205 03" ROOT_HEX " 04 20", VB_ERR_LOG_CHECKPOINT},
        {"time tagged", "a4 016141 0205 03" ROOT_HEX " 04 c1 00", VB_ERR_LOG_CHECKPOINT},
        {"trailing byte", "a4 016141 0205 03" ROOT_HEX " 0400 00", VB_ERR_CBOR_TRAILING},
        {"indefinite map", "bf 016141 0205 03" ROOT_HEX " 0400 ff", VB_ERR_CBOR_INDEFINITE},
        /* The claims of a record start 1: iss, 6: iat: never a checkpoint (and §9 relies on it). */
        {"record claims", "a4 016141 061a6a35f420 0741 01 20 01", VB_ERR_LOG_CHECKPOINT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t data[128];
        size_t length;
        vb_log_checkpoint checkpoint;
        vb_error err;
        memset(&err, 0, sizeof err);
        hex_to_bytes(cases[i].hex, data, sizeof data, &length);
        vb_status s = vb_log_checkpoint_decode_payload(data, length, &checkpoint, &err);
        if (s != cases[i].want)
            fail_msg("%s: expected %s, got %s (%s)", cases[i].why, vb_status_name(cases[i].want), vb_status_name(s),
                     err.message);
        if (s != VB_OK) {
            assert_true(err.code == s && err.message[0]);
            vb_log_checkpoint zero;
            memset(&zero, 0, sizeof zero);
            assert_memory_equal(&checkpoint, &zero, sizeof zero);
        }
    }

    /* Every strict prefix of the sample is truncated. */
    uint8_t sample[128];
    size_t sample_length;
    hex_to_bytes(SAMPLE_PAYLOAD_HEX, sample, sizeof sample, &sample_length);
    for (size_t cut = 0; cut < sample_length; cut++) {
        uint8_t *copy = test_exact_copy(sample, cut);
        vb_log_checkpoint checkpoint;
        assert_int_equal(vb_log_checkpoint_decode_payload(copy, cut, &checkpoint, NULL), VB_ERR_CBOR_TRUNCATED);
        free(copy);
    }

    /* And a checkpoint is not a record: the claims decoder refuses its payload. */
    vb_credential credential;
    assert_int_not_equal(vb_credential_decode(sample, sample_length, &credential, NULL), VB_OK);
}

static void sign_sample(EVP_PKEY *key, const vb_log_checkpoint *checkpoint, uint8_t *out, size_t out_size,
                        size_t *length)
{
    vb_cose_signer signer;
    vb_error err;
    assert_int_equal(vb_cose_signer_init(&signer, key, school_kid, &err), VB_OK);
    assert_int_equal(vb_log_checkpoint_sign(&signer, checkpoint, out, out_size, length, &err), VB_OK);
    vb_cose_signer_free(&signer);
}

static void test_checkpoint_sign_and_verify(void **state)
{
    (void)state;
    vb_log_checkpoint checkpoint = sample_checkpoint(), verified;
    uint8_t signed_checkpoint[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t length;
    vb_error err;

    sign_sample(school_key, &checkpoint, signed_checkpoint, sizeof signed_checkpoint, &length);
    /* d2 84, the 13-byte protected header (4d …), a0, 58 34 + the 52-byte payload, 58 40 + r ‖ s. */
    assert_int_equal(length, 2 + 14 + 1 + 2 + 52 + 2 + 64);
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, school_key, school_kid, &verified, &err), VB_OK);
    assert_memory_equal(&verified, &checkpoint, sizeof checkpoint);
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, school_key, NULL, &verified, &err), VB_OK);

    vb_cose_sign1 message;
    assert_int_equal(vb_log_checkpoint_decode(signed_checkpoint, length, &message, &verified, &err), VB_OK);
    assert_memory_equal(message.kid, school_kid, VB_KID_BYTES);
    assert_int_equal(message.alg, VB_COSE_ALG_ES256);

    /* Another key, another kid, a key of the wrong kind. */
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, other_key, school_kid, &verified, &err),
                     VB_ERR_BAD_SIGNATURE);
    vb_log_checkpoint zero;
    memset(&zero, 0, sizeof zero);
    assert_memory_equal(&verified, &zero, sizeof verified); /* nothing from a refused checkpoint */
    static const uint8_t other_kid[VB_KID_BYTES] = {8, 7, 6, 5, 4, 3, 2, 1};
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, school_key, other_kid, &verified, &err),
                     VB_ERR_UNKNOWN_SIGNER);
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, rsa_key, school_kid, &verified, &err),
                     VB_ERR_ALG_KEY_MISMATCH);
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, NULL, school_kid, &verified, &err),
                     VB_ERR_ARGUMENT);

    /* PS256 works the same way. */
    uint8_t rsa_signed[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t rsa_length;
    sign_sample(rsa_key, &checkpoint, rsa_signed, sizeof rsa_signed, &rsa_length);
    assert_int_equal(vb_log_checkpoint_verify(rsa_signed, rsa_length, rsa_key, school_kid, &verified, &err), VB_OK);
    assert_memory_equal(&verified, &checkpoint, sizeof checkpoint);
    assert_int_equal(vb_log_checkpoint_verify(rsa_signed, rsa_length, school_key, school_kid, &verified, &err),
                     VB_ERR_ALG_KEY_MISMATCH);

    /* Over the size limit, whatever it holds. */
    uint8_t big[VB_LOG_MAX_CHECKPOINT_BYTES + 1];
    memcpy(big, signed_checkpoint, length);
    assert_int_equal(vb_log_checkpoint_verify(big, sizeof big, school_key, school_kid, &verified, &err),
                     VB_ERR_TOO_LARGE);
    /* Not a COSE_Sign1 at all: the payload alone. */
    uint8_t payload[128];
    size_t payload_length;
    assert_int_equal(vb_log_checkpoint_encode(&checkpoint, payload, sizeof payload, &payload_length, &err), VB_OK);
    assert_int_equal(vb_log_checkpoint_verify(payload, payload_length, school_key, school_kid, &verified, &err),
                     VB_ERR_COSE_TAG);
}

/* Whatever single bit changes, the checkpoint is refused. */
static void test_checkpoint_every_bit_flip_is_refused(void **state)
{
    (void)state;
    vb_log_checkpoint checkpoint = sample_checkpoint(), verified;
    uint8_t signed_checkpoint[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t length;
    sign_sample(school_key, &checkpoint, signed_checkpoint, sizeof signed_checkpoint, &length);
    size_t bad_signature = 0;
    for (size_t bit = 0; bit < length * 8; bit++) {
        flip_bit(signed_checkpoint, bit);
        vb_status s = vb_log_checkpoint_verify(signed_checkpoint, length, school_key, school_kid, &verified, NULL);
        if (s == VB_OK)
            fail_msg("bit %zu flipped and the checkpoint still verifies", bit);
        bad_signature += s == VB_ERR_BAD_SIGNATURE;
        flip_bit(signed_checkpoint, bit);
    }
    /* The size, the root, the time and the signature are caught by the signature: at least those bits. */
    assert_true(bad_signature >= (1 + 32 + 4 + 64) * 8);
    assert_int_equal(vb_log_checkpoint_verify(signed_checkpoint, length, school_key, school_kid, &verified, NULL),
                     VB_OK);
}

/* A checkpoint whose root was not what the log gives: found by rebuilding, as `log verify` does. */
static void test_checkpoint_against_rebuilt_log(void **state)
{
    (void)state;
    enum { N = 77 };
    memory_tree *tree = memory_tree_new(N);
    vb_log_builder builder;
    vb_log_checkpoint checkpoints[3], verified;
    uint8_t signed_checkpoints[3][VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t lengths[3];
    static const uint64_t at[3] = {10, 64, 77};
    vb_log_builder_init(&builder);
    for (uint64_t i = 0, c = 0; i <= N && c < 3; i++) {
        if (i == at[c]) {
            checkpoints[c] = sample_checkpoint();
            checkpoints[c].size = i;
            assert_int_equal(vb_log_builder_root(&builder, checkpoints[c].root), VB_OK);
            sign_sample(school_key, &checkpoints[c], signed_checkpoints[c], sizeof signed_checkpoints[c], &lengths[c]);
            c++;
        }
        if (i < N)
            assert_int_equal(vb_log_builder_add(&builder, tree->leaves[i]), VB_OK);
    }
    /* One pass over the (now edited) log checks every checkpoint on the way. */
    flip_bit(tree->leaves[40], 3);
    vb_log_builder_init(&builder);
    int mismatches = 0;
    for (uint64_t i = 0, c = 0; i <= N && c < 3; i++) {
        if (i == at[c]) {
            uint8_t root[HASH];
            assert_int_equal(
                vb_log_checkpoint_verify(signed_checkpoints[c], lengths[c], school_key, school_kid, &verified, NULL),
                VB_OK);
            assert_int_equal(verified.size, i);
            assert_int_equal(vb_log_builder_root(&builder, root), VB_OK);
            if (memcmp(root, verified.root, HASH) != 0) {
                mismatches++;
                assert_true(at[c] > 40);
            }
            c++;
        }
        if (i < N)
            assert_int_equal(vb_log_builder_add(&builder, tree->leaves[i]), VB_OK);
    }
    assert_int_equal(mismatches, 2);
    memory_tree_free(tree);
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(vb_status_name(VB_ERR_LOG_PROOF), "log-proof");
    assert_string_equal(vb_status_name(VB_ERR_LOG_CHECKPOINT), "log-checkpoint");
    assert_string_equal(vb_status_name(VB_ERR_LOG_MISMATCH), "log-mismatch");
    assert_int_equal(vb_status_from_name("log-mismatch"), VB_ERR_LOG_MISMATCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hashes_are_rfc9162),
        cmocka_unit_test(test_reference_roots),
        cmocka_unit_test(test_reference_proofs),
        cmocka_unit_test(test_builder_matches_recursive_mth),
        cmocka_unit_test(test_builder_reports_every_perfect_subtree),
        cmocka_unit_test(test_builder_unchanged_when_emit_fails),
        cmocka_unit_test(test_builder_full_tree_refuses_more),
        cmocka_unit_test(test_builder_restore),
        cmocka_unit_test(test_every_inclusion_proof_up_to_64),
        cmocka_unit_test(test_every_consistency_proof_up_to_64),
        cmocka_unit_test(test_rewritten_history_is_caught),
        cmocka_unit_test(test_proofs_from_stored_subtrees),
        cmocka_unit_test(test_verification_edge_cases),
        cmocka_unit_test(test_generation_arguments),
        cmocka_unit_test(test_source_failures_are_passed_on),
        cmocka_unit_test(test_trees_near_two_to_the_64),
        cmocka_unit_test(test_checkpoint_payload_bytes),
        cmocka_unit_test(test_checkpoint_encode_refuses_bad_fields),
        cmocka_unit_test(test_checkpoint_strict_decoding),
        cmocka_unit_test(test_checkpoint_sign_and_verify),
        cmocka_unit_test(test_checkpoint_every_bit_flip_is_refused),
        cmocka_unit_test(test_checkpoint_against_rebuilt_log),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests_name("log", tests, group_setup, group_teardown);
}
