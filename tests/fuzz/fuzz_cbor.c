/*
 * fuzz_cbor.c — libFuzzer target for the strict CBOR reader (libvanbang/cbor.c).
 *
 * The input is read as a sequence of items with vb_cbor_skip at the format's full depth, then
 * head by head. Properties checked, aborting on a mismatch:
 *   - the reader never moves outside the input, and every failure carries its code;
 *   - every head the reader accepts is exactly what the writer emits for the same major type and
 *     argument (the reader takes only the deterministic encoding back);
 *   - vb_utf8_valid agrees with an independent validator written from the Unicode Standard's
 *     table of well-formed byte sequences (Table 3-7) on the whole input and on every text string.
 */
#include "cbor.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Unicode 15, Table 3-7: the well-formed UTF-8 byte sequences, range by range. */
static bool reference_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        uint8_t lo = 0x80, hi = 0xbf;
        size_t trail;
        if (b <= 0x7f) {
            i++;
            continue;
        } else if (b >= 0xc2 && b <= 0xdf) {
            trail = 1;
        } else if (b == 0xe0) {
            trail = 2, lo = 0xa0;
        } else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef) {
            trail = 2;
        } else if (b == 0xed) {
            trail = 2, hi = 0x9f;
        } else if (b == 0xf0) {
            trail = 3, lo = 0x90;
        } else if (b >= 0xf1 && b <= 0xf3) {
            trail = 3;
        } else if (b == 0xf4) {
            trail = 3, hi = 0x8f;
        } else {
            return false;
        }
        if (n - i - 1 < trail)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= trail; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xbf)
                return false;
        i += trail + 1;
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vb_cbor_reader r;
    vb_error err;

    if (vb_utf8_valid(data, size) != reference_utf8_valid(data, size))
        abort();

    /* Whole items, at the deepest nesting the formats allow. */
    vb_cbor_reader_init(&r, data, size);
    while (vb_cbor_remaining(&r) > 0) {
        const uint8_t *before = r.pos;
        vb_status s = vb_cbor_skip(&r, VB_CBOR_MAX_DEPTH, &err);
        if (r.pos < data || r.pos > data + size)
            abort();
        if (s != VB_OK) {
            if (err.code != s)
                abort();
            break;
        }
        if (r.pos <= before)
            abort();
    }

    /* Head by head: what is accepted re-encodes to the same bytes. */
    vb_cbor_reader_init(&r, data, size);
    while (vb_cbor_remaining(&r) > 0) {
        vb_cbor_item item;
        const uint8_t *before = r.pos;
        if (vb_cbor_read_item_head(&r, &item, NULL) != VB_OK) {
            if (r.pos != before) /* a refused item leaves the reader where it was */
                abort();
            break;
        }
        if (item.start != before || r.pos <= before || r.pos > data + size)
            abort();
        const uint8_t *head_end = item.bytes ? item.bytes : r.pos;
        uint8_t again[9];
        vb_cbor_writer w;
        vb_cbor_writer_init(&w, again, sizeof again);
        vb_cbor_put_head(&w, item.major, item.value);
        if (w.overflow || w.length != (size_t)(head_end - item.start) || memcmp(again, item.start, w.length) != 0)
            abort();
        if (item.major == VB_CBOR_BYTES || item.major == VB_CBOR_TEXT) {
            if (item.bytes + item.value != r.pos)
                abort();
            if (item.major == VB_CBOR_TEXT && !reference_utf8_valid(item.bytes, (size_t)item.value))
                abort();
        }
        if (item.major == VB_CBOR_SIMPLE && item.value != VB_CBOR_FALSE && item.value != VB_CBOR_TRUE &&
            item.value != VB_CBOR_NULL)
            abort();
    }
    return 0;
}
