/*
 * template.h — print templates: where each printed field of a diploma goes on the page, in a
 * line-oriented text file a registrar copies and edits without recompiling (templates/README.md
 * is the reference for the format; the .tpl files there are the shipped ones).
 *
 * This module only reads templates and says what text each field holds for a credential; the
 * drawing (cairo, pango) is the issuer's (issuer/print.c), so the parser can be fuzzed alone.
 *
 * A template file, in short:
 *
 *     vanbang-template 1
 *     type college
 *     page 297 210                  width and height in mm
 *     font "DejaVu Serif"
 *     border 8 0.8                  full mode only: inset from the edge, line width (mm)
 *     label vi 220 22 12 center bold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
 *     field name 185 90 14 bold width 95
 *     qr 18 146 36                  left, top, side in mm, quiet zone included
 *
 * Positions are in mm from the top-left corner of the page; a text's y is its baseline, its x
 * the left edge, centre or right edge as its alignment says; sizes are in points.
 */
#ifndef VB_TEMPLATE_H
#define VB_TEMPLATE_H

#include "record.h"
#include "vanbang.h"

#include <stdbool.h>
#include <stddef.h>

#define VB_TEMPLATE_FORMAT_VERSION 1
#define VB_TEMPLATE_MAX_BYTES (64u * 1024)  /* a template file */
#define VB_TEMPLATE_MAX_LINE 1024           /* bytes of one line, without its end */
#define VB_TEMPLATE_MAX_ITEMS 200           /* labels and fields together */
#define VB_TEMPLATE_MAX_BORDERS 4
#define VB_TEMPLATE_MAX_FONT 63             /* bytes of a font family name */
#define VB_TEMPLATE_MAX_PROBLEMS 50         /* reported before the parser gives up */
/* Page sides from a business card to A0 and beyond; fonts from a footnote to a headline. */
#define VB_TEMPLATE_MIN_PAGE_MM 50.0
#define VB_TEMPLATE_MAX_PAGE_MM 1200.0
#define VB_TEMPLATE_MIN_FONT_PT 4.0
#define VB_TEMPLATE_MAX_FONT_PT 96.0
/* A QR side below 15 mm is too small for a phone camera to read a version-10 symbol. */
#define VB_TEMPLATE_MIN_QR_MM 15.0

/* The printed fields. Each names a text derived from the credential (vb_template_field_text). */
typedef enum {
    VB_FIELD_CREDENTIAL_TITLE = 1, /* Bằng tốt nghiệp cao đẳng */
    VB_FIELD_CREDENTIAL_TITLE_EN,  /* College diploma */
    VB_FIELD_SCHOOL_NAME,          /* the signer certificate's O=, else the school code */
    VB_FIELD_SCHOOL_CODE,
    VB_FIELD_NAME,
    VB_FIELD_BIRTH_DATE,           /* dd/mm/yyyy */
    VB_FIELD_GENDER,
    VB_FIELD_GENDER_EN,
    VB_FIELD_PROGRAM,              /* program (ngành/nghề) or course name */
    VB_FIELD_PROGRAM_CODE,
    VB_FIELD_CLASSIFICATION,
    VB_FIELD_CLASSIFICATION_EN,
    VB_FIELD_TRAINING_MODE,
    VB_FIELD_TRAINING_MODE_EN,
    VB_FIELD_ISSUE_PLACE,
    VB_FIELD_ISSUE_DATE,           /* dd/mm/yyyy */
    VB_FIELD_ISSUE_DAY,            /* "05": for forms printed "ngày … tháng … năm …" */
    VB_FIELD_ISSUE_MONTH,          /* "06" */
    VB_FIELD_ISSUE_YEAR,           /* "2026" */
    VB_FIELD_ISSUE_PLACE_DATE,     /* "Hà Nội, 30/06/2026" */
    VB_FIELD_SERIAL,
    VB_FIELD_REGISTER_NUMBER,      /* "123" */
    VB_FIELD_REGISTER_YEAR,        /* "2026" */
    VB_FIELD_REGISTER,             /* "123/2026" */
    VB_FIELD_HIGH_QUALITY,         /* "Chương trình chất lượng cao", or nothing */
    VB_FIELD_HIGH_QUALITY_EN,
    VB_FIELD_KIND,                 /* "Bản sao từ sổ gốc", "Bản chỉnh sửa", nothing for an original */
    VB_FIELD_KIND_EN,
    VB_FIELD_COPY_NUMBER,          /* a copy's number, or nothing */
} vb_template_field;
#define VB_FIELD_MAX VB_FIELD_COPY_NUMBER

typedef enum { VB_ALIGN_LEFT = 0, VB_ALIGN_CENTER = 1, VB_ALIGN_RIGHT = 2 } vb_template_align;
typedef enum { VB_ITEM_LABEL = 1, VB_ITEM_FIELD = 2 } vb_template_item_kind;
typedef enum { VB_LANGUAGE_VI = 1, VB_LANGUAGE_EN = 2 } vb_template_language;

/* One text on the page: a fixed label (full-sheet mode only) or a field of the credential. */
typedef struct {
    vb_template_item_kind kind;
    vb_template_field field;       /* VB_ITEM_FIELD */
    vb_template_language language; /* VB_ITEM_LABEL */
    char text[VB_MAX_TEXT_BYTES + 1]; /* VB_ITEM_LABEL: UTF-8, NFC */
    double x, y;                   /* mm from the top-left corner; y is the baseline */
    double size;                   /* points */
    double width;                  /* mm the text may take before it is shrunk to fit; 0 = any */
    vb_template_align align;
    bool bold, italic, upper;
    unsigned line;                 /* in the template file, for messages */
} vb_template_item;

typedef struct {
    double inset, line_width;      /* mm */
} vb_template_border;

typedef struct {
    int credential_type;           /* vb_credential_type the template is drawn for */
    double page_width, page_height; /* mm */
    char font[VB_TEMPLATE_MAX_FONT + 1];
    double qr_x, qr_y, qr_size;    /* mm: top-left corner and side, quiet zone included */
    vb_template_border borders[VB_TEMPLATE_MAX_BORDERS];
    size_t border_count;
    vb_template_item items[VB_TEMPLATE_MAX_ITEMS];
    size_t item_count;
} vb_template;

/* Receives each problem as "NAME:LINE: message" (NAME the display name given to the parser). */
typedef void (*vb_template_problem_fn)(void *context, const char *message);

/* Parses a template of `length` bytes (need not be NUL-terminated). Every problem is passed to
 * `report` (may be NULL), up to VB_TEMPLATE_MAX_PROBLEMS; the result is VB_OK only when there
 * was none, else VB_ERR_ARGUMENT with err holding the first problem (VB_ERR_TOO_LARGE for a
 * file over VB_TEMPLATE_MAX_BYTES). *problem_count (may be NULL) receives how many there were.
 * `name` is the file name put in front of each message. */
vb_status vb_template_parse(const char *name, const char *text, size_t length, vb_template *tpl,
                            vb_template_problem_fn report, void *context, size_t *problem_count, vb_error *err);

/* The same from a file (at most VB_TEMPLATE_MAX_BYTES). */
vb_status vb_template_load(const char *path, vb_template *tpl, vb_template_problem_fn report, void *context,
                           size_t *problem_count, vb_error *err);

/* The template keyword of a field ("birth_date"), or NULL; and back (0 if unknown). */
const char *vb_template_field_keyword(vb_template_field field);
vb_template_field vb_template_field_parse(const char *keyword);

/* Writes the printed text of `field` for `credential` into out (NUL-terminated; empty when the
 * credential has no such value, e.g. no classification). school_name is what the school_name
 * field prints (NULL or "" gives the school code). Returns false when out is too small. */
bool vb_template_field_text(vb_template_field field, const vb_credential *credential, const char *school_name,
                            char *out, size_t out_size);

#endif
