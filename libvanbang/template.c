/*
 * template.c — the print-template reader and the printed text of each field (template.h;
 * templates/README.md describes the format for registrars).
 *
 * The reader is strict and says where: every problem is "FILE:LINE: message", it goes on after
 * one so a registrar sees all of them at once, and a template with any problem prints nothing.
 * Numbers are read by hand rather than with strtod, so a locale's decimal comma can neither
 * break a template nor make "1e3" or "nan" pass as a position.
 */
#include "template.h"

#include "cbor.h"
#include "fileio.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_TOKENS 24
#define MM_PER_POINT (25.4 / 72.0)

static const struct {
    const char *keyword;
    vb_template_field field;
} field_keywords[] = {
    {"credential_title", VB_FIELD_CREDENTIAL_TITLE},
    {"credential_title_en", VB_FIELD_CREDENTIAL_TITLE_EN},
    {"school_name", VB_FIELD_SCHOOL_NAME},
    {"school_code", VB_FIELD_SCHOOL_CODE},
    {"name", VB_FIELD_NAME},
    {"birth_date", VB_FIELD_BIRTH_DATE},
    {"gender", VB_FIELD_GENDER},
    {"gender_en", VB_FIELD_GENDER_EN},
    {"program", VB_FIELD_PROGRAM},
    {"program_code", VB_FIELD_PROGRAM_CODE},
    {"classification", VB_FIELD_CLASSIFICATION},
    {"classification_en", VB_FIELD_CLASSIFICATION_EN},
    {"training_mode", VB_FIELD_TRAINING_MODE},
    {"training_mode_en", VB_FIELD_TRAINING_MODE_EN},
    {"issue_place", VB_FIELD_ISSUE_PLACE},
    {"issue_date", VB_FIELD_ISSUE_DATE},
    {"issue_day", VB_FIELD_ISSUE_DAY},
    {"issue_month", VB_FIELD_ISSUE_MONTH},
    {"issue_year", VB_FIELD_ISSUE_YEAR},
    {"issue_place_date", VB_FIELD_ISSUE_PLACE_DATE},
    {"serial", VB_FIELD_SERIAL},
    {"register_number", VB_FIELD_REGISTER_NUMBER},
    {"register_year", VB_FIELD_REGISTER_YEAR},
    {"register", VB_FIELD_REGISTER},
    {"high_quality", VB_FIELD_HIGH_QUALITY},
    {"high_quality_en", VB_FIELD_HIGH_QUALITY_EN},
    {"kind", VB_FIELD_KIND},
    {"kind_en", VB_FIELD_KIND_EN},
    {"copy_number", VB_FIELD_COPY_NUMBER},
};
#define FIELD_COUNT (sizeof field_keywords / sizeof field_keywords[0])

/* The same names as `vanbang-issue --type`. */
static const struct {
    const char *keyword;
    int type;
} type_keywords[] = {
    {"college", VB_TYPE_COLLEGE},
    {"intermediate", VB_TYPE_INTERMEDIATE},
    {"vocational-secondary", VB_TYPE_VOCATIONAL_SECONDARY},
    {"elementary", VB_TYPE_ELEMENTARY},
    {"certificate", VB_TYPE_OTHER_CERTIFICATE},
};

const char *vb_template_field_keyword(vb_template_field field)
{
    for (size_t i = 0; i < FIELD_COUNT; i++)
        if (field_keywords[i].field == field)
            return field_keywords[i].keyword;
    return NULL;
}

vb_template_field vb_template_field_parse(const char *keyword)
{
    for (size_t i = 0; i < FIELD_COUNT; i++)
        if (strcmp(field_keywords[i].keyword, keyword) == 0)
            return field_keywords[i].field;
    return 0;
}

/* ------------------------------------------------------------------------------ the reader */

typedef struct {
    const char *name;
    vb_template_problem_fn report;
    void *context;
    size_t problems;
    vb_error *err;
    unsigned line;
} parser;

static void problem(parser *p, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void problem(parser *p, unsigned line, const char *fmt, ...)
{
    char what[320], message[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(what, sizeof what, fmt, args);
    va_end(args);
    if (line)
        snprintf(message, sizeof message, "%s:%u: %s", p->name, line, what);
    else
        snprintf(message, sizeof message, "%s: %s", p->name, what);
    if (p->problems == 0)
        vb_fail(p->err, VB_ERR_ARGUMENT, "%s", message);
    if (p->problems < VB_TEMPLATE_MAX_PROBLEMS && p->report)
        p->report(p->context, message);
    p->problems++;
}

typedef struct {
    char *text;
    size_t length;
    bool quoted;
} token;

/* Writes at most `limit` bytes of a token into out for a message, with "…" when cut, and
 * anything unprintable as '?', so a message never carries control bytes or broken UTF-8. */
static const char *shown(const token *t, char *out, size_t out_size)
{
    size_t limit = out_size > 8 ? out_size - 8 : 0, used = 0;
    for (size_t i = 0; i < t->length && used < limit; i++) {
        unsigned char c = (unsigned char)t->text[i];
        out[used++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (t->length > limit && out_size >= 4)
        memcpy(out + used, "...", 3), used += 3;
    out[used] = '\0';
    return out;
}

/* Splits one line (without its end) into tokens. Bare words end at space, tab, '"' or '#';
 * a quoted string keeps its spaces and reads \" and \\ as " and \. Text after '#' outside
 * quotes is a comment. `storage` must hold length + 1 bytes. Returns the token count, or -1
 * after reporting a problem. */
static int split_line(parser *p, const char *line, size_t length, char *storage, token *tokens)
{
    int count = 0;
    size_t i = 0, used = 0;
    while (i < length) {
        char c = line[i];
        if (c == ' ' || c == '\t') {
            i++;
            continue;
        }
        if (c == '#')
            break;
        if (count == MAX_TOKENS) {
            problem(p, p->line, "more than %d words on one line", MAX_TOKENS);
            return -1;
        }
        token *t = &tokens[count++];
        t->text = storage + used;
        t->quoted = c == '"';
        if (t->quoted) {
            i++;
            for (;;) {
                if (i == length) {
                    problem(p, p->line, "a quoted text is not closed with \"");
                    return -1;
                }
                c = line[i++];
                if (c == '"')
                    break;
                if (c == '\\' && i < length && (line[i] == '"' || line[i] == '\\'))
                    c = line[i++];
                storage[used++] = c;
            }
            if (i < length && line[i] != ' ' && line[i] != '\t' && line[i] != '#') {
                problem(p, p->line, "put a space after the closing \" of a quoted text");
                return -1;
            }
        } else {
            while (i < length && line[i] != ' ' && line[i] != '\t' && line[i] != '"' && line[i] != '#')
                storage[used++] = line[i++];
        }
        t->length = (size_t)(storage + used - t->text);
        storage[used++] = '\0';
    }
    return count;
}

/* A length in mm or a size in points: digits, optionally '.' and up to three more digits.
 * No sign, exponent, comma or "nan"; at most 9999.999. */
static bool parse_number(const token *t, double *value)
{
    size_t i = 0, whole_digits = 0, fraction_digits = 0;
    double whole = 0, fraction = 0, scale = 1;
    if (t->quoted)
        return false;
    for (; i < t->length && t->text[i] >= '0' && t->text[i] <= '9'; i++, whole_digits++)
        whole = whole * 10 + (t->text[i] - '0');
    if (i < t->length && t->text[i] == '.') {
        for (i++; i < t->length && t->text[i] >= '0' && t->text[i] <= '9'; i++, fraction_digits++) {
            scale /= 10;
            fraction += (t->text[i] - '0') * scale;
        }
        if (fraction_digits == 0)
            return false;
    }
    if (i != t->length || whole_digits == 0 || whole_digits > 4 || fraction_digits > 3)
        return false;
    *value = whole + fraction;
    return true;
}

/* Reads tokens[index] as a number in [low, high]; reports and returns false otherwise. */
static bool number_in(parser *p, const token *tokens, int count, int index, const char *what, double low,
                      double high, double *value)
{
    char seen[48];
    if (index >= count) {
        problem(p, p->line, "%s is missing", what);
        return false;
    }
    if (!parse_number(&tokens[index], value)) {
        problem(p, p->line, "bad number '%s' for %s: write it as 12 or 12.5", shown(&tokens[index], seen, sizeof seen),
                what);
        return false;
    }
    if (*value < low || *value > high) {
        problem(p, p->line, "%s %g is outside %g to %g", what, *value, low, high);
        return false;
    }
    return true;
}

static bool word_is(const token *t, const char *word)
{
    return !t->quoted && strcmp(t->text, word) == 0;
}

/* A quoted or bare text of a template: valid UTF-8, no control characters, at most `limit`
 * bytes once in NFC (written to out, of limit + 1 bytes). */
static bool read_text(parser *p, const token *t, const char *what, char *out, size_t limit)
{
    if (t->length == 0) {
        problem(p, p->line, "%s is empty", what);
        return false;
    }
    if (!vb_utf8_valid((const uint8_t *)t->text, t->length)) {
        problem(p, p->line, "%s is not valid UTF-8 (save the template as UTF-8)", what);
        return false;
    }
    for (size_t i = 0; i < t->length; i++)
        if ((unsigned char)t->text[i] < 0x20 || t->text[i] == 0x7f) {
            problem(p, p->line, "%s holds a control character", what);
            return false;
        }
    if (!vb_text_to_nfc(t->text, t->length, out, limit + 1)) {
        problem(p, p->line, "%s is longer than %zu bytes", what, limit);
        return false;
    }
    return true;
}

typedef struct {
    unsigned header, type, page, font, qr; /* line where each was given, 0 = not yet */
} seen_lines;

static bool need_page(parser *p, const seen_lines *seen, const char *keyword)
{
    if (seen->page)
        return true;
    problem(p, p->line, "'page' must come before the first '%s' (positions are checked against it)", keyword);
    return false;
}

/* The options after a text's size: left|center|right, bold, italic, upper, width W. */
static void read_text_options(parser *p, const vb_template *tpl, const token *tokens, int count, int first,
                              vb_template_item *item, bool *ok)
{
    char seen[48];
    for (int i = first; i < count; i++) {
        const token *t = &tokens[i];
        if (word_is(t, "left"))
            item->align = VB_ALIGN_LEFT;
        else if (word_is(t, "center") || word_is(t, "centre"))
            item->align = VB_ALIGN_CENTER;
        else if (word_is(t, "right"))
            item->align = VB_ALIGN_RIGHT;
        else if (word_is(t, "bold"))
            item->bold = true;
        else if (word_is(t, "italic"))
            item->italic = true;
        else if (word_is(t, "upper"))
            item->upper = true;
        else if (word_is(t, "width")) {
            if (!number_in(p, tokens, count, ++i, "width (mm)", 1, tpl->page_width, &item->width))
                *ok = false;
        } else {
            problem(p, p->line, "unknown option '%s' (options: left, center, right, bold, italic, upper, width MM)",
                    shown(t, seen, sizeof seen));
            *ok = false;
        }
    }
}

/* Where a text sits on the page: its anchor, and the width it may take, inside the page; a
 * baseline too close to the top would put the letters above it off the sheet. */
static bool text_on_page(parser *p, const vb_template *tpl, const vb_template_item *item)
{
    double left = item->x, right = item->x;
    if (item->width > 0) {
        if (item->align == VB_ALIGN_LEFT)
            right = item->x + item->width;
        else if (item->align == VB_ALIGN_RIGHT)
            left = item->x - item->width;
        else
            left = item->x - item->width / 2, right = item->x + item->width / 2;
    }
    if (left < 0 || right > tpl->page_width || item->y > tpl->page_height ||
        item->y < item->size * MM_PER_POINT * 0.8) {
        problem(p, p->line, "position off the page: x %g, y %g (width %g) on a page of %g x %g mm", item->x, item->y,
                item->width, tpl->page_width, tpl->page_height);
        return false;
    }
    return true;
}

static vb_template_item *new_item(parser *p, vb_template *tpl)
{
    if (tpl->item_count == VB_TEMPLATE_MAX_ITEMS) {
        problem(p, p->line, "more than %d labels and fields", VB_TEMPLATE_MAX_ITEMS);
        return NULL;
    }
    vb_template_item *item = &tpl->items[tpl->item_count];
    memset(item, 0, sizeof *item);
    item->line = p->line;
    return item;
}

static bool once(parser *p, unsigned *where, const char *keyword)
{
    if (*where) {
        problem(p, p->line, "'%s' is given twice (first on line %u)", keyword, *where);
        return false;
    }
    *where = p->line;
    return true;
}

static void read_line(parser *p, vb_template *tpl, seen_lines *seen, token *tokens, int count)
{
    char shown_text[48];
    const token *keyword = &tokens[0];
    bool ok = true;
    if (!seen->header) {
        double version;
        seen->header = p->line;
        if (!word_is(keyword, "vanbang-template"))
            /* Said once; the line is then read as any other, so its own mistakes show too. */
            problem(p, p->line, "the first line must be 'vanbang-template %d'", VB_TEMPLATE_FORMAT_VERSION);
        else {
            if (count != 2 || !parse_number(&tokens[1], &version) || version != VB_TEMPLATE_FORMAT_VERSION)
                problem(p, p->line, "this program reads template format 'vanbang-template %d'",
                        VB_TEMPLATE_FORMAT_VERSION);
            return;
        }
    }
    if (word_is(keyword, "vanbang-template")) {
        problem(p, p->line, "'vanbang-template' belongs on the first line only");
    } else if (word_is(keyword, "type")) {
        if (!once(p, &seen->type, "type"))
            return;
        if (count != 2) {
            problem(p, p->line, "write 'type college' (or intermediate, vocational-secondary, elementary, certificate)");
            return;
        }
        for (size_t i = 0; i < sizeof type_keywords / sizeof type_keywords[0]; i++)
            if (word_is(&tokens[1], type_keywords[i].keyword))
                tpl->credential_type = type_keywords[i].type;
        if (!tpl->credential_type)
            problem(p, p->line,
                    "unknown credential type '%s' (college, intermediate, vocational-secondary, elementary, "
                    "certificate)",
                    shown(&tokens[1], shown_text, sizeof shown_text));
    } else if (word_is(keyword, "page")) {
        if (!once(p, &seen->page, "page"))
            return;
        if (count != 3) {
            problem(p, p->line, "write 'page WIDTH HEIGHT' in mm, e.g. 'page 297 210' for A4 landscape");
            tpl->page_width = tpl->page_height = VB_TEMPLATE_MAX_PAGE_MM;
            return;
        }
        if (!number_in(p, tokens, count, 1, "page width (mm)", VB_TEMPLATE_MIN_PAGE_MM, VB_TEMPLATE_MAX_PAGE_MM,
                       &tpl->page_width) ||
            !number_in(p, tokens, count, 2, "page height (mm)", VB_TEMPLATE_MIN_PAGE_MM, VB_TEMPLATE_MAX_PAGE_MM,
                       &tpl->page_height)) {
            /* Positions cannot be checked against a page that is not there: say so once. */
            tpl->page_width = tpl->page_height = VB_TEMPLATE_MAX_PAGE_MM;
        }
    } else if (word_is(keyword, "font")) {
        if (!once(p, &seen->font, "font"))
            return;
        if (count != 2) {
            problem(p, p->line, "write 'font \"FAMILY\"', e.g. font \"DejaVu Serif\"");
            return;
        }
        read_text(p, &tokens[1], "the font family", tpl->font, VB_TEMPLATE_MAX_FONT);
    } else if (word_is(keyword, "border")) {
        double inset, width;
        if (!need_page(p, seen, "border"))
            return;
        if (count != 3) {
            problem(p, p->line, "write 'border INSET LINE_WIDTH' in mm, e.g. 'border 8 0.8'");
            return;
        }
        double smaller = tpl->page_width < tpl->page_height ? tpl->page_width : tpl->page_height;
        if (!number_in(p, tokens, count, 1, "border inset (mm)", 0, smaller / 2 - 1, &inset) ||
            !number_in(p, tokens, count, 2, "border line width (mm)", 0.05, 5, &width))
            return;
        if (tpl->border_count == VB_TEMPLATE_MAX_BORDERS) {
            problem(p, p->line, "more than %d borders", VB_TEMPLATE_MAX_BORDERS);
            return;
        }
        tpl->borders[tpl->border_count++] = (vb_template_border){inset, width};
    } else if (word_is(keyword, "qr")) {
        if (!need_page(p, seen, "qr") || !once(p, &seen->qr, "qr"))
            return;
        if (count != 4) {
            problem(p, p->line, "write 'qr LEFT TOP SIDE' in mm, e.g. 'qr 18 146 36'");
            return;
        }
        if (!number_in(p, tokens, count, 1, "qr left (mm)", 0, VB_TEMPLATE_MAX_PAGE_MM, &tpl->qr_x) ||
            !number_in(p, tokens, count, 2, "qr top (mm)", 0, VB_TEMPLATE_MAX_PAGE_MM, &tpl->qr_y) ||
            !number_in(p, tokens, count, 3, "qr side (mm)", VB_TEMPLATE_MIN_QR_MM, VB_TEMPLATE_MAX_PAGE_MM,
                       &tpl->qr_size))
            return;
        if (tpl->qr_x + tpl->qr_size > tpl->page_width || tpl->qr_y + tpl->qr_size > tpl->page_height)
            problem(p, p->line, "position off the page: the QR code spans %g..%g x %g..%g mm on a page of %g x %g mm",
                    tpl->qr_x, tpl->qr_x + tpl->qr_size, tpl->qr_y, tpl->qr_y + tpl->qr_size, tpl->page_width,
                    tpl->page_height);
    } else if (word_is(keyword, "field") || word_is(keyword, "label")) {
        bool is_label = keyword->text[0] == 'l';
        if (!need_page(p, seen, keyword->text))
            return;
        vb_template_item *item = new_item(p, tpl);
        if (!item)
            return;
        int last = count; /* options run up to here; a label's text is the last word */
        if (count < 5) {
            problem(p, p->line, is_label ? "write 'label vi|en X Y SIZE [options] \"TEXT\"'"
                                         : "write 'field NAME X Y SIZE [options]'");
            return;
        }
        if (is_label) {
            item->kind = VB_ITEM_LABEL;
            if (word_is(&tokens[1], "vi"))
                item->language = VB_LANGUAGE_VI;
            else if (word_is(&tokens[1], "en"))
                item->language = VB_LANGUAGE_EN;
            else {
                problem(p, p->line, "a label's language is vi or en, not '%s'",
                        shown(&tokens[1], shown_text, sizeof shown_text));
                ok = false;
            }
            last = count - 1;
            if (!tokens[last].quoted || last < 5) {
                problem(p, p->line, "a label ends with its text in quotes: label vi X Y SIZE [options] \"TEXT\"");
                return;
            }
            if (!read_text(p, &tokens[last], "the label text", item->text, VB_MAX_TEXT_BYTES))
                ok = false;
        } else {
            item->kind = VB_ITEM_FIELD;
            item->field = tokens[1].quoted ? 0 : vb_template_field_parse(tokens[1].text);
            if (!item->field) {
                problem(p, p->line, "unknown field '%s' (see templates/README.md for the list: name, birth_date, "
                                    "program, serial, …)",
                        shown(&tokens[1], shown_text, sizeof shown_text));
                ok = false;
            }
        }
        if (!number_in(p, tokens, last, 2, "x (mm)", 0, VB_TEMPLATE_MAX_PAGE_MM, &item->x) ||
            !number_in(p, tokens, last, 3, "y (mm)", 0, VB_TEMPLATE_MAX_PAGE_MM, &item->y) ||
            !number_in(p, tokens, last, 4, "font size (pt)", VB_TEMPLATE_MIN_FONT_PT, VB_TEMPLATE_MAX_FONT_PT,
                       &item->size))
            return;
        read_text_options(p, tpl, tokens, last, 5, item, &ok);
        if (ok && text_on_page(p, tpl, item))
            tpl->item_count++;
    } else {
        problem(p, p->line, "unknown keyword '%s' (type, page, font, border, label, field, qr)",
                shown(keyword, shown_text, sizeof shown_text));
    }
}

vb_status vb_template_parse(const char *name, const char *text, size_t length, vb_template *tpl,
                            vb_template_problem_fn report, void *context, size_t *problem_count, vb_error *err)
{
    parser p = {name ? name : "template", report, context, 0, err, 0};
    seen_lines seen = {0};
    token tokens[MAX_TOKENS];
    char storage[VB_TEMPLATE_MAX_LINE + 1];
    memset(tpl, 0, sizeof *tpl);
    memcpy(tpl->font, "DejaVu Serif", sizeof "DejaVu Serif");
    if (problem_count)
        *problem_count = 0;
    if (length > VB_TEMPLATE_MAX_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "%s: a template is at most %u bytes, this one is %zu", p.name,
                       VB_TEMPLATE_MAX_BYTES, length);
    size_t at = 0;
    if (length >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        at = 3; /* editors on Windows save UTF-8 with a byte-order mark */
    while (at < length && p.problems < VB_TEMPLATE_MAX_PROBLEMS) {
        const char *line = text + at;
        const char *end = memchr(line, '\n', length - at);
        size_t line_length = end ? (size_t)(end - line) : length - at;
        at += line_length + (end != NULL);
        p.line++;
        if (line_length && line[line_length - 1] == '\r')
            line_length--;
        if (line_length > VB_TEMPLATE_MAX_LINE) {
            problem(&p, p.line, "line is %zu bytes long; the limit is %d", line_length, VB_TEMPLATE_MAX_LINE);
            continue;
        }
        if (memchr(line, '\0', line_length)) {
            problem(&p, p.line, "line holds a NUL byte: is this a text file?");
            continue;
        }
        int count = split_line(&p, line, line_length, storage, tokens);
        if (count > 0)
            read_line(&p, tpl, &seen, tokens, count);
    }
    if (!seen.header)
        problem(&p, 0, "empty template: the first line must be 'vanbang-template %d'", VB_TEMPLATE_FORMAT_VERSION);
    else {
        if (!seen.type)
            problem(&p, 0, "no 'type' line: say which credential the template prints (e.g. 'type college')");
        if (!seen.page)
            problem(&p, 0, "no 'page' line: give the sheet's size in mm (e.g. 'page 297 210')");
        if (!seen.qr)
            problem(&p, 0, "no 'qr' line: every diploma carries its verification QR code (e.g. 'qr 18 146 36')");
    }
    if (problem_count)
        *problem_count = p.problems;
    return p.problems ? VB_ERR_ARGUMENT : VB_OK;
}

vb_status vb_template_load(const char *path, vb_template *tpl, vb_template_problem_fn report, void *context,
                           size_t *problem_count, vb_error *err)
{
    uint8_t *data;
    size_t length;
    if (problem_count)
        *problem_count = 0;
    vb_status s = vb_file_read_all(path, VB_TEMPLATE_MAX_BYTES, &data, &length, err);
    if (s != VB_OK)
        return s;
    s = vb_template_parse(path, (const char *)data, length, tpl, report, context, problem_count, err);
    free(data);
    return s;
}

/* ------------------------------------------------------------------------ what fields print */

static bool put(char *out, size_t out_size, const char *text)
{
    size_t length = text ? strlen(text) : 0;
    if (length >= out_size)
        return false;
    memcpy(out, text ? text : "", length + 1);
    return true;
}

static bool put_format(char *out, size_t out_size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool put_format(char *out, size_t out_size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(out, out_size, fmt, args);
    va_end(args);
    return n >= 0 && (size_t)n < out_size;
}

bool vb_template_field_text(vb_template_field field, const vb_credential *c, const char *school_name, char *out,
                            size_t out_size)
{
    char date[16];
    int year, month, day;
    if (out_size == 0)
        return false;
    out[0] = '\0';
    unsigned register_year = c->register_year;
    if (!register_year) { /* left out of the record when it is the year of issue */
        vb_civil_from_days(c->issue_date, &year, &month, &day);
        register_year = (unsigned)year;
    }
    switch (field) {
    case VB_FIELD_CREDENTIAL_TITLE: return put(out, out_size, vb_credential_type_name(c->type, false));
    case VB_FIELD_CREDENTIAL_TITLE_EN: return put(out, out_size, vb_credential_type_name(c->type, true));
    case VB_FIELD_SCHOOL_NAME:
        return put(out, out_size, school_name && school_name[0] ? school_name : c->school_code);
    case VB_FIELD_SCHOOL_CODE: return put(out, out_size, c->school_code);
    case VB_FIELD_NAME: return put(out, out_size, c->name);
    case VB_FIELD_BIRTH_DATE:
        vb_date_format_dmy(c->birth_date, out, out_size);
        return out_size >= 11;
    case VB_FIELD_GENDER: return put(out, out_size, vb_gender_name(c->gender, false));
    case VB_FIELD_GENDER_EN: return put(out, out_size, vb_gender_name(c->gender, true));
    case VB_FIELD_PROGRAM: return put(out, out_size, c->program_name);
    case VB_FIELD_PROGRAM_CODE: return put(out, out_size, c->program_code);
    case VB_FIELD_CLASSIFICATION: return put(out, out_size, vb_classification_name(c->classification, false));
    case VB_FIELD_CLASSIFICATION_EN: return put(out, out_size, vb_classification_name(c->classification, true));
    case VB_FIELD_TRAINING_MODE: return put(out, out_size, vb_training_mode_name(c->training_mode, false));
    case VB_FIELD_TRAINING_MODE_EN: return put(out, out_size, vb_training_mode_name(c->training_mode, true));
    case VB_FIELD_ISSUE_PLACE: return put(out, out_size, c->issue_place);
    case VB_FIELD_ISSUE_DATE:
        vb_date_format_dmy(c->issue_date, out, out_size);
        return out_size >= 11;
    case VB_FIELD_ISSUE_DAY:
    case VB_FIELD_ISSUE_MONTH:
    case VB_FIELD_ISSUE_YEAR:
        vb_civil_from_days(c->issue_date, &year, &month, &day);
        return field == VB_FIELD_ISSUE_YEAR ? put_format(out, out_size, "%d", year)
                                            : put_format(out, out_size, "%02d", field == VB_FIELD_ISSUE_DAY ? day : month);
    case VB_FIELD_ISSUE_PLACE_DATE:
        vb_date_format_dmy(c->issue_date, date, sizeof date);
        return put_format(out, out_size, "%s, %s", c->issue_place, date);
    case VB_FIELD_SERIAL: return put(out, out_size, c->serial);
    case VB_FIELD_REGISTER_NUMBER: return put_format(out, out_size, "%u", (unsigned)c->register_number);
    case VB_FIELD_REGISTER_YEAR: return put_format(out, out_size, "%u", register_year);
    case VB_FIELD_REGISTER:
        return put_format(out, out_size, "%u/%u", (unsigned)c->register_number, register_year);
    case VB_FIELD_HIGH_QUALITY: return put(out, out_size, c->high_quality ? "Chương trình chất lượng cao" : "");
    case VB_FIELD_HIGH_QUALITY_EN: return put(out, out_size, c->high_quality ? "High-quality programme" : "");
    case VB_FIELD_KIND:
    case VB_FIELD_KIND_EN:
        if (c->kind == VB_KIND_CORRECTION || c->kind == VB_KIND_COPY)
            return put(out, out_size, vb_kind_name(c->kind, field == VB_FIELD_KIND_EN));
        return true;
    case VB_FIELD_COPY_NUMBER:
        return c->kind == VB_KIND_COPY ? put_format(out, out_size, "%u", (unsigned)c->copy_number) : true;
    }
    return true;
}
