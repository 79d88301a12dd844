/*
 * html.c — escaping text for HTML and JSON output (see html.h).
 */
#include "html.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    char *out;
    size_t size; /* of out */
    size_t used; /* bytes the escaped text needs so far (may exceed size) */
} sink;

static void put(sink *s, const char *bytes, size_t length)
{
    if (s->size > 0 && s->used < s->size - 1) {
        size_t room = s->size - 1 - s->used;
        memcpy(s->out + s->used, bytes, length < room ? length : room);
    }
    s->used += length;
}

static size_t finish(sink *s)
{
    if (s->size > 0)
        s->out[s->used < s->size ? s->used : s->size - 1] = '\0';
    return s->used;
}

/* Length of the well-formed UTF-8 sequence at text (1 to 4), or 0 when the byte there does not
 * start one; *code receives the code point. */
static size_t utf8_sequence(const unsigned char *text, size_t length, uint32_t *code)
{
    unsigned char c = text[0];
    size_t need;
    uint32_t value, minimum;
    if (c < 0x80) {
        *code = c;
        return 1;
    } else if (c >= 0xc2 && c <= 0xdf) {
        need = 2, value = c & 0x1f, minimum = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3, value = c & 0x0f, minimum = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4, value = c & 0x07, minimum = 0x10000;
    } else {
        return 0;
    }
    if (length < need)
        return 0;
    for (size_t i = 1; i < need; i++) {
        if ((text[i] & 0xc0) != 0x80)
            return 0;
        value = value << 6 | (text[i] & 0x3f);
    }
    if (value < minimum || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return 0;
    *code = value;
    return need;
}

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/* Printable ASCII that stays as it is: most of any text, copied in runs. */
static bool html_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '&' && c != '<' && c != '>' && c != '"' && c != '\'';
}

static bool json_plain(unsigned char c)
{
    return c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

/* Where the run from i of text that is copied as it is ends: plain ASCII, and well-formed UTF-8
 * of two to four bytes (every Vietnamese letter), but for JSON not U+2028 and U+2029. Taking
 * the letters into the run, rather than one call per letter, halves the time of a page. */
static size_t plain_run_end(const unsigned char *p, size_t length, size_t i, bool json)
{
    while (i < length) {
        if (p[i] < 0x80) {
            if (!(json ? json_plain(p[i]) : html_plain(p[i])))
                break;
            i++;
            continue;
        }
        uint32_t code;
        size_t n = utf8_sequence(p + i, length - i, &code);
        if (n == 0 || (json && (code == 0x2028 || code == 0x2029)))
            break;
        i += n;
    }
    return i;
}

size_t vb_html_escape(const char *text, size_t length, char *out, size_t out_size)
{
    sink s = {out, out_size, 0};
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        size_t run = plain_run_end(p, length, i, false);
        if (run > i) {
            put(&s, text + i, run - i);
            i = run;
            continue;
        }
        uint32_t code;
        size_t n = utf8_sequence(p + i, length - i, &code);
        if (n == 0) {
            put(&s, replacement, 3);
            i++;
            continue;
        }
        switch (code) {
        case '&': put(&s, "&amp;", 5); break;
        case '<': put(&s, "&lt;", 4); break;
        case '>': put(&s, "&gt;", 4); break;
        case '"': put(&s, "&quot;", 6); break;
        case '\'': put(&s, "&#39;", 5); break;
        default:
            if ((code < 0x20 && code != '\t' && code != '\n') || code == 0x7f)
                put(&s, replacement, 3);
            else
                put(&s, (const char *)p + i, n);
        }
        i += n;
    }
    return finish(&s);
}

size_t vb_json_escape(const char *text, size_t length, char *out, size_t out_size)
{
    static const char hex[] = "0123456789abcdef";
    sink s = {out, out_size, 0};
    const unsigned char *p = (const unsigned char *)text;
    size_t i = 0;
    while (i < length) {
        size_t run = plain_run_end(p, length, i, true);
        if (run > i) {
            put(&s, text + i, run - i);
            i = run;
            continue;
        }
        uint32_t code;
        size_t n = utf8_sequence(p + i, length - i, &code);
        if (n == 0) {
            put(&s, "\\ufffd", 6);
            i++;
            continue;
        }
        switch (code) {
        case '"': put(&s, "\\\"", 2); break;
        case '\\': put(&s, "\\\\", 2); break;
        case '\n': put(&s, "\\n", 2); break;
        case '\r': put(&s, "\\r", 2); break;
        case '\t': put(&s, "\\t", 2); break;
        case '\b': put(&s, "\\b", 2); break;
        case '\f': put(&s, "\\f", 2); break;
        case 0x2028: put(&s, "\\u2028", 6); break;
        case 0x2029: put(&s, "\\u2029", 6); break;
        default:
            if (code < 0x20 || code == 0x7f || code == '<' || code == '>' || code == '&') {
                char escaped[6] = {'\\', 'u', '0', '0', hex[code >> 4], hex[code & 15]};
                put(&s, escaped, 6);
            } else {
                put(&s, (const char *)p + i, n);
            }
        }
        i += n;
    }
    return finish(&s);
}
