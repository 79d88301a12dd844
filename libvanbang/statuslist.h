/*
 * statuslist.h — the status list: which of a school's records are revoked (thu hồi, hủy bỏ) or
 * superseded by a correction (chỉnh sửa), signed by the school and loaded by verifiers offline
 * (docs/FORMAT.md §11).
 *
 * A status list is a COSE_Sign1 (FORMAT.md §3 rules) by the school's signer key, kid = its
 * signer certificate's, over the CBOR map
 *
 *   {1: version 1, 2: origin (school code), 3: sequence, 4: issued at,
 *    5: entries (bstr: N × 22-byte entries, ascending record id),
 *    ? 6: {record id: replacement signed record (bstr)},
 *    ? 7: {record id: decision number (tstr)}}
 *
 * Entries are fixed-size and sorted, so a list of a million records loads without one
 * allocation per entry: the parser checks the entries in one pass where they lie and a lookup
 * is a binary search in place. The parsed list points into the caller's buffer (as
 * vb_cose_sign1 does); only the two optional maps get an index each, one allocation apiece. A
 * parsed list is never written again, so any number of threads may look up in it at once.
 *
 * Record ids: a record's cti (FORMAT.md §4) read as an unsigned big-endian integer. Only a cti
 * of 1 to 8 bytes without a leading zero byte (what vanbang's issuer writes: the register's
 * record number) has an id; a record with any other cti cannot be listed.
 */
#ifndef VB_STATUSLIST_H
#define VB_STATUSLIST_H

#include "cose.h"
#include "record.h"
#include "trust.h"
#include "vanbang.h"

#include <stdbool.h>

#define VB_STATUSLIST_FORMAT_VERSION 1

/* Map keys of the payload. */
enum {
    VB_STATUSLIST_KEY_VERSION = 1,      /* uint: 1 */
    VB_STATUSLIST_KEY_ORIGIN = 2,       /* tstr: school code, as iss in its records */
    VB_STATUSLIST_KEY_SEQUENCE = 3,     /* uint ≥ 1, strictly increasing per school */
    VB_STATUSLIST_KEY_ISSUED_AT = 4,    /* uint: seconds since 1970, below 2200-01-01 */
    VB_STATUSLIST_KEY_ENTRIES = 5,      /* bstr: count × VB_STATUSLIST_ENTRY_BYTES */
    VB_STATUSLIST_KEY_REPLACEMENTS = 6, /* optional map {uint record id: bstr signed record} */
    VB_STATUSLIST_KEY_DECISIONS = 7,    /* optional map {uint record id: tstr decision number} */
};

/* One entry, big-endian, no padding:
 *   offset  0  8 bytes  record id (≥ 1)
 *   offset  8  1 byte   state (VB_STATUSLIST_STATE_*)
 *   offset  9  1 byte   reason: revoked, the ground 1…6; superseded, 0
 *   offset 10  4 bytes  decision date, days since 1970-01-01, two's complement
 *   offset 14  8 bytes  superseding record id: superseded, the correction (> record id); revoked, 0 */
#define VB_STATUSLIST_ENTRY_BYTES 22
#define VB_STATUSLIST_OFFSET_ID 0
#define VB_STATUSLIST_OFFSET_STATE 8
#define VB_STATUSLIST_OFFSET_REASON 9
#define VB_STATUSLIST_OFFSET_DATE 10
#define VB_STATUSLIST_OFFSET_SUPERSEDED_BY 14

enum { VB_STATUSLIST_STATE_REVOKED = 1, VB_STATUSLIST_STATE_SUPERSEDED = 2 };

/* Grounds of revocation (DOMAIN.md), numbered as the register numbers them (register.h
 * VB_REVOKE_*, whose vb_register_revoke_reason_name names them). */
enum {
    VB_STATUSLIST_REASON_FRAUD = 1,        /* gian lận */
    VB_STATUSLIST_REASON_NOT_ELIGIBLE = 2, /* issued to someone not eligible */
    VB_STATUSLIST_REASON_NO_AUTHORITY = 3, /* issued by someone without authority */
    VB_STATUSLIST_REASON_ALTERED = 4,      /* erased or altered */
    VB_STATUSLIST_REASON_LENT = 5,         /* lent to someone else */
    VB_STATUSLIST_REASON_ISSUER_ERROR = 6, /* error of the issuer */
};
#define VB_STATUSLIST_REASON_MAX 6

/* Decision dates a list may carry: 1950-01-01 … 2199-12-31, as a record's issue date. */
#define VB_STATUSLIST_MIN_DATE (-7305)
#define VB_STATUSLIST_MAX_DATE 84005
#define VB_STATUSLIST_MAX_TIME 7258118400ULL /* 2200-01-01T00:00:00Z, the bound iat has too */

/* Limits. The byte limit binds first: 64 MiB hold about 3.05 million bare entries. */
#define VB_STATUSLIST_MAX_BYTES (64u << 20)   /* a signed status list, and its payload */
#define VB_STATUSLIST_MAX_ENTRIES 4000000u
#define VB_STATUSLIST_MAX_DECISION_BYTES VB_MAX_TEXT_BYTES

/* One entry, decoded. */
typedef struct {
    uint64_t record_id;
    int state;              /* VB_STATUSLIST_STATE_* */
    int reason;             /* revoked: VB_STATUSLIST_REASON_*; superseded: 0 */
    int32_t decision_date;  /* days since 1970-01-01 */
    uint64_t superseded_by; /* superseded: the record that replaced it; revoked: 0 */
} vb_statuslist_entry;

/* Where a value of one of the optional maps lies: [base + offset, base + offset + length). */
typedef struct {
    uint64_t record_id;
    uint32_t offset;
    uint32_t length;
} vb_statuslist_ref;

/* A parsed list. Pointers refer into the buffer given to the parser, which must outlive the
 * list (or into `owned`, from vb_statuslist_load_file). */
typedef struct {
    char origin[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint64_t sequence;
    int64_t issued_at;
    uint8_t signed_by[VB_KID_BYTES];     /* kid of the signer (zero after parse_payload alone) */
    const uint8_t *entries;              /* count × VB_STATUSLIST_ENTRY_BYTES, ascending id */
    size_t count;
    const uint8_t *base;                 /* the payload; offsets of refs are from here */
    vb_statuslist_ref *replacements;     /* ascending id; NULL when none */
    size_t replacement_count;
    vb_statuslist_ref *decisions;        /* ascending id; NULL when none */
    size_t decision_count;
    uint8_t *owned;                      /* freed with the list (vb_statuslist_load_file) */
} vb_statuslist;

/* ---- Record ids ---- */

/* The id of a cti: false (no id) unless it is 1 to 8 bytes with no leading zero byte. */
bool vb_statuslist_id_from_cti(const uint8_t *cti, size_t length, uint64_t *id);
/* The cti of an id ≥ 1: its big-endian bytes without leading zeros; returns their count. */
size_t vb_statuslist_id_to_cti(uint64_t id, uint8_t cti[8]);

/* ---- Loading (verifiers) ---- */

/* Parses and checks a signed status list, reporting the first failure in this order: the size
 * (VB_ERR_TOO_LARGE); the COSE_Sign1 envelope (COSE and CBOR codes, FORMAT.md §5); the kid
 * among the trust list's signers (VB_ERR_UNKNOWN_SIGNER; an entry removed, whatever its date,
 * VB_ERR_SIGNER_REMOVED); the algorithm against the key and the signature
 * (VB_ERR_ALG_KEY_MISMATCH, VB_ERR_COSE_SIGNATURE_SIZE, VB_ERR_BAD_SIGNATURE); the payload (as
 * vb_statuslist_parse_payload); issued_at within the signer certificate's validity
 * (VB_ERR_SIGNER_NOT_VALID); the origin equal to the signer's school code
 * (VB_ERR_STATUS_ORIGIN); the sequence above `held_sequence`, 0 when none is held
 * (VB_ERR_STATUS_OLDER). On failure *list is empty and needs no free. */
vb_status vb_statuslist_parse(const uint8_t *data, size_t length, const vb_trust_list *trust, uint64_t held_sequence,
                              vb_statuslist *list, vb_error *err);
/* The same from a file of at most VB_STATUSLIST_MAX_BYTES; the list owns the file's bytes. */
vb_status vb_statuslist_load_file(const char *path, const vb_trust_list *trust, uint64_t held_sequence,
                                  vb_statuslist *list, vb_error *err);
/* Strictly decodes a payload map occupying all of [data, data+length), with no signature (for
 * tools, tests and the fuzz target). CBOR faults keep their codes; otherwise
 * VB_ERR_STATUS_MALFORMED (not the map of FORMAT.md §11), VB_ERR_STATUS_ENTRY (an entry value
 * out of its set), VB_ERR_STATUS_ORDER (ids not strictly ascending), VB_ERR_STATUS_REFERENCE (a
 * map key or replacement record that does not fit an entry), VB_ERR_TOO_LARGE. */
vb_status vb_statuslist_parse_payload(const uint8_t *data, size_t length, vb_statuslist *list, vb_error *err);
void vb_statuslist_free(vb_statuslist *list);

/* ---- Lookup: O(log n), no allocation ---- */

/* The entry of the record with this cti, decoded into *entry; NULL when not listed (or when the
 * cti has no id). */
const vb_statuslist_entry *vb_statuslist_find(const vb_statuslist *list, const uint8_t *record_id, size_t length,
                                              vb_statuslist_entry *entry);
const vb_statuslist_entry *vb_statuslist_find_id(const vb_statuslist *list, uint64_t record_id,
                                                 vb_statuslist_entry *entry);
/* The entry for a decoded record: NULL unless its iss is the list's origin and it is listed. */
const vb_statuslist_entry *vb_statuslist_find_record(const vb_statuslist *list, const vb_credential *credential,
                                                     vb_statuslist_entry *entry);
/* Entry `index` (0 ≤ index < count) in id order. */
void vb_statuslist_entry_at(const vb_statuslist *list, size_t index, vb_statuslist_entry *entry);

/* The signed record with this id from the replacements map, or false. A verifier checks it as
 * any record (vb_verify_record) before showing it. */
bool vb_statuslist_replacement(const vb_statuslist *list, uint64_t record_id, const uint8_t **record,
                               size_t *length);
/* The decision number of a listed record (not NUL-terminated), or false. */
bool vb_statuslist_decision(const vb_statuslist *list, uint64_t record_id, const char **text, size_t *length);
/* The record that stands now for record_id: follows superseded_by while the list has the next
 * record superseded too (ids rise along the chain, so it ends). record_id itself when it is not
 * superseded. The result may itself be revoked: look it up. */
uint64_t vb_statuslist_current_id(const vb_statuslist *list, uint64_t record_id);

/* ---- Building and signing (the school) ---- */

typedef struct {
    uint64_t record_id;
    uint8_t *bytes; /* owned copy: a replacement record, or a decision number */
    size_t length;
} vb_statuslist_item;

typedef struct {
    vb_statuslist_entry *entries;
    size_t count, capacity;
    vb_statuslist_item *replacements;
    size_t replacement_count, replacement_capacity;
    vb_statuslist_item *decisions;
    size_t decision_count, decision_capacity;
} vb_statuslist_builder;

void vb_statuslist_builder_init(vb_statuslist_builder *builder);
void vb_statuslist_builder_free(vb_statuslist_builder *builder);
/* Adds an entry, in any order, with its decision number (NULL for none: 1–255 bytes of NFC
 * text, no control character, no leading or trailing space). The entry's fields are checked
 * now (VB_ERR_ARGUMENT); repeats are found when signing. */
vb_status vb_statuslist_builder_add(vb_statuslist_builder *builder, const vb_statuslist_entry *entry,
                                    const char *decision_number, vb_error *err);
/* Adds the signed record of a correction, so verifiers can show it offline. It must be a
 * correction (kind 2) whose cti is an id; when signing, the record it supersedes must be listed
 * as superseded by it. */
vb_status vb_statuslist_builder_add_replacement(vb_statuslist_builder *builder, const uint8_t *record, size_t length,
                                                vb_error *err);
/* Sorts the entries, encodes the payload, checks it exactly as a verifier will (so a list that
 * verifiers refuse is never signed: VB_ERR_ARGUMENT naming the fault, VB_ERR_TOO_LARGE over the
 * limits), and signs it; *out is malloc'd. */
vb_status vb_statuslist_sign(vb_statuslist_builder *builder, vb_cose_signer *signer, const char *origin,
                             uint64_t sequence, int64_t issued_at, uint8_t **out, size_t *out_length, vb_error *err);

#endif
