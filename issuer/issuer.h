/*
 * issuer/issuer.h — the verbs of vanbang-issue and what they share.
 */
#ifndef VB_ISSUER_H
#define VB_ISSUER_H

#include "vanbang.h"

#include <stdbool.h>
#include <stdint.h>

#define ISSUER_PROGRAM "vanbang-issue"
#define ISSUER_EXIT_OK 0
#define ISSUER_EXIT_REFUSED 1
#define ISSUER_EXIT_USAGE 2

int issuer_sign(int argc, char **argv);
int issuer_qr(int argc, char **argv);
int issuer_sample_roster(int argc, char **argv);
int issuer_programs(int argc, char **argv);

/* "college" → VB_TYPE_COLLEGE …; 0 if unknown. */
int issuer_parse_type(const char *name);
/* Expands a serial-number pattern: {CODE} school code, {YYYY} register year, {N} register
 * number, {N:k} the number zero-padded to k digits. False if the pattern is malformed or the
 * result does not fit. */
bool issuer_expand_serial(const char *pattern, const char *school_code, unsigned year, uint32_t number, char *out,
                          size_t out_size);
/* True if a pattern expands and holds the register number exactly once. */
bool issuer_serial_pattern_valid(const char *pattern);
/* Prints the error, returns the exit status that fits its code. */
int issuer_report(const vb_error *err);

/* A progress bar on stderr, only when it is a terminal. */
typedef struct {
    bool enabled;
    uint64_t total, shown;
    const char *label;
} issuer_progress;
void issuer_progress_start(issuer_progress *progress, const char *label, uint64_t total);
void issuer_progress_update(issuer_progress *progress, uint64_t done);
void issuer_progress_finish(issuer_progress *progress);

#endif
