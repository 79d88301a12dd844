/*
 * tests/tools/bench-qrencode.c — the reference for the QR figures of scripts/bench-issue.sh:
 * libqrencode's own default, QRcode_encodeString (its mode splitter, all eight masks evaluated)
 * on one thread, over the same link texts `vanbang-issue issue` drew, read from its manifest.
 * Only encoding is timed; drawing and writing the pictures are not, so the reference is kind to
 * libqrencode.
 *
 * Then, on the same links and one thread, ours: vb_qr_encode_link (qrmask.c's mask choice).
 *
 * Usage: bench-qrencode MANIFEST.csv [ECC]      (ECC L, M (default), Q or H)
 * Prints "symbols N", "seconds S", "symbols_per_second R", "ours_seconds S" and
 * "ours_symbols_per_second R", one a line.
 */
#include "qr.h"

#include <qrencode.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile unsigned char sink;

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: bench-qrencode MANIFEST.csv [L|M|Q|H]\n");
        return 2;
    }
    QRecLevel level = QR_ECLEVEL_M;
    if (argc == 3) {
        static const char levels[] = "LMQH";
        const char *at = strlen(argv[2]) == 1 ? strchr(levels, argv[2][0]) : NULL;
        if (!at) {
            fprintf(stderr, "bench-qrencode: ECC is L, M, Q or H\n");
            return 2;
        }
        level = (QRecLevel)(at - levels);
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    /* The links, kept in memory so the clock times encoding only (the link is the last field of
     * each line and never holds a comma). */
    size_t count = 0, capacity = 0;
    char **links = NULL;
    char *line = NULL;
    size_t line_size = 0;
    ssize_t length;
    bool header = true;
    while ((length = getline(&line, &line_size, in)) > 0) {
        if (header) {
            header = false;
            continue;
        }
        while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r'))
            line[--length] = '\0';
        const char *link = strrchr(line, ',');
        if (!link || !link[1])
            continue;
        if (count == capacity) {
            capacity = capacity ? 2 * capacity : 1024;
            char **bigger = realloc(links, capacity * sizeof *links);
            if (!bigger) {
                fprintf(stderr, "bench-qrencode: out of memory\n");
                return 2;
            }
            links = bigger;
        }
        if (!(links[count] = strdup(link + 1))) {
            fprintf(stderr, "bench-qrencode: out of memory\n");
            return 2;
        }
        count++;
    }
    free(line);
    fclose(in);
    if (count == 0) {
        fprintf(stderr, "bench-qrencode: %s holds no links\n", argv[1]);
        return 2;
    }

    double start = now_seconds();
    for (size_t i = 0; i < count; i++) {
        QRcode *code = QRcode_encodeString(links[i], 0, level, QR_MODE_8, 1);
        if (!code) {
            fprintf(stderr, "bench-qrencode: cannot encode link %zu\n", i + 1);
            return 2;
        }
        sink = code->data[code->width * code->width / 2]; /* the work cannot be optimised away */
        QRcode_free(code);
    }
    double seconds = now_seconds() - start;
    printf("symbols %zu\nseconds %.3f\nsymbols_per_second %.0f\n", count, seconds, (double)count / seconds);

    /* Ours on the same links, one thread: vb_qr_encode_link (its segments, the mask chosen on
     * bitsets by qrmask.c, the same symbol as libqrencode's choice). */
    start = now_seconds();
    for (size_t i = 0; i < count; i++) {
        QRcode *code = NULL;
        vb_error err;
        if (vb_qr_encode_link(links[i], strlen(links[i]), level, &code, &err) != VB_OK) {
            fprintf(stderr, "bench-qrencode: link %zu: %s\n", i + 1, err.message);
            return 2;
        }
        sink = code->data[code->width * code->width / 2];
        vb_qr_free(code);
    }
    seconds = now_seconds() - start;
    printf("ours_seconds %.3f\nours_symbols_per_second %.0f\n", seconds, (double)count / seconds);
    for (size_t i = 0; i < count; i++)
        free(links[i]);
    free(links);
    return 0;
}
