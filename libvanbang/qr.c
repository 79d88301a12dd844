/*
 * qr.c — builds the QR symbol of a verification link with libqrencode (explicit alphanumeric /
 * 8-bit and numeric segments, smallest version) and renders it as SVG, PNG (libpng) or UTF-8
 * half-block text, to a stream or atomically to a file.
 */
#include "qr.h"
#include "fileio.h"

#include "link.h"
#include "qrmask.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <zlib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define QR_GLYPH_UPPER_HALF "\xe2\x96\x80" /* U+2580 */
#define QR_GLYPH_LOWER_HALF "\xe2\x96\x84" /* U+2584 */
#define QR_GLYPH_FULL_BLOCK "\xe2\x96\x88" /* U+2588 */

vb_status vb_qr_level_from_name(const char *name, QRecLevel *level, vb_error *err)
{
    if (name != NULL && name[0] != '\0' && name[1] == '\0') {
        switch (name[0]) {
        case 'L': case 'l': *level = QR_ECLEVEL_L; return VB_OK;
        case 'M': case 'm': *level = QR_ECLEVEL_M; return VB_OK;
        case 'Q': case 'q': *level = QR_ECLEVEL_Q; return VB_OK;
        case 'H': case 'h': *level = QR_ECLEVEL_H; return VB_OK;
        default: break;
        }
    }
    return vb_fail(err, VB_ERR_ARGUMENT, "qr: error correction level must be L, M, Q or H");
}

QRencodeMode vb_qr_prefix_mode(const char *text, size_t text_len, size_t *prefix_len)
{
    size_t digits_start = text_len;
    while (digits_start > 0 && text[digits_start - 1] >= '0' && text[digits_start - 1] <= '9')
        digits_start--;

    /* Only a whole last path segment of digits is the record; digits that merely end some other
     * text (a host name, a query) stay with the prefix. */
    bool has_record_digits = digits_start < text_len &&
                             (digits_start == 0 || text[digits_start - 1] == '/');
    *prefix_len = has_record_digits ? digits_start : text_len;
    return vb_link_is_qr_alphanumeric(text, *prefix_len) ? QR_MODE_AN : QR_MODE_8;
}

static vb_status qr_status_from_errno(int error_number, const char *what, vb_error *err)
{
    if (error_number == ERANGE)
        return vb_fail(err, VB_ERR_TOO_LARGE, "qr: %s: the link does not fit any QR version",
                       what);
    if (error_number == ENOMEM)
        return vb_fail(err, VB_ERR_NOMEM, "qr: %s: out of memory", what);
    return vb_fail(err, VB_ERR_ARGUMENT, "qr: %s: %s", what, strerror(error_number));
}

vb_status vb_qr_encode_link(const char *link_text, size_t text_len, QRecLevel level,
                            QRcode **code, vb_error *err)
{
    *code = NULL;
    if (link_text == NULL || text_len == 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "qr: empty link text");
    if (text_len > VB_MAX_LINK_CHARS)
        return vb_fail(err, VB_ERR_TOO_LARGE, "qr: link of %zu characters is over %d", text_len,
                       VB_MAX_LINK_CHARS);
    if (level < QR_ECLEVEL_L || level > QR_ECLEVEL_H)
        return vb_fail(err, VB_ERR_ARGUMENT, "qr: unknown error correction level %d",
                       (int)level);

    size_t prefix_len;
    QRencodeMode prefix_mode = vb_qr_prefix_mode(link_text, text_len, &prefix_len);

    /* Version 0 asks libqrencode for the smallest version the segments fit. */
    QRinput *input = QRinput_new2(0, level);
    if (input == NULL)
        return qr_status_from_errno(errno, "creating the input", err);

    const unsigned char *bytes = (const unsigned char *)link_text;
    if (prefix_len > 0 && QRinput_append(input, prefix_mode, (int)prefix_len, bytes) != 0) {
        int saved_errno = errno;
        QRinput_free(input);
        return qr_status_from_errno(saved_errno, "adding the base URL segment", err);
    }
    if (prefix_len < text_len &&
        QRinput_append(input, QR_MODE_NUM, (int)(text_len - prefix_len), bytes + prefix_len) != 0) {
        int saved_errno = errno;
        QRinput_free(input);
        return qr_status_from_errno(saved_errno, "adding the record digits segment", err);
    }

    errno = 0;
    QRcode *built = vb_qr_encode_input(input); /* libqrencode's symbol, its mask chosen faster */
    int saved_errno = errno;
    QRinput_free(input);
    if (built == NULL)
        return qr_status_from_errno(saved_errno ? saved_errno : EINVAL, "encoding", err);
    *code = built;
    return VB_OK;
}

void vb_qr_free(QRcode *code)
{
    if (code)
        QRcode_free(code);
}

/* Module colour at symbol coordinates; anything outside the symbol is the light quiet zone. */
static bool qr_module_is_dark(const QRcode *code, long x, long y)
{
    if (x < 0 || y < 0 || x >= code->width || y >= code->width)
        return false;
    return (code->data[(size_t)y * (size_t)code->width + (size_t)x] & 1) != 0;
}

static vb_status qr_check_code(const QRcode *code, FILE *out, vb_error *err)
{
    if (code == NULL || code->data == NULL || code->width <= 0 || out == NULL)
        return vb_fail(err, VB_ERR_ARGUMENT, "qr: no symbol or output stream");
    return VB_OK;
}

static vb_status qr_finish_stream(FILE *out, const char *what, vb_error *err)
{
    if (fflush(out) != 0 || ferror(out))
        return vb_fail(err, VB_ERR_IO, "qr: writing the %s failed: %s", what, strerror(errno));
    return VB_OK;
}

/* A row of at most 177 modules holds at most 89 runs, each "M123 123h123v1h-123z": 24 bytes. */
#define QR_SVG_LINE_BYTES (89 * 24 + 2)

/* Writes 0..999 in decimal; returns the end. */
static char *qr_put_number(char *p, long value)
{
    if (value >= 100)
        *p++ = (char)('0' + value / 100);
    if (value >= 10)
        *p++ = (char)('0' + value / 10 % 10);
    *p++ = (char)('0' + value % 10);
    return p;
}

vb_status vb_qr_write_svg(const QRcode *code, unsigned size_pixels, FILE *out, vb_error *err)
{
    vb_status status = qr_check_code(code, out, err);
    if (status != VB_OK)
        return status;
    if (size_pixels > VB_QR_MAX_SVG_PIXELS)
        return vb_fail(err, VB_ERR_ARGUMENT, "qr: SVG size %u is over %d pixels", size_pixels,
                       VB_QR_MAX_SVG_PIXELS);

    long quiet = VB_QR_QUIET_ZONE_MODULES;
    long total = code->width + 2 * quiet;

    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" viewBox=\"0 0 %ld %ld\"",
            total, total);
    if (size_pixels > 0)
        fprintf(out, " width=\"%u\" height=\"%u\"", size_pixels, size_pixels);
    /* crispEdges stops renderers from anti-aliasing the seams between adjacent runs. */
    fprintf(out, " shape-rendering=\"crispEdges\">\n");
    fprintf(out, "<rect width=\"%ld\" height=\"%ld\" fill=\"#ffffff\"/>\n", total, total);
    fprintf(out, "<path fill=\"#000000\" d=\"");

    /* One rectangle per horizontal run of dark modules: far fewer path commands than one per
     * module, and still exact. A row's commands are formatted by hand into a buffer and written
     * at once (a printf per run was most of the cost of an SVG). */
    char line[QR_SVG_LINE_BYTES];
    for (long y = 0; y < code->width; y++) {
        char *p = line;
        long x = 0;
        while (x < code->width) {
            if (!qr_module_is_dark(code, x, y)) {
                x++;
                continue;
            }
            long run_start = x;
            while (x < code->width && qr_module_is_dark(code, x, y))
                x++;
            long run = x - run_start;
            *p++ = 'M';
            p = qr_put_number(p, run_start + quiet);
            *p++ = ' ';
            p = qr_put_number(p, y + quiet);
            *p++ = 'h';
            p = qr_put_number(p, run);
            memcpy(p, "v1h-", 4);
            p = qr_put_number(p + 4, run);
            *p++ = 'z';
        }
        if (y + 1 < code->width)
            *p++ = '\n';
        fwrite(line, 1, (size_t)(p - line), out);
    }
    fprintf(out, "\"/>\n</svg>\n");
    return qr_finish_stream(out, "SVG", err);
}

/* libpng reports errors by calling this and expecting it not to return; the message is kept for
 * the vb_error, since the library must not print. */
typedef struct {
    char message[160];
} qr_png_failure;

static void qr_png_on_error(png_structp png, png_const_charp message)
{
    qr_png_failure *failure = png_get_error_ptr(png);
    if (failure)
        snprintf(failure->message, sizeof failure->message, "%s", message ? message : "error");
    png_longjmp(png, 1);
}

static void qr_png_on_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

/* The part of the PNG writing that runs under libpng's longjmp; kept apart from the setjmp
 * caller so that no variable it changes is live across the jump. */
static void qr_png_write_image(png_structp png, png_infop info, const QRcode *code,
                               unsigned module_pixels, png_bytep row, size_t row_bytes)
{
    long quiet = VB_QR_QUIET_ZONE_MODULES;
    long total_modules = code->width + 2 * quiet;
    png_uint_32 image_pixels = (png_uint_32)(total_modules * (long)module_pixels);

    png_set_IHDR(png, info, image_pixels, image_pixels, 1, PNG_COLOR_TYPE_GRAY,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);

    for (long y = -quiet; y < code->width + quiet; y++) {
        /* In 1-bit grayscale a set bit is white; start all white and clear the dark modules. */
        memset(row, 0xff, row_bytes);
        for (long x = 0; x < code->width; x++) {
            if (!qr_module_is_dark(code, x, y))
                continue;
            size_t first_pixel = (size_t)(x + quiet) * module_pixels;
            for (size_t p = first_pixel; p < first_pixel + module_pixels; p++)
                row[p / 8] &= (png_byte)~(0x80u >> (p % 8));
        }
        for (unsigned repeat = 0; repeat < module_pixels; repeat++)
            png_write_row(png, row);
    }
    png_write_end(png, info);
}

vb_status vb_qr_write_png(const QRcode *code, unsigned module_pixels, FILE *out, vb_error *err)
{
    vb_status status = qr_check_code(code, out, err);
    if (status != VB_OK)
        return status;
    if (module_pixels < 1 || module_pixels > VB_QR_MAX_MODULE_PIXELS)
        return vb_fail(err, VB_ERR_ARGUMENT, "qr: PNG module size must be 1..%d pixels",
                       VB_QR_MAX_MODULE_PIXELS);

    size_t image_pixels = (size_t)(code->width + 2 * VB_QR_QUIET_ZONE_MODULES) * module_pixels;
    size_t row_bytes = (image_pixels + 7) / 8;
    png_bytep row = malloc(row_bytes);
    if (row == NULL)
        return vb_fail(err, VB_ERR_NOMEM, "qr: out of memory for a PNG row");

    qr_png_failure failure = {{0}};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, qr_png_on_error,
                                              qr_png_on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (png == NULL || info == NULL) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return vb_fail(err, VB_ERR_NOMEM, "qr: out of memory creating the PNG writer");
    }

    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(row);
        return vb_fail(err, VB_ERR_IO, "qr: writing the PNG failed: %s", failure.message);
    }
    png_init_io(png, out);
    /* A symbol is a few kilobytes of long runs: zlib's fastest level with a small window and
     * hash costs a third of the default's time for files ~25 % larger (under a kilobyte at the
     * versions a record takes), and the default's 256 KiB of tables per picture were most of
     * the cost of writing 100,000 of them. */
    png_set_compression_level(png, Z_BEST_SPEED);
    png_set_compression_mem_level(png, 1);
    png_set_compression_window_bits(png, 9);
    qr_png_write_image(png, info, code, module_pixels, row, row_bytes);

    png_destroy_write_struct(&png, &info);
    free(row);
    return qr_finish_stream(out, "PNG", err);
}

vb_status vb_qr_write_text(const QRcode *code, vb_qr_text_style style, FILE *out, vb_error *err)
{
    vb_status status = qr_check_code(code, out, err);
    if (status != VB_OK)
        return status;
    if (style != VB_QR_TEXT_FOR_DARK_TERMINAL && style != VB_QR_TEXT_FOR_LIGHT_TERMINAL)
        return vb_fail(err, VB_ERR_ARGUMENT, "qr: unknown text style %d", (int)style);

    long quiet = VB_QR_QUIET_ZONE_MODULES;
    long first_row = -quiet;
    long end_row = code->width + quiet; /* one past the last row of the quiet zone */
    bool glyphs_are_light = style == VB_QR_TEXT_FOR_DARK_TERMINAL;

    for (long y = first_row; y < end_row; y += 2) {
        for (long x = -quiet; x < code->width + quiet; x++) {
            bool top = qr_module_is_dark(code, x, y) != glyphs_are_light;
            /* The row count is odd, so the last line's lower half lies past the picture: leave it
             * as the terminal's background. */
            bool bottom = y + 1 < end_row && (qr_module_is_dark(code, x, y + 1) != glyphs_are_light);
            const char *cell = top ? (bottom ? QR_GLYPH_FULL_BLOCK : QR_GLYPH_UPPER_HALF)
                                   : (bottom ? QR_GLYPH_LOWER_HALF : " ");
            fputs(cell, out);
        }
        fputc('\n', out);
    }
    return qr_finish_stream(out, "text", err);
}

/* ---- Atomic file output (fileio.c writes to a temporary name, syncs, renames) ---- */

typedef vb_status (*qr_stream_writer)(const QRcode *code, unsigned option, FILE *out, vb_error *err);

typedef struct {
    qr_stream_writer write;
    const QRcode *code;
    unsigned option;
} qr_save_job;

static vb_status qr_write_job(FILE *out, const void *context, vb_error *err)
{
    const qr_save_job *job = context;
    return job->write(job->code, job->option, out, err);
}

static vb_status qr_write_text_with_option(const QRcode *code, unsigned option, FILE *out, vb_error *err)
{
    return vb_qr_write_text(code, (vb_qr_text_style)option, out, err);
}

/* A QR picture is public: 0644, like any other file the registrar prints. */
static vb_status qr_save(const char *path, qr_stream_writer write, const QRcode *code, unsigned option, vb_error *err)
{
    qr_save_job job = {write, code, option};
    return vb_file_save(path, 0644, 0, qr_write_job, &job, err);
}

vb_status vb_qr_save_svg(const QRcode *code, unsigned size_pixels, const char *path, vb_error *err)
{
    return qr_save(path, vb_qr_write_svg, code, size_pixels, err);
}

vb_status vb_qr_save_png(const QRcode *code, unsigned module_pixels, const char *path, vb_error *err)
{
    return qr_save(path, vb_qr_write_png, code, module_pixels, err);
}

vb_status vb_qr_save_text(const QRcode *code, vb_qr_text_style style, const char *path, vb_error *err)
{
    return qr_save(path, qr_write_text_with_option, code, (unsigned)style, err);
}
