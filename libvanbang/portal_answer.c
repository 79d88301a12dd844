/*
 * portal_answer.c — the national portal's JSON answers as the uploader reads them
 * (portal_answer.h): a strict reader of one small JSON object, RFC 8259.
 */
#include "portal_answer.h"

#include <stdint.h>
#include <string.h>

static bool hex_decode(const char *text, uint8_t *out, size_t length)
{
    if (strlen(text) != 2 * length)
        return false;
    for (size_t i = 0; i < length; i++) {
        unsigned value = 0;
        for (int j = 0; j < 2; j++) {
            char c = text[2 * i + (size_t)j];
            value <<= 4;
            if (c >= '0' && c <= '9')
                value |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f')
                value |= (unsigned)(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                value |= (unsigned)(c - 'A' + 10);
            else
                return false;
        }
        out[i] = (uint8_t)value;
    }
    return true;
}

typedef struct {
    const unsigned char *p, *end;
    unsigned depth;
} json_reader;

static void json_space(json_reader *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

static bool json_take(json_reader *r, char c)
{
    json_space(r);
    if (r->p < r->end && *r->p == (unsigned char)c) {
        r->p++;
        return true;
    }
    return false;
}

static int json_hex4(const unsigned char *p)
{
    int value = 0;
    for (int i = 0; i < 4; i++) {
        int c = p[i], digit;
        if (c >= '0' && c <= '9')
            digit = c - '0';
        else if (c >= 'a' && c <= 'f')
            digit = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            digit = c - 'A' + 10;
        else
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

/* Appends a code point as UTF-8 to out (dropping what does not fit: a kept text is cut short). */
static void json_put(char *out, size_t out_size, size_t *used, uint32_t code)
{
    char bytes[4];
    size_t n;
    if (code < 0x80) {
        bytes[0] = (char)code;
        n = 1;
    } else if (code < 0x800) {
        bytes[0] = (char)(0xc0 | (code >> 6));
        bytes[1] = (char)(0x80 | (code & 0x3f));
        n = 2;
    } else if (code < 0x10000) {
        bytes[0] = (char)(0xe0 | (code >> 12));
        bytes[1] = (char)(0x80 | ((code >> 6) & 0x3f));
        bytes[2] = (char)(0x80 | (code & 0x3f));
        n = 3;
    } else {
        bytes[0] = (char)(0xf0 | (code >> 18));
        bytes[1] = (char)(0x80 | ((code >> 12) & 0x3f));
        bytes[2] = (char)(0x80 | ((code >> 6) & 0x3f));
        bytes[3] = (char)(0x80 | (code & 0x3f));
        n = 4;
    }
    if (!out || *used + n >= out_size)
        return;
    memcpy(out + *used, bytes, n);
    *used += n;
    out[*used] = '\0';
}

/* One UTF-8 sequence of the raw text (well-formed: no overlong form, no surrogate, ≤ U+10FFFF). */
static bool json_utf8(json_reader *r, uint32_t *code)
{
    unsigned char c = *r->p;
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (n == 0 || (size_t)(r->end - r->p) < n)
        return false;
    uint32_t value = n == 1 ? c : n == 2 ? (c & 0x1fu) : n == 3 ? (c & 0x0fu) : (c & 0x07u);
    for (size_t i = 1; i < n; i++) {
        if ((r->p[i] & 0xc0) != 0x80)
            return false;
        value = (value << 6) | (r->p[i] & 0x3fu);
    }
    static const uint32_t smallest[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (value < smallest[n] || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
        return false;
    r->p += n;
    *code = value;
    return true;
}

/* A string; out (may be NULL: skipped) receives it, cut to out_size - 1 bytes. */
static bool json_string(json_reader *r, char *out, size_t out_size)
{
    size_t used = 0;
    if (out && out_size)
        out[0] = '\0';
    if (!json_take(r, '"'))
        return false;
    while (r->p < r->end) {
        unsigned char c = *r->p;
        uint32_t code;
        if (c == '"') {
            r->p++;
            return true;
        }
        if (c < 0x20)
            return false;
        if (c != '\\') {
            if (!json_utf8(r, &code))
                return false;
            json_put(out, out_size, &used, code);
            continue;
        }
        if (r->end - r->p < 2)
            return false;
        c = r->p[1];
        r->p += 2;
        switch (c) {
        case '"': code = '"'; break;
        case '\\': code = '\\'; break;
        case '/': code = '/'; break;
        case 'b': code = '\b'; break;
        case 'f': code = '\f'; break;
        case 'n': code = '\n'; break;
        case 'r': code = '\r'; break;
        case 't': code = '\t'; break;
        case 'u': {
            int high = r->end - r->p >= 4 ? json_hex4(r->p) : -1;
            if (high < 0)
                return false;
            r->p += 4;
            code = (uint32_t)high;
            if (high >= 0xdc00 && high <= 0xdfff)
                return false; /* a low surrogate alone */
            if (high >= 0xd800 && high <= 0xdbff) {
                int low = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' ? json_hex4(r->p + 2) : -1;
                if (low < 0xdc00 || low > 0xdfff)
                    return false;
                r->p += 6;
                code = 0x10000 + (((uint32_t)high - 0xd800) << 10) + ((uint32_t)low - 0xdc00);
            }
            break;
        }
        default: return false;
        }
        json_put(out, out_size, &used, code);
    }
    return false;
}

/* A number of any form, skipped (RFC 8259 §6 grammar). */
static bool json_number(json_reader *r)
{
    json_space(r);
    const unsigned char *start = r->p;
    if (r->p < r->end && *r->p == '-')
        r->p++;
    if (r->p >= r->end)
        return false;
    if (*r->p == '0')
        r->p++;
    else if (*r->p >= '1' && *r->p <= '9')
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    else
        return false;
    if (r->p < r->end && *r->p == '.') {
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return false;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return false;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    return r->p > start;
}

/* A non-negative integer up to INT64_MAX, written as such (no sign, fraction or exponent). */
static bool json_unsigned(json_reader *r, uint64_t *value)
{
    json_space(r);
    uint64_t v = 0;
    const unsigned char *start = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        if (v > ((uint64_t)INT64_MAX - (uint64_t)(*r->p - '0')) / 10)
            return false;
        v = v * 10 + (uint64_t)(*r->p - '0');
        r->p++;
    }
    if (r->p == start || (r->p - start > 1 && *start == '0'))
        return false;
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
        return false;
    *value = v;
    return true;
}

static bool json_word(json_reader *r, const char *word)
{
    size_t n = strlen(word);
    json_space(r);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return false;
    r->p += n;
    return true;
}

static bool json_skip(json_reader *r);

/* An object or array whose members are skipped. */
static bool json_skip_container(json_reader *r, char open)
{
    char close = open == '{' ? '}' : ']';
    if (++r->depth > VB_PORTAL_ANSWER_DEPTH)
        return false;
    if (json_take(r, close)) {
        r->depth--;
        return true;
    }
    do {
        if (open == '{' && (!json_string(r, NULL, 0) || !json_take(r, ':')))
            return false;
        if (!json_skip(r))
            return false;
    } while (json_take(r, ','));
    r->depth--;
    return json_take(r, close);
}

static bool json_skip(json_reader *r)
{
    json_space(r);
    if (r->p >= r->end)
        return false;
    switch (*r->p) {
    case '{': r->p++; return json_skip_container(r, '{');
    case '[': r->p++; return json_skip_container(r, '[');
    case '"': return json_string(r, NULL, 0);
    case 't': return json_word(r, "true");
    case 'f': return json_word(r, "false");
    case 'n': return json_word(r, "null");
    default: return json_number(r);
    }
}

/* A field may appear once. */
static bool once(bool *seen)
{
    if (*seen)
        return false;
    *seen = true;
    return true;
}

/* One item of records[] or differ[]: sequence, code, reason, serial kept; a sequence required. */
static bool json_item(json_reader *r, vb_portal_answer_item *item)
{
    bool has_sequence = false, has_code = false, has_reason = false, has_serial = false;
    char key[32];
    memset(item, 0, sizeof *item);
    if (!json_take(r, '{') || ++r->depth > VB_PORTAL_ANSWER_DEPTH)
        return false;
    if (!json_take(r, '}')) {
        do {
            if (!json_string(r, key, sizeof key) || !json_take(r, ':'))
                return false;
            bool ok;
            if (strcmp(key, "sequence") == 0)
                ok = once(&has_sequence) && json_unsigned(r, &item->sequence);
            else if (strcmp(key, "code") == 0)
                ok = once(&has_code) && json_string(r, item->code, sizeof item->code);
            else if (strcmp(key, "reason") == 0)
                ok = once(&has_reason) && json_string(r, item->reason, sizeof item->reason);
            else if (strcmp(key, "serial") == 0)
                ok = once(&has_serial) && json_string(r, item->serial, sizeof item->serial);
            else
                ok = json_skip(r);
            if (!ok)
                return false;
        } while (json_take(r, ','));
        if (!json_take(r, '}'))
            return false;
    }
    r->depth--;
    return has_sequence;
}

static bool json_items(json_reader *r, vb_portal_answer *a)
{
    vb_portal_answer_item item;
    if (!json_take(r, '['))
        return false;
    if (json_take(r, ']'))
        return true;
    do {
        if (!json_item(r, &item))
            return false;
        if (a->item_count < VB_PORTAL_ANSWER_ITEMS)
            a->items[a->item_count++] = item;
        a->item_total++;
    } while (json_take(r, ','));
    return json_take(r, ']');
}

/* Reads an answer; false when the body is not such a JSON object. */
bool vb_portal_answer_parse(const char *body, size_t length, vb_portal_answer *a)
{
    json_reader r = {(const unsigned char *)body, (const unsigned char *)body + length, 0};
    bool has_code = false, has_reason = false, has_items = false, seen_root = false;
    char key[32], root_hex[2 * VB_LOG_HASH_BYTES + 2];
    memset(a, 0, sizeof *a);
    if (!body || !json_take(&r, '{'))
        return false;
    r.depth = 1;
    if (!json_take(&r, '}')) {
        do {
            bool ok;
            if (!json_string(&r, key, sizeof key) || !json_take(&r, ':'))
                return false;
            if (strcmp(key, "size") == 0)
                ok = once(&a->has_size) && json_unsigned(&r, &a->size);
            else if (strcmp(key, "expected") == 0)
                ok = once(&a->has_expected) && json_unsigned(&r, &a->expected);
            else if (strcmp(key, "sequence") == 0)
                ok = once(&a->has_sequence) && json_unsigned(&r, &a->sequence);
            else if (strcmp(key, "compared") == 0)
                ok = once(&a->has_compared) && json_unsigned(&r, &a->compared);
            else if (strcmp(key, "code") == 0)
                ok = once(&has_code) && json_string(&r, a->code, sizeof a->code);
            else if (strcmp(key, "reason") == 0)
                ok = once(&has_reason) && json_string(&r, a->reason, sizeof a->reason);
            else if (strcmp(key, "root") == 0) /* a root that is not 32 bytes of hex is not compared */
                ok = once(&seen_root) && json_string(&r, root_hex, sizeof root_hex);
            else if (strcmp(key, "records") == 0 || strcmp(key, "differ") == 0)
                ok = once(&has_items) && json_items(&r, a);
            else
                ok = json_skip(&r);
            if (!ok)
                return false;
        } while (json_take(&r, ','));
        if (!json_take(&r, '}'))
            return false;
    }
    json_space(&r);
    if (seen_root)
        a->has_root = hex_decode(root_hex, a->root, sizeof a->root);
    return r.p == r.end;
}
