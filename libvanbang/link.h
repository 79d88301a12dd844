/*
 * link.h — the verification link: a signed record written as the text of a URL, and back.
 *
 * A link is BASE + DIGITS. BASE is the school's verifier base URL, ending in '/'. DIGITS is the
 * record in decimal: the bytes taken seven at a time, each group read as a big-endian 56-bit
 * number and written as exactly 17 digits, zero-padded; a last partial group of k bytes
 * (k = 1..6) is written as exactly 3, 5, 8, 10, 13 or 15 digits, the fewest that can hold any
 * k-byte value. The digit count alone therefore fixes the byte count, and every record has
 * exactly one spelling.
 *
 * Why decimal: QR numeric mode packs 3 digits into 10 bits, so the record costs only about 1.2%
 * more than raw bytes, and digits survive every camera app, browser and chat program untouched
 * (base45's space, '%' and '+' do not).
 *
 * Why the base is sometimes uppercased: when the base URL, with its case-insensitive scheme and
 * host uppercased, holds only QR alphanumeric characters (0-9 A-Z space $ % * + - . / :), the
 * link uses that uppercased spelling so the QR code can store it in alphanumeric mode at 5.5
 * bits a character instead of 8. "https://vb.example.vn/V/" becomes "HTTPS://VB.EXAMPLE.VN/V/";
 * "https://vb.example.vn/v/" (lowercase path, which is case-sensitive) stays as given.
 */
#ifndef VANBANG_LINK_H
#define VANBANG_LINK_H

#include "vanbang.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Digits written for a full group of 7 bytes. */
#define VB_LINK_GROUP_BYTES 7
#define VB_LINK_GROUP_DIGITS 17

/* Digits that a record of VB_MAX_RECORD_BYTES takes (146 full groups and 2 bytes: 146*17 + 5). */
#define VB_LINK_MAX_DIGITS                                                                       \
    ((VB_MAX_RECORD_BYTES / VB_LINK_GROUP_BYTES) * VB_LINK_GROUP_DIGITS + 5)

/* Number of decimal digits that encode a record of record_len bytes. */
size_t vb_link_digit_count(size_t record_len);

/* Inverse of vb_link_digit_count: the record length for digit_count digits. Returns false when
 * no record length produces that many digits (0, or a count whose remainder mod 17 is not one of
 * 0, 3, 5, 8, 10, 13, 15). */
bool vb_link_record_length(size_t digit_count, size_t *record_len);

/* Writes the canonical spelling of base_url (see above) to out as a NUL-terminated string and
 * its length to *canonical_len (may be NULL). base_url must start with http:// or https:// (any
 * case), name a host, end with '/', and hold only printable ASCII without spaces, '?' or '#';
 * otherwise VB_ERR_ARGUMENT. VB_ERR_TOO_LARGE if it does not fit out or VB_MAX_LINK_CHARS. */
vb_status vb_link_canonical_base(const char *base_url, char *out, size_t out_size,
                                 size_t *canonical_len, vb_error *err);

/* True when every one of the len characters is a QR alphanumeric-mode character. */
bool vb_link_is_qr_alphanumeric(const char *text, size_t len);

/* Writes the link for record (record_len bytes, 1..VB_MAX_RECORD_BYTES) under base_url to out as
 * a NUL-terminated string: the canonical base followed by the digits. *prefix_len (may be NULL)
 * receives the length of the base part, so a QR builder can give it its own mode.
 * An empty record is VB_ERR_ARGUMENT (no link decodes to one); a record over the limit, a link
 * over VB_MAX_LINK_CHARS, or an out buffer too small for the text and its NUL is
 * VB_ERR_TOO_LARGE. A buffer of VB_MAX_LINK_CHARS + 1 bytes always suffices. */
vb_status vb_link_encode(const char *base_url, const uint8_t *record, size_t record_len,
                         char *out, size_t out_size, size_t *prefix_len, vb_error *err);

/* Finds the record digits in a link text of text_len bytes (need not be NUL-terminated):
 *   - text starting with http:// or https:// (any case) is a URL; its digits are the last path
 *     segment, after the last '/' and before any '?query' or '#fragment';
 *   - text starting with a digit is taken as the digits alone (the JSON API may receive only
 *     the record part);
 *   - anything else, or a URL without a host or holding a non-printable character or space
 *     before its digits, is VB_ERR_LINK_PREFIX.
 * The digits themselves are not checked here. VB_ERR_TOO_LARGE over VB_MAX_LINK_CHARS. */
vb_status vb_link_locate_digits(const char *text, size_t text_len, size_t *digits_offset,
                                size_t *digits_len, vb_error *err);

/* Decodes a link text (located as above) into the record bytes: out gets *out_len bytes.
 * Checks, in this order: VB_ERR_TOO_LARGE (text over VB_MAX_LINK_CHARS), VB_ERR_LINK_PREFIX,
 * VB_ERR_LINK_LENGTH (no digits), VB_ERR_LINK_DIGITS (a character other than 0-9),
 * VB_ERR_LINK_LENGTH (a digit count no record length produces), VB_ERR_TOO_LARGE (record over
 * VB_MAX_RECORD_BYTES or over out_size), VB_ERR_LINK_CHUNK (a group at or above 256^k).
 * On failure *out_len is 0 and out may hold a partial record. */
vb_status vb_link_decode(const char *text, size_t text_len, uint8_t *out, size_t out_size,
                         size_t *out_len, vb_error *err);

#endif
