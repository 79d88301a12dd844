/*
 * audit_cli.c — the `audit` and `report` verbs of vanbang-portal: open the store read only,
 * load the anchors and the trust list, run the audit (audit.c) with a progress bar when stderr
 * is a terminal, print a summary, and write report.html, anomalies.csv and statistics.csv
 * (report.c) into a folder.
 *
 *   vanbang-portal audit  --db FILE --anchor CRT --trust FILE [--province NAME] [--year YYYY]
 *                         [--out DIR] [--threads N] [--english]
 *   vanbang-portal report --db FILE --anchor CRT --trust FILE --province NAME [--year YYYY]
 *                         --out DIR [--threads N] [--english]
 *
 * Exit status: 0 no anomaly, 1 anomalies found, 2 usage, file or store errors.
 */
#include "portal.h"

#include "fileio.h"
#include "keys.h"
#include "trust.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define AUDIT_CLI_MAX_ANCHORS 16
#define AUDIT_CLI_EXIT_CLEAN 0
#define AUDIT_CLI_EXIT_ANOMALIES 1
#define AUDIT_CLI_EXIT_ERROR 2

static const char audit_help[] =
    "NAME\n"
    "    vanbang-portal audit — check everything the national portal holds\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal audit --db FILE --anchor FILE --trust FILE [--province NAME]\n"
    "                         [--year YYYY] [--out DIR] [--threads N] [--english]\n"
    "\n"
    "DESCRIPTION\n"
    "    Reads the portal's store (opened read only; the portal may keep serving) in one pass\n"
    "    and reports anomalies:\n"
    "      bad-signature          a stored record no longer verifies against the trust list,\n"
    "                             or its columns differ from what it signs\n"
    "      signer-not-valid       signed outside the signer certificate's validity\n"
    "      log-inconsistent       a school's stored events do not rebuild the roots of its\n"
    "                             signed checkpoints, or an event differs from its entry\n"
    "      tampering              an incident the portal recorded (a school's register changed\n"
    "                             after it was uploaded)\n"
    "      register-gap           register numbers of a type and year skip some\n"
    "      register-duplicate     two originals with one register number\n"
    "      serial-duplicate       two originals with one serial number in a school\n"
    "      late-issue             issued more than 5 days after the graduation decision\n"
    "      revocation-no-decision a revocation without a decision number\n"
    "      two-diplomas           one person holds two originals, not revoked, of the same\n"
    "                             type and program (across schools too)\n"
    "    and counts originals, corrections, copies and revocations by school, year of issue,\n"
    "    type, program and classification. Signatures are checked on N threads.\n"
    "\n"
    "    Prints a summary: anomalies by kind, records, seconds, records per second. With --out,\n"
    "    also writes DIR/report.html (one self-contained page with charts, no script),\n"
    "    DIR/anomalies.csv and DIR/statistics.csv; DIR is created when missing. Personal\n"
    "    identification numbers never appear in any output.\n"
    "\n"
    "OPTIONS\n"
    "    --db FILE        the portal's store (SQLite)\n"
    "    --anchor FILE    certificate (PEM) of an authority whose trust list you accept;\n"
    "                     repeat for several (up to 16)\n"
    "    --trust FILE     the signed trust list (trust.cbor) to verify records against\n"
    "    --province NAME  only the schools of this province (the ST of their certificates)\n"
    "    --year YYYY      only records issued in this calendar year (log checks and incidents\n"
    "                     of the schools in scope are reported whatever their year)\n"
    "    --out DIR        write report.html, anomalies.csv and statistics.csv into DIR\n"
    "    --threads N      signature checks in parallel (default: one per core)\n"
    "    --english        report and summary in English (default Vietnamese)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 no anomaly; 1 anomalies found; 2 usage, file or store errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-portal audit --db portal.db --anchor authority.crt --trust trust.cbor\n"
    "    vanbang-portal audit --db portal.db --anchor authority.crt --trust trust.cbor \\\n"
    "        --province 'Hà Nội' --year 2026 --out audit-2026\n";

static const char report_help[] =
    "NAME\n"
    "    vanbang-portal report — the yearly diploma report of a province\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-portal report --db FILE --anchor FILE --trust FILE --province NAME\n"
    "                          [--year YYYY] --out DIR [--threads N] [--english]\n"
    "\n"
    "DESCRIPTION\n"
    "    The report a province sends each year (due 5 December): the audit of\n"
    "    'vanbang-portal audit' over the schools of one province and the records issued in one\n"
    "    year (default: the current year), written to DIR/report.html, DIR/anomalies.csv and\n"
    "    DIR/statistics.csv (DIR is created when missing), with a one-line summary.\n"
    "\n"
    "OPTIONS\n"
    "    --db FILE        the portal's store (SQLite), opened read only\n"
    "    --anchor FILE    certificate (PEM) of an authority whose trust list you accept;\n"
    "                     repeat for several (up to 16)\n"
    "    --trust FILE     the signed trust list (trust.cbor) to verify records against\n"
    "    --province NAME  the province (the ST of its schools' certificates)\n"
    "    --year YYYY      the year of issue (default: this year)\n"
    "    --out DIR        where to write the three files\n"
    "    --threads N      signature checks in parallel (default: one per core)\n"
    "    --english        the report in English (default Vietnamese)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written, no anomaly; 1 written, anomalies found; 2 usage, file or store errors\n"
    "    (nothing written).\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-portal report --db portal.db --anchor authority.crt --trust trust.cbor \\\n"
    "        --province 'Hà Nội' --year 2026 --out bao-cao-2026\n";

typedef struct {
    const char *verb;
    const char *db_path, *trust_path, *province, *out_dir;
    char *anchor_paths[AUDIT_CLI_MAX_ANCHORS];
    size_t anchor_count;
    int year;
    unsigned threads;
    bool english;
} audit_cli_options;

static int usage(const char *verb, const char *message, const char *value)
{
    fprintf(stderr, PORTAL_PROGRAM " %s: %s%s%s%s. Try '" PORTAL_PROGRAM " %s --help'.\n", verb, message,
            value ? " '" : "", value ? value : "", value ? "'" : "", verb);
    return AUDIT_CLI_EXIT_ERROR;
}

static bool parse_year(const char *text, int *year)
{
    if (strlen(text) != 4 || strspn(text, "0123456789") != 4)
        return false;
    *year = atoi(text);
    return *year >= 1900 && *year <= 2199;
}

static bool parse_threads(const char *text, unsigned *threads)
{
    char *end = NULL;
    if (!text[0] || strspn(text, "0123456789") != strlen(text))
        return false;
    unsigned long value = strtoul(text, &end, 10);
    if (*end || value > 64)
        return false;
    *threads = (unsigned)value;
    return true;
}

/* Returns -1 to go on, else the exit status (0 after --help). */
static int parse_options(int argc, char **argv, const char *help, audit_cli_options *o)
{
    static const struct option long_options[] = {
        {"db", required_argument, NULL, 'd'},      {"anchor", required_argument, NULL, 'a'},
        {"trust", required_argument, NULL, 't'},   {"province", required_argument, NULL, 'p'},
        {"year", required_argument, NULL, 'y'},    {"out", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 'j'}, {"english", no_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    int c;
    optind = 0; /* glibc: start afresh, whoever parsed before (a test may run several verbs) */
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'd': o->db_path = optarg; break;
        case 'a':
            if (o->anchor_count == AUDIT_CLI_MAX_ANCHORS)
                return usage(o->verb, "at most 16 --anchor certificates", NULL);
            o->anchor_paths[o->anchor_count++] = optarg;
            break;
        case 't': o->trust_path = optarg; break;
        case 'p':
            if (strlen(optarg) > PORTAL_MAX_PROVINCE_BYTES)
                return usage(o->verb, "--province is longer than 128 bytes", NULL);
            o->province = optarg;
            break;
        case 'y':
            if (!parse_year(optarg, &o->year))
                return usage(o->verb, "--year wants a year from 1900 to 2199, not", optarg);
            break;
        case 'o': o->out_dir = optarg; break;
        case 'j':
            if (!parse_threads(optarg, &o->threads))
                return usage(o->verb, "--threads wants a number from 0 to 64, not", optarg);
            break;
        case 'e': o->english = true; break;
        case 'h': fputs(help, stdout); return AUDIT_CLI_EXIT_CLEAN;
        default: return usage(o->verb, "unknown option", NULL);
        }
    }
    if (optind < argc)
        return usage(o->verb, "unexpected argument", argv[optind]);
    if (!o->db_path || !o->trust_path || o->anchor_count == 0)
        return usage(o->verb, "--db, --anchor and --trust are required", NULL);
    return -1;
}

/* ---------------------------------------------------------------- store, trust */

static int pragma_int(sqlite3 *db, const char *sql, int64_t *value)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        *value = sqlite3_column_int64(q, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return rc;
}

static int open_store(const char *path, sqlite3 **db)
{
    struct stat info;
    int64_t application_id = 0, version = 0;
    if (stat(path, &info) != 0) {
        fprintf(stderr, PORTAL_PROGRAM ": %s: %s\n", path, strerror(errno));
        return AUDIT_CLI_EXIT_ERROR;
    }
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        fprintf(stderr, PORTAL_PROGRAM ": %s: cannot open: %s\n", path, *db ? sqlite3_errmsg(*db) : "out of memory");
        return AUDIT_CLI_EXIT_ERROR;
    }
    sqlite3_busy_timeout(*db, 30000);
    if (pragma_int(*db, "PRAGMA application_id", &application_id) != SQLITE_OK ||
        pragma_int(*db, "PRAGMA user_version", &version) != SQLITE_OK) {
        fprintf(stderr, PORTAL_PROGRAM ": %s: cannot read: %s\n", path, sqlite3_errmsg(*db));
        return AUDIT_CLI_EXIT_ERROR;
    }
    if (application_id != PORTAL_APPLICATION_ID) {
        fprintf(stderr, PORTAL_PROGRAM ": %s is not a vanbang-portal store (application_id %#llx, want %#x)\n", path,
                (unsigned long long)application_id, PORTAL_APPLICATION_ID);
        return AUDIT_CLI_EXIT_ERROR;
    }
    if (version > PORTAL_SCHEMA_VERSION) {
        fprintf(stderr, PORTAL_PROGRAM ": %s was made by a newer vanbang-portal (schema %lld; this one knows %d)\n",
                path, (long long)version, PORTAL_SCHEMA_VERSION);
        return AUDIT_CLI_EXIT_ERROR;
    }
    return AUDIT_CLI_EXIT_CLEAN;
}

static int load_trust(const audit_cli_options *o, X509 **anchors, vb_trust_list *trust)
{
    vb_error err = {0};
    for (size_t i = 0; i < o->anchor_count; i++)
        if (vb_cert_load(o->anchor_paths[i], &anchors[i], &err) != VB_OK) {
            fprintf(stderr, PORTAL_PROGRAM ": %s\n", err.message);
            return AUDIT_CLI_EXIT_ERROR;
        }
    if (vb_trust_load_file(o->trust_path, anchors, o->anchor_count, 0, trust, &err) != VB_OK) {
        fprintf(stderr, PORTAL_PROGRAM ": %s: %s (%s)\n", o->trust_path, err.message, vb_status_name(err.code));
        return AUDIT_CLI_EXIT_ERROR;
    }
    return AUDIT_CLI_EXIT_CLEAN;
}

/* ---------------------------------------------------------------- progress, summary */

static void progress_bar(void *context, uint64_t done, uint64_t total)
{
    (void)context;
    int width = 40, filled = total ? (int)(done * (uint64_t)width / total) : width;
    unsigned percent = total ? (unsigned)(done * 100 / total) : 100;
    fprintf(stderr, "\raudit [%.*s%*s] %3u%% %llu/%llu", filled, "########################################",
            width - filled, "", percent, (unsigned long long)done, (unsigned long long)total);
    fflush(stderr);
}

static uint64_t anomaly_total(const audit_result *r)
{
    uint64_t total = 0;
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++)
        total += r->anomaly_total[k];
    return total;
}

/* "  label   " padded to `width` characters: printf's %-24s counts bytes, and Vietnamese letters
 * take two or three. */
static void print_label(const char *label, int width)
{
    int characters = 0;
    for (const char *p = label; *p; p++)
        characters += ((unsigned char)*p & 0xc0) != 0x80;
    printf("  %s%*s", label, characters < width ? width - characters : 1, "");
}

static void print_summary(const audit_result *r, bool english)
{
    double rate = r->seconds > 0 ? (double)r->records / r->seconds : 0;
    printf("%s: %s, ", english ? "audit" : "kiểm tra",
           r->province[0] ? r->province : (english ? "all provinces" : "toàn quốc"));
    if (r->year)
        printf("%d\n", r->year);
    else
        printf("%s\n", english ? "all years" : "mọi năm");
    const struct {
        const char *vi, *en;
        uint64_t value;
    } rows[] = {
        {"trường", "schools", r->schools},
        {"bản ghi", "records", r->records},
        {"sự kiện trong nhật ký", "log events", r->events},
        {"chữ ký đã kiểm tra", "signatures checked", r->signatures_checked},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        print_label(english ? rows[i].en : rows[i].vi, 24);
        printf("%10llu\n", (unsigned long long)rows[i].value);
    }
    print_label(english ? "time" : "thời gian", 24);
    printf("%10.1f s, %.0f %s\n", r->seconds, rate, english ? "records/s" : "bản ghi/giây");
    printf("%s: %llu\n", english ? "anomalies" : "bất thường", (unsigned long long)anomaly_total(r));
    for (int k = 1; k < ANOMALY_KIND_COUNT; k++) {
        print_label(anomaly_name((anomaly_kind)k), 24);
        printf("%10llu  %s\n", (unsigned long long)r->anomaly_total[k], anomaly_text((anomaly_kind)k, english));
    }
    if (r->anomaly_count < anomaly_total(r))
        printf("  (%s %zu)\n", english ? "the files list the first" : "các tệp liệt kê", r->anomaly_count);
}

/* ---------------------------------------------------------------- files */

/* mkdir -p, 0755. */
static int make_directories(const char *path)
{
    char partial[4096];
    size_t length = strlen(path);
    struct stat info;
    if (length == 0 || length >= sizeof partial) {
        fprintf(stderr, PORTAL_PROGRAM ": --out: the folder name is empty or too long\n");
        return AUDIT_CLI_EXIT_ERROR;
    }
    memcpy(partial, path, length + 1);
    for (size_t i = 1; i <= length; i++) {
        if (partial[i] != '/' && partial[i] != '\0')
            continue;
        char saved = partial[i];
        partial[i] = '\0';
        if (mkdir(partial, 0755) != 0 && errno != EEXIST) {
            fprintf(stderr, PORTAL_PROGRAM ": cannot create folder %s: %s\n", partial, strerror(errno));
            return AUDIT_CLI_EXIT_ERROR;
        }
        partial[i] = saved;
    }
    if (stat(path, &info) != 0 || !S_ISDIR(info.st_mode)) {
        fprintf(stderr, PORTAL_PROGRAM ": %s is not a folder\n", path);
        return AUDIT_CLI_EXIT_ERROR;
    }
    return AUDIT_CLI_EXIT_CLEAN;
}

static int write_outputs(const char *dir, const audit_result *r, bool english)
{
    static const char *const names[3] = {"report.html", "anomalies.csv", "statistics.csv"};
    text_buffer buffers[3];
    int status = make_directories(dir);
    for (int i = 0; i < 3; i++)
        text_init(&buffers[i], 1 << 16);
    if (status == AUDIT_CLI_EXIT_CLEAN) {
        report_html(r, english, &buffers[0]);
        report_anomalies_csv(r, &buffers[1]);
        report_statistics_csv(r, &buffers[2]);
    }
    for (int i = 0; i < 3 && status == AUDIT_CLI_EXIT_CLEAN; i++) {
        char path[4200];
        vb_error err = {0};
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (buffers[i].failed) {
            fprintf(stderr, PORTAL_PROGRAM ": %s: out of memory\n", path);
            status = AUDIT_CLI_EXIT_ERROR;
        } else if (vb_file_save_bytes(path, 0644, buffers[i].data, buffers[i].length, &err) != VB_OK) {
            fprintf(stderr, PORTAL_PROGRAM ": %s\n", err.message);
            status = AUDIT_CLI_EXIT_ERROR;
        }
    }
    for (int i = 0; i < 3; i++)
        text_free(&buffers[i]);
    return status;
}

/* ---------------------------------------------------------------- the verbs */

/* Opens, loads, audits. On success (0) the caller owns *result. */
static int run(const audit_cli_options *o, audit_result *result)
{
    sqlite3 *db = NULL;
    X509 *anchors[AUDIT_CLI_MAX_ANCHORS] = {0};
    vb_trust_list trust = {0};
    int status = open_store(o->db_path, &db);
    if (status == AUDIT_CLI_EXIT_CLEAN)
        status = load_trust(o, anchors, &trust);
    if (status == AUDIT_CLI_EXIT_CLEAN) {
        bool bar = isatty(STDERR_FILENO) != 0;
        audit_options options = {
            .province = o->province ? o->province : "",
            .year = o->year,
            .threads = o->threads,
            .progress = bar ? progress_bar : NULL,
        };
        vb_error err = {0};
        vb_status s = audit_run(db, &trust, &options, result, &err);
        if (bar)
            fputc('\n', stderr);
        if (s != VB_OK) {
            fprintf(stderr, PORTAL_PROGRAM ": %s: %s (%s)\n", o->db_path, err.message, vb_status_name(s));
            status = AUDIT_CLI_EXIT_ERROR;
        }
    }
    vb_trust_free(&trust);
    for (size_t i = 0; i < o->anchor_count; i++)
        X509_free(anchors[i]);
    sqlite3_close(db);
    return status;
}

int command_audit(int argc, char **argv)
{
    audit_cli_options o = {.verb = "audit"};
    audit_result result;
    int status = parse_options(argc, argv, audit_help, &o);
    if (status >= 0)
        return status;
    memset(&result, 0, sizeof result);
    if ((status = run(&o, &result)) != AUDIT_CLI_EXIT_CLEAN)
        return status;
    print_summary(&result, o.english);
    if (o.out_dir) {
        status = write_outputs(o.out_dir, &result, o.english);
        if (status == AUDIT_CLI_EXIT_CLEAN)
            printf("%s %s/report.html, anomalies.csv, statistics.csv\n", o.english ? "wrote" : "đã ghi", o.out_dir);
    }
    if (status == AUDIT_CLI_EXIT_CLEAN && anomaly_total(&result) > 0)
        status = AUDIT_CLI_EXIT_ANOMALIES;
    audit_free(&result);
    return status;
}

int command_report(int argc, char **argv)
{
    audit_cli_options o = {.verb = "report"};
    audit_result result;
    int status = parse_options(argc, argv, report_help, &o);
    if (status >= 0)
        return status;
    if (!o.province || !o.province[0])
        return usage(o.verb, "--province is required (the report is a province's)", NULL);
    if (!o.out_dir)
        return usage(o.verb, "--out is required", NULL);
    if (o.year == 0) {
        time_t now = time(NULL);
        struct tm local;
        o.year = localtime_r(&now, &local) ? local.tm_year + 1900 : 1970 + (int)(now / 31556952);
    }
    memset(&result, 0, sizeof result);
    if ((status = run(&o, &result)) != AUDIT_CLI_EXIT_CLEAN)
        return status;
    status = write_outputs(o.out_dir, &result, o.english);
    if (status == AUDIT_CLI_EXIT_CLEAN) {
        printf(o.english ? "report %s %d: %llu schools, %llu records, %llu anomalies; written to %s\n"
                         : "báo cáo %s %d: %llu trường, %llu bản ghi, %llu bất thường; đã ghi vào %s\n",
               result.province, result.year, (unsigned long long)result.schools, (unsigned long long)result.records,
               (unsigned long long)anomaly_total(&result), o.out_dir);
        if (anomaly_total(&result) > 0)
            status = AUDIT_CLI_EXIT_ANOMALIES;
    }
    audit_free(&result);
    return status;
}
