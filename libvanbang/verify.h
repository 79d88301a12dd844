/*
 * verify.h — the one call a verifier needs: a scanned link or a raw record, checked against a
 * trust list, gives a verdict and the decoded fields.
 */
#ifndef VB_VERIFY_H
#define VB_VERIFY_H

#include "record.h"
#include "trust.h"

typedef struct {
    vb_status status;               /* VB_OK = genuine; else why not (vanbang.h) */
    vb_error error;                 /* the reason in words */
    bool decoded;                   /* credential below is filled (also for some failures) */
    vb_credential credential;
    const vb_trust_entry *signer;   /* when the kid was found in the trust list */
    uint8_t kid[VB_KID_BYTES];
    size_t record_length;
    bool program_name_unknown;      /* the record relies on a catalog entry this trust list lacks */
} vb_verification;

/* Checks in this order, and reports the first failure: structure and claims (a malformed
 * record), signer known, signer not removed, algorithm matches the key, signature, then the
 * signer certificate valid at the record's signing time (iat, trusted once the signature is). */
vb_status vb_verify_record(const vb_trust_list *trust, const uint8_t *record, size_t length,
                           vb_verification *result);
/* The same from the text a QR code holds (a verification URL or bare digits). */
vb_status vb_verify_link(const vb_trust_list *trust, const char *text, size_t length, vb_verification *result);

#endif
