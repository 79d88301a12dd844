/*
 * test_qr.c — unit tests of the QR builder and renderers (libvanbang/qr.c): segment split,
 * version chosen for realistic records, and each rendering read back module by module (SVG
 * path, PNG pixels through libpng, UTF-8 half blocks), plus the atomic file writers and every
 * error path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "link.h"
#include "qr.h"
#include "qrmask.h"
#include "testutil.h"

#include <dirent.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEST_BASE "https://xacthuc.example.edu.vn/V/"

/* Builds the link for a seeded random record of record_len bytes under base, and its symbol. */
static QRcode *test_build_symbol(const char *base, size_t record_len, uint64_t seed,
                                 QRecLevel level, char *link_text, size_t link_size)
{
    uint8_t record[VB_MAX_RECORD_BYTES];
    test_random_fill(&seed, record, record_len);
    vb_error err = {0};
    assert_int_equal(vb_link_encode(base, record, record_len, link_text, link_size, NULL, &err),
                     VB_OK);
    QRcode *code = NULL;
    assert_int_equal(vb_qr_encode_link(link_text, strlen(link_text), level, &code, &err), VB_OK);
    assert_non_null(code);
    return code;
}

/* The expected colour of a picture cell, in modules, counting the quiet zone. */
static bool test_expected_dark(const QRcode *code, long picture_x, long picture_y)
{
    long x = picture_x - VB_QR_QUIET_ZONE_MODULES;
    long y = picture_y - VB_QR_QUIET_ZONE_MODULES;
    if (x < 0 || y < 0 || x >= code->width || y >= code->width)
        return false;
    return (code->data[y * code->width + x] & 1) != 0;
}

/* Runs a stream writer into memory and returns the NUL-terminated bytes. */
typedef vb_status (*test_writer)(const QRcode *code, unsigned option, FILE *out, vb_error *err);

static char *test_write_to_memory(test_writer write, const QRcode *code, unsigned option,
                                  size_t *size)
{
    char *buffer = NULL;
    FILE *memory = open_memstream(&buffer, size);
    assert_non_null(memory);
    vb_error err = {0};
    assert_int_equal(write(code, option, memory, &err), VB_OK);
    assert_int_equal(fclose(memory), 0);
    return buffer;
}

static vb_status test_write_text_option(const QRcode *code, unsigned option, FILE *out,
                                        vb_error *err)
{
    return vb_qr_write_text(code, (vb_qr_text_style)option, out, err);
}

static void test_level_names(void **state)
{
    (void)state;
    QRecLevel level = QR_ECLEVEL_L;
    vb_error err = {0};
    assert_int_equal(vb_qr_level_from_name("M", &level, &err), VB_OK);
    assert_int_equal(level, QR_ECLEVEL_M);
    assert_int_equal(vb_qr_level_from_name("q", &level, &err), VB_OK);
    assert_int_equal(level, QR_ECLEVEL_Q);
    assert_int_equal(vb_qr_level_from_name("H", &level, &err), VB_OK);
    assert_int_equal(level, QR_ECLEVEL_H);
    assert_int_equal(vb_qr_level_from_name("l", &level, &err), VB_OK);
    assert_int_equal(level, QR_ECLEVEL_L);
    assert_int_equal(vb_qr_level_from_name("X", &level, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_qr_level_from_name("MM", &level, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_qr_level_from_name("", &level, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_qr_level_from_name(NULL, &level, &err), VB_ERR_ARGUMENT);
}

static void test_prefix_mode(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        QRencodeMode mode;
        size_t prefix_len;
    } cases[] = {
        {"HTTPS://VB.EXAMPLE.VN/V/00258", QR_MODE_AN, 24},
        {"https://vb.example.vn/v/00258", QR_MODE_8, 24},
        {"00258", QR_MODE_AN, 0},                  /* all digits: one numeric segment */
        {"HTTPS://VB.VN/V/", QR_MODE_AN, 16},      /* no digits: all prefix */
        {"HTTPS://VB.VN/V/00A", QR_MODE_AN, 19},
        {"HTTPS://VB.VN:8080", QR_MODE_AN, 18},    /* trailing digits not after '/' */
        {"https://vb.vn/v/1?x=2", QR_MODE_8, 21},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t prefix_len = 999;
        QRencodeMode mode = vb_qr_prefix_mode(cases[i].text, strlen(cases[i].text), &prefix_len);
        assert_int_equal(prefix_len, cases[i].prefix_len);
        if (prefix_len > 0)
            assert_int_equal(mode, cases[i].mode);
    }
}

static void test_versions_are_small(void **state)
{
    (void)state;
    static const size_t record_lengths[] = {150, 190, 230};
    static const QRecLevel levels[] = {QR_ECLEVEL_M, QR_ECLEVEL_Q};
    static const char level_names[] = "LMQH";
    char link_text[VB_MAX_LINK_CHARS + 1];

    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++)
        for (size_t r = 0; r < sizeof record_lengths / sizeof record_lengths[0]; r++) {
            QRcode *code = test_build_symbol(TEST_BASE, record_lengths[r], 42, levels[l],
                                             link_text, sizeof link_text);
            print_message("  %zu-byte record, level %c: version %d (%d modules)\n",
                          record_lengths[r], level_names[levels[l]], code->version, code->width);
            assert_int_equal(code->width, 17 + 4 * code->version);

            /* Explicit segments never do worse than the whole text as 8-bit bytes. */
            QRcode *plain = QRcode_encodeString8bit(link_text, 0, levels[l]);
            assert_non_null(plain);
            assert_true(code->version <= plain->version);
            QRcode_free(plain);
            vb_qr_free(code);
        }

    QRcode *code = test_build_symbol(TEST_BASE, 190, 1, QR_ECLEVEL_M, link_text,
                                     sizeof link_text);
    assert_true(code->version <= 12);
    vb_qr_free(code);

    /* A lowercase path keeps the base in 8-bit mode, which costs at most a version or two. */
    code = test_build_symbol("https://xacthuc.example.edu.vn/v/", 190, 1, QR_ECLEVEL_M, link_text,
                             sizeof link_text);
    assert_true(code->version <= 13);
    vb_qr_free(code);
}

/* The mask chosen on bitsets (qrmask.c) is the one libqrencode chooses: the same symbol, module
 * for module, for links as `issue` writes them and for arbitrary bytes, at every level, from
 * version 1 to 40. */
static void test_mask_choice_matches_libqrencode(void **state)
{
    (void)state;
    static const QRecLevel levels[] = {QR_ECLEVEL_L, QR_ECLEVEL_M, QR_ECLEVEL_Q, QR_ECLEVEL_H};
    char text[7100];
    unsigned seed = 12345;
    int versions_seen[41] = {0};
    for (int k = 0; k < 600; k++) {
        QRecLevel level = levels[k % 4];
        int length;
        QRinput *ours = QRinput_new2(0, level), *theirs = QRinput_new2(0, level);
        assert_non_null(ours);
        assert_non_null(theirs);
        if (k % 2 == 0) { /* a link: upper-case base URL, then digits */
            static const char base[] = "HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/";
            length = 1 + (int)(rand_r(&seed) % (k % 4 < 2 ? 7000u : 700u));
            for (int i = 0; i < length; i++)
                text[i] = (char)('0' + rand_r(&seed) % 10);
            for (QRinput *in = ours; in; in = in == ours ? theirs : NULL) {
                assert_int_equal(QRinput_append(in, QR_MODE_AN, (int)strlen(base), (const unsigned char *)base), 0);
                assert_int_equal(QRinput_append(in, QR_MODE_NUM, length, (const unsigned char *)text), 0);
            }
        } else { /* arbitrary bytes */
            length = 1 + (int)(rand_r(&seed) % (k % 4 < 2 ? 2900u : 300u));
            for (int i = 0; i < length; i++)
                text[i] = (char)(rand_r(&seed) & 0xff);
            for (QRinput *in = ours; in; in = in == ours ? theirs : NULL)
                assert_int_equal(QRinput_append(in, QR_MODE_8, length, (const unsigned char *)text), 0);
        }
        QRcode *expected = QRcode_encodeInput(theirs), *got = vb_qr_encode_input(ours);
        QRinput_free(ours);
        QRinput_free(theirs);
        if (!expected) { /* too long for the level: both refuse */
            assert_null(got);
            continue;
        }
        assert_non_null(got);
        assert_int_equal(got->version, expected->version);
        assert_int_equal(got->width, expected->width);
        for (int i = 0; i < got->width * got->width; i++)
            if ((got->data[i] ^ expected->data[i]) & 1)
                fail_msg("symbol %d (version %d, level %d): module %d differs", k, got->version, (int)level, i);
        versions_seen[got->version] = 1;
        QRcode_free(expected);
        QRcode_free(got);
    }
    int distinct = 0;
    for (int v = 1; v <= 40; v++)
        distinct += versions_seen[v];
    assert_true(distinct >= 30); /* small and large symbols alike */
}

static void test_encode_errors(void **state)
{
    (void)state;
    QRcode *code = (QRcode *)&code; /* must be reset to NULL on failure */
    vb_error err = {0};
    assert_int_equal(vb_qr_encode_link("", 0, QR_ECLEVEL_M, &code, &err), VB_ERR_ARGUMENT);
    assert_null(code);
    assert_int_equal(vb_qr_encode_link("00258", 5, (QRecLevel)7, &code, &err), VB_ERR_ARGUMENT);

    /* 4000 digits: more than the 3057 a version 40 symbol holds at level H. */
    static char digits[4001];
    memset(digits, '7', 4000);
    assert_int_equal(vb_qr_encode_link(digits, 4000, QR_ECLEVEL_H, &code, &err),
                     VB_ERR_TOO_LARGE);
    assert_int_equal(err.code, VB_ERR_TOO_LARGE);
    assert_null(code);
    assert_int_equal(vb_qr_encode_link(digits, 4000, QR_ECLEVEL_L, &code, &err), VB_OK);
    assert_true(code->version > 20 && code->version <= 40);
    vb_qr_free(code);
    assert_int_equal(vb_qr_encode_link(digits, VB_MAX_LINK_CHARS + 1, QR_ECLEVEL_L, &code, &err),
                     VB_ERR_TOO_LARGE);
    vb_qr_free(NULL);
}

/* Reads the SVG path back into a module grid and compares it with the symbol. */
static void test_svg_matches_symbol(void **state)
{
    (void)state;
    char link_text[VB_MAX_LINK_CHARS + 1];
    QRcode *code = test_build_symbol(TEST_BASE, 190, 3, QR_ECLEVEL_M, link_text,
                                     sizeof link_text);
    long total = code->width + 2 * VB_QR_QUIET_ZONE_MODULES;

    size_t size = 0;
    char *svg = test_write_to_memory(vb_qr_write_svg, code, 300, &size);
    assert_int_equal(strlen(svg), size);
    assert_true(strncmp(svg, "<?xml", 5) == 0);
    char expected[128];
    snprintf(expected, sizeof expected, "viewBox=\"0 0 %ld %ld\"", total, total);
    assert_non_null(strstr(svg, expected));
    assert_non_null(strstr(svg, "width=\"300\" height=\"300\""));
    assert_non_null(strstr(svg, "shape-rendering=\"crispEdges\""));
    assert_true(size > 7 && strcmp(svg + size - 7, "</svg>\n") == 0);
    const char *path = strstr(svg, "<path");
    assert_non_null(path);
    assert_null(strstr(path + 1, "<path"));

    const char *d = strstr(path, " d=\"");
    assert_non_null(d);
    d += 4;
    unsigned char *grid = calloc((size_t)(total * total), 1);
    assert_non_null(grid);
    while (*d != '"') {
        if (*d == '\n') {
            d++;
            continue;
        }
        long x, y, run, back;
        int consumed = 0;
        assert_int_equal(sscanf(d, "M%ld %ldh%ldv1h-%ldz%n", &x, &y, &run, &back, &consumed), 4);
        assert_true(consumed > 0);
        assert_int_equal(run, back);
        assert_true(x >= 0 && y >= 0 && run > 0 && x + run <= total && y < total);
        for (long i = 0; i < run; i++) {
            assert_int_equal(grid[y * total + x + i], 0); /* no module drawn twice */
            grid[y * total + x + i] = 1;
        }
        d += consumed;
    }
    for (long y = 0; y < total; y++)
        for (long x = 0; x < total; x++)
            assert_int_equal(grid[y * total + x] != 0, test_expected_dark(code, x, y));
    free(grid);
    free(svg);

    /* Size 0 leaves width and height out; an absurd size is refused. */
    svg = test_write_to_memory(vb_qr_write_svg, code, 0, &size);
    char *svg_tag = strstr(svg, "<svg");
    assert_non_null(svg_tag);
    *strchr(svg_tag, '>') = '\0';
    assert_null(strstr(svg_tag, "width="));
    assert_null(strstr(svg_tag, "height="));
    free(svg);
    vb_error err = {0};
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    assert_int_equal(vb_qr_write_svg(code, VB_QR_MAX_SVG_PIXELS + 1, sink, &err),
                     VB_ERR_ARGUMENT);
    fclose(sink);
    vb_qr_free(code);
}

/* Decodes the UTF-8 half blocks back into modules, for both terminal styles. */
static void test_text_matches_symbol(void **state)
{
    (void)state;
    char link_text[VB_MAX_LINK_CHARS + 1];
    QRcode *code = test_build_symbol(TEST_BASE, 150, 4, QR_ECLEVEL_Q, link_text,
                                     sizeof link_text);
    long total = code->width + 2 * VB_QR_QUIET_ZONE_MODULES;

    for (unsigned style = 0; style <= 1; style++) {
        bool glyphs_are_light = style == VB_QR_TEXT_FOR_DARK_TERMINAL;
        size_t size = 0;
        char *text = test_write_to_memory(test_write_text_option, code, style, &size);
        const char *cursor = text;
        long lines = 0;
        for (long y = 0; y < total; y += 2, lines++) {
            for (long x = 0; x < total; x++) {
                bool top = false, bottom = false;
                if (*cursor == ' ') {
                    top = bottom = false;
                    cursor += 1;
                } else if (strncmp(cursor, "\xe2\x96\x80", 3) == 0) {
                    top = true, bottom = false;
                    cursor += 3;
                } else if (strncmp(cursor, "\xe2\x96\x84", 3) == 0) {
                    top = false, bottom = true;
                    cursor += 3;
                } else if (strncmp(cursor, "\xe2\x96\x88", 3) == 0) {
                    top = bottom = true;
                    cursor += 3;
                } else {
                    fail_msg("unexpected byte 0x%02x at line %ld column %ld",
                             (unsigned char)*cursor, lines, x);
                }
                assert_int_equal(top, test_expected_dark(code, x, y) != glyphs_are_light);
                if (y + 1 < total)
                    assert_int_equal(bottom,
                                     test_expected_dark(code, x, y + 1) != glyphs_are_light);
                else
                    assert_false(bottom); /* past the picture: terminal background */
            }
            assert_int_equal(*cursor, '\n');
            cursor++;
        }
        assert_int_equal(*cursor, '\0');
        assert_int_equal(lines, (total + 1) / 2);
        free(text);
    }

    vb_error err = {0};
    FILE *sink = fopen("/dev/null", "w");
    assert_non_null(sink);
    assert_int_equal(vb_qr_write_text(code, (vb_qr_text_style)9, sink, &err), VB_ERR_ARGUMENT);
    fclose(sink);
    vb_qr_free(code);
}

static char *test_make_directory(void)
{
    char *directory = strdup("/tmp/vb-test-qr-XXXXXX");
    assert_non_null(directory);
    assert_non_null(mkdtemp(directory));
    return directory;
}

/* Names in directory other than . and .., to catch leftover temporary files. */
static int test_count_entries(const char *directory)
{
    DIR *dir = opendir(directory);
    assert_non_null(dir);
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(dir)) != NULL)
        if (strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0)
            count++;
    closedir(dir);
    return count;
}

static void test_remove_directory(char *directory)
{
    assert_int_equal(test_remove_flat_dir(directory), 0);
    free(directory);
}

/* Saves a PNG, reads it back through libpng and compares every pixel with its module. */
static void test_png_matches_symbol(void **state)
{
    (void)state;
    char link_text[VB_MAX_LINK_CHARS + 1];
    QRcode *code = test_build_symbol(TEST_BASE, 230, 5, QR_ECLEVEL_M, link_text,
                                     sizeof link_text);
    long total = code->width + 2 * VB_QR_QUIET_ZONE_MODULES;
    char *directory = test_make_directory();
    char path[512];
    snprintf(path, sizeof path, "%s/qr.png", directory);

    /* A restrictive umask shows the mode is set explicitly, not inherited. */
    mode_t old_mask = umask(077);
    vb_error err = {0};
    for (unsigned module_pixels = 1; module_pixels <= 5; module_pixels += 2) {
        assert_int_equal(vb_qr_save_png(code, module_pixels, path, &err), VB_OK);
        struct stat info;
        assert_int_equal(stat(path, &info), 0);
        assert_int_equal(info.st_mode & 0777, 0644);
        assert_int_equal(test_count_entries(directory), 1);

        png_image image;
        memset(&image, 0, sizeof image);
        image.version = PNG_IMAGE_VERSION;
        assert_true(png_image_begin_read_from_file(&image, path));
        assert_int_equal(image.width, (png_uint_32)(total * (long)module_pixels));
        assert_int_equal(image.height, image.width);
        image.format = PNG_FORMAT_GRAY;
        png_bytep pixels = malloc(PNG_IMAGE_SIZE(image));
        assert_non_null(pixels);
        assert_true(png_image_finish_read(&image, NULL, pixels, 0, NULL));
        for (png_uint_32 py = 0; py < image.height; py++)
            for (png_uint_32 px = 0; px < image.width; px++) {
                png_byte value = pixels[py * image.width + px];
                assert_true(value == 0 || value == 255);
                assert_int_equal(value == 0,
                                 test_expected_dark(code, (long)(px / module_pixels),
                                                    (long)(py / module_pixels)));
            }
        free(pixels);
        png_image_free(&image);
    }
    umask(old_mask);

    /* A refused module size fails before anything replaces the existing file. */
    struct stat before, after;
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(vb_qr_save_png(code, 0, path, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_qr_save_png(code, VB_QR_MAX_MODULE_PIXELS + 1, path, &err),
                     VB_ERR_ARGUMENT);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
    assert_int_equal(test_count_entries(directory), 1);

    test_remove_directory(directory);
    vb_qr_free(code);
}

static void test_save_svg_and_text(void **state)
{
    (void)state;
    char link_text[VB_MAX_LINK_CHARS + 1];
    QRcode *code = test_build_symbol(TEST_BASE, 120, 6, QR_ECLEVEL_L, link_text,
                                     sizeof link_text);
    char *directory = test_make_directory();
    char svg_path[512], text_path[512];
    snprintf(svg_path, sizeof svg_path, "%s/qr.svg", directory);
    snprintf(text_path, sizeof text_path, "%s/qr.txt", directory);
    vb_error err = {0};

    assert_int_equal(vb_qr_save_svg(code, 256, svg_path, &err), VB_OK);
    assert_int_equal(vb_qr_save_text(code, VB_QR_TEXT_FOR_LIGHT_TERMINAL, text_path, &err),
                     VB_OK);
    assert_int_equal(test_count_entries(directory), 2);

    /* The saved files hold exactly what the stream writers produce. */
    size_t expected_size = 0;
    char *expected = test_write_to_memory(vb_qr_write_svg, code, 256, &expected_size);
    FILE *saved = fopen(svg_path, "rb");
    assert_non_null(saved);
    char *contents = malloc(expected_size + 1);
    assert_non_null(contents);
    assert_int_equal(fread(contents, 1, expected_size + 1, saved), expected_size);
    assert_memory_equal(contents, expected, expected_size);
    fclose(saved);
    free(contents);
    free(expected);

    /* A missing directory is an I/O error naming the file. */
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-such-dir/qr.svg", directory);
    assert_int_equal(vb_qr_save_svg(code, 0, missing, &err), VB_ERR_IO);
    assert_int_equal(err.code, VB_ERR_IO);
    assert_non_null(strstr(err.message, "no-such-dir"));
    assert_int_equal(vb_qr_save_svg(code, 0, "", &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_qr_save_text(NULL, VB_QR_TEXT_FOR_DARK_TERMINAL, text_path, &err),
                     VB_ERR_ARGUMENT);
    assert_int_equal(test_count_entries(directory), 2);

    test_remove_directory(directory);
    vb_qr_free(code);
}

/* A full disk (/dev/full) must come back as VB_ERR_IO from each writer, buffered or not: the
 * unbuffered PNG exercises libpng's longjmp error path. */
static void test_write_errors_are_reported(void **state)
{
    (void)state;
    char link_text[VB_MAX_LINK_CHARS + 1];
    QRcode *code = test_build_symbol(TEST_BASE, 190, 7, QR_ECLEVEL_M, link_text,
                                     sizeof link_text);
    for (int buffered = 0; buffered <= 1; buffered++) {
        vb_error err = {0};
        FILE *full = fopen("/dev/full", "w");
        if (full == NULL) {
            vb_qr_free(code);
            skip();
        }
        if (!buffered)
            setvbuf(full, NULL, _IONBF, 0);
        assert_int_equal(vb_qr_write_png(code, 4, full, &err), VB_ERR_IO);
        assert_int_equal(err.code, VB_ERR_IO);
        clearerr(full);
        assert_int_equal(vb_qr_write_svg(code, 0, full, &err), VB_ERR_IO);
        clearerr(full);
        assert_int_equal(vb_qr_write_text(code, VB_QR_TEXT_FOR_DARK_TERMINAL, full, &err),
                         VB_ERR_IO);
        fclose(full);
    }

    vb_error err = {0};
    assert_int_equal(vb_qr_write_png(NULL, 4, stdout, &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_qr_write_svg(code, 0, NULL, &err), VB_ERR_ARGUMENT);
    vb_qr_free(code);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_level_names),
        cmocka_unit_test(test_prefix_mode),
        cmocka_unit_test(test_versions_are_small),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_mask_choice_matches_libqrencode),
        cmocka_unit_test(test_svg_matches_symbol),
        cmocka_unit_test(test_text_matches_symbol),
        cmocka_unit_test(test_png_matches_symbol),
        cmocka_unit_test(test_save_svg_and_text),
        cmocka_unit_test(test_write_errors_are_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
