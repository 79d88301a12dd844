/*
 * trust.c — parsing, checking, editing and signing the trust list (see trust.h).
 */
#include "trust.h"
#include "cbor.h"
#include "fileio.h"
#include "keys.h"
#include "record.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vb_certificate_kid(X509 *certificate, uint8_t kid[VB_KID_BYTES])
{
    return vb_cert_kid(certificate, kid, NULL) == VB_OK;
}

static int64_t asn1_time_to_unix(const ASN1_TIME *time)
{
    struct tm tm;
    if (!time || !ASN1_TIME_to_tm(time, &tm))
        return 0;
    return (int64_t)vb_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) * 86400 + tm.tm_hour * 3600 +
           tm.tm_min * 60 + tm.tm_sec;
}

static void entry_free(vb_trust_entry *entry);

vb_status vb_trust_entry_from_certificate(vb_trust_entry *entry, int role, X509 *certificate, vb_error *err)
{
    memset(entry, 0, sizeof *entry);
    entry->role = role;
    if (!vb_certificate_kid(certificate, entry->kid))
        return vb_fail(err, VB_ERR_TRUST_CERTIFICATE, "certificate cannot be encoded");
    entry->public_key = X509_get_pubkey(certificate);
    if (!entry->public_key) {
        ERR_clear_error();
        return vb_fail(err, VB_ERR_TRUST_CERTIFICATE, "certificate has no usable public key");
    }
    X509_up_ref(certificate);
    entry->certificate = certificate;
    vb_status s = vb_cose_verifier_init(&entry->verifier, entry->public_key, err);
    if (s != VB_OK) {
        entry_free(entry);
        return s;
    }
    entry->not_before = asn1_time_to_unix(X509_get0_notBefore(certificate));
    entry->not_after = asn1_time_to_unix(X509_get0_notAfter(certificate));

    const X509_NAME *subject = X509_get_subject_name(certificate);
    /* Names are for display; a long subject is shown cut rather than refused. */
    vb_cert_name_text(subject, entry->subject, sizeof entry->subject, NULL);
    vb_cert_school_name(subject, entry->organization, sizeof entry->organization, NULL);
    /* The school code decides which records this signer may sign (iss must match), so it is
     * read whole or the certificate is refused: never cut to fit. */
    if (role == VB_TRUST_ROLE_SIGNER && X509_NAME_get_index_by_NID(subject, NID_serialNumber, -1) >= 0 &&
        vb_cert_school_code(subject, entry->school_code, sizeof entry->school_code, NULL) != VB_OK) {
        vb_status refused = vb_fail(err, VB_ERR_TRUST_CERTIFICATE,
                                    "signer %s has a serialNumber that is not a school code of 1 to %d characters",
                                    entry->subject, VB_MAX_SCHOOL_CODE_BYTES);
        entry_free(entry);
        return refused;
    }
    return VB_OK;
}

static void entry_free(vb_trust_entry *entry)
{
    vb_cose_verifier_free(&entry->verifier);
    X509_free(entry->certificate);
    EVP_PKEY_free(entry->public_key);
    memset(entry, 0, sizeof *entry);
}

void vb_trust_free(vb_trust_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        entry_free(&list->entries[i]);
    free(list->entries);
    for (size_t i = 0; i < list->program_count; i++)
        free(list->programs[i].name);
    free(list->programs);
    memset(list, 0, sizeof *list);
}

static int compare_entries(const void *a, const void *b)
{
    return memcmp(((const vb_trust_entry *)a)->kid, ((const vb_trust_entry *)b)->kid, VB_KID_BYTES);
}

const vb_trust_entry *vb_trust_find(const vb_trust_list *list, const uint8_t kid[VB_KID_BYTES])
{
    vb_trust_entry key;
    if (list->count == 0)
        return NULL; /* bsearch on a NULL array is undefined even for zero elements */
    memcpy(key.kid, kid, VB_KID_BYTES);
    return bsearch(&key, list->entries, list->count, sizeof key, compare_entries);
}

static int compare_programs(const void *a, const void *b)
{
    uint64_t x = ((const vb_trust_program *)a)->code, y = ((const vb_trust_program *)b)->code;
    return x < y ? -1 : x > y;
}

const char *vb_trust_program_name(const vb_trust_list *list, uint64_t code)
{
    vb_trust_program key = {code, NULL};
    const vb_trust_program *found =
        list->program_count ? bsearch(&key, list->programs, list->program_count, sizeof key, compare_programs) : NULL;
    return found ? found->name : NULL;
}

/* ---------------------------------------------------------------- payload */

static vb_status malformed(vb_error *err, vb_status cause, const char *what)
{
    if (err && cause != VB_OK && cause != VB_ERR_TRUST_MALFORMED && cause != VB_ERR_TRUST_CERTIFICATE) {
        char inner[sizeof err->message];
        snprintf(inner, sizeof inner, "%s", err->message);
        return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: %s: %s", what, inner);
    }
    if (cause == VB_ERR_TRUST_CERTIFICATE)
        return cause;
    return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: %s", what);
}

/* {code: name}: codes are uints in canonical order (so ascending), names printable NFC text. */
static vb_status parse_programs(vb_cbor_reader *r, vb_trust_list *list, vb_error *err)
{
    size_t count;
    vb_cbor_key_order order = {0};
    vb_status s = vb_cbor_read_map(r, &count, err);
    if (s != VB_OK)
        return malformed(err, s, "program catalog is not a map");
    if (count > VB_MAX_PROGRAMS)
        return vb_fail(err, VB_ERR_TOO_LARGE, "program catalog has %zu entries, the limit is %d", count, VB_MAX_PROGRAMS);
    list->programs = calloc(count ? count : 1, sizeof *list->programs);
    if (!list->programs)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the program catalog");
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r->pos;
        uint64_t code;
        const char *name;
        size_t length;
        if ((s = vb_cbor_read_uint(r, &code, err)) != VB_OK ||
            (s = vb_cbor_check_key_order(&order, key_start, (size_t)(r->pos - key_start), err)) != VB_OK ||
            (s = vb_cbor_read_text(r, &name, &length, err)) != VB_OK)
            return malformed(err, s, "program catalog entry");
        if (code == 0 || length == 0 || length > VB_MAX_TEXT_BYTES || !vb_text_is_nfc(name, length))
            return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: program catalog entry %zu is not a code and an NFC name", i);
        for (size_t k = 0; k < length; k++)
            if ((unsigned char)name[k] < 0x20 || name[k] == 0x7f)
                return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: program %llu name holds a control character",
                               (unsigned long long)code);
        list->programs[i].code = code;
        list->programs[i].name = strndup(name, length);
        if (!list->programs[i].name)
            return vb_fail(err, VB_ERR_NOMEM, "out of memory for the program catalog");
        list->program_count = i + 1;
    }
    return VB_OK;
}


static vb_status parse_entry(vb_cbor_reader *r, vb_trust_entry *entry, size_t index, vb_error *err)
{
    size_t count;
    vb_cbor_key_order order = {0};
    uint64_t role = 0, removed_at = 0;
    const uint8_t *der = NULL;
    size_t der_length = 0;
    vb_status s;

    if ((s = vb_cbor_read_map(r, &count, err)) != VB_OK)
        return malformed(err, s, "entry is not a map");
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r->pos;
        uint64_t key;
        if ((s = vb_cbor_read_uint(r, &key, err)) != VB_OK ||
            (s = vb_cbor_check_key_order(&order, key_start, (size_t)(r->pos - key_start), err)) != VB_OK)
            return malformed(err, s, "entry key");
        if (key == VB_ENTRY_KEY_ROLE)
            s = vb_cbor_read_uint(r, &role, err);
        else if (key == VB_ENTRY_KEY_CERTIFICATE)
            s = vb_cbor_read_bytes(r, &der, &der_length, err);
        else if (key == VB_ENTRY_KEY_REMOVED_AT)
            s = vb_cbor_read_uint(r, &removed_at, err);
        else
            return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: entry %zu has unknown key %llu", index,
                           (unsigned long long)key);
        if (s != VB_OK)
            return malformed(err, s, "entry value");
    }
    if (role != VB_TRUST_ROLE_AUTHORITY && role != VB_TRUST_ROLE_SIGNER)
        return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: entry %zu has no valid role", index);
    if (!der)
        return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: entry %zu has no certificate", index);
    if (removed_at > (uint64_t)INT64_MAX)
        return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: entry %zu removal time out of range", index);

    const unsigned char *p = der;
    X509 *certificate = d2i_X509(NULL, &p, (long)der_length);
    if (!certificate || p != der + der_length) {
        X509_free(certificate);
        ERR_clear_error();
        return vb_fail(err, VB_ERR_TRUST_CERTIFICATE, "trust list: entry %zu certificate is not valid DER", index);
    }
    s = vb_trust_entry_from_certificate(entry, (int)role, certificate, err);
    X509_free(certificate);
    entry->removed_at = (int64_t)removed_at;
    return s;
}

vb_status vb_trust_parse_payload(const uint8_t *data, size_t length, vb_trust_list *list, vb_error *err)
{
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    size_t count, entry_count = 0;
    uint64_t version = 0, sequence = 0, issued_at = 0;
    bool have_entries = false, have_issued_at = false;
    vb_status s;

    memset(list, 0, sizeof *list);
    if (length > VB_MAX_TRUST_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "trust list is %zu bytes, the limit is %u", length, VB_MAX_TRUST_BYTES);
    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return malformed(err, s, "payload is not a map");
    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r.pos;
        uint64_t key;
        if ((s = vb_cbor_read_uint(&r, &key, err)) != VB_OK ||
            (s = vb_cbor_check_key_order(&order, key_start, (size_t)(r.pos - key_start), err)) != VB_OK)
            goto fail_cause;
        switch (key) {
        case VB_TRUST_KEY_VERSION:
            s = vb_cbor_read_uint(&r, &version, err);
            break;
        case VB_TRUST_KEY_SEQUENCE:
            s = vb_cbor_read_uint(&r, &sequence, err);
            break;
        case VB_TRUST_KEY_ISSUED_AT:
            s = vb_cbor_read_uint(&r, &issued_at, err);
            have_issued_at = true;
            break;
        case VB_TRUST_KEY_ENTRIES:
            if ((s = vb_cbor_read_array(&r, &entry_count, err)) != VB_OK)
                break;
            if (entry_count > VB_MAX_TRUST_ENTRIES) {
                vb_trust_free(list);
                return vb_fail(err, VB_ERR_TOO_LARGE, "trust list has %zu entries, the limit is %d", entry_count,
                               VB_MAX_TRUST_ENTRIES);
            }
            list->entries = calloc(entry_count ? entry_count : 1, sizeof *list->entries);
            if (!list->entries)
                return vb_fail(err, VB_ERR_NOMEM, "out of memory for %zu trust entries", entry_count);
            for (size_t e = 0; e < entry_count; e++) {
                if ((s = parse_entry(&r, &list->entries[e], e, err)) != VB_OK) {
                    vb_trust_free(list);
                    return s;
                }
                list->count = e + 1;
            }
            have_entries = true;
            break;
        case VB_TRUST_KEY_PROGRAMS:
            if ((s = parse_programs(&r, list, err)) != VB_OK) {
                vb_trust_free(list);
                return s;
            }
            break;
        default:
            vb_trust_free(list);
            return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: unknown key %llu", (unsigned long long)key);
        }
        if (s != VB_OK)
            goto fail_cause;
    }
    if (vb_cbor_remaining(&r) != 0) {
        vb_trust_free(list);
        return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: %zu bytes after the payload", vb_cbor_remaining(&r));
    }
    if (version != VB_TRUST_FORMAT_VERSION || sequence == 0 || !have_entries || !have_issued_at ||
        issued_at > (uint64_t)INT64_MAX) {
        vb_trust_free(list);
        return vb_fail(err, VB_ERR_TRUST_MALFORMED,
                       "trust list: needs version %d, a sequence number from 1, an issue time and entries",
                       VB_TRUST_FORMAT_VERSION);
    }
    list->sequence = sequence;
    list->issued_at = (int64_t)issued_at;
    qsort(list->entries, list->count, sizeof *list->entries, compare_entries);
    for (size_t e = 1; e < list->count; e++)
        if (memcmp(list->entries[e - 1].kid, list->entries[e].kid, VB_KID_BYTES) == 0) {
            vb_trust_free(list);
            return vb_fail(err, VB_ERR_TRUST_MALFORMED, "trust list: a certificate is listed twice");
        }
    return VB_OK;

fail_cause:
    vb_trust_free(list);
    return malformed(err, s, "payload");
}

/* ---------------------------------------------------------------- checking */

static bool issued_by(X509 *certificate, X509 *authority, EVP_PKEY *authority_key)
{
    bool ok = X509_check_issued(authority, certificate) == X509_V_OK && X509_verify(certificate, authority_key) == 1;
    ERR_clear_error();
    return ok;
}

static bool is_ca(X509 *certificate)
{
    return X509_check_ca(certificate) >= 1;
}

vb_status vb_trust_check(const vb_trust_list *list, X509 *anchor, vb_error *err)
{
    EVP_PKEY *anchor_key = anchor ? X509_get_pubkey(anchor) : NULL;
    vb_status s = VB_OK;
    /* Every authority entry must be a CA; every signer must be issued by an authority entry in
     * force or by the anchor itself, so one signed list cannot smuggle in a stray key. */
    for (size_t i = 0; i < list->count && s == VB_OK; i++) {
        const vb_trust_entry *entry = &list->entries[i];
        if (entry->role == VB_TRUST_ROLE_AUTHORITY) {
            if (!is_ca(entry->certificate))
                s = vb_fail(err, VB_ERR_TRUST_CERTIFICATE, "trust list: authority entry %s is not a CA certificate",
                            entry->subject);
            continue;
        }
        bool found = anchor_key && issued_by(entry->certificate, anchor, anchor_key);
        for (size_t a = 0; a < list->count && !found; a++) {
            const vb_trust_entry *authority = &list->entries[a];
            found = authority->role == VB_TRUST_ROLE_AUTHORITY && authority->removed_at == 0 &&
                    issued_by(entry->certificate, authority->certificate, authority->public_key);
        }
        if (!found)
            s = vb_fail(err, VB_ERR_TRUST_CERTIFICATE,
                        "trust list: signer %s is not issued by any authority of the list", entry->subject);
    }
    EVP_PKEY_free(anchor_key);
    return s;
}

vb_status vb_trust_parse(const uint8_t *data, size_t length, X509 *const *anchors, size_t anchor_count,
                         uint64_t held_sequence, vb_trust_list *list, vb_error *err)
{
    vb_cose_sign1 message;
    vb_status s;
    EVP_PKEY *anchor_key = NULL;
    X509 *anchor = NULL;

    memset(list, 0, sizeof *list);
    if (length > VB_MAX_TRUST_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "trust list is %zu bytes, the limit is %u", length, VB_MAX_TRUST_BYTES);
    if ((s = vb_cose_sign1_decode(data, length, &message, err)) != VB_OK) {
        char inner[sizeof err->message];
        snprintf(inner, sizeof inner, "%s", err ? err->message : "");
        return vb_fail(err, VB_ERR_TRUST_UNSIGNED, "trust list is not a valid COSE_Sign1: %s", inner);
    }
    for (size_t i = 0; i < anchor_count && !anchor; i++) {
        uint8_t kid[VB_KID_BYTES];
        if (vb_certificate_kid(anchors[i], kid) && memcmp(kid, message.kid, VB_KID_BYTES) == 0)
            anchor = anchors[i];
    }
    if (!anchor)
        return vb_fail(err, VB_ERR_TRUST_UNKNOWN_AUTHORITY,
                       "trust list is signed by an authority this verifier does not anchor on");
    anchor_key = X509_get_pubkey(anchor);
    if (!anchor_key)
        return vb_fail(err, VB_ERR_KEY, "anchor certificate has no usable key");
    s = vb_cose_sign1_verify(&message, anchor_key, err);
    if (s != VB_OK) {
        EVP_PKEY_free(anchor_key);
        return vb_fail(err, VB_ERR_TRUST_UNSIGNED, "trust list signature does not verify with the authority's key");
    }

    if ((s = vb_trust_parse_payload(message.payload, message.payload_length, list, err)) != VB_OK) {
        EVP_PKEY_free(anchor_key);
        return s;
    }
    memcpy(list->signed_by, message.kid, VB_KID_BYTES);
    if (list->sequence <= held_sequence) {
        uint64_t got = list->sequence;
        vb_trust_free(list);
        EVP_PKEY_free(anchor_key);
        return vb_fail(err, VB_ERR_TRUST_OLDER, "trust list sequence %llu is not newer than the %llu already held",
                       (unsigned long long)got, (unsigned long long)held_sequence);
    }

    s = vb_trust_check(list, anchor, err);
    EVP_PKEY_free(anchor_key);
    if (s != VB_OK)
        vb_trust_free(list);
    return s;
}

vb_status vb_trust_load_file(const char *path, X509 *const *anchors, size_t anchor_count, uint64_t held_sequence,
                             vb_trust_list *list, vb_error *err)
{
    uint8_t *data;
    size_t length;
    memset(list, 0, sizeof *list);
    vb_status s = vb_file_read_all(path, VB_MAX_TRUST_BYTES, &data, &length, err);
    if (s != VB_OK)
        return s;
    s = vb_trust_parse(data, length, anchors, anchor_count, held_sequence, list, err);
    free(data);
    return s;
}

/* ---------------------------------------------------------------- editing */

vb_status vb_trust_add(vb_trust_list *list, int role, X509 *certificate, vb_error *err)
{
    vb_trust_entry entry;
    vb_status s = vb_trust_entry_from_certificate(&entry, role, certificate, err);
    if (s != VB_OK)
        return s;
    if (role == VB_TRUST_ROLE_AUTHORITY && !is_ca(certificate)) {
        entry_free(&entry);
        return vb_fail(err, VB_ERR_TRUST_CERTIFICATE, "%s is not a CA certificate; add it as a signer", entry.subject);
    }
    if (vb_trust_find(list, entry.kid)) {
        entry_free(&entry);
        return vb_fail(err, VB_ERR_ARGUMENT, "this certificate is already in the trust list");
    }
    if (list->count >= VB_MAX_TRUST_ENTRIES) {
        entry_free(&entry);
        return vb_fail(err, VB_ERR_TOO_LARGE, "trust list is full (%d entries)", VB_MAX_TRUST_ENTRIES);
    }
    vb_trust_entry *grown = realloc(list->entries, (list->count + 1) * sizeof *grown);
    if (!grown) {
        entry_free(&entry);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    list->entries = grown;
    list->entries[list->count++] = entry;
    qsort(list->entries, list->count, sizeof *list->entries, compare_entries);
    return VB_OK;
}

vb_status vb_trust_add_program(vb_trust_list *list, uint64_t code, const char *name, vb_error *err)
{
    size_t length = strlen(name);
    if (code == 0 || code > 999999999999999999ull)
        return vb_fail(err, VB_ERR_ARGUMENT, "program code %llu is out of range", (unsigned long long)code);
    if (length == 0 || length > VB_MAX_TEXT_BYTES || !vb_text_is_nfc(name, length))
        return vb_fail(err, VB_ERR_ARGUMENT, "program %llu: the name must be 1 to %d bytes of NFC text",
                       (unsigned long long)code, VB_MAX_TEXT_BYTES);
    const char *existing = vb_trust_program_name(list, code);
    if (existing) {
        if (strcmp(existing, name) == 0)
            return VB_OK;
        return vb_fail(err, VB_ERR_ARGUMENT,
                       "program %llu is already in the catalog as \"%s\"; a catalog name never changes, since "
                       "signed records rely on it", (unsigned long long)code, existing);
    }
    if (list->program_count >= VB_MAX_PROGRAMS)
        return vb_fail(err, VB_ERR_TOO_LARGE, "program catalog is full (%d)", VB_MAX_PROGRAMS);
    vb_trust_program *grown = realloc(list->programs, (list->program_count + 1) * sizeof *grown);
    if (!grown)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    list->programs = grown;
    char *copy = strdup(name);
    if (!copy)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    list->programs[list->program_count++] = (vb_trust_program){code, copy};
    qsort(list->programs, list->program_count, sizeof *list->programs, compare_programs);
    return VB_OK;
}

vb_status vb_trust_remove(vb_trust_list *list, const uint8_t kid[VB_KID_BYTES], int64_t when, vb_error *err)
{
    vb_trust_entry *entry = (vb_trust_entry *)vb_trust_find(list, kid);
    if (!entry)
        return vb_fail(err, VB_ERR_ARGUMENT, "no entry with that kid in the trust list");
    if (entry->removed_at)
        return vb_fail(err, VB_ERR_ARGUMENT, "that entry was already removed");
    /* The entry stays, marked: verifiers then say "signer removed", not "unknown signer". */
    entry->removed_at = when > 0 ? when : 1;
    return VB_OK;
}

vb_status vb_trust_sign(vb_trust_list *list, uint64_t sequence, int64_t issued_at, vb_cose_signer *authority,
                        uint8_t **out, size_t *out_length, vb_error *err)
{
    size_t capacity = 64;
    for (size_t i = 0; i < list->program_count; i++)
        capacity += 16 + strlen(list->programs[i].name);
    for (size_t i = 0; i < list->count; i++)
        capacity += 32 + (size_t)i2d_X509(list->entries[i].certificate, NULL);
    if (capacity > VB_MAX_TRUST_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "trust list would exceed %u bytes", VB_MAX_TRUST_BYTES);

    uint8_t *payload = malloc(capacity);
    uint8_t *signed_list = malloc(capacity + 1024);
    if (!payload || !signed_list) {
        free(payload);
        free(signed_list);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    }
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, payload, capacity);
    vb_cbor_put_map(&w, list->program_count ? 5 : 4);
    vb_cbor_put_uint(&w, VB_TRUST_KEY_VERSION);
    vb_cbor_put_uint(&w, VB_TRUST_FORMAT_VERSION);
    vb_cbor_put_uint(&w, VB_TRUST_KEY_SEQUENCE);
    vb_cbor_put_uint(&w, sequence);
    vb_cbor_put_uint(&w, VB_TRUST_KEY_ISSUED_AT);
    vb_cbor_put_uint(&w, (uint64_t)issued_at);
    vb_cbor_put_uint(&w, VB_TRUST_KEY_ENTRIES);
    vb_cbor_put_array(&w, list->count);
    for (size_t i = 0; i < list->count; i++) {
        const vb_trust_entry *entry = &list->entries[i];
        unsigned char *der = NULL;
        int der_length = i2d_X509(entry->certificate, &der);
        vb_cbor_put_map(&w, entry->removed_at ? 3 : 2);
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_ROLE);
        vb_cbor_put_uint(&w, (uint64_t)entry->role);
        vb_cbor_put_uint(&w, VB_ENTRY_KEY_CERTIFICATE);
        vb_cbor_put_bytes(&w, der, der_length > 0 ? (size_t)der_length : 0);
        if (entry->removed_at) {
            vb_cbor_put_uint(&w, VB_ENTRY_KEY_REMOVED_AT);
            vb_cbor_put_uint(&w, (uint64_t)entry->removed_at);
        }
        OPENSSL_free(der);
    }
    if (list->program_count) {
        vb_cbor_put_uint(&w, VB_TRUST_KEY_PROGRAMS);
        vb_cbor_put_map(&w, list->program_count);
        for (size_t i = 0; i < list->program_count; i++) {
            vb_cbor_put_uint(&w, list->programs[i].code);
            vb_cbor_put_cstring(&w, list->programs[i].name);
        }
    }
    vb_status s;
    if (w.overflow)
        s = vb_fail(err, VB_ERR_TOO_LARGE, "trust list payload overflow");
    else
        s = vb_cose_sign1_sign(authority, payload, w.length, signed_list, capacity + 1024, out_length, err);
    free(payload);
    if (s != VB_OK) {
        free(signed_list);
        return s;
    }
    list->sequence = sequence;
    list->issued_at = issued_at;
    memcpy(list->signed_by, authority->kid, VB_KID_BYTES);
    *out = signed_list;
    return VB_OK;
}
