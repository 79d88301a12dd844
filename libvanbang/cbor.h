/*
 * cbor.h — the small, strict CBOR (RFC 8949) subset the vanbang formats use.
 *
 * The writer emits only deterministic encoding (§4.2.1: shortest heads, definite lengths); the
 * caller emits map keys in their canonical order. The reader accepts only that encoding back:
 * anything non-shortest, indefinite, truncated, or of a kind the formats never use (floats,
 * undefined, simple values other than false/true/null) is refused with its own status code.
 */
#ifndef VB_CBOR_H
#define VB_CBOR_H

#include "vanbang.h"

#include <stdbool.h>

enum {
    VB_CBOR_UINT = 0,
    VB_CBOR_NEGINT = 1,
    VB_CBOR_BYTES = 2,
    VB_CBOR_TEXT = 3,
    VB_CBOR_ARRAY = 4,
    VB_CBOR_MAP = 5,
    VB_CBOR_TAG = 6,
    VB_CBOR_SIMPLE = 7,
};
#define VB_CBOR_FALSE 20
#define VB_CBOR_TRUE 21
#define VB_CBOR_NULL 22
#define VB_CBOR_MAX_DEPTH 8
/* The value of an unknown claim or header label may nest at most this many levels (an item
 * that is not an array, map or tag is one level); deeper gives VB_ERR_CBOR_DEPTH. */
#define VB_UNKNOWN_VALUE_DEPTH 5

/* Writes into a caller-owned fixed buffer. A write past the end sets `overflow` and writes
 * nothing more, so a sequence of puts needs one check at the end. */
typedef struct {
    uint8_t *data;
    size_t size;
    size_t length;
    bool overflow;
} vb_cbor_writer;

void vb_cbor_writer_init(vb_cbor_writer *w, uint8_t *buffer, size_t size);
void vb_cbor_put_head(vb_cbor_writer *w, int major, uint64_t value);
void vb_cbor_put_uint(vb_cbor_writer *w, uint64_t value);
void vb_cbor_put_int(vb_cbor_writer *w, int64_t value);
void vb_cbor_put_bytes(vb_cbor_writer *w, const void *bytes, size_t length);
void vb_cbor_put_text(vb_cbor_writer *w, const char *text, size_t length);
void vb_cbor_put_cstring(vb_cbor_writer *w, const char *text);
void vb_cbor_put_array(vb_cbor_writer *w, size_t count);
void vb_cbor_put_map(vb_cbor_writer *w, size_t count);
void vb_cbor_put_tag(vb_cbor_writer *w, uint64_t tag);
void vb_cbor_put_bool(vb_cbor_writer *w, bool value);
void vb_cbor_put_null(vb_cbor_writer *w);
void vb_cbor_put_raw(vb_cbor_writer *w, const void *bytes, size_t length);

/* Reads from [pos, end). Every read checks lengths against `end` before touching a byte. */
typedef struct {
    const uint8_t *pos;
    const uint8_t *end;
} vb_cbor_reader;

/* One decoded head. For byte and text strings `bytes` points at the content (already checked
 * to lie inside the input, and for text to be valid UTF-8) and the reader has moved past it. */
typedef struct {
    int major;
    uint64_t value;        /* integer argument: uint value, -1-n for negint, length, count, tag, simple */
    const uint8_t *bytes;  /* string content, or NULL */
    const uint8_t *start;  /* where the item's head began (for key-order comparisons) */
} vb_cbor_item;

void vb_cbor_reader_init(vb_cbor_reader *r, const uint8_t *data, size_t length);
static inline size_t vb_cbor_remaining(const vb_cbor_reader *r) { return (size_t)(r->end - r->pos); }

vb_status vb_cbor_read_item_head(vb_cbor_reader *r, vb_cbor_item *item, vb_error *err);
/* Skips one whole item (validating it, maps' key order included), at most `depth` levels deep. */
vb_status vb_cbor_skip(vb_cbor_reader *r, int depth, vb_error *err);

/* Typed reads: each fails with VB_ERR_CBOR_TYPE if the next item is of another kind. */
vb_status vb_cbor_read_uint(vb_cbor_reader *r, uint64_t *value, vb_error *err);
vb_status vb_cbor_read_int(vb_cbor_reader *r, int64_t *value, vb_error *err);
vb_status vb_cbor_read_bytes(vb_cbor_reader *r, const uint8_t **bytes, size_t *length, vb_error *err);
vb_status vb_cbor_read_text(vb_cbor_reader *r, const char **text, size_t *length, vb_error *err);
vb_status vb_cbor_read_array(vb_cbor_reader *r, size_t *count, vb_error *err);
vb_status vb_cbor_read_map(vb_cbor_reader *r, size_t *count, vb_error *err);
vb_status vb_cbor_read_tag(vb_cbor_reader *r, uint64_t *tag, vb_error *err);
vb_status vb_cbor_read_bool(vb_cbor_reader *r, bool *value, vb_error *err);

/* Map-key order tracking: deterministic encoding sorts keys by their encoded bytes. Call with
 * the span of each key's encoding in turn; a key equal to the previous one is a duplicate, a
 * smaller one is out of order. (Comparing with the previous key suffices: order is total.) */
typedef struct {
    const uint8_t *previous;
    size_t previous_length;
} vb_cbor_key_order;
vb_status vb_cbor_check_key_order(vb_cbor_key_order *order, const uint8_t *key, size_t key_length,
                                  vb_error *err);

/* True if [text, text+length) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool vb_utf8_valid(const uint8_t *text, size_t length);

#endif
