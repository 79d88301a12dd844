/*
 * fuzz_trust.c — libFuzzer target for the trust-list payload parser (libvanbang/trust.c) and the
 * COSE_Sign1 decoder (libvanbang/cose.c).
 *
 * The input is parsed as a trust-list payload, and decoded as a COSE_Sign1 whose payload (when
 * it decodes) is parsed as a trust list too. Properties checked, aborting on a mismatch:
 *   - a failure carries its code and leaves an empty list (nothing to free, nothing leaked:
 *     LeakSanitizer reports what a failed parse forgets);
 *   - a parsed list holds at most VB_MAX_TRUST_ENTRIES entries, each with its certificate and
 *     key, sorted by kid without duplicates, and vb_trust_find finds every one;
 *   - a decoded COSE_Sign1 points only inside the input.
 */
#include "cose.h"
#include "trust.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_and_check(const uint8_t *payload, size_t length)
{
    vb_trust_list list;
    vb_error err;
    vb_status s = vb_trust_parse_payload(payload, length, &list, &err);
    if (s != VB_OK) {
        if (err.code != s || list.count != 0 || list.entries != NULL)
            abort();
        return;
    }
    if (list.count > VB_MAX_TRUST_ENTRIES || list.sequence == 0)
        abort();
    for (size_t i = 0; i < list.count; i++) {
        const vb_trust_entry *e = &list.entries[i];
        if (!e->certificate || !e->public_key)
            abort();
        if (e->role != VB_TRUST_ROLE_AUTHORITY && e->role != VB_TRUST_ROLE_SIGNER)
            abort();
        if (i > 0 && memcmp(list.entries[i - 1].kid, e->kid, VB_KID_BYTES) >= 0)
            abort();
        if (vb_trust_find(&list, e->kid) != e)
            abort();
    }
    vb_trust_free(&list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    parse_and_check(data, size);

    vb_cose_sign1 message;
    vb_error err;
    vb_status s = vb_cose_sign1_decode(data, size, &message, &err);
    if (s != VB_OK) {
        if (err.code != s)
            abort();
        return 0;
    }
    const uint8_t *end = data + size;
    if (message.protected_header < data || message.protected_header + message.protected_length > end ||
        message.payload < data || message.payload + message.payload_length > end || message.signature < data ||
        message.signature + message.signature_length > end)
        abort();
    if (message.alg != VB_COSE_ALG_ES256 && message.alg != VB_COSE_ALG_PS256)
        abort();
    parse_and_check(message.payload, message.payload_length);
    return 0;
}
