/*
 * fuzz_statuslist.c — libFuzzer target for the status-list payload parser (libvanbang/statuslist.c).
 *
 * The input is parsed as a status-list payload, and decoded as a COSE_Sign1 whose payload (when
 * it decodes) is parsed as one too. Properties checked, aborting on a mismatch:
 *   - a failure carries its code and leaves an empty list (nothing to free; LeakSanitizer
 *     reports what a failed parse forgets);
 *   - a parsed list has a school-code origin, a sequence from 1, at most the entry limit, and
 *     entries that keep every rule: ids strictly ascending, each state, reason, date and
 *     superseding id in its set;
 *   - every entry is found by its id and by its cti, the ids between them are not, and the
 *     chain of corrections from each superseded entry ends at a larger id;
 *   - every replacement record and decision number lies inside the input, is found by its id,
 *     and belongs to a listed entry (a replacement to the entry it corrects).
 */
#include "cose.h"
#include "statuslist.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Refs ascending, inside the input; a decision's id is listed, a replacement's id is what some
 * listed entry is superseded by. */
static void check_refs(const vb_statuslist *list, const vb_statuslist_ref *refs, size_t count, const uint8_t *data,
                       size_t size, bool decisions)
{
    vb_statuslist_entry entry;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && refs[i - 1].record_id >= refs[i].record_id)
            abort();
        if ((size_t)(list->base - data) + refs[i].offset + refs[i].length > size)
            abort();
        if (decisions && !vb_statuslist_find_id(list, refs[i].record_id, &entry))
            abort();
        bool referenced = decisions;
        for (size_t e = 0; e < list->count && !referenced; e++) {
            vb_statuslist_entry_at(list, e, &entry);
            referenced = entry.state == VB_STATUSLIST_STATE_SUPERSEDED && entry.superseded_by == refs[i].record_id;
        }
        if (!referenced)
            abort();
    }
}

static void parse_and_check(const uint8_t *payload, size_t length, const uint8_t *data, size_t size)
{
    vb_statuslist list;
    vb_error err;
    vb_status s = vb_statuslist_parse_payload(payload, length, &list, &err);
    if (s != VB_OK) {
        if (err.code != s || list.entries || list.count || list.replacements || list.decisions)
            abort();
        return;
    }
    size_t origin_length = strlen(list.origin);
    if (origin_length < 1 || origin_length > VB_MAX_SCHOOL_CODE_BYTES || list.sequence == 0 ||
        list.count > VB_STATUSLIST_MAX_ENTRIES)
        abort();
    if (list.count && (list.entries < data || list.entries + list.count * VB_STATUSLIST_ENTRY_BYTES > data + size))
        abort();

    uint64_t previous = 0;
    for (size_t i = 0; i < list.count; i++) {
        vb_statuslist_entry e, found;
        vb_statuslist_entry_at(&list, i, &e);
        if (e.record_id <= previous || e.decision_date < VB_STATUSLIST_MIN_DATE ||
            e.decision_date > VB_STATUSLIST_MAX_DATE)
            abort();
        if (e.state == VB_STATUSLIST_STATE_REVOKED) {
            if (e.reason < 1 || e.reason > VB_STATUSLIST_REASON_MAX || e.superseded_by != 0)
                abort();
        } else if (e.state == VB_STATUSLIST_STATE_SUPERSEDED) {
            if (e.reason != 0 || e.superseded_by <= e.record_id)
                abort();
            if (vb_statuslist_current_id(&list, e.record_id) <= e.record_id)
                abort();
        } else {
            abort();
        }
        if (!vb_statuslist_find_id(&list, e.record_id, &found) || found.record_id != e.record_id)
            abort();
        uint8_t cti[8];
        size_t cti_length = vb_statuslist_id_to_cti(e.record_id, cti);
        if (!vb_statuslist_find(&list, cti, cti_length, &found) || found.record_id != e.record_id)
            abort();
        if (e.record_id - previous > 1 && vb_statuslist_find_id(&list, e.record_id - 1, &found))
            abort();
        previous = e.record_id;
    }

    check_refs(&list, list.replacements, list.replacement_count, data, size, false);
    check_refs(&list, list.decisions, list.decision_count, data, size, true);
    for (size_t i = 0; i < list.replacement_count; i++) {
        const uint8_t *record;
        size_t record_length;
        if (!vb_statuslist_replacement(&list, list.replacements[i].record_id, &record, &record_length))
            abort();
    }
    for (size_t i = 0; i < list.decision_count; i++) {
        const char *text;
        size_t text_length;
        if (!vb_statuslist_decision(&list, list.decisions[i].record_id, &text, &text_length) || text_length == 0)
            abort();
    }
    vb_statuslist_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_and_check(data, size, data, size);

    vb_cose_sign1 message;
    vb_error err;
    vb_status s = vb_cose_sign1_decode(data, size, &message, &err);
    if (s != VB_OK) {
        if (err.code != s)
            abort();
        return 0;
    }
    if (message.payload < data || message.payload + message.payload_length > data + size)
        abort();
    parse_and_check(message.payload, message.payload_length, data, size);
    return 0;
}
