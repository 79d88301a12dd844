/*
 * issuer/issuer.h — the verbs of vanbang-issue and what they share.
 */
#ifndef VB_ISSUER_H
#define VB_ISSUER_H

#include "cose.h"
#include "qr.h"
#include "record.h"
#include "register.h"
#include "roster.h"
#include "trust.h"
#include "vanbang.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define ISSUER_PROGRAM "vanbang-issue"
#define ISSUER_EXIT_OK 0
#define ISSUER_EXIT_REFUSED 1
#define ISSUER_EXIT_USAGE 2
#define ISSUER_EXIT_RETRY 3   /* upload: the portal could not be reached in time; run again later */

int issuer_sign(int argc, char **argv);
int issuer_qr(int argc, char **argv);
int issuer_sample_roster(int argc, char **argv);
int issuer_programs(int argc, char **argv);
int issuer_print(int argc, char **argv); /* print.c */
/* The register (register_cli.c, life.c, view.c, backup.c). */
int issuer_init(int argc, char **argv);
int issuer_issue(int argc, char **argv);
int issuer_revoke(int argc, char **argv);
int issuer_correct(int argc, char **argv);
int issuer_copy(int argc, char **argv);
int issuer_show(int argc, char **argv);
int issuer_search(int argc, char **argv);
int issuer_export(int argc, char **argv);
int issuer_backup(int argc, char **argv);
int issuer_restore(int argc, char **argv);
/* The log and the status list (log_cli.c, status_cli.c). */
int issuer_log(int argc, char **argv);
int issuer_status(int argc, char **argv);
/* Mirroring the register to the national portal (upload.c). */
int issuer_upload(int argc, char **argv);

/* "college" → VB_TYPE_COLLEGE …; 0 if unknown. */
int issuer_parse_type(const char *name);
/* Expands a serial-number pattern: {CODE} school code, {YYYY} register year, {N} register
 * number, {N:k} the number zero-padded to k digits. False if the pattern is malformed or the
 * result does not fit. */
bool issuer_expand_serial(const char *pattern, const char *school_code, unsigned year, uint32_t number, char *out,
                          size_t out_size);
/* True if a pattern expands and holds the register number exactly once. */
bool issuer_serial_pattern_valid(const char *pattern);
/* Prints "vanbang-issue VERB: message 'value'. Try …--help." and returns ISSUER_EXIT_USAGE;
 * value may be NULL. */
int issuer_usage(const char *verb, const char *message, const char *value);
/* Prints the error, returns the exit status that fits its code. */
int issuer_report(const vb_error *err);

/* A progress bar on stderr, only when it is a terminal. */
typedef struct {
    bool enabled;
    uint64_t total, shown;
    const char *label;
} issuer_progress;
void issuer_progress_start(issuer_progress *progress, const char *label, uint64_t total);
void issuer_progress_update(issuer_progress *progress, uint64_t done);
void issuer_progress_finish(issuer_progress *progress);

/* ---- Shared by the verbs that sign (batch.c) ---- */
bool issuer_parse_unsigned(const char *text, unsigned long long max, unsigned long long *value);
int32_t issuer_today(void); /* days since 1970, local date */

/* Pass one over a roster: every row checked, then every note printed to stderr, then what
 * `check` wrote to `messages` for the clean rows it was given (it returns how many problems it
 * found, or -1 with err set for a failure). Returns the number of rows, or -1 with err set:
 * VB_ERR_CLAIM_RANGE when there were problems (nothing may be issued). */
typedef long (*issuer_row_check)(void *context, const vb_roster_row *row, FILE *messages, vb_error *err);
long long issuer_validate_roster(const char *path, int type, int32_t issue_date, issuer_row_check check,
                                 void *context, vb_error *err);
/* The end of such a pass, for a reader read to its end: prints the reader's notes, then
 * extra_text (what the caller's own checks found: extra_problems of them); returns the rows, or
 * -1 with err VB_ERR_CLAIM_RANGE ("N problems; nothing was issued") when there was any. */
long long issuer_roster_verdict(const vb_roster_reader *reader, const char *path, const char *extra_text,
                                size_t extra_problems, vb_error *err);

/* Loads the certificate and the encrypted key (passphrase asked once), checks they match, and
 * readies signer; school_code receives the certificate's serialNumber. */
vb_status issuer_unlock_key(const char *cert_path, const char *key_path, int passphrase_fd, vb_cose_signer *signer,
                            char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1], vb_error *err);
/* The trust list (for its national program catalog), checked against the anchor. */
vb_status issuer_load_catalog(const char *trust, const char *anchor_path, vb_trust_list *catalog, vb_error *err);
/* Leaves the program name to the catalog when it gives exactly this name for this code. */
void issuer_apply_catalog(const vb_trust_list *catalog, vb_credential *credential);

/* A file name from a serial number: anything but letters, digits, '.', '-' and '_' becomes '_'. */
void issuer_file_stem(const char *serial, char *out, size_t size);
vb_status issuer_link(const char *base_url, const uint8_t *record, size_t record_length, char *link, size_t link_size,
                      vb_error *err);
/* Draws the link's QR code into png_path and/or svg_path (NULL: not wanted); *version (may be
 * NULL) receives the QR version. durable: each file written atomically and synced (temporary
 * name, fsync, rename). Not durable: written straight to the path, unsynced — for pending files
 * that a single syncfs makes durable before they count (issue's batch). */
vb_status issuer_write_pictures(const char *link, QRecLevel level, const char *png_path, const char *svg_path,
                                bool durable, int *version, vb_error *err);
int issuer_make_directory(const char *path);
void issuer_csv_field(FILE *out, const char *text);
void issuer_manifest_header(FILE *out);
void issuer_manifest_line(FILE *out, const vb_credential *credential, size_t record_length, int version,
                          const char *link);

typedef struct {
    uint64_t count;
    size_t size_total, size_min, size_max;
    int version_min, version_max;
} issuer_stats;
void issuer_stats_add(issuer_stats *stats, size_t record_length, int version);

/* Finds the character column of a field of a roster row, for FILE:LINE:COLUMN messages about
 * rows the reader found clean: a second read of the file that only moves forward, so finding
 * columns for rows in file order costs one pass. The field is found by its value as the reader
 * gives it (NFC, spaces collapsed); column 1 when it is not found. */
typedef struct {
    FILE *file;
    uint64_t line;
    char *text;
    size_t capacity;
    char separator;
} issuer_roster_cursor;
bool issuer_cursor_open(issuer_roster_cursor *cursor, const char *path);
uint64_t issuer_cursor_column(issuer_roster_cursor *cursor, uint64_t line, const char *value);
void issuer_cursor_close(issuer_roster_cursor *cursor);

/* ---- Shared by the register verbs (register_cli.c) ---- */
/* The person entering a register event: --actor, else the login name. */
const char *issuer_actor(const char *given, char *out, size_t out_size);
/* Refuses a certificate of another school than the register's. */
vb_status issuer_check_school(vb_register *reg, const char *certificate_code, vb_error *err);
/* Signs a checkpoint of the register's log as it stands in the open transaction and keeps it. */
vb_status issuer_sign_checkpoint(vb_register *reg, vb_cose_signer *signer, const char *school_code,
                                 vb_log_checkpoint *checkpoint, vb_error *err);
/* The record a verb acts on: record_option when given, else the current record of the
 * credential with this serial. */
vb_status issuer_locate(vb_register *reg, const char *serial, uint64_t record_option, uint64_t *record_id,
                        vb_error *err);
void issuer_hex(const uint8_t *bytes, size_t length, char *out, size_t out_size);

/* ---- The status list (status_cli.c), shared by `status export` and `upload` ---- */
typedef struct {
    uint64_t sequence;     /* the sequence taken; 0 when none was */
    int64_t issued_at;
    uint64_t revoked, superseded, replacements;
} issuer_status_summary;
/* Builds the school's status list from the register as it stands (one read snapshot), takes the
 * next status sequence (committed before signing: see status_cli.c) and signs the list into
 * *list (malloc'd). On a failure after the sequence was taken, summary->sequence says which. */
vb_status issuer_status_list_sign(vb_register *reg, vb_cose_signer *signer, const char *school_code, bool replacements,
                                  uint64_t after_sequence, uint8_t **list, size_t *list_length,
                                  issuer_status_summary *summary, vb_error *err);
/* Says on stderr that a taken status sequence was not published (a harmless gap). */
void issuer_status_report_gap(uint64_t sequence);
vb_status issuer_sha256_file(const char *path, uint8_t digest[32], vb_error *err);

#endif
