/*
 * mirror.h — what a school sends the national lookup portal, and how the portal checks it
 * (docs/FORMAT.md §12). The uploader (issuer/upload.c) builds and signs; the portal
 * (portal/) verifies; the audit re-checks what the portal stored.
 *
 * An upload batch is a COSE_Sign1 (FORMAT.md §3 rules) by the school's signer key — the same
 * key and kid as its records, so no password is shared with the portal — over the CBOR map
 *
 *   {1: format 1,
 *    2: school     tstr   the school code (iss of its records, origin of its checkpoints)
 *    3: first      uint   sequence number of the batch's first event, ≥ 1
 *    4: events     array of 1 … VB_MIRROR_MAX_EVENTS items, consecutive sequence numbers from
 *                  `first`, each [entry bstr, record bstr / null, personal id tstr / null]:
 *                    entry        the event entry, exactly the register's log leaf (FORMAT.md §10)
 *                    record       the signed record (issue, correct, copy), null for a revocation
 *                    personal id  12 digits when the register has one (an original only: the
 *                                 national database is keyed by it), else null
 *    5: checkpoint bstr   the school's signed checkpoint (log.h) of tree size first − 1 + count
 *    6: proof      array of bstr .size 32 — the consistency proof (RFC 9162 §2.1.4) from tree
 *                  size first − 1 to the checkpoint's size; empty when first = 1
 *    7: time       uint   when the batch was made, seconds since 1970}
 *
 * A leaf statement answers a portal that refused a batch because the school's log no longer
 * extends what it accepted: the school restates the leaf hashes of events it already sent, so
 * the portal can name the events that differ. A COSE_Sign1 by the same key over
 *
 *   {1: format 1, 2: school tstr, 3: first uint ≥ 1, 4: leaves bstr (32 × count, count ≥ 1,
 *    at most VB_MIRROR_MAX_LEAVES), 5: time uint}
 *
 * Decoding is strict (deterministic CBOR, keys in order, no unknown keys) and never trusts a
 * length: every decoder here has a fuzz target (tests/fuzz/fuzz_mirror.c). Parsed structures
 * point into the caller's buffer, which must outlive them.
 */
#ifndef VB_MIRROR_H
#define VB_MIRROR_H

#include "cose.h"
#include "log.h"
#include "register.h"
#include "trust.h"
#include "verify.h"
#include "vanbang.h"

#include <stdbool.h>
#include <stdint.h>

#define VB_MIRROR_FORMAT 1
#define VB_MIRROR_MAX_EVENTS 5000                 /* events in one batch */
#define VB_MIRROR_DEFAULT_EVENTS 1000
#define VB_MIRROR_MAX_BATCH_BYTES (12u << 20)     /* a signed batch: 5000 × (1 KiB entry + 1 KiB record) fits */
#define VB_MIRROR_MAX_LEAVES 100000               /* leaf hashes in one statement */
#define VB_MIRROR_MAX_STATEMENT_BYTES (VB_MIRROR_MAX_LEAVES * 32u + 4096u)
#define VB_MIRROR_PERSONAL_ID_DIGITS 12

enum {
    VB_MIRROR_KEY_FORMAT = 1,
    VB_MIRROR_KEY_SCHOOL = 2,
    VB_MIRROR_KEY_FIRST = 3,
    VB_MIRROR_KEY_EVENTS = 4,
    VB_MIRROR_KEY_CHECKPOINT = 5,
    VB_MIRROR_KEY_PROOF = 6,
    VB_MIRROR_KEY_TIME = 7,
};
enum {
    VB_MIRROR_LEAVES_KEY_FORMAT = 1,
    VB_MIRROR_LEAVES_KEY_SCHOOL = 2,
    VB_MIRROR_LEAVES_KEY_FIRST = 3,
    VB_MIRROR_LEAVES_KEY_LEAVES = 4,
    VB_MIRROR_LEAVES_KEY_TIME = 5,
};

/* One event of a batch. In a parsed batch the pointers refer into the input. */
typedef struct {
    const uint8_t *entry;
    size_t entry_length;
    const uint8_t *record;      /* NULL for a revocation */
    size_t record_length;
    char personal_id[VB_MIRROR_PERSONAL_ID_DIGITS + 1]; /* "" when absent */
} vb_mirror_event;

typedef struct {
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint64_t first;
    size_t count;
    vb_mirror_event *events;    /* count items; a parsed batch owns this array (vb_mirror_batch_free) */
    const uint8_t *checkpoint;  /* the signed checkpoint */
    size_t checkpoint_length;
    vb_log_proof proof;         /* copied out of the input */
    uint64_t time;
} vb_mirror_batch;

/* ---- Batches ---- */

/* Encodes the payload, signs it with the school's signer and returns the tagged COSE_Sign1 in
 * *out (malloc'd, free it). Checks the fields as the decoder would (count 1…MAX, sequence
 * range, personal ids of 12 digits, proof hashes). */
vb_status vb_mirror_batch_sign(vb_cose_signer *signer, const vb_mirror_batch *batch, uint8_t **out,
                               size_t *out_length, vb_error *err);
/* Strictly decodes a signed batch (envelope and payload) without checking any signature:
 * VB_ERR_TOO_LARGE over VB_MIRROR_MAX_BATCH_BYTES, COSE and CBOR codes for the envelope,
 * VB_ERR_MIRROR_MALFORMED for a payload that is not the map above. *message receives the
 * envelope (for its kid). On success the batch owns an events array: free it with
 * vb_mirror_batch_free; on failure nothing is left to free. */
vb_status vb_mirror_batch_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message, vb_mirror_batch *batch,
                                 vb_error *err);
/* Decodes, then checks the batch's signer against the trust list: the kid names a signer entry
 * (VB_ERR_UNKNOWN_SIGNER), not removed before the batch's time (VB_ERR_SIGNER_REMOVED), whose
 * school code is the batch's (VB_ERR_MIRROR_SCHOOL), then the signature (VB_ERR_BAD_SIGNATURE,
 * VB_ERR_ALG_KEY_MISMATCH). *signer (may be NULL) receives the entry. The events are not checked
 * here: see vb_mirror_check_event. */
vb_status vb_mirror_batch_verify(const uint8_t *data, size_t length, const vb_trust_list *trust,
                                 vb_mirror_batch *batch, const vb_trust_entry **signer, vb_error *err);
void vb_mirror_batch_free(vb_mirror_batch *batch);

/* What one event of a batch says, once checked. */
typedef struct {
    vb_register_event event;     /* the decoded entry */
    bool has_record;
    vb_verification verification; /* the record's, when it has one (verification.credential) */
    uint8_t leaf_hash[VB_LOG_HASH_BYTES]; /* SHA-256(0x00 ‖ entry) */
} vb_mirror_checked;

/* Checks event `index` of a verified batch on its own, the way the portal must before storing
 * it (thread-safe: the portal checks a batch's events on several threads):
 *   - the entry decodes strictly (vb_register_event_decode) and names this school and the
 *     sequence first + index (VB_ERR_MIRROR_EVENT);
 *   - issue, correct, copy: a record is present, SHA-256 of it is the entry's record digest,
 *     it verifies against the trust list (vb_verify_record: its own status is returned, e.g.
 *     VB_ERR_BAD_SIGNATURE), its iss is the school, its cti the entry's record id, and its kind
 *     fits the event (issue → original, correct → correction superseding the entry's
 *     `supersedes`, copy → copy) (VB_ERR_MIRROR_RECORD);
 *   - revoke: no record (VB_ERR_MIRROR_RECORD);
 *   - a personal id only beside an original, 12 digits agreeing with its birth date and gender
 *     (vb_register_check_personal_id) (VB_ERR_MIRROR_EVENT).
 * err's message never quotes a personal id. */
vb_status vb_mirror_check_event(const vb_trust_list *trust, const vb_mirror_batch *batch, size_t index,
                                vb_mirror_checked *out, vb_error *err);

/* Checks the batch's checkpoint against the log the portal holds for the school: signed by the
 * batch's signer key (vb_log_checkpoint_verify), origin the school (VB_ERR_MIRROR_SCHOOL), size
 * first − 1 + count (VB_ERR_MIRROR_SEQUENCE); then, when held_size > 0, the consistency proof
 * from (held_size, held_root) to the checkpoint (VB_ERR_LOG_PROOF, VB_ERR_LOG_MISMATCH); and
 * that the held tree extended by the batch's leaf hashes has the checkpoint's root
 * (VB_ERR_LOG_MISMATCH). `held` is the compact tree the portal keeps for the school (its size
 * must be first − 1, else VB_ERR_MIRROR_SEQUENCE); on success *extended is that tree with the
 * batch's leaves added. leaf_hashes: count × 32 bytes, from vb_mirror_check_event. */
vb_status vb_mirror_check_checkpoint(const vb_mirror_batch *batch, EVP_PKEY *signer_key, const vb_log_builder *held,
                                     const uint8_t *leaf_hashes, vb_log_builder *extended,
                                     vb_log_checkpoint *checkpoint, vb_error *err);

/* ---- Leaf statements ---- */

typedef struct {
    char school[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint64_t first;             /* sequence of the first leaf */
    size_t count;
    const uint8_t *leaves;      /* count × 32 bytes (into the input when parsed) */
    uint64_t time;
} vb_mirror_leaves;

vb_status vb_mirror_leaves_sign(vb_cose_signer *signer, const vb_mirror_leaves *leaves, uint8_t **out,
                                size_t *out_length, vb_error *err);
vb_status vb_mirror_leaves_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message,
                                  vb_mirror_leaves *leaves, vb_error *err);
/* Decode plus the same signer checks as vb_mirror_batch_verify. */
vb_status vb_mirror_leaves_verify(const uint8_t *data, size_t length, const vb_trust_list *trust,
                                  vb_mirror_leaves *leaves, const vb_trust_entry **signer, vb_error *err);

/* ---- Status bundles ----
 *
 * What the portal serves at /status: every school's latest signed status list in one file, a
 * CBOR array of 0 … VB_MIRROR_MAX_BUNDLE_LISTS byte strings, each a signed status list
 * (statuslist.h) exactly as the school signed it. The bundle itself is not signed: each list
 * is, by its school, and a verifier checks each one as it would a file of its own. */
#define VB_MIRROR_MAX_BUNDLE_LISTS 4096
#define VB_MIRROR_MAX_BUNDLE_BYTES (256u << 20)

/* Whether data looks like a bundle (starts with a CBOR array head) rather than one signed list
 * (starts with tag 18). */
bool vb_mirror_is_bundle(const uint8_t *data, size_t length);
/* Encodes `count` lists; *out is malloc'd. */
vb_status vb_mirror_bundle_encode(const uint8_t *const *lists, const size_t *lengths, size_t count, uint8_t **out,
                                  size_t *out_length, vb_error *err);
/* Strictly decodes a bundle and calls visit for each list in order (pointers into data); a
 * non-VB_OK return from visit stops and is returned. VB_ERR_MIRROR_MALFORMED when the bytes are
 * not such an array (checked whole before the first visit). */
typedef vb_status (*vb_mirror_bundle_visitor)(void *context, size_t index, const uint8_t *list, size_t length,
                                              vb_error *err);
vb_status vb_mirror_bundle_each(const uint8_t *data, size_t length, vb_mirror_bundle_visitor visit, void *context,
                                vb_error *err);

/* ---- The compact tree, kept by the portal between batches ---- */

/* A vb_log_builder as bytes: size (8, big-endian) then the `depth` subtree roots (32 each),
 * depth being popcount(size); at most 8 + 64 × 32 bytes. */
#define VB_MIRROR_TREE_MAX_BYTES (8u + 64u * VB_LOG_HASH_BYTES)
size_t vb_mirror_tree_save(const vb_log_builder *builder, uint8_t out[VB_MIRROR_TREE_MAX_BYTES]);
/* VB_ERR_MIRROR_MALFORMED when the bytes are not what vb_mirror_tree_save writes. */
vb_status vb_mirror_tree_load(const uint8_t *data, size_t length, vb_log_builder *builder, vb_error *err);

#endif
