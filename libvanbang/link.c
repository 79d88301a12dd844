/*
 * link.c — the record <-> link text codec declared in link.h: decimal digit groups behind the
 * school's verifier base URL, and the canonical (QR alphanumeric) spelling of that base.
 */
#include "link.h"

#include <string.h>

/* Digits written for a final group of k bytes, indexed by k (0..7): the fewest decimal digits
 * that hold 256^k - 1, i.e. ceil(8k * log10 2). Index 0 is unused: an empty group is not written. */
static const uint8_t link_digits_for_group_bytes[VB_LINK_GROUP_BYTES + 1] = {0, 3, 5, 8, 10, 13, 15, 17};

/* The inverse, indexed by digit count within a group (0..16); 0 marks a count no group produces. */
static const uint8_t link_group_bytes_for_digits[VB_LINK_GROUP_DIGITS] = {
    0, 0, 0, 1, 0, 2, 0, 0, 3, 0, 4, 0, 0, 5, 0, 6, 0,
};

static const char link_qr_alphanumeric_set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

size_t vb_link_digit_count(size_t record_len)
{
    return (record_len / VB_LINK_GROUP_BYTES) * VB_LINK_GROUP_DIGITS +
           link_digits_for_group_bytes[record_len % VB_LINK_GROUP_BYTES];
}

bool vb_link_record_length(size_t digit_count, size_t *record_len)
{
    size_t remainder_digits = digit_count % VB_LINK_GROUP_DIGITS;
    size_t remainder_bytes = link_group_bytes_for_digits[remainder_digits];

    if (digit_count == 0 || (remainder_digits != 0 && remainder_bytes == 0))
        return false;
    *record_len = (digit_count / VB_LINK_GROUP_DIGITS) * VB_LINK_GROUP_BYTES + remainder_bytes;
    return true;
}

bool vb_link_is_qr_alphanumeric(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++)
        /* memchr, not strchr, so that a NUL byte is not "found" as the set's terminator. */
        if (memchr(link_qr_alphanumeric_set, text[i], sizeof link_qr_alphanumeric_set - 1) == NULL)
            return false;
    return true;
}

static char link_ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool link_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Compares the first len bytes of text with a lowercase ASCII literal, ignoring case. */
static bool link_starts_with_ignoring_case(const char *text, size_t text_len, const char *lower)
{
    size_t len = strlen(lower);

    if (text_len < len)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != lower[i])
            return false;
    }
    return true;
}

/* Length of "http://" or "https://" at the start of text, any case; 0 if neither. */
static size_t link_scheme_length(const char *text, size_t text_len)
{
    if (link_starts_with_ignoring_case(text, text_len, "https://"))
        return 8;
    if (link_starts_with_ignoring_case(text, text_len, "http://"))
        return 7;
    return 0;
}

vb_status vb_link_canonical_base(const char *base_url, char *out, size_t out_size,
                                 size_t *canonical_len, vb_error *err)
{
    if (canonical_len)
        *canonical_len = 0;
    if (base_url == NULL || out == NULL)
        return vb_fail(err, VB_ERR_ARGUMENT, "link base: no base URL or output buffer");

    /* Bounded scan: a base longer than a whole link cannot be used anyway. */
    size_t base_len = strnlen(base_url, VB_MAX_LINK_CHARS + 1);
    if (base_len > VB_MAX_LINK_CHARS)
        return vb_fail(err, VB_ERR_TOO_LARGE, "link base: URL longer than %d characters",
                       VB_MAX_LINK_CHARS);

    size_t scheme_len = link_scheme_length(base_url, base_len);
    if (scheme_len == 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "link base: URL must start with http:// or https://");
    for (size_t i = 0; i < base_len; i++) {
        unsigned char c = (unsigned char)base_url[i];
        if (c <= 0x20 || c >= 0x7f)
            return vb_fail(err, VB_ERR_ARGUMENT,
                           "link base: character %zu is a space, control or non-ASCII byte", i);
        if (c == '?' || c == '#')
            return vb_fail(err, VB_ERR_ARGUMENT,
                           "link base: URL must not hold a query or fragment ('%c' at %zu)", c, i);
    }
    if (base_url[base_len - 1] != '/')
        return vb_fail(err, VB_ERR_ARGUMENT, "link base: URL must end with '/'");

    /* The host runs to the first '/' after the scheme; none ("https://") or none before it
     * ("https:///V/") means no host. */
    const char *host_end = memchr(base_url + scheme_len, '/', base_len - scheme_len);
    if (host_end == NULL || host_end == base_url + scheme_len)
        return vb_fail(err, VB_ERR_ARGUMENT, "link base: URL names no host");
    size_t host_end_offset = (size_t)(host_end - base_url);

    if (out_size < base_len + 1)
        return vb_fail(err, VB_ERR_TOO_LARGE, "link base: needs %zu bytes, buffer holds %zu",
                       base_len + 1, out_size);

    /* Scheme and host are case-insensitive (RFC 3986 3.1, 3.2.2); the path is not, so it is
     * only ever copied. */
    for (size_t i = 0; i < host_end_offset; i++)
        out[i] = link_ascii_upper(base_url[i]);
    memcpy(out + host_end_offset, base_url + host_end_offset, base_len - host_end_offset);
    out[base_len] = '\0';

    /* Uppercase only when it buys alphanumeric mode; otherwise keep the issuer's spelling. */
    if (!vb_link_is_qr_alphanumeric(out, base_len))
        memcpy(out, base_url, base_len);

    if (canonical_len)
        *canonical_len = base_len;
    return VB_OK;
}

/* "00" to "99": two digits per division. A record is ~30 groups of 17 digits, and a 64-bit
 * division per digit was most of the cost of encoding a link. */
static const char link_digit_pairs[201] =
    "0001020304050607080910111213141516171819"
    "2021222324252627282930313233343536373839"
    "4041424344454647484950515253545556575859"
    "6061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Writes value as exactly digit_count decimal digits, zero-padded on the left. */
static void link_write_group(uint64_t value, char *digits, size_t digit_count)
{
    size_t i = digit_count;
    while (i >= 2) {
        unsigned pair = (unsigned)(value % 100);
        value /= 100;
        i -= 2;
        memcpy(digits + i, link_digit_pairs + 2 * pair, 2);
    }
    if (i)
        digits[0] = (char)('0' + value % 10);
}

vb_status vb_link_encode(const char *base_url, const uint8_t *record, size_t record_len,
                         char *out, size_t out_size, size_t *prefix_len, vb_error *err)
{
    if (prefix_len)
        *prefix_len = 0;
    if (out == NULL || (record == NULL && record_len > 0))
        return vb_fail(err, VB_ERR_ARGUMENT, "link encode: no record or output buffer");
    if (out_size > 0)
        out[0] = '\0';
    if (record_len == 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "link encode: empty record");
    if (record_len > VB_MAX_RECORD_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "link encode: record of %zu bytes is over %d",
                       record_len, VB_MAX_RECORD_BYTES);

    size_t base_len = 0;
    vb_status status = vb_link_canonical_base(base_url, out, out_size, &base_len, err);
    if (status != VB_OK)
        return status;

    size_t digit_count = vb_link_digit_count(record_len);
    size_t text_len = base_len + digit_count;
    if (text_len > VB_MAX_LINK_CHARS) {
        out[0] = '\0';
        return vb_fail(err, VB_ERR_TOO_LARGE, "link encode: link of %zu characters is over %d",
                       text_len, VB_MAX_LINK_CHARS);
    }
    if (out_size < text_len + 1) {
        out[0] = '\0';
        return vb_fail(err, VB_ERR_TOO_LARGE, "link encode: needs %zu bytes, buffer holds %zu",
                       text_len + 1, out_size);
    }

    char *digits = out + base_len;
    for (size_t offset = 0; offset < record_len; offset += VB_LINK_GROUP_BYTES) {
        size_t group_bytes = record_len - offset;
        if (group_bytes > VB_LINK_GROUP_BYTES)
            group_bytes = VB_LINK_GROUP_BYTES;
        uint64_t value = 0;
        for (size_t i = 0; i < group_bytes; i++)
            value = (value << 8) | record[offset + i];
        size_t group_digits = link_digits_for_group_bytes[group_bytes];
        link_write_group(value, digits, group_digits);
        digits += group_digits;
    }
    *digits = '\0';

    if (prefix_len)
        *prefix_len = base_len;
    return VB_OK;
}

vb_status vb_link_locate_digits(const char *text, size_t text_len, size_t *digits_offset,
                                size_t *digits_len, vb_error *err)
{
    *digits_offset = 0;
    *digits_len = 0;
    if (text == NULL && text_len > 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "link: no text");
    if (text_len > VB_MAX_LINK_CHARS)
        return vb_fail(err, VB_ERR_TOO_LARGE, "link: %zu characters is over %d", text_len,
                       VB_MAX_LINK_CHARS);

    /* Empty text is "the digits alone, none of them": a length problem, not a prefix one. */
    if (text_len == 0 || link_is_digit(text[0])) {
        *digits_len = text_len;
        return VB_OK;
    }

    size_t scheme_len = link_scheme_length(text, text_len);
    if (scheme_len == 0)
        return vb_fail(err, VB_ERR_LINK_PREFIX,
                       "link: neither an http(s) URL nor record digits");

    /* The path ends at the query or fragment, whichever comes first. */
    size_t path_end = scheme_len;
    while (path_end < text_len && text[path_end] != '?' && text[path_end] != '#')
        path_end++;

    size_t last_slash = path_end;
    for (size_t i = path_end; i > scheme_len; i--)
        if (text[i - 1] == '/') {
            last_slash = i - 1;
            break;
        }
    if (last_slash == path_end)
        return vb_fail(err, VB_ERR_LINK_PREFIX, "link: URL has no path to hold the record");
    if (text[scheme_len] == '/')
        return vb_fail(err, VB_ERR_LINK_PREFIX, "link: URL names no host");
    for (size_t i = 0; i < last_slash; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c <= 0x20 || c >= 0x7f)
            return vb_fail(err, VB_ERR_LINK_PREFIX,
                           "link: URL holds a space, control or non-ASCII byte at %zu", i);
    }

    *digits_offset = last_slash + 1;
    *digits_len = path_end - (last_slash + 1);
    return VB_OK;
}

vb_status vb_link_decode(const char *text, size_t text_len, uint8_t *out, size_t out_size,
                         size_t *out_len, vb_error *err)
{
    *out_len = 0;
    if (out == NULL && out_size > 0)
        return vb_fail(err, VB_ERR_ARGUMENT, "link decode: no output buffer");

    size_t digits_offset, digit_count;
    vb_status status = vb_link_locate_digits(text, text_len, &digits_offset, &digit_count, err);
    if (status != VB_OK)
        return status;
    if (digit_count == 0)
        return vb_fail(err, VB_ERR_LINK_LENGTH, "link decode: no record digits");

    const char *digits = text + digits_offset;
    for (size_t i = 0; i < digit_count; i++)
        if (!link_is_digit(digits[i]))
            return vb_fail(err, VB_ERR_LINK_DIGITS,
                           "link decode: record character %zu is not a digit", i);

    size_t record_len;
    if (!vb_link_record_length(digit_count, &record_len))
        return vb_fail(err, VB_ERR_LINK_LENGTH,
                       "link decode: %zu digits is no record length (%zu left over after "
                       "groups of 17)", digit_count, digit_count % VB_LINK_GROUP_DIGITS);
    if (record_len > VB_MAX_RECORD_BYTES)
        return vb_fail(err, VB_ERR_TOO_LARGE, "link decode: record of %zu bytes is over %d",
                       record_len, VB_MAX_RECORD_BYTES);
    if (record_len > out_size)
        return vb_fail(err, VB_ERR_TOO_LARGE,
                       "link decode: record of %zu bytes, buffer holds %zu", record_len, out_size);

    size_t byte_offset = 0;
    size_t digit_offset = 0;
    while (byte_offset < record_len) {
        size_t group_bytes = record_len - byte_offset;
        if (group_bytes > VB_LINK_GROUP_BYTES)
            group_bytes = VB_LINK_GROUP_BYTES;
        size_t group_digits = link_digits_for_group_bytes[group_bytes];

        /* 17 digits stay below 10^17 < 2^64, so the sum cannot overflow. */
        uint64_t value = 0;
        for (size_t i = 0; i < group_digits; i++)
            value = value * 10 + (uint64_t)(digits[digit_offset + i] - '0');
        if (value >> (8 * group_bytes) != 0)
            return vb_fail(err, VB_ERR_LINK_CHUNK,
                           "link decode: digit group at %zu is larger than %zu bytes can hold",
                           digit_offset, group_bytes);

        for (size_t i = group_bytes; i > 0; i--) {
            out[byte_offset + i - 1] = (uint8_t)(value & 0xff);
            value >>= 8;
        }
        byte_offset += group_bytes;
        digit_offset += group_digits;
    }

    *out_len = record_len;
    return VB_OK;
}
