/*
 * fuzz_mirror.c — libFuzzer target for the decoders of libvanbang/mirror.c: what a school sends
 * the national portal (signed batches and leaf statements), the status bundle the portal serves,
 * and the compact tree it keeps.
 *
 * The input is given to each of vb_mirror_batch_decode, vb_mirror_leaves_decode,
 * vb_mirror_bundle_each and vb_mirror_tree_load. Properties checked, aborting on a mismatch:
 *   - a failure carries its code and leaves nothing to free (LeakSanitizer reports an events
 *     array a failed decode forgets);
 *   - a decoded batch keeps every rule of FORMAT.md §12: 1 … 5000 events, sequences from first
 *     ≥ 1 without overflow, each entry, record and checkpoint of bounded length and inside the
 *     input, personal ids of 12 digits, a proof of at most 65 hashes and none from size 0, a time
 *     before 2200; its events then go through vb_mirror_check_event (an empty trust list) and its
 *     checkpoint through vb_mirror_check_checkpoint, which must fail cleanly;
 *   - decoding is canonical: a decoded batch or leaf statement, signed again, has exactly the
 *     payload of the input, a bundle encodes back to the input, a tree saves back to the input;
 *   - a bundle is visited only once it is whole, each list inside the input.
 */
#include "keys.h"
#include "mirror.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static vb_cose_signer signer;
static bool signer_ready;

/* One signing key for the whole run: re-signing a decoded message shows whether its payload
 * encodes back to the bytes it came from. */
static vb_cose_signer *fuzz_signer(void)
{
    if (!signer_ready) {
        EVP_PKEY *key = NULL;
        uint8_t kid[VB_KID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
        if (vb_key_generate_p256(&key, NULL) != VB_OK || vb_cose_signer_init(&signer, key, kid, NULL) != VB_OK)
            abort();
        EVP_PKEY_free(key); /* the signer holds its own reference */
        signer_ready = true;
    }
    return &signer;
}

static bool inside(const uint8_t *p, size_t length, const uint8_t *data, size_t size)
{
    return p >= data && length <= size && (size_t)(p - data) <= size - length;
}

static bool school_code(const char *code)
{
    size_t length = strlen(code);
    if (length < 1 || length > VB_MAX_SCHOOL_CODE_BYTES)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = code[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* The payload of a freshly signed message equals `payload`. */
static void same_payload(const uint8_t *signed_bytes, size_t signed_length, const vb_cose_sign1 *original)
{
    vb_cose_sign1 again;
    if (vb_cose_sign1_decode(signed_bytes, signed_length, &again, NULL) != VB_OK ||
        again.payload_length != original->payload_length ||
        memcmp(again.payload, original->payload, original->payload_length) != 0)
        abort();
}

static void fuzz_batch(const uint8_t *data, size_t size)
{
    vb_cose_sign1 message;
    vb_mirror_batch batch;
    vb_error err;
    vb_status s = vb_mirror_batch_decode(data, size, &message, &batch, &err);
    if (s != VB_OK) {
        if (err.code != s || batch.events || batch.count)
            abort();
        return;
    }
    if (batch.count < 1 || batch.count > VB_MIRROR_MAX_EVENTS || !batch.events || batch.first < 1 ||
        batch.first - 1 > UINT64_MAX - batch.count || !school_code(batch.school) ||
        batch.time >= VB_LOG_MAX_CHECKPOINT_TIME || batch.proof.count > VB_LOG_MAX_PROOF_HASHES ||
        (batch.first == 1 && batch.proof.count != 0) || batch.checkpoint_length < 1 ||
        batch.checkpoint_length > VB_LOG_MAX_CHECKPOINT_BYTES ||
        !inside(batch.checkpoint, batch.checkpoint_length, data, size))
        abort();
    uint8_t *leaves = malloc(batch.count * VB_LOG_HASH_BYTES);
    if (!leaves)
        abort();
    vb_trust_list empty;
    memset(&empty, 0, sizeof empty);
    for (size_t i = 0; i < batch.count; i++) {
        const vb_mirror_event *e = &batch.events[i];
        size_t id_length = strlen(e->personal_id);
        if (e->entry_length < 1 || e->entry_length > VB_REGISTER_ENTRY_MAX_BYTES ||
            !inside(e->entry, e->entry_length, data, size) ||
            (e->record && (e->record_length < 1 || e->record_length > VB_MAX_RECORD_BYTES ||
                           !inside(e->record, e->record_length, data, size))) ||
            (!e->record && e->record_length != 0) || (id_length != 0 && id_length != VB_MIRROR_PERSONAL_ID_DIGITS))
            abort();
        for (size_t k = 0; k < id_length; k++)
            if (e->personal_id[k] < '0' || e->personal_id[k] > '9')
                abort();
        /* No record verifies against an empty trust list; the entry checks before it still run. */
        vb_mirror_checked checked;
        s = vb_mirror_check_event(&empty, &batch, i, &checked, &err);
        if (s != VB_OK && err.code != s)
            abort();
        if (vb_log_leaf_hash(e->entry, e->entry_length, leaves + i * VB_LOG_HASH_BYTES) != VB_OK)
            abort();
    }
    vb_log_builder held, extended;
    vb_log_checkpoint checkpoint;
    vb_log_builder_init(&held);
    s = vb_mirror_check_checkpoint(&batch, NULL, &held, leaves, &extended, &checkpoint, &err);
    if (s == VB_OK || err.code != s) /* no key: it cannot succeed */
        abort();
    free(leaves);

    uint8_t *again = NULL;
    size_t again_length = 0;
    if (vb_mirror_batch_sign(fuzz_signer(), &batch, &again, &again_length, &err) != VB_OK)
        abort();
    same_payload(again, again_length, &message);
    free(again);
    vb_mirror_batch_free(&batch);
    if (batch.events || batch.count)
        abort();
}

static void fuzz_leaves(const uint8_t *data, size_t size)
{
    vb_cose_sign1 message;
    vb_mirror_leaves leaves;
    vb_error err;
    vb_status s = vb_mirror_leaves_decode(data, size, &message, &leaves, &err);
    if (s != VB_OK) {
        if (err.code != s || leaves.leaves || leaves.count)
            abort();
        return;
    }
    if (leaves.count < 1 || leaves.count > VB_MIRROR_MAX_LEAVES || leaves.first < 1 ||
        leaves.first - 1 > UINT64_MAX - leaves.count || !school_code(leaves.school) ||
        leaves.time >= VB_LOG_MAX_CHECKPOINT_TIME ||
        !inside(leaves.leaves, leaves.count * VB_LOG_HASH_BYTES, data, size))
        abort();
    uint8_t *again = NULL;
    size_t again_length = 0;
    if (vb_mirror_leaves_sign(fuzz_signer(), &leaves, &again, &again_length, &err) != VB_OK)
        abort();
    same_payload(again, again_length, &message);
    free(again);
}

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t visits;
    const uint8_t **lists;
    size_t *lengths;
} bundle_visits;

static vb_status visit_list(void *context, size_t index, const uint8_t *list, size_t length, vb_error *err)
{
    (void)err;
    bundle_visits *v = context;
    if (index != v->visits || index >= VB_MIRROR_MAX_BUNDLE_LISTS || length < 1 ||
        !inside(list, length, v->data, v->size))
        abort();
    v->lists[index] = list;
    v->lengths[index] = length;
    v->visits++;
    return VB_OK;
}

static void fuzz_bundle(const uint8_t *data, size_t size)
{
    static const uint8_t *lists[VB_MIRROR_MAX_BUNDLE_LISTS];
    static size_t lengths[VB_MIRROR_MAX_BUNDLE_LISTS];
    bundle_visits visits = {data, size, 0, lists, lengths};
    vb_error err;
    vb_status s = vb_mirror_bundle_each(data, size, visit_list, &visits, &err);
    if (s != VB_OK) {
        /* Checked whole before the first visit: a refused bundle was never visited. */
        if (err.code != s || visits.visits != 0)
            abort();
        return;
    }
    if (!vb_mirror_is_bundle(data, size))
        abort();
    uint8_t *again = NULL;
    size_t again_length = 0;
    if (vb_mirror_bundle_encode(lists, lengths, visits.visits, &again, &again_length, &err) != VB_OK ||
        again_length != size || memcmp(again, data, size) != 0)
        abort();
    free(again);
}

static void fuzz_tree(const uint8_t *data, size_t size)
{
    vb_log_builder builder;
    vb_error err;
    vb_status s = vb_mirror_tree_load(data, size, &builder, &err);
    if (s != VB_OK) {
        if (err.code != s || builder.size != 0 || builder.depth != 0)
            abort();
        return;
    }
    uint8_t saved[VB_MIRROR_TREE_MAX_BYTES];
    size_t length = vb_mirror_tree_save(&builder, saved);
    if (length != size || memcmp(saved, data, size) != 0 ||
        builder.depth != (unsigned)__builtin_popcountll(builder.size))
        abort();
    uint8_t root[VB_LOG_HASH_BYTES];
    if (vb_log_builder_root(&builder, root) != VB_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_batch(data, size);
    fuzz_leaves(data, size);
    fuzz_bundle(data, size);
    fuzz_tree(data, size);
    return 0;
}
