/*
 * fuzz_record.c — libFuzzer target for record decoding (libvanbang/record.c over cose.c and
 * cbor.c).
 *
 * The input is decoded as a signed record (vb_record_decode) and, separately, as a bare claims
 * map (vb_credential_decode), so mutations reach the claims without first having to keep a
 * COSE envelope intact. Whenever claims decode, properties checked, aborting on a mismatch:
 *   - the decoded credential passes vb_credential_check (decoder and encoder apply the same rules);
 *   - determinism: when the map holds only claims the format defines, vb_credential_encode of
 *     the decoded credential gives back exactly the claims bytes. (Unknown claims, which a
 *     decoder must ignore, and the critical list are not carried by vb_credential, so a map
 *     holding them cannot come back byte for byte.)
 */
#include "cbor.h"
#include "record.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool defined_claim(int64_t key)
{
    return key == VB_CLAIM_ISS || key == VB_CLAIM_IAT || key == VB_CLAIM_CTI ||
           (key <= VB_CLAIM_TYPE && key >= VB_CLAIM_HIGH_QUALITY);
}

static bool only_defined_claims(const uint8_t *claims, size_t length)
{
    vb_cbor_reader r;
    size_t count;
    vb_cbor_reader_init(&r, claims, length);
    if (vb_cbor_read_map(&r, &count, NULL) != VB_OK)
        return false;
    for (size_t i = 0; i < count; i++) {
        int64_t key;
        if (vb_cbor_read_int(&r, &key, NULL) != VB_OK || !defined_claim(key) ||
            vb_cbor_skip(&r, VB_CBOR_MAX_DEPTH, NULL) != VB_OK)
            return false;
    }
    return true;
}

static void check_claims(const uint8_t *claims, size_t length, const vb_credential *credential)
{
    static uint8_t again[4 * VB_MAX_RECORD_BYTES];
    size_t again_length = 0;
    vb_error err;

    if (vb_credential_check(credential, &err) != VB_OK)
        abort();
    if (!only_defined_claims(claims, length))
        return;
    if (vb_credential_encode(credential, again, sizeof again, &again_length, &err) != VB_OK)
        abort();
    if (again_length != length || memcmp(again, claims, length) != 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vb_cose_sign1 message;
    vb_credential credential;
    vb_error err;

    vb_status s = vb_record_decode(data, size, &message, &credential, &err);
    if (s == VB_OK)
        check_claims(message.payload, message.payload_length, &credential);
    else if (err.code != s)
        abort();

    s = vb_credential_decode(data, size, &credential, &err);
    if (s == VB_OK)
        check_claims(data, size, &credential);
    else if (err.code != s)
        abort();
    return 0;
}
