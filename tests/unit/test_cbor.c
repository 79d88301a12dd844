/*
 * test_cbor.c — unit tests of the strict CBOR subset (libvanbang/cbor.c): the writer against the
 * bytes of RFC 8949 Appendix A and every head-width boundary, reader round trips, and each kind
 * of input the reader must refuse (non-shortest, indefinite, truncated, reserved, floats, simple
 * values, bad UTF-8, map key order, depth) with its own status code. Inputs are copied into heap
 * blocks of exactly their length so AddressSanitizer catches any read past the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "cbor.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- helpers */

static void test_print_hex(const char *label, const uint8_t *bytes, size_t length)
{
    fprintf(stderr, "%s (%zu bytes):", label, length);
    for (size_t i = 0; i < length; i++)
        fprintf(stderr, " %02x", bytes[i]);
    fprintf(stderr, "\n");
}

static void test_assert_bytes(const uint8_t *got, size_t got_length, const uint8_t *want, size_t want_length)
{
    if (got_length != want_length || memcmp(got, want, want_length) != 0) {
        test_print_hex("expected", want, want_length);
        test_print_hex("got     ", got, got_length);
        fail_msg("encodings differ");
    }
}

/* Skips one item of hex input (from an exact-size buffer); *consumed gets the bytes used. */
static vb_status test_skip_hex(const char *hex, int depth, size_t *consumed)
{
    uint8_t bytes[4096];
    size_t length = test_hex(hex, bytes, sizeof bytes);
    uint8_t *exact = test_exact_copy(bytes, length);
    vb_cbor_reader r;
    vb_error err = {0};
    vb_cbor_reader_init(&r, exact, length);
    vb_status s = vb_cbor_skip(&r, depth, &err);
    if (s != VB_OK)
        assert_true(err.code == s && err.message[0] != '\0');
    assert_true(r.pos >= exact && r.pos <= exact + length);
    if (consumed)
        *consumed = (size_t)(r.pos - exact);
    free(exact);
    return s;
}

/* Reads one head from hex input held in an exact-size buffer. */
static vb_status test_head_hex(const char *hex, vb_cbor_item *item_out)
{
    uint8_t bytes[64];
    size_t length = test_hex(hex, bytes, sizeof bytes);
    uint8_t *exact = test_exact_copy(bytes, length);
    vb_cbor_reader r;
    vb_cbor_item item;
    vb_cbor_reader_init(&r, exact, length);
    vb_status s = vb_cbor_read_item_head(&r, &item, NULL);
    if (s == VB_OK && item_out) {
        *item_out = item;
        item_out->bytes = NULL; /* points into freed memory below */
        item_out->start = NULL;
    }
    free(exact);
    return s;
}

/* ---------------------------------------------------------------- writer */

typedef struct {
    uint64_t value;
    const char *hex;
} uint_case;

/* RFC 8949 Appendix A, plus each width boundary (§3: 0..23 in the head, then 1, 2, 4, 8 bytes). */
static const uint_case uint_cases[] = {
    {0, "00"},
    {1, "01"},
    {10, "0a"},
    {23, "17"},
    {24, "18 18"},
    {25, "18 19"},
    {100, "18 64"},
    {255, "18 ff"},
    {256, "19 01 00"},
    {1000, "19 03 e8"},
    {65535, "19 ff ff"},
    {65536, "1a 00 01 00 00"},
    {1000000, "1a 00 0f 42 40"},
    {4294967295u, "1a ff ff ff ff"},
    {4294967296u, "1b 00 00 00 01 00 00 00 00"},
    {1000000000000ull, "1b 00 00 00 e8 d4 a5 10 00"},
    {18446744073709551615ull, "1b ff ff ff ff ff ff ff ff"},
};

typedef struct {
    int64_t value;
    const char *hex;
} int_case;

static const int_case int_cases[] = {
    {0, "00"},
    {23, "17"},
    {24, "18 18"},
    {-1, "20"},
    {-10, "29"},
    {-24, "37"},
    {-25, "38 18"},
    {-100, "38 63"},
    {-256, "38 ff"},
    {-257, "39 01 00"},
    {-1000, "39 03 e7"},
    {-65536, "39 ff ff"},
    {-65537, "3a 00 01 00 00"},
    {-4294967296ll, "3a ff ff ff ff"},
    {-4294967297ll, "3b 00 00 00 01 00 00 00 00"},
    {INT64_MAX, "1b 7f ff ff ff ff ff ff ff"},
    {INT64_MIN, "3b 7f ff ff ff ff ff ff ff"},
};

static void test_writer_uint_rfc8949_and_boundaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof uint_cases / sizeof uint_cases[0]; i++) {
        uint8_t want[16], got[16];
        size_t want_length = test_hex(uint_cases[i].hex, want, sizeof want);
        vb_cbor_writer w;
        vb_cbor_writer_init(&w, got, sizeof got);
        vb_cbor_put_uint(&w, uint_cases[i].value);
        assert_false(w.overflow);
        test_assert_bytes(got, w.length, want, want_length);

        /* Exactly the needed space suffices; one byte less overflows. */
        vb_cbor_writer_init(&w, got, want_length);
        vb_cbor_put_uint(&w, uint_cases[i].value);
        assert_false(w.overflow);
        vb_cbor_writer_init(&w, got, want_length - 1);
        vb_cbor_put_uint(&w, uint_cases[i].value);
        assert_true(w.overflow);
    }
}

static void test_writer_int_rfc8949_and_boundaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
        uint8_t want[16], got[16];
        size_t want_length = test_hex(int_cases[i].hex, want, sizeof want);
        vb_cbor_writer w;
        vb_cbor_writer_init(&w, got, sizeof got);
        vb_cbor_put_int(&w, int_cases[i].value);
        assert_false(w.overflow);
        test_assert_bytes(got, w.length, want, want_length);
    }
}

static void test_writer_strings_rfc8949(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        const char *hex;
    } texts[] = {
        {"", "60"},
        {"a", "61 61"},
        {"IETF", "64 49 45 54 46"},
        {"\"\\", "62 22 5c"},
        {"\xc3\xbc", "62 c3 bc"},             /* U+00FC */
        {"\xe6\xb0\xb4", "63 e6 b0 b4"},     /* U+6C34 */
        {"\xf0\x90\x85\x91", "64 f0 90 85 91"}, /* U+10151 */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        uint8_t want[16], got[16];
        size_t want_length = test_hex(texts[i].hex, want, sizeof want);
        vb_cbor_writer w;
        vb_cbor_writer_init(&w, got, sizeof got);
        vb_cbor_put_cstring(&w, texts[i].text);
        assert_false(w.overflow);
        test_assert_bytes(got, w.length, want, want_length);
    }

    uint8_t got[300], want[300];
    vb_cbor_writer w;
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_bytes(&w, NULL, 0);
    vb_cbor_put_bytes(&w, "\x01\x02\x03\x04", 4);
    test_assert_bytes(got, w.length, want, test_hex("40 44 01 02 03 04", want, sizeof want));

    /* A 24-byte string needs the one-byte length form, a 256-byte one the two-byte form. */
    uint8_t content[256];
    memset(content, 'x', sizeof content);
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_text(&w, (const char *)content, 23);
    assert_int_equal(w.length, 24);
    assert_int_equal(got[0], 0x77);
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_text(&w, (const char *)content, 24);
    assert_int_equal(w.length, 26);
    assert_memory_equal(got, "\x78\x18", 2);
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_bytes(&w, content, 256);
    assert_int_equal(w.length, 259);
    assert_memory_equal(got, "\x59\x01\x00", 3);
}

static void test_writer_containers_tags_simple_rfc8949(void **state)
{
    (void)state;
    uint8_t got[128], want[128];
    vb_cbor_writer w;

    /* [1, [2, 3], [4, 5]] */
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_array(&w, 3);
    vb_cbor_put_uint(&w, 1);
    vb_cbor_put_array(&w, 2);
    vb_cbor_put_uint(&w, 2);
    vb_cbor_put_uint(&w, 3);
    vb_cbor_put_array(&w, 2);
    vb_cbor_put_uint(&w, 4);
    vb_cbor_put_uint(&w, 5);
    test_assert_bytes(got, w.length, want, test_hex("83 01 82 02 03 82 04 05", want, sizeof want));

    /* [1, 2, ..., 25]: a 25-element array has a one-byte count. */
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_array(&w, 25);
    for (uint64_t i = 1; i <= 25; i++)
        vb_cbor_put_uint(&w, i);
    test_assert_bytes(got, w.length, want,
                      test_hex("98 19 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 14 15 16 17 18 18 "
                               "18 19",
                               want, sizeof want));

    /* {"a": 1, "b": [2, 3]} */
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_map(&w, 2);
    vb_cbor_put_cstring(&w, "a");
    vb_cbor_put_uint(&w, 1);
    vb_cbor_put_cstring(&w, "b");
    vb_cbor_put_array(&w, 2);
    vb_cbor_put_uint(&w, 2);
    vb_cbor_put_uint(&w, 3);
    test_assert_bytes(got, w.length, want, test_hex("a2 61 61 01 61 62 82 02 03", want, sizeof want));

    /* {}, [], false, true, null */
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_map(&w, 0);
    vb_cbor_put_array(&w, 0);
    vb_cbor_put_bool(&w, false);
    vb_cbor_put_bool(&w, true);
    vb_cbor_put_null(&w);
    test_assert_bytes(got, w.length, want, test_hex("a0 80 f4 f5 f6", want, sizeof want));

    /* 1(1363896240), 23(h'01020304'), 24(h'6449455446'), 18 (COSE_Sign1) */
    vb_cbor_writer_init(&w, got, sizeof got);
    vb_cbor_put_tag(&w, 1);
    vb_cbor_put_uint(&w, 1363896240);
    vb_cbor_put_tag(&w, 23);
    vb_cbor_put_bytes(&w, "\x01\x02\x03\x04", 4);
    vb_cbor_put_tag(&w, 24);
    vb_cbor_put_bytes(&w, "\x64\x49\x45\x54\x46", 5);
    vb_cbor_put_tag(&w, 18);
    test_assert_bytes(got, w.length, want,
                      test_hex("c1 1a 51 4b 67 b0 d7 44 01 02 03 04 d8 18 45 64 49 45 54 46 d2", want, sizeof want));

    /* Heads of every major type at the 2-byte boundary. */
    vb_cbor_writer_init(&w, got, sizeof got);
    for (int major = 0; major < 7; major++)
        vb_cbor_put_head(&w, major, 500);
    test_assert_bytes(got, w.length, want,
                      test_hex("19 01 f4 39 01 f4 59 01 f4 79 01 f4 99 01 f4 b9 01 f4 d9 01 f4", want, sizeof want));
}

static void test_writer_overflow_is_sticky_and_stays_in_bounds(void **state)
{
    (void)state;
    uint8_t buffer[8];
    vb_cbor_writer w;

    memset(buffer, 0xaa, sizeof buffer);
    vb_cbor_writer_init(&w, buffer, 4);
    vb_cbor_put_uint(&w, 1);       /* 1 byte, fits */
    vb_cbor_put_uint(&w, 1000000); /* 5 bytes, does not */
    assert_true(w.overflow);
    assert_int_equal(w.length, 1);
    vb_cbor_put_uint(&w, 2); /* would fit, but the writer has already failed */
    assert_true(w.overflow);
    assert_int_equal(w.length, 1);
    vb_cbor_put_raw(&w, "z", 1);
    assert_int_equal(w.length, 1);
    for (size_t i = 4; i < sizeof buffer; i++)
        assert_int_equal(buffer[i], 0xaa); /* nothing past the declared size */

    /* A string whose head fits but whose content does not. */
    memset(buffer, 0xaa, sizeof buffer);
    vb_cbor_writer_init(&w, buffer, 4);
    vb_cbor_put_bytes(&w, "\x01\x02\x03\x04", 4);
    assert_true(w.overflow);
    for (size_t i = 4; i < sizeof buffer; i++)
        assert_int_equal(buffer[i], 0xaa);

    /* A zero-size writer. */
    vb_cbor_writer_init(&w, buffer, 0);
    vb_cbor_put_null(&w);
    assert_true(w.overflow);
    assert_int_equal(w.length, 0);

    /* Exact fit is not overflow. */
    vb_cbor_writer_init(&w, buffer, 3);
    vb_cbor_put_text(&w, "ab", 2);
    assert_false(w.overflow);
    assert_int_equal(w.length, 3);
}

/* ---------------------------------------------------------------- reader round trips */

static void test_reader_round_trips_integers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof uint_cases / sizeof uint_cases[0]; i++) {
        uint8_t bytes[16];
        size_t length = test_hex(uint_cases[i].hex, bytes, sizeof bytes);
        uint8_t *exact = test_exact_copy(bytes, length);
        vb_cbor_reader r;
        uint64_t value = 0;
        vb_cbor_reader_init(&r, exact, length);
        assert_int_equal(vb_cbor_read_uint(&r, &value, NULL), VB_OK);
        assert_true(value == uint_cases[i].value);
        assert_int_equal(vb_cbor_remaining(&r), 0);
        free(exact);
    }
    for (size_t i = 0; i < sizeof int_cases / sizeof int_cases[0]; i++) {
        uint8_t bytes[16];
        size_t length = test_hex(int_cases[i].hex, bytes, sizeof bytes);
        uint8_t *exact = test_exact_copy(bytes, length);
        vb_cbor_reader r;
        int64_t value = 0;
        vb_cbor_reader_init(&r, exact, length);
        assert_int_equal(vb_cbor_read_int(&r, &value, NULL), VB_OK);
        assert_true(value == int_cases[i].value);
        assert_int_equal(vb_cbor_remaining(&r), 0);
        free(exact);
    }

    /* Writer then reader over a sweep of values around every power of two. */
    for (int bit = 0; bit < 63; bit++) {
        for (int64_t delta = -1; delta <= 1; delta++) {
            int64_t values[2] = {((int64_t)1 << bit) + delta, -((int64_t)1 << bit) + delta};
            for (int k = 0; k < 2; k++) {
                uint8_t buffer[16];
                vb_cbor_writer w;
                vb_cbor_reader r;
                int64_t back;
                vb_cbor_writer_init(&w, buffer, sizeof buffer);
                vb_cbor_put_int(&w, values[k]);
                vb_cbor_reader_init(&r, buffer, w.length);
                assert_int_equal(vb_cbor_read_int(&r, &back, NULL), VB_OK);
                assert_true(back == values[k]);
                assert_int_equal(vb_cbor_remaining(&r), 0);
            }
        }
    }
}

static void test_reader_int_outside_int64(void **state)
{
    (void)state;
    uint8_t bytes[16];
    vb_cbor_reader r;
    int64_t value;
    uint64_t u;

    /* 2^63 fits a uint64 but not an int64. */
    size_t length = test_hex("1b 80 00 00 00 00 00 00 00", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_int(&r, &value, NULL), VB_ERR_CBOR_UNSUPPORTED);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_uint(&r, &u, NULL), VB_OK);
    assert_true(u == 9223372036854775808ull);

    /* -2^63 - 1 and -2^64 (RFC 8949 Appendix A) do not fit an int64. */
    length = test_hex("3b 80 00 00 00 00 00 00 00", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_int(&r, &value, NULL), VB_ERR_CBOR_UNSUPPORTED);
    assert_ptr_equal(r.pos, bytes);
    length = test_hex("3b ff ff ff ff ff ff ff ff", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_int(&r, &value, NULL), VB_ERR_CBOR_UNSUPPORTED);
}

static void test_reader_strings_and_item_heads(void **state)
{
    (void)state;
    uint8_t bytes[64];
    size_t length = test_hex("64 49 45 54 46 44 01 02 03 04 60 40", bytes, sizeof bytes);
    uint8_t *exact = test_exact_copy(bytes, length);
    vb_cbor_reader r;
    const char *text;
    const uint8_t *data;
    size_t n;

    vb_cbor_reader_init(&r, exact, length);
    assert_int_equal(vb_cbor_read_text(&r, &text, &n, NULL), VB_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(text, "IETF", 4);
    assert_ptr_equal(text, exact + 1);
    assert_int_equal(vb_cbor_read_bytes(&r, &data, &n, NULL), VB_OK);
    assert_int_equal(n, 4);
    assert_memory_equal(data, "\x01\x02\x03\x04", 4);
    assert_int_equal(vb_cbor_read_text(&r, &text, &n, NULL), VB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(vb_cbor_read_bytes(&r, &data, &n, NULL), VB_OK);
    assert_int_equal(n, 0);
    assert_int_equal(vb_cbor_remaining(&r), 0);
    /* Reading at the end is truncation, not a crash. */
    assert_int_equal(vb_cbor_read_bytes(&r, &data, &n, NULL), VB_ERR_CBOR_TRUNCATED);
    free(exact);

    /* The item head reports major type, argument, where it started and where the content is. */
    length = test_hex("d8 18 45 64 49 45 54 46", bytes, sizeof bytes);
    vb_cbor_item item;
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_item_head(&r, &item, NULL), VB_OK);
    assert_int_equal(item.major, VB_CBOR_TAG);
    assert_true(item.value == 24);
    assert_ptr_equal(item.start, bytes);
    assert_null(item.bytes);
    assert_ptr_equal(r.pos, bytes + 2);
    assert_int_equal(vb_cbor_read_item_head(&r, &item, NULL), VB_OK);
    assert_int_equal(item.major, VB_CBOR_BYTES);
    assert_true(item.value == 5);
    assert_ptr_equal(item.bytes, bytes + 3);
    assert_ptr_equal(r.pos, bytes + length);

    /* Byte strings are not UTF-8 checked: c0 80 is fine as bytes. */
    length = test_hex("42 c0 80", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_bytes(&r, &data, &n, NULL), VB_OK);
}

static void test_reader_typed_reads_check_type_and_keep_position(void **state)
{
    (void)state;
    uint8_t bytes[16];
    vb_cbor_reader r;
    uint64_t u;
    int64_t i;
    const uint8_t *data;
    const char *text;
    size_t n;
    bool flag;

    size_t length = test_hex("61 61", bytes, sizeof bytes); /* "a" */
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_uint(&r, &u, NULL), VB_ERR_CBOR_TYPE);
    assert_ptr_equal(r.pos, bytes);
    assert_int_equal(vb_cbor_read_int(&r, &i, NULL), VB_ERR_CBOR_TYPE);
    assert_ptr_equal(r.pos, bytes);
    assert_int_equal(vb_cbor_read_bytes(&r, &data, &n, NULL), VB_ERR_CBOR_TYPE);
    assert_ptr_equal(r.pos, bytes);
    assert_int_equal(vb_cbor_read_array(&r, &n, NULL), VB_ERR_CBOR_TYPE);
    assert_int_equal(vb_cbor_read_map(&r, &n, NULL), VB_ERR_CBOR_TYPE);
    assert_int_equal(vb_cbor_read_tag(&r, &u, NULL), VB_ERR_CBOR_TYPE);
    assert_int_equal(vb_cbor_read_bool(&r, &flag, NULL), VB_ERR_CBOR_TYPE);
    assert_ptr_equal(r.pos, bytes);
    assert_int_equal(vb_cbor_read_text(&r, &text, &n, NULL), VB_OK);

    /* A negative integer is not a uint. */
    length = test_hex("20", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_uint(&r, &u, NULL), VB_ERR_CBOR_TYPE);

    /* Booleans: true, false; null is not a boolean. */
    length = test_hex("f5 f4 f6", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_bool(&r, &flag, NULL), VB_OK);
    assert_true(flag);
    assert_int_equal(vb_cbor_read_bool(&r, &flag, NULL), VB_OK);
    assert_false(flag);
    assert_int_equal(vb_cbor_read_bool(&r, &flag, NULL), VB_ERR_CBOR_TYPE);
    assert_ptr_equal(r.pos, bytes + 2);

    /* Containers and tags. */
    length = test_hex("d2 84 a0 80", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_tag(&r, &u, NULL), VB_OK);
    assert_true(u == 18);
    assert_int_equal(vb_cbor_read_array(&r, &n, NULL), VB_ERR_CBOR_TRUNCATED); /* 4 items, 2 bytes left */
}

static void test_reader_container_counts_beyond_input(void **state)
{
    (void)state;
    uint8_t bytes[16];
    vb_cbor_reader r;
    size_t n;

    size_t length = test_hex("9a ff ff ff ff 00", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_array(&r, &n, NULL), VB_ERR_CBOR_TRUNCATED);
    length = test_hex("bb 00 00 00 01 00 00 00 00 00 00", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_map(&r, &n, NULL), VB_ERR_CBOR_TRUNCATED);
    /* A map of one pair with only the key present. */
    length = test_hex("a1 01", bytes, sizeof bytes);
    vb_cbor_reader_init(&r, bytes, length);
    assert_int_equal(vb_cbor_read_map(&r, &n, NULL), VB_ERR_CBOR_TRUNCATED);

    assert_int_equal(test_skip_hex("83 01 02", 8, NULL), VB_ERR_CBOR_TRUNCATED);
    assert_int_equal(test_skip_hex("a2 01 02 03", 8, NULL), VB_ERR_CBOR_TRUNCATED);
    assert_int_equal(test_skip_hex("9b ff ff ff ff ff ff ff ff 00", 8, NULL), VB_ERR_CBOR_TRUNCATED);
    assert_int_equal(test_skip_hex("c1", 8, NULL), VB_ERR_CBOR_TRUNCATED); /* tag with no content */
}

/* ---------------------------------------------------------------- strictness */

typedef struct {
    const char *hex;
    vb_status want;
    const char *why;
} reject_case;

static void run_reject_cases(const reject_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        vb_status head = test_head_hex(cases[i].hex, NULL);
        vb_status skip = test_skip_hex(cases[i].hex, VB_CBOR_MAX_DEPTH, NULL);
        if (head != cases[i].want || skip != cases[i].want)
            fail_msg("%s [%s]: expected %s, read_item_head gave %s, skip gave %s", cases[i].why, cases[i].hex,
                     vb_status_name(cases[i].want), vb_status_name(head), vb_status_name(skip));
    }
}

static void test_reject_non_shortest_forms(void **state)
{
    (void)state;
    static const reject_case cases[] = {
        {"18 05", VB_ERR_CBOR_NONCANONICAL, "5 in a 1-byte argument"},
        {"18 17", VB_ERR_CBOR_NONCANONICAL, "23 in a 1-byte argument"},
        {"19 00 ff", VB_ERR_CBOR_NONCANONICAL, "255 in a 2-byte argument"},
        {"19 00 00", VB_ERR_CBOR_NONCANONICAL, "0 in a 2-byte argument"},
        {"1a 00 00 ff ff", VB_ERR_CBOR_NONCANONICAL, "65535 in a 4-byte argument"},
        {"1b 00 00 00 00 ff ff ff ff", VB_ERR_CBOR_NONCANONICAL, "2^32-1 in an 8-byte argument"},
        {"38 00", VB_ERR_CBOR_NONCANONICAL, "-1 in a 1-byte argument"},
        {"39 00 ff", VB_ERR_CBOR_NONCANONICAL, "-256 in a 2-byte argument"},
        {"58 01 00", VB_ERR_CBOR_NONCANONICAL, "byte string length 1 in a 1-byte argument"},
        {"78 03 61 62 63", VB_ERR_CBOR_NONCANONICAL, "text length 3 in a 1-byte argument"},
        {"98 00", VB_ERR_CBOR_NONCANONICAL, "array count 0 in a 1-byte argument"},
        {"b9 00 00", VB_ERR_CBOR_NONCANONICAL, "map count 0 in a 2-byte argument"},
        {"d8 12 00", VB_ERR_CBOR_NONCANONICAL, "tag 18 in a 1-byte argument"},
        {"f8 14", VB_ERR_CBOR_NONCANONICAL, "false as a two-byte simple value"},
        {"f8 16", VB_ERR_CBOR_NONCANONICAL, "null as a two-byte simple value"},
    };
    run_reject_cases(cases, sizeof cases / sizeof cases[0]);

    /* The first value of each width is accepted. */
    assert_int_equal(test_skip_hex("18 18", 1, NULL), VB_OK);
    assert_int_equal(test_skip_hex("19 01 00", 1, NULL), VB_OK);
    assert_int_equal(test_skip_hex("1a 00 01 00 00", 1, NULL), VB_OK);
    assert_int_equal(test_skip_hex("1b 00 00 00 01 00 00 00 00", 1, NULL), VB_OK);
}

static void test_reject_indefinite_lengths(void **state)
{
    (void)state;
    static const reject_case cases[] = {
        {"5f 42 01 02 43 03 04 05 ff", VB_ERR_CBOR_INDEFINITE, "indefinite byte string (RFC 8949 App. A)"},
        {"7f 65 73 74 72 65 61 64 6d 69 6e 67 ff", VB_ERR_CBOR_INDEFINITE, "indefinite text string"},
        {"9f ff", VB_ERR_CBOR_INDEFINITE, "indefinite empty array"},
        {"9f 01 02 ff", VB_ERR_CBOR_INDEFINITE, "indefinite array"},
        {"bf 61 61 01 ff", VB_ERR_CBOR_INDEFINITE, "indefinite map"},
        {"ff", VB_ERR_CBOR_INDEFINITE, "stray break"},
    };
    run_reject_cases(cases, sizeof cases / sizeof cases[0]);
    /* An indefinite item nested inside a definite one. */
    assert_int_equal(test_skip_hex("82 01 9f ff", 8, NULL), VB_ERR_CBOR_INDEFINITE);
    assert_int_equal(test_skip_hex("a1 01 5f ff", 8, NULL), VB_ERR_CBOR_INDEFINITE);
    /* Additional information 31 on the integer and tag types is not well-formed either. */
    assert_int_not_equal(test_skip_hex("1f", 8, NULL), VB_OK);
    assert_int_not_equal(test_skip_hex("3f", 8, NULL), VB_OK);
    assert_int_not_equal(test_skip_hex("df 00", 8, NULL), VB_OK);
}

static void test_reject_truncated_heads_and_strings(void **state)
{
    (void)state;
    static const reject_case cases[] = {
        {"", VB_ERR_CBOR_TRUNCATED, "empty input"},
        {"18", VB_ERR_CBOR_TRUNCATED, "1-byte argument missing"},
        {"19 01", VB_ERR_CBOR_TRUNCATED, "2-byte argument cut"},
        {"1a 00 01 00", VB_ERR_CBOR_TRUNCATED, "4-byte argument cut"},
        {"1b 00 00 00 01 00 00 00", VB_ERR_CBOR_TRUNCATED, "8-byte argument cut"},
        {"39", VB_ERR_CBOR_TRUNCATED, "negative integer argument missing"},
        {"58", VB_ERR_CBOR_TRUNCATED, "byte string length missing"},
        {"41", VB_ERR_CBOR_TRUNCATED, "1-byte string without content"},
        {"42 01", VB_ERR_CBOR_TRUNCATED, "2-byte string with 1 byte"},
        {"64 49 45 54", VB_ERR_CBOR_TRUNCATED, "4-byte text with 3 bytes"},
        {"78 20 61 61", VB_ERR_CBOR_TRUNCATED, "32-byte text with 2 bytes"},
        {"59 01 00 00", VB_ERR_CBOR_TRUNCATED, "256-byte string with 1 byte"},
        {"5a ff ff ff ff 00", VB_ERR_CBOR_TRUNCATED, "4 GiB string"},
        {"5b ff ff ff ff ff ff ff ff 00", VB_ERR_CBOR_TRUNCATED, "2^64-1-byte string (pointer overflow bait)"},
        {"7b 80 00 00 00 00 00 00 00 61", VB_ERR_CBOR_TRUNCATED, "2^63-byte text"},
        {"d8", VB_ERR_CBOR_TRUNCATED, "tag number missing"},
        {"f8", VB_ERR_CBOR_TRUNCATED, "simple value byte missing"},
    };
    run_reject_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_reject_reserved_additional_information(void **state)
{
    (void)state;
    static const char *const hex[] = {"1c", "1d", "1e", "3c", "5c 00", "7d", "9e", "bc", "dc", "fc", "fd", "fe"};
    for (size_t i = 0; i < sizeof hex / sizeof hex[0]; i++) {
        vb_status s = test_head_hex(hex[i], NULL);
        if (s != VB_ERR_CBOR_UNSUPPORTED)
            fail_msg("reserved additional information [%s]: got %s", hex[i], vb_status_name(s));
    }
}

static void test_reject_floats(void **state)
{
    (void)state;
    /* From RFC 8949 Appendix A: the format never uses floats. */
    static const reject_case cases[] = {
        {"f9 3c 00", VB_ERR_CBOR_UNSUPPORTED, "1.0 (half)"},
        {"f9 3e 00", VB_ERR_CBOR_UNSUPPORTED, "1.5 (half)"},
        {"f9 7c 00", VB_ERR_CBOR_UNSUPPORTED, "Infinity (half)"},
        {"f9 7e 00", VB_ERR_CBOR_UNSUPPORTED, "NaN (half)"},
        {"f9 80 00", VB_ERR_CBOR_UNSUPPORTED, "-0.0 (half)"},
        {"fa 47 c3 50 00", VB_ERR_CBOR_UNSUPPORTED, "100000.0 (single)"},
        {"fa 7f 7f ff ff", VB_ERR_CBOR_UNSUPPORTED, "3.4028234663852886e+38 (single)"},
        {"fb 3f f1 99 99 99 99 99 9a", VB_ERR_CBOR_UNSUPPORTED, "1.1 (double)"},
        {"fb 7e 37 e4 3c 88 00 75 9c", VB_ERR_CBOR_UNSUPPORTED, "1.0e+300 (double)"},
    };
    run_reject_cases(cases, sizeof cases / sizeof cases[0]);
}

/* Floats whose bit pattern would fit a shorter integer head are still floats: the shortest-form
 * rule is about integer arguments, and a float's width is part of its value (RFC 8949 §4.2.2). */
static void test_reject_floats_with_small_bit_patterns(void **state)
{
    (void)state;
    static const reject_case cases[] = {
        {"f9 00 00", VB_ERR_CBOR_UNSUPPORTED, "0.0 (half)"},
        {"f9 00 01", VB_ERR_CBOR_UNSUPPORTED, "5.960464477539063e-8 (half)"},
        {"fa 00 00 00 00", VB_ERR_CBOR_UNSUPPORTED, "0.0 (single)"},
        {"fb 00 00 00 00 00 00 00 00", VB_ERR_CBOR_UNSUPPORTED, "0.0 (double)"},
    };
    run_reject_cases(cases, sizeof cases / sizeof cases[0]);
}

static void test_simple_values(void **state)
{
    (void)state;
    static const reject_case cases[] = {
        {"e0", VB_ERR_CBOR_UNSUPPORTED, "simple(0)"},
        {"f0", VB_ERR_CBOR_UNSUPPORTED, "simple(16) (RFC 8949 App. A)"},
        {"f7", VB_ERR_CBOR_UNSUPPORTED, "undefined"},
        {"f8 18", VB_ERR_CBOR_UNSUPPORTED, "simple(24)"},
        {"f8 20", VB_ERR_CBOR_UNSUPPORTED, "simple(32)"},
        {"f8 ff", VB_ERR_CBOR_UNSUPPORTED, "simple(255) (RFC 8949 App. A)"},
    };
    run_reject_cases(cases, sizeof cases / sizeof cases[0]);

    vb_cbor_item item;
    assert_int_equal(test_head_hex("f4", &item), VB_OK);
    assert_int_equal(item.major, VB_CBOR_SIMPLE);
    assert_true(item.value == VB_CBOR_FALSE);
    assert_int_equal(test_head_hex("f5", &item), VB_OK);
    assert_true(item.value == VB_CBOR_TRUE);
    assert_int_equal(test_head_hex("f6", &item), VB_OK);
    assert_true(item.value == VB_CBOR_NULL);
}

static void test_text_utf8(void **state)
{
    (void)state;
    static const reject_case bad[] = {
        {"61 80", VB_ERR_CBOR_UTF8, "lone continuation byte"},
        {"61 c3", VB_ERR_CBOR_UTF8, "2-byte sequence cut at the string end"},
        {"62 e6 b0", VB_ERR_CBOR_UTF8, "3-byte sequence cut at the string end"},
        {"63 f0 90 85", VB_ERR_CBOR_UTF8, "4-byte sequence cut at the string end"},
        {"62 c3 41", VB_ERR_CBOR_UTF8, "lead byte followed by ASCII"},
        {"62 c0 80", VB_ERR_CBOR_UTF8, "overlong NUL (2 bytes)"},
        {"62 c1 bf", VB_ERR_CBOR_UTF8, "overlong U+007F"},
        {"63 e0 80 80", VB_ERR_CBOR_UTF8, "overlong NUL (3 bytes)"},
        {"63 e0 9f bf", VB_ERR_CBOR_UTF8, "overlong U+07FF"},
        {"64 f0 80 80 80", VB_ERR_CBOR_UTF8, "overlong NUL (4 bytes)"},
        {"64 f0 8f bf bf", VB_ERR_CBOR_UTF8, "overlong U+FFFF"},
        {"63 ed a0 80", VB_ERR_CBOR_UTF8, "surrogate U+D800"},
        {"63 ed bf bf", VB_ERR_CBOR_UTF8, "surrogate U+DFFF"},
        {"66 ed a0 80 ed b0 80", VB_ERR_CBOR_UTF8, "CESU-8 surrogate pair"},
        {"64 f4 90 80 80", VB_ERR_CBOR_UTF8, "U+110000"},
        {"64 f7 bf bf bf", VB_ERR_CBOR_UTF8, "U+1FFFFF"},
        {"65 f8 88 80 80 80", VB_ERR_CBOR_UTF8, "5-byte form"},
        {"61 fe", VB_ERR_CBOR_UTF8, "byte fe"},
        {"61 ff", VB_ERR_CBOR_UTF8, "byte ff"},
    };
    run_reject_cases(bad, sizeof bad / sizeof bad[0]);

    static const char *const good[] = {
        "60",             /* empty */
        "61 7f",          /* U+007F */
        "62 c2 80",       /* U+0080 */
        "62 df bf",       /* U+07FF */
        "63 e0 a0 80",    /* U+0800 */
        "63 ed 9f bf",    /* U+D7FF */
        "63 ee 80 80",    /* U+E000 */
        "63 ef bf bf",    /* U+FFFF */
        "64 f0 90 80 80", /* U+10000 */
        "64 f4 8f bf bf", /* U+10FFFF */
        "78 1b 4e 67 75 79 e1 bb 85 6e 20 54 68 e1 bb 8b 20 c3 81 6e 68 20 54 75 79 e1 ba bf 74",
        /* "Nguyễn Thị Ánh Tuyết" */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        size_t consumed;
        uint8_t bytes[64];
        size_t length = test_hex(good[i], bytes, sizeof bytes);
        vb_status s = test_skip_hex(good[i], 1, &consumed);
        if (s != VB_OK || consumed != length)
            fail_msg("valid UTF-8 [%s] refused: %s", good[i], vb_status_name(s));
        assert_true(vb_utf8_valid(bytes + (length > 1 && bytes[0] == 0x78 ? 2 : 1),
                                  length - (length > 1 && bytes[0] == 0x78 ? 2 : 1)));
    }

    /* The same rules through vb_utf8_valid directly. */
    assert_true(vb_utf8_valid((const uint8_t *)"", 0));
    assert_true(vb_utf8_valid((const uint8_t *)"H\xc3\xa0 N\xe1\xbb\x99i", 9));
    assert_false(vb_utf8_valid((const uint8_t *)"\xc0\x80", 2));
    assert_false(vb_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));
    assert_false(vb_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4));
    /* A valid sequence made invalid only by the length bound. */
    assert_false(vb_utf8_valid((const uint8_t *)"\xe1\xbb\x85", 2));
}

/* ---------------------------------------------------------------- maps and depth */

static void test_skip_map_key_order_and_duplicates(void **state)
{
    (void)state;
    size_t consumed;

    assert_int_equal(test_skip_hex("a2 01 02 03 04", 8, &consumed), VB_OK);
    assert_int_equal(consumed, 5);
    assert_int_equal(test_skip_hex("a2 03 04 01 02", 8, NULL), VB_ERR_CBOR_KEY_ORDER);
    assert_int_equal(test_skip_hex("a2 01 02 01 03", 8, NULL), VB_ERR_CBOR_DUPLICATE_KEY);
    /* Bytewise lexicographic order of the encoded keys (RFC 8949 §4.2.1): 10 (0a) < 100 (18 64)
     * < -1 (20) < "a" (61 61) < "aa" (62 61 61). Length-first order would put -1 before 100. */
    assert_int_equal(test_skip_hex("a5 0a 00 18 64 00 20 00 61 61 00 62 61 61 00", 8, NULL), VB_OK);
    assert_int_equal(test_skip_hex("a2 20 00 18 64 00", 8, NULL), VB_ERR_CBOR_KEY_ORDER);
    /* The length sits in the head, so a shorter text key sorts first: "b" (61 62) < "aa" (62 61 61). */
    assert_int_equal(test_skip_hex("a2 61 62 00 62 61 61 00", 8, NULL), VB_OK);
    assert_int_equal(test_skip_hex("a2 62 61 61 00 61 62 00", 8, NULL), VB_ERR_CBOR_KEY_ORDER);
    assert_int_equal(test_skip_hex("a2 61 62 01 61 61 02", 8, NULL), VB_ERR_CBOR_KEY_ORDER);
    /* Duplicates among structured keys and among negative keys. */
    assert_int_equal(test_skip_hex("a2 81 01 00 81 01 00", 8, NULL), VB_ERR_CBOR_DUPLICATE_KEY);
    assert_int_equal(test_skip_hex("a3 20 00 21 00 21 01", 8, NULL), VB_ERR_CBOR_DUPLICATE_KEY);
    /* A disorder nested inside an array and a map is found too. */
    assert_int_equal(test_skip_hex("82 00 a2 02 00 01 00", 8, NULL), VB_ERR_CBOR_KEY_ORDER);
    assert_int_equal(test_skip_hex("a1 01 a2 05 00 05 00", 8, NULL), VB_ERR_CBOR_DUPLICATE_KEY);
    /* Each map has its own order: an inner key smaller than the outer one is fine. */
    assert_int_equal(test_skip_hex("a2 05 a1 01 00 06 00", 8, NULL), VB_OK);
    /* Skip stops after one item and leaves the rest. */
    assert_int_equal(test_skip_hex("a1 01 02 ff", 8, &consumed), VB_OK);
    assert_int_equal(consumed, 3);
}

static void test_check_key_order_directly(void **state)
{
    (void)state;
    vb_cbor_key_order order = {0};
    static const uint8_t k1[] = {0x01}, k6[] = {0x06}, k20[] = {0x20}, k1828[] = {0x18, 0x28};
    assert_int_equal(vb_cbor_check_key_order(&order, k1, 1, NULL), VB_OK);
    assert_int_equal(vb_cbor_check_key_order(&order, k6, 1, NULL), VB_OK);
    assert_int_equal(vb_cbor_check_key_order(&order, k1828, 2, NULL), VB_OK);
    assert_int_equal(vb_cbor_check_key_order(&order, k20, 1, NULL), VB_OK);
    assert_int_equal(vb_cbor_check_key_order(&order, k20, 1, NULL), VB_ERR_CBOR_DUPLICATE_KEY);
    assert_int_equal(vb_cbor_check_key_order(&order, k6, 1, NULL), VB_ERR_CBOR_KEY_ORDER);
}

static void test_skip_depth_limit(void **state)
{
    (void)state;
    char hex[4096];
    uint8_t prefix;

    /* depth counts items on the path: 7 arrays around an integer are 8 levels. */
    static const uint8_t openers[] = {0x81, 0xa1, 0xc1}; /* array, map (as value), tag */
    for (size_t o = 0; o < sizeof openers; o++) {
        prefix = openers[o];
        for (int levels = 1; levels <= VB_CBOR_MAX_DEPTH + 1; levels++) {
            size_t n = 0;
            for (int i = 0; i < levels - 1; i++) {
                n += (size_t)snprintf(hex + n, sizeof hex - n, "%02x ", prefix);
                if (prefix == 0xa1)
                    n += (size_t)snprintf(hex + n, sizeof hex - n, "00 "); /* the key */
            }
            snprintf(hex + n, sizeof hex - n, "00");
            vb_status s = test_skip_hex(hex, VB_CBOR_MAX_DEPTH, NULL);
            vb_status want = levels <= VB_CBOR_MAX_DEPTH ? VB_OK : VB_ERR_CBOR_DEPTH;
            if (s != want)
                fail_msg("%d levels opened by %02x: expected %s, got %s", levels, prefix, vb_status_name(want),
                         vb_status_name(s));
        }
    }
    /* A scalar at depth 1 is fine; at depth 0 nothing is allowed. */
    assert_int_equal(test_skip_hex("00", 1, NULL), VB_OK);
    assert_int_equal(test_skip_hex("00", 0, NULL), VB_ERR_CBOR_DEPTH);
    assert_int_equal(test_skip_hex("80", 1, NULL), VB_OK);
    assert_int_equal(test_skip_hex("81 00", 1, NULL), VB_ERR_CBOR_DEPTH);

    /* A thousand nested arrays are refused without recursing a thousand times. */
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(hex + n, sizeof hex - n, "81");
    snprintf(hex + n, sizeof hex - n, "00");
    assert_int_equal(test_skip_hex(hex, VB_CBOR_MAX_DEPTH, NULL), VB_ERR_CBOR_DEPTH);
}

static void test_skip_valid_documents(void **state)
{
    (void)state;
    size_t consumed;
    static const char *const docs[] = {
        "83 01 82 02 03 82 04 05",
        "a2 61 61 01 61 62 82 02 03",
        "c0 74 32 30 31 33 2d 30 33 2d 32 31 54 32 30 3a 30 34 3a 30 30 5a",
        "d8 20 76 68 74 74 70 3a 2f 2f 77 77 77 2e 65 78 61 6d 70 6c 65 2e 63 6f 6d",
        "a5 61 61 61 41 61 62 61 42 61 63 61 43 61 64 61 44 61 65 61 45",
        "d2 84 43 a1 01 26 a1 04 42 31 31 54 54 68 69 73 20 69 73 20 74 68 65 20 63 6f 6e 74 65 6e 74 2e 58 40 8e b3 "
        "3e 4c a3 1d 1c 46 5a b0 5a ac 34 cc 6b 23 d5 8f ef 5c 08 31 06 c4 d2 5a 91 ae f0 b0 11 7e 2a f9 a2 91 aa 32 "
        "e1 4a b8 34 dc 56 ed 2a 22 34 44 54 7e 01 f1 1d 3b 09 16 e5 a4 c3 45 ca cb 36",
    };
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        uint8_t bytes[256];
        size_t length = test_hex(docs[i], bytes, sizeof bytes);
        vb_status s = test_skip_hex(docs[i], VB_CBOR_MAX_DEPTH, &consumed);
        if (s != VB_OK || consumed != length)
            fail_msg("document %zu: %s, consumed %zu of %zu", i, vb_status_name(s), consumed, length);
    }
}

/* Every strict prefix of a valid document is truncated, never accepted or over-read. */
static void test_skip_every_prefix_is_truncated(void **state)
{
    (void)state;
    uint8_t bytes[128];
    size_t length = test_hex("a3 01 83 01 62 c3 bc 42 01 02 18 64 a1 61 61 f5 39 01 00 d8 18 45 64 49 45 54 46",
                             bytes, sizeof bytes);
    for (size_t cut = 0; cut < length; cut++) {
        uint8_t *exact = test_exact_copy(bytes, cut);
        vb_cbor_reader r;
        vb_cbor_reader_init(&r, exact, cut);
        vb_status s = vb_cbor_skip(&r, VB_CBOR_MAX_DEPTH, NULL);
        free(exact);
        if (s != VB_ERR_CBOR_TRUNCATED)
            fail_msg("prefix of %zu bytes: expected cbor-truncated, got %s", cut, vb_status_name(s));
    }
    size_t consumed;
    uint8_t *exact = test_exact_copy(bytes, length);
    vb_cbor_reader r;
    vb_cbor_reader_init(&r, exact, length);
    assert_int_equal(vb_cbor_skip(&r, VB_CBOR_MAX_DEPTH, NULL), VB_OK);
    consumed = (size_t)(r.pos - exact);
    assert_int_equal(consumed, length);
    free(exact);
}

static void test_error_messages_are_filled(void **state)
{
    (void)state;
    uint8_t bytes[] = {0x18, 0x05};
    vb_cbor_reader r;
    vb_error err;
    memset(&err, 0, sizeof err);
    vb_cbor_reader_init(&r, bytes, sizeof bytes);
    assert_int_equal(vb_cbor_skip(&r, 1, &err), VB_ERR_CBOR_NONCANONICAL);
    assert_int_equal(err.code, VB_ERR_CBOR_NONCANONICAL);
    assert_true(strlen(err.message) > 0);
    assert_string_equal(vb_status_name(VB_ERR_CBOR_NONCANONICAL), "cbor-noncanonical");
    assert_int_equal(vb_status_from_name("cbor-noncanonical"), VB_ERR_CBOR_NONCANONICAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer_uint_rfc8949_and_boundaries),
        cmocka_unit_test(test_writer_int_rfc8949_and_boundaries),
        cmocka_unit_test(test_writer_strings_rfc8949),
        cmocka_unit_test(test_writer_containers_tags_simple_rfc8949),
        cmocka_unit_test(test_writer_overflow_is_sticky_and_stays_in_bounds),
        cmocka_unit_test(test_reader_round_trips_integers),
        cmocka_unit_test(test_reader_int_outside_int64),
        cmocka_unit_test(test_reader_strings_and_item_heads),
        cmocka_unit_test(test_reader_typed_reads_check_type_and_keep_position),
        cmocka_unit_test(test_reader_container_counts_beyond_input),
        cmocka_unit_test(test_reject_non_shortest_forms),
        cmocka_unit_test(test_reject_indefinite_lengths),
        cmocka_unit_test(test_reject_truncated_heads_and_strings),
        cmocka_unit_test(test_reject_reserved_additional_information),
        cmocka_unit_test(test_reject_floats),
        cmocka_unit_test(test_reject_floats_with_small_bit_patterns),
        cmocka_unit_test(test_simple_values),
        cmocka_unit_test(test_text_utf8),
        cmocka_unit_test(test_skip_map_key_order_and_duplicates),
        cmocka_unit_test(test_check_key_order_directly),
        cmocka_unit_test(test_skip_depth_limit),
        cmocka_unit_test(test_skip_valid_documents),
        cmocka_unit_test(test_skip_every_prefix_is_truncated),
        cmocka_unit_test(test_error_messages_are_filled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
