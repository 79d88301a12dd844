/*
 * describe.h — a credential and a verdict in words, for people: the lines the CLI tools print
 * and the labels the verifier's page uses. Writes into buffers; printing is the caller's.
 */
#ifndef VB_DESCRIBE_H
#define VB_DESCRIBE_H

#include "verify.h"

/* "Họ và tên / Full name: …" lines, one field a line, as printed on the diploma. */
void vb_describe_credential(const vb_credential *credential, bool english, char *out, size_t out_size);

/* Short verdict headline: "HỢP LỆ — genuine", "KHÔNG HỢP LỆ — bad signature", … */
const char *vb_describe_verdict(vb_status status, bool english);

/* A ground of revocation (status list and register numbering, 1…6) in words: "gian lận" /
 * "fraud", …; NULL outside 1…6. */
const char *vb_describe_revocation_reason(int reason, bool english);

/* Record id as the issuer's sequence number (1 to 8 bytes, big-endian), else as hex. */
void vb_describe_record_id(const uint8_t *bytes, size_t length, char *out, size_t out_size);

/* Record id as lower-case hex. out needs 2 * VB_MAX_RECORD_ID_BYTES + 1 bytes. */
void vb_describe_hex(const uint8_t *bytes, size_t length, char *out, size_t out_size);

#endif
