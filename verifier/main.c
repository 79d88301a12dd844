/*
 * verifier/main.c — vanbang-verifier: checks diplomas offline against a trust list and the
 * schools' status lists (files of their own, or the portal's bundles of them).
 *
 *   vanbang-verifier check --anchor AUTHORITY.crt --trust TRUST.cbor [--status FILE…] [LINK…]
 *   vanbang-verifier serve --anchor AUTHORITY.crt --trust TRUST.cbor [--port N]   (serve.c)
 *
 * Verbs are dispatched from a table.
 */
#include "describe.h"
#include "service.h"
#include "keys.h"
#include "link.h"
#include "verify.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "vanbang-verifier"
#define MAX_ANCHORS 16

static const char check_help[] =
    "NAME\n"
    "    vanbang-verifier check — verify diplomas offline\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-verifier check --anchor FILE --trust FILE [--status FILE]… [--english]\n"
    "                           [--quiet] [LINK…]\n"
    "    vanbang-verifier check --anchor FILE --trust FILE [--status FILE]… --record FILE\n"
    "\n"
    "DESCRIPTION\n"
    "    Checks each LINK (the text of a diploma's QR code, or its digits alone) against the\n"
    "    trust list and prints the verdict and the fields as printed on the diploma. With no\n"
    "    LINK and no --record, reads one link per line from standard input. Needs no network.\n"
    "\n"
    "    With --status, a genuine record is looked up in its school's status list: a revoked\n"
    "    record is reported as revoked (ground, decision date and number), one superseded by a\n"
    "    correction as superseded, with the current record's id and, when the list carries it\n"
    "    and it verifies, its link. A --status FILE is one school's status list or the national\n"
    "    portal's bundle of them (every school's latest list in one file); each list in a bundle\n"
    "    is checked exactly as a file of its own, and any list that is not valid is an error\n"
    "    naming the file and its element (counted from 0).\n"
    "\n"
    "OPTIONS\n"
    "    --anchor FILE   certificate (PEM) of an authority whose trust lists you accept;\n"
    "                    repeat for several (up to 16)\n"
    "    --trust FILE    the signed trust list (trust.cbor) that authority published\n"
    "    --status FILE   a school's signed status list, or the portal's bundle of them,\n"
    "                    checked against the trust list; repeat for several files (up to\n"
    "                    64; one list per school in all)\n"
    "    --record FILE   verify a raw binary record (COSE_Sign1) instead of links\n"
    "    --english       print labels and verdicts in English (default Vietnamese)\n"
    "    --quiet         print one line per record: verdict code and serial number\n"
    "\n"
    "EXIT STATUS\n"
    "    0 every record is genuine and stands; 1 at least one is not (revoked and superseded\n"
    "    included); 2 usage or file errors, or a trust list or status list that is not valid.\n"
    "\n"
    "EXAMPLES\n"
    "    vanbang-verifier check --anchor authority.crt --trust trust.cbor \\\n"
    "        'HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/0119581424…'\n"
    "    vanbang-verifier check --anchor authority.crt --trust trust.cbor \\\n"
    "        --status CDNHN01-status.cose --english 'HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/0119…'\n"
    "    vanbang-verifier check --anchor authority.crt --trust trust.cbor \\\n"
    "        --status status-bundle.cbor 'HTTPS://XACTHUC.EXAMPLE.EDU.VN/V/0119…'\n";

static const char main_help[] =
    "NAME\n"
    "    vanbang-verifier — verify vanbang diplomas\n"
    "\n"
    "SYNOPSIS\n"
    "    vanbang-verifier VERB [OPTIONS]   (VERB --help for details)\n"
    "\n"
    "VERBS\n"
    "    check    verify links or records offline against a trust list\n"
    "    serve    the HTTP verifier service: the page a QR code opens, a JSON API\n";

typedef struct {
    bool english, quiet;
    const status_file *status;
    size_t status_count;
} check_options;

/* The base of a scanned link (everything before its digits), to write the current record's
 * link the same way; "" for bare digits or a raw record. */
static void link_base(const char *text, size_t length, char *out, size_t out_size)
{
    size_t offset = 0, digits = 0;
    vb_error err = {0};
    out[0] = '\0';
    if (text && vb_link_locate_digits(text, length, &offset, &digits, &err) == VB_OK && offset > 0 &&
        offset < out_size) {
        memcpy(out, text, offset);
        out[offset] = '\0';
    }
}

static void report_standing(const record_standing *st, bool english)
{
    char date[16], id[2 * 8 + 1];
    if (st->list) {
        text_date_dmy_from_time(date, st->list->issued_at);
        printf("  %s: %s %s %llu (%s %s)\n", english ? "status list" : "danh sách trạng thái", st->list->origin,
               english ? "no." : "số", (unsigned long long)st->list->sequence, english ? "issued" : "phát hành", date);
    } else if (st->state == STANDING_NO_LIST) {
        printf("  %s\n", english ? "status list: none held for this school"
                                 : "danh sách trạng thái: không có cho trường này");
    }
    if (st->state == STANDING_REVOKED) {
        const char *ground = vb_describe_revocation_reason(st->entry.reason, english);
        printf("  %s: %s\n", english ? "ground" : "lý do thu hồi", ground ? ground : "—");
    }
    if (st->state == STANDING_REVOKED || st->state == STANDING_SUPERSEDED) {
        text_date_dmy_from_days(date, st->entry.decision_date);
        printf("  %s: %s\n", english ? "decision date" : "ngày quyết định", date);
        if (st->decision_number[0])
            printf("  %s: %s\n", english ? "decision no." : "số quyết định", st->decision_number);
    }
    if (st->state == STANDING_SUPERSEDED) {
        standing_id_text(st->current_id, id, sizeof id);
        printf("  %s: %s%s\n", english ? "current record" : "bản hiện hành", id,
               st->current_revoked ? (english ? " (itself REVOKED)" : " (cũng ĐÃ BỊ THU HỒI)") : "");
        if (st->current_link[0])
            printf("  %s: %s\n", english ? "current link" : "đường dẫn bản hiện hành", st->current_link);
    }
}

static int report(const vb_trust_list *trust, const vb_verification *v, const char *source, const char *text,
                  size_t text_length, const check_options *options)
{
    char lines[4096], base[VB_MAX_LINK_CHARS + 1];
    record_standing *st = malloc(sizeof *st);
    if (!st) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        return 2;
    }
    link_base(text, text_length, base, sizeof base);
    verdict verdict_found = check_standing(options->status, options->status_count, trust, v, base[0] ? base : NULL,
                                           st);
    if (!base[0] && st->current_link[0]) /* no base: the digits alone, not a path on a service */
        memmove(st->current_link, st->current_link + 3, strlen(st->current_link + 3) + 1);
    int status = verdict_found == VERDICT_VALID ? 0 : 1;
    if (options->quiet) {
        printf("%s %s %s\n",
               verdict_found == VERDICT_REVOKED || verdict_found == VERDICT_SUPERSEDED ? verdict_name(verdict_found)
                                                                                    : vb_status_name(v->status),
               v->decoded ? v->credential.serial : "-", source);
        free(st);
        return status;
    }
    printf("%s: %s\n", source, verdict_headline(verdict_found, v->status, options->english));
    if (v->status != VB_OK)
        printf("  %s: %s (%s %d)\n", options->english ? "reason" : "lý do", v->error.message,
               vb_status_name(v->status), (int)v->status);
    report_standing(st, options->english);
    if (v->signer)
        printf("  %s: %s [%s]\n", options->english ? "issuer" : "đơn vị cấp", v->signer->organization,
               v->signer->school_code);
    if (v->decoded) {
        /* A record that failed still shows what it claims, for whoever investigates it, under
         * a line that says plainly that none of it is vouched for. */
        if (v->status != VB_OK)
            printf("  %s\n", options->english ? "NOT VERIFIED — what the record claims, vouched for by nobody:"
                                               : "KHÔNG XÁC THỰC — nội dung bản ghi tự khai, không ai bảo đảm:");
        else if (verdict_found == VERDICT_REVOKED)
            printf("  %s\n", options->english ? "REVOKED — what the revoked diploma said:"
                                               : "ĐÃ BỊ THU HỒI — nội dung của văn bằng đã bị thu hồi:");
        else if (verdict_found == VERDICT_SUPERSEDED)
            printf("  %s\n", options->english ? "SUPERSEDED — what the replaced record said:"
                                               : "ĐÃ ĐƯỢC THAY THẾ — nội dung của bản ghi đã được thay thế:");
        vb_describe_credential(&v->credential, options->english, lines, sizeof lines);
        for (char *line = strtok(lines, "\n"); line; line = strtok(NULL, "\n"))
            printf("  %s\n", line);
    }
    free(st);
    return status;
}

/* Loads every status list of the files (a bundle's each) against the snapshot's trust list, as
 * the service does; any invalid one, or two for one school, is an error (exit 2): a check that
 * silently skipped a school's revocations would mislead. */
static int load_status(char **paths, size_t count, trust_snapshot *snapshot)
{
    vb_error err = {0};
    if (trust_snapshot_load_status(snapshot, (const char *const *)paths, count, &err) != VB_OK) {
        fprintf(stderr, PROGRAM ": %s\n", err.message); /* it names the file and the status */
        return 2;
    }
    return 0;
}

static int load_trust(char **anchor_paths, size_t anchor_count, const char *trust_path, X509 **anchors,
                      vb_trust_list *trust)
{
    vb_error err = {0};
    for (size_t i = 0; i < anchor_count; i++)
        if (vb_cert_load(anchor_paths[i], &anchors[i], &err) != VB_OK) {
            fprintf(stderr, PROGRAM ": %s\n", err.message);
            return 2;
        }
    if (vb_trust_load_file(trust_path, anchors, anchor_count, 0, trust, &err) != VB_OK) {
        fprintf(stderr, PROGRAM ": %s: %s (%s)\n", trust_path, err.message, vb_status_name(err.code));
        return 2;
    }
    return 0;
}

static int command_check(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"anchor", required_argument, NULL, 'a'}, {"trust", required_argument, NULL, 't'},
        {"record", required_argument, NULL, 'r'}, {"english", no_argument, NULL, 'e'},
        {"quiet", no_argument, NULL, 'q'},        {"help", no_argument, NULL, 'h'},
        {"status", required_argument, NULL, 's'},
        {NULL, 0, NULL, 0},
    };
    char *anchor_paths[MAX_ANCHORS], *status_paths[SERVE_MAX_STATUS_FILES];
    size_t anchor_count = 0, status_count = 0;
    const char *trust_path = NULL, *record_path = NULL;
    check_options options = {0};
    int c;

    while ((c = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        switch (c) {
        case 'a':
            if (anchor_count == MAX_ANCHORS) {
                fprintf(stderr, PROGRAM ": at most %d --anchor certificates\n", MAX_ANCHORS);
                return 2;
            }
            anchor_paths[anchor_count++] = optarg;
            break;
        case 't': trust_path = optarg; break;
        case 's':
            if (status_count == SERVE_MAX_STATUS_FILES) {
                fprintf(stderr, PROGRAM ": at most %d --status files\n", SERVE_MAX_STATUS_FILES);
                return 2;
            }
            status_paths[status_count++] = optarg;
            break;
        case 'r': record_path = optarg; break;
        case 'e': options.english = true; break;
        case 'q': options.quiet = true; break;
        case 'h': fputs(check_help, stdout); return 0;
        default: fputs("Try 'vanbang-verifier check --help'.\n", stderr); return 2;
        }
    }
    if (anchor_count == 0 || !trust_path) {
        fprintf(stderr, PROGRAM " check: --anchor and --trust are required. Try --help.\n");
        return 2;
    }

    X509 *anchors[MAX_ANCHORS] = {0};
    trust_snapshot *snapshot = trust_snapshot_new();
    vb_verification *v = malloc(sizeof *v);
    if (!snapshot || !v) {
        fprintf(stderr, PROGRAM ": out of memory\n");
        free(v);
        trust_snapshot_release(snapshot);
        return 2;
    }
    const vb_trust_list *trust = &snapshot->list;
    int status = load_trust(anchor_paths, anchor_count, trust_path, anchors, &snapshot->list);
    if (status == 0)
        status = load_status(status_paths, status_count, snapshot);
    options.status = snapshot->status;
    options.status_count = snapshot->status_count;

    if (status == 0 && record_path) {
        FILE *file = fopen(record_path, "rb");
        uint8_t record[VB_MAX_RECORD_BYTES + 1];
        size_t length = file ? fread(record, 1, sizeof record, file) : 0;
        if (!file) {
            perror(record_path);
            status = 2;
        } else {
            fclose(file);
            vb_verify_record(trust, record, length, v);
            status = report(trust, v, record_path, NULL, 0, &options);
        }
    } else if (status == 0 && optind < argc) {
        for (int i = optind; i < argc; i++) {
            vb_verify_link(trust, argv[i], strlen(argv[i]), v);
            status |= report(trust, v, "link", argv[i], strlen(argv[i]), &options);
        }
    } else if (status == 0) {
        char line[VB_MAX_LINK_CHARS + 2];
        unsigned long number = 0;
        while (fgets(line, sizeof line, stdin)) {
            char source[32];
            size_t length = strcspn(line, "\r\n");
            number++;
            if (length == 0)
                continue;
            snprintf(source, sizeof source, "line %lu", number);
            vb_verify_link(trust, line, length, v);
            status |= report(trust, v, source, line, length, &options);
        }
    }
    free(v);
    trust_snapshot_release(snapshot);
    for (size_t i = 0; i < anchor_count; i++)
        X509_free(anchors[i]);
    return status;
}

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} verbs[] = {
    {"check", command_check},
    {"serve", command_serve},
};

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(main_help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++)
        if (strcmp(argv[1], verbs[i].name) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    fprintf(stderr, PROGRAM ": unknown verb '%s'. Try 'vanbang-verifier --help'.\n", argv[1]);
    return 2;
}
