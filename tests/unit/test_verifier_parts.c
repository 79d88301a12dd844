/*
 * test_verifier_parts.c — unit tests of the HTTP verifier's parts that have many cases and no
 * network: the per-client token buckets (libvanbang/ratelimit.c) with a clock the test drives,
 * the strict reader of POST bodies (verifier/http_json.c), the verdict of each library status
 * (verifier/check.c), and the text buffer's escaping appenders and dates (libvanbang/text.c).
 * The service itself is tested over HTTP by tests/cli/test_verifier_http.sh.
 *
 * The verifier's files are compiled into this test directly (they are a program's files, not
 * the library's). The Makefile rebuilds a unit test when its own file or a header changes, so
 * after editing one of the included .c files, touch this file or `make clean`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "config.h"
#include "../../verifier/check.c"
#include "../../verifier/http_json.c"
#include "../../verifier/trust_store.c"

/* ---------------------------------------------------------------- rate limit */

static const uint8_t client_a[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1};
static const uint8_t client_b[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 2};

static void test_bucket_burst_then_refill(void **state)
{
    (void)state;
    ratelimiter *limiter = ratelimit_create(2.0, 3.0);
    unsigned retry = 0;
    int64_t t = 1000000;
    assert_non_null(limiter);
    assert_true(ratelimit_take(limiter, client_a, t, &retry));
    assert_true(ratelimit_take(limiter, client_a, t, &retry));
    assert_true(ratelimit_take(limiter, client_a, t, &retry));
    assert_false(ratelimit_take(limiter, client_a, t, &retry)); /* burst of 3 spent */
    assert_int_equal(retry, 1);
    assert_true(ratelimit_take(limiter, client_b, t, &retry));  /* another client is not affected */
    assert_false(ratelimit_take(limiter, client_a, t + 400000, &retry)); /* 0.8 token */
    assert_true(ratelimit_take(limiter, client_a, t + 500000, &retry));  /* 1 token after 0.5 s */
    assert_false(ratelimit_take(limiter, client_a, t + 500000, &retry));
    /* A long pause refills to the burst, never beyond. */
    t += 60000000;
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_take(limiter, client_a, t, &retry));
    assert_false(ratelimit_take(limiter, client_a, t, &retry));
    /* A clock that goes backwards gives nothing and breaks nothing. */
    assert_false(ratelimit_take(limiter, client_a, t - 5000000, &retry));
    ratelimit_free(limiter);
}

static void test_bucket_retry_after(void **state)
{
    (void)state;
    ratelimiter *limiter = ratelimit_create(0.1, 1.0); /* one request per 10 s */
    unsigned retry = 0;
    assert_true(ratelimit_take(limiter, client_a, 0, &retry));
    assert_false(ratelimit_take(limiter, client_a, 0, &retry));
    assert_int_equal(retry, 10);
    assert_false(ratelimit_take(limiter, client_a, 4000000, &retry));
    assert_int_equal(retry, 6);
    ratelimit_free(limiter);
    assert_null(ratelimit_create(0, 10));
    assert_null(ratelimit_create(1, 0.5));
}

/* Far more clients than slots: memory stays fixed, and each newcomer still gets its burst. */
static void test_bucket_many_clients(void **state)
{
    (void)state;
    ratelimiter *limiter = ratelimit_create(1.0, 2.0);
    unsigned retry;
    uint8_t client[16] = {0x20, 0x01, 0x0d, 0xb8};
    for (uint32_t i = 0; i < 100000; i++) {
        memcpy(client + 8, &i, sizeof i);
        assert_true(ratelimit_take(limiter, client, (int64_t)i, &retry));
    }
    ratelimit_free(limiter);
}

/* ---------------------------------------------------------------- the POST body */

static void ask_ok(const char *body, json_ask_kind expected_kind, const char *expected_value)
{
    json_ask_kind kind;
    char *value, message[160];
    bool ok = json_parse_request(body, strlen(body), &kind, &value, message, sizeof message);
    if (!ok)
        fail_msg("refused %s: %s", body, message);
    assert_int_equal(kind, expected_kind);
    assert_string_equal(value, expected_value);
    free(value);
}

static void ask_refused(const char *body, size_t length, const char *expected_words)
{
    json_ask_kind kind;
    char *value = (char *)1, message[160] = "";
    assert_false(json_parse_request(body, length, &kind, &value, message, sizeof message));
    assert_null(value);
    assert_int_equal(kind, JSON_ASK_NONE);
    if (!strstr(message, expected_words))
        fail_msg("message for %s: '%s' lacks '%s'", body, message, expected_words);
}

#define REFUSED(body, words) ask_refused(body, sizeof body - 1, words)

static void test_json_requests(void **state)
{
    (void)state;
    ask_ok("{\"link\":\"HTTPS://X/V/0119\"}", JSON_ASK_LINK, "HTTPS://X/V/0119");
    ask_ok(" \n{ \"record\" : \"0119\" } \r\n", JSON_ASK_LINK, "0119");
    ask_ok("{\"hex\":\"d28443a1\"}", JSON_ASK_HEX, "d28443a1");
    ask_ok("{\"lang\":\"en\",\"n\":-1.5e3,\"t\":true,\"f\":false,\"z\":null,\"link\":\"1\"}", JSON_ASK_LINK, "1");
    ask_ok("{\"link\":\"a\\\"b\\\\c\\/d\\n\"}", JSON_ASK_LINK, "a\"b\\c/d\n");
    ask_ok("{\"link\":\"\\u0048\\u00e1\\u1ea1\\ud83d\\ude00\"}", JSON_ASK_LINK, "Háạ😀");
    ask_ok("{\"link\":\"Nguyễn\"}", JSON_ASK_LINK, "Nguyễn");
}

static void test_json_refusals(void **state)
{
    (void)state;
    REFUSED("", "expected an object");
    REFUSED("\"link\"", "expected an object");
    REFUSED("[\"link\"]", "expected an object");
    REFUSED("{}", "give one of");
    REFUSED("{\"other\":\"x\"}", "give one of");
    REFUSED("{\"link\":\"1\",\"hex\":\"00\"}", "exactly one");
    REFUSED("{\"link\":\"1\",\"link\":\"2\"}", "exactly one");
    REFUSED("{\"link\":{\"a\":1}}", "nested");
    REFUSED("{\"x\":[1],\"link\":\"1\"}", "nested");
    REFUSED("{\"link\":\"1\"} x", "follows the object");
    REFUSED("{\"link\":\"1\"", "expected ','");
    REFUSED("{\"link\":\"1", "not closed");
    REFUSED("{\"link\" \"1\"}", "expected ':'");
    REFUSED("{link:\"1\"}", "expected a key");
    REFUSED("{\"link\":\"a\nb\"}", "control character");
    REFUSED("{\"link\":\"\\ud800\"}", "lone surrogate");
    REFUSED("{\"link\":\"\\udc00x\"}", "lone surrogate");
    REFUSED("{\"link\":\"\\u0000\"}", "NUL");
    REFUSED("{\"link\":\"\\x41\"}", "unknown escape");
    REFUSED("{\"link\":\"\\u12\"}", "bad \\u escape");
    REFUSED("{\"n\":tru,\"link\":\"1\"}", "unexpected value");
    ask_refused("{\"link\":\"1\"}\0", 14, "follows the object");
    ask_refused("{\"n\":\0}", 7, "unexpected value");
}

/* ---------------------------------------------------------------- verdicts */

static void test_verdicts(void **state)
{
    (void)state;
    assert_int_equal(verdict_of_status(VB_OK), VERDICT_VALID);
    assert_int_equal(verdict_of_status(VB_ERR_UNKNOWN_SIGNER), VERDICT_UNKNOWN_ISSUER);
    assert_int_equal(verdict_of_status(VB_ERR_SIGNER_NOT_VALID), VERDICT_SIGNER_NOT_VALID);
    assert_int_equal(verdict_of_status(VB_ERR_SIGNER_REMOVED), VERDICT_SIGNER_REMOVED);
    assert_int_equal(verdict_of_status(VB_ERR_BAD_SIGNATURE), VERDICT_INVALID_SIGNATURE);
    assert_int_equal(verdict_of_status(VB_ERR_ALG_KEY_MISMATCH), VERDICT_INVALID_SIGNATURE);
    assert_int_equal(verdict_of_status(VB_ERR_LINK_PREFIX), VERDICT_UNREADABLE);
    assert_int_equal(verdict_of_status(VB_ERR_CBOR_TRUNCATED), VERDICT_UNREADABLE);
    assert_int_equal(verdict_of_status(VB_ERR_COSE_SIGNATURE_SIZE), VERDICT_UNREADABLE);
    assert_int_equal(verdict_of_status(VB_ERR_CLAIM_MISSING), VERDICT_UNREADABLE);
    assert_int_equal(verdict_of_status(VB_ERR_TOO_LARGE), VERDICT_UNREADABLE);
    assert_int_equal(verdict_of_status(VB_ERR_NOMEM), VERDICT_ERROR);
    assert_string_equal(verdict_name(VERDICT_VALID), "valid");
    assert_string_equal(verdict_name(VERDICT_UNKNOWN_ISSUER), "unknown-issuer");
    assert_string_equal(verdict_name(VERDICT_SIGNER_NOT_VALID), "signer-not-valid");
    assert_string_equal(verdict_name(VERDICT_SIGNER_REMOVED), "signer-removed");
    assert_string_equal(verdict_name(VERDICT_INVALID_SIGNATURE), "invalid-signature");
    assert_string_equal(verdict_name(VERDICT_UNREADABLE), "unreadable");
    assert_string_equal(verdict_name(VERDICT_ERROR), "error");
}

/* ---------------------------------------------------------------- text */

static void test_text_buffer(void **state)
{
    (void)state;
    text_buffer t;
    text_init(&t, 1); /* grows from the smallest start */
    text_puts(&t, "<p>");
    text_html(&t, "Lê \"<b>\" & 'x'");
    text_puts(&t, "</p>");
    text_json_string(&t, "a\"<\n");
    text_json_string(&t, NULL);
    for (int i = 0; i < 1000; i++)
        text_printf(&t, "%d,", i);
    assert_false(t.failed);
    static const char expected[] = "<p>Lê &quot;&lt;b&gt;&quot; &amp; &#39;x&#39;</p>\"a\\\"\\u003c\\n\"null0,1,2,";
    assert_memory_equal(t.data, expected, sizeof expected - 1);
    assert_non_null(strstr(t.data, ",998,999,"));
    assert_int_equal(strlen(t.data), t.length);
    text_free(&t);
}

/* The setting values of both services' command lines and settings files (config.c). */
static void test_config_values(void **state)
{
    (void)state;
    unsigned count = 7;
    double rate = 0;
    bool on = false;
    assert_true(vb_config_unsigned("0", 0, 10, &count) && count == 0);
    assert_true(vb_config_unsigned("10", 0, 10, &count) && count == 10);
    const char *const bad_counts[] = {"", "-1", "+1", "11", "1x", " 1", "99999999999999999999999"};
    for (size_t i = 0; i < sizeof bad_counts / sizeof bad_counts[0]; i++)
        assert_false(vb_config_unsigned(bad_counts[i], 0, 10, &count));
    assert_int_equal(count, 10); /* untouched by a refusal */
    assert_true(vb_config_real("2.5", 0, 1e6, &rate) && rate == 2.5);
    assert_false(vb_config_real("nan", 0, 1e6, &rate));
    assert_false(vb_config_real("1e7", 0, 1e6, &rate));
    assert_false(vb_config_real("", 0, 1e6, &rate));
    assert_true(vb_config_switch("YES", &on) && on);
    assert_true(vb_config_switch("off", &on) && !on);
    assert_false(vb_config_switch("y", &on));
    char *slot = NULL;
    assert_true(vb_config_string(&slot, "a") && vb_config_string(&slot, "b"));
    assert_string_equal(slot, "b");
    free(slot);
}

static void test_dates(void **state)
{
    (void)state;
    char out[32];
    text_time_iso(out, 0);
    assert_string_equal(out, "1970-01-01T00:00:00Z");
    text_time_iso(out, 1782806400); /* 2026-06-30 08:00 UTC */
    assert_string_equal(out, "2026-06-30T08:00:00Z");
    text_time_iso(out, -1);
    assert_string_equal(out, "1969-12-31T23:59:59Z");
    text_date_dmy_from_time(out, -1);
    assert_string_equal(out, "31/12/1969");
    text_date_iso_from_days(out, 20634);
    assert_string_equal(out, "2026-06-30");
    text_date_dmy_from_days(out, 20634);
    assert_string_equal(out, "30/06/2026");

    /* Formatted by hand for years 0-9999, by printf beyond: both must read as printf would. */
    for (int64_t days = -800000; days <= 3000000; days += 997) {
        char expected[48];
        int year, month, day;
        vb_civil_from_days((int32_t)days, &year, &month, &day);
        snprintf(expected, sizeof expected, "%04d-%02d-%02d", year, month, day);
        text_date_iso_from_days(out, (int32_t)days);
        assert_string_equal(out, expected);
        snprintf(expected, sizeof expected, "%02d/%02d/%04d", day, month, year);
        text_date_dmy_from_days(out, (int32_t)days);
        assert_string_equal(out, expected);
        int64_t seconds = days * 86400 + ((days * 7919) % 86400 + 86400) % 86400;
        int64_t rest = seconds - days * 86400;
        snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, (int)(rest / 3600),
                 (int)(rest / 60 % 60), (int)(rest % 60));
        text_time_iso(out, seconds);
        assert_string_equal(out, expected);
    }
    text_time_iso(out, 253402300799); /* the last second of 9999 */
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    text_time_iso(out, 253402300800);
    assert_string_equal(out, "10000-01-01T00:00:00Z");
}

static void test_numbers_and_hex(void **state)
{
    (void)state;
    text_buffer text;
    text_init(&text, 8);
    text_put_unsigned(&text, 0);
    text_puts(&text, " ");
    text_put_unsigned(&text, 18446744073709551615ULL);
    text_puts(&text, " ");
    text_put_int(&text, -9223372036854775807LL - 1);
    text_puts(&text, " ");
    text_put_int(&text, 42);
    assert_false(text.failed);
    assert_string_equal(text.data, "0 18446744073709551615 -9223372036854775808 42");
    text_free(&text);

    const uint8_t bytes[] = {0x00, 0x0f, 0xa5, 0xff};
    char hex[9], small[4];
    vb_describe_hex(bytes, sizeof bytes, hex, sizeof hex);
    assert_string_equal(hex, "000fa5ff");
    vb_describe_hex(bytes, sizeof bytes, small, sizeof small); /* room for one byte and the end */
    assert_string_equal(small, "00");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bucket_burst_then_refill),
        cmocka_unit_test(test_bucket_retry_after),
        cmocka_unit_test(test_bucket_many_clients),
        cmocka_unit_test(test_json_requests),
        cmocka_unit_test(test_json_refusals),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_numbers_and_hex),
        cmocka_unit_test(test_text_buffer),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_config_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
