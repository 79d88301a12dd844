/*
 * test_vectors.c — runs the conformance vectors of tests/vectors/ (docs/FORMAT.md §8) through
 * the library as an outside verifier would: the anchor keys/authority.crt, the trust list
 * trust.cbor, and for each MANIFEST line vb_verify_record (.cose) or vb_verify_link (.link),
 * whose status must be the listed code. Valid records must also decode to the fields of the
 * .json beside them, and their .link must decode to the very bytes of the .cose.
 *
 * The vectors are committed files made by tests/tools/make-vectors.c (`make vectors`); this test
 * only reads them. The repository root comes from VB_ROOT (scripts/run-tests.sh sets it), else
 * the current directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fileio.h"
#include "keys.h"
#include "link.h"
#include "record.h"
#include "trust.h"
#include "verify.h"
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VECTORS_MAX 1024
#define VECTOR_FILE_MAX (64 * 1024)

typedef struct {
    char path[256];         /* relative to tests/vectors/ */
    int expected;           /* vb_status */
    char description[512];
} manifest_entry;

typedef struct {
    char dir[4096];         /* .../tests/vectors */
    X509 *anchor;
    vb_trust_list trust;
    manifest_entry *entries;
    size_t count;
} vectors_state;

/* Codes of the 1xx-5xx ranges that no record or link can produce, so no vector can show them:
 *   cbor-type  every place the format fixes a CBOR type reports the layer's own code instead:
 *              cose-tag / cose-structure / cose-protected / cose-alg-unsupported / cose-kid-size /
 *              cose-unprotected / cose-payload in the envelope, claim-type in the claims. */
static const vb_status unreachable_codes[] = {VB_ERR_CBOR_TYPE};

/* ---------------------------------------------------------------- files */

static void vector_path(const vectors_state *state, const char *relative, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", state->dir, relative);
    assert_true(n > 0 && (size_t)n < size);
}

/* The whole file in a heap block of exactly its size (no NUL after it), so that
 * AddressSanitizer sees any read past the end. */
static uint8_t *read_exact(const char *path, size_t *length)
{
    uint8_t *data;
    vb_error err;
    if (vb_file_read_all(path, VECTOR_FILE_MAX, &data, length, &err) != VB_OK)
        fail_msg("%s", err.message);
    uint8_t *exact = test_exact_copy(data, *length);
    free(data);
    return exact;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static bool is_valid_record(const manifest_entry *entry)
{
    return strncmp(entry->path, "valid/", 6) == 0 && ends_with(entry->path, ".cose");
}

/* The sibling of a vector with another extension: valid/01-x.cose → valid/01-x.json. */
static void sibling(const manifest_entry *entry, const char *extension, char *out, size_t size)
{
    size_t stem = strlen(entry->path) - strlen(".cose");
    int n = snprintf(out, size, "%.*s%s", (int)stem, entry->path, extension);
    assert_true(n > 0 && (size_t)n < size);
}

/* ---------------------------------------------------------------- setup */

static void load_manifest(vectors_state *state)
{
    char path[4200], line[1024];
    snprintf(path, sizeof path, "%s/MANIFEST", state->dir);
    FILE *file = fopen(path, "r");
    if (!file)
        fail_msg("cannot open %s (run `make vectors`)", path);
    state->entries = calloc(VECTORS_MAX, sizeof *state->entries);
    assert_non_null(state->entries);
    unsigned long number = 0;
    while (fgets(line, sizeof line, file)) {
        number++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        assert_true(state->count < VECTORS_MAX);
        manifest_entry *entry = &state->entries[state->count];
        char code[64];
        int consumed = 0;
        if (sscanf(line, "%255s %63s %n", entry->path, code, &consumed) != 2)
            fail_msg("MANIFEST:%lu: expected PATH CODE DESCRIPTION", number);
        entry->expected = vb_status_from_name(code);
        if (entry->expected < 0)
            fail_msg("MANIFEST:%lu: unknown code %s", number, code);
        snprintf(entry->description, sizeof entry->description, "%s", line + consumed);
        state->count++;
    }
    fclose(file);
}

static int setup(void **pointer)
{
    static vectors_state state;
    const char *root = getenv("VB_ROOT");
    char path[4200];
    vb_error err;

    memset(&state, 0, sizeof state);
    *pointer = &state; /* teardown runs even when setup fails */
    snprintf(state.dir, sizeof state.dir, "%s/tests/vectors", root && root[0] ? root : ".");
    snprintf(path, sizeof path, "%s/keys/authority.crt", state.dir);
    if (vb_cert_load(path, &state.anchor, &err) != VB_OK) {
        fprintf(stderr, "%s (set VB_ROOT to the repository root)\n", err.message);
        return -1;
    }
    snprintf(path, sizeof path, "%s/trust.cbor", state.dir);
    if (vb_trust_load_file(path, &state.anchor, 1, 0, &state.trust, &err) != VB_OK) {
        fprintf(stderr, "%s\n", err.message);
        return -1;
    }
    load_manifest(&state);
    return 0;
}

static int teardown(void **pointer)
{
    vectors_state *state = *pointer;
    vb_trust_free(&state->trust);
    X509_free(state->anchor);
    free(state->entries);
    return 0;
}

/* ---------------------------------------------------------------- a flat JSON object */

/* Just enough JSON for the .json files: one object of string, integer, true/false and null
 * members, as make-vectors writes them. */
typedef enum { JSON_NULL, JSON_STRING, JSON_NUMBER, JSON_BOOL } json_kind;

typedef struct {
    char key[64];
    json_kind kind;
    char text[1024];
    long long number;
    bool boolean;
} json_member;

typedef struct {
    json_member members[64];
    size_t count;
} json_object;

static const char *json_skip_space(const char *p)
{
    while (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')
        p++;
    return p;
}

static void json_put_utf8(char *out, size_t *length, size_t size, unsigned code_point)
{
    uint8_t bytes[3];
    size_t n;
    if (code_point < 0x80) {
        bytes[0] = (uint8_t)code_point, n = 1;
    } else if (code_point < 0x800) {
        bytes[0] = (uint8_t)(0xc0 | (code_point >> 6)), bytes[1] = (uint8_t)(0x80 | (code_point & 0x3f)), n = 2;
    } else {
        bytes[0] = (uint8_t)(0xe0 | (code_point >> 12)), bytes[1] = (uint8_t)(0x80 | ((code_point >> 6) & 0x3f));
        bytes[2] = (uint8_t)(0x80 | (code_point & 0x3f)), n = 3;
    }
    assert_true(*length + n < size);
    memcpy(out + *length, bytes, n);
    *length += n;
}

static const char *json_string(const char *p, char *out, size_t size)
{
    size_t length = 0;
    assert_int_equal(*p, '"');
    for (p++; *p != '"'; p++) {
        assert_true(*p != '\0');
        if (*p != '\\') {
            assert_true(length + 1 < size);
            out[length++] = *p;
            continue;
        }
        p++;
        switch (*p) {
        case '"': case '\\': case '/': json_put_utf8(out, &length, size, (unsigned char)*p); break;
        case 'b': json_put_utf8(out, &length, size, '\b'); break;
        case 'f': json_put_utf8(out, &length, size, '\f'); break;
        case 'n': json_put_utf8(out, &length, size, '\n'); break;
        case 'r': json_put_utf8(out, &length, size, '\r'); break;
        case 't': json_put_utf8(out, &length, size, '\t'); break;
        case 'u': {
            unsigned code_point;
            assert_int_equal(sscanf(p + 1, "%4x", &code_point), 1);
            json_put_utf8(out, &length, size, code_point);
            p += 4;
            break;
        }
        default: fail_msg("bad JSON escape \\%c", *p);
        }
    }
    out[length] = '\0';
    return p + 1;
}

static void json_parse(const char *text, json_object *object)
{
    const char *p = json_skip_space(text);
    memset(object, 0, sizeof *object);
    assert_int_equal(*p, '{');
    p = json_skip_space(p + 1);
    while (*p != '}') {
        assert_true(object->count < sizeof object->members / sizeof object->members[0]);
        json_member *member = &object->members[object->count++];
        p = json_skip_space(json_string(p, member->key, sizeof member->key));
        assert_int_equal(*p, ':');
        p = json_skip_space(p + 1);
        if (*p == '"') {
            member->kind = JSON_STRING;
            p = json_string(p, member->text, sizeof member->text);
        } else if (strncmp(p, "null", 4) == 0) {
            member->kind = JSON_NULL;
            p += 4;
        } else if (strncmp(p, "true", 4) == 0 || strncmp(p, "false", 5) == 0) {
            member->kind = JSON_BOOL;
            member->boolean = *p == 't';
            p += member->boolean ? 4 : 5;
        } else {
            char *end;
            member->kind = JSON_NUMBER;
            member->number = strtoll(p, &end, 10);
            assert_true(end != p);
            p = end;
        }
        p = json_skip_space(p);
        if (*p == ',')
            p = json_skip_space(p + 1);
        else
            assert_int_equal(*p, '}');
    }
    assert_int_equal(*json_skip_space(p + 1), '\0');
}

static const json_member *json_get(const json_object *object, const char *key)
{
    for (size_t i = 0; i < object->count; i++)
        if (strcmp(object->members[i].key, key) == 0)
            return &object->members[i];
    fail_msg("the JSON has no \"%s\"", key);
    return NULL;
}

static void expect_text(const json_object *object, const char *key, const char *actual, const char *vector)
{
    const json_member *member = json_get(object, key);
    const char *expected = member->kind == JSON_NULL ? "" : member->text;
    if (member->kind != JSON_NULL && member->kind != JSON_STRING)
        fail_msg("%s: \"%s\" is not a string", vector, key);
    if (strcmp(expected, actual) != 0)
        fail_msg("%s: %s is \"%s\" in the JSON, decoded \"%s\"", vector, key, expected, actual);
}

/* null stands for 0 (an absent optional number). */
static void expect_number(const json_object *object, const char *key, long long actual, const char *vector)
{
    const json_member *member = json_get(object, key);
    long long expected = member->kind == JSON_NULL ? 0 : member->number;
    if (member->kind != JSON_NULL && member->kind != JSON_NUMBER)
        fail_msg("%s: \"%s\" is not a number", vector, key);
    if (expected != actual)
        fail_msg("%s: %s is %lld in the JSON, decoded %lld", vector, key, expected, actual);
}

static void expect_bool(const json_object *object, const char *key, bool actual, const char *vector)
{
    const json_member *member = json_get(object, key);
    if (member->kind != JSON_BOOL || member->boolean != actual)
        fail_msg("%s: %s differs from the JSON", vector, key);
}

static void expect_hex(const json_object *object, const char *key, const uint8_t *bytes, size_t length,
                       const char *vector)
{
    char hex[2 * 64 + 1];
    assert_true(length <= 64);
    for (size_t i = 0; i < length; i++)
        sprintf(hex + 2 * i, "%02x", bytes[i]);
    hex[2 * length] = '\0';
    expect_text(object, key, hex, vector);
}

static void expect_date(const json_object *object, const char *key, int32_t days, const char *vector)
{
    char date[16];
    int y, m, d;
    vb_civil_from_days(days, &y, &m, &d);
    snprintf(date, sizeof date, "%04d-%02d-%02d", y, m, d);
    expect_text(object, key, date, vector);
}

/* ---------------------------------------------------------------- tests */

static void test_manifest_is_well_formed(void **pointer)
{
    vectors_state *state = *pointer;
    size_t valid = 0, invalid = 0;
    for (size_t i = 0; i < state->count; i++) {
        const manifest_entry *entry = &state->entries[i];
        char path[4400];
        vector_path(state, entry->path, path, sizeof path);
        FILE *file = fopen(path, "rb");
        if (!file)
            fail_msg("MANIFEST lists %s, which does not exist", entry->path);
        fclose(file);
        if (!ends_with(entry->path, ".cose") && !ends_with(entry->path, ".link"))
            fail_msg("%s is neither a .cose record nor a .link", entry->path);
        if (entry->description[0] == '\0')
            fail_msg("%s has no description", entry->path);
        for (size_t k = 0; k < i; k++)
            if (strcmp(state->entries[k].path, entry->path) == 0)
                fail_msg("%s is listed twice", entry->path);
        if (strncmp(entry->path, "valid/", 6) == 0) {
            if (entry->expected != VB_OK)
                fail_msg("%s is under valid/ but expects %s", entry->path, vb_status_name(entry->expected));
            valid += is_valid_record(entry);
        } else if (strncmp(entry->path, "invalid/", 8) == 0) {
            if (entry->expected == VB_OK)
                fail_msg("%s is under invalid/ but expects ok", entry->path);
            invalid++;
        } else {
            fail_msg("%s is neither under valid/ nor under invalid/", entry->path);
        }
    }
    if (valid < 10 || invalid < 50)
        fail_msg("%zu valid records and %zu invalid vectors; at least 10 and 50 are needed", valid, invalid);
}

/* Every .cose and .link file on disk is listed, or (a valid record's link) sits beside a listed
 * .cose: nothing is silently left untested. */
static void test_every_file_is_listed(void **pointer)
{
    vectors_state *state = *pointer;
    static const char *const folders[] = {"valid", "invalid"};
    for (size_t f = 0; f < 2; f++) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", state->dir, folders[f]);
        DIR *dir = opendir(path);
        assert_non_null(dir);
        struct dirent *file;
        while ((file = readdir(dir))) {
            if (!ends_with(file->d_name, ".cose") && !ends_with(file->d_name, ".link"))
                continue;
            char relative[512], record[512];
            snprintf(relative, sizeof relative, "%s/%s", folders[f], file->d_name);
            snprintf(record, sizeof record, "%.*s.cose", (int)(strlen(relative) - 5), relative);
            bool listed = false;
            for (size_t i = 0; i < state->count && !listed; i++)
                listed = strcmp(state->entries[i].path, relative) == 0 ||
                         (f == 0 && ends_with(relative, ".link") && strcmp(state->entries[i].path, record) == 0);
            if (!listed)
                fail_msg("%s is not in the MANIFEST", relative);
        }
        closedir(dir);
    }
}

static void test_every_vector_gives_its_code(void **pointer)
{
    vectors_state *state = *pointer;
    vb_verification *result = malloc(sizeof *result);
    int failures = 0;
    assert_non_null(result);
    for (size_t i = 0; i < state->count; i++) {
        const manifest_entry *entry = &state->entries[i];
        char path[4400];
        size_t length;
        vector_path(state, entry->path, path, sizeof path);
        uint8_t *data = read_exact(path, &length);
        if (ends_with(entry->path, ".cose"))
            vb_verify_record(&state->trust, data, length, result);
        else
            vb_verify_link(&state->trust, (const char *)data, length, result);
        if ((int)result->status != entry->expected) {
            print_error("%s: expected %s, got %s (%s) — %s\n", entry->path, vb_status_name(entry->expected),
                        vb_status_name(result->status), result->error.message, entry->description);
            failures++;
        }
        if (entry->expected == VB_OK && result->program_name_unknown) {
            print_error("%s: the program name is not in the trust list's catalog\n", entry->path);
            failures++;
        }
        free(data);
    }
    free(result);
    assert_int_equal(failures, 0);
}

static void test_valid_records_match_their_json(void **pointer)
{
    vectors_state *state = *pointer;
    vb_verification *result = malloc(sizeof *result);
    assert_non_null(result);
    for (size_t i = 0; i < state->count; i++) {
        const manifest_entry *entry = &state->entries[i];
        if (!is_valid_record(entry))
            continue;
        char relative[300], path[4400];
        size_t length, json_length;
        vector_path(state, entry->path, path, sizeof path);
        uint8_t *record = read_exact(path, &length);
        vb_verify_record(&state->trust, record, length, result);
        assert_int_equal(result->status, VB_OK);
        vb_cose_sign1 message;
        vb_credential raw;
        vb_error err;
        assert_int_equal(vb_record_decode(record, length, &message, &raw, &err), VB_OK);

        sibling(entry, ".json", relative, sizeof relative);
        vector_path(state, relative, path, sizeof path);
        uint8_t *json_bytes = read_exact(path, &json_length);
        char *json_text = malloc(json_length + 1);
        assert_non_null(json_text);
        memcpy(json_text, json_bytes, json_length);
        json_text[json_length] = '\0';
        json_object *json = malloc(sizeof *json);
        assert_non_null(json);
        json_parse(json_text, json);

        const vb_credential *c = &result->credential;
        const char *v = entry->path;
        expect_text(json, "alg", message.alg == VB_COSE_ALG_ES256 ? "ES256" : "PS256", v);
        expect_hex(json, "kid", result->kid, VB_KID_BYTES, v);
        expect_number(json, "record_bytes", (long long)length, v);
        expect_text(json, "iss", c->school_code, v);
        expect_number(json, "iat", c->signed_at, v);
        expect_hex(json, "cti", c->record_id, c->record_id_length, v);
        expect_number(json, "type", c->type, v);
        expect_text(json, "serial", c->serial, v);
        expect_number(json, "register_number", c->register_number, v);
        expect_number(json, "register_year", c->register_year, v);
        expect_text(json, "name", c->name, v);
        expect_number(json, "birth_days", c->birth_date, v);
        expect_date(json, "birth_date", c->birth_date, v);
        expect_number(json, "gender", c->gender, v);
        expect_text(json, "program_code", c->program_code, v);
        expect_text(json, "program_name", c->program_name, v);
        expect_bool(json, "program_name_from_catalog", c->program_name_from_catalog, v);
        expect_number(json, "classification", c->classification, v);
        expect_number(json, "training_mode", c->training_mode, v);
        expect_number(json, "issue_days", c->issue_date, v);
        expect_date(json, "issue_date", c->issue_date, v);
        expect_text(json, "issue_place", c->issue_place, v);
        expect_number(json, "kind", c->kind, v);
        expect_hex(json, "supersedes", c->supersedes, c->supersedes_length, v);
        expect_number(json, "copy_number", c->copy_number, v);
        expect_bool(json, "high_quality", c->high_quality, v);
        /* A name left to the catalog is absent from the record itself and filled in by the
         * verifier from the trust list. */
        if (c->program_name_from_catalog)
            assert_string_equal(raw.program_name, "");

        free(json);
        free(json_text);
        free(json_bytes);
        free(record);
    }
    free(result);
}

static void test_valid_links_decode_to_the_record(void **pointer)
{
    vectors_state *state = *pointer;
    vb_verification *result = malloc(sizeof *result);
    assert_non_null(result);
    for (size_t i = 0; i < state->count; i++) {
        const manifest_entry *entry = &state->entries[i];
        if (!is_valid_record(entry))
            continue;
        char relative[300], path[4400];
        size_t record_length, link_length, decoded_length;
        uint8_t decoded[VB_MAX_RECORD_BYTES];
        vb_error err;
        vector_path(state, entry->path, path, sizeof path);
        uint8_t *record = read_exact(path, &record_length);
        sibling(entry, ".link", relative, sizeof relative);
        vector_path(state, relative, path, sizeof path);
        uint8_t *link = read_exact(path, &link_length);

        if (vb_link_decode((const char *)link, link_length, decoded, sizeof decoded, &decoded_length, &err) != VB_OK)
            fail_msg("%s: %s", relative, err.message);
        assert_int_equal(decoded_length, record_length);
        assert_memory_equal(decoded, record, record_length);
        assert_int_equal(vb_verify_link(&state->trust, (const char *)link, link_length, result), VB_OK);
        /* The link is the canonical spelling under the documented base. */
        char canonical[VB_MAX_LINK_CHARS + 1];
        assert_int_equal(vb_link_encode("https://xacthuc.example.edu.vn/V/", record, record_length, canonical,
                                        sizeof canonical, NULL, &err),
                         VB_OK);
        assert_int_equal(strlen(canonical), link_length);
        assert_memory_equal(canonical, link, link_length);
        free(link);
        free(record);
    }
    free(result);
}

/* Each code a record or link can produce is shown by at least one vector. */
static void test_every_code_has_a_vector(void **pointer)
{
    vectors_state *state = *pointer;
    static const int ranges[][2] = {{100, 199}, {200, 299}, {300, 399}, {400, 499}, {500, 599}};
    int missing = 0;
    for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        for (int code = ranges[r][0]; code <= ranges[r][1]; code++) {
            if (strcmp(vb_status_name((vb_status)code), "unknown-status") == 0)
                continue;
            bool unreachable = false;
            for (size_t u = 0; u < sizeof unreachable_codes / sizeof unreachable_codes[0]; u++)
                unreachable |= (int)unreachable_codes[u] == code;
            bool shown = false;
            for (size_t i = 0; i < state->count && !shown; i++)
                shown = state->entries[i].expected == code;
            if (unreachable && shown)
                print_error("%s is listed as unreachable but a vector shows it\n", vb_status_name((vb_status)code));
            if (!unreachable && !shown) {
                print_error("no vector gives %s (%d)\n", vb_status_name((vb_status)code), code);
                missing++;
            }
        }
    }
    bool too_large = false;
    for (size_t i = 0; i < state->count; i++)
        too_large |= state->entries[i].expected == VB_ERR_TOO_LARGE;
    if (!too_large) {
        print_error("no vector gives too-large\n");
        missing++;
    }
    assert_int_equal(missing, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manifest_is_well_formed),
        cmocka_unit_test(test_every_file_is_listed),
        cmocka_unit_test(test_every_vector_gives_its_code),
        cmocka_unit_test(test_valid_records_match_their_json),
        cmocka_unit_test(test_valid_links_decode_to_the_record),
        cmocka_unit_test(test_every_code_has_a_vector),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
