/*
 * cbor.c — deterministic CBOR writer and strict reader (see cbor.h for the subset and why).
 */
#include "cbor.h"

#include <string.h>

/* ---------------------------------------------------------------- writer */

void vb_cbor_writer_init(vb_cbor_writer *w, uint8_t *buffer, size_t size)
{
    w->data = buffer;
    w->size = size;
    w->length = 0;
    w->overflow = false;
}

void vb_cbor_put_raw(vb_cbor_writer *w, const void *bytes, size_t length)
{
    if (w->overflow || length > w->size - w->length) {
        w->overflow = true;
        return;
    }
    if (length)
        memcpy(w->data + w->length, bytes, length);
    w->length += length;
}

void vb_cbor_put_head(vb_cbor_writer *w, int major, uint64_t value)
{
    uint8_t head[9];
    size_t n;
    uint8_t m = (uint8_t)(major << 5);

    if (value < 24) {
        head[0] = m | (uint8_t)value;
        n = 1;
    } else if (value <= 0xff) {
        head[0] = m | 24;
        head[1] = (uint8_t)value;
        n = 2;
    } else if (value <= 0xffff) {
        head[0] = m | 25;
        head[1] = (uint8_t)(value >> 8);
        head[2] = (uint8_t)value;
        n = 3;
    } else if (value <= 0xffffffffu) {
        head[0] = m | 26;
        for (int i = 0; i < 4; i++)
            head[1 + i] = (uint8_t)(value >> (24 - 8 * i));
        n = 5;
    } else {
        head[0] = m | 27;
        for (int i = 0; i < 8; i++)
            head[1 + i] = (uint8_t)(value >> (56 - 8 * i));
        n = 9;
    }
    vb_cbor_put_raw(w, head, n);
}

void vb_cbor_put_uint(vb_cbor_writer *w, uint64_t value) { vb_cbor_put_head(w, VB_CBOR_UINT, value); }

void vb_cbor_put_int(vb_cbor_writer *w, int64_t value)
{
    if (value >= 0)
        vb_cbor_put_head(w, VB_CBOR_UINT, (uint64_t)value);
    else
        vb_cbor_put_head(w, VB_CBOR_NEGINT, (uint64_t)(-1 - value));
}

void vb_cbor_put_bytes(vb_cbor_writer *w, const void *bytes, size_t length)
{
    vb_cbor_put_head(w, VB_CBOR_BYTES, length);
    vb_cbor_put_raw(w, bytes, length);
}

void vb_cbor_put_text(vb_cbor_writer *w, const char *text, size_t length)
{
    vb_cbor_put_head(w, VB_CBOR_TEXT, length);
    vb_cbor_put_raw(w, text, length);
}

void vb_cbor_put_cstring(vb_cbor_writer *w, const char *text) { vb_cbor_put_text(w, text, strlen(text)); }
void vb_cbor_put_array(vb_cbor_writer *w, size_t count) { vb_cbor_put_head(w, VB_CBOR_ARRAY, count); }
void vb_cbor_put_map(vb_cbor_writer *w, size_t count) { vb_cbor_put_head(w, VB_CBOR_MAP, count); }
void vb_cbor_put_tag(vb_cbor_writer *w, uint64_t tag) { vb_cbor_put_head(w, VB_CBOR_TAG, tag); }
void vb_cbor_put_bool(vb_cbor_writer *w, bool value)
{
    vb_cbor_put_head(w, VB_CBOR_SIMPLE, value ? VB_CBOR_TRUE : VB_CBOR_FALSE);
}
void vb_cbor_put_null(vb_cbor_writer *w) { vb_cbor_put_head(w, VB_CBOR_SIMPLE, VB_CBOR_NULL); }

/* ---------------------------------------------------------------- reader */

void vb_cbor_reader_init(vb_cbor_reader *r, const uint8_t *data, size_t length)
{
    r->pos = data;
    r->end = data + length;
}

bool vb_utf8_valid(const uint8_t *s, size_t length)
{
    size_t i = 0;
    while (i < length) {
        uint8_t c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) {
            need = 1; cp = c & 0x1f; min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2; cp = c & 0x0f; min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3; cp = c & 0x07; min = 0x10000;
        } else {
            return false;
        }
        if (need > length - i - 1)
            return false;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}

static const char *major_name(int major)
{
    static const char *names[] = {"unsigned integer", "negative integer", "byte string", "text string",
                                  "array", "map", "tag", "simple value"};
    return names[major & 7];
}

vb_status vb_cbor_read_item_head(vb_cbor_reader *r, vb_cbor_item *item, vb_error *err)
{
    if (r->pos >= r->end)
        return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: input ends where an item was expected");

    const uint8_t *start = r->pos;
    uint8_t initial = *r->pos;
    int major = initial >> 5;
    uint8_t info = initial & 0x1f;
    uint64_t value = 0;
    size_t extra = 0;

    if (info < 24) {
        value = info;
    } else if (info <= 27) {
        extra = (size_t)1 << (info - 24);
    } else if (info == 31) {
        return vb_fail(err, VB_ERR_CBOR_INDEFINITE, "CBOR: indefinite-length %s (or a stray break)",
                       major_name(major));
    } else {
        return vb_fail(err, VB_ERR_CBOR_UNSUPPORTED, "CBOR: reserved additional information %u", info);
    }
    if (extra > (size_t)(r->end - r->pos - 1))
        return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: %s head needs %zu more bytes than remain",
                       major_name(major), extra);
    for (size_t i = 0; i < extra; i++)
        value = (value << 8) | r->pos[1 + i];

    /* Floats (f9, fa, fb) are refused as such before the integer shortest-form rule could
     * misname a small bit pattern as non-canonical. */
    if (major == VB_CBOR_SIMPLE && extra > 1)
        return vb_fail(err, VB_ERR_CBOR_UNSUPPORTED, "CBOR: floating-point values are not used");

    /* Shortest form (RFC 8949 §4.2.1): each width only for values that need it. */
    if ((extra == 1 && value < 24) || (extra == 2 && value <= 0xff) || (extra == 4 && value <= 0xffff) ||
        (extra == 8 && value <= 0xffffffffu))
        return vb_fail(err, VB_ERR_CBOR_NONCANONICAL, "CBOR: %s argument %llu not in its shortest form",
                       major_name(major), (unsigned long long)value);

    if (major == VB_CBOR_SIMPLE) {
        if (extra > 1)
            return vb_fail(err, VB_ERR_CBOR_UNSUPPORTED, "CBOR: floating-point values are not used");
        if (value != VB_CBOR_FALSE && value != VB_CBOR_TRUE && value != VB_CBOR_NULL)
            return vb_fail(err, VB_ERR_CBOR_UNSUPPORTED, "CBOR: simple value %llu is not used",
                           (unsigned long long)value);
    }

    r->pos += 1 + extra;
    item->major = major;
    item->value = value;
    item->bytes = NULL;
    item->start = start;

    if (major == VB_CBOR_BYTES || major == VB_CBOR_TEXT) {
        if (value > (uint64_t)(r->end - r->pos)) {
            r->pos = start;
            return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: %s of %llu bytes runs past the end (%zu left)",
                           major_name(major), (unsigned long long)value, (size_t)(r->end - start - 1 - extra));
        }
        item->bytes = r->pos;
        if (major == VB_CBOR_TEXT && !vb_utf8_valid(r->pos, (size_t)value)) {
            r->pos = start;
            return vb_fail(err, VB_ERR_CBOR_UTF8, "CBOR: text string is not valid UTF-8");
        }
        r->pos += value;
    }
    return VB_OK;
}

vb_status vb_cbor_check_key_order(vb_cbor_key_order *order, const uint8_t *key, size_t key_length,
                                  vb_error *err)
{
    if (order->previous) {
        size_t n = order->previous_length < key_length ? order->previous_length : key_length;
        int c = memcmp(order->previous, key, n);
        if (c == 0 && order->previous_length == key_length)
            return vb_fail(err, VB_ERR_CBOR_DUPLICATE_KEY, "CBOR: duplicate map key");
        if (c > 0 || (c == 0 && order->previous_length > key_length))
            return vb_fail(err, VB_ERR_CBOR_KEY_ORDER, "CBOR: map keys not in canonical order");
    }
    order->previous = key;
    order->previous_length = key_length;
    return VB_OK;
}

vb_status vb_cbor_skip(vb_cbor_reader *r, int depth, vb_error *err)
{
    vb_cbor_item item;
    vb_status s;

    if (depth <= 0)
        return vb_fail(err, VB_ERR_CBOR_DEPTH, "CBOR: nested deeper than %d levels", VB_CBOR_MAX_DEPTH);
    if ((s = vb_cbor_read_item_head(r, &item, err)) != VB_OK)
        return s;
    switch (item.major) {
    case VB_CBOR_ARRAY:
        /* Each element takes at least one byte: a count above what remains is truncation. */
        if (item.value > vb_cbor_remaining(r))
            return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: array of %llu items runs past the end",
                           (unsigned long long)item.value);
        for (uint64_t i = 0; i < item.value; i++)
            if ((s = vb_cbor_skip(r, depth - 1, err)) != VB_OK)
                return s;
        break;
    case VB_CBOR_MAP: {
        vb_cbor_key_order order = {0};
        if (item.value > vb_cbor_remaining(r) / 2)
            return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: map of %llu pairs runs past the end",
                           (unsigned long long)item.value);
        for (uint64_t i = 0; i < item.value; i++) {
            const uint8_t *key = r->pos;
            if ((s = vb_cbor_skip(r, depth - 1, err)) != VB_OK)
                return s;
            if ((s = vb_cbor_check_key_order(&order, key, (size_t)(r->pos - key), err)) != VB_OK)
                return s;
            if ((s = vb_cbor_skip(r, depth - 1, err)) != VB_OK)
                return s;
        }
        break;
    }
    case VB_CBOR_TAG:
        /* Skipped items are unknown claims and headers, which a later version may define with
         * tags; their content is still checked to be well formed and deterministic. */
        return vb_cbor_skip(r, depth - 1, err);
    default:
        break;
    }
    return VB_OK;
}

static vb_status read_expect(vb_cbor_reader *r, int major, vb_cbor_item *item, const char *what, vb_error *err)
{
    const uint8_t *start = r->pos;
    vb_status s = vb_cbor_read_item_head(r, item, err);
    if (s != VB_OK)
        return s;
    if (item->major != major) {
        r->pos = start;
        return vb_fail(err, VB_ERR_CBOR_TYPE, "CBOR: expected %s, found %s", what, major_name(item->major));
    }
    return VB_OK;
}

vb_status vb_cbor_read_uint(vb_cbor_reader *r, uint64_t *value, vb_error *err)
{
    vb_cbor_item item;
    vb_status s = read_expect(r, VB_CBOR_UINT, &item, "an unsigned integer", err);
    if (s == VB_OK)
        *value = item.value;
    return s;
}

vb_status vb_cbor_read_int(vb_cbor_reader *r, int64_t *value, vb_error *err)
{
    vb_cbor_item item;
    const uint8_t *start = r->pos;
    vb_status s = vb_cbor_read_item_head(r, &item, err);
    if (s != VB_OK)
        return s;
    if (item.major != VB_CBOR_UINT && item.major != VB_CBOR_NEGINT) {
        r->pos = start;
        return vb_fail(err, VB_ERR_CBOR_TYPE, "CBOR: expected an integer, found %s", major_name(item.major));
    }
    if (item.value > (uint64_t)INT64_MAX) {
        r->pos = start;
        return vb_fail(err, VB_ERR_CBOR_UNSUPPORTED, "CBOR: integer outside the 64-bit signed range");
    }
    *value = item.major == VB_CBOR_UINT ? (int64_t)item.value : -1 - (int64_t)item.value;
    return VB_OK;
}

vb_status vb_cbor_read_bytes(vb_cbor_reader *r, const uint8_t **bytes, size_t *length, vb_error *err)
{
    vb_cbor_item item;
    vb_status s = read_expect(r, VB_CBOR_BYTES, &item, "a byte string", err);
    if (s == VB_OK) {
        *bytes = item.bytes;
        *length = (size_t)item.value;
    }
    return s;
}

vb_status vb_cbor_read_text(vb_cbor_reader *r, const char **text, size_t *length, vb_error *err)
{
    vb_cbor_item item;
    vb_status s = read_expect(r, VB_CBOR_TEXT, &item, "a text string", err);
    if (s == VB_OK) {
        *text = (const char *)item.bytes;
        *length = (size_t)item.value;
    }
    return s;
}

vb_status vb_cbor_read_array(vb_cbor_reader *r, size_t *count, vb_error *err)
{
    vb_cbor_item item;
    vb_status s = read_expect(r, VB_CBOR_ARRAY, &item, "an array", err);
    if (s != VB_OK)
        return s;
    if (item.value > vb_cbor_remaining(r))
        return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: array of %llu items runs past the end",
                       (unsigned long long)item.value);
    *count = (size_t)item.value;
    return VB_OK;
}

vb_status vb_cbor_read_map(vb_cbor_reader *r, size_t *count, vb_error *err)
{
    vb_cbor_item item;
    vb_status s = read_expect(r, VB_CBOR_MAP, &item, "a map", err);
    if (s != VB_OK)
        return s;
    if (item.value > vb_cbor_remaining(r) / 2)
        return vb_fail(err, VB_ERR_CBOR_TRUNCATED, "CBOR: map of %llu pairs runs past the end",
                       (unsigned long long)item.value);
    *count = (size_t)item.value;
    return VB_OK;
}

vb_status vb_cbor_read_tag(vb_cbor_reader *r, uint64_t *tag, vb_error *err)
{
    vb_cbor_item item;
    vb_status s = read_expect(r, VB_CBOR_TAG, &item, "a tag", err);
    if (s == VB_OK)
        *tag = item.value;
    return s;
}

vb_status vb_cbor_read_bool(vb_cbor_reader *r, bool *value, vb_error *err)
{
    vb_cbor_item item;
    const uint8_t *start = r->pos;
    vb_status s = read_expect(r, VB_CBOR_SIMPLE, &item, "true or false", err);
    if (s != VB_OK)
        return s;
    if (item.value != VB_CBOR_TRUE && item.value != VB_CBOR_FALSE) {
        r->pos = start;
        return vb_fail(err, VB_ERR_CBOR_TYPE, "CBOR: expected true or false, found null");
    }
    *value = item.value == VB_CBOR_TRUE;
    return VB_OK;
}
