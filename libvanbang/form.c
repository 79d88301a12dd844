/*
 * form.c — application/x-www-form-urlencoded bodies (the portal's login form), decoded in place
 * and bounded by the caller's buffer.
 */
#include "form.h"

#include <string.h>

/* Decodes application/x-www-form-urlencoded text in place ('+' is a space); false when a %
 * escape is broken or decodes to NUL. */
bool vb_form_decode(char *text)
{
    char *out = text;
    for (char *in = text; *in; in++) {
        if (*in == '+') {
            *out++ = ' ';
        } else if (*in == '%') {
            int value = 0;
            for (int k = 1; k <= 2; k++) {
                char c = in[k];
                int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                                         : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0)
                    return false;
                value = value * 16 + digit;
            }
            if (value == 0)
                return false;
            *out++ = (char)value;
            in += 2;
        } else {
            *out++ = *in;
        }
    }
    *out = '\0';
    return true;
}

/* The value of `name` in a form body (decoded into out); false when absent, broken or too long. */
bool vb_form_field(const uint8_t *body, size_t length, const char *name, char *out, size_t out_size)
{
    size_t name_length = strlen(name);
    for (size_t i = 0; i < length;) {
        size_t end = i;
        while (end < length && body[end] != '&')
            end++;
        if (end - i > name_length && memcmp(body + i, name, name_length) == 0 && body[i + name_length] == '=') {
            size_t value_length = end - i - name_length - 1;
            if (value_length >= out_size)
                return false;
            memcpy(out, body + i + name_length + 1, value_length);
            out[value_length] = '\0';
            return vb_form_decode(out);
        }
        i = end + 1;
    }
    return false;
}
