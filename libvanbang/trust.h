/*
 * trust.h — the trust list: which authorities and which school signer certificates a verifier
 * accepts, with a sequence number and issue time, signed by an authority (a COSE_Sign1 over a
 * CBOR map; docs/FORMAT.md §Trust list). A verifier is configured with the authority
 * certificates it anchors on and refuses a list that is unsigned, signed by an authority it does
 * not anchor on, malformed, or not newer than the one it holds.
 */
#ifndef VB_TRUST_H
#define VB_TRUST_H

#include "cose.h"
#include "vanbang.h"

#include <openssl/x509.h>
#include <stdbool.h>

#define VB_TRUST_FORMAT_VERSION 1
enum { VB_TRUST_ROLE_AUTHORITY = 1, VB_TRUST_ROLE_SIGNER = 2 };

/* Map keys of the trust-list payload and of each entry. */
enum {
    VB_TRUST_KEY_VERSION = 1,
    VB_TRUST_KEY_SEQUENCE = 2,
    VB_TRUST_KEY_ISSUED_AT = 3,
    VB_TRUST_KEY_ENTRIES = 4,
    VB_TRUST_KEY_PROGRAMS = 5, /* the national program catalog: {code: name} */
};
#define VB_MAX_PROGRAMS 20000
enum { VB_ENTRY_KEY_ROLE = 1, VB_ENTRY_KEY_CERTIFICATE = 2, VB_ENTRY_KEY_REMOVED_AT = 3 };

typedef struct {
    int role;                  /* VB_TRUST_ROLE_* */
    X509 *certificate;
    EVP_PKEY *public_key;      /* cached from the certificate */
    vb_cose_verifier verifier; /* the key made ready to verify records */
    uint8_t kid[VB_KID_BYTES]; /* SHA-256(DER)[0..8) */
    int64_t removed_at;        /* 0 = in force; else when it was removed (seconds since 1970) */
    int64_t not_before, not_after;
    char subject[256];         /* readable subject, UTF-8 */
    char organization[VB_MAX_TEXT_BYTES + 1]; /* O= : the school or authority name */
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1]; /* serialNumber= of a signer, else "" */
} vb_trust_entry;

/* One program of the national catalog (danh mục ngành, nghề): records may leave its name out. */
typedef struct {
    uint64_t code;
    char *name; /* UTF-8 NFC */
} vb_trust_program;

typedef struct {
    uint64_t sequence;
    int64_t issued_at;
    uint8_t signed_by[VB_KID_BYTES]; /* kid of the authority that signed the list */
    vb_trust_entry *entries;         /* sorted by kid */
    size_t count;
    vb_trust_program *programs;      /* sorted by code */
    size_t program_count;
} vb_trust_list;

/* Parses and checks a signed trust list: signature by one of `anchors`, payload well formed,
 * every signer certificate issued by an authority of the list or an anchor, and sequence above
 * `held_sequence` (pass 0 when none is held). On success the list owns its entries. */
vb_status vb_trust_parse(const uint8_t *data, size_t length, X509 *const *anchors, size_t anchor_count,
                         uint64_t held_sequence, vb_trust_list *list, vb_error *err);
/* The certificate rules of a list: authority entries are CAs; each signer is issued by an
 * authority entry in force or by the anchor (which may be NULL). vb_trust_parse applies it;
 * the authority's tools apply it before signing, so they never publish a list verifiers refuse. */
vb_status vb_trust_check(const vb_trust_list *list, X509 *anchor, vb_error *err);
/* The same from a file (limit VB_MAX_TRUST_BYTES). */
vb_status vb_trust_load_file(const char *path, X509 *const *anchors, size_t anchor_count, uint64_t held_sequence,
                             vb_trust_list *list, vb_error *err);
/* Parses the payload alone, with no signature check (for tools and the fuzz target). */
vb_status vb_trust_parse_payload(const uint8_t *data, size_t length, vb_trust_list *list, vb_error *err);
void vb_trust_free(vb_trust_list *list);

const vb_trust_entry *vb_trust_find(const vb_trust_list *list, const uint8_t kid[VB_KID_BYTES]);

/* The catalog's name for a program code, or NULL. */
const char *vb_trust_program_name(const vb_trust_list *list, uint64_t code);

/* Editing, for the authority's tools. */
/* Adds a program to the catalog. The catalog only grows: records signed earlier rely on each
 * name, so a code already present with another name is refused (same name: no change). */
vb_status vb_trust_add_program(vb_trust_list *list, uint64_t code, const char *name, vb_error *err);
vb_status vb_trust_add(vb_trust_list *list, int role, X509 *certificate, vb_error *err);
vb_status vb_trust_remove(vb_trust_list *list, const uint8_t kid[VB_KID_BYTES], int64_t when, vb_error *err);
/* Sets sequence and issued_at, encodes and signs; *out is malloc'd. */
vb_status vb_trust_sign(vb_trust_list *list, uint64_t sequence, int64_t issued_at, vb_cose_signer *authority,
                        uint8_t **out, size_t *out_length, vb_error *err);

/* Fills the derived fields of an entry (kid, key, validity, names) from its certificate. */
vb_status vb_trust_entry_from_certificate(vb_trust_entry *entry, int role, X509 *certificate, vb_error *err);

/* kid of a certificate: the first 8 bytes of SHA-256 over its DER. */
bool vb_certificate_kid(X509 *certificate, uint8_t kid[VB_KID_BYTES]);

#endif
