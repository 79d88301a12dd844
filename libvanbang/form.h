/*
 * form.h — reading fields of an application/x-www-form-urlencoded body (HTML forms posted by a
 * browser: the portal's login). Fuzzed by tests/fuzz/fuzz_form.c.
 */
#ifndef VB_FORM_H
#define VB_FORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decodes form text in place ('+' is a space, %XX a byte); false when a % escape is broken or
 * decodes to NUL. */
bool vb_form_decode(char *text);
/* The value of the first field called `name` in body[0, length) (which need not end in NUL),
 * decoded into out; false when absent, broken, or not shorter than out_size. */
bool vb_form_field(const uint8_t *body, size_t length, const char *name, char *out, size_t out_size);

#endif
