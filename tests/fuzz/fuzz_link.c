/*
 * fuzz_link.c — libFuzzer target for the link decoder (libvanbang/link.c).
 *
 * Any input is decoded as a link text. Whenever it decodes, the record is encoded again under a
 * fixed base and the properties the format promises are checked, aborting on a mismatch:
 *   - the new link decodes to the same bytes (round trip);
 *   - the new digits equal the input's digits exactly (one spelling per record, so a record
 *     cannot be smuggled past a register or cache under a second spelling).
 */
#include "link.h"

#include <stdlib.h>
#include <string.h>

#define FUZZ_BASE "https://vb.example.vn/V/"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    static uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_len = 0;
    vb_error err;

    vb_status status = vb_link_decode(text, size, record, sizeof record, &record_len, &err);
    if (status != VB_OK) {
        /* A failure must say which one and leave no length behind. */
        if (err.code != status || record_len != 0)
            abort();
        return 0;
    }

    size_t digits_offset, digits_len;
    if (vb_link_locate_digits(text, size, &digits_offset, &digits_len, &err) != VB_OK)
        abort();

    static char link_text[VB_MAX_LINK_CHARS + 1];
    size_t prefix_len;
    if (vb_link_encode(FUZZ_BASE, record, record_len, link_text, sizeof link_text, &prefix_len,
                       &err) != VB_OK)
        abort();
    size_t link_len = strlen(link_text);
    if (link_len - prefix_len != digits_len ||
        memcmp(link_text + prefix_len, text + digits_offset, digits_len) != 0)
        abort();

    static uint8_t again[VB_MAX_RECORD_BYTES];
    size_t again_len = 0;
    if (vb_link_decode(link_text, link_len, again, sizeof again, &again_len, &err) != VB_OK ||
        again_len != record_len || memcmp(again, record, record_len) != 0)
        abort();
    return 0;
}
