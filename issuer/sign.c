/*
 * issuer/sign.c — `vanbang-issue sign`: roster in, signed records and QR codes out.
 *
 * Two passes over the roster: the first checks every row and stops the batch at the first sign
 * of trouble, before the key is even unlocked (a batch is all or nothing); the second numbers,
 * signs and draws each graduate, holding one row at a time, so memory does not grow with the
 * roster. Every output file is written under a temporary name and renamed when whole.
 */
#include "issuer.h"

#include "fileio.h"
#include "keys.h"
#include "link.h"
#include "qr.h"
#include "record.h"
#include "register.h"
#include "roster.h"
#include "trust.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char sign_help[] =
    "NAME\n"
    "    vanbang-issue sign — sign one diploma record per graduate of a roster\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue sign --roster FILE --key FILE --cert FILE --base-url URL --place TEXT\n"
    "                       --out DIR [--type TYPE] [--issue-date DD/MM/YYYY]\n"
    "                       [--serial-pattern PATTERN] [--first-number N] [--register-year YYYY]\n"
    "                       [--first-record-id N] [--qr png,svg] [--ecc L|M|Q|H]\n"
    "                       [--trust FILE --anchor FILE] [--passphrase-fd N] [--dry-run]\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads the roster (CSV as registrars export it: see docs/ROSTER.md), checks every row and\n"
    "    prints every problem as FILE:LINE:COLUMN: message. If there is any, nothing is signed.\n"
    "    Otherwise asks once for the school key's passphrase, then for each graduate assigns the\n"
    "    serial number and register number, signs the record (COSE_Sign1, ES256 or PS256 by the\n"
    "    key), and writes its QR code. DIR/manifest.csv lists what was issued: register number,\n"
    "    serial, name, record size, QR version and the verification link. The personal\n"
    "    identification number is checked but never written to a record, a QR code or the\n"
    "    manifest.\n"
    "\n"
    "OPTIONS\n"
    "    --roster FILE          the graduation roster (CSV, UTF-8)\n"
    "    --key FILE             the school's encrypted signing key (school.key)\n"
    "    --cert FILE            the school's certificate (school.crt); its serialNumber is the\n"
    "                           school code written as iss\n"
    "    --base-url URL         the verifier address printed in every QR code, ending in '/'\n"
    "                           (an upper-case path such as https://host/V/ gives smaller codes)\n"
    "    --place TEXT           place of issue printed on the diploma (e.g. \"Hà Nội\")\n"
    "    --out DIR              where QR codes and manifest.csv go (created if missing)\n"
    "    --type TYPE            college (default), intermediate, vocational-secondary,\n"
    "                           elementary or certificate\n"
    "    --issue-date DATE      date of issue, dd/mm/yyyy (default today)\n"
    "    --serial-pattern PAT   serial numbers: {CODE} school code, {YYYY} register year, {N} the\n"
    "                           register number, {N:6} zero-padded (default {YYYY}{N:6})\n"
    "    --first-number N       first register number of this batch (default 1)\n"
    "    --register-year YYYY   year of the register numbers (default: year of the issue date)\n"
    "    --first-record-id N    first record id (default: the first register number)\n"
    "    --qr LIST              pictures to write: png, svg, both (png,svg) or none (default both)\n"
    "    --ecc LEVEL            QR error correction L, M (default), Q or H\n"
    "    --trust FILE           the trust list, for its national program catalog: a record whose\n"
    "                           program is in the catalog under the same name leaves the name\n"
    "                           out (about 30 bytes less; the verifier fills it in)\n"
    "    --anchor FILE          the authority certificate that signed --trust\n"
    "    --passphrase-fd N      read the key's passphrase from file descriptor N\n"
    "    --dry-run              check the roster and show what would be issued; sign nothing\n"
    "\n"
    "ENVIRONMENT\n"
    "    VANBANG_PASSPHRASE     the key's passphrase when no --passphrase-fd is given\n"
    "\n"
    "EXIT STATUS\n"
    "    0 issued (or, with --dry-run, the roster is clean); 1 the roster has problems or the key\n"
    "    was refused; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue sign --roster k2026.csv --key school.key --cert school.crt \\\n"
    "        --base-url https://xacthuc.cdn.edu.vn/V/ --place \"Hà Nội\" --out k2026\n";

typedef struct {
    const char *roster, *key, *cert, *base_url, *place, *out, *serial_pattern, *ecc, *trust, *anchor;
    int type;
    int32_t issue_date;
    uint32_t first_number;
    unsigned register_year;
    uint64_t first_record_id;
    bool png, svg, dry_run;
    int passphrase_fd;
} sign_options;

static int usage(const char *message, const char *value)
{
    fprintf(stderr, ISSUER_PROGRAM " sign: %s%s%s%s. Try 'vanbang-issue sign --help'.\n", message,
            value ? " '" : "", value ? value : "", value ? "'" : "");
    return ISSUER_EXIT_USAGE;
}

static int parse_options(int argc, char **argv, sign_options *o)
{
    static const struct option long_options[] = {
        {"roster", required_argument, NULL, 'r'},        {"key", required_argument, NULL, 'k'},
        {"cert", required_argument, NULL, 'c'},          {"base-url", required_argument, NULL, 'b'},
        {"place", required_argument, NULL, 'p'},         {"out", required_argument, NULL, 'o'},
        {"type", required_argument, NULL, 't'},          {"issue-date", required_argument, NULL, 'd'},
        {"serial-pattern", required_argument, NULL, 's'}, {"first-number", required_argument, NULL, 'n'},
        {"register-year", required_argument, NULL, 'y'}, {"first-record-id", required_argument, NULL, 'i'},
        {"qr", required_argument, NULL, 'q'},            {"ecc", required_argument, NULL, 'e'},
        {"passphrase-fd", required_argument, NULL, 'f'}, {"dry-run", no_argument, NULL, 'D'},
        {"trust", required_argument, NULL, 'T'},         {"anchor", required_argument, NULL, 'A'},
        {"passphrase", required_argument, NULL, 'P'},    {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long number;
    int c;

    memset(o, 0, sizeof *o);
    o->type = VB_TYPE_COLLEGE;
    o->serial_pattern = "{YYYY}{N:6}";
    o->ecc = "M";
    o->first_number = 1;
    o->png = o->svg = true;
    o->passphrase_fd = -1;
    o->issue_date = issuer_today();

    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'r': o->roster = optarg; break;
        case 'k': o->key = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'b': o->base_url = optarg; break;
        case 'p': o->place = optarg; break;
        case 'o': o->out = optarg; break;
        case 's': o->serial_pattern = optarg; break;
        case 'e': o->ecc = optarg; break;
        case 'D': o->dry_run = true; break;
        case 't':
            if (!(o->type = issuer_parse_type(optarg)))
                return usage("unknown --type", optarg);
            break;
        case 'd':
            if (!vb_date_parse_dmy(optarg, &o->issue_date))
                return usage("--issue-date needs a real date as dd/mm/yyyy, not", optarg);
            break;
        case 'n':
            if (!issuer_parse_unsigned(optarg, UINT32_MAX, &number) || number == 0)
                return usage("--first-number needs a number from 1, not", optarg);
            o->first_number = (uint32_t)number;
            break;
        case 'y':
            if (!issuer_parse_unsigned(optarg, 2199, &number) || number < 1950)
                return usage("--register-year needs a year from 1950 to 2199, not", optarg);
            o->register_year = (unsigned)number;
            break;
        case 'i':
            if (!issuer_parse_unsigned(optarg, UINT64_MAX >> 1, &number) || number == 0)
                return usage("--first-record-id needs a number from 1, not", optarg);
            o->first_record_id = number;
            break;
        case 'q':
            o->png = strstr(optarg, "png") != NULL;
            o->svg = strstr(optarg, "svg") != NULL;
            if (!o->png && !o->svg && strcmp(optarg, "none") != 0)
                return usage("--qr takes png, svg, png,svg or none, not", optarg);
            break;
        case 'T': o->trust = optarg; break;
        case 'A': o->anchor = optarg; break;
        case 'P': return usage("passphrases are never taken from the command line; use --passphrase-fd N or "
                               "VANBANG_PASSPHRASE", NULL);
        case 'f':
            /* The value is not echoed: it may be a mistyped secret. */
            if (!issuer_parse_unsigned(optarg, 1023, &number))
                return usage("--passphrase-fd needs a file descriptor number", NULL);
            o->passphrase_fd = (int)number;
            break;
        case 'h': fputs(sign_help, stdout); return -1;
        default: return usage("unknown option", NULL);
        }
    }
    if (optind < argc)
        return usage("unexpected argument", argv[optind]);
    if (!o->roster)
        return usage("--roster is required", NULL);
    if (!o->dry_run && (!o->key || !o->cert || !o->base_url || !o->place || !o->out))
        return usage("--key, --cert, --base-url, --place and --out are required", NULL);
    if (!o->place)
        o->place = "(place of issue)";
    if (!o->register_year) {
        int y, m, d;
        vb_civil_from_days(o->issue_date, &y, &m, &d);
        o->register_year = (unsigned)y;
    }
    if (!o->first_record_id)
        o->first_record_id = o->first_number;
    if (!o->trust != !o->anchor)
        return usage("--trust and --anchor go together", NULL);
    char serial[VB_TEXT_FIELD];
    if (!issuer_serial_pattern_valid(o->serial_pattern) ||
        !issuer_expand_serial(o->serial_pattern, "CODE", o->register_year, UINT32_MAX, serial, 65))
        return usage("--serial-pattern must hold {N} or {N:k} once, may hold {CODE} and {YYYY}, and give at most "
                     "64 bytes; not", o->serial_pattern);
    return 0;
}

typedef struct {
    sign_options options;
    vb_cose_signer signer;
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    QRecLevel level;
    vb_trust_list catalog; /* only its programs are used */
    FILE *manifest;
    char manifest_temporary[4096];
    issuer_stats stats;
} batch;

static vb_status issue_one(batch *b, const vb_roster_row *row, uint64_t index, vb_error *err)
{
    const sign_options *o = &b->options;
    vb_roster_batch settings = {o->type, o->issue_date, o->place, b->school_code, false};
    vb_credential credential;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length;
    char link[VB_MAX_LINK_CHARS + 1];
    vb_status s;

    if ((s = vb_roster_row_to_credential(row, &settings, &credential, err)) != VB_OK)
        return s;
    issuer_apply_catalog(&b->catalog, &credential);
    uint32_t number = o->first_number + (uint32_t)index;
    credential.register_number = number;
    credential.register_year = (uint16_t)o->register_year;
    credential.signed_at = (int64_t)time(NULL);
    credential.record_id_length = vb_register_record_id_bytes(o->first_record_id + index, credential.record_id);
    if (!issuer_expand_serial(o->serial_pattern, b->school_code, o->register_year, number, credential.serial,
                              sizeof credential.serial))
        return vb_fail(err, VB_ERR_ARGUMENT, "--serial-pattern '%s' is malformed or too long", o->serial_pattern);

    if ((s = vb_record_sign(&b->signer, &credential, record, sizeof record, &record_length, err)) != VB_OK)
        return vb_fail(err, s, "%s:%llu: %s", o->roster, (unsigned long long)row->line, err->message);
    if ((s = vb_link_encode(o->base_url, record, record_length, link, sizeof link, NULL, err)) != VB_OK)
        return s;

    char stem[VB_TEXT_FIELD], png[4096], svg[4096];
    int version = 0;
    issuer_file_stem(credential.serial, stem, sizeof stem);
    snprintf(png, sizeof png, "%s/%s.png", o->out, stem);
    snprintf(svg, sizeof svg, "%s/%s.svg", o->out, stem);
    if ((s = issuer_write_pictures(link, b->level, o->png ? png : NULL, o->svg ? svg : NULL, true, &version,
                                   err)) != VB_OK)
        return s;
    issuer_manifest_line(b->manifest, &credential, record_length, version, link);
    issuer_stats_add(&b->stats, record_length, version);
    return VB_OK;
}

int issuer_sign(int argc, char **argv)
{
    batch *b = calloc(1, sizeof *b);
    vb_error err = {0};
    int status;

    if (!b)
        return ISSUER_EXIT_USAGE;
    if ((status = parse_options(argc, argv, &b->options)) != 0) {
        free(b);
        return status < 0 ? 0 : status;
    }
    sign_options *o = &b->options;
    if (vb_qr_level_from_name(o->ecc, &b->level, &err) != VB_OK) {
        status = usage("--ecc takes L, M, Q or H, not", o->ecc);
        free(b);
        return status;
    }
    if (o->base_url) {
        char canonical[VB_MAX_LINK_CHARS + 1];
        if (vb_link_canonical_base(o->base_url, canonical, sizeof canonical, NULL, &err) != VB_OK) {
            free(b);
            return usage(err.message, NULL); /* err, not b, holds the message */
        }
    }

    long long rows = issuer_validate_roster(o->roster, o->type, o->issue_date, NULL, NULL, &err);
    if (rows < 0) {
        free(b);
        return issuer_report(&err);
    }
    if (o->dry_run) {
        char first[VB_TEXT_FIELD] = "", last[VB_TEXT_FIELD] = "";
        issuer_expand_serial(o->serial_pattern, "CODE", o->register_year, o->first_number, first, sizeof first);
        issuer_expand_serial(o->serial_pattern, "CODE", o->register_year, o->first_number + (uint32_t)(rows ? rows - 1 : 0),
                             last, sizeof last);
        printf("%s: %lld graduates would be issued, register numbers %u..%llu/%u, serials %s..%s\n", o->roster, rows,
               o->first_number, (unsigned long long)o->first_number + (unsigned long long)(rows ? rows - 1 : 0),
               o->register_year, first, last);
        free(b);
        return 0;
    }
    if (o->trust && issuer_load_catalog(o->trust, o->anchor, &b->catalog, &err) != VB_OK) {
        free(b);
        return issuer_report(&err);
    }
    if (issuer_unlock_key(o->cert, o->key, o->passphrase_fd, &b->signer, b->school_code, &err) != VB_OK)
        status = issuer_report(&err);
    else
        status = issuer_make_directory(o->out);
    if (status != 0) {
        vb_trust_free(&b->catalog);
        if (b->signer.context)
            vb_cose_signer_free(&b->signer);
        free(b);
        return status;
    }

    snprintf(b->manifest_temporary, sizeof b->manifest_temporary, "%s/manifest.csv.tmp-%ld", o->out, (long)getpid());
    b->manifest = fopen(b->manifest_temporary, "w");
    if (!b->manifest) {
        fprintf(stderr, ISSUER_PROGRAM ": cannot create %s: %s\n", b->manifest_temporary, strerror(errno));
        vb_cose_signer_free(&b->signer);
        vb_trust_free(&b->catalog);
        free(b);
        return ISSUER_EXIT_USAGE;
    }
    issuer_manifest_header(b->manifest);

    /* Pass two: the roster was clean a moment ago; read it again, one row at a time. */
    vb_roster_options roster_options;
    vb_roster_reader *reader = NULL;
    vb_roster_row *row = malloc(sizeof *row);
    issuer_progress progress;
    bool has_row = true;
    uint64_t issued = 0;
    vb_status s = row ? VB_OK : VB_ERR_NOMEM;

    vb_roster_options_init(&roster_options, o->type, o->issue_date);
    roster_options.check_duplicates = false;
    if (s == VB_OK)
        s = vb_roster_open(o->roster, &roster_options, &reader, &err);
    issuer_progress_start(&progress, "signing", (uint64_t)rows);
    while (s == VB_OK && (s = vb_roster_next(reader, row, &has_row, &err)) == VB_OK && has_row) {
        if (row->problem_count) {
            s = vb_fail(&err, VB_ERR_ARGUMENT, "%s changed while it was being issued; nothing was issued", o->roster);
            break;
        }
        if ((s = issue_one(b, row, issued, &err)) != VB_OK)
            break;
        issuer_progress_update(&progress, ++issued);
    }
    issuer_progress_finish(&progress);
    vb_roster_close(reader);
    free(row);

    char manifest_path[4096];
    snprintf(manifest_path, sizeof manifest_path, "%s/manifest.csv", o->out);
    if (s == VB_OK && (fflush(b->manifest) != 0 || fsync(fileno(b->manifest)) != 0))
        s = vb_fail(&err, VB_ERR_IO, "cannot write %s: %s", b->manifest_temporary, strerror(errno));
    fclose(b->manifest);
    if (s == VB_OK && rename(b->manifest_temporary, manifest_path) != 0)
        s = vb_fail(&err, VB_ERR_IO, "cannot rename %s: %s", b->manifest_temporary, strerror(errno));
    if (s != VB_OK)
        unlink(b->manifest_temporary);
    vb_cose_signer_free(&b->signer);
    vb_trust_free(&b->catalog);

    if (s == VB_OK) {
        printf("issued %llu records into %s (manifest.csv); record bytes min %zu, mean %.1f, max %zu; "
               "QR version %d..%d at %s\n",
               (unsigned long long)issued, o->out, b->stats.size_min,
               issued ? (double)b->stats.size_total / (double)issued : 0.0, b->stats.size_max, b->stats.version_min,
               b->stats.version_max, o->ecc);
        status = 0;
    } else {
        status = issuer_report(&err);
    }
    free(b);
    return status;
}
