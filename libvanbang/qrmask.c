/*
 * qrmask.c — a QR symbol's data mask, chosen on bitsets (qrmask.h).
 */
#include "qrmask.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libqrencode 4 exports its encoder with a given mask (-1: its own choice), though its header
 * leaves it out. Weak, so that a libqrencode without it still links: the encoder then falls back
 * to QRcode_encodeInput. */
extern QRcode *QRcode_encodeMask(QRinput *input, int mask) __attribute__((weak));

#define QRMASK_MAX_WIDTH 177 /* version 40 */
#define QRMASK_WORDS 3       /* 64-bit words to a row or column of up to 177 modules */
#define QRMASK_FUNCTION 0x80 /* libqrencode's flag of a module that is not data or ECC */

typedef struct {
    uint64_t w[QRMASK_WORDS];
} qrmask_line; /* bit x: module x of a row (or row x of a column); 1 is dark */

static inline void line_set(qrmask_line *l, int x, int value)
{
    uint64_t bit = 1ull << (x & 63);
    if (value)
        l->w[x >> 6] |= bit;
    else
        l->w[x >> 6] &= ~bit;
}

static inline int line_get(const qrmask_line *l, int x) { return (int)((l->w[x >> 6] >> (x & 63)) & 1); }

/* Bit x of the result is bit x + 1 of l. */
static inline qrmask_line line_next(const qrmask_line *l)
{
    qrmask_line r;
    for (int i = 0; i < QRMASK_WORDS; i++)
        r.w[i] = (l->w[i] >> 1) | (i + 1 < QRMASK_WORDS ? l->w[i + 1] << 63 : 0);
    return r;
}

static inline int line_count(const qrmask_line *l)
{
    int count = 0;
    for (int i = 0; i < QRMASK_WORDS; i++)
        count += __builtin_popcountll(l->w[i]);
    return count;
}

/* The eight mask patterns of the standard (Table 10): true where a data module is inverted. */
static int mask_inverts(int mask, int i, int j)
{
    switch (mask) {
    case 0: return (i + j) % 2 == 0;
    case 1: return i % 2 == 0;
    case 2: return j % 3 == 0;
    case 3: return (i + j) % 3 == 0;
    case 4: return (i / 2 + j / 3) % 2 == 0;
    case 5: return (i * j) % 2 + (i * j) % 3 == 0;
    case 6: return ((i * j) % 2 + (i * j) % 3) % 2 == 0;
    default: return ((i + j) % 2 + (i * j) % 3) % 2 == 0;
    }
}

/* The 15 format bits (§7.9): the level's two bits and the mask's three, BCH(15, 5) with the
 * generator 10100110111, XORed with 101010000010010. */
static unsigned format_bits(QRecLevel level, int mask)
{
    static const unsigned level_bits[] = {1, 0, 3, 2}; /* L M Q H */
    unsigned data = (level_bits[level] << 3) | (unsigned)mask, remainder = data << 10;
    for (int bit = 14; bit >= 10; bit--)
        if (remainder & (1u << bit))
            remainder ^= 0x537u << (bit - 10);
    return ((data << 10) | remainder) ^ 0x5412u;
}

/* Where format bit `bit` (14 the most significant) sits, in both copies: (row, column). */
static void format_places(int width, int bit, int place[2][2])
{
    if (bit >= 9) { /* beside the top-left finder: row 8, columns 0-5, 7, 8; then column 8 upward */
        place[0][0] = 8;
        place[0][1] = 14 - bit;
    } else if (bit >= 7) {
        place[0][0] = 8;
        place[0][1] = 15 - bit;
    } else if (bit == 6) {
        place[0][0] = 7;
        place[0][1] = 8;
    } else {
        place[0][0] = bit;
        place[0][1] = 8;
    }
    if (bit >= 8) { /* column 8 from the bottom upward, then row 8 to the right edge */
        place[1][0] = width - 15 + bit;
        place[1][1] = 8;
    } else {
        place[1][0] = 8;
        place[1][1] = width - 1 - bit;
    }
}

/* N1 and N3 of one line, scored as libqrencode scores them: over the runs of the line, a light
 * run first (of length -1 when the line begins dark); N1 3 + (length - 5) for every run of five
 * or more; N3 40 for every dark run of 3f between light f, dark f | dark f, light f whose outer
 * light run is 4f or longer, or is the first or the last run of the line. */
static int line_penalty(const qrmask_line *l, int width)
{
    int run[QRMASK_MAX_WIDTH + 2], count = 0, start = 0, penalty = 0;
    qrmask_line change = line_next(l);
    for (int i = 0; i < QRMASK_WORDS; i++) { /* bit x: module x differs from module x + 1 */
        int low = i * 64;
        change.w[i] ^= l->w[i];
        if (width - 1 <= low)
            change.w[i] = 0;
        else if (width - 1 < low + 64)
            change.w[i] &= (1ull << (width - 1 - low)) - 1;
    }
    if (line_get(l, 0))
        run[count++] = -1;
    for (int i = 0; i < QRMASK_WORDS; i++)
        for (uint64_t word = change.w[i]; word; word &= word - 1) {
            int x = i * 64 + __builtin_ctzll(word);
            run[count++] = x + 1 - start;
            start = x + 1;
        }
    run[count++] = width - start;
    for (int i = 0; i < count; i++) {
        if (run[i] >= 5)
            penalty += 3 + run[i] - 5;
        if ((i & 1) && i >= 3 && i + 2 < count && run[i] % 3 == 0) {
            int f = run[i] / 3;
            if (run[i - 2] == f && run[i - 1] == f && run[i + 1] == f && run[i + 2] == f &&
                (i == 3 || run[i - 3] >= 4 * f || i + 4 >= count || run[i + 3] >= 4 * f))
                penalty += 40;
        }
    }
    return penalty;
}

/* N2: 3 for every 2x2 block of one colour. */
static int block_penalty(const qrmask_line *rows, int width)
{
    qrmask_line inside = {{0}}; /* columns 0 .. width-2: a block's left column */
    for (int x = 0; x < width - 1; x++)
        line_set(&inside, x, 1);
    int penalty = 0;
    for (int y = 1; y < width; y++) {
        qrmask_line same_down, block;
        for (int i = 0; i < QRMASK_WORDS; i++)
            same_down.w[i] = ~(rows[y].w[i] ^ rows[y - 1].w[i]);
        qrmask_line down_next = line_next(&same_down), row_next = line_next(&rows[y]);
        for (int i = 0; i < QRMASK_WORDS; i++)
            block.w[i] = same_down.w[i] & down_next.w[i] & ~(rows[y].w[i] ^ row_next.w[i]) & inside.w[i];
        penalty += 3 * line_count(&block);
    }
    return penalty;
}

/* code: encoded with mask 0. Rewrites bit 0 of its modules with the mask of least penalty (the
 * first such, as libqrencode takes it). */
static void choose_mask(QRcode *code, QRecLevel level)
{
    int width = code->width, area = width * width;
    qrmask_line plain_rows[QRMASK_MAX_WIDTH], plain_cols[QRMASK_MAX_WIDTH];
    qrmask_line data_rows[QRMASK_MAX_WIDTH], data_cols[QRMASK_MAX_WIDTH];
    qrmask_line rows[QRMASK_MAX_WIDTH], cols[QRMASK_MAX_WIDTH], best_rows[QRMASK_MAX_WIDTH];
    memset(plain_rows, 0, sizeof plain_rows);
    memset(plain_cols, 0, sizeof plain_cols);
    memset(data_rows, 0, sizeof data_rows);
    memset(data_cols, 0, sizeof data_cols);
    for (int y = 0; y < width; y++)
        for (int x = 0; x < width; x++) {
            unsigned char module = code->data[y * width + x];
            int data = !(module & QRMASK_FUNCTION), dark = (module & 1) ^ (data && mask_inverts(0, y, x));
            line_set(&plain_rows[y], x, dark);
            line_set(&plain_cols[x], y, dark);
            line_set(&data_rows[y], x, data);
            line_set(&data_cols[x], y, data);
        }
    int best = -1, best_penalty = 0;
    for (int mask = 0; mask < 8; mask++) {
        /* Every pattern repeats every 12 rows and every 6 columns. */
        qrmask_line row_pattern[12], col_pattern[6];
        memset(row_pattern, 0, sizeof row_pattern);
        memset(col_pattern, 0, sizeof col_pattern);
        for (int r = 0; r < 12; r++)
            for (int x = 0; x < width; x++)
                line_set(&row_pattern[r], x, mask_inverts(mask, r, x % 6));
        for (int c = 0; c < 6; c++)
            for (int y = 0; y < width; y++)
                line_set(&col_pattern[c], y, mask_inverts(mask, y % 12, c));
        for (int k = 0; k < width; k++)
            for (int i = 0; i < QRMASK_WORDS; i++) {
                rows[k].w[i] = plain_rows[k].w[i] ^ (row_pattern[k % 12].w[i] & data_rows[k].w[i]);
                cols[k].w[i] = plain_cols[k].w[i] ^ (col_pattern[k % 6].w[i] & data_cols[k].w[i]);
            }
        unsigned format = format_bits(level, mask);
        for (int bit = 0; bit < 15; bit++) {
            int place[2][2];
            format_places(width, bit, place);
            for (int copy = 0; copy < 2; copy++) {
                line_set(&rows[place[copy][0]], place[copy][1], (format >> bit) & 1);
                line_set(&cols[place[copy][1]], place[copy][0], (format >> bit) & 1);
            }
        }
        int dark = 0;
        for (int y = 0; y < width; y++)
            dark += line_count(&rows[y]);
        int percent = (200 * dark + area) / area / 2; /* rounded */
        int penalty = abs(percent - 50) / 5 * 10 + block_penalty(rows, width);
        for (int k = 0; k < width; k++)
            penalty += line_penalty(&rows[k], width) + line_penalty(&cols[k], width);
        if (best < 0 || penalty < best_penalty) {
            best = mask;
            best_penalty = penalty;
            memcpy(best_rows, rows, sizeof rows[0] * (size_t)width);
        }
    }
    for (int y = 0; y < width; y++)
        for (int x = 0; x < width; x++)
            code->data[y * width + x] = (unsigned char)((code->data[y * width + x] & ~1u) | line_get(&best_rows[y], x));
}

QRcode *vb_qr_encode_input(QRinput *input)
{
    if (!QRcode_encodeMask)
        return QRcode_encodeInput(input);
    QRcode *code = QRcode_encodeMask(input, 0);
    if (!code)
        return NULL;
    if (code->width > QRMASK_MAX_WIDTH || code->width < 21) { /* not a QR symbol we know */
        QRcode_free(code);
        errno = EINVAL;
        return NULL;
    }
    choose_mask(code, QRinput_getErrorCorrectionLevel(input));
    return code;
}
