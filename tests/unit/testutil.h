/*
 * testutil.h — helpers the unit tests share: hex test data, heap copies of exactly a given
 * length (so AddressSanitizer catches any read past the end), a CBOR head written by hand (so
 * expected bytes do not come from the library under test) and, for a test that defines
 * TEST_BUFFER_BYTES before including this file, a fixed-size byte buffer (test_buffer, tb_*)
 * to build CBOR in; a seeded generator, and temporary folders.
 * Header only, every function static inline: each test binary is one .c file and the library
 * (see the Makefile), and a test that does not call a helper gets no warning for it. Failures
 * are cmocka failures of the calling test. The Makefile does not list this header as a
 * prerequisite: after changing it, rebuild the tests (touch tests/unit/test_*.c, or make clean).
 */
#ifndef VB_TESTUTIL_H
#define VB_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Parses hex digits, ignoring spaces, into out; returns the byte count. Any other character,
 * an odd number of digits or more than out_size bytes fails the test. */
static inline size_t test_hex(const char *hex, uint8_t *out, size_t out_size)
{
    size_t n = 0;
    int high = -1;
    for (const char *p = hex; *p; p++) {
        int v = 0;
        if (*p == ' ')
            continue;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            fail_msg("bad hex character '%c' in test data", *p);
        if (high < 0) {
            high = v;
        } else {
            assert_true(n < out_size);
            out[n++] = (uint8_t)(high << 4 | v);
            high = -1;
        }
    }
    assert_int_equal(high, -1);
    return n;
}

/* A heap copy of exactly `length` bytes (free it): any read past it is an ASan error. */
static inline void *test_exact_copy(const void *bytes, size_t length)
{
    uint8_t *copy = malloc(length ? length : 1);
    assert_non_null(copy);
    if (length)
        memcpy(copy, bytes, length);
    return copy;
}

/* RFC 8949 §3: the head of an item of major type `major` with argument `value` — initial byte
 * major<<5 | additional information; arguments 24..27 take 1, 2, 4, 8 bytes, big-endian.
 * Writes it to head and returns its length (1..9). */
static inline size_t test_cbor_head(uint8_t head[9], int major, uint64_t value)
{
    size_t bytes = 0; /* after the initial byte */
    uint8_t info = (uint8_t)value;
    if (value >= 24) {
        bytes = value < 0x100 ? 1 : value < 0x10000 ? 2 : value < 0x100000000ull ? 4 : 8;
        info = bytes == 1 ? 24 : bytes == 2 ? 25 : bytes == 4 ? 26 : 27;
    }
    head[0] = (uint8_t)(major << 5 | info);
    for (size_t i = 0; i < bytes; i++)
        head[1 + i] = (uint8_t)(value >> (8 * (bytes - 1 - i)));
    return 1 + bytes;
}

#ifdef TEST_BUFFER_BYTES
/* A byte buffer of TEST_BUFFER_BYTES to build expected bytes and hand-made inputs in; writing
 * past its end fails the test. Zero-initialise it, or set length to 0, to start. */
typedef struct {
    uint8_t data[TEST_BUFFER_BYTES];
    size_t length;
} test_buffer;

static inline void tb_raw(test_buffer *b, const void *bytes, size_t n)
{
    assert_true(n <= sizeof b->data - b->length);
    memcpy(b->data + b->length, bytes, n);
    b->length += n;
}

static inline void tb_byte(test_buffer *b, uint8_t byte) { tb_raw(b, &byte, 1); }

static inline void tb_head(test_buffer *b, int major, uint64_t value)
{
    uint8_t head[9];
    tb_raw(b, head, test_cbor_head(head, major, value));
}

/* An integer: major type 0, or 1 for a negative one (argument -1 - v). */
static inline void tb_int(test_buffer *b, int64_t v)
{
    if (v >= 0)
        tb_head(b, 0, (uint64_t)v);
    else
        tb_head(b, 1, (uint64_t)(-1 - v));
}

/* A byte string: its head, then the bytes. */
static inline void tb_bstr(test_buffer *b, const void *bytes, size_t n)
{
    tb_head(b, 2, n);
    tb_raw(b, bytes, n);
}

/* Bytes written in hex (spaces ignored), as test_hex reads them. */
static inline void tb_hex(test_buffer *b, const char *hex)
{
    b->length += test_hex(hex, b->data + b->length, sizeof b->data - b->length);
}
#endif

/* splitmix64: a fixed, portable generator, so every run tests the same bytes. */
static inline uint64_t test_random_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Fills bytes[0..length) with the top byte of successive test_random_next values. */
static inline void test_random_fill(uint64_t *state, uint8_t *bytes, size_t length)
{
    for (size_t i = 0; i < length; i++)
        bytes[i] = (uint8_t)(test_random_next(state) >> 56);
}

/* Makes a new folder $TMPDIR/TEMPLATE (/tmp when TMPDIR is unset or empty; TEMPLATE ends in
 * XXXXXX, as mkdtemp wants), its path in out; returns 0, or -1 when it cannot. */
static inline int test_make_temp_dir(char *out, size_t out_size, const char *template)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(out, out_size, "%s/%s", base && *base ? base : "/tmp", template);
    if (n < 0 || (size_t)n >= out_size)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

/* Removes a flat folder the test made: its entries, then the folder itself. Returns 0, or -1
 * when the folder cannot be opened (then nothing is removed). */
static inline int test_remove_flat_dir(const char *directory)
{
    DIR *dir = opendir(directory);
    if (!dir)
        return -1;
    struct dirent *entry;
    char path[1024];
    while ((entry = readdir(dir)) != NULL) {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", directory, entry->d_name);
        unlink(path);
    }
    closedir(dir);
    rmdir(directory);
    return 0;
}

#endif
