/*
 * accesslog.h — the access log of the HTTP services (verifier, portal) on standard error:
 * text made safe to log, and lines gathered a buffer at a time.
 */
#ifndef VB_ACCESSLOG_H
#define VB_ACCESSLOG_H

#include <stddef.h>

/* Copies text for a log line: printable ASCII as is, anything else as %XX, and every run of
 * more than 8 digits cut to its first 8 and its length — a record's digits hold a name, a long
 * number could be someone's, and the first 8 are enough to tell requests apart. */
void vb_accesslog_redact(const char *text, size_t length, char *out, size_t out_size);
/* Adds a whole line; lines are written a buffer at a time, when it fills or on a flush (the
 * services flush every second): one write(2) per request cost a fifth of a request's time.
 * At most a second of lines is lost if the process dies. Thread-safe. */
void vb_accesslog_append(const char *line, size_t length);
void vb_accesslog_flush(void);
/* Writes the lines gathered so far, then this one at once (messages that should not wait). */
void vb_accesslog_write(const char *line, size_t length);

#endif
