/*
 * issuer/print.c — `vanbang-issue print`: the diplomas of a signed batch as a PDF, one page per
 * credential, laid out by a print template (libvanbang/template.h, templates/README.md).
 *
 * What is printed comes from the signed records, never from the manifest's other columns: each
 * row's link is decoded (and, with --trust, verified, so only genuine records print and a
 * program name left to the national catalog is filled in). Text is set with pango, which shapes
 * Vietnamese (stacked diacritics, fallback fonts) correctly and keeps a text layer in the PDF;
 * the QR code is drawn as one path of vector rectangles, so it stays crisp at any printer
 * resolution.
 *
 * The batch is checked whole before anything is drawn, and the PDF is written under a
 * temporary name and renamed when complete: a refused record or a crash leaves no PDF.
 */
#include "issuer.h"

#include "fileio.h"
#include "keys.h"
#include "link.h"
#include "qr.h"
#include "template.h"
#include "verify.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <getopt.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POINTS_PER_MM (72.0 / 25.4)
#define MANIFEST_MAX_LINE 16384 /* a link is at most 4096 characters; the rest is short */
#define MAX_SHOWN_PROBLEMS 50
/* A text given a width is shrunk to fit, but not below this share of its size: smaller than
 * that it would no longer be legible on a diploma, and the template needs a wider box. */
#define MIN_SHRINK 0.6

static const char print_help[] =
    "NAME\n"
    "    vanbang-issue print — print a batch of signed diplomas to PDF through a template\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue print --manifest DIR/manifest.csv --template FILE --out FILE.pdf\n"
    "                        [--serial S] [--mode overlay|full] [--trust FILE --anchor FILE]\n"
    "                        [--ecc L|M|Q|H]\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads the manifest that `vanbang-issue sign` wrote, decodes the signed record in each\n"
    "    row's link (the last column), and draws one page per credential at the positions of the\n"
    "    template: the fields of the record and its QR code. Only the signed record is printed;\n"
    "    the manifest's other columns are not trusted. Dates are printed dd/mm/yyyy.\n"
    "\n"
    "    Every row is checked before anything is drawn; if one is refused, nothing is printed.\n"
    "    The PDF is written under a temporary name and renamed into place when complete.\n"
    "\n"
    "    Templates are text files (templates/*.tpl, one per credential type; the format is in\n"
    "    templates/README.md). A template for another credential type than a record's is\n"
    "    refused. Template mistakes are reported as FILE:LINE: message.\n"
    "\n"
    "OPTIONS\n"
    "    --manifest FILE   the batch manifest (manifest.csv of `vanbang-issue sign`)\n"
    "    --template FILE   the print template\n"
    "    --out FILE        the PDF to write (replaced if it exists)\n"
    "    --serial S        print only the credential with serial number S\n"
    "    --mode M          overlay (default): the fields and the QR code only, for the official\n"
    "                      pre-printed blank forms (phôi bằng); full: also the form's fixed text\n"
    "                      (national header, title, labels) and its border, on plain paper\n"
    "    --trust FILE      the trust list: each record must verify against it (refused\n"
    "                      otherwise), the school name is taken from the signer certificate, and\n"
    "                      program names left to the national catalog are filled in\n"
    "    --anchor FILE     the authority certificate that signed --trust\n"
    "    --ecc L|M|Q|H     QR error-correction level (default M, as `sign` draws them)\n"
    "\n"
    "    Without --trust the records are decoded but their signatures are not checked, the\n"
    "    school name field prints the school code, and a record that leaves its program name to\n"
    "    the catalog is refused.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue print --manifest k2026/manifest.csv --template templates/college.tpl \\\n"
    "        --trust trust.cbor --anchor ca/authority.crt --out k2026.pdf\n"
    "    vanbang-issue print --manifest k2026/manifest.csv --template templates/college.tpl \\\n"
    "        --serial CDNHN01-2026-00017 --mode full --out one.pdf\n"
    "\n"
    "EXIT STATUS\n"
    "    0 printed; 1 a record was refused (not genuine, another credential type, serial not\n"
    "    found); 2 usage, template or file errors.\n";

typedef enum { MODE_OVERLAY, MODE_FULL } print_mode;

typedef struct {
    const char *manifest_path, *template_path, *out_path, *serial, *trust_path, *anchor_path;
    print_mode mode;
    QRecLevel level;
    vb_template *tpl;
    vb_trust_list trust;
    bool have_trust;
    /* set by the pass that counts, checked by the pass that draws */
    unsigned long pages;
    /* warnings about text running off the page: one per template item */
    bool warned[VB_TEMPLATE_MAX_ITEMS];
} print_job;

/* One credential ready to draw. */
typedef struct {
    vb_credential credential;
    char school_name[VB_MAX_TEXT_BYTES + 1];
    const char *link;
    size_t link_length;
} print_page;

static int usage(const char *message, const char *value)
{
    if (value)
        fprintf(stderr, ISSUER_PROGRAM " print: %s '%s'. Try 'vanbang-issue print --help'.\n", message, value);
    else
        fprintf(stderr, ISSUER_PROGRAM " print: %s. Try 'vanbang-issue print --help'.\n", message);
    return ISSUER_EXIT_USAGE;
}

/* ------------------------------------------------------------------------------ the manifest */

typedef struct {
    FILE *file;
    const char *path;
    char *line;
    size_t capacity;
    unsigned long number; /* line number of the current line */
} manifest_reader;

/* Reads the next non-empty line without its end. False at the end of the file (err->code is
 * VB_OK then) or on an error. */
static bool manifest_next(manifest_reader *reader, vb_error *err)
{
    err->code = VB_OK;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&reader->line, &reader->capacity, reader->file);
        if (n < 0) {
            if (ferror(reader->file))
                vb_fail(err, VB_ERR_IO, "%s: read error: %s", reader->path, strerror(errno));
            else if (errno == ENOMEM)
                vb_fail(err, VB_ERR_NOMEM, "%s: out of memory", reader->path);
            return false;
        }
        reader->number++;
        if (n > MANIFEST_MAX_LINE) {
            vb_fail(err, VB_ERR_TOO_LARGE, "%s:%lu: line longer than %d bytes: is this a manifest?", reader->path,
                    reader->number, MANIFEST_MAX_LINE);
            return false;
        }
        while (n > 0 && (reader->line[n - 1] == '\n' || reader->line[n - 1] == '\r'))
            reader->line[--n] = '\0';
        if (n > 0)
            return true;
    }
}

/* Opens the manifest and checks its header: the last column must be the link. */
static vb_status manifest_open(manifest_reader *reader, const char *path, vb_error *err)
{
    memset(reader, 0, sizeof *reader);
    reader->path = path;
    if (!(reader->file = fopen(path, "r")))
        return vb_fail(err, VB_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (!manifest_next(reader, err)) {
        if (err->code == VB_OK)
            vb_fail(err, VB_ERR_ARGUMENT, "%s: empty file, not a manifest", path);
        return err->code;
    }
    const char *comma = strrchr(reader->line, ',');
    if (strcmp(comma ? comma + 1 : reader->line, "link") != 0)
        return vb_fail(err, VB_ERR_ARGUMENT,
                       "%s:%lu: not a manifest of `vanbang-issue sign`: its last column must be 'link'", path,
                       reader->number);
    return VB_OK;
}

static void manifest_close(manifest_reader *reader)
{
    if (reader->file)
        fclose(reader->file);
    free(reader->line);
}

/* The link of the current row: after the last comma (links hold none). */
static const char *manifest_link(const manifest_reader *reader, size_t *length)
{
    const char *comma = strrchr(reader->line, ',');
    const char *link = comma ? comma + 1 : reader->line;
    *length = strlen(link);
    return link;
}

/* ------------------------------------------------------------------ records to be printed */

/* Decodes (and, with a trust list, verifies) the current row's record into page. On refusal
 * writes why into `why` and returns false. */
static bool read_page(const print_job *job, const char *link, size_t link_length, print_page *page, char *why,
                      size_t why_size)
{
    vb_error err = {0};
    memset(page, 0, sizeof *page);
    page->link = link;
    page->link_length = link_length;
    if (link_length == 0) {
        snprintf(why, why_size, "the row has no link");
        return false;
    }
    if (job->have_trust) {
        vb_verification *v = malloc(sizeof *v);
        if (!v) {
            snprintf(why, why_size, "out of memory");
            return false;
        }
        vb_status s = vb_verify_link(&job->trust, link, link_length, v);
        if (s != VB_OK) {
            if (v->decoded) /* so --serial can tell whose record it is */
                page->credential = v->credential;
            snprintf(why, why_size, "%s%s%s: not genuine (%s): %s", v->decoded ? "serial " : "",
                     v->decoded ? v->credential.serial : "", v->decoded ? "" : "record", vb_status_name(s),
                     v->error.message);
            free(v);
            return false;
        }
        page->credential = v->credential;
        if (v->signer && v->signer->organization[0])
            snprintf(page->school_name, sizeof page->school_name, "%s", v->signer->organization);
        bool unknown = v->program_name_unknown;
        free(v);
        if (unknown) {
            snprintf(why, why_size,
                     "serial %s: its program name is left to the national catalog, and this trust list's catalog "
                     "lacks code %s",
                     page->credential.serial, page->credential.program_code);
            return false;
        }
    } else {
        uint8_t record[VB_MAX_RECORD_BYTES];
        size_t record_length;
        vb_cose_sign1 message;
        if (vb_link_decode(link, link_length, record, sizeof record, &record_length, &err) != VB_OK ||
            vb_record_decode(record, record_length, &message, &page->credential, &err) != VB_OK) {
            snprintf(why, why_size, "not a vanbang record (%s): %s", vb_status_name(err.code), err.message);
            return false;
        }
        if (!page->credential.program_name[0]) {
            snprintf(why, why_size,
                     "serial %s: the record leaves its program name to the national catalog of the trust list; "
                     "give --trust and --anchor",
                     page->credential.serial);
            return false;
        }
    }
    if (page->credential.type != job->tpl->credential_type) {
        snprintf(why, why_size, "serial %s is a %s, but the template %s prints the %s", page->credential.serial,
                 vb_credential_type_name(page->credential.type, true), job->template_path,
                 vb_credential_type_name(job->tpl->credential_type, true));
        return false;
    }
    return true;
}

static bool selected(const print_job *job, const print_page *page)
{
    return !job->serial || strcmp(job->serial, page->credential.serial) == 0;
}

/* Pass one: every row decoded and checked, every refusal reported. Returns the exit status. */
static int check_batch(print_job *job)
{
    manifest_reader reader;
    vb_error err = {0};
    print_page *page = malloc(sizeof *page);
    unsigned long problems = 0;
    char why[600];
    if (!page)
        return usage("out of memory", NULL);
    if (manifest_open(&reader, job->manifest_path, &err) != VB_OK) {
        manifest_close(&reader);
        free(page);
        return issuer_report(&err);
    }
    while (manifest_next(&reader, &err)) {
        size_t link_length;
        const char *link = manifest_link(&reader, &link_length);
        if (!read_page(job, link, link_length, page, why, sizeof why)) {
            /* With --serial, only that credential's row has to be printable. */
            if (!job->serial || page->credential.serial[0] == '\0' || selected(job, page)) {
                if (++problems <= MAX_SHOWN_PROBLEMS)
                    fprintf(stderr, "%s:%lu: %s\n", job->manifest_path, reader.number, why);
            }
            continue;
        }
        if (selected(job, page))
            job->pages++;
    }
    manifest_close(&reader);
    free(page);
    if (err.code != VB_OK)
        return issuer_report(&err);
    if (problems) {
        if (problems > MAX_SHOWN_PROBLEMS)
            fprintf(stderr, "… and %lu more\n", problems - MAX_SHOWN_PROBLEMS);
        fprintf(stderr, ISSUER_PROGRAM " print: %lu record%s refused; nothing printed\n", problems,
                problems == 1 ? "" : "s");
        return ISSUER_EXIT_REFUSED;
    }
    if (job->pages == 0) {
        if (job->serial)
            fprintf(stderr, ISSUER_PROGRAM " print: no credential with serial '%s' in %s; nothing printed\n",
                    job->serial, job->manifest_path);
        else
            fprintf(stderr, ISSUER_PROGRAM " print: %s lists no credential; nothing printed\n", job->manifest_path);
        return ISSUER_EXIT_REFUSED;
    }
    return ISSUER_EXIT_OK;
}

/* ---------------------------------------------------------------------------------- drawing */

static double points(double mm)
{
    return mm * POINTS_PER_MM;
}

typedef struct {
    cairo_t *cr;
    PangoLayout *layout;
    print_job *job;
} drawing;

/* Lays text out at `size` points with the item's style. */
static void set_text(drawing *d, const vb_template_item *item, const char *text, double size)
{
    PangoFontDescription *font = pango_font_description_new();
    pango_font_description_set_family(font, d->job->tpl->font);
    pango_font_description_set_weight(font, item->bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_font_description_set_style(font, item->italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL);
    /* The surface's unit is the point, so an absolute size in user units is a size in points. */
    pango_font_description_set_absolute_size(font, size * PANGO_SCALE);
    pango_layout_set_font_description(d->layout, font);
    pango_font_description_free(font);
    PangoAttrList *attributes = pango_attr_list_new();
    if (item->upper)
        pango_attr_list_insert(attributes, pango_attr_text_transform_new(PANGO_TEXT_TRANSFORM_UPPERCASE));
    pango_layout_set_attributes(d->layout, attributes);
    pango_attr_list_unref(attributes);
    /* Plain text, not markup: a name is never read as tags. */
    pango_layout_set_text(d->layout, text, -1);
}

static void draw_text(drawing *d, const vb_template_item *item, const char *text, const char *serial)
{
    int width, height;
    double size = item->size;
    set_text(d, item, text, size);
    pango_layout_get_size(d->layout, &width, &height);
    double limit = points(item->width) * PANGO_SCALE;
    if (item->width > 0 && width > limit) {
        size = item->size * limit / width;
        if (size < item->size * MIN_SHRINK)
            size = item->size * MIN_SHRINK;
        set_text(d, item, text, size);
        pango_layout_get_size(d->layout, &width, &height);
    }
    double text_width = (double)width / PANGO_SCALE, baseline = (double)pango_layout_get_baseline(d->layout) / PANGO_SCALE;
    double x = points(item->x);
    if (item->align == VB_ALIGN_CENTER)
        x -= text_width / 2;
    else if (item->align == VB_ALIGN_RIGHT)
        x -= text_width;
    size_t index = (size_t)(item - d->job->tpl->items);
    bool outside = x < 0 || x + text_width > points(d->job->tpl->page_width);
    bool too_wide = item->width > 0 && width > limit * 1.001;
    if ((outside || too_wide) && !d->job->warned[index]) {
        d->job->warned[index] = true;
        const char *what = item->kind == VB_ITEM_FIELD ? vb_template_field_keyword(item->field) : "label";
        fprintf(stderr, "%s:%u: warning: the %s of serial %s (%.0f mm) %s; widen its 'width' or make it smaller\n",
                d->job->template_path, item->line, what, serial, text_width / POINTS_PER_MM,
                outside ? "runs off the page" : "does not fit its width even shrunk");
    }
    cairo_move_to(d->cr, x, points(item->y) - baseline);
    pango_cairo_show_layout(d->cr, d->layout);
}

/* The QR code: a white square (the quiet zone and light modules), then every run of dark
 * modules in a row as one rectangle, all in one path filled once, so no hairline seams appear
 * between modules when the page is rasterised. */
static vb_status draw_qr(drawing *d, const print_page *page, vb_error *err)
{
    QRcode *code = NULL;
    if (vb_qr_encode_link(page->link, page->link_length, d->job->level, &code, err) != VB_OK)
        return err->code;
    const vb_template *tpl = d->job->tpl;
    double left = points(tpl->qr_x), top = points(tpl->qr_y), side = points(tpl->qr_size);
    int modules = code->width + 2 * VB_QR_QUIET_ZONE_MODULES;
    double module = side / modules;
    cairo_set_source_rgb(d->cr, 1, 1, 1);
    cairo_rectangle(d->cr, left, top, side, side);
    cairo_fill(d->cr);
    cairo_set_source_rgb(d->cr, 0, 0, 0);
    for (int y = 0; y < code->width; y++) {
        const unsigned char *row = code->data + (size_t)y * (size_t)code->width;
        for (int x = 0; x < code->width;) {
            if (!(row[x] & 1)) {
                x++;
                continue;
            }
            int run = x;
            while (run < code->width && (row[run] & 1))
                run++;
            cairo_rectangle(d->cr, left + (VB_QR_QUIET_ZONE_MODULES + x) * module,
                            top + (VB_QR_QUIET_ZONE_MODULES + y) * module, (run - x) * module, module);
            x = run;
        }
    }
    cairo_fill(d->cr);
    vb_qr_free(code);
    return VB_OK;
}

static vb_status draw_page(drawing *d, const print_page *page, vb_error *err)
{
    const vb_template *tpl = d->job->tpl;
    char text[2 * VB_MAX_TEXT_BYTES + 64];
    if (d->job->mode == MODE_FULL) {
        cairo_set_source_rgb(d->cr, 0, 0, 0);
        for (size_t i = 0; i < tpl->border_count; i++) {
            double inset = points(tpl->borders[i].inset);
            cairo_set_line_width(d->cr, points(tpl->borders[i].line_width));
            cairo_rectangle(d->cr, inset, inset, points(tpl->page_width) - 2 * inset,
                            points(tpl->page_height) - 2 * inset);
            cairo_stroke(d->cr);
        }
    }
    for (size_t i = 0; i < tpl->item_count; i++) {
        const vb_template_item *item = &tpl->items[i];
        const char *shown = text;
        if (item->kind == VB_ITEM_LABEL) {
            if (d->job->mode != MODE_FULL)
                continue;
            shown = item->text;
        } else if (!vb_template_field_text(item->field, &page->credential, page->school_name, text, sizeof text)) {
            return vb_fail(err, VB_ERR_TOO_LARGE, "serial %s: the %s field does not fit", page->credential.serial,
                           vb_template_field_keyword(item->field));
        }
        if (!shown[0])
            continue; /* an absent optional value (no classification, an original's kind) */
        cairo_set_source_rgb(d->cr, 0, 0, 0);
        draw_text(d, item, shown, page->credential.serial);
    }
    if (draw_qr(d, page, err) != VB_OK)
        return err->code;
    cairo_show_page(d->cr);
    cairo_status_t status = cairo_status(d->cr);
    if (status != CAIRO_STATUS_SUCCESS)
        return vb_fail(err, VB_ERR_IO, "drawing serial %s: %s", page->credential.serial,
                       cairo_status_to_string(status));
    return VB_OK;
}

static cairo_status_t write_to_file(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, closure) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Says once when the template's font is not installed and fontconfig substitutes another. */
static void check_font(drawing *d)
{
    PangoFontDescription *wanted = pango_font_description_new();
    pango_font_description_set_family(wanted, d->job->tpl->font);
    pango_font_description_set_absolute_size(wanted, 12 * PANGO_SCALE);
    PangoFont *font = pango_context_load_font(pango_layout_get_context(d->layout), wanted);
    if (font) {
        PangoFontDescription *got = pango_font_describe(font);
        const char *family = pango_font_description_get_family(got);
        if (family && strcasecmp(family, d->job->tpl->font) != 0)
            fprintf(stderr,
                    "%s: warning: font \"%s\" is not installed; printing with \"%s\" (fc-list lists the fonts; "
                    "fonts-dejavu-core and fonts-noto-core cover Vietnamese)\n",
                    d->job->template_path, d->job->tpl->font, family);
        pango_font_description_free(got);
        g_object_unref(font);
    }
    pango_font_description_free(wanted);
}

/* Pass two, inside vb_file_save: the rows read again (and checked again: the file may have
 * changed since pass one), one page each. */
static vb_status write_pdf(FILE *out, const void *context, vb_error *err)
{
    print_job *job = (print_job *)context;
    const vb_template *tpl = job->tpl;
    cairo_surface_t *surface =
        cairo_pdf_surface_create_for_stream(write_to_file, out, points(tpl->page_width), points(tpl->page_height));
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "vanbang-issue print");
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, vb_credential_type_name(tpl->credential_type,
                                                                                               false));
    cairo_t *cr = cairo_create(surface);
    /* A font map of our own rather than pango's process-wide default, so its caches are freed
     * with it when the PDF is done. */
    PangoFontMap *font_map = pango_cairo_font_map_new();
    PangoContext *pango = pango_font_map_create_context(font_map);
    pango_cairo_update_context(cr, pango);
    PangoLayout *layout = pango_layout_new(pango);
    /* Unhinted metrics and unrounded glyph positions: positions on the form are in tenths of a
     * millimetre, and hinting would move text by whole points. */
    cairo_font_options_t *options = cairo_font_options_create();
    cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE);
    pango_cairo_context_set_font_options(pango, options);
    pango_context_set_round_glyph_positions(pango, FALSE);
    pango_layout_context_changed(layout);
    cairo_font_options_destroy(options);

    drawing d = {cr, layout, job};
    check_font(&d);
    manifest_reader reader;
    print_page *page = malloc(sizeof *page);
    unsigned long drawn = 0;
    vb_status s = page ? manifest_open(&reader, job->manifest_path, err)
                       : vb_fail(err, VB_ERR_NOMEM, "out of memory");
    issuer_progress progress;
    issuer_progress_start(&progress, "printing", job->pages);
    while (s == VB_OK && manifest_next(&reader, err)) {
        char why[600];
        size_t link_length;
        const char *link = manifest_link(&reader, &link_length);
        if (!read_page(job, link, link_length, page, why, sizeof why)) {
            if (!job->serial || page->credential.serial[0] == '\0' || selected(job, page))
                s = vb_fail(err, VB_ERR_ARGUMENT, "%s:%lu: %s (the manifest changed while printing?)",
                            job->manifest_path, reader.number, why);
            continue;
        }
        if (!selected(job, page))
            continue;
        s = draw_page(&d, page, err);
        issuer_progress_update(&progress, ++drawn);
    }
    if (page) {
        if (s == VB_OK && err->code != VB_OK)
            s = err->code; /* manifest_next stopped on an error */
        manifest_close(&reader);
    }
    issuer_progress_finish(&progress);
    free(page);
    g_object_unref(layout);
    g_object_unref(pango);
    g_object_unref(font_map);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (s == VB_OK && status != CAIRO_STATUS_SUCCESS)
        s = vb_fail(err, VB_ERR_IO, "writing the PDF: %s", cairo_status_to_string(status));
    if (s == VB_OK)
        job->pages = drawn;
    return s;
}

/* ---------------------------------------------------------------------------------- the verb */

static void report_template_problem(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "%s\n", message);
}

int issuer_print(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"manifest", required_argument, NULL, 'm'}, {"template", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},      {"serial", required_argument, NULL, 's'},
        {"mode", required_argument, NULL, 'M'},     {"trust", required_argument, NULL, 'T'},
        {"anchor", required_argument, NULL, 'A'},   {"ecc", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    print_job *job = calloc(1, sizeof *job);
    vb_template *tpl = malloc(sizeof *tpl);
    const char *ecc = "M";
    int c, status = ISSUER_EXIT_OK;
    vb_error err = {0};
    if (!job || !tpl) {
        free(job);
        free(tpl);
        return usage("out of memory", NULL);
    }
    job->tpl = tpl;
    job->mode = MODE_OVERLAY;
    while (status == ISSUER_EXIT_OK && (c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'm': job->manifest_path = optarg; break;
        case 't': job->template_path = optarg; break;
        case 'o': job->out_path = optarg; break;
        case 's': job->serial = optarg; break;
        case 'T': job->trust_path = optarg; break;
        case 'A': job->anchor_path = optarg; break;
        case 'e': ecc = optarg; break;
        case 'M':
            if (strcmp(optarg, "overlay") == 0)
                job->mode = MODE_OVERLAY;
            else if (strcmp(optarg, "full") == 0)
                job->mode = MODE_FULL;
            else
                status = usage("--mode is overlay or full, not", optarg);
            break;
        case 'h':
            fputs(print_help, stdout);
            free(job);
            free(tpl);
            return 0;
        default: status = usage("unknown option", NULL); break;
        }
    }
    if (status == ISSUER_EXIT_OK) {
        if (optind != argc)
            status = usage("unexpected argument", argv[optind]);
        else if (!job->manifest_path || !job->template_path || !job->out_path)
            status = usage("--manifest, --template and --out are required", NULL);
        else if (!job->trust_path != !job->anchor_path)
            status = usage("--trust and --anchor go together", NULL);
        else if (vb_qr_level_from_name(ecc, &job->level, &err) != VB_OK)
            status = usage("--ecc takes L, M, Q or H, not", ecc);
    }
    if (status == ISSUER_EXIT_OK) {
        size_t problems = 0;
        vb_status s = vb_template_load(job->template_path, tpl, report_template_problem, NULL, &problems, &err);
        if (s != VB_OK && problems) {
            if (problems > VB_TEMPLATE_MAX_PROBLEMS)
                fprintf(stderr, "… and %zu more\n", problems - VB_TEMPLATE_MAX_PROBLEMS);
            fprintf(stderr, ISSUER_PROGRAM " print: %zu problem%s in the template; nothing printed\n", problems,
                    problems == 1 ? "" : "s");
            status = ISSUER_EXIT_USAGE;
        } else if (s != VB_OK)
            status = issuer_report(&err);
    }
    if (status == ISSUER_EXIT_OK && job->trust_path) {
        X509 *anchor = NULL;
        vb_status s = vb_cert_load(job->anchor_path, &anchor, &err);
        if (s == VB_OK)
            s = vb_trust_load_file(job->trust_path, &anchor, 1, 0, &job->trust, &err);
        X509_free(anchor);
        if (s == VB_OK)
            job->have_trust = true;
        else
            status = issuer_report(&err);
    }
    if (status == ISSUER_EXIT_OK && !job->have_trust)
        fprintf(stderr, ISSUER_PROGRAM " print: note: without --trust the records' signatures are not checked\n");
    if (status == ISSUER_EXIT_OK)
        status = check_batch(job);
    if (status == ISSUER_EXIT_OK) {
        if (vb_file_save(job->out_path, 0644, 0, write_pdf, job, &err) != VB_OK)
            status = issuer_report(&err);
        else
            printf("printed %lu page%s to %s (%s mode, template %s)\n", job->pages, job->pages == 1 ? "" : "s",
                   job->out_path, job->mode == MODE_FULL ? "full" : "overlay", job->template_path);
    }
    if (job->have_trust)
        vb_trust_free(&job->trust);
    free(job);
    free(tpl);
    return status;
}
