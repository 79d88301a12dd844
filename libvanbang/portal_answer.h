/*
 * portal_answer.h — what the uploader (issuer/upload.c) reads from the national portal's JSON
 * answers (docs/API.md): a strict reader of just those fields. The document must be one
 * well-formed JSON object (RFC 8259: UTF-8, escapes, numbers, nesting at most
 * VB_PORTAL_ANSWER_DEPTH), of which the fields below are kept and the rest skipped. A field
 * kept must have its type (a sequence or size is a non-negative integer without fraction or
 * exponent) and appear once. The portal is outside the school: tests/fuzz/fuzz_answer.c.
 */
#ifndef VB_PORTAL_ANSWER_H
#define VB_PORTAL_ANSWER_H

#include "log.h"
#include "record.h"
#include "vanbang.h"

#include <stdbool.h>
#include <stddef.h>

#define VB_PORTAL_ANSWER_DEPTH 16
#define VB_PORTAL_ANSWER_ITEMS 100  /* records[] or differ[] items kept; the rest are counted */

typedef struct {
    uint64_t sequence;
    char code[64];
    char reason[256];
    char serial[VB_TEXT_FIELD];
} vb_portal_answer_item;

typedef struct {
    bool has_size, has_expected, has_root, has_sequence, has_compared;
    uint64_t size, expected, sequence, compared;
    uint8_t root[VB_LOG_HASH_BYTES];
    char code[64];
    char reason[512];
    vb_portal_answer_item items[VB_PORTAL_ANSWER_ITEMS]; /* records[] or differ[], the first ones */
    size_t item_count;
    uint64_t item_total;
} vb_portal_answer;

/* Reads an answer; false when the body is not such a JSON object. */
bool vb_portal_answer_parse(const char *body, size_t length, vb_portal_answer *a);

#endif
