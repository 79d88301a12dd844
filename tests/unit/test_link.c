/*
 * test_link.c — unit tests of the link codec (libvanbang/link.c): the digit-count table, fixed
 * vectors, round trips of every record length with seeded random bytes, the canonical base
 * spelling, every error code, and reads that must stay inside an exact-size buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "link.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEST_BASE_ALPHANUMERIC "https://vb.example.vn/V/"
#define TEST_BASE_ALPHANUMERIC_CANONICAL "HTTPS://VB.EXAMPLE.VN/V/"
#define TEST_BASE_LOWERCASE_PATH "https://xacthuc.example.edu.vn/v/"

/* Decodes text from a heap block of exactly its length, with no NUL after it, so that
 * AddressSanitizer catches any read past the end. */
static vb_status test_decode_exact(const char *text, size_t text_len, uint8_t *out,
                                   size_t out_size, size_t *out_len, vb_error *err)
{
    char *exact = test_exact_copy(text, text_len);
    vb_status status = vb_link_decode(exact, text_len, out, out_size, out_len, err);
    free(exact);
    return status;
}

static vb_status test_decode_string(const char *text, vb_error *err)
{
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_len = 12345;
    vb_status status = test_decode_exact(text, strlen(text), record, sizeof record, &record_len,
                                         err);
    if (status != VB_OK)
        assert_int_equal(record_len, 0);
    return status;
}

static void test_digit_count_table(void **state)
{
    (void)state;
    static const size_t expected[] = {0, 3, 5, 8, 10, 13, 15, 17, 20, 22, 25, 27, 30, 32, 34};
    for (size_t len = 0; len < sizeof expected / sizeof expected[0]; len++)
        assert_int_equal(vb_link_digit_count(len), expected[len]);
    assert_int_equal(vb_link_digit_count(VB_MAX_RECORD_BYTES), VB_LINK_MAX_DIGITS);
    assert_int_equal(VB_LINK_MAX_DIGITS, 2487);

    /* The inverse accepts exactly the counts some length produces, and gives that length. */
    size_t length_for_count[3000];
    for (size_t i = 0; i < 3000; i++)
        length_for_count[i] = SIZE_MAX;
    for (size_t len = 1; vb_link_digit_count(len) < 3000; len++)
        length_for_count[vb_link_digit_count(len)] = len;
    for (size_t count = 0; count < 3000; count++) {
        size_t len = 0;
        bool valid = vb_link_record_length(count, &len);
        assert_int_equal(valid, length_for_count[count] != SIZE_MAX);
        if (valid)
            assert_int_equal(len, length_for_count[count]);
    }
}

static void test_fixed_vectors(void **state)
{
    (void)state;
    static const struct {
        uint8_t bytes[8];
        size_t len;
        const char *digits;
    } vectors[] = {
        {{0x00}, 1, "000"},
        {{0xff}, 1, "255"},
        {{0x01, 0x02}, 2, "00258"},
        {{0xff, 0xff}, 2, "65535"},
        {{0xff, 0xff, 0xff}, 3, "16777215"},
        {{0xff, 0xff, 0xff, 0xff}, 4, "4294967295"},
        {{0xff, 0xff, 0xff, 0xff, 0xff}, 5, "1099511627775"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 6, "281474976710655"},
        {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 7, "72057594037927935"},
        {{0, 0, 0, 0, 0, 0, 0}, 7, "00000000000000000"},
        {{0, 1, 2, 3, 4, 5, 6, 7}, 8, "00001108152157446007"},
    };
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        char text[128];
        size_t prefix_len = 0;
        vb_error err = {0};
        assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, vectors[i].bytes, vectors[i].len,
                                         text, sizeof text, &prefix_len, &err), VB_OK);
        assert_int_equal(prefix_len, strlen(TEST_BASE_ALPHANUMERIC));
        assert_string_equal(text + prefix_len, vectors[i].digits);

        uint8_t decoded[16];
        size_t decoded_len = 0;
        assert_int_equal(test_decode_exact(vectors[i].digits, strlen(vectors[i].digits), decoded,
                                           sizeof decoded, &decoded_len, &err), VB_OK);
        assert_int_equal(decoded_len, vectors[i].len);
        assert_memory_equal(decoded, vectors[i].bytes, vectors[i].len);
    }
}

/* Encodes then decodes one record as a full link, as bare digits, and with a query and fragment
 * after it. */
static void test_round_trip_one(const char *base, const uint8_t *record, size_t record_len)
{
    char text[VB_MAX_LINK_CHARS + 1];
    size_t prefix_len = 0;
    vb_error err = {0};
    assert_int_equal(vb_link_encode(base, record, record_len, text, sizeof text, &prefix_len,
                                    &err), VB_OK);
    size_t text_len = strlen(text);
    assert_int_equal(text_len, prefix_len + vb_link_digit_count(record_len));
    assert_int_equal(prefix_len, strlen(base));

    uint8_t decoded[VB_MAX_RECORD_BYTES];
    size_t decoded_len = 0;
    assert_int_equal(test_decode_exact(text, text_len, decoded, sizeof decoded, &decoded_len,
                                       &err), VB_OK);
    assert_int_equal(decoded_len, record_len);
    assert_memory_equal(decoded, record, record_len);

    decoded_len = 0;
    assert_int_equal(test_decode_exact(text + prefix_len, text_len - prefix_len, decoded,
                                       sizeof decoded, &decoded_len, &err), VB_OK);
    assert_int_equal(decoded_len, record_len);
    assert_memory_equal(decoded, record, record_len);

    /* An out buffer of exactly the record length suffices. */
    uint8_t *exact_out = malloc(record_len);
    assert_non_null(exact_out);
    assert_int_equal(test_decode_exact(text, text_len, exact_out, record_len, &decoded_len, &err),
                     VB_OK);
    assert_memory_equal(exact_out, record, record_len);
    free(exact_out);

    static const char *const suffixes[] = {"?utm_source=qr", "#top", "?a=1/2#x/y", "?", "#"};
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        char with_suffix[VB_MAX_LINK_CHARS + 32];
        int n = snprintf(with_suffix, sizeof with_suffix, "%s%s", text, suffixes[i]);
        assert_true(n > 0 && (size_t)n < sizeof with_suffix);
        assert_int_equal(test_decode_exact(with_suffix, (size_t)n, decoded, sizeof decoded,
                                           &decoded_len, &err), VB_OK);
        assert_int_equal(decoded_len, record_len);
        assert_memory_equal(decoded, record, record_len);
    }
}

static void test_round_trip_every_length(void **state)
{
    (void)state;
    uint64_t random_state = 20240611;
    uint8_t record[300];
    for (size_t len = 1; len <= 300; len++) {
        test_random_fill(&random_state, record, len);
        test_round_trip_one(TEST_BASE_ALPHANUMERIC, record, len);
        test_round_trip_one(TEST_BASE_ALPHANUMERIC_CANONICAL, record, len);
        test_round_trip_one(TEST_BASE_LOWERCASE_PATH, record, len);

        /* Extreme group values: all zero and all 0xff bytes. */
        memset(record, 0x00, len);
        test_round_trip_one(TEST_BASE_ALPHANUMERIC, record, len);
        memset(record, 0xff, len);
        test_round_trip_one(TEST_BASE_ALPHANUMERIC, record, len);
    }

    /* The largest record, and an empty one, which no link can carry. */
    static uint8_t largest[VB_MAX_RECORD_BYTES];
    test_random_fill(&random_state, largest, sizeof largest);
    test_round_trip_one(TEST_BASE_ALPHANUMERIC, largest, sizeof largest);

    char text[64];
    vb_error err = {0};
    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, record, 0, text, sizeof text, NULL,
                                    &err), VB_ERR_ARGUMENT);
    assert_int_equal(err.code, VB_ERR_ARGUMENT);
}

static void test_canonical_base(void **state)
{
    (void)state;
    static const struct {
        const char *given;
        const char *canonical;
    } cases[] = {
        {"https://vb.example.vn/V/", "HTTPS://VB.EXAMPLE.VN/V/"},
        {"https://xacthuc.example.edu.vn/V/", "HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/"},
        {"Http://Vb.Example.VN:8080/A-B/C.D/", "HTTP://VB.EXAMPLE.VN:8080/A-B/C.D/"},
        {"HTTPS://VB.EXAMPLE.VN/", "HTTPS://VB.EXAMPLE.VN/"},
        /* Lowercase path: case matters there, so the whole base stays as given. */
        {"https://xacthuc.example.edu.vn/v/", "https://xacthuc.example.edu.vn/v/"},
        {"https://Xacthuc.Example.edu.vn/verify/", "https://Xacthuc.Example.edu.vn/verify/"},
        /* Characters outside the alphanumeric set, even in the host, keep the given form. */
        {"https://user@vb.example.vn/V/", "https://user@vb.example.vn/V/"},
        {"https://vb.example.vn/V_1/", "https://vb.example.vn/V_1/"},
        {"https://vb.example.vn/~V/", "https://vb.example.vn/~V/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[128];
        size_t len = 0;
        vb_error err = {0};
        assert_int_equal(vb_link_canonical_base(cases[i].given, out, sizeof out, &len, &err),
                         VB_OK);
        assert_string_equal(out, cases[i].canonical);
        assert_int_equal(len, strlen(cases[i].canonical));

        uint8_t record[3] = {1, 2, 3};
        char text[128];
        size_t prefix_len = 0;
        assert_int_equal(vb_link_encode(cases[i].given, record, sizeof record, text, sizeof text,
                                        &prefix_len, &err), VB_OK);
        assert_int_equal(prefix_len, strlen(cases[i].canonical));
        assert_memory_equal(text, cases[i].canonical, prefix_len);
        assert_string_equal(text + prefix_len, "00066051");
    }

    assert_true(vb_link_is_qr_alphanumeric("HTTPS://A.B/ $%*+-.:09", 22));
    assert_false(vb_link_is_qr_alphanumeric("https://a.b/", 12));
    assert_false(vb_link_is_qr_alphanumeric("A\0B", 3));
    assert_true(vb_link_is_qr_alphanumeric("", 0));
}

static void test_encode_argument_errors(void **state)
{
    (void)state;
    static const char *const bad_bases[] = {
        "ftp://vb.example.vn/V/",
        "https:/vb.example.vn/V/",
        "vb.example.vn/V/",
        "https://vb.example.vn/V",       /* no final '/' */
        "https://vb.example.vn",          /* no path at all */
        "https:///V/",                    /* no host */
        "https://",
        "https://vb.example.vn/a b/",
        "https://vb.example.vn/?x=/",
        "https://vb.example.vn/#/",
        "https://vb.example.vn/\t/",
        "https://v\xc3\xad.example.vn/V/", /* non-ASCII host */
        "",
    };
    uint8_t record[10] = {0};
    for (size_t i = 0; i < sizeof bad_bases / sizeof bad_bases[0]; i++) {
        char text[128] = "unchanged";
        size_t prefix_len = 99;
        vb_error err = {0};
        assert_int_equal(vb_link_encode(bad_bases[i], record, sizeof record, text, sizeof text,
                                        &prefix_len, &err), VB_ERR_ARGUMENT);
        assert_int_equal(err.code, VB_ERR_ARGUMENT);
        assert_true(err.message[0] != '\0');
        assert_int_equal(prefix_len, 0);
        assert_string_equal(text, "");
    }

    char text[128];
    vb_error err = {0};
    assert_int_equal(vb_link_encode(NULL, record, sizeof record, text, sizeof text, NULL, &err),
                     VB_ERR_ARGUMENT);
    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, NULL, 3, text, sizeof text, NULL,
                                    &err), VB_ERR_ARGUMENT);
    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, record, sizeof record, NULL, 10, NULL,
                                    &err), VB_ERR_ARGUMENT);
    /* err may be NULL. */
    assert_int_equal(vb_link_encode("nope", record, sizeof record, text, sizeof text, NULL, NULL),
                     VB_ERR_ARGUMENT);
}

static void test_encode_size_errors(void **state)
{
    (void)state;
    static uint8_t record[VB_MAX_RECORD_BYTES + 1];
    static char text[VB_MAX_LINK_CHARS + 1];
    vb_error err = {0};

    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, record, sizeof record, text,
                                    sizeof text, NULL, &err), VB_ERR_TOO_LARGE);

    /* A buffer one byte short of text + NUL fails; the exact size works. */
    size_t needed = strlen(TEST_BASE_ALPHANUMERIC) + vb_link_digit_count(20) + 1;
    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, record, 20, text, needed - 1, NULL,
                                    &err), VB_ERR_TOO_LARGE);
    assert_string_equal(text, "");
    char *exact = malloc(needed);
    assert_non_null(exact);
    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, record, 20, exact, needed, NULL, &err),
                     VB_OK);
    assert_int_equal(strlen(exact), needed - 1);
    free(exact);
    assert_int_equal(vb_link_encode(TEST_BASE_ALPHANUMERIC, record, 20, text, 5, NULL, &err),
                     VB_ERR_TOO_LARGE);

    /* A base so long that base + digits of the largest record pass VB_MAX_LINK_CHARS. */
    static char long_base[VB_MAX_LINK_CHARS + 16];
    strcpy(long_base, "https://vb.example.vn/");
    size_t len = strlen(long_base);
    while (len < VB_MAX_LINK_CHARS - 2000) {
        memcpy(long_base + len, "A/", 2);
        len += 2;
    }
    long_base[len] = '\0';
    assert_int_equal(vb_link_encode(long_base, record, 100, text, sizeof text, NULL, &err), VB_OK);
    assert_int_equal(vb_link_encode(long_base, record, VB_MAX_RECORD_BYTES, text, sizeof text,
                                    NULL, &err), VB_ERR_TOO_LARGE);

    /* A base over VB_MAX_LINK_CHARS by itself. */
    while (len < VB_MAX_LINK_CHARS + 4) {
        memcpy(long_base + len, "A/", 2);
        len += 2;
    }
    long_base[len] = '\0';
    assert_int_equal(vb_link_encode(long_base, record, 1, text, sizeof text, NULL, &err),
                     VB_ERR_TOO_LARGE);
}

static void test_decode_prefix_errors(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "hello",
        "ftp://vb.example.vn/V/000",
        "https:/vb.example.vn/000",
        "https://",
        "https://vb.example.vn",       /* no path */
        "https://vb.example.vn?x=/000", /* the '/' is in the query */
        "https:///000",                 /* no host */
        " 000",
        "+000",
        "https://vb.exa mple.vn/000",
        "https://vb.example.vn/\n/000",
        "https://v\xc3\xad.vn/000",
        "V/000",
        "/000",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vb_error err = {0};
        assert_int_equal(test_decode_string(texts[i], &err), VB_ERR_LINK_PREFIX);
        assert_int_equal(err.code, VB_ERR_LINK_PREFIX);
        assert_true(err.message[0] != '\0');
    }
}

static void test_decode_digit_errors(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "https://vb.example.vn/V/00a",
        "https://vb.example.vn/V/0 0",
        "https://vb.example.vn/V/+00",
        "https://vb.example.vn/V/000/",  /* a '/' after digits: empty last segment is LENGTH */
        "00a",
        "000 ",
        "000\n",
        "https://vb.example.vn/V/0%30",
        "https://vb.example.vn/V/\xd9\xa0\xd9\xa0\xd9\xa0",  /* Arabic-Indic digits */
    };
    static const vb_status expected[] = {
        VB_ERR_LINK_DIGITS, VB_ERR_LINK_DIGITS, VB_ERR_LINK_DIGITS, VB_ERR_LINK_LENGTH,
        VB_ERR_LINK_DIGITS, VB_ERR_LINK_DIGITS, VB_ERR_LINK_DIGITS, VB_ERR_LINK_DIGITS,
        VB_ERR_LINK_DIGITS,
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vb_error err = {0};
        assert_int_equal(test_decode_string(texts[i], &err), expected[i]);
        assert_int_equal(err.code, expected[i]);
    }

    /* A NUL inside the digits is just another non-digit: the length given is what counts. */
    vb_error err = {0};
    uint8_t out[8];
    size_t out_len;
    assert_int_equal(test_decode_exact("0\0" "0", 3, out, sizeof out, &out_len, &err),
                     VB_ERR_LINK_DIGITS);
}

static void test_decode_length_errors(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "",
        "https://vb.example.vn/",
        "https://vb.example.vn/V/",
        "https://vb.example.vn/V/?x=1",
        "https://vb.example.vn/V/#000",
        "0",
        "00",
        "0000",
        "000000",
        "0000000",
        "000000000",
        "00000000000",
        "000000000000",
        "00000000000000",
        "0000000000000000",
        "000000000000000000",                 /* 18 = 17 + 1 */
        "https://vb.example.vn/V/00000000000000000000000000000000000", /* 35 = 2*17 + 1 */
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vb_error err = {0};
        assert_int_equal(test_decode_string(texts[i], &err), VB_ERR_LINK_LENGTH);
        assert_int_equal(err.code, VB_ERR_LINK_LENGTH);
    }
    /* Every invalid count from 0 to 200 digits, bare. */
    char digits[201];
    memset(digits, '0', sizeof digits);
    for (size_t count = 0; count <= 200; count++) {
        size_t len;
        uint8_t out[VB_MAX_RECORD_BYTES];
        size_t out_len;
        vb_error err = {0};
        vb_status status = test_decode_exact(digits, count, out, sizeof out, &out_len, &err);
        assert_int_equal(status, vb_link_record_length(count, &len) ? VB_OK : VB_ERR_LINK_LENGTH);
    }
}

static void test_decode_chunk_errors(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "256",
        "999",
        "65536",
        "16777216",
        "4294967296",
        "1099511627776",
        "281474976710656",
        "72057594037927936",
        "99999999999999999",
        /* A good first group, then a bad last one. */
        "https://vb.example.vn/V/00000000000000000256",
        "https://vb.example.vn/V/7205759403792793572057594037927936",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        vb_error err = {0};
        assert_int_equal(test_decode_string(texts[i], &err), VB_ERR_LINK_CHUNK);
        assert_int_equal(err.code, VB_ERR_LINK_CHUNK);
    }
    /* One below each limit is fine. */
    static const char *const good[] = {"255", "65535", "16777215", "4294967295", "1099511627775",
                                       "281474976710655", "72057594037927935"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_int_equal(test_decode_string(good[i], NULL), VB_OK);
}

static void test_decode_size_errors(void **state)
{
    (void)state;
    vb_error err = {0};
    uint8_t out[VB_MAX_RECORD_BYTES];
    size_t out_len;

    /* Over VB_MAX_LINK_CHARS, even though it would otherwise be fine. */
    static char text[VB_MAX_LINK_CHARS + 2];
    memset(text, '0', sizeof text);
    assert_int_equal(test_decode_exact(text, VB_MAX_LINK_CHARS + 1, out, sizeof out, &out_len,
                                       &err), VB_ERR_TOO_LARGE);

    /* Digits of a record one byte over VB_MAX_RECORD_BYTES, within the character limit. */
    size_t over = vb_link_digit_count(VB_MAX_RECORD_BYTES + 1);
    assert_true(over <= VB_MAX_LINK_CHARS);
    assert_int_equal(test_decode_exact(text, over, out, sizeof out, &out_len, &err),
                     VB_ERR_TOO_LARGE);
    assert_int_equal(test_decode_exact(text, VB_LINK_MAX_DIGITS, out, sizeof out, &out_len, &err),
                     VB_OK);
    assert_int_equal(out_len, VB_MAX_RECORD_BYTES);

    /* An out buffer smaller than the record. */
    assert_int_equal(test_decode_exact(text, 20, out, 7, &out_len, &err), VB_ERR_TOO_LARGE);
    assert_int_equal(out_len, 0);
    assert_int_equal(test_decode_exact(text, 20, out, 8, &out_len, &err), VB_OK);
    assert_int_equal(out_len, 8);
}

static void test_decode_scheme_any_case(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "https://vb.example.vn/V/00258",
        "HTTPS://VB.EXAMPLE.VN/V/00258",
        "hTtP://vb.example.vn/a/b/c/00258",
        "http://127.0.0.1:8080/00258",
        "https://vb.example.vn/V/00258?lang=vi#x",
        "00258",
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        uint8_t out[4];
        size_t out_len = 0;
        vb_error err = {0};
        assert_int_equal(test_decode_exact(texts[i], strlen(texts[i]), out, sizeof out, &out_len,
                                           &err), VB_OK);
        assert_int_equal(out_len, 2);
        assert_int_equal(out[0], 1);
        assert_int_equal(out[1], 2);
    }

    size_t offset, len;
    vb_error err = {0};
    const char *url = "https://vb.example.vn/V/00258?x";
    assert_int_equal(vb_link_locate_digits(url, strlen(url), &offset, &len, &err), VB_OK);
    assert_int_equal(offset, 24);
    assert_int_equal(len, 5);
}

/* Every prefix of a valid link must decode or fail cleanly, reading only its own bytes. */
static void test_no_over_read_on_truncation(void **state)
{
    (void)state;
    uint8_t record[40];
    uint64_t random_state = 7;
    test_random_fill(&random_state, record, sizeof record);
    char text[256];
    assert_int_equal(vb_link_encode(TEST_BASE_LOWERCASE_PATH, record, sizeof record, text,
                                    sizeof text, NULL, NULL), VB_OK);
    size_t text_len = strlen(text);
    for (size_t len = 0; len <= text_len; len++) {
        uint8_t out[64];
        size_t out_len;
        vb_status status = test_decode_exact(text, len, out, sizeof out, &out_len, NULL);
        size_t base_len = strlen(TEST_BASE_LOWERCASE_PATH);
        size_t expected_len = 0;
        if (len > base_len && vb_link_record_length(len - base_len, &expected_len)) {
            /* A cut group may now be too large for its shorter byte count. */
            if (status == VB_OK)
                assert_int_equal(out_len, expected_len);
            else
                assert_int_equal(status, VB_ERR_LINK_CHUNK);
        } else {
            assert_int_not_equal(status, VB_OK);
        }
    }
}

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(vb_status_name(VB_ERR_LINK_PREFIX), "link-prefix");
    assert_string_equal(vb_status_name(VB_ERR_LINK_DIGITS), "link-digits");
    assert_string_equal(vb_status_name(VB_ERR_LINK_LENGTH), "link-length");
    assert_string_equal(vb_status_name(VB_ERR_LINK_CHUNK), "link-chunk");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digit_count_table),
        cmocka_unit_test(test_fixed_vectors),
        cmocka_unit_test(test_round_trip_every_length),
        cmocka_unit_test(test_canonical_base),
        cmocka_unit_test(test_encode_argument_errors),
        cmocka_unit_test(test_encode_size_errors),
        cmocka_unit_test(test_decode_prefix_errors),
        cmocka_unit_test(test_decode_digit_errors),
        cmocka_unit_test(test_decode_length_errors),
        cmocka_unit_test(test_decode_chunk_errors),
        cmocka_unit_test(test_decode_size_errors),
        cmocka_unit_test(test_decode_scheme_any_case),
        cmocka_unit_test(test_no_over_read_on_truncation),
        cmocka_unit_test(test_status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
