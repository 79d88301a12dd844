/*
 * issuer/status_cli.c — `vanbang-issue status`: the signed status list (FORMAT.md §11) that tells
 * verifiers which of the school's records are revoked and which a correction superseded.
 *
 *   status export   the list of the register as it stands, signed, written atomically
 *   status show     what a list file holds (and, with --cert, whether the school signed it)
 *
 * What export lists, from the register's derived state (register.h "State"): every record of a
 * revoked credential as revoked — its original, corrections and copies alike, with the ground,
 * the decision number and date; every other superseded record as superseded by the correction
 * that replaced it, with that correction's decision; and, unless --no-replacements, the signed
 * record of each such correction so a verifier offline can show the current record. A decision
 * without a date is dated the local day its event was entered (FORMAT.md §11).
 *
 * The sequence: each export takes the register's last status sequence + 1 and commits it before
 * signing, so a list that then fails to be written leaves a gap, never two lists with one number
 * (verifiers refuse a list whose sequence is not above the one they hold).
 *
 * issuer_status_list_sign builds and signs the list; `status export` writes it to a file and
 * `upload` (upload.c) sends it to the national portal, so both publish the same list.
 */
#include "issuer.h"

#include "fileio.h"
#include "keys.h"
#include "register.h"
#include "statuslist.h"

#include <getopt.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int status_usage(const char *verb, const char *message, const char *value)
{
    fprintf(stderr, ISSUER_PROGRAM " status %s: %s%s%s%s. Try 'vanbang-issue status %s --help'.\n", verb, message,
            value ? " '" : "", value ? value : "", value ? "'" : "", verb);
    return ISSUER_EXIT_USAGE;
}

/* The local calendar day of a moment, as days since 1970 (the day the register entered it). */
static int32_t local_day(int64_t seconds)
{
    time_t t = (time_t)seconds;
    struct tm local;
    if (!localtime_r(&t, &local))
        return (int32_t)(seconds / 86400);
    return vb_days_from_civil(local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

/* ---------------------------------------------------------------- export */

static const char export_help[] =
    "NAME\n"
    "    vanbang-issue status export — the signed status list of revoked and superseded records\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue status export --register FILE --key school.key --cert school.crt --out FILE.cbor\n"
    "                                [--passphrase-fd N] [--no-replacements] [--after-sequence N]\n"
    "\n"
    "DESCRIPTION\n"
    "    Writes the school's status list (FORMAT.md §11) as the register stands now, signed with the\n"
    "    school's key: every record of a revoked credential (original, corrections, copies) as\n"
    "    revoked, with the ground, the decision number and its date; every other superseded record as\n"
    "    superseded by the correction that replaced it, with that correction's decision number and\n"
    "    date; and the signed record of each such correction, so a verifier offline shows the current\n"
    "    diploma. A decision entered without a date carries the day its event was entered.\n"
    "    Each export takes the next sequence number (kept in the register), so verifiers take it\n"
    "    over the list they hold. The list is complete: publish it whole, in place of the last one.\n"
    "    The file is written under a temporary name, synced and renamed, so a reader never sees half.\n"
    "\n"
    "OPTIONS\n"
    "    --register FILE      the school's register\n"
    "    --key, --cert        the school's signing key and certificate (the same that sign records)\n"
    "    --out FILE           where the list goes (replaced atomically when it exists)\n"
    "    --passphrase-fd N    read the key's passphrase from file descriptor N\n"
    "    --no-replacements    leave out the corrections' signed records (a smaller list; verifiers\n"
    "                         then name the current record by its id)\n"
    "    --after-sequence N   take a sequence above N even if the register's is lower: after restoring\n"
    "                         a backup older than the last list published (N = its sequence)\n"
    "\n"
    "EXIT STATUS\n"
    "    0 written; 1 refused (a certificate of another school, a decision number a list cannot\n"
    "    carry); 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue status export --register register.db --key school/school.key \\\n"
    "        --cert school/school.crt --out public/status.cbor\n";

/* The decision of a correction, by the record it made. */
typedef struct {
    uint64_t record_id;
    int32_t date;                      /* the decision's date, or the day of the event */
    char decision[VB_TEXT_FIELD];
} correction_decision;

typedef struct {
    correction_decision *items;
    size_t count, capacity;
} correction_list;

static vb_status collect_correction(void *context, const vb_register_event *e, const uint8_t *entry,
                                    size_t entry_length, vb_error *err)
{
    correction_list *list = context;
    (void)entry;
    (void)entry_length;
    if (e->kind != VB_EVENT_CORRECT)
        return VB_OK;
    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? 2 * list->capacity : 64;
        correction_decision *grown = realloc(list->items, capacity * sizeof *grown);
        if (!grown)
            return vb_fail(err, VB_ERR_NOMEM, "out of memory");
        list->items = grown;
        list->capacity = capacity;
    }
    correction_decision *c = &list->items[list->count++];
    c->record_id = e->record_id;
    c->date = e->has_decision_date ? e->decision_date : local_day(e->time);
    snprintf(c->decision, sizeof c->decision, "%s", e->decision_number);
    return VB_OK;
}

static int compare_corrections(const void *a, const void *b)
{
    const correction_decision *x = a, *y = b;
    return x->record_id < y->record_id ? -1 : x->record_id > y->record_id;
}

static const correction_decision *find_correction(const correction_list *list, uint64_t record_id)
{
    correction_decision key = {record_id, 0, ""};
    return list->count ? bsearch(&key, list->items, list->count, sizeof *list->items, compare_corrections) : NULL;
}

typedef struct {
    vb_statuslist_builder builder;
    correction_list corrections;
    bool replacements;
    uint64_t revoked, superseded, replacement_count;
} export_context;

static vb_status export_record(void *context, const vb_register_record *r, vb_error *err)
{
    export_context *x = context;
    vb_statuslist_entry entry = {0};
    const char *decision = NULL;
    vb_status s;
    entry.record_id = r->record_id;
    if (r->state == VB_STATE_REVOKED) {
        entry.state = VB_STATUSLIST_STATE_REVOKED;
        entry.reason = r->revoke_reason;
        entry.decision_date = r->has_revoke_decision_date ? r->revoke_decision_date : local_day(r->revoked_at);
        decision = r->revoke_decision[0] ? r->revoke_decision : NULL;
        x->revoked++;
    } else if (r->state == VB_STATE_SUPERSEDED) {
        const correction_decision *c = find_correction(&x->corrections, r->superseded_by);
        if (!c)
            return vb_fail(err, VB_ERR_REGISTER, "record %llu is superseded by record %llu, which has no correct event; "
                                                 "run 'vanbang-issue log verify'",
                           (unsigned long long)r->record_id, (unsigned long long)r->superseded_by);
        entry.state = VB_STATUSLIST_STATE_SUPERSEDED;
        entry.decision_date = c->date;
        entry.superseded_by = r->superseded_by;
        decision = c->decision[0] ? c->decision : NULL;
        x->superseded++;
    }
    /* A correction that stands or was itself corrected, of a credential not revoked: verifiers
     * can show it in place of the record it superseded. */
    if (x->replacements && r->credential.kind == VB_KIND_CORRECTION && r->state != VB_STATE_REVOKED) {
        if ((s = vb_statuslist_builder_add_replacement(&x->builder, r->record, r->record_length, err)) != VB_OK)
            return s;
        x->replacement_count++;
    }
    if (!entry.state)
        return VB_OK;
    s = vb_statuslist_builder_add(&x->builder, &entry, decision, err);
    if (s != VB_OK) {
        char why[sizeof err->message];
        snprintf(why, sizeof why, "%s", err->message);
        return vb_fail(err, VB_ERR_REGISTER_REFUSED, "record %llu (serial %s) cannot be listed: %s",
                       (unsigned long long)r->record_id, r->credential.serial, why);
    }
    return VB_OK;
}

void issuer_status_report_gap(uint64_t sequence)
{
    fprintf(stderr, ISSUER_PROGRAM ": status list sequence %llu was taken and not published; the next export takes "
                    "%llu (a gap is harmless)\n",
            (unsigned long long)sequence, (unsigned long long)sequence + 1);
}

vb_status issuer_status_list_sign(vb_register *reg, vb_cose_signer *signer, const char *school_code, bool replacements,
                                  uint64_t after_sequence, uint8_t **list, size_t *list_length,
                                  issuer_status_summary *summary, vb_error *err)
{
    export_context x;
    bool reading = false;
    vb_status s;
    memset(&x, 0, sizeof x);
    memset(summary, 0, sizeof *summary);
    *list = NULL;
    *list_length = 0;
    x.replacements = replacements;
    vb_statuslist_builder_init(&x.builder);
    /* One snapshot: the list speaks for the register as of issued_at. */
    if ((s = vb_register_begin_read(reg, err)) == VB_OK) {
        reading = true;
        summary->issued_at = (int64_t)time(NULL);
        s = vb_register_each_event(reg, 0, 1, collect_correction, &x.corrections, err);
    }
    if (s == VB_OK && x.corrections.count)
        qsort(x.corrections.items, x.corrections.count, sizeof *x.corrections.items, compare_corrections);
    if (s == VB_OK)
        s = vb_register_each_record(reg, NULL, export_record, &x, err);
    if (reading)
        vb_register_rollback(reg);
    if (s == VB_OK)
        s = vb_register_take_status_sequence(reg, after_sequence, &summary->sequence, err);
    if (s == VB_OK)
        s = vb_statuslist_sign(&x.builder, signer, school_code, summary->sequence, summary->issued_at, list,
                               list_length, err);
    summary->revoked = x.revoked;
    summary->superseded = x.superseded;
    summary->replacements = x.replacement_count;
    free(x.corrections.items);
    vb_statuslist_builder_free(&x.builder);
    return s;
}

static int status_export(int argc, char **argv)
{
    enum { OPTION_REGISTER = 256, OPTION_KEY, OPTION_CERT, OPTION_OUT, OPTION_FD, OPTION_PASSPHRASE, OPTION_BARE,
           OPTION_AFTER, OPTION_HELP };
    static const struct option long_options[] = {
        {"register", required_argument, NULL, OPTION_REGISTER},
        {"key", required_argument, NULL, OPTION_KEY},
        {"cert", required_argument, NULL, OPTION_CERT},
        {"out", required_argument, NULL, OPTION_OUT},
        {"passphrase-fd", required_argument, NULL, OPTION_FD},
        {"passphrase", required_argument, NULL, OPTION_PASSPHRASE},
        {"no-replacements", no_argument, NULL, OPTION_BARE},
        {"after-sequence", required_argument, NULL, OPTION_AFTER},
        {"help", no_argument, NULL, OPTION_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *register_path = NULL, *key = NULL, *cert = NULL, *out = NULL;
    int passphrase_fd = -1, c;
    unsigned long long number;
    uint64_t after = 0;
    bool replacements = true;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case OPTION_REGISTER: register_path = optarg; break;
        case OPTION_KEY: key = optarg; break;
        case OPTION_CERT: cert = optarg; break;
        case OPTION_OUT: out = optarg; break;
        case OPTION_FD:
            if (!issuer_parse_unsigned(optarg, 1023, &number))
                return status_usage("export", "--passphrase-fd needs a file descriptor number", NULL);
            passphrase_fd = (int)number;
            break;
        case OPTION_PASSPHRASE:
            return status_usage("export", "passphrases are never taken from the command line; use --passphrase-fd N "
                                          "or VANBANG_PASSPHRASE",
                                NULL);
        case OPTION_BARE: replacements = false; break;
        case OPTION_AFTER:
            if (!issuer_parse_unsigned(optarg, INT64_MAX - 1, &number))
                return status_usage("export", "--after-sequence needs a sequence number, not", optarg);
            after = number;
            break;
        case OPTION_HELP: fputs(export_help, stdout); return 0;
        default: return status_usage("export", "unknown option", NULL);
        }
    }
    if (optind < argc)
        return status_usage("export", "unexpected argument", argv[optind]);
    if (!register_path || !key || !cert || !out)
        return status_usage("export", "--register, --key, --cert and --out are required", NULL);

    vb_register *reg;
    vb_error err = {0};
    vb_cose_signer signer = {0};
    char school_code[VB_MAX_SCHOOL_CODE_BYTES + 1];
    uint8_t *list = NULL;
    size_t list_length = 0;
    issuer_status_summary summary;
    memset(&summary, 0, sizeof summary);
    vb_status s = vb_register_open(register_path, &reg, &err);
    if (s != VB_OK)
        return issuer_report(&err);
    s = issuer_unlock_key(cert, key, passphrase_fd, &signer, school_code, &err);
    if (s == VB_OK)
        s = issuer_check_school(reg, school_code, &err);
    if (s == VB_OK)
        s = issuer_status_list_sign(reg, &signer, school_code, replacements, after, &list, &list_length, &summary,
                                    &err);
    if (s == VB_OK)
        s = vb_file_save_bytes(out, 0644, list, list_length, &err);
    if (s == VB_OK) {
        char when[32];
        time_t t = (time_t)summary.issued_at;
        struct tm utc;
        gmtime_r(&t, &utc);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
        printf("status list %llu of %s, as of %s: %llu revoked, %llu superseded, %llu replacement record%s; %zu "
               "bytes written to %s\n",
               (unsigned long long)summary.sequence, school_code, when, (unsigned long long)summary.revoked,
               (unsigned long long)summary.superseded, (unsigned long long)summary.replacements,
               summary.replacements == 1 ? "" : "s", list_length, out);
    } else if (summary.sequence) {
        issuer_status_report_gap(summary.sequence);
    }
    free(list);
    if (signer.context)
        vb_cose_signer_free(&signer);
    vb_register_close(reg);
    return s == VB_OK ? 0 : issuer_report(&err);
}

/* ---------------------------------------------------------------- show */

static const char show_help[] =
    "NAME\n"
    "    vanbang-issue status show — what a status list file holds\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue status show FILE [--cert school.crt]\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks a status list as FORMAT.md §11 asks (the envelope, and every entry and map of the\n"
    "    payload) and prints it: the school, the sequence, the moment it speaks for, then one line per\n"
    "    listed record. With --cert, the list must also be signed by that certificate's key and speak\n"
    "    for that school. Verifiers check a list against the trust list instead\n"
    "    (vanbang-verifier check --status FILE).\n"
    "\n"
    "OUTPUT\n"
    "    'status list SEQUENCE of SCHOOL, as of TIME: N entries (R revoked, S superseded), K\n"
    "    replacement records', then per entry 'record ID: revoked — GROUND — DD/MM/YYYY[, decision\n"
    "    NUMBER]' or 'record ID: superseded by record ID2 on DD/MM/YYYY[, decision NUMBER][, current\n"
    "    record ID3][, replacement included]'.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 a well-formed list (signed by --cert when given); 1 a list that fails a check; 2 usage or\n"
    "    file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue status show public/status.cbor --cert school/school.crt\n";

static int status_show(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"cert", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cert = NULL, *path = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'c': cert = optarg; break;
        case 'h': fputs(show_help, stdout); return 0;
        default: return status_usage("show", "unknown option", NULL);
        }
    }
    if (optind < argc)
        path = argv[optind++];
    if (optind < argc)
        return status_usage("show", "unexpected argument", argv[optind]);
    if (!path)
        return status_usage("show", "name the status list file", NULL);

    vb_error err = {0};
    uint8_t *data = NULL;
    size_t length = 0;
    vb_cose_sign1 message;
    vb_statuslist list;
    bool parsed = false;
    X509 *certificate = NULL;
    memset(&list, 0, sizeof list);
    vb_status s = vb_file_read_all(path, VB_STATUSLIST_MAX_BYTES, &data, &length, &err);
    if (s != VB_OK)
        return issuer_report(&err);
    s = vb_cose_sign1_decode(data, length, &message, &err);
    if (s == VB_OK && cert) {
        uint8_t kid[VB_KID_BYTES];
        s = vb_cert_load(cert, &certificate, &err);
        if (s == VB_OK)
            s = vb_cert_kid(certificate, kid, &err);
        if (s == VB_OK && memcmp(kid, message.kid, VB_KID_BYTES) != 0)
            s = vb_fail(&err, VB_ERR_UNKNOWN_SIGNER, "%s was signed with another key than %s's", path, cert);
        if (s == VB_OK)
            s = vb_cose_sign1_verify(&message, X509_get0_pubkey(certificate), &err);
    }
    if (s == VB_OK && (s = vb_statuslist_parse_payload(message.payload, message.payload_length, &list, &err)) == VB_OK)
        parsed = true;
    if (s == VB_OK && certificate) {
        char code[VB_MAX_SCHOOL_CODE_BYTES + 1];
        s = vb_cert_school_code(X509_get_subject_name(certificate), code, sizeof code, &err);
        if (s == VB_OK && strcmp(code, list.origin) != 0)
            s = vb_fail(&err, VB_ERR_STATUS_ORIGIN, "%s speaks for school %s, but %s is school %s's", path, list.origin,
                        cert, code);
    }
    if (s == VB_OK) {
        uint64_t revoked = 0, superseded = 0;
        vb_statuslist_entry entry;
        for (size_t i = 0; i < list.count; i++) {
            vb_statuslist_entry_at(&list, i, &entry);
            revoked += entry.state == VB_STATUSLIST_STATE_REVOKED;
            superseded += entry.state == VB_STATUSLIST_STATE_SUPERSEDED;
        }
        char when[32];
        time_t t = (time_t)list.issued_at;
        struct tm utc;
        gmtime_r(&t, &utc);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &utc);
        printf("status list %llu of %s, as of %s: %zu entr%s (%llu revoked, %llu superseded), %zu replacement "
               "record%s%s\n",
               (unsigned long long)list.sequence, list.origin, when, list.count, list.count == 1 ? "y" : "ies",
               (unsigned long long)revoked, (unsigned long long)superseded, list.replacement_count,
               list.replacement_count == 1 ? "" : "s", cert ? "; signature ok" : "; signature not checked");
        for (size_t i = 0; i < list.count; i++) {
            const char *text;
            size_t text_length;
            char date[16];
            vb_statuslist_entry_at(&list, i, &entry);
            vb_date_format_dmy(entry.decision_date, date, sizeof date);
            bool has_decision = vb_statuslist_decision(&list, entry.record_id, &text, &text_length);
            if (entry.state == VB_STATUSLIST_STATE_REVOKED) {
                printf("record %llu: revoked — %s — %s", (unsigned long long)entry.record_id,
                       vb_register_revoke_reason_name(entry.reason), date);
            } else {
                uint64_t current = vb_statuslist_current_id(&list, entry.record_id);
                const uint8_t *replacement;
                size_t replacement_length;
                printf("record %llu: superseded by record %llu on %s", (unsigned long long)entry.record_id,
                       (unsigned long long)entry.superseded_by, date);
                if (current != entry.superseded_by)
                    printf(", current record %llu", (unsigned long long)current);
                if (vb_statuslist_replacement(&list, entry.superseded_by, &replacement, &replacement_length))
                    printf(", replacement included");
            }
            if (has_decision)
                printf(", decision %.*s", (int)text_length, text);
            putchar('\n');
        }
    }
    if (parsed)
        vb_statuslist_free(&list);
    X509_free(certificate);
    free(data);
    return s == VB_OK ? 0 : issuer_report(&err);
}

/* ---------------------------------------------------------------- dispatch */

static const char status_help[] =
    "NAME\n"
    "    vanbang-issue status — the school's signed status list for verifiers\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-issue status export --register FILE --key school.key --cert school.crt --out FILE.cbor\n"
    "    vanbang-issue status show FILE [--cert school.crt]\n"
    "\n"
    "DESCRIPTION\n"
    "    A status list (FORMAT.md §11) tells verifiers which of the school's records are revoked and\n"
    "    which a correction superseded. 'export' signs the list of the register as it stands; 'show'\n"
    "    prints a list file. Each verb has its own --help.\n"
    "\n"
    "EXIT STATUS\n"
    "    0 done; 1 refused or a list that fails a check; 2 usage or file errors.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-issue status export --register register.db --key school/school.key \\\n"
    "        --cert school/school.crt --out public/status.cbor\n";

int issuer_status(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(status_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? ISSUER_EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "export") == 0)
        return status_export(argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return status_show(argc - 1, argv + 1);
    fprintf(stderr, ISSUER_PROGRAM " status: unknown verb '%s' (export, show).\n", argv[1]);
    return ISSUER_EXIT_USAGE;
}
