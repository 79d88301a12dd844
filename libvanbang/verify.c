/*
 * verify.c — record + trust list → verdict (see verify.h for the order of the checks).
 */
#include "verify.h"
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

vb_status vb_verify_record(const vb_trust_list *trust, const uint8_t *record, size_t length, vb_verification *result)
{
    vb_cose_sign1 message;
    vb_error *err = &result->error;

    memset(result, 0, sizeof *result);
    result->record_length = length;
    result->status = vb_record_decode(record, length, &message, &result->credential, err);
    if (result->status != VB_OK)
        return result->status;
    result->decoded = true;
    memcpy(result->kid, message.kid, VB_KID_BYTES);

    const vb_trust_entry *signer = vb_trust_find(trust, message.kid);
    if (!signer || signer->role != VB_TRUST_ROLE_SIGNER)
        return result->status = vb_fail(err, VB_ERR_UNKNOWN_SIGNER, "the record's signer (kid %02x%02x%02x%02x…) is not in the trust list",
                                        message.kid[0], message.kid[1], message.kid[2], message.kid[3]);
    result->signer = signer;
    if (signer->removed_at)
        return result->status = vb_fail(err, VB_ERR_SIGNER_REMOVED, "the signer's key was removed from the trust list");

    vb_status s = vb_cose_sign1_verify_with(&message, &signer->verifier, err);
    if (s != VB_OK)
        return result->status = s;

    int64_t at = result->credential.signed_at;
    if (at < signer->not_before || at > signer->not_after)
        return result->status = vb_fail(err, VB_ERR_SIGNER_NOT_VALID,
                                        "the record was signed outside the signer certificate's validity");
    if (result->credential.school_code[0] && signer->school_code[0] &&
        strcmp(result->credential.school_code, signer->school_code) != 0)
        return result->status = vb_fail(err, VB_ERR_UNKNOWN_SIGNER,
                                        "the record names school %s but its signer is certified for school %s",
                                        result->credential.school_code, signer->school_code);
    if (result->credential.program_name_from_catalog) {
        /* The name was left to the catalog; an issuer only does so when its catalog has it. */
        uint64_t code = strtoull(result->credential.program_code, NULL, 10);
        const char *name = vb_trust_program_name(trust, code);
        if (name)
            snprintf(result->credential.program_name, sizeof result->credential.program_name, "%s", name);
        else
            result->program_name_unknown = true;
    }
    return result->status = VB_OK;
}

vb_status vb_verify_link(const vb_trust_list *trust, const char *text, size_t length, vb_verification *result)
{
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length;

    memset(result, 0, sizeof *result);
    vb_status s = vb_link_decode(text, length, record, sizeof record, &record_length, &result->error);
    if (s != VB_OK)
        return result->status = s;
    return vb_verify_record(trust, record, record_length, result);
}
