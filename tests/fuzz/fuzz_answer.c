/*
 * fuzz_answer.c — libFuzzer target for the reader of the portal's JSON answers
 * (libvanbang/portal_answer.c), which the uploader runs over whatever a portal, or anything
 * answering in its place, sends back.
 *
 * Whenever an input is accepted, what was kept must be within bounds: the strings end inside
 * their fields, the items kept are at most VB_PORTAL_ANSWER_ITEMS and never more than counted.
 */
#include "portal_answer.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vb_portal_answer answer;
    if (!vb_portal_answer_parse((const char *)data, size, &answer))
        return 0;
    if (strnlen(answer.code, sizeof answer.code) == sizeof answer.code ||
        strnlen(answer.reason, sizeof answer.reason) == sizeof answer.reason)
        abort();
    if (answer.item_count > VB_PORTAL_ANSWER_ITEMS || answer.item_count > answer.item_total)
        abort();
    for (size_t i = 0; i < answer.item_count; i++) {
        const vb_portal_answer_item *item = &answer.items[i];
        if (strnlen(item->code, sizeof item->code) == sizeof item->code ||
            strnlen(item->reason, sizeof item->reason) == sizeof item->reason ||
            strnlen(item->serial, sizeof item->serial) == sizeof item->serial)
            abort();
    }
    return 0;
}
