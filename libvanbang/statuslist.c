/*
 * statuslist.c — the signed status list of a school: encoding, strict decoding, lookup, and the
 * builder that sorts and signs it (see statuslist.h; docs/FORMAT.md §11).
 */
#include "statuslist.h"
#include "cbor.h"
#include "fileio.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- record ids */

bool vb_statuslist_id_from_cti(const uint8_t *cti, size_t length, uint64_t *id)
{
    if (length < 1 || length > 8 || cti[0] == 0)
        return false;
    uint64_t value = 0;
    for (size_t i = 0; i < length; i++)
        value = (value << 8) | cti[i];
    *id = value;
    return true;
}

size_t vb_statuslist_id_to_cti(uint64_t id, uint8_t cti[8])
{
    size_t length = 0;
    for (uint64_t rest = id; rest; rest >>= 8)
        length++;
    for (size_t i = 0; i < length; i++)
        cti[i] = (uint8_t)(id >> (8 * (length - 1 - i)));
    return length;
}

static uint64_t read_u64(const uint8_t *p)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; i++)
        value = (value << 8) | p[i];
    return value;
}

static int32_t read_i32(const uint8_t *p)
{
    uint32_t value = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (int32_t)value; /* two's complement, as every platform this builds on */
}

static void write_u64(uint8_t *p, uint64_t value)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(value >> (56 - 8 * i));
}

static void write_i32(uint8_t *p, int32_t value)
{
    uint32_t bits = (uint32_t)value;
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(bits >> (24 - 8 * i));
}

static void decode_entry(const uint8_t *p, vb_statuslist_entry *entry)
{
    entry->record_id = read_u64(p + VB_STATUSLIST_OFFSET_ID);
    entry->state = p[VB_STATUSLIST_OFFSET_STATE];
    entry->reason = p[VB_STATUSLIST_OFFSET_REASON];
    entry->decision_date = read_i32(p + VB_STATUSLIST_OFFSET_DATE);
    entry->superseded_by = read_u64(p + VB_STATUSLIST_OFFSET_SUPERSEDED_BY);
}

static void encode_entry(const vb_statuslist_entry *entry, uint8_t *p)
{
    write_u64(p + VB_STATUSLIST_OFFSET_ID, entry->record_id);
    p[VB_STATUSLIST_OFFSET_STATE] = (uint8_t)entry->state;
    p[VB_STATUSLIST_OFFSET_REASON] = (uint8_t)entry->reason;
    write_i32(p + VB_STATUSLIST_OFFSET_DATE, entry->decision_date);
    write_u64(p + VB_STATUSLIST_OFFSET_SUPERSEDED_BY, entry->superseded_by);
}

/* The rules of one entry apart from its order (FORMAT.md §11); NULL when it keeps them, else
 * what is wrong, for the caller's message. */
static const char *entry_fault(const vb_statuslist_entry *e)
{
    if (e->record_id == 0)
        return "record id is 0";
    if (e->decision_date < VB_STATUSLIST_MIN_DATE || e->decision_date > VB_STATUSLIST_MAX_DATE)
        return "decision date is not within 1950-01-01 … 2199-12-31";
    if (e->state == VB_STATUSLIST_STATE_REVOKED) {
        if (e->reason < 1 || e->reason > VB_STATUSLIST_REASON_MAX)
            return "revoked with a reason other than 1 … 6";
        if (e->superseded_by != 0)
            return "revoked with a superseding record id other than 0";
        return NULL;
    }
    if (e->state == VB_STATUSLIST_STATE_SUPERSEDED) {
        if (e->reason != 0)
            return "superseded with a reason other than 0";
        /* A correction is registered after the record it corrects, so its id is larger; the
         * rule also makes every chain of corrections end. */
        if (e->superseded_by <= e->record_id)
            return "superseded by a record id not above its own";
        return NULL;
    }
    return "state is neither 1 (revoked) nor 2 (superseded)";
}

/* A decision number: as a printed text claim (FORMAT.md §4), 1–255 bytes. UTF-8 validity is
 * the caller's (the CBOR reader checks it). */
static const char *decision_fault(const char *text, size_t length)
{
    if (length == 0)
        return "is empty";
    if (length > VB_STATUSLIST_MAX_DECISION_BYTES)
        return "is over 255 bytes";
    for (size_t i = 0; i < length; i++)
        if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
            return "holds a control character";
    if (text[0] == ' ' || text[length - 1] == ' ')
        return "begins or ends with a space";
    if (!vb_text_is_nfc(text, length))
        return "is not in Unicode normalization form C";
    return NULL;
}

static bool is_school_code(const char *text, size_t length)
{
    if (length < 1 || length > VB_MAX_SCHOOL_CODE_BYTES)
        return false;
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '-' ||
              c == '_'))
            return false;
    }
    return true;
}

/* ---------------------------------------------------------------- lookup */

/* Index of the entry with this id, or -1: binary search over the entries where they lie. */
static ptrdiff_t entry_index(const vb_statuslist *list, uint64_t id)
{
    size_t low = 0, high = list->count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        uint64_t here = read_u64(list->entries + middle * VB_STATUSLIST_ENTRY_BYTES);
        if (here == id)
            return (ptrdiff_t)middle;
        if (here < id)
            low = middle + 1;
        else
            high = middle;
    }
    return -1;
}

const vb_statuslist_entry *vb_statuslist_find_id(const vb_statuslist *list, uint64_t record_id,
                                                 vb_statuslist_entry *entry)
{
    ptrdiff_t index = record_id ? entry_index(list, record_id) : -1;
    if (index < 0)
        return NULL;
    decode_entry(list->entries + (size_t)index * VB_STATUSLIST_ENTRY_BYTES, entry);
    return entry;
}

const vb_statuslist_entry *vb_statuslist_find(const vb_statuslist *list, const uint8_t *record_id, size_t length,
                                              vb_statuslist_entry *entry)
{
    uint64_t id;
    if (!record_id || !vb_statuslist_id_from_cti(record_id, length, &id))
        return NULL;
    return vb_statuslist_find_id(list, id, entry);
}

const vb_statuslist_entry *vb_statuslist_find_record(const vb_statuslist *list, const vb_credential *credential,
                                                     vb_statuslist_entry *entry)
{
    /* A list speaks only for its own school: record 42 of another school is another record. */
    if (strcmp(credential->school_code, list->origin) != 0)
        return NULL;
    return vb_statuslist_find(list, credential->record_id, credential->record_id_length, entry);
}

void vb_statuslist_entry_at(const vb_statuslist *list, size_t index, vb_statuslist_entry *entry)
{
    decode_entry(list->entries + index * VB_STATUSLIST_ENTRY_BYTES, entry);
}

static const vb_statuslist_ref *find_ref(const vb_statuslist_ref *refs, size_t count, uint64_t id)
{
    size_t low = 0, high = count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (refs[middle].record_id == id)
            return &refs[middle];
        if (refs[middle].record_id < id)
            low = middle + 1;
        else
            high = middle;
    }
    return NULL;
}

bool vb_statuslist_replacement(const vb_statuslist *list, uint64_t record_id, const uint8_t **record,
                               size_t *length)
{
    const vb_statuslist_ref *ref = find_ref(list->replacements, list->replacement_count, record_id);
    if (!ref)
        return false;
    *record = list->base + ref->offset;
    *length = ref->length;
    return true;
}

bool vb_statuslist_decision(const vb_statuslist *list, uint64_t record_id, const char **text, size_t *length)
{
    const vb_statuslist_ref *ref = find_ref(list->decisions, list->decision_count, record_id);
    if (!ref)
        return false;
    *text = (const char *)(list->base + ref->offset);
    *length = ref->length;
    return true;
}

uint64_t vb_statuslist_current_id(const vb_statuslist *list, uint64_t record_id)
{
    vb_statuslist_entry entry;
    uint64_t current = record_id;
    /* Each step goes to a larger id (a parsed list guarantees it), so the walk ends. */
    while (vb_statuslist_find_id(list, current, &entry) && entry.state == VB_STATUSLIST_STATE_SUPERSEDED &&
           entry.superseded_by > current)
        current = entry.superseded_by;
    return current;
}

void vb_statuslist_free(vb_statuslist *list)
{
    free(list->replacements);
    free(list->decisions);
    free(list->owned);
    memset(list, 0, sizeof *list);
}

/* ---------------------------------------------------------------- payload */

/* A CBOR fault keeps its own code; a well-formed item of the wrong type is a malformed list. */
static vb_status payload_fault(vb_error *err, vb_status cause, const char *what)
{
    char inner[sizeof err->message];
    snprintf(inner, sizeof inner, "%s", err ? err->message : "");
    if (cause == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: %s", what);
    return vb_fail(err, cause, "status list: %s: %s", what, inner);
}

/* One pass over the entries where they lie: each keeps the rules, ids strictly ascending. */
static vb_status check_entries(const uint8_t *entries, size_t count, vb_error *err)
{
    uint64_t previous = 0;
    for (size_t i = 0; i < count; i++) {
        vb_statuslist_entry e;
        decode_entry(entries + i * VB_STATUSLIST_ENTRY_BYTES, &e);
        if (e.record_id == 0)
            return vb_fail(err, VB_ERR_STATUS_ENTRY, "status list: entry %zu: record id is 0", i);
        if (i > 0 && e.record_id <= previous)
            return vb_fail(err, VB_ERR_STATUS_ORDER, "status list: entry %zu: record %llu %s record %llu", i,
                           (unsigned long long)e.record_id, e.record_id == previous ? "repeats" : "comes after",
                           (unsigned long long)previous);
        const char *fault = entry_fault(&e);
        if (fault)
            return vb_fail(err, VB_ERR_STATUS_ENTRY, "status list: entry %zu (record %llu): %s", i,
                           (unsigned long long)e.record_id, fault);
        previous = e.record_id;
    }
    return VB_OK;
}

/* The head of an optional map {uint id: value}: non-empty, and no more pairs than entries
 * (each key must name a distinct entry), checked before its index is allocated. */
static vb_status read_side_map(vb_cbor_reader *r, const vb_statuslist *list, const char *what, size_t *count,
                               vb_statuslist_ref **refs, vb_error *err)
{
    vb_status s = vb_cbor_read_map(r, count, err);
    if (s != VB_OK)
        return payload_fault(err, s, what);
    if (*count == 0)
        return vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: %s is empty; an empty map is left out", what);
    if (*count > list->count)
        return vb_fail(err, VB_ERR_STATUS_REFERENCE, "status list: %s has %zu items for %zu entries", what, *count,
                       list->count);
    *refs = calloc(*count, sizeof **refs);
    if (!*refs)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the %s index", what);
    return VB_OK;
}

/* Reads one key of a side map: a uint record id, in canonical (so ascending) order. */
static vb_status read_side_key(vb_cbor_reader *r, vb_cbor_key_order *order, const char *what, uint64_t *id,
                               vb_error *err)
{
    const uint8_t *key_start = r->pos;
    vb_status s = vb_cbor_read_uint(r, id, err);
    if (s == VB_OK)
        s = vb_cbor_check_key_order(order, key_start, (size_t)(r->pos - key_start), err);
    return s == VB_OK ? VB_OK : payload_fault(err, s, what);
}

/* {record id: signed record}: each value the correction that a listed entry is superseded by. */
static vb_status parse_replacements(vb_cbor_reader *r, vb_statuslist *list, vb_error *err)
{
    static const char what[] = "replacement records (key 6)";
    vb_cbor_key_order order = {0};
    size_t count;
    vb_status s = read_side_map(r, list, what, &count, &list->replacements, err);
    if (s != VB_OK)
        return s;
    for (size_t i = 0; i < count; i++) {
        uint64_t id, corrected;
        const uint8_t *record;
        size_t length;
        vb_statuslist_entry entry;
        if ((s = read_side_key(r, &order, what, &id, err)) != VB_OK)
            return s;
        if ((s = vb_cbor_read_bytes(r, &record, &length, err)) != VB_OK)
            return payload_fault(err, s, "a replacement record is not a byte string");
        if (length > VB_MAX_RECORD_BYTES)
            return vb_fail(err, VB_ERR_STATUS_REFERENCE, "status list: replacement record %llu is %zu bytes, over %d",
                           (unsigned long long)id, length, VB_MAX_RECORD_BYTES);

        vb_cose_sign1 message;
        vb_credential credential;
        if ((s = vb_record_decode(record, length, &message, &credential, err)) != VB_OK) {
            char inner[sizeof err->message];
            snprintf(inner, sizeof inner, "%s", err ? err->message : "");
            return vb_fail(err, VB_ERR_STATUS_REFERENCE,
                           "status list: replacement record %llu does not decode (%s): %s", (unsigned long long)id,
                           vb_status_name(s), inner);
        }
        uint64_t cti;
        if (!vb_statuslist_id_from_cti(credential.record_id, credential.record_id_length, &cti) || cti != id)
            return vb_fail(err, VB_ERR_STATUS_REFERENCE, "status list: replacement record %llu has another record id",
                           (unsigned long long)id);
        if (strcmp(credential.school_code, list->origin) != 0)
            return vb_fail(err, VB_ERR_STATUS_REFERENCE, "status list: replacement record %llu is of school %s, not %s",
                           (unsigned long long)id, credential.school_code, list->origin);
        if (credential.kind != VB_KIND_CORRECTION ||
            !vb_statuslist_id_from_cti(credential.supersedes, credential.supersedes_length, &corrected))
            return vb_fail(err, VB_ERR_STATUS_REFERENCE,
                           "status list: replacement record %llu is not a correction of a record with an id",
                           (unsigned long long)id);
        if (!vb_statuslist_find_id(list, corrected, &entry) || entry.state != VB_STATUSLIST_STATE_SUPERSEDED ||
            entry.superseded_by != id)
            return vb_fail(err, VB_ERR_STATUS_REFERENCE,
                           "status list: replacement record %llu corrects record %llu, which the list does not show "
                           "superseded by it", (unsigned long long)id, (unsigned long long)corrected);
        list->replacements[i] = (vb_statuslist_ref){id, (uint32_t)(record - list->base), (uint32_t)length};
        list->replacement_count = i + 1;
    }
    return VB_OK;
}

/* {record id: decision number}: each key a listed record. */
static vb_status parse_decisions(vb_cbor_reader *r, vb_statuslist *list, vb_error *err)
{
    static const char what[] = "decision numbers (key 7)";
    vb_cbor_key_order order = {0};
    size_t count;
    vb_status s = read_side_map(r, list, what, &count, &list->decisions, err);
    if (s != VB_OK)
        return s;
    for (size_t i = 0; i < count; i++) {
        uint64_t id;
        const char *text;
        size_t length;
        vb_statuslist_entry entry;
        if ((s = read_side_key(r, &order, what, &id, err)) != VB_OK)
            return s;
        if ((s = vb_cbor_read_text(r, &text, &length, err)) != VB_OK)
            return payload_fault(err, s, "a decision number is not a text string");
        const char *fault = decision_fault(text, length);
        if (fault)
            return vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: decision number of record %llu %s",
                           (unsigned long long)id, fault);
        if (!vb_statuslist_find_id(list, id, &entry))
            return vb_fail(err, VB_ERR_STATUS_REFERENCE,
                           "status list: decision number for record %llu, which is not listed", (unsigned long long)id);
        list->decisions[i] = (vb_statuslist_ref){id, (uint32_t)((const uint8_t *)text - list->base), (uint32_t)length};
        list->decision_count = i + 1;
    }
    return VB_OK;
}

vb_status vb_statuslist_parse_payload(const uint8_t *data, size_t length, vb_statuslist *list, vb_error *err)
{
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    size_t count;
    uint64_t version = 0, sequence = 0, issued_at = 0;
    bool have_version = false, have_origin = false, have_sequence = false, have_issued_at = false,
         have_entries = false;
    vb_status s;

    memset(list, 0, sizeof *list);
    if (length > VB_STATUSLIST_MAX_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "status list is %zu bytes, the limit is %u", length,
                       VB_STATUSLIST_MAX_BYTES);
    list->base = data;
    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK) {
        s = payload_fault(err, s, "payload is not a map");
        goto fail;
    }
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r.pos;
        uint64_t key;
        if ((s = vb_cbor_read_uint(&r, &key, err)) != VB_OK ||
            (s = vb_cbor_check_key_order(&order, key_start, (size_t)(r.pos - key_start), err)) != VB_OK) {
            s = payload_fault(err, s, "a key is not an unsigned integer");
            goto fail;
        }
        switch (key) {
        case VB_STATUSLIST_KEY_VERSION:
            if ((s = vb_cbor_read_uint(&r, &version, err)) != VB_OK) {
                s = payload_fault(err, s, "version is not an unsigned integer");
                goto fail;
            }
            if (version != VB_STATUSLIST_FORMAT_VERSION) {
                s = vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: version %llu is not understood (only %d)",
                            (unsigned long long)version, VB_STATUSLIST_FORMAT_VERSION);
                goto fail;
            }
            have_version = true;
            break;
        case VB_STATUSLIST_KEY_ORIGIN: {
            const char *origin;
            size_t origin_length;
            if ((s = vb_cbor_read_text(&r, &origin, &origin_length, err)) != VB_OK) {
                s = payload_fault(err, s, "origin is not a text string");
                goto fail;
            }
            if (!is_school_code(origin, origin_length)) {
                s = vb_fail(err, VB_ERR_STATUS_MALFORMED,
                            "status list: origin is not a school code (1 to %d of A-Z a-z 0-9 . - _)",
                            VB_MAX_SCHOOL_CODE_BYTES);
                goto fail;
            }
            memcpy(list->origin, origin, origin_length);
            list->origin[origin_length] = '\0';
            have_origin = true;
            break;
        }
        case VB_STATUSLIST_KEY_SEQUENCE:
            if ((s = vb_cbor_read_uint(&r, &sequence, err)) != VB_OK) {
                s = payload_fault(err, s, "sequence is not an unsigned integer");
                goto fail;
            }
            if (sequence == 0) {
                s = vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: sequence is 0; sequences start at 1");
                goto fail;
            }
            have_sequence = true;
            break;
        case VB_STATUSLIST_KEY_ISSUED_AT:
            if ((s = vb_cbor_read_uint(&r, &issued_at, err)) != VB_OK) {
                s = payload_fault(err, s, "issue time is not an unsigned integer");
                goto fail;
            }
            if (issued_at >= VB_STATUSLIST_MAX_TIME) {
                s = vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: issue time %llu is not before 2200-01-01",
                            (unsigned long long)issued_at);
                goto fail;
            }
            have_issued_at = true;
            break;
        case VB_STATUSLIST_KEY_ENTRIES: {
            const uint8_t *entries;
            size_t entries_length;
            if ((s = vb_cbor_read_bytes(&r, &entries, &entries_length, err)) != VB_OK) {
                s = payload_fault(err, s, "entries are not a byte string");
                goto fail;
            }
            if (entries_length % VB_STATUSLIST_ENTRY_BYTES != 0) {
                s = vb_fail(err, VB_ERR_STATUS_MALFORMED,
                            "status list: entries are %zu bytes, not a whole number of %d-byte entries "
                            "(the last has only %zu)",
                            entries_length, VB_STATUSLIST_ENTRY_BYTES, entries_length % VB_STATUSLIST_ENTRY_BYTES);
                goto fail;
            }
            if (entries_length / VB_STATUSLIST_ENTRY_BYTES > VB_STATUSLIST_MAX_ENTRIES) {
                s = vb_fail(err, VB_ERR_TOO_LARGE, "status list has %zu entries, the limit is %u",
                            entries_length / VB_STATUSLIST_ENTRY_BYTES, VB_STATUSLIST_MAX_ENTRIES);
                goto fail;
            }
            if ((s = check_entries(entries, entries_length / VB_STATUSLIST_ENTRY_BYTES, err)) != VB_OK)
                goto fail;
            list->entries = entries;
            list->count = entries_length / VB_STATUSLIST_ENTRY_BYTES;
            have_entries = true;
            break;
        }
        case VB_STATUSLIST_KEY_REPLACEMENTS:
        case VB_STATUSLIST_KEY_DECISIONS:
            /* Keys come in order, so the entries (key 5) and the origin are known by now. */
            if (!have_entries || !have_origin) {
                s = vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: needs its origin (2) and entries (5)");
                goto fail;
            }
            s = key == VB_STATUSLIST_KEY_REPLACEMENTS ? parse_replacements(&r, list, err)
                                                      : parse_decisions(&r, list, err);
            if (s != VB_OK)
                goto fail;
            break;
        default:
            s = vb_fail(err, VB_ERR_STATUS_MALFORMED, "status list: unknown key %llu", (unsigned long long)key);
            goto fail;
        }
    }
    if (vb_cbor_remaining(&r) != 0) {
        s = vb_fail(err, VB_ERR_CBOR_TRAILING, "status list: %zu bytes after the payload map", vb_cbor_remaining(&r));
        goto fail;
    }
    if (!have_version || !have_origin || !have_sequence || !have_issued_at || !have_entries) {
        s = vb_fail(err, VB_ERR_STATUS_MALFORMED,
                    "status list: needs version (1), origin (2), sequence (3), issue time (4) and entries (5)");
        goto fail;
    }
    list->sequence = sequence;
    list->issued_at = (int64_t)issued_at;
    return VB_OK;

fail:
    vb_statuslist_free(list);
    return s;
}

/* ---------------------------------------------------------------- signed list */

/* Keeps the inner cause's code, putting "status list: " before its message. */
static vb_status prefixed(vb_error *err, vb_status cause)
{
    char inner[sizeof err->message];
    snprintf(inner, sizeof inner, "%s", err ? err->message : "");
    return vb_fail(err, cause, "status list: %s", inner);
}

vb_status vb_statuslist_parse(const uint8_t *data, size_t length, const vb_trust_list *trust, uint64_t held_sequence,
                              vb_statuslist *list, vb_error *err)
{
    vb_cose_sign1 message;
    vb_status s;

    memset(list, 0, sizeof *list);
    if (length > VB_STATUSLIST_MAX_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "status list is %zu bytes, the limit is %u", length,
                       VB_STATUSLIST_MAX_BYTES);
    if ((s = vb_cose_sign1_decode(data, length, &message, err)) != VB_OK)
        return prefixed(err, s);

    /* The signer first, and the signature over the whole payload before its contents are
     * trusted or walked (FORMAT.md §11, steps 2–4). */
    const vb_trust_entry *signer = trust ? vb_trust_find(trust, message.kid) : NULL;
    if (!signer || signer->role != VB_TRUST_ROLE_SIGNER)
        return vb_fail(err, VB_ERR_UNKNOWN_SIGNER,
                       "status list is signed by a key that is not a signer of the trust list");
    if (signer->removed_at)
        return vb_fail(err, VB_ERR_SIGNER_REMOVED, "status list is signed by %s, removed from the trust list",
                       signer->subject);
    if ((s = vb_cose_sign1_verify_with(&message, &signer->verifier, err)) != VB_OK)
        return prefixed(err, s);

    if ((s = vb_statuslist_parse_payload(message.payload, message.payload_length, list, err)) != VB_OK)
        return s;

    if (list->issued_at < signer->not_before || list->issued_at > signer->not_after)
        s = vb_fail(err, VB_ERR_SIGNER_NOT_VALID, "status list was issued at %lld, outside the validity of %s",
                    (long long)list->issued_at, signer->subject);
    else if (strcmp(list->origin, signer->school_code) != 0)
        s = vb_fail(err, VB_ERR_STATUS_ORIGIN, "status list speaks for school %s but is signed by %s (school code %s)",
                    list->origin, signer->subject, signer->school_code[0] ? signer->school_code : "none");
    else if (list->sequence <= held_sequence)
        s = vb_fail(err, VB_ERR_STATUS_OLDER, "status list sequence %llu is not newer than the %llu already held",
                    (unsigned long long)list->sequence, (unsigned long long)held_sequence);
    if (s != VB_OK) {
        vb_statuslist_free(list);
        return s;
    }
    memcpy(list->signed_by, message.kid, VB_KID_BYTES);
    return VB_OK;
}

vb_status vb_statuslist_load_file(const char *path, const vb_trust_list *trust, uint64_t held_sequence,
                                  vb_statuslist *list, vb_error *err)
{
    uint8_t *data;
    size_t length;
    memset(list, 0, sizeof *list);
    vb_status s = vb_file_read_all(path, VB_STATUSLIST_MAX_BYTES, &data, &length, err);
    if (s != VB_OK)
        return s;
    if ((s = vb_statuslist_parse(data, length, trust, held_sequence, list, err)) != VB_OK) {
        free(data);
        return s;
    }
    list->owned = data;
    return VB_OK;
}

/* ---------------------------------------------------------------- builder */

void vb_statuslist_builder_init(vb_statuslist_builder *builder)
{
    memset(builder, 0, sizeof *builder);
}

static void free_items(vb_statuslist_item *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(items[i].bytes);
    free(items);
}

void vb_statuslist_builder_free(vb_statuslist_builder *builder)
{
    free(builder->entries);
    free_items(builder->replacements, builder->replacement_count);
    free_items(builder->decisions, builder->decision_count);
    memset(builder, 0, sizeof *builder);
}

/* Makes room for one more element of `size` bytes in a growing array. */
static bool grow(void **array, size_t *capacity, size_t count, size_t size)
{
    if (count < *capacity)
        return true;
    size_t wanted = *capacity ? *capacity * 2 : 64;
    void *grown = realloc(*array, wanted * size);
    if (!grown)
        return false;
    *array = grown;
    *capacity = wanted;
    return true;
}

static vb_status add_item(vb_statuslist_item **items, size_t *count, size_t *capacity, uint64_t id,
                          const void *bytes, size_t length, vb_error *err)
{
    if (!grow((void **)items, capacity, *count, sizeof **items))
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the status list");
    uint8_t *copy = malloc(length ? length : 1);
    if (!copy)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the status list");
    memcpy(copy, bytes, length);
    (*items)[(*count)++] = (vb_statuslist_item){id, copy, length};
    return VB_OK;
}

vb_status vb_statuslist_builder_add(vb_statuslist_builder *builder, const vb_statuslist_entry *entry,
                                    const char *decision_number, vb_error *err)
{
    const char *fault = entry_fault(entry);
    if (fault)
        return vb_fail(err, VB_ERR_ARGUMENT, "status list entry for record %llu: %s",
                       (unsigned long long)entry->record_id, fault);
    if (builder->count >= VB_STATUSLIST_MAX_ENTRIES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "status list is full (%u entries)", VB_STATUSLIST_MAX_ENTRIES);
    if (decision_number) {
        size_t length = strlen(decision_number);
        if (!vb_utf8_valid((const uint8_t *)decision_number, length))
            return vb_fail(err, VB_ERR_ARGUMENT, "decision number of record %llu is not UTF-8",
                           (unsigned long long)entry->record_id);
        if ((fault = decision_fault(decision_number, length)) != NULL)
            return vb_fail(err, VB_ERR_ARGUMENT, "decision number of record %llu %s",
                           (unsigned long long)entry->record_id, fault);
    }
    if (!grow((void **)&builder->entries, &builder->capacity, builder->count, sizeof *builder->entries))
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the status list");
    if (decision_number) {
        vb_status s = add_item(&builder->decisions, &builder->decision_count, &builder->decision_capacity,
                               entry->record_id, decision_number, strlen(decision_number), err);
        if (s != VB_OK)
            return s;
    }
    builder->entries[builder->count++] = *entry;
    return VB_OK;
}

vb_status vb_statuslist_builder_add_replacement(vb_statuslist_builder *builder, const uint8_t *record, size_t length,
                                                vb_error *err)
{
    vb_cose_sign1 message;
    vb_credential credential;
    uint64_t id, corrected;
    if (length > VB_MAX_RECORD_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "replacement record is %zu bytes, the limit is %d", length,
                       VB_MAX_RECORD_BYTES);
    vb_status s = vb_record_decode(record, length, &message, &credential, err);
    if (s != VB_OK)
        return s;
    if (!vb_statuslist_id_from_cti(credential.record_id, credential.record_id_length, &id))
        return vb_fail(err, VB_ERR_ARGUMENT, "replacement record: its cti is not 1 to 8 bytes without a leading zero");
    if (credential.kind != VB_KIND_CORRECTION ||
        !vb_statuslist_id_from_cti(credential.supersedes, credential.supersedes_length, &corrected))
        return vb_fail(err, VB_ERR_ARGUMENT, "replacement record %llu is not a correction of a record with an id",
                       (unsigned long long)id);
    return add_item(&builder->replacements, &builder->replacement_count, &builder->replacement_capacity, id, record,
                    length, err);
}

static int compare_entries(const void *a, const void *b)
{
    uint64_t x = ((const vb_statuslist_entry *)a)->record_id, y = ((const vb_statuslist_entry *)b)->record_id;
    return x < y ? -1 : x > y;
}

static int compare_items(const void *a, const void *b)
{
    uint64_t x = ((const vb_statuslist_item *)a)->record_id, y = ((const vb_statuslist_item *)b)->record_id;
    return x < y ? -1 : x > y;
}

/* Sorts items by id; a repeated id is the caller's mistake. */
static vb_status sort_items(vb_statuslist_item *items, size_t count, const char *what, vb_error *err)
{
    if (count == 0)
        return VB_OK;
    qsort(items, count, sizeof *items, compare_items);
    for (size_t i = 1; i < count; i++)
        if (items[i].record_id == items[i - 1].record_id)
            return vb_fail(err, VB_ERR_ARGUMENT, "status list: two %s for record %llu", what,
                           (unsigned long long)items[i].record_id);
    return VB_OK;
}

static size_t items_bytes(const vb_statuslist_item *items, size_t count)
{
    size_t total = 9; /* the map head */
    for (size_t i = 0; i < count; i++)
        total += 9 + 9 + items[i].length;
    return total;
}

static void put_items(vb_cbor_writer *w, uint64_t key, const vb_statuslist_item *items, size_t count, int major)
{
    if (count == 0)
        return; /* an empty map is left out: one encoding per list */
    vb_cbor_put_uint(w, key);
    vb_cbor_put_map(w, count);
    for (size_t i = 0; i < count; i++) {
        vb_cbor_put_uint(w, items[i].record_id);
        vb_cbor_put_head(w, major, items[i].length);
        vb_cbor_put_raw(w, items[i].bytes, items[i].length);
    }
}

vb_status vb_statuslist_sign(vb_statuslist_builder *builder, vb_cose_signer *signer, const char *origin,
                             uint64_t sequence, int64_t issued_at, uint8_t **out, size_t *out_length, vb_error *err)
{
    vb_status s;
    *out = NULL;
    *out_length = 0;
    if (!origin || !is_school_code(origin, strlen(origin)))
        return vb_fail(err, VB_ERR_ARGUMENT, "status list: origin must be a school code of 1 to %d characters",
                       VB_MAX_SCHOOL_CODE_BYTES);
    if (sequence == 0 || issued_at < 0 || (uint64_t)issued_at >= VB_STATUSLIST_MAX_TIME)
        return vb_fail(err, VB_ERR_ARGUMENT, "status list: the sequence starts at 1 and the time lies in 1970 … 2199");
    if (builder->count > VB_STATUSLIST_MAX_ENTRIES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "status list has %zu entries, the limit is %u", builder->count,
                       VB_STATUSLIST_MAX_ENTRIES);

    if (builder->count)
        qsort(builder->entries, builder->count, sizeof *builder->entries, compare_entries);
    for (size_t i = 1; i < builder->count; i++)
        if (builder->entries[i].record_id == builder->entries[i - 1].record_id)
            return vb_fail(err, VB_ERR_ARGUMENT, "status list: record %llu is listed twice",
                           (unsigned long long)builder->entries[i].record_id);
    if ((s = sort_items(builder->replacements, builder->replacement_count, "replacement records", err)) != VB_OK ||
        (s = sort_items(builder->decisions, builder->decision_count, "decision numbers", err)) != VB_OK)
        return s;

    size_t entries_bytes = builder->count * VB_STATUSLIST_ENTRY_BYTES;
    size_t capacity = 128 + entries_bytes + items_bytes(builder->replacements, builder->replacement_count) +
                      items_bytes(builder->decisions, builder->decision_count);
    if (capacity > VB_STATUSLIST_MAX_BYTES + (size_t)1024)
        return vb_fail(err, VB_ERR_TOO_LARGE, "status list would exceed %u bytes", VB_STATUSLIST_MAX_BYTES);
    uint8_t *payload = malloc(capacity);
    uint8_t *signed_list = malloc(capacity + 1024);
    if (!payload || !signed_list) {
        free(payload);
        free(signed_list);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for a status list of %zu bytes", capacity);
    }

    vb_cbor_writer w;
    vb_cbor_writer_init(&w, payload, capacity);
    vb_cbor_put_map(&w, 5 + (builder->replacement_count != 0) + (builder->decision_count != 0));
    vb_cbor_put_uint(&w, VB_STATUSLIST_KEY_VERSION);
    vb_cbor_put_uint(&w, VB_STATUSLIST_FORMAT_VERSION);
    vb_cbor_put_uint(&w, VB_STATUSLIST_KEY_ORIGIN);
    vb_cbor_put_cstring(&w, origin);
    vb_cbor_put_uint(&w, VB_STATUSLIST_KEY_SEQUENCE);
    vb_cbor_put_uint(&w, sequence);
    vb_cbor_put_uint(&w, VB_STATUSLIST_KEY_ISSUED_AT);
    vb_cbor_put_uint(&w, (uint64_t)issued_at);
    vb_cbor_put_uint(&w, VB_STATUSLIST_KEY_ENTRIES);
    vb_cbor_put_head(&w, VB_CBOR_BYTES, entries_bytes);
    if (!w.overflow && w.length + entries_bytes <= capacity) {
        for (size_t i = 0; i < builder->count; i++)
            encode_entry(&builder->entries[i], payload + w.length + i * VB_STATUSLIST_ENTRY_BYTES);
        w.length += entries_bytes;
    } else {
        w.overflow = true;
    }
    put_items(&w, VB_STATUSLIST_KEY_REPLACEMENTS, builder->replacements, builder->replacement_count, VB_CBOR_BYTES);
    put_items(&w, VB_STATUSLIST_KEY_DECISIONS, builder->decisions, builder->decision_count, VB_CBOR_TEXT);

    /* The verifier's own decoder passes judgement before the school signs: references between
     * entries and replacement records, and the limits, are checked in one place. */
    vb_statuslist check;
    if (w.overflow)
        s = vb_fail(err, VB_ERR_TOO_LARGE, "status list payload overflow");
    else if ((s = vb_statuslist_parse_payload(payload, w.length, &check, err)) != VB_OK) {
        if (s != VB_ERR_TOO_LARGE && s != VB_ERR_NOMEM) {
            char inner[sizeof err->message];
            snprintf(inner, sizeof inner, "%s", err ? err->message : "");
            s = vb_fail(err, VB_ERR_ARGUMENT, "verifiers would refuse this list (%s): %s", vb_status_name(s), inner);
        }
    } else {
        vb_statuslist_free(&check);
        s = vb_cose_sign1_sign(signer, payload, w.length, signed_list, capacity + 1024, out_length, err);
        if (s == VB_OK && *out_length > VB_STATUSLIST_MAX_BYTES)
            s = vb_fail(err, VB_ERR_TOO_LARGE, "signed status list is %zu bytes, the limit is %u", *out_length,
                        VB_STATUSLIST_MAX_BYTES);
    }
    free(payload);
    if (s != VB_OK) {
        free(signed_list);
        *out_length = 0;
        return s;
    }
    *out = signed_list;
    return VB_OK;
}
