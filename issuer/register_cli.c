/*
 * issuer/register_cli.c — `vanbang-issue init` (create a school's register) and `vanbang-issue
 * issue` (a roster into signed records, numbered by the register and written into it in one
 * transaction), and what the register verbs share (opening, the actor, checkpoints).
 *
 * How `issue` stays whole when killed at any moment: inside one write transaction, each graduate
 * is checked (against the rules, the rest of the roster and the register), takes the next record
 * id and register number, is signed, and is appended with its event, while its QR pictures and
 * the manifest go to hidden "pending" names in the output folder (.pending-TOKEN-…, TOKEN the
 * batch's random token, kept in the batch row). Only after COMMIT are the pending files renamed
 * to their real names. A batch killed before COMMIT leaves no row, consumes no number, and only
 * pending files, which the next `issue` into that folder deletes; one killed after COMMIT leaves
 * pending files of a committed batch, which the next `issue` into that folder renames. No QR file
 * ever exists under a real name for a record that is not in the register. A roster with any
 * problem is read to its end, signing stopped at the first, so that every problem is listed; then
 * the transaction rolls back and nothing was issued. When the passphrase is to be typed at a
 * terminal, the roster is also checked before the prompt (pass one), so that a registrar never
 * types it for a roster that will be refused.
 */
#define _GNU_SOURCE /* syncfs(2): one sync of the file system for all of a batch's pending files */
#include "issuer.h"

#include "keys.h"
#include "link.h"
#include "log.h"
#include "register.h"

#include <dirent.h>
#include <signal.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- shared by the register verbs */

const char *issuer_actor(const char *given, char *out, size_t out_size)
{
    if (given && given[0]) {
        snprintf(out, out_size, "%s", given);
        return out;
    }
    const char *name = getenv("LOGNAME");
    struct passwd *user = getpwuid(geteuid());
    if (user && user->pw_name && user->pw_name[0])
        name = user->pw_name;
    snprintf(out, out_size, "%s", name && name[0] ? name : "unknown");
    return out;
}

vb_status issuer_sign_checkpoint(vb_register *reg, vb_cose_signer *signer, const char *school_code,
                                 vb_log_checkpoint *checkpoint, vb_error *err)
{
    uint8_t signed_checkpoint[VB_LOG_MAX_CHECKPOINT_BYTES];
    size_t signed_length;
    memset(checkpoint, 0, sizeof *checkpoint);
    snprintf(checkpoint->origin, sizeof checkpoint->origin, "%s", school_code);
    checkpoint->time = (uint64_t)time(NULL);
    vb_status s = vb_register_log_root(reg, &checkpoint->size, checkpoint->root, err);
    if (s == VB_OK)
        s = vb_log_checkpoint_sign(signer, checkpoint, signed_checkpoint, sizeof signed_checkpoint, &signed_length,
                                   err);
    if (s == VB_OK)
        s = vb_register_add_checkpoint(reg, checkpoint, signed_checkpoint, signed_length, err);
    return s;
}

void issuer_hex(const uint8_t *bytes, size_t length, char *out, size_t out_size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < length && used + 3 <= out_size; i++)
        used += (size_t)snprintf(out + used, out_size - used, "%02x", bytes[i]);
}

vb_status issuer_check_school(vb_register *reg, const char *certificate_code, vb_error *err)
{
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1], name[VB_REGISTER_SCHOOL_NAME_BYTES];
    vb_status s = vb_register_school(reg, code, sizeof code, name, sizeof name, err);
    if (s == VB_OK && strcmp(code, certificate_code) != 0)
        s = vb_fail(err, VB_ERR_REGISTER_REFUSED,
                    "%s is the register of school %s, but the certificate is school %s's", vb_register_path(reg), code,
                    certificate_code);
    return s;
}

/* ---------------------------------------------------------------- init */

static const char init_help[] =
    "NAME\n"
    "    vanbang-issue init — create a school's original register (sổ gốc)\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue init --register FILE --cert school.crt [--serial-pattern TYPE=PATTERN ...]\n"
    "                       [--base-url URL] [--place TEXT]\n"
    "\n"
    "DESCRIPTION\n"
    "    Creates the register: one SQLite file (mode 0600, never overwritten) that keeps every record\n"
    "    the school issues and every event of its life — issue, revoke, correct, copy — append-only.\n"
    "    The school code and name come from the certificate; every later verb checks that the\n"
    "    certificate it signs with is this school's. Serial-number patterns are set per credential\n"
    "    type (the school decides how its serials are formed); base URL and place become the\n"
    "    defaults of issue, correct and copy.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE             the register to create\n"
    "    --cert FILE                 the school's certificate (school.crt)\n"
    "    --serial-pattern TYPE=PAT   TYPE college, intermediate, vocational-secondary, elementary or\n"
    "                                certificate; PAT with {CODE} school code, {YYYY} register year,\n"
    "                                {N} register number, {N:6} zero-padded (default {YYYY}{N:6}).\n"
    "                                A pattern must hold {N} or {N:k}; repeat for each type\n"
    "    --base-url URL              the verifier address printed in QR codes, ending in '/'\n"
    "    --place TEXT                the place of issue printed on diplomas\n"
    "\n"
    "FILES\n"
    "    FILE, and beside it FILE-wal and FILE-shm while it is in use (SQLite write-ahead log).\n"
    "\n"
    "EXIT STATUS\n"
    "    0 created; 1 refused; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue init --register school/register.db --cert school/school.crt \\\n"
    "        --serial-pattern college=CD{YYYY}{N:6} --base-url https://xacthuc.cdn.edu.vn/V/ --place \"Hà Nội\"\n";

static int verb_usage(const char *verb, const char *message, const char *value)
{
    fprintf(stderr, ISSUER_PROGRAM " %s: %s%s%s%s. Try 'vanbang-issue %s --help'.\n", verb, message,
            value ? " '" : "", value ? value : "", value ? "'" : "", verb);
    return ISSUER_EXIT_USAGE;
}

int issuer_init(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, 'r'}, {"cert", required_argument, NULL, 'c'},
        {"serial-pattern", required_argument, NULL, 's'}, {"base-url", required_argument, NULL, 'b'},
        {"place", required_argument, NULL, 'p'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *register_path = NULL, *cert_path = NULL, *base_url = NULL, *place = NULL;
    const char *patterns[VB_TYPE_MAX + 1] = {0};
    char pattern_text[VB_TYPE_MAX + 1][VB_TEXT_FIELD];
    vb_error err = {0};
    int c;

    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'r': register_path = optarg; break;
        case 'c': cert_path = optarg; break;
        case 'b': base_url = optarg; break;
        case 'p': place = optarg; break;
        case 's': {
            const char *equals = strchr(optarg, '=');
            char type_name[32];
            if (!equals || (size_t)(equals - optarg) >= sizeof type_name)
                return verb_usage("init", "--serial-pattern takes TYPE=PATTERN, not", optarg);
            snprintf(type_name, sizeof type_name, "%.*s", (int)(equals - optarg), optarg);
            int type = issuer_parse_type(type_name);
            if (!type)
                return verb_usage("init", "unknown credential type", type_name);
            if (!issuer_serial_pattern_valid(equals + 1))
                return verb_usage("init", "a serial pattern needs {N} or {N:k} and only {CODE} {YYYY} {N} {N:k}; not",
                                  equals + 1);
            snprintf(pattern_text[type], sizeof pattern_text[type], "%s", equals + 1);
            patterns[type] = pattern_text[type];
            break;
        }
        case 'h': fputs(init_help, stdout); return 0;
        default: return verb_usage("init", "unknown option", NULL);
        }
    }
    if (optind < argc)
        return verb_usage("init", "unexpected argument", argv[optind]);
    if (!register_path || !cert_path)
        return verb_usage("init", "--register and --cert are required", NULL);
    if (base_url) {
        char canonical[VB_MAX_LINK_CHARS + 1];
        if (vb_link_canonical_base(base_url, canonical, sizeof canonical, NULL, &err) != VB_OK)
            return verb_usage("init", err.message, NULL);
    }

    X509 *certificate = NULL;
    char code[VB_MAX_SCHOOL_CODE_BYTES + 1], name[VB_REGISTER_SCHOOL_NAME_BYTES];
    vb_status s = vb_cert_load(cert_path, &certificate, &err);
    if (s == VB_OK)
        s = vb_cert_school_code(X509_get_subject_name(certificate), code, sizeof code, &err);
    if (s == VB_OK)
        s = vb_cert_school_name(X509_get_subject_name(certificate), name, sizeof name, &err);
    X509_free(certificate);
    if (s != VB_OK)
        return issuer_report(&err);
    if ((s = vb_register_create(register_path, code, name, (int64_t)time(NULL), &err)) != VB_OK)
        return issuer_report(&err);

    vb_register *reg;
    if ((s = vb_register_open(register_path, &reg, &err)) != VB_OK)
        return issuer_report(&err);
    s = vb_register_begin(reg, &err);
    for (int type = 1; s == VB_OK && type <= VB_TYPE_MAX; type++)
        if (patterns[type])
            s = vb_register_set_serial_pattern(reg, type, patterns[type], &err);
    if (s == VB_OK && base_url)
        s = vb_register_set_setting(reg, "base_url", base_url, &err);
    if (s == VB_OK && place)
        s = vb_register_set_setting(reg, "place", place, &err);
    if (s == VB_OK)
        s = vb_register_commit(reg, &err);
    vb_register_close(reg);
    if (s != VB_OK)
        return issuer_report(&err);
    printf("created the register %s for %s (%s), schema version %d\n", register_path, name, code,
           VB_REGISTER_SCHEMA_VERSION);
    for (int type = 1; type <= VB_TYPE_MAX; type++)
        printf("  serials of %-40s %s\n", vb_credential_type_name(type, true),
               patterns[type] ? patterns[type] : VB_REGISTER_DEFAULT_SERIAL_PATTERN " (default)");
    return 0;
}

/* ---------------------------------------------------------------- issue */

static const char issue_help[] =
    "NAME\n"
    "    vanbang-issue issue — issue a roster's diplomas into the school's register\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue issue --register FILE --roster FILE --key FILE --cert FILE --out DIR\n"
    "                        [--base-url URL] [--place TEXT] [--type TYPE] [--issue-date DD/MM/YYYY]\n"
    "                        [--first-number N] [--qr png,svg] [--ecc L|M|Q|H] [--actor NAME]\n"
    "                        [--trust FILE --anchor FILE] [--passphrase-fd N] [--dry-run]\n"
    "\n"
    "DESCRIPTION\n"
    "    Like 'sign', but the register numbers everything and keeps everything. Every row is checked\n"
    "    (docs/ROSTER.md), and also against the register: a graduate who already holds a credential of\n"
    "    this type and program (same personal identification number; or same name, date of birth and\n"
    "    program, unless the identification numbers differ) is refused — an original is issued once;\n"
    "    a lost diploma is replaced by a copy from the register ('vanbang-issue copy'). Problems are\n"
    "    printed as FILE:LINE:COLUMN: message, and if there is any, nothing is issued.\n"
    "\n"
    "    When the passphrase is typed at the terminal, the whole roster is checked before it is asked\n"
    "    for. When it comes from --passphrase-fd or VANBANG_PASSPHRASE (scripts, large back-fills), the\n"
    "    rows are checked while they are signed, inside the transaction: the first problem stops the\n"
    "    signing, the rest of the roster is read for the full list, and the transaction is rolled back;\n"
    "    the outcome is the same, in about a fifth less time.\n"
    "\n"
    "    The key's passphrase is asked once, and in ONE transaction each graduate receives the\n"
    "    next record id and the next register number of the type and the issue date's year (numbers\n"
    "    run without gaps), a serial from the register's pattern for the type, a signed record, and an\n"
    "    'issue' event; a signed checkpoint of the register's log closes the batch. QR codes and\n"
    "    DIR/manifest.csv are written under hidden temporary names and renamed only after the commit:\n"
    "    a batch that fails or is killed leaves nothing in the register, consumes no number, and leaves\n"
    "    no QR file for a record the register does not hold.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE        the school's register ('vanbang-issue init')\n"
    "    --roster FILE          the graduation roster (CSV, UTF-8)\n"
    "    --key FILE             the school's encrypted signing key\n"
    "    --cert FILE            the school's certificate; its school code must be the register's\n"
    "    --out DIR              where QR codes and manifest.csv go (created if missing; one batch a\n"
    "                           folder: a folder that holds a manifest.csv is refused)\n"
    "    --base-url URL         verifier address in the QR codes (default: the register's)\n"
    "    --place TEXT           place of issue (default: the register's)\n"
    "    --type TYPE            college (default), intermediate, vocational-secondary, elementary,\n"
    "                           certificate\n"
    "    --issue-date DATE      date of issue, dd/mm/yyyy (default today); its year is the register year\n"
    "    --first-number N       where the year's numbering of the type starts, for a school moving from a\n"
    "                           paper register mid-year; only before the year's first number\n"
    "    --qr LIST              png, svg, png,svg (default) or none (no symbol is built: the manifest's\n"
    "                           qr_version is 0)\n"
    "    --ecc LEVEL            QR error correction L, M (default), Q or H\n"
    "    --actor NAME           who issues, for the register's events (default: the login name)\n"
    "    --trust FILE --anchor FILE   the trust list, for the national program catalog\n"
    "    --passphrase-fd N      read the key's passphrase from file descriptor N\n"
    "    --dry-run              check everything and show what would be issued; change nothing\n"
    "\n"
    "ENVIRONMENT\n"
    "    VANBANG_PASSPHRASE     the key's passphrase when no --passphrase-fd is given\n"
    "\n"
    "EXIT STATUS\n"
    "    0 issued (or with --dry-run, all clean); 1 refused (roster problems, duplicates, key);\n"
    "    2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue issue --register register.db --roster k2026.csv --key school.key \\\n"
    "        --cert school.crt --issue-date 30/06/2026 --out k2026\n";

typedef struct {
    const char *register_path, *roster, *key, *cert, *base_url, *place, *out, *ecc, *trust, *anchor, *actor;
    int type;
    int32_t issue_date;
    uint32_t first_number;
    bool png, svg, dry_run;
    int passphrase_fd;
} issue_options;

static int issue_usage(const char *message, const char *value) { return verb_usage("issue", message, value); }

static int issue_parse(int argc, char **argv, issue_options *o)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, 'R'}, {"roster", required_argument, NULL, 'r'},
        {"key", required_argument, NULL, 'k'},      {"cert", required_argument, NULL, 'c'},
        {"base-url", required_argument, NULL, 'b'}, {"place", required_argument, NULL, 'p'},
        {"out", required_argument, NULL, 'o'},      {"type", required_argument, NULL, 't'},
        {"issue-date", required_argument, NULL, 'd'}, {"first-number", required_argument, NULL, 'n'},
        {"qr", required_argument, NULL, 'q'},       {"ecc", required_argument, NULL, 'e'},
        {"actor", required_argument, NULL, 'a'},    {"trust", required_argument, NULL, 'T'},
        {"anchor", required_argument, NULL, 'A'},   {"passphrase-fd", required_argument, NULL, 'f'},
        {"passphrase", required_argument, NULL, 'P'}, {"dry-run", no_argument, NULL, 'D'},
        {"serial-pattern", required_argument, NULL, 'S'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    unsigned long long number;
    int c;
    memset(o, 0, sizeof *o);
    o->type = VB_TYPE_COLLEGE;
    o->ecc = "M";
    o->png = o->svg = true;
    o->passphrase_fd = -1;
    o->issue_date = issuer_today();
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'R': o->register_path = optarg; break;
        case 'r': o->roster = optarg; break;
        case 'k': o->key = optarg; break;
        case 'c': o->cert = optarg; break;
        case 'b': o->base_url = optarg; break;
        case 'p': o->place = optarg; break;
        case 'o': o->out = optarg; break;
        case 'e': o->ecc = optarg; break;
        case 'a': o->actor = optarg; break;
        case 'T': o->trust = optarg; break;
        case 'A': o->anchor = optarg; break;
        case 'D': o->dry_run = true; break;
        case 't':
            if (!(o->type = issuer_parse_type(optarg)))
                return issue_usage("unknown --type", optarg);
            break;
        case 'd':
            if (!vb_date_parse_dmy(optarg, &o->issue_date))
                return issue_usage("--issue-date needs a real date as dd/mm/yyyy, not", optarg);
            break;
        case 'n':
            if (!issuer_parse_unsigned(optarg, UINT32_MAX, &number) || number == 0)
                return issue_usage("--first-number needs a number from 1, not", optarg);
            o->first_number = (uint32_t)number;
            break;
        case 'q':
            o->png = strstr(optarg, "png") != NULL;
            o->svg = strstr(optarg, "svg") != NULL;
            if (!o->png && !o->svg && strcmp(optarg, "none") != 0)
                return issue_usage("--qr takes png, svg, png,svg or none, not", optarg);
            break;
        case 'S':
            return issue_usage("the register keeps the serial patterns (set them with 'vanbang-issue init'); "
                               "--serial-pattern is for 'sign'",
                               NULL);
        case 'P':
            return issue_usage("passphrases are never taken from the command line; use --passphrase-fd N or "
                               "VANBANG_PASSPHRASE",
                               NULL);
        case 'f':
            if (!issuer_parse_unsigned(optarg, 1023, &number))
                return issue_usage("--passphrase-fd needs a file descriptor number", NULL);
            o->passphrase_fd = (int)number;
            break;
        case 'h': fputs(issue_help, stdout); return -1;
        default: return issue_usage("unknown option", NULL);
        }
    }
    if (optind < argc)
        return issue_usage("unexpected argument", argv[optind]);
    if (!o->register_path || !o->roster)
        return issue_usage("--register and --roster are required", NULL);
    if (!o->dry_run && (!o->key || !o->cert || !o->out))
        return issue_usage("--key, --cert and --out are required", NULL);
    if (!o->trust != !o->anchor)
        return issue_usage("--trust and --anchor go together", NULL);
    return 0;
}

typedef struct {
    vb_register *reg;
    const issue_options *options;
    issuer_roster_cursor cursor;
    bool cursor_open;
    size_t shown; /* messages written; past the roster reader's cap, rows are only counted */
} issue_check;

static void describe_match(const vb_register_match *m, char *out, size_t out_size)
{
    char date[16];
    vb_date_format_dmy(m->issue_date, date, sizeof date);
    snprintf(out, out_size, "%s serial %s, register number %u/%u, issued %s", vb_credential_type_name(m->type, true),
             m->serial, m->register_number, m->register_year, date);
}

/* Pass one, for each row the reader found clean: is this graduate's credential already in the
 * register? */
static long issue_check_row(void *context, const vb_roster_row *row, FILE *messages, vb_error *err)
{
    issue_check *check = context;
    vb_register_match match;
    bool found;
    if (vb_register_find_graduate(check->reg, row->personal_id, check->options->type, row->program_code, row->name,
                                  row->birth_date, &match, &found, err) != VB_OK)
        return -1;
    if (!found)
        return 0;
    /* A roster issued twice by mistake makes every row a problem: the messages are kept until the
     * end (to follow the reader's), so past the cap they are counted, not written. */
    if (check->shown >= VB_ROSTER_DEFAULT_MAX_PROBLEMS) {
        if (check->shown++ == VB_ROSTER_DEFAULT_MAX_PROBLEMS)
            fprintf(messages, "%s: … further rows already in the register are counted, not shown\n",
                    check->options->roster);
        return 1;
    }
    check->shown++;
    if (!check->cursor_open)
        check->cursor_open = issuer_cursor_open(&check->cursor, check->options->roster);
    uint64_t column = check->cursor_open ? issuer_cursor_column(&check->cursor, row->line,
                                                                match.by_personal_id ? row->personal_id : row->name)
                                         : 1;
    char held[VB_TEXT_FIELD + 128], born[16];
    describe_match(&match, held, sizeof held);
    vb_date_format_dmy(row->birth_date, born, sizeof born);
    if (match.by_personal_id)
        fprintf(messages,
                "%s:%llu:%llu: this personal identification number already holds a credential of this type and "
                "program %s in the register (%s); an original is issued once — a lost diploma is replaced by "
                "'vanbang-issue copy %s'\n",
                check->options->roster, (unsigned long long)row->line, (unsigned long long)column, row->program_code,
                held, match.serial);
    else
        fprintf(messages,
                "%s:%llu:%llu: %s, born %s, program %s, already holds a credential in the register (%s); an "
                "original is issued once — a lost diploma is replaced by 'vanbang-issue copy %s'\n",
                check->options->roster, (unsigned long long)row->line, (unsigned long long)column, row->name, born,
                row->program_code[0] ? row->program_code : row->program_name, held, match.serial);
    return 1;
}

#define PENDING_PREFIX ".pending-"
#define TOKEN_BYTES 16

typedef struct {
    issue_options options;
    vb_register *reg;
    vb_cose_signer signer;
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    char base_url[VB_REGISTER_SETTING_BYTES], place[VB_REGISTER_SETTING_BYTES];
    char pattern[VB_TEXT_FIELD];
    char actor[VB_REGISTER_ACTOR_BYTES + 1];
    QRecLevel level;
    vb_trust_list catalog;
    uint8_t token[TOKEN_BYTES];
    char token_hex[2 * TOKEN_BYTES + 1];
    uint64_t batch_id;
    FILE *manifest;
    issuer_stats stats;
    uint64_t first_record, last_record, first_sequence, last_sequence;
    uint32_t first_number, last_number;
    char first_serial[VB_TEXT_FIELD], last_serial[VB_TEXT_FIELD];
    int register_year;
    int64_t now;
    /* The checks of the issuing pass beyond the reader's own: each clean row against the
     * register, under the write lock (issue_check_row writes what it finds to extra). */
    issue_check check;
    bool holds_type; /* the register held this type when the batch began: look each row up */
    FILE *extra;
    char *extra_text;
    size_t extra_size, extra_problems;
    bool refused; /* a row had a problem: nothing more is signed or appended; rolled back */
} issue_batch;

/* Pass two runs as a pipeline. Worker threads, one per core, each with its own signing context
 * over the same key, take turns reading the next chunk of roster rows (one reader, so chunks
 * come in roster order and take the next record ids, register numbers and event sequence
 * numbers: the batch holds the write lock, and the check before COMMIT refuses any other), then
 * sign their chunk's records, draw its pictures under the pending names, prepare each record for
 * the register (vb_register_prepare_append: the folded name, the record's digest, the event
 * entry and its leaf hash) and write its manifest lines into memory. The main thread takes the
 * chunks back in order and writes them into the register and the manifest: SQLite stays on one
 * thread, and it does only what depends on the register's state. A small ring of chunks bounds
 * the memory whatever the roster's size. A picture drawn for a row that never reaches the
 * register keeps its pending name and is deleted with the rolled-back batch. */
#define ISSUE_CHUNK_ROWS 64
#define ISSUE_MAX_WORKERS 8

typedef struct {
    vb_roster_row row;
    vb_credential credential;
    uint64_t record_id, sequence;
    uint32_t number;
    uint8_t record[VB_MAX_RECORD_BYTES];
    size_t record_length;
    int version;
    char link[VB_MAX_LINK_CHARS + 1];
} issue_item;

typedef struct {
    issue_item items[ISSUE_CHUNK_ROWS];
    vb_register_prepared prepared[ISSUE_CHUNK_ROWS]; /* items[i] made ready for the register */
    char *manifest;       /* the manifest lines of the good rows (open_memstream) */
    size_t manifest_length;
    size_t count;         /* rows read */
    size_t good;          /* rows before the first failure; count when none failed */
    bool failed;
    vb_error err;         /* why */
    bool problems;        /* a row the reader found problems in: the batch is refused */
    bool done;
} issue_chunk;

typedef struct issue_pool issue_pool;

typedef struct {
    issue_pool *pool;
    vb_cose_signer signer;
    pthread_t thread;
    bool started;
} issue_worker;

struct issue_pool {
    issue_batch *batch;
    pthread_mutex_t lock;        /* the counters and flags below, and each chunk's done */
    pthread_cond_t space, done;  /* a chunk was written (ring space) / a chunk was signed or the roster ended */
    pthread_mutex_t read_lock;   /* the roster reader and the numbering, one chunk at a time */
    vb_roster_reader *reader;
    uint64_t next_record_id, next_sequence;
    uint32_t next_number;
    issue_chunk *ring;
    size_t ring_size;
    uint64_t filled, retired; /* chunk sequence numbers: chunk n is ring[n % ring_size] */
    bool end, stop;
    bool refused; /* nothing more to sign: the workers only read on, for the problems */
    issue_worker workers[ISSUE_MAX_WORKERS];
    size_t worker_count;
};

/* Reads up to a chunk of rows and numbers them (under the pool's read_lock). */
static vb_status issue_chunk_fill(issue_pool *pool, issue_chunk *chunk, vb_error *err)
{
    issue_batch *b = pool->batch;
    bool has_row = true;
    vb_status s;
    chunk->count = 0;
    chunk->problems = false;
    while (chunk->count < ISSUE_CHUNK_ROWS) {
        issue_item *item = &chunk->items[chunk->count];
        if ((s = vb_roster_next(pool->reader, &item->row, &has_row, err)) != VB_OK)
            return s;
        if (!has_row)
            break;
        chunk->problems = chunk->problems || item->row.problem_count;
        if (pool->next_number == 0)
            return vb_fail(err, VB_ERR_REGISTER_REFUSED, "%s: the register numbers of %d are used up",
                           b->options.register_path, b->register_year);
        item->record_id = pool->next_record_id++;
        item->sequence = pool->next_sequence++;
        item->number = pool->next_number++; /* wraps to 0 after UINT32_MAX: refused above */
        chunk->count++;
    }
    return VB_OK;
}

/* The failure err holds, put at the roster line of the item (from a copy: the message cannot be
 * both the source and the destination of the formatting). */
static vb_status issue_item_fail(const issue_batch *b, const issue_item *item, vb_status s, vb_error *err)
{
    char cause[sizeof err->message];
    snprintf(cause, sizeof cause, "%s", err->message);
    return vb_fail(err, s, "%s:%llu: %s", b->options.roster, (unsigned long long)item->row.line, cause);
}

/* A worker's share of one graduate: the record, its link and its pictures, and the record
 * prepared for the register. */
static vb_status issue_item_sign(issue_batch *b, vb_cose_signer *signer, issue_item *item,
                                 vb_register_prepared *prepared, vb_error *err)
{
    const issue_options *o = &b->options;
    vb_roster_batch settings = {o->type, o->issue_date, b->place, b->school_code, false};
    vb_credential *credential = &item->credential;
    vb_status s;

    if ((s = vb_roster_row_to_credential(&item->row, &settings, credential, err)) != VB_OK)
        return s;
    issuer_apply_catalog(&b->catalog, credential);
    credential->record_id_length = vb_register_record_id_bytes(item->record_id, credential->record_id);
    credential->register_number = item->number;
    credential->register_year = (uint16_t)b->register_year;
    credential->signed_at = (int64_t)time(NULL);
    if (!issuer_expand_serial(b->pattern, b->school_code, (unsigned)b->register_year, item->number,
                              credential->serial, sizeof credential->serial))
        return vb_fail(err, VB_ERR_ARGUMENT, "the register's serial pattern '%s' is malformed or too long", b->pattern);
    if ((s = vb_record_sign(signer, credential, item->record, sizeof item->record, &item->record_length, err)) != VB_OK)
        return issue_item_fail(b, item, s, err);
    if ((s = issuer_link(b->base_url, item->record, item->record_length, item->link, sizeof item->link, err)) != VB_OK)
        return s;
    item->version = 0;
    if (o->png || o->svg) {
        char stem[VB_TEXT_FIELD], png[4096], svg[4096];
        issuer_file_stem(credential->serial, stem, sizeof stem);
        snprintf(png, sizeof png, "%s/" PENDING_PREFIX "%s-%s.png", o->out, b->token_hex, stem);
        snprintf(svg, sizeof svg, "%s/" PENDING_PREFIX "%s-%s.svg", o->out, b->token_hex, stem);
        s = issuer_write_pictures(item->link, b->level, o->png ? png : NULL, o->svg ? svg : NULL, false,
                                  &item->version, err);
    } /* else no symbol is built (mask selection is most of the cost): qr_version 0 in the manifest */
    if (s != VB_OK)
        return s;
    const vb_roster_row *row = &item->row;
    vb_register_append append = {credential, item->record, item->record_length, 0, row->personal_id,
                                 row->decision_number, row->has_decision_date, row->decision_date, 0, b->batch_id,
                                 b->actor, b->now};
    if ((s = vb_register_prepare_append(&append, b->school_code, item->sequence, prepared, err)) != VB_OK)
        return issue_item_fail(b, item, s, err);
    return VB_OK;
}

/* Signs the chunk's rows (chunk->good stops at the first failure) and writes the manifest lines
 * of those signed into memory, for the main thread to append to the manifest in one write. */
static void issue_chunk_sign(issue_batch *b, vb_cose_signer *signer, issue_chunk *chunk)
{
    chunk->manifest = NULL;
    chunk->manifest_length = 0;
    if (chunk->good == 0)
        return;
    FILE *lines = open_memstream(&chunk->manifest, &chunk->manifest_length);
    if (!lines) {
        vb_fail(&chunk->err, VB_ERR_NOMEM, "out of memory");
        chunk->good = 0;
        chunk->failed = true;
        return;
    }
    for (size_t i = 0; i < chunk->good; i++) {
        issue_item *item = &chunk->items[i];
        if (issue_item_sign(b, signer, item, &chunk->prepared[i], &chunk->err) != VB_OK) {
            chunk->good = i;
            chunk->failed = true;
            break;
        }
        issuer_manifest_line(lines, &item->credential, item->record_length, item->version, item->link);
    }
    if (fclose(lines) != 0 && !chunk->failed) {
        vb_fail(&chunk->err, VB_ERR_NOMEM, "out of memory");
        chunk->good = 0;
        chunk->failed = true;
    }
}

static void *issue_worker_main(void *argument)
{
    issue_worker *worker = argument;
    issue_pool *pool = worker->pool;
    for (;;) {
        /* Take the next chunk of the roster, in turn with the other workers. */
        pthread_mutex_lock(&pool->read_lock);
        pthread_mutex_lock(&pool->lock);
        while (!pool->stop && !pool->end && pool->filled - pool->retired >= pool->ring_size)
            pthread_cond_wait(&pool->space, &pool->lock);
        if (pool->stop || pool->end) {
            pthread_mutex_unlock(&pool->lock);
            pthread_mutex_unlock(&pool->read_lock);
            break;
        }
        issue_chunk *chunk = &pool->ring[pool->filled % pool->ring_size];
        chunk->done = false;
        pthread_mutex_unlock(&pool->lock);
        chunk->failed = issue_chunk_fill(pool, chunk, &chunk->err) != VB_OK;
        chunk->good = chunk->count;
        pthread_mutex_lock(&pool->lock);
        pool->refused = pool->refused || chunk->problems;
        if (pool->refused)
            chunk->good = 0; /* read for its problems only */
        if (chunk->failed || chunk->count < ISSUE_CHUNK_ROWS)
            pool->end = true;
        if (chunk->count || chunk->failed)
            pool->filled++;
        pthread_cond_broadcast(&pool->done); /* the main thread may be waiting for the end */
        pthread_mutex_unlock(&pool->lock);
        pthread_mutex_unlock(&pool->read_lock);

        /* Then sign it, beside the other workers. */
        issue_chunk_sign(pool->batch, &worker->signer, chunk);
        pthread_mutex_lock(&pool->lock);
        chunk->done = true;
        pthread_cond_broadcast(&pool->done);
        pthread_mutex_unlock(&pool->lock);
    }
    return NULL;
}

static long issue_worker_count(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores < 1 ? 1 : cores > ISSUE_MAX_WORKERS ? ISSUE_MAX_WORKERS : cores;
}

/* Stops and joins the workers (each finishes the chunk in its hands), frees everything. */
static void issue_pool_close(issue_pool *pool)
{
    pthread_mutex_lock(&pool->lock);
    pool->stop = true;
    pthread_cond_broadcast(&pool->space);
    pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < pool->worker_count; i++) {
        if (pool->workers[i].started)
            pthread_join(pool->workers[i].thread, NULL);
        if (pool->workers[i].signer.context)
            vb_cose_signer_free(&pool->workers[i].signer);
    }
    if (pool->ring) {
        for (size_t i = 0; i < pool->ring_size; i++)
            free(pool->ring[i].manifest);
        explicit_bzero(pool->ring, pool->ring_size * sizeof *pool->ring); /* identification numbers */
        free(pool->ring);
    }
    pthread_cond_destroy(&pool->space);
    pthread_cond_destroy(&pool->done);
    pthread_mutex_destroy(&pool->lock);
    pthread_mutex_destroy(&pool->read_lock);
}

static vb_status issue_pool_open(issue_pool *pool, issue_batch *b, vb_roster_reader *reader, vb_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->batch = b;
    pool->reader = reader;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_mutex_init(&pool->read_lock, NULL);
    pthread_cond_init(&pool->space, NULL);
    pthread_cond_init(&pool->done, NULL);
    vb_status s = vb_register_next_record_id(b->reg, &pool->next_record_id, err);
    if (s == VB_OK)
        s = vb_register_next_register_number(b->reg, b->options.type, b->register_year, &pool->next_number, err);
    if (s == VB_OK && (s = vb_register_event_count(b->reg, &pool->next_sequence, err)) == VB_OK)
        pool->next_sequence++;
    if (s != VB_OK)
        return s;
    pool->worker_count = (size_t)issue_worker_count();
    /* Room for each worker to run a few chunks ahead of the register's thread: the two sides
     * take turns being the slower (a chunk's inserts cost more when SQLite spills its cache), and
     * with a ring of 2 per worker they waited for each other ~0.4 s in 4 s at 100k rows; with 6
     * it is ~7 % faster, for ~1.5 MB more (16 per worker: no faster, 12 MB more). */
    pool->ring_size = 6 * pool->worker_count + 2;
    if (!(pool->ring = calloc(pool->ring_size, sizeof *pool->ring)))
        return vb_fail(err, VB_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < pool->worker_count; i++) {
        issue_worker *worker = &pool->workers[i];
        worker->pool = pool;
        if ((s = vb_cose_signer_init(&worker->signer, b->signer.key, b->signer.kid, err)) != VB_OK)
            return s;
    }
    for (size_t i = 0; i < pool->worker_count; i++) {
        issue_worker *worker = &pool->workers[i];
        int rc = pthread_create(&worker->thread, NULL, issue_worker_main, worker);
        if (rc != 0)
            return vb_fail(err, VB_ERR_NOMEM, "cannot start a signing thread: %s", strerror(rc));
        worker->started = true;
    }
    return VB_OK;
}

/* The main thread's share of one chunk, in roster order, inside the transaction: the register,
 * then the manifest. */
static vb_status issue_chunk_write(issue_batch *b, issue_chunk *chunk, vb_error *err)
{
    size_t appended = 0;
    vb_status s = VB_OK;

    /* Each clean row against the register, under the write lock (a graduate repeated inside the
     * roster is the reader's problem, and the reader's rule is the wider: so when the register
     * held no credential of the type as the batch began, there is nothing to look up); once
     * refused, only for the list of problems. */
    b->refused = b->refused || chunk->problems;
    for (size_t i = 0; b->holds_type && i < chunk->count; i++) {
        if (chunk->items[i].row.problem_count)
            continue;
        long found = issue_check_row(&b->check, &chunk->items[i].row, b->extra, err);
        if (found < 0)
            return err->code != VB_OK ? err->code : VB_ERR_IO;
        b->extra_problems += (size_t)found;
        b->refused = b->refused || found > 0;
    }
    if (b->refused)
        return VB_OK;
    s = vb_register_append_prepared(b->reg, chunk->prepared, chunk->good, &appended, err);
    if (s != VB_OK) {
        /* A serial already in the register is refused by its unique index, which leaves nothing of
         * the rows; only then are they looked up, for the message (not a query per row). */
        vb_error ignored;
        bool taken = false;
        for (size_t i = appended; s == VB_ERR_REGISTER_REFUSED && i < chunk->good; i++)
            if (vb_register_serial_taken(b->reg, chunk->items[i].credential.serial, &taken, &ignored) == VB_OK && taken)
                return vb_fail(err, VB_ERR_REGISTER_REFUSED,
                               "serial %s is already in the register: the pattern '%s' repeats serials (add {YYYY} "
                               "to it); nothing was issued",
                               chunk->items[i].credential.serial, b->pattern);
        return s;
    }
    if (chunk->good && fwrite(chunk->manifest, 1, chunk->manifest_length, b->manifest) != chunk->manifest_length)
        return vb_fail(err, VB_ERR_IO, "cannot write the manifest: %s", strerror(errno));
    for (size_t i = 0; i < chunk->good; i++) {
        const issue_item *item = &chunk->items[i];
        if (b->stats.count == 0) {
            b->first_record = item->record_id;
            b->first_number = item->number;
            b->first_sequence = chunk->prepared[i].event.sequence;
            snprintf(b->first_serial, sizeof b->first_serial, "%s", item->credential.serial);
        }
        issuer_stats_add(&b->stats, item->record_length, item->version);
    }
    if (chunk->good) {
        const issue_item *last = &chunk->items[chunk->good - 1];
        b->last_record = last->record_id;
        b->last_number = last->number;
        b->last_sequence = chunk->prepared[chunk->good - 1].event.sequence;
        snprintf(b->last_serial, sizeof b->last_serial, "%s", last->credential.serial);
    }
    return VB_OK;
}

/* Pass two's rows: returns the first failure, with every worker stopped. */
/* What the batch writes — the register's WAL, where SQLite spills the transaction's pages, and
 * the manifest — is handed to the disk as it grows (sync_file_range starts the writeback and
 * does not wait for it), so that the syncs before and at COMMIT find little left to write and
 * the disk works while the cores sign. Every ISSUE_WRITEBACK_CHUNKS chunks (~1.5 MB of WAL). */
#define ISSUE_WRITEBACK_CHUNKS 32

static void issue_start_writeback(issue_batch *b, int wal)
{
    if (wal >= 0)
        (void)sync_file_range(wal, 0, 0, SYNC_FILE_RANGE_WRITE);
    if (b->manifest && fflush(b->manifest) == 0)
        (void)sync_file_range(fileno(b->manifest), 0, 0, SYNC_FILE_RANGE_WRITE);
}

static vb_status issue_rows(issue_batch *b, vb_roster_reader *reader, issuer_progress *progress, vb_error *err)
{
    issue_pool pool;
    char wal_path[4096];
    snprintf(wal_path, sizeof wal_path, "%s-wal", b->options.register_path);
    int wal = open(wal_path, O_RDONLY | O_CLOEXEC); /* -1: no writeback ahead, nothing else lost */
    vb_status s = issue_pool_open(&pool, b, reader, err);
    while (s == VB_OK) {
        /* The oldest chunk, once signed, goes into the register: roster order. */
        pthread_mutex_lock(&pool.lock);
        issue_chunk *chunk = &pool.ring[pool.retired % pool.ring_size];
        while (!(pool.retired < pool.filled && chunk->done) && !(pool.end && pool.retired == pool.filled))
            pthread_cond_wait(&pool.done, &pool.lock);
        bool finished = pool.retired == pool.filled;
        pthread_mutex_unlock(&pool.lock);
        if (finished)
            break;
        s = issue_chunk_write(b, chunk, err);
        free(chunk->manifest);
        chunk->manifest = NULL;
        if (s == VB_OK && chunk->failed) {
            *err = chunk->err;
            s = err->code != VB_OK ? err->code : VB_ERR_IO;
        }
        pthread_mutex_lock(&pool.lock);
        pool.retired++;
        pool.refused = pool.refused || b->refused;
        pthread_cond_broadcast(&pool.space);
        pthread_mutex_unlock(&pool.lock);
        issuer_progress_update(progress, b->stats.count);
        if (pool.retired % ISSUE_WRITEBACK_CHUNKS == 0) {
            issue_start_writeback(b, wal);
            if (s == VB_OK && !b->refused) /* the check before COMMIT, a piece at a time */
                s = vb_register_check_so_far(b->reg, err);
        }
    }
    issue_pool_close(&pool);
    if (wal >= 0)
        close(wal);
    return s;
}

static bool parse_token(const char *hex, uint8_t token[TOKEN_BYTES])
{
    for (size_t i = 0; i < TOKEN_BYTES; i++) {
        unsigned value;
        if (sscanf(hex + 2 * i, "%2x", &value) != 1)
            return false;
        token[i] = (uint8_t)value;
    }
    return hex[2 * TOKEN_BYTES] == '-';
}

static void sync_directory(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Settles the pending files in out: those of committed batches take their real names (the
 * rename that a killed run did not reach), the rest are deleted. only_token, when not NULL,
 * limits this to one batch (just committed). The manifest is named last, so a manifest.csv
 * means every file of its batch has its name. Returns the number renamed, or -1. */
static long settle_pending(vb_register *reg, const char *out, const uint8_t *only_token, vb_error *err)
{
    DIR *directory = opendir(out);
    long renamed = 0;
    if (!directory)
        return errno == ENOENT ? 0 : (vb_fail(err, VB_ERR_IO, "cannot read %s: %s", out, strerror(errno)), -1);
    struct dirent *entry;
    uint8_t last_token[TOKEN_BYTES];
    bool last_known = false, last_committed = false;
    for (int pass = 0; pass < 2; pass++, rewinddir(directory))
    while ((entry = readdir(directory)) != NULL) {
        const char *name = entry->d_name;
        uint8_t token[TOKEN_BYTES];
        if (strncmp(name, PENDING_PREFIX, strlen(PENDING_PREFIX)) != 0 ||
            !parse_token(name + strlen(PENDING_PREFIX), token))
            continue;
        if (only_token && memcmp(token, only_token, TOKEN_BYTES) != 0)
            continue;
        const char *real = name + strlen(PENDING_PREFIX) + 2 * TOKEN_BYTES + 1;
        if ((strcmp(real, "manifest.csv") == 0) != (pass == 1))
            continue;
        if (!last_known || memcmp(token, last_token, TOKEN_BYTES) != 0) {
            uint64_t batch_id = 0;
            if (vb_register_batch_by_token(reg, token, &batch_id, err) != VB_OK) {
                closedir(directory);
                return -1;
            }
            memcpy(last_token, token, TOKEN_BYTES);
            last_known = true;
            last_committed = batch_id != 0;
        }
        char from[4096], to[4096];
        snprintf(from, sizeof from, "%s/%s", out, name);
        snprintf(to, sizeof to, "%s/%s", out, real);
        /* A ".tmp-" remnant is a picture whose atomic write was cut short: never whole. */
        if (last_committed && !strstr(real, ".tmp-") && real[0]) {
            if (rename(from, to) != 0) {
                vb_fail(err, VB_ERR_IO, "cannot rename %s: %s", from, strerror(errno));
                closedir(directory);
                return -1;
            }
            renamed++;
        } else {
            unlink(from);
        }
    }
    closedir(directory);
    sync_directory(out);
    return renamed;
}

/* One `issue` at a time writes into a folder: a lock on the folder itself (no lock file). */
static int lock_output(const char *out)
{
    int fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, ISSUER_PROGRAM ": cannot open %s: %s\n", out, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        fprintf(stderr, ISSUER_PROGRAM ": another 'vanbang-issue issue' is writing into %s; wait for it\n", out);
        close(fd);
        return -1;
    }
    return fd;
}

static vb_status sha256_file(const char *path, uint8_t digest[32], vb_error *err)
{
    FILE *in = fopen(path, "rb");
    if (!in)
        return vb_fail(err, VB_ERR_IO, "%s: %s", path, strerror(errno));
    EVP_MD_CTX *context = EVP_MD_CTX_new();
    uint8_t buffer[65536];
    size_t n;
    bool ok = context && EVP_DigestInit_ex(context, EVP_sha256(), NULL) == 1;
    while (ok && (n = fread(buffer, 1, sizeof buffer, in)) > 0)
        ok = EVP_DigestUpdate(context, buffer, n) == 1;
    ok = ok && !ferror(in) && EVP_DigestFinal_ex(context, digest, NULL) == 1;
    EVP_MD_CTX_free(context);
    fclose(in);
    return ok ? VB_OK : vb_fail(err, VB_ERR_IO, "%s: cannot read", path);
}

vb_status issuer_sha256_file(const char *path, uint8_t digest[32], vb_error *err) { return sha256_file(path, digest, err); }

/* Fault injection for tests/cli/test_issue_crash.sh, as SQLite's tests crash on purpose: with
 * VANBANG_TEST_KILL_AT=before-commit or after-commit in the environment, the process kills
 * itself (SIGKILL, nothing flushed or cleaned) at that point of the batch. */
static void test_kill_point(const char *point)
{
    const char *at = getenv("VANBANG_TEST_KILL_AT");
    if (at && strcmp(at, point) == 0)
        raise(SIGKILL);
}

/* Pass two and the commit. folder is the locked output folder's descriptor. Returns the exit
 * status. */
static int issue_batch_run(issue_batch *b, long long rows, int folder, vb_error *err)
{
    const issue_options *o = &b->options;
    char manifest_pending[4096], manifest_path[4096];
    uint8_t roster_digest[32];
    vb_status s = sha256_file(o->roster, roster_digest, err);
    if (s != VB_OK)
        return issuer_report(err);
    if (RAND_bytes(b->token, TOKEN_BYTES) != 1) {
        vb_fail(err, VB_ERR_CRYPTO, "no random bytes for the batch token");
        return issuer_report(err);
    }
    issuer_hex(b->token, TOKEN_BYTES, b->token_hex, sizeof b->token_hex);
    snprintf(manifest_pending, sizeof manifest_pending, "%s/" PENDING_PREFIX "%s-manifest.csv", o->out, b->token_hex);
    snprintf(manifest_path, sizeof manifest_path, "%s/manifest.csv", o->out);
    if (!(b->manifest = fopen(manifest_pending, "w"))) {
        fprintf(stderr, ISSUER_PROGRAM ": cannot create %s: %s\n", manifest_pending, strerror(errno));
        return ISSUER_EXIT_USAGE;
    }
    issuer_manifest_header(b->manifest);

    vb_roster_options roster_options;
    vb_roster_reader *reader = NULL;
    issuer_progress progress;
    vb_log_checkpoint checkpoint;
    b->now = (int64_t)time(NULL);
    vb_register_batch batch = {o->roster, roster_digest, o->type, o->issue_date, (uint64_t)rows, b->token, b->actor,
                               b->now};

    b->check = (issue_check){b->reg, o, {0}, false, 0};
    if (!(b->extra = open_memstream(&b->extra_text, &b->extra_size))) {
        fclose(b->manifest);
        unlink(manifest_pending);
        vb_fail(err, VB_ERR_NOMEM, "out of memory");
        return issuer_report(err);
    }
    s = vb_register_bulk_appends(b->reg, err); /* the references checked before COMMIT, set-based */
    if (s == VB_OK)
        s = vb_register_begin(b->reg, err);
    if (s == VB_OK)
        s = vb_register_holds_type(b->reg, o->type, &b->holds_type, err);
    if (s == VB_OK && o->first_number)
        s = vb_register_start_numbering(b->reg, o->type, b->register_year, o->first_number, err);
    if (s == VB_OK)
        s = vb_register_add_batch(b->reg, &batch, &b->batch_id, err);
    vb_roster_options_init(&roster_options, o->type, o->issue_date);
    if (s == VB_OK)
        s = vb_roster_open(o->roster, &roster_options, &reader, err);
    issuer_progress_start(&progress, "issuing", (uint64_t)rows);
    if (s == VB_OK)
        s = issue_rows(b, reader, &progress, err);
    issuer_progress_finish(&progress);
    if (b->check.cursor_open)
        issuer_cursor_close(&b->check.cursor);
    if (fclose(b->extra) != 0 && s == VB_OK)
        s = vb_fail(err, VB_ERR_NOMEM, "out of memory");
    b->extra = NULL;
    if (s == VB_OK && b->refused) { /* every problem, as pass one lists them; nothing is kept */
        issuer_roster_verdict(reader, o->roster, b->extra_text, b->extra_problems, err);
        s = err->code != VB_OK ? err->code : VB_ERR_CLAIM_RANGE;
    }
    free(b->extra_text);
    b->extra_text = NULL;
    vb_roster_close(reader);
    if (s == VB_OK && b->stats.count != (uint64_t)rows)
        s = vb_fail(err, VB_ERR_ARGUMENT, "%s changed while it was being issued; nothing was issued", o->roster);
    if (s == VB_OK)
        s = issuer_sign_checkpoint(b->reg, &b->signer, b->school_code, &checkpoint, err);
    /* Every pending file is whole on disk before the commit (one syncfs for all of them rather
     * than an fsync each), so the renames after it are all that is left. */
    if (s == VB_OK && fflush(b->manifest) != 0)
        s = vb_fail(err, VB_ERR_IO, "cannot write %s: %s", manifest_pending, strerror(errno));
    if (fclose(b->manifest) != 0 && s == VB_OK)
        s = vb_fail(err, VB_ERR_IO, "cannot write %s: %s", manifest_pending, strerror(errno));
    b->manifest = NULL;
    if (s == VB_OK && syncfs(folder) != 0)
        s = vb_fail(err, VB_ERR_IO, "cannot sync %s: %s", o->out, strerror(errno));
    if (s == VB_OK) {
        test_kill_point("before-commit");
        s = vb_register_commit(b->reg, err);
        if (s == VB_OK)
            test_kill_point("after-commit");
    } else {
        vb_register_rollback(b->reg);
    }
    if (s != VB_OK) {
        vb_error ignored;
        settle_pending(b->reg, o->out, b->token, &ignored); /* not committed: deletes them */
        return issuer_report(err);
    }

    /* Committed: the files take their names. */
    long renamed = settle_pending(b->reg, o->out, b->token, err);
    if (renamed < 0) {
        fprintf(stderr, ISSUER_PROGRAM ": the batch is in the register, but %s; run the same 'issue' into %s "
                        "again to finish naming the files\n",
                err->message, o->out);
        return ISSUER_EXIT_USAGE;
    }
    (void)manifest_path;
    char root_hex[2 * VB_LOG_HASH_BYTES + 1];
    issuer_hex(checkpoint.root, VB_LOG_HASH_BYTES, root_hex, sizeof root_hex);
    printf("issued %llu credentials (%s) as batch %llu of %s: register numbers %u..%u/%d, serials %s..%s, record ids "
           "%llu..%llu\n",
           (unsigned long long)b->stats.count, vb_credential_type_name(o->type, true), (unsigned long long)b->batch_id,
           o->register_path, b->first_number, b->last_number, b->register_year, b->first_serial, b->last_serial,
           (unsigned long long)b->first_record, (unsigned long long)b->last_record);
    printf("  %s and manifest.csv in %s; record bytes min %zu, mean %.1f, max %zu", o->png || o->svg ? "QR codes" : "no QR codes (--qr none)",
           o->out, b->stats.size_min, (double)b->stats.size_total / (double)b->stats.count, b->stats.size_max);
    if (o->png || o->svg)
        printf("; QR version %d..%d at %s", b->stats.version_min, b->stats.version_max, o->ecc);
    printf("\n");
    printf("  log: events %llu..%llu; signed checkpoint at size %llu, root %s\n",
           (unsigned long long)b->first_sequence, (unsigned long long)b->last_sequence,
           (unsigned long long)checkpoint.size, root_hex);
    return 0;
}

/* Unlocking the key (its scrypt, ~0.1 s) runs beside the counting of the roster when the
 * passphrase is not typed. */
typedef struct {
    const issue_options *options;
    vb_cose_signer *signer;
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1]; /* the certificate's */
    vb_status status;
    vb_error err;
    pthread_t thread;
    bool started;
} issue_unlock;

static void *issue_unlock_main(void *argument)
{
    issue_unlock *u = argument;
    const issue_options *o = u->options;
    u->status = issuer_unlock_key(o->cert, o->key, o->passphrase_fd, u->signer, u->school_code, &u->err);
    return NULL;
}

/* The key unlocked: waits for the thread if one was started, else unlocks it here. */
static vb_status issue_unlock_finish(issue_unlock *u, vb_error *err)
{
    if (u->started) {
        pthread_join(u->thread, NULL);
        u->started = false;
    } else {
        issue_unlock_main(u);
    }
    if (u->status != VB_OK)
        *err = u->err;
    return u->status;
}

int issuer_issue(int argc, char **argv)
{
    issue_batch *b = calloc(1, sizeof *b);
    vb_error err = {0};
    int status = 0, lock = -1;
    if (!b)
        return ISSUER_EXIT_USAGE;
    issue_options *o = &b->options;
    if ((status = issue_parse(argc, argv, o)) != 0) {
        free(b);
        return status < 0 ? 0 : status;
    }
    if (vb_qr_level_from_name(o->ecc, &b->level, &err) != VB_OK) {
        status = issue_usage("--ecc takes L, M, Q or H, not", o->ecc);
        free(b);
        return status;
    }
    int year, month, day;
    vb_civil_from_days(o->issue_date, &year, &month, &day);
    b->register_year = year;
    issuer_actor(o->actor, b->actor, sizeof b->actor);

    vb_status s = vb_register_open(o->register_path, &b->reg, &err);
    bool found;
    char name[VB_REGISTER_SCHOOL_NAME_BYTES];
    if (s == VB_OK)
        s = vb_register_school(b->reg, b->school_code, sizeof b->school_code, name, sizeof name, &err);
    if (s == VB_OK)
        s = vb_register_serial_pattern(b->reg, o->type, b->pattern, sizeof b->pattern, &err);
    if (s == VB_OK && !o->base_url)
        s = vb_register_setting(b->reg, "base_url", b->base_url, sizeof b->base_url, &found, &err);
    else if (o->base_url)
        snprintf(b->base_url, sizeof b->base_url, "%s", o->base_url);
    if (s == VB_OK && !o->place)
        s = vb_register_setting(b->reg, "place", b->place, sizeof b->place, &found, &err);
    else if (o->place)
        snprintf(b->place, sizeof b->place, "%s", o->place);
    if (s != VB_OK) {
        vb_register_close(b->reg);
        free(b);
        return issuer_report(&err);
    }
    if (!o->dry_run && (!b->base_url[0] || !b->place[0])) {
        vb_register_close(b->reg);
        free(b);
        return issue_usage("--base-url and --place are required (the register has no default for them)", NULL);
    }
    if (b->base_url[0]) {
        char canonical[VB_MAX_LINK_CHARS + 1];
        if (vb_link_canonical_base(b->base_url, canonical, sizeof canonical, NULL, &err) != VB_OK) {
            vb_register_close(b->reg);
            free(b);
            return issue_usage(err.message, NULL);
        }
    }

    /* The folder first: one issue at a time writes into it, and what a killed run left there is
     * settled before anything else (its committed files named, the rest deleted). */
    struct stat folder;
    if (!o->dry_run && stat(o->out, &folder) == 0) {
        char manifest_path[4096];
        snprintf(manifest_path, sizeof manifest_path, "%s/manifest.csv", o->out);
        if ((lock = lock_output(o->out)) < 0)
            status = ISSUER_EXIT_USAGE;
        if (status == 0 && settle_pending(b->reg, o->out, NULL, &err) < 0)
            status = issuer_report(&err);
        if (status == 0 && access(manifest_path, F_OK) == 0) {
            fprintf(stderr, ISSUER_PROGRAM ": %s already holds a batch (manifest.csv); issue into a new folder\n",
                    o->out);
            status = ISSUER_EXIT_USAGE;
        }
        if (status != 0) {
            if (lock >= 0)
                close(lock);
            vb_register_close(b->reg);
            free(b);
            return status;
        }
    }

    /* Pass one, the roster's own rules and then the register, for --dry-run and before a
     * passphrase is typed; otherwise the issuing pass checks as it goes (it checks in any case:
     * the register or the file may change in between). The rows counted without checks: 0 when
     * the header is unusable. */
    long long rows = -1;
    bool typed = o->passphrase_fd < 0 && !getenv(VB_PASSPHRASE_ENV);
    issue_unlock unlock = {.options = o, .signer = &b->signer};
    if (!o->dry_run && !typed) {
        unlock.started = pthread_create(&unlock.thread, NULL, issue_unlock_main, &unlock) == 0;
        vb_roster_options counting;
        uint64_t counted = 0;
        vb_roster_options_init(&counting, o->type, o->issue_date);
        if (vb_roster_count_rows(o->roster, &counting, &counted, &err) == VB_OK && counted > 0)
            rows = (long long)counted; /* else pass one says what is wrong */
    }
    if (rows < 0) {
        issue_check check = {b->reg, o, {0}, false, 0};
        err = (vb_error){0};
        if ((s = vb_register_begin_read(b->reg, &err)) == VB_OK) {
            rows = issuer_validate_roster(o->roster, o->type, o->issue_date, issue_check_row, &check, &err);
            vb_register_rollback(b->reg); /* read only: nothing to keep */
        }
        if (check.cursor_open)
            issuer_cursor_close(&check.cursor);
    }
    if (rows == 0 && err.code == VB_OK)
        vb_fail(&err, VB_ERR_ARGUMENT, "%s holds no graduates; nothing was issued", o->roster);
    if (rows <= 0) {
        if (lock >= 0)
            close(lock);
        if (unlock.started)
            pthread_join(unlock.thread, NULL);
        if (b->signer.context)
            vb_cose_signer_free(&b->signer);
        vb_register_close(b->reg);
        free(b);
        return err.code == VB_ERR_ARGUMENT ? (fprintf(stderr, ISSUER_PROGRAM ": %s\n", err.message), ISSUER_EXIT_REFUSED)
                                           : issuer_report(&err);
    }

    uint32_t next;
    uint64_t next_record;
    s = vb_register_next_register_number(b->reg, o->type, b->register_year, &next, &err);
    if (s == VB_OK)
        s = vb_register_next_record_id(b->reg, &next_record, &err);
    if (s == VB_OK && o->first_number && next != 1 && next != o->first_number)
        s = vb_fail(&err, VB_ERR_REGISTER_REFUSED,
                    "numbering of %s in %d has begun (next number %u); --first-number only starts a year",
                    vb_credential_type_name(o->type, true), b->register_year, next);
    if (s == VB_OK && o->first_number)
        next = o->first_number;
    if (s == VB_OK && o->dry_run) {
        char first[VB_TEXT_FIELD] = "", last[VB_TEXT_FIELD] = "";
        uint32_t last_number = next + (uint32_t)(rows - 1);
        issuer_expand_serial(b->pattern, b->school_code, (unsigned)b->register_year, next, first, sizeof first);
        issuer_expand_serial(b->pattern, b->school_code, (unsigned)b->register_year, last_number, last, sizeof last);
        printf("%s: %lld graduates would be issued (%s): register numbers %u..%u/%d, serials %s..%s, record ids "
               "%llu..%llu; nothing was changed\n",
               o->roster, rows, vb_credential_type_name(o->type, true), next, last_number, b->register_year, first,
               last, (unsigned long long)next_record, (unsigned long long)(next_record + (uint64_t)rows - 1));
        vb_register_close(b->reg);
        free(b);
        return 0;
    }
    if (s == VB_OK && o->trust)
        s = issuer_load_catalog(o->trust, o->anchor, &b->catalog, &err);
    if (s == VB_OK)
        s = issue_unlock_finish(&unlock, &err);
    else if (unlock.started)
        pthread_join(unlock.thread, NULL);
    if (s == VB_OK)
        s = issuer_check_school(b->reg, unlock.school_code, &err);
    if (s != VB_OK)
        status = issuer_report(&err);
    bool new_folder = false;
    if (status == 0 && lock < 0) { /* a new folder */
        if ((status = issuer_make_directory(o->out)) == 0 && (lock = lock_output(o->out)) < 0)
            status = ISSUER_EXIT_USAGE;
        new_folder = status == 0;
    }
    if (status == 0)
        status = issue_batch_run(b, rows, lock, &err);
    if (lock >= 0)
        close(lock);
    if (status != 0 && new_folder)
        rmdir(o->out); /* a refused batch leaves no folder of its own (only if empty) */
    if (b->signer.context)
        vb_cose_signer_free(&b->signer);
    vb_trust_free(&b->catalog);
    vb_register_close(b->reg);
    free(b);
    return status;
}
