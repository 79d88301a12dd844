/*
 * text.c — the growable text buffer the services render pages, JSON and metrics into,
 * with appenders that escape (through libvanbang/html.h), and the date spellings it uses.
 */
#include "text.h"

#include "html.h"
#include "record.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void text_init(text_buffer *text, size_t capacity)
{
    text->length = 0;
    text->failed = false;
    text->capacity = capacity < 64 ? 64 : capacity;
    text->data = malloc(text->capacity);
    if (text->data)
        text->data[0] = '\0';
    else
        text->failed = true, text->capacity = 0;
}

void text_free(text_buffer *text)
{
    free(text->data);
    text->data = NULL;
    text->length = text->capacity = 0;
}

/* Makes room for `more` bytes and a NUL. */
static bool reserve(text_buffer *text, size_t more)
{
    if (text->failed)
        return false;
    if (more > SIZE_MAX / 2 - text->length) {
        text->failed = true;
        return false;
    }
    size_t need = text->length + more + 1;
    if (need <= text->capacity)
        return true;
    size_t capacity = text->capacity ? text->capacity : 64;
    while (capacity < need)
        capacity *= 2;
    char *grown = realloc(text->data, capacity);
    if (!grown) {
        text->failed = true;
        return false;
    }
    text->data = grown;
    text->capacity = capacity;
    return true;
}

void text_append(text_buffer *text, const char *bytes, size_t length)
{
    if (!reserve(text, length))
        return;
    memcpy(text->data + text->length, bytes, length);
    text->length += length;
    text->data[text->length] = '\0';
}

void text_puts(text_buffer *text, const char *string) { text_append(text, string, strlen(string)); }

void text_printf(text_buffer *text, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char small[256];
    int n = vsnprintf(small, sizeof small, format, ap);
    va_end(ap);
    if (n < 0) {
        text->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        text_append(text, small, (size_t)n);
        return;
    }
    if (!reserve(text, (size_t)n))
        return;
    va_start(ap, format);
    vsnprintf(text->data + text->length, (size_t)n + 1, format, ap);
    va_end(ap);
    text->length += (size_t)n;
}

void text_html(text_buffer *text, const char *string)
{
    size_t length = strlen(string);
    if (length > SIZE_MAX / VB_ESCAPE_MAX_GROWTH - 1 || !reserve(text, length * VB_ESCAPE_MAX_GROWTH))
        return;
    text->length += vb_html_escape(string, length, text->data + text->length, text->capacity - text->length);
}

void text_json_string(text_buffer *text, const char *string)
{
    if (!string) {
        text_puts(text, "null");
        return;
    }
    size_t length = strlen(string);
    if (length > SIZE_MAX / VB_ESCAPE_MAX_GROWTH - 3 || !reserve(text, length * VB_ESCAPE_MAX_GROWTH + 2))
        return;
    text->data[text->length++] = '"';
    text->length += vb_json_escape(string, length, text->data + text->length, text->capacity - text->length);
    text->data[text->length++] = '"';
    text->data[text->length] = '\0';
}

void text_date_dmy_from_days(char out[16], int32_t days) { vb_date_format_dmy(days, out, 16); }

void text_date_iso_from_days(char out[16], int32_t days) { vb_date_format_iso(days, out, 16); }

/* Floor division, so dates before 1970 land on the right day. */
static int32_t days_of(int64_t seconds)
{
    int64_t days = seconds / 86400;
    if (seconds % 86400 < 0)
        days--;
    return days < INT32_MIN ? INT32_MIN : days > INT32_MAX ? INT32_MAX : (int32_t)days;
}

void text_date_dmy_from_time(char out[16], int64_t seconds) { vb_date_format_dmy(days_of(seconds), out, 16); }

void text_time_iso(char out[32], int64_t seconds)
{
    int32_t days = days_of(seconds);
    int64_t rest = seconds - (int64_t)days * 86400;
    if (rest < 0 || rest >= 86400) /* days_of clamped: a time beyond any calendar date */
        rest = 0;
    vb_time_format_iso(days, (int32_t)rest, out, 32);
}

size_t text_decimal(char out[20], unsigned long long value)
{
    char reversed[20];
    size_t n = 0;
    do {
        reversed[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    for (size_t i = 0; i < n; i++)
        out[i] = reversed[n - 1 - i];
    return n;
}

void text_put_unsigned(text_buffer *text, unsigned long long value)
{
    char digits[20];
    text_append(text, digits, text_decimal(digits, value));
}

void text_put_int(text_buffer *text, long long value)
{
    if (value < 0) {
        text_puts(text, "-");
        text_put_unsigned(text, 0ULL - (unsigned long long)value);
    } else {
        text_put_unsigned(text, (unsigned long long)value);
    }
}
