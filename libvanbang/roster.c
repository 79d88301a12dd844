/*
 * roster.c — the streaming reader of graduation rosters (CSV as registrars export it) and the
 * checks of each row against the domain's rules. roster.h says what is accepted and why.
 *
 * Layers, bottom up: a byte source that counts physical lines and character columns; an RFC
 * 4180 record reader that keeps each field's starting line and column; the header, which maps
 * the file's columns onto the known ones; the row checks, which record every problem as a note
 * and go on; the duplicate index.
 */
#include "roster.h"

#include "cbor.h" /* vb_utf8_valid */

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#define ROSTER_BUFFER_BYTES 65536
/* One more than the header may have, so a row with an extra field is seen as such. */
#define ROSTER_FIELD_CAPACITY (VB_ROSTER_MAX_COLUMNS + 1)
/* NFC may lengthen a text (rarely); room for the worst case before the length check. */
#define ROSTER_NORMAL_BYTES (4 * VB_MAX_TEXT_BYTES + 8)
#define ROSTER_YOUNGEST_AGE 14
#define ROSTER_OLDEST_AGE 100
/* A value with this many digits might be an identification number in the wrong column: it is
 * never quoted in a message. Dates have 8 digits, program codes 7. */
#define ROSTER_DIGITS_NEVER_SHOWN 9
#define ROSTER_SHOWN_BYTES 48

/* ---------------------------------------------------------------- columns */

static const struct {
    const char *header;      /* as the registrars' exports (and vb_sample) write it */
    const char *names[6];    /* lowercase NFC: the Vietnamese names first, then ASCII aliases */
    const char *description; /* how messages call it */
} roster_columns[VB_ROSTER_COLUMN_COUNT] = {
    [VB_ROSTER_COLUMN_SEQUENCE] = {"STT", {"stt", "no", NULL}, "sequence number"},
    [VB_ROSTER_COLUMN_NAME] = {"Họ và tên", {"họ và tên", "họ tên", "full_name", "name", NULL}, "full name"},
    [VB_ROSTER_COLUMN_BIRTH_DATE] = {"Ngày sinh", {"ngày sinh", "birth_date", "dob", NULL}, "date of birth"},
    [VB_ROSTER_COLUMN_GENDER] = {"Giới tính", {"giới tính", "gender", "sex", NULL}, "gender"},
    [VB_ROSTER_COLUMN_PERSONAL_ID] = {"Số định danh cá nhân", {"số định danh cá nhân", "personal_id", "cccd", NULL},
                                      "personal identification number"},
    [VB_ROSTER_COLUMN_PROGRAM_CODE] = {"Mã ngành", {"mã ngành", "mã nghề", "program_code", NULL}, "program code"},
    [VB_ROSTER_COLUMN_PROGRAM_NAME] = {"Tên ngành", {"tên ngành", "tên nghề", "program_name", NULL}, "program name"},
    [VB_ROSTER_COLUMN_CLASSIFICATION] = {"Xếp loại", {"xếp loại", "classification", NULL}, "classification"},
    [VB_ROSTER_COLUMN_TRAINING_MODE] = {"Hình thức đào tạo", {"hình thức đào tạo", "training_mode", NULL},
                                        "training mode"},
    [VB_ROSTER_COLUMN_DECISION_NUMBER] = {"Số quyết định", {"số quyết định", "decision_number", NULL},
                                          "decision number"},
    [VB_ROSTER_COLUMN_DECISION_DATE] = {"Ngày quyết định", {"ngày quyết định", "decision_date", NULL},
                                        "decision date"},
};

const char *vb_roster_column_header(int column)
{
    return column >= 0 && column < VB_ROSTER_COLUMN_COUNT ? roster_columns[column].header : NULL;
}

static bool roster_text_is_ascii(const char *text)
{
    for (; *text; text++)
        if ((unsigned char)*text >= 0x80)
            return false;
    return true;
}

const char *vb_roster_column_alias(int column)
{
    if (column < 0 || column >= VB_ROSTER_COLUMN_COUNT)
        return NULL;
    for (size_t i = 0; roster_columns[column].names[i]; i++)
        if (roster_text_is_ascii(roster_columns[column].names[i]))
            return roster_columns[column].names[i];
    return NULL;
}

static bool roster_column_required(int column, int credential_type)
{
    switch (column) {
    case VB_ROSTER_COLUMN_NAME:
    case VB_ROSTER_COLUMN_BIRTH_DATE:
    case VB_ROSTER_COLUMN_PROGRAM_NAME:
        return true;
    case VB_ROSTER_COLUMN_PROGRAM_CODE:
        return credential_type != VB_TYPE_OTHER_CERTIFICATE;
    case VB_ROSTER_COLUMN_GENDER: /* printed on diplomas (2017 form), not on certificates */
        return credential_type == VB_TYPE_COLLEGE || credential_type == VB_TYPE_INTERMEDIATE ||
               credential_type == VB_TYPE_VOCATIONAL_SECONDARY;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- the reader */

typedef struct {
    uint64_t line;   /* where the field starts */
    uint64_t column; /* 1-based character column */
    size_t length;
    bool too_long;   /* more than VB_MAX_TEXT_BYTES bytes; the rest was not kept */
    char bytes[VB_MAX_TEXT_BYTES + 1];
} roster_field;

/* Open-addressing set of 64-bit keys, each with the line where it was first seen. */
typedef struct {
    uint64_t *keys; /* 0 = empty slot */
    uint32_t *lines;
    size_t capacity; /* a power of two */
    size_t count;
} roster_index;

struct vb_roster_reader {
    FILE *stream;
    bool owns_stream;
    char *display_name;
    vb_roster_options options;

    unsigned char buffer[ROSTER_BUFFER_BYTES];
    size_t buffer_length;
    size_t buffer_position;
    bool input_ended;
    uint64_t bytes_read;
    uint64_t line;   /* of the next byte */
    uint64_t column; /* of the next character */

    char separator;
    roster_field *fields; /* ROSTER_FIELD_CAPACITY of them */
    size_t field_count;   /* in the current record, counting those past the capacity */
    bool unstored_field_not_empty;
    bool record_broken;   /* quoting gone wrong: the fields cannot be trusted */
    uint64_t record_line;

    int field_of_column[VB_ROSTER_COLUMN_COUNT]; /* index in the record, or -1 */
    size_t header_field_count;
    bool header_usable;

    vb_roster_note *notes;
    size_t note_count;
    size_t note_capacity;
    size_t problem_total;
    size_t problems_kept;
    size_t row_problems;

    roster_index personal_ids;
    roster_index name_keys;
    uint64_t rows;
    bool finished;
    vb_error failure; /* code VB_OK until something fails */
};

static void roster_set_failure(vb_roster_reader *r, vb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void roster_set_failure(vb_roster_reader *r, vb_status code, const char *fmt, ...)
{
    if (r->failure.code != VB_OK) /* the first failure is the one to tell */
        return;
    va_list args;
    va_start(args, fmt);
    r->failure.code = code;
    vsnprintf(r->failure.message, sizeof r->failure.message, fmt, args);
    va_end(args);
}

static vb_status roster_return_failure(const vb_roster_reader *r, vb_error *err)
{
    return vb_fail(err, r->failure.code, "%s", r->failure.message);
}

/* ---------------------------------------------------------------- notes */

static void roster_add_note_v(vb_roster_reader *r, vb_roster_severity severity, uint64_t line, uint64_t column,
                              const char *fmt, va_list args) __attribute__((format(printf, 5, 0)));
static void roster_add_note_v(vb_roster_reader *r, vb_roster_severity severity, uint64_t line, uint64_t column,
                              const char *fmt, va_list args)
{
    if (r->note_count == r->note_capacity) {
        size_t capacity = r->note_capacity ? 2 * r->note_capacity : 16;
        vb_roster_note *notes = realloc(r->notes, capacity * sizeof *notes);
        if (!notes) {
            roster_set_failure(r, VB_ERR_NOMEM, "%s: out of memory for the list of problems", r->display_name);
            return;
        }
        r->notes = notes;
        r->note_capacity = capacity;
    }
    vb_roster_note *note = &r->notes[r->note_count++];
    note->severity = severity;
    note->line = line;
    note->column = column;
    int prefix;
    if (column)
        prefix = snprintf(note->text, sizeof note->text, "%s:%llu:%llu: ", r->display_name,
                          (unsigned long long)line, (unsigned long long)column);
    else if (line)
        prefix = snprintf(note->text, sizeof note->text, "%s:%llu: ", r->display_name, (unsigned long long)line);
    else
        prefix = snprintf(note->text, sizeof note->text, "%s: ", r->display_name);
    if (prefix < 0 || (size_t)prefix >= sizeof note->text)
        prefix = (int)strlen(note->text);
    vsnprintf(note->text + prefix, sizeof note->text - (size_t)prefix, fmt, args);
}

static void roster_problem(vb_roster_reader *r, uint64_t line, uint64_t column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void roster_problem(vb_roster_reader *r, uint64_t line, uint64_t column, const char *fmt, ...)
{
    r->problem_total++;
    r->row_problems++;
    if (r->problems_kept >= r->options.max_problems)
        return;
    r->problems_kept++;
    va_list args;
    va_start(args, fmt);
    roster_add_note_v(r, VB_ROSTER_PROBLEM, line, column, fmt, args);
    va_end(args);
}

static void roster_warning(vb_roster_reader *r, uint64_t line, uint64_t column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void roster_warning(vb_roster_reader *r, uint64_t line, uint64_t column, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    roster_add_note_v(r, VB_ROSTER_WARNING, line, column, fmt, args);
    va_end(args);
}

static void roster_note_plain(vb_roster_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void roster_note_plain(vb_roster_reader *r, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    roster_add_note_v(r, VB_ROSTER_PROBLEM, 0, 0, fmt, args);
    va_end(args);
}

/* Quotes a value for a message, shortened — unless it holds so many digits that it might be a
 * personal identification number typed into the wrong column: that is never echoed, whatever
 * the column. value must already be clean (UTF-8, no control characters). */
static const char *roster_shown(const char *value, char *out, size_t out_size)
{
    size_t digits = 0;
    for (const char *p = value; *p; p++)
        digits += (*p >= '0' && *p <= '9');
    if (digits >= ROSTER_DIGITS_NEVER_SHOWN)
        return "(value not shown: it may be an identification number)";
    size_t length = strlen(value);
    bool shortened = false;
    if (length > ROSTER_SHOWN_BYTES) {
        length = ROSTER_SHOWN_BYTES;
        while (length > 0 && ((unsigned char)value[length] & 0xc0) == 0x80) /* whole characters */
            length--;
        shortened = true;
    }
    snprintf(out, out_size, "'%.*s%s'", (int)length, value, shortened ? "…" : "");
    return out;
}

/* ---------------------------------------------------------------- bytes, lines, columns */

static bool roster_fill(vb_roster_reader *r)
{
    if (r->input_ended)
        return false;
    size_t n = fread(r->buffer, 1, sizeof r->buffer, r->stream);
    r->buffer_position = 0;
    r->buffer_length = n;
    if (n == 0) {
        r->input_ended = true;
        if (ferror(r->stream))
            roster_set_failure(r, VB_ERR_IO, "%s:%llu: read error: %s", r->display_name,
                               (unsigned long long)r->line, strerror(errno));
        return false;
    }
    r->bytes_read += n;
    if (r->bytes_read > r->options.max_file_bytes) {
        r->input_ended = true;
        r->buffer_length = 0;
        roster_set_failure(r, VB_ERR_TOO_LARGE, "%s: the file is over the limit of %llu bytes", r->display_name,
                           (unsigned long long)r->options.max_file_bytes);
        return false;
    }
    return true;
}

static int roster_peek(vb_roster_reader *r)
{
    if (r->buffer_position == r->buffer_length && !roster_fill(r))
        return EOF;
    return r->buffer[r->buffer_position];
}

/* Consumes one byte, keeping line and column: LF, CRLF and a lone CR each end a physical line;
 * a column is a character, so UTF-8 continuation bytes do not move it. */
static int roster_get(vb_roster_reader *r)
{
    int c = roster_peek(r);
    if (c == EOF)
        return EOF;
    r->buffer_position++;
    if (c == '\n') {
        r->line++;
        r->column = 1;
    } else if (c == '\r') {
        if (roster_peek(r) != '\n') {
            r->line++;
            r->column = 1;
        }
    } else if ((c & 0xc0) != 0x80) {
        r->column++;
    }
    return c;
}

/* ---------------------------------------------------------------- records (RFC 4180) */

static void roster_field_append(vb_roster_reader *r, roster_field *field, int c)
{
    if (!field) {
        r->unstored_field_not_empty = true;
        return;
    }
    if (field->length < VB_MAX_TEXT_BYTES)
        field->bytes[field->length++] = (char)c;
    else
        field->too_long = true; /* keep reading, so lines and columns stay right; keep nothing */
}

/* Reads one record — a line, or more when quoted fields hold line breaks — into r->fields.
 * Returns false at the end of the input. Quoting problems are reported here. */
static bool roster_read_record(vb_roster_reader *r)
{
    r->field_count = 0;
    r->record_broken = false;
    r->unstored_field_not_empty = false;
    if (roster_peek(r) == EOF)
        return false;
    r->record_line = r->line;
    for (;;) {
        roster_field *field = r->field_count < ROSTER_FIELD_CAPACITY ? &r->fields[r->field_count] : NULL;
        uint64_t start_line = r->line, start_column = r->column;
        if (field) {
            field->line = start_line;
            field->column = start_column;
            field->length = 0;
            field->too_long = false;
        }
        r->field_count++;
        int c = roster_get(r);
        if (c == '"') {
            for (;;) {
                c = roster_get(r);
                if (c == EOF) {
                    roster_problem(r, start_line, start_column,
                                   "the quoted field that starts here never closes (a '\"' is missing)");
                    r->record_broken = true;
                    return true;
                }
                if (c == '"') {
                    if (roster_peek(r) != '"')
                        break;
                    roster_get(r);
                } else if (c == '\r') { /* every line break inside quotes becomes one LF */
                    if (roster_peek(r) == '\n')
                        roster_get(r);
                    c = '\n';
                }
                roster_field_append(r, field, c);
            }
            c = roster_get(r);
            if (c != r->separator && c != '\r' && c != '\n' && c != EOF) {
                roster_problem(r, start_line, start_column,
                               "text follows the closing quote of this field (a quote inside quotes is written \"\")");
                r->record_broken = true;
            }
        }
        while (c != r->separator && c != '\r' && c != '\n' && c != EOF) {
            roster_field_append(r, field, c);
            c = roster_get(r);
        }
        if (c == r->separator)
            continue;
        if (c == '\r' && roster_peek(r) == '\n')
            roster_get(r);
        return true;
    }
}

/* Blank lines and rows of bare separators, which spreadsheets leave at the end of a sheet. */
static bool roster_record_is_blank(const vb_roster_reader *r)
{
    if (r->record_broken || r->unstored_field_not_empty)
        return false;
    size_t stored = r->field_count < ROSTER_FIELD_CAPACITY ? r->field_count : ROSTER_FIELD_CAPACITY;
    for (size_t i = 0; i < stored; i++)
        if (r->fields[i].length > 0 || r->fields[i].too_long)
            return false;
    return true;
}

/* ---------------------------------------------------------------- text */

typedef enum { ROSTER_TEXT_OK, ROSTER_TEXT_TOO_LONG, ROSTER_TEXT_NOT_UTF8, ROSTER_TEXT_CONTROL } roster_text_result;

/* A field as text: valid UTF-8, converted to NFC (decomposed input is not an error), runs of
 * whitespace (space, tab, line breaks, no-break space) collapsed to one space and trimmed, no
 * control characters, and fitting out_size with its NUL. */
static roster_text_result roster_clean_text(const roster_field *field, char *out, size_t out_size)
{
    out[0] = '\0';
    if (field->too_long)
        return ROSTER_TEXT_TOO_LONG;
    bool ascii = true;
    for (size_t i = 0; i < field->length; i++) {
        unsigned char c = (unsigned char)field->bytes[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return ROSTER_TEXT_CONTROL;
        ascii = ascii && c < 0x80;
    }
    char normal[ROSTER_NORMAL_BYTES];
    size_t normal_length = field->length;
    if (ascii) { /* most fields: already NFC, skip the tables */
        memcpy(normal, field->bytes, field->length);
    } else {
        if (!vb_utf8_valid((const uint8_t *)field->bytes, field->length))
            return ROSTER_TEXT_NOT_UTF8;
        if (!vb_text_to_nfc(field->bytes, field->length, normal, sizeof normal))
            return ROSTER_TEXT_TOO_LONG;
        normal_length = strlen(normal);
    }
    size_t length = 0;
    bool space_pending = false;
    for (size_t i = 0; i < normal_length;) {
        ucs4_t uc;
        int n = u8_mbtouc(&uc, (const uint8_t *)normal + i, normal_length - i);
        if (n <= 0)
            return ROSTER_TEXT_NOT_UTF8;
        if (uc == ' ' || uc == '\t' || uc == '\n' || uc == '\r' || uc == 0xa0) {
            space_pending = length > 0;
            i += (size_t)n;
            continue;
        }
        if (uc >= 0x80 && uc <= 0x9f)
            return ROSTER_TEXT_CONTROL;
        if (length + space_pending + (size_t)n >= out_size)
            return ROSTER_TEXT_TOO_LONG;
        if (space_pending)
            out[length++] = ' ';
        space_pending = false;
        memcpy(out + length, normal + i, (size_t)n);
        length += (size_t)n;
        i += (size_t)n;
    }
    out[length] = '\0';
    return ROSTER_TEXT_OK;
}

/* Lowercase NFC of a NUL-terminated text, for comparing headers and enumerations. */
static bool roster_lowercase(const char *text, char *out, size_t out_size)
{
    size_t length = out_size - 1;
    uint8_t *result = u8_tolower((const uint8_t *)text, strlen(text), NULL, UNINORM_NFC, (uint8_t *)out, &length);
    if (!result)
        return false;
    if (result != (uint8_t *)out) { /* did not fit: libunistring allocated */
        free(result);
        return false;
    }
    out[length] = '\0';
    return true;
}

/* ---------------------------------------------------------------- header */

static bool roster_header_name_matches(const char *key, const char *name)
{
    for (; *key && *name; key++, name++) {
        char expected = (*name == '_' || *name == '-') ? ' ' : *name;
        if (*key != expected)
            return false;
    }
    return *key == *name;
}

/* The column a header cell names, or -1; key receives the cleaned cell for messages. */
static int roster_header_column(const char *clean, char *key, size_t key_size)
{
    if (!roster_lowercase(clean, key, key_size))
        return -1;
    for (char *p = key; *p; p++)
        if (*p == '_' || *p == '-')
            *p = ' ';
    for (int column = 0; column < VB_ROSTER_COLUMN_COUNT; column++)
        for (size_t i = 0; roster_columns[column].names[i]; i++)
            if (roster_header_name_matches(key, roster_columns[column].names[i]))
                return column;
    return -1;
}

static void roster_detect_separator(vb_roster_reader *r)
{
    size_t commas = 0, semicolons = 0;
    bool quoted = false;
    if (roster_peek(r) == EOF) {
        r->separator = ',';
        return;
    }
    for (size_t i = r->buffer_position; i < r->buffer_length; i++) {
        unsigned char c = r->buffer[i];
        if (c == '"')
            quoted = !quoted;
        else if (!quoted && (c == '\n' || c == '\r'))
            break;
        else if (!quoted && c == ',')
            commas++;
        else if (!quoted && c == ';')
            semicolons++;
    }
    r->separator = semicolons > commas ? ';' : ',';
}

static void roster_read_header(vb_roster_reader *r)
{
    for (int column = 0; column < VB_ROSTER_COLUMN_COUNT; column++)
        r->field_of_column[column] = -1;
    size_t problems_before = r->problem_total;
    if (!roster_read_record(r)) {
        if (r->failure.code == VB_OK)
            roster_problem(r, 1, 0, "the file is empty; its first line must name the columns");
        return;
    }
    if (r->record_broken)
        return;
    if (r->field_count > VB_ROSTER_MAX_COLUMNS) {
        roster_problem(r, r->record_line, 0, "the header has %zu columns; at most %d are read", r->field_count,
                       VB_ROSTER_MAX_COLUMNS);
        return;
    }
    r->header_field_count = r->field_count;
    for (size_t i = 0; i < r->field_count; i++) {
        const roster_field *field = &r->fields[i];
        char clean[VB_TEXT_FIELD], key[ROSTER_NORMAL_BYTES], shown[ROSTER_SHOWN_BYTES + 16];
        roster_text_result result = roster_clean_text(field, clean, sizeof clean);
        if (result != ROSTER_TEXT_OK) {
            roster_problem(r, field->line, field->column,
                           result == ROSTER_TEXT_NOT_UTF8 ? "column name is not valid UTF-8 (save the file as CSV UTF-8)"
                           : result == ROSTER_TEXT_TOO_LONG ? "column name is over the limit of "
                                                              "255 bytes"
                                                            : "column name holds a control character");
            continue;
        }
        if (!clean[0]) {
            roster_warning(r, field->line, field->column, "ignoring a column with no name");
            continue;
        }
        int column = roster_header_column(clean, key, sizeof key);
        if (column < 0) {
            roster_warning(r, field->line, field->column, "ignoring unknown column %s",
                           roster_shown(clean, shown, sizeof shown));
            continue;
        }
        int first = r->field_of_column[column];
        if (first >= 0) {
            roster_problem(r, field->line, field->column, "column %s appears twice (first at column %llu)",
                           roster_shown(clean, shown, sizeof shown), (unsigned long long)r->fields[first].column);
            continue;
        }
        r->field_of_column[column] = (int)i;
    }
    for (int column = 0; column < VB_ROSTER_COLUMN_COUNT; column++) {
        if (r->field_of_column[column] >= 0 || !roster_column_required(column, r->options.credential_type))
            continue;
        char others[128] = "";
        size_t used = 0;
        for (size_t i = 1; roster_columns[column].names[i] && used < sizeof others; i++) {
            int n = snprintf(others + used, sizeof others - used, "%s%s", i > 1 ? ", " : "",
                             roster_columns[column].names[i]);
            if (n < 0)
                break;
            used += (size_t)n;
        }
        roster_problem(r, r->record_line, 0, "missing required column '%s' (or %s)", roster_columns[column].header,
                       others);
    }
    r->header_usable = r->problem_total == problems_before;
}

/* ---------------------------------------------------------------- duplicate index */

static uint64_t roster_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static bool roster_index_grow(roster_index *index)
{
    size_t capacity = index->capacity ? 2 * index->capacity : 1024;
    uint64_t *keys = calloc(capacity, sizeof *keys);
    uint32_t *lines = calloc(capacity, sizeof *lines);
    if (!keys || !lines) {
        free(keys);
        free(lines);
        return false;
    }
    for (size_t i = 0; i < index->capacity; i++) {
        if (!index->keys[i])
            continue;
        size_t slot = roster_mix64(index->keys[i]) & (capacity - 1);
        while (keys[slot])
            slot = (slot + 1) & (capacity - 1);
        keys[slot] = index->keys[i];
        lines[slot] = index->lines[i];
    }
    if (index->keys)
        explicit_bzero(index->keys, index->capacity * sizeof *index->keys);
    free(index->keys);
    free(index->lines);
    index->keys = keys;
    index->lines = lines;
    index->capacity = capacity;
    return true;
}

/* Looks key up; if absent, adds it with line and returns 0, else returns the line first seen
 * (and UINT64_MAX if memory ran out). */
static uint64_t roster_index_add(roster_index *index, uint64_t key, uint64_t line)
{
    if (key == 0)
        key = 1;
    if ((index->count + 1) * 10 > index->capacity * 7 && !roster_index_grow(index))
        return UINT64_MAX;
    size_t slot = roster_mix64(key) & (index->capacity - 1);
    while (index->keys[slot]) {
        if (index->keys[slot] == key)
            return index->lines[slot];
        slot = (slot + 1) & (index->capacity - 1);
    }
    index->keys[slot] = key;
    index->lines[slot] = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line;
    index->count++;
    return 0;
}

static void roster_index_free(roster_index *index)
{
    if (index->keys)
        explicit_bzero(index->keys, index->capacity * sizeof *index->keys);
    free(index->keys);
    free(index->lines);
    memset(index, 0, sizeof *index);
}

/* 64-bit FNV-1a: the name key is a fingerprint, so two different graduates are reported as
 * duplicates only if their fingerprints collide (about n²/2⁶⁵: negligible at 10 million rows). */
static uint64_t roster_hash(uint64_t hash, const void *data, size_t length)
{
    const unsigned char *bytes = data;
    for (size_t i = 0; i < length; i++)
        hash = (hash ^ bytes[i]) * 0x100000001b3ull;
    return hash;
}

/* ---------------------------------------------------------------- row checks */

static const roster_field *roster_field_of(const vb_roster_reader *r, int column)
{
    int index = r->field_of_column[column];
    return index >= 0 ? &r->fields[index] : NULL;
}

/* A field of a known column as clean text; reports the problem and returns false if it is not. */
static bool roster_field_text(vb_roster_reader *r, const roster_field *field, int column, char *out, size_t out_size)
{
    const char *what = roster_columns[column].description;
    switch (roster_clean_text(field, out, out_size)) {
    case ROSTER_TEXT_OK:
        return true;
    case ROSTER_TEXT_TOO_LONG:
        roster_problem(r, field->line, field->column, "%s is over the limit of %zu bytes", what,
                       field->too_long ? (size_t)VB_MAX_TEXT_BYTES : out_size - 1);
        break;
    case ROSTER_TEXT_NOT_UTF8:
        roster_problem(r, field->line, field->column, "%s is not valid UTF-8 (save the file as CSV UTF-8)", what);
        break;
    case ROSTER_TEXT_CONTROL:
        roster_problem(r, field->line, field->column, "%s holds a control character", what);
        break;
    }
    out[0] = '\0';
    return false;
}

/* Exact printed name first (the common case), then ignoring case: "trung bình khá". */
static int roster_parse_enumeration(const char *text, int (*parse)(const char *), const char *(*name_of)(int, bool),
                                    int max)
{
    int code = parse(text);
    if (code)
        return code;
    char lower[ROSTER_NORMAL_BYTES], name[ROSTER_NORMAL_BYTES];
    if (!roster_lowercase(text, lower, sizeof lower))
        return 0;
    for (code = 1; code <= max; code++)
        if (roster_lowercase(name_of(code, false), name, sizeof name) && strcmp(lower, name) == 0)
            return code;
    return 0;
}

static int roster_age(int32_t birth, int32_t at)
{
    int by, bm, bd, ay, am, ad;
    vb_civil_from_days(birth, &by, &bm, &bd);
    vb_civil_from_days(at, &ay, &am, &ad);
    return ay - by - (am < bm || (am == bm && ad < bd));
}

static bool roster_all_digits(const char *text, size_t length)
{
    for (size_t i = 0; i < length; i++)
        if (text[i] < '0' || text[i] > '9')
            return false;
    return true;
}

static bool roster_check_name(vb_roster_reader *r, const roster_field *field, vb_roster_row *row)
{
    if (!roster_field_text(r, field, VB_ROSTER_COLUMN_NAME, row->name, sizeof row->name))
        return false;
    if (!row->name[0]) {
        roster_problem(r, field->line, field->column, "full name is empty");
        return false;
    }
    bool has_letter = false;
    size_t length = strlen(row->name);
    for (size_t i = 0; i < length;) {
        ucs4_t uc;
        int n = u8_mbtouc(&uc, (const uint8_t *)row->name + i, length - i);
        bool letter = uc_is_general_category(uc, UC_CATEGORY_L);
        bool mark = uc_is_general_category(uc, UC_CATEGORY_M);
        if (!letter && !mark && uc != ' ' && uc != '\'' && uc != 0x2019 && uc != '-') {
            if (uc_is_general_category(uc, UC_CATEGORY_N))
                roster_problem(r, field->line, field->column,
                               "full name holds a digit; only letters, spaces, apostrophes and hyphens are allowed");
            else if (!uc_is_general_category(uc, UC_CATEGORY_C) && !uc_is_general_category(uc, UC_CATEGORY_Z))
                roster_problem(r, field->line, field->column,
                               "full name holds '%.*s' (U+%04X); only letters, spaces, apostrophes and hyphens are "
                               "allowed",
                               n, row->name + i, (unsigned)uc);
            else
                roster_problem(r, field->line, field->column,
                               "full name holds the invisible character U+%04X; only letters, spaces, apostrophes and "
                               "hyphens are allowed",
                               (unsigned)uc);
            row->name[0] = '\0';
            return false;
        }
        has_letter = has_letter || letter;
        i += (size_t)n;
    }
    if (!has_letter) {
        roster_problem(r, field->line, field->column, "full name holds no letter");
        row->name[0] = '\0';
        return false;
    }
    return true;
}

/* A date column (birth or decision); *present false when the optional cell is empty. */
static bool roster_check_date(vb_roster_reader *r, const roster_field *field, int column, bool required,
                              int32_t *days, bool *present)
{
    char text[VB_TEXT_FIELD], shown[ROSTER_SHOWN_BYTES + 16];
    const char *what = roster_columns[column].description;
    *present = false;
    if (!roster_field_text(r, field, column, text, sizeof text))
        return false;
    if (!text[0]) {
        if (required)
            roster_problem(r, field->line, field->column, "%s is empty", what);
        return !required;
    }
    *present = true;
    if (!vb_date_parse_dmy(text, days)) {
        roster_problem(r, field->line, field->column, "%s %s is not a real date written dd/mm/yyyy", what,
                       roster_shown(text, shown, sizeof shown));
        *present = false;
        return false;
    }
    return true;
}

static bool roster_check_gender(vb_roster_reader *r, const roster_field *field, vb_roster_row *row)
{
    char text[VB_TEXT_FIELD], shown[ROSTER_SHOWN_BYTES + 16];
    if (!roster_field_text(r, field, VB_ROSTER_COLUMN_GENDER, text, sizeof text))
        return false;
    if (!text[0]) {
        if (!roster_column_required(VB_ROSTER_COLUMN_GENDER, r->options.credential_type))
            return true;
        roster_problem(r, field->line, field->column, "gender is empty; write Nam or Nữ");
        return false;
    }
    row->gender = roster_parse_enumeration(text, vb_gender_parse, vb_gender_name, VB_GENDER_MAX);
    if (!row->gender) {
        roster_problem(r, field->line, field->column, "gender %s is not Nam or Nữ",
                       roster_shown(text, shown, sizeof shown));
        return false;
    }
    return true;
}

/* The personal identification number (DOMAIN.md "Identifiers"): 3 digits province, 1 digit
 * century and gender, 2 digits year of birth, 6 digits. No message here may quote it, nor any
 * of its digits. */
static bool roster_check_personal_id(vb_roster_reader *r, const roster_field *field, vb_roster_row *row,
                                     bool birth_known, bool gender_known)
{
    char text[VB_TEXT_FIELD];
    const char *what = roster_columns[VB_ROSTER_COLUMN_PERSONAL_ID].description;
    if (!roster_field_text(r, field, VB_ROSTER_COLUMN_PERSONAL_ID, text, sizeof text))
        return false;
    size_t length = strlen(text);
    bool valid = true;
    if (length == 0)
        return false; /* optional, and nothing to index */
    if (!roster_all_digits(text, length)) {
        bool number_format = strpbrk(text, "Ee+.,") != NULL;
        roster_problem(r, field->line, field->column, "%s holds a character other than a digit%s", what,
                       number_format ? " (a spreadsheet may have turned it into a number: format the column as text)"
                                     : "");
        valid = false;
    } else if (length != VB_ROSTER_PERSONAL_ID_DIGITS) {
        roster_problem(r, field->line, field->column, "%s has %zu digits; it must have %d%s", what, length,
                       VB_ROSTER_PERSONAL_ID_DIGITS,
                       length == VB_ROSTER_PERSONAL_ID_DIGITS - 1
                           ? " (a spreadsheet may have dropped its leading zero: format the column as text)"
                           : "");
        valid = false;
    } else {
        int province = (text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0');
        int century_gender = text[3] - '0';
        int year_digits = (text[4] - '0') * 10 + (text[5] - '0');
        if (province < 1 || province > 96) {
            roster_problem(r, field->line, field->column,
                           "%s: its province code (digits 1-3) is not between 001 and 096", what);
            valid = false;
        }
        if (birth_known) {
            int year, month, day;
            vb_civil_from_days(row->birth_date, &year, &month, &day);
            int century_start = 1900 + 100 * (century_gender / 2);
            if (year < century_start || year >= century_start + 100) {
                roster_problem(r, field->line, field->column,
                               "%s does not agree with the century of the date of birth (digit 4)", what);
                valid = false;
            }
            if (year_digits != year % 100) {
                roster_problem(r, field->line, field->column,
                               "%s does not agree with the year of birth (digits 5-6)", what);
                valid = false;
            }
        }
        if (gender_known && row->gender != VB_GENDER_NONE &&
            (century_gender % 2 == 1) != (row->gender == VB_GENDER_FEMALE)) {
            roster_problem(r, field->line, field->column, "%s does not agree with the gender (digit 4)", what);
            valid = false;
        }
    }
    if (valid)
        memcpy(row->personal_id, text, VB_ROSTER_PERSONAL_ID_DIGITS + 1);
    explicit_bzero(text, sizeof text);
    return valid;
}

static bool roster_check_program_code(vb_roster_reader *r, const roster_field *field, vb_roster_row *row)
{
    char text[VB_TEXT_FIELD], shown[ROSTER_SHOWN_BYTES + 16];
    int type = r->options.credential_type;
    if (!roster_field_text(r, field, VB_ROSTER_COLUMN_PROGRAM_CODE, text, sizeof text))
        return false;
    size_t length = strlen(text);
    if (length == 0) {
        if (!roster_column_required(VB_ROSTER_COLUMN_PROGRAM_CODE, type))
            return true;
        roster_problem(r, field->line, field->column, "program code is empty");
        return false;
    }
    if (type == VB_TYPE_COLLEGE || type == VB_TYPE_INTERMEDIATE) {
        /* National catalogue codes: 7 digits, the first giving the level (6 college, 5 intermediate). */
        char level = type == VB_TYPE_COLLEGE ? '6' : '5';
        if (length != 7 || !roster_all_digits(text, length) || text[0] != level) {
            roster_problem(r, field->line, field->column, "program code %s is not a%s program code (7 digits beginning with %c)",
                           roster_shown(text, shown, sizeof shown),
                           type == VB_TYPE_COLLEGE ? " college" : "n intermediate", level);
            return false;
        }
    } else {
        if (length >= sizeof row->program_code) {
            roster_problem(r, field->line, field->column, "program code is over the limit of %zu bytes",
                           sizeof row->program_code - 1);
            return false;
        }
        /* The characters the record format accepts in a code. */
        for (size_t i = 0; i < length; i++) {
            char c = text[i];
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' ||
                  c == '-' || c == '_')) {
                roster_problem(r, field->line, field->column,
                               "program code %s holds a character other than a letter, digit, '.', '-' or '_'",
                               roster_shown(text, shown, sizeof shown));
                return false;
            }
        }
    }
    memcpy(row->program_code, text, length + 1);
    return true;
}

static void roster_check_enumeration(vb_roster_reader *r, const roster_field *field, int column,
                                     int (*parse)(const char *), const char *(*name_of)(int, bool), int max,
                                     int *value)
{
    char text[VB_TEXT_FIELD], shown[ROSTER_SHOWN_BYTES + 16];
    if (!roster_field_text(r, field, column, text, sizeof text) || !text[0])
        return;
    *value = roster_parse_enumeration(text, parse, name_of, max);
    if (*value)
        return;
    char allowed[160] = "";
    size_t used = 0;
    for (int code = 1; code <= max && used < sizeof allowed; code++) {
        int n = snprintf(allowed + used, sizeof allowed - used, "%s%s", code > 1 ? ", " : "", name_of(code, false));
        if (n < 0)
            break;
        used += (size_t)n;
    }
    roster_problem(r, field->line, field->column, "%s %s is not one of: %s", roster_columns[column].description,
                   roster_shown(text, shown, sizeof shown), allowed);
}

static void roster_check_row(vb_roster_reader *r, vb_roster_row *row)
{
    if (r->record_broken) /* the quoting problem is reported; the fields may be shifted */
        return;
    size_t expected = r->header_field_count;
    if (r->field_count > expected) {
        roster_problem(r, r->fields[expected].line, r->fields[expected].column,
                       "row has %zu fields; the header has %zu (a field holding '%c' must be quoted)", r->field_count,
                       expected, r->separator);
        return;
    }
    if (r->field_count < expected) {
        roster_problem(r, r->fields[0].line, r->fields[0].column, "row has %zu fields; the header has %zu",
                       r->field_count, expected);
        return;
    }

    const roster_field *field;
    int32_t issue_date = r->options.issue_date;
    char text[VB_TEXT_FIELD], shown[ROSTER_SHOWN_BYTES + 16], shown_other[ROSTER_SHOWN_BYTES + 16];

    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_SEQUENCE)) &&
        roster_clean_text(field, text, sizeof row->sequence) == ROSTER_TEXT_OK)
        memcpy(row->sequence, text, strlen(text) + 1);

    bool name_ok = roster_check_name(r, roster_field_of(r, VB_ROSTER_COLUMN_NAME), row);

    const roster_field *birth_field = roster_field_of(r, VB_ROSTER_COLUMN_BIRTH_DATE);
    bool present;
    bool birth_ok = roster_check_date(r, birth_field, VB_ROSTER_COLUMN_BIRTH_DATE, true, &row->birth_date, &present);

    bool gender_ok = true;
    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_GENDER)))
        gender_ok = roster_check_gender(r, field, row);

    bool personal_id_ok = false;
    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_PERSONAL_ID)))
        personal_id_ok = roster_check_personal_id(r, field, row, birth_ok, gender_ok);

    bool program_code_ok = true;
    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_PROGRAM_CODE)))
        program_code_ok = roster_check_program_code(r, field, row);

    field = roster_field_of(r, VB_ROSTER_COLUMN_PROGRAM_NAME);
    if (roster_field_text(r, field, VB_ROSTER_COLUMN_PROGRAM_NAME, row->program_name, sizeof row->program_name) &&
        !row->program_name[0])
        roster_problem(r, field->line, field->column, "program name is empty");

    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_CLASSIFICATION)))
        roster_check_enumeration(r, field, VB_ROSTER_COLUMN_CLASSIFICATION, vb_classification_parse,
                                 vb_classification_name, VB_CLASS_MAX, &row->classification);
    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_TRAINING_MODE)))
        roster_check_enumeration(r, field, VB_ROSTER_COLUMN_TRAINING_MODE, vb_training_mode_parse,
                                 vb_training_mode_name, VB_MODE_MAX, &row->training_mode);
    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_DECISION_NUMBER)))
        roster_field_text(r, field, VB_ROSTER_COLUMN_DECISION_NUMBER, row->decision_number,
                          sizeof row->decision_number);

    if ((field = roster_field_of(r, VB_ROSTER_COLUMN_DECISION_DATE)) &&
        roster_check_date(r, field, VB_ROSTER_COLUMN_DECISION_DATE, false, &row->decision_date, &present) &&
        present) {
        if (row->decision_date > issue_date) {
            char decision[16], issue[16];
            vb_date_format_dmy(row->decision_date, decision, sizeof decision);
            vb_date_format_dmy(issue_date, issue, sizeof issue);
            roster_problem(r, field->line, field->column, "decision date %s is after the issue date %s",
                           roster_shown(decision, shown, sizeof shown),
                           roster_shown(issue, shown_other, sizeof shown_other));
        } else {
            row->has_decision_date = true;
        }
    }

    /* Plausible age at graduation, measured at the decision when there is one. */
    if (birth_ok) {
        int32_t at = row->has_decision_date ? row->decision_date : issue_date;
        const char *at_name = row->has_decision_date ? "decision date" : "issue date";
        char birth[16], when[16];
        vb_date_format_dmy(row->birth_date, birth, sizeof birth);
        vb_date_format_dmy(at, when, sizeof when);
        int age = roster_age(row->birth_date, at);
        if (row->birth_date > at) {
            roster_problem(r, birth_field->line, birth_field->column, "date of birth %s is after the %s %s",
                           roster_shown(birth, shown, sizeof shown), at_name,
                           roster_shown(when, shown_other, sizeof shown_other));
            birth_ok = false;
        } else if (age < ROSTER_YOUNGEST_AGE || age > ROSTER_OLDEST_AGE) {
            roster_problem(r, birth_field->line, birth_field->column,
                           "date of birth %s makes the graduate %d years old at the %s %s; expected %d to %d",
                           roster_shown(birth, shown, sizeof shown), age, at_name,
                           roster_shown(when, shown_other, sizeof shown_other), ROSTER_YOUNGEST_AGE,
                           ROSTER_OLDEST_AGE);
            birth_ok = false;
        }
    }

    if (!r->options.check_duplicates)
        return;
    if (personal_id_ok) {
        field = roster_field_of(r, VB_ROSTER_COLUMN_PERSONAL_ID);
        uint64_t first = roster_index_add(&r->personal_ids, strtoull(row->personal_id, NULL, 10), row->line);
        if (first == UINT64_MAX)
            roster_set_failure(r, VB_ERR_NOMEM, "%s: out of memory for the duplicate index", r->display_name);
        else if (first)
            roster_problem(r, field->line, field->column, "personal identification number repeats the one on line %llu",
                           (unsigned long long)first);
    }
    if (name_ok && birth_ok && program_code_ok) {
        field = roster_field_of(r, VB_ROSTER_COLUMN_NAME);
        uint64_t hash = 0xcbf29ce484222325ull;
        hash = roster_hash(hash, row->name, strlen(row->name) + 1);
        hash = roster_hash(hash, row->program_code, strlen(row->program_code) + 1);
        hash = roster_hash(hash, &row->birth_date, sizeof row->birth_date);
        uint64_t first = roster_index_add(&r->name_keys, hash, row->line);
        if (first == UINT64_MAX)
            roster_set_failure(r, VB_ERR_NOMEM, "%s: out of memory for the duplicate index", r->display_name);
        else if (first)
            roster_problem(r, field->line, field->column,
                           "same full name, date of birth and program code as line %llu", (unsigned long long)first);
    }
}

/* ---------------------------------------------------------------- public */

void vb_roster_options_init(vb_roster_options *options, int credential_type, int32_t issue_date)
{
    memset(options, 0, sizeof *options);
    options->credential_type = credential_type;
    options->issue_date = issue_date;
    options->max_file_bytes = VB_ROSTER_DEFAULT_MAX_FILE_BYTES;
    options->max_rows = VB_ROSTER_DEFAULT_MAX_ROWS;
    options->max_problems = VB_ROSTER_DEFAULT_MAX_PROBLEMS;
    options->check_duplicates = true;
}

static vb_status roster_open(FILE *stream, bool owns_stream, const char *default_name,
                             const vb_roster_options *options, vb_roster_reader **out, vb_error *err)
{
    if (options->credential_type < 1 || options->credential_type > VB_TYPE_MAX)
        return vb_fail(err, VB_ERR_ARGUMENT, "credential type %d is not 1 to %d", options->credential_type,
                       VB_TYPE_MAX);
    const char *name = options->display_name ? options->display_name : default_name;
    struct stat status;
    if (fstat(fileno(stream), &status) == 0 && S_ISREG(status.st_mode) &&
        (uint64_t)status.st_size > options->max_file_bytes)
        return vb_fail(err, VB_ERR_TOO_LARGE, "%s: the file is %llu bytes, over the limit of %llu", name,
                       (unsigned long long)status.st_size, (unsigned long long)options->max_file_bytes);

    vb_roster_reader *r = calloc(1, sizeof *r);
    if (!r)
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the roster reader");
    r->fields = calloc(ROSTER_FIELD_CAPACITY, sizeof *r->fields);
    r->display_name = strdup(name);
    if (!r->fields || !r->display_name) {
        free(r->fields);
        free(r->display_name);
        free(r);
        return vb_fail(err, VB_ERR_NOMEM, "out of memory for the roster reader");
    }
    r->stream = stream;
    r->owns_stream = owns_stream;
    r->options = *options;
    r->line = 1;
    r->column = 1;

    /* A byte-order mark is not a character of the first column. */
    if (roster_peek(r) != EOF && r->buffer_length - r->buffer_position >= 3 && r->buffer[0] == 0xef &&
        r->buffer[1] == 0xbb && r->buffer[2] == 0xbf)
        r->buffer_position += 3;
    if (r->buffer_length >= 2 && ((r->buffer[0] == 0xff && r->buffer[1] == 0xfe) ||
                                  (r->buffer[0] == 0xfe && r->buffer[1] == 0xff))) {
        roster_problem(r, 1, 1, "the file is UTF-16; save it as CSV UTF-8");
    } else if (r->failure.code == VB_OK) {
        roster_detect_separator(r);
        roster_read_header(r);
    }
    if (r->failure.code != VB_OK) {
        vb_status status_code = roster_return_failure(r, err);
        r->owns_stream = false; /* the caller closes what it opened */
        vb_roster_close(r);
        return status_code;
    }
    *out = r;
    return VB_OK;
}

vb_status vb_roster_open(const char *path, const vb_roster_options *options, vb_roster_reader **reader,
                         vb_error *err)
{
    if (!path || !options || !reader)
        return vb_fail(err, VB_ERR_ARGUMENT, "vb_roster_open: missing argument");
    *reader = NULL;
    FILE *stream = fopen(path, "rb");
    if (!stream)
        return vb_fail(err, VB_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    vb_status status = roster_open(stream, true, path, options, reader, err);
    if (status != VB_OK)
        fclose(stream);
    return status;
}

vb_status vb_roster_open_stream(FILE *stream, const vb_roster_options *options, vb_roster_reader **reader,
                                vb_error *err)
{
    if (!stream || !options || !reader)
        return vb_fail(err, VB_ERR_ARGUMENT, "vb_roster_open_stream: missing argument");
    *reader = NULL;
    return roster_open(stream, false, "<stream>", options, reader, err);
}

static void roster_finish(vb_roster_reader *r)
{
    if (r->finished)
        return;
    r->finished = true;
    if (r->problem_total > r->problems_kept)
        roster_note_plain(r, "… and %zu more problems not shown", r->problem_total - r->problems_kept);
}

vb_status vb_roster_next(vb_roster_reader *r, vb_roster_row *row, bool *has_row, vb_error *err)
{
    if (!r || !row || !has_row)
        return vb_fail(err, VB_ERR_ARGUMENT, "vb_roster_next: missing argument");
    *has_row = false;
    if (r->failure.code != VB_OK)
        return roster_return_failure(r, err);
    if (r->finished || !r->header_usable) {
        roster_finish(r);
        return r->failure.code != VB_OK ? roster_return_failure(r, err) : VB_OK;
    }
    for (;;) {
        r->row_problems = 0;
        bool got = roster_read_record(r);
        if (r->failure.code != VB_OK)
            return roster_return_failure(r, err);
        if (!got) {
            roster_finish(r);
            return r->failure.code != VB_OK ? roster_return_failure(r, err) : VB_OK;
        }
        if (roster_record_is_blank(r))
            continue;
        if (++r->rows > r->options.max_rows) {
            roster_set_failure(r, VB_ERR_TOO_LARGE, "%s:%llu: more than %llu rows, the limit", r->display_name,
                               (unsigned long long)r->record_line, (unsigned long long)r->options.max_rows);
            return roster_return_failure(r, err);
        }
        memset(row, 0, sizeof *row);
        row->line = r->record_line;
        roster_check_row(r, row);
        if (r->failure.code != VB_OK)
            return roster_return_failure(r, err);
        row->problem_count = r->row_problems;
        *has_row = true;
        return VB_OK;
    }
}

/* The next byte of the input, or EOF, without the line and column keeping of roster_get. */
static inline int roster_next_byte(vb_roster_reader *r)
{
    if (r->buffer_position == r->buffer_length && !roster_fill(r))
        return EOF;
    return r->buffer[r->buffer_position++];
}

/* Counts the records roster_read_record would read and roster_record_is_blank would not skip:
 * the same RFC 4180 states (a quote opens a quoted field only at the start of a field; "" inside
 * quotes is one quote; text after the closing quote breaks the record; CR, LF and CRLF end a
 * record outside quotes), with one flag for "anything but separators and empty fields". */
static void roster_count_records(vb_roster_reader *r)
{
    const int separator = (unsigned char)r->separator;
    int c = roster_next_byte(r);
    while (c != EOF && r->failure.code == VB_OK) {
        bool content = false;
        for (;;) { /* one field */
            if (c == '"') {
                for (;;) {
                    c = roster_next_byte(r);
                    if (c == EOF) {
                        content = true; /* never closes: a broken record */
                        break;
                    }
                    if (c == '"') {
                        c = roster_next_byte(r);
                        if (c != '"')
                            break;
                    }
                    content = true;
                }
                if (c != separator && c != '\r' && c != '\n' && c != EOF)
                    content = true; /* text after the closing quote */
            }
            while (c != separator && c != '\r' && c != '\n' && c != EOF) {
                content = true;
                c = roster_next_byte(r);
            }
            if (c != separator)
                break;
            c = roster_next_byte(r);
        }
        if (c == '\r') {
            c = roster_next_byte(r);
            if (c == '\n')
                c = roster_next_byte(r);
        } else if (c == '\n') {
            c = roster_next_byte(r);
        }
        if (content && ++r->rows > r->options.max_rows)
            roster_set_failure(r, VB_ERR_TOO_LARGE, "%s: more than %llu rows, the limit", r->display_name,
                               (unsigned long long)r->options.max_rows);
    }
}

static vb_status roster_count_rows(const char *path, FILE *stream, const vb_roster_options *options, uint64_t *rows,
                                   vb_error *err)
{
    vb_roster_reader *r = NULL;
    vb_roster_options counting = *options;
    counting.check_duplicates = false;
    *rows = 0;
    vb_status s = path ? vb_roster_open(path, &counting, &r, err) : vb_roster_open_stream(stream, &counting, &r, err);
    if (s != VB_OK)
        return s;
    if (r->header_usable)
        roster_count_records(r);
    if (r->failure.code != VB_OK)
        s = roster_return_failure(r, err);
    else
        *rows = r->rows;
    vb_roster_close(r);
    return s;
}

vb_status vb_roster_count_rows(const char *path, const vb_roster_options *options, uint64_t *rows, vb_error *err)
{
    return roster_count_rows(path, NULL, options, rows, err);
}

vb_status vb_roster_count_rows_stream(FILE *stream, const vb_roster_options *options, uint64_t *rows, vb_error *err)
{
    return roster_count_rows(NULL, stream, options, rows, err);
}

void vb_roster_close(vb_roster_reader *r)
{
    if (!r)
        return;
    if (r->owns_stream)
        fclose(r->stream);
    /* The buffers held identification numbers. */
    explicit_bzero(r->buffer, sizeof r->buffer);
    explicit_bzero(r->fields, ROSTER_FIELD_CAPACITY * sizeof *r->fields);
    roster_index_free(&r->personal_ids);
    roster_index_free(&r->name_keys);
    free(r->fields);
    free(r->notes);
    free(r->display_name);
    free(r);
}

size_t vb_roster_problem_count(const vb_roster_reader *r) { return r ? r->problem_total : 0; }
uint64_t vb_roster_row_count(const vb_roster_reader *r) { return r ? r->rows : 0; }
size_t vb_roster_note_count(const vb_roster_reader *r) { return r ? r->note_count : 0; }

const vb_roster_note *vb_roster_note_at(const vb_roster_reader *r, size_t index)
{
    return r && index < r->note_count ? &r->notes[index] : NULL;
}

vb_status vb_roster_row_to_credential(const vb_roster_row *row, const vb_roster_batch *batch, vb_credential *out,
                                      vb_error *err)
{
    if (!row || !batch || !out)
        return vb_fail(err, VB_ERR_ARGUMENT, "vb_roster_row_to_credential: missing argument");
    if (row->problem_count)
        return vb_fail(err, VB_ERR_ARGUMENT, "the row at line %llu has %zu problems; it cannot be issued",
                       (unsigned long long)row->line, row->problem_count);
    if (batch->credential_type < 1 || batch->credential_type > VB_TYPE_MAX)
        return vb_fail(err, VB_ERR_ARGUMENT, "credential type %d is not 1 to %d", batch->credential_type,
                       VB_TYPE_MAX);
    memset(out, 0, sizeof *out);
    const char *school = batch->school_code ? batch->school_code : "";
    if (strlen(school) > VB_MAX_SCHOOL_CODE_BYTES)
        return vb_fail(err, VB_ERR_ARGUMENT, "school code is over %d bytes", VB_MAX_SCHOOL_CODE_BYTES);
    memcpy(out->school_code, school, strlen(school) + 1);
    const char *place = batch->issue_place ? batch->issue_place : "";
    if (!vb_text_to_nfc(place, strlen(place), out->issue_place, sizeof out->issue_place))
        return vb_fail(err, VB_ERR_ARGUMENT, "place of issue is not UTF-8 or is over %d bytes", VB_MAX_TEXT_BYTES);
    out->type = batch->credential_type;
    memcpy(out->name, row->name, sizeof out->name);
    out->birth_date = row->birth_date;
    out->gender = row->gender;
    memcpy(out->program_code, row->program_code, sizeof out->program_code);
    memcpy(out->program_name, row->program_name, sizeof out->program_name);
    out->classification = row->classification;
    out->training_mode = row->training_mode;
    out->issue_date = batch->issue_date;
    out->kind = VB_KIND_ORIGINAL;
    out->high_quality = batch->high_quality;
    return VB_OK;
}
