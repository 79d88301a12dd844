/*
 * record.c — the credential's claims map: field rules, deterministic encoding, strict decoding,
 * signing, dates and the printed names of the enumerations.
 */
#include "record.h"
#include "cbor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

/* ---------------------------------------------------------------- dates */

/* Days from 1970-01-01 in the proleptic Gregorian calendar, counting in 400-year eras (146097
 * days each) from a year that starts in March, so the leap day falls at the end of the year. */
int32_t vb_days_from_civil(int year, int month, int day)
{
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int year_of_era = y - era * 400;
    int month_from_march = month > 2 ? month - 3 : month + 9;
    int day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    int day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

void vb_civil_from_days(int32_t days, int *year, int *month, int *day)
{
    int z = days + 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int day_of_era = z - era * 146097;
    int year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int month_from_march = (5 * day_of_year + 2) / 153;
    *day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    *month = month_from_march < 10 ? month_from_march + 3 : month_from_march - 9;
    *year = year_of_era + era * 400 + (*month <= 2);
}

bool vb_date_parse_dmy(const char *text, int32_t *days)
{
    if (strlen(text) != 10 || text[2] != '/' || text[5] != '/')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 2 && i != 5 && (text[i] < '0' || text[i] > '9'))
            return false;
#define DIGIT(i) (text[i] - '0')
    int d = DIGIT(0) * 10 + DIGIT(1), m = DIGIT(3) * 10 + DIGIT(4);
    int y = DIGIT(6) * 1000 + DIGIT(7) * 100 + DIGIT(8) * 10 + DIGIT(9);
#undef DIGIT
    if (y < 1900 || y > 2199 || m < 1 || m > 12 || d < 1)
        return false;
    int32_t value = vb_days_from_civil(y, m, d);
    int yy, mm, dd;
    vb_civil_from_days(value, &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d) /* 31/02 and the like */
        return false;
    *days = value;
    return true;
}

/* Writes value (< 10^width) as exactly width digits; returns the end. */
static char *put_digits(char *p, unsigned value, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + value % 10);
        value /= 10;
    }
    return p + width;
}

void vb_date_format_dmy(int32_t days, char *out, size_t out_size)
{
    int y, m, d;
    vb_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999 || out_size < 11) { /* the rare and the odd, by printf */
        snprintf(out, out_size, "%02d/%02d/%04d", d, m, y);
        return;
    }
    /* By hand: the verifier formats several dates per request, and printf was most of it. */
    char *p = put_digits(out, (unsigned)d, 2);
    *p++ = '/';
    p = put_digits(p, (unsigned)m, 2);
    *p++ = '/';
    p = put_digits(p, (unsigned)y, 4);
    *p = '\0';
}

/* "yyyy-mm-dd" by hand for years 0-9999 into out (at least 11 bytes); returns the end, or NULL
 * after writing another year, or a short buffer, by printf. */
static char *put_date_iso(int32_t days, char *out, size_t out_size)
{
    int y, m, d;
    vb_civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999 || out_size < 11) {
        snprintf(out, out_size, "%04d-%02d-%02d", y, m, d);
        return NULL;
    }
    char *p = put_digits(out, (unsigned)y, 4);
    *p++ = '-';
    p = put_digits(p, (unsigned)m, 2);
    *p++ = '-';
    p = put_digits(p, (unsigned)d, 2);
    *p = '\0';
    return p;
}

void vb_date_format_iso(int32_t days, char *out, size_t out_size) { put_date_iso(days, out, out_size); }

void vb_time_format_iso(int32_t days, int32_t second_of_day, char *out, size_t out_size)
{
    unsigned hours = (unsigned)second_of_day / 3600, minutes = (unsigned)second_of_day / 60 % 60,
             seconds = (unsigned)second_of_day % 60;
    char *p = put_date_iso(days, out, out_size);
    if (!p || out_size < 21) {
        int y, m, d;
        vb_civil_from_days(days, &y, &m, &d);
        snprintf(out, out_size, "%04d-%02d-%02dT%02u:%02u:%02uZ", y, m, d, hours, minutes, seconds);
        return;
    }
    *p++ = 'T';
    p = put_digits(p, hours, 2);
    *p++ = ':';
    p = put_digits(p, minutes, 2);
    *p++ = ':';
    p = put_digits(p, seconds, 2);
    *p++ = 'Z';
    *p = '\0';
}

/* ---------------------------------------------------------------- names */

static const char *const type_names[][2] = {
    {"Bằng tốt nghiệp cao đẳng", "College diploma"},
    {"Bằng tốt nghiệp trung cấp", "Intermediate diploma"},
    {"Bằng trung học nghề", "Vocational upper-secondary diploma"},
    {"Chứng chỉ sơ cấp", "Elementary certificate"},
    {"Chứng chỉ", "Training certificate"},
};
static const char *const gender_names[][2] = {{"Nam", "Male"}, {"Nữ", "Female"}};
static const char *const class_names[][2] = {
    {"Xuất sắc", "Excellent"}, {"Giỏi", "Very good"}, {"Khá", "Good"},
    {"Trung bình khá", "Fairly good"}, {"Trung bình", "Average"},
};
static const char *const mode_names[][2] = {
    {"Chính quy", "Full-time"}, {"Vừa làm vừa học", "Work-study"},
    {"Học từ xa", "Distance learning"}, {"Tự học có hướng dẫn", "Guided self-study"},
};
static const char *const kind_names[][2] = {
    {"Bản chính", "Original"}, {"Bản chỉnh sửa", "Correction"}, {"Bản sao từ sổ gốc", "Copy from the register"},
};

#define NAME_OF(table, value, english) \
    ((value) >= 1 && (size_t)(value) <= sizeof(table) / sizeof(table)[0] ? (table)[(value)-1][(english) ? 1 : 0] : NULL)

const char *vb_credential_type_name(int type, bool english) { return NAME_OF(type_names, type, english); }
const char *vb_gender_name(int gender, bool english) { return NAME_OF(gender_names, gender, english); }
const char *vb_classification_name(int c, bool english) { return NAME_OF(class_names, c, english); }
const char *vb_training_mode_name(int mode, bool english) { return NAME_OF(mode_names, mode, english); }
const char *vb_kind_name(int kind, bool english) { return NAME_OF(kind_names, kind, english); }

static int parse_name(const char *const (*table)[2], size_t count, const char *text)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(table[i][0], text) == 0)
            return (int)i + 1;
    return 0;
}
int vb_classification_parse(const char *t) { return parse_name(class_names, sizeof class_names / sizeof class_names[0], t); }
int vb_training_mode_parse(const char *t) { return parse_name(mode_names, sizeof mode_names / sizeof mode_names[0], t); }
int vb_gender_parse(const char *t) { return parse_name(gender_names, sizeof gender_names / sizeof gender_names[0], t); }

/* ---------------------------------------------------------------- text */

/* True when every character is a starter that NFC leaves alone: ASCII, Latin-1 and Latin
 * Extended-A/B (U+00A0–U+024F), Latin Extended Additional (U+1E00–U+1EFF, where Vietnamese's
 * precomposed letters live) and general punctuation (U+2010–U+2027). None of these combines
 * with its neighbours or is excluded from composition, so a string of them is already NFC;
 * anything else (combining marks above all) goes to the full normalizer. Nearly every
 * Vietnamese name passes here, which keeps the Unicode tables out of the signing loop. */
static bool text_is_plain_precomposed(const uint8_t *s, size_t length)
{
    for (size_t i = 0; i < length;) {
        uint32_t cp;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xe0) == 0xc0 && i + 1 < length) {
            cp = ((uint32_t)(s[i] & 0x1f) << 6) | (s[i + 1] & 0x3f);
            i += 2;
            if (cp < 0xa0 || cp > 0x24f)
                return false;
        } else if ((s[i] & 0xf0) == 0xe0 && i + 2 < length) {
            cp = ((uint32_t)(s[i] & 0x0f) << 12) | ((uint32_t)(s[i + 1] & 0x3f) << 6) | (s[i + 2] & 0x3f);
            i += 3;
            if (!((cp >= 0x1e00 && cp <= 0x1eff) || (cp >= 0x2010 && cp <= 0x2027)))
                return false;
        } else {
            return false;
        }
    }
    return true;
}

bool vb_text_to_nfc(const char *text, size_t length, char *out, size_t out_size)
{
    size_t result_length = out_size;
    if (!vb_utf8_valid((const uint8_t *)text, length))
        return false;
    if (text_is_plain_precomposed((const uint8_t *)text, length)) { /* already NFC */
        if (length >= out_size)
            return false;
        memcpy(out, text, length);
        out[length] = '\0';
        return true;
    }
    uint8_t *result = u8_normalize(UNINORM_NFC, (const uint8_t *)text, length, (uint8_t *)out, &result_length);
    if (!result)
        return false;
    if (result != (uint8_t *)out) { /* did not fit: libunistring allocated */
        free(result);
        return false;
    }
    if (result_length >= out_size)
        return false;
    out[result_length] = '\0';
    return true;
}

bool vb_text_is_nfc(const char *text, size_t length)
{
    char normal[4 * VB_MAX_TEXT_BYTES + 8];
    /* The caller has checked UTF-8 validity (the CBOR reader does), so the fast path may trust it. */
    if (vb_utf8_valid((const uint8_t *)text, length) && text_is_plain_precomposed((const uint8_t *)text, length))
        return true;
    if (length > VB_MAX_TEXT_BYTES || !vb_text_to_nfc(text, length, normal, sizeof normal))
        return false;
    return strlen(normal) == length && memcmp(normal, text, length) == 0;
}

/* A printed text field: non-empty, within its limit, UTF-8 NFC, no control characters, no
 * leading or trailing space. */
static vb_status check_text(const char *text, size_t length, size_t limit, const char *field, vb_error *err)
{
    if (length == 0)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s is empty", field);
    if (length > limit)
        return vb_fail(err, VB_ERR_CLAIM_TOO_LONG, "%s is %zu bytes, the limit is %zu", field, length, limit);
    if (!vb_utf8_valid((const uint8_t *)text, length))
        return vb_fail(err, VB_ERR_CBOR_UTF8, "%s is not valid UTF-8", field);
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f)
            return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s holds a control character at byte %zu", field, i);
    }
    if (text[0] == ' ' || text[length - 1] == ' ')
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s begins or ends with a space", field);
    if (!vb_text_is_nfc(text, length))
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s is not in Unicode normalization form C", field);
    return VB_OK;
}

/* School codes and program codes are short identifiers: letters, digits, '.', '-', '_'. */
static vb_status check_code(const char *text, size_t length, size_t limit, const char *field, vb_error *err)
{
    if (length == 0)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s is empty", field);
    if (length > limit)
        return vb_fail(err, VB_ERR_CLAIM_TOO_LONG, "%s is %zu bytes, the limit is %zu", field, length, limit);
    for (size_t i = 0; i < length; i++) {
        char c = text[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '-' ||
              c == '_'))
            return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s holds '%c'; only letters, digits, '.', '-' and '_' are allowed",
                           field, c >= 0x20 && c < 0x7f ? c : '?');
    }
    return VB_OK;
}

static bool digits_as_integer(const char *code, uint64_t *value);

/* Dates a diploma can carry: births from 1900, issues from 1950, both before 2200. */
#define DAYS_1900 (-25567)
#define DAYS_1950 (-7305)
#define DAYS_2200 84006
#define MAX_SIGNED_AT 7258118400LL /* 2200-01-01T00:00:00Z */

/* The rules between fields, which no single claim can check as it is read. */
static vb_status check_relations(const vb_credential *c, vb_error *err)
{
    uint64_t catalog_code;
    if (c->program_name_from_catalog && !digits_as_integer(c->program_code, &catalog_code))
        return vb_fail(err, VB_ERR_CLAIM_MISSING,
                       "the program name may only be left to the catalog for a numeric program code");
    if ((c->kind == VB_KIND_CORRECTION) != (c->supersedes_length > 0))
        return vb_fail(err, VB_ERR_CLAIM_KIND, "a correction, and only a correction, names the record it supersedes");
    if ((c->kind == VB_KIND_COPY) != (c->copy_number > 0))
        return vb_fail(err, VB_ERR_CLAIM_KIND, "a copy from the register, and only a copy, has a copy number");
    return VB_OK;
}

vb_status vb_credential_check(const vb_credential *c, vb_error *err)
{
    vb_status s;
    if ((s = check_code(c->school_code, strlen(c->school_code), VB_MAX_SCHOOL_CODE_BYTES, "school code (iss)", err)))
        return s;
    if (c->signed_at < 0 || c->signed_at >= MAX_SIGNED_AT)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "signing time (iat) %lld is out of range", (long long)c->signed_at);
    if (c->record_id_length < 1 || c->record_id_length > VB_MAX_RECORD_ID_BYTES)
        return vb_fail(err, VB_ERR_CLAIM_TOO_LONG, "record id (cti) is %zu bytes, must be 1 to %d",
                       c->record_id_length, VB_MAX_RECORD_ID_BYTES);
    if (c->type < 1 || c->type > VB_TYPE_MAX)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "credential type %d is not 1 to %d", c->type, VB_TYPE_MAX);
    if ((s = check_text(c->serial, strlen(c->serial), 64, "serial number", err)))
        return s;
    if (c->register_number < 1)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "register number must be 1 or more");
    if (c->register_year < 1950 || c->register_year > 2199)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "register year %u is out of range", c->register_year);
    if ((s = check_text(c->name, strlen(c->name), VB_MAX_TEXT_BYTES, "full name", err)))
        return s;
    if (c->birth_date < DAYS_1900 || c->birth_date >= DAYS_2200)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "date of birth is out of range");
    if (c->gender < 0 || c->gender > VB_GENDER_MAX)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "gender %d is not 1 (Nam) or 2 (Nữ)", c->gender);
    if (c->program_code[0] && (s = check_code(c->program_code, strlen(c->program_code), 32, "program code", err)))
        return s;
    uint64_t catalog_code;
    if (c->program_name_from_catalog) {
        if (!digits_as_integer(c->program_code, &catalog_code))
            return vb_fail(err, VB_ERR_CLAIM_MISSING,
                           "the program name may only be left to the catalog for a numeric program code");
    } else if ((s = check_text(c->program_name, strlen(c->program_name), VB_MAX_TEXT_BYTES, "program name", err))) {
        return s;
    }
    if (c->classification < 0 || c->classification > VB_CLASS_MAX)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "classification %d is not 1 to %d", c->classification, VB_CLASS_MAX);
    if (c->training_mode < 0 || c->training_mode > VB_MODE_MAX)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "training mode %d is not 1 to %d", c->training_mode, VB_MODE_MAX);
    if (c->issue_date < DAYS_1950 || c->issue_date >= DAYS_2200)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "date of issue is out of range");
    if ((s = check_text(c->issue_place, strlen(c->issue_place), VB_MAX_TEXT_BYTES, "place of issue", err)))
        return s;
    if (c->kind < VB_KIND_ORIGINAL || c->kind > VB_KIND_MAX)
        return vb_fail(err, VB_ERR_CLAIM_KIND, "kind %d is not 1 (original), 2 (correction) or 3 (copy)", c->kind);
    if ((c->kind == VB_KIND_CORRECTION) != (c->supersedes_length > 0))
        return vb_fail(err, VB_ERR_CLAIM_KIND, "a correction, and only a correction, names the record it supersedes");
    if (c->supersedes_length > VB_MAX_RECORD_ID_BYTES)
        return vb_fail(err, VB_ERR_CLAIM_TOO_LONG, "superseded record id is over %d bytes", VB_MAX_RECORD_ID_BYTES);
    if ((c->kind == VB_KIND_COPY) != (c->copy_number > 0))
        return vb_fail(err, VB_ERR_CLAIM_KIND, "a copy from the register, and only a copy, has a copy number");
    return VB_OK;
}

/* ---------------------------------------------------------------- encoding */

/* A code or serial of 1-18 digits without a leading zero rides as an unsigned integer (the
 * 7-digit national program codes take 5 bytes instead of 8, a 10-digit serial 5 instead of 11). */
static bool digits_as_integer(const char *code, uint64_t *value)
{
    size_t n = strlen(code);
    if (n == 0 || n > 18 || code[0] == '0')
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (code[i] < '0' || code[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(code[i] - '0');
    }
    *value = v;
    return true;
}

vb_status vb_credential_encode(const vb_credential *c, uint8_t *out, size_t out_size, size_t *out_length,
                               vb_error *err)
{
    vb_status s = vb_credential_check(c, err);
    if (s != VB_OK)
        return s;

    int issue_year, issue_month, issue_day;
    vb_civil_from_days(c->issue_date, &issue_year, &issue_month, &issue_day);
    bool year_implied = c->register_year == issue_year;
    size_t count = 10 + !year_implied + !c->program_name_from_catalog + (c->gender != 0) + (c->program_code[0] != 0) + (c->classification != 0) +
                   (c->training_mode != 0) + (c->kind != VB_KIND_ORIGINAL) + (c->supersedes_length > 0) +
                   (c->copy_number > 0) + c->high_quality;
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, out, out_size);
    vb_cbor_put_map(&w, count);
    /* Keys in canonical order: 1, 6, 7, then -1, -2, … (0x20, 0x21, … on the wire). */
    vb_cbor_put_int(&w, VB_CLAIM_ISS);
    vb_cbor_put_cstring(&w, c->school_code);
    vb_cbor_put_int(&w, VB_CLAIM_IAT);
    vb_cbor_put_uint(&w, (uint64_t)c->signed_at);
    vb_cbor_put_int(&w, VB_CLAIM_CTI);
    vb_cbor_put_bytes(&w, c->record_id, c->record_id_length);
    vb_cbor_put_int(&w, VB_CLAIM_TYPE);
    vb_cbor_put_uint(&w, (uint64_t)c->type);
    uint64_t serial_number;
    vb_cbor_put_int(&w, VB_CLAIM_SERIAL);
    if (digits_as_integer(c->serial, &serial_number))
        vb_cbor_put_uint(&w, serial_number);
    else
        vb_cbor_put_cstring(&w, c->serial);
    vb_cbor_put_int(&w, VB_CLAIM_REGISTER_NUMBER);
    vb_cbor_put_uint(&w, c->register_number);
    if (!year_implied) {
        vb_cbor_put_int(&w, VB_CLAIM_REGISTER_YEAR);
        vb_cbor_put_uint(&w, c->register_year);
    }
    vb_cbor_put_int(&w, VB_CLAIM_NAME);
    vb_cbor_put_cstring(&w, c->name);
    vb_cbor_put_int(&w, VB_CLAIM_BIRTH_DATE);
    vb_cbor_put_int(&w, c->birth_date);
    if (c->gender) {
        vb_cbor_put_int(&w, VB_CLAIM_GENDER);
        vb_cbor_put_uint(&w, (uint64_t)c->gender);
    }
    if (c->program_code[0]) {
        uint64_t code;
        vb_cbor_put_int(&w, VB_CLAIM_PROGRAM_CODE);
        if (digits_as_integer(c->program_code, &code))
            vb_cbor_put_uint(&w, code);
        else
            vb_cbor_put_cstring(&w, c->program_code);
    }
    if (!c->program_name_from_catalog) {
        vb_cbor_put_int(&w, VB_CLAIM_PROGRAM_NAME);
        vb_cbor_put_cstring(&w, c->program_name);
    }
    if (c->classification) {
        vb_cbor_put_int(&w, VB_CLAIM_CLASSIFICATION);
        vb_cbor_put_uint(&w, (uint64_t)c->classification);
    }
    if (c->training_mode) {
        vb_cbor_put_int(&w, VB_CLAIM_TRAINING_MODE);
        vb_cbor_put_uint(&w, (uint64_t)c->training_mode);
    }
    vb_cbor_put_int(&w, VB_CLAIM_ISSUE_DATE);
    vb_cbor_put_int(&w, c->issue_date);
    vb_cbor_put_int(&w, VB_CLAIM_ISSUE_PLACE);
    vb_cbor_put_cstring(&w, c->issue_place);
    if (c->kind != VB_KIND_ORIGINAL) {
        vb_cbor_put_int(&w, VB_CLAIM_KIND);
        vb_cbor_put_uint(&w, (uint64_t)c->kind);
    }
    if (c->supersedes_length) {
        vb_cbor_put_int(&w, VB_CLAIM_SUPERSEDES);
        vb_cbor_put_bytes(&w, c->supersedes, c->supersedes_length);
    }
    if (c->copy_number) {
        vb_cbor_put_int(&w, VB_CLAIM_COPY_NUMBER);
        vb_cbor_put_uint(&w, c->copy_number);
    }
    if (c->high_quality) {
        vb_cbor_put_int(&w, VB_CLAIM_HIGH_QUALITY);
        vb_cbor_put_bool(&w, true);
    }
    if (w.overflow)
        return vb_fail(err, VB_ERR_TOO_LARGE, "claims do not fit in %zu bytes", out_size);
    *out_length = w.length;
    return VB_OK;
}

vb_status vb_record_sign(vb_cose_signer *signer, const vb_credential *credential, uint8_t *out, size_t out_size,
                         size_t *out_length, vb_error *err)
{
    uint8_t claims[VB_MAX_RECORD_BYTES];
    size_t claims_length;
    vb_status s = vb_credential_encode(credential, claims, sizeof claims, &claims_length, err);
    if (s != VB_OK)
        return s;
    return vb_cose_sign1_sign(signer, claims, claims_length, out, out_size, out_length, err);
}

/* ---------------------------------------------------------------- decoding */

/* Reads a text claim into a fixed field, with the field's rules. */
static vb_status read_text_claim(vb_cbor_reader *r, char *field, size_t field_size, size_t limit, const char *name,
                                 bool is_code, vb_error *err)
{
    const char *text;
    size_t length;
    vb_status s = vb_cbor_read_text(r, &text, &length, err);
    if (s == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "%s is not a text string", name);
    if (s != VB_OK)
        return s;
    if (length > limit || length >= field_size)
        return vb_fail(err, VB_ERR_CLAIM_TOO_LONG, "%s is %zu bytes, the limit is %zu", name, length, limit);
    s = is_code ? check_code(text, length, limit, name, err) : check_text(text, length, limit, name, err);
    if (s != VB_OK)
        return s;
    memcpy(field, text, length);
    field[length] = '\0';
    return VB_OK;
}

/* A claim that is an unsigned integer when its text would be 1-18 digits without a leading
 * zero, else a text string (a code, or printed text for a serial). Deterministic both ways: a
 * text string that could have been an integer is refused. */
static vb_status read_code_or_integer(vb_cbor_reader *r, char *field, size_t field_size, size_t limit,
                                      const char *name, bool is_code, vb_error *err)
{
    vb_cbor_reader peek = *r;
    uint64_t u;
    if (vb_cbor_read_uint(&peek, &u, NULL) == VB_OK) {
        *r = peek;
        if (u == 0 || u > 999999999999999999ull)
            return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s %llu is out of range", name, (unsigned long long)u);
        snprintf(field, field_size, "%llu", (unsigned long long)u);
        return VB_OK;
    }
    vb_status s = read_text_claim(r, field, field_size, limit, name, is_code, err);
    if (s == VB_ERR_CLAIM_TYPE)
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "%s is neither an unsigned integer nor a text string", name);
    if (s == VB_OK && digits_as_integer(field, &u))
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "%s \"%s\" must be encoded as an integer", name, field);
    return s;
}

static vb_status read_uint_claim(vb_cbor_reader *r, uint64_t min, uint64_t max, uint64_t *value, const char *name,
                                 vb_error *err)
{
    vb_status s = vb_cbor_read_uint(r, value, err);
    if (s == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "%s is not an unsigned integer", name);
    if (s != VB_OK)
        return s;
    if (*value < min || *value > max)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s %llu is not %llu to %llu", name, (unsigned long long)*value,
                       (unsigned long long)min, (unsigned long long)max);
    return VB_OK;
}

static vb_status read_date_claim(vb_cbor_reader *r, int64_t min, int64_t max, int32_t *value, const char *name,
                                 vb_error *err)
{
    int64_t v;
    vb_status s = vb_cbor_read_int(r, &v, err);
    if (s == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "%s is not an integer day count", name);
    if (s != VB_OK)
        return s;
    if (v < min || v >= max)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "%s (day %lld) is out of range", name, (long long)v);
    *value = (int32_t)v;
    return VB_OK;
}

static vb_status read_id_claim(vb_cbor_reader *r, uint8_t *field, size_t *field_length, const char *name, vb_error *err)
{
    const uint8_t *bytes;
    size_t length;
    vb_status s = vb_cbor_read_bytes(r, &bytes, &length, err);
    if (s == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "%s is not a byte string", name);
    if (s != VB_OK)
        return s;
    if (length < 1 || length > VB_MAX_RECORD_ID_BYTES)
        return vb_fail(err, VB_ERR_CLAIM_TOO_LONG, "%s is %zu bytes, must be 1 to %d", name, length,
                       VB_MAX_RECORD_ID_BYTES);
    memcpy(field, bytes, length);
    *field_length = length;
    return VB_OK;
}

static bool claim_understood(int64_t key)
{
    return key == VB_CLAIM_ISS || key == VB_CLAIM_IAT || key == VB_CLAIM_CTI ||
           (key <= VB_CLAIM_TYPE && key >= VB_CLAIM_HIGH_QUALITY) || key == VB_CLAIM_CRITICAL;
}

/* Bit for each claim, to tell which were present. */
static uint32_t claim_bit(int64_t key)
{
    if (key == VB_CLAIM_ISS) return 1u << 0;
    if (key == VB_CLAIM_IAT) return 1u << 1;
    if (key == VB_CLAIM_CTI) return 1u << 2;
    if (key <= -1 && key >= -24) return 1u << (int)(2 - key); /* -1 → bit 3 … -24 → bit 26 */
    return 0;
}

static const struct {
    int64_t key;
    const char *name;
} required_claims[] = {
    {VB_CLAIM_ISS, "school code (iss, 1)"},         {VB_CLAIM_IAT, "signing time (iat, 6)"},
    {VB_CLAIM_CTI, "record id (cti, 7)"},           {VB_CLAIM_TYPE, "credential type (-1)"},
    {VB_CLAIM_SERIAL, "serial number (-2)"},        {VB_CLAIM_REGISTER_NUMBER, "register number (-3)"},
    {VB_CLAIM_NAME, "full name (-5)"},
    {VB_CLAIM_BIRTH_DATE, "date of birth (-6)"},
    {VB_CLAIM_ISSUE_DATE, "date of issue (-12)"},   {VB_CLAIM_ISSUE_PLACE, "place of issue (-13)"},
};

static vb_status read_critical_claim(vb_cbor_reader *r, vb_error *err)
{
    size_t count;
    vb_status s = vb_cbor_read_array(r, &count, err);
    if (s == VB_ERR_CBOR_TYPE)
        return vb_fail(err, VB_ERR_CLAIM_TYPE, "critical claims (-24) is not an array");
    if (s != VB_OK)
        return s;
    if (count == 0)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "critical claims (-24) is empty");
    for (size_t i = 0; i < count; i++) {
        int64_t key;
        if ((s = vb_cbor_read_int(r, &key, err)) != VB_OK)
            return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_CLAIM_TYPE, "critical claim label is not an integer") : s;
        if (!claim_understood(key))
            return vb_fail(err, VB_ERR_CLAIM_CRITICAL, "claim %lld is marked critical and this verifier does not know it",
                           (long long)key);
    }
    return VB_OK;
}

vb_status vb_credential_decode(const uint8_t *data, size_t length, vb_credential *c, vb_error *err)
{
    vb_cbor_reader r;
    vb_cbor_key_order order = {0};
    size_t count;
    uint32_t seen = 0;
    uint64_t u;
    vb_status s;

    memset(c, 0, sizeof *c);
    c->kind = VB_KIND_ORIGINAL;
    vb_cbor_reader_init(&r, data, length);
    if ((s = vb_cbor_read_map(&r, &count, err)) != VB_OK)
        return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_CLAIM_TYPE, "payload is not a claims map") : s;

    for (size_t i = 0; i < count; i++) {
        const uint8_t *key_start = r.pos;
        int64_t key;
        if ((s = vb_cbor_read_int(&r, &key, err)) != VB_OK)
            return s == VB_ERR_CBOR_TYPE ? vb_fail(err, VB_ERR_CLAIM_TYPE, "claim key is not an integer") : s;
        if ((s = vb_cbor_check_key_order(&order, key_start, (size_t)(r.pos - key_start), err)) != VB_OK)
            return s;
        seen |= claim_bit(key);

        switch (key) {
        case VB_CLAIM_ISS:
            s = read_text_claim(&r, c->school_code, sizeof c->school_code, VB_MAX_SCHOOL_CODE_BYTES, "school code (iss)",
                                true, err);
            break;
        case VB_CLAIM_IAT:
            if ((s = read_uint_claim(&r, 0, MAX_SIGNED_AT - 1, &u, "signing time (iat)", err)) == VB_OK)
                c->signed_at = (int64_t)u;
            break;
        case VB_CLAIM_CTI:
            s = read_id_claim(&r, c->record_id, &c->record_id_length, "record id (cti)", err);
            break;
        case VB_CLAIM_TYPE:
            if ((s = read_uint_claim(&r, 1, VB_TYPE_MAX, &u, "credential type", err)) == VB_OK)
                c->type = (int)u;
            break;
        case VB_CLAIM_SERIAL:
            s = read_code_or_integer(&r, c->serial, sizeof c->serial, 64, "serial number", false, err);
            break;
        case VB_CLAIM_REGISTER_NUMBER:
            if ((s = read_uint_claim(&r, 1, UINT32_MAX, &u, "register number", err)) == VB_OK)
                c->register_number = (uint32_t)u;
            break;
        case VB_CLAIM_REGISTER_YEAR:
            if ((s = read_uint_claim(&r, 1950, 2199, &u, "register year", err)) == VB_OK)
                c->register_year = (uint16_t)u;
            break;
        case VB_CLAIM_NAME:
            s = read_text_claim(&r, c->name, sizeof c->name, VB_MAX_TEXT_BYTES, "full name", false, err);
            break;
        case VB_CLAIM_BIRTH_DATE:
            s = read_date_claim(&r, DAYS_1900, DAYS_2200, &c->birth_date, "date of birth", err);
            break;
        case VB_CLAIM_GENDER:
            if ((s = read_uint_claim(&r, 1, VB_GENDER_MAX, &u, "gender", err)) == VB_OK)
                c->gender = (int)u;
            break;
        case VB_CLAIM_PROGRAM_CODE:
            s = read_code_or_integer(&r, c->program_code, sizeof c->program_code, 32, "program code", true, err);
            break;
        case VB_CLAIM_PROGRAM_NAME:
            s = read_text_claim(&r, c->program_name, sizeof c->program_name, VB_MAX_TEXT_BYTES, "program name", false,
                                err);
            break;
        case VB_CLAIM_CLASSIFICATION:
            if ((s = read_uint_claim(&r, 1, VB_CLASS_MAX, &u, "classification", err)) == VB_OK)
                c->classification = (int)u;
            break;
        case VB_CLAIM_TRAINING_MODE:
            if ((s = read_uint_claim(&r, 1, VB_MODE_MAX, &u, "training mode", err)) == VB_OK)
                c->training_mode = (int)u;
            break;
        case VB_CLAIM_ISSUE_DATE:
            s = read_date_claim(&r, DAYS_1950, DAYS_2200, &c->issue_date, "date of issue", err);
            break;
        case VB_CLAIM_ISSUE_PLACE:
            s = read_text_claim(&r, c->issue_place, sizeof c->issue_place, VB_MAX_TEXT_BYTES, "place of issue", false,
                                err);
            break;
        case VB_CLAIM_KIND:
            /* An original is written by leaving the claim out, so 1 here is not deterministic. */
            if ((s = read_uint_claim(&r, VB_KIND_CORRECTION, VB_KIND_MAX, &u, "kind", err)) == VB_OK)
                c->kind = (int)u;
            else if (s == VB_ERR_CLAIM_RANGE)
                s = vb_fail(err, VB_ERR_CLAIM_KIND, "kind must be 2 (correction) or 3 (copy); an original omits it");
            break;
        case VB_CLAIM_SUPERSEDES:
            s = read_id_claim(&r, c->supersedes, &c->supersedes_length, "superseded record id", err);
            break;
        case VB_CLAIM_COPY_NUMBER:
            if ((s = read_uint_claim(&r, 1, UINT32_MAX, &u, "copy number", err)) == VB_OK)
                c->copy_number = (uint32_t)u;
            break;
        case VB_CLAIM_HIGH_QUALITY: {
            bool flag = false;
            s = vb_cbor_read_bool(&r, &flag, err);
            if (s == VB_ERR_CBOR_TYPE)
                s = vb_fail(err, VB_ERR_CLAIM_TYPE, "high-quality flag is not true");
            else if (s == VB_OK && !flag)
                s = vb_fail(err, VB_ERR_CLAIM_RANGE, "high-quality flag is false; leave it out instead");
            c->high_quality = flag;
            break;
        }
        case VB_CLAIM_CRITICAL:
            s = read_critical_claim(&r, err);
            break;
        default:
            /* Unknown and not critical: skipped, so later versions can add printed fields. */
            s = vb_cbor_skip(&r, VB_UNKNOWN_VALUE_DEPTH, err);
            break;
        }
        if (s != VB_OK)
            return s;
    }
    if (vb_cbor_remaining(&r) != 0)
        return vb_fail(err, VB_ERR_CBOR_TRAILING, "%zu bytes after the claims map", vb_cbor_remaining(&r));

    for (size_t i = 0; i < sizeof required_claims / sizeof required_claims[0]; i++)
        if (!(seen & claim_bit(required_claims[i].key)))
            return vb_fail(err, VB_ERR_CLAIM_MISSING, "required claim %s is missing", required_claims[i].name);
    if (!(seen & claim_bit(VB_CLAIM_PROGRAM_NAME))) {
        if (!(seen & claim_bit(VB_CLAIM_PROGRAM_CODE)))
            return vb_fail(err, VB_ERR_CLAIM_MISSING, "required claim program name (-9) is missing");
        c->program_name_from_catalog = true; /* checked below: the code must be numeric */
    }
    int issue_year, issue_month, issue_day;
    vb_civil_from_days(c->issue_date, &issue_year, &issue_month, &issue_day);
    if (!(seen & claim_bit(VB_CLAIM_REGISTER_YEAR)))
        c->register_year = (uint16_t)issue_year;
    else if (c->register_year == issue_year)
        return vb_fail(err, VB_ERR_CLAIM_RANGE, "register year equals the year of issue; it must be left out");
    /* Each claim was checked as it was read; what is left are the rules between claims. */
    return check_relations(c, err);
}

vb_status vb_record_decode(const uint8_t *data, size_t length, vb_cose_sign1 *message, vb_credential *credential,
                           vb_error *err)
{
    if (length > VB_MAX_RECORD_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "record is %zu bytes, the limit is %d", length, VB_MAX_RECORD_BYTES);
    vb_status s = vb_cose_sign1_decode(data, length, message, err);
    if (s != VB_OK)
        return s;
    return vb_credential_decode(message->payload, message->payload_length, credential, err);
}
