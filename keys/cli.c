/*
 * cli.c — what every verb of vanbang-keys shares: error reports in one format
 * ("vanbang-keys: FILE: what went wrong; what to try"), exit statuses, option parsing, paths,
 * and the passphrase dance around writing a new key or opening an existing one.
 */
#include "commands.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int keys_exit_status(vb_status status)
{
    switch (status) {
    case VB_OK:
        return KEYS_EXIT_OK;
    case VB_ERR_PASSPHRASE:
    case VB_ERR_CERTIFICATE_REJECTED:
        return KEYS_EXIT_CHECK_FAILED;
    default:
        return KEYS_EXIT_USAGE;
    }
}

static const char *default_hint(vb_status code)
{
    switch (code) {
    case VB_ERR_PASSPHRASE:
        return "type it again, or check what " VB_PASSPHRASE_ENV " or --passphrase-fd gives";
    case VB_ERR_KEY:
        return "check that this is the right file (vanbang-keys show FILE says what it holds)";
    case VB_ERR_IO:
        return "check the path and its permissions";
    case VB_ERR_TOO_LARGE:
        return "check that this is the right file";
    default:
        return NULL;
    }
}

void keys_print_text(FILE *out, const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        fputc(*p < 0x20 || *p == 0x7F ? '?' : *p, out);
}

int keys_report(const char *where, const vb_error *err, const char *hint)
{
    if (!hint)
        hint = default_hint(err->code);
    fprintf(stderr, "%s: ", KEYS_PROGRAM);
    if (where)
        fprintf(stderr, "%s: ", where);
    /* Messages may quote names from certificates made elsewhere. */
    keys_print_text(stderr, err->message[0] ? err->message : vb_status_name(err->code));
    if (hint)
        fprintf(stderr, "; %s", hint);
    fputc('\n', stderr);
    return keys_exit_status(err->code);
}

int keys_usage(const char *verb, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s %s: ", KEYS_PROGRAM, verb);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; see %s %s --help\n", KEYS_PROGRAM, verb);
    return KEYS_EXIT_USAGE;
}

int keys_next_option(const char *verb, int argc, char **argv, const struct option *options)
{
    opterr = 0; /* our own messages, in our own format */
    int option = getopt_long(argc, argv, ":h", options, NULL);
    if (option == '?') {
        if (optopt)
            keys_usage(verb, "unknown option -%c", optopt);
        else /* up to any '=': what follows could be a mistyped secret */
            keys_usage(verb, "unknown option %.*s", (int)strcspn(argv[optind - 1], "="),
                       argv[optind - 1]);
        return '?';
    }
    if (option == ':') {
        keys_usage(verb, "%s needs a value", argv[optind - 1]);
        return '?';
    }
    return option;
}

int keys_parse_int(const char *verb, const char *option, const char *text, int min, int max,
                   int *out)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
        keys_usage(verb, "%s %s: give a whole number from %d to %d", option, text, min, max);
        return 0;
    }
    *out = (int)value;
    return 1;
}

int keys_parse_passphrase_fd(const char *verb, const char *text, int *fd)
{
    char *end = NULL;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0 || value > INT_MAX) {
        keys_usage(verb, "--passphrase-fd takes a file descriptor number, such as 3 with "
                   "3<passphrase-file");
        return 0;
    }
    *fd = (int)value;
    return 1;
}

int keys_refuse_passphrase_argument(const char *verb)
{
    return keys_usage(verb, "a passphrase is never taken from the command line, where other "
                      "users can see it; use --passphrase-fd N or " VB_PASSPHRASE_ENV);
}

int keys_common_option(const char *verb, int option, const char *help, int *passphrase_fd,
                       int *days)
{
    switch (option) {
    case 'p':
        if (!passphrase_fd || !keys_parse_passphrase_fd(verb, optarg, passphrase_fd))
            return KEYS_EXIT_USAGE;
        return KEYS_CONTINUE;
    case 'P':
        return keys_refuse_passphrase_argument(verb);
    case 'D':
        if (!days || !keys_parse_int(verb, "--days", optarg, 1, VB_CERT_MAX_DAYS, days))
            return KEYS_EXIT_USAGE;
        return KEYS_CONTINUE;
    case 'h':
        fputs(help, stdout);
        return KEYS_EXIT_OK;
    default: /* keys_next_option has said what was wrong */
        return KEYS_EXIT_USAGE;
    }
}

int keys_write_new_key(const char *dir, const char *key_path, EVP_PKEY *key, const char *prompt,
                       int passphrase_fd)
{
    if (!keys_make_directory(dir))
        return KEYS_EXIT_USAGE;
    vb_error err;
    char passphrase[VB_PASSPHRASE_MAX_BYTES];
    vb_status status = vb_passphrase_read(prompt, 1, passphrase_fd, passphrase, sizeof passphrase,
                                          &err);
    if (status == VB_OK) {
        status = vb_key_save_encrypted(key_path, key, passphrase, strlen(passphrase), &err);
        vb_passphrase_wipe(passphrase, sizeof passphrase);
    }
    return status == VB_OK ? KEYS_EXIT_OK : keys_report(NULL, &err, NULL);
}

vb_status keys_open_key(const char *key_path, int passphrase_fd, EVP_PKEY **key, vb_error *err)
{
    *key = NULL;
    vb_key_encryption how;
    vb_status status = vb_key_file_encryption(key_path, &how, err);
    if (status != VB_OK)
        return status;
    char prompt[4200], passphrase[VB_PASSPHRASE_MAX_BYTES];
    snprintf(prompt, sizeof prompt, "Passphrase for %s: ", key_path);
    status = vb_passphrase_read(prompt, 0, passphrase_fd, passphrase, sizeof passphrase, err);
    if (status == VB_OK) {
        status = vb_key_load_encrypted(key_path, passphrase, strlen(passphrase), key, err);
        vb_passphrase_wipe(passphrase, sizeof passphrase);
    }
    return status;
}

int keys_path_join(char *buf, size_t size, const char *dir, const char *file)
{
    int len = snprintf(buf, size, "%s/%s", dir, file);
    if (len < 0 || (size_t)len >= size) {
        fprintf(stderr, "%s: %s: path too long\n", KEYS_PROGRAM, dir);
        return 0;
    }
    return 1;
}

int keys_make_directory(const char *dir)
{
    if (mkdir(dir, 0700) == 0)
        return 1;
    struct stat st;
    if (errno == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        return 1;
    fprintf(stderr, "%s: %s: cannot create the directory: %s; check that its parent exists "
            "and is writable\n", KEYS_PROGRAM, dir, errno == EEXIST ? "not a directory" :
            strerror(errno));
    return 0;
}

int keys_path_is_free(const char *path, const char *hint)
{
    struct stat st;
    if (lstat(path, &st) != 0 && errno == ENOENT)
        return 1;
    fprintf(stderr, "%s: %s: already exists, and vanbang never overwrites a key or "
            "certificate; %s\n", KEYS_PROGRAM, path, hint);
    return 0;
}

void keys_hex(const uint8_t *bytes, size_t count, char *out, size_t out_size)
{
    static const char digits[] = "0123456789abcdef";
    size_t used = 0;
    for (size_t i = 0; i < count && used + 2 < out_size; i++) {
        out[used++] = digits[bytes[i] >> 4];
        out[used++] = digits[bytes[i] & 0x0F];
    }
    if (out_size)
        out[used] = '\0';
}

void keys_kid_hex(X509 *cert, char *out, size_t out_size, const char *otherwise)
{
    uint8_t kid[VB_KID_BYTES];
    if (vb_cert_kid(cert, kid, NULL) == VB_OK)
        keys_hex(kid, sizeof kid, out, out_size);
    else
        snprintf(out, out_size, "%s", otherwise);
}

void keys_format_time(time_t when, char *buf, size_t size)
{
    struct tm broken_down;
    if (!gmtime_r(&when, &broken_down) ||
        strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &broken_down) == 0)
        snprintf(buf, size, "(time %lld)", (long long)when);
}
