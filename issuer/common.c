/*
 * issuer/common.c — small pieces the issuer's verbs share: credential-type names, serial-number
 * patterns, error reporting and the progress bar.
 */
#include "issuer.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const struct {
    const char *name;
    int type;
} type_names[] = {
    {"college", VB_TYPE_COLLEGE},
    {"intermediate", VB_TYPE_INTERMEDIATE},
    {"vocational-secondary", VB_TYPE_VOCATIONAL_SECONDARY},
    {"elementary", VB_TYPE_ELEMENTARY},
    {"certificate", VB_TYPE_OTHER_CERTIFICATE},
};

int issuer_parse_type(const char *name)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strcmp(name, type_names[i].name) == 0)
            return type_names[i].type;
    return 0;
}

bool issuer_expand_serial(const char *pattern, const char *school_code, unsigned year, uint32_t number, char *out,
                          size_t out_size)
{
    size_t used = 0;
    for (const char *p = pattern; *p;) {
        char piece[64];
        if (*p != '{') {
            piece[0] = *p++;
            piece[1] = '\0';
        } else {
            const char *close = strchr(p, '}');
            if (!close)
                return false;
            size_t length = (size_t)(close - p - 1);
            if (length == 4 && strncmp(p + 1, "CODE", 4) == 0)
                snprintf(piece, sizeof piece, "%s", school_code);
            else if (length == 4 && strncmp(p + 1, "YYYY", 4) == 0)
                snprintf(piece, sizeof piece, "%04u", year);
            else if (length == 1 && p[1] == 'N')
                snprintf(piece, sizeof piece, "%u", number);
            else if (length == 3 && p[1] == 'N' && p[2] == ':' && p[3] >= '1' && p[3] <= '9')
                snprintf(piece, sizeof piece, "%0*u", p[3] - '0', number);
            else
                return false;
            p = close + 1;
        }
        size_t n = strlen(piece);
        if (used + n >= out_size)
            return false;
        memcpy(out + used, piece, n);
        used += n;
    }
    out[used] = '\0';
    return used > 0;
}

bool issuer_serial_pattern_valid(const char *pattern)
{
    /* Each diploma needs its own serial, so the register number must appear exactly once. */
    int numbers = 0;
    for (const char *p = strchr(pattern, '{'); p; p = strchr(p + 1, '{'))
        if (p[1] == 'N' && (p[2] == '}' || p[2] == ':'))
            numbers++;
    char probe[VB_MAX_TEXT_BYTES + 1];
    return numbers == 1 && issuer_expand_serial(pattern, "CODE", 2026, 1, probe, sizeof probe);
}

int issuer_usage(const char *verb, const char *message, const char *value)
{
    fprintf(stderr, ISSUER_PROGRAM " %s: %s%s%s%s. Try 'vanbang-issue %s --help'.\n", verb, message,
            value ? " '" : "", value ? value : "", value ? "'" : "", verb);
    return ISSUER_EXIT_USAGE;
}

int issuer_report(const vb_error *err)
{
    fprintf(stderr, ISSUER_PROGRAM ": %s\n", err->message);
    switch (err->code) {
    case VB_ERR_IO:
    case VB_ERR_ARGUMENT:
    case VB_ERR_NOMEM:
        return ISSUER_EXIT_USAGE;
    default:
        return ISSUER_EXIT_REFUSED;
    }
}

void issuer_progress_start(issuer_progress *progress, const char *label, uint64_t total)
{
    progress->enabled = isatty(STDERR_FILENO) && total >= 50;
    progress->total = total;
    progress->shown = 0;
    progress->label = label;
}

void issuer_progress_update(issuer_progress *progress, uint64_t done)
{
    if (!progress->enabled || progress->total == 0)
        return;
    /* Redraw at most every 1/200 of the work, so the bar costs nothing next to signing. */
    if (done != progress->total && done - progress->shown < progress->total / 200 + 1)
        return;
    progress->shown = done;
    int width = 40, filled = (int)(done * (uint64_t)width / progress->total);
    fprintf(stderr, "\r%s [%.*s%*s] %llu/%llu", progress->label, filled, "########################################",
            width - filled, "", (unsigned long long)done, (unsigned long long)progress->total);
    fflush(stderr);
}

void issuer_progress_finish(issuer_progress *progress)
{
    if (progress->enabled)
        fputc('\n', stderr);
}
