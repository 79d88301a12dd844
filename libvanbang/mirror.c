/*
 * mirror.c — what a school sends the national portal and how the portal checks it: the signed
 * upload batch, the signed leaf statement, the status bundle and the compact tree the portal
 * keeps between batches (see mirror.h; docs/FORMAT.md §12).
 *
 * Every decoder here reads input from the network: it is strict in the way statuslist.c and
 * log.c are (deterministic CBOR, keys in order, no unknown key, nothing after the map), bounds
 * every count and length before using it, and has a fuzz target (tests/fuzz/fuzz_mirror.c).
 * Nothing here keeps state between calls, so the portal may check events on many threads.
 */
#include "mirror.h"
#include "cbor.h"
#include "statuslist.h"

#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The fewest bytes an event item takes: array head, a one-byte entry (head and byte), two nulls. */
#define MIRROR_MIN_EVENT_BYTES 5

/* ---------------------------------------------------------------- small rules */

/* A school code as a signer certificate carries it (vb_cert_check_school_code): 1 to 32 of
 * A-Z a-z 0-9 '-' '.'. A batch names its signer's school, so '_' (which a checkpoint origin
 * may hold) never appears. */
static bool is_school_code(const char *text, size_t length)
{
    if (length < 1 || length > VB_MAX_SCHOOL_CODE_BYTES)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static bool is_personal_id(const char *text, size_t length)
{
    if (length != VB_MIRROR_PERSONAL_ID_DIGITS)
        return false;
    for (size_t i = 0; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

/* Sequences first … first − 1 + count must all be numbers: first ≥ 1 and no overflow. */
static bool sequence_range_fits(uint64_t first, uint64_t count)
{
    return first >= 1 && first - 1 <= UINT64_MAX - count;
}

/* ---------------------------------------------------------------- messages */

/* Puts a formatted `what` before the message err already holds, with `code`. */
static vb_status with_cause(vb_error *err, vb_status code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static vb_status with_cause(vb_error *err, vb_status code, const char *fmt, ...)
{
    char inner[sizeof err->message], what[sizeof err->message];
    snprintf(inner, sizeof inner, "%s", err ? err->message : "");
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    return vb_fail(err, code, "%s: %s", what, inner);
}

/* A CBOR fault keeps its own code; a well-formed item of the wrong type is a malformed payload. */
static vb_status payload_fault(vb_error *err, vb_status cause, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static vb_status payload_fault(vb_error *err, vb_status cause, const char *fmt, ...)
{
    char inner[sizeof err->message], what[sizeof err->message];
    snprintf(inner, sizeof inner, "%s", err ? err->message : "");
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    if (cause == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "%s", what);
    return vb_fail(err, cause, "%s: %s", what, inner);
}

/* ---------------------------------------------------------------- reading */

/* A string of major type `major` (bytes or text), or null: *bytes is NULL for null. */
static vb_status read_string_or_null(vb_cbor_reader *r, int major, const uint8_t **bytes, size_t *length,
                                     vb_error *err)
{
    vb_cbor_item item;
    const uint8_t *start = r->pos;
    vb_status s = vb_cbor_read_item_head(r, &item, err);
    if (s != VB_OK)
        return s;
    if (item.major == VB_CBOR_SIMPLE && item.value == VB_CBOR_NULL) {
        *bytes = NULL;
        *length = 0;
        return VB_OK;
    }
    if (item.major != major) {
        r->pos = start;
        return vb_fail(err, VB_ERR_CBOR_TYPE, "CBOR: expected a %s string or null",
                       major == VB_CBOR_BYTES ? "byte" : "text");
    }
    *bytes = item.bytes;
    *length = (size_t)item.value;
    return VB_OK;
}

/* Reads one map key (an unsigned integer in canonical order). `what` names the payload. */
static vb_status read_key(vb_cbor_reader *r, vb_cbor_key_order *order, const char *what, uint64_t *key,
                          vb_error *err)
{
    const uint8_t *key_start = r->pos;
    vb_status s = vb_cbor_read_uint(r, key, err);
    if (s != VB_OK)
        return payload_fault(err, s, "%s: a map key is not an unsigned integer", what);
    if ((s = vb_cbor_check_key_order(order, key_start, (size_t)(r->pos - key_start), err)) != VB_OK)
        return payload_fault(err, s, "%s: map keys", what);
    return VB_OK;
}

static vb_status read_format(vb_cbor_reader *r, const char *what, vb_error *err)
{
    uint64_t format;
    vb_status s = vb_cbor_read_uint(r, &format, err);
    if (s != VB_OK)
        return payload_fault(err, s, "%s: format (1) is not an unsigned integer", what);
    if (format != VB_MIRROR_FORMAT)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "%s: format %llu is not understood (only %d)", what,
                       (unsigned long long)format, VB_MIRROR_FORMAT);
    return VB_OK;
}

static vb_status read_school(vb_cbor_reader *r, const char *what, char out[VB_MAX_SCHOOL_CODE_BYTES + 1],
                             vb_error *err)
{
    const char *text;
    size_t length;
    vb_status s = vb_cbor_read_text(r, &text, &length, err);
    if (s != VB_OK)
        return payload_fault(err, s, "%s: school (2) is not a text string", what);
    if (!is_school_code(text, length))
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "%s: school is not a school code (1 to %d of A-Z a-z 0-9 - .)",
                       what, VB_MAX_SCHOOL_CODE_BYTES);
    memcpy(out, text, length);
    out[length] = '\0';
    return VB_OK;
}

static vb_status read_first(vb_cbor_reader *r, const char *what, uint64_t *first, vb_error *err)
{
    vb_status s = vb_cbor_read_uint(r, first, err);
    if (s != VB_OK)
        return payload_fault(err, s, "%s: first (3) is not an unsigned integer", what);
    if (*first == 0)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "%s: first sequence is 0; sequences start at 1", what);
    return VB_OK;
}

static vb_status read_time(vb_cbor_reader *r, const char *what, uint64_t key, uint64_t *time, vb_error *err)
{
    vb_status s = vb_cbor_read_uint(r, time, err);
    if (s != VB_OK)
        return payload_fault(err, s, "%s: time (%llu) is not an unsigned integer", what, (unsigned long long)key);
    if (*time >= VB_LOG_MAX_CHECKPOINT_TIME)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "%s: time %llu is not before 2200-01-01", what,
                       (unsigned long long)*time);
    return VB_OK;
}

/* ---------------------------------------------------------------- the batch payload */

/* One event item: [entry bstr, record bstr / null, personal id tstr / null]. */
static vb_status decode_event(vb_cbor_reader *r, size_t index, vb_mirror_event *event, vb_error *err)
{
    size_t items;
    const uint8_t *bytes;
    size_t length;
    vb_status s = vb_cbor_read_array(r, &items, err);
    if (s != VB_OK)
        return payload_fault(err, s, "batch: event %zu is not an array", index);
    if (items != 3)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED,
                       "batch: event %zu is an array of %zu items, not 3 (entry, record, personal id)", index, items);

    if ((s = vb_cbor_read_bytes(r, &bytes, &length, err)) != VB_OK)
        return payload_fault(err, s, "batch: event %zu: the entry is not a byte string", index);
    if (length < 1 || length > VB_REGISTER_ENTRY_MAX_BYTES)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: event %zu: the entry is %zu bytes, must be 1 to %d",
                       index, length, VB_REGISTER_ENTRY_MAX_BYTES);
    event->entry = bytes;
    event->entry_length = length;

    if ((s = read_string_or_null(r, VB_CBOR_BYTES, &bytes, &length, err)) != VB_OK)
        return payload_fault(err, s, "batch: event %zu: the record is neither a byte string nor null", index);
    if (bytes && (length < 1 || length > VB_MAX_RECORD_BYTES))
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: event %zu: the record is %zu bytes, must be 1 to %d",
                       index, length, VB_MAX_RECORD_BYTES);
    event->record = bytes;
    event->record_length = length;

    /* The number itself is never put in a message: it identifies a person. */
    if ((s = read_string_or_null(r, VB_CBOR_TEXT, &bytes, &length, err)) != VB_OK)
        return payload_fault(err, s, "batch: event %zu: the personal id is neither a text string nor null", index);
    if (bytes && !is_personal_id((const char *)bytes, length))
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: event %zu: the personal id is not %d ASCII digits",
                       index, VB_MIRROR_PERSONAL_ID_DIGITS);
    if (bytes)
        memcpy(event->personal_id, bytes, length);
    event->personal_id[bytes ? length : 0] = '\0';
    return VB_OK;
}

static vb_status decode_events(vb_cbor_reader *r, vb_mirror_batch *batch, vb_error *err)
{
    size_t count;
    vb_status s = vb_cbor_read_array(r, &count, err);
    if (s != VB_OK)
        return payload_fault(err, s, "batch: events (4) is not an array");
    if (count < 1 || count > VB_MIRROR_MAX_EVENTS)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: %zu events; a batch holds 1 to %d", count,
                       VB_MIRROR_MAX_EVENTS);
    /* Each item takes at least a few bytes: a count the input cannot hold is truncation, found
     * before the array is allocated. */
    if (count > vb_cbor_remaining(r) / MIRROR_MIN_EVENT_BYTES)
        return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "batch: %zu events cannot fit in the %zu bytes that remain", count,
                       vb_cbor_remaining(r));
    batch->events = calloc(count, sizeof *batch->events);
    if (!batch->events)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for %zu events", count);
    batch->count = count;
    for (size_t i = 0; i < count; i++)
        if ((s = decode_event(r, i, &batch->events[i], err)) != VB_OK)
            return s;
    return VB_OK;
}

static vb_status decode_proof(vb_cbor_reader *r, vb_log_proof *proof, vb_error *err)
{
    size_t count;
    vb_status s = vb_cbor_read_array(r, &count, err);
    if (s != VB_OK)
        return payload_fault(err, s, "batch: proof (6) is not an array");
    if (count > VB_LOG_MAX_PROOF_HASHES)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: proof of %zu hashes; a consistency proof has at most %d",
                       count, VB_LOG_MAX_PROOF_HASHES);
    for (size_t i = 0; i < count; i++) {
        const uint8_t *hash;
        size_t length;
        if ((s = vb_cbor_read_bytes(r, &hash, &length, err)) != VB_OK)
            return payload_fault(err, s, "batch: proof hash %zu is not a byte string", i);
        if (length != VB_LOG_HASH_BYTES)
            return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: proof hash %zu is %zu bytes, must be %d", i, length,
                           VB_LOG_HASH_BYTES);
        memcpy(proof->hashes + i * VB_LOG_HASH_BYTES, hash, VB_LOG_HASH_BYTES);
    }
    proof->count = count;
    return VB_OK;
}

static vb_status decode_batch_payload(const uint8_t *data, size_t length, vb_mirror_batch *batch, vb_error *err)
{
    static const char what[] = "batch";
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    size_t count;
    vb_status s;

    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return payload_fault(err, s, "batch: payload is not a map");
    if (count != 7)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: map has %zu entries, must have exactly 7", count);
    /* Seven entries with distinct keys, each one of 1 … 7: all seven are present. */
    for (size_t i = 0; i < count; i++) {
        uint64_t key;
        if ((s = read_key(&r, &order, what, &key, err)) != VB_OK)
            return s;
        switch (key) {
        case VB_MIRROR_KEY_FORMAT:
            s = read_format(&r, what, err);
            break;
        case VB_MIRROR_KEY_SCHOOL:
            s = read_school(&r, what, batch->school, err);
            break;
        case VB_MIRROR_KEY_FIRST:
            s = read_first(&r, what, &batch->first, err);
            break;
        case VB_MIRROR_KEY_EVENTS:
            s = decode_events(&r, batch, err);
            break;
        case VB_MIRROR_KEY_CHECKPOINT: {
            const uint8_t *checkpoint;
            size_t checkpoint_length;
            if ((s = vb_cbor_read_bytes(&r, &checkpoint, &checkpoint_length, err)) != VB_OK)
                return payload_fault(err, s, "batch: checkpoint (5) is not a byte string");
            if (checkpoint_length < 1 || checkpoint_length > VB_LOG_MAX_CHECKPOINT_BYTES)
                return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: checkpoint is %zu bytes, must be 1 to %d",
                               checkpoint_length, VB_LOG_MAX_CHECKPOINT_BYTES);
            batch->checkpoint = checkpoint;
            batch->checkpoint_length = checkpoint_length;
            break;
        }
        case VB_MIRROR_KEY_PROOF:
            s = decode_proof(&r, &batch->proof, err);
            break;
        case VB_MIRROR_KEY_TIME:
            s = read_time(&r, what, key, &batch->time, err);
            break;
        default:
            return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: unknown key %llu; the keys are 1 to 7",
                           (unsigned long long)key);
        }
        if (s != VB_OK)
            return s;
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "batch: %zu bytes after the payload map", vb_cbor_remaining(&r));
    if (!sequence_range_fits(batch->first, batch->count))
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "batch: %zu events from sequence %llu run past 2^64 - 1",
                       batch->count, (unsigned long long)batch->first);
    if (batch->first == 1 && batch->proof.count != 0)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED,
                       "batch: a proof of %zu hashes with the first events; from size 0 the proof is empty",
                       batch->proof.count);
    return VB_OK;
}

/* ---------------------------------------------------------------- batches */

void vb_mirror_batch_free(vb_mirror_batch *batch)
{
    if (!batch)
        return;
    free(batch->events);
    memset(batch, 0, sizeof *batch);
}

vb_status vb_mirror_batch_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message, vb_mirror_batch *batch,
                                 vb_error *err)
{
    vb_cose_sign1 local;
    vb_status s;
    if (!message)
        message = &local;
    memset(batch, 0, sizeof *batch);
    memset(message, 0, sizeof *message);
    if (length > VB_MIRROR_MAX_BATCH_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "batch is %zu bytes, the limit is %u", length, VB_MIRROR_MAX_BATCH_BYTES);
    if ((s = vb_cose_sign1_decode(data, length, message, err)) != VB_OK)
        return with_cause(err, s, "batch");
    if ((s = decode_batch_payload(message->payload, message->payload_length, batch, err)) != VB_OK) {
        vb_mirror_batch_free(batch);
        return s;
    }
    return VB_OK;
}

/* The signer checks a batch and a leaf statement share (mirror.h): the kid names a signer entry,
 * not removed by the time the payload gives, certified for the school the payload names; then
 * the signature. */
static vb_status check_signer(const vb_trust_list *trust, const vb_cose_sign1 *message, const char *what,
                              const char *school, uint64_t time, const vb_trust_entry **signer, vb_error *err)
{
    const vb_trust_entry *entry = trust ? vb_trust_find(trust, message->kid) : NULL;
    if (!entry || entry->role != VB_TRUST_ROLE_SIGNER)
        return vb_fail(err, VB_ERR_UNKNOWN_SIGNER,
                       "%s is signed by a key that is not a signer of the trust list (kid %02x%02x%02x%02x…)", what,
                       message->kid[0], message->kid[1], message->kid[2], message->kid[3]);
    if (entry->removed_at != 0 && entry->removed_at <= (int64_t)time)
        return vb_fail(err, VB_ERR_SIGNER_REMOVED,
                       "%s of time %llu is signed by %s, removed from the trust list at %lld", what,
                       (unsigned long long)time, entry->subject, (long long)entry->removed_at);
    if (strcmp(entry->school_code, school) != 0)
        return vb_fail(err, VB_ERR_MIRROR_SCHOOL, "%s speaks for school %s but is signed by %s (school code %s)", what,
                       school, entry->subject, entry->school_code[0] ? entry->school_code : "none");
    vb_status s = vb_cose_sign1_verify_with(message, &entry->verifier, err);
    if (s != VB_OK)
        return with_cause(err, s, "%s", what);
    if (signer)
        *signer = entry;
    return VB_OK;
}

vb_status vb_mirror_batch_verify(const uint8_t *data, size_t length, const vb_trust_list *trust,
                                 vb_mirror_batch *batch, const vb_trust_entry **signer, vb_error *err)
{
    vb_cose_sign1 message;
    if (signer)
        *signer = NULL;
    vb_status s = vb_mirror_batch_decode(data, length, &message, batch, err);
    if (s != VB_OK)
        return s;
    if ((s = check_signer(trust, &message, "batch", batch->school, batch->time, signer, err)) != VB_OK)
        vb_mirror_batch_free(batch);
    return s;
}

/* The rules the decoder applies, for a batch about to be signed (VB_ERR_ARGUMENT). */
static vb_status check_batch_fields(const vb_mirror_batch *batch, vb_error *err)
{
    if (!is_school_code(batch->school, strnlen(batch->school, sizeof batch->school)))
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: school is not a school code (1 to %d of A-Z a-z 0-9 - .)",
                       VB_MAX_SCHOOL_CODE_BYTES);
    if (batch->count < 1 || batch->count > VB_MIRROR_MAX_EVENTS || !batch->events)
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: %zu events; a batch holds 1 to %d", batch->count,
                       VB_MIRROR_MAX_EVENTS);
    if (!sequence_range_fits(batch->first, batch->count))
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: first sequence %llu with %zu events is out of range",
                       (unsigned long long)batch->first, batch->count);
    for (size_t i = 0; i < batch->count; i++) {
        const vb_mirror_event *e = &batch->events[i];
        if (!e->entry || e->entry_length < 1 || e->entry_length > VB_REGISTER_ENTRY_MAX_BYTES)
            return vb_fail(err, VB_ERR_ARGUMENT, "batch: event %zu: the entry must be 1 to %d bytes", i,
                           VB_REGISTER_ENTRY_MAX_BYTES);
        if (e->record && (e->record_length < 1 || e->record_length > VB_MAX_RECORD_BYTES))
            return vb_fail(err, VB_ERR_ARGUMENT, "batch: event %zu: the record must be 1 to %d bytes", i,
                           VB_MAX_RECORD_BYTES);
        size_t id_length = strnlen(e->personal_id, sizeof e->personal_id);
        if (id_length != 0 && !is_personal_id(e->personal_id, id_length))
            return vb_fail(err, VB_ERR_ARGUMENT, "batch: event %zu: the personal id is not %d digits", i,
                           VB_MIRROR_PERSONAL_ID_DIGITS);
    }
    if (!batch->checkpoint || batch->checkpoint_length < 1 || batch->checkpoint_length > VB_LOG_MAX_CHECKPOINT_BYTES)
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: the signed checkpoint must be 1 to %d bytes",
                       VB_LOG_MAX_CHECKPOINT_BYTES);
    if (batch->proof.count > VB_LOG_MAX_PROOF_HASHES)
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: proof of %zu hashes, at most %d", batch->proof.count,
                       VB_LOG_MAX_PROOF_HASHES);
    if (batch->first == 1 && batch->proof.count != 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: the first events carry no proof (from size 0)");
    if (batch->time >= VB_LOG_MAX_CHECKPOINT_TIME)
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: time %llu is not before 2200-01-01",
                       (unsigned long long)batch->time);
    return VB_OK;
}

/* Signs `payload` into a new buffer with room for the envelope; *out is malloc'd. */
static vb_status sign_into(vb_cose_signer *signer, const uint8_t *payload, size_t payload_length, size_t limit,
                           const char *what, uint8_t **out, size_t *out_length, vb_error *err)
{
    /* Envelope: tag, array, protected header, empty map, heads, and a signature of at most 512
     * bytes (RSA-4096). */
    size_t capacity = payload_length + 1024;
    uint8_t *signed_bytes = malloc(capacity);
    if (!signed_bytes)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for a %s of %zu bytes", what, capacity);
    vb_status s = vb_cose_sign1_sign(signer, payload, payload_length, signed_bytes, capacity, out_length, err);
    if (s == VB_OK && *out_length > limit)
        s = vb_fail(err, VB_ERR_TOO_LARGE, "signed %s is %zu bytes, the limit is %zu", what, *out_length, limit);
    if (s != VB_OK) {
        free(signed_bytes);
        *out_length = 0;
        return s;
    }
    *out = signed_bytes;
    return VB_OK;
}

vb_status vb_mirror_batch_sign(vb_cose_signer *signer, const vb_mirror_batch *batch, uint8_t **out,
                               size_t *out_length, vb_error *err)
{
    *out = NULL;
    *out_length = 0;
    vb_status s = check_batch_fields(batch, err);
    if (s != VB_OK)
        return s;

    /* Bounded by the checks above: at most 5000 × (1 KiB + 1 KiB + heads) plus the rest. */
    size_t capacity = 64 + VB_MAX_SCHOOL_CODE_BYTES + batch->checkpoint_length +
                      batch->proof.count * (3 + VB_LOG_HASH_BYTES);
    for (size_t i = 0; i < batch->count; i++)
        capacity += 1 + 3 + batch->events[i].entry_length + 3 + batch->events[i].record_length + 1 +
                    VB_MIRROR_PERSONAL_ID_DIGITS;
    uint8_t *payload = malloc(capacity);
    if (!payload)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for a batch of %zu bytes", capacity);

    vb_cbor_writer w;
    vb_cbor_writer_init(&w, payload, capacity);
    vb_cbor_put_map(&w, 7);
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_FORMAT);
    vb_cbor_put_uint(&w, VB_MIRROR_FORMAT);
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_SCHOOL);
    vb_cbor_put_cstring(&w, batch->school);
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_FIRST);
    vb_cbor_put_uint(&w, batch->first);
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_EVENTS);
    vb_cbor_put_array(&w, batch->count);
    for (size_t i = 0; i < batch->count; i++) {
        const vb_mirror_event *e = &batch->events[i];
        vb_cbor_put_array(&w, 3);
        vb_cbor_put_bytes(&w, e->entry, e->entry_length);
        if (e->record)
            vb_cbor_put_bytes(&w, e->record, e->record_length);
        else
            vb_cbor_put_null(&w);
        if (e->personal_id[0])
            vb_cbor_put_text(&w, e->personal_id, VB_MIRROR_PERSONAL_ID_DIGITS);
        else
            vb_cbor_put_null(&w);
    }
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_CHECKPOINT);
    vb_cbor_put_bytes(&w, batch->checkpoint, batch->checkpoint_length);
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_PROOF);
    vb_cbor_put_array(&w, batch->proof.count);
    for (size_t i = 0; i < batch->proof.count; i++)
        vb_cbor_put_bytes(&w, batch->proof.hashes + i * VB_LOG_HASH_BYTES, VB_LOG_HASH_BYTES);
    vb_cbor_put_uint(&w, VB_MIRROR_KEY_TIME);
    vb_cbor_put_uint(&w, batch->time);

    if (w.overflow)
        s = vb_fail(err, VB_ERR_TOO_LARGE, "batch payload does not fit %zu bytes", capacity);
    else
        s = sign_into(signer, payload, w.length, VB_MIRROR_MAX_BATCH_BYTES, "batch", out, out_length, err);
    free(payload);
    return s;
}

/* ---------------------------------------------------------------- checking an event */

vb_status vb_mirror_check_event(const vb_trust_list *trust, const vb_mirror_batch *batch, size_t index,
                                vb_mirror_checked *out, vb_error *err)
{
    memset(out, 0, sizeof *out);
    if (!batch || index >= batch->count || !batch->events)
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: no event %zu", index);
    const vb_mirror_event *e = &batch->events[index];
    uint64_t sequence = batch->first + index;
    vb_register_event *event = &out->event;
    vb_status s;

    if ((s = vb_register_event_decode(e->entry, e->entry_length, event, err)) != VB_OK)
        return with_cause(err, VB_ERR_MIRROR_EVENT, "batch: event %zu (sequence %llu): the entry does not decode (%s)",
                          index, (unsigned long long)sequence, vb_status_name(s));
    if (strcmp(event->school_code, batch->school) != 0)
        return vb_fail(err, VB_ERR_MIRROR_EVENT, "batch: event %zu (sequence %llu): the entry names school %s, not %s",
                       index, (unsigned long long)sequence, event->school_code, batch->school);
    if (event->sequence != sequence)
        return vb_fail(err, VB_ERR_MIRROR_EVENT, "batch: event %zu (sequence %llu): the entry has sequence %llu", index,
                       (unsigned long long)sequence, (unsigned long long)event->sequence);

    if (event->kind == VB_EVENT_REVOKE) {
        if (e->record)
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): a revocation carries no record, this one has %zu bytes",
                           index, (unsigned long long)sequence, e->record_length);
    } else {
        static const int expected_kind[] = {[VB_EVENT_ISSUE] = VB_KIND_ORIGINAL,
                                            [VB_EVENT_CORRECT] = VB_KIND_CORRECTION,
                                            [VB_EVENT_COPY] = VB_KIND_COPY};
        const char *kind_name = vb_register_event_kind_name(event->kind);
        if (!e->record)
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): an event of kind %s needs its record", index,
                           (unsigned long long)sequence, kind_name);
        if (!event->has_record_digest)
            return vb_fail(err, VB_ERR_MIRROR_EVENT,
                           "batch: event %zu (sequence %llu): the entry (kind %s) has no record digest", index,
                           (unsigned long long)sequence, kind_name);
        uint8_t digest[SHA256_DIGEST_LENGTH];
        SHA256(e->record, e->record_length, digest);
        if (memcmp(digest, event->record_digest, sizeof digest) != 0)
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): record digest differs from the entry's", index,
                           (unsigned long long)sequence);

        vb_verification *v = &out->verification;
        if ((s = vb_verify_record(trust, e->record, e->record_length, v)) != VB_OK)
            return vb_fail(err, s, "batch: event %zu (sequence %llu): record: %s", index, (unsigned long long)sequence,
                           v->error.message);
        out->has_record = true;
        const vb_credential *c = &v->credential;
        if (strcmp(c->school_code, batch->school) != 0)
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): the record is of school %s, not %s", index,
                           (unsigned long long)sequence, c->school_code, batch->school);
        uint64_t record_id;
        if (!vb_register_record_id_value(c->record_id, c->record_id_length, &record_id) ||
            record_id != event->record_id)
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): the record's cti is not the entry's record id %llu",
                           index, (unsigned long long)sequence, (unsigned long long)event->record_id);
        if (c->kind != expected_kind[event->kind])
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): an event of kind %s with a record of kind %s", index,
                           (unsigned long long)sequence, kind_name, vb_kind_name(c->kind, true));
        uint64_t supersedes;
        if (event->kind == VB_EVENT_CORRECT &&
            (!vb_register_record_id_value(c->supersedes, c->supersedes_length, &supersedes) ||
             supersedes != event->supersedes))
            return vb_fail(err, VB_ERR_MIRROR_RECORD,
                           "batch: event %zu (sequence %llu): the correction does not supersede record %llu as its "
                           "entry says", index, (unsigned long long)sequence, (unsigned long long)event->supersedes);
    }

    /* The personal id goes only with an original (the national database is keyed by it), and
     * must fit the holder printed on it; the messages never quote it. */
    if (e->personal_id[0]) {
        if (event->kind != VB_EVENT_ISSUE)
            return vb_fail(err, VB_ERR_MIRROR_EVENT,
                           "batch: event %zu (sequence %llu): a personal id beside an event of kind %s; only an "
                           "original carries one", index, (unsigned long long)sequence,
                           vb_register_event_kind_name(event->kind));
        const vb_credential *c = &out->verification.credential;
        if ((s = vb_register_check_personal_id(e->personal_id, c->birth_date, c->gender, err)) != VB_OK)
            return with_cause(err, VB_ERR_MIRROR_EVENT, "batch: event %zu (sequence %llu)", index,
                              (unsigned long long)sequence);
    }

    if ((s = vb_log_leaf_hash(e->entry, e->entry_length, out->leaf_hash)) != VB_OK)
        return vb_fail(err, s, "batch: event %zu (sequence %llu): SHA-256 failed", index, (unsigned long long)sequence);
    return VB_OK;
}

/* ---------------------------------------------------------------- checking the checkpoint */

vb_status vb_mirror_check_checkpoint(const vb_mirror_batch *batch, EVP_PKEY *signer_key, const vb_log_builder *held,
                                     const uint8_t *leaf_hashes, vb_log_builder *extended,
                                     vb_log_checkpoint *checkpoint, vb_error *err)
{
    vb_log_checkpoint verified;
    memset(checkpoint, 0, sizeof *checkpoint);
    if (!sequence_range_fits(batch->first, batch->count))
        return vb_fail(err, VB_ERR_ARGUMENT, "batch: first sequence %llu with %zu events is out of range",
                       (unsigned long long)batch->first, batch->count);
    vb_status s = vb_log_checkpoint_verify(batch->checkpoint, batch->checkpoint_length, signer_key, NULL, &verified,
                                           err);
    if (s != VB_OK)
        return with_cause(err, s, "batch");
    if (strcmp(verified.origin, batch->school) != 0)
        return vb_fail(err, VB_ERR_MIRROR_SCHOOL, "batch: the checkpoint is of school %s, not %s", verified.origin,
                       batch->school);
    uint64_t size = batch->first - 1 + batch->count; /* the decoder saw that this fits */
    if (verified.size != size)
        return vb_fail(err, VB_ERR_MIRROR_SEQUENCE,
                       "batch: the checkpoint is of size %llu, but events %llu … %llu make size %llu",
                       (unsigned long long)verified.size, (unsigned long long)batch->first,
                       (unsigned long long)size, (unsigned long long)size);
    if (held->size != batch->first - 1)
        return vb_fail(err, VB_ERR_MIRROR_SEQUENCE, "batch: starts at sequence %llu; the portal holds %llu events, "
                       "so the next is %llu", (unsigned long long)batch->first, (unsigned long long)held->size,
                       (unsigned long long)held->size + 1);

    if (held->size > 0) {
        uint8_t held_root[VB_LOG_HASH_BYTES];
        if ((s = vb_log_builder_root(held, held_root)) != VB_OK)
            return vb_fail(err, s, "batch: could not compute the root held");
        if ((s = vb_log_verify_consistency(held->size, verified.size, held_root, verified.root, batch->proof.hashes,
                                           batch->proof.count, err)) != VB_OK)
            return with_cause(err, s, "batch: the checkpoint does not extend the %llu events held",
                              (unsigned long long)held->size);
    } else if (batch->proof.count != 0) {
        return vb_fail(err, VB_ERR_LOG_PROOF, "batch: a proof of %zu hashes from size 0", batch->proof.count);
    }

    /* The events themselves, added to the tree held, must give the root the school signed. */
    vb_log_builder tree = *held;
    for (size_t i = 0; i < batch->count; i++)
        if ((s = vb_log_builder_add(&tree, leaf_hashes + i * VB_LOG_HASH_BYTES)) != VB_OK)
            return vb_fail(err, s, "batch: event %zu could not be added to the tree", i);
    uint8_t root[VB_LOG_HASH_BYTES];
    if ((s = vb_log_builder_root(&tree, root)) != VB_OK)
        return vb_fail(err, s, "batch: could not compute the extended root");
    if (memcmp(root, verified.root, VB_LOG_HASH_BYTES) != 0)
        return vb_fail(err, VB_ERR_LOG_MISMATCH,
                       "batch: the %llu events held and the batch's %zu give another root than the checkpoint's",
                       (unsigned long long)held->size, batch->count);
    *extended = tree;
    *checkpoint = verified;
    return VB_OK;
}

/* ---------------------------------------------------------------- leaf statements */

static vb_status decode_leaves_payload(const uint8_t *data, size_t length, vb_mirror_leaves *leaves, vb_error *err)
{
    static const char what[] = "leaf statement";
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    size_t count;
    vb_status s;

    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return payload_fault(err, s, "leaf statement: payload is not a map");
    if (count != 5)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "leaf statement: map has %zu entries, must have exactly 5", count);
    for (size_t i = 0; i < count; i++) {
        uint64_t key;
        if ((s = read_key(&r, &order, what, &key, err)) != VB_OK)
            return s;
        switch (key) {
        case VB_MIRROR_LEAVES_KEY_FORMAT:
            s = read_format(&r, what, err);
            break;
        case VB_MIRROR_LEAVES_KEY_SCHOOL:
            s = read_school(&r, what, leaves->school, err);
            break;
        case VB_MIRROR_LEAVES_KEY_FIRST:
            s = read_first(&r, what, &leaves->first, err);
            break;
        case VB_MIRROR_LEAVES_KEY_LEAVES: {
            const uint8_t *bytes;
            size_t bytes_length;
            if ((s = vb_cbor_read_bytes(&r, &bytes, &bytes_length, err)) != VB_OK)
                return payload_fault(err, s, "leaf statement: leaves (4) is not a byte string");
            if (bytes_length == 0 || bytes_length % VB_LOG_HASH_BYTES != 0 ||
                bytes_length / VB_LOG_HASH_BYTES > VB_MIRROR_MAX_LEAVES)
                return vb_fail(err, VB_ERR_MIRROR_MALFORMED,
                               "leaf statement: leaves are %zu bytes, not 1 to %d hashes of %d bytes", bytes_length,
                               VB_MIRROR_MAX_LEAVES, VB_LOG_HASH_BYTES);
            leaves->leaves = bytes;
            leaves->count = bytes_length / VB_LOG_HASH_BYTES;
            break;
        }
        case VB_MIRROR_LEAVES_KEY_TIME:
            s = read_time(&r, what, key, &leaves->time, err);
            break;
        default:
            return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "leaf statement: unknown key %llu; the keys are 1 to 5",
                           (unsigned long long)key);
        }
        if (s != VB_OK)
            return s;
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "leaf statement: %zu bytes after the payload map",
                       vb_cbor_remaining(&r));
    if (!sequence_range_fits(leaves->first, leaves->count))
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "leaf statement: %zu leaves from sequence %llu run past 2^64 - 1",
                       leaves->count, (unsigned long long)leaves->first);
    return VB_OK;
}

vb_status vb_mirror_leaves_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message,
                                  vb_mirror_leaves *leaves, vb_error *err)
{
    vb_cose_sign1 local;
    vb_status s;
    if (!message)
        message = &local;
    memset(leaves, 0, sizeof *leaves);
    memset(message, 0, sizeof *message);
    if (length > VB_MIRROR_MAX_STATEMENT_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "leaf statement is %zu bytes, the limit is %u", length,
                       VB_MIRROR_MAX_STATEMENT_BYTES);
    if ((s = vb_cose_sign1_decode(data, length, message, err)) != VB_OK)
        return with_cause(err, s, "leaf statement");
    if ((s = decode_leaves_payload(message->payload, message->payload_length, leaves, err)) != VB_OK)
        memset(leaves, 0, sizeof *leaves);
    return s;
}

vb_status vb_mirror_leaves_verify(const uint8_t *data, size_t length, const vb_trust_list *trust,
                                  vb_mirror_leaves *leaves, const vb_trust_entry **signer, vb_error *err)
{
    vb_cose_sign1 message;
    if (signer)
        *signer = NULL;
    vb_status s = vb_mirror_leaves_decode(data, length, &message, leaves, err);
    if (s != VB_OK)
        return s;
    if ((s = check_signer(trust, &message, "leaf statement", leaves->school, leaves->time, signer, err)) != VB_OK)
        memset(leaves, 0, sizeof *leaves);
    return s;
}

vb_status vb_mirror_leaves_sign(vb_cose_signer *signer, const vb_mirror_leaves *leaves, uint8_t **out,
                                size_t *out_length, vb_error *err)
{
    *out = NULL;
    *out_length = 0;
    if (!is_school_code(leaves->school, strnlen(leaves->school, sizeof leaves->school)))
        return vb_fail(err, VB_ERR_ARGUMENT, "leaf statement: school is not a school code (1 to %d of A-Z a-z 0-9 - .)",
                       VB_MAX_SCHOOL_CODE_BYTES);
    if (leaves->count < 1 || leaves->count > VB_MIRROR_MAX_LEAVES || !leaves->leaves)
        return vb_fail(err, VB_ERR_ARGUMENT, "leaf statement: %zu leaves; a statement holds 1 to %d", leaves->count,
                       VB_MIRROR_MAX_LEAVES);
    if (!sequence_range_fits(leaves->first, leaves->count))
        return vb_fail(err, VB_ERR_ARGUMENT, "leaf statement: first sequence %llu with %zu leaves is out of range",
                       (unsigned long long)leaves->first, leaves->count);
    if (leaves->time >= VB_LOG_MAX_CHECKPOINT_TIME)
        return vb_fail(err, VB_ERR_ARGUMENT, "leaf statement: time %llu is not before 2200-01-01",
                       (unsigned long long)leaves->time);

    size_t bytes = leaves->count * VB_LOG_HASH_BYTES;
    size_t capacity = 64 + VB_MAX_SCHOOL_CODE_BYTES + bytes;
    uint8_t *payload = malloc(capacity);
    if (!payload)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for a leaf statement of %zu bytes", capacity);
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, payload, capacity);
    vb_cbor_put_map(&w, 5);
    vb_cbor_put_uint(&w, VB_MIRROR_LEAVES_KEY_FORMAT);
    vb_cbor_put_uint(&w, VB_MIRROR_FORMAT);
    vb_cbor_put_uint(&w, VB_MIRROR_LEAVES_KEY_SCHOOL);
    vb_cbor_put_cstring(&w, leaves->school);
    vb_cbor_put_uint(&w, VB_MIRROR_LEAVES_KEY_FIRST);
    vb_cbor_put_uint(&w, leaves->first);
    vb_cbor_put_uint(&w, VB_MIRROR_LEAVES_KEY_LEAVES);
    vb_cbor_put_bytes(&w, leaves->leaves, bytes);
    vb_cbor_put_uint(&w, VB_MIRROR_LEAVES_KEY_TIME);
    vb_cbor_put_uint(&w, leaves->time);
    vb_status s;
    if (w.overflow)
        s = vb_fail(err, VB_ERR_TOO_LARGE, "leaf statement payload does not fit %zu bytes", capacity);
    else
        s = sign_into(signer, payload, w.length, VB_MIRROR_MAX_STATEMENT_BYTES, "leaf statement", out, out_length,
                      err);
    free(payload);
    return s;
}

/* ---------------------------------------------------------------- status bundles */

bool vb_mirror_is_bundle(const uint8_t *data, size_t length)
{
    return data && length >= 1 && (data[0] >> 5) == VB_CBOR_ARRAY;
}

vb_status vb_mirror_bundle_encode(const uint8_t *const *lists, const size_t *lengths, size_t count, uint8_t **out,
                                  size_t *out_length, vb_error *err)
{
    *out = NULL;
    *out_length = 0;
    if (count > VB_MIRROR_MAX_BUNDLE_LISTS)
        return vb_fail(err, VB_ERR_ARGUMENT, "bundle: %zu status lists, at most %d", count, VB_MIRROR_MAX_BUNDLE_LISTS);
    size_t total = 0; /* the lists' bytes; each step adds at most 64 MiB to at most 256 MiB */
    for (size_t i = 0; i < count; i++) {
        if (!lists[i] || lengths[i] < 1 || lengths[i] > VB_STATUSLIST_MAX_BYTES)
            return vb_fail(err, VB_ERR_ARGUMENT, "bundle: status list %zu is %zu bytes, must be 1 to %u", i,
                           lengths[i], VB_STATUSLIST_MAX_BYTES);
        total += lengths[i];
        if (total > VB_MIRROR_MAX_BUNDLE_BYTES)
            return vb_fail(err, VB_ERR_TOO_LARGE, "bundle: over %u bytes", VB_MIRROR_MAX_BUNDLE_BYTES);
    }
    size_t capacity = 9 + 9 * count + total;
    uint8_t *bytes = malloc(capacity);
    if (!bytes)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for a bundle of %zu bytes", capacity);
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, bytes, capacity);
    vb_cbor_put_array(&w, count);
    for (size_t i = 0; i < count; i++)
        vb_cbor_put_bytes(&w, lists[i], lengths[i]);
    if (w.overflow || w.length > VB_MIRROR_MAX_BUNDLE_BYTES) {
        free(bytes);
        return vb_fail(err, VB_ERR_TOO_LARGE, "bundle: over %u bytes", VB_MIRROR_MAX_BUNDLE_BYTES);
    }
    *out = bytes;
    *out_length = w.length;
    return VB_OK;
}

/* One pass over a bundle: checks it whole when visit is NULL, else visits each list. */
static vb_status bundle_walk(const uint8_t *data, size_t length, vb_mirror_bundle_visitor visit, void *context,
                             vb_error *err)
{
    vb_cbor_reader r;
    size_t count;
    vb_status s;
    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_array(&r, &count, err)) != VB_OK)
        return with_cause(err, VB_ERR_MIRROR_MALFORMED, "bundle: not a CBOR array of status lists (%s)",
                          vb_status_name(s));
    if (count > VB_MIRROR_MAX_BUNDLE_LISTS)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "bundle: %zu status lists, at most %d", count,
                       VB_MIRROR_MAX_BUNDLE_LISTS);
    for (size_t i = 0; i < count; i++) {
        const uint8_t *list;
        size_t list_length;
        if ((s = vb_cbor_read_bytes(&r, &list, &list_length, err)) != VB_OK)
            return with_cause(err, VB_ERR_MIRROR_MALFORMED, "bundle: item %zu is not a byte string (%s)", i,
                              vb_status_name(s));
        if (list_length < 1 || list_length > VB_STATUSLIST_MAX_BYTES)
            return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "bundle: item %zu is %zu bytes, must be 1 to %u", i,
                           list_length, VB_STATUSLIST_MAX_BYTES);
        if (visit && (s = visit(context, i, list, list_length, err)) != VB_OK)
            return s;
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "bundle: %zu bytes after the array", vb_cbor_remaining(&r));
    return VB_OK;
}

vb_status vb_mirror_bundle_each(const uint8_t *data, size_t length, vb_mirror_bundle_visitor visit, void *context,
                                vb_error *err)
{
    if (!data || length == 0)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "bundle: empty input, not a CBOR array");
    if (length > VB_MIRROR_MAX_BUNDLE_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "bundle is %zu bytes, the limit is %u", length,
                       VB_MIRROR_MAX_BUNDLE_BYTES);
    /* The whole structure first: a visitor never sees the lists of a bundle that is then refused. */
    vb_status s = bundle_walk(data, length, NULL, NULL, err);
    if (s != VB_OK || !visit)
        return s;
    return bundle_walk(data, length, visit, context, err);
}

/* ---------------------------------------------------------------- the compact tree */

size_t vb_mirror_tree_save(const vb_log_builder *builder, uint8_t out[VB_MIRROR_TREE_MAX_BYTES])
{
    unsigned depth = (unsigned)__builtin_popcountll(builder->size);
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(builder->size >> (56 - 8 * i));
    memcpy(out + 8, builder->stack, (size_t)depth * VB_LOG_HASH_BYTES);
    return 8 + (size_t)depth * VB_LOG_HASH_BYTES;
}

vb_status vb_mirror_tree_load(const uint8_t *data, size_t length, vb_log_builder *builder, vb_error *err)
{
    vb_log_builder_init(builder);
    if (!data || length < 8)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED, "tree: %zu bytes, too short for its size (8 bytes)", length);
    uint64_t size = 0;
    for (int i = 0; i < 8; i++)
        size = (size << 8) | data[i];
    unsigned depth = (unsigned)__builtin_popcountll(size);
    size_t expected = 8 + (size_t)depth * VB_LOG_HASH_BYTES;
    if (length != expected)
        return vb_fail(err, VB_ERR_MIRROR_MALFORMED,
                       "tree: %zu bytes, but a tree of %llu leaves is %zu (its size and %u subtree roots)", length,
                       (unsigned long long)size, expected, depth);
    builder->size = size;
    builder->depth = depth;
    memcpy(builder->stack, data + 8, (size_t)depth * VB_LOG_HASH_BYTES);
    return VB_OK;
}
