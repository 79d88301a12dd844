/*
 * qr-render.c — test tool: turns a base URL and a hex record into the link text (printed on
 * stdout) and writes its QR code as PNG, SVG and/or UTF-8 text, so shell tests can check the
 * pictures with an independent decoder (zbarimg).
 *
 * Usage: qr-render [-l L|M|Q|H] [-m MODULE_PIXELS] [-p OUT.png] [-s OUT.svg] [-t OUT.txt] [-v]
 *                  BASE_URL HEX_RECORD
 *   -v prints "version N" (the QR version chosen) on stderr.
 * Exit 0 on success, 2 on a usage or library error (its message on stderr).
 */
#include "link.h"
#include "qr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int render_usage(void)
{
    fprintf(stderr, "usage: qr-render [-l L|M|Q|H] [-m MODULE_PIXELS] [-p OUT.png] [-s OUT.svg] "
                    "[-t OUT.txt] [-v] BASE_URL HEX_RECORD\n");
    return 2;
}

static int render_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Parses hex into record; returns the byte count, or -1 on odd length, a bad digit or overflow. */
static long render_parse_hex(const char *hex, uint8_t *record, size_t record_size)
{
    size_t hex_len = strlen(hex);
    if (hex_len % 2 != 0 || hex_len / 2 > record_size)
        return -1;
    for (size_t i = 0; i < hex_len / 2; i++) {
        int high = render_hex_value(hex[2 * i]);
        int low = render_hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return -1;
        record[i] = (uint8_t)(high << 4 | low);
    }
    return (long)(hex_len / 2);
}

static int render_fail(const vb_error *err)
{
    fprintf(stderr, "qr-render: %s (%s)\n", err->message, vb_status_name(err->code));
    return 2;
}

int main(int argc, char **argv)
{
    QRecLevel level = QR_ECLEVEL_M;
    unsigned module_pixels = 4;
    const char *png_path = NULL, *svg_path = NULL, *text_path = NULL;
    int print_version = 0;
    vb_error err = {0};
    int option;

    while ((option = getopt(argc, argv, "l:m:p:s:t:v")) != -1) {
        switch (option) {
        case 'l':
            if (vb_qr_level_from_name(optarg, &level, &err) != VB_OK)
                return render_fail(&err);
            break;
        case 'm':
            module_pixels = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'p': png_path = optarg; break;
        case 's': svg_path = optarg; break;
        case 't': text_path = optarg; break;
        case 'v': print_version = 1; break;
        default: return render_usage();
        }
    }
    if (argc - optind != 2)
        return render_usage();

    static uint8_t record[VB_MAX_RECORD_BYTES];
    long record_len = render_parse_hex(argv[optind + 1], record, sizeof record);
    if (record_len < 0) {
        fprintf(stderr, "qr-render: HEX_RECORD must be an even number of hex digits, at most "
                        "%d bytes\n", VB_MAX_RECORD_BYTES);
        return 2;
    }

    static char link_text[VB_MAX_LINK_CHARS + 1];
    if (vb_link_encode(argv[optind], record, (size_t)record_len, link_text, sizeof link_text,
                       NULL, &err) != VB_OK)
        return render_fail(&err);

    QRcode *code = NULL;
    if (vb_qr_encode_link(link_text, strlen(link_text), level, &code, &err) != VB_OK)
        return render_fail(&err);
    int status = 0;
    if ((png_path && vb_qr_save_png(code, module_pixels, png_path, &err) != VB_OK) ||
        (svg_path && vb_qr_save_svg(code, 0, svg_path, &err) != VB_OK) ||
        (text_path && vb_qr_save_text(code, VB_QR_TEXT_FOR_DARK_TERMINAL, text_path, &err) != VB_OK))
        status = render_fail(&err);
    if (status == 0) {
        printf("%s\n", link_text);
        if (print_version)
            fprintf(stderr, "version %d\n", code->version);
    }
    vb_qr_free(code);
    return status;
}
