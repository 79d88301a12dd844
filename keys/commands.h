/*
 * commands.h — the verbs of vanbang-keys and the helpers they share.
 *
 * A verb is a function that takes the arguments after the verb's name (argv[0] is the verb)
 * and returns the exit status, plus a man-style help text. To add a verb (the trust-list verbs
 * of keys/trust_cli.c, for instance): define both in a file in keys/, declare them below,
 * and add a row to keys_verbs[] in main.c. The Makefile links every .c file in keys/ into the program.
 *
 * Exit statuses, as in minisign: 0 done, 1 a check failed (wrong passphrase, a certificate or
 * request rejected, key and certificate that do not match), 2 usage or I/O error.
 */
#ifndef VANBANG_KEYS_COMMANDS_H
#define VANBANG_KEYS_COMMANDS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "keys.h"
#include "vanbang.h"

#define KEYS_PROGRAM "vanbang-keys"
#define KEYS_EXIT_OK 0
#define KEYS_EXIT_CHECK_FAILED 1
#define KEYS_EXIT_USAGE 2

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *help;    /* the man-style page that VERB --help prints */
    const char *summary; /* one line for vanbang-keys --help */
} keys_verb;

/* ---- Verbs: keys/authority.c ---- */
int keys_authority_init(int argc, char **argv);
extern const char keys_authority_init_help[];
int keys_certify(int argc, char **argv);
extern const char keys_certify_help[];

/* ---- Verbs: keys/school.c ---- */
int keys_school_init(int argc, char **argv);
extern const char keys_school_init_help[];
int keys_import_chain(int argc, char **argv);
extern const char keys_import_chain_help[];

/* ---- Verbs: keys/inspect.c ---- */
int keys_show(int argc, char **argv);
extern const char keys_show_help[];
int keys_check_key(int argc, char **argv);
extern const char keys_check_key_help[];

/* ---- Verbs: keys/trust_cli.c (trust-init, trust-add, trust-remove, trust-list, trust-sign)
 * are declared here when they exist. ---- */

/* ---- Shared helpers: keys/cli.c ---- */

/* 0 for VB_OK, 1 for a failed check, 2 for everything else. */
int keys_exit_status(vb_status status);
/* Prints text with control characters as '?': names in certificates made elsewhere could
 * otherwise send escape sequences to the terminal. */
void keys_print_text(FILE *out, const char *text);
/* Prints "vanbang-keys: [where: ]message[; hint]" on stderr; returns keys_exit_status. A NULL
 * hint picks a default for the error's code. */
int keys_report(const char *where, const vb_error *err, const char *hint);
/* Prints "vanbang-keys VERB: what; see vanbang-keys VERB --help"; returns 2. */
int keys_usage(const char *verb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long with vanbang's messages: the option's value, -1 at the end, '?' after a usage
 * error has been reported. */
int keys_next_option(const char *verb, int argc, char **argv, const struct option *options);
/* Parses a decimal integer within [min, max]; reports a usage error and returns 0 if it is not. */
int keys_parse_int(const char *verb, const char *option, const char *text, int min, int max,
                   int *out);
/* The two options of every verb that reads a passphrase. --passphrase exists only to be
 * refused: without it getopt_long would take "--passphrase SECRET" as an abbreviation of
 * --passphrase-fd, and the secret would end up in an error message. */
#define KEYS_PASSPHRASE_OPTIONS                                                                \
    {"passphrase-fd", required_argument, NULL, 'p'},                                           \
    {"passphrase", required_argument, NULL, 'P'}
/* Parses --passphrase-fd N; reports a usage error (without echoing the value, which may be a
 * mistyped secret) and returns 0 if N is not a descriptor number. */
int keys_parse_passphrase_fd(const char *verb, const char *text, int *fd);
/* Reports that passphrases are never taken from the command line; returns 2. */
int keys_refuse_passphrase_argument(const char *verb);
/* --days N, a certificate's validity: 1 to VB_CERT_MAX_DAYS. */
#define KEYS_DAYS_OPTION {"days", required_argument, NULL, 'D'}
/* What keys_common_option returns when the verb should go on reading options. */
#define KEYS_CONTINUE (-1)
/* For the default: branch of a verb's option switch: the options verbs share, --passphrase-fd N
 * (into *passphrase_fd), --passphrase (refused), --days N (into *days), -h/--help (prints help),
 * and the '?' of keys_next_option. NULL for an option the verb does not take. Returns
 * KEYS_CONTINUE, or the exit status for the verb to return at once. */
int keys_common_option(const char *verb, int option, const char *help, int *passphrase_fd,
                       int *days);
/* Creates dir (mode 0700) unless it exists, asks the passphrase for a new key (prompt; twice on
 * a terminal, else from passphrase_fd or VANBANG_PASSPHRASE) and saves key at key_path,
 * encrypted with it. Reports any failure; returns the exit status (0 when saved). */
int keys_write_new_key(const char *dir, const char *key_path, EVP_PKEY *key, const char *prompt,
                       int passphrase_fd);
/* Opens the encrypted key at key_path: a missing, plain or damaged file is refused before any
 * passphrase is asked ("Passphrase for KEY_PATH: "; from passphrase_fd, VANBANG_PASSPHRASE or
 * the terminal). The caller reports a failure. */
vb_status keys_open_key(const char *key_path, int passphrase_fd, EVP_PKEY **key, vb_error *err);
/* DIR/FILE into buf; reports and returns 0 if it does not fit. */
int keys_path_join(char *buf, size_t size, const char *dir, const char *file);
/* Creates a directory of mode 0700 unless it exists; reports and returns 0 on failure. */
int keys_make_directory(const char *dir);
/* Returns 1 if nothing is at path; else reports that vanbang will not overwrite it. */
int keys_path_is_free(const char *path, const char *hint);
void keys_hex(const uint8_t *bytes, size_t count, char *out, size_t out_size);
/* The certificate's kid in hex (KEYS_KID_HEX_BYTES with the NUL), or `otherwise` if it cannot
 * be computed. */
#define KEYS_KID_HEX_BYTES (2 * VB_KID_BYTES + 1)
void keys_kid_hex(X509 *cert, char *out, size_t out_size, const char *otherwise);
void keys_format_time(time_t when, char *buf, size_t size);

#endif
