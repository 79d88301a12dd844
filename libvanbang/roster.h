/*
 * roster.h — reading a graduation roster: the CSV file a school registrar exports, one row per
 * graduate, checked against the rules of the domain (credentials, identifiers, enumerations)
 * and turned into credentials ready to be numbered and signed.
 *
 * The reader streams: it holds one row at a time, so an issuer validates a roster of millions
 * of rows in one pass and issues in a second pass with memory that does not grow with the
 * roster. The only exception is the duplicate index of the validating pass (some 50-70 bytes
 * per row: 70 MB at a million rows, against 4 MB without it); the issuing pass turns it off
 * (vb_roster_options.check_duplicates). Reading takes about 5 s per million rows.
 *
 * What the reader accepts, as registrars' spreadsheets export it:
 *   - UTF-8 with or without a byte-order mark; comma or semicolon separator, chosen by which
 *     occurs more often in the header line outside quotes; CRLF, LF or lone CR line ends;
 *   - RFC 4180 quoting: "" inside quotes is one quote; separators and line breaks may sit inside
 *     quotes, and line numbers keep counting physical lines;
 *   - a header line naming the columns, in any order (see "Columns" below); rows whose fields
 *     are all empty (blank lines, ",,,,") are skipped.
 *
 * Problems with the content are not failures of the functions: every one is recorded as a note
 * "FILE:LINE:COLUMN: message" (LINE the physical line, COLUMN the 1-based character — not byte
 * — column where the field starts; a character is a code point, so the marks of a decomposed
 * letter count) and reading goes on, so the caller can print all of them and issue nothing.
 * Functions fail (return other than VB_OK) only for I/O errors, memory, and the limits set in
 * vb_roster_options.
 *
 * Checks of each row. Every text is converted to NFC (decomposed input is not an error), runs
 * of whitespace collapse to one space, control characters and invalid UTF-8 are problems, and
 * no field may exceed VB_MAX_TEXT_BYTES bytes as written.
 *   - field count equal to the header's (an unquoted separator inside a field is the usual cause);
 *   - full name: not empty, only letters, marks, spaces, apostrophes (' ’) and hyphens;
 *   - date of birth: a real dd/mm/yyyy date, age 14 to 100 at the decision date (at the issue
 *     date when the row has none);
 *   - gender: Nam or Nữ (any case); required on diplomas;
 *   - personal identification number, when present: 12 digits, province 001-096, digit 4
 *     agreeing with the century of birth and the gender, digits 5-6 with the year of birth;
 *   - program code: college 7 digits beginning with 6, intermediate 7 digits beginning with 5,
 *     other types letters, digits, '.', '-', '_' (what the record format takes), at most 32;
 *   - program name not empty; classification and training mode, when present, from their sets
 *     (any case); decision date, when present, a real date not after the issue date;
 *   - duplicates, reported on the later row naming the first one's line: the same personal
 *     identification number, or the same name (NFC), birth date and program code.
 *
 * The personal identification number is read for the register only. It never appears in a
 * note or an error (no message echoes a value holding nine digits or more, whatever its
 * column), and it must never be put in a record, printed, or logged.
 */
#ifndef VB_ROSTER_H
#define VB_ROSTER_H

#include "record.h"
#include "vanbang.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Defaults of the limits from outside (vb_roster_options_init). */
#define VB_ROSTER_DEFAULT_MAX_FILE_BYTES (256ull << 20) /* 256 MiB */
#define VB_ROSTER_DEFAULT_MAX_ROWS 10000000ull
#define VB_ROSTER_DEFAULT_MAX_PROBLEMS 1000
/* Every field is limited to VB_MAX_TEXT_BYTES bytes as written in the file; a header to this
 * many columns. */
#define VB_ROSTER_MAX_COLUMNS 64
#define VB_ROSTER_PERSONAL_ID_DIGITS 12
#define VB_ROSTER_NOTE_BYTES 512

/* Columns the reader understands. The header names each with its Vietnamese name (as the
 * registrars' exports do) or an ASCII alias; matching is after NFC normalisation, ignoring case
 * and surrounding spaces, with ' ', '_' and '-' taken as the same character:
 *   STT                    stt, no
 *   Họ và tên (Họ tên)     full_name, name
 *   Ngày sinh              birth_date, dob
 *   Giới tính              gender, sex
 *   Số định danh cá nhân   personal_id, cccd
 *   Mã ngành (Mã nghề)     program_code
 *   Tên ngành (Tên nghề)   program_name
 *   Xếp loại               classification
 *   Hình thức đào tạo      training_mode
 *   Số quyết định          decision_number
 *   Ngày quyết định        decision_date
 * Required: full name, birth date, program name; program code unless the credential type is
 * VB_TYPE_OTHER_CERTIFICATE; gender for the diplomas (college, intermediate, vocational
 * secondary). Other columns are ignored with a warning note. */
typedef enum {
    VB_ROSTER_COLUMN_SEQUENCE = 0,
    VB_ROSTER_COLUMN_NAME,
    VB_ROSTER_COLUMN_BIRTH_DATE,
    VB_ROSTER_COLUMN_GENDER,
    VB_ROSTER_COLUMN_PERSONAL_ID,
    VB_ROSTER_COLUMN_PROGRAM_CODE,
    VB_ROSTER_COLUMN_PROGRAM_NAME,
    VB_ROSTER_COLUMN_CLASSIFICATION,
    VB_ROSTER_COLUMN_TRAINING_MODE,
    VB_ROSTER_COLUMN_DECISION_NUMBER,
    VB_ROSTER_COLUMN_DECISION_DATE,
    VB_ROSTER_COLUMN_COUNT
} vb_roster_column;

/* The Vietnamese header of a column as the samples write it ("Họ và tên"); NULL if out of range. */
const char *vb_roster_column_header(int column);
/* Its first ASCII alias ("full_name"); NULL if out of range. */
const char *vb_roster_column_alias(int column);

typedef struct {
    int credential_type;      /* vb_credential_type: decides required columns and program codes */
    int32_t issue_date;       /* days since 1970: no decision after it; ages measured at the
                               * decision date, or at this date when a row has none */
    const char *display_name; /* FILE in notes; NULL: the path, or "<stream>" */
    uint64_t max_file_bytes;  /* larger files fail with VB_ERR_TOO_LARGE */
    uint64_t max_rows;        /* more data rows fail with VB_ERR_TOO_LARGE */
    size_t max_problems;      /* notes kept; beyond, only counted ("… and N more") */
    bool check_duplicates;    /* keep the index that finds repeated graduates */
} vb_roster_options;

/* Sets the defaults above, with duplicate checking on. */
void vb_roster_options_init(vb_roster_options *options, int credential_type, int32_t issue_date);

typedef enum { VB_ROSTER_PROBLEM = 1, VB_ROSTER_WARNING = 2 } vb_roster_severity;

/* One line for the caller to print, e.g.
 *   "roster.csv:12:34: date of birth '31/02/2001' is not a real dd/mm/yyyy date"
 *   "roster.csv:1:12: ignoring unknown column 'Ghi chú'"           (a warning)
 *   "roster.csv:1: missing required column 'Ngày sinh' (or birth_date, dob)"
 *   "roster.csv: … and 25 more problems not shown"                  (after the cap)
 * column is 0 where the text names none; line 0 for the closing count. */
typedef struct {
    vb_roster_severity severity;
    uint64_t line;
    uint64_t column;
    char text[VB_ROSTER_NOTE_BYTES];
} vb_roster_note;

/* One graduate. Text fields are NUL-terminated UTF-8 in NFC with internal whitespace collapsed;
 * an absent field is "" or 0. A row with problems is for counting only: its fields may be
 * partly filled. */
typedef struct {
    uint64_t line;                           /* physical line where the row starts */
    char sequence[VB_TEXT_FIELD];            /* STT as written, not checked */
    char name[VB_TEXT_FIELD];
    int32_t birth_date;                      /* days since 1970-01-01 */
    int gender;                              /* vb_gender, 0 = column absent or empty */
    /* Digits only, "" when absent. For the register (sổ gốc) and the national database only:
     * never copy it into a vb_credential, a note, a log or anything printed. */
    char personal_id[VB_ROSTER_PERSONAL_ID_DIGITS + 1];
    char program_code[33];                   /* "" = none */
    char program_name[VB_TEXT_FIELD];
    int classification;                      /* vb_classification, 0 = none */
    int training_mode;                       /* vb_training_mode, 0 = none */
    char decision_number[VB_TEXT_FIELD];     /* "" = none */
    bool has_decision_date;
    int32_t decision_date;                   /* days since 1970-01-01, if has_decision_date */
    size_t problem_count;                    /* problems found in this row; 0 = usable */
} vb_roster_row;

typedef struct vb_roster_reader vb_roster_reader;

/* Opens a roster file and reads its header. Header problems (a missing required column, a
 * column named twice) become notes, and the reader then yields no rows. */
vb_status vb_roster_open(const char *path, const vb_roster_options *options, vb_roster_reader **reader,
                         vb_error *err);
/* The same over an open stream (stdin, a pipe), which the reader reads but does not close. */
vb_status vb_roster_open_stream(FILE *stream, const vb_roster_options *options, vb_roster_reader **reader,
                                vb_error *err);

/* Reads the next data row into row: *has_row is true and row->problem_count says whether the
 * row passed every check; at the end of the file *has_row is false. Fails with VB_ERR_IO,
 * VB_ERR_NOMEM or VB_ERR_TOO_LARGE (file or row count over its limit); after a failure every
 * further call fails the same way. */
vb_status vb_roster_next(vb_roster_reader *reader, vb_roster_row *row, bool *has_row, vb_error *err);

/* The data rows of a roster as vb_roster_next would count them (blank rows skipped), read with
 * the same quoting rules but no checks: about a twentieth of the cost of reading it. 0 when the
 * header is unusable. Fails as vb_roster_next fails (I/O, memory, a limit). */
vb_status vb_roster_count_rows(const char *path, const vb_roster_options *options, uint64_t *rows, vb_error *err);
vb_status vb_roster_count_rows_stream(FILE *stream, const vb_roster_options *options, uint64_t *rows, vb_error *err);

/* Closes the file (if the reader opened it), wipes the buffers that held identification
 * numbers, frees everything. NULL is allowed. */
void vb_roster_close(vb_roster_reader *reader);

/* Problems found so far, counting those past max_problems: 0 at the end means the roster may be
 * issued. Warnings are not counted. */
size_t vb_roster_problem_count(const vb_roster_reader *reader);
/* Data rows read so far (blank rows not counted). */
uint64_t vb_roster_row_count(const vb_roster_reader *reader);
/* The notes to print — warnings and problems in file order, then the "… and N more" line. */
size_t vb_roster_note_count(const vb_roster_reader *reader);
const vb_roster_note *vb_roster_note_at(const vb_roster_reader *reader, size_t index);

/* What the whole batch shares: the diploma says where and when it was issued and by whom. */
typedef struct {
    int credential_type;      /* vb_credential_type */
    int32_t issue_date;       /* days since 1970-01-01 */
    const char *issue_place;  /* UTF-8, normalised to NFC here */
    const char *school_code;  /* iss */
    bool high_quality;        /* "chương trình chất lượng cao" */
} vb_roster_batch;

/* Fills a credential (an original) from a row without problems and the batch settings: all but
 * serial, register number and year, record id and signed_at, which the issuer assigns. The
 * personal identification number is not copied: a record never carries it. */
vb_status vb_roster_row_to_credential(const vb_roster_row *row, const vb_roster_batch *batch, vb_credential *out,
                                      vb_error *err);

#endif
