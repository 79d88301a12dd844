/*
 * test_html.c — unit tests of the web escaping (libvanbang/html.c): the five HTML specials, a
 * script-injection name, Vietnamese text kept as is, control characters and broken UTF-8
 * replaced, JSON escapes, truncation like snprintf, and the worst-case growth bound.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "html.h"

#include <stdlib.h>
#include <string.h>

static void check_html(const char *input, size_t length, const char *expected)
{
    char out[512];
    size_t n = vb_html_escape(input, length, out, sizeof out);
    assert_int_equal(n, strlen(expected));
    assert_string_equal(out, expected);
}

static void check_json(const char *input, size_t length, const char *expected)
{
    char out[512];
    size_t n = vb_json_escape(input, length, out, sizeof out);
    assert_int_equal(n, strlen(expected));
    assert_string_equal(out, expected);
}

#define HTML(input, expected) check_html(input, sizeof input - 1, expected)
#define JSON(input, expected) check_json(input, sizeof input - 1, expected)

static void test_html_specials(void **state)
{
    (void)state;
    HTML("", "");
    HTML("plain", "plain");
    HTML("&<>\"'", "&amp;&lt;&gt;&quot;&#39;");
    HTML("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
    HTML("\" onmouseover=\"x", "&quot; onmouseover=&quot;x");
    HTML("&amp;", "&amp;amp;");
}

static void test_html_keeps_vietnamese(void **state)
{
    (void)state;
    HTML("Nguyễn Thị Ánh Tuyết", "Nguyễn Thị Ánh Tuyết");
    HTML("Trường Cao đẳng Nghề Hà Nội", "Trường Cao đẳng Nghề Hà Nội");
    HTML("😀 \xf4\x8f\xbf\xbf", "😀 \xf4\x8f\xbf\xbf"); /* 4-byte forms up to U+10FFFF */
}

static void test_html_controls_and_bad_utf8(void **state)
{
    (void)state;
    HTML("a\tb\nc", "a\tb\nc");
    HTML("a\rb", "a\xef\xbf\xbd" "b");
    HTML("a\x01\x7f", "a\xef\xbf\xbd\xef\xbf\xbd");
    check_html("a\0b", 3, "a\xef\xbf\xbd" "b");
    HTML("\xff", "\xef\xbf\xbd");                       /* never a UTF-8 byte */
    HTML("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");       /* overlong '/' */
    HTML("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate U+D800 */
    HTML("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
    HTML("\xe1\xbb", "\xef\xbf\xbd\xef\xbf\xbd");       /* cut sequence at the end */
    HTML("\xe1<", "\xef\xbf\xbd&lt;");                 /* a lead byte must not swallow '<' */
    HTML("Tuyết\xe1\xbb<ở", "Tuyết\xef\xbf\xbd\xef\xbf\xbd&lt;ở"); /* within a run of letters */
    HTML("Ánh\xe2\x80\xa8" "b", "Ánh\xe2\x80\xa8" "b");  /* U+2028 is HTML's to keep */
}

static void test_json(void **state)
{
    (void)state;
    JSON("", "");
    JSON("Lê Văn \"Tí\" \\ /", "Lê Văn \\\"Tí\\\" \\\\ /");
    JSON("a\nb\tc\rd\be\ff", "a\\nb\\tc\\rd\\be\\ff");
    JSON("\x01\x1f\x7f", "\\u0001\\u001f\\u007f");
    JSON("</script><b>&", "\\u003c/script\\u003e\\u003cb\\u003e\\u0026");
    JSON("\xe2\x80\xa8\xe2\x80\xa9", "\\u2028\\u2029");
    JSON("Tuyết\xe2\x80\xa8ở<", "Tuyết\\u2028ở\\u003c"); /* within a run of letters too */
    JSON("Ánh\xe1<", "Ánh\\ufffd\\u003c");
    JSON("\xff" "a", "\\ufffda");
    check_json("a\0b", 3, "a\\u0000b");
}

static void test_truncation(void **state)
{
    (void)state;
    char out[8];
    memset(out, 'x', sizeof out);
    assert_int_equal(vb_html_escape("<<<<", 4, out, sizeof out), 16);
    assert_string_equal(out, "&lt;&lt");            /* cut, still NUL-terminated */
    assert_int_equal(vb_html_escape("abc", 3, NULL, 0), 3); /* measuring only */
    assert_int_equal(vb_json_escape("<", 1, out, 1), 6);
    assert_string_equal(out, "");
}

/* Every byte value, alone and in runs, stays within VB_ESCAPE_MAX_GROWTH per input byte, and
 * the output is valid UTF-8 without raw specials. */
static void test_growth_bound(void **state)
{
    (void)state;
    char input[256], *out = malloc(256 * VB_ESCAPE_MAX_GROWTH + 1);
    assert_non_null(out);
    for (int i = 0; i < 256; i++)
        input[i] = (char)i;
    size_t n = vb_html_escape(input, sizeof input, out, 256 * VB_ESCAPE_MAX_GROWTH + 1);
    assert_true(n <= 256 * VB_ESCAPE_MAX_GROWTH);
    assert_null(memchr(out, '<', n));
    assert_null(memchr(out, '"', n));
    n = vb_json_escape(input, sizeof input, out, 256 * VB_ESCAPE_MAX_GROWTH + 1);
    assert_true(n <= 256 * VB_ESCAPE_MAX_GROWTH);
    for (size_t i = 0; i < n; i++)
        assert_true((unsigned char)out[i] >= 0x20);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_specials),
        cmocka_unit_test(test_html_keeps_vietnamese),
        cmocka_unit_test(test_html_controls_and_bad_utf8),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_growth_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
