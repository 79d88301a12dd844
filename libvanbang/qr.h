/*
 * qr.h — the QR symbol for a verification link, and its renderings: SVG, PNG and UTF-8 text for
 * a terminal.
 *
 * The symbol is built from explicit segments rather than libqrencode's string guesser, so the
 * link's two parts each get the densest mode that holds them: the base URL in alphanumeric mode
 * when link.c made it alphanumeric-compatible (else 8-bit), the record digits in numeric mode.
 * The smallest version that fits is chosen.
 *
 * Every rendering has a light quiet zone of VB_QR_QUIET_ZONE_MODULES around the symbol, as the
 * QR standard requires for reliable scanning.
 */
#ifndef VANBANG_QR_H
#define VANBANG_QR_H

#include "vanbang.h"

#include <qrencode.h>
#include <stddef.h>
#include <stdio.h>

#define VB_QR_QUIET_ZONE_MODULES 4
/* Largest PNG module size accepted: a version 40 symbol at this size is 185*32 = 5920 pixels. */
#define VB_QR_MAX_MODULE_PIXELS 32
/* Largest SVG width/height attribute accepted (0 means none: the picture scales to its box). */
#define VB_QR_MAX_SVG_PIXELS 100000

/* Which character cells a text rendering fills. A terminal draws glyphs in its foreground colour,
 * so on a dark background the glyphs must be the light modules, and on a light one the dark. */
typedef enum {
    VB_QR_TEXT_FOR_DARK_TERMINAL = 0, /* light text on dark background: glyphs are light modules */
    VB_QR_TEXT_FOR_LIGHT_TERMINAL = 1, /* dark text on light background: glyphs are dark modules */
} vb_qr_text_style;

/* Parses an error-correction level name: "L", "M", "Q" or "H" (either case). */
vb_status vb_qr_level_from_name(const char *name, QRecLevel *level, vb_error *err);

/* How the symbol builder splits a link text: the first *prefix_len bytes go into the returned
 * mode (QR_MODE_AN or QR_MODE_8) and the rest, when there is a rest, into QR_MODE_NUM. The rest
 * is the run of digits after the last '/' (or the whole text when it is all digits); when text
 * ends with no such run the whole text is the prefix. */
QRencodeMode vb_qr_prefix_mode(const char *text, size_t text_len, size_t *prefix_len);

/* Builds the smallest QR symbol (version 1..40) at the given level holding exactly the
 * text_len bytes of link_text, split as vb_qr_prefix_mode says. *code receives a symbol to
 * release with vb_qr_free; its version and width fields tell the size chosen.
 * VB_ERR_TOO_LARGE when no version holds the text; VB_ERR_ARGUMENT for an empty text or bad
 * level; VB_ERR_NOMEM. */
vb_status vb_qr_encode_link(const char *link_text, size_t text_len, QRecLevel level,
                            QRcode **code, vb_error *err);

void vb_qr_free(QRcode *code);

/* An SVG document: a white background and one <path> of the dark modules in a viewBox of
 * width + 8 modules, drawn with crisp edges. size_pixels sets the width and height attributes;
 * 0 leaves them out so the picture fills whatever box it is placed in. */
vb_status vb_qr_write_svg(const QRcode *code, unsigned size_pixels, FILE *out, vb_error *err);

/* A 1-bit grayscale PNG, module_pixels (1..VB_QR_MAX_MODULE_PIXELS) pixels a module. */
vb_status vb_qr_write_png(const QRcode *code, unsigned module_pixels, FILE *out, vb_error *err);

/* UTF-8 text, two module rows a line, drawn with U+2580 (upper half), U+2584 (lower half),
 * U+2588 (full block) and spaces; each line ends in '\n'. */
vb_status vb_qr_write_text(const QRcode *code, vb_qr_text_style style, FILE *out, vb_error *err);

/* File versions of the writers. Each writes PATH.tmp-XXXXXX in the same directory, fsyncs it,
 * makes it mode 0644 and renames it over path, so a crash leaves either the old file or the
 * whole new one, never half of it. VB_ERR_IO names the step that failed. */
vb_status vb_qr_save_svg(const QRcode *code, unsigned size_pixels, const char *path,
                         vb_error *err);
vb_status vb_qr_save_png(const QRcode *code, unsigned module_pixels, const char *path,
                         vb_error *err);
vb_status vb_qr_save_text(const QRcode *code, vb_qr_text_style style, const char *path,
                          vb_error *err);

#endif
