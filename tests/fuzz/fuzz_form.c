/*
 * fuzz_form.c — libFuzzer target for the form-body reader (libvanbang/form.c), which decodes
 * what a browser posts to the portal's login page.
 *
 * The input is the body. Each field the login reads is looked up in a buffer that just fits
 * what it may hold, with a guard byte after it; whenever a value comes back it must end within
 * the buffer, hold no NUL before its end and be no longer than the field's raw bytes.
 */
#include "form.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void field(const uint8_t *data, size_t size, const char *name, size_t out_size)
{
    char out[72];
    out[out_size] = 0x5a; /* guard */
    if (vb_form_field(data, size, name, out, out_size)) {
        size_t length = strnlen(out, out_size);
        if (length >= out_size || length > size)
            abort();
    }
    if (out[out_size] != 0x5a)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    field(data, size, "user", 65);
    field(data, size, "password", 71);
    field(data, size, "lang", 8);
    field(data, size, "u", 2);
    return 0;
}
