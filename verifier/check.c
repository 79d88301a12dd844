/*
 * verifier/check.c — one verification as the service makes it: take the trust list in force,
 * let the library check the link or record against it, and turn the library's status into the
 * verdict a person reads. This is the one place where the school's status list (revocations
 * and corrections, issue 3) will be consulted, after a genuine verdict.
 */
#include "service.h"

#include <string.h>

static const char *const verdict_names[VERDICT_COUNT] = {
    [VERDICT_VALID] = "valid",
    [VERDICT_UNKNOWN_ISSUER] = "unknown-issuer",
    [VERDICT_SIGNER_NOT_VALID] = "signer-not-valid",
    [VERDICT_SIGNER_REMOVED] = "signer-removed",
    [VERDICT_INVALID_SIGNATURE] = "invalid-signature",
    [VERDICT_UNREADABLE] = "unreadable",
    [VERDICT_ERROR] = "error",
};

const char *verdict_name(verdict v) { return v < VERDICT_COUNT ? verdict_names[v] : "error"; }

/* Follows vb_describe_verdict, so the page, the JSON and the offline CLI agree. */
verdict verdict_of_status(vb_status status)
{
    switch (status) {
    case VB_OK: return VERDICT_VALID;
    case VB_ERR_UNKNOWN_SIGNER: return VERDICT_UNKNOWN_ISSUER;
    case VB_ERR_SIGNER_NOT_VALID: return VERDICT_SIGNER_NOT_VALID;
    case VB_ERR_SIGNER_REMOVED: return VERDICT_SIGNER_REMOVED;
    case VB_ERR_BAD_SIGNATURE:
    case VB_ERR_ALG_KEY_MISMATCH: return VERDICT_INVALID_SIGNATURE;
    case VB_ERR_NOMEM:
    case VB_ERR_CRYPTO:
    case VB_ERR_IO: return VERDICT_ERROR;
    default: return VERDICT_UNREADABLE;
    }
}

static void finish(check_result *result)
{
    result->verdict = verdict_of_status(result->verification.status);
    /* Status list (issue 3): when the verdict is VERDICT_VALID, look the record id up in the
     * school's list held beside the trust list, and turn the verdict into revoked or superseded
     * here. Nothing is looked up yet: no such list exists. */
}

void check_link(service *s, const char *text, size_t length, check_result *result)
{
    result->trust = trust_store_acquire(&s->trust);
    vb_verify_link(&result->trust->list, text, length, &result->verification);
    finish(result);
}

void check_record(service *s, const uint8_t *record, size_t length, check_result *result)
{
    result->trust = trust_store_acquire(&s->trust);
    if (length > VB_MAX_RECORD_BYTES) {
        memset(&result->verification, 0, sizeof result->verification);
        result->verification.status = vb_fail(&result->verification.error, VB_ERR_TOO_LARGE,
                                              "the record is %zu bytes; at most %d are allowed", length,
                                              VB_MAX_RECORD_BYTES);
    } else {
        vb_verify_record(&result->trust->list, record, length, &result->verification);
    }
    finish(result);
}

void check_done(check_result *result)
{
    trust_snapshot_release(result->trust);
    result->trust = NULL;
}
