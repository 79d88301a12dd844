/*
 * accesslog.c — see accesslog.h.
 */
#include "accesslog.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void vb_accesslog_redact(const char *text, size_t length, char *out, size_t out_size)
{
    size_t used = 0;
    for (size_t i = 0; i < length && used + 16 < out_size;) {
        unsigned char c = (unsigned char)text[i];
        if (isdigit(c)) {
            size_t run = 0;
            while (i + run < length && isdigit((unsigned char)text[i + run]))
                run++;
            if (run > 8) {
                used += (size_t)snprintf(out + used, out_size - used, "%.8s...(%zu)", text + i, run);
                i += run;
                continue;
            }
        }
        if (c > 0x20 && c < 0x7f && c != '%')
            out[used++] = (char)c;
        else
            used += (size_t)snprintf(out + used, out_size - used, "%%%02X", c);
        i++;
    }
    if (used >= out_size)
        used = out_size - 1;
    out[used] = '\0';
}

static void write_all(const char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t n = write(STDERR_FILENO, bytes, length);
        if (n <= 0)
            return;
        bytes += n;
        length -= (size_t)n;
    }
}

static struct {
    pthread_mutex_t lock;
    size_t length;
    char data[16384];
} gathered = {PTHREAD_MUTEX_INITIALIZER, 0, {0}};

void vb_accesslog_append(const char *line, size_t length)
{
    pthread_mutex_lock(&gathered.lock);
    if (gathered.length + length > sizeof gathered.data) {
        write_all(gathered.data, gathered.length);
        gathered.length = 0;
    }
    if (length <= sizeof gathered.data) {
        memcpy(gathered.data + gathered.length, line, length);
        gathered.length += length;
    }
    pthread_mutex_unlock(&gathered.lock);
}

void vb_accesslog_flush(void)
{
    pthread_mutex_lock(&gathered.lock);
    write_all(gathered.data, gathered.length);
    gathered.length = 0;
    pthread_mutex_unlock(&gathered.lock);
}

void vb_accesslog_write(const char *line, size_t length)
{
    pthread_mutex_lock(&gathered.lock);
    write_all(gathered.data, gathered.length);
    gathered.length = 0;
    write_all(line, length);
    pthread_mutex_unlock(&gathered.lock);
}
