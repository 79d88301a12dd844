/*
 * nfc-text.c — test helper: copies standard input (UTF-8, at most 16 MiB) to standard output in
 * Unicode Normalization Form C, so the CLI tests can compare text that tools such as pdftotext
 * may write decomposed with the NFC names of the records. Exit 1 for input that is not UTF-8.
 * Usage: nfc-text < in > out
 */
#include <stdio.h>
#include <stdlib.h>
#include <uninorm.h>
#include <unistr.h>

#define MAX_INPUT (16u << 20)

int main(void)
{
    size_t capacity = 1 << 16, used = 0, n;
    uint8_t *input = malloc(capacity);
    while (input && (n = fread(input + used, 1, capacity - used, stdin)) > 0) {
        used += n;
        if (used == capacity) {
            if (capacity >= MAX_INPUT) {
                fputs("nfc-text: input over 16 MiB\n", stderr);
                return 1;
            }
            uint8_t *grown = realloc(input, capacity *= 2);
            if (!grown)
                free(input);
            input = grown;
        }
    }
    if (!input || ferror(stdin)) {
        fputs("nfc-text: cannot read the input\n", stderr);
        return 1;
    }
    if (u8_check(input, used) != NULL) {
        fputs("nfc-text: the input is not UTF-8\n", stderr);
        return 1;
    }
    size_t length = 0;
    uint8_t *normal = u8_normalize(UNINORM_NFC, input, used, NULL, &length);
    if (!normal || fwrite(normal, 1, length, stdout) != length || fflush(stdout) != 0) {
        fputs("nfc-text: cannot normalise or write\n", stderr);
        return 1;
    }
    free(normal);
    free(input);
    return 0;
}
