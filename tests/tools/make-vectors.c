/*
 * make-vectors.c — writes the conformance vectors of tests/vectors/ (docs/FORMAT.md §8): signed
 * records that verify (valid/), records and links that each fail with exactly one code
 * (invalid/), and the MANIFEST that lists them with the expected code.
 *
 * The keys and the trust list come from tests/vectors/keys/ and tests/vectors/trust.cbor, made
 * once by tests/vectors/make-keys.sh with the real CLI; this program only signs. Invalid records
 * are built at the CBOR level: a valid claims map is taken apart into (key, value) entries,
 * changed, put back together by hand and signed with the school's key directly, bypassing
 * vb_credential_encode's checks, so that the one fault planted is the first one a verifier meets
 * (a claim-level fault is signed properly; only the bad-signature vectors carry a bad signature).
 *
 * Every vector is checked with vb_verify_record / vb_verify_link before anything is kept. The
 * set is written into a fresh temporary folder beside the destination and only then moved into
 * place (valid/, invalid/, MANIFEST), so a failed run leaves the committed vectors untouched.
 * ECDSA signatures are randomized (OpenSSL 3.0), so each run changes the ES256 bytes; everything
 * else (claims, iat, record ids, PS256 aside from its salt) is fixed.
 *
 * Usage: make-vectors DIR        (DIR is tests/vectors; `make vectors` runs it)
 * Each run replaces the whole set, and only once every new vector gives its expected verdict.
 * The keys and trust.cbor are never touched (make-keys.sh refuses to remake them).
 */
#include "cbor.h"
#include "cose.h"
#include "keys.h"
#include "link.h"
#include "record.h"
#include "trust.h"
#include "verify.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PROGRAM "make-vectors"
#define VECTOR_BASE_URL "https://xacthuc.example.edu.vn/V/"
#define VECTOR_BYTES_MAX 2048     /* a record buffer: the too-large vectors need a little over 1024 */
#define CLAIM_VALUE_MAX 1100      /* one encoded claim value */
#define CLAIM_ENTRIES_MAX 40

/* ---------------------------------------------------------------- keys */

typedef struct {
    const char *file_stem; /* "school-a" → keys/school-a.key and .crt */
    EVP_PKEY *key;
    X509 *certificate;
    uint8_t kid[VB_KID_BYTES];
    int alg;               /* what the key signs: VB_COSE_ALG_ES256 or VB_COSE_ALG_PS256 */
    int64_t not_before, not_after;
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
} vector_signer;

typedef struct {
    char out_dir[4096];   /* the temporary folder being filled */
    FILE *manifest;
    vb_trust_list trust;
    int valid_count, invalid_count;
    int failures;
    vector_signer authority, school_a, school_b, school_c, school_d;
} vector_context;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, PROGRAM ": ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(2);
}

/* dir + "/" + name into out; a path that does not fit is fatal. */
static void join_path(char *out, size_t size, const char *dir, const char *name)
{
    int n = snprintf(out, size, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= size)
        die("path too long: %s/%s", dir, name);
}

static void read_passphrase(const char *keys_dir, char *out, size_t size)
{
    char path[4200];
    join_path(path, sizeof path, keys_dir, "PASSPHRASE");
    FILE *file = fopen(path, "r");
    if (!file)
        die("cannot open %s: %s (run tests/vectors/make-keys.sh first)", path, strerror(errno));
    if (!fgets(out, (int)size, file))
        die("%s is empty", path);
    fclose(file);
    out[strcspn(out, "\r\n")] = '\0';
}

static void load_signer(vector_signer *signer, const char *keys_dir, const char *stem, const char *passphrase)
{
    char path[4200];
    vb_error err;
    time_t not_before, not_after;

    memset(signer, 0, sizeof *signer);
    signer->file_stem = stem;
    char file[256];
    snprintf(file, sizeof file, "%.200s.key", stem);
    join_path(path, sizeof path, keys_dir, file);
    if (vb_key_load_encrypted(path, passphrase, strlen(passphrase), &signer->key, &err) != VB_OK)
        die("%s", err.message);
    snprintf(file, sizeof file, "%.200s.crt", stem);
    join_path(path, sizeof path, keys_dir, file);
    if (vb_cert_load(path, &signer->certificate, &err) != VB_OK)
        die("%s", err.message);
    if (vb_cert_kid(signer->certificate, signer->kid, &err) != VB_OK ||
        vb_cert_validity(signer->certificate, &not_before, &not_after, &err) != VB_OK)
        die("%s: %s", path, err.message);
    signer->not_before = (int64_t)not_before;
    signer->not_after = (int64_t)not_after;
    signer->alg = vb_key_type_of(signer->key, NULL) == VB_KEY_TYPE_RSA ? VB_COSE_ALG_PS256 : VB_COSE_ALG_ES256;
    /* Authorities have no school code; ignore the failure for them. */
    vb_cert_school_code(X509_get_subject_name(signer->certificate), signer->school_code, sizeof signer->school_code,
                        NULL);
}

static void free_signer(vector_signer *signer)
{
    EVP_PKEY_free(signer->key);
    X509_free(signer->certificate);
    memset(signer, 0, sizeof *signer);
}

/* ---------------------------------------------------------------- signing by hand */

/* Signs the SHA-256 digest of a Sig_structure. ES256: raw r‖s (64 bytes), or the DER
 * ECDSA-Sig-Value OpenSSL makes when der is set (for the vector that carries one by mistake).
 * PS256: RSASSA-PSS, MGF1-SHA-256, salt 32. */
static size_t sign_digest(EVP_PKEY *key, const uint8_t digest[32], bool der, uint8_t *out, size_t out_size)
{
    bool rsa = EVP_PKEY_is_a(key, "RSA");
    EVP_PKEY_CTX *context = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL);
    uint8_t buffer[1024];
    size_t length = sizeof buffer;

    if (!context || EVP_PKEY_sign_init(context) <= 0 || EVP_PKEY_CTX_set_signature_md(context, EVP_sha256()) <= 0 ||
        (rsa && (EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PSS_PADDING) <= 0 ||
                 EVP_PKEY_CTX_set_rsa_mgf1_md(context, EVP_sha256()) <= 0 ||
                 EVP_PKEY_CTX_set_rsa_pss_saltlen(context, 32) <= 0)) ||
        EVP_PKEY_sign(context, buffer, &length, digest, 32) <= 0)
        die("OpenSSL could not sign");
    EVP_PKEY_CTX_free(context);

    if (rsa || der) {
        if (length > out_size)
            die("signature buffer too small");
        memcpy(out, buffer, length);
        return length;
    }
    const unsigned char *p = buffer;
    ECDSA_SIG *signature = d2i_ECDSA_SIG(NULL, &p, (long)length);
    const BIGNUM *r, *s;
    if (!signature || out_size < 64)
        die("cannot read the ECDSA signature");
    ECDSA_SIG_get0(signature, &r, &s);
    if (BN_bn2binpad(r, out, 32) != 32 || BN_bn2binpad(s, out + 32, 32) != 32)
        die("cannot convert the ECDSA signature");
    ECDSA_SIG_free(signature);
    return 64;
}

/* A COSE_Sign1 taken apart: the envelope writer puts any combination back together. */
typedef struct {
    uint8_t protected_header[64];
    size_t protected_length;
    uint8_t payload[VECTOR_BYTES_MAX];
    size_t payload_length;
    uint8_t signature[1024];
    size_t signature_length;
} cose_parts;

typedef struct {
    uint8_t bytes[VECTOR_BYTES_MAX + 64];
    size_t length;
} vector_bytes;

static size_t protected_header_write(uint8_t *out, size_t size, int64_t alg, const uint8_t *kid, size_t kid_length)
{
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, out, size);
    vb_cbor_put_map(&w, 2);
    vb_cbor_put_int(&w, VB_COSE_HEADER_ALG);
    vb_cbor_put_int(&w, alg);
    vb_cbor_put_int(&w, VB_COSE_HEADER_KID);
    vb_cbor_put_bytes(&w, kid, kid_length);
    if (w.overflow)
        die("protected header overflow");
    return w.length;
}

/* Signs parts->payload under parts->protected_header with key (any protected header: the
 * signature is right for exactly those bytes). */
static void parts_sign(cose_parts *parts, EVP_PKEY *key)
{
    uint8_t digest[32];
    vb_cose_sig_structure_hash(parts->protected_header, parts->protected_length, parts->payload,
                               parts->payload_length, digest);
    parts->signature_length = sign_digest(key, digest, false, parts->signature, sizeof parts->signature);
}

/* The usual signed record of payload by signer: {1: alg, 4: kid}, {}, payload, signature. */
static void parts_make(cose_parts *parts, const vector_signer *signer, const uint8_t *payload, size_t payload_length)
{
    memset(parts, 0, sizeof *parts);
    parts->protected_length = protected_header_write(parts->protected_header, sizeof parts->protected_header,
                                                     signer->alg, signer->kid, VB_KID_BYTES);
    if (payload_length > sizeof parts->payload)
        die("payload too large");
    memcpy(parts->payload, payload, payload_length);
    parts->payload_length = payload_length;
    parts_sign(parts, signer->key);
}

/* 18([bstr protected, {}, bstr payload, bstr signature]) */
static void envelope_write(vector_bytes *out, const cose_parts *parts)
{
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, out->bytes, sizeof out->bytes);
    vb_cbor_put_tag(&w, VB_COSE_SIGN1_TAG);
    vb_cbor_put_array(&w, 4);
    vb_cbor_put_bytes(&w, parts->protected_header, parts->protected_length);
    vb_cbor_put_map(&w, 0);
    vb_cbor_put_bytes(&w, parts->payload, parts->payload_length);
    vb_cbor_put_bytes(&w, parts->signature, parts->signature_length);
    if (w.overflow)
        die("envelope overflow");
    out->length = w.length;
}

/* ---------------------------------------------------------------- claims taken apart */

typedef struct {
    uint8_t key[16];
    size_t key_length;
    uint8_t value[CLAIM_VALUE_MAX];
    size_t value_length;
} claim_entry;

typedef struct {
    claim_entry entries[CLAIM_ENTRIES_MAX];
    size_t count;
} claim_map;

typedef struct {
    uint8_t bytes[CLAIM_VALUE_MAX];
    size_t length;
} cbor_value;

static cbor_value value_from_writer(void (*put)(vb_cbor_writer *, const void *), const void *argument)
{
    cbor_value v;
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, v.bytes, sizeof v.bytes);
    put(&w, argument);
    if (w.overflow)
        die("value overflow");
    v.length = w.length;
    return v;
}

static void put_uint_argument(vb_cbor_writer *w, const void *a) { vb_cbor_put_uint(w, *(const uint64_t *)a); }
static void put_int_argument(vb_cbor_writer *w, const void *a) { vb_cbor_put_int(w, *(const int64_t *)a); }
static void put_text_argument(vb_cbor_writer *w, const void *a) { vb_cbor_put_cstring(w, (const char *)a); }

static cbor_value value_uint(uint64_t u) { return value_from_writer(put_uint_argument, &u); }
static cbor_value value_int(int64_t i) { return value_from_writer(put_int_argument, &i); }
static cbor_value value_text(const char *text) { return value_from_writer(put_text_argument, text); }

static cbor_value value_bytes(const void *bytes, size_t length)
{
    cbor_value v;
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, v.bytes, sizeof v.bytes);
    vb_cbor_put_bytes(&w, bytes, length);
    if (w.overflow)
        die("value overflow");
    v.length = w.length;
    return v;
}

/* Raw bytes written in hex ("f9 3c 00"): for what the writer refuses to make. */
static cbor_value value_hex(const char *hex)
{
    cbor_value v = {.length = 0};
    for (const char *p = hex; *p;) {
        if (*p == ' ') {
            p++;
            continue;
        }
        unsigned byte;
        if (sscanf(p, "%2x", &byte) != 1 || v.length >= sizeof v.bytes)
            die("bad hex \"%s\"", hex);
        v.bytes[v.length++] = (uint8_t)byte;
        p += 2;
    }
    return v;
}

/* A text string with a deliberately long head: the length in `width` extra bytes. */
static cbor_value value_text_long_head(const char *text, int width)
{
    cbor_value v;
    size_t length = strlen(text);
    v.bytes[0] = (uint8_t)(0x60 | (width == 1 ? 24 : width == 2 ? 25 : 26));
    for (int i = 0; i < width; i++)
        v.bytes[1 + i] = (uint8_t)(length >> (8 * (width - 1 - i)));
    memcpy(v.bytes + 1 + width, text, length);
    v.length = 1 + (size_t)width + length;
    return v;
}

static size_t encode_key(int64_t key, uint8_t out[16])
{
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, out, 16);
    vb_cbor_put_int(&w, key);
    return w.length;
}

/* Deterministic order: bytewise on the encoded key, a shorter key first when one is a prefix. */
static int compare_keys(const uint8_t *a, size_t a_length, const uint8_t *b, size_t b_length)
{
    size_t n = a_length < b_length ? a_length : b_length;
    int c = memcmp(a, b, n);
    return c ? c : (a_length > b_length) - (a_length < b_length);
}

static claim_entry *claim_find(claim_map *map, int64_t key)
{
    uint8_t encoded[16];
    size_t length = encode_key(key, encoded);
    for (size_t i = 0; i < map->count; i++)
        if (compare_keys(map->entries[i].key, map->entries[i].key_length, encoded, length) == 0)
            return &map->entries[i];
    return NULL;
}

/* Replaces the value of key, or inserts key at its canonical place. */
static void claim_set(claim_map *map, int64_t key, cbor_value value)
{
    claim_entry *entry = claim_find(map, key);
    if (!entry) {
        uint8_t encoded[16];
        size_t length = encode_key(key, encoded);
        size_t at = 0;
        while (at < map->count && compare_keys(map->entries[at].key, map->entries[at].key_length, encoded, length) < 0)
            at++;
        if (map->count >= CLAIM_ENTRIES_MAX)
            die("too many claims");
        memmove(&map->entries[at + 1], &map->entries[at], (map->count - at) * sizeof map->entries[0]);
        map->count++;
        entry = &map->entries[at];
        memcpy(entry->key, encoded, length);
        entry->key_length = length;
    }
    memcpy(entry->value, value.bytes, value.length);
    entry->value_length = value.length;
}

static void claim_remove(claim_map *map, int64_t key)
{
    claim_entry *entry = claim_find(map, key);
    if (!entry)
        die("claim %lld is not in the map", (long long)key);
    size_t at = (size_t)(entry - map->entries);
    memmove(&map->entries[at], &map->entries[at + 1], (map->count - at - 1) * sizeof map->entries[0]);
    map->count--;
}

static void claim_swap(claim_map *map, int64_t first, int64_t second)
{
    claim_entry *a = claim_find(map, first), *b = claim_find(map, second);
    if (!a || !b)
        die("cannot swap absent claims");
    claim_entry swap = *a;
    *a = *b;
    *b = swap;
}

static void claim_map_parse(const uint8_t *data, size_t length, claim_map *map)
{
    vb_cbor_reader r;
    size_t count;
    memset(map, 0, sizeof *map);
    vb_cbor_reader_init(&r, data, length);
    if (vb_cbor_read_map(&r, &count, NULL) != VB_OK || count > CLAIM_ENTRIES_MAX)
        die("cannot take the claims apart");
    for (size_t i = 0; i < count; i++) {
        claim_entry *entry = &map->entries[i];
        const uint8_t *start = r.pos;
        if (vb_cbor_skip(&r, 1, NULL) != VB_OK)
            die("bad claim key");
        entry->key_length = (size_t)(r.pos - start);
        memcpy(entry->key, start, entry->key_length);
        start = r.pos;
        if (vb_cbor_skip(&r, VB_CBOR_MAX_DEPTH, NULL) != VB_OK)
            die("bad claim value");
        entry->value_length = (size_t)(r.pos - start);
        memcpy(entry->value, start, entry->value_length);
    }
    map->count = count;
}

static void claim_map_from_credential(const vb_credential *credential, claim_map *map)
{
    uint8_t claims[VB_MAX_RECORD_BYTES];
    size_t length;
    vb_error err;
    if (vb_credential_encode(credential, claims, sizeof claims, &length, &err) != VB_OK)
        die("base credential: %s", err.message);
    claim_map_parse(claims, length, map);
}

/* Puts the map back together. head/tail, when given, replace the map head and add bytes after
 * the last entry (indefinite maps, wrong counts, trailing bytes). */
static size_t claim_map_write_with(const claim_map *map, const char *head_hex, const char *tail_hex, uint8_t *out,
                                   size_t size)
{
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, out, size);
    if (head_hex) {
        cbor_value head = value_hex(head_hex);
        vb_cbor_put_raw(&w, head.bytes, head.length);
    } else {
        vb_cbor_put_map(&w, map->count);
    }
    for (size_t i = 0; i < map->count; i++) {
        vb_cbor_put_raw(&w, map->entries[i].key, map->entries[i].key_length);
        vb_cbor_put_raw(&w, map->entries[i].value, map->entries[i].value_length);
    }
    if (tail_hex) {
        cbor_value tail = value_hex(tail_hex);
        vb_cbor_put_raw(&w, tail.bytes, tail.length);
    }
    if (w.overflow)
        die("claims overflow");
    return w.length;
}

static size_t claim_map_write(const claim_map *map, uint8_t *out, size_t size)
{
    return claim_map_write_with(map, NULL, NULL, out, size);
}

/* ---------------------------------------------------------------- output */

static void write_file(const char *path, const void *data, size_t length)
{
    FILE *file = fopen(path, "wbx");
    if (!file)
        die("cannot create %s: %s", path, strerror(errno));
    if (fwrite(data, 1, length, file) != length || fclose(file) != 0)
        die("cannot write %s", path);
}

static void hex_text(const uint8_t *bytes, size_t length, char *out)
{
    for (size_t i = 0; i < length; i++)
        sprintf(out + 2 * i, "%02x", bytes[i]);
    out[2 * length] = '\0';
}

static void json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\u%04x", *p);
        else
            fputc(*p, out);
    }
    fputc('"', out);
}

static void json_date(FILE *out, int32_t days)
{
    int y, m, d;
    vb_civil_from_days(days, &y, &m, &d);
    fprintf(out, "\"%04d-%02d-%02d\"", y, m, d);
}

static void json_optional_int(FILE *out, const char *name, long long value, bool present)
{
    if (present)
        fprintf(out, "  \"%s\": %lld,\n", name, value);
    else
        fprintf(out, "  \"%s\": null,\n", name);
}

/* The decoded fields, one per line, from the credential the record was made from. Dates appear
 * twice: as the claim's day count and as the calendar date it stands for. */
static void write_json(const char *path, const vb_credential *c, int alg, const uint8_t kid[VB_KID_BYTES],
                       size_t record_length)
{
    char hex[2 * VB_MAX_RECORD_ID_BYTES + 1];
    FILE *out = fopen(path, "wx");
    if (!out)
        die("cannot create %s: %s", path, strerror(errno));
    fprintf(out, "{\n  \"alg\": \"%s\",\n", alg == VB_COSE_ALG_ES256 ? "ES256" : "PS256");
    hex_text(kid, VB_KID_BYTES, hex);
    fprintf(out, "  \"kid\": \"%s\",\n", hex);
    fprintf(out, "  \"record_bytes\": %zu,\n", record_length);
    fprintf(out, "  \"iss\": ");
    json_string(out, c->school_code);
    fprintf(out, ",\n  \"iat\": %lld,\n", (long long)c->signed_at);
    hex_text(c->record_id, c->record_id_length, hex);
    fprintf(out, "  \"cti\": \"%s\",\n", hex);
    fprintf(out, "  \"type\": %d,\n  \"serial\": ", c->type);
    json_string(out, c->serial);
    fprintf(out, ",\n  \"register_number\": %u,\n  \"register_year\": %u,\n  \"name\": ", c->register_number,
            c->register_year);
    json_string(out, c->name);
    fprintf(out, ",\n  \"birth_days\": %d,\n  \"birth_date\": ", c->birth_date);
    json_date(out, c->birth_date);
    fprintf(out, ",\n");
    json_optional_int(out, "gender", c->gender, c->gender != 0);
    if (c->program_code[0]) {
        fprintf(out, "  \"program_code\": ");
        json_string(out, c->program_code);
        fprintf(out, ",\n");
    } else {
        fprintf(out, "  \"program_code\": null,\n");
    }
    fprintf(out, "  \"program_name\": ");
    json_string(out, c->program_name);
    fprintf(out, ",\n  \"program_name_from_catalog\": %s,\n", c->program_name_from_catalog ? "true" : "false");
    json_optional_int(out, "classification", c->classification, c->classification != 0);
    json_optional_int(out, "training_mode", c->training_mode, c->training_mode != 0);
    fprintf(out, "  \"issue_days\": %d,\n  \"issue_date\": ", c->issue_date);
    json_date(out, c->issue_date);
    fprintf(out, ",\n  \"issue_place\": ");
    json_string(out, c->issue_place);
    fprintf(out, ",\n  \"kind\": %d,\n", c->kind);
    if (c->supersedes_length) {
        hex_text(c->supersedes, c->supersedes_length, hex);
        fprintf(out, "  \"supersedes\": \"%s\",\n", hex);
    } else {
        fprintf(out, "  \"supersedes\": null,\n");
    }
    json_optional_int(out, "copy_number", c->copy_number, c->copy_number != 0);
    fprintf(out, "  \"high_quality\": %s\n}\n", c->high_quality ? "true" : "false");
    if (fclose(out) != 0)
        die("cannot write %s", path);
}

/* Compares what the verifier decoded with what the record was made from. */
static bool credential_same(const vb_credential *a, const vb_credential *b, char *why, size_t why_size)
{
#define SAME(field, cmp)                                                \
    if (!(cmp)) {                                                       \
        snprintf(why, why_size, "decoded %s differs", #field);          \
        return false;                                                   \
    }
    SAME(iss, strcmp(a->school_code, b->school_code) == 0);
    SAME(iat, a->signed_at == b->signed_at);
    SAME(cti, a->record_id_length == b->record_id_length &&
                  memcmp(a->record_id, b->record_id, a->record_id_length) == 0);
    SAME(type, a->type == b->type);
    SAME(serial, strcmp(a->serial, b->serial) == 0);
    SAME(register_number, a->register_number == b->register_number);
    SAME(register_year, a->register_year == b->register_year);
    SAME(name, strcmp(a->name, b->name) == 0);
    SAME(birth_date, a->birth_date == b->birth_date);
    SAME(gender, a->gender == b->gender);
    SAME(program_code, strcmp(a->program_code, b->program_code) == 0);
    SAME(program_name, strcmp(a->program_name, b->program_name) == 0);
    SAME(program_name_from_catalog, a->program_name_from_catalog == b->program_name_from_catalog);
    SAME(classification, a->classification == b->classification);
    SAME(training_mode, a->training_mode == b->training_mode);
    SAME(issue_date, a->issue_date == b->issue_date);
    SAME(issue_place, strcmp(a->issue_place, b->issue_place) == 0);
    SAME(kind, a->kind == b->kind);
    SAME(supersedes, a->supersedes_length == b->supersedes_length &&
                         memcmp(a->supersedes, b->supersedes, a->supersedes_length) == 0);
    SAME(copy_number, a->copy_number == b->copy_number);
    SAME(high_quality, a->high_quality == b->high_quality);
#undef SAME
    return true;
}

static void manifest_line(vector_context *ctx, const char *relative_path, vb_status expected, const char *description)
{
    fprintf(ctx->manifest, "%s %s %s\n", relative_path, vb_status_name(expected), description);
}

static void check_outcome(vector_context *ctx, const char *relative_path, vb_status expected,
                          const vb_verification *result)
{
    if (result->status != expected) {
        fprintf(stderr, PROGRAM ": %s: expected %s, the library says %s (%s)\n", relative_path,
                vb_status_name(expected), vb_status_name(result->status), result->error.message);
        ctx->failures++;
    }
}

/* Writes one record vector (and, for a valid one, its .json and .link) and checks it. */
static void emit_record(vector_context *ctx, bool valid, const char *name, const vector_bytes *record,
                        vb_status expected, const char *description, const vb_credential *made_from)
{
    char relative[256], path[4400];
    int number = valid ? ++ctx->valid_count : ++ctx->invalid_count;
    const char *folder = valid ? "valid" : "invalid";
    if (valid)
        snprintf(relative, sizeof relative, "valid/%02d-%.200s.cose", number, name);
    else
        snprintf(relative, sizeof relative, "invalid/%03d-%.200s.cose", number, name);
    join_path(path, sizeof path, ctx->out_dir, relative);
    write_file(path, record->bytes, record->length);
    manifest_line(ctx, relative, expected, description);

    vb_verification *result = malloc(sizeof *result);
    if (!result)
        die("out of memory");
    vb_verify_record(&ctx->trust, record->bytes, record->length, result);
    check_outcome(ctx, relative, expected, result);
    if (valid) {
        char why[128];
        if (result->status == VB_OK && !credential_same(&result->credential, made_from, why, sizeof why)) {
            fprintf(stderr, PROGRAM ": %s: %s\n", relative, why);
            ctx->failures++;
        }
        if (result->status == VB_OK && result->program_name_unknown) {
            fprintf(stderr, PROGRAM ": %s: program name not in the catalog\n", relative);
            ctx->failures++;
        }
        vb_cose_sign1 message;
        vb_credential decoded;
        vb_error err;
        if (vb_record_decode(record->bytes, record->length, &message, &decoded, &err) != VB_OK)
            die("%s: %s", relative, err.message);
        snprintf(relative, sizeof relative, "%s/%02d-%.200s.json", folder, number, name);
        join_path(path, sizeof path, ctx->out_dir, relative);
        write_json(path, made_from, message.alg, message.kid, record->length);

        char link[VB_MAX_LINK_CHARS + 1];
        size_t prefix_length;
        if (vb_link_encode(VECTOR_BASE_URL, record->bytes, record->length, link, sizeof link, &prefix_length, &err) !=
            VB_OK)
            die("%s: link: %s", relative, err.message);
        snprintf(relative, sizeof relative, "%s/%02d-%.200s.link", folder, number, name);
        join_path(path, sizeof path, ctx->out_dir, relative);
        write_file(path, link, strlen(link));
        vb_verify_link(&ctx->trust, link, strlen(link), result);
        check_outcome(ctx, relative, expected, result);
    }
    free(result);
}

/* Writes one link vector (no newline: the file holds the link text exactly) and checks it. */
static void emit_link(vector_context *ctx, bool valid, const char *name, const char *text, vb_status expected,
                      const char *description)
{
    char relative[256], path[4400];
    int number = valid ? ++ctx->valid_count : ++ctx->invalid_count;
    if (valid)
        snprintf(relative, sizeof relative, "valid/%02d-%.200s.link", number, name);
    else
        snprintf(relative, sizeof relative, "invalid/%03d-%.200s.link", number, name);
    join_path(path, sizeof path, ctx->out_dir, relative);
    write_file(path, text, strlen(text));
    manifest_line(ctx, relative, expected, description);

    vb_verification *result = malloc(sizeof *result);
    if (!result)
        die("out of memory");
    vb_verify_link(&ctx->trust, text, strlen(text), result);
    check_outcome(ctx, relative, expected, result);
    free(result);
}

/* ---------------------------------------------------------------- credentials */

static int32_t day(int year, int month, int day_of_month) { return vb_days_from_civil(year, month, day_of_month); }

/* The signing time of vector n by signer: n hours into the certificate's life. Fixed by the keys,
 * so the same keys give the same claims. */
static int64_t signing_time(const vector_signer *signer, int n) { return signer->not_before + 3600 * (int64_t)n; }

/* A typical college diploma of school A: every optional printed field that a diploma commonly
 * carries, so the invalid vectors have something to spoil. */
static void credential_base(vb_credential *c, const vector_signer *signer, uint8_t record_id, int n)
{
    memset(c, 0, sizeof *c);
    snprintf(c->school_code, sizeof c->school_code, "%s", signer->school_code);
    c->signed_at = signing_time(signer, n);
    c->record_id[0] = record_id;
    c->record_id_length = 1;
    c->type = VB_TYPE_COLLEGE;
    snprintf(c->serial, sizeof c->serial, "1234567");
    c->register_number = 1201;
    snprintf(c->name, sizeof c->name, "Nguyễn Văn An");
    c->birth_date = day(2005, 3, 9);
    c->gender = VB_GENDER_MALE;
    snprintf(c->program_code, sizeof c->program_code, "6480202");
    snprintf(c->program_name, sizeof c->program_name, "Công nghệ thông tin (Ứng dụng phần mềm)");
    c->classification = VB_CLASS_VERY_GOOD;
    c->training_mode = VB_MODE_FULL_TIME;
    c->issue_date = day(2026, 7, 15);
    c->register_year = 2026;
    snprintf(c->issue_place, sizeof c->issue_place, "Hà Nội");
    c->kind = VB_KIND_ORIGINAL;
}

/* Text of exactly `bytes` bytes: copies of pattern, then ASCII letters to make up the count. */
static void fill_text(char *out, size_t size, const char *pattern, size_t bytes)
{
    size_t length = 0, pattern_length = strlen(pattern);
    if (bytes >= size)
        die("fill_text: %zu bytes do not fit", bytes);
    while (length + pattern_length <= bytes) {
        memcpy(out + length, pattern, pattern_length);
        length += pattern_length;
    }
    while (length < bytes)
        out[length++] = 'a';
    out[length] = '\0';
    if (out[length - 1] == ' ')
        out[length - 1] = 'a';
}

/* ---------------------------------------------------------------- records */

/* The issuer's own path: vb_record_sign with a vb_cose_signer. */
static void record_from_credential(vector_bytes *out, const vector_signer *signer, const vb_credential *credential)
{
    vb_cose_signer cose_signer;
    vb_error err;
    if (vb_cose_signer_init(&cose_signer, signer->key, signer->kid, &err) != VB_OK ||
        vb_record_sign(&cose_signer, credential, out->bytes, sizeof out->bytes, &out->length, &err) != VB_OK)
        die("signing with %s: %s", signer->file_stem, err.message);
    vb_cose_signer_free(&cose_signer);
}

static void record_from_claims(vector_bytes *out, const vector_signer *signer, const uint8_t *claims, size_t length)
{
    cose_parts parts;
    parts_make(&parts, signer, claims, length);
    envelope_write(out, &parts);
}

static void record_from_map(vector_bytes *out, const vector_signer *signer, const claim_map *map)
{
    uint8_t claims[VECTOR_BYTES_MAX];
    size_t length = claim_map_write(map, claims, sizeof claims);
    record_from_claims(out, signer, claims, length);
}

static void emit_valid(vector_context *ctx, const char *name, const vb_credential *credential,
                       const vector_signer *signer, const char *description)
{
    vector_bytes record;
    record_from_credential(&record, signer, credential);
    emit_record(ctx, true, name, &record, VB_OK, description, credential);
}

/* Adds an unknown claim -20 holding a byte string sized so the whole record is `target` bytes. */
static void pad_to_size(claim_map *map, const vector_signer *signer, size_t target)
{
    static uint8_t padding[VECTOR_BYTES_MAX];
    size_t padding_length = 0;
    vector_bytes record;
    memset(padding, 0xa5, sizeof padding);
    for (int attempt = 0; attempt < 8; attempt++) {
        claim_set(map, -20, value_bytes(padding, padding_length));
        record_from_map(&record, signer, map);
        if (record.length == target)
            return;
        padding_length = padding_length + target - record.length;
    }
    die("cannot pad a record to %zu bytes", target);
}

/* ---------------------------------------------------------------- valid vectors */

static void make_valid(vector_context *ctx, vector_bytes *first_record)
{
    const vector_signer *a = &ctx->school_a, *b = &ctx->school_b;
    vb_credential c;
    claim_map map;
    vector_bytes record;

    credential_base(&c, a, 0x01, 1);
    record_from_credential(first_record, a, &c);
    emit_record(ctx, true, "college-es256", first_record, VB_OK,
                "ES256 college diploma (type 1): serial 1234567 as uint, program code as uint with its name, "
                "gender, classification, training mode",
                &c);

    credential_base(&c, b, 0x02, 2);
    c.type = VB_TYPE_INTERMEDIATE;
    snprintf(c.serial, sizeof c.serial, "2026000123");
    c.register_number = 88;
    snprintf(c.name, sizeof c.name, "Trần Thị Bích Ngọc");
    c.birth_date = day(2007, 11, 30);
    c.gender = VB_GENDER_FEMALE;
    snprintf(c.program_code, sizeof c.program_code, "0520227");
    snprintf(c.program_name, sizeof c.program_name, "Điện công nghiệp");
    c.classification = VB_CLASS_GOOD;
    c.training_mode = VB_MODE_WORK_STUDY;
    snprintf(c.issue_place, sizeof c.issue_place, "Bắc Ninh");
    emit_valid(ctx, "intermediate-ps256", &c, b,
               "PS256 (RSA-2048) intermediate diploma (type 2): 10-digit serial as uint, program code with a "
               "leading zero as text");

    credential_base(&c, a, 0x03, 3);
    c.type = VB_TYPE_VOCATIONAL_SECONDARY;
    snprintf(c.name, sizeof c.name, "Lê Minh Khoa");
    c.register_number = 4521;
    c.register_year = 2025;
    c.issue_date = day(2026, 5, 20);
    c.program_code[0] = '\0';
    snprintf(c.program_name, sizeof c.program_name, "Điện dân dụng");
    c.classification = VB_CLASS_AVERAGE;
    emit_valid(ctx, "vocational-secondary-register-year", &c, a,
               "vocational upper-secondary diploma (type 3): register year 2025 differs from the 2026 issue "
               "date, so claim -4 is present; no program code");

    credential_base(&c, a, 0x04, 4);
    c.type = VB_TYPE_ELEMENTARY;
    snprintf(c.serial, sizeof c.serial, "SC-00077");
    snprintf(c.name, sizeof c.name, "Phạm Thị Hoa");
    c.birth_date = day(1962, 3, 15);
    c.gender = VB_GENDER_FEMALE;
    c.program_code[0] = '\0';
    snprintf(c.program_name, sizeof c.program_name, "Kỹ thuật chế biến món ăn");
    c.classification = VB_CLASS_NONE;
    c.training_mode = VB_MODE_NONE;
    emit_valid(ctx, "elementary-born-1962", &c, a,
               "elementary certificate (type 4): born 1962-03-15, a negative day count; no classification or "
               "training mode");

    credential_base(&c, a, 0x05, 5);
    c.type = VB_TYPE_OTHER_CERTIFICATE;
    snprintf(c.serial, sizeof c.serial, "CC-2026-0042");
    snprintf(c.name, sizeof c.name, "Võ Thành Đạt");
    c.gender = VB_GENDER_NONE;
    c.program_code[0] = '\0';
    snprintf(c.program_name, sizeof c.program_name, "Tin học ứng dụng cơ bản");
    c.classification = VB_CLASS_NONE;
    c.training_mode = VB_MODE_NONE;
    emit_valid(ctx, "training-certificate", &c, a,
               "training certificate (type 5): only the required claims, course name as program name");

    credential_base(&c, a, 0x06, 6);
    snprintf(c.name, sizeof c.name, "Đỗ Thu Trang");
    c.gender = VB_GENDER_FEMALE;
    snprintf(c.program_code, sizeof c.program_code, "6340301");
    snprintf(c.program_name, sizeof c.program_name, "Kế toán");
    c.program_name_from_catalog = true;
    emit_valid(ctx, "program-name-from-catalog", &c, a,
               "program code 6340301 as uint and no claim -9: the name (Kế toán) comes from the trust list's "
               "catalog");

    credential_base(&c, a, 0x07, 7);
    c.birth_date = day(2005, 3, 19);
    c.kind = VB_KIND_CORRECTION;
    c.supersedes[0] = 0x01;
    c.supersedes_length = 1;
    emit_valid(ctx, "correction", &c, a,
               "correction (kind 2) superseding record id 01 (the first valid vector), corrected birth date");

    credential_base(&c, a, 0x08, 8);
    c.kind = VB_KIND_COPY;
    c.copy_number = 2;
    emit_valid(ctx, "copy-from-register", &c, a, "copy from the register (kind 3), copy number 2");

    credential_base(&c, a, 0x09, 9);
    snprintf(c.name, sizeof c.name, "Hoàng Quốc Việt");
    snprintf(c.program_code, sizeof c.program_code, "6510303");
    snprintf(c.program_name, sizeof c.program_name, "Công nghệ kỹ thuật điện, điện tử");
    c.classification = VB_CLASS_EXCELLENT;
    c.high_quality = true;
    emit_valid(ctx, "high-quality", &c, a,
               "high-quality program flag (-17 true), classification Xuất sắc; program name given although the "
               "catalog has it (allowed)");

    credential_base(&c, a, 0x0a, 10);
    snprintf(c.serial, sizeof c.serial, "CĐ 0012345");
    emit_valid(ctx, "serial-text-with-letters", &c, a,
               "serial with letters, a space and a leading-zero number (CĐ 0012345) as text");

    credential_base(&c, a, 0x0b, 11);
    snprintf(c.name, sizeof c.name, "Tôn Nữ Thị Hoàng Diễm Phượng Quỳnh Hương Ưng Ẩn Đặng");
    c.gender = VB_GENDER_FEMALE;
    c.program_code[0] = '\0';
    snprintf(c.program_name, sizeof c.program_name, "Kỹ thuật máy lạnh và điều hòa không khí");
    snprintf(c.issue_place, sizeof c.issue_place, "Thành phố Hồ Chí Minh");
    emit_valid(ctx, "vietnamese-diacritics", &c, a,
               "name, program and place with many Vietnamese diacritics, all precomposed (NFC)");

    credential_base(&c, a, 0x0c, 12);
    claim_map_from_credential(&c, &map);
    claim_set(&map, -20, value_text("Ghi chú in thêm ở mặt sau"));
    claim_set(&map, -21, value_hex("a2 01 82 01 02 02 f5"));
    record_from_map(&record, a, &map);
    emit_record(ctx, true, "unknown-claims-ignored", &record, VB_OK,
                "unknown claims -20 (text) and -21 (a map holding an array), not listed in -24: ignored", &c);

    credential_base(&c, a, 0x0d, 13);
    c.high_quality = true;
    claim_map_from_credential(&c, &map);
    claim_set(&map, VB_CLAIM_CRITICAL, value_hex("81 30"));
    record_from_map(&record, a, &map);
    emit_record(ctx, true, "critical-lists-known-claim", &record, VB_OK,
                "-24 lists -17 (high quality), a claim the verifier understands: accepted", &c);

    credential_base(&c, a, 0x0e, 14);
    c.signed_at = a->not_before;
    emit_valid(ctx, "iat-at-certificate-start", &c, a, "iat equals the signer certificate's notBefore (inclusive)");

    credential_base(&c, a, 0x0f, 15);
    c.signed_at = a->not_after;
    emit_valid(ctx, "iat-at-certificate-end", &c, a, "iat equals the signer certificate's notAfter (inclusive)");

    credential_base(&c, a, 0x10, 16);
    for (int i = 0; i < VB_MAX_RECORD_ID_BYTES; i++)
        c.record_id[i] = (uint8_t)(0xf0 + i);
    c.record_id_length = VB_MAX_RECORD_ID_BYTES;
    fill_text(c.serial, sizeof c.serial, "SỐ-", 64);
    fill_text(c.name, sizeof c.name, "Nguyễn Đặng ", VB_MAX_TEXT_BYTES);
    fill_text(c.program_name, sizeof c.program_name, "Công nghệ ", VB_MAX_TEXT_BYTES);
    fill_text(c.issue_place, sizeof c.issue_place, "Hà Nội ", VB_MAX_TEXT_BYTES);
    emit_valid(ctx, "longest-fields", &c, a,
               "every limit reached: record id 16 bytes, serial 64 bytes, name, program name and place 255 bytes");

    credential_base(&c, a, 0x11, 17);
    claim_map_from_credential(&c, &map);
    pad_to_size(&map, a, VB_MAX_RECORD_BYTES);
    record_from_map(&record, a, &map);
    emit_record(ctx, true, "largest-record-1024-bytes", &record, VB_OK,
                "a record of exactly 1024 bytes (an unknown claim -20 pads it)", &c);
}

/* Other spellings of the first valid record's link that a decoder must accept (FORMAT.md §2). */
static void make_valid_links(vector_context *ctx, const vector_bytes *record)
{
    char link[VB_MAX_LINK_CHARS + 64];
    size_t prefix_length;
    vb_error err;
    if (vb_link_encode(VECTOR_BASE_URL, record->bytes, record->length, link, VB_MAX_LINK_CHARS + 1, &prefix_length,
                       &err) != VB_OK)
        die("link: %s", err.message);
    const char *digits = link + prefix_length;
    char text[VB_MAX_LINK_CHARS + 64];

    snprintf(text, sizeof text, "%s", digits);
    emit_link(ctx, true, "link-digits-only", text, VB_OK, "the first valid record as bare digits, without a URL");
    snprintf(text, sizeof text, "%s%s", VECTOR_BASE_URL, digits);
    emit_link(ctx, true, "link-lowercase-base", text, VB_OK,
              "the first valid record under the base as given, not uppercased");
    snprintf(text, sizeof text, "HtTpS://xacthuc.example.edu.vn/V/%s?src=qr#top", digits);
    emit_link(ctx, true, "link-mixed-case-query-fragment", text, VB_OK,
              "mixed-case scheme, a query and a fragment after the digits");
}

/* ---------------------------------------------------------------- invalid vectors */

/* What the invalid vectors start from: a valid record of school A, in pieces. */
typedef struct {
    vector_context *ctx;
    const vector_signer *signer;
    vb_credential credential;
    claim_map map;
    cose_parts parts;
    vector_bytes record;
} invalid_base;

static void emit_invalid(invalid_base *base, const char *name, const vector_bytes *record, vb_status expected,
                         const char *description)
{
    emit_record(base->ctx, false, name, record, expected, description, NULL);
}

/* Claims spoilt at the CBOR level, then signed properly by school A. */
static void emit_invalid_claims(invalid_base *base, const char *name, const claim_map *map, const char *head_hex,
                                const char *tail_hex, vb_status expected, const char *description)
{
    uint8_t claims[VECTOR_BYTES_MAX];
    size_t length = claim_map_write_with(map, head_hex, tail_hex, claims, sizeof claims);
    vector_bytes record;
    record_from_claims(&record, base->signer, claims, length);
    emit_invalid(base, name, &record, expected, description);
}

static void emit_invalid_map(invalid_base *base, const char *name, const claim_map *map, vb_status expected,
                             const char *description)
{
    emit_invalid_claims(base, name, map, NULL, NULL, expected, description);
}

static void emit_invalid_parts(invalid_base *base, const char *name, const cose_parts *parts, vb_status expected,
                               const char *description)
{
    vector_bytes record;
    envelope_write(&record, parts);
    emit_invalid(base, name, &record, expected, description);
}

/* The base record with other bytes before, instead of, or after some of it. */
static void emit_invalid_spliced(invalid_base *base, const char *name, const char *prefix_hex, size_t skip,
                                 size_t drop_tail, const char *suffix_hex, vb_status expected, const char *description)
{
    vector_bytes record = {.length = 0};
    cbor_value prefix = value_hex(prefix_hex ? prefix_hex : ""), suffix = value_hex(suffix_hex ? suffix_hex : "");
    memcpy(record.bytes, prefix.bytes, prefix.length);
    record.length = prefix.length;
    size_t body = base->record.length - skip - drop_tail;
    memcpy(record.bytes + record.length, base->record.bytes + skip, body);
    record.length += body;
    memcpy(record.bytes + record.length, suffix.bytes, suffix.length);
    record.length += suffix.length;
    emit_invalid(base, name, &record, expected, description);
}

/* A protected header written from a hex template in which "K" stands for the 8-byte kid of
 * school A (as a whole byte string, head included), then the record signed under it. */
static void emit_invalid_protected(invalid_base *base, const char *name, const char *template, vb_status expected,
                                   const char *description)
{
    cose_parts parts = base->parts;
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, parts.protected_header, sizeof parts.protected_header);
    for (const char *p = template; *p;) {
        if (*p == ' ') {
            p++;
        } else if (*p == 'K') {
            vb_cbor_put_bytes(&w, base->signer->kid, VB_KID_BYTES);
            p++;
        } else {
            unsigned byte;
            if (sscanf(p, "%2x", &byte) != 1)
                die("bad template \"%s\"", template);
            uint8_t b = (uint8_t)byte;
            vb_cbor_put_raw(&w, &b, 1);
            p += 2;
        }
    }
    if (w.overflow)
        die("protected template overflow");
    parts.protected_length = w.length;
    parts_sign(&parts, base->signer->key);
    emit_invalid_parts(base, name, &parts, expected, description);
}

/* Writes an envelope with any of its four items replaced by raw hex (NULL keeps the base's). */
static void emit_invalid_envelope(invalid_base *base, const char *name, const char *array_head_hex,
                                  const char *protected_hex, const char *unprotected_hex, const char *payload_hex,
                                  const char *signature_hex, const char *extra_hex, vb_status expected,
                                  const char *description)
{
    vector_bytes record;
    vb_cbor_writer w;
    const cose_parts *parts = &base->parts;
    cbor_value v;
    vb_cbor_writer_init(&w, record.bytes, sizeof record.bytes);
    vb_cbor_put_tag(&w, VB_COSE_SIGN1_TAG);
#define RAW_OR(hex, default_put)                        \
    if (hex) {                                          \
        v = value_hex(hex);                             \
        vb_cbor_put_raw(&w, v.bytes, v.length);         \
    } else {                                            \
        default_put;                                    \
    }
    RAW_OR(array_head_hex, vb_cbor_put_array(&w, 4));
    RAW_OR(protected_hex, vb_cbor_put_bytes(&w, parts->protected_header, parts->protected_length));
    RAW_OR(unprotected_hex, vb_cbor_put_map(&w, 0));
    RAW_OR(payload_hex, vb_cbor_put_bytes(&w, parts->payload, parts->payload_length));
    RAW_OR(signature_hex, vb_cbor_put_bytes(&w, parts->signature, parts->signature_length));
    RAW_OR(extra_hex, (void)0);
#undef RAW_OR
    if (w.overflow)
        die("envelope overflow");
    record.length = w.length;
    emit_invalid(base, name, &record, expected, description);
}

static char *hex_of(const uint8_t *bytes, size_t length, char *out)
{
    hex_text(bytes, length, out);
    return out;
}

static void make_invalid_envelope(invalid_base *base)
{
    const cose_parts *parts = &base->parts;
    char hex[2 * VECTOR_BYTES_MAX + 64], scratch[2 * VECTOR_BYTES_MAX + 1];
    claim_map map;

    /* too-large: checked before anything is decoded. */
    map = base->map;
    pad_to_size(&map, base->signer, VB_MAX_RECORD_BYTES + 1);
    emit_invalid_map(base, "record-1025-bytes", &map, VB_ERR_TOO_LARGE,
                     "a properly signed record of 1025 bytes, one over the limit");

    /* cbor-truncated */
    emit_invalid_spliced(base, "truncated-last-byte", NULL, 0, 1, NULL, VB_ERR_CBOR_TRUNCATED,
                         "the last byte of a valid record cut off: the signature runs past the end");
    emit_invalid_spliced(base, "truncated-after-tag", NULL, 0, base->record.length - 1, NULL,
                         VB_ERR_CBOR_TRUNCATED, "only the tag byte d2; the array is missing");
    emit_invalid_spliced(base, "truncated-inside-protected", NULL, 0, base->record.length - 5, NULL,
                         VB_ERR_CBOR_TRUNCATED, "cut five bytes in, inside the protected header byte string");

    /* cbor-noncanonical (envelope) */
    emit_invalid_spliced(base, "noncanonical-tag-two-bytes", "d8 12", 1, 0, NULL, VB_ERR_CBOR_NONCANONICAL,
                         "tag 18 written d8 12 instead of d2");
    snprintf(hex, sizeof hex, "59 %04zx %s", parts->payload_length,
             hex_of(parts->payload, parts->payload_length, scratch));
    emit_invalid_envelope(base, "noncanonical-payload-length", NULL, NULL, NULL, hex, NULL, NULL,
                          VB_ERR_CBOR_NONCANONICAL,
                          "payload byte string length in two bytes (59 00 xx) though it fits in one; the "
                          "signature is still right");

    /* cbor-indefinite (envelope) */
    emit_invalid_envelope(base, "indefinite-array", "9f", NULL, NULL, NULL, NULL, "ff", VB_ERR_CBOR_INDEFINITE,
                          "the COSE_Sign1 array written with indefinite length (9f ... ff)");

    /* cbor-trailing (envelope) */
    emit_invalid_spliced(base, "trailing-byte-after-record", NULL, 0, 0, "00", VB_ERR_CBOR_TRAILING,
                         "a valid record followed by one byte 00");

    /* cose-tag */
    emit_invalid_spliced(base, "untagged", NULL, 1, 0, NULL, VB_ERR_COSE_TAG,
                         "the COSE_Sign1 array without tag 18 (an untagged message)");
    emit_invalid_spliced(base, "tag-17-mac0", "d1", 1, 0, NULL, VB_ERR_COSE_TAG, "tag 17 (COSE_Mac0) instead of 18");
    emit_invalid_spliced(base, "tag-98-sign", "d8 62", 1, 0, NULL, VB_ERR_COSE_TAG,
                         "tag 98 (COSE_Sign) instead of 18");
    emit_invalid_spliced(base, "cwt-tag-61-wrapper", "d8 3d", 0, 0, NULL, VB_ERR_COSE_TAG,
                         "a valid record wrapped in the CWT tag 61: the record must start with tag 18");

    /* cose-structure */
    emit_invalid_envelope(base, "array-of-3", "83", NULL, NULL, NULL, "", NULL, VB_ERR_COSE_STRUCTURE,
                          "an array of 3: the signature is missing");
    emit_invalid_envelope(base, "array-of-5", "85", NULL, NULL, NULL, NULL, "40", VB_ERR_COSE_STRUCTURE,
                          "an array of 5: an empty byte string after the signature");
    emit_invalid_spliced(base, "tag-holds-map", "d2 a0", base->record.length, 0, NULL, VB_ERR_COSE_STRUCTURE,
                         "tag 18 holding an empty map instead of an array");
    snprintf(hex, sizeof hex, "78 40 %s", hex_of(parts->signature, 64, scratch));
    for (char *p = hex + 6; *p; p += 2) /* any ASCII will do, as long as the text is valid UTF-8 */
        p[0] = '4', p[1] = '1';
    emit_invalid_envelope(base, "signature-as-text", NULL, NULL, NULL, NULL, hex, NULL, VB_ERR_COSE_STRUCTURE,
                          "the signature is a 64-character text string, not a byte string");

    /* cose-protected */
    snprintf(hex, sizeof hex, "%s", hex_of(parts->protected_header, parts->protected_length, scratch));
    emit_invalid_envelope(base, "protected-is-map", NULL, hex, NULL, NULL, NULL, NULL, VB_ERR_COSE_PROTECTED,
                          "protected header written as a map, not a byte string holding one");
    emit_invalid_protected(base, "protected-empty", "", VB_ERR_COSE_PROTECTED,
                           "protected header is an empty byte string (alg and kid unprotected or absent)");
    emit_invalid_protected(base, "protected-holds-array", "82 01 26", VB_ERR_COSE_PROTECTED,
                           "protected header byte string holds an array, not a map");
    emit_invalid_protected(base, "protected-text-label", "a3 01 26 04 K 63 6b 69 64 01", VB_ERR_COSE_PROTECTED,
                           "protected header has a text label \"kid\" besides 1 and 4");

    /* CBOR faults inside the protected header */
    emit_invalid_protected(base, "protected-duplicate-label", "a3 01 26 01 26 04 K", VB_ERR_CBOR_DUPLICATE_KEY,
                           "protected header lists alg (1) twice");
    emit_invalid_protected(base, "protected-key-order", "a2 04 K 01 26", VB_ERR_CBOR_KEY_ORDER,
                           "protected header has kid (4) before alg (1)");
    emit_invalid_protected(base, "protected-trailing-byte", "a2 01 26 04 K 00", VB_ERR_CBOR_TRAILING,
                           "protected header byte string holds the map and then one byte 00");
    emit_invalid_protected(base, "protected-noncanonical-alg", "a2 01 38 06 04 K", VB_ERR_CBOR_NONCANONICAL,
                           "alg -7 written 38 06 instead of 26");
    emit_invalid_protected(base, "protected-deep-nesting", "a3 01 26 04 K 18 21 81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 00",
                           VB_ERR_CBOR_DEPTH,
                           "an extra protected label 33 holding 16 nested arrays; far deeper than the format "
                           "allows");

    /* cose-critical */
    emit_invalid_protected(base, "protected-crit", "a4 01 26 02 81 18 63 04 K 18 63 00", VB_ERR_COSE_CRITICAL,
                           "protected header has crit (2) = [99] and a label 99");

    /* cose-alg-missing, cose-alg-unsupported */
    emit_invalid_protected(base, "alg-missing", "a1 04 K", VB_ERR_COSE_ALG_MISSING, "protected header holds only the kid");
    emit_invalid_protected(base, "alg-eddsa", "a2 01 27 04 K", VB_ERR_COSE_ALG_UNSUPPORTED,
                           "alg -8 (EdDSA), not admitted");
    emit_invalid_protected(base, "alg-es384", "a2 01 38 22 04 K", VB_ERR_COSE_ALG_UNSUPPORTED,
                           "alg -35 (ES384), not admitted");
    emit_invalid_protected(base, "alg-rs256", "a2 01 39 01 00 04 K", VB_ERR_COSE_ALG_UNSUPPORTED,
                           "alg -257 (RS256, RSASSA-PKCS1-v1_5): RSA must be PS256");
    emit_invalid_protected(base, "alg-as-text", "a2 01 65 45 53 32 35 36 04 K", VB_ERR_COSE_ALG_UNSUPPORTED,
                           "alg written as the text \"ES256\" instead of -7");

    /* cose-kid-missing, cose-kid-size */
    emit_invalid_protected(base, "kid-missing", "a1 01 26", VB_ERR_COSE_KID_MISSING, "protected header holds only alg");
    snprintf(hex, sizeof hex, "a2 01 26 04 47 %s", hex_of(base->signer->kid, 7, scratch));
    emit_invalid_protected(base, "kid-7-bytes", hex, VB_ERR_COSE_KID_SIZE, "kid of 7 bytes (the signer's, cut short)");
    snprintf(hex, sizeof hex, "a2 01 26 04 49 %s 00", hex_of(base->signer->kid, 8, scratch));
    emit_invalid_protected(base, "kid-9-bytes", hex, VB_ERR_COSE_KID_SIZE, "kid of 9 bytes (the signer's and 00)");
    {
        unsigned char *der = NULL;
        uint8_t digest[32];
        int der_length = i2d_X509(base->signer->certificate, &der);
        EVP_Digest(der, (size_t)der_length, digest, NULL, EVP_sha256(), NULL);
        OPENSSL_free(der);
        snprintf(hex, sizeof hex, "a2 01 26 04 58 20 %s", hex_of(digest, 32, scratch));
        emit_invalid_protected(base, "kid-32-bytes", hex, VB_ERR_COSE_KID_SIZE,
                               "kid is the whole SHA-256 of the certificate (32 bytes), not its first 8");
    }

    /* cose-unprotected */
    snprintf(hex, sizeof hex, "a1 04 48 %s", hex_of(base->signer->kid, 8, scratch));
    emit_invalid_envelope(base, "unprotected-kid", NULL, NULL, hex, NULL, NULL, NULL, VB_ERR_COSE_UNPROTECTED,
                          "unprotected header repeats the kid");
    emit_invalid_envelope(base, "unprotected-alg", NULL, NULL, "a1 01 26", NULL, NULL, NULL, VB_ERR_COSE_UNPROTECTED,
                          "unprotected header holds alg -7");
    emit_invalid_envelope(base, "unprotected-not-map", NULL, NULL, "40", NULL, NULL, NULL, VB_ERR_COSE_UNPROTECTED,
                          "unprotected header is an empty byte string, not an empty map");

    /* cose-payload */
    emit_invalid_envelope(base, "payload-nil", NULL, NULL, NULL, "f6", NULL, NULL, VB_ERR_COSE_PAYLOAD,
                          "payload nil (detached)");
    snprintf(hex, sizeof hex, "%s", hex_of(parts->payload, parts->payload_length, scratch));
    emit_invalid_envelope(base, "payload-not-wrapped", NULL, NULL, NULL, hex, NULL, NULL, VB_ERR_COSE_PAYLOAD,
                          "the claims map put in the array directly instead of inside a byte string");
    emit_invalid_envelope(base, "payload-text", NULL, NULL, NULL, "62 7b 7d", NULL, NULL, VB_ERR_COSE_PAYLOAD,
                          "payload is a text string");

    /* cose-signature-size */
    snprintf(hex, sizeof hex, "58 3f %s", hex_of(parts->signature, 63, scratch));
    emit_invalid_envelope(base, "es256-signature-63-bytes", NULL, NULL, NULL, NULL, hex, NULL,
                          VB_ERR_COSE_SIGNATURE_SIZE, "ES256 signature of 63 bytes (last byte cut)");
    snprintf(hex, sizeof hex, "58 41 %s 00", hex_of(parts->signature, 64, scratch));
    emit_invalid_envelope(base, "es256-signature-65-bytes", NULL, NULL, NULL, NULL, hex, NULL,
                          VB_ERR_COSE_SIGNATURE_SIZE, "ES256 signature of 65 bytes (a byte 00 appended)");
    {
        uint8_t digest[32], der[128];
        vb_cose_sig_structure_hash(parts->protected_header, parts->protected_length, parts->payload,
                                   parts->payload_length, digest);
        size_t der_length = sign_digest(base->signer->key, digest, true, der, sizeof der);
        snprintf(hex, sizeof hex, "58 %02zx %s", der_length, hex_of(der, der_length, scratch));
        emit_invalid_envelope(base, "es256-signature-der", NULL, NULL, NULL, NULL, hex, NULL,
                              VB_ERR_COSE_SIGNATURE_SIZE,
                              "ES256 signature in DER (ECDSA-Sig-Value) as OpenSSL makes it, not raw r||s");
    }
}

static void make_invalid_claims_cbor(invalid_base *base)
{
    claim_map map;
    char hex[64];

    map = base->map;
    if (map.count + 1 >= 24)
        die("the base claims map has too many entries for a one-byte head");
    snprintf(hex, sizeof hex, "%02zx", 0xa0 + map.count + 1);
    emit_invalid_claims(base, "truncated-claims-count", &map, hex, NULL, VB_ERR_CBOR_TRUNCATED,
                        "the claims map says one more pair than it holds (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_NAME, value_hex("78 ff 4e"));
    claim_remove(&map, VB_CLAIM_ISSUE_PLACE);
    claim_remove(&map, VB_CLAIM_ISSUE_DATE);
    claim_remove(&map, VB_CLAIM_TRAINING_MODE);
    claim_remove(&map, VB_CLAIM_CLASSIFICATION);
    claim_remove(&map, VB_CLAIM_PROGRAM_NAME);
    claim_remove(&map, VB_CLAIM_PROGRAM_CODE);
    claim_remove(&map, VB_CLAIM_GENDER);
    claim_remove(&map, VB_CLAIM_BIRTH_DATE);
    emit_invalid_claims(base, "truncated-text-in-claims", &map, NULL, NULL, VB_ERR_CBOR_TRUNCATED,
                        "the name (-5), the last claim, says 255 bytes of text but the payload ends after 1 "
                        "(signed)");

    map = base->map;
    snprintf(hex, sizeof hex, "1b 00 00 00 00 %08llx", (unsigned long long)base->credential.signed_at);
    claim_set(&map, VB_CLAIM_IAT, value_hex(hex));
    emit_invalid_map(base, "noncanonical-iat", &map, VB_ERR_CBOR_NONCANONICAL,
                     "iat written in 8 bytes (1b) though it fits in 4 (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_NAME, value_text_long_head(base->credential.name, 2));
    emit_invalid_map(base, "noncanonical-text-length", &map, VB_ERR_CBOR_NONCANONICAL,
                     "the name's length written in two bytes (79 00 xx) though it fits in one (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_TYPE, value_hex("18 01"));
    emit_invalid_map(base, "noncanonical-small-int", &map, VB_ERR_CBOR_NONCANONICAL,
                     "type 1 written 18 01 instead of 01 (signed)");

    map = base->map;
    emit_invalid_claims(base, "indefinite-claims-map", &map, "bf", "ff", VB_ERR_CBOR_INDEFINITE,
                        "the claims map written with indefinite length (bf ... ff) (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_NAME, value_hex("7f 68 4e 67 75 79 e1 bb 85 6e 68 20 56 c4 83 6e 20 41 6e ff"));
    emit_invalid_map(base, "indefinite-text", &map, VB_ERR_CBOR_INDEFINITE,
                     "the name written as an indefinite-length text string of chunks (signed)");

    map = base->map;
    {
        claim_entry *entry = claim_find(&map, VB_CLAIM_NAME);
        size_t at = (size_t)(entry - map.entries);
        memmove(&map.entries[at + 1], &map.entries[at], (map.count - at) * sizeof map.entries[0]);
        map.count++;
    }
    emit_invalid_map(base, "duplicate-claim", &map, VB_ERR_CBOR_DUPLICATE_KEY,
                     "the name (-5) twice, one after the other (signed)");
    map = base->map;
    claim_swap(&map, VB_CLAIM_TYPE, VB_CLAIM_SERIAL);
    emit_invalid_map(base, "key-order-negative", &map, VB_ERR_CBOR_KEY_ORDER,
                     "serial (-2) before type (-1) (signed)");
    map = base->map;
    claim_swap(&map, VB_CLAIM_ISS, VB_CLAIM_IAT);
    emit_invalid_map(base, "key-order-positive", &map, VB_ERR_CBOR_KEY_ORDER, "iat (6) before iss (1) (signed)");
    map = base->map;
    claim_swap(&map, VB_CLAIM_CTI, VB_CLAIM_TYPE);
    emit_invalid_map(base, "key-order-by-value", &map, VB_ERR_CBOR_KEY_ORDER,
                     "type (-1) before cti (7): keys sort by their encoded bytes (07 < 20), not by value "
                     "(signed)");

    map = base->map;
    emit_invalid_claims(base, "trailing-byte-in-payload", &map, NULL, "00", VB_ERR_CBOR_TRAILING,
                        "the payload holds the claims map and then one byte 00 (signed)");

    map = base->map;
    claim_set(&map, -20, value_hex("81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 81 00"));
    emit_invalid_map(base, "deep-nesting-in-unknown-claim", &map, VB_ERR_CBOR_DEPTH,
                     "an unknown claim -20 holding 16 nested arrays; far deeper than the format allows (signed)");

    map = base->map;
    claim_set(&map, VB_CLAIM_NAME, value_hex("67 4e 67 75 79 c3 28 6e"));
    emit_invalid_map(base, "utf8-invalid-name", &map, VB_ERR_CBOR_UTF8,
                     "the name holds the bytes c3 28, not UTF-8 (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_ISSUE_PLACE, value_hex("66 48 61 20 ed a0 80"));
    emit_invalid_map(base, "utf8-surrogate", &map, VB_ERR_CBOR_UTF8,
                     "the place of issue holds ed a0 80, an encoded surrogate U+D800 (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_NAME, value_hex("69 4e 67 75 79 e1 bb 85 c0 af"));
    emit_invalid_map(base, "utf8-overlong", &map, VB_ERR_CBOR_UTF8,
                     "the name ends in c0 af, an overlong encoding of '/' (signed)");

    map = base->map;
    claim_set(&map, VB_CLAIM_GENDER, value_hex("f9 3c 00"));
    emit_invalid_map(base, "float-gender", &map, VB_ERR_CBOR_UNSUPPORTED, "gender written as the half float 1.0 (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_IAT, value_hex("fb 41 da c0 00 00 00 00 00"));
    emit_invalid_map(base, "float-iat", &map, VB_ERR_CBOR_UNSUPPORTED, "iat written as a double (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_GENDER, value_hex("f7"));
    emit_invalid_map(base, "undefined-gender", &map, VB_ERR_CBOR_UNSUPPORTED, "gender is the simple value undefined (signed)");
    map = base->map;
    claim_set(&map, VB_CLAIM_GENDER, value_hex("f8 20"));
    emit_invalid_map(base, "simple-32-gender", &map, VB_ERR_CBOR_UNSUPPORTED, "gender is the simple value 32 (signed)");
}

/* One claim replaced (value given as hex or made by a value_* helper), signed by school A. */
static void emit_claim_value(invalid_base *base, const char *name, int64_t key, cbor_value value, vb_status expected,
                             const char *description)
{
    claim_map map = base->map;
    claim_set(&map, key, value);
    emit_invalid_map(base, name, &map, expected, description);
}

static void emit_claim_removed(invalid_base *base, const char *name, int64_t key, const char *description)
{
    claim_map map = base->map;
    claim_remove(&map, key);
    emit_invalid_map(base, name, &map, VB_ERR_CLAIM_MISSING, description);
}

static void make_invalid_claims(invalid_base *base)
{
    claim_map map;
    char text[VB_TEXT_FIELD + 64];
    uint8_t id[VB_MAX_RECORD_ID_BYTES + 1];

    /* claim-missing: each required claim left out in turn */
    emit_claim_removed(base, "missing-iss", VB_CLAIM_ISS, "no school code (iss, 1)");
    emit_claim_removed(base, "missing-iat", VB_CLAIM_IAT, "no signing time (iat, 6)");
    emit_claim_removed(base, "missing-cti", VB_CLAIM_CTI, "no record id (cti, 7)");
    emit_claim_removed(base, "missing-type", VB_CLAIM_TYPE, "no credential type (-1)");
    emit_claim_removed(base, "missing-serial", VB_CLAIM_SERIAL, "no serial (-2)");
    emit_claim_removed(base, "missing-register-number", VB_CLAIM_REGISTER_NUMBER, "no register number (-3)");
    emit_claim_removed(base, "missing-name", VB_CLAIM_NAME, "no name (-5)");
    emit_claim_removed(base, "missing-birth-date", VB_CLAIM_BIRTH_DATE, "no birth date (-6)");
    emit_claim_removed(base, "missing-issue-date", VB_CLAIM_ISSUE_DATE, "no issue date (-12)");
    emit_claim_removed(base, "missing-issue-place", VB_CLAIM_ISSUE_PLACE, "no place of issue (-13)");
    map = base->map;
    claim_remove(&map, VB_CLAIM_PROGRAM_CODE);
    claim_remove(&map, VB_CLAIM_PROGRAM_NAME);
    emit_invalid_map(base, "missing-program", &map, VB_ERR_CLAIM_MISSING,
                     "neither program code (-8) nor program name (-9)");
    map = base->map;
    claim_set(&map, VB_CLAIM_PROGRAM_CODE, value_text("CNTT-01"));
    claim_remove(&map, VB_CLAIM_PROGRAM_NAME);
    emit_invalid_map(base, "missing-program-name-text-code", &map, VB_ERR_CLAIM_MISSING,
                     "no program name and a text program code (CNTT-01): only a uint code may rely on the catalog");

    /* claim-type */
    map = base->map;
    emit_invalid_claims(base, "payload-not-map", &map, "82 01 02", "", VB_ERR_CLAIM_TYPE,
                        "the payload holds an array [1, 2], not a claims map");
    emit_claim_value(base, "iss-integer", VB_CLAIM_ISS, value_uint(1), VB_ERR_CLAIM_TYPE, "iss is the integer 1");
    emit_claim_value(base, "iat-negative", VB_CLAIM_IAT, value_int(-1), VB_ERR_CLAIM_TYPE,
                     "iat is -1: a negative integer is not a uint");
    emit_claim_value(base, "cti-text", VB_CLAIM_CTI, value_text("01"), VB_ERR_CLAIM_TYPE, "cti is a text string");
    emit_claim_value(base, "type-text", VB_CLAIM_TYPE, value_text("1"), VB_ERR_CLAIM_TYPE, "type is the text \"1\"");
    emit_claim_value(base, "serial-bytes", VB_CLAIM_SERIAL, value_bytes("AB123", 5), VB_ERR_CLAIM_TYPE,
                     "serial is a byte string");
    emit_claim_value(base, "serial-digits-as-text", VB_CLAIM_SERIAL, value_text("1234567"), VB_ERR_CLAIM_TYPE,
                     "serial 1234567 written as text: 1-18 digits without a leading zero must be a uint");
    emit_claim_value(base, "register-number-text", VB_CLAIM_REGISTER_NUMBER, value_text("1201"), VB_ERR_CLAIM_TYPE,
                     "register number is a text string");
    emit_claim_value(base, "name-bytes", VB_CLAIM_NAME, value_bytes("Nguyen Van An", 13), VB_ERR_CLAIM_TYPE,
                     "name is a byte string");
    emit_claim_value(base, "birth-date-text", VB_CLAIM_BIRTH_DATE, value_text("2005-03-09"), VB_ERR_CLAIM_TYPE,
                     "birth date as the text 2005-03-09, not a day count");
    emit_claim_value(base, "program-code-digits-as-text", VB_CLAIM_PROGRAM_CODE, value_text("6480202"),
                     VB_ERR_CLAIM_TYPE,
                     "program code 6480202 written as text: digits without a leading zero must be a uint");
    emit_claim_value(base, "high-quality-one", VB_CLAIM_HIGH_QUALITY, value_uint(1), VB_ERR_CLAIM_TYPE,
                     "high-quality flag is the integer 1, not true");
    emit_claim_value(base, "critical-not-array", VB_CLAIM_CRITICAL, value_int(-17), VB_ERR_CLAIM_TYPE,
                     "-24 is the integer -17, not an array");

    /* claim-range */
    emit_claim_value(base, "type-0", VB_CLAIM_TYPE, value_uint(0), VB_ERR_CLAIM_RANGE, "type 0");
    emit_claim_value(base, "type-6", VB_CLAIM_TYPE, value_uint(6), VB_ERR_CLAIM_RANGE, "type 6 (types are 1 to 5)");
    emit_claim_value(base, "gender-3", VB_CLAIM_GENDER, value_uint(3), VB_ERR_CLAIM_RANGE, "gender 3");
    emit_claim_value(base, "classification-6", VB_CLAIM_CLASSIFICATION, value_uint(6), VB_ERR_CLAIM_RANGE,
                     "classification 6");
    emit_claim_value(base, "training-mode-5", VB_CLAIM_TRAINING_MODE, value_uint(5), VB_ERR_CLAIM_RANGE,
                     "training mode 5");
    emit_claim_value(base, "iat-2200", VB_CLAIM_IAT, value_uint(7258118400ull), VB_ERR_CLAIM_RANGE,
                     "iat 7258118400 = 2200-01-01T00:00:00Z, one second past the range");
    emit_claim_value(base, "register-number-0", VB_CLAIM_REGISTER_NUMBER, value_uint(0), VB_ERR_CLAIM_RANGE,
                     "register number 0");
    emit_claim_value(base, "register-number-2-pow-32", VB_CLAIM_REGISTER_NUMBER, value_uint(4294967296ull),
                     VB_ERR_CLAIM_RANGE, "register number 2^32");
    emit_claim_value(base, "register-year-1949", VB_CLAIM_REGISTER_YEAR, value_uint(1949), VB_ERR_CLAIM_RANGE,
                     "register year 1949");
    emit_claim_value(base, "register-year-2200", VB_CLAIM_REGISTER_YEAR, value_uint(2200), VB_ERR_CLAIM_RANGE,
                     "register year 2200");
    emit_claim_value(base, "register-year-equals-issue-year", VB_CLAIM_REGISTER_YEAR, value_uint(2026),
                     VB_ERR_CLAIM_RANGE, "register year 2026 written though the issue date is in 2026");
    emit_claim_value(base, "birth-date-1899", VB_CLAIM_BIRTH_DATE, value_int(day(1899, 12, 31)), VB_ERR_CLAIM_RANGE,
                     "birth date 1899-12-31 (day -25568)");
    emit_claim_value(base, "birth-date-2200", VB_CLAIM_BIRTH_DATE, value_int(day(2200, 1, 1)), VB_ERR_CLAIM_RANGE,
                     "birth date 2200-01-01 (day 84006)");
    emit_claim_value(base, "issue-date-1949", VB_CLAIM_ISSUE_DATE, value_int(day(1949, 12, 31)), VB_ERR_CLAIM_RANGE,
                     "issue date 1949-12-31");
    emit_claim_value(base, "iss-with-space", VB_CLAIM_ISS, value_text("CDN TEST1"), VB_ERR_CLAIM_RANGE,
                     "school code with a space");
    emit_claim_value(base, "program-code-slash", VB_CLAIM_PROGRAM_CODE, value_text("64802/02"), VB_ERR_CLAIM_RANGE,
                     "program code text with a '/'");
    emit_claim_value(base, "name-empty", VB_CLAIM_NAME, value_text(""), VB_ERR_CLAIM_RANGE, "empty name");
    emit_claim_value(base, "name-not-nfc", VB_CLAIM_NAME, value_text("Nguye\xcc\x82\xcc\x83n Va\xcc\x86n An"),
                     VB_ERR_CLAIM_RANGE, "name with combining marks (NFD): not Unicode Normalization Form C");
    emit_claim_value(base, "name-control-character", VB_CLAIM_NAME, value_text("Nguyễn\tVăn An"), VB_ERR_CLAIM_RANGE,
                     "name holds a tab (U+0009)");
    emit_claim_value(base, "place-delete-character", VB_CLAIM_ISSUE_PLACE, value_text("Hà Nội\x7f"),
                     VB_ERR_CLAIM_RANGE, "place of issue ends in DEL (U+007F)");
    emit_claim_value(base, "name-leading-space", VB_CLAIM_NAME, value_text(" Nguyễn Văn An"), VB_ERR_CLAIM_RANGE,
                     "name begins with a space");
    emit_claim_value(base, "name-trailing-space", VB_CLAIM_NAME, value_text("Nguyễn Văn An "), VB_ERR_CLAIM_RANGE,
                     "name ends with a space");
    map = base->map;
    claim_set(&map, VB_CLAIM_KIND, value_uint(VB_KIND_COPY));
    claim_set(&map, VB_CLAIM_COPY_NUMBER, value_uint(0));
    emit_invalid_map(base, "copy-number-0", &map, VB_ERR_CLAIM_RANGE, "a copy (kind 3) with copy number 0");

    /* claim-critical */
    map = base->map;
    claim_set(&map, -20, value_text("phải hiểu"));
    claim_set(&map, VB_CLAIM_CRITICAL, value_hex("81 33"));
    emit_invalid_map(base, "unknown-critical-claim", &map, VB_ERR_CLAIM_CRITICAL,
                     "-24 = [-20] and an unknown claim -20: the verifier must understand it and does not");
    map = base->map;
    claim_set(&map, VB_CLAIM_CRITICAL, value_hex("82 30 18 63"));
    emit_invalid_map(base, "unknown-critical-label", &map, VB_ERR_CLAIM_CRITICAL,
                     "-24 = [-17, 99]: 99 is no claim this format defines");

    /* claim-too-long */
    fill_text(text, sizeof text, "Nguyễn Đặng ", VB_MAX_TEXT_BYTES + 1);
    emit_claim_value(base, "name-256-bytes", VB_CLAIM_NAME, value_text(text), VB_ERR_CLAIM_TOO_LONG,
                     "name of 256 bytes (limit 255)");
    fill_text(text, sizeof text, "Hà Nội ", VB_MAX_TEXT_BYTES + 1);
    emit_claim_value(base, "place-256-bytes", VB_CLAIM_ISSUE_PLACE, value_text(text), VB_ERR_CLAIM_TOO_LONG,
                     "place of issue of 256 bytes");
    fill_text(text, sizeof text, "Công nghệ ", VB_MAX_TEXT_BYTES + 1);
    emit_claim_value(base, "program-name-256-bytes", VB_CLAIM_PROGRAM_NAME, value_text(text), VB_ERR_CLAIM_TOO_LONG,
                     "program name of 256 bytes");
    fill_text(text, sizeof text, "SỐ-", 65);
    emit_claim_value(base, "serial-65-bytes", VB_CLAIM_SERIAL, value_text(text), VB_ERR_CLAIM_TOO_LONG,
                     "serial of 65 bytes (limit 64)");
    fill_text(text, sizeof text, "CDNTEST1", VB_MAX_SCHOOL_CODE_BYTES + 1);
    emit_claim_value(base, "iss-33-characters", VB_CLAIM_ISS, value_text(text), VB_ERR_CLAIM_TOO_LONG,
                     "school code of 33 characters (limit 32)");
    fill_text(text, sizeof text, "CNTT-", 33);
    emit_claim_value(base, "program-code-33-characters", VB_CLAIM_PROGRAM_CODE, value_text(text),
                     VB_ERR_CLAIM_TOO_LONG, "program code text of 33 characters (limit 32)");
    memset(id, 0x77, sizeof id);
    emit_claim_value(base, "cti-17-bytes", VB_CLAIM_CTI, value_bytes(id, VB_MAX_RECORD_ID_BYTES + 1),
                     VB_ERR_CLAIM_TOO_LONG, "record id of 17 bytes (limit 16)");
    map = base->map;
    claim_set(&map, VB_CLAIM_KIND, value_uint(VB_KIND_CORRECTION));
    claim_set(&map, VB_CLAIM_SUPERSEDES, value_bytes(id, VB_MAX_RECORD_ID_BYTES + 1));
    emit_invalid_map(base, "supersedes-17-bytes", &map, VB_ERR_CLAIM_TOO_LONG,
                     "a correction whose superseded record id is 17 bytes");

    /* claim-kind */
    emit_claim_value(base, "kind-1-written", VB_CLAIM_KIND, value_uint(VB_KIND_ORIGINAL), VB_ERR_CLAIM_KIND,
                     "kind 1 (original) written: an original leaves -14 out");
    emit_claim_value(base, "correction-without-supersedes", VB_CLAIM_KIND, value_uint(VB_KIND_CORRECTION),
                     VB_ERR_CLAIM_KIND, "kind 2 (correction) without -15 supersedes");
    emit_claim_value(base, "supersedes-without-correction", VB_CLAIM_SUPERSEDES, value_bytes("\x01", 1),
                     VB_ERR_CLAIM_KIND, "-15 supersedes in an original (no kind)");
    emit_claim_value(base, "copy-without-number", VB_CLAIM_KIND, value_uint(VB_KIND_COPY), VB_ERR_CLAIM_KIND,
                     "kind 3 (copy) without -16 copy number");
    emit_claim_value(base, "copy-number-without-copy", VB_CLAIM_COPY_NUMBER, value_uint(1), VB_ERR_CLAIM_KIND,
                     "-16 copy number in an original (no kind)");
    map = base->map;
    claim_set(&map, VB_CLAIM_KIND, value_uint(VB_KIND_CORRECTION));
    claim_set(&map, VB_CLAIM_SUPERSEDES, value_bytes("\x01", 1));
    claim_set(&map, VB_CLAIM_COPY_NUMBER, value_uint(1));
    emit_invalid_map(base, "correction-with-copy-number", &map, VB_ERR_CLAIM_KIND,
                     "a correction (kind 2, supersedes 01) that also has a copy number");
}

/* Records that decode but fail against the trust list. */
static void make_invalid_verification(invalid_base *base)
{
    vector_context *ctx = base->ctx;
    vb_credential c;
    claim_map map;
    cose_parts parts;
    vector_bytes record;

    /* unknown-signer */
    credential_base(&c, &ctx->school_d, 0x40, 40);
    record_from_credential(&record, &ctx->school_d, &c);
    emit_invalid(base, "signer-not-in-list", &record, VB_ERR_UNKNOWN_SIGNER,
                 "signed by school D (CDNTEST4), certified by another authority and not in the trust list");
    {
        static const uint8_t stranger[VB_KID_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8};
        parts = base->parts;
        parts.protected_length = protected_header_write(parts.protected_header, sizeof parts.protected_header,
                                                        VB_COSE_ALG_ES256, stranger, VB_KID_BYTES);
        parts_sign(&parts, base->signer->key);
        emit_invalid_parts(base, "kid-not-in-list", &parts, VB_ERR_UNKNOWN_SIGNER,
                           "kid 0102030405060708, in no entry (signed with school A's key)");
    }
    credential_base(&c, base->signer, 0x41, 41);
    record_from_credential(&record, &ctx->authority, &c);
    emit_invalid(base, "signed-by-authority", &record, VB_ERR_UNKNOWN_SIGNER,
                 "signed with the authority's own key: its kid is in the list, but as an authority, not a "
                 "signer");
    credential_base(&c, base->signer, 0x42, 42);
    snprintf(c.school_code, sizeof c.school_code, "%s", ctx->school_b.school_code);
    record_from_credential(&record, base->signer, &c);
    emit_invalid(base, "iss-not-certificate-school", &record, VB_ERR_UNKNOWN_SIGNER,
                 "iss names school B (TCNTEST2) but the record is signed by school A (CDNTEST1), correctly");

    /* signer-removed */
    credential_base(&c, &ctx->school_c, 0x43, 43);
    record_from_credential(&record, &ctx->school_c, &c);
    emit_invalid(base, "signer-removed", &record, VB_ERR_SIGNER_REMOVED,
                 "signed by school C (CDNTEST3), whose entry the trust list marks removed");

    /* alg-key-mismatch: signed properly by a key of the header's algorithm, under the kid of a
     * signer whose key is of the other kind */
    map = base->map;
    {
        uint8_t claims[VECTOR_BYTES_MAX];
        size_t length = claim_map_write(&map, claims, sizeof claims);
        memset(&parts, 0, sizeof parts);
        memcpy(parts.payload, claims, length);
        parts.payload_length = length;
        parts.protected_length = protected_header_write(parts.protected_header, sizeof parts.protected_header,
                                                        VB_COSE_ALG_ES256, ctx->school_b.kid, VB_KID_BYTES);
        parts_sign(&parts, ctx->school_a.key);
        emit_invalid_parts(base, "es256-with-rsa-signer", &parts, VB_ERR_ALG_KEY_MISMATCH,
                           "ES256 header with the kid of school B, whose key is RSA (64-byte ECDSA signature)");

        credential_base(&c, &ctx->school_a, 0x44, 44);
        claim_map_from_credential(&c, &map);
        length = claim_map_write(&map, claims, sizeof claims);
        memcpy(parts.payload, claims, length);
        parts.payload_length = length;
        parts.protected_length = protected_header_write(parts.protected_header, sizeof parts.protected_header,
                                                        VB_COSE_ALG_PS256, ctx->school_a.kid, VB_KID_BYTES);
        parts_sign(&parts, ctx->school_b.key);
        emit_invalid_parts(base, "ps256-with-ec-signer", &parts, VB_ERR_ALG_KEY_MISMATCH,
                           "PS256 header with the kid of school A, whose key is P-256 (256-byte RSA-PSS signature)");
    }

    /* cose-signature-size found only with the key: a PS256 signature of 384 bytes for RSA-2048 */
    credential_base(&c, &ctx->school_b, 0x45, 45);
    {
        cose_parts rsa_parts;
        uint8_t claims[VECTOR_BYTES_MAX];
        claim_map_from_credential(&c, &map);
        parts_make(&rsa_parts, &ctx->school_b, claims, claim_map_write(&map, claims, sizeof claims));
        cose_parts long_signature = rsa_parts;
        memset(long_signature.signature + rsa_parts.signature_length, 0, 384 - rsa_parts.signature_length);
        long_signature.signature_length = 384;
        emit_invalid_parts(base, "ps256-signature-384-for-2048-bit-key", &long_signature, VB_ERR_COSE_SIGNATURE_SIZE,
                           "PS256 signature of 384 bytes (a size PS256 allows) from school B, whose RSA key "
                           "is 2048 bits: the signature must be the modulus size, 256");
        cose_parts short_signature = rsa_parts;
        short_signature.signature_length = 255;
        emit_invalid_parts(base, "ps256-signature-255", &short_signature, VB_ERR_COSE_SIGNATURE_SIZE,
                           "PS256 signature of 255 bytes (not 256, 384 or 512)");

        /* bad-signature, PS256 */
        rsa_parts.signature[100] ^= 0x01;
        emit_invalid_parts(base, "ps256-flipped-signature-bit", &rsa_parts, VB_ERR_BAD_SIGNATURE,
                           "school B's PS256 record with one bit of the signature flipped");
    }

    /* bad-signature, ES256 */
    parts = base->parts;
    parts.signature[63] ^= 0x01;
    emit_invalid_parts(base, "es256-flipped-signature-bit", &parts, VB_ERR_BAD_SIGNATURE,
                       "a valid record with the last bit of s flipped");
    parts = base->parts;
    {
        claim_map changed = base->map;
        claim_set(&changed, VB_CLAIM_CTI, value_bytes("\x31", 1));
        parts.payload_length = claim_map_write(&changed, parts.payload, sizeof parts.payload);
        emit_invalid_parts(base, "es256-payload-changed", &parts, VB_ERR_BAD_SIGNATURE,
                           "a valid record whose record id byte was changed after signing (the claims are still "
                           "well formed)");
    }
    parts = base->parts;
    {
        claim_map changed = base->map;
        claim_set(&changed, VB_CLAIM_NAME, value_text("Nguyễn Văn Ân"));
        parts.payload_length = claim_map_write(&changed, parts.payload, sizeof parts.payload);
        emit_invalid_parts(base, "es256-name-changed", &parts, VB_ERR_BAD_SIGNATURE,
                           "a valid record whose name was changed after signing (An to Ân, same length in "
                           "characters)");
    }
    parts = base->parts;
    memset(parts.signature, 0, 64);
    emit_invalid_parts(base, "es256-signature-zero", &parts, VB_ERR_BAD_SIGNATURE, "ES256 signature of 64 zero bytes (r = s = 0)");
    parts = base->parts;
    parts.protected_length = protected_header_write(parts.protected_header, sizeof parts.protected_header,
                                                    VB_COSE_ALG_ES256, base->signer->kid, VB_KID_BYTES);
    {
        /* Signed over a Sig_structure with a non-empty external AAD: right key, wrong bytes. */
        uint8_t digest[32];
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned int digest_length = 32;
        vb_cbor_writer w;
        uint8_t structure[VECTOR_BYTES_MAX + 64];
        vb_cbor_writer_init(&w, structure, sizeof structure);
        vb_cbor_put_array(&w, 4);
        vb_cbor_put_cstring(&w, "Signature1");
        vb_cbor_put_bytes(&w, parts.protected_header, parts.protected_length);
        vb_cbor_put_bytes(&w, "vanbang", 7);
        vb_cbor_put_bytes(&w, parts.payload, parts.payload_length);
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        EVP_DigestUpdate(md, structure, w.length);
        EVP_DigestFinal_ex(md, digest, &digest_length);
        EVP_MD_CTX_free(md);
        parts.signature_length = sign_digest(base->signer->key, digest, false, parts.signature, sizeof parts.signature);
        emit_invalid_parts(base, "es256-signed-with-external-aad", &parts, VB_ERR_BAD_SIGNATURE,
                           "signed by school A over a Sig_structure whose external AAD is \"vanbang\", not empty");
    }

    /* signer-not-valid */
    credential_base(&c, base->signer, 0x46, 46);
    c.signed_at = base->signer->not_before - 1;
    record_from_credential(&record, base->signer, &c);
    emit_invalid(base, "iat-before-certificate", &record, VB_ERR_SIGNER_NOT_VALID,
                 "iat one second before the signer certificate's notBefore");
    credential_base(&c, base->signer, 0x47, 47);
    c.signed_at = base->signer->not_after + 1;
    record_from_credential(&record, base->signer, &c);
    emit_invalid(base, "iat-after-certificate", &record, VB_ERR_SIGNER_NOT_VALID,
                 "iat one second after the signer certificate's notAfter");
}

static void make_invalid_links(vector_context *ctx, const invalid_base *base)
{
    char link[VB_MAX_LINK_CHARS + 64], text[VB_MAX_LINK_CHARS + 256];
    size_t prefix_length;
    vb_error err;
    if (vb_link_encode(VECTOR_BASE_URL, base->record.bytes, base->record.length, link, VB_MAX_LINK_CHARS + 1,
                       &prefix_length, &err) != VB_OK)
        die("link: %s", err.message);
    const char *digits = link + prefix_length;
    size_t digit_count = strlen(digits);

    snprintf(text, sizeof text, "ftp://xacthuc.example.edu.vn/V/%s", digits);
    emit_link(ctx, false, "link-ftp-scheme", text, VB_ERR_LINK_PREFIX, "ftp:// instead of http(s)://");
    snprintf(text, sizeof text, "xacthuc.example.edu.vn/V/%s", digits);
    emit_link(ctx, false, "link-no-scheme", text, VB_ERR_LINK_PREFIX, "host and path without a scheme");

    snprintf(text, sizeof text, "%.*s", (int)(prefix_length + digit_count - 1), link);
    emit_link(ctx, false, "link-one-digit-short", text, VB_ERR_LINK_LENGTH,
              "the last digit dropped: a digit count no record length makes");
    snprintf(text, sizeof text, "%s0", link);
    emit_link(ctx, false, "link-one-digit-more", text, VB_ERR_LINK_LENGTH, "a digit 0 appended");

    snprintf(text, sizeof text, "%s", link);
    text[prefix_length + 5] = 'O';
    emit_link(ctx, false, "link-letter-o", text, VB_ERR_LINK_DIGITS,
              "the sixth digit replaced by the letter O (the digit count is right)");
    snprintf(text, sizeof text, "%s", link);
    text[prefix_length + 20] = '-';
    emit_link(ctx, false, "link-hyphen", text, VB_ERR_LINK_DIGITS,
              "a hyphen in place of the 21st digit (the digit count is right)");

    snprintf(text, sizeof text, "%s", link);
    memcpy(text + prefix_length, "99999999999999999", 17);
    emit_link(ctx, false, "link-group-over-7-bytes", text, VB_ERR_LINK_CHUNK,
              "first 17-digit group 99999999999999999, above 2^56 - 1");
    snprintf(text, sizeof text, "%s", link);
    memcpy(text + prefix_length, "72057594037927936", 17);
    emit_link(ctx, false, "link-group-2-pow-56", text, VB_ERR_LINK_CHUNK,
              "first 17-digit group 72057594037927936 = 2^56, one above the largest 7-byte value");
    emit_link(ctx, false, "link-digits-256", "256", VB_ERR_LINK_CHUNK,
              "bare digits 256: 3 digits make 1 byte, and 256 does not fit in one");

    /* too-large from a link: 1025 bytes are 146 groups of 17 digits and 8 digits for 3 bytes */
    size_t length = (size_t)snprintf(text, sizeof text, "%s", VECTOR_BASE_URL);
    memset(text + length, '0', 146 * 17 + 8);
    text[length + 146 * 17 + 8] = '\0';
    emit_link(ctx, false, "link-record-1025-bytes", text, VB_ERR_TOO_LARGE,
              "2490 digits: a record of 1025 bytes, one over the limit");

    /* a well-formed link to a record that fails later */
    cose_parts parts = base->parts;
    vector_bytes record;
    parts.signature[0] ^= 0x80;
    envelope_write(&record, &parts);
    if (vb_link_encode(VECTOR_BASE_URL, record.bytes, record.length, text, sizeof text, NULL, &err) != VB_OK)
        die("link: %s", err.message);
    emit_link(ctx, false, "link-bad-signature", text, VB_ERR_BAD_SIGNATURE,
              "a well-formed link to a record whose signature has its first bit flipped");
}

static void make_invalid(vector_context *ctx)
{
    invalid_base *base = calloc(1, sizeof *base);
    uint8_t claims[VECTOR_BYTES_MAX];
    if (!base)
        die("out of memory");
    base->ctx = ctx;
    base->signer = &ctx->school_a;
    credential_base(&base->credential, base->signer, 0x30, 30);
    claim_map_from_credential(&base->credential, &base->map);
    parts_make(&base->parts, base->signer, claims, claim_map_write(&base->map, claims, sizeof claims));
    envelope_write(&base->record, &base->parts);

    /* In the order of FORMAT.md §5: envelope, claims, signer and signature, then links. */
    make_invalid_envelope(base);
    make_invalid_claims_cbor(base);
    make_invalid_claims(base);
    make_invalid_verification(base);
    make_invalid_links(ctx, base);
    free(base);
}

/* ---------------------------------------------------------------- the folder */

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *dir = opendir(path);
        struct dirent *entry;
        char child[4400];
        while (dir && (entry = readdir(dir))) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            join_path(child, sizeof child, path, entry->d_name);
            remove_tree(child);
        }
        if (dir)
            closedir(dir);
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Moves the new set into place: each of valid/, invalid/ and MANIFEST replaces the old one, which
 * goes into the temporary folder and away with it. */
static void install(const char *dir, const char *temporary)
{
    static const char *const names[] = {"valid", "invalid", "MANIFEST"};
    char from[4400], to[4400], old[4400];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char old_name[32];
        snprintf(old_name, sizeof old_name, "old-%s", names[i]);
        join_path(from, sizeof from, temporary, names[i]);
        join_path(to, sizeof to, dir, names[i]);
        join_path(old, sizeof old, temporary, old_name);
        if (access(to, F_OK) == 0 && rename(to, old) != 0)
            die("cannot move %s aside: %s", to, strerror(errno));
        if (rename(from, to) != 0)
            die("cannot move %s into place: %s", from, strerror(errno));
    }
}

static void usage(void)
{
    fprintf(stderr, "usage: " PROGRAM " DIR\n"
                    "  Signs the test vectors of DIR (tests/vectors) with DIR/keys and checks them against\n"
                    "  DIR/trust.cbor; then replaces DIR/valid, DIR/invalid and DIR/MANIFEST. Nothing is\n"
                    "  replaced if any vector does not give its expected verdict.\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-' || dir)
            usage();
        dir = argv[i];
    }
    if (!dir)
        usage();

    static vector_context ctx;
    char keys_dir[4200], path[4400], passphrase[VB_PASSPHRASE_MAX_BYTES];
    vb_error err;
    join_path(keys_dir, sizeof keys_dir, dir, "keys");
    read_passphrase(keys_dir, passphrase, sizeof passphrase);
    load_signer(&ctx.authority, keys_dir, "authority", passphrase);
    load_signer(&ctx.school_a, keys_dir, "school-a", passphrase);
    load_signer(&ctx.school_b, keys_dir, "school-b", passphrase);
    load_signer(&ctx.school_c, keys_dir, "school-c", passphrase);
    load_signer(&ctx.school_d, keys_dir, "school-d", passphrase);
    vb_passphrase_wipe(passphrase, sizeof passphrase);
    if (ctx.school_a.alg != VB_COSE_ALG_ES256 || ctx.school_b.alg != VB_COSE_ALG_PS256)
        die("school-a must hold a P-256 key and school-b an RSA key");

    join_path(path, sizeof path, dir, "trust.cbor");
    X509 *anchors[1] = {ctx.authority.certificate};
    if (vb_trust_load_file(path, anchors, 1, 0, &ctx.trust, &err) != VB_OK)
        die("%s: %s", path, err.message);

    join_path(ctx.out_dir, sizeof ctx.out_dir, dir, ".make-vectors-XXXXXX");
    if (!mkdtemp(ctx.out_dir))
        die("cannot make a temporary folder in %s: %s", dir, strerror(errno));
    join_path(path, sizeof path, ctx.out_dir, "valid");
    if (mkdir(path, 0755) != 0)
        die("cannot make %s: %s", path, strerror(errno));
    join_path(path, sizeof path, ctx.out_dir, "invalid");
    if (mkdir(path, 0755) != 0)
        die("cannot make %s: %s", path, strerror(errno));
    join_path(path, sizeof path, ctx.out_dir, "MANIFEST");
    if (!(ctx.manifest = fopen(path, "wx")))
        die("cannot create %s: %s", path, strerror(errno));
    fprintf(ctx.manifest,
            "# vanbang record format test vectors (docs/FORMAT.md §8), made by tests/tools/make-vectors.c.\n"
            "# One line per vector: PATH EXPECTED-CODE DESCRIPTION. PATH is relative to this folder;\n"
            "# EXPECTED-CODE is a name of vb_status_name (\"ok\" for a valid vector). Verify each .cose file\n"
            "# as a record and each .link file as a link, against trust.cbor with the anchor\n"
            "# keys/authority.crt: the first check of §5 that fails must give EXPECTED-CODE.\n");

    vector_bytes first_record;
    make_valid(&ctx, &first_record);
    make_valid_links(&ctx, &first_record);
    make_invalid(&ctx);
    if (fclose(ctx.manifest) != 0)
        die("cannot write the MANIFEST");

    int status = 0;
    if (ctx.failures) {
        fprintf(stderr, PROGRAM ": %d vectors do not give their expected verdict; %s left unchanged\n",
                ctx.failures, dir);
        status = 1;
    } else {
        install(dir, ctx.out_dir);
        printf(PROGRAM ": %d valid and %d invalid vectors written to %s\n", ctx.valid_count, ctx.invalid_count,
               dir);
    }
    remove_tree(ctx.out_dir);
    vb_trust_free(&ctx.trust);
    free_signer(&ctx.authority);
    free_signer(&ctx.school_a);
    free_signer(&ctx.school_b);
    free_signer(&ctx.school_c);
    free_signer(&ctx.school_d);
    return status;
}
