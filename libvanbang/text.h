/*
 * text.h — a growable text buffer with escaping appenders (HTML through html.h, JSON), and the
 * date spellings pages and JSON use. Shared by the HTTP services (verifier, portal) and reports.
 */
#ifndef VB_TEXT_H
#define VB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A growable NUL-terminated buffer. Appending never fails loudly: on allocation failure the
 * buffer is marked failed and later appends do nothing, so renderers stay straight-line code
 * and the caller checks `failed` once. */
typedef struct {
    char *data;
    size_t length, capacity;
    bool failed;
} text_buffer;

void text_init(text_buffer *text, size_t capacity);
void text_free(text_buffer *text);
void text_append(text_buffer *text, const char *bytes, size_t length);
void text_puts(text_buffer *text, const char *string);
void text_printf(text_buffer *text, const char *format, ...) __attribute__((format(printf, 2, 3)));
void text_put_unsigned(text_buffer *text, unsigned long long value); /* decimal, without printf */
size_t text_decimal(char out[20], unsigned long long value); /* its digits, no NUL; returns how many */
void text_put_int(text_buffer *text, long long value);
void text_html(text_buffer *text, const char *string);        /* HTML-escaped (html.h) */
void text_json_string(text_buffer *text, const char *string); /* "…", JSON-escaped; NULL → null */

/* Dates for people and for machines. */
void text_date_dmy_from_days(char out[16], int32_t days);      /* 30/06/2026 */
void text_date_iso_from_days(char out[16], int32_t days);      /* 2026-06-30 */
void text_date_dmy_from_time(char out[16], int64_t seconds);   /* 30/06/2026 (UTC) */
void text_time_iso(char out[32], int64_t seconds);             /* 2026-06-30T08:00:00Z */

#endif
