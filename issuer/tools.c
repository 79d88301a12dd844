/*
 * issuer/tools.c — the issuer's helper verbs: `qr` draws the QR code of a link, and
 * `sample-roster` writes a roster from the seeded generator (for demos, tests and benchmarks).
 */
#include "issuer.h"

#include "link.h"
#include "qr.h"
#include "roster.h"
#include "sample.h"
#include "trust.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char qr_help[] =
    "NAME\n"
    "    vanbang-issue qr — draw the QR code of a verification link\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue qr [--png FILE] [--svg FILE] [--ecc L|M|Q|H] [--light] LINK\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks that LINK decodes to a record, then draws its QR code with the base URL in\n"
    "    alphanumeric mode and the record digits in numeric mode. Without --png or --svg it\n"
    "    draws the code on the terminal in UTF-8 blocks (for a dark terminal; --light for a\n"
    "    light one) and prints the version.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 drawn; 1 LINK is not a vanbang link; 2 usage or file errors.\n";

int issuer_qr(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"png", required_argument, NULL, 'p'}, {"svg", required_argument, NULL, 's'},
        {"ecc", required_argument, NULL, 'e'}, {"light", no_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *png = NULL, *svg = NULL, *ecc = "M";
    bool light = false;
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'p': png = optarg; break;
        case 's': svg = optarg; break;
        case 'e': ecc = optarg; break;
        case 'l': light = true; break;
        case 'h': fputs(qr_help, stdout); return 0;
        default: fputs("Try 'vanbang-issue qr --help'.\n", stderr); return ISSUER_EXIT_USAGE;
        }
    }
    if (optind != argc - 1) {
        fputs(ISSUER_PROGRAM " qr: give exactly one LINK. Try 'vanbang-issue qr --help'.\n", stderr);
        return ISSUER_EXIT_USAGE;
    }
    const char *link = argv[optind];
    vb_error err = {0};
    QRecLevel level;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length;
    QRcode *code = NULL;

    if (vb_qr_level_from_name(ecc, &level, &err) != VB_OK)
        return issuer_report(&err);
    if (vb_link_decode(link, strlen(link), record, sizeof record, &record_length, &err) != VB_OK)
        return issuer_report(&err);
    if (vb_qr_encode_link(link, strlen(link), level, &code, &err) != VB_OK)
        return issuer_report(&err);
    vb_status s = VB_OK;
    if (png)
        s = vb_qr_save_png(code, 8, png, &err);
    if (s == VB_OK && svg)
        s = vb_qr_save_svg(code, 0, svg, &err);
    if (s == VB_OK && !png && !svg) {
        s = vb_qr_write_text(code, light ? VB_QR_TEXT_FOR_LIGHT_TERMINAL : VB_QR_TEXT_FOR_DARK_TERMINAL, stdout, &err);
        printf("QR version %d-%s, %d×%d modules, record %zu bytes, link %zu characters\n", code->version, ecc,
               code->width, code->width, record_length, strlen(link));
    }
    vb_qr_free(code);
    return s == VB_OK ? 0 : issuer_report(&err);
}

static const char sample_help[] =
    "NAME\n"
    "    vanbang-issue sample-roster — write a realistic graduation roster\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue sample-roster [--rows N] [--seed S] [--type TYPE] [--out FILE]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes a roster in the registrars' CSV layout (Vietnamese headers) with invented\n"
    "    graduates: names, dates of birth, consistent personal identification numbers (some left\n"
    "    empty, as in real exports), programs of the credential type's level, classifications and\n"
    "    decisions. The same seed always gives the same bytes. No real person is in it.\n"
    "\n"
    "OPTIONS\n"
    "    --rows N    graduates (default 20)\n"
    "    --seed S    generator seed (default 1)\n"
    "    --type T    college (default) or intermediate\n"
    "    --out FILE  write to FILE instead of standard output\n";

int issuer_sample_roster(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"rows", required_argument, NULL, 'r'}, {"seed", required_argument, NULL, 's'},
        {"type", required_argument, NULL, 't'}, {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},       {NULL, 0, NULL, 0},
    };
    unsigned long long rows = 20, seed = 1;
    int type = VB_TYPE_COLLEGE, c;
    const char *out_path = NULL;
    char *end;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'r':
            rows = strtoull(optarg, &end, 10);
            if (*end || optarg[0] == '-' || rows == 0 || rows > 100000000ull) {
                fprintf(stderr, ISSUER_PROGRAM " sample-roster: --rows needs 1 to 100000000, not '%s'\n", optarg);
                return ISSUER_EXIT_USAGE;
            }
            break;
        case 's':
            seed = strtoull(optarg, &end, 10);
            if (*end || optarg[0] == '-') {
                fprintf(stderr, ISSUER_PROGRAM " sample-roster: --seed needs a number, not '%s'\n", optarg);
                return ISSUER_EXIT_USAGE;
            }
            break;
        case 't':
            type = issuer_parse_type(optarg);
            if (type != VB_TYPE_COLLEGE && type != VB_TYPE_INTERMEDIATE) {
                fprintf(stderr, ISSUER_PROGRAM " sample-roster: --type is college or intermediate, not '%s'\n", optarg);
                return ISSUER_EXIT_USAGE;
            }
            break;
        case 'o': out_path = optarg; break;
        case 'h': fputs(sample_help, stdout); return 0;
        default: fputs("Try 'vanbang-issue sample-roster --help'.\n", stderr); return ISSUER_EXIT_USAGE;
        }
    }
    FILE *out = out_path ? fopen(out_path, "w") : stdout;
    if (!out) {
        perror(out_path);
        return ISSUER_EXIT_USAGE;
    }
    vb_error err = {0};
    vb_status s = vb_sample_write_roster(out, (uint64_t)seed, (size_t)rows, type, &err);
    if (out_path && fclose(out) != 0 && s == VB_OK)
        s = vb_fail(&err, VB_ERR_IO, "%s: write failed", out_path);
    return s == VB_OK ? 0 : issuer_report(&err);
}

static const char programs_help[] =
    "NAME\n"
    "    vanbang-issue programs — list the programs of a roster as a catalog\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue programs --roster FILE [--type TYPE]\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints each distinct program code and name of the roster as CSV (program_code,\n"
    "    program_name), the input `vanbang-keys trust-programs` takes. A code that appears with\n"
    "    two names is reported and fails the command.\n";

int issuer_programs(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"roster", required_argument, NULL, 'r'}, {"type", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *roster = NULL;
    int type = VB_TYPE_COLLEGE, c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'r': roster = optarg; break;
        case 't':
            if (!(type = issuer_parse_type(optarg))) {
                fprintf(stderr, ISSUER_PROGRAM " programs: unknown --type '%s'\n", optarg);
                return ISSUER_EXIT_USAGE;
            }
            break;
        case 'h': fputs(programs_help, stdout); return 0;
        default: fputs("Try 'vanbang-issue programs --help'.\n", stderr); return ISSUER_EXIT_USAGE;
        }
    }
    if (!roster) {
        fputs(ISSUER_PROGRAM " programs: --roster is required\n", stderr);
        return ISSUER_EXIT_USAGE;
    }
    vb_error err = {0};
    vb_roster_options options;
    vb_roster_reader *reader = NULL;
    vb_roster_row *row = malloc(sizeof *row);
    vb_trust_list catalog = {0}; /* used as a code → name table */
    bool has_row = true;
    int status = 0;
    /* Only codes and names are read here; today stands in for the issue date the ages use. */
    vb_roster_options_init(&options, type, (int32_t)(time(NULL) / 86400));
    options.check_duplicates = false;
    if (!row || vb_roster_open(roster, &options, &reader, &err) != VB_OK) {
        free(row);
        return issuer_report(&err);
    }
    while (status == 0 && vb_roster_next(reader, row, &has_row, &err) == VB_OK && has_row) {
        char *end;
        unsigned long long code = strtoull(row->program_code, &end, 10);
        if (!row->program_code[0] || *end || row->program_code[0] == '0' || !row->program_name[0])
            continue;
        if (vb_trust_add_program(&catalog, code, row->program_name, &err) != VB_OK) {
            fprintf(stderr, "%s:%llu: %s\n", roster, (unsigned long long)row->line, err.message);
            status = ISSUER_EXIT_REFUSED;
        }
    }
    if (has_row && status == 0)
        status = issuer_report(&err);
    if (status == 0) {
        printf("program_code,program_name\n");
        for (size_t i = 0; i < catalog.program_count; i++) {
            printf("%llu,\"", (unsigned long long)catalog.programs[i].code);
            for (const char *p = catalog.programs[i].name; *p; p++)
                printf(*p == '"' ? "\"\"" : "%c", *p);
            printf("\"\n");
        }
    }
    vb_trust_free(&catalog);
    vb_roster_close(reader);
    free(row);
    return status;
}
