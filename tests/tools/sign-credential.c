/*
 * tests/tools/sign-credential.c — signs one credential given field by field, straight through
 * the library (vb_record_sign), and prints its link. For tests that need a record the roster
 * reader would refuse or never make: a name crafted to inject HTML, a signing time outside the
 * certificate, a correction or a copy. Test keys only; the passphrase comes from
 * $VANBANG_PASSPHRASE.
 *
 * Usage: sign-credential --key school.key --cert school.crt [--base-url URL] [--raw FILE]
 *                        [FIELD=VALUE…]
 * Fields (defaults in brackets make a complete college diploma):
 *   name [Nguyễn Văn An]  birth [14/05/2003]  gender [1]  type [1]  serial [2026000001]
 *   register-number [1]  register-year [issue year]  program-code [6480201]
 *   program-name [Công nghệ thông tin]  classification [3]  mode [1]  high-quality [0]
 *   issue-date [30/06/2026]  issue-place [Hà Nội]  kind [1]  supersedes [hex]  copy [0]
 *   record-id [hex; 01]  signed-at [seconds since 1970; now]  school [the certificate's code]
 */
#include "keys.h"
#include "link.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what, const char *detail)
{
    fprintf(stderr, "sign-credential: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

static size_t parse_hex(const char *text, uint8_t *out, size_t out_size)
{
    size_t n = strlen(text);
    if (n == 0 || n % 2 || n / 2 > out_size)
        die("bad hex", text);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned value;
        if (sscanf(text + 2 * i, "%2x", &value) != 1)
            die("bad hex", text);
        out[i] = (uint8_t)value;
    }
    return n / 2;
}

static void set_text(char *field, size_t size, const char *value)
{
    if (strlen(value) >= size)
        die("value too long", value);
    snprintf(field, size, "%s", value);
}

int main(int argc, char **argv)
{
    const char *key_path = NULL, *cert_path = NULL, *raw_path = NULL;
    const char *base_url = "https://xacthuc.example.edu.vn/V/";
    vb_credential c;
    vb_error err = {0};
    bool year_given = false;

    memset(&c, 0, sizeof c);
    set_text(c.name, sizeof c.name, "Nguyễn Văn An");
    vb_date_parse_dmy("14/05/2003", &c.birth_date);
    c.gender = VB_GENDER_MALE;
    c.type = VB_TYPE_COLLEGE;
    set_text(c.serial, sizeof c.serial, "2026000001");
    c.register_number = 1;
    set_text(c.program_code, sizeof c.program_code, "6480201");
    set_text(c.program_name, sizeof c.program_name, "Công nghệ thông tin");
    c.classification = VB_CLASS_GOOD;
    c.training_mode = VB_MODE_FULL_TIME;
    vb_date_parse_dmy("30/06/2026", &c.issue_date);
    set_text(c.issue_place, sizeof c.issue_place, "Hà Nội");
    c.kind = VB_KIND_ORIGINAL;
    c.record_id[0] = 1;
    c.record_id_length = 1;
    c.signed_at = (int64_t)time(NULL);

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--key") == 0 && i + 1 < argc) {
            key_path = argv[++i];
            continue;
        }
        if (strcmp(arg, "--cert") == 0 && i + 1 < argc) {
            cert_path = argv[++i];
            continue;
        }
        if (strcmp(arg, "--base-url") == 0 && i + 1 < argc) {
            base_url = argv[++i];
            continue;
        }
        if (strcmp(arg, "--raw") == 0 && i + 1 < argc) {
            raw_path = argv[++i];
            continue;
        }
        const char *equals = strchr(arg, '=');
        if (!equals)
            die("expected FIELD=VALUE", arg);
        size_t n = (size_t)(equals - arg);
        const char *v = equals + 1;
#define IS(name) (n == strlen(name) && strncmp(arg, name, n) == 0)
        if (IS("name")) set_text(c.name, sizeof c.name, v);
        else if (IS("birth")) { if (!vb_date_parse_dmy(v, &c.birth_date)) die("bad date", v); }
        else if (IS("gender")) c.gender = atoi(v);
        else if (IS("type")) c.type = atoi(v);
        else if (IS("serial")) set_text(c.serial, sizeof c.serial, v);
        else if (IS("register-number")) c.register_number = (uint32_t)strtoul(v, NULL, 10);
        else if (IS("register-year")) c.register_year = (uint16_t)atoi(v), year_given = true;
        else if (IS("program-code")) set_text(c.program_code, sizeof c.program_code, v);
        else if (IS("program-name")) set_text(c.program_name, sizeof c.program_name, v);
        else if (IS("classification")) c.classification = atoi(v);
        else if (IS("mode")) c.training_mode = atoi(v);
        else if (IS("high-quality")) c.high_quality = atoi(v) != 0;
        else if (IS("issue-date")) { if (!vb_date_parse_dmy(v, &c.issue_date)) die("bad date", v); }
        else if (IS("issue-place")) set_text(c.issue_place, sizeof c.issue_place, v);
        else if (IS("kind")) c.kind = atoi(v);
        else if (IS("supersedes")) c.supersedes_length = parse_hex(v, c.supersedes, sizeof c.supersedes);
        else if (IS("copy")) c.copy_number = (uint32_t)strtoul(v, NULL, 10);
        else if (IS("record-id")) c.record_id_length = parse_hex(v, c.record_id, sizeof c.record_id);
        else if (IS("signed-at")) c.signed_at = strtoll(v, NULL, 10);
        else if (IS("school")) set_text(c.school_code, sizeof c.school_code, v);
        else die("unknown field", arg);
#undef IS
    }
    if (!key_path || !cert_path)
        die("usage: sign-credential --key FILE --cert FILE [--base-url URL] [--raw FILE] [FIELD=VALUE…]", NULL);
    if (!year_given) {
        int year, month, day;
        vb_civil_from_days(c.issue_date, &year, &month, &day);
        c.register_year = (uint16_t)year;
    }

    X509 *cert;
    EVP_PKEY *key;
    char passphrase[VB_PASSPHRASE_MAX_BYTES];
    if (vb_cert_load(cert_path, &cert, &err) != VB_OK)
        die("certificate", err.message);
    if (!c.school_code[0] &&
        vb_cert_school_code(X509_get_subject_name(cert), c.school_code, sizeof c.school_code, &err) != VB_OK)
        die("certificate", err.message);
    if (vb_passphrase_read("passphrase: ", 0, -1, passphrase, sizeof passphrase, &err) != VB_OK)
        die("passphrase", err.message);
    vb_status s = vb_key_load_encrypted(key_path, passphrase, strlen(passphrase), &key, &err);
    vb_passphrase_wipe(passphrase, sizeof passphrase);
    if (s != VB_OK)
        die("key", err.message);

    uint8_t kid[VB_KID_BYTES], record[VB_MAX_RECORD_BYTES];
    size_t length;
    char link[VB_MAX_LINK_CHARS + 1];
    vb_cose_signer signer;
    if (vb_cert_kid(cert, kid, &err) != VB_OK || vb_cose_signer_init(&signer, key, kid, &err) != VB_OK)
        die("signer", err.message);
    if (vb_record_sign(&signer, &c, record, sizeof record, &length, &err) != VB_OK)
        die("sign", err.message);
    if (vb_link_encode(base_url, record, length, link, sizeof link, NULL, &err) != VB_OK)
        die("link", err.message);
    if (raw_path) {
        FILE *f = fopen(raw_path, "wb");
        if (!f || fwrite(record, 1, length, f) != length || fclose(f) != 0)
            die("cannot write", raw_path);
    }
    puts(link);
    vb_cose_signer_free(&signer);
    EVP_PKEY_free(key);
    X509_free(cert);
    return 0;
}
