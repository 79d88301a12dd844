/*
 * issuer/view.c — reading the register: `show` (one credential: its records, state and history),
 * `search` (by name without regard to accents, serial, date of birth) and `export` (the whole
 * register as CSV for the publication duty).
 *
 * None of them ever displays or writes the personal identification number: `show` says only
 * whether the register holds one. Nothing here writes to the register.
 */
#include "issuer.h"

#include "describe.h"
#include "fileio.h"
#include "link.h"
#include "register.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *kind_word(int kind)
{
    return kind == VB_KIND_CORRECTION ? "correction" : kind == VB_KIND_COPY ? "copy" : "original";
}

static void format_time(int64_t seconds, char *out, size_t out_size)
{
    time_t t = (time_t)seconds;
    struct tm local;
    localtime_r(&t, &local);
    strftime(out, out_size, "%d/%m/%Y %H:%M", &local);
}

/* "in force", "superseded by record 17", "revoked (fraud, decision 99/QĐ of 01/09/2026)". */
static void state_text(const vb_register_record *r, char *out, size_t out_size)
{
    if (r->state == VB_STATE_REVOKED) {
        char date[16] = "";
        if (r->has_revoke_decision_date)
            vb_date_format_dmy(r->revoke_decision_date, date, sizeof date);
        snprintf(out, out_size, "revoked (%s — %s; decision %s%s%s)", vb_register_revoke_reason_name(r->revoke_reason),
                 vb_register_revoke_reason_text(r->revoke_reason, false), r->revoke_decision, date[0] ? " of " : "",
                 date);
    } else if (r->state == VB_STATE_SUPERSEDED) {
        snprintf(out, out_size, "superseded by record %llu", (unsigned long long)r->superseded_by);
    } else {
        snprintf(out, out_size, "in force");
    }
}

/* ---------------------------------------------------------------- show */

static const char show_help[] =
    "NAME\n"
    "    vanbang-issue show — a credential in the register: its records, state and history\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue show SERIAL --register FILE [--record ID] [--base-url URL] [--english]\n"
    "\n"
    "DESCRIPTION\n"
    "    Prints the credential with this serial number: its state (in force, revoked with ground and\n"
    "    decision, or superseded by a correction), each of its records — the original, corrections,\n"
    "    copies from the register — with the printed fields and the verification link, and every\n"
    "    event of its life in order. The personal identification number is never shown; only whether\n"
    "    the register holds one.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE   the school's register\n"
    "    --record ID       name the credential by one of its record ids\n"
    "    --base-url URL    for the links (default: the register's)\n"
    "    --english         field labels in English\n"
    "\n"
    "EXIT STATUS\n"
    "    0 shown; 1 no such credential; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue show 2026000042 --register register.db\n";

typedef struct {
    const char *base_url;
    bool english;
} show_context;

static vb_status show_record(void *context, const vb_register_record *r, vb_error *err)
{
    const show_context *show = context;
    char state[VB_TEXT_FIELD + 128], when[32], fields[4096];
    (void)err;
    state_text(r, state, sizeof state);
    format_time(r->issued_at, when, sizeof when);
    printf("\nrecord %llu — %s", (unsigned long long)r->record_id, kind_word(r->credential.kind));
    if (r->credential.kind == VB_KIND_CORRECTION)
        printf(" superseding record %llu", (unsigned long long)r->supersedes);
    if (r->credential.kind == VB_KIND_COPY)
        printf(" %u, reproducing record %llu", r->credential.copy_number, (unsigned long long)r->copy_of);
    printf(" — %s\n", state);
    printf("  entered %s by %s%s", when, r->actor, r->batch_id ? "" : "\n");
    if (r->batch_id)
        printf(", batch %llu\n", (unsigned long long)r->batch_id);
    vb_describe_credential(&r->credential, show->english, fields, sizeof fields);
    for (char *line = strtok(fields, "\n"); line; line = strtok(NULL, "\n"))
        printf("  %s\n", line);
    if (show->base_url && show->base_url[0]) {
        char link[VB_MAX_LINK_CHARS + 1];
        vb_error ignored;
        if (vb_link_encode(show->base_url, r->record, r->record_length, link, sizeof link, NULL, &ignored) == VB_OK)
            printf("  link: %s\n", link);
    }
    return VB_OK;
}

static vb_status show_event(void *context, const vb_register_event *e, const uint8_t *entry, size_t entry_length,
                            vb_error *err)
{
    char when[32], date[16] = "";
    (void)context;
    (void)entry;
    (void)entry_length;
    (void)err;
    format_time(e->time, when, sizeof when);
    if (e->has_decision_date)
        vb_date_format_dmy(e->decision_date, date, sizeof date);
    printf("  #%-6llu %s  %-7s record %llu", (unsigned long long)e->sequence, when, vb_register_event_kind_name(e->kind),
           (unsigned long long)e->record_id);
    if (e->kind == VB_EVENT_REVOKE)
        printf(", ground %s", vb_register_revoke_reason_name(e->reason));
    if (e->kind == VB_EVENT_CORRECT && e->reason)
        printf(", ground %s", vb_register_correct_reason_name(e->reason));
    if (e->decision_number[0])
        printf(", %sdecision %s%s%s", e->kind == VB_EVENT_ISSUE ? "graduation " : "", e->decision_number,
               date[0] ? " of " : "", date);
    if (e->batch_id)
        printf(", batch %llu", (unsigned long long)e->batch_id);
    printf(", by %s\n", e->actor);
    return VB_OK;
}

int issuer_show(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, 'R'}, {"record", required_argument, NULL, 'i'},
        {"base-url", required_argument, NULL, 'b'}, {"english", no_argument, NULL, 'E'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *register_path = NULL, *serial = NULL;
    unsigned long long record_option = 0;
    show_context show = {NULL, false};
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'R': register_path = optarg; break;
        case 'b': show.base_url = optarg; break;
        case 'E': show.english = true; break;
        case 'i':
            if (!issuer_parse_unsigned(optarg, INT64_MAX, &record_option) || record_option == 0)
                return issuer_usage("show", "--record needs a record id from 1, not", optarg);
            break;
        case 'h': fputs(show_help, stdout); return 0;
        default: return issuer_usage("show", "unknown option", NULL);
        }
    }
    if (optind < argc)
        serial = argv[optind++];
    if (optind < argc)
        return issuer_usage("show", "unexpected argument", argv[optind]);
    if (!register_path)
        return issuer_usage("show", "--register is required", NULL);
    if (!serial && !record_option)
        return issuer_usage("show", "name the credential: SERIAL or --record ID", NULL);

    vb_register *reg;
    vb_error err = {0};
    vb_status s = vb_register_open(register_path, &reg, &err);
    if (s != VB_OK)
        return issuer_report(&err);
    char base_url[VB_REGISTER_SETTING_BYTES] = "";
    bool found;
    if (!show.base_url && vb_register_setting(reg, "base_url", base_url, sizeof base_url, &found, &err) == VB_OK)
        show.base_url = base_url;
    uint64_t record_id = 0;
    vb_register_record *head = malloc(sizeof *head);
    if (!head) {
        vb_register_close(reg);
        return ISSUER_EXIT_USAGE;
    }
    s = issuer_locate(reg, serial, record_option, &record_id, &err);
    if (s == VB_OK)
        s = vb_register_load(reg, record_id, head, &found, &err);
    if (s == VB_OK && !found)
        s = vb_fail(&err, VB_ERR_REGISTER_NOT_FOUND, "no record %llu in %s", (unsigned long long)record_id,
                    register_path);
    uint64_t current = 0;
    if (s == VB_OK)
        s = vb_register_current(reg, head->original_id, &current, &err);
    if (s == VB_OK && current != head->record_id)
        s = vb_register_load(reg, current, head, &found, &err);
    if (s == VB_OK) {
        char state[VB_TEXT_FIELD + 128];
        const vb_credential *cr = &head->credential;
        state_text(head, state, sizeof state);
        printf("serial %s — %s — register number %u/%u\n", cr->serial, vb_credential_type_name(cr->type, show.english),
               cr->register_number, cr->register_year);
        printf("state: %s; current record %llu\n", state, (unsigned long long)current);
        if (head->graduation_decision[0]) {
            char date[16] = "";
            if (head->has_graduation_decision_date)
                vb_date_format_dmy(head->graduation_decision_date, date, sizeof date);
            printf("graduation decision: %s%s%s\n", head->graduation_decision, date[0] ? " of " : "", date);
        }
        printf("personal identification number: %s\n",
               head->has_personal_id ? "recorded in the register (never shown)" : "not recorded");
        vb_register_query lineage = {head->original_id, NULL, NULL, false, 0};
        s = vb_register_each_record(reg, &lineage, show_record, &show, &err);
        if (s == VB_OK) {
            printf("\nhistory:\n");
            s = vb_register_each_event(reg, head->original_id, 0, show_event, NULL, &err);
        }
    }
    free(head);
    vb_register_close(reg);
    return s == VB_OK ? 0 : issuer_report(&err);
}

/* ---------------------------------------------------------------- search */

static const char search_help[] =
    "NAME\n"
    "    vanbang-issue search — find credentials in the register\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue search --register FILE [--name TEXT] [--serial SERIAL] [--birth-date DD/MM/YYYY]\n"
    "\n"
    "DESCRIPTION\n"
    "    Lists the records that match every criterion given, one a line: serial, register number,\n"
    "    record id and kind, name, date of birth, program, state. Names match without regard to case\n"
    "    or Vietnamese accents, on any part: 'nguyen thi dao' finds 'Nguyễn Thị Đào'.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE        the school's register\n"
    "    --name TEXT            part of the name, accents optional\n"
    "    --serial SERIAL        the serial number, exactly\n"
    "    --birth-date DATE      the date of birth, dd/mm/yyyy\n"
    "\n"
    "EXIT STATUS\n"
    "    0 one or more found; 1 none found; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue search --register register.db --name 'tran dinh khai'\n";

static vb_status search_line(void *context, const vb_register_record *r, vb_error *err)
{
    char born[16], state[VB_TEXT_FIELD + 128], kind[32];
    (void)err;
    (*(uint64_t *)context)++;
    vb_date_format_dmy(r->credential.birth_date, born, sizeof born);
    state_text(r, state, sizeof state);
    if (r->credential.kind == VB_KIND_COPY)
        snprintf(kind, sizeof kind, "copy %u", r->credential.copy_number);
    else
        snprintf(kind, sizeof kind, "%s", kind_word(r->credential.kind));
    printf("%s\t%u/%u\trecord %llu\t%s\t%s\t%s\t%s %s\t%s\n", r->credential.serial, r->credential.register_number,
           r->credential.register_year, (unsigned long long)r->record_id, kind, r->credential.name, born,
           r->credential.program_code, r->credential.program_name, state);
    return VB_OK;
}

int issuer_search(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, 'R'}, {"name", required_argument, NULL, 'n'},
        {"serial", required_argument, NULL, 's'},   {"birth-date", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
    };
    const char *register_path = NULL;
    vb_register_query query = {0, NULL, NULL, false, 0};
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'R': register_path = optarg; break;
        case 'n': query.name = optarg; break;
        case 's': query.serial = optarg; break;
        case 'd':
            if (!vb_date_parse_dmy(optarg, &query.birth_date))
                return issuer_usage("search", "--birth-date needs a real date as dd/mm/yyyy, not", optarg);
            query.has_birth_date = true;
            break;
        case 'h': fputs(search_help, stdout); return 0;
        default: return issuer_usage("search", "unknown option", NULL);
        }
    }
    if (optind < argc)
        return issuer_usage("search", "unexpected argument", argv[optind]);
    if (!register_path)
        return issuer_usage("search", "--register is required", NULL);
    if (!query.name && !query.serial && !query.has_birth_date)
        return issuer_usage("search", "give --name, --serial or --birth-date", NULL);
    if (query.name) {
        char folded[VB_TEXT_FIELD * 2];
        if (!vb_register_fold_name(query.name, folded, sizeof folded) || !folded[0])
            return issuer_usage("search", "--name needs letters", NULL);
    }

    vb_register *reg;
    vb_error err = {0};
    uint64_t count = 0;
    vb_status s = vb_register_open(register_path, &reg, &err);
    if (s == VB_OK)
        s = vb_register_each_record(reg, &query, search_line, &count, &err);
    vb_register_close(reg);
    if (s != VB_OK)
        return issuer_report(&err);
    fprintf(stderr, "%llu record%s found\n", (unsigned long long)count, count == 1 ? "" : "s");
    return count ? 0 : ISSUER_EXIT_REFUSED;
}

/* ---------------------------------------------------------------- export */

static const char export_help[] =
    "NAME\n"
    "    vanbang-issue export — the register as CSV, for the publication duty\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue export --register FILE --out FILE.csv\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes every record of the register — originals, corrections, copies — with what is printed\n"
    "    on the diploma and its state (in force, superseded with the correcting record, revoked with\n"
    "    ground, decision and date), one line a record, in record-id order: what a school publishes\n"
    "    of what it issued. The personal identification number is never written. The file is UTF-8\n"
    "    CSV (RFC 4180), written under a temporary name and renamed when whole.\n"
    "\n"
    "COLUMNS\n"
    "    record_id, kind (original, correction, copy), copy_number, supersedes, serial, type,\n"
    "    register_year, register_number, full_name, birth_date, gender, program_code, program_name,\n"
    "    classification, training_mode, high_quality, issue_date, issue_place, graduation_decision,\n"
    "    graduation_decision_date, state (in-force, superseded, revoked), superseded_by, revoked_on,\n"
    "    revoke_reason, revoke_decision, revoke_decision_date. Dates dd/mm/yyyy; enumerations as\n"
    "    printed (Nam, Giỏi, Chính quy, …).\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue export --register register.db --out public/vanbang-2026.csv\n";

typedef struct {
    vb_register *reg;
    uint64_t count;
} export_context;

static void csv_date(FILE *out, bool present, int32_t days)
{
    char date[16];
    if (present) {
        vb_date_format_dmy(days, date, sizeof date);
        fputs(date, out);
    }
}

static const char *or_empty(const char *text) { return text ? text : ""; }

static vb_status export_record(void *context, const vb_register_record *r, vb_error *err)
{
    FILE *out = ((void **)context)[0];
    export_context *e = ((void **)context)[1];
    const vb_credential *c = &r->credential;
    e->count++;
    fprintf(out, "%llu,%s,", (unsigned long long)r->record_id, kind_word(c->kind));
    if (c->kind == VB_KIND_COPY)
        fprintf(out, "%u", c->copy_number);
    fputc(',', out);
    if (r->supersedes)
        fprintf(out, "%llu", (unsigned long long)r->supersedes);
    fputc(',', out);
    issuer_csv_field(out, c->serial);
    fputc(',', out);
    issuer_csv_field(out, or_empty(vb_credential_type_name(c->type, false)));
    fprintf(out, ",%u,%u,", c->register_year, c->register_number);
    issuer_csv_field(out, c->name);
    fputc(',', out);
    csv_date(out, true, c->birth_date);
    fprintf(out, ",%s,", c->gender ? or_empty(vb_gender_name(c->gender, false)) : "");
    issuer_csv_field(out, c->program_code);
    fputc(',', out);
    issuer_csv_field(out, c->program_name);
    fprintf(out, ",%s,%s,%s,", c->classification ? or_empty(vb_classification_name(c->classification, false)) : "",
            c->training_mode ? or_empty(vb_training_mode_name(c->training_mode, false)) : "",
            c->high_quality ? "yes" : "no");
    csv_date(out, true, c->issue_date);
    fputc(',', out);
    issuer_csv_field(out, c->issue_place);
    fputc(',', out);
    issuer_csv_field(out, r->graduation_decision);
    fputc(',', out);
    csv_date(out, r->has_graduation_decision_date, r->graduation_decision_date);
    fprintf(out, ",%s,", vb_register_state_name(r->state));
    if (r->state == VB_STATE_SUPERSEDED)
        fprintf(out, "%llu", (unsigned long long)r->superseded_by);
    fputc(',', out);
    if (r->state == VB_STATE_REVOKED) {
        char when[32];
        time_t t = (time_t)r->revoked_at;
        struct tm local;
        localtime_r(&t, &local);
        strftime(when, sizeof when, "%d/%m/%Y", &local);
        fprintf(out, "%s,%s,", when, vb_register_revoke_reason_name(r->revoke_reason));
        issuer_csv_field(out, r->revoke_decision);
        fputc(',', out);
        csv_date(out, r->has_revoke_decision_date, r->revoke_decision_date);
    } else {
        fputs(",,,", out);
    }
    fputc('\n', out);
    if (ferror(out))
        return vb_fail(err, VB_ERR_IO, "write failed");
    return VB_OK;
}

static vb_status export_write(FILE *out, const void *context, vb_error *err)
{
    export_context *e = (export_context *)context;
    void *pair[2] = {out, e};
    fputs("record_id,kind,copy_number,supersedes,serial,type,register_year,register_number,full_name,birth_date,"
          "gender,program_code,program_name,classification,training_mode,high_quality,issue_date,issue_place,"
          "graduation_decision,graduation_decision_date,state,superseded_by,revoked_on,revoke_reason,"
          "revoke_decision,revoke_decision_date\n",
          out);
    return vb_register_each_record(e->reg, NULL, export_record, pair, err);
}

int issuer_export(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"register", required_argument, NULL, 'R'},
        {"out", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *register_path = NULL, *out = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'R': register_path = optarg; break;
        case 'o': out = optarg; break;
        case 'h': fputs(export_help, stdout); return 0;
        default: return issuer_usage("export", "unknown option", NULL);
        }
    }
    if (optind < argc)
        return issuer_usage("export", "unexpected argument", argv[optind]);
    if (!register_path || !out)
        return issuer_usage("export", "--register and --out are required", NULL);
    export_context e = {NULL, 0};
    vb_error err = {0};
    vb_status s = vb_register_open(register_path, &e.reg, &err);
    if (s == VB_OK)
        s = vb_file_save(out, 0644, 0, export_write, &e, &err);
    vb_register_close(e.reg);
    if (s != VB_OK)
        return issuer_report(&err);
    printf("exported %llu records of %s to %s\n", (unsigned long long)e.count, register_path, out);
    return 0;
}
