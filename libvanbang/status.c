/*
 * status.c — names and messages of the status codes declared in vanbang.h.
 */
#include "vanbang.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
    vb_status code;
    const char *name;
} status_names[] = {
    {VB_OK, "ok"},
    {VB_ERR_CBOR_TRUNCATED, "cbor-truncated"},
    {VB_ERR_CBOR_NONCANONICAL, "cbor-noncanonical"},
    {VB_ERR_CBOR_INDEFINITE, "cbor-indefinite"},
    {VB_ERR_CBOR_DUPLICATE_KEY, "cbor-duplicate-key"},
    {VB_ERR_CBOR_KEY_ORDER, "cbor-key-order"},
    {VB_ERR_CBOR_TRAILING, "cbor-trailing"},
    {VB_ERR_CBOR_TYPE, "cbor-type"},
    {VB_ERR_CBOR_DEPTH, "cbor-depth"},
    {VB_ERR_CBOR_UTF8, "cbor-utf8"},
    {VB_ERR_CBOR_UNSUPPORTED, "cbor-unsupported"},
    {VB_ERR_COSE_TAG, "cose-tag"},
    {VB_ERR_COSE_STRUCTURE, "cose-structure"},
    {VB_ERR_COSE_PROTECTED, "cose-protected"},
    {VB_ERR_COSE_ALG_MISSING, "cose-alg-missing"},
    {VB_ERR_COSE_ALG_UNSUPPORTED, "cose-alg-unsupported"},
    {VB_ERR_COSE_KID_MISSING, "cose-kid-missing"},
    {VB_ERR_COSE_KID_SIZE, "cose-kid-size"},
    {VB_ERR_COSE_CRITICAL, "cose-critical"},
    {VB_ERR_COSE_SIGNATURE_SIZE, "cose-signature-size"},
    {VB_ERR_COSE_PAYLOAD, "cose-payload"},
    {VB_ERR_COSE_UNPROTECTED, "cose-unprotected"},
    {VB_ERR_CLAIM_MISSING, "claim-missing"},
    {VB_ERR_CLAIM_TYPE, "claim-type"},
    {VB_ERR_CLAIM_RANGE, "claim-range"},
    {VB_ERR_CLAIM_CRITICAL, "claim-critical"},
    {VB_ERR_CLAIM_TOO_LONG, "claim-too-long"},
    {VB_ERR_CLAIM_KIND, "claim-kind"},
    {VB_ERR_LINK_PREFIX, "link-prefix"},
    {VB_ERR_LINK_DIGITS, "link-digits"},
    {VB_ERR_LINK_LENGTH, "link-length"},
    {VB_ERR_LINK_CHUNK, "link-chunk"},
    {VB_ERR_UNKNOWN_SIGNER, "unknown-signer"},
    {VB_ERR_SIGNER_NOT_VALID, "signer-not-valid"},
    {VB_ERR_SIGNER_REMOVED, "signer-removed"},
    {VB_ERR_BAD_SIGNATURE, "bad-signature"},
    {VB_ERR_ALG_KEY_MISMATCH, "alg-key-mismatch"},
    {VB_ERR_TRUST_MALFORMED, "trust-malformed"},
    {VB_ERR_TRUST_UNSIGNED, "trust-unsigned"},
    {VB_ERR_TRUST_UNKNOWN_AUTHORITY, "trust-unknown-authority"},
    {VB_ERR_TRUST_OLDER, "trust-older"},
    {VB_ERR_TRUST_CERTIFICATE, "trust-certificate"},
    {VB_ERR_LOG_PROOF, "log-proof"},
    {VB_ERR_LOG_CHECKPOINT, "log-checkpoint"},
    {VB_ERR_LOG_MISMATCH, "log-mismatch"},
    {VB_ERR_REGISTER, "register"},
    {VB_ERR_REGISTER_REFUSED, "register-refused"},
    {VB_ERR_REGISTER_NOT_FOUND, "register-not-found"},
    {VB_ERR_REGISTER_BUSY, "register-busy"},
    {VB_ERR_TOO_LARGE, "too-large"},
    {VB_ERR_ARGUMENT, "argument"},
    {VB_ERR_NOMEM, "out-of-memory"},
    {VB_ERR_IO, "io"},
    {VB_ERR_CRYPTO, "crypto"},
    {VB_ERR_PASSPHRASE, "passphrase"},
    {VB_ERR_KEY, "key"},
    {VB_ERR_CERTIFICATE_REJECTED, "certificate-rejected"},
    {VB_ERR_STATUS_MALFORMED, "status-malformed"},
    {VB_ERR_STATUS_ENTRY, "status-entry"},
    {VB_ERR_STATUS_ORDER, "status-order"},
    {VB_ERR_STATUS_OLDER, "status-older"},
    {VB_ERR_STATUS_ORIGIN, "status-origin"},
    {VB_ERR_STATUS_REFERENCE, "status-reference"},
    {VB_ERR_MIRROR_MALFORMED, "mirror-malformed"},
    {VB_ERR_MIRROR_SCHOOL, "mirror-school"},
    {VB_ERR_MIRROR_SEQUENCE, "mirror-sequence"},
    {VB_ERR_MIRROR_EVENT, "mirror-event"},
    {VB_ERR_MIRROR_RECORD, "mirror-record"},
};

const char *vb_status_name(vb_status code)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (status_names[i].code == code)
            return status_names[i].name;
    return "unknown-status";
}

int vb_status_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof status_names / sizeof status_names[0]; i++)
        if (strcmp(status_names[i].name, name) == 0)
            return (int)status_names[i].code;
    return -1;
}

vb_status vb_fail(vb_error *err, vb_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return code;
}
