/*
 * record.h — the credential as printed on a diploma, and its signed record: claims CBOR inside a
 * COSE_Sign1. docs/FORMAT.md is the normative description; the claim keys are in vanbang.h.
 */
#ifndef VB_RECORD_H
#define VB_RECORD_H

#include "cose.h"
#include "vanbang.h"

#include <stdbool.h>

#define VB_TEXT_FIELD (VB_MAX_TEXT_BYTES + 1)

/* Everything a record carries. Text fields are NUL-terminated UTF-8 (NFC); optional enums use 0
 * for "absent". Only what is printed on the diploma: never the personal identification number. */
typedef struct {
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1]; /* iss */
    int64_t signed_at;                              /* iat, seconds since 1970 */
    uint8_t record_id[VB_MAX_RECORD_ID_BYTES];      /* cti */
    size_t record_id_length;
    int type;                                       /* vb_credential_type */
    char serial[VB_TEXT_FIELD];
    uint32_t register_number;
    uint16_t register_year;
    char name[VB_TEXT_FIELD];
    int32_t birth_date;                             /* days since 1970-01-01 */
    int gender;                                     /* vb_gender, 0 = not printed */
    char program_code[33];                          /* "" = none */
    char program_name[VB_TEXT_FIELD];
    /* The record leaves the program name out because the national program catalog in the
     * trust list gives it for program_code (FORMAT.md §4). Set by the issuer when the catalog
     * has the code with exactly this name; set by the decoder when the claim is absent, and
     * then program_name stays empty until vb_verify_record fills it from the catalog. */
    bool program_name_from_catalog;
    int classification;                             /* vb_classification, 0 = none */
    int training_mode;                              /* vb_training_mode, 0 = none */
    int32_t issue_date;                             /* days since 1970-01-01 */
    char issue_place[VB_TEXT_FIELD];
    int kind;                                       /* vb_kind */
    uint8_t supersedes[VB_MAX_RECORD_ID_BYTES];     /* for a correction: the record id it replaces */
    size_t supersedes_length;
    uint32_t copy_number;                           /* for a copy from the register: 1, 2, … */
    bool high_quality;                              /* "chương trình chất lượng cao" */
} vb_credential;

/* Encodes the claims map (deterministic CBOR). Checks every field first, as the decoder would. */
vb_status vb_credential_encode(const vb_credential *credential, uint8_t *out, size_t out_size,
                               size_t *out_length, vb_error *err);
/* Strictly decodes a claims map occupying all of [data, data+length). */
vb_status vb_credential_decode(const uint8_t *data, size_t length, vb_credential *credential, vb_error *err);
/* Checks a credential's fields against the format's rules (ranges, lengths, NFC, kind). */
vb_status vb_credential_check(const vb_credential *credential, vb_error *err);

/* Encodes and signs: out receives the whole tagged COSE_Sign1. */
vb_status vb_record_sign(vb_cose_signer *signer, const vb_credential *credential, uint8_t *out,
                         size_t out_size, size_t *out_length, vb_error *err);

/* Decodes a signed record without checking the signature (the trust list does that, verify.h):
 * COSE structure first, then the claims. */
vb_status vb_record_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message,
                           vb_credential *credential, vb_error *err);

/* Calendar dates as days since 1970-01-01 (proleptic Gregorian, as RFC 8943). */
int32_t vb_days_from_civil(int year, int month, int day);
void vb_civil_from_days(int32_t days, int *year, int *month, int *day);
/* Parses "dd/mm/yyyy" as rosters write it; false for anything that is not a real date. */
bool vb_date_parse_dmy(const char *text, int32_t *days);
/* Formats as "dd/mm/yyyy" into out (at least 11 bytes). */
void vb_date_format_dmy(int32_t days, char *out, size_t out_size);
/* Formats as "yyyy-mm-dd" (at least 11 bytes), and with "Thh:mm:ssZ" for a second of that day
 * in 0-86399 (at least 21 bytes). Written by hand for years 0-9999, by printf beyond. */
void vb_date_format_iso(int32_t days, char *out, size_t out_size);
void vb_time_format_iso(int32_t days, int32_t second_of_day, char *out, size_t out_size);

/* Printed names of the enumerations; `english` selects the English wording. NULL if out of range. */
const char *vb_credential_type_name(int type, bool english);
const char *vb_gender_name(int gender, bool english);
const char *vb_classification_name(int classification, bool english);
const char *vb_training_mode_name(int mode, bool english);
const char *vb_kind_name(int kind, bool english);
/* Parses the Vietnamese printed name (exact, NFC) back to its code; 0 if unknown. */
int vb_classification_parse(const char *text);
int vb_training_mode_parse(const char *text);
int vb_gender_parse(const char *text);

/* True if text is UTF-8 in Normalization Form C. */
bool vb_text_is_nfc(const char *text, size_t length);
/* Writes the NFC form of text into out; false if it does not fit or is not UTF-8. */
bool vb_text_to_nfc(const char *text, size_t length, char *out, size_t out_size);

#endif
