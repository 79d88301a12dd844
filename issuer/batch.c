/*
 * issuer/batch.c — what `sign`, `issue`, `correct` and `copy` share: checking a roster (pass
 * one), unlocking the school key, the national program catalog, drawing a record's QR pictures,
 * the manifest, and finding the column of a roster field for a FILE:LINE:COLUMN message.
 */
#include "issuer.h"

#include "keys.h"
#include "link.h"
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

bool issuer_parse_unsigned(const char *text, unsigned long long max, unsigned long long *value)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text || *end || text[0] == '-' || v > max)
        return false;
    *value = v;
    return true;
}

int32_t issuer_today(void)
{
    time_t now = time(NULL);
    struct tm local;
    localtime_r(&now, &local);
    return vb_days_from_civil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

long long issuer_roster_verdict(const vb_roster_reader *reader, const char *path, const char *extra_text,
                                size_t extra_problems, vb_error *err)
{
    for (size_t i = 0; i < vb_roster_note_count(reader); i++)
        fprintf(stderr, "%s\n", vb_roster_note_at(reader, i)->text);
    if (extra_text)
        fputs(extra_text, stderr);
    size_t problems = vb_roster_problem_count(reader) + extra_problems;
    if (problems) { /* a refusal (exit 1), not a usage error */
        vb_fail(err, VB_ERR_CLAIM_RANGE, "%s: %zu problem%s; nothing was issued", path, problems,
                problems == 1 ? "" : "s");
        return -1;
    }
    return (long long)vb_roster_row_count(reader);
}

long long issuer_validate_roster(const char *path, int type, int32_t issue_date, issuer_row_check check,
                                 void *context, vb_error *err)
{
    vb_roster_options options;
    vb_roster_reader *reader;
    vb_roster_row *row = malloc(sizeof *row);
    bool has_row = true;
    long long rows = -1;
    size_t extra_problems = 0;
    char *extra_text = NULL;
    size_t extra_size = 0;
    FILE *extra = open_memstream(&extra_text, &extra_size);

    vb_roster_options_init(&options, type, issue_date);
    if (!row || !extra) {
        free(row);
        if (extra)
            fclose(extra);
        free(extra_text);
        vb_fail(err, VB_ERR_NOMEM, "out of memory");
        return -1;
    }
    if (vb_roster_open(path, &options, &reader, err) != VB_OK) {
        free(row);
        fclose(extra);
        free(extra_text);
        return -1;
    }
    vb_status s = VB_OK;
    while (s == VB_OK && has_row && (s = vb_roster_next(reader, row, &has_row, err)) == VB_OK) {
        if (has_row && row->problem_count == 0 && check) {
            long found = check(context, row, extra, err);
            if (found < 0)
                s = err->code != VB_OK ? err->code : VB_ERR_IO;
            else
                extra_problems += (size_t)found;
        }
    }
    explicit_bzero(row, sizeof *row);
    fclose(extra);
    if (s != VB_OK) { /* stopped by a failure */
        vb_roster_close(reader);
        free(row);
        free(extra_text);
        return -1;
    }
    rows = issuer_roster_verdict(reader, path, extra_text, extra_problems, err);
    vb_roster_close(reader);
    free(row);
    free(extra_text);
    return rows;
}

/* ---------------------------------------------------------------- keys and the catalog */

vb_status issuer_unlock_key(const char *cert_path, const char *key_path, int passphrase_fd, vb_cose_signer *signer,
                            char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1], vb_error *err)
{
    X509 *certificate = NULL;
    EVP_PKEY *key = NULL;
    uint8_t kid[VB_KID_BYTES];
    char passphrase[VB_PASSPHRASE_MAX_BYTES];
    vb_status s;

    if ((s = vb_cert_load(cert_path, &certificate, err)) != VB_OK)
        return s;
    s = vb_cert_school_code(X509_get_subject_name(certificate), school_code, VB_MAX_SCHOOL_CODE_BYTES + 1, err);
    if (s == VB_OK)
        s = vb_cert_kid(certificate, kid, err);
    if (s == VB_OK)
        s = vb_passphrase_read("Passphrase of the school key: ", 0, passphrase_fd, passphrase, sizeof passphrase, err);
    if (s == VB_OK) {
        s = vb_key_load_encrypted(key_path, passphrase, strlen(passphrase), &key, err);
        vb_passphrase_wipe(passphrase, sizeof passphrase);
    }
    if (s == VB_OK)
        s = vb_cert_matches_key(certificate, key, err);
    if (s == VB_OK)
        s = vb_cose_signer_init(signer, key, kid, err);
    EVP_PKEY_free(key);
    X509_free(certificate);
    return s;
}

vb_status issuer_load_catalog(const char *trust, const char *anchor_path, vb_trust_list *catalog, vb_error *err)
{
    X509 *anchor = NULL;
    vb_status s = vb_cert_load(anchor_path, &anchor, err);
    if (s == VB_OK)
        s = vb_trust_load_file(trust, &anchor, 1, 0, catalog, err);
    X509_free(anchor);
    return s;
}

void issuer_apply_catalog(const vb_trust_list *catalog, vb_credential *credential)
{
    credential->program_name_from_catalog = false;
    if (!catalog || !catalog->program_count || !credential->program_code[0])
        return;
    for (const char *p = credential->program_code; *p; p++)
        if (*p < '0' || *p > '9')
            return;
    if (credential->program_code[0] == '0')
        return; /* a code with a leading zero is text in the record: never from the catalog */
    const char *name = vb_trust_program_name(catalog, strtoull(credential->program_code, NULL, 10));
    credential->program_name_from_catalog = name && strcmp(name, credential->program_name) == 0;
}

/* ---------------------------------------------------------------- pictures and the manifest */

void issuer_file_stem(const char *serial, char *out, size_t size)
{
    size_t i = 0;
    for (; serial[i] && i + 1 < size; i++) {
        char c = serial[i];
        bool plain = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' ||
                     c == '_' || (c == '.' && i > 0);
        out[i] = plain ? c : '_';
    }
    out[i] = '\0';
}

vb_status issuer_link(const char *base_url, const uint8_t *record, size_t record_length, char *link, size_t link_size,
                      vb_error *err)
{
    return vb_link_encode(base_url, record, record_length, link, link_size, NULL, err);
}

/* A picture written straight to its (pending) name, not synced: see issuer_write_pictures. */
static vb_status write_unsynced(const QRcode *code, bool png, const char *path, vb_error *err)
{
    FILE *out = fopen(path, "wb");
    if (!out)
        return vb_fail(err, VB_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    vb_status s = png ? vb_qr_write_png(code, 4, out, err) : vb_qr_write_svg(code, 0, out, err);
    if (fclose(out) != 0 && s == VB_OK)
        s = vb_fail(err, VB_ERR_IO, "cannot write %s: %s", path, strerror(errno));
    return s;
}

vb_status issuer_write_pictures(const char *link, QRecLevel level, const char *png_path, const char *svg_path,
                                bool durable, int *version, vb_error *err)
{
    QRcode *code = NULL;
    vb_status s = vb_qr_encode_link(link, strlen(link), level, &code, err);
    if (s != VB_OK)
        return s;
    if (png_path)
        s = durable ? vb_qr_save_png(code, 4, png_path, err) : write_unsynced(code, true, png_path, err);
    if (s == VB_OK && svg_path)
        s = durable ? vb_qr_save_svg(code, 0, svg_path, err) : write_unsynced(code, false, svg_path, err);
    if (version)
        *version = code->version;
    vb_qr_free(code);
    return s;
}

int issuer_make_directory(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, ISSUER_PROGRAM ": cannot create %s: %s\n", path, strerror(errno));
        return ISSUER_EXIT_USAGE;
    }
    return 0;
}

void issuer_csv_field(FILE *out, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        fputs(text, out);
        return;
    }
    fputc('"', out);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            fputc('"', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

void issuer_manifest_header(FILE *out)
{
    fputs("register_year,register_number,serial,full_name,record_bytes,qr_version,link\n", out);
}

/* Appends the decimal digits of value, then the separator, at *used (the caller has made room). */
static void manifest_put_number(char *line, size_t *used, unsigned long long value, char separator)
{
    *used += text_decimal(line + *used, value);
    line[(*used)++] = separator;
}

/* The line is put together in a buffer and written with one fwrite, not with fprintf and a
 * fputc per character: `issue` writes one per record from its signing threads, and the formatting
 * cost more than the write. Text with a comma, quote or line break goes through issuer_csv_field,
 * quoted, as before. */
void issuer_manifest_line(FILE *out, const vb_credential *credential, size_t record_length, int version,
                          const char *link)
{
    char line[64 + 2 * sizeof credential->serial + 2 * sizeof credential->name + VB_MAX_LINK_CHARS];
    size_t used = 0, serial_length = strlen(credential->serial), name_length = strlen(credential->name);
    size_t link_length = strlen(link);
    bool plain = !strpbrk(credential->serial, ",\"\r\n") && !strpbrk(credential->name, ",\"\r\n");
    if (!plain || version < 0 || link_length > VB_MAX_LINK_CHARS) { /* never from `issue`; kept exact */
        fprintf(out, "%u,%u,", credential->register_year, credential->register_number);
        issuer_csv_field(out, credential->serial);
        fputc(',', out);
        issuer_csv_field(out, credential->name);
        fprintf(out, ",%zu,%d,%s\n", record_length, version, link);
        return;
    }
    manifest_put_number(line, &used, credential->register_year, ',');
    manifest_put_number(line, &used, credential->register_number, ',');
    memcpy(line + used, credential->serial, serial_length);
    used += serial_length;
    line[used++] = ',';
    memcpy(line + used, credential->name, name_length);
    used += name_length;
    line[used++] = ',';
    manifest_put_number(line, &used, record_length, ',');
    manifest_put_number(line, &used, (unsigned)version, ',');
    memcpy(line + used, link, link_length);
    used += link_length;
    line[used++] = '\n';
    fwrite(line, 1, used, out);
}

void issuer_stats_add(issuer_stats *stats, size_t record_length, int version)
{
    if (stats->count == 0 || record_length < stats->size_min)
        stats->size_min = record_length;
    if (record_length > stats->size_max)
        stats->size_max = record_length;
    if (stats->count == 0 || version < stats->version_min)
        stats->version_min = version;
    if (version > stats->version_max)
        stats->version_max = version;
    stats->size_total += record_length;
    stats->count++;
}

/* ---------------------------------------------------------------- columns of roster fields */

/* Reads one physical line (ended by LF, CRLF or a lone CR, as the roster reader counts them). */
static bool read_physical_line(FILE *in, char **line, size_t *capacity)
{
    size_t used = 0;
    int c;
    bool any = false;
    while ((c = getc(in)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (c == '\r') {
            int next = getc(in);
            if (next != '\n' && next != EOF)
                ungetc(next, in);
            break;
        }
        if (used + 2 > *capacity) {
            size_t grown = *capacity ? *capacity * 2 : 256;
            char *bigger = realloc(*line, grown);
            if (!bigger)
                return false;
            *line = bigger;
            *capacity = grown;
        }
        (*line)[used++] = (char)c;
    }
    if (!any)
        return false;
    if (!*line && !(*line = malloc(1)))
        return false;
    (*line)[used] = '\0';
    return true;
}

bool issuer_cursor_open(issuer_roster_cursor *cursor, const char *path)
{
    memset(cursor, 0, sizeof *cursor);
    cursor->separator = ',';
    if (!(cursor->file = fopen(path, "rb")))
        return false;
    if (read_physical_line(cursor->file, &cursor->text, &cursor->capacity)) {
        cursor->line = 1;
        size_t commas = 0, semicolons = 0;
        bool quoted = false;
        for (const char *p = cursor->text; *p; p++) {
            if (*p == '"')
                quoted = !quoted;
            else if (!quoted && *p == ',')
                commas++;
            else if (!quoted && *p == ';')
                semicolons++;
        }
        cursor->separator = semicolons > commas ? ';' : ',';
    }
    return true;
}

void issuer_cursor_close(issuer_roster_cursor *cursor)
{
    if (cursor->file)
        fclose(cursor->file);
    if (cursor->text)
        explicit_bzero(cursor->text, cursor->capacity);
    free(cursor->text);
    memset(cursor, 0, sizeof *cursor);
}

/* The field as the reader sees it: unquoted, trimmed, NFC, inner whitespace collapsed. */
static void clean_field(const char *start, const char *end, char *out, size_t out_size)
{
    char raw[VB_TEXT_FIELD * 2];
    size_t used = 0;
    bool quoted = start < end && *start == '"';
    for (const char *p = start + quoted; p < end && used + 1 < sizeof raw; p++) {
        if (quoted && *p == '"') {
            if (p + 1 < end && p[1] == '"')
                p++;
            else
                continue;
        }
        raw[used++] = *p;
    }
    raw[used] = '\0';
    char nfc[VB_TEXT_FIELD * 2];
    if (!vb_text_to_nfc(raw, used, nfc, sizeof nfc))
        snprintf(nfc, sizeof nfc, "%s", raw);
    size_t o = 0;
    bool space = false;
    for (const char *p = nfc; *p && o + 1 < out_size; p++) {
        if (*p == ' ' || *p == '\t') {
            space = o > 0;
            continue;
        }
        if (space && o + 2 < out_size)
            out[o++] = ' ';
        space = false;
        out[o++] = *p;
    }
    out[o] = '\0';
    explicit_bzero(raw, sizeof raw);
    explicit_bzero(nfc, sizeof nfc);
}

uint64_t issuer_cursor_column(issuer_roster_cursor *cursor, uint64_t line, const char *value)
{
    if (!cursor->file || line < cursor->line)
        return 1;
    while (cursor->line < line) {
        if (!read_physical_line(cursor->file, &cursor->text, &cursor->capacity))
            return 1;
        cursor->line++;
    }
    uint64_t column = 1;
    const char *start = cursor->text;
    bool quoted = false;
    for (const char *p = cursor->text;; p++) {
        if (*p == '"')
            quoted = !quoted;
        if (*p == '\0' || (!quoted && *p == cursor->separator)) {
            char field[VB_TEXT_FIELD * 2];
            clean_field(start, p, field, sizeof field);
            bool same = strcmp(field, value) == 0;
            explicit_bzero(field, sizeof field);
            if (same)
                return column;
            if (*p == '\0')
                break;
            start = p + 1;
            column = 1;
            for (const char *q = cursor->text; q < start; q++)
                column += ((unsigned char)*q & 0xc0) != 0x80;
        }
    }
    return 1;
}
