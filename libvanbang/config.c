/*
 * config.c — settings files and setting values of the HTTP services (config.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool vb_config_unsigned(const char *text, unsigned long low, unsigned long high, unsigned *out)
{
    char *end;
    if (*text < '0' || *text > '9') /* strtoul would take blanks and a sign */
        return false;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno || *end || value < low || value > high)
        return false;
    *out = (unsigned)value;
    return true;
}

bool vb_config_real(const char *text, double low, double high, double *out)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno || end == text || *end || !(value >= low && value <= high))
        return false;
    *out = value;
    return true;
}

bool vb_config_switch(const char *text, bool *out)
{
    static const char *const on[] = {"yes", "true", "on", "1"}, *const off[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        if (strcasecmp(text, on[i]) == 0)
            return *out = true, true;
        if (strcasecmp(text, off[i]) == 0)
            return *out = false, true;
    }
    return false;
}

bool vb_config_string(char **slot, const char *value)
{
    char *copy = strdup(value);
    if (!copy)
        return false;
    free(*slot);
    *slot = copy;
    return true;
}

/* Blanks around, and one pair of double quotes. */
static char *config_strip(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    char *end = text + strlen(text);
    while (end > text && strchr(" \t\r\n", end[-1]))
        *--end = '\0';
    if (end - text >= 2 && text[0] == '"' && end[-1] == '"') {
        end[-1] = '\0';
        text++;
    }
    return text;
}

static bool config_refused(const int *refused, int id)
{
    for (; refused && *refused; refused++)
        if (*refused == id)
            return true;
    return false;
}

bool vb_config_read(const char *program, const char *path, const struct option *options, const int *refused,
                    vb_config_apply apply, void *context)
{
    FILE *file = fopen(path, "r");
    char line[4096], where[600];
    unsigned number = 0;
    if (!file) {
        fprintf(stderr, "%s serve: --config %s: %s\n", program, path, strerror(errno));
        return false;
    }
    bool ok = true;
    while (ok && fgets(line, sizeof line, file)) {
        number++;
        snprintf(where, sizeof where, "%s:%u", path, number);
        line[strcspn(line, "#")] = '\0';
        char *text = config_strip(line);
        if (!*text)
            continue;
        char *equals = strchr(text, '=');
        if (!equals) {
            fprintf(stderr, "%s serve: %s: expected 'key = value'\n", program, where);
            ok = false;
            break;
        }
        *equals = '\0';
        const char *key = config_strip(text), *value = config_strip(equals + 1);
        const struct option *o = options;
        while (o->name && strcmp(o->name, key) != 0)
            o++;
        if (!o->name || config_refused(refused, o->val)) {
            fprintf(stderr, "%s serve: %s: unknown setting '%s' (see --help)\n", program, where, key);
            ok = false;
            break;
        }
        ok = apply(context, o->val, value, where);
    }
    fclose(file);
    return ok;
}
