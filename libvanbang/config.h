/*
 * config.h — the settings files of the HTTP services (vanbang-verifier, vanbang-portal) and the
 * parsers of the values they share with the command line.
 *
 * A settings file holds one "key = value" a line; the keys are the service's long options
 * without their dashes; '#' starts a comment; blank lines are skipped; blanks around key and
 * value and one pair of double quotes around the value are dropped. Every problem is reported
 * to stderr as "PROGRAM serve: FILE:LINE: …" and stops the reading.
 */
#ifndef VB_CONFIG_H
#define VB_CONFIG_H

#include <getopt.h>
#include <stdbool.h>

/* Applies one setting: id is the option's `val`, where names the source for messages
 * ("FILE:LINE", "--port"); returns false after printing why. */
typedef bool (*vb_config_apply)(void *context, int id, const char *value, const char *where);

/* Reads the settings file at path, giving each line to apply. The options not allowed in a file
 * (the file itself, --help) are listed in refused (ended by 0). */
bool vb_config_read(const char *program, const char *path, const struct option *options, const int *refused,
                    vb_config_apply apply, void *context);

/* Values: a decimal count in [low, high] (digits only: no blank, no sign); a number in [low, high]; yes/true/on/1 or
 * no/false/off/0 (any case); a string copied over *slot (false when out of memory). */
bool vb_config_unsigned(const char *text, unsigned long low, unsigned long high, unsigned *out);
bool vb_config_real(const char *text, double low, double high, double *out);
bool vb_config_switch(const char *text, bool *out);
bool vb_config_string(char **slot, const char *value);

#endif
