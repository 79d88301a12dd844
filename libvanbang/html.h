/*
 * html.h — text made safe for the web outputs of the verifier: HTML element and attribute
 * content, and JSON string content. Every field a page or an API answer shows comes from a
 * record or a certificate, that is from outside, so it goes through one of these two functions.
 *
 * Both work like snprintf: they write at most out_size - 1 bytes and a NUL (when out_size > 0),
 * and return the length the whole escaped text needs, so a caller that reserves
 * VB_ESCAPE_MAX_GROWTH * length + 1 bytes never truncates. Both also repair what is not UTF-8:
 * each byte that does not start a well-formed sequence (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF) becomes U+FFFD, so the output is always valid UTF-8.
 */
#ifndef VB_HTML_H
#define VB_HTML_H

#include <stddef.h>

/* The most bytes one input byte can become (`"` → "&quot;", a control byte → "\u001f"). */
#define VB_ESCAPE_MAX_GROWTH 6

/* For HTML text and quoted attribute values: & < > " ' become &amp; &lt; &gt; &quot; &#39;.
 * Control characters (U+0000–U+001F except tab and newline, U+007F) become U+FFFD: nothing a
 * record may hold (FORMAT.md §4 forbids them) and nothing a page should show. */
size_t vb_html_escape(const char *text, size_t length, char *out, size_t out_size);

/* For the inside of a JSON string (RFC 8259): " and \ escaped, control characters as \n, \t,
 * … or \u00XX; and also < > & as \u003c \u003e \u0026 and U+2028, U+2029 as \u2028, \u2029,
 * so the text stays inert if someone embeds the JSON in a page. */
size_t vb_json_escape(const char *text, size_t length, char *out, size_t out_size);

#endif
